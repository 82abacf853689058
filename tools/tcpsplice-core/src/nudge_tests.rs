// SPDX-License-Identifier: GPL-2.0
//! Tests of `nudge`: the probes and kicks as a peer's stack parses them
//! (every checksum verified from scratch), and which peers are kicked with
//! which sequence number.
use super::*;
use crate::conn::tests::seg;
use crate::icmp;
use crate::icmp::tests::splice;
use crate::packet;
use crate::translate::SAMPLE_LEGS;
use std::{vec, vec::Vec};

use crate::translate::Leg;

const CLIENT_LEG: Leg = SAMPLE_LEGS[0];
const BACKEND_LEG: Leg = SAMPLE_LEGS[1];

/// The IP header length, and the upper-layer checksum verified.
fn verify(family: Family, pkt: &[u8], proto: u8) -> usize {
    let (ip, src, dst) = match family {
        Family::V4 => {
            let h = packet::ipv4(pkt).unwrap();
            assert_eq!(h.protocol, proto);
            assert_eq!(h.total_len, pkt.len());
            assert_eq!(checksum(&pkt[..20], 0), 0, "IPv4 header checksum");
            (h.header_len, &pkt[12..16], &pkt[16..20])
        }
        Family::V6 => {
            let h = packet::ipv6(pkt).unwrap();
            assert_eq!(h.next_header, proto);
            assert_eq!(h.payload_len + IPV6_HEADER, pkt.len());
            (IPV6_HEADER, &pkt[8..24], &pkt[24..40])
        }
    };
    let body = &pkt[ip..];
    let ps = if proto == IPPROTO_ICMP {
        0
    } else {
        pseudo_header(src, dst, proto, body.len() as u32)
    };
    assert_eq!(checksum(body, ps), 0, "checksum of protocol {proto}");
    ip
}

#[test]
fn probes_are_acks_just_below_what_each_peer_expects() {
    for family in [Family::V4, Family::V6] {
        let sp = splice(family);
        let mut t = sp.tracker([1 << 20, 1 << 20]);
        // The client acknowledged 400 bytes of the backend's data.
        t.segment(
            Side::Client,
            &seg(flags::ACK, 0, 0, CLIENT_LEG.snd_nxt + 400),
        );
        let mut out = [0u8; MAX_PACKET];
        for to in Side::BOTH {
            let n = probe(&sp, &t, to, &mut out);
            let pkt = &out[..n];
            let ip = verify(family, pkt, IPPROTO_TCP);
            let th = packet::tcp(&pkt[ip..]).unwrap();
            let leg = sp.tuple(to);
            let a = family.addr_len();
            let (s, d) = match family {
                Family::V4 => (12, 16),
                Family::V6 => (8, 24),
            };
            assert_eq!(&pkt[s..s + a], &leg.local.addr[..a]);
            assert_eq!(&pkt[d..d + a], &leg.remote.addr[..a]);
            assert_eq!(
                (th.src_port, th.dst_port),
                (leg.local.port, leg.remote.port)
            );
            assert_eq!(th.flags, flags::ACK);
            assert_eq!(th.header_len, TCP_MIN_HEADER);
            assert_eq!(n, ip + TCP_MIN_HEADER, "no payload");
            match to {
                Side::Client => {
                    assert_eq!(th.seq, CLIENT_LEG.snd_nxt + 399);
                    // Nothing of the client's data was acknowledged since.
                    assert_eq!(th.ack, CLIENT_LEG.rcv_nxt);
                    // The backend's window in the client's scale.
                    assert_eq!(th.window, ((1u32 << 20) >> CLIENT_LEG.rcv_wscale) as u16);
                }
                Side::Backend => {
                    assert_eq!(th.seq, BACKEND_LEG.snd_nxt.wrapping_sub(1));
                    assert_eq!(th.ack, BACKEND_LEG.rcv_nxt + 400);
                    // The client's latest window (1000 bytes), unscaled.
                    assert_eq!(th.window, 1000);
                }
            }
        }
    }
}

#[test]
fn kicks_quote_the_peers_own_segment() {
    for family in [Family::V4, Family::V6] {
        let sp = splice(family);
        let mut out = [0u8; MAX_PACKET];
        for to in Side::BOTH {
            let n = kick(&sp, to, 0xdead_beef, &mut out);
            let pkt = &out[..n];
            let proto = match family {
                Family::V4 => IPPROTO_ICMP,
                Family::V6 => IPPROTO_ICMPV6,
            };
            let ip = verify(family, pkt, proto);
            let expect = match family {
                Family::V4 => [3, 1],
                Family::V6 => [1, 0],
            };
            assert_eq!(pkt[ip..ip + 2], expect, "unreachable, host or no route");
            let q = icmp::quote(family, pkt).expect("a quote the stack finds");
            let leg = sp.tuple(to);
            // The quoted segment went from the peer to the proxy.
            assert_eq!(q.src, leg.remote);
            assert_eq!(q.dst, leg.local);
            assert_eq!(pkt[q.tcp + 4..q.tcp + 8], 0xdead_beefu32.to_be_bytes());
            assert_eq!(n, q.tcp + 8, "eight bytes of TCP quoted");
            if family == Family::V4 {
                assert_eq!(checksum(&pkt[q.ip..q.tcp], 0), 0, "quoted header checksum");
            }
        }
    }
}

/// The backend sent 1000 bytes (in the client's numbers from
/// `CLIENT_LEG.snd_nxt`) of which the client acknowledged 400 before the
/// proxy died; `order` says whose answer to the probes comes first.
fn stalled_download(backend_first: bool, backend_snd_nxt: u32) -> Vec<[Option<u32>; 2]> {
    let sp = splice(Family::V4);
    let mut t = sp.tracker([65535, 65535]);
    let mut n = Nudge::new();
    assert!(n.active());
    let client = seg(flags::ACK, BACKEND_LEG.snd_nxt, 0, CLIENT_LEG.snd_nxt + 400);
    let backend = seg(flags::ACK, backend_snd_nxt, 0, BACKEND_LEG.snd_nxt);
    let mut order = vec![(Side::Client, client), (Side::Backend, backend)];
    if backend_first {
        order.reverse();
    }
    let mut kicks = Vec::new();
    for (from, s) in order {
        t.segment(from, &s);
        kicks.push(n.segment(&sp, from, &s, &t));
    }
    assert!(!n.active(), "both peers decided");
    kicks
}

#[test]
fn a_sender_waiting_on_its_timer_is_kicked_at_its_oldest_byte() {
    // The backend's oldest unacknowledged byte, in its own numbers.
    let una = BACKEND_LEG.rcv_nxt + 400;
    let ahead = CLIENT_LEG.snd_nxt + 1000;
    // The backend answers last: kicked on its own answer.
    assert_eq!(
        stalled_download(false, ahead),
        vec![[None, None], [None, Some(una)]]
    );
    // The backend answers first: kicked once the client's acknowledgement
    // (forwarded to it just before) tells where its data stands.
    assert_eq!(
        stalled_download(true, ahead),
        vec![[None, None], [None, Some(una)]]
    );
}

#[test]
fn a_sender_with_everything_acknowledged_is_left_alone() {
    let acked = CLIENT_LEG.snd_nxt + 400;
    for backend_first in [false, true] {
        assert_eq!(
            stalled_download(backend_first, acked),
            vec![[None, None], [None, None]]
        );
    }
}

#[test]
fn a_peer_that_sends_data_is_not_waiting() {
    let sp = splice(Family::V4);
    let mut t = sp.tracker([65535, 65535]);
    let mut n = Nudge::new();
    // The backend's retransmission arrives first: it is sending.
    let data = seg(
        flags::ACK,
        CLIENT_LEG.snd_nxt + 400,
        1000,
        BACKEND_LEG.snd_nxt,
    );
    t.segment(Side::Backend, &data);
    assert_eq!(n.segment(&sp, Side::Backend, &data, &t), [None, None]);
    // Then pure ACKs from both: no kick for the backend, and the client has
    // nothing outstanding.
    let ack = seg(flags::ACK, BACKEND_LEG.snd_nxt, 0, CLIENT_LEG.snd_nxt + 400);
    t.segment(Side::Client, &ack);
    assert_eq!(n.segment(&sp, Side::Client, &ack, &t), [None, None]);
    let ack = seg(
        flags::ACK,
        CLIENT_LEG.snd_nxt + 1400,
        0,
        BACKEND_LEG.snd_nxt,
    );
    t.segment(Side::Backend, &ack);
    assert_eq!(n.segment(&sp, Side::Backend, &ack, &t), [None, None]);
    assert!(!n.active());
}

#[test]
fn an_interactive_client_waiting_on_its_timer_is_kicked() {
    let sp = splice(Family::V6);
    let mut t = sp.tracker([65535, 65535]);
    let mut n = Nudge::new();
    // The client sent a 100-byte request (backend numbers from
    // BACKEND_LEG.snd_nxt) that the backend never got; both answer the
    // probes with pure ACKs. The client's numbers wrap soon.
    let ack = seg(flags::ACK, CLIENT_LEG.snd_nxt, 0, BACKEND_LEG.snd_nxt);
    t.segment(Side::Backend, &ack);
    assert_eq!(n.segment(&sp, Side::Backend, &ack, &t), [None, None]);
    let ack = seg(flags::ACK, BACKEND_LEG.snd_nxt + 100, 0, CLIENT_LEG.snd_nxt);
    t.segment(Side::Client, &ack);
    assert_eq!(
        n.segment(&sp, Side::Client, &ack, &t),
        [Some(CLIENT_LEG.rcv_nxt), None]
    );
    assert!(!n.active());
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    fn arb_leg() -> impl Strategy<Value = Leg> {
        (any::<u32>(), any::<u32>(), 0u8..=14).prop_map(|(s, r, rw)| Leg {
            snd_nxt: s,
            rcv_nxt: r,
            rcv_wscale: rw,
            ..Leg::default()
        })
    }

    proptest! {
        /// Whatever the numbers: probes and kicks parse as the peer's stack
        /// parses them, with every checksum right, and a stalled sender is
        /// kicked at exactly the byte its peer acknowledged, in its own
        /// numbers.
        #[test]
        fn packets_parse_and_kicks_quote_the_acknowledged_byte(
            c in arb_leg(), b in arb_leg(), v6 in any::<bool>(),
            acked in (0u32..1 << 30, 0u32..1 << 30), ahead in 1u32..1 << 30,
            windows in (any::<u32>(), any::<u32>()),
        ) {
            let family = if v6 { Family::V6 } else { Family::V4 };
            let mut sp = splice(family);
            sp = Splice::new(family, [*sp.tuple(Side::Client), *sp.tuple(Side::Backend)], [c, b]);
            // A replica's tracker, as a takeover finds it.
            let mut t = sp.tracker([windows.0, windows.1]);
            t.resync();
            // Each peer acknowledges some of what the other sent.
            let ca = seg(flags::ACK, b.snd_nxt, 0, c.snd_nxt.wrapping_add(acked.0));
            let ba = seg(flags::ACK, c.snd_nxt, 0, b.snd_nxt.wrapping_add(acked.1));
            t.segment(Side::Client, &ca);
            t.segment(Side::Backend, &ba);
            let mut out = [0u8; MAX_PACKET];
            for to in Side::BOTH {
                let n = probe(&sp, &t, to, &mut out);
                let ip = verify(family, &out[..n], IPPROTO_TCP);
                let th = packet::tcp(&out[ip..n]).unwrap();
                prop_assert_eq!(th.seq, t.acked(to).wrapping_sub(1));
                let n = kick(&sp, to, th.ack, &mut out);
                let proto = if v6 { IPPROTO_ICMPV6 } else { IPPROTO_ICMP };
                verify(family, &out[..n], proto);
                prop_assert!(icmp::quote(family, &out[..n]).is_some());
            }
            // The backend is stalled with `ahead` bytes beyond what the
            // client acknowledged; both answer the probes.
            let mut nd = Nudge::new();
            let una = t.acked(Side::Client);
            let answer = seg(flags::ACK, una.wrapping_add(ahead), 0, t.acked(Side::Backend));
            t.segment(Side::Backend, &answer);
            prop_assert_eq!(nd.segment(&sp, Side::Backend, &answer, &t), [None, None]);
            t.segment(Side::Client, &ca);
            let kicks = nd.segment(&sp, Side::Client, &ca, &t);
            let seq = kicks[Side::Backend.index()].expect("the stalled backend is kicked");
            prop_assert_eq!(kicks[Side::Client.index()], None);
            // Its own byte `seq` is the client's acknowledged `una`.
            prop_assert_eq!(sp.unmap_seq(Side::Backend, una), seq);
            prop_assert_eq!(seq.wrapping_sub(b.rcv_nxt), una.wrapping_sub(c.snd_nxt));
        }
    }
}

/// The window update as the peer's stack parses it: from the proxy's next
/// byte, acknowledging all the peer sent, the other peer's window in this
/// leg's scale, the leg's timestamps when it has them.
fn check_update(sp: &Splice, to: Side, offered: u32, pkt: &[u8]) {
    let family = sp.family();
    let ip = verify(family, pkt, IPPROTO_TCP);
    let th = packet::tcp(&pkt[ip..]).unwrap();
    let (t, leg) = (sp.tuple(to), sp.leg(to));
    assert_eq!((th.src_port, th.dst_port), (t.local.port, t.remote.port));
    assert_eq!(th.flags, flags::ACK);
    assert_eq!((th.seq, th.ack), (leg.snd_nxt, leg.rcv_nxt));
    let want = (offered >> leg.rcv_wscale).min(0xffff) as u16;
    assert_eq!(th.window, want);
    let opts = &pkt[ip + TCP_MIN_HEADER..ip + th.header_len];
    match leg.ts {
        Some(ts) => {
            assert_eq!(th.header_len, TCP_MIN_HEADER + 12);
            assert_eq!(&opts[..4], &[1, 1, 8, 10]);
            assert_eq!(u32::from_be_bytes(opts[4..8].try_into().unwrap()), ts.now);
            assert_eq!(
                u32::from_be_bytes(opts[8..12].try_into().unwrap()),
                ts.recent
            );
        }
        None => assert!(opts.is_empty()),
    }
    assert_eq!(pkt.len(), ip + th.header_len, "no payload");
}

#[test]
fn window_updates_offer_the_other_peers_window() {
    for family in [Family::V4, Family::V6] {
        for with_ts in [true, false] {
            let mut legs = [CLIENT_LEG, BACKEND_LEG];
            if !with_ts {
                legs[0].ts = None;
                legs[1].ts = None;
            }
            let base = splice(family);
            let sp = Splice::new(
                family,
                [*base.tuple(Side::Client), *base.tuple(Side::Backend)],
                legs,
            );
            let mut out = [0u8; MAX_PACKET];
            for to in Side::BOTH {
                // The proxy offered 1 KiB; the other peer offers 3 MiB.
                let n = window_update(&sp, to, 3 << 20, 1024, &mut out).expect("opens the window");
                check_update(&sp, to, 3 << 20, &out[..n]);
                // Beyond what 16 bits carry in this leg's scale: the most it can say.
                let big = u32::MAX;
                let n = window_update(&sp, to, big, 1024, &mut out).expect("opens the window");
                check_update(&sp, to, big, &out[..n]);
            }
        }
    }
}

#[test]
fn window_updates_never_shrink_or_repeat_a_window() {
    let sp = splice(Family::V4);
    let mut out = [0u8; MAX_PACKET];
    for to in Side::BOTH {
        let shift = sp.leg(to).rcv_wscale;
        let unit = 1u32 << shift;
        // The same window as advertised, one a scale unit short of it, and
        // a smaller one: nothing to send.
        for offered in [10 * unit, 10 * unit + unit - 1, 3 * unit, 0] {
            assert_eq!(
                window_update(&sp, to, offered, 10 * unit, &mut out),
                None,
                "{offered}"
            );
        }
        // One scale unit more: sent.
        let n = window_update(&sp, to, 11 * unit, 10 * unit, &mut out).unwrap();
        check_update(&sp, to, 11 * unit, &out[..n]);
    }
}
