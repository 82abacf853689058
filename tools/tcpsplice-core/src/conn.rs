// SPDX-License-Identifier: GPL-2.0
//! Following the end of a spliced connection: FINs, acknowledgements and
//! resets.
//!
//! The two ends of a splice keep their own TCP state machines; the splice only
//! needs to know when both have finished (each FIN acknowledged) or one reset
//! the connection, so that the entry can linger for retransmissions and then
//! go. Resets follow RFC 5961 section 3 as seen from the middle: a reset whose
//! sequence number is exactly the receiver's next expected byte ends the
//! splice; one elsewhere in the receiver's window is forwarded (the receiver
//! answers with a challenge ACK, and a genuine sender then resets exactly);
//! one outside the window is dropped.
//!
//! All numbers are those of the legs they travel on: a packet's sequence
//! number after translation (the leg it leaves on), its acknowledgement number
//! before translation (the leg it arrived on).

use super::packet::flags;
use super::seq::{after, before, in_window};

/// One leg of a splice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The connection between the client and the proxy.
    Client = 0,
    /// The connection between the proxy and the backend.
    Backend = 1,
}

impl Side {
    /// Both sides, in index order.
    pub const BOTH: [Side; 2] = [Side::Client, Side::Backend];

    /// The other leg.
    pub fn other(self) -> Side {
        match self {
            Side::Client => Side::Backend,
            Side::Backend => Side::Client,
        }
    }

    /// Index into per-side arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What the tracker needs to know about one segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    /// TCP flags.
    pub flags: u8,
    /// Sequence number, translated into the leg the segment leaves on.
    pub seq: u32,
    /// Payload length.
    pub len: u32,
    /// Acknowledgement number as received (meaningful with ACK).
    pub ack: u32,
    /// Advertised window in bytes (already scaled by the sender's factor).
    pub window: u32,
}

/// Where a splice is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Data may flow.
    Open,
    /// Both FINs were acknowledged: the entry lingers for retransmissions.
    Finished,
    /// An exact reset ended it: the entry lingers briefly.
    Reset,
}

/// What to do with a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Translate and send it on.
    Forward,
    /// Drop it: a reset outside the receiver's window.
    DropReset,
    /// Drop it: marked Congestion Experienced on its way to a leg without
    /// ECN (decided before the tracker, which does not see it; see
    /// `translate::ip_ecn`).
    DropCe,
}

/// The end-of-connection state of one splice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tracker {
    /// Per side: the next byte that side's peer expects from the splice (the
    /// highest acknowledgement it sent), in that leg's numbers.
    rcv_nxt: [u32; 2],
    /// Per side: the window that side's peer last advertised, in bytes.
    window: [u32; 2],
    /// Per side: the sequence number just past a FIN sent to that side's peer.
    fin_end: [Option<u32>; 2],
    /// Per side: that side's peer acknowledged the FIN sent to it.
    fin_acked: [bool; 2],
    phase: Phase,
    /// A split splice at a proxy: only the client's packets pass here, so
    /// the backend's acknowledgements (which place its reset window) are
    /// never seen. Resets from the client are forwarded and end nothing
    /// here; the backend, which sees both directions, judges them and
    /// reports the end.
    client_side_only: bool,
}

impl Tracker {
    /// A tracker for a splice whose peers expect `snd_nxt[side]` next and
    /// last advertised `window[side]` bytes.
    pub fn new(snd_nxt: [u32; 2], window: [u32; 2]) -> Self {
        Tracker {
            rcv_nxt: snd_nxt,
            window,
            fin_end: [None; 2],
            fin_acked: [false; 2],
            phase: Phase::Open,
            client_side_only: false,
        }
    }

    /// This tracker as a split splice's proxy keeps it (see the field).
    pub fn client_side_only(mut self) -> Self {
        self.client_side_only = true;
        self
    }

    /// The phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The highest acknowledgement `side`'s peer sent: the next byte it
    /// expects, in that leg's numbers.
    pub fn acked(&self, side: Side) -> u32 {
        self.rcv_nxt[side.index()]
    }

    /// The window `side`'s peer last advertised, in bytes.
    pub fn window(&self, side: Side) -> u32 {
        self.window[side.index()]
    }

    /// A FIN towards `side`'s peer, ending at `end`, that passed before this
    /// tracker existed (the backend of a split splice learns it from its
    /// own socket when it installs the entry).
    pub fn fin_passed(&mut self, side: Side, end: u32) {
        let i = side.index();
        if self.fin_end[i].is_none() {
            self.fin_end[i] = Some(end);
            if after(self.rcv_nxt[i], end) || self.rcv_nxt[i] == end {
                self.fin_acked[i] = true;
            }
        }
    }

    /// True when a FIN was seen travelling towards `side`'s peer.
    pub fn fin_sent_to(&self, side: Side) -> bool {
        self.fin_end[side.index()].is_some()
    }

    /// Account for a segment that arrived from `from`'s peer. Returns what to
    /// do with it and whether this segment moved the splice out of
    /// [`Phase::Open`].
    pub fn segment(&mut self, from: Side, s: &Segment) -> (Action, bool) {
        let to = from.other();
        let was_open = self.phase == Phase::Open;
        if s.flags & flags::RST != 0 {
            if self.client_side_only && from == Side::Client {
                return (Action::Forward, false);
            }
            let expected = self.rcv_nxt[to.index()];
            if s.seq == expected {
                if was_open {
                    self.phase = Phase::Reset;
                }
                return (Action::Forward, was_open);
            }
            let window = self.window[to.index()].max(1);
            if in_window(s.seq, expected, window) {
                return (Action::Forward, false);
            }
            return (Action::DropReset, false);
        }
        if s.flags & flags::ACK != 0 {
            let i = from.index();
            if after(s.ack, self.rcv_nxt[i]) {
                self.rcv_nxt[i] = s.ack;
            }
            if !before(s.ack, self.rcv_nxt[i]) {
                self.window[i] = s.window;
            }
            if let Some(f) = self.fin_end[i] {
                if !before(s.ack, f) {
                    self.fin_acked[i] = true;
                }
            }
        }
        if s.flags & flags::FIN != 0 {
            let end = s.seq.wrapping_add(s.len).wrapping_add(1);
            let t = to.index();
            // A retransmitted FIN ends at the same place; keep the first.
            if self.fin_end[t].is_none() {
                self.fin_end[t] = Some(end);
            }
        }
        if was_open && self.fin_acked[0] && self.fin_acked[1] {
            self.phase = Phase::Finished;
            return (Action::Forward, true);
        }
        (Action::Forward, false)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const ACK: u8 = flags::ACK;

    /// A segment advertising a 1000-byte window.
    pub(crate) fn seg(flags: u8, seq: u32, len: u32, ack: u32) -> Segment {
        Segment {
            flags,
            seq,
            len,
            ack,
            window: 1000,
        }
    }

    fn tracker() -> Tracker {
        // The client expects 100 next, the backend 5000.
        Tracker::new([100, 5000], [1000, 1000])
    }

    #[test]
    fn both_fins_acknowledged_finish_once() {
        let mut t = tracker();
        // Backend sends 10 bytes and FIN towards the client (translated seq 100).
        let fin = seg(ACK | flags::FIN, 100, 10, 0);
        assert_eq!(t.segment(Side::Backend, &fin), (Action::Forward, false));
        assert!(t.fin_sent_to(Side::Client));
        // The client acknowledges up to 110 only: FIN not yet acknowledged.
        t.segment(Side::Client, &seg(ACK, 5000, 0, 110));
        assert_eq!(t.phase(), Phase::Open);
        // Client acknowledges the FIN and sends its own.
        t.segment(Side::Client, &seg(ACK | flags::FIN, 5000, 0, 111));
        assert_eq!(t.phase(), Phase::Open);
        // Backend acknowledges the client's FIN: finished, reported once.
        assert_eq!(
            t.segment(Side::Backend, &seg(ACK, 111, 0, 5001)),
            (Action::Forward, true)
        );
        assert_eq!(t.phase(), Phase::Finished);
        assert_eq!(
            t.segment(Side::Backend, &seg(ACK, 111, 0, 5001)),
            (Action::Forward, false)
        );
    }

    #[test]
    fn retransmitted_fin_keeps_its_end() {
        let mut t = tracker();
        t.segment(Side::Client, &seg(ACK | flags::FIN, 5000, 0, 100));
        // A later FIN with different numbers (forged or broken) is ignored.
        t.segment(Side::Client, &seg(ACK | flags::FIN, 9000, 0, 100));
        t.segment(Side::Backend, &seg(ACK | flags::FIN, 100, 0, 5001));
        assert_eq!(t.phase(), Phase::Open);
        t.segment(Side::Client, &seg(ACK, 5001, 0, 101));
        assert_eq!(t.phase(), Phase::Finished);
    }

    #[test]
    fn exact_reset_ends_in_window_forwards_outside_drops() {
        let mut t = tracker();
        // The backend's peer expects 5000; window 1000.
        let rst = |seq| seg(flags::RST, seq, 0, 0);
        assert_eq!(
            t.segment(Side::Client, &rst(5500)),
            (Action::Forward, false)
        );
        assert_eq!(t.phase(), Phase::Open);
        assert_eq!(
            t.segment(Side::Client, &rst(7000)),
            (Action::DropReset, false)
        );
        assert_eq!(
            t.segment(Side::Client, &rst(4999)),
            (Action::DropReset, false)
        );
        assert_eq!(t.segment(Side::Client, &rst(5000)), (Action::Forward, true));
        assert_eq!(t.phase(), Phase::Reset);
    }

    #[test]
    fn acknowledgements_move_the_reset_window() {
        let mut t = tracker();
        // The client acknowledges 400 bytes and advertises a small window.
        let mut a = seg(ACK, 5000, 0, 500);
        a.window = 10;
        t.segment(Side::Client, &a);
        // A reset towards the client must now be exactly 500.
        assert_eq!(
            t.segment(Side::Backend, &seg(flags::RST, 100, 0, 0)),
            (Action::DropReset, false)
        );
        assert_eq!(
            t.segment(Side::Backend, &seg(flags::RST, 505, 0, 0)),
            (Action::Forward, false)
        );
        // An old acknowledgement (reordered) does not move it back.
        t.segment(Side::Client, &seg(ACK, 5000, 0, 300));
        assert_eq!(
            t.segment(Side::Backend, &seg(flags::RST, 500, 0, 0)),
            (Action::Forward, true)
        );
    }

    #[test]
    fn a_split_proxy_forwards_client_resets_and_ends_nothing() {
        let mut t = tracker().client_side_only();
        // Far outside the backend's last known window: still forwarded.
        let rst = |seq| seg(flags::RST, seq, 0, 0);
        assert_eq!(
            t.segment(Side::Client, &rst(90_000)),
            (Action::Forward, false)
        );
        assert_eq!(
            t.segment(Side::Client, &rst(5000)),
            (Action::Forward, false)
        );
        assert_eq!(t.phase(), Phase::Open);
        // Resets that come back through the proxy are judged as before.
        assert_eq!(
            t.segment(Side::Backend, &rst(7000)),
            (Action::DropReset, false)
        );
        assert_eq!(t.segment(Side::Backend, &rst(100)), (Action::Forward, true));
        assert_eq!(t.phase(), Phase::Reset);
    }

    #[test]
    fn a_fin_that_passed_before_counts_once_acknowledged() {
        let mut t = tracker();
        // The client's FIN reached the backend (ending at 5001) before the
        // tracker existed; a later FIN with other numbers does not move it.
        t.fin_passed(Side::Backend, 5001);
        t.segment(Side::Client, &seg(ACK | flags::FIN, 9000, 0, 100));
        // The backend sends its FIN, acknowledging the client's.
        t.segment(Side::Backend, &seg(ACK | flags::FIN, 100, 0, 5001));
        assert_eq!(t.phase(), Phase::Open);
        assert_eq!(
            t.segment(Side::Client, &seg(ACK, 5001, 0, 101)),
            (Action::Forward, true)
        );
        assert_eq!(t.phase(), Phase::Finished);
    }

    #[test]
    fn wraps_around_zero() {
        let mut t = Tracker::new([u32::MAX - 1, 7], [100, 100]);
        t.segment(Side::Backend, &seg(ACK | flags::FIN, u32::MAX - 1, 1, 8));
        t.segment(Side::Client, &seg(ACK | flags::FIN, 7, 0, 1));
        assert_eq!(t.phase(), Phase::Open);
        t.segment(Side::Backend, &seg(ACK, 0, 0, 8));
        assert_eq!(t.phase(), Phase::Finished);
    }
}
