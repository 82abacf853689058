// SPDX-License-Identifier: GPL-2.0
//! A datagram from the sync socket: authenticated, checked against the
//! replay window, then applied (heartbeats, acknowledgements, updates in
//! stream order).

use super::stream::{ack_stream, resync, send_to};
use super::*;

pub(super) fn reject_counter(r: Reject) -> Counter {
    match r {
        Reject::Truncated => Counter::SyncRejectTruncated,
        Reject::BadMagic | Reject::Malformed => Counter::SyncRejectMalformed,
        Reject::Version => Counter::SyncRejectVersion,
        Reject::UnknownPeer => Counter::SyncRejectUnknownPeer,
        Reject::BadTag => Counter::SyncRejectBadTag,
        Reject::Replayed => Counter::SyncRejectReplayed,
    }
}

/// A datagram from `from` arrived on the sync socket.
pub(crate) fn receive(net: &NetState, tx: &Sender<'_>, d: &[u8], truncated: bool, from: &Addr) {
    let c = net.cluster();
    let mut guard = c.state.lock();
    let st = &mut *guard;
    if let Err(r) = accept(net, st, tx, d, truncated, from) {
        net.stats.inc(reject_counter(r));
        return;
    }
    net.stats.inc(Counter::SyncRx);
    c.update_gauges(st);
}

/// A message body, parsed. One short-lived value on the stack, so the
/// heartbeat's size does not matter.
#[allow(clippy::large_enum_variant)]
pub(super) enum Body {
    Heartbeat(Heartbeat),
    Ack(u32, u32),
    Update(UpdateHeader),
}

pub(super) fn accept(
    net: &NetState,
    st: &mut State,
    tx: &Sender<'_>,
    d: &[u8],
    truncated: bool,
    from: &Addr,
) -> Result<(), Reject> {
    if truncated {
        return Err(Reject::Truncated);
    }
    if st.cfg.node_id == 0 {
        return Err(Reject::UnknownPeer);
    }
    let now = now_ms();
    let (h, body, old_key) = st.keys.open(d, now)?;
    if h.to != st.cfg.node_id {
        return Err(Reject::UnknownPeer);
    }
    let i = st
        .peers
        .iter()
        .position(|p| p.cfg.id == h.from && p.cfg.addr == *from)
        .ok_or(Reject::UnknownPeer)?;
    // Parse the body before the replay window moves: a message is taken
    // whole or not at all.
    let parsed = match h.kind {
        Kind::Heartbeat => Body::Heartbeat(Heartbeat::decode(body)?),
        Kind::Ack => {
            let (gen, seq) = sync::decode_ack(body)?;
            Body::Ack(gen, seq)
        }
        Kind::Update => Body::Update(sync::decode_update(body)?),
    };
    let fresh = st.peers[i].replay.check(h.incarnation, h.counter)?;
    let me_backend = st.cfg.backend;
    let p = &mut st.peers[i];
    p.key = p.key.heard(old_key);
    if old_key {
        net.stats.inc(Counter::SyncRxOldKey);
    }
    if let (true, Some(t)) = (p.up(), p.last_heard) {
        net.stats
            .max(Counter::SyncSilenceMaxMs, now.saturating_sub(t));
    }
    p.last_heard = Some(now);
    p.stats.rx += 1;
    let restarted = matches!(fresh, Fresh::Restarted { .. });
    if restarted {
        // Its update stream starts over; so does ours to it.
        p.inn.restart();
    }
    if !p.up() || restarted {
        let was_up = p.up();
        p.state = PeerState::Up;
        resync(net, p, me_backend);
        if !was_up {
            net.event(b::TCPSPLICE_EVENT_PEER_UP, p.cfg.id, None);
        }
    }
    match parsed {
        Body::Heartbeat(hb) => {
            p.heard = hb;
            ack_stream(p, hb.ack.0, hb.ack.1);
        }
        Body::Ack(gen, seq) => ack_stream(p, gen, seq),
        Body::Update(u) => {
            if p.inn.accept(u.gen, u.seq) {
                for op in sync::ops(body) {
                    match op {
                        Op::BulkDone => p.inn.synced = true,
                        _ => crate::splice::apply(net, &op, me_backend),
                    }
                }
            }
            let mut ack = [0u8; 8];
            let (g, s) = p.inn.ack();
            if let Some(n) = sync::encode_ack(&mut ack, g, s) {
                send_to(net, st, tx, i, Kind::Ack, &ack[..n]);
            }
        }
    }
    Ok(())
}
