// SPDX-License-Identifier: GPL-2.0
//! The per-packet work on an entry: translation through the core, the
//! split backend's following of the proxy's packets, ICMP errors about a
//! splice, and the takeover's probes and kicks.

use super::*;
use crate::hooks::Tcp;
use crate::splice_core::handover;
use crate::splice_core::packet::{flags, TcpHeader};
use crate::splice_core::seq::before;

/// Per side, the sequence number to quote in a kick of that side's peer
/// (see [`kick`]).
pub(crate) type Kicks = [Option<u32>; 2];

/// Translate a packet of `entry` that arrived from `from`'s peer, whose TCP
/// header the hook parsed (`tcp`). `Ok` means: send it on, then [`kick`]
/// the peers it names. `Err` names the drop counter.
pub(crate) fn forward(
    net: &NetState,
    entry: &Entry,
    from: Side,
    skb: &mut Skb<'_>,
    tcp: &Tcp,
) -> Result<Kicks, Counter> {
    let l4 = tcp.l4;
    let len = skb.len();
    let partial = match skb.csum_mode(l4) {
        CsumMode::Full => false,
        CsumMode::Partial => true,
        CsumMode::Inconsistent => return Err(Counter::DropBadCsumOffload),
    };
    let buf = skb
        .writable(l4 + tcp.th.header_len)
        .ok_or(Counter::DropNomem)?;
    let now = jiffies();
    let mut st = entry.state.lock();
    let o = entry
        .splice
        .packet_parsed(from, buf, l4, &tcp.th, len, partial, &mut st.tracker)
        .map_err(|_| Counter::DropMalformed)?;
    st.last_seen = now;
    st.forwarded_at = moment(now);
    st.expires = true;
    match o.action {
        Action::Forward => {}
        Action::DropReset => return Err(Counter::DropRstWindow),
        Action::DropCe => return Err(Counter::DropEcnCe),
    }
    let i = from.index();
    st.packets[i] += 1;
    st.bytes[i] += u64::from(o.payload);
    // What a handed-over socket sent is acknowledged: it has nothing more
    // to retransmit (the sweep retires it).
    if entry.in_flight(from) && !before(st.tracker.acked(from), entry.splice.leg(from).snd_nxt) {
        entry.in_flight[from.index()].store(false, Relaxed);
    }
    let ended = o.ended.then(|| st.tracker.phase());
    if ended.is_some() {
        st.ended_at = moment(now);
    }
    let mut kicks = [None; 2];
    let EntryState { nudge, tracker, .. } = &mut *st;
    if let Some((n, at)) = nudge {
        let answer = elapsed(now, *at) < secs_to_jiffies(NUDGE_ANSWER_SECS);
        if answer {
            kicks = n.segment(&entry.splice, from, &o.segment, tracker);
        }
        if !answer || !n.active() {
            *nudge = None;
        }
    }
    drop(st);

    let (packets, bytes) = match from {
        Side::Client => (Counter::PacketsToBackend, Counter::BytesToBackend),
        Side::Backend if entry.role == Role::SplitBackend => {
            (Counter::SplitPacketsToClient, Counter::SplitBytesToClient)
        }
        Side::Backend => (Counter::PacketsToClient, Counter::BytesToClient),
    };
    net.stats.inc(packets);
    net.stats.add(bytes, u64::from(o.payload));
    net.stats
        .add(Counter::OptionsStripped, u64::from(o.report.stripped));
    net.stats
        .add(Counter::SackBlocks, u64::from(o.report.sack_blocks));
    if o.report.malformed_options {
        net.stats.inc(Counter::OptionsMalformed);
    }
    if o.report.missing_ts {
        net.stats.inc(Counter::MissingTs);
    }
    if o.report.ecn_cleared {
        net.stats.inc(Counter::EcnCleared);
    }
    count_end(net, entry, ended);
    Ok(kicks)
}

/// Make a packet from `from`'s peer, whose copy was forwarded, into the
/// acknowledgement for that side's handed-over socket (the core's
/// `handover::local_ack`), to go up the local stack. False: drop it (a
/// reset or SYN, which are not the socket's; a duplicate that tells it
/// nothing about its bytes; the socket gone; no memory; a bad checksum).
pub(crate) fn local_ack(
    net: &NetState,
    rcu: &RcuGuard,
    entry: &Entry,
    from: Side,
    skb: &mut Skb<'_>,
    family: Family,
    tcp: &Tcp,
) -> bool {
    let Some(sk) = net.table().handed(rcu, entry, from) else {
        return false;
    };
    let l4 = tcp.l4;
    if !skb.tcp_csum_ok(l4, family == Family::V6) {
        net.stats.inc(Counter::HandoverDrops);
        return false;
    }
    let Some(buf) = skb.writable(l4 + tcp.th.header_len) else {
        net.stats.inc(Counter::HandoverDrops);
        return false;
    };
    match handover::local_ack(buf, family, l4, &tcp.th, sk) {
        Ok(Some(len)) if skb.trim_local(len) => {
            net.stats.inc(Counter::HandoverAcks);
            true
        }
        Ok(None) => false,
        _ => {
            net.stats.inc(Counter::HandoverDrops);
            false
        }
    }
}

/// A segment that `side`'s handed-over socket sends: only its data (what
/// is in flight, retransmitted) leaves, acknowledging nothing past what the
/// splice was made at (the core's `handover::clamp_ack`). False: drop it.
pub(crate) fn handed_segment(
    net: &NetState,
    entry: &Entry,
    side: Side,
    skb: &mut Skb<'_>,
    tcp: &Tcp,
) -> bool {
    let l4 = tcp.l4;
    let end = l4 + tcp.th.header_len;
    let Some(payload) = skb.len().checked_sub(end) else {
        return false;
    };
    let partial = skb.partial();
    let Some(buf) = skb.writable(end) else {
        return false;
    };
    let leg = entry.splice.leg(side);
    let pass = handover::clamp_ack(
        &mut buf[l4..],
        payload as u32,
        leg.rcv_nxt,
        leg.snd_nxt,
        partial,
    );
    if pass {
        net.stats.inc(Counter::HandoverSegments);
    }
    pass
}

/// Send the kicks [`forward`] asked for, once the packet that prompted them
/// went on: each peer named gets [`KICK_ERRORS`] ICMP errors quoting its
/// oldest unacknowledged byte (see the core's `nudge`).
pub(crate) fn kick(net: &NetState, splice: &Splice, kicks: Kicks) {
    let Some(n) = net.handle() else {
        return;
    };
    let v6 = splice.family() == Family::V6;
    for side in Side::BOTH {
        let Some(seq) = kicks[side.index()] else {
            continue;
        };
        let mut pkt = [0u8; MAX_PACKET];
        let len = nudge::kick(splice, side, seq, &mut pkt);
        net.stats.inc(Counter::NudgeKicks);
        for _ in 0..KICK_ERRORS {
            if n.send_built(&pkt[..len], v6).is_err() {
                net.stats.inc(Counter::DropNoRoute);
                break;
            }
        }
    }
}

/// A splice just made: each peer that the proxy's socket offered less than
/// the other peer offers (`advertised` and `offered`, per side, in bytes)
/// gets that window at once, in a window update (see the core's `nudge`):
/// otherwise it would wait for its persist or retransmission timer.
pub(crate) fn update_windows(
    net: &NetState,
    splice: &Splice,
    offered: [u32; 2],
    advertised: [u32; 2],
) {
    let Some(n) = net.handle() else {
        return;
    };
    let v6 = splice.family() == Family::V6;
    for to in Side::BOTH {
        let mut pkt = [0u8; MAX_PACKET];
        let from = to.other().index();
        let Some(len) =
            nudge::window_update(splice, to, offered[from], advertised[to.index()], &mut pkt)
        else {
            continue;
        };
        if n.send_built(&pkt[..len], v6).is_ok() {
            net.stats.inc(Counter::WindowUpdates);
        } else {
            net.stats.inc(Counter::DropNoRoute);
        }
    }
}

/// A SYN without ACK from `from`'s peer on an entry whose connection ended
/// opens a new connection on the same addresses (a client reusing its port
/// at once, a NAT gateway reusing a mapping): it is not this splice's, and
/// translated it would reach the other peer as part of the old one. From
/// then on the entry takes none of the addresses' packets (the stack gets
/// them: the proxy's listener answers, and LOCAL_OUT lets the answer go),
/// and the next sweep removes it. True when `skb` is the stack's for that
/// reason. (A SYN on an open splice is translated: the other peer answers
/// with a challenge ACK, RFC 5961, and the sender resets the old
/// connection if it has none.)
pub(crate) fn superseded(net: &NetState, entry: &Entry, th: &TcpHeader) -> bool {
    if entry.is_superseded() {
        return true;
    }
    if th.flags & (flags::SYN | flags::ACK) != flags::SYN {
        return false;
    }
    let mut st = entry.state.lock();
    if st.ended_at.is_none() {
        return false;
    }
    st.kill = true;
    entry.superseded.store(true, Relaxed);
    drop(st);
    net.stats.inc(Counter::SplicesSuperseded);
    true
}

/// Remove every superseded entry now (see [`superseded`]); true if there
/// was one. For a new splice of the connection that took its addresses,
/// which may come before the sweep.
pub(crate) fn drop_superseded(net: &NetState) -> bool {
    let mut found = false;
    let (now, listening) = (jiffies(), net.splice_listeners());
    let mut gone: KVec<View> = KVec::new();
    net.table().lock().retain(|e| {
        let s = e.is_superseded();
        if s && listening {
            let _ = gone.push(e.view(now), GFP_ATOMIC);
        }
        found |= s;
        !s
    });
    for v in &gone {
        crate::netlink::splice_event(net, v, Some(End::Superseded));
    }
    found
}

/// How long after the probes a segment still counts as an answer.
pub(crate) const NUDGE_ANSWER_SECS: u32 = 3;

/// Most connections one [`nudge_quiet`] pass probes; a takeover of more is
/// spread over several cluster ticks, so the table's lock is held briefly.
pub(crate) const NUDGE_BUDGET: usize = 1024;

/// After a takeover of the addresses in `owned`: probe both peers of each
/// open connection to one of them that no packet reached here for `quiet`
/// jiffies (its peers are likely stalled in retransmission back-off) and
/// that this takeover (`round`) did not probe yet. The answers pass through
/// [`forward`], which kicks a peer found waiting on its timer. Returns true
/// when the budget ran out and another pass is needed.
pub(crate) fn nudge_quiet(net: &NetState, owned: &[Addr], quiet: u64, round: u32) -> bool {
    let Some(n) = net.handle() else {
        return false;
    };
    let now = jiffies();
    let mut probed = 0usize;
    let mut pkts = [[0u8; MAX_PACKET]; 2];
    // Sending under the table's lock is safe: the probes' own path (the
    // LOCAL_OUT hook) only looks entries up under RCU, and a device that
    // loops packets back queues them for a later softirq.
    net.table().lock().find(|e| {
        if e.role == Role::SplitBackend {
            return false;
        }
        let family = e.splice.family();
        let local = e.splice.tuple(Side::Client).local;
        let k = family.addr_len();
        let ours = owned
            .iter()
            .any(|a| a.v6 == (family == Family::V6) && a.addr[..k] == local.addr[..k]);
        if !ours {
            return false;
        }
        let mut st = e.state.lock();
        if st.nudge_round == round
            || st.ended_at.is_some()
            || st.tracker.phase() != Phase::Open
            || st
                .forwarded_at
                .is_some_and(|t| elapsed(now, t.get()) < quiet)
        {
            return false;
        }
        st.nudge_round = round;
        st.nudge = Some((Nudge::new(), now));
        let lens =
            Side::BOTH.map(|to| nudge::probe(&e.splice, &st.tracker, to, &mut pkts[to.index()]));
        drop(st);
        for (p, len) in pkts.iter().zip(lens) {
            if n.send_built(&p[..len], family == Family::V6).is_ok() {
                net.stats.inc(Counter::NudgeProbes);
            } else {
                net.stats.inc(Counter::DropNoRoute);
            }
        }
        probed += 1;
        probed == NUDGE_BUDGET
    });
    probed == NUDGE_BUDGET
}

pub(super) fn count_end(net: &NetState, entry: &Entry, ended: Option<Phase>) {
    match ended {
        Some(Phase::Reset) => net.stats.inc(Counter::SplicesReset),
        Some(_) => net.stats.inc(Counter::SplicesFinished),
        None => return,
    }
    if entry.role == Role::SplitBackend {
        net.stats.inc(Counter::SplitsEnded);
    }
}

/// On the backend of a split splice: follow a packet the proxy delivered
/// to this host (client to server, already translated) towards the end of
/// the connection. The packet itself goes on untouched.
pub(crate) fn observe(net: &NetState, entry: &Entry, skb: &mut Skb<'_>, tcp: &Tcp) {
    let len = skb.len();
    let Some(b) = skb.network_bytes(tcp.l4 + tcp.th.header_len) else {
        return;
    };
    let now = jiffies();
    let mut st = entry.state.lock();
    st.last_seen = now;
    let Ok(true) = entry
        .splice
        .observe_parsed(b, tcp.l4, &tcp.th, len, &mut st.tracker)
    else {
        return;
    };
    st.ended_at = moment(now);
    let phase = st.tracker.phase();
    drop(st);
    count_end(net, entry, Some(phase));
}

/// An ICMP error quoting a packet of a splice: translate it for the peer
/// whose data caused it. `None`: not such an error (let it pass); `Some(Err)`:
/// drop it and count that.
pub(crate) fn forward_icmp(
    net: &NetState,
    skb: &mut Skb<'_>,
    family: Family,
) -> Option<Result<(), Counter>> {
    // Look at the protocol before pulling the whole packet in.
    let proto = match family {
        Family::V4 => skb.network_bytes(20)?[9],
        Family::V6 => skb.network_bytes(40)?[6],
    };
    if proto != icmp::IPPROTO_ICMP && proto != icmp::IPPROTO_ICMPV6 {
        return None;
    }
    let len = skb.len();
    let q = icmp::quote(family, skb.network_bytes(len)?)?;
    let rcu = RcuGuard::new();
    // Entries are keyed by arriving packets: the quote is one the proxy sent.
    let (entry, leg) = net
        .table()
        .lookup(&rcu, &Key::new(family, &q.dst, &q.src))?;
    if skb.csum_mode(q.icmp) != CsumMode::Full {
        return Some(Err(Counter::DropBadCsumOffload));
    }
    let Some(buf) = skb.writable(len) else {
        return Some(Err(Counter::DropNomem));
    };
    icmp::translate(&entry.splice, leg, buf, &q);
    net.stats.inc(Counter::IcmpTranslated);
    Some(Ok(()))
}
