// SPDX-License-Identifier: GPL-2.0
//! Who owns each VIP, decided from the live membership, and the IPv6
//! solicited-node groups an owner must be in.

use super::*;

/// Most devices an IPv6 VIP's solicited-node group is joined on.
pub(super) const GROUP_DEVS: usize = 16;

/// Keep this node in the solicited-node multicast group of each IPv6 VIP it
/// owns, on every device VIPs are answered on, and in no other. Without it,
/// a device's multicast filter (or an MLD-snooping switch) keeps the
/// neighbour solicitations for the VIP away. A device that comes up later is
/// joined at the next tick; one that went away took its memberships along.
pub(super) fn sync_groups(net: &NetState, st: &mut State) {
    let State {
        cfg,
        claimed,
        groups,
        ..
    } = st;
    let owns_v6 = cfg.vips().iter().zip(*claimed).any(|(v, c)| c && v.addr.v6);
    let Some(n) = net.handle() else {
        return;
    };
    if groups.is_empty() && !owns_v6 {
        return;
    }
    groups.retain(|(a, ifindex)| {
        let keep = cfg
            .vips()
            .iter()
            .zip(*claimed)
            .any(|(v, c)| c && v.addr == *a);
        if !keep {
            // ENODEV: the device and its memberships are gone already.
            let _ = n.vip_group(a, *ifindex, false);
        }
        keep
    });
    let (devs, k) = n.vip_devs::<GROUP_DEVS>();
    for (v, _) in cfg
        .vips()
        .iter()
        .zip(*claimed)
        .filter(|(v, c)| *c && v.addr.v6)
    {
        for &ifindex in &devs[..k] {
            if groups.iter().any(|(a, i)| *a == v.addr && *i == ifindex) {
                continue;
            }
            if n.vip_group(&v.addr, ifindex, true).is_ok()
                && groups.push((v.addr, ifindex), GFP_KERNEL).is_err()
            {
                let _ = n.vip_group(&v.addr, ifindex, false);
            }
        }
    }
}

pub(super) fn decide_ownership(net: &NetState, c: &Cluster, st: &mut State) {
    let me = st.cfg.node_id;
    let mut changed = false;
    for i in 0..st.cfg.vips().len() {
        let v = st.cfg.vips[i];
        let peers = &st.peers;
        let ready = st.ready && st.serving;
        let eligible = |id: u32| {
            if id == me {
                ready
            } else {
                peers
                    .iter()
                    .any(|p| p.cfg.id == id && p.candidate() && p.heard.ready)
            }
        };
        let alive = |id: u32| peers.iter().any(|p| p.cfg.id == id && p.candidate());
        let claims = |id: u32| peers.iter().any(|p| p.cfg.id == id && p.claims(&v.addr));
        let vote = Vote {
            owners: v.owners(),
            me,
            claimed: st.claimed[i],
            preempt: st.cfg.preempt,
            stand_in: st.stand_in[i],
        };
        let claim = vote.decide(alive, eligible, claims);
        if claim == st.claimed[i] {
            continue;
        }
        let heard = |id: u32| {
            peers
                .iter()
                .any(|p| p.cfg.id == id && p.last_heard.is_some())
        };
        st.stand_in[i] = claim && vote.stand_in(heard);
        st.claimed[i] = claim;
        changed = true;
        if claim {
            pr_info!("node {} owns VIP {:?} now\n", me, Shown(v.addr));
            st.announce_left[i] = ANNOUNCEMENTS;
            st.nudge_round = st.nudge_round.wrapping_add(1).max(1);
            st.nudge_left = true;
            net.stats.inc(Counter::Takeovers);
            net.event(b::TCPSPLICE_EVENT_TAKEOVER, me, Some(&v.addr));
        } else {
            st.announce_left[i] = 0;
            net.stats.inc(Counter::Releases);
            net.event(b::TCPSPLICE_EVENT_RELEASE, me, Some(&v.addr));
        }
    }
    if changed {
        c.set_owned(st);
    }
}
