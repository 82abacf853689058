// SPDX-License-Identifier: GPL-2.0
use super::*;
use crate::splice::tests::ep;
use crate::translate::SAMPLE_LEGS;
use std::vec::Vec;

const KEY: Key = Key([0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908]);

fn header(kind: Kind, counter: u64) -> Header {
    Header {
        kind,
        from: 1,
        to: 2,
        incarnation: 77,
        counter,
    }
}

pub(crate) fn sample_replica() -> Replica {
    let tuples = [
        Tuple {
            local: ep(&[192, 0, 2, 100], 80),
            remote: ep(&[198, 51, 100, 7], 40001),
        },
        Tuple {
            local: ep(&[203, 0, 113, 11], 50123),
            remote: ep(&[203, 0, 113, 21], 8080),
        },
    ];
    let mut legs = SAMPLE_LEGS;
    legs[1].ts = None;
    legs[1].sack = false;
    Replica {
        splice: Splice::new(Family::V4, tuples, legs),
        mss: [1460, 1400],
        windows: [65535, 3 << 20],
        split: false,
    }
}

fn sealed(kind: Kind, counter: u64, body: &[u8]) -> Vec<u8> {
    let mut buf = [0u8; MAX_DATAGRAM];
    buf[HEADER_LEN..HEADER_LEN + body.len()].copy_from_slice(body);
    let n = seal(&mut buf, &header(kind, counter), body.len(), &KEY).unwrap();
    buf[..n].to_vec()
}

#[test]
fn seal_then_open_round_trips() {
    let d = sealed(Kind::Ack, 5, &[0, 0, 0, 1, 0, 0, 0, 9]);
    assert_eq!(d.len(), HEADER_LEN + 8 + TAG_LEN);
    assert_eq!(&d[..4], b"TSPL");
    let (h, body) = open(&d, &KEY).unwrap();
    assert_eq!(h, header(Kind::Ack, 5));
    assert_eq!(decode_ack(body), Ok((1, 9)));
}

#[test]
fn any_change_wrong_key_or_truncation_is_refused() {
    let d = sealed(Kind::Ack, 5, &[0, 0, 0, 1, 0, 0, 0, 9]);
    for i in 0..d.len() {
        for bit in 0..8 {
            let mut m = d.clone();
            m[i] ^= 1 << bit;
            assert!(open(&m, &KEY).is_err(), "byte {i} bit {bit}");
        }
    }
    for n in 0..d.len() {
        assert_eq!(open(&d[..n], &KEY), Err(Reject::Truncated), "length {n}");
    }
    let mut long = d.clone();
    long.push(0);
    assert_eq!(open(&long, &KEY), Err(Reject::Truncated));
    assert_eq!(open(&d, &Key([1, 2])), Err(Reject::BadTag));
    let mut v2 = d.clone();
    v2[4] = 2;
    assert_eq!(open(&v2, &KEY), Err(Reject::Version));
}

#[test]
fn a_sender_cannot_exceed_the_largest_datagram() {
    let mut buf = [0u8; 2048];
    assert!(seal(&mut buf, &header(Kind::Update, 1), MAX_BODY + 1, &KEY).is_none());
    assert_eq!(
        seal(&mut buf, &header(Kind::Update, 1), MAX_BODY, &KEY),
        Some(MAX_DATAGRAM)
    );
}

#[test]
fn the_replay_window_accepts_each_counter_once_and_reordering_within_64() {
    let mut w = ReplayWindow::default();
    assert_eq!(w.check(7, 0), Err(Reject::Replayed)); // counters start at 1
    assert_eq!(w.check(7, 10), Ok(Fresh::Restarted { first: true }));
    assert_eq!(w.check(7, 10), Err(Reject::Replayed));
    assert_eq!(w.check(7, 12), Ok(Fresh::Same));
    assert_eq!(w.check(7, 11), Ok(Fresh::Same)); // late but new
    assert_eq!(w.check(7, 11), Err(Reject::Replayed));
    assert_eq!(w.check(7, 100), Ok(Fresh::Same));
    assert_eq!(w.check(7, 37), Ok(Fresh::Same)); // 63 back: inside
    assert_eq!(w.check(7, 36), Err(Reject::Replayed)); // 64 back: too old
                                                       // An older incarnation is a replay; a newer one is a restart.
    assert_eq!(w.check(6, 1000), Err(Reject::Replayed));
    assert_eq!(w.check(8, 1), Ok(Fresh::Restarted { first: false }));
    assert_eq!(w.incarnation(), 8);
    assert_eq!(w.check(7, 101), Err(Reject::Replayed));
}

#[test]
fn heartbeats_round_trip_and_reject_bad_claims() {
    let mut hb = Heartbeat {
        ready: true,
        ack: (3, 41),
        n_claims: 2,
        ..Heartbeat::default()
    };
    hb.claims[0] = Addr {
        v6: false,
        addr: ep(&[192, 0, 2, 100], 0).addr,
    };
    hb.claims[1] = Addr {
        v6: true,
        addr: [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    };
    assert_eq!(std::format!("{}", hb.claims[0]), "192.0.2.100");
    assert_eq!(std::format!("{}", hb.claims[1]), "2001:db8:0:0:0:0:0:1");
    let mut out = [0u8; 64];
    let n = hb.encode(&mut out).unwrap();
    assert_eq!(Heartbeat::decode(&out[..n]), Ok(hb));
    assert_eq!(Heartbeat::decode(&out[..n - 1]), Err(Reject::Malformed));
    let mut bad = out;
    bad[12] = 5; // family
    assert_eq!(Heartbeat::decode(&bad[..n]), Err(Reject::Malformed));
    let mut bad = out;
    bad[1] = MAX_CLAIMS as u8 + 1;
    assert_eq!(Heartbeat::decode(&bad[..n]), Err(Reject::Malformed));
    let mut bad = out;
    bad[17] = 1; // an IPv4 claim with bytes past the address
    assert_eq!(Heartbeat::decode(&bad[..n]), Err(Reject::Malformed));
    // The flags byte: ready (1) and standing down (2), nothing else.
    hb.standing_down = true;
    let n = hb.encode(&mut out).unwrap();
    assert_eq!(out[0], 3);
    assert_eq!(Heartbeat::decode(&out[..n]), Ok(hb));
    let mut bad = out;
    bad[0] = 4;
    assert_eq!(Heartbeat::decode(&bad[..n]), Err(Reject::Malformed));
}

#[test]
fn updates_round_trip_every_operation() {
    let r = sample_replica();
    let del = Op::Del {
        family: Family::V4,
        client: *r.splice.tuple(crate::conn::Side::Client),
        reason: DelReason::Idle,
    };
    let mut buf = [0u8; MAX_BODY];
    let mut w = UpdateWriter::new(&mut buf, 2, 9).unwrap();
    assert!(w.push(&Op::Add(r)));
    assert!(w.push(&del));
    let (len, n) = (w.body_len(), w.ops());
    let mut w = UpdateWriter::resume(&mut buf, len, n).unwrap();
    assert!(w.push(&Op::BulkDone));
    let len = w.body_len();
    assert_eq!(len, UPDATE_HEADER_LEN + ADD_LEN + DEL_LEN + 1);
    let h = decode_update(&buf[..len]).unwrap();
    assert_eq!((h.gen, h.seq, h.n_ops), (2, 9, 3));
    let got: Vec<Op> = ops(&buf[..len]).collect();
    assert_eq!(got, [Op::Add(r), del, Op::BulkDone]);
    // Trailing bytes, a missing operation, a bad reason: all refused.
    assert_eq!(decode_update(&buf[..len + 1]), Err(Reject::Malformed));
    assert_eq!(decode_update(&buf[..len - 1]), Err(Reject::Malformed));
    let mut bad = buf;
    bad[UPDATE_HEADER_LEN + ADD_LEN + 1] = 9;
    assert_eq!(decode_update(&bad[..len]), Err(Reject::Malformed));
}

#[test]
fn a_full_update_refuses_more_operations() {
    let r = sample_replica();
    let mut buf = [0u8; 4096];
    let mut w = UpdateWriter::new(&mut buf, 1, 1).unwrap();
    let mut n = 0;
    while w.push(&Op::Add(r)) {
        n += 1;
    }
    assert_eq!(n, (MAX_BODY - UPDATE_HEADER_LEN) / ADD_LEN);
    assert!(w.body_len() <= MAX_BODY);
    assert_eq!(usize::from(w.ops()), n);
}

#[test]
fn replicas_rebuild_the_same_translation() {
    let r = sample_replica();
    let mut b = [0u8; ADD_LEN];
    Op::Add(r).encode(&mut b).unwrap();
    let (op, n) = Op::decode(&b).unwrap();
    assert_eq!(n, ADD_LEN);
    let Op::Add(back) = op else {
        panic!("not an add")
    };
    // Same maps, so the same bytes on the wire for every packet.
    assert_eq!(back.splice, r.splice);
    // IPv4 addresses with junk past the fourth byte are refused.
    let mut bad = b;
    bad[2 + 5] = 1;
    assert_eq!(Op::decode(&bad), Err(Reject::Malformed));
    let mut bad = b;
    bad[2 + 2 * 36 + 17] = 15; // window scale past 14
    assert_eq!(Op::decode(&bad), Err(Reject::Malformed));
}

#[test]
fn split_replicas_travel_as_operation_4_and_name_their_backend() {
    let mut r = sample_replica();
    assert_eq!(r.split_to(), None);
    r.split = true;
    let mut b = [0u8; ADD_LEN];
    Op::Add(r).encode(&mut b).unwrap();
    assert_eq!(b[0], 4);
    let (op, _) = Op::decode(&b).unwrap();
    assert_eq!(op, Op::Add(r));
    let to = r.split_to().unwrap();
    assert!(!to.v6);
    assert_eq!(to.addr[..4], [203, 0, 113, 21]);
    // The same bytes under operation 1 are a splice the proxies forward.
    b[0] = 1;
    let (Op::Add(plain), _) = Op::decode(&b).unwrap() else {
        panic!("not an add")
    };
    assert!(!plain.split);
    assert_eq!(plain.splice, r.splice);
    // Operation 5 does not exist.
    b[0] = 5;
    assert_eq!(Op::decode(&b), Err(Reject::Malformed));
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn open_never_panics_and_only_accepts_sealed_bytes(d in proptest::collection::vec(any::<u8>(), 0..1300)) {
            if let Ok((_, body)) = open(&d, &KEY) {
                let (h, _) = open(&d, &KEY).unwrap();
                let again = sealed(h.kind, h.counter, body);
                prop_assert_eq!(&again[..], &d[..]);
            }
            let _ = decode_update(&d);
            let _ = Heartbeat::decode(&d);
            let _ = ops(&d).count();
        }
    }
}
