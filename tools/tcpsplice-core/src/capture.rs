// SPDX-License-Identifier: GPL-2.0
//! Deciding whether a proxy's socket can be spliced, and what of its state the
//! splice keeps.
//!
//! The module reads a [`SockState`] from each of the proxy's two sockets while
//! holding both socket locks (after moving what either had received and the
//! proxy had not read to the other's send queue), and splices only if
//! nothing would be lost: every byte it acknowledged was read, and no
//! out-of-order data was (selectively) acknowledged. Otherwise the proxy is
//! told which condition failed, and can finish the work (read and forward)
//! and ask again. Bytes queued, sent or not, that the peer has not
//! acknowledged do not stop a splice: the socket is *handed over* (see
//! [`in_flight`]) and sends them until its peer acknowledges them.
//!
//! A peer may have closed its side before the splice (a backend that answers
//! and closes, a client that half-closes after its request): its FIN was
//! received, and read or moved with the bytes before it. The other socket
//! then sends a FIN to its own peer after everything it was given, as a
//! proxy forwarding the end of the stream would ([`fins_to_send`]), and is
//! handed over with that FIN in flight.

use super::conn::Side;
use super::translate::{Leg, Timestamps};

/// What the module reads from a proxy's TCP socket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockState {
    /// Synchronised and not closed: established, or closing (one of
    /// `FIN_WAIT1`, `FIN_WAIT2`, `CLOSE_WAIT`, `CLOSING`, `LAST_ACK`).
    pub connected: bool,
    /// Still in the handshake (`SYN_SENT`, or `SYN_RECV`: a TCP Fast Open
    /// connection the proxy accepted with its first data).
    pub handshaking: bool,
    /// The peer's FIN was received (`CLOSE_WAIT`, `CLOSING`, `LAST_ACK`).
    pub fin_received: bool,
    /// This socket queued its own FIN (`FIN_WAIT1`, `FIN_WAIT2`, `CLOSING`,
    /// `LAST_ACK`): `write_seq` counts it.
    pub fin_queued: bool,
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
    /// Not established yet: the handshake is under way (a TCP Fast Open
    /// connection accepted before the client's ACK).
    Handshaking,
    /// Signed with TCP-MD5 or TCP-AO.
    Signed,
    /// Already in repair mode.
    InRepair,
    /// Data queued for the backend but not yet acknowledged, in a split splice:
    /// the backend's acknowledgements do not pass the proxy then, so a
    /// handed-over socket would never hear them.
    UnacknowledgedSplit,
    /// Received data the proxy has not read.
    Unread,
    /// Out-of-order data received (and perhaps selectively acknowledged).
    OutOfOrder,
    /// Accurate ECN negotiated (or being negotiated): its counters cannot
    /// be carried across a splice yet.
    AccurateEcn,
    /// The socket sent its FIN though the other socket's peer sent none:
    /// what that peer sends next could not be delivered.
    HalfClosed,
    /// A FIN passed before a split splice: the backend's node, which
    /// carries the responses, would not know where that stream ended.
    ClosedSplit,
}

impl Refusal {
    /// True when the proxy can finish the work and try again.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Refusal::Handshaking
                | Refusal::UnacknowledgedSplit
                | Refusal::Unread
                | Refusal::OutOfOrder
        )
    }

    /// The message for the proxy, naming the socket.
    pub fn message(self, side: Side) -> &'static core::ffi::CStr {
        use Refusal::*;
        match (side, self) {
            (Side::Client, NotEstablished) => c"client-side socket is not established",
            (Side::Client, Handshaking) => {
                c"client-side socket is still in its handshake (TCP Fast Open)"
            }
            (Side::Client, Signed) => c"client-side socket uses TCP-MD5 or TCP-AO",
            (Side::Client, InRepair) => c"client-side socket is in repair mode",
            (Side::Client, UnacknowledgedSplit) => {
                c"client-side socket has unacknowledged data (not handed over in a split splice)"
            }
            (Side::Client, Unread) => c"client-side socket has unread received data",
            (Side::Client, OutOfOrder) => c"client-side socket holds out-of-order data",
            (Side::Client, AccurateEcn) => c"client-side socket negotiated Accurate ECN",
            (Side::Client, HalfClosed) => {
                c"client-side socket was shut down though the backend sent no FIN"
            }
            (Side::Client, ClosedSplit) => {
                c"client-side socket is closing (a FIN passed; not in a split splice)"
            }
            (Side::Backend, NotEstablished) => c"backend-side socket is not established",
            (Side::Backend, Handshaking) => {
                c"backend-side socket is still in its handshake (TCP Fast Open)"
            }
            (Side::Backend, Signed) => c"backend-side socket uses TCP-MD5 or TCP-AO",
            (Side::Backend, InRepair) => c"backend-side socket is in repair mode",
            (Side::Backend, UnacknowledgedSplit) => {
                c"backend-side socket has unacknowledged data (not handed over in a split splice)"
            }
            (Side::Backend, Unread) => c"backend-side socket has unread received data",
            (Side::Backend, OutOfOrder) => c"backend-side socket holds out-of-order data",
            (Side::Backend, AccurateEcn) => c"backend-side socket negotiated Accurate ECN",
            (Side::Backend, HalfClosed) => {
                c"backend-side socket was shut down though the client sent no FIN"
            }
            (Side::Backend, ClosedSplit) => {
                c"backend-side socket is closing (a FIN passed; not in a split splice)"
            }
        }
    }
}

/// The leg a socket contributes to a splice, if nothing would be lost.
pub fn leg(s: &SockState) -> Result<Leg, Refusal> {
    if !s.connected {
        return Err(if s.handshaking {
            Refusal::Handshaking
        } else {
            Refusal::NotEstablished
        });
    }
    if s.signed {
        return Err(Refusal::Signed);
    }
    if s.repair {
        return Err(Refusal::InRepair);
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
        // The other peer's data follows everything queued.
        snd_nxt: s.write_seq,
        rcv_nxt: s.rcv_nxt,
        ts: s.ts,
        sack: s.sack,
        snd_wscale,
        rcv_wscale,
        ecn: s.ecn == Ecn::Classic,
    })
}

/// Which of the two sockets (by [`Side`] index, each already accepted by
/// [`leg`], so everything received was read or moved) must send its FIN
/// before the splice: those whose other socket received its peer's FIN
/// and that have not sent their own. A socket that sent its FIN while the
/// other received none is refused, naming it.
pub fn fins_to_send(s: &[SockState; 2]) -> Result<[bool; 2], (Side, Refusal)> {
    let mut send = [false; 2];
    for side in Side::BOTH {
        let (me, other) = (&s[side.index()], &s[side.other().index()]);
        match (other.fin_received, me.fin_queued) {
            (true, false) => send[side.index()] = true,
            (false, true) => return Err((side, Refusal::HalfClosed)),
            _ => {}
        }
    }
    Ok(send)
}

/// True when either socket received or sent a FIN.
pub fn closing(s: &[SockState; 2]) -> bool {
    s.iter().any(|s| s.fin_received || s.fin_queued)
}

/// Bytes queued in the socket, sent or not, that its peer has not
/// acknowledged yet. A splice made with some keeps the socket (in repair
/// mode, so the proxy can neither read, write nor close it loudly) until
/// its peer acknowledges them: the socket sends and retransmits them
/// meanwhile (timeouts, fast retransmit and SACK, from the acknowledgements
/// the module hands it), and the other peer's data is translated to follow
/// them (the leg's `snd_nxt` is the socket's `write_seq`).
pub fn in_flight(s: &SockState) -> u32 {
    s.write_seq.wrapping_sub(s.snd_una)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idle() -> SockState {
        SockState {
            connected: true,
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
    fn unacknowledged_and_unsent_data_is_handed_over() {
        let mut s = idle();
        s.snd_una = 4;
        let l = leg(&s).unwrap();
        // The other peer's data follows what is in flight.
        assert_eq!(l.snd_nxt, 10);
        assert_eq!(in_flight(&s), 6);
        assert_eq!(in_flight(&idle()), 0);
        // And what is queued and not yet sent.
        s.write_seq = 30;
        assert_eq!(leg(&s).unwrap().snd_nxt, 30);
        assert_eq!(in_flight(&s), 26);
        // Across the wrap.
        s.snd_una = u32::MAX - 1;
        s.snd_nxt = 3;
        s.write_seq = 3;
        assert_eq!(in_flight(&s), 5);
        assert!(leg(&s).is_ok());
    }

    #[test]
    fn a_fin_received_is_passed_on_after_the_bytes_before_it() {
        let open = idle();
        let closed = SockState {
            fin_received: true,
            ..idle()
        };
        let shut = SockState {
            fin_queued: true,
            ..idle()
        };
        let both = SockState {
            fin_received: true,
            fin_queued: true,
            ..idle()
        };
        // Neither peer closed: nothing to send.
        assert_eq!(fins_to_send(&[open, open]), Ok([false, false]));
        assert!(!closing(&[open, open]));
        // The backend closed (index 1): the client-side socket sends a FIN.
        assert_eq!(fins_to_send(&[open, closed]), Ok([true, false]));
        assert!(closing(&[open, closed]));
        // The client half-closed: the backend-side socket sends one.
        assert_eq!(fins_to_send(&[closed, open]), Ok([false, true]));
        // Both closed.
        assert_eq!(fins_to_send(&[closed, closed]), Ok([true, true]));
        // Already passed on (by the proxy, or sent before): nothing more.
        assert_eq!(fins_to_send(&[shut, closed]), Ok([false, false]));
        assert_eq!(fins_to_send(&[both, both]), Ok([false, false]));
        // A FIN the other peer never sent: refused, naming the socket.
        assert_eq!(
            fins_to_send(&[open, shut]),
            Err((Side::Backend, Refusal::HalfClosed))
        );
        assert_eq!(
            fins_to_send(&[shut, open]),
            Err((Side::Client, Refusal::HalfClosed))
        );
        assert!(!Refusal::HalfClosed.is_transient());
        assert!(!Refusal::ClosedSplit.is_transient());
        // A closing socket still gives its leg.
        assert!(leg(&both).is_ok());
    }

    #[test]
    fn every_loss_is_refused() {
        type Spoil = fn(&mut SockState);
        let cases: [(Spoil, Refusal); 6] = [
            (|s| s.connected = false, Refusal::NotEstablished),
            (
                |s| {
                    s.connected = false;
                    s.handshaking = true
                },
                Refusal::Handshaking,
            ),
            (|s| s.signed = true, Refusal::Signed),
            (|s| s.repair = true, Refusal::InRepair),
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
