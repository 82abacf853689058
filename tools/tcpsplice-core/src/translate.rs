// SPDX-License-Identifier: GPL-2.0
//! Translating the headers of a spliced connection's packets.
//!
//! A splice joins two TCP connections the proxy terminated: the client leg and
//! the backend leg. Each [`Leg`] records the proxy's view of its connection at
//! splice time. For each direction a [`DirMap`] is computed once; it maps every
//! field of a packet arriving on one leg into the other leg's numbering:
//!
//! * sequence numbers: the peer's next byte (`from.rcv_nxt`) becomes the byte
//!   the proxy would have sent next on the other leg (`to.snd_nxt`);
//! * acknowledgement numbers and SACK blocks (D-SACK included): the proxy's
//!   next byte on this leg (`from.snd_nxt`) becomes the peer's next byte on the
//!   other leg (`to.rcv_nxt`);
//! * TSval: the peer's latest timestamp (`from.ts.recent`) becomes the proxy's
//!   clock on the other leg (`to.ts.now`); TSecr: the inverse of the other
//!   direction's TSval map, so every echo returns to the clock it came from;
//!   an echo of a TSval the proxy itself sent before the splice (older than
//!   its clock on this leg, `from.ts.now`) becomes the other peer's latest
//!   timestamp (`to.ts.recent`), which is what the proxy would have echoed:
//!   shifted like the others it would be a value that peer never sent;
//! * the window: rescaled from the sender's scale to the receiver's;
//! * options the receiving leg did not negotiate (SACK, timestamps) are
//!   replaced by NOPs;
//! * ECN, towards a leg that did not negotiate it: the ECE and CWR flags are
//!   cleared, and so is the IP header's ECN-capable codepoint (the packet
//!   then meets congestion as a loss, as that peer expects); a packet marked
//!   Congestion Experienced is dropped (the mark cannot reach a receiver
//!   that would echo it, so it becomes the loss a router without ECN would
//!   have made: [`ip_ecn`]).
//!
//! Every change is recorded in a checksum [`Delta`](super::csum::Delta).

use super::csum::Delta;
use super::packet::{flags, Malformed, TCP_MIN_HEADER};
use super::seq::{before, rescale_window, SeqOffset};

/// Timestamp clocks of a leg that negotiated RFC 7323 timestamps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timestamps {
    /// The TSval the proxy would send now on this leg.
    pub now: u32,
    /// The latest TSval received from the peer (`ts_recent`).
    pub recent: u32,
}

/// The proxy's view of one TCP connection of a splice, taken when the splice
/// is made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Leg {
    /// Next sequence number the proxy would send (everything before it is
    /// acknowledged by the peer).
    pub snd_nxt: u32,
    /// Next sequence number expected from the peer (everything before it was
    /// received and forwarded by the proxy).
    pub rcv_nxt: u32,
    /// Timestamps, if negotiated.
    pub ts: Option<Timestamps>,
    /// SACK permitted on this leg.
    pub sack: bool,
    /// Window-scale shift the peer applies to the windows it sends.
    pub snd_wscale: u8,
    /// Window-scale shift the peer applies to windows the proxy sends.
    pub rcv_wscale: u8,
    /// RFC 3168 ECN negotiated on this leg.
    pub ecn: bool,
}

/// Two legs for tests, on the host and in KUnit: the client's numbers wrap
/// soon, and the legs differ in window scale and timestamp clocks.
pub const SAMPLE_LEGS: [Leg; 2] = [
    Leg {
        snd_nxt: 0x1000_0000,
        rcv_nxt: 0xffff_fff0,
        ts: Some(Timestamps {
            now: 5000,
            recent: 0x8000_0000,
        }),
        sack: true,
        snd_wscale: 7,
        rcv_wscale: 9,
        ecn: true,
    },
    Leg {
        snd_nxt: 0x2000_0100,
        rcv_nxt: 0x3000_0000,
        ts: Some(Timestamps {
            now: 777,
            recent: 123_456,
        }),
        sack: true,
        snd_wscale: 2,
        rcv_wscale: 0,
        ecn: true,
    },
];

/// How to translate packets that arrive on one leg and leave on the other.
/// (Two of these are in every splice entry: kept to 24 bytes, so that an
/// entry stays within its slab size.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirMap {
    seq: SeqOffset,
    ack: SeqOffset,
    /// Valid with [`DirMap::BOTH_TS`].
    tsval: SeqOffset,
    tsecr: SeqOffset,
    /// Echoes before this (the proxy's clock on the incoming leg at splice
    /// time) are of the proxy's own TSvals: see [`DirMap::echo`].
    tsecr_from: u32,
    /// `BOTH_TS`, `KEEP_TS`, `KEEP_SACK`, `KEEP_ECN`.
    has: u8,
    wnd_from: u8,
    wnd_to: u8,
}

/// What a translation did, for counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// SACK blocks translated.
    pub sack_blocks: u8,
    /// Options replaced by NOPs because the other leg did not negotiate them.
    pub stripped: u8,
    /// The option list was malformed; translation stopped where the
    /// receiver's parser would stop too, and nothing past it was touched.
    pub malformed_options: bool,
    /// The packet lacks timestamps that the outgoing leg negotiated.
    pub missing_ts: bool,
    /// ECN marks (the ECE and CWR flags, the IP header's ECN-capable
    /// codepoint) cleared for a leg without ECN.
    pub ecn_cleared: bool,
}

const OPT_EOL: u8 = 0;
const OPT_NOP: u8 = 1;
const OPT_SACK: u8 = 5;
const OPT_TS: u8 = 8;
const OPT_TS_LEN: usize = 10;

impl DirMap {
    /// Both legs negotiated timestamps (`tsval` and `tsecr` are valid).
    const BOTH_TS: u8 = 1;
    /// The receiving leg negotiated timestamps.
    const KEEP_TS: u8 = 2;
    /// The receiving leg negotiated SACK.
    const KEEP_SACK: u8 = 4;
    /// The receiving leg negotiated ECN.
    const KEEP_ECN: u8 = 8;

    /// The map for packets arriving on `from` and leaving on `to`.
    pub fn new(from: &Leg, to: &Leg) -> Self {
        let (tsval, tsecr, tsecr_from) = match (from.ts, to.ts) {
            (Some(f), Some(t)) => (
                SeqOffset::between(f.recent, t.now),
                // Inverse of the other direction's TSval map: it maps the
                // proxy's clock on `from` (`f.now`) to `t.recent`.
                SeqOffset::between(t.recent, f.now).inverse(),
                f.now,
            ),
            _ => (SeqOffset::default(), SeqOffset::default(), 0),
        };
        let flag = |on: bool, f: u8| if on { f } else { 0 };
        DirMap {
            seq: SeqOffset::between(from.rcv_nxt, to.snd_nxt),
            ack: SeqOffset::between(from.snd_nxt, to.rcv_nxt),
            tsval,
            tsecr,
            tsecr_from,
            has: flag(from.ts.is_some() && to.ts.is_some(), Self::BOTH_TS)
                | flag(to.ts.is_some(), Self::KEEP_TS)
                | flag(to.sack, Self::KEEP_SACK)
                | flag(to.ecn, Self::KEEP_ECN),
            wnd_from: from.snd_wscale,
            wnd_to: to.rcv_wscale,
        }
    }

    fn has(&self, f: u8) -> bool {
        self.has & f != 0
    }

    /// Map a timestamp echo (TSecr) of a packet with timestamps on both
    /// legs. An echo older than the proxy's clock on the incoming leg at
    /// splice time echoes a TSval of the proxy's own socket: it becomes the
    /// other peer's latest TSval (`tsecr` maps that clock to it).
    pub fn echo(&self, e: u32) -> u32 {
        self.tsecr.apply(if before(e, self.tsecr_from) {
            self.tsecr_from
        } else {
            e
        })
    }

    /// Map a sequence number.
    pub fn seq(&self, s: u32) -> u32 {
        self.seq.apply(s)
    }

    /// Map a sequence number back (the inverse of [`DirMap::seq`]).
    pub fn unseq(&self, s: u32) -> u32 {
        self.seq.unapply(s)
    }

    /// Map an acknowledgement number (or SACK block edge).
    pub fn ack(&self, a: u32) -> u32 {
        self.ack.apply(a)
    }

    /// Map an acknowledgement number back (the inverse of [`DirMap::ack`]).
    pub fn unack(&self, a: u32) -> u32 {
        self.ack.unapply(a)
    }
}

fn get32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Write a big-endian u32 at `at`, recording the change.
fn put32(b: &mut [u8], at: usize, v: u32, d: &mut Delta) {
    let new = v.to_be_bytes();
    d.replace(at, &b[at..at + 4], &new);
    b[at..at + 4].copy_from_slice(&new);
}

fn put16(b: &mut [u8], at: usize, v: u16, d: &mut Delta) {
    let new = v.to_be_bytes();
    d.replace(at, &b[at..at + 2], &new);
    b[at..at + 2].copy_from_slice(&new);
}

/// Replace `len` option bytes at `at` by NOPs.
fn nop_out(b: &mut [u8], at: usize, len: usize, d: &mut Delta) {
    for i in at..at + len {
        d.replace(i, &b[i..=i], &[OPT_NOP]);
        b[i] = OPT_NOP;
    }
}

/// Translate a TCP header in place: ports, sequence and acknowledgement
/// numbers, window, SACK blocks and timestamps. `hdr` is the whole header
/// (its length is the data offset; the caller checked it with
/// [`super::packet::tcp`]). Changes are added to `d`, with offsets counted from
/// the start of the header.
pub fn tcp(
    hdr: &mut [u8],
    map: &DirMap,
    sport: u16,
    dport: u16,
    d: &mut Delta,
) -> Result<Report, Malformed> {
    if hdr.len() < TCP_MIN_HEADER {
        return Err(Malformed::Truncated);
    }
    let hlen = usize::from(hdr[12] >> 4) * 4;
    if hlen < TCP_MIN_HEADER {
        return Err(Malformed::BadDataOffset);
    }
    if hlen > hdr.len() {
        return Err(Malformed::Truncated);
    }
    let fl = hdr[13];
    let has_ack = fl & flags::ACK != 0;
    put16(hdr, 0, sport, d);
    put16(hdr, 2, dport, d);
    put32(hdr, 4, map.seq.apply(get32(hdr, 4)), d);
    if has_ack {
        put32(hdr, 8, map.ack.apply(get32(hdr, 8)), d);
    }
    if fl & flags::SYN == 0 {
        let w = u16::from_be_bytes([hdr[14], hdr[15]]);
        put16(hdr, 14, rescale_window(w, map.wnd_from, map.wnd_to), d);
    }
    let mut r = Report::default();
    if !map.has(DirMap::KEEP_ECN) && fl & (flags::ECE | flags::CWR) != 0 {
        let plain = fl & !(flags::ECE | flags::CWR);
        d.replace(13, &hdr[13..14], &[plain]);
        hdr[13] = plain;
        r.ecn_cleared = true;
    }
    let mut saw_ts = false;
    let mut i = TCP_MIN_HEADER;
    while i < hlen {
        let kind = hdr[i];
        if kind == OPT_EOL {
            break;
        }
        if kind == OPT_NOP {
            i += 1;
            continue;
        }
        if i + 1 >= hlen {
            r.malformed_options = true;
            break;
        }
        let len = usize::from(hdr[i + 1]);
        if len < 2 || i + len > hlen {
            r.malformed_options = true;
            break;
        }
        match kind {
            OPT_SACK => {
                let blocks = (len - 2) / 8;
                if !map.has(DirMap::KEEP_SACK) || blocks == 0 || (len - 2) % 8 != 0 {
                    // Not negotiated on the other leg, or not a SACK option
                    // any receiver would accept: untranslated it would carry
                    // numbers of the wrong sequence space.
                    nop_out(hdr, i, len, d);
                    r.stripped += 1;
                } else {
                    for k in 0..blocks {
                        let at = i + 2 + 8 * k;
                        put32(hdr, at, map.ack.apply(get32(hdr, at)), d);
                        put32(hdr, at + 4, map.ack.apply(get32(hdr, at + 4)), d);
                    }
                    r.sack_blocks = r.sack_blocks.saturating_add(blocks as u8);
                }
            }
            OPT_TS => {
                saw_ts = true;
                if map.has(DirMap::BOTH_TS) && len == OPT_TS_LEN {
                    put32(hdr, i + 2, map.tsval.apply(get32(hdr, i + 2)), d);
                    if has_ack {
                        put32(hdr, i + 6, map.echo(get32(hdr, i + 6)), d);
                    }
                } else {
                    nop_out(hdr, i, len, d);
                    r.stripped += 1;
                }
            }
            _ => {}
        }
        i += len;
    }
    r.missing_ts = map.has(DirMap::KEEP_TS) && !saw_ts && fl & flags::RST == 0;
    Ok(r)
}

/// Rewrite the addresses of an IPv4 header, updating its checksum, and add the
/// change to the transport pseudo-header delta `pseudo`.
pub fn ipv4_addrs(
    ip: &mut [u8],
    src: [u8; 4],
    dst: [u8; 4],
    pseudo: &mut Delta,
) -> Result<(), Malformed> {
    if ip.len() < 20 {
        return Err(Malformed::Truncated);
    }
    let mut d = Delta::default();
    d.replace(12, &ip[12..16], &src);
    d.replace(16, &ip[16..20], &dst);
    pseudo.add(d);
    ip[12..16].copy_from_slice(&src);
    ip[16..20].copy_from_slice(&dst);
    ipv4_update_check(ip, d);
    Ok(())
}

/// Apply a change of an IPv4 header to its header checksum.
fn ipv4_update_check(ip: &mut [u8], d: Delta) {
    let check = d.apply(u16::from_be_bytes([ip[10], ip[11]]));
    ip[10..12].copy_from_slice(&check.to_be_bytes());
}

/// Set the TTL of an IPv4 header, updating its checksum.
pub fn ipv4_ttl(ip: &mut [u8], ttl: u8) -> Result<(), Malformed> {
    if ip.len() < 20 {
        return Err(Malformed::Truncated);
    }
    let mut d = Delta::default();
    d.replace(8, &ip[8..9], &[ttl]);
    ip[8] = ttl;
    ipv4_update_check(ip, d);
    Ok(())
}

/// The ECN field of an IP header (the low two bits of the IPv4 TOS byte or
/// of the IPv6 traffic class).
const ECN_MASK: u8 = 0x03;
/// Congestion Experienced.
const ECN_CE: u8 = 0x03;

/// What the IP header's ECN field asks of a packet (see [`ip_ecn`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcnVerdict {
    /// Send it on as it is.
    Keep,
    /// Send it on with its ECN-capable codepoint cleared ([`clear_ip_ecn`]).
    Clear,
    /// Drop it: marked Congestion Experienced for a leg without ECN.
    DropCe,
}

/// Where the ECN bits of an IP header are: the byte and the shift (IPv4: the
/// low two bits of the TOS byte; IPv6: the traffic class straddles bytes 0
/// and 1, its ECN bits are bits 4 and 5 of byte 1).
fn ecn_field(v6: bool) -> (usize, u8) {
    if v6 {
        (1, 4)
    } else {
        (1, 0)
    }
}

/// What to do with the ECN field of a packet leaving on `map`'s outgoing
/// leg (`ip` is its IP header; nothing is changed): towards a leg with
/// ECN it goes on as it is; towards one without, an ECN-capable codepoint
/// is cleared and a CE mark means drop.
pub fn ip_ecn(ip: &[u8], v6: bool, map: &DirMap) -> Result<EcnVerdict, Malformed> {
    if map.has(DirMap::KEEP_ECN) {
        return Ok(EcnVerdict::Keep);
    }
    let (at, shift) = ecn_field(v6);
    let b = *ip.get(at).ok_or(Malformed::Truncated)?;
    Ok(match (b >> shift) & ECN_MASK {
        0 => EcnVerdict::Keep,
        ECN_CE => EcnVerdict::DropCe,
        _ => EcnVerdict::Clear,
    })
}

/// Clear the ECN field of an IP header (IPv4: its checksum updated).
pub fn clear_ip_ecn(ip: &mut [u8], v6: bool) -> Result<(), Malformed> {
    if ip.len() < if v6 { 40 } else { 20 } {
        return Err(Malformed::Truncated);
    }
    let (at, shift) = ecn_field(v6);
    let new = ip[at] & !(ECN_MASK << shift);
    if !v6 {
        let mut d = Delta::default();
        d.replace(at, &ip[at..=at], &[new]);
        ipv4_update_check(ip, d);
    }
    ip[at] = new;
    Ok(())
}

/// Rewrite the addresses of an IPv6 header (no header checksum) and add the
/// change to `pseudo`.
pub fn ipv6_addrs(
    ip: &mut [u8],
    src: [u8; 16],
    dst: [u8; 16],
    pseudo: &mut Delta,
) -> Result<(), Malformed> {
    if ip.len() < 40 {
        return Err(Malformed::Truncated);
    }
    pseudo.replace(8, &ip[8..24], &src);
    pseudo.replace(24, &ip[24..40], &dst);
    ip[8..24].copy_from_slice(&src);
    ip[24..40].copy_from_slice(&dst);
    Ok(())
}

#[cfg(test)]
#[path = "translate_tests.rs"]
mod tests;
