// SPDX-License-Identifier: GPL-2.0
//! The periodic work (failure detection, retransmission, readiness, VIP
//! ownership, announcements, heartbeats), the flush of queued updates, and
//! the prompt of the peers after a takeover.

use super::ownership::{decide_ownership, sync_groups};
use super::stream::{resync, send_queue, send_to, send_to_with};
use super::*;

/// Send queued updates to every live peer.
pub(crate) fn flush(net: &NetState, tx: &Sender<'_>) {
    let c = net.cluster();
    let mut guard = c.state.lock();
    let st = &mut *guard;
    for i in 0..st.peers.len() {
        if st.peers[i].up() {
            send_queue(net, st, tx, i, false);
        }
    }
    c.update_gauges(st);
}

/// The periodic work: failure detection, retransmission, readiness, VIP
/// ownership, announcements, heartbeats.
pub(crate) fn tick(net: &NetState, tx: &Sender<'_>) {
    let c = net.cluster();
    let mut guard = c.state.lock();
    let st = &mut *guard;
    if st.cfg.node_id == 0 {
        return;
    }
    let now = now_ms();
    let late = tx.lateness();
    net.stats
        .max(Counter::SyncTickLateMaxMs, u64::from(late.tick_ms));
    net.stats
        .max(Counter::SyncRxLateMaxMs, u64::from(late.rx_ms));
    net.stats.add(
        Counter::SyncRxDrops,
        late.rx_drops.saturating_sub(st.rx_drops_seen),
    );
    st.rx_drops_seen = late.rx_drops;
    let (interval, misses) = (st.cfg.interval_ms, st.cfg.misses);
    let mut lost = false;
    for p in st.peers.iter_mut() {
        if p.up() && !alive(p.last_heard, now, interval, misses) {
            let silent = now.saturating_sub(p.last_heard.unwrap_or(now));
            pr_info!(
                "node {} declared dead after {} ms of silence\n",
                p.cfg.id,
                silent
            );
            p.state = PeerState::Down;
            p.stats.failures += 1;
            p.heard = Heartbeat::default();
            p.queue.clear();
            lost = true;
            net.stats.inc(Counter::PeerFailures);
            net.event(b::TCPSPLICE_EVENT_PEER_DOWN, p.cfg.id, None);
        }
    }
    if lost {
        // Connections the dead peer forwarded may now come here: their idle
        // clocks start now.
        crate::splice::adopt_all(net);
    }
    let me_backend = st.cfg.backend;
    for i in 0..st.peers.len() {
        let p = &mut st.peers[i];
        if !p.up() {
            continue;
        }
        if p.resync_pending && now.saturating_sub(p.resynced_at) >= RESYNC_MS {
            resync(net, p, me_backend);
        }
        let oldest = st.peers[i].queue.first().and_then(|m| m.sent_at);
        let late = Out::late(oldest, now, interval);
        send_queue(net, st, tx, i, late);
    }
    if !st.ready
        && now.saturating_sub(st.started_ms) >= u64::from(interval) * u64::from(misses)
        && st.peers.iter().all(|p| !p.up() || p.inn.synced)
    {
        st.ready = true;
        net.event(b::TCPSPLICE_EVENT_READY, st.cfg.node_id, None);
    }
    let serving = c.proxy_watch().serving(now);
    if serving != st.serving {
        st.serving = serving;
        let (what, event) = if serving {
            ("is back", b::TCPSPLICE_EVENT_PROXY_BACK)
        } else {
            (
                "has been gone for its grace time",
                b::TCPSPLICE_EVENT_PROXY_GONE,
            )
        };
        pr_info!("node {}: the proxy {}\n", st.cfg.node_id, what);
        net.event(event, st.cfg.node_id, None);
    }
    if st.keys.settle(st.peers.iter().map(|p| p.key), now) {
        pr_info!("node {}: key rotation done\n", st.cfg.node_id);
    }
    decide_ownership(net, c, st);
    sync_groups(net, st);
    for i in 0..st.cfg.vips().len() {
        if st.claimed[i] && st.announce_left[i] > 0 {
            st.announce_left[i] -= 1;
            let n = net.announce(&st.cfg.vips[i].addr);
            net.stats.add(Counter::Announcements, u64::from(n));
        }
    }
    if st.nudge_left {
        nudge(net, st);
    }
    // A node without its proxy stands down: its peers take its VIPs.
    let mut hb = Heartbeat {
        ready: st.ready,
        standing_down: !st.serving,
        ..Heartbeat::default()
    };
    for (v, _) in st.cfg.vips().iter().zip(st.claimed).filter(|(_, c)| *c) {
        if hb.n_claims < MAX_CLAIMS {
            hb.claims[hb.n_claims] = v.addr;
            hb.n_claims += 1;
        }
    }
    for i in 0..st.peers.len() {
        let p = &st.peers[i];
        hb.ack = p.inn.ack();
        let mut body = [0u8; HEARTBEAT_MAX];
        if let Some(n) = hb.encode(&mut body) {
            send_to(net, st, tx, i, Kind::Heartbeat, &body[..n]);
            // During a key rotation, a peer still heard under the old key
            // also gets the heartbeat under the new one.
            let probe = st.keys.probe(st.peers[i].key, now).copied();
            if probe.is_some() {
                send_to_with(net, st, tx, i, Kind::Heartbeat, &body[..n], probe);
            }
        }
    }
    c.update_gauges(st);
}

/// Prompt the peers of the connections a takeover brought here, after the
/// VIPs were announced: those that no packet reached here for the detection
/// time are likely stalled in retransmission back-off (the core's `nudge`
/// explains the prompt).
pub(super) fn nudge(net: &NetState, st: &mut State) {
    let mut owned = [Addr::default(); MAX_VIPS];
    let mut n = 0;
    for (v, _) in st.cfg.vips().iter().zip(st.claimed).filter(|(_, c)| *c) {
        owned[n] = v.addr;
        n += 1;
    }
    let detection_ms = u64::from(st.cfg.interval_ms) * u64::from(st.cfg.misses);
    let quiet = secs_to_jiffies(1) * detection_ms / 1000;
    st.nudge_left = crate::splice::nudge_quiet(net, &owned[..n], quiet, st.nudge_round);
}
