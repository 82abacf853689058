// SPDX-License-Identifier: GPL-2.0
//! One splice: its two connections, the translation of each direction, and
//! the per-packet work (translate a whole IP + TCP header in place and keep
//! the checksum right).

use super::conn::{Action, Segment, Side, Tracker};
use super::csum::Delta;
use super::packet::{self, Malformed};
use super::seq::MAX_WSCALE;
use super::translate::{self, DirMap, EcnVerdict, Leg, Report};

/// IP version of a splice (both legs share it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// IPv4: addresses use the first 4 bytes of an [`Endpoint`].
    V4,
    /// IPv6.
    V6,
}

impl Family {
    /// Address length in bytes.
    pub fn addr_len(self) -> usize {
        match self {
            Family::V4 => 4,
            Family::V6 => 16,
        }
    }
}

/// An address and port.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// IPv6 address, or IPv4 address in the first 4 bytes (rest zero).
    pub addr: [u8; 16],
    /// Port, host order.
    pub port: u16,
}

/// One of the proxy's connections, from the proxy's point of view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Tuple {
    /// The proxy's address and port.
    pub local: Endpoint,
    /// The peer's address and port.
    pub remote: Endpoint,
}

/// What a splice did with one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Forward the (translated) packet, or drop it (left untouched).
    pub action: Action,
    /// This packet ended the splice (both FINs acknowledged, or an exact reset).
    pub ended: bool,
    /// TCP payload bytes.
    pub payload: u32,
    /// What the option rewriter did.
    pub report: Report,
    /// The segment as the end-of-connection tracker saw it.
    pub segment: Segment,
}

/// A splice of two established connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Splice {
    family: Family,
    tuples: [Tuple; 2],
    legs: [Leg; 2],
    /// Indexed by the side a packet arrives from.
    maps: [DirMap; 2],
}

impl Splice {
    /// The splice of the client-side and backend-side connections.
    pub fn new(family: Family, tuples: [Tuple; 2], legs: [Leg; 2]) -> Self {
        let [c, b] = legs;
        Splice {
            family,
            tuples,
            legs,
            maps: [DirMap::new(&c, &b), DirMap::new(&b, &c)],
        }
    }

    /// The IP version.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The proxy's connection on `side`.
    pub fn tuple(&self, side: Side) -> &Tuple {
        &self.tuples[side.index()]
    }

    /// The proxy's view of `side` at splice time.
    pub fn leg(&self, side: Side) -> &Leg {
        &self.legs[side.index()]
    }

    /// The sequence number that a packet from `from`'s peer had before it was
    /// translated to `seq` (for quotes in ICMP errors).
    pub fn unmap_seq(&self, from: Side, seq: u32) -> u32 {
        self.maps[from.index()].unseq(seq)
    }

    /// The end-of-connection tracker for this splice, given the windows the
    /// peers advertised last (bytes).
    pub fn tracker(&self, windows: [u32; 2]) -> Tracker {
        Tracker::new([self.legs[0].snd_nxt, self.legs[1].snd_nxt], windows)
    }

    /// Follow a client-side packet of a split splice that the proxy already
    /// translated, as the backend receives it: the backend's module sees
    /// both directions of a split connection and so decides its end. `pkt`
    /// holds the IP header and the whole TCP header (at `l4`); `len` is the
    /// IP datagram's length. Returns whether this packet ended the splice.
    /// Nothing is dropped here: the backend's own TCP judges its input.
    pub fn observe_delivered(
        &self,
        pkt: &[u8],
        l4: usize,
        len: usize,
        tracker: &mut Tracker,
    ) -> Result<bool, Malformed> {
        let th = tcp_at(pkt, l4)?;
        self.observe_parsed(pkt, l4, &th, len, tracker)
    }

    /// [`Splice::observe_delivered`] with the TCP header `th` already
    /// parsed from `pkt` at `l4` (by the hook that received it).
    pub fn observe_parsed(
        &self,
        pkt: &[u8],
        l4: usize,
        th: &packet::TcpHeader,
        len: usize,
        tracker: &mut Tracker,
    ) -> Result<bool, Malformed> {
        let (_, payload) = segment_of(pkt, l4, th, len)?;
        let map = &self.maps[Side::Client.index()];
        // The window as the backend reads it: scaled by the shift the proxy
        // announced on the backend side.
        let shift = self.legs[Side::Backend.index()].rcv_wscale.min(MAX_WSCALE);
        let seg = Segment {
            flags: th.flags,
            seq: th.seq,
            len: payload,
            ack: map.unack(th.ack),
            window: u32::from(th.window) << shift,
        };
        let (_, ended) = tracker.segment(Side::Client, &seg);
        Ok(ended)
    }

    /// Translate a packet that arrived from `from`'s peer, in place.
    ///
    /// `pkt` holds the IP header and the whole TCP header (which starts at
    /// `l4`); `len` is the IP datagram's length. `partial` says the TCP
    /// checksum field holds only the pseudo-header sum (`CHECKSUM_PARTIAL`:
    /// the rest is computed on output). Nothing is modified when the result
    /// is an error or a drop.
    pub fn packet(
        &self,
        from: Side,
        pkt: &mut [u8],
        l4: usize,
        len: usize,
        partial: bool,
        tracker: &mut Tracker,
    ) -> Result<Outcome, Malformed> {
        let th = tcp_at(pkt, l4)?;
        self.packet_parsed(from, pkt, l4, &th, len, partial, tracker)
    }

    /// [`Splice::packet`] with the TCP header `th` already parsed from `pkt`
    /// at `l4` (by the hook that received it: the headers are parsed once
    /// a packet).
    #[allow(clippy::too_many_arguments)]
    pub fn packet_parsed(
        &self,
        from: Side,
        pkt: &mut [u8],
        l4: usize,
        th: &packet::TcpHeader,
        len: usize,
        partial: bool,
        tracker: &mut Tracker,
    ) -> Result<Outcome, Malformed> {
        let (hdr_end, payload) = segment_of(pkt, l4, th, len)?;
        let map = &self.maps[from.index()];
        let shift = self.legs[from.index()].snd_wscale.min(MAX_WSCALE);
        let seg = Segment {
            flags: th.flags,
            seq: map.seq(th.seq),
            len: payload,
            ack: th.ack,
            window: u32::from(th.window) << shift,
        };
        let v6 = self.family == Family::V6;
        let ecn = translate::ip_ecn(&pkt[..l4], v6, map)?;
        let (action, ended) = if ecn == EcnVerdict::DropCe {
            // Lost before the proxy, as far as the connection can tell.
            (Action::DropCe, false)
        } else {
            tracker.segment(from, &seg)
        };
        if action != Action::Forward {
            return Ok(Outcome {
                action,
                ended,
                payload,
                report: Report::default(),
                segment: seg,
            });
        }

        let out = &self.tuples[from.other().index()];
        let mut tcp_delta = Delta::default();
        let mut report = translate::tcp(
            &mut pkt[l4..hdr_end],
            map,
            out.local.port,
            out.remote.port,
            &mut tcp_delta,
        )?;
        if ecn == EcnVerdict::Clear {
            translate::clear_ip_ecn(&mut pkt[..l4], v6)?;
            report.ecn_cleared = true;
        }
        let mut pseudo = Delta::default();
        match self.family {
            Family::V4 => {
                let src = v4(&out.local.addr);
                let dst = v4(&out.remote.addr);
                translate::ipv4_addrs(&mut pkt[..l4], src, dst, &mut pseudo)?;
            }
            Family::V6 => {
                translate::ipv6_addrs(
                    &mut pkt[..l4],
                    out.local.addr,
                    out.remote.addr,
                    &mut pseudo,
                )?;
            }
        }
        let at = l4 + 16;
        let check = u16::from_be_bytes([pkt[at], pkt[at + 1]]);
        let check = if partial {
            pseudo.apply_partial(check)
        } else {
            tcp_delta.add(pseudo);
            tcp_delta.apply(check)
        };
        pkt[at..at + 2].copy_from_slice(&check.to_be_bytes());
        Ok(Outcome {
            action,
            ended,
            payload,
            report,
            segment: seg,
        })
    }
}

/// The TCP header of `pkt` at `l4`.
fn tcp_at(pkt: &[u8], l4: usize) -> Result<packet::TcpHeader, Malformed> {
    packet::tcp(pkt.get(l4..).ok_or(Malformed::Truncated)?)
}

/// Where the TCP header `th` (at `l4`) ends in `pkt`, and the payload's
/// length in an IP datagram of `len` bytes.
fn segment_of(
    pkt: &[u8],
    l4: usize,
    th: &packet::TcpHeader,
    len: usize,
) -> Result<(usize, u32), Malformed> {
    let hdr_end = l4.checked_add(th.header_len).ok_or(Malformed::Truncated)?;
    if hdr_end > pkt.len() {
        return Err(Malformed::Truncated);
    }
    let payload = len.checked_sub(hdr_end).ok_or(Malformed::Truncated)?;
    let payload = u32::try_from(payload).map_err(|_| Malformed::Truncated)?;
    Ok((hdr_end, payload))
}

fn v4(a: &[u8; 16]) -> [u8; 4] {
    [a[0], a[1], a[2], a[3]]
}

#[cfg(test)]
#[path = "splice_tests.rs"]
pub(crate) mod tests;
