// SPDX-License-Identifier: GPL-2.0
//! The netfilter hooks' logic. PRE_ROUTING classifies and counts every
//! packet, and hands packets of spliced connections to the splice, which
//! translates them and sends them on. LOCAL_OUT keeps local sockets off
//! spliced connections.

use crate::ffi::hooks::Verdict;
use crate::ffi::skb::{Aggregate, Sent, Skb};
use crate::ffi::table::{BhGuard, Key, RcuGuard};
use crate::netns::NetState;
use crate::splice::Role;
use crate::splice_core::conn::Side;
use crate::splice_core::icmp::IPPROTO_ICMPV6;
use crate::splice_core::ndisc;
use crate::splice_core::packet::{self, IPPROTO_TCP, IPV4_MIN_HEADER, IPV6_HEADER, TCP_MIN_HEADER};
use crate::splice_core::splice::Endpoint;
pub(crate) use crate::splice_core::splice::Family;
use crate::splice_core::sync::Addr;
use crate::stats::Counter;
use kernel::prelude::*;

/// A well-formed, unfragmented TCP segment's header, parsed once where the
/// packet arrives and handed down the path: where it starts (`l4` bytes
/// after the network header) and its fields.
pub(crate) struct Tcp {
    pub(crate) l4: usize,
    pub(crate) th: packet::TcpHeader,
}

/// The TCP header of a well-formed, unfragmented TCP segment, made linear
/// whole; `None` for other packets; `Err` if malformed.
pub(crate) fn parse_tcp(
    skb: &mut Skb<'_>,
    family: Family,
) -> Result<Option<Tcp>, packet::Malformed> {
    let l4 = match family {
        Family::V4 => {
            let b = skb
                .network_bytes(IPV4_MIN_HEADER)
                .ok_or(packet::Malformed::Truncated)?;
            let h = packet::ipv4(b)?;
            if h.protocol != IPPROTO_TCP || h.fragment {
                return Ok(None);
            }
            if h.total_len == 0 && !skb.gso_tcp() {
                return Err(packet::Malformed::BadTotalLength);
            }
            h.header_len
        }
        Family::V6 => {
            let b = skb
                .network_bytes(IPV6_HEADER)
                .ok_or(packet::Malformed::Truncated)?;
            if packet::ipv6(b)?.next_header != IPPROTO_TCP {
                return Ok(None);
            }
            IPV6_HEADER
        }
    };
    let b = skb
        .network_bytes(l4 + TCP_MIN_HEADER)
        .ok_or(packet::Malformed::Truncated)?;
    let th = packet::tcp(&b[l4..])?;
    skb.network_bytes(l4 + th.header_len)
        .ok_or(packet::Malformed::Truncated)?;
    Ok(Some(Tcp { l4, th }))
}

/// The source and destination of a TCP segment (its header parsed by
/// [`parse_tcp`], which made the IP header linear).
fn endpoints(skb: &mut Skb<'_>, family: Family, t: &Tcp) -> Option<(Endpoint, Endpoint)> {
    let (s, d, n) = match family {
        Family::V4 => (12, 16, 4),
        Family::V6 => (8, 24, 16),
    };
    let b = skb.network_bytes(d + n)?;
    let mut src = Endpoint {
        port: t.th.src_port,
        ..Default::default()
    };
    let mut dst = Endpoint {
        port: t.th.dst_port,
        ..Default::default()
    };
    src.addr[..n].copy_from_slice(&b[s..s + n]);
    dst.addr[..n].copy_from_slice(&b[d..d + n]);
    Some((src, dst))
}

/// PRE_ROUTING, IPv4 and IPv6.
pub(crate) fn pre_routing(net: &NetState, mut skb: Skb<'_>, family: Family) -> Verdict {
    net.stats.inc(match family {
        Family::V4 => Counter::RxPacketsV4,
        Family::V6 => Counter::RxPacketsV6,
    });
    let tcp = match parse_tcp(&mut skb, family) {
        Ok(Some(t)) => t,
        Ok(None) => {
            if family == Family::V6 && net.cluster().enabled() {
                answer_solicitation(net, &mut skb);
            }
            if net.table().count() == 0 {
                return Verdict::Accept;
            }
            return match crate::splice::forward_icmp(net, &mut skb, family) {
                None => Verdict::Accept,
                Some(Err(c)) => {
                    net.stats.inc(c);
                    Verdict::Drop
                }
                Some(Ok(())) => send(net, skb, family),
            };
        }
        Err(_) => {
            net.stats.inc(Counter::RxMalformed);
            return Verdict::Accept;
        }
    };
    net.stats.inc(Counter::RxTcp);
    if net.table().count() == 0 {
        return Verdict::Accept;
    }
    let Some((src, dst)) = endpoints(&mut skb, family, &tcp) else {
        return Verdict::Accept;
    };
    let rcu = RcuGuard::new();
    let Some((entry, from)) = net.table().lookup(&rcu, &Key::new(family, &src, &dst)) else {
        // On the backend of a split splice, the proxy's packets to this
        // host tell how the connection ends.
        if net.cluster().is_backend() {
            if let Some((e, Side::Backend)) =
                net.table().lookup(&rcu, &Key::new(family, &dst, &src))
            {
                if e.role == Role::SplitBackend {
                    crate::splice::observe(net, e, &mut skb, &tcp);
                }
            }
        }
        return Verdict::Accept;
    };
    if crate::splice::superseded(net, entry, &tcp.th) {
        return Verdict::Accept;
    }
    match skb.aggregate() {
        Aggregate::None => {}
        Aggregate::Lro => {
            net.stats.inc(Counter::DropLro);
            return Verdict::Drop;
        }
        // While bytes are handed over, a fraglist packet goes the
        // handover's way: its copy is linear, and its own stays local.
        Aggregate::FragList if entry.in_flight(from) => {}
        Aggregate::FragList => return forward_segments(net, entry, from, skb, family),
    }
    if entry.in_flight(from) {
        return handed(net, &rcu, entry, from, skb, family, &tcp);
    }
    let kicks = match crate::splice::forward(net, entry, from, &mut skb, &tcp) {
        Ok(k) => k,
        Err(c) => {
            net.stats.inc(c);
            return Verdict::Drop;
        }
    };
    // A kick quotes what this packet acknowledges: it goes out after it.
    let kick = kicks.iter().any(Option::is_some).then_some(entry.splice);
    drop(rcu);
    let verdict = send(net, skb, family);
    if let Some(splice) = kick {
        crate::splice::kick(net, &splice, kicks);
    }
    verdict
}

/// A fraglist GRO packet of a splice (`rx-gro-list`; the stack chooses it
/// for flows without a local socket, as spliced ones are), cut back into
/// the segments it was made of, each translated and sent on its own.
/// Translating the first one's headers would not do: where the output
/// cannot take the list whole, `skb_segment_list()` sends every later
/// segment with its own, untranslated headers.
fn forward_segments(
    net: &NetState,
    entry: &crate::splice::Entry,
    from: Side,
    skb: Skb<'_>,
    family: Family,
) -> Verdict {
    let (stolen, segs) = skb.segment();
    let Some(segs) = segs else {
        net.stats.inc(Counter::DropNomem);
        return Verdict::Stolen(stolen);
    };
    net.stats.inc(Counter::GroListsSegmented);
    for mut seg in segs {
        let forwarded = {
            let mut s = seg.as_skb();
            match parse_tcp(&mut s, family) {
                Ok(Some(tcp)) => crate::splice::forward(net, entry, from, &mut s, &tcp),
                _ => Err(Counter::DropMalformed),
            }
        };
        match forwarded {
            Ok(kicks) => {
                count_sent(net, seg.output(family == Family::V6));
                if kicks.iter().any(Option::is_some) {
                    crate::splice::kick(net, &entry.splice, kicks);
                }
            }
            Err(c) => net.stats.inc(c),
        }
    }
    Verdict::Stolen(stolen)
}

/// A packet from `from`'s peer while bytes that side's handed-over socket
/// sent are in flight (the core's `handover`): a copy goes on, translated,
/// and the packet itself, made into the socket's acknowledgement, goes up
/// the local stack to it.
fn handed(
    net: &NetState,
    rcu: &RcuGuard,
    entry: &crate::splice::Entry,
    from: Side,
    mut skb: Skb<'_>,
    family: Family,
    tcp: &Tcp,
) -> Verdict {
    let Some(mut copy) = skb.copy() else {
        net.stats.inc(Counter::HandoverDrops);
        return Verdict::Drop;
    };
    let kicks = match crate::splice::forward(net, entry, from, &mut copy.as_skb(), tcp) {
        Ok(k) => k,
        Err(c) => {
            net.stats.inc(c);
            return Verdict::Drop;
        }
    };
    count_sent(net, copy.output(family == Family::V6));
    if kicks.iter().any(Option::is_some) {
        crate::splice::kick(net, &entry.splice, kicks);
    }
    if crate::splice::local_ack(net, rcu, entry, from, &mut skb, family, tcp) {
        Verdict::Accept
    } else {
        Verdict::Drop
    }
}

/// Answer a neighbour solicitation for an IPv6 VIP this node owns. The
/// packet itself goes on (the kernel finds no address of its own for it).
fn answer_solicitation(net: &NetState, skb: &mut Skb<'_>) {
    let len = skb.len();
    if len > ndisc::NS_MAX {
        return;
    }
    // Cheap first: an ICMPv6 neighbour solicitation at all?
    match skb.network_bytes(IPV6_HEADER + 1) {
        Some(b) if b[6] == IPPROTO_ICMPV6 && b[IPV6_HEADER] == ndisc::NEIGHBOUR_SOLICITATION => {}
        _ => return,
    }
    let Some(s) = skb.network_bytes(len).and_then(ndisc::solicitation) else {
        return;
    };
    let vip = Addr {
        v6: true,
        addr: s.target,
    };
    if net.cluster().owns(&vip) && skb.send_na(&s.target, s.reply_to.as_ref()) {
        net.stats.inc(Counter::NdReplies);
    }
}

/// A split splice's packet from this host (the backend): translate it into
/// the client's connection and route it to the client.
fn send_direct(
    net: &NetState,
    entry: &crate::splice::Entry,
    mut skb: Skb<'_>,
    family: Family,
    tcp: &Tcp,
) -> Verdict {
    // A backend's entries are never nudged (only a proxy takes over), so
    // there is nothing to kick.
    if let Err(c) = crate::splice::forward(net, entry, Side::Backend, &mut skb, tcp) {
        net.stats.inc(c);
        return Verdict::Drop;
    }
    if skb.reroute(family == Family::V6).is_err() {
        net.stats.inc(Counter::DropNoRoute);
        return Verdict::Drop;
    }
    Verdict::Accept
}

/// Send a translated packet on.
fn send(net: &NetState, skb: Skb<'_>, family: Family) -> Verdict {
    let (stolen, sent) = skb.output(family == Family::V6);
    count_sent(net, sent);
    Verdict::Stolen(stolen)
}

/// Count what sending a translated packet did: no route, or what the
/// packet was.
fn count_sent(net: &NetState, sent: Result<Sent>) {
    match sent {
        Err(_) => net.stats.inc(Counter::DropNoRoute),
        Ok(s) => {
            if s.reassembled {
                net.stats.inc(Counter::PacketsReassembled);
            }
            if s.big {
                net.stats.inc(Counter::PacketsBigTcp);
            }
        }
    }
}

/// LOCAL_OUT, IPv4 and IPv6: anything this host sends on a spliced
/// connection, other than the splice's own translated packets, would corrupt
/// it: a reset from the stack for a segment that passed PRE_ROUTING just
/// before the splice was made and met the retired socket gone, or a new
/// socket on a reused port. It is dropped. On the backend of a split
/// splice, this host's packets to the proxy are translated for the client
/// and routed to it directly.
pub(crate) fn local_out(net: &NetState, mut skb: Skb<'_>, family: Family) -> Verdict {
    if net.table().count() == 0 || skb.is_ours() {
        return Verdict::Accept;
    }
    let Ok(Some(tcp)) = parse_tcp(&mut skb, family) else {
        return Verdict::Accept;
    };
    let Some((src, dst)) = endpoints(&mut skb, family, &tcp) else {
        return Verdict::Accept;
    };
    if net.cluster().is_backend() {
        // Local sockets send with bottom halves on; the entry's lock is also
        // taken in softirq context.
        let _bh = BhGuard::new();
        let rcu = RcuGuard::new();
        if let Some((e, Side::Backend)) = net.table().lookup(&rcu, &Key::new(family, &src, &dst)) {
            if e.role == Role::SplitBackend && !e.is_superseded() {
                return send_direct(net, e, skb, family, &tcp);
            }
        }
    }
    let rcu = RcuGuard::new();
    // Entries are keyed by arriving packets, so look up the reverse. (A
    // superseded entry's addresses are a new local connection's.)
    match net.table().lookup(&rcu, &Key::new(family, &dst, &src)) {
        Some((e, _)) if e.is_superseded() => Verdict::Accept,
        Some((e, side)) => {
            if net.table().handed_is(&rcu, e, side, &skb) {
                // The handed-over socket retransmits what is in flight
                // (until the sweep retires it, once that is acknowledged).
                if e.in_flight(side) && crate::splice::handed_segment(net, e, side, &mut skb, &tcp)
                {
                    return Verdict::Accept;
                }
                net.stats.inc(Counter::HandoverHeld);
                return Verdict::Drop;
            }
            net.stats.inc(Counter::DropLocal);
            Verdict::Drop
        }
        None => Verdict::Accept,
    }
}

#[kunit_tests(tcpsplice_hooks)]
mod tests {
    use super::*;
    use crate::ffi::skb::test_support::TestSkb;

    const ETH_P_IP: u16 = 0x0800;
    const ETH_P_IPV6: u16 = 0x86dd;

    /// IPv4 + TCP, 40 bytes, no options: the core's shared test vector.
    fn v4_tcp() -> [u8; 40] {
        packet::SAMPLE_IPV4_TCP
    }

    fn run(data: &[u8], ethertype: u16, family: Family) -> Result<Pin<KBox<NetState>>> {
        let net = NetState::new(0)?;
        let mut skb = TestSkb::new(data, ethertype)?;
        assert_eq!(pre_routing(&net, skb.as_skb(), family), Verdict::Accept);
        Ok(net)
    }

    #[test]
    fn counts_ipv4_tcp() -> Result {
        let net = run(&v4_tcp(), ETH_P_IP, Family::V4)?;
        assert_eq!(net.stats.get(Counter::RxPacketsV4), 1);
        assert_eq!(net.stats.get(Counter::RxTcp), 1);
        assert_eq!(net.stats.get(Counter::RxMalformed), 0);
        Ok(())
    }

    #[test]
    fn counts_ipv6_tcp() -> Result {
        let mut p = [0u8; 60];
        p[0] = 0x60;
        p[5] = 20;
        p[6] = IPPROTO_TCP;
        p[7] = 64;
        p[40 + 12] = 0x50;
        let net = run(&p, ETH_P_IPV6, Family::V6)?;
        assert_eq!(net.stats.get(Counter::RxPacketsV6), 1);
        assert_eq!(net.stats.get(Counter::RxTcp), 1);
        Ok(())
    }

    #[test]
    fn ignores_fragments_and_other_protocols() -> Result {
        let mut p = v4_tcp();
        p[6] = 0x20; // MF: a first fragment is not classified
        let net = run(&p, ETH_P_IP, Family::V4)?;
        assert_eq!(net.stats.get(Counter::RxTcp), 0);
        let mut p = v4_tcp();
        p[9] = 17; // UDP
        let net = run(&p, ETH_P_IP, Family::V4)?;
        assert_eq!(net.stats.get(Counter::RxTcp), 0);
        assert_eq!(net.stats.get(Counter::RxMalformed), 0);
        Ok(())
    }

    #[test]
    fn counts_malformed_tcp_headers() -> Result {
        let mut p = v4_tcp();
        p[32] = 0x40; // data offset 4
        let net = run(&p, ETH_P_IP, Family::V4)?;
        assert_eq!(net.stats.get(Counter::RxMalformed), 1);
        // Data offset 15 (60-byte header) in a 40-byte packet: the option
        // bytes are missing, and nothing past the packet is read.
        let mut p = v4_tcp();
        p[32] = 0xf0;
        let net = run(&p, ETH_P_IP, Family::V4)?;
        assert_eq!(net.stats.get(Counter::RxMalformed), 1);
        assert_eq!(net.stats.get(Counter::RxTcp), 0);
        // Truncated inside the TCP header.
        let net = run(&v4_tcp()[..30], ETH_P_IP, Family::V4)?;
        assert_eq!(net.stats.get(Counter::RxMalformed), 1);
        Ok(())
    }

    #[test]
    fn tells_aggregates_apart() -> Result {
        let mut p = [0u8; 100];
        p[..40].copy_from_slice(&v4_tcp());
        p[3] = 100; // total length
        let mut plain = TestSkb::new(&p, ETH_P_IP)?;
        assert_eq!(plain.as_skb().aggregate(), Aggregate::None);
        for kind in [Aggregate::None, Aggregate::FragList, Aggregate::Lro] {
            let mut skb = TestSkb::new(&p, ETH_P_IP)?;
            skb.set_gso(60, 30, kind)?;
            assert_eq!(skb.as_skb().aggregate(), kind);
            assert_eq!(skb.as_skb().len(), 100);
            assert!(matches!(
                parse_tcp(&mut skb.as_skb(), Family::V4),
                Ok(Some(_))
            ));
            // Total length 0 (BIG TCP) passes on a TCP GSO packet only.
            let mut big = p;
            big[2..4].copy_from_slice(&[0, 0]);
            let mut skb = TestSkb::new(&big, ETH_P_IP)?;
            skb.set_gso(60, 30, kind)?;
            let parsed = parse_tcp(&mut skb.as_skb(), Family::V4);
            assert_eq!(parsed.is_ok(), kind != Aggregate::Lro);
        }
        Ok(())
    }

    #[test]
    fn total_length_zero_only_for_big_tcp() -> Result {
        // IPv4 total length 0 says "longer than 64 KiB" only on a GSO
        // packet (BIG TCP); on this plain one it is malformed.
        let mut p = v4_tcp();
        p[2] = 0;
        p[3] = 0;
        let net = run(&p, ETH_P_IP, Family::V4)?;
        assert_eq!(net.stats.get(Counter::RxMalformed), 1);
        assert_eq!(net.stats.get(Counter::RxTcp), 0);
        Ok(())
    }
}
