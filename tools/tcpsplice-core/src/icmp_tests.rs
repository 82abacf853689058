// SPDX-License-Identifier: GPL-2.0
//! Tests of `icmp`: errors about the backend leg become errors for the client
//! (and back), with every checksum verified from scratch.
use super::*;
use crate::splice::tests::ep;
use crate::translate::{Leg, SAMPLE_LEGS};
use std::{vec, vec::Vec};

const CLIENT_LEG: Leg = SAMPLE_LEGS[0];
const BACKEND_LEG: Leg = SAMPLE_LEGS[1];

fn addrs(family: Family) -> [Vec<u8>; 5] {
    match family {
        Family::V4 => [
            vec![198, 51, 100, 7],
            vec![192, 0, 2, 100],
            vec![203, 0, 113, 11],
            vec![203, 0, 113, 21],
            vec![203, 0, 113, 1],
        ],
        Family::V6 => {
            let a = |x: u8, y: u8| {
                let mut v = vec![0x20, 1, 0xd, 0xb8, 0, x];
                v.extend_from_slice(&[0; 9]);
                v.push(y);
                v
            };
            [a(0xc, 7), a(1, 0x64), a(0xb, 0x11), a(0xb, 0x21), a(0xb, 1)]
        }
    }
}

/// The sample splice of these tests (and the nudge's): client 198.51.100.7
/// (or 2001:db8:c::7) to the VIP, the proxy to backend 203.0.113.21.
pub(crate) fn splice(family: Family) -> Splice {
    let [c, v, p, b, _] = addrs(family);
    Splice::new(
        family,
        [
            crate::splice::Tuple {
                local: ep(&v, 80),
                remote: ep(&c, 40001),
            },
            crate::splice::Tuple {
                local: ep(&p, 50123),
                remote: ep(&b, 8080),
            },
        ],
        [CLIENT_LEG, BACKEND_LEG],
    )
}

/// A "too big" error from a router about a 1500-byte segment the proxy sent
/// to the backend with sequence number `seq`.
fn too_big(family: Family, seq: u32) -> Vec<u8> {
    let [_, _, p, b, r] = addrs(family);
    let mut quoted_tcp = Vec::new();
    quoted_tcp.extend_from_slice(&50123u16.to_be_bytes());
    quoted_tcp.extend_from_slice(&8080u16.to_be_bytes());
    quoted_tcp.extend_from_slice(&seq.to_be_bytes());
    quoted_tcp.extend_from_slice(&[0; 12]);
    let mut pkt = Vec::new();
    match family {
        Family::V4 => {
            let mut quoted_ip = vec![0x45, 0, 0x05, 0xdc, 0, 0, 0x40, 0, 64, 6, 0, 0];
            quoted_ip.extend_from_slice(&p);
            quoted_ip.extend_from_slice(&b);
            let c = checksum(&quoted_ip, 0);
            quoted_ip[10..12].copy_from_slice(&c.to_be_bytes());
            let mut icmp = vec![3, 4, 0, 0, 0, 0, 0x05, 0x00]; // MTU 1280
            icmp.extend_from_slice(&quoted_ip);
            icmp.extend_from_slice(&quoted_tcp);
            let c = checksum(&icmp, 0);
            icmp[2..4].copy_from_slice(&c.to_be_bytes());
            let total = (20 + icmp.len()) as u16;
            pkt.extend_from_slice(&[0x45, 0xc0]);
            pkt.extend_from_slice(&total.to_be_bytes());
            pkt.extend_from_slice(&[0, 0, 0, 0, 64, 1, 0, 0]);
            pkt.extend_from_slice(&r);
            pkt.extend_from_slice(&p);
            let c = checksum(&pkt, 0);
            pkt[10..12].copy_from_slice(&c.to_be_bytes());
            pkt.extend_from_slice(&icmp);
        }
        Family::V6 => {
            let mut quoted_ip = vec![0x60, 0, 0, 0, 0x05, 0xa0, 6, 64];
            quoted_ip.extend_from_slice(&p);
            quoted_ip.extend_from_slice(&b);
            let mut icmp = vec![2, 0, 0, 0, 0, 0, 0x05, 0x00];
            icmp.extend_from_slice(&quoted_ip);
            icmp.extend_from_slice(&quoted_tcp);
            let c = checksum(
                &icmp,
                pseudo_header(&r, &p, IPPROTO_ICMPV6, icmp.len() as u32),
            );
            icmp[2..4].copy_from_slice(&c.to_be_bytes());
            pkt.extend_from_slice(&[0x60, 0, 0, 0]);
            pkt.extend_from_slice(&(icmp.len() as u16).to_be_bytes());
            pkt.extend_from_slice(&[IPPROTO_ICMPV6, 64]);
            pkt.extend_from_slice(&r);
            pkt.extend_from_slice(&p);
            pkt.extend_from_slice(&icmp);
        }
    }
    pkt
}

fn run(family: Family) {
    let s = splice(family);
    let [c, v, p, b, _] = addrs(family);
    let n = family.addr_len();
    // The proxy sent backend byte X = the client's byte X - offset.
    let seq = BACKEND_LEG.snd_nxt.wrapping_add(5000);
    let mut pkt = too_big(family, seq);
    let q = quote(family, &pkt).expect("an ICMP error quoting TCP");
    assert_eq!(&q.src.addr[..n], &p[..]);
    assert_eq!((q.src.port, q.dst.port), (50123, 8080));
    assert_eq!(&q.dst.addr[..n], &b[..]);
    translate(&s, Side::Backend, &mut pkt, &q);
    let (os, od, qs, qd) = match family {
        Family::V4 => (12, 16, q.ip + 12, q.ip + 16),
        Family::V6 => (8, 24, q.ip + 8, q.ip + 24),
    };
    assert_eq!(&pkt[os..os + n], &v[..], "from the VIP");
    assert_eq!(&pkt[od..od + n], &c[..], "to the client");
    assert_eq!(&pkt[qs..qs + n], &c[..], "quoting the client's packet");
    assert_eq!(&pkt[qd..qd + n], &v[..]);
    let t = q.tcp;
    assert_eq!(u16::from_be_bytes([pkt[t], pkt[t + 1]]), 40001);
    assert_eq!(u16::from_be_bytes([pkt[t + 2], pkt[t + 3]]), 80);
    let got = u32::from_be_bytes([pkt[t + 4], pkt[t + 5], pkt[t + 6], pkt[t + 7]]);
    assert_eq!(got, CLIENT_LEG.rcv_nxt.wrapping_add(5000));
    assert_eq!(
        u16::from_be_bytes([pkt[q.icmp + 6], pkt[q.icmp + 7]]),
        1280,
        "MTU kept"
    );
    match family {
        Family::V4 => {
            assert_eq!(checksum(&pkt[..20], 0), 0, "outer header");
            assert_eq!(checksum(&pkt[q.ip..q.tcp], 0), 0, "quoted header");
            assert_eq!(checksum(&pkt[q.icmp..], 0), 0, "ICMP");
        }
        Family::V6 => {
            let ps = pseudo_header(&v, &c, IPPROTO_ICMPV6, (pkt.len() - 40) as u32);
            assert_eq!(checksum(&pkt[q.icmp..], ps), 0, "ICMPv6");
        }
    }
}

#[test]
fn ipv4_frag_needed_goes_to_the_client() {
    run(Family::V4);
}

#[test]
fn ipv6_packet_too_big_goes_to_the_client() {
    run(Family::V6);
}

#[test]
fn other_icmp_and_short_quotes_are_not_errors_about_tcp() {
    let mut p = too_big(Family::V4, 1);
    // Outer 20 + ICMP 8 + quoted IP 20 + 7 bytes: the sequence number is cut.
    assert!(quote(Family::V4, &p[..55]).is_none());
    assert!(quote(Family::V4, &p[..56]).is_some());
    p[6] = 0x20; // more fragments
    assert!(quote(Family::V4, &p).is_none());
    p[6] = 0;
    p[20] = 8; // echo request
    assert!(quote(Family::V4, &p).is_none());
    let mut p = too_big(Family::V6, 1);
    p[40] = 128; // echo request
    assert!(quote(Family::V6, &p).is_none());
    assert!(quote(Family::V6, &p[..30]).is_none());
    assert!(quote(Family::V4, &[0x45]).is_none());
}
