// SPDX-License-Identifier: GPL-2.0
//! Tests of `splice`: whole packets translated in place, checksums verified
//! from scratch, for IPv4 and IPv6, full and partial checksums.
use super::*;
use crate::conn::Phase;
use crate::csum::{checksum, pseudo_header};
use crate::packet::flags;
use crate::translate::SAMPLE_LEGS;
use proptest::prelude::*;
use std::vec::Vec;

/// An endpoint from an address of 4 or 16 bytes.
pub(crate) fn ep(a: &[u8], port: u16) -> Endpoint {
    let mut addr = [0u8; 16];
    addr[..a.len()].copy_from_slice(a);
    Endpoint { addr, port }
}

const CLIENT_LEG: Leg = SAMPLE_LEGS[0];
const BACKEND_LEG: Leg = SAMPLE_LEGS[1];

fn splice(family: Family) -> Splice {
    let (c, v, p, b): (&[u8], &[u8], &[u8], &[u8]) = match family {
        Family::V4 => (
            &[198, 51, 100, 7],
            &[192, 0, 2, 100],
            &[203, 0, 113, 11],
            &[203, 0, 113, 21],
        ),
        Family::V6 => (
            &[0x20, 1, 0xd, 0xb8, 0, 0xc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7],
            &[0x20, 1, 0xd, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
            &[0x20, 1, 0xd, 0xb8, 0, 0xb, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11],
            &[0x20, 1, 0xd, 0xb8, 0, 0xb, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x21],
        ),
    };
    Splice::new(
        family,
        [
            Tuple {
                local: ep(v, 80),
                remote: ep(c, 40001),
            },
            Tuple {
                local: ep(p, 50123),
                remote: ep(b, 8080),
            },
        ],
        [CLIENT_LEG, BACKEND_LEG],
    )
}

#[allow(clippy::too_many_arguments)]
/// An IP packet from `src` to `dst` with a TCP header (timestamps option) and
/// `payload`, with a correct TCP checksum (or, if `partial`, the pseudo sum).
pub(crate) fn packet(
    family: Family,
    src: &Endpoint,
    dst: &Endpoint,
    seq: u32,
    ack: u32,
    fl: u8,
    payload: &[u8],
    partial: bool,
) -> (Vec<u8>, usize) {
    let alen = family.addr_len();
    let mut tcp = Vec::new();
    tcp.extend_from_slice(&src.port.to_be_bytes());
    tcp.extend_from_slice(&dst.port.to_be_bytes());
    tcp.extend_from_slice(&seq.to_be_bytes());
    tcp.extend_from_slice(&ack.to_be_bytes());
    tcp.extend_from_slice(&[0x80, fl, 0x01, 0x00, 0, 0, 0, 0]);
    // NOP NOP TS(tsval 0x8000_0010, tsecr 5000) + NOP NOP SACK? no: 12 bytes.
    tcp.extend_from_slice(&[1, 1, 8, 10]);
    tcp.extend_from_slice(&0x8000_0010u32.to_be_bytes());
    tcp.extend_from_slice(&5000u32.to_be_bytes());
    tcp.extend_from_slice(payload);
    let ps = pseudo_header(&src.addr[..alen], &dst.addr[..alen], 6, tcp.len() as u32);
    let c = if partial {
        !checksum(&[], ps)
    } else {
        checksum(&tcp, ps)
    };
    tcp[16..18].copy_from_slice(&c.to_be_bytes());
    let mut ip = Vec::new();
    match family {
        Family::V4 => {
            let total = (20 + tcp.len()) as u16;
            ip.extend_from_slice(&[0x45, 0]);
            ip.extend_from_slice(&total.to_be_bytes());
            ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
            ip.extend_from_slice(&src.addr[..4]);
            ip.extend_from_slice(&dst.addr[..4]);
            let c = checksum(&ip, 0);
            ip[10..12].copy_from_slice(&c.to_be_bytes());
        }
        Family::V6 => {
            ip.extend_from_slice(&[0x60, 0, 0, 0]);
            ip.extend_from_slice(&(tcp.len() as u16).to_be_bytes());
            ip.extend_from_slice(&[6, 64]);
            ip.extend_from_slice(&src.addr);
            ip.extend_from_slice(&dst.addr);
        }
    }
    let l4 = ip.len();
    ip.extend_from_slice(&tcp);
    (ip, l4)
}

/// Check a packet's checksums from scratch and return its TCP fields.
pub(crate) fn verify(
    family: Family,
    p: &[u8],
    l4: usize,
    partial: bool,
) -> (Endpoint, Endpoint, u32, u32) {
    let (src, dst) = match family {
        Family::V4 => {
            assert_eq!(checksum(&p[..20], 0), 0, "IPv4 header checksum");
            (ep(&p[12..16], 0), ep(&p[16..20], 0))
        }
        Family::V6 => (ep(&p[8..24], 0), ep(&p[24..40], 0)),
    };
    let alen = family.addr_len();
    let tcp = &p[l4..];
    let ps = pseudo_header(&src.addr[..alen], &dst.addr[..alen], 6, tcp.len() as u32);
    if partial {
        let field = u16::from_be_bytes([tcp[16], tcp[17]]);
        let want = !checksum(&[], ps);
        assert!(field == want || (field == 0xffff && want == 0) || (field == 0 && want == 0xffff));
    } else {
        assert_eq!(checksum(tcp, ps), 0, "TCP checksum");
    }
    let src = Endpoint {
        port: u16::from_be_bytes([tcp[0], tcp[1]]),
        ..src
    };
    let dst = Endpoint {
        port: u16::from_be_bytes([tcp[2], tcp[3]]),
        ..dst
    };
    let seq = u32::from_be_bytes(tcp[4..8].try_into().unwrap());
    let ack = u32::from_be_bytes(tcp[8..12].try_into().unwrap());
    (src, dst, seq, ack)
}

fn run(family: Family, partial: bool) {
    let s = splice(family);
    let mut t = s.tracker([65535, 65535]);
    let c = s.tuple(Side::Client);
    let b = s.tuple(Side::Backend);
    // Client -> proxy: the client's next byte, acknowledging everything.
    let (mut p, l4) = packet(
        family,
        &c.remote,
        &c.local,
        CLIENT_LEG.rcv_nxt,
        CLIENT_LEG.snd_nxt,
        flags::ACK,
        b"GET / HTTP/1.1\r\n",
        partial,
    );
    let len = p.len();
    let o = s
        .packet(Side::Client, &mut p, l4, len, partial, &mut t)
        .unwrap();
    assert_eq!(o.action, Action::Forward);
    assert_eq!(o.payload, 16);
    let (src, dst, seq, ack) = verify(family, &p, l4, partial);
    assert_eq!((src, dst), (b.local, b.remote));
    assert_eq!(seq, BACKEND_LEG.snd_nxt);
    assert_eq!(ack, BACKEND_LEG.rcv_nxt);
    assert_eq!(&p[len - 16..], b"GET / HTTP/1.1\r\n");
    // Backend -> proxy: the reverse.
    let (mut p, l4) = packet(
        family,
        &b.remote,
        &b.local,
        BACKEND_LEG.rcv_nxt + 3,
        BACKEND_LEG.snd_nxt + 16,
        flags::ACK | flags::PSH,
        b"abc",
        partial,
    );
    let len = p.len();
    s.packet(Side::Backend, &mut p, l4, len, partial, &mut t)
        .unwrap();
    let (src, dst, seq, ack) = verify(family, &p, l4, partial);
    assert_eq!((src, dst), (c.local, c.remote));
    assert_eq!(seq, CLIENT_LEG.snd_nxt + 3);
    assert_eq!(ack, CLIENT_LEG.rcv_nxt.wrapping_add(16));
}

#[test]
fn ipv4_full_checksum() {
    run(Family::V4, false);
}

#[test]
fn ipv4_partial_checksum() {
    run(Family::V4, true);
}

#[test]
fn ipv6_full_checksum() {
    run(Family::V6, false);
}

#[test]
fn ipv6_partial_checksum() {
    run(Family::V6, true);
}

#[test]
fn out_of_window_reset_is_dropped_untouched() {
    let s = splice(Family::V4);
    let mut t = s.tracker([1000, 1000]);
    let c = s.tuple(Side::Client);
    let (mut p, l4) = packet(
        Family::V4,
        &c.remote,
        &c.local,
        CLIENT_LEG.rcv_nxt.wrapping_add(5000),
        0,
        flags::RST,
        b"",
        false,
    );
    let before = p.clone();
    let len = p.len();
    let o = s
        .packet(Side::Client, &mut p, l4, len, false, &mut t)
        .unwrap();
    assert_eq!(o.action, Action::DropReset);
    assert_eq!(p, before);
    // The exact one is forwarded and ends the splice.
    let (mut p, l4) = packet(
        Family::V4,
        &c.remote,
        &c.local,
        CLIENT_LEG.rcv_nxt,
        0,
        flags::RST,
        b"",
        false,
    );
    let o = s
        .packet(Side::Client, &mut p, l4, len, false, &mut t)
        .unwrap();
    assert_eq!((o.action, o.ended), (Action::Forward, true));
    assert_eq!(t.phase(), Phase::Reset);
}

#[test]
fn truncated_headers_are_errors() {
    let s = splice(Family::V4);
    let mut t = s.tracker([1000, 1000]);
    let c = s.tuple(Side::Client);
    let (mut p, l4) = packet(
        Family::V4,
        &c.remote,
        &c.local,
        1,
        2,
        flags::ACK,
        b"",
        false,
    );
    let len = p.len();
    assert!(s
        .packet(Side::Client, &mut p[..l4 + 25], l4, len, false, &mut t)
        .is_err());
    assert!(s
        .packet(Side::Client, &mut p, l4, l4 + 10, false, &mut t)
        .is_err());
}

proptest! {
    /// Any payload and sequence positions: the translated packet's checksums
    /// verify from scratch, in both families and both checksum modes.
    #[test]
    fn checksums_always_verify(v6: bool, partial: bool, off in 0u32..1 << 31,
                               payload in proptest::collection::vec(any::<u8>(), 0..64)) {
        let family = if v6 { Family::V6 } else { Family::V4 };
        let s = splice(family);
        let mut t = s.tracker([u32::MAX, u32::MAX]);
        let c = s.tuple(Side::Client);
        let (mut p, l4) = packet(family, &c.remote, &c.local, CLIENT_LEG.rcv_nxt.wrapping_add(off),
                                 CLIENT_LEG.snd_nxt, flags::ACK, &payload, partial);
        let len = p.len();
        s.packet(Side::Client, &mut p, l4, len, partial, &mut t).unwrap();
        let (_, _, seq, _) = verify(family, &p, l4, partial);
        prop_assert_eq!(seq, BACKEND_LEG.snd_nxt.wrapping_add(off));
        prop_assert_eq!(&p[len - payload.len()..], &payload[..]);
    }
}

/// A packet from `from`'s peer of `s` (numbers as that peer sends them),
/// translated with tracker `t`: the packet, its TCP offset and the outcome.
fn through(
    s: &Splice,
    from: Side,
    (seq, ack, fl): (u32, u32, u8),
    payload: &[u8],
    t: &mut Tracker,
) -> (Vec<u8>, usize, Outcome) {
    let tu = s.tuple(from);
    let (mut p, l4) = packet(
        s.family(),
        &tu.remote,
        &tu.local,
        seq,
        ack,
        fl,
        payload,
        false,
    );
    let len = p.len();
    let o = s.packet(from, &mut p, l4, len, false, t).unwrap();
    (p, l4, o)
}

/// A split splice closes with each node seeing its part: the backend, which
/// translates its own packets and sees the client's as the proxy delivered
/// them, finds the end exactly; the proxy, which sees only the client's,
/// waits for the backend's report.
#[test]
fn a_split_splice_ends_at_the_backend_which_sees_both_directions() {
    let s = splice(Family::V4);
    let mut at_proxy = s.tracker([65535, 65535]).client_side_only();
    let mut at_backend = s.tracker([65535, 65535]);
    let c = s.tuple(Side::Client);
    let (b_seq, b_ack) = (BACKEND_LEG.rcv_nxt, BACKEND_LEG.snd_nxt);
    // The backend sends 3 bytes and its FIN, translated by its own module.
    let fin = (b_seq, b_ack, flags::ACK | flags::FIN);
    let (p, l4, o) = through(&s, Side::Backend, fin, b"end", &mut at_backend);
    assert_eq!((o.action, o.ended), (Action::Forward, false));
    let (src, dst, seq, _) = verify(Family::V4, &p, l4, false);
    assert_eq!((src, dst, seq), (c.local, c.remote, CLIENT_LEG.snd_nxt));
    // The client acknowledges data and FIN and sends its own FIN, through
    // the proxy.
    let fin = (
        CLIENT_LEG.rcv_nxt,
        CLIENT_LEG.snd_nxt + 4,
        flags::ACK | flags::FIN,
    );
    let (p, l4, o) = through(&s, Side::Client, fin, b"", &mut at_proxy);
    assert!(!o.ended);
    // The backend sees it as delivered (in its own numbers).
    let (_, _, seq, ack) = verify(Family::V4, &p, l4, false);
    assert_eq!((seq, ack), (b_ack, b_seq + 4));
    let len = p.len();
    assert_eq!(s.observe_delivered(&p, l4, len, &mut at_backend), Ok(false));
    assert_eq!(at_backend.phase(), Phase::Open);
    // The backend acknowledges the client's FIN: the end, found there.
    let ack = (b_seq + 4, b_ack + 1, flags::ACK);
    let (p, l4, o) = through(&s, Side::Backend, ack, b"", &mut at_backend);
    assert!(o.ended);
    assert_eq!(at_backend.phase(), Phase::Finished);
    assert_eq!(at_proxy.phase(), Phase::Open);
    // A malformed header is an error, not a guess.
    let mut bad = p.clone();
    bad[l4 + 12] = 0x40;
    assert!(s
        .observe_delivered(&bad, l4, p.len(), &mut at_backend)
        .is_err());
}

/// A reset from the client, exact for the backend, ends the splice at the
/// backend; the proxy only forwards it.
#[test]
fn a_client_reset_of_a_split_splice_is_judged_at_the_backend() {
    let s = splice(Family::V4);
    let mut at_proxy = s.tracker([65535, 65535]).client_side_only();
    let mut at_backend = s.tracker([65535, 65535]);
    // 100 bytes from the client went through earlier and were acknowledged
    // by the backend: the proxy never saw that acknowledgement.
    let ack = (BACKEND_LEG.rcv_nxt, BACKEND_LEG.snd_nxt + 100, flags::ACK);
    through(&s, Side::Backend, ack, b"", &mut at_backend);
    let rst = (CLIENT_LEG.rcv_nxt.wrapping_add(100), 0, flags::RST);
    let (p, l4, o) = through(&s, Side::Client, rst, b"", &mut at_proxy);
    assert_eq!((o.action, o.ended), (Action::Forward, false));
    let len = p.len();
    assert_eq!(s.observe_delivered(&p, l4, len, &mut at_backend), Ok(true));
    assert_eq!(at_backend.phase(), Phase::Reset);
}

/// Set the ECN field of packet `p`'s IP header to `codepoint` (the IPv4
/// header checksum made right again).
fn mark(family: Family, p: &mut [u8], codepoint: u8) {
    match family {
        Family::V4 => {
            p[1] = (p[1] & !3) | codepoint;
            p[10..12].fill(0);
            let c = checksum(&p[..20], 0);
            p[10..12].copy_from_slice(&c.to_be_bytes());
        }
        Family::V6 => p[1] = (p[1] & !0x30) | codepoint << 4,
    }
}

fn ecn_of(family: Family, p: &[u8]) -> u8 {
    match family {
        Family::V4 => p[1] & 3,
        Family::V6 => (p[1] >> 4) & 3,
    }
}

/// Towards a leg that did not negotiate ECN (the backend's here, as with
/// Linux's default `tcp_ecn=2` on the proxy): the ECN-capable codepoint and
/// the ECE and CWR flags are cleared, checksums stay right; a packet marked
/// CE is dropped untouched and unseen by the tracker (a router without ECN
/// would have dropped it). Towards the leg with ECN everything passes.
#[test]
fn ecn_towards_a_leg_without_it() {
    for family in [Family::V4, Family::V6] {
        for partial in [false, true] {
            let plain = Leg {
                ecn: false,
                ..BACKEND_LEG
            };
            let s = Splice::new(
                family,
                [
                    *splice(family).tuple(Side::Client),
                    *splice(family).tuple(Side::Backend),
                ],
                [CLIENT_LEG, plain],
            );
            let mut t = s.tracker([65535, 65535]);
            let c = s.tuple(Side::Client);
            let b = s.tuple(Side::Backend);
            let fl = flags::ACK | flags::ECE | flags::CWR;
            let from_client = |codepoint| {
                let (mut p, l4) = packet(
                    family,
                    &c.remote,
                    &c.local,
                    CLIENT_LEG.rcv_nxt,
                    CLIENT_LEG.snd_nxt,
                    fl,
                    b"data",
                    partial,
                );
                mark(family, &mut p, codepoint);
                (p, l4)
            };
            for codepoint in [1, 2] {
                let (mut p, l4) = from_client(codepoint);
                let len = p.len();
                let o = s
                    .packet(Side::Client, &mut p, l4, len, partial, &mut t)
                    .unwrap();
                assert_eq!(o.action, Action::Forward);
                assert!(o.report.ecn_cleared);
                verify(family, &p, l4, partial);
                assert_eq!(
                    ecn_of(family, &p),
                    0,
                    "{family:?} ECT({}) cleared",
                    2 - codepoint
                );
                assert_eq!(p[l4 + 13], flags::ACK, "ECE and CWR cleared");
            }
            let (mut p, l4) = from_client(3);
            let (before, tracker) = (p.clone(), t);
            let len = p.len();
            let o = s
                .packet(Side::Client, &mut p, l4, len, partial, &mut t)
                .unwrap();
            assert_eq!(o.action, Action::DropCe);
            assert_eq!(p, before, "a dropped packet is not modified");
            assert_eq!(t, tracker, "nor seen by the tracker");
            // Backend to client: the client's leg has ECN.
            let (mut p, l4) = packet(
                family,
                &b.remote,
                &b.local,
                BACKEND_LEG.rcv_nxt,
                BACKEND_LEG.snd_nxt + 4,
                fl,
                b"xyz",
                partial,
            );
            mark(family, &mut p, 3);
            let len = p.len();
            let o = s
                .packet(Side::Backend, &mut p, l4, len, partial, &mut t)
                .unwrap();
            assert_eq!(o.action, Action::Forward);
            assert!(!o.report.ecn_cleared);
            verify(family, &p, l4, partial);
            assert_eq!(ecn_of(family, &p), 3, "CE kept for a leg with ECN");
            assert_eq!(p[l4 + 13], fl);
        }
    }
}
