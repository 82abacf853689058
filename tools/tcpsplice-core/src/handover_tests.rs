// SPDX-License-Identifier: GPL-2.0
//! Tests of `handover`: the acknowledgement a handed-over socket gets, and
//! what of its own segments leaves.
use super::*;
use crate::packet;
use crate::splice::tests::{ep, packet as build, verify};
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

fn ends(family: Family) -> (crate::splice::Endpoint, crate::splice::Endpoint) {
    match family {
        Family::V4 => (ep(&[203, 0, 113, 21], 8080), ep(&[203, 0, 113, 11], 50123)),
        Family::V6 => (
            ep(
                &[0x20, 1, 0xd, 0xb8, 0, 0xb, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x21],
                8080,
            ),
            ep(
                &[0x20, 1, 0xd, 0xb8, 0, 0xb, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11],
                50123,
            ),
        ),
    }
}

/// A peer's data segment, made into the acknowledgement for a socket that
/// expects `seq` and sent up to `max`, 1000 bytes of it unacknowledged.
fn ack_of(family: Family, fl: u8, ack: u32, payload: &[u8], seq: u32, max: u32) -> Option<Vec<u8>> {
    let (src, dst) = ends(family);
    let (mut p, l4) = build(family, &src, &dst, 7000, ack, fl, payload, false);
    let th = packet::tcp(&p[l4..]).unwrap();
    let sk = Socket {
        snd_una: max.wrapping_sub(1000),
        snd_nxt: max,
        rcv_nxt: seq,
    };
    let len = local_ack(&mut p, family, l4, &th, sk).unwrap()?;
    p.truncate(len);
    Some(p)
}

/// A pure ACK of `ack` with one SACK block, as the IPv4 packet and its
/// TCP header offset.
fn sack_ack(ack: u32, left: u32, right: u32) -> (Vec<u8>, usize) {
    let (src, dst) = ends(Family::V4);
    let (mut p, l4) = build(Family::V4, &src, &dst, 7000, ack, flags::ACK, &[], false);
    // The builder's 12 option bytes (NOP NOP TS) become NOP NOP SACK(1)
    // after the header grows by 8.
    let mut opts = vec![1u8, 1, 5, 10];
    opts.extend_from_slice(&left.to_be_bytes());
    opts.extend_from_slice(&right.to_be_bytes());
    opts.extend_from_slice(&[1, 1]);
    p.truncate(l4 + 20);
    p.extend_from_slice(&opts);
    p[l4 + 12] = ((20 + opts.len()) / 4) as u8 * 16;
    let total = p.len() as u16;
    p[2..4].copy_from_slice(&total.to_be_bytes());
    (p, l4)
}

#[test]
fn an_ack_that_tells_the_socket_nothing_stays_away() {
    let sk = Socket {
        snd_una: 5000,
        snd_nxt: 6000,
        rcv_nxt: 1,
    };
    // A duplicate, its SACK block about the other peer's data beyond.
    let (mut p, l4) = sack_ack(5000, 6000, 9000);
    let th = packet::tcp(&p[l4..]).unwrap();
    assert_eq!(local_ack(&mut p, Family::V4, l4, &th, sk).unwrap(), None);
    // A SACK block among the socket's bytes: a hole there, for it.
    let (mut p, l4) = sack_ack(5000, 5500, 6000);
    let th = packet::tcp(&p[l4..]).unwrap();
    assert!(local_ack(&mut p, Family::V4, l4, &th, sk)
        .unwrap()
        .is_some());
    // Progress.
    let (mut p, l4) = sack_ack(5100, 6000, 9000);
    let th = packet::tcp(&p[l4..]).unwrap();
    assert!(local_ack(&mut p, Family::V4, l4, &th, sk)
        .unwrap()
        .is_some());
    // A window update (no progress, no SACK block): the socket may wait
    // for it to send what it holds.
    let (src, dst) = ends(Family::V4);
    let (mut p, l4) = build(Family::V4, &src, &dst, 7000, 5000, flags::ACK, &[], false);
    let th = packet::tcp(&p[l4..]).unwrap();
    assert!(local_ack(&mut p, Family::V4, l4, &th, sk)
        .unwrap()
        .is_some());
}

#[test]
fn a_data_segment_becomes_a_pure_ack_at_the_sockets_numbers() {
    for family in [Family::V4, Family::V6] {
        let fl = flags::ACK | flags::PSH | flags::FIN;
        let p = ack_of(family, fl, 5100, &[0x55; 700], 1234, 5300).unwrap();
        let l4 = if family == Family::V4 { 20 } else { 40 };
        // Header only: 20 bytes and the 12-byte timestamp option.
        assert_eq!(p.len(), l4 + 32);
        let (_, _, seq, ack) = verify(family, &p, l4, false);
        assert_eq!((seq, ack), (1234, 5100));
        assert_eq!(p[l4 + 13], flags::ACK, "FIN and PSH cleared");
        // The IP length says what is left.
        match family {
            Family::V4 => assert_eq!(u16::from_be_bytes([p[2], p[3]]), 52),
            Family::V6 => assert_eq!(u16::from_be_bytes([p[4], p[5]]), 32),
        }
        // The timestamps and the window are the peer's.
        assert_eq!(&p[l4 + 20..l4 + 24], &[1, 1, 8, 10]);
        assert_eq!(u16::from_be_bytes([p[l4 + 14], p[l4 + 15]]), 0x0100);
    }
}

#[test]
fn an_ack_past_what_the_socket_sent_is_clamped() {
    for family in [Family::V4, Family::V6] {
        let p = ack_of(family, flags::ACK, 9000, &[], 1, 5300).unwrap();
        let l4 = if family == Family::V4 { 20 } else { 40 };
        assert_eq!(verify(family, &p, l4, false).3, 5300);
    }
}

#[test]
fn resets_and_syns_are_not_the_sockets() {
    assert!(ack_of(Family::V4, flags::RST | flags::ACK, 1, &[], 1, 2).is_none());
    assert!(ack_of(Family::V4, flags::SYN | flags::ACK, 1, &[], 1, 2).is_none());
    assert!(
        ack_of(Family::V4, flags::FIN, 1, &[], 1, 2).is_none(),
        "no ACK bit"
    );
}

#[test]
fn only_the_sockets_data_leaves_and_never_acknowledges_past_the_splice() {
    let (src, dst) = ends(Family::V4);
    for partial in [false, true] {
        let (mut p, l4) = build(
            Family::V4,
            &dst,
            &src,
            5000,
            7100,
            flags::ACK,
            &[1; 300],
            partial,
        );
        assert!(clamp_ack(&mut p[l4..], 300, 7000, 9000, partial));
        let (_, _, seq, ack) = verify(Family::V4, &p, l4, partial);
        assert_eq!((seq, ack), (5000, 7000));
        // Below the limit: untouched.
        let (mut q, l4) = build(
            Family::V4,
            &dst,
            &src,
            5000,
            6900,
            flags::ACK,
            &[1; 300],
            partial,
        );
        let before = q.clone();
        assert!(clamp_ack(&mut q[l4..], 300, 7000, 9000, partial));
        assert_eq!(q, before);
    }
    // A FIN other than the one queued at splice time (ending at 5011):
    // dropped, as resets and SYNs are.
    for fl in [flags::ACK | flags::FIN, flags::RST, flags::ACK | flags::SYN] {
        let (mut p, l4) = build(Family::V4, &dst, &src, 5000, 7000, fl, &[1; 10], false);
        assert!(!clamp_ack(&mut p[l4..], 10, 7000, 9000, false), "{fl:#x}");
    }
    // The FIN queued at splice time passes, with data before it or alone.
    let fin = flags::ACK | flags::FIN;
    let (mut p, l4) = build(Family::V4, &dst, &src, 5000, 7000, fin, &[1; 10], false);
    assert!(clamp_ack(&mut p[l4..], 10, 7000, 5011, false));
    let (mut p, l4) = build(Family::V4, &dst, &src, 5010, 7200, fin, &[], false);
    assert!(clamp_ack(&mut p[l4..], 0, 7000, 5011, false));
    let (_, _, seq, ack) = verify(Family::V4, &p, l4, false);
    assert_eq!((seq, ack), (5010, 7000));
    // A FIN after it (a late shutdown() of the proxy's): dropped.
    let (mut p, l4) = build(Family::V4, &dst, &src, 5011, 7000, fin, &[], false);
    assert!(!clamp_ack(&mut p[l4..], 0, 7000, 5011, false));
    let (mut p, l4) = build(Family::V4, &dst, &src, 5000, 7000, flags::ACK, &[], false);
    assert!(
        !clamp_ack(&mut p[l4..], 0, 7000, 5011, false),
        "a pure ACK stays local"
    );
    assert!(
        !clamp_ack(&mut [0u8; 10], 1, 7000, 5011, false),
        "truncated"
    );
}

proptest! {
    #[test]
    fn the_ack_is_well_formed_for_any_segment(
        v6 in any::<bool>(),
        ack in any::<u32>(),
        max in any::<u32>(),
        seq in any::<u32>(),
        len in 0usize..1500,
        fl in any::<u8>(),
    ) {
        let family = if v6 { Family::V6 } else { Family::V4 };
        let fl = fl | flags::ACK;
        let payload = vec![0xa5; len];
        match ack_of(family, fl & !(flags::SYN | flags::RST), ack, &payload, seq, max) {
            Some(p) => {
                let l4 = if v6 { 40 } else { 20 };
                let (_, _, s, a) = verify(family, &p, l4, false);
                prop_assert_eq!(s, seq);
                prop_assert!(!crate::seq::after(a, max));
                prop_assert!(a == ack || a == max);
                prop_assert_eq!(p[l4 + 13] & (flags::FIN | flags::PSH | flags::URG), 0);
            }
            None => prop_assert!(
                !crate::seq::after(ack, max.wrapping_sub(1000)),
                "an ACK with progress, without SYN or RST, is the socket's"
            ),
        }
    }
}
