// SPDX-License-Identifier: GPL-2.0
//! Tests of `translate`: exact values, stripping, hostile option lists, and
//! the property that a stream translated through a splice comes back exact.
use super::*;
use crate::csum::{checksum, pseudo_header};
use proptest::prelude::*;
use std::{vec, vec::Vec};

const CLIENT: Leg = SAMPLE_LEGS[0];
const BACKEND: Leg = SAMPLE_LEGS[1];

/// A TCP header with the given flags and options (padded with NOPs).
fn header(seq: u32, ack: u32, fl: u8, wnd: u16, opts: &[u8]) -> Vec<u8> {
    let mut o = opts.to_vec();
    while !o.len().is_multiple_of(4) {
        o.push(OPT_NOP);
    }
    let mut h = Vec::new();
    h.extend_from_slice(&40000u16.to_be_bytes());
    h.extend_from_slice(&80u16.to_be_bytes());
    h.extend_from_slice(&seq.to_be_bytes());
    h.extend_from_slice(&ack.to_be_bytes());
    h.push((((20 + o.len()) / 4) as u8) << 4);
    h.push(fl);
    h.extend_from_slice(&wnd.to_be_bytes());
    h.extend_from_slice(&[0, 0, 0, 0]);
    h.extend_from_slice(&o);
    h
}

fn ts_opt(val: u32, ecr: u32) -> Vec<u8> {
    let mut o = vec![OPT_NOP, OPT_NOP, OPT_TS, 10];
    o.extend_from_slice(&val.to_be_bytes());
    o.extend_from_slice(&ecr.to_be_bytes());
    o
}

fn sack_opt(blocks: &[(u32, u32)]) -> Vec<u8> {
    let mut o = vec![OPT_NOP, OPT_NOP, OPT_SACK, (2 + 8 * blocks.len()) as u8];
    for (l, r) in blocks {
        o.extend_from_slice(&l.to_be_bytes());
        o.extend_from_slice(&r.to_be_bytes());
    }
    o
}

fn be32(b: &[u8], at: usize) -> u32 {
    get32(b, at)
}

#[test]
fn translates_every_field() {
    let map = DirMap::new(&CLIENT, &BACKEND);
    let mut opts = ts_opt(0x8000_0010, 5003);
    opts.extend(sack_opt(&[(0x1000_0100, 0x1000_0200)]));
    let mut h = header(0xffff_fff0, 0x1000_0050, flags::ACK, 1000, &opts);
    let mut d = Delta::default();
    let r = tcp(&mut h, &map, 33333, 8080, &mut d).unwrap();
    assert_eq!(
        r,
        Report {
            sack_blocks: 1,
            ..Report::default()
        }
    );
    assert_eq!(u16::from_be_bytes([h[0], h[1]]), 33333);
    assert_eq!(u16::from_be_bytes([h[2], h[3]]), 8080);
    // The client's next byte is the proxy's next byte to the backend.
    assert_eq!(be32(&h, 4), BACKEND.snd_nxt);
    // An ack of proxy bytes on the client leg acks backend bytes.
    assert_eq!(be32(&h, 8), BACKEND.rcv_nxt + 0x50);
    // Window: 1000 << 7 bytes, read by the backend with shift 0: saturates.
    assert_eq!(u16::from_be_bytes([h[14], h[15]]), u16::MAX);
    // TSval moves onto the proxy's backend-leg clock; TSecr back to the
    // backend's own clock.
    assert_eq!(be32(&h, 24), 777 + 0x10);
    assert_eq!(be32(&h, 28), 123_456 + 3);
    assert_eq!(be32(&h, 36), BACKEND.rcv_nxt + 0x100);
    assert_eq!(be32(&h, 40), BACKEND.rcv_nxt + 0x200);
}

/// A peer that echoes a TSval the proxy itself sent before the splice
/// (older than the proxy's clock on that leg) gets the other peer's latest
/// timestamp echoed, as the proxy would have: shifted like a translated
/// echo it would be a value the other peer never sent (wrong RTT samples,
/// a spurious-retransmission check against a made-up time).
#[test]
fn an_echo_of_the_proxys_own_timestamp_becomes_the_other_peers_latest() {
    let c = CLIENT.ts.unwrap();
    let b = BACKEND.ts.unwrap();
    // The TSecr a client segment with `echo` carries to the backend.
    let echoed = |client: &Leg, echo: u32| {
        let map = DirMap::new(client, &BACKEND);
        let opts = ts_opt(c.recent, echo);
        let mut h = header(0xffff_fff0, 0x1000_0000, flags::ACK, 10, &opts);
        tcp(&mut h, &map, 1, 2, &mut Delta::default()).unwrap();
        be32(&h, 28)
    };
    for (echo, want) in [
        (c.now - 10, b.recent),
        (c.now - 1, b.recent),
        (c.now, b.recent),
        (c.now + 1, b.recent + 1),
        (c.now + 70_000, b.recent + 70_000),
    ] {
        assert_eq!(echoed(&CLIENT, echo), want, "echo {echo}");
    }
    // Across the wrap of the proxy's clock on the client leg.
    let wrapped = Leg {
        ts: Some(Timestamps {
            now: 5,
            recent: c.recent,
        }),
        ..CLIENT
    };
    for (echo, want) in [(u32::MAX - 3, b.recent), (5, b.recent), (6, b.recent + 1)] {
        assert_eq!(echoed(&wrapped, echo), want, "echo {echo} after the wrap");
    }
}

#[test]
fn strips_what_the_other_leg_did_not_negotiate() {
    let plain = Leg {
        ts: None,
        sack: false,
        ..BACKEND
    };
    let map = DirMap::new(&CLIENT, &plain);
    let mut opts = ts_opt(1, 2);
    opts.extend(sack_opt(&[(1, 2), (3, 4)]));
    let mut h = header(0, 0, flags::ACK, 10, &opts);
    let mut d = Delta::default();
    let r = tcp(&mut h, &map, 1, 2, &mut d).unwrap();
    assert_eq!(r.stripped, 2);
    assert!(h[20..].iter().all(|&b| b == OPT_NOP));
    // And the other way a missing timestamp is reported.
    let map = DirMap::new(&plain, &CLIENT);
    let mut h = header(0, 0, flags::ACK, 10, &[]);
    assert!(
        tcp(&mut h, &map, 1, 2, &mut Delta::default())
            .unwrap()
            .missing_ts
    );
}

#[test]
fn malformed_option_lists_stop_the_walk() {
    let map = DirMap::new(&CLIENT, &BACKEND);
    // Zero length, a length past the header, a lone kind byte at the end.
    for bad in [
        &[OPT_SACK, 0][..],
        &[OPT_TS, 40],
        &[OPT_NOP, OPT_NOP, OPT_NOP, OPT_SACK],
    ] {
        let mut h = header(1, 1, flags::ACK, 1, bad);
        let tail: Vec<u8> = h[20..].to_vec();
        let r = tcp(&mut h, &map, 1, 2, &mut Delta::default()).unwrap();
        assert!(r.malformed_options, "{bad:?}");
        assert_eq!(
            &h[20..],
            &tail[..],
            "bytes after a malformed option changed"
        );
    }
    // A SACK option of a length no receiver accepts is removed, not
    // forwarded with untranslated numbers.
    let mut h = header(1, 1, flags::ACK, 1, &[OPT_SACK, 7, 1, 2, 3, 4, 5]);
    let r = tcp(&mut h, &map, 1, 2, &mut Delta::default()).unwrap();
    assert_eq!(r.stripped, 1);
    assert!(h[20..27].iter().all(|&b| b == OPT_NOP));
    // A data offset past the buffer is refused before anything is written.
    let mut h = header(1, 1, flags::ACK, 1, &[]);
    h[12] = 0xf0;
    let before = h.clone();
    assert_eq!(
        tcp(&mut h, &map, 1, 2, &mut Delta::default()),
        Err(Malformed::Truncated)
    );
    assert_eq!(h, before);
}

/// A segment with a correct checksum over pseudo-header, header and payload.
fn segment(src: [u8; 4], dst: [u8; 4], mut hdr: Vec<u8>, payload: &[u8]) -> Vec<u8> {
    hdr.extend_from_slice(payload);
    let c = checksum(&hdr, pseudo_header(&src, &dst, 6, hdr.len() as u32));
    hdr[16..18].copy_from_slice(&c.to_be_bytes());
    hdr
}

fn arb_leg() -> impl Strategy<Value = Leg> {
    (
        any::<u32>(),
        any::<u32>(),
        proptest::option::of((any::<u32>(), any::<u32>())),
        any::<bool>(),
        0u8..=14,
        0u8..=14,
        any::<bool>(),
    )
        .prop_map(|(s, r, ts, sack, sw, rw, ecn)| Leg {
            snd_nxt: s,
            rcv_nxt: r,
            ts: ts.map(|(now, recent)| Timestamps { now, recent }),
            sack,
            snd_wscale: sw,
            rcv_wscale: rw,
            ecn,
        })
}

proptest! {
    /// A client segment goes to the backend; the backend's acknowledgement of
    /// it (with SACK and the timestamp echo) comes back: the client sees
    /// exactly its own numbers, and every checksum stays right.
    #[test]
    fn round_trip_is_exact(
        c in arb_leg(), b in arb_leg(),
        off in 0u32..100_000, len in 0u32..3000, tsv_off in 0u32..100_000,
        payload in proptest::collection::vec(any::<u8>(), 0..64),
        partial in any::<bool>(),
    ) {
        let both_ts = c.ts.is_some() && b.ts.is_some();
        let c2s = DirMap::new(&c, &b);
        let s2c = DirMap::new(&b, &c);
        let cseq = c.rcv_nxt.wrapping_add(off);
        let ctsval = c.ts.map_or(0, |t| t.recent.wrapping_add(tsv_off));
        let opts = if c.ts.is_some() { ts_opt(ctsval, 1) } else { Vec::new() };
        let (cip, vip, pip, bip) = ([198, 51, 100, 11], [192, 0, 2, 100], [203, 0, 113, 11], [203, 0, 113, 21]);

        let mut seg = segment(cip, vip, header(cseq, c.snd_nxt, flags::ACK, 100, &opts), &payload);
        let hlen = usize::from(seg[12] >> 4) * 4;
        let mut d = Delta::default();
        tcp(&mut seg[..hlen], &c2s, 40001, 8080, &mut d).unwrap();
        // The proxy's addresses replace the client's and the VIP.
        let mut pseudo = Delta::default();
        pseudo.replace(0, &cip, &pip);
        pseudo.replace(4, &vip, &bip);
        let want = checksum(&{ let mut z = seg.clone(); z[16] = 0; z[17] = 0; z }, pseudo_header(&pip, &bip, 6, seg.len() as u32));
        if partial {
            // CHECKSUM_PARTIAL: the field holds the pseudo sum only, so the
            // header edits must not touch it.
            let field = !checksum(&[], pseudo_header(&cip, &vip, 6, seg.len() as u32));
            let got = pseudo.apply_partial(field);
            let want = !checksum(&[], pseudo_header(&pip, &bip, 6, seg.len() as u32));
            prop_assert!(got == want || got ^ want == 0xffff);
        } else {
            d.add(pseudo);
            let got = d.apply(u16::from_be_bytes([seg[16], seg[17]]));
            prop_assert!(got == want || got ^ want == 0xffff, "checksum {:#x} != {:#x}", got, want);
        }

        let bseq = get32(&seg, 4);
        prop_assert_eq!(bseq, b.snd_nxt.wrapping_add(off));
        // The backend acknowledges and SACKs what it got, echoing the TSval.
        let back_ts = if both_ts { Some(get32(&seg, 24)) } else { None };
        if c.ts.is_some() && b.ts.is_none() {
            // Stripped: the backend leg never negotiated timestamps.
            prop_assert!(seg[20..hlen].iter().all(|&x| x == OPT_NOP));
        }
        let mut ropts = sack_opt(&[(bseq, bseq.wrapping_add(len))]);
        if let Some(b_ts) = b.ts {
            ropts.extend(ts_opt(b_ts.recent, back_ts.unwrap_or(0)));
        }
        let mut reply = header(b.rcv_nxt, bseq.wrapping_add(len), flags::ACK, 50, &ropts);
        let r = tcp(&mut reply, &s2c, 8080, 40001, &mut Delta::default()).unwrap();
        prop_assert_eq!(get32(&reply, 8), cseq.wrapping_add(len));
        prop_assert_eq!(get32(&reply, 4), c.snd_nxt);
        if c.sack {
            // Kept whenever the receiving (client) leg negotiated SACK.
            prop_assert_eq!(r.sack_blocks, 1);
            prop_assert_eq!(get32(&reply, 24), cseq);
            prop_assert_eq!(get32(&reply, 28), cseq.wrapping_add(len));
        } else {
            prop_assert_eq!(r.sack_blocks, 0);
        }
        if both_ts {
            // The client's own TSval comes back as the echo; the backend's
            // clock continues the proxy's client-leg clock.
            prop_assert_eq!(get32(&reply, 40), ctsval);
            prop_assert_eq!(get32(&reply, 36), c.ts.unwrap().now);
        }
    }

    /// Garbage never panics, never touches bytes past the data offset, and
    /// every change it makes is in the checksum delta.
    #[test]
    fn hostile_headers_are_safe(mut h in proptest::collection::vec(any::<u8>(), 0..80), c in arb_leg(), b in arb_leg()) {
        let map = DirMap::new(&c, &b);
        let before = h.clone();
        let mut d = Delta::default();
        match tcp(&mut h, &map, 1, 2, &mut d) {
            Err(_) => prop_assert_eq!(&h, &before),
            Ok(_) => {
                let hlen = usize::from(before[12] >> 4) * 4;
                prop_assert_eq!(&h[hlen..], &before[hlen..]);
                let want = checksum(&h, 0);
                let got = d.apply(checksum(&before, 0));
                prop_assert!(got == want || got ^ want == 0xffff);
            }
        }
    }
}

#[test]
fn ip_headers() {
    let mut ip = [
        0x45u8, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 198, 51, 100, 11, 192, 0, 2, 100,
    ];
    let c = checksum(&ip, 0);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    let mut pseudo = Delta::default();
    ipv4_addrs(&mut ip, [203, 0, 113, 11], [203, 0, 113, 21], &mut pseudo).unwrap();
    ipv4_ttl(&mut ip, 63).unwrap();
    assert_eq!(checksum(&ip, 0), 0, "IPv4 header checksum must verify");
    assert!(!pseudo.is_zero());
    let mut ip6 = [0u8; 40];
    let mut p6 = Delta::default();
    ipv6_addrs(&mut ip6, [1; 16], [2; 16], &mut p6).unwrap();
    assert_eq!(&ip6[8..24], &[1; 16]);
    assert_eq!(&ip6[24..40], &[2; 16]);
    assert!(ipv4_addrs(&mut [0u8; 19], [0; 4], [0; 4], &mut p6).is_err());
}
