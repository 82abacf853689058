// SPDX-License-Identifier: GPL-2.0
//! The cluster: heartbeats, replication of the splice table to every live
//! peer, failure detection and VIP ownership. Everything runs in process
//! context (the sync socket's work items and genetlink handlers) under one
//! mutex per namespace; only the question "do we own this VIP?" is asked in
//! softirq context, and answered from a small spinlocked set.
//!
//! Replication is a reliable stream per peer: update messages carry a
//! generation and a sequence number, the receiver applies them strictly in
//! order and acknowledges cumulatively (in acks and heartbeats); the sender
//! retransmits unacknowledged messages (go-back-N, a window of
//! [`WINDOW`](crate::splice_core::stream::WINDOW)) after
//! [`rto_ms`](crate::splice_core::stream::rto_ms). When a peer comes up (first heard, restarted, or back
//! after being declared dead) the sender starts a new generation with the
//! whole table (bulk sync) followed by `BulkDone`. The wire format, the
//! stream's rules and the pure decisions live in
//! `splice_core::{sync, stream, cluster}`.
//!
//! This file holds the membership (peers, the namespace's state, the
//! configuration) and what genetlink asks of it; by concept, `stream` (the
//! update stream to each peer), `receive` (datagrams in), `tick` (timers:
//! failure detection, retransmission, heartbeats, the takeover's prompt) and
//! `ownership` (who owns each VIP).

use crate::ffi::cluster::{msleep, now_ms, realtime_ns, Sender, SockSlot};
use crate::ffi::netlink::Writer;
use crate::ffi::table::{secs_to_jiffies, BhGuard};
use crate::netns::NetState;
use crate::splice_core::cluster::{
    alive, carries, Config, ConfigError, PeerConfig, ProxyWatch, Vote, MAX_VIPS,
};
use crate::splice_core::keys::{KeyRing, PeerKey};
use crate::splice_core::siphash::Key as SipKey;
use crate::splice_core::stream::{In, Out};
use crate::splice_core::sync::{
    self, Addr, Fresh, Header, Heartbeat, Kind, Op, Reject, ReplayWindow, UpdateHeader,
    UpdateWriter, HEADER_LEN, HEARTBEAT_MAX, MAX_BODY, MAX_CLAIMS, MAX_DATAGRAM,
};
use crate::stats::Counter;
use kernel::prelude::*;
use kernel::sync::atomic::{Acquire, Atomic, Full, Relaxed, Release};
use kernel::sync::{Mutex, SpinLock};
use kernel::{new_mutex, new_spinlock};

mod ownership;
mod receive;
mod stream;
mod tick;

use ownership::sync_groups;
pub(crate) use receive::receive;
use stream::enqueue;
pub(crate) use tick::{flush, tick};

/// How often an owner announces a VIP it took (once per tick).
const ANNOUNCEMENTS: u8 = 3;
/// Least time between two restarts of one peer's stream.
const RESYNC_MS: u64 = 1000;
/// How long `SPLICE` with `WAIT_SYNC` waits for a peer's acknowledgement.
const WAIT_SYNC_MS: u32 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PeerState {
    Unknown,
    Up,
    Down,
}

/// An update message queued for one peer.
struct Pending {
    seq: u32,
    len: usize,
    ops: u16,
    sent_at: Option<u64>,
    body: KBox<[u8; MAX_BODY]>,
}

struct Peer {
    cfg: PeerConfig,
    state: PeerState,
    replay: ReplayWindow,
    last_heard: Option<u64>,
    /// The peer's latest heartbeat (readiness, claims).
    heard: Heartbeat,
    /// Our counter for datagrams to it.
    counter: u64,
    /// Our update stream to it: its numbers, and the messages not yet
    /// acknowledged.
    out: Out,
    queue: KVec<Pending>,
    /// Messages the last bulk sync queued: the queue may hold those plus
    /// [`QUEUE_LIMIT`](crate::splice_core::stream::QUEUE_LIMIT) more.
    bulk_len: usize,
    /// The stream must start over (memory ran out, or the peer stopped
    /// acknowledging): done by the tick, at most once per [`RESYNC_MS`].
    resync_pending: bool,
    resynced_at: u64,
    /// Its update stream to us: generation, next expected sequence number,
    /// and whether its bulk sync arrived.
    inn: In,
    /// Counters of this peer alone (the namespace's add up all peers).
    stats: PeerStats,
    /// The key it was last heard with, during a key rotation.
    key: PeerKey,
}

/// Per-peer counters, reported by `GET_CLUSTER`, zeroed with the
/// namespace's.
#[derive(Clone, Copy, Default)]
struct PeerStats {
    tx: u64,
    rx: u64,
    retransmitted: u64,
    bulk_syncs: u64,
    failures: u64,
}

impl Peer {
    fn new(cfg: PeerConfig) -> Self {
        Peer {
            cfg,
            state: PeerState::Unknown,
            replay: ReplayWindow::default(),
            last_heard: None,
            heard: Heartbeat::default(),
            counter: 0,
            out: Out::new(),
            queue: KVec::new(),
            bulk_len: 0,
            resync_pending: false,
            resynced_at: 0,
            inn: In::new(),
            stats: PeerStats::default(),
            key: PeerKey::Unknown,
        }
    }

    fn up(&self) -> bool {
        self.state == PeerState::Up
    }

    /// Up, and not standing down: a node that may own VIPs.
    fn candidate(&self) -> bool {
        self.up() && !self.heard.standing_down
    }

    fn claims(&self, vip: &Addr) -> bool {
        self.up() && self.heard.claims().contains(vip)
    }

    fn unacked_ops(&self) -> u32 {
        self.queue.iter().map(|m| u32::from(m.ops)).sum()
    }
}

struct State {
    cfg: Config,
    /// `cfg.key` and, while a key rotation runs, the previous key.
    keys: KeyRing,
    incarnation: u64,
    started_ms: u64,
    ready: bool,
    /// Whether the watched proxy was present at the last tick
    /// ([`ProxyWatch::serving`]); this node owns VIPs only while it is.
    serving: bool,
    peers: KVec<Peer>,
    claimed: [bool; MAX_VIPS],
    /// Claims made while the nodes ahead in the VIP's list had never been
    /// heard ([`Vote::stand_in`]).
    stand_in: [bool; MAX_VIPS],
    announce_left: [u8; MAX_VIPS],
    /// Solicited-node groups joined for owned IPv6 VIPs: (VIP, ifindex).
    groups: KVec<(Addr, i32)>,
    /// The latest takeover, numbered from 1, and whether the connections it
    /// took over still need probing ([`crate::splice::nudge_quiet`]).
    nudge_round: u32,
    nudge_left: bool,
    /// The sync socket's drops counted so far ([`Counter::SyncRxDrops`]).
    rx_drops_seen: u64,
}

/// The VIPs this node owns, for the ARP handler.
struct Owned {
    addrs: [Addr; MAX_VIPS],
    n: usize,
}

/// A namespace's cluster membership.
#[pin_data]
pub(crate) struct Cluster {
    /// The sync socket. Lock order: `runtime`, then `state`. The socket's
    /// work items take only `state`, so dropping the socket (which waits
    /// for them) under `runtime` cannot deadlock.
    #[pin]
    runtime: SockSlot,
    #[pin]
    state: Mutex<State>,
    /// Taken in softirq context; elsewhere with bottom halves disabled.
    #[pin]
    owned: SpinLock<Owned>,
    enabled: Atomic<bool>,
    /// This node is a backend of split splices (read by the hooks).
    backend: Atomic<bool>,
    unacked: Atomic<u32>,
    peers_up: Atomic<u32>,
    vips_owned: Atomic<u32>,
    /// The watched proxy (`ATTACH_PROXY`), in atomics: its socket's closing
    /// is reported by a notifier that must not wait for `state`. The port
    /// of its netlink socket (0: none attached), the grace time in ms (0:
    /// none watched), and when the last one left (`now_ms`).
    proxy_port: Atomic<u32>,
    proxy_grace: Atomic<u32>,
    proxy_gone_at: Atomic<u64>,
}

/// Why `SET_CLUSTER` failed.
pub(crate) enum ConfigureError {
    /// The configuration is inconsistent.
    Invalid(ConfigError),
    /// The sync socket could not be set up (e.g. the port is in use).
    Socket(Error),
}

/// Which message carries an operation to each peer, to wait for its
/// acknowledgement.
pub(crate) struct Ticket {
    /// (peer id, generation, sequence) per peer that was sent the operation.
    at: KVec<(u32, u32, u32)>,
}

impl Cluster {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Cluster {
            runtime <- SockSlot::new(),
            state <- new_mutex!(State {
                cfg: Config::NONE,
                keys: KeyRing::default(),
                incarnation: 0,
                started_ms: 0,
                ready: false,
                serving: true,
                peers: KVec::new(),
                claimed: [false; MAX_VIPS],
                stand_in: [false; MAX_VIPS],
                announce_left: [0; MAX_VIPS],
                groups: KVec::new(),
                nudge_round: 0,
                nudge_left: false,
                rx_drops_seen: 0,
            }),
            owned <- new_spinlock!(Owned {
                addrs: [Addr::default(); MAX_VIPS],
                n: 0,
            }),
            enabled: Atomic::new(false),
            backend: Atomic::new(false),
            unacked: Atomic::new(0),
            peers_up: Atomic::new(0),
            vips_owned: Atomic::new(0),
            proxy_port: Atomic::new(0),
            proxy_grace: Atomic::new(0),
            proxy_gone_at: Atomic::new(0),
        })
    }

    /// `ATTACH_PROXY`: the socket with port `portid` is this namespace's
    /// proxy, watched with a grace time of `grace_ms` (0: not watched).
    pub(crate) fn attach_proxy(&self, portid: u32, grace_ms: u32) {
        self.proxy_grace.store(grace_ms, Relaxed);
        self.proxy_port.store(portid, Release);
    }

    /// A generic netlink socket closed: if it was the attached proxy's, the
    /// proxy is gone from now (the next tick decides what that means).
    pub(crate) fn proxy_released(&self, portid: u32) {
        if self.proxy_port.load(Relaxed) != portid {
            return;
        }
        // The time first: whoever sees the port cleared sees the time too.
        self.proxy_gone_at.store(now_ms(), Relaxed);
        // A proxy attached meanwhile keeps its port (and makes the time moot).
        let _ = self.proxy_port.cmpxchg(portid, 0, Full);
    }

    /// The proxy watch as it stands.
    fn proxy_watch(&self) -> ProxyWatch {
        let attached = self.proxy_port.load(Acquire) != 0;
        ProxyWatch {
            grace_ms: self.proxy_grace.load(Relaxed),
            attached,
            gone_at: self.proxy_gone_at.load(Relaxed),
        }
    }

    /// Whether a cluster is configured.
    pub(crate) fn enabled(&self) -> bool {
        self.enabled.load(Relaxed)
    }

    /// Whether this node is a backend of split splices (any context).
    pub(crate) fn is_backend(&self) -> bool {
        self.backend.load(Relaxed)
    }

    /// Whether `a` is a configured backend peer (process context).
    pub(crate) fn has_backend_peer(&self, a: &Addr) -> bool {
        let st = self.state.lock();
        st.cfg.node_id != 0 && st.peers.iter().any(|p| p.cfg.backend && p.cfg.addr == *a)
    }

    /// Whether this node answers for `vip` now (any context).
    pub(crate) fn owns(&self, vip: &Addr) -> bool {
        let o = self.owned.lock();
        o.addrs[..o.n].contains(vip)
    }

    /// The gauges: operations not yet acknowledged, peers up, VIPs owned.
    pub(crate) fn gauges(&self) -> [u64; 3] {
        [
            u64::from(self.unacked.load(Relaxed)),
            u64::from(self.peers_up.load(Relaxed)),
            u64::from(self.vips_owned.load(Relaxed)),
        ]
    }

    fn set_owned(&self, st: &State) {
        let _bh = BhGuard::new();
        let mut o = self.owned.lock();
        o.n = 0;
        for (v, _) in st.cfg.vips().iter().zip(st.claimed).filter(|(_, c)| *c) {
            let n = o.n;
            o.addrs[n] = v.addr;
            o.n = n + 1;
        }
        self.vips_owned.store(o.n as u32, Relaxed);
    }

    /// Replace the configuration (`SET_CLUSTER`). Peers whose id and address
    /// stay keep their state; a new node id starts a new incarnation.
    pub(crate) fn configure(&self, net: &NetState, cfg: Config) -> Result<(), ConfigureError> {
        cfg.validate().map_err(ConfigureError::Invalid)?;
        // Allocated first, so that nothing changes if memory runs out.
        let mut peers = KVec::with_capacity(cfg.peers().len(), GFP_KERNEL)
            .map_err(|_| ConfigureError::Socket(ENOMEM))?;
        let mut rt = self.runtime.lock();
        let port_changed = self.state.lock().cfg.port != cfg.port;
        if cfg.node_id == 0 || port_changed {
            // Stops the work items before the state changes under them.
            rt.stop();
        }
        let mut guard = self.state.lock();
        let st = &mut *guard;
        if st.cfg.node_id != cfg.node_id {
            st.keys = KeyRing::new(cfg.key);
            st.incarnation = realtime_ns().max(st.incarnation + 1);
            st.started_ms = now_ms();
            st.ready = false;
            st.peers.clear();
            st.claimed = [false; MAX_VIPS];
        }
        for pc in cfg.peers() {
            let kept = st
                .peers
                .iter()
                .position(|p| p.cfg == *pc)
                .map(|i| st.peers.remove(i));
            let p = match kept {
                Some(Ok(p)) => p,
                _ => Peer::new(*pc),
            };
            // Within the capacity reserved above: cannot fail.
            let _ = peers.push(p, GFP_KERNEL);
        }
        // A new key: the old one stays accepted (and used towards peers
        // that still seal with it) until every peer is heard with the new one.
        if st.keys.rotate(cfg.key, now_ms()) {
            pr_info!(
                "node {}: cluster key changed, rotation started\n",
                cfg.node_id
            );
            for p in peers.iter_mut() {
                p.key = PeerKey::Unknown;
            }
        }
        // Peers that leave the configuration no longer forward anything:
        // the idle clocks of their connections start here.
        let removed = !st.peers.is_empty();
        st.peers = peers;
        if removed {
            crate::splice::adopt_all(net);
        }
        // A VIP keeps its claim only if it is still configured.
        let (mut claimed, mut stand_in) = ([false; MAX_VIPS], [false; MAX_VIPS]);
        for (i, v) in cfg.vips().iter().enumerate() {
            if let Some(j) = st.cfg.vips().iter().position(|w| w.addr == v.addr) {
                claimed[i] = st.claimed[j];
                stand_in[i] = st.stand_in[j];
            }
        }
        st.claimed = claimed;
        st.stand_in = stand_in;
        st.cfg = cfg;
        self.set_owned(st);
        sync_groups(net, st);
        self.enabled.store(cfg.node_id != 0, Relaxed);
        self.backend.store(cfg.node_id != 0 && cfg.backend, Relaxed);
        drop(guard);
        if cfg.node_id != 0 {
            match rt.get() {
                Some(c) => c.set_interval(cfg.interval_ms),
                None => {
                    // A new socket counts its drops from zero.
                    self.state.lock().rx_drops_seen = 0;
                    if let Err(e) = rt.start(net, cfg.port, cfg.interval_ms) {
                        self.enabled.store(false, Relaxed);
                        return Err(ConfigureError::Socket(e));
                    }
                }
            }
        }
        net.stats.inc(Counter::ConfigChanges);
        Ok(())
    }

    /// Zero every peer's counters (with the namespace's, `RESET_STATS`).
    pub(crate) fn reset_stats(&self) {
        for p in self.state.lock().peers.iter_mut() {
            p.stats = PeerStats::default();
        }
    }

    /// Where the sync socket lives (checked by [`SockSlot`] when it starts
    /// one).
    pub(crate) fn sock_slot(&self) -> &SockSlot {
        &self.runtime
    }

    /// Stop the socket and its work, and leave every multicast group
    /// (namespace exit, and module unload for namespaces that stay).
    pub(crate) fn stop(&self, net: &NetState) {
        self.runtime.lock().stop();
        let mut st = self.state.lock();
        st.claimed = [false; MAX_VIPS];
        sync_groups(net, &mut st);
    }

    /// Queue `op` for every live peer it is for (`split_to`: the backend of
    /// a split splice the operation is about) and have it sent. Returns
    /// where it went, for [`Cluster::wait`].
    pub(crate) fn replicate(
        &self,
        net: &NetState,
        op: &Op,
        split_to: Option<Addr>,
    ) -> Option<Ticket> {
        if !self.enabled() {
            return None;
        }
        let rt = self.runtime.lock();
        let mut st = self.state.lock();
        let me_backend = st.cfg.backend;
        let mut t = Ticket { at: KVec::new() };
        for p in st.peers.iter_mut().filter(|p| p.up()) {
            if p.resync_pending || !carries(me_backend, &p.cfg, op, split_to.as_ref()) {
                continue;
            }
            match enqueue(p, op) {
                Some(seq) if Out::room(p.queue.len(), p.bulk_len) => {
                    let _ = t.at.push((p.cfg.id, p.out.gen, seq), GFP_KERNEL);
                }
                // Out of memory, or a peer that stopped acknowledging:
                // drop its queue; the tick starts it over.
                _ => {
                    p.queue.clear();
                    p.resync_pending = true;
                    net.stats.inc(Counter::SyncResyncs);
                }
            }
        }
        self.update_gauges(&st);
        drop(st);
        if let Some(c) = rt.get() {
            c.kick();
        }
        Some(t)
    }

    /// Wait (sleeping, at most a second) until a peer acknowledged the
    /// message of `t`. False if none did, or none was live.
    pub(crate) fn wait(&self, t: &Ticket) -> bool {
        for _ in 0..WAIT_SYNC_MS / 5 {
            {
                let st = self.state.lock();
                let peer = |id: u32, gen| {
                    st.peers
                        .iter()
                        .find(|p| p.cfg.id == id && p.up() && p.out.gen == gen)
                };
                let done =
                    t.at.iter()
                        .any(|&(id, gen, seq)| peer(id, gen).is_some_and(|p| p.out.acked >= seq));
                if done {
                    return true;
                }
                // Every peer it went to failed or restarted: none will.
                if !t.at.iter().any(|&(id, gen, _)| peer(id, gen).is_some()) {
                    return false;
                }
            }
            msleep(5);
        }
        false
    }

    fn update_gauges(&self, st: &State) {
        let n: u32 = st.peers.iter().map(|p| p.unacked_ops()).sum();
        self.unacked.store(n, Relaxed);
        let up = st.peers.iter().filter(|p| p.up()).count();
        self.peers_up.store(up as u32, Relaxed);
    }

    /// The `TCPSPLICE_A_CLUSTER` nest of `GET_CLUSTER` (never the key).
    pub(crate) fn report(&self, w: &mut Writer) -> Result {
        let st = self.state.lock();
        let now = now_ms();
        let c = &st.cfg;
        let nest = w.nest(b::TCPSPLICE_A_CLUSTER)?;
        w.put_u32(b::TCPSPLICE_CLUSTER_NODE_ID, c.node_id)?;
        let proxy = self.proxy_watch();
        if proxy.grace_ms != 0 {
            w.put_u32(b::TCPSPLICE_CLUSTER_PROXY_GRACE, proxy.grace_ms)?;
            w.put_u8(
                b::TCPSPLICE_CLUSTER_PROXY_ATTACHED,
                u8::from(proxy.attached),
            )?;
            if !proxy.attached {
                let gone = now.wrapping_sub(proxy.gone_at).min(u64::from(u32::MAX));
                w.put_u32(b::TCPSPLICE_CLUSTER_PROXY_GONE, gone as u32)?;
            }
        }
        if c.node_id != 0 {
            w.put_u16(b::TCPSPLICE_CLUSTER_PORT, c.port)?;
            w.put_u32(b::TCPSPLICE_CLUSTER_INTERVAL, c.interval_ms)?;
            w.put_u32(b::TCPSPLICE_CLUSTER_MISSES, c.misses)?;
            w.put_u8(b::TCPSPLICE_CLUSTER_PREEMPT, u8::from(c.preempt))?;
            w.put_u8(b::TCPSPLICE_CLUSTER_BACKEND, u8::from(c.backend))?;
            w.put_u8(b::TCPSPLICE_CLUSTER_READY, u8::from(st.ready))?;
            w.put_u8(
                b::TCPSPLICE_CLUSTER_SERVING,
                u8::from(st.ready && st.serving),
            )?;
            w.put_u64(
                b::TCPSPLICE_CLUSTER_INCARNATION,
                st.incarnation,
                b::TCPSPLICE_CLUSTER_PAD,
            )?;
        }
        for p in &st.peers {
            let n = w.nest(b::TCPSPLICE_CLUSTER_PEER)?;
            w.put_u32(b::TCPSPLICE_PEER_ID, p.cfg.id)?;
            put_addr(w, b::TCPSPLICE_PEER_ADDR, &p.cfg.addr)?;
            w.put_u8(b::TCPSPLICE_PEER_BACKEND, u8::from(p.cfg.backend))?;
            let state = match p.state {
                PeerState::Unknown => b::TCPSPLICE_PEER_UNKNOWN,
                PeerState::Up => b::TCPSPLICE_PEER_UP,
                PeerState::Down => b::TCPSPLICE_PEER_DOWN,
            };
            w.put_u8(b::TCPSPLICE_PEER_STATE, state as u8)?;
            w.put_u8(
                b::TCPSPLICE_PEER_READY,
                u8::from(p.candidate() && p.heard.ready),
            )?;
            w.put_u8(b::TCPSPLICE_PEER_SYNCED, u8::from(p.inn.synced))?;
            if let Some(t) = p.last_heard {
                let ago = now.saturating_sub(t).min(u64::from(u32::MAX));
                w.put_u32(b::TCPSPLICE_PEER_LAST_HEARD, ago as u32)?;
            }
            w.put_u32(b::TCPSPLICE_PEER_UNACKED, p.unacked_ops())?;
            let pad = b::TCPSPLICE_PEER_PAD;
            w.put_u64(b::TCPSPLICE_PEER_TX, p.stats.tx, pad)?;
            w.put_u64(b::TCPSPLICE_PEER_RX, p.stats.rx, pad)?;
            w.put_u64(b::TCPSPLICE_PEER_RETRANSMITTED, p.stats.retransmitted, pad)?;
            w.put_u64(b::TCPSPLICE_PEER_BULK_SYNCS, p.stats.bulk_syncs, pad)?;
            w.put_u64(b::TCPSPLICE_PEER_FAILURES, p.stats.failures, pad)?;
            w.end(n);
        }
        for (v, owned) in c.vips().iter().zip(st.claimed) {
            let n = w.nest(b::TCPSPLICE_CLUSTER_VIP)?;
            put_addr(w, b::TCPSPLICE_VIP_ADDR, &v.addr)?;
            let mut ids = [0u8; 4 * crate::splice_core::cluster::MAX_OWNERS];
            for (i, id) in v.owners().iter().enumerate() {
                ids[4 * i..4 * i + 4].copy_from_slice(&id.to_ne_bytes());
            }
            w.put_bytes(b::TCPSPLICE_VIP_OWNERS, &ids[..4 * v.owners().len()])?;
            w.put_u8(b::TCPSPLICE_VIP_OWNED, u8::from(owned))?;
            w.end(n);
        }
        w.end(nest);
        Ok(())
    }
}

use crate::bindings as b;

/// An address in its usual text form, for the kernel log (whose `{}` wants
/// the kernel's own `Display`).
struct Shown(Addr);

impl core::fmt::Debug for Shown {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}

fn put_addr(w: &mut Writer, attr: u32, a: &Addr) -> Result {
    w.put_bytes(attr, &a.addr[..if a.v6 { 16 } else { 4 }])
}

#[kunit_tests(tcpsplice_cluster)]
mod tests {
    use crate::ffi::cluster::kernel_siphash;
    use crate::splice_core::siphash::{siphash, Key};

    #[test]
    fn the_core_siphash_is_the_kernels() {
        let key = Key([0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908]);
        let mut msg = [0u8; 64];
        for (i, b) in msg.iter_mut().enumerate() {
            *b = i as u8;
        }
        for n in [0, 1, 7, 8, 9, 15, 16, 63, 64] {
            assert_eq!(siphash(&key, &msg[..n]), kernel_siphash(&key, &msg[..n]));
        }
    }
}
