// SPDX-License-Identifier: GPL-2.0
//! Tests of `ndisc`: which neighbour solicitations are answered, and to whom.
extern crate std;
use super::*;
use proptest::prelude::*;
use std::{vec, vec::Vec};

const SOLICITOR: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const VIP: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];

/// A solicitation for `target` from `src` to its solicited-node group, with
/// a source link-layer address option unless `src` is unspecified, and a
/// correct checksum.
fn ns(src: [u8; 16], target: [u8; 16]) -> Vec<u8> {
    let mut dst = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0];
    dst[13..].copy_from_slice(&target[13..]);
    let mut body = vec![NEIGHBOUR_SOLICITATION, 0, 0, 0, 0, 0, 0, 0];
    body.extend_from_slice(&target);
    if src != [0; 16] {
        body.extend_from_slice(&[1, 1, 0x02, 0, 0, 0, 0, 1]);
    }
    let mut p = vec![0x60, 0, 0, 0, 0, body.len() as u8, IPPROTO_ICMPV6, 255];
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    let c = checksum(
        &body,
        pseudo_header(&src, &dst, IPPROTO_ICMPV6, body.len() as u32),
    );
    body[2..4].copy_from_slice(&c.to_be_bytes());
    p.extend_from_slice(&body);
    p
}

/// Fix the checksum after a test changed the packet.
fn reseal(p: &mut [u8]) {
    let plen = usize::from(u16::from_be_bytes([p[4], p[5]]));
    p[42] = 0;
    p[43] = 0;
    let ps = pseudo_header(&p[8..24], &p[24..40], IPPROTO_ICMPV6, plen as u32);
    let c = checksum(&p[40..40 + plen], ps);
    p[42..44].copy_from_slice(&c.to_be_bytes());
}

#[test]
fn a_solicitation_is_answered_to_its_sender() {
    let s = solicitation(&ns(SOLICITOR, VIP)).unwrap();
    assert_eq!(
        s,
        Solicitation {
            target: VIP,
            reply_to: Some(SOLICITOR)
        }
    );
}

#[test]
fn duplicate_address_detection_is_answered_to_all_nodes() {
    let s = solicitation(&ns([0; 16], VIP)).unwrap();
    assert_eq!(s.reply_to, None);
    // ...but only if sent to the target's own solicited-node group.
    let mut p = ns([0; 16], VIP);
    p[39] ^= 1;
    reseal(&mut p);
    assert_eq!(solicitation(&p), None);
}

#[test]
fn invalid_solicitations_are_refused() {
    let good = ns(SOLICITOR, VIP);
    let plen = good[5];
    // (what, byte, new value, fix the checksum afterwards)
    let bad = [
        ("hop limit", 7, 64, true),
        ("code", 41, 1, true),
        ("type", 40, 136, true),
        ("next header", 6, 17, false),
        ("version", 0, 0x40, false),
        ("multicast target", 48, 0xff, true),
        ("zero-length option", 65, 0, true),
        ("option past the end", 65, 2, true),
        ("payload longer than the packet", 5, plen + 8, false),
        ("payload shorter than a solicitation", 5, 16, true),
    ];
    for (what, at, value, fix) in bad {
        let mut p = good.clone();
        p[at] = value;
        if fix {
            reseal(&mut p);
        }
        assert_eq!(solicitation(&p), None, "{what}");
    }
    let mut p = good.clone();
    p[50] ^= 1;
    assert_eq!(solicitation(&p), None, "bad checksum");
    for n in 0..good.len() {
        assert_eq!(solicitation(&good[..n]), None, "truncated to {n}");
    }
}

proptest! {
    #[test]
    fn any_bytes_are_safe_and_only_valid_ones_pass(p in proptest::collection::vec(any::<u8>(), 0..120)) {
        if let Some(s) = solicitation(&p) {
            prop_assert_eq!(p[7], 255);
            prop_assert_ne!(s.target[0], 0xff);
        }
    }
}
