// SPDX-License-Identifier: GPL-2.0
//! Fuzz the cluster's sync decoder. The first byte picks the mode: 0 feeds
//! the rest to `sync::open` as a datagram off the wire; otherwise the rest,
//! after a kind byte, is sealed as a body with the right key (so the body
//! parsers are reached past the tag) and opened again. Checks beyond "no
//! panic": an opened datagram re-seals to the same bytes, every decoded
//! operation and heartbeat encodes and decodes back to itself, and the
//! replay window never accepts one (incarnation, counter) twice.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tcpsplice_core::siphash::Key;
use tcpsplice_core::sync::{self, Header, Heartbeat, Kind, Op, ReplayWindow, HEADER_LEN, MAX_DATAGRAM};

const KEY: Key = Key([0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908]);

fn check_body(kind: Kind, body: &[u8]) {
    match kind {
        Kind::Heartbeat => {
            if let Ok(hb) = Heartbeat::decode(body) {
                let mut out = [0u8; 512];
                let n = hb.encode(&mut out).expect("fits");
                assert_eq!(Heartbeat::decode(&out[..n]), Ok(hb));
            }
        }
        Kind::Ack => {
            let _ = sync::decode_ack(body);
        }
        Kind::Update => {
            if let Ok(h) = sync::decode_update(body) {
                let mut n = 0;
                for op in sync::ops(body) {
                    let mut out = [0u8; 256];
                    let len = op.encode(&mut out).expect("fits");
                    assert_eq!(Op::decode(&out[..len]), Ok((op, len)));
                    n += 1;
                }
                assert_eq!(n, h.n_ops);
            }
        }
    }
}

fn reseal(d: &[u8], h: &Header, body: &[u8]) {
    let mut buf = [0u8; MAX_DATAGRAM + 64];
    buf[HEADER_LEN..HEADER_LEN + body.len()].copy_from_slice(body);
    let n = sync::seal(&mut buf, h, body.len(), &KEY).expect("an opened body fits");
    assert_eq!(&buf[..n], d);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode == 0 {
        if let Ok((h, body)) = sync::open(rest, &KEY) {
            reseal(rest, &h, body);
            check_body(h.kind, body);
        }
        // The replay window over counters taken from the input.
        let mut w = ReplayWindow::default();
        let mut seen = std::collections::HashSet::new();
        for c in rest.chunks_exact(3) {
            let (inc, ctr) = (u64::from(c[0] % 3), u64::from(u16::from_le_bytes([c[1], c[2]])));
            if w.check(inc, ctr).is_ok() {
                assert!(seen.insert((inc, ctr)), "accepted twice");
                assert_eq!(w.incarnation(), inc);
            }
        }
        return;
    }
    let Some((&k, body)) = rest.split_first() else {
        return;
    };
    let kind = match k % 3 {
        0 => Kind::Heartbeat,
        1 => Kind::Update,
        _ => Kind::Ack,
    };
    let h = Header {
        kind,
        from: 1,
        to: 2,
        incarnation: 9,
        counter: 1,
    };
    let mut buf = [0u8; MAX_DATAGRAM + 64];
    let body = &body[..body.len().min(sync::MAX_BODY)];
    buf[HEADER_LEN..HEADER_LEN + body.len()].copy_from_slice(body);
    let n = sync::seal(&mut buf, &h, body.len(), &KEY).expect("fits");
    let (got, b) = sync::open(&buf[..n], &KEY).expect("sealed with the key");
    assert_eq!(got, h);
    assert_eq!(b, body);
    check_body(kind, b);
});
