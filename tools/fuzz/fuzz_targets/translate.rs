// SPDX-License-Identifier: GPL-2.0
//! Fuzz the packet path's pure logic: header parsing, and translating a
//! hostile TCP header through an arbitrary splice. Checks, beyond "no panic":
//! nothing past the data offset changes, and the incremental checksum update
//! equals a checksum recomputed from scratch.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcpsplice_core::{csum, packet, translate};

/// The Internet checksum written out plainly, independent of the core's
/// arithmetic, as the oracle.
fn reference_checksum(data: &[u8]) -> u16 {
    let mut sum: u64 = data
        .chunks(2)
        .map(|w| u64::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn u32_at(d: &[u8], i: usize) -> u32 {
    d.get(i..i + 4).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn leg(d: &[u8], at: usize) -> translate::Leg {
    let f = d.get(at).copied().unwrap_or(0);
    translate::Leg {
        snd_nxt: u32_at(d, at + 1),
        rcv_nxt: u32_at(d, at + 5),
        ts: (f & 1 != 0).then(|| translate::Timestamps { now: u32_at(d, at + 9), recent: u32_at(d, at + 13) }),
        sack: f & 2 != 0,
        snd_wscale: (f >> 2) & 15,
        rcv_wscale: d.get(at + 17).copied().unwrap_or(0) & 15,
        ecn: f & 64 != 0,
    }
}

fuzz_target!(|data: &[u8]| {
    // 36 bytes of splice parameters, then the packet.
    if data.len() < 36 {
        return;
    }
    let (params, pkt) = data.split_at(36);
    let _ = packet::ipv4(pkt);
    let _ = packet::ipv6(pkt);
    let map = translate::DirMap::new(&leg(params, 0), &leg(params, 18));
    let mut hdr = pkt.to_vec();
    let mut d = csum::Delta::default();
    if translate::tcp(&mut hdr, &map, 1234, 80, &mut d).is_ok() {
        let hlen = usize::from(pkt[12] >> 4) * 4;
        assert_eq!(&hdr[hlen..], &pkt[hlen..], "bytes past the header changed");
        let want = reference_checksum(&hdr);
        let got = d.apply(reference_checksum(pkt));
        assert!(got == want || got ^ want == 0xffff, "checksum {got:#x} != {want:#x}");
    }
});
