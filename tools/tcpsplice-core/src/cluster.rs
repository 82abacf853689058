// SPDX-License-Identifier: GPL-2.0
//! Cluster decisions that need no state of their own: whether a peer is
//! alive, whether this node is ready, and who owns a VIP.
//!
//! Ownership is decided by every node on its own from the same inputs (the
//! VIP's priority list, which nodes are alive and ready, and which nodes
//! claim the VIP in their heartbeats), so live nodes that hear each other
//! agree:
//!
//! * the *current* owner is the claimant earliest in the priority list (this
//!   resolves a split brain once the partition heals: the later claimant
//!   gives the VIP up);
//! * the *desired* owner is the current one while it stays eligible, unless
//!   `preempt` is set; otherwise the first eligible node in the list; and
//!   for a VIP nobody claims, the first node in the list that is alive, once
//!   it is eligible (a node still syncing is waited for, so that a cluster
//!   starting up gives each VIP to its preferred node rather than to
//!   whichever node got ready first);
//! * a node keeps a claim while it is the desired owner, and starts one only
//!   when it is the desired owner **and no other live node claims the VIP**:
//!   a hand-back waits until the previous owner released it, so two nodes
//!   never answer for a VIP they both hear about.

use super::siphash::Key;
use super::sync::{Addr, Op};

/// Most peers in a cluster (this node not counted).
pub const MAX_PEERS: usize = 16;
/// Most VIPs.
pub const MAX_VIPS: usize = 16;
/// Shortest heartbeat interval, milliseconds.
pub const MIN_INTERVAL_MS: u32 = 10;
/// Longest heartbeat interval, milliseconds.
pub const MAX_INTERVAL_MS: u32 = 10_000;
/// Bounds of the number of missed heartbeats that declare a peer dead.
pub const MISSES: core::ops::RangeInclusive<u32> = 2..=100;
/// What the module uses when the configuration leaves them out.
pub const DEFAULT_INTERVAL_MS: u32 = 100;
/// See [`DEFAULT_INTERVAL_MS`].
pub const DEFAULT_MISSES: u32 = 5;

/// Most nodes in a VIP's priority list.
pub const MAX_OWNERS: usize = MAX_PEERS + 1;

/// A peer: its node id and the address its sync socket listens on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerConfig {
    /// Node id (not 0).
    pub id: u32,
    /// Address.
    pub addr: Addr,
    /// A backend of split splices (`Documentation/split.rst`), not a proxy:
    /// it is sent only the split splices handed to its address (which must
    /// be the address its service listens on), owns no VIP and holds no
    /// other state.
    pub backend: bool,
}

/// A VIP and the nodes that may own it, in priority order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VipConfig {
    /// The address.
    pub addr: Addr,
    /// Node ids, most preferred first.
    pub owners: [u32; MAX_OWNERS],
    /// How many of `owners` are used.
    pub n_owners: usize,
}

impl VipConfig {
    /// The priority list.
    pub fn owners(&self) -> &[u32] {
        &self.owners[..self.n_owners.min(MAX_OWNERS)]
    }
}

/// A node's cluster configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// This node (0: no cluster).
    pub node_id: u32,
    /// UDP port of every node's sync socket.
    pub port: u16,
    /// Heartbeat interval, milliseconds.
    pub interval_ms: u32,
    /// Missed heartbeats that declare a peer dead.
    pub misses: u32,
    /// The shared key.
    pub key: Key,
    /// Hand VIPs back to more preferred nodes when they return.
    pub preempt: bool,
    /// Peers.
    pub peers: [PeerConfig; MAX_PEERS],
    /// How many of `peers` are used.
    pub n_peers: usize,
    /// VIPs.
    pub vips: [VipConfig; MAX_VIPS],
    /// How many of `vips` are used.
    pub n_vips: usize,
    /// This node is a backend of split splices: its peers are the proxies
    /// that may hand it splices; it has no VIPs and no backend peers.
    pub backend: bool,
}

/// What is wrong with a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// No key, or a key of zeros.
    Key,
    /// The interval is out of range.
    Interval,
    /// The miss count is out of range.
    Misses,
    /// A peer has this node's id, id 0, or an id used twice.
    PeerId,
    /// A peer's address is unspecified or used twice.
    PeerAddr,
    /// A VIP is listed twice or unspecified.
    Vip,
    /// A VIP's priority list names an unknown node, a node twice, or none.
    Owners,
    /// Too many peers or VIPs.
    TooMany,
    /// A backend node with VIPs or backend peers, or a VIP owned by a
    /// backend.
    Backend,
}

impl ConfigError {
    /// A message for the operator.
    pub fn message(self) -> &'static core::ffi::CStr {
        match self {
            ConfigError::Key => c"a 16-byte key that is not all zeros is required",
            ConfigError::Interval => c"heartbeat interval must be 10..10000 ms",
            ConfigError::Misses => c"missed heartbeats must be 2..100",
            ConfigError::PeerId => c"peer ids must be unique, non-zero and not this node's",
            ConfigError::PeerAddr => c"peer addresses must be unique and specified",
            ConfigError::Vip => c"VIPs must be unique and specified",
            ConfigError::Owners => c"a VIP's owners must be known node ids, each once",
            ConfigError::TooMany => c"at most 16 peers and 16 VIPs",
            ConfigError::Backend => {
                c"a backend node has no VIPs and only proxies as peers; backends own no VIP"
            }
        }
    }
}

impl Config {
    /// No cluster.
    pub const NONE: Config = Config {
        node_id: 0,
        port: 0,
        interval_ms: 0,
        misses: 0,
        key: Key([0; 2]),
        preempt: false,
        peers: [PeerConfig {
            id: 0,
            addr: Addr {
                v6: false,
                addr: [0; 16],
            },
            backend: false,
        }; MAX_PEERS],
        n_peers: 0,
        vips: [VipConfig {
            addr: Addr {
                v6: false,
                addr: [0; 16],
            },
            owners: [0; MAX_OWNERS],
            n_owners: 0,
        }; MAX_VIPS],
        n_vips: 0,
        backend: false,
    };

    /// The peers.
    pub fn peers(&self) -> &[PeerConfig] {
        &self.peers[..self.n_peers.min(MAX_PEERS)]
    }

    /// The VIPs.
    pub fn vips(&self) -> &[VipConfig] {
        &self.vips[..self.n_vips.min(MAX_VIPS)]
    }

    /// Whether `id` is this node or a peer.
    pub fn knows(&self, id: u32) -> bool {
        id != 0 && (id == self.node_id || self.peers().iter().any(|p| p.id == id))
    }

    /// Check everything (a configuration with node id 0 needs nothing).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.node_id == 0 {
            return Ok(());
        }
        if self.n_peers > MAX_PEERS || self.n_vips > MAX_VIPS {
            return Err(ConfigError::TooMany);
        }
        if self.key.0 == [0; 2] {
            return Err(ConfigError::Key);
        }
        if !(MIN_INTERVAL_MS..=MAX_INTERVAL_MS).contains(&self.interval_ms) {
            return Err(ConfigError::Interval);
        }
        if !MISSES.contains(&self.misses) {
            return Err(ConfigError::Misses);
        }
        let peers = self.peers();
        for (i, p) in peers.iter().enumerate() {
            if p.id == 0 || p.id == self.node_id || peers[..i].iter().any(|q| q.id == p.id) {
                return Err(ConfigError::PeerId);
            }
            if p.addr.addr == [0; 16] || peers[..i].iter().any(|q| q.addr == p.addr) {
                return Err(ConfigError::PeerAddr);
            }
        }
        if self.backend && (self.n_vips > 0 || peers.iter().any(|p| p.backend)) {
            return Err(ConfigError::Backend);
        }
        let vips = self.vips();
        for (i, v) in vips.iter().enumerate() {
            if v.addr.addr == [0; 16] || vips[..i].iter().any(|w| w.addr == v.addr) {
                return Err(ConfigError::Vip);
            }
            let o = v.owners();
            if o.is_empty()
                || o.iter()
                    .enumerate()
                    .any(|(j, &id)| !self.knows(id) || o[..j].contains(&id))
            {
                return Err(ConfigError::Owners);
            }
            if o.iter()
                .any(|&id| peers.iter().any(|p| p.id == id && p.backend))
            {
                return Err(ConfigError::Backend);
            }
        }
        Ok(())
    }
}

/// Whether a replication operation goes to `peer`. Proxies send each other
/// everything; a backend peer gets only the splices handed to its address
/// (`split_to`: the backend of the splice an operation is about, if split)
/// and the end of bulk syncs; a backend node sends only ends.
pub fn carries(me_backend: bool, peer: &PeerConfig, op: &Op, split_to: Option<&Addr>) -> bool {
    if me_backend {
        return matches!(op, Op::Del { .. } | Op::BulkDone);
    }
    if !peer.backend {
        return true;
    }
    matches!(op, Op::BulkDone) || split_to == Some(&peer.addr)
}

/// Whether a peer last heard at `last` (if ever) is alive at `now`. Times in
/// milliseconds (any monotonic clock).
pub fn alive(last: Option<u64>, now: u64, interval_ms: u32, misses: u32) -> bool {
    match last {
        Some(t) => now.wrapping_sub(t) < u64::from(interval_ms) * u64::from(misses),
        None => false,
    }
}

/// The proxy process a node serves with, as the node watches it (as
/// keepalived's `track_process`): the proxy attaches its netlink socket,
/// and its closing (however the process ended) is when it left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProxyWatch {
    /// How long, in ms, the node keeps its VIPs with no proxy attached;
    /// 0: no proxy is watched (the node serves regardless).
    pub grace_ms: u32,
    /// A watched proxy's socket is open.
    pub attached: bool,
    /// When the last watched proxy left (ms, the same clock as `now`).
    pub gone_at: u64,
}

impl ProxyWatch {
    /// Whether the node may own VIPs as far as its proxy is concerned.
    pub fn serving(&self, now: u64) -> bool {
        self.grace_ms == 0
            || self.attached
            || now.wrapping_sub(self.gone_at) < u64::from(self.grace_ms)
    }
}

/// What one node knows about who may own one VIP.
pub struct Vote<'a> {
    /// Node ids in priority order.
    pub owners: &'a [u32],
    /// This node.
    pub me: u32,
    /// This node claims the VIP now.
    pub claimed: bool,
    /// Take the VIP back from a lower-priority owner when this node becomes
    /// eligible again.
    pub preempt: bool,
    /// This node's claim is a stand-in (see [`Vote::stand_in`]): without
    /// preempt too, it hands the VIP to a preferred node once that one is
    /// eligible.
    pub stand_in: bool,
}

impl Vote<'_> {
    /// Whether this node claims the VIP after this round. `alive(id)`: the
    /// node is alive and not standing down (for `me`: always), so a VIP
    /// nobody claims waits for it while it syncs. `eligible(id)`: it is
    /// alive, ready and not standing down. `claims(id)`: a live peer (never
    /// `me`) claims the VIP in its latest heartbeat.
    pub fn decide(
        &self,
        alive: impl Fn(u32) -> bool,
        eligible: impl Fn(u32) -> bool,
        claims: impl Fn(u32) -> bool,
    ) -> bool {
        let claimant = |id: u32| (id == self.me && self.claimed) || (id != self.me && claims(id));
        let current = self.owners.iter().copied().find(|&id| claimant(id));
        let stand_in = |c: u32| c == self.me && self.stand_in;
        let desired = match current {
            Some(c) if !self.preempt && eligible(c) && !stand_in(c) => Some(c),
            Some(_) => self.owners.iter().copied().find(|&id| eligible(id)),
            None => self
                .owners
                .iter()
                .copied()
                .find(|&id| id == self.me || alive(id))
                .filter(|&id| eligible(id)),
        };
        if desired != Some(self.me) {
            return false;
        }
        // A claimant outside the priority list also blocks a new claim.
        self.claimed || !self.others_claim(&claims)
    }

    /// Whether a claim this node makes now is a stand-in: every node ahead
    /// of it in the priority list has never been heard (`heard(id)`), so the
    /// VIP comes here because they have not started yet, not because they
    /// failed. "No preempt" keeps a VIP where a failover put it; a VIP a
    /// node never had goes to it when it starts, preempt or not.
    pub fn stand_in(&self, heard: impl Fn(u32) -> bool) -> bool {
        let ahead = self.owners.iter().take_while(|&&id| id != self.me);
        let mut any = false;
        for &id in ahead {
            if heard(id) {
                return false;
            }
            any = true;
        }
        any
    }

    fn others_claim(&self, claims: &impl Fn(u32) -> bool) -> bool {
        self.owners.iter().any(|&id| id != self.me && claims(id))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_node_serves_while_its_proxy_is_attached_or_within_the_grace_time() {
        let unwatched = ProxyWatch::default();
        assert!(unwatched.serving(1_000_000));
        let mut w = ProxyWatch {
            grace_ms: 500,
            attached: true,
            gone_at: 0,
        };
        assert!(w.serving(1_000_000));
        w.attached = false;
        w.gone_at = 10_000;
        assert!(w.serving(10_000));
        assert!(w.serving(10_499));
        assert!(!w.serving(10_500));
        assert!(!w.serving(99_999));
        // A proxy that attaches again serves at once.
        w.attached = true;
        assert!(w.serving(99_999));
    }

    use super::*;

    const ORDER: [u32; 3] = [1, 2, 3];

    fn vote(me: u32, claimed: bool, preempt: bool) -> Vote<'static> {
        Vote {
            owners: &ORDER,
            me,
            claimed,
            preempt,
            stand_in: false,
        }
    }

    #[test]
    fn liveness_counts_missed_heartbeats() {
        assert!(!alive(None, 0, 100, 3));
        assert!(alive(Some(1000), 1299, 100, 3));
        assert!(!alive(Some(1000), 1300, 100, 3));
    }

    #[test]
    fn the_first_eligible_node_takes_an_unclaimed_vip() {
        let all = |_| true;
        let none = |_| false;
        assert!(vote(1, false, false).decide(all, all, none));
        assert!(!vote(2, false, false).decide(all, all, none));
        // Node 1 dead: node 2 takes over.
        assert!(vote(2, false, false).decide(|id| id != 1, |id| id != 1, none));
        // Nobody eligible: nobody claims.
        assert!(!vote(1, false, false).decide(all, none, none));
    }

    #[test]
    fn a_starting_cluster_waits_for_the_preferred_node_to_be_ready() {
        let all = |_| true;
        let none = |_| false;
        // Node 1 is alive but still syncing: node 2, ready, does not grab
        // the VIP; once node 1 is ready it takes it.
        assert!(!vote(2, false, false).decide(all, |id| id == 2, none));
        assert!(!vote(1, false, false).decide(all, |id| id == 2, none));
        assert!(vote(1, false, false).decide(all, all, none));
        // Node 1 dead: node 2 does not wait for it.
        assert!(vote(2, false, false).decide(|id| id != 1, |id| id == 2, none));
    }

    #[test]
    fn without_preempt_a_returning_node_leaves_the_vip_where_it_is() {
        let all = |_| true;
        let two_claims = |id| id == 2;
        assert!(!vote(1, false, false).decide(all, all, two_claims));
        assert!(vote(2, true, false).decide(all, all, |_| false));
    }

    #[test]
    fn without_preempt_a_stand_in_hands_the_vip_to_the_node_it_waited_for() {
        let all = |_| true;
        // Node 1 never heard: node 2's claim stands in for it.
        let stand = vote(2, false, false);
        assert!(stand.stand_in(|id| id != 1));
        assert!(!stand.stand_in(all), "node 1 was heard: a failover");
        assert!(!vote(1, false, false).stand_in(|_| false), "nobody ahead");
        let mut held = vote(2, true, false);
        held.stand_in = true;
        // Node 1 alive but not ready: node 2 keeps the VIP.
        assert!(held.decide(all, |id| id == 2, |_| false));
        // Node 1 ready: node 2 releases, then node 1 claims.
        assert!(!held.decide(all, all, |_| false));
        assert!(!vote(1, false, false).decide(all, all, |id| id == 2));
        assert!(vote(1, false, false).decide(all, all, |_| false));
        // A claim after a failover stays without preempt.
        assert!(vote(2, true, false).decide(all, all, |_| false));
    }

    #[test]
    fn with_preempt_the_owner_releases_first_then_the_preferred_node_claims() {
        let all = |_| true;
        // Node 2 owns; node 1 is back and preferred.
        assert!(!vote(2, true, true).decide(all, all, |_| false)); // 2 releases
        assert!(!vote(1, false, true).decide(all, all, |id| id == 2)); // 1 waits
        assert!(vote(1, false, true).decide(all, all, |_| false)); // then claims
    }

    #[test]
    fn split_brain_resolves_to_the_earlier_node_in_the_list() {
        let all = |_| true;
        for preempt in [false, true] {
            assert!(vote(1, true, preempt).decide(all, all, |id| id == 2));
            assert!(!vote(2, true, preempt).decide(all, all, |id| id == 1));
        }
        // Even when the earlier claimant is not ready yet, only one keeps it.
        let not_ready_1 = |id| id != 1;
        assert!(vote(2, true, false).decide(all, not_ready_1, |id| id == 1));
    }

    fn config() -> Config {
        let mut c = Config {
            node_id: 1,
            port: 7010,
            interval_ms: 100,
            misses: 5,
            key: Key([1, 2]),
            n_peers: 1,
            n_vips: 1,
            ..Config::NONE
        };
        c.peers[0] = PeerConfig {
            id: 2,
            addr: Addr {
                v6: false,
                addr: [10, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            },
            backend: false,
        };
        c.vips[0].addr = Addr {
            v6: false,
            addr: [192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        };
        c.vips[0].owners[..2].copy_from_slice(&[1, 2]);
        c.vips[0].n_owners = 2;
        c
    }

    #[test]
    fn configurations_are_checked_field_by_field() {
        assert_eq!(config().validate(), Ok(()));
        assert_eq!(Config::NONE.validate(), Ok(()));
        let bad = |f: fn(&mut Config), e: ConfigError| {
            let mut c = config();
            f(&mut c);
            assert_eq!(c.validate(), Err(e));
            assert!(!e.message().to_bytes().is_empty());
        };
        bad(|c| c.key = Key([0, 0]), ConfigError::Key);
        bad(|c| c.interval_ms = 9, ConfigError::Interval);
        bad(|c| c.misses = 1, ConfigError::Misses);
        bad(|c| c.peers[0].id = 1, ConfigError::PeerId);
        bad(|c| c.peers[0].id = 0, ConfigError::PeerId);
        bad(|c| c.peers[0].addr.addr = [0; 16], ConfigError::PeerAddr);
        bad(|c| c.vips[0].owners[1] = 3, ConfigError::Owners);
        bad(|c| c.vips[0].owners[1] = 1, ConfigError::Owners);
        bad(|c| c.vips[0].n_owners = 0, ConfigError::Owners);
        bad(|c| c.vips[0].addr.addr = [0; 16], ConfigError::Vip);
        bad(
            |c| {
                c.n_peers = 2;
                c.peers[1] = c.peers[0];
                c.peers[1].id = 3;
            },
            ConfigError::PeerAddr,
        );
        bad(
            |c| {
                c.n_vips = 2;
                c.vips[1] = c.vips[0];
            },
            ConfigError::Vip,
        );
        bad(|c| c.backend = true, ConfigError::Backend);
        bad(|c| c.peers[0].backend = true, ConfigError::Backend);
        let mut backend = config();
        backend.backend = true;
        backend.n_vips = 0;
        assert_eq!(backend.validate(), Ok(()));
        backend.peers[0].backend = true;
        assert_eq!(backend.validate(), Err(ConfigError::Backend));
    }

    #[test]
    fn backend_peers_get_only_their_own_split_splices() {
        use crate::splice::{Family, Tuple};
        use crate::sync::DelReason;
        let c = config();
        let proxy = c.peers[0];
        let backend = PeerConfig {
            backend: true,
            ..proxy
        };
        let other = Addr {
            v6: false,
            addr: [10, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        };
        let del = Op::Del {
            family: Family::V4,
            client: Tuple::default(),
            reason: DelReason::Ended,
        };
        // Between proxies: everything.
        assert!(carries(false, &proxy, &del, None));
        assert!(carries(false, &proxy, &del, Some(&other)));
        // To a backend: its own split splices and the end of a bulk sync.
        assert!(carries(false, &backend, &del, Some(&backend.addr)));
        assert!(!carries(false, &backend, &del, Some(&other)));
        assert!(!carries(false, &backend, &del, None));
        assert!(carries(false, &backend, &Op::BulkDone, None));
        // From a backend: ends only.
        assert!(carries(true, &proxy, &del, None));
        assert!(carries(true, &proxy, &Op::BulkDone, None));
        let add = Op::Add(crate::sync::tests::sample_replica());
        assert!(!carries(true, &proxy, &add, None));
        assert!(carries(false, &proxy, &add, None));
        assert!(!carries(false, &backend, &add, None));
    }

    #[test]
    fn a_node_outside_the_list_never_claims() {
        assert!(!vote(9, false, false).decide(|_| true, |_| true, |_| false));
    }
}
