// SPDX-License-Identifier: GPL-2.0
//! Following the end of a spliced connection: FINs, acknowledgements and
//! resets.
//!
//! The two ends of a splice keep their own TCP state machines; the splice only
//! needs to know when both have finished (each FIN acknowledged) or one reset
//! the connection, so that the entry can linger for retransmissions and then
//! go.
//!
//! **Resets** follow RFC 5961 section 3 as seen from the middle, where a
//! receiver's next expected byte (`RCV.NXT`) is known only to lie between the
//! highest acknowledgement it sent through here and the end of what was sent
//! to it through here. A reset at either bound (or, after a FIN reached the
//! receiver, just before that FIN, which Linux also accepts) ends the splice:
//! a genuine sender resets at its `SND.NXT`, a host without the connection at
//! the acknowledgement it was sent. A reset strictly between them may be
//! accepted too (data in flight, or not yet acknowledged): it is forwarded and
//! the receiver's answer decides: a challenge ACK (the reset missed; the
//! genuine sender then resets exactly) keeps the splice open, silence ends it
//! (see [`Tracker::reset_unanswered`]). A reset beyond what was sent, within
//! the receiver's window, is forwarded and ends nothing (the receiver answers
//! with a challenge ACK); one outside is dropped.
//!
//! **Blind segments** (RFC 5961 sections 4 and 5) do not move the tracker: an
//! acknowledgement counts only up to what the receiver's window let the other
//! peer send, and data counts towards what was sent only where it starts
//! within a window of what was sent before, so a forged segment cannot make a
//! genuine reset look out of window, or a forged reset look exact, or a FIN
//! look acknowledged. That needs a tracker that followed the connection: one
//! that did not (copied from a peer) is *unsynchronised* per direction
//! ([`Tracker::resync`]) and takes the first acknowledgement and data it sees
//! as they come, and forwards resets without judging them; so is every entry
//! of a node whose peer died, since the flows that peer carried come to it.
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

/// Per-side bits of [`Tracker::bits`] (shifted by the side's index).
mod bit {
    /// A FIN was seen travelling towards that side's peer (`fin_end` holds
    /// where it ends).
    pub const FIN_SENT: u16 = 1 << 0;
    /// That side's peer acknowledged the FIN sent to it.
    pub const FIN_ACKED: u16 = 1 << 2;
    /// A segment from that side's peer passed here since the tracker was
    /// last synchronised: this node sees that direction and can hear the
    /// peer's answers.
    pub const HEARD: u16 = 1 << 4;
    /// A reset was forwarded to that side's peer that it may have accepted;
    /// cleared by any segment from it (see [`super::Tracker::reset_unanswered`]).
    pub const RESET_PENDING: u16 = 1 << 6;
    /// What that side's peer acknowledged is followed here (`rcv_nxt`; see
    /// [`super::Tracker::resync`]).
    pub const ACKS_SYNCED: u16 = 1 << 8;
    /// What was sent to that side's peer is followed here (`sent_end`).
    pub const SENT_SYNCED: u16 = 1 << 10;
    /// Both.
    pub const SYNCED: u16 = ACKS_SYNCED | SENT_SYNCED;
    /// Data or a FIN towards that side's peer passed here since the tracker
    /// was last synchronised: `sent_end` bounds its acknowledgements.
    pub const SENT_SEEN: u16 = 1 << 12;
}

/// The end-of-connection state of one splice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tracker {
    /// Per side: the next byte that side's peer expects from the splice (the
    /// highest acknowledgement it sent), in that leg's numbers.
    rcv_nxt: [u32; 2],
    /// Per side: the sequence number just past the last byte (or FIN) sent
    /// towards that side's peer through here, in that leg's numbers.
    sent_end: [u32; 2],
    /// Per side: the window that side's peer last advertised, in bytes.
    window: [u32; 2],
    /// Per side: the sequence number just past a FIN sent to that side's
    /// peer (with [`bit::FIN_SENT`]).
    fin_end: [u32; 2],
    /// [`bit`] flags, per side.
    bits: u16,
    phase: Phase,
    /// A split splice at a proxy: only the client's packets pass here, so
    /// the backend's acknowledgements (which place its reset window) are
    /// never seen. Resets from the client are forwarded and end nothing
    /// here; the backend, which sees both directions, judges them and
    /// reports the end.
    client_side_only: bool,
}

/// The least span, in bytes, within which data counts towards what was sent
/// (a peer's window may have grown since the last one seen here).
const MIN_SPAN: u32 = 65535;

impl Tracker {
    /// A tracker for a splice whose peers expect `snd_nxt[side]` next and
    /// last advertised `window[side]` bytes.
    pub fn new(snd_nxt: [u32; 2], window: [u32; 2]) -> Self {
        Tracker {
            rcv_nxt: snd_nxt,
            sent_end: snd_nxt,
            window,
            fin_end: [0; 2],
            bits: bit::SYNCED | (bit::SYNCED << 1),
            phase: Phase::Open,
            client_side_only: false,
        }
    }

    /// The same, with `acked[side]` the acknowledgement each peer sent last
    /// where it lags `snd_nxt` (bytes in flight when the splice was made,
    /// which the proxy's socket still retransmits; see
    /// `capture::in_flight`).
    pub fn with_acked(mut self, acked: [u32; 2]) -> Self {
        for side in Side::BOTH {
            let i = side.index();
            if before(acked[i], self.sent_end[i]) {
                self.rcv_nxt[i] = acked[i];
            }
        }
        self
    }

    /// This tracker as a split splice's proxy keeps it (see the field).
    pub fn client_side_only(mut self) -> Self {
        self.client_side_only = true;
        self
    }

    fn has(&self, b: u16, side: Side) -> bool {
        self.bits & (b << side.index()) != 0
    }

    fn set(&mut self, b: u16, side: Side, on: bool) {
        if on {
            self.bits |= b << side.index();
        } else {
            self.bits &= !(b << side.index());
        }
    }

    /// The connection may have gone on without this tracker (it was
    /// copied from a peer): take the next acknowledgement and data in each
    /// direction as they come, and hear the peers anew.
    pub fn resync(&mut self) {
        for side in Side::BOTH {
            let b = bit::SYNCED | bit::SENT_SEEN | bit::HEARD | bit::RESET_PENDING;
            self.set(b, side, false);
        }
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

    /// The end of what was sent to `side`'s peer through here.
    pub fn sent(&self, side: Side) -> u32 {
        self.sent_end[side.index()]
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
        if !self.has(bit::FIN_SENT, side) {
            self.set(bit::FIN_SENT, side, true);
            self.fin_end[i] = end;
            // Nothing follows a FIN: it ends what was sent.
            if !self.has(bit::SENT_SYNCED, side) || after(end, self.sent_end[i]) {
                self.sent_end[i] = end;
            }
            self.set(bit::SENT_SYNCED | bit::SENT_SEEN, side, true);
            if !before(self.rcv_nxt[i], end) {
                self.set(bit::FIN_ACKED, side, true);
            }
        }
    }

    /// True when a FIN was seen travelling towards `side`'s peer.
    pub fn fin_sent_to(&self, side: Side) -> bool {
        self.has(bit::FIN_SENT, side)
    }

    /// True while a reset forwarded to a peer that may have accepted it
    /// (its sequence number lay between what the peer acknowledged and what
    /// was sent to it) has had no answer: no segment from that peer since.
    /// The caller ends the splice with [`Tracker::reset_confirmed`] once the
    /// silence lasted longer than the peer takes to send a challenge ACK.
    pub fn reset_unanswered(&self) -> bool {
        self.has(bit::RESET_PENDING, Side::Client) || self.has(bit::RESET_PENDING, Side::Backend)
    }

    /// The unanswered reset (see [`Tracker::reset_unanswered`]) was
    /// accepted: the splice is reset. True if that moved it out of
    /// [`Phase::Open`].
    pub fn reset_confirmed(&mut self) -> bool {
        let open = self.phase == Phase::Open && self.reset_unanswered();
        self.set(bit::RESET_PENDING, Side::Client, false);
        self.set(bit::RESET_PENDING, Side::Backend, false);
        if open {
            self.phase = Phase::Reset;
        }
        open
    }

    /// A reset from `from`'s peer towards `to`'s, at `seq` in `to`'s leg.
    fn reset(&mut self, from: Side, to: Side, seq: u32) -> (Action, bool) {
        if self.client_side_only && from == Side::Client {
            return (Action::Forward, false);
        }
        let was_open = self.phase == Phase::Open;
        let t = to.index();
        let (acked, sent) = (self.rcv_nxt[t], self.sent_end[t]);
        let (acks_known, sent_known) = (
            self.has(bit::ACKS_SYNCED, to),
            self.has(bit::SENT_SYNCED, to),
        );
        let before_fin = self.has(bit::FIN_SENT, to) && seq == self.fin_end[t].wrapping_sub(1);
        if (acks_known && seq == acked) || (sent_known && seq == sent) || before_fin {
            if was_open {
                self.phase = Phase::Reset;
            }
            return (Action::Forward, was_open);
        }
        if !acks_known || !sent_known {
            // Nothing more to judge it by: the receiver will.
            return (Action::Forward, false);
        }
        if after(seq, acked) && before(seq, sent) {
            // Only a node that hears the receiver can tell its answer.
            if was_open && self.has(bit::HEARD, to) {
                self.set(bit::RESET_PENDING, to, true);
            }
            return (Action::Forward, false);
        }
        let last = if after(sent, acked) { sent } else { acked };
        if in_window(seq, last, self.window[t].max(1)) {
            return (Action::Forward, false);
        }
        (Action::DropReset, false)
    }

    /// Account for a segment that arrived from `from`'s peer. Returns what to
    /// do with it and whether this segment moved the splice out of
    /// [`Phase::Open`].
    pub fn segment(&mut self, from: Side, s: &Segment) -> (Action, bool) {
        let to = from.other();
        if s.flags & flags::RST != 0 {
            return self.reset(from, to, s.seq);
        }
        let was_open = self.phase == Phase::Open;
        // The peer answered: a reset forwarded to it missed.
        self.set(bit::HEARD, from, true);
        self.set(bit::RESET_PENDING, from, false);
        let i = from.index();
        if s.flags & flags::ACK != 0 {
            // What the other peer sent: what passed here, if anything did
            // (RFC 5961's SND.NXT); else what this peer's window let the
            // other send, which may have gone another way.
            let sent_known = self.has(bit::SENT_SYNCED, from);
            let window_end = self.rcv_nxt[i].wrapping_add(self.window[i].max(1));
            let limit = if sent_known
                && (self.has(bit::SENT_SEEN, from) || after(self.sent_end[i], window_end))
            {
                self.sent_end[i]
            } else {
                window_end
            };
            let synced = self.has(bit::ACKS_SYNCED, from);
            if !synced || (after(s.ack, self.rcv_nxt[i]) && !after(s.ack, limit)) {
                self.rcv_nxt[i] = s.ack;
                // Sent by another way (a proxy that carries the other
                // direction of a multi-proxy splice): sent all the same.
                if !sent_known || after(s.ack, self.sent_end[i]) {
                    self.sent_end[i] = s.ack;
                }
                self.set(bit::SYNCED, from, true);
            }
            if s.ack == self.rcv_nxt[i] {
                self.window[i] = s.window;
            }
            if self.has(bit::FIN_SENT, from) && !before(self.rcv_nxt[i], self.fin_end[i]) {
                self.set(bit::FIN_ACKED, from, true);
            }
        }
        let t = to.index();
        let fin = s.flags & flags::FIN != 0;
        let end = s.seq.wrapping_add(s.len).wrapping_add(u32::from(fin));
        let span = self.window[t].max(MIN_SPAN);
        if !self.has(bit::SENT_SYNCED, to) {
            // The first data since the tracker lost the connection.
            if s.len > 0 || fin {
                self.sent_end[t] = end;
                self.set(bit::SENT_SYNCED | bit::SENT_SEEN, to, true);
            }
        } else if (s.len > 0 || fin) && !after(s.seq, self.sent_end[t].wrapping_add(span)) {
            if after(end, self.sent_end[t]) {
                self.sent_end[t] = end;
            }
            self.set(bit::SENT_SEEN, to, true);
        }
        // A retransmitted FIN ends at the same place; keep the first.
        if fin && !self.has(bit::FIN_SENT, to) {
            self.set(bit::FIN_SENT, to, true);
            self.fin_end[t] = end;
        }
        if was_open
            && self.has(bit::FIN_ACKED, Side::Client)
            && self.has(bit::FIN_ACKED, Side::Backend)
        {
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
    fn a_reset_at_the_end_of_what_was_sent_ends_before_it_is_acknowledged() {
        let mut t = tracker();
        // 300 bytes to the backend, which acknowledges nothing yet (a
        // delayed ACK): its next expected byte is 5300 all the same.
        t.segment(Side::Client, &seg(ACK, 5000, 300, 100));
        assert_eq!(t.sent(Side::Backend), 5300);
        let rst = seg(flags::RST | ACK, 5300, 0, 100);
        assert_eq!(t.segment(Side::Client, &rst), (Action::Forward, true));
        assert_eq!(t.phase(), Phase::Reset);
    }

    #[test]
    fn a_reset_inside_what_is_in_flight_ends_only_unanswered() {
        for answered in [false, true] {
            let mut t = tracker();
            t.segment(Side::Client, &seg(ACK, 5000, 300, 100));
            t.segment(Side::Backend, &seg(ACK, 100, 0, 5100));
            // The backend may have received up to 5200 only.
            let rst = seg(flags::RST, 5200, 0, 0);
            assert_eq!(t.segment(Side::Client, &rst), (Action::Forward, false));
            assert!(t.reset_unanswered());
            if answered {
                // A challenge ACK: the backend is at 5300, the reset missed.
                t.segment(Side::Backend, &seg(ACK, 100, 0, 5300));
            }
            assert_eq!(t.reset_unanswered(), !answered);
            assert_eq!(t.reset_confirmed(), !answered);
            let phase = if answered { Phase::Open } else { Phase::Reset };
            assert_eq!(t.phase(), phase);
        }
    }

    #[test]
    fn a_reset_is_pending_only_where_the_receiver_is_heard() {
        let mut t = tracker();
        t.segment(Side::Client, &seg(ACK, 5000, 300, 100));
        // Nothing from the backend passed here (its packets take another
        // proxy): no silence to go by.
        t.segment(Side::Client, &seg(flags::RST, 5200, 0, 0));
        assert!(!t.reset_unanswered());
        assert!(!t.reset_confirmed());
        assert_eq!(t.phase(), Phase::Open);
    }

    #[test]
    fn a_reset_just_before_a_fin_that_reached_the_receiver_ends() {
        let mut t = tracker();
        t.segment(Side::Backend, &seg(ACK | flags::FIN, 100, 10, 5000));
        t.segment(Side::Client, &seg(ACK, 5000, 0, 111));
        // Linux accepts it in CLOSE_WAIT (tcp_reset_check()).
        assert_eq!(
            t.segment(Side::Backend, &seg(flags::RST, 110, 0, 0)),
            (Action::Forward, true)
        );
    }

    #[test]
    fn resets_beyond_what_was_sent_end_nothing() {
        let mut t = tracker();
        t.segment(Side::Client, &seg(ACK, 5000, 300, 100));
        // Within the backend's window past what was sent: forwarded.
        let rst = |seq| seg(flags::RST, seq, 0, 0);
        assert_eq!(
            t.segment(Side::Client, &rst(5900)),
            (Action::Forward, false)
        );
        assert!(!t.reset_unanswered());
        assert_eq!(
            t.segment(Side::Client, &rst(6400)),
            (Action::DropReset, false)
        );
        assert_eq!(t.phase(), Phase::Open);
    }

    #[test]
    fn a_blind_ack_moves_nothing() {
        let mut t = tracker();
        // Nothing was sent to the client: an acknowledgement past its
        // window cannot be genuine.
        t.segment(Side::Client, &seg(ACK, 5000, 0, 1200));
        assert_eq!(t.acked(Side::Client), 100);
        // The backend's genuine reset is still exact.
        assert_eq!(
            t.segment(Side::Backend, &seg(flags::RST, 100, 0, 0)),
            (Action::Forward, true)
        );
    }

    #[test]
    fn a_blind_ack_past_a_fin_does_not_finish() {
        let mut t = tracker();
        t.segment(Side::Client, &seg(ACK | flags::FIN, 5000, 0, 100));
        t.segment(Side::Backend, &seg(ACK | flags::FIN, 100, 10, 5001));
        // Within the client's window, but past everything sent to it.
        t.segment(Side::Client, &seg(ACK, 5001, 0, 500));
        assert_eq!(t.acked(Side::Client), 100);
        assert_eq!(t.phase(), Phase::Open);
        assert_eq!(
            t.segment(Side::Client, &seg(ACK, 5001, 0, 111)),
            (Action::Forward, true)
        );
    }

    #[test]
    fn bytes_in_flight_at_splice_time_are_acknowledged_through_the_splice() {
        // The proxy sent the backend 5000..5300 before the splice; the
        // backend acknowledged up to 5000.
        let mut t = tracker().with_acked([100, 5000]);
        assert_eq!(t.acked(Side::Backend), 5000);
        assert_eq!(t.sent(Side::Backend), 5000);
        // Acknowledgements inside what is in flight move the tracker.
        t.segment(Side::Backend, &seg(ACK, 100, 0, 4800));
        assert_eq!(t.acked(Side::Backend), 5000, "an older one does not");
        t.segment(Side::Backend, &seg(ACK, 100, 0, 4990));
        assert_eq!(t.acked(Side::Backend), 5000);
        let mut t = Tracker::new([100, 5300], [1000, 1000]).with_acked([100, 5000]);
        t.segment(Side::Backend, &seg(ACK, 100, 0, 5100));
        assert_eq!(t.acked(Side::Backend), 5100);
        t.segment(Side::Backend, &seg(ACK, 100, 0, 5300));
        assert_eq!(t.acked(Side::Backend), 5300);
        // A reset at what the backend acknowledged ends the splice.
        let mut t = Tracker::new([100, 5300], [1000, 1000]).with_acked([100, 5000]);
        assert_eq!(
            t.segment(Side::Client, &seg(flags::RST, 5000, 0, 0)),
            (Action::Forward, true)
        );
        // An acknowledgement "ahead" of what was sent does not pass as one.
        let t2 = Tracker::new([100, 5300], [1000, 1000]).with_acked([100, 5400]);
        assert_eq!(t2.acked(Side::Backend), 5300);
    }

    #[test]
    fn blind_data_far_ahead_does_not_count_as_sent() {
        let mut t = tracker();
        t.segment(Side::Client, &seg(ACK, 500_000, 10, 100));
        assert_eq!(t.sent(Side::Backend), 5000);
        // So a reset there is not exact.
        assert_eq!(
            t.segment(Side::Client, &seg(flags::RST, 500_010, 0, 0)),
            (Action::DropReset, false)
        );
    }

    #[test]
    fn a_resynced_tracker_takes_what_comes_then_judges_again() {
        let mut t = tracker();
        t.resync();
        // The connection moved on elsewhere: far past the old numbers.
        let far = 3_000_000_000u32;
        assert_eq!(
            t.segment(Side::Backend, &seg(flags::RST, 7, 0, 0)),
            (Action::Forward, false)
        );
        t.segment(Side::Backend, &seg(ACK, far, 1000, 9000));
        t.segment(Side::Client, &seg(ACK, 9000, 0, far + 1000));
        assert_eq!(t.acked(Side::Client), far + 1000);
        assert_eq!(t.sent(Side::Client), far + 1000);
        assert_eq!(t.acked(Side::Backend), 9000);
        // Followed again: a reset far off is dropped, an exact one ends.
        assert_eq!(
            t.segment(Side::Backend, &seg(flags::RST, 7, 0, 0)),
            (Action::DropReset, false)
        );
        assert_eq!(
            t.segment(Side::Backend, &seg(flags::RST, far + 1000, 0, 0)),
            (Action::Forward, true)
        );
    }

    #[test]
    fn a_node_that_carries_one_direction_ends_on_its_exact_reset() {
        // A replica that forwards only the backend's packets (the client's
        // take another proxy): it knows what was sent to the client, never
        // what the client acknowledged.
        let mut t = tracker();
        t.resync();
        t.segment(Side::Backend, &seg(ACK, 7000, 500, 9000));
        // Unknown acknowledgements: a reset elsewhere is the receiver's to
        // judge, and ends nothing here.
        let rst = |seq| seg(flags::RST, seq, 0, 0);
        assert_eq!(t.segment(Side::Backend, &rst(1)), (Action::Forward, false));
        assert_eq!(
            t.segment(Side::Backend, &rst(7500)),
            (Action::Forward, true)
        );
    }

    #[test]
    fn wraps_around_zero() {
        let mut t = Tracker::new([u32::MAX - 1, 7], [100, 100]);
        // One byte at 2^32 - 2 and a FIN at 2^32 - 1: the client acknowledges 0.
        t.segment(Side::Backend, &seg(ACK | flags::FIN, u32::MAX - 1, 1, 7));
        t.segment(Side::Client, &seg(ACK | flags::FIN, 7, 0, 1));
        assert_eq!(
            t.acked(Side::Client),
            u32::MAX - 1,
            "past the FIN: not sent"
        );
        t.segment(Side::Client, &seg(ACK | flags::FIN, 7, 0, 0));
        assert_eq!(t.phase(), Phase::Open);
        t.segment(Side::Backend, &seg(ACK, 0, 0, 8));
        assert_eq!(t.phase(), Phase::Finished);
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        /// One step of a genuine exchange: which side's peer sends, how
        /// many bytes, and how much of what it received it acknowledges
        /// (a fraction: acknowledgements lag, as delayed ACKs do).
        fn step() -> impl Strategy<Value = (bool, u32, u8)> {
            (any::<bool>(), 0u32..3000, any::<u8>())
        }

        proptest! {
            /// Two peers exchange data with lagging acknowledgements, then
            /// one resets at its next sequence number (as Linux does on an
            /// abort): the splice ends on that reset and not before, and
            /// blind ACKs and resets thrown in all along end nothing and
            /// move nothing.
            #[test]
            fn a_genuine_abort_ends_and_blind_segments_do_not(
                start in (any::<u32>(), any::<u32>()),
                steps in proptest::collection::vec(step(), 1..40),
                blind in any::<u32>(),
                resetter in any::<bool>(),
            ) {
                // Per side: the next byte sent to that side's peer, and
                // what that peer acknowledged.
                let mut sent = [start.0, start.1];
                let mut acked = sent;
                let window = 64 * 1024;
                let mut t = Tracker::new(sent, [window; 2]);
                for (from_client, len, frac) in steps {
                    let from = if from_client { Side::Client } else { Side::Backend };
                    let (i, o) = (from.index(), from.other().index());
                    // It acknowledges part of what was sent to it.
                    let unacked = sent[i].wrapping_sub(acked[i]);
                    acked[i] = acked[i].wrapping_add(unacked * u32::from(frac) / 255);
                    let len = len.min(window - sent[o].wrapping_sub(acked[o]));
                    let s = Segment { flags: flags::ACK, seq: sent[o], len, ack: acked[i], window };
                    prop_assert_eq!(t.segment(from, &s), (Action::Forward, false));
                    sent[o] = sent[o].wrapping_add(len);
                    prop_assert_eq!(t.acked(from), acked[i]);
                    prop_assert_eq!(t.sent(from.other()), sent[o]);
                    // A blind ACK far from anything sent moves nothing.
                    let far = sent[i].wrapping_add(window + 1 + blind % (1 << 30));
                    let b = Segment { flags: flags::ACK, seq: blind, len: 0, ack: far, window };
                    t.segment(from, &b);
                    prop_assert_eq!(t.acked(from), acked[i]);
                    // A blind reset to it outside its window is dropped.
                    let r = Segment { flags: flags::RST, seq: far, len: 0, ack: 0, window: 0 };
                    prop_assert_eq!(t.segment(from.other(), &r), (Action::DropReset, false));
                    prop_assert_eq!(t.phase(), Phase::Open);
                }
                let from = if resetter { Side::Client } else { Side::Backend };
                let o = from.other().index();
                let rst = Segment { flags: flags::RST, seq: sent[o], len: 0, ack: 0, window: 0 };
                prop_assert_eq!(t.segment(from, &rst), (Action::Forward, true));
                prop_assert_eq!(t.phase(), Phase::Reset);
            }
        }
    }
}
