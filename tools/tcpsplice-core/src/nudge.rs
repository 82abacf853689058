// SPDX-License-Identifier: GPL-2.0
//! Prompting the peers of a splice: after a takeover, and when it is made.
//!
//! **When a splice is made** each peer still holds the window that the
//! proxy's own socket last offered it, which may be far smaller than what
//! the other peer offers (the proxy shrinks its receive buffers while it
//! looks for a moment to splice). A peer whose window is closed or nearly
//! so waits for a window update that no one sends any more: the other peer
//! has nothing to acknowledge, and the proxy's socket is retired. It waits
//! for its persist timer, a retransmission timeout at least. So the module
//! sends each such peer one [`window_update`] at once: a pure ACK with the
//! other peer's window, in the proxy's numbers on that leg.
//!
//! **After a takeover:**
//! While a proxy is dead, each peer of a connection it forwarded keeps
//! retransmitting into the void, and TCP doubles the retransmission timeout
//! (RTO) at every try. When another proxy takes the addresses over, a peer
//! resumes only when its timer next fires: after a one-second outage that is
//! up to a second and a half later, after three seconds up to six. Nothing
//! else arrives meanwhile in a download (the client waits silently), so the
//! stall is the detection time plus a back-off the takeover could spare.
//!
//! The new owner spares it in two steps, per connection it took over:
//!
//! 1. **Probe** each peer with a keepalive-like segment: an ACK whose
//!    sequence number is one below what the peer expects, so the peer
//!    answers at once with an acknowledgement that carries its true
//!    `rcv_nxt` (acknowledgement number) and `snd_nxt` (sequence number)
//!    (RFC 9293 3.10.7.4: an unacceptable segment is answered with an ACK).
//!    The answers pass through the splice like any segment.
//! 2. **Kick** a peer that is waiting on its timer: one whose answer was a
//!    pure ACK (it sends nothing else) with data beyond what the other peer
//!    acknowledged. It gets ICMP "host unreachable" errors quoting its
//!    oldest unacknowledged byte; RFC 6069 makes a TCP that receives them
//!    undo one RTO doubling each and retransmit at once once the undone
//!    timeout has passed (Linux: `tcp_ld_RTO_revert()`). A peer that sends
//!    data after the probe is not waiting, and is left alone.
//!
//! Everything is best effort: a probe that a firewall drops (a stale
//! sequence number outside its conntrack window) or an error a stack
//! ignores changes nothing, and the peer resumes on its own timer as it
//! would have without the prompt. Errors quoting a sequence number other
//! than the peer's oldest unacknowledged byte are ignored by TCP.

use super::conn::{Segment, Side, Tracker};
use super::csum::{checksum, pseudo_header};
use super::icmp::{IPPROTO_ICMP, IPPROTO_ICMPV6};
use super::packet::{flags, IPPROTO_TCP, IPV4_MIN_HEADER, IPV6_HEADER, TCP_MIN_HEADER};
use super::seq::after;
use super::splice::{Family, Splice, Tuple};

/// ICMP errors in one kick. Each undoes one doubling of the peer's
/// retransmission timeout; errors beyond the doublings it made are ignored,
/// so this covers outages up to 2^6 minimum RTOs (Linux: 12.8 s) at a cost
/// of six small packets to a peer that was stalled.
pub const KICK_ERRORS: usize = 6;

/// The longest packet built here: an ICMPv6 error quoting an IPv6 header and
/// eight bytes of TCP.
pub const MAX_PACKET: usize = IPV6_HEADER + 8 + IPV6_HEADER + 8;

/// ICMPv4 "destination unreachable", code "host unreachable"; ICMPv6
/// "destination unreachable", code "no route". The codes RFC 6069 names.
const ICMP_DEST_UNREACH: u8 = 3;
const ICMP_HOST_UNREACH: u8 = 1;
const ICMPV6_DEST_UNREACH: u8 = 1;
const ICMPV6_NOROUTE: u8 = 0;

/// The prompt of one splice, from the probes on until each peer is decided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Nudge {
    /// Per side: whether that side's peer may still need a kick.
    pending: [bool; 2],
    /// Per side: a segment from that side's peer arrived since the probes.
    heard: [bool; 2],
    /// Per side: the highest sequence number of its peer's pure ACKs since
    /// the probes, in the other leg's numbers (the peer's `snd_nxt`).
    answer: [u32; 2],
}

impl Nudge {
    /// A prompt whose probes are going out now.
    pub fn new() -> Self {
        Nudge {
            pending: [true; 2],
            ..Nudge::default()
        }
    }

    /// True while a peer is still to be decided.
    pub fn active(&self) -> bool {
        self.pending[0] || self.pending[1]
    }

    /// Account for `seg`, which arrived from `from`'s peer and which the
    /// splice's tracker has just taken in. Returns, per side, the sequence
    /// number (in that peer's own numbers) to quote in a kick of that peer,
    /// or `None`. A kick of the other side's peer must go after this
    /// segment has been forwarded to it: it carries the acknowledgement that
    /// the quoted number must match.
    pub fn segment(
        &mut self,
        splice: &Splice,
        from: Side,
        seg: &Segment,
        tracker: &Tracker,
    ) -> [Option<u32>; 2] {
        let i = from.index();
        let first = !self.heard[i];
        self.heard[i] = true;
        if self.pending[i] {
            let pure_ack = seg.len == 0
                && seg.flags & (flags::SYN | flags::FIN | flags::RST) == 0
                && seg.flags & flags::ACK != 0;
            if !pure_ack {
                // Sending data (or ending): not waiting on a timer.
                self.pending[i] = false;
            } else if first || after(seg.seq, self.answer[i]) {
                self.answer[i] = seg.seq;
            }
        }
        let mut kicks = [None; 2];
        for s in Side::BOTH {
            let (k, r) = (s.index(), s.other().index());
            if !self.pending[k] || !self.heard[k] || !self.heard[r] {
                continue;
            }
            self.pending[k] = false;
            let una = tracker.acked(s.other());
            if after(self.answer[k], una) {
                kicks[k] = Some(splice.unmap_seq(s, una));
            }
        }
        kicks
    }
}

/// Write the IP header of a packet of `family` from `t.local` to
/// `t.remote` carrying `body` bytes of `proto`; returns its length.
fn ip_header(family: Family, t: &Tuple, proto: u8, body: usize, out: &mut [u8]) -> usize {
    match family {
        Family::V4 => {
            let h = &mut out[..IPV4_MIN_HEADER];
            h.fill(0);
            h[0] = 0x45;
            h[2..4].copy_from_slice(&((IPV4_MIN_HEADER + body) as u16).to_be_bytes());
            h[6] = 0x40; // don't fragment
            h[8] = 64;
            h[9] = proto;
            h[12..16].copy_from_slice(&t.local.addr[..4]);
            h[16..20].copy_from_slice(&t.remote.addr[..4]);
            let c = checksum(h, 0);
            h[10..12].copy_from_slice(&c.to_be_bytes());
            IPV4_MIN_HEADER
        }
        Family::V6 => {
            let h = &mut out[..IPV6_HEADER];
            h.fill(0);
            h[0] = 0x60;
            h[4..6].copy_from_slice(&(body as u16).to_be_bytes());
            h[6] = proto;
            h[7] = 64;
            h[8..24].copy_from_slice(&t.local.addr);
            h[24..40].copy_from_slice(&t.remote.addr);
            IPV6_HEADER
        }
    }
}

/// The checksum of an upper-layer `body` sent from `t.local` to `t.remote`
/// (`pseudo`: whether the protocol sums a pseudo-header).
fn body_checksum(family: Family, t: &Tuple, proto: u8, body: &[u8], pseudo: bool) -> u16 {
    let n = family.addr_len();
    let ps = if pseudo {
        pseudo_header(
            &t.local.addr[..n],
            &t.remote.addr[..n],
            proto,
            body.len() as u32,
        )
    } else {
        0
    };
    checksum(body, ps)
}

/// The probe for the peer on side `to` of `splice`, given what `tracker`
/// last saw: an ACK one byte below what that peer last acknowledged. Written
/// to `out`; returns its length.
pub fn probe(splice: &Splice, tracker: &Tracker, to: Side, out: &mut [u8; MAX_PACKET]) -> usize {
    let family = splice.family();
    let t = splice.tuple(to);
    let ip = ip_header(family, t, IPPROTO_TCP, TCP_MIN_HEADER, out);
    let seq = tracker.acked(to).wrapping_sub(1);
    // The other peer's last acknowledgement of this peer's data.
    let ack = splice.unmap_seq(to, tracker.acked(to.other()));
    let shift = splice.leg(to).rcv_wscale;
    let window = (tracker.window(to.other()) >> shift).min(0xffff) as u16;
    let th = &mut out[ip..ip + TCP_MIN_HEADER];
    th.fill(0);
    th[0..2].copy_from_slice(&t.local.port.to_be_bytes());
    th[2..4].copy_from_slice(&t.remote.port.to_be_bytes());
    th[4..8].copy_from_slice(&seq.to_be_bytes());
    th[8..12].copy_from_slice(&ack.to_be_bytes());
    th[12] = ((TCP_MIN_HEADER / 4) as u8) << 4;
    th[13] = flags::ACK;
    th[14..16].copy_from_slice(&window.to_be_bytes());
    let c = body_checksum(family, t, IPPROTO_TCP, th, true);
    th[16..18].copy_from_slice(&c.to_be_bytes());
    ip + TCP_MIN_HEADER
}

/// The window update for the peer on side `to` of a splice just made, from
/// the proxy's numbers on that leg as the splice took them (`Leg`): an ACK
/// of everything the peer sent, from the next byte the proxy would send,
/// carrying `offered` (bytes, the window the other peer offered last) in
/// the scale the peer applies, with a timestamp if the leg has them. `None`
/// when it would not open the window further than `advertised` (bytes,
/// what the proxy's socket offered last beyond the peer's data): a window
/// is never shrunk here. Written to `out`; returns its length.
pub fn window_update(
    splice: &Splice,
    to: Side,
    offered: u32,
    advertised: u32,
    out: &mut [u8; MAX_PACKET],
) -> Option<usize> {
    let leg = splice.leg(to);
    let shift = leg.rcv_wscale.min(14);
    let window = (offered >> shift).min(0xffff);
    if window << shift <= advertised {
        return None;
    }
    let family = splice.family();
    let t = splice.tuple(to);
    let tcp_len = TCP_MIN_HEADER + if leg.ts.is_some() { TS_OPTION } else { 0 };
    let ip = ip_header(family, t, IPPROTO_TCP, tcp_len, out);
    let th = &mut out[ip..ip + tcp_len];
    th.fill(0);
    th[0..2].copy_from_slice(&t.local.port.to_be_bytes());
    th[2..4].copy_from_slice(&t.remote.port.to_be_bytes());
    th[4..8].copy_from_slice(&leg.snd_nxt.to_be_bytes());
    th[8..12].copy_from_slice(&leg.rcv_nxt.to_be_bytes());
    th[12] = ((tcp_len / 4) as u8) << 4;
    th[13] = flags::ACK;
    th[14..16].copy_from_slice(&(window as u16).to_be_bytes());
    if let Some(ts) = leg.ts {
        // NOP, NOP, then kind 8, length 10: the layout every stack sends.
        th[20..24].copy_from_slice(&[1, 1, 8, 10]);
        th[24..28].copy_from_slice(&ts.now.to_be_bytes());
        th[28..32].copy_from_slice(&ts.recent.to_be_bytes());
    }
    let c = body_checksum(family, t, IPPROTO_TCP, th, true);
    th[16..18].copy_from_slice(&c.to_be_bytes());
    Some(ip + tcp_len)
}

/// A timestamp option with the two NOPs that align it.
const TS_OPTION: usize = 12;

/// The kick for the peer on side `to` of `splice`: an ICMP "unreachable"
/// error from the proxy's address on that leg, quoting a segment the peer
/// sent with sequence number `seq` (its own numbers). Written to `out`;
/// returns its length.
pub fn kick(splice: &Splice, to: Side, seq: u32, out: &mut [u8; MAX_PACKET]) -> usize {
    let family = splice.family();
    let t = splice.tuple(to);
    // The quoted segment travelled the other way.
    let back = Tuple {
        local: t.remote,
        remote: t.local,
    };
    let (proto, kind, code) = match family {
        Family::V4 => (IPPROTO_ICMP, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH),
        Family::V6 => (IPPROTO_ICMPV6, ICMPV6_DEST_UNREACH, ICMPV6_NOROUTE),
    };
    let quoted_ip = match family {
        Family::V4 => IPV4_MIN_HEADER,
        Family::V6 => IPV6_HEADER,
    };
    let body = 8 + quoted_ip + 8;
    let ip = ip_header(family, t, proto, body, out);
    let icmp = &mut out[ip..ip + body];
    icmp.fill(0);
    icmp[0] = kind;
    icmp[1] = code;
    // The quoted header says the segment had a full TCP header, no payload.
    let q = ip_header(family, &back, IPPROTO_TCP, TCP_MIN_HEADER, &mut icmp[8..]);
    let th = &mut icmp[8 + q..];
    th[0..2].copy_from_slice(&back.local.port.to_be_bytes());
    th[2..4].copy_from_slice(&back.remote.port.to_be_bytes());
    th[4..8].copy_from_slice(&seq.to_be_bytes());
    let c = body_checksum(family, t, proto, icmp, family == Family::V6);
    icmp[2..4].copy_from_slice(&c.to_be_bytes());
    ip + body
}

#[cfg(test)]
#[path = "nudge_tests.rs"]
mod tests;
