// SPDX-License-Identifier: GPL-2.0
//! Splicing with bytes in flight: the proxy's socket keeps what it sent.
//!
//! A splice can be made while a peer has not yet acknowledged everything the
//! proxy sent it (`capture::in_flight`). The proxy's socket on that leg is
//! then *handed over* instead of retired at once: it stays, in repair mode,
//! and retransmits those bytes with its own timers and loss recovery until
//! the peer acknowledges them. The other peer's data is translated to follow
//! them (the leg's `snd_nxt` is the end of what the socket sent).
//!
//! Every packet from that peer is still translated and forwarded to the
//! other peer; while its bytes are in flight the socket also gets a copy of
//! the packet made into a pure acknowledgement ([`local_ack`]): the peer's
//! ACK, SACK blocks, window and timestamps, with the payload, FIN and PSH
//! taken off, at the socket's own `rcv_nxt`, and the acknowledgement
//! clamped to what the socket sent. That is what stops its retransmissions
//! and drives its fast retransmit.
//!
//! The socket's own segments leave through LOCAL_OUT: only its data
//! (retransmissions) passes, with the acknowledgement number clamped to the
//! leg's `rcv_nxt` at splice time ([`clamp_ack`]): a segment that reached the
//! socket's backlog while the splice was being made was never forwarded, so
//! the socket must not acknowledge it to its peer (which would then never
//! send it again). Its FIN passes too if it was queued when the splice was
//! made (the other peer had closed: `capture::fins_to_send`), that is if it
//! ends at the leg's `snd_nxt`. Pure ACKs, resets and any other FIN (a
//! proxy's late shutdown() would put one where the other peer's data goes)
//! are dropped.

use super::csum::{self, Delta};
use super::packet::{flags, Malformed, TcpHeader, IPPROTO_TCP, IPV4_MIN_HEADER, IPV6_HEADER};
use super::seq::{after, before};
use super::splice::Family;

/// What the handed-over socket has sent, as it stands: `snd_una` and
/// `snd_nxt`, and the next byte it expects (`rcv_nxt`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Socket {
    /// Oldest byte not acknowledged.
    pub snd_una: u32,
    /// Next byte it would send.
    pub snd_nxt: u32,
    /// Next byte it expects.
    pub rcv_nxt: u32,
}

/// Whether the TCP options `opts` hold SACK blocks, all of them outside
/// `[from, to)`.
fn sacks_only_beyond(opts: &[u8], from: u32, to: u32) -> bool {
    let mut any = false;
    let mut i = 0;
    while i < opts.len() {
        match opts[i] {
            0 => break,
            1 => i += 1,
            kind => {
                let Some(&len) = opts.get(i + 1) else {
                    break;
                };
                let len = usize::from(len);
                if len < 2 || i + len > opts.len() {
                    break;
                }
                if kind == 5 {
                    for b in opts[i + 2..i + len].chunks_exact(8) {
                        let left = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
                        let right = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
                        if before(left, to) && after(right, from) {
                            return false;
                        }
                        any = true;
                    }
                }
                i += len;
            }
        }
    }
    any
}

/// Make the segment in `pkt` (network header first, TCP header at `l4`,
/// parsed as `th`) into a pure acknowledgement for the proxy's socket `sk`:
/// sequence number its `rcv_nxt`, the acknowledgement clamped to its
/// `snd_nxt`, FIN, PSH and URG cleared, the payload cut off, and both
/// checksums computed afresh. The caller has verified the packet's checksum
/// and trims it to the length returned.
///
/// `None` for a segment the socket must not see: a SYN or RST, and a
/// duplicate acknowledgement about the other peer's data (no progress, and
/// SACK blocks all beyond the socket's bytes). The peer sends those when
/// the other peer's data, forwarded, arrives ahead of the socket's (out of
/// order, from the peer's view): counted by the socket, they would make it
/// retransmit and shrink its window for nothing. A window update (no
/// progress, no SACK block) is the socket's: it may wait for one to send
/// what it still holds.
pub fn local_ack(
    pkt: &mut [u8],
    family: Family,
    l4: usize,
    th: &TcpHeader,
    sk: Socket,
) -> Result<Option<usize>, Malformed> {
    if th.flags & (flags::SYN | flags::RST) != 0 || th.flags & flags::ACK == 0 {
        return Ok(None);
    }
    let (seq, max_ack) = (sk.rcv_nxt, sk.snd_nxt);
    let hdr = pkt
        .get(l4..l4.saturating_add(th.header_len))
        .ok_or(Malformed::Truncated)?;
    let opts = hdr.get(20..).ok_or(Malformed::Truncated)?;
    if !after(th.ack, sk.snd_una) && sacks_only_beyond(opts, sk.snd_una, sk.snd_nxt) {
        return Ok(None);
    }
    let end = l4.checked_add(th.header_len).ok_or(Malformed::Truncated)?;
    if end > pkt.len() || end > 0xffff {
        return Err(Malformed::Truncated);
    }
    let ack = if after(th.ack, max_ack) {
        max_ack
    } else {
        th.ack
    };
    let tcp_len = (end - l4) as u32;
    let pseudo = {
        let (ip, tcp) = pkt.split_at_mut(l4);
        let t = &mut tcp[..th.header_len];
        t[4..8].copy_from_slice(&seq.to_be_bytes());
        t[8..12].copy_from_slice(&ack.to_be_bytes());
        t[13] &= !(flags::FIN | flags::PSH | flags::URG);
        // The urgent pointer means nothing without URG.
        t[18..20].fill(0);
        t[16..18].fill(0);
        match family {
            Family::V4 => {
                if ip.len() < IPV4_MIN_HEADER {
                    return Err(Malformed::Truncated);
                }
                ip[2..4].copy_from_slice(&(end as u16).to_be_bytes());
                ip[10..12].fill(0);
                let c = csum::checksum(&ip[..l4], 0);
                ip[10..12].copy_from_slice(&c.to_be_bytes());
                csum::pseudo_header(&ip[12..16], &ip[16..20], IPPROTO_TCP, tcp_len)
            }
            Family::V6 => {
                if ip.len() < IPV6_HEADER {
                    return Err(Malformed::Truncated);
                }
                ip[4..6].copy_from_slice(&((end - IPV6_HEADER) as u16).to_be_bytes());
                csum::pseudo_header(&ip[8..24], &ip[24..40], IPPROTO_TCP, tcp_len)
            }
        }
    };
    let c = csum::checksum(&pkt[l4..end], pseudo);
    pkt[l4 + 16..l4 + 18].copy_from_slice(&c.to_be_bytes());
    Ok(Some(end))
}

/// A segment the handed-over socket sends (`tcp`: its TCP header, checksum
/// field included): pass it only if it carries data (`payload` bytes) or
/// a FIN ending at `end` (the leg's `snd_nxt`: the FIN queued at splice
/// time), and neither SYN nor RST, with its acknowledgement number clamped
/// to `max_ack`. `partial` says the checksum field holds only the
/// pseudo-header sum (`CHECKSUM_PARTIAL`), which a change to the header
/// does not touch. False: drop it.
pub fn clamp_ack(tcp: &mut [u8], payload: u32, max_ack: u32, end: u32, partial: bool) -> bool {
    if tcp.len() < 20 || tcp[13] & (flags::SYN | flags::RST) != 0 {
        return false;
    }
    if tcp[13] & flags::FIN != 0 {
        let seq = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]);
        if seq.wrapping_add(payload).wrapping_add(1) != end {
            return false;
        }
    } else if payload == 0 {
        return false;
    }
    let old: [u8; 4] = [tcp[8], tcp[9], tcp[10], tcp[11]];
    if !after(u32::from_be_bytes(old), max_ack) {
        return true;
    }
    let new = max_ack.to_be_bytes();
    tcp[8..12].copy_from_slice(&new);
    if !partial {
        let mut d = Delta::default();
        d.replace(8, &old, &new);
        let check = u16::from_be_bytes([tcp[16], tcp[17]]);
        tcp[16..18].copy_from_slice(&d.apply(check).to_be_bytes());
    }
    true
}

#[cfg(test)]
#[path = "handover_tests.rs"]
mod tests;
