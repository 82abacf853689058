// SPDX-License-Identifier: GPL-2.0
//! The reliable update stream to each peer: the queue of message bodies,
//! sending within the window, retransmission (go-back-N), cumulative
//! acknowledgements, and the restart of a peer's stream with a bulk sync,
//! by the rules of `splice_core::stream`. Every datagram is sealed here.

use super::*;
use crate::splice_core::stream::WINDOW;

/// Append `op` to the peer's queue (to the last unsent message if it fits).
/// Returns the message's sequence number; `None` if memory ran out or the
/// generation has no number left (the caller starts the stream over; a
/// number taken for a message that was not queued goes with the old
/// generation).
pub(super) fn enqueue(p: &mut Peer, op: &Op) -> Option<u32> {
    if let Some(m) = p.queue.last_mut().filter(|m| m.sent_at.is_none()) {
        if let Some(mut w) = UpdateWriter::resume(&mut m.body[..], m.len, m.ops) {
            if w.push(op) {
                m.len = w.body_len();
                m.ops = w.ops();
                return Some(m.seq);
            }
        }
    }
    let mut body = KBox::new([0u8; MAX_BODY], GFP_KERNEL).ok()?;
    let seq = p.out.take_seq()?;
    let mut w = UpdateWriter::new(&mut body[..], p.out.gen, seq)?;
    if !w.push(op) {
        return None;
    }
    let (len, ops) = (w.body_len(), w.ops());
    p.queue
        .push(
            Pending {
                seq,
                len,
                ops,
                sent_at: None,
                body,
            },
            GFP_KERNEL,
        )
        .ok()?;
    Some(seq)
}

/// Start a new generation of the update stream to `p`: everything queued is
/// dropped and the whole table (what of it is for `p`) follows, then
/// `BulkDone`. If memory runs out the generation is left without `BulkDone`
/// and the tick tries again. `me_backend`: this node is a backend.
pub(super) fn resync(net: &NetState, p: &mut Peer, me_backend: bool) {
    p.out.restart();
    p.queue.clear();
    p.resync_pending = true;
    p.resynced_at = now_ms();
    p.stats.bulk_syncs += 1;
    net.stats.inc(Counter::BulkSyncs);
    let Ok(all) = crate::splice::snapshot(net) else {
        net.stats.inc(Counter::SyncResyncs);
        return;
    };
    let cfg = p.cfg;
    let ops = all
        .iter()
        .map(|r| (Op::Add(*r), r.split_to()))
        .filter(|(op, to)| carries(me_backend, &cfg, op, to.as_ref()))
        .map(|(op, _)| op);
    for r in Iterator::chain(ops, core::iter::once(Op::BulkDone)) {
        if enqueue(p, &r).is_none() {
            p.queue.clear();
            net.stats.inc(Counter::SyncResyncs);
            return;
        }
    }
    p.bulk_len = p.queue.len();
    p.resync_pending = false;
}

/// What every datagram this node sends carries, whoever it goes to.
pub(super) struct Me {
    id: u32,
    incarnation: u64,
    key: SipKey,
    port: u16,
}

impl Me {
    /// This node, as it seals for peer `i`.
    fn of(st: &State, i: usize) -> Self {
        Me {
            id: st.cfg.node_id,
            incarnation: st.incarnation,
            key: *st.keys.for_peer(st.peers[i].key, now_ms()),
            port: st.cfg.port,
        }
    }
}

/// Seal `body` and send it to the peer `to`, whose datagram counter is
/// `counter` and whose count of datagrams sent is `sent`.
pub(super) fn send(
    net: &NetState,
    tx: &Sender<'_>,
    me: &Me,
    (to, counter, sent): (&PeerConfig, &mut u64, &mut u64),
    kind: Kind,
    body: &[u8],
) {
    *counter += 1;
    *sent += 1;
    let h = Header {
        kind,
        from: me.id,
        to: to.id,
        incarnation: me.incarnation,
        counter: *counter,
    };
    let mut buf = [0u8; MAX_DATAGRAM];
    buf[HEADER_LEN..HEADER_LEN + body.len()].copy_from_slice(body);
    let Some(n) = sync::seal(&mut buf, &h, body.len(), &me.key) else {
        return;
    };
    match tx.send(&to.addr, me.port, &buf[..n]) {
        Ok(()) => net.stats.inc(Counter::SyncTx),
        Err(_) => net.stats.inc(Counter::SyncTxErrors),
    }
}

/// Send one message to peer `i`.
pub(super) fn send_to(
    net: &NetState,
    st: &mut State,
    tx: &Sender<'_>,
    i: usize,
    kind: Kind,
    body: &[u8],
) {
    send_to_with(net, st, tx, i, kind, body, None);
}

/// [`send_to`], sealed with `key` instead of the key for that peer if given.
pub(super) fn send_to_with(
    net: &NetState,
    st: &mut State,
    tx: &Sender<'_>,
    i: usize,
    kind: Kind,
    body: &[u8],
    key: Option<SipKey>,
) {
    let mut me = Me::of(st, i);
    if let Some(k) = key {
        me.key = k;
    }
    let p = &mut st.peers[i];
    send(
        net,
        tx,
        &me,
        (&p.cfg, &mut p.counter, &mut p.stats.tx),
        kind,
        body,
    );
}

/// Send what the window allows of peer `i`'s queue; with `again`, resend
/// the messages already sent (retransmission).
pub(super) fn send_queue(net: &NetState, st: &mut State, tx: &Sender<'_>, i: usize, again: bool) {
    let now = now_ms();
    let me = Me::of(st, i);
    let Peer {
        cfg,
        counter,
        queue,
        stats,
        ..
    } = &mut st.peers[i];
    for m in queue.iter_mut().take(WINDOW) {
        if m.sent_at.is_some() {
            if !again {
                continue;
            }
            stats.retransmitted += 1;
            net.stats.inc(Counter::SyncRetransmitted);
        }
        send(
            net,
            tx,
            &me,
            (cfg, counter, &mut stats.tx),
            Kind::Update,
            &m.body[..m.len],
        );
        m.sent_at = Some(now);
    }
}

/// The peer acknowledged our stream's generation `gen` up to `seq`.
pub(super) fn ack_stream(p: &mut Peer, gen: u32, seq: u32) {
    let Some(seq) = p.out.ack(gen, seq) else {
        return;
    };
    let before = p.queue.len();
    p.queue.retain(|m| m.seq > seq);
    p.bulk_len = p.bulk_len.saturating_sub(before - p.queue.len());
}
