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
//!   `preempt` is set; otherwise the first eligible node in the list;
//! * a node keeps a claim while it is the desired owner, and starts one only
//!   when it is the desired owner **and no other live node claims the VIP**:
//!   a hand-back waits until the previous owner released it, so two nodes
//!   never answer for a VIP they both hear about.

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

/// Whether a peer last heard at `last` (if ever) is alive at `now`. Times in
/// milliseconds (any monotonic clock).
pub fn alive(last: Option<u64>, now: u64, interval_ms: u32, misses: u32) -> bool {
    match last {
        Some(t) => now.wrapping_sub(t) < u64::from(interval_ms) * u64::from(misses),
        None => false,
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
}

impl Vote<'_> {
    /// Whether this node claims the VIP after this round. `eligible(id)`:
    /// the node is alive and ready (for `me`: ready). `claims(id)`: a live
    /// peer (never `me`) claims the VIP in its latest heartbeat.
    pub fn decide(&self, eligible: impl Fn(u32) -> bool, claims: impl Fn(u32) -> bool) -> bool {
        let claimant = |id: u32| (id == self.me && self.claimed) || (id != self.me && claims(id));
        let current = self.owners.iter().copied().find(|&id| claimant(id));
        let desired = match current {
            Some(c) if !self.preempt && eligible(c) => Some(c),
            _ => self.owners.iter().copied().find(|&id| eligible(id)),
        };
        if desired != Some(self.me) {
            return false;
        }
        // A claimant outside the priority list also blocks a new claim.
        self.claimed || !self.others_claim(&claims)
    }

    fn others_claim(&self, claims: &impl Fn(u32) -> bool) -> bool {
        self.owners.iter().any(|&id| id != self.me && claims(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: [u32; 3] = [1, 2, 3];

    fn vote(me: u32, claimed: bool, preempt: bool) -> Vote<'static> {
        Vote {
            owners: &ORDER,
            me,
            claimed,
            preempt,
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
        assert!(vote(1, false, false).decide(all, none));
        assert!(!vote(2, false, false).decide(all, none));
        // Node 1 dead: node 2 takes over.
        assert!(vote(2, false, false).decide(|id| id != 1, none));
        // Nobody eligible: nobody claims.
        assert!(!vote(1, false, false).decide(none, none));
    }

    #[test]
    fn without_preempt_a_returning_node_leaves_the_vip_where_it_is() {
        let all = |_| true;
        let two_claims = |id| id == 2;
        assert!(!vote(1, false, false).decide(all, two_claims));
        assert!(vote(2, true, false).decide(all, |_| false));
    }

    #[test]
    fn with_preempt_the_owner_releases_first_then_the_preferred_node_claims() {
        let all = |_| true;
        // Node 2 owns; node 1 is back and preferred.
        assert!(!vote(2, true, true).decide(all, |_| false)); // 2 releases
        assert!(!vote(1, false, true).decide(all, |id| id == 2)); // 1 waits
        assert!(vote(1, false, true).decide(all, |_| false)); // then claims
    }

    #[test]
    fn split_brain_resolves_to_the_earlier_node_in_the_list() {
        let all = |_| true;
        for preempt in [false, true] {
            assert!(vote(1, true, preempt).decide(all, |id| id == 2));
            assert!(!vote(2, true, preempt).decide(all, |id| id == 1));
        }
        // Even when the earlier claimant is not ready yet, only one keeps it.
        let not_ready_1 = |id| id != 1;
        assert!(vote(2, true, false).decide(not_ready_1, |id| id == 1));
    }

    #[test]
    fn a_node_outside_the_list_never_claims() {
        assert!(!vote(9, false, false).decide(|_| true, |_| false));
    }
}
