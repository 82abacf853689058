// SPDX-License-Identifier: GPL-2.0
//! Deciding whether a proxy's socket can be spliced, and what of its state the
//! splice keeps.
//!
//! The module reads a [`SockState`] from each of the proxy's two sockets while
//! holding both socket locks, and splices only if nothing would be lost: every
//! byte the proxy sent is acknowledged, every byte it acknowledged was read,
//! and no out-of-order data was (selectively) acknowledged. Otherwise the
//! proxy is told which condition failed, and can finish the work (read and
//! forward, wait for the acknowledgement) and ask again.

use super::conn::Side;
use super::translate::{Leg, Timestamps};

/// What the module reads from a proxy's TCP socket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockState {
    /// In `TCP_ESTABLISHED`.
    pub established: bool,
    /// TCP-MD5 or TCP-AO signs its segments (a splice cannot re-sign).
    pub signed: bool,
    /// Already in repair mode (checkpoint/restore, or spliced before).
    pub repair: bool,
    /// Oldest unacknowledged sequence number.
    pub snd_una: u32,
    /// Next sequence number to send.
    pub snd_nxt: u32,
    /// Sequence number after the last byte queued by the application.
    pub write_seq: u32,
    /// Next sequence number expected from the peer.
    pub rcv_nxt: u32,
    /// Next sequence number the application will read.
    pub copied_seq: u32,
    /// Segments wait in the out-of-order queue.
    pub out_of_order: bool,
    /// Timestamps negotiated: the clock now and the peer's latest TSval.
    pub ts: Option<Timestamps>,
    /// SACK negotiated.
    pub sack: bool,
    /// Window scale negotiated: the peer's shift and ours.
    pub wscale: Option<(u8, u8)>,
    /// The window the peer advertised last, in bytes.
    pub snd_wnd: u32,
    /// What the window the socket offered last leaves beyond what it
    /// received since, in bytes.
    pub rcv_wnd: u32,
    /// Largest segment the peer accepts.
    pub mss: u16,
    /// Explicit congestion notification, as negotiated.
    pub ecn: Ecn,
}

/// The ECN a connection negotiated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ecn {
    /// None.
    #[default]
    Off,
    /// RFC 3168: ECE and CWR flags.
    Classic,
    /// Accurate ECN (AccECN, IETF tcpm): counters in the ACE field and options.
    Accurate,
    /// Still being negotiated.
    Negotiating,
}

/// Why a socket cannot be spliced yet (or at all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not an established connection.
    NotEstablished,
    /// Signed with TCP-MD5 or TCP-AO.
    Signed,
    /// Already in repair mode.
    InRepair,
    /// Data queued but not yet sent.
    Unsent,
    /// Data sent but not yet acknowledged.
    Unacknowledged,
    /// Received data the proxy has not read.
    Unread,
    /// Out-of-order data received (and perhaps selectively acknowledged).
    OutOfOrder,
    /// Accurate ECN negotiated (or being negotiated): its counters cannot
    /// be carried across a splice yet.
    AccurateEcn,
}

impl Refusal {
    /// True when the proxy can finish the work and try again.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Refusal::Unsent | Refusal::Unacknowledged | Refusal::Unread | Refusal::OutOfOrder
        )
    }

    /// The message for the proxy, naming the socket.
    pub fn message(self, side: Side) -> &'static core::ffi::CStr {
        use Refusal::*;
        match (side, self) {
            (Side::Client, NotEstablished) => c"client-side socket is not established",
            (Side::Client, Signed) => c"client-side socket uses TCP-MD5 or TCP-AO",
            (Side::Client, InRepair) => c"client-side socket is in repair mode",
            (Side::Client, Unsent) => c"client-side socket has unsent data",
            (Side::Client, Unacknowledged) => c"client-side socket has unacknowledged data",
            (Side::Client, Unread) => c"client-side socket has unread received data",
            (Side::Client, OutOfOrder) => c"client-side socket holds out-of-order data",
            (Side::Client, AccurateEcn) => c"client-side socket negotiated Accurate ECN",
            (Side::Backend, NotEstablished) => c"backend-side socket is not established",
            (Side::Backend, Signed) => c"backend-side socket uses TCP-MD5 or TCP-AO",
            (Side::Backend, InRepair) => c"backend-side socket is in repair mode",
            (Side::Backend, Unsent) => c"backend-side socket has unsent data",
            (Side::Backend, Unacknowledged) => c"backend-side socket has unacknowledged data",
            (Side::Backend, Unread) => c"backend-side socket has unread received data",
            (Side::Backend, OutOfOrder) => c"backend-side socket holds out-of-order data",
            (Side::Backend, AccurateEcn) => c"backend-side socket negotiated Accurate ECN",
        }
    }
}

/// The leg a socket contributes to a splice, if nothing would be lost.
pub fn leg(s: &SockState) -> Result<Leg, Refusal> {
    if !s.established {
        return Err(Refusal::NotEstablished);
    }
    if s.signed {
        return Err(Refusal::Signed);
    }
    if s.repair {
        return Err(Refusal::InRepair);
    }
    if s.write_seq != s.snd_nxt {
        return Err(Refusal::Unsent);
    }
    if s.snd_una != s.snd_nxt {
        return Err(Refusal::Unacknowledged);
    }
    if s.copied_seq != s.rcv_nxt {
        return Err(Refusal::Unread);
    }
    if s.out_of_order {
        return Err(Refusal::OutOfOrder);
    }
    if matches!(s.ecn, Ecn::Accurate | Ecn::Negotiating) {
        return Err(Refusal::AccurateEcn);
    }
    let (snd_wscale, rcv_wscale) = s.wscale.unwrap_or((0, 0));
    Ok(Leg {
        snd_nxt: s.snd_nxt,
        rcv_nxt: s.rcv_nxt,
        ts: s.ts,
        sack: s.sack,
        snd_wscale,
        rcv_wscale,
        ecn: s.ecn == Ecn::Classic,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idle() -> SockState {
        SockState {
            established: true,
            snd_una: 10,
            snd_nxt: 10,
            write_seq: 10,
            rcv_nxt: 77,
            copied_seq: 77,
            ts: Some(Timestamps { now: 5, recent: 9 }),
            sack: true,
            wscale: Some((7, 9)),
            snd_wnd: 65535,
            rcv_wnd: 65535,
            mss: 1448,
            ..SockState::default()
        }
    }

    #[test]
    fn classic_ecn_goes_with_the_leg_and_accurate_ecn_is_refused() {
        for (ecn, want) in [
            (Ecn::Off, Ok(false)),
            (Ecn::Classic, Ok(true)),
            (Ecn::Accurate, Err(Refusal::AccurateEcn)),
            (Ecn::Negotiating, Err(Refusal::AccurateEcn)),
        ] {
            let got = leg(&SockState { ecn, ..idle() }).map(|l| l.ecn);
            assert_eq!(got, want, "{ecn:?}");
        }
        assert!(!Refusal::AccurateEcn.is_transient());
    }

    #[test]
    fn an_idle_socket_gives_its_leg() {
        let l = leg(&idle()).unwrap();
        assert_eq!((l.snd_nxt, l.rcv_nxt), (10, 77));
        assert_eq!((l.snd_wscale, l.rcv_wscale), (7, 9));
        assert_eq!(l.ts, Some(Timestamps { now: 5, recent: 9 }));
        assert!(l.sack);
        let mut s = idle();
        s.wscale = None;
        let l = leg(&s).unwrap();
        assert_eq!((l.snd_wscale, l.rcv_wscale), (0, 0));
    }

    #[test]
    fn every_loss_is_refused() {
        type Spoil = fn(&mut SockState);
        let cases: [(Spoil, Refusal); 7] = [
            (|s| s.established = false, Refusal::NotEstablished),
            (|s| s.signed = true, Refusal::Signed),
            (|s| s.repair = true, Refusal::InRepair),
            (|s| s.write_seq = 11, Refusal::Unsent),
            (|s| s.snd_una = 9, Refusal::Unacknowledged),
            (|s| s.copied_seq = 70, Refusal::Unread),
            (|s| s.out_of_order = true, Refusal::OutOfOrder),
        ];
        for (spoil, why) in cases {
            let mut s = idle();
            spoil(&mut s);
            assert_eq!(leg(&s), Err(why));
            assert_eq!(
                why.is_transient(),
                !matches!(
                    why,
                    Refusal::NotEstablished | Refusal::Signed | Refusal::InRepair
                )
            );
            assert!(why
                .message(Side::Backend)
                .to_bytes()
                .starts_with(b"backend"));
            assert!(why.message(Side::Client).to_bytes().starts_with(b"client"));
        }
    }
}
