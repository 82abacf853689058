// SPDX-License-Identifier: GPL-2.0
//! Fuzz whole packets through a splice: `Splice::packet` on a hostile IP +
//! TCP packet, and the ICMP error path (`icmp::quote`, `icmp::translate`) on
//! a hostile ICMP message. Checks, beyond "no panic": a packet whose TCP
//! checksum was right is still right after translation (full-checksum mode),
//! and so is an IPv4 header checksum (addresses, ECN field),
//! a dropped or refused packet is left untouched, and a translated ICMP
//! error's checksum verifies.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcpsplice_core::conn::{Action, Side};
use tcpsplice_core::csum::{checksum, pseudo_header};
use tcpsplice_core::splice::{Endpoint, Family, Splice, Tuple};
use tcpsplice_core::{icmp, translate};

fn u32_at(d: &[u8], i: usize) -> u32 {
    d.get(i..i + 4).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn ep(d: &[u8], at: usize, port: u16) -> Endpoint {
    let mut addr = [0u8; 16];
    for (i, a) in addr.iter_mut().enumerate() {
        *a = d.get(at + i).copied().unwrap_or(i as u8);
    }
    Endpoint { addr, port }
}

fuzz_target!(|data: &[u8]| {
    // 8 bytes of parameters, then the packet.
    if data.len() < 8 {
        return;
    }
    let (p, pkt) = data.split_at(8);
    let family = if p[0] & 1 == 0 { Family::V4 } else { Family::V6 };
    let n = family.addr_len();
    let mut legs = translate::SAMPLE_LEGS;
    legs[0].rcv_nxt = u32_at(p, 1);
    legs[1].snd_wscale = p[5] & 15;
    legs[0].sack = p[6] & 1 != 0;
    legs[1].ts = if p[6] & 2 != 0 { None } else { legs[1].ts };
    legs[0].ecn = p[6] & 4 == 0;
    legs[1].ecn = p[6] & 8 == 0;
    let mut tuples = [Tuple::default(); 2];
    for (i, t) in tuples.iter_mut().enumerate() {
        t.local = ep(pkt, 12 + 4 * i, 80 + i as u16);
        t.remote = ep(pkt, 16 + 4 * i, 4000 + i as u16);
        if family == Family::V4 {
            t.local.addr[4..].fill(0);
            t.remote.addr[4..].fill(0);
        }
    }
    let s = Splice::new(family, tuples, legs);
    let from = if p[7] & 1 == 0 { Side::Client } else { Side::Backend };

    // The TCP path.
    let l4 = match family {
        Family::V4 => 20,
        Family::V6 => 40,
    };
    let mut buf = pkt.to_vec();
    let (src_at, dst_at) = match family {
        Family::V4 => (12, 16),
        Family::V6 => (8, 24),
    };
    let valid_before = buf.len() > l4 + 20 && {
        let ps = pseudo_header(&buf[src_at..src_at + n], &buf[dst_at..dst_at + n], 6, (buf.len() - l4) as u32);
        checksum(&buf[l4..], ps) == 0
    };
    // (a real IPv4 header of 20 bytes: its words never sum to +0, the one
    // value an incremental update may not reproduce)
    let ip_valid_before = family == Family::V4 && buf.len() >= 20 && buf[0] == 0x45 && checksum(&buf[..20], 0) == 0;
    let before = buf.clone();
    let len = buf.len();
    let mut tracker = s.tracker([u32_at(p, 1), 65535]);
    match s.packet(from, &mut buf, l4, len, false, &mut tracker) {
        Ok(o) if o.action == Action::Forward => {
            if valid_before {
                let ps = pseudo_header(&buf[src_at..src_at + n], &buf[dst_at..dst_at + n], 6, (buf.len() - l4) as u32);
                assert_eq!(checksum(&buf[l4..], ps), 0, "a right checksum went wrong");
            }
            if ip_valid_before {
                assert_eq!(checksum(&buf[..20], 0), 0, "a right IPv4 header checksum went wrong");
            }
        }
        Ok(_) | Err(_) => assert_eq!(buf, before, "a dropped or refused packet was modified"),
    }

    // The ICMP path.
    let mut buf = pkt.to_vec();
    if let Some(q) = icmp::quote(family, &buf) {
        icmp::translate(&s, from, &mut buf, &q);
        match family {
            Family::V4 => {
                assert_eq!(checksum(&buf[q.icmp..], 0), 0);
                assert_eq!(checksum(&buf[..q.icmp], 0), 0);
            }
            Family::V6 => {
                let ps = pseudo_header(&buf[8..24], &buf[24..40], icmp::IPPROTO_ICMPV6, (buf.len() - q.icmp) as u32);
                assert_eq!(checksum(&buf[q.icmp..], ps), 0);
            }
        }
    }
});
