// SPDX-License-Identifier: GPL-2.0
//! IPv6 neighbour solicitations for VIPs (RFC 4861, section 7.1.1).
//!
//! Every node has the VIPs on a loopback device, where the kernel does not
//! answer solicitations arriving on other devices; the module answers them
//! for the VIPs this node owns. This module decides whether a packet is a
//! valid solicitation and for which target, and to whom the answer goes.

use super::csum::{checksum, pseudo_header};
use super::icmp::IPPROTO_ICMPV6;
use super::packet::IPV6_HEADER;

/// ICMPv6 type of a neighbour solicitation.
pub const NEIGHBOUR_SOLICITATION: u8 = 135;
/// The fixed part of a solicitation: type, code, checksum, reserved, target.
const NS_LEN: usize = 24;
/// Solicitations longer than this (options included) are not looked at.
pub const NS_MAX: usize = IPV6_HEADER + 256;

/// A valid solicitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Solicitation {
    /// The address asked for.
    pub target: [u8; 16],
    /// Where the advertisement goes: the solicitor, or `None` for the
    /// all-nodes group (a solicitation from the unspecified address, i.e.
    /// duplicate address detection; the answer is then not "solicited").
    pub reply_to: Option<[u8; 16]>,
}

fn addr(b: &[u8], at: usize) -> Option<[u8; 16]> {
    b.get(at..at + 16)?.try_into().ok()
}

/// `pkt` (starting at the IPv6 header, as much of the packet as is there):
/// the solicitation it is, or `None` if it is none or fails a check of
/// RFC 4861 7.1.1 (hop limit 255, code 0, length, checksum, a unicast
/// target, an unspecified source only towards a solicited-node group and
/// without a source link-layer address option, option lengths not zero).
pub fn solicitation(pkt: &[u8]) -> Option<Solicitation> {
    if pkt.len() < IPV6_HEADER + NS_LEN || pkt[0] >> 4 != 6 || pkt[6] != IPPROTO_ICMPV6 {
        return None;
    }
    let plen = usize::from(u16::from_be_bytes([pkt[4], pkt[5]]));
    let body = pkt.get(IPV6_HEADER..IPV6_HEADER + plen)?;
    if pkt[7] != 255 || plen < NS_LEN || body[0] != NEIGHBOUR_SOLICITATION || body[1] != 0 {
        return None;
    }
    let (src, dst) = (addr(pkt, 8)?, addr(pkt, 24)?);
    let ps = pseudo_header(&src, &dst, IPPROTO_ICMPV6, plen as u32);
    if checksum(body, ps) != 0 {
        return None;
    }
    let target = addr(body, 8)?;
    if target[0] == 0xff {
        return None;
    }
    // Options: type, length in units of 8 bytes (never 0).
    let mut opts = &body[NS_LEN..];
    let mut source_lladdr = false;
    while !opts.is_empty() {
        let len = usize::from(*opts.get(1)?) * 8;
        if len == 0 || len > opts.len() {
            return None;
        }
        source_lladdr |= opts[0] == 1;
        opts = &opts[len..];
    }
    let unspecified = src == [0; 16];
    if unspecified {
        // Only towards the target's solicited-node group (ff02::1:ffXX:XXXX).
        let group = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff];
        if dst[..13] != group || dst[13..] != target[13..] || source_lladdr {
            return None;
        }
    }
    Some(Solicitation {
        target,
        reply_to: if unspecified { None } else { Some(src) },
    })
}

#[cfg(test)]
#[path = "ndisc_tests.rs"]
mod tests;
