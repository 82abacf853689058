// SPDX-License-Identifier: GPL-2.0
//! The rules of the cluster's reliable update stream, one per ordered pair
//! of peers (go-back-N): update messages carry a generation and a sequence
//! number; the receiver applies them strictly in order, exactly once, and
//! acknowledges cumulatively; the sender keeps what is unacknowledged,
//! sends at most [`WINDOW`] messages ahead and resends them all when the
//! oldest is older than [`rto_ms`]. A sender starts a new generation when
//! its peer comes up (and everything follows as a bulk sync), when its
//! queue overflowed, and when a generation has used its sequence numbers
//! ([`MAX_SEQ`]); a receiver follows the newest generation it hears.
//!
//! Only the numbers are here; the kernel module keeps the queue of message
//! bodies beside them (`rust/cluster/stream.rs`).

/// Update messages in flight per peer.
pub const WINDOW: usize = 32;

/// Incremental update messages a peer may leave unacknowledged (about 9000
/// operations, 1.2 MB) beyond a bulk sync before its stream starts over.
pub const QUEUE_LIMIT: usize = 1024;

/// The last sequence number of a generation; the sender starts a new one
/// instead of going past it, so that no number wraps.
pub const MAX_SEQ: u32 = u32::MAX - 1;

/// Retransmission timeout: two heartbeat intervals, at least 20 ms.
pub fn rto_ms(interval_ms: u32) -> u64 {
    u64::from(interval_ms.saturating_mul(2).max(20))
}

/// Whether generation `a` is newer than `b` (serial-number arithmetic,
/// RFC 1982: a generation counter that wrapped is still newer).
pub fn gen_newer(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 1 << 31
}

/// The sending side of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Out {
    /// The generation; 0 before the first (never sent).
    pub gen: u32,
    /// The sequence number of the next message (the first is 1).
    pub next_seq: u32,
    /// The last message the peer acknowledged (0: none).
    pub acked: u32,
}

impl Default for Out {
    fn default() -> Self {
        Self::new()
    }
}

impl Out {
    pub const fn new() -> Self {
        Out {
            gen: 0,
            next_seq: 1,
            acked: 0,
        }
    }

    /// Start a new generation (never 0): nothing is sent or acknowledged;
    /// the caller drops its queue.
    pub fn restart(&mut self) {
        self.gen = self.gen.wrapping_add(1).max(1);
        self.next_seq = 1;
        self.acked = 0;
    }

    /// The sequence number of a new message; `None` when this generation
    /// has none left (the caller restarts the stream).
    pub fn take_seq(&mut self) -> Option<u32> {
        if self.next_seq > MAX_SEQ {
            return None;
        }
        let s = self.next_seq;
        self.next_seq += 1;
        Some(s)
    }

    /// The peer acknowledged every message of generation `gen` up to
    /// `seq`. Returns the new cumulative acknowledgement when it frees
    /// messages (the caller drops those up to it); `None` for an old
    /// generation, an old acknowledgement, or one of a message never sent.
    pub fn ack(&mut self, gen: u32, seq: u32) -> Option<u32> {
        if gen != self.gen || seq <= self.acked || seq >= self.next_seq {
            return None;
        }
        self.acked = seq;
        Some(seq)
    }

    /// Whether a new message may join a queue that holds `queued`, of
    /// which `bulk` came from the last bulk sync: past [`QUEUE_LIMIT`]
    /// more the peer has stopped acknowledging and the stream starts over.
    pub fn room(queued: usize, bulk: usize) -> bool {
        queued <= bulk.saturating_add(QUEUE_LIMIT)
    }

    /// Whether the queue's window is due for resending: its oldest message
    /// was sent at `oldest_sent_ms` (`None`: not yet sent) and is older
    /// than [`rto_ms`] at `now_ms`.
    pub fn late(oldest_sent_ms: Option<u64>, now_ms: u64, interval_ms: u32) -> bool {
        oldest_sent_ms.is_some_and(|t| now_ms.saturating_sub(t) >= rto_ms(interval_ms))
    }
}

/// The receiving side of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct In {
    /// The newest generation heard (0: none).
    pub gen: u32,
    /// The next sequence number it expects.
    pub next: u32,
    /// That generation's bulk sync arrived whole (`BulkDone` applied).
    pub synced: bool,
}

impl Default for In {
    fn default() -> Self {
        Self::new()
    }
}

impl In {
    pub const fn new() -> Self {
        In {
            gen: 0,
            next: 1,
            synced: false,
        }
    }

    /// The peer restarted: its stream starts over.
    pub fn restart(&mut self) {
        *self = Self::new();
    }

    /// Update message `seq` of generation `gen` arrived: whether to apply
    /// its operations now (the next one in order of the newest generation;
    /// a newer generation starts over, unsynced). Anything else (a
    /// duplicate, one ahead of a loss, an old generation) is not applied;
    /// the sender resends it.
    pub fn accept(&mut self, gen: u32, seq: u32) -> bool {
        if gen_newer(gen, self.gen) {
            *self = In {
                gen,
                next: 1,
                synced: false,
            };
        }
        if gen != self.gen || seq != self.next || seq > MAX_SEQ {
            return false;
        }
        self.next += 1;
        true
    }

    /// What to acknowledge: the generation and its last message applied
    /// (0: none).
    pub fn ack(&self) -> (u32, u32) {
        (self.gen, self.next - 1)
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
