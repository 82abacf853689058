// SPDX-License-Identifier: GPL-2.0
//! ICMP errors about spliced connections.
//!
//! A router that cannot forward a packet the splice sent (too big for a
//! link, unreachable, TTL exceeded) reports it to the packet's source: the
//! proxy. The proxy's stack has no socket for the connection any more, so
//! the error would be lost, and with it path MTU discovery. Instead the
//! error is translated for the peer whose data the packet carried: the quoted
//! packet becomes the one that peer sent to the proxy (its addresses, ports
//! and sequence number), and the error goes to that peer from the proxy's
//! address on its leg. The MTU of "fragmentation needed" / "packet too big"
//! applies unchanged: both legs use the same IP version, so the headers are
//! the same size.

use super::conn::Side;
use super::csum::{checksum, pseudo_header};
use super::splice::{Endpoint, Family, Splice};

/// ICMPv4 types that quote the offending packet.
const ICMP_DEST_UNREACH: u8 = 3;
const ICMP_TIME_EXCEEDED: u8 = 11;
const ICMP_PARAMETERPROB: u8 = 12;
/// ICMPv6 error types (all below 128) that quote the offending packet.
const ICMPV6_ERRORS: core::ops::Range<u8> = 1..5;
/// IP protocol numbers.
pub const IPPROTO_ICMP: u8 = 1;
/// ICMPv6's next-header value.
pub const IPPROTO_ICMPV6: u8 = 58;

/// What an ICMP error quotes: a TCP segment the proxy sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quote {
    /// Offset of the ICMP header in the packet.
    pub icmp: usize,
    /// Offset of the quoted IP header.
    pub ip: usize,
    /// Offset of the quoted TCP header (at least 8 bytes of it are there).
    pub tcp: usize,
    /// Quoted source (the proxy's address and port on that leg).
    pub src: Endpoint,
    /// Quoted destination (the peer on that leg).
    pub dst: Endpoint,
}

fn endpoint(b: &[u8], addr_at: usize, n: usize, port_at: usize) -> Endpoint {
    let mut e = Endpoint::default();
    e.addr[..n].copy_from_slice(&b[addr_at..addr_at + n]);
    e.port = u16::from_be_bytes([b[port_at], b[port_at + 1]]);
    e
}

/// If `pkt` (a whole IP packet of `family`) is an ICMP error quoting a TCP
/// segment (with at least its ports and sequence number), where its parts
/// are.
pub fn quote(family: Family, pkt: &[u8]) -> Option<Quote> {
    let (icmp, ip, tcp, n) = match family {
        Family::V4 => {
            let ihl = usize::from(*pkt.first()? & 0x0f) * 4;
            if pkt.len() < 20 || pkt[0] >> 4 != 4 || ihl < 20 || pkt[9] != IPPROTO_ICMP {
                return None;
            }
            // A fragment holds only part of the message.
            if u16::from_be_bytes([pkt[6], pkt[7]]) & 0x3fff != 0 {
                return None;
            }
            let t = *pkt.get(ihl)?;
            if !matches!(
                t,
                ICMP_DEST_UNREACH | ICMP_TIME_EXCEEDED | ICMP_PARAMETERPROB
            ) {
                return None;
            }
            let ip = ihl + 8;
            let q = pkt.get(ip..)?;
            let qihl = usize::from(*q.first()? & 0x0f) * 4;
            if q.len() < 20 || q[0] >> 4 != 4 || qihl < 20 || q[9] != 6 {
                return None;
            }
            (ihl, ip, ip + qihl, 4)
        }
        Family::V6 => {
            if pkt.len() < 40 || pkt[0] >> 4 != 6 || pkt[6] != IPPROTO_ICMPV6 {
                return None;
            }
            if !ICMPV6_ERRORS.contains(pkt.get(40)?) {
                return None;
            }
            let ip = 48;
            let q = pkt.get(ip..)?;
            if q.len() < 40 || q[0] >> 4 != 6 || q[6] != 6 {
                return None;
            }
            (40, ip, ip + 40, 16)
        }
    };
    if pkt.len() < tcp + 8 {
        return None;
    }
    let (s, d) = match family {
        Family::V4 => (ip + 12, ip + 16),
        Family::V6 => (ip + 8, ip + 24),
    };
    Some(Quote {
        icmp,
        ip,
        tcp,
        src: endpoint(pkt, s, n, tcp),
        dst: endpoint(pkt, d, n, tcp + 2),
    })
}

/// Rewrite an ICMP error about a packet the splice sent on `leg` into the
/// error the peer on the other leg needs, in place; `q` is what [`quote`]
/// found in `pkt`. Checksums are recomputed (the message is small).
pub fn translate(splice: &Splice, leg: Side, pkt: &mut [u8], q: &Quote) {
    let from = leg.other();
    let t = splice.tuple(from);
    let family = splice.family();
    let n = family.addr_len();
    // The quoted segment, as the peer sent it to the proxy.
    let seq = u32::from_be_bytes([
        pkt[q.tcp + 4],
        pkt[q.tcp + 5],
        pkt[q.tcp + 6],
        pkt[q.tcp + 7],
    ]);
    let seq = splice.unmap_seq(from, seq);
    pkt[q.tcp..q.tcp + 2].copy_from_slice(&t.remote.port.to_be_bytes());
    pkt[q.tcp + 2..q.tcp + 4].copy_from_slice(&t.local.port.to_be_bytes());
    pkt[q.tcp + 4..q.tcp + 8].copy_from_slice(&seq.to_be_bytes());
    let (qs, qd, os, od) = match family {
        Family::V4 => (q.ip + 12, q.ip + 16, 12, 16),
        Family::V6 => (q.ip + 8, q.ip + 24, 8, 24),
    };
    pkt[qs..qs + n].copy_from_slice(&t.remote.addr[..n]);
    pkt[qd..qd + n].copy_from_slice(&t.local.addr[..n]);
    // The error itself, from the proxy to the peer.
    pkt[os..os + n].copy_from_slice(&t.local.addr[..n]);
    pkt[od..od + n].copy_from_slice(&t.remote.addr[..n]);
    let at = q.icmp + 2;
    pkt[at..at + 2].copy_from_slice(&[0, 0]);
    match family {
        Family::V4 => {
            let qihl = q.tcp - q.ip;
            pkt[q.ip + 10..q.ip + 12].copy_from_slice(&[0, 0]);
            let c = checksum(&pkt[q.ip..q.ip + qihl], 0);
            pkt[q.ip + 10..q.ip + 12].copy_from_slice(&c.to_be_bytes());
            let c = checksum(&pkt[q.icmp..], 0);
            pkt[at..at + 2].copy_from_slice(&c.to_be_bytes());
            pkt[10..12].copy_from_slice(&[0, 0]);
            let c = checksum(&pkt[..q.icmp], 0);
            pkt[10..12].copy_from_slice(&c.to_be_bytes());
        }
        Family::V6 => {
            let len = (pkt.len() - q.icmp) as u32;
            let ps = pseudo_header(&t.local.addr, &t.remote.addr, IPPROTO_ICMPV6, len);
            let c = checksum(&pkt[q.icmp..], ps);
            pkt[at..at + 2].copy_from_slice(&c.to_be_bytes());
        }
    }
}

#[cfg(test)]
#[path = "icmp_tests.rs"]
pub(crate) mod tests;
