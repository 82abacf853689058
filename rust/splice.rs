// SPDX-License-Identifier: GPL-2.0
//! Splice entries: what the table holds for each splice, its life (the sweep
//! that removes finished and idle entries) and reports. By concept:
//! `forward` (the per-packet work: the data path) and `replicate` (what
//! peers are told, and what they tell).

use crate::ffi::skb::{CsumMode, Skb};
use crate::ffi::sock::{Handed, PeerFin};
use crate::ffi::table::{
    jiffies, jiffies_to_secs, secs_to_jiffies, BhGuard, InsertError, Key, RcuGuard,
};
use crate::netns::NetState;
use crate::splice_core::conn::{Action, Phase, Side, Tracker};
use crate::splice_core::icmp;
use crate::splice_core::nudge::{self, Nudge, KICK_ERRORS, MAX_PACKET};
use crate::splice_core::splice::{Endpoint, Family, Splice, Tuple};
use crate::splice_core::sync::{Addr, DelReason, Op, Replica};
use crate::stats::Counter;
use core::num::NonZeroU64;
use kernel::alloc::kvec::PushError;
use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::atomic::{Atomic, Relaxed};
use kernel::sync::SpinLock;

mod forward;
mod replicate;

pub(crate) use forward::{
    drop_superseded, forward, forward_icmp, handed_segment, kick, local_ack, nudge_quiet, observe,
    superseded, update_windows,
};
pub(crate) use replicate::{apply, del_op, snapshot};

/// How long a splice whose FINs were both acknowledged keeps translating
/// (retransmitted FINs and final ACKs), in seconds.
pub(crate) const LINGER_FINISHED_SECS: u32 = 10;
/// The same after an exact reset.
pub(crate) const LINGER_RESET_SECS: u32 = 2;
/// How long the receiver of a reset that it may have accepted has to
/// answer it (with a challenge ACK, at once) before the reset counts as
/// accepted, in seconds; the table's collector looks once a second.
pub(crate) const RESET_ANSWER_SECS: u32 = 1;

/// What this node is to a splice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Made here by `SPLICE`: this proxy forwards it.
    Origin,
    /// Installed from a peer proxy's update: forwarded here when its flows
    /// come here (a takeover, or a router spreading them).
    Replica,
    /// Installed on the backend of a split splice: translates this host's
    /// own packets to the client in LOCAL_OUT and follows the proxy's in
    /// PRE_ROUTING.
    SplitBackend,
}

/// One splice in the table.
#[pin_data]
pub(crate) struct Entry {
    pub(crate) id: u64,
    pub(crate) splice: Splice,
    /// The largest segment each side's peer accepts.
    pub(crate) mss: [u16; 2],
    /// The windows the peers advertised when the splice was made.
    windows: [u32; 2],
    /// What this node is to it.
    pub(crate) role: Role,
    /// A split splice: its backend sends server-to-client packets itself.
    pub(crate) split: bool,
    created: u64,
    /// A new connection took its addresses after its end (see
    /// [`superseded`]): the stack gets their packets until the sweep
    /// removes the entry.
    superseded: Atomic<bool>,
    /// Per side: the proxy's socket was handed over with bytes in flight
    /// (the core's `handover`) and the entry's hold still has it; cleared
    /// when the sweep retires it.
    handed: [Atomic<bool>; 2],
    /// Per side: bytes the handed-over socket sent are still in flight (its
    /// peer has not acknowledged them through the splice): that peer's
    /// acknowledgements are given to the socket too.
    in_flight: [Atomic<bool>; 2],
    /// Taken in softirq context by the hooks; elsewhere only with bottom
    /// halves disabled (under the table lock).
    #[pin]
    state: SpinLock<EntryState>,
}

/// A time in jiffies that may be unset, in 8 bytes (see [`moment`]): two of
/// these in every entry, which must stay within its slab size.
type Moment = Option<NonZeroU64>;

/// `now` as a [`Moment`] (jiffies 0, once in 2^64, reads as 1).
fn moment(now: u64) -> Moment {
    Some(NonZeroU64::new(now).unwrap_or(NonZeroU64::MIN))
}

struct EntryState {
    tracker: Tracker,
    last_seen: u64,
    ended_at: Moment,
    /// Per side the packets came from.
    packets: [u64; 2],
    bytes: [u64; 2],
    /// The idle timeout applies: the entry was made here, forwarded a
    /// packet here, or its peers died. A replica no packet reached stays
    /// until a peer reports its end, so a quiet but live connection is not
    /// lost from the standby.
    expires: bool,
    /// A peer reported the end: do not report it back.
    quiet: bool,
    /// Remove at the next sweep: a peer reported it idle and it is idle
    /// here, or a new connection took its addresses.
    kill: bool,
    /// The prompt after a takeover, while a peer is undecided, and when its
    /// probes went out (an answer later than [`NUDGE_ANSWER_SECS`] is not
    /// one).
    nudge: Option<(Nudge, u64)>,
    /// The takeover whose prompt this entry had (see [`nudge_quiet`]).
    nudge_round: u32,
    /// When a packet of it was last forwarded here (`last_seen` also moves
    /// when a peer's death starts its idle clock).
    forwarded_at: Moment,
}

/// How an entry left the table, as `splice-end` events tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// Both FINs acknowledged, then lingered.
    Finished,
    /// A reset its receiver accepted, then lingered.
    Reset,
    /// Idle for the idle timeout.
    Expired,
    /// A new connection took its addresses.
    Superseded,
    /// `UNSPLICE`.
    Unspliced,
    /// A cluster peer reported its end.
    Peer,
}

/// Milliseconds in `j` jiffies.
pub(crate) fn jiffies_to_ms(j: u64) -> u64 {
    j.saturating_mul(1000) / secs_to_jiffies(1).max(1)
}

/// A consistent copy of an entry, for reports.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View {
    pub(crate) id: u64,
    pub(crate) splice: Splice,
    pub(crate) mss: [u16; 2],
    pub(crate) phase: Phase,
    pub(crate) age_secs: u32,
    /// The same in milliseconds.
    pub(crate) age_ms: u64,
    pub(crate) idle_secs: u32,
    /// Per side the packets came from.
    pub(crate) packets: [u64; 2],
    pub(crate) bytes: [u64; 2],
    pub(crate) replica: bool,
    pub(crate) split: bool,
}

impl View {
    /// An entry `id` just made from `r`, here (`replica` false) or from a
    /// peer's update.
    pub(crate) fn made(id: u64, r: &Replica, replica: bool) -> Self {
        View {
            id,
            splice: r.splice,
            mss: r.mss,
            phase: Phase::Open,
            age_secs: 0,
            age_ms: 0,
            idle_secs: 0,
            packets: [0; 2],
            bytes: [0; 2],
            replica,
            split: r.split,
        }
    }
}

/// What the node that makes a splice knows of its connections then.
#[derive(Clone, Copy, Default)]
pub(crate) struct Made {
    /// What each side's peer had acknowledged: short of the leg's
    /// `snd_nxt` where bytes were in flight (that side's socket was handed
    /// over).
    pub(crate) acked: [u32; 2],
    /// What the module moved from each side's socket to the other's (the
    /// splice's first bytes).
    pub(crate) moved: [u32; 2],
    /// Per side: the socket sent its FIN to its peer (it ends the leg's
    /// `snd_nxt`), the other peer having closed before the splice.
    pub(crate) fin: [bool; 2],
}

impl Entry {
    /// A new entry made here.
    pub(crate) fn new(id: u64, r: Replica, now: u64, made: Made) -> impl PinInit<Self, Error> {
        Self::with_role(id, r, now, Role::Origin, Some(made))
    }

    /// An entry installed from a peer's update, as a `Replica` or a
    /// `SplitBackend`.
    fn with_role(
        id: u64,
        r: Replica,
        now: u64,
        role: Role,
        made: Option<Made>,
    ) -> impl PinInit<Self, Error> {
        let mut tracker = r.splice.tracker(r.windows);
        let mut in_flight = [false; 2];
        let mut bytes = [0u64; 2];
        if let Some(m) = made {
            bytes = m.moved.map(u64::from);
            tracker = tracker.with_acked(m.acked);
            for side in Side::BOTH {
                let (i, end) = (side.index(), r.splice.leg(side).snd_nxt);
                in_flight[i] = m.acked[i] != end;
                if m.fin[i] {
                    tracker.fin_passed(side, end);
                }
            }
        }
        if r.split && role != Role::SplitBackend {
            tracker = tracker.client_side_only();
        }
        if role != Role::Origin {
            // The connection went on at its origin since the peer copied it.
            tracker.resync();
        }
        let expires = role == Role::Origin;
        try_pin_init!(Entry {
            id,
            splice: r.splice,
            mss: r.mss,
            windows: r.windows,
            role,
            split: r.split,
            created: now,
            superseded: Atomic::new(false),
            handed: [Atomic::new(in_flight[0]), Atomic::new(in_flight[1])],
            in_flight: [Atomic::new(in_flight[0]), Atomic::new(in_flight[1])],
            state <- new_spinlock!(EntryState {
                tracker,
                last_seen: now,
                ended_at: None,
                packets: [0; 2],
                bytes,
                expires,
                quiet: false,
                kill: false,
                nudge: None,
                nudge_round: 0,
                forwarded_at: None,
            }),
        })
    }

    /// Whether a new connection took its addresses (see [`superseded`]).
    pub(crate) fn is_superseded(&self) -> bool {
        self.superseded.load(Relaxed)
    }

    /// Whether bytes that `side`'s handed-over socket sent are still in
    /// flight (see the field).
    pub(crate) fn in_flight(&self, side: Side) -> bool {
        self.in_flight[side.index()].load(Relaxed)
    }

    /// What a peer needs to translate this connection.
    pub(crate) fn replica(&self) -> Replica {
        Replica {
            splice: self.splice,
            mss: self.mss,
            windows: self.windows,
            split: self.split,
        }
    }

    /// The backend a split splice was handed to.
    pub(crate) fn split_to(&self) -> Option<Addr> {
        self.replica().split_to()
    }

    /// A copy of the entry. Call with bottom halves disabled (e.g. under the
    /// table lock) or from a hook.
    pub(crate) fn view(&self, now: u64) -> View {
        let st = self.state.lock();
        View {
            id: self.id,
            splice: self.splice,
            mss: self.mss,
            phase: st.tracker.phase(),
            age_secs: jiffies_to_secs(elapsed(now, self.created)),
            age_ms: jiffies_to_ms(elapsed(now, self.created)),
            idle_secs: jiffies_to_secs(elapsed(now, st.last_seen)),
            packets: st.packets,
            bytes: st.bytes,
            replica: self.role != Role::Origin,
            split: self.split,
        }
    }

    /// True while the entry should stay in the table. For an entry that
    /// goes, `report` receives what to tell the peers (unless a peer told us).
    fn keep(&self, now: u64, idle: u64, counts: &mut Gone, report: &mut Option<DelReason>) -> bool {
        let mut st = self.state.lock();
        if st.kill {
            counts.why = Some(if self.is_superseded() {
                End::Superseded
            } else {
                End::Peer
            });
            return false;
        }
        // A reset that its receiver may have accepted, and no answer from
        // it since (the core's `conn`): accepted.
        if st.ended_at.is_none()
            && st.tracker.reset_unanswered()
            && elapsed(now, st.last_seen) >= secs_to_jiffies(RESET_ANSWER_SECS)
            && st.tracker.reset_confirmed()
        {
            st.ended_at = moment(now);
            counts.reset += 1;
            if self.role == Role::SplitBackend {
                counts.split_ended += 1;
            }
        }
        let quiet = st.quiet;
        match st.ended_at.map(NonZeroU64::get) {
            Some(t) => {
                let linger = match st.tracker.phase() {
                    Phase::Reset => LINGER_RESET_SECS,
                    _ => LINGER_FINISHED_SECS,
                };
                let k = elapsed(now, t) < secs_to_jiffies(linger);
                if !k && !quiet {
                    *report = Some(DelReason::Ended);
                }
                if !k {
                    counts.why = Some(match st.tracker.phase() {
                        Phase::Finished => End::Finished,
                        Phase::Reset => End::Reset,
                        // Ended without FINs or a reset seen here: a peer
                        // told us, or (a split backend) its socket had.
                        Phase::Open if quiet => End::Peer,
                        Phase::Open => End::Finished,
                    });
                }
                k
            }
            None if st.expires && elapsed(now, st.last_seen) >= idle => {
                counts.expired += 1;
                counts.why = Some(End::Expired);
                if !quiet {
                    *report = Some(DelReason::Idle);
                }
                false
            }
            None => true,
        }
    }

    /// A peer reported this connection's end.
    fn peer_deleted(&self, reason: DelReason, now: u64, idle: u64) {
        let _bh = BhGuard::new();
        let mut st = self.state.lock();
        st.quiet = true;
        match reason {
            // Keep translating retransmitted FINs and final ACKs a while.
            DelReason::Ended => {
                if st.ended_at.is_none() {
                    st.ended_at = moment(now);
                }
            }
            DelReason::Idle => {
                if !st.expires || elapsed(now, st.last_seen) >= idle {
                    st.kill = true;
                }
            }
        }
    }

    /// The peers that could forward this connection died: its idle clock
    /// starts now here, and its packets may come here from now on, after
    /// the connection went on elsewhere: its tracker takes the next ones as
    /// they come (the core's `conn`).
    fn adopt(&self, now: u64) {
        let mut st = self.state.lock();
        st.tracker.resync();
        if !st.expires {
            st.expires = true;
            st.last_seen = now;
        }
    }
}

/// Jiffies from `since` to `now`; zero when `since` is later. A reader
/// takes `now` before it locks an entry (the garbage collector once for the
/// whole table), and a packet on another CPU may stamp the entry in
/// between: a plain wrapping difference then reads as some 2^64 jiffies,
/// and the collector expired a live connection in the middle of a transfer
/// (its next segments met no entry, and the local stack reset both peers).
/// The signed difference is the kernel's `time_after()` idiom.
pub(crate) fn elapsed(now: u64, since: u64) -> u64 {
    let d = now.wrapping_sub(since) as i64;
    if d < 0 {
        0
    } else {
        d as u64
    }
}

/// What one [`gc`] pass ended.
#[derive(Default)]
struct Gone {
    /// Idle for the namespace's idle timeout.
    expired: u64,
    /// A reset that went unanswered.
    reset: u64,
    /// Of those, on the backend of a split splice.
    split_ended: u64,
    /// Why the entry [`Entry::keep`] was last asked about goes, if it does.
    why: Option<End>,
}

/// Hold the backend side's port `at` of entry `id` while it lives, so that
/// a new `connect()` cannot pick it (its packets would be the splice's).
/// Best effort: if the port cannot be bound, LOCAL_OUT still keeps a new
/// socket off the splice. Process context.
pub(crate) fn hold_port(net: &NetState, id: u64, family: Family, at: &Endpoint) {
    let Some(r) = net.handle().and_then(|n| n.reserve_port(family, at)) else {
        net.stats.inc(Counter::PortsUnreserved);
        return;
    };
    let unused = {
        let guard = net.table().lock();
        match guard.find(|e| e.id == id) {
            Some(e) => {
                guard.attach(e, r);
                None
            }
            // Already gone: release it after the lock (it may sleep).
            None => Some(r),
        }
    };
    drop(unused);
}

/// Retire the handed-over sockets whose bytes their peers acknowledged (see
/// the core's `handover`); each backend-side one gives its port to the
/// entry's reservation. Process context.
fn retire_handed(net: &NetState) {
    let mut out: KVec<(Handed, u64, Side, Family, Endpoint)> = KVec::new();
    {
        let guard = net.table().lock();
        let _ = guard.find(|e| {
            for side in Side::BOTH {
                let i = side.index();
                if !e.handed[i].load(Relaxed) || e.in_flight(side) {
                    continue;
                }
                // Room first: a socket taken out must not be dropped here
                // (retiring it sleeps). Memory short: the next pass.
                if out.reserve(1, GFP_ATOMIC).is_err() {
                    return true;
                }
                e.handed[i].store(false, Relaxed);
                if let Some(h) = guard.take_handed(e, side) {
                    let at = e.splice.tuple(side).local;
                    let item = (h, e.id, side, e.splice.family(), at);
                    if let Err(PushError(item)) = out.push_within_capacity(item) {
                        // Not reached (room was made above).
                        core::mem::forget(item);
                    }
                }
            }
            false
        });
    }
    for (h, id, side, family, at) in out.drain_all() {
        // Retired here, out of the table lock (it locks the socket).
        drop(h);
        if side == Side::Backend {
            hold_port(net, id, family, &at);
        }
    }
}

/// Remove entries that lingered long enough or were idle for the
/// namespace's idle timeout, and end those whose unanswered reset was
/// accepted. Runs from the table's periodic work.
pub(crate) fn gc(net: &NetState) {
    retire_handed(net);
    let now = jiffies();
    let idle = secs_to_jiffies(net.settings().idle_timeout);
    let mut counts = Gone::default();
    let cluster = net.cluster().enabled();
    // Ends to report to the peers; if memory runs out, the peers' own idle
    // timeouts remove them.
    let mut ended: KVec<(Op, Option<Addr>)> = KVec::new();
    // And to the "splices" group, if anyone listens (memory short: lost).
    let listening = net.splice_listeners();
    let mut gone: KVec<(View, End)> = KVec::new();
    net.table().lock().retain(|e| {
        let mut report = None;
        counts.why = None;
        let keep = e.keep(now, idle, &mut counts, &mut report);
        if let (Some(reason), true) = (report, cluster) {
            let _ = ended.push((del_op(e, reason), e.split_to()), GFP_ATOMIC);
        }
        if let (false, true, Some(why)) = (keep, listening, counts.why) {
            let _ = gone.push((e.view(now), why), GFP_ATOMIC);
        }
        keep
    });
    for (v, why) in &gone {
        crate::netlink::splice_event(net, v, Some(*why));
    }
    net.stats.add(Counter::SplicesExpired, counts.expired);
    net.stats.add(Counter::SplicesReset, counts.reset);
    net.stats.add(Counter::SplitsEnded, counts.split_ended);
    for (op, split_to) in &ended {
        net.cluster().replicate(net, op, *split_to);
    }
}

/// The table's keys of a splice: the client side's and the backend side's
/// arriving packets.
pub(crate) fn keys(family: Family, t: &[Tuple; 2]) -> [Key; 2] {
    [
        Key::new(family, &t[0].remote, &t[0].local),
        Key::new(family, &t[1].remote, &t[1].local),
    ]
}

/// A peer died: every entry's idle clock runs here from now.
pub(crate) fn adopt_all(net: &NetState) {
    let now = jiffies();
    net.table().lock().find(|e| {
        e.adopt(now);
        false
    });
}

/// Views of the (at most) `N` entries with the smallest identifiers above
/// `after`, in identifier order. The table lists entries in insertion
/// order, and two `SPLICE`s at once may insert in the other order than they
/// took identifiers: the identifiers are picked first, then their views, all
/// under the table's lock.
pub(crate) fn views_after<const N: usize>(
    net: &NetState,
    after: u64,
    now: u64,
) -> Result<KVec<View>> {
    let guard = net.table().lock();
    let mut ids = [u64::MAX; N];
    guard.find(|e| {
        if e.id > after && e.id < ids[N - 1] {
            let at = ids.partition_point(|&i| i < e.id);
            ids.copy_within(at..N - 1, at + 1);
            ids[at] = e.id;
        }
        false
    });
    let wanted = ids.partition_point(|&i| i != u64::MAX);
    let mut views = KVec::with_capacity(wanted, GFP_ATOMIC)?;
    guard.find(|e| {
        if ids[..wanted].binary_search(&e.id).is_ok() {
            // Within the capacity reserved above: cannot fail.
            let _ = views.push(e.view(now), GFP_ATOMIC);
        }
        views.len() == wanted
    });
    drop(guard);
    views.sort_unstable_by_key(|v| v.id);
    Ok(views)
}

#[kunit_tests(tcpsplice_datapath)]
mod tests {
    use super::*;
    use crate::ffi::skb::test_support::TestSkb;
    use crate::ffi::table::{BhGuard, InsertError, Key, RcuGuard};
    use crate::splice_core::conn::Segment;
    use crate::splice_core::csum::{checksum, pseudo_header};
    use crate::splice_core::packet::flags;
    use crate::splice_core::splice::{Endpoint, Family, Tuple};
    use crate::splice_core::translate::{Leg, SAMPLE_LEGS};

    const ETH_P_IP: u16 = 0x0800;

    /// What a splice made here holds.
    fn rep(splice: Splice, mss: [u16; 2], windows: [u32; 2]) -> Replica {
        Replica {
            splice,
            mss,
            windows,
            split: false,
        }
    }

    fn ep(a: [u8; 4], port: u16) -> Endpoint {
        let mut addr = [0u8; 16];
        addr[..4].copy_from_slice(&a);
        Endpoint { addr, port }
    }

    const VIP: [u8; 4] = [192, 0, 2, 100];
    const CLIENT: [u8; 4] = [198, 51, 100, 7];
    const PROXY: [u8; 4] = [203, 0, 113, 11];
    const BACKEND: [u8; 4] = [203, 0, 113, 21];

    fn tuples() -> [Tuple; 2] {
        [
            Tuple {
                local: ep(VIP, 80),
                remote: ep(CLIENT, 40001),
            },
            Tuple {
                local: ep(PROXY, 50123),
                remote: ep(BACKEND, 8080),
            },
        ]
    }

    /// The core's sample legs: the client's numbers wrap during the tests.
    fn legs() -> [Leg; 2] {
        SAMPLE_LEGS
    }

    fn keys() -> [Key; 2] {
        keys_of(&tuples())
    }

    fn keys_of(t: &[Tuple; 2]) -> [Key; 2] {
        [
            Key::new(Family::V4, &t[0].remote, &t[0].local),
            Key::new(Family::V4, &t[1].remote, &t[1].local),
        ]
    }

    /// What both peers of `sp` acknowledged: everything (no socket handed
    /// over).
    fn idle(sp: &Splice) -> Made {
        Made {
            acked: [sp.leg(Side::Client).snd_nxt, sp.leg(Side::Backend).snd_nxt],
            ..Made::default()
        }
    }

    /// Insert a splice of tuples `t` as entry `id`.
    fn insert_splice(net: &NetState, id: u64, t: [Tuple; 2]) -> Result {
        let k = keys_of(&t);
        let sp = Splice::new(Family::V4, t, legs());
        net.table()
            .insert(
                Entry::new(
                    id,
                    rep(sp, [1460, 1460], [65535, 65535]),
                    jiffies(),
                    idle(&sp),
                ),
                &k[0],
                &k[1],
                10,
                &mut None,
            )
            .map_err(|_| EINVAL)
    }

    /// Entries listed out of identifier order (as two SPLICEs at once can
    /// insert them) are still dumped in order, each once, across rounds.
    #[test]
    fn dumps_follow_identifiers_not_insertion_order() -> Result {
        let net = NetState::new(0)?;
        for (n, id) in [5u64, 2, 9, 1, 7].into_iter().enumerate() {
            let mut t = tuples();
            t[0].remote.port += n as u16;
            t[1].local.port += n as u16;
            insert_splice(&net, id, t)?;
        }
        let mut seen = KVec::new();
        let mut after = 0;
        loop {
            let round = views_after::<2>(&net, after, jiffies())?;
            let Some(last) = round.last() else {
                break;
            };
            after = last.id;
            for v in &round {
                seen.push(v.id, GFP_KERNEL)?;
            }
        }
        assert_eq!(&seen[..], &[1, 2, 5, 7, 9]);
        Ok(())
    }

    fn net_with_splice(id: u64) -> Result<Pin<KBox<NetState>>> {
        let net = NetState::new(0)?;
        insert_splice(&net, id, tuples())?;
        Ok(net)
    }

    /// IPv4 + TCP (NOP NOP TS NOP NOP NOP NOP) + 8 bytes of payload, from the
    /// client to the VIP, checksums correct.
    fn client_packet(seq: u32, fl: u8) -> [u8; 64] {
        client_packet_acking(seq, fl, 0x1000_0000)
    }

    /// The same, acknowledging `ack`.
    fn client_packet_acking(seq: u32, fl: u8, ack: u32) -> [u8; 64] {
        let mut p = [0u8; 64];
        p[..20].copy_from_slice(&[
            0x45, 0, 0, 64, 0, 1, 0x40, 0, 64, 6, 0, 0, CLIENT[0], CLIENT[1], CLIENT[2], CLIENT[3],
            VIP[0], VIP[1], VIP[2], VIP[3],
        ]);
        let c = checksum(&p[..20], 0);
        p[10..12].copy_from_slice(&c.to_be_bytes());
        let t = &mut p[20..];
        t[0..2].copy_from_slice(&40001u16.to_be_bytes());
        t[2..4].copy_from_slice(&80u16.to_be_bytes());
        t[4..8].copy_from_slice(&seq.to_be_bytes());
        t[8..12].copy_from_slice(&ack.to_be_bytes());
        t[12] = 0x90; // 36-byte header
        t[13] = fl;
        t[14..16].copy_from_slice(&100u16.to_be_bytes());
        t[20..24].copy_from_slice(&[1, 1, 8, 10]);
        t[24..28].copy_from_slice(&0x8000_0010u32.to_be_bytes());
        t[28..32].copy_from_slice(&5000u32.to_be_bytes());
        t[32..36].copy_from_slice(&[1, 1, 1, 1]);
        t[36..40].copy_from_slice(b"ping");
        let ps = pseudo_header(&CLIENT, &VIP, 6, 44);
        let c = checksum(&p[20..], ps);
        p[36..38].copy_from_slice(&c.to_be_bytes());
        p
    }

    fn be32(b: &[u8], at: usize) -> u32 {
        u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    fn run(net: &NetState, skb: &mut TestSkb) -> Result<(), Counter> {
        let _bh = BhGuard::new();
        let rcu = RcuGuard::new();
        let k = keys();
        let (e, side) = net.table().lookup(&rcu, &k[0]).expect("spliced");
        assert_eq!(side, Side::Client);
        let mut s = skb.as_skb();
        let tcp = parsed(&mut s);
        forward(net, e, side, &mut s, &tcp).map(|_| ())
    }

    /// The test packet's TCP header, as the hook parses it.
    fn parsed(s: &mut Skb<'_>) -> crate::hooks::Tcp {
        let tcp = crate::hooks::parse_tcp(s, Family::V4);
        tcp.ok().flatten().expect("a well-formed TCP segment")
    }

    /// An entry stamped after the collector read the clock is not idle
    /// (nor past its linger): the race that expired a live splice under
    /// 500 parallel connections.
    #[test]
    fn an_entry_stamped_after_now_is_kept() -> Result {
        assert_eq!(elapsed(1000, 999), 1);
        assert_eq!(elapsed(999, 1000), 0);
        assert_eq!(elapsed(5, u64::MAX - 4), 10);
        let sp = Splice::new(Family::V4, tuples(), legs());
        let e = KBox::pin_init(
            Entry::new(1, rep(sp, [0; 2], [0; 2]), 1000, idle(&sp)),
            GFP_KERNEL,
        )?;
        let (mut gone, mut report) = (Gone::default(), None);
        let _bh = BhGuard::new();
        assert!(e.keep(999, 100, &mut gone, &mut report));
        assert!(e.keep(1099, 100, &mut gone, &mut report));
        assert_eq!((gone.expired, report), (0, None));
        assert!(!e.keep(1100, 100, &mut gone, &mut report));
        assert_eq!((gone.expired, report), (1, Some(DelReason::Idle)));
        // Ended after the collector's clock reading: it still lingers.
        e.state.lock().ended_at = moment(2000);
        assert!(e.keep(1999, 100, &mut gone, &mut report));
        Ok(())
    }

    #[test]
    fn table_insert_lookup_remove() -> Result {
        let net = net_with_splice(1)?;
        let k = keys();
        {
            let rcu = RcuGuard::new();
            let (e, side) = net.table().lookup(&rcu, &k[1]).expect("backend key");
            assert_eq!((e.id, side), (1, Side::Backend));
        }
        // The same connection again is refused; so is a full table.
        let sp = Splice::new(Family::V4, tuples(), legs());
        let dup = net.table().insert(
            Entry::new(2, rep(sp, [0; 2], [0; 2]), 0, idle(&sp)),
            &k[1],
            &k[1],
            10,
            &mut None,
        );
        assert_eq!(dup, Err(InsertError::Exists));
        let mut t = tuples();
        t[0].remote.port = 40002;
        t[1].local.port = 50124;
        let k2 = [
            Key::new(Family::V4, &t[0].remote, &t[0].local),
            Key::new(Family::V4, &t[1].remote, &t[1].local),
        ];
        let sp = Splice::new(Family::V4, t, legs());
        assert_eq!(
            net.table().insert(
                Entry::new(3, rep(sp, [0; 2], [0; 2]), 0, idle(&sp)),
                &k2[0],
                &k2[1],
                1,
                &mut None
            ),
            Err(InsertError::Full)
        );
        assert_eq!(net.table().count(), 1);
        assert!(net
            .table()
            .insert(
                Entry::new(3, rep(sp, [0; 2], [0; 2]), 0, idle(&sp)),
                &k2[0],
                &k2[1],
                2,
                &mut None
            )
            .is_ok());
        assert_eq!(net.table().count(), 2);
        // Removal: gone for new lookups; the rest is freed with the table
        // (kmemleak checks both).
        net.table().lock().retain(|e| e.id != 1);
        let rcu = RcuGuard::new();
        assert!(net.table().lookup(&rcu, &k[0]).is_none());
        assert!(net.table().lookup(&rcu, &k2[1]).is_some());
        assert_eq!(net.table().count(), 1);
        Ok(())
    }

    #[test]
    fn translates_a_real_skb_with_wrapping_numbers() -> Result {
        let net = net_with_splice(1)?;
        // 12 bytes past the client's next byte (0xffff_fff0): its 8 bytes of
        // payload wrap through zero.
        let mut skb = TestSkb::new(
            &client_packet(0xffff_fffc, flags::ACK | flags::PSH),
            ETH_P_IP,
        )?;
        assert_eq!(run(&net, &mut skb), Ok(()));
        let mut s = skb.as_skb();
        let p = s.network_bytes(64).expect("64 bytes");
        assert_eq!(checksum(&p[..20], 0), 0); // IPv4 header checksum
        assert_eq!(&p[12..16], &PROXY);
        assert_eq!(&p[16..20], &BACKEND);
        let t = &p[20..];
        assert_eq!(u16::from_be_bytes([t[0], t[1]]), 50123);
        assert_eq!(u16::from_be_bytes([t[2], t[3]]), 8080);
        assert_eq!(be32(t, 4), 0x2000_010c);
        assert_eq!(be32(t, 8), 0x3000_0000);
        // Window 100 << 7 from the client, >> 0 for the backend.
        assert_eq!(u16::from_be_bytes([t[14], t[15]]), 12800);
        // TSval: client clock onto the proxy's backend clock; TSecr: the
        // proxy's client clock back onto the backend's.
        assert_eq!(be32(t, 24), 777 + 0x10);
        assert_eq!(be32(t, 28), 123_456);
        assert_eq!(&t[36..40], b"ping");
        assert_eq!(checksum(t, pseudo_header(&PROXY, &BACKEND, 6, 44)), 0); // TCP checksum
        assert_eq!(net.stats.get(Counter::PacketsToBackend), 1);
        assert_eq!(net.stats.get(Counter::BytesToBackend), 8);
        Ok(())
    }

    #[test]
    fn checksum_partial_packets_get_the_new_pseudo_header() -> Result {
        let net = net_with_splice(1)?;
        let mut p = client_packet(0xffff_fffc, flags::ACK);
        // As the sender's stack leaves it: the folded pseudo-header sum.
        let field = !checksum(&[], pseudo_header(&CLIENT, &VIP, 6, 44));
        p[36..38].copy_from_slice(&field.to_be_bytes());
        let mut skb = TestSkb::new(&p, ETH_P_IP)?;
        skb.set_partial(20, 16);
        assert_eq!(run(&net, &mut skb), Ok(()));
        let mut s = skb.as_skb();
        let q = s.network_bytes(64).expect("64 bytes");
        let want = !checksum(&[], pseudo_header(&PROXY, &BACKEND, 6, 44));
        let got = u16::from_be_bytes([q[36], q[37]]);
        assert!(got == want || (got ^ want) == 0xffff && (got == 0 || want == 0));
        // The header fields were still translated (the device sums them).
        assert_eq!(be32(&q[20..], 4), 0x2000_010c);
        Ok(())
    }

    #[test]
    fn bad_offload_state_and_stray_resets_are_dropped_and_counted() -> Result {
        let net = net_with_splice(1)?;
        let mut skb = TestSkb::new(&client_packet(0xffff_fffc, flags::ACK), ETH_P_IP)?;
        skb.set_partial(10, 16); // checksum start inside the IP header
        assert_eq!(run(&net, &mut skb), Err(Counter::DropBadCsumOffload));
        let before = client_packet(0x7000_0000, flags::RST);
        let mut skb = TestSkb::new(&before, ETH_P_IP)?;
        assert_eq!(run(&net, &mut skb), Err(Counter::DropRstWindow));
        let mut s = skb.as_skb();
        assert_eq!(s.network_bytes(64).expect("64 bytes"), &before[..]); // dropped untouched
        Ok(())
    }

    /// A splice made with bytes in flight to the client (its socket handed
    /// over): the entry follows the client's acknowledgements until they
    /// cover what the socket sent, and the sweep then lets the socket go.
    #[test]
    fn bytes_in_flight_are_followed_until_acknowledged() -> Result {
        let net = NetState::new(0)?;
        let t = tuples();
        let k = keys_of(&t);
        let sp = Splice::new(Family::V4, t, legs());
        let sent = sp.leg(Side::Client).snd_nxt;
        let acked = [sent.wrapping_sub(256), sp.leg(Side::Backend).snd_nxt];
        let e = Entry::new(
            1,
            rep(sp, [1460, 1460], [65535, 65535]),
            jiffies(),
            Made {
                acked,
                ..Made::default()
            },
        );
        net.table()
            .insert(e, &k[0], &k[1], 10, &mut None)
            .map_err(|_| EINVAL)?;
        let in_flight = |side| {
            let _bh = BhGuard::new();
            let rcu = RcuGuard::new();
            net.table()
                .lookup(&rcu, &k[0])
                .map(|(e, _)| (e.in_flight(side), e.handed[side.index()].load(Relaxed)))
        };
        assert_eq!(in_flight(Side::Client), Some((true, true)));
        assert_eq!(in_flight(Side::Backend), Some((false, false)));
        // Half of it acknowledged: still in flight.
        let half = client_packet_acking(0xffff_fff0, flags::ACK, sent.wrapping_sub(128));
        assert_eq!(run(&net, &mut TestSkb::new(&half, ETH_P_IP)?), Ok(()));
        assert_eq!(in_flight(Side::Client), Some((true, true)));
        // All of it.
        let all = client_packet_acking(0xffff_fff8, flags::ACK, sent);
        assert_eq!(run(&net, &mut TestSkb::new(&all, ETH_P_IP)?), Ok(()));
        assert_eq!(in_flight(Side::Client), Some((false, true)));
        // The sweep takes the socket (none here: no hold) and keeps the entry.
        gc(&net);
        assert_eq!(in_flight(Side::Client), Some((false, false)));
        assert_eq!(net.table().count(), 1);
        Ok(())
    }

    /// A splice made after the backend closed: the client-side socket sent
    /// its FIN (it ends the leg's `snd_nxt`), the tracker knows that FIN
    /// passed, and the client's acknowledgement of it ends what was in
    /// flight.
    #[test]
    fn a_fin_sent_at_splice_time_is_followed() -> Result {
        let net = NetState::new(0)?;
        let t = tuples();
        let k = keys_of(&t);
        let sp = Splice::new(Family::V4, t, legs());
        let end = sp.leg(Side::Client).snd_nxt;
        let made = Made {
            acked: [end.wrapping_sub(1), sp.leg(Side::Backend).snd_nxt],
            fin: [true, false],
            ..Made::default()
        };
        let e = Entry::new(1, rep(sp, [1460, 1460], [65535, 65535]), jiffies(), made);
        net.table()
            .insert(e, &k[0], &k[1], 10, &mut None)
            .map_err(|_| EINVAL)?;
        let state = || {
            let _bh = BhGuard::new();
            let rcu = RcuGuard::new();
            net.table().lookup(&rcu, &k[0]).map(|(e, _)| {
                let st = e.state.lock();
                (
                    st.tracker.fin_sent_to(Side::Client),
                    st.tracker.fin_sent_to(Side::Backend),
                    e.in_flight(Side::Client),
                )
            })
        };
        assert_eq!(state(), Some((true, false, true)));
        let ack = client_packet_acking(0xffff_fff0, flags::ACK, end);
        assert_eq!(run(&net, &mut TestSkb::new(&ack, ETH_P_IP)?), Ok(()));
        assert_eq!(state(), Some((true, false, false)));
        Ok(())
    }

    #[test]
    fn an_exact_reset_ends_the_splice_and_the_sweep_removes_it_later() -> Result {
        let net = net_with_splice(1)?;
        let mut skb = TestSkb::new(&client_packet(0xffff_fff0, flags::RST), ETH_P_IP)?;
        assert_eq!(run(&net, &mut skb), Ok(()));
        assert_eq!(net.stats.get(Counter::SplicesReset), 1);
        let now = jiffies();
        let view = {
            let _bh = BhGuard::new();
            net.table().lock().find(|e| e.id == 1).map(|e| e.view(now))
        };
        assert_eq!(view.map(|v| v.phase), Some(Phase::Reset));
        // Still there right away (lingering), then swept.
        gc(&net);
        assert_eq!(net.table().count(), 1);
        let later = now + secs_to_jiffies(LINGER_RESET_SECS + 1);
        let mut gone = Gone::default();
        net.table()
            .lock()
            .retain(|e| e.keep(later, u64::MAX, &mut gone, &mut None));
        assert_eq!((net.table().count(), gone.expired), (0, 0));
        Ok(())
    }

    /// A reset inside what the backend may have received: forwarded, and
    /// the splice ends only if the backend stays silent (it accepted it),
    /// not if it answers with a challenge ACK.
    #[test]
    fn a_reset_in_flight_ends_the_splice_only_unanswered() -> Result {
        for answered in [false, true] {
            let net = net_with_splice(1)?;
            // 8 bytes to the backend (0x2000_0100 on its leg), which
            // acknowledges none of them yet.
            let mut data = TestSkb::new(&client_packet(0xffff_fff0, flags::ACK), ETH_P_IP)?;
            assert_eq!(run(&net, &mut data), Ok(()));
            let backend_ack = |ack| Segment {
                flags: flags::ACK,
                seq: 0x1000_0000,
                len: 0,
                ack,
                window: 1000,
            };
            let with_entry = |f: &mut dyn FnMut(&Entry)| {
                let _bh = BhGuard::new();
                let rcu = RcuGuard::new();
                f(net.table().lookup(&rcu, &keys()[0]).expect("listed").0);
            };
            with_entry(&mut |e| {
                e.state
                    .lock()
                    .tracker
                    .segment(Side::Backend, &backend_ack(0x2000_0100));
            });
            let mut rst = TestSkb::new(&client_packet(0xffff_fff4, flags::RST), ETH_P_IP)?;
            assert_eq!(run(&net, &mut rst), Ok(()));
            assert_eq!(net.stats.get(Counter::SplicesReset), 0);
            if answered {
                with_entry(&mut |e| {
                    e.state
                        .lock()
                        .tracker
                        .segment(Side::Backend, &backend_ack(0x2000_0108));
                });
            }
            let later = jiffies() + secs_to_jiffies(RESET_ANSWER_SECS) + 1;
            let mut gone = Gone::default();
            with_entry(&mut |e| {
                assert!(e.keep(later, u64::MAX, &mut gone, &mut None));
                let phase = if answered { Phase::Open } else { Phase::Reset };
                assert_eq!(e.state.lock().tracker.phase(), phase);
            });
            assert_eq!(gone.reset, u64::from(!answered));
        }
        Ok(())
    }

    /// Whether the client's packet with `seq` and `fl` on the test splice
    /// is left to the stack.
    fn the_stacks(net: &NetState, seq: u32, fl: u8) -> Result<bool> {
        let mut skb = TestSkb::new(&client_packet(seq, fl), ETH_P_IP)?;
        let _bh = BhGuard::new();
        let rcu = RcuGuard::new();
        let (e, _) = net.table().lookup(&rcu, &keys()[0]).expect("listed");
        Ok(superseded(net, e, &parsed(&mut skb.as_skb()).th))
    }

    #[test]
    fn a_syn_after_the_end_takes_the_addresses_from_the_splice() -> Result {
        let net = net_with_splice(1)?;
        // Open: a SYN is the old connection's business (translated), and
        // so is everything else.
        assert!(!the_stacks(&net, 0x5000_0000, flags::SYN)?);
        assert!(!the_stacks(&net, 0xffff_fffc, flags::ACK)?);
        // Ended by an exact reset: the next SYN opens a new connection.
        let mut rst = TestSkb::new(&client_packet(0xffff_fff0, flags::RST), ETH_P_IP)?;
        assert_eq!(run(&net, &mut rst), Ok(()));
        assert!(!the_stacks(&net, 0x5000_0000, flags::SYN | flags::ACK)?);
        assert!(the_stacks(&net, 0x5000_0000, flags::SYN)?);
        assert_eq!(net.stats.get(Counter::SplicesSuperseded), 1);
        // From then on every packet of those addresses is the stack's.
        assert!(the_stacks(&net, 0x5000_0001, flags::ACK)?);
        assert_eq!(net.stats.get(Counter::SplicesSuperseded), 1);
        // Removed by the next sweep, lingering or not; or at once on demand.
        gc(&net);
        assert_eq!(net.table().count(), 0);
        let net = net_with_splice(2)?;
        let mut rst = TestSkb::new(&client_packet(0xffff_fff0, flags::RST), ETH_P_IP)?;
        assert_eq!(run(&net, &mut rst), Ok(()));
        assert!(!drop_superseded(&net));
        assert!(the_stacks(&net, 0x6000_0000, flags::SYN)?);
        assert!(drop_superseded(&net));
        assert_eq!(net.table().count(), 0);
        Ok(())
    }

    #[test]
    fn a_replica_translates_exactly_like_the_original() -> Result {
        let a = net_with_splice(1)?;
        let b = NetState::new(0)?;
        let all = snapshot(&a)?;
        assert_eq!(all.len(), 1);
        apply(&b, &Op::Add(all[0]), false);
        apply(&b, &Op::Add(all[0]), false); // duplicates are harmless
        assert_eq!(b.stats.get(Counter::ReplicasInstalled), 1);
        assert_eq!(b.stats.get(Counter::ReplicasDuplicate), 1);
        let p = client_packet(0xffff_fffc, flags::ACK | flags::PSH);
        let mut sa = TestSkb::new(&p, ETH_P_IP)?;
        let mut sb = TestSkb::new(&p, ETH_P_IP)?;
        assert_eq!(run(&a, &mut sa), Ok(()));
        assert_eq!(run(&b, &mut sb), Ok(()));
        let (mut xa, mut xb) = (sa.as_skb(), sb.as_skb());
        assert_eq!(xa.network_bytes(64), xb.network_bytes(64));
        let now = jiffies();
        let v = {
            let _bh = BhGuard::new();
            b.table().lock().find(|_| true).map(|e| e.view(now))
        };
        assert_eq!(v.map(|v| (v.replica, v.packets[0])), Some((true, 1)));
        Ok(())
    }

    #[test]
    fn backend_nodes_take_only_split_splices_for_their_own_addresses() -> Result {
        let a = net_with_splice(1)?;
        let mut r = snapshot(&a)?[0];
        let b = NetState::new(0)?;
        // Not split: a backend node refuses it, a proxy takes it.
        apply(&b, &Op::Add(r), true);
        assert_eq!(b.stats.get(Counter::SplitsRefused), 1);
        assert_eq!(b.table().count(), 0);
        // Split, but for an address this (test) namespace does not have.
        r.split = true;
        apply(&b, &Op::Add(r), true);
        assert_eq!(b.stats.get(Counter::SplitsRefused), 2);
        assert_eq!(b.stats.get(Counter::SplitsInstalled), 0);
        assert_eq!(b.table().count(), 0);
        // A proxy holds the split replica, marked split, not direct, and
        // forwards its client's resets (the backend judges them).
        apply(&b, &Op::Add(r), false);
        assert_eq!(b.stats.get(Counter::ReplicasInstalled), 1);
        let now = jiffies();
        let e = {
            let _bh = BhGuard::new();
            b.table()
                .lock()
                .find(|_| true)
                .map(|e| (e.view(now).split, e.role, e.replica().split))
        };
        assert_eq!(e, Some((true, Role::Replica, true)));
        let rst = client_packet(0x7000_0000, flags::RST);
        let mut skb = TestSkb::new(&rst, ETH_P_IP)?;
        assert_eq!(run(&b, &mut skb), Ok(()));
        assert_eq!(b.stats.get(Counter::DropRstWindow), 0);
        // The same packet to a whole splice is dropped.
        let mut skb = TestSkb::new(&rst, ETH_P_IP)?;
        assert_eq!(run(&a, &mut skb), Err(Counter::DropRstWindow));
        Ok(())
    }

    #[test]
    fn replicas_wait_for_their_peers_and_obey_reported_ends() -> Result {
        let a = net_with_splice(1)?;
        let b = NetState::new(0)?;
        apply(&b, &Op::Add(snapshot(&a)?[0]), false);
        let later = jiffies() + 1000;
        let gone = |net: &NetState, idle: u64| {
            let mut g = Gone::default();
            net.table()
                .lock()
                .retain(|e| e.keep(later, idle, &mut g, &mut None));
            net.table().count() == 0
        };
        // An untouched replica outlives the idle timeout...
        assert!(!gone(&b, 50));
        // ...until a peer reports the connection idle.
        let del = {
            let _bh = BhGuard::new();
            a.table()
                .lock()
                .find(|_| true)
                .map(|e| del_op(e, DelReason::Idle))
        };
        apply(&b, &del.expect("entry"), false);
        assert!(gone(&b, u64::MAX));
        // The original expires by itself and reports it.
        let mut report = None;
        let mut g = Gone::default();
        a.table()
            .lock()
            .retain(|e| e.keep(later, 50, &mut g, &mut report));
        assert_eq!((g.expired, report), (1, Some(DelReason::Idle)));
        assert_eq!(g.why, Some(End::Expired));
        Ok(())
    }

    #[test]
    fn idle_entries_expire() -> Result {
        let net = net_with_splice(1)?;
        let mut g = Gone::default();
        let now = jiffies();
        net.table()
            .lock()
            .retain(|e| e.keep(now + 100, 50, &mut g, &mut None));
        assert_eq!((net.table().count(), g.expired), (0, 1));
        Ok(())
    }
}
