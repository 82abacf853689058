// SPDX-License-Identifier: GPL-2.0
use super::*;
use crate::sync::{seal, Kind, HEADER_LEN, MAX_DATAGRAM};
use std::vec::Vec;

const OLD: Key = Key([1, 2]);
const NEW: Key = Key([3, 4]);
const OTHER: Key = Key([5, 6]);

fn sealed_with(key: &Key) -> Vec<u8> {
    let mut buf = [0u8; MAX_DATAGRAM];
    let h = Header {
        kind: Kind::Ack,
        from: 1,
        to: 2,
        incarnation: 9,
        counter: 1,
    };
    buf[HEADER_LEN..HEADER_LEN + 8].copy_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1]);
    let n = seal(&mut buf, &h, 8, key).unwrap();
    buf[..n].to_vec()
}

#[test]
fn the_same_key_again_is_no_rotation() {
    let mut r = KeyRing::new(OLD);
    assert!(!r.rotate(OLD, 0));
    assert!(!r.rotating());
    assert!(!r.open(&sealed_with(&OLD), 0).unwrap().2);
}

#[test]
fn both_keys_open_during_a_rotation_and_only_the_new_one_after() {
    let mut r = KeyRing::new(OLD);
    assert!(r.rotate(NEW, 1000));
    assert_eq!(r.current(), &NEW);
    assert!(!r.open(&sealed_with(&NEW), 1000).unwrap().2);
    assert!(r.open(&sealed_with(&OLD), 1000).unwrap().2);
    assert_eq!(
        r.open(&sealed_with(&OTHER), 1000).unwrap_err(),
        Reject::BadTag
    );
    // The grace period ends: the old key no longer opens anything.
    let end = 1000 + KEY_GRACE_MS;
    assert!(r.open(&sealed_with(&OLD), end - 1).unwrap().2);
    assert_eq!(r.open(&sealed_with(&OLD), end).unwrap_err(), Reject::BadTag);
    assert!(r.settle([PeerKey::Old].into_iter(), end));
    assert!(!r.rotating());
}

#[test]
fn other_refusals_are_not_retried_with_the_previous_key() {
    let mut r = KeyRing::new(OLD);
    r.rotate(NEW, 0);
    let mut d = sealed_with(&OLD);
    d.truncate(HEADER_LEN);
    assert_eq!(r.open(&d, 0).unwrap_err(), Reject::Truncated);
}

#[test]
fn peers_get_the_key_they_were_heard_with_until_they_use_the_new_one() {
    let mut r = KeyRing::new(OLD);
    r.rotate(NEW, 0);
    // Not heard yet: the new key (a peer that has it accepts it at once).
    assert_eq!(r.for_peer(PeerKey::Unknown, 1), &NEW);
    let p = PeerKey::Unknown.heard(true);
    assert_eq!(p, PeerKey::Old);
    assert_eq!(r.for_peer(p, 1), &OLD);
    let p = p.heard(false);
    assert_eq!(p, PeerKey::New);
    // Once heard with the new key, a late datagram under the old one does
    // not switch the peer back.
    assert_eq!(p.heard(true), PeerKey::New);
    assert_eq!(r.for_peer(p, 1), &NEW);
    // An Old peer after the grace period gets the new key: the old one is gone.
    assert_eq!(r.for_peer(PeerKey::Old, KEY_GRACE_MS), &NEW);
}

#[test]
fn the_previous_key_goes_once_every_peer_uses_the_new_one() {
    let mut r = KeyRing::new(OLD);
    r.rotate(NEW, 0);
    assert!(!r.settle([PeerKey::New, PeerKey::Old].into_iter(), 5));
    assert!(!r.settle([PeerKey::New, PeerKey::Unknown].into_iter(), 5));
    assert!(r.rotating());
    assert!(r.settle([PeerKey::New, PeerKey::New].into_iter(), 5));
    assert!(!r.rotating());
    assert_eq!(r.open(&sealed_with(&OLD), 6).unwrap_err(), Reject::BadTag);
    // A second call has nothing left to do.
    assert!(!r.settle([].into_iter(), 7));
}

#[test]
fn a_second_rotation_forgets_the_first_key() {
    let mut r = KeyRing::new(OLD);
    r.rotate(NEW, 0);
    r.rotate(OTHER, 1);
    assert!(r.open(&sealed_with(&NEW), 1).unwrap().2);
    assert_eq!(r.open(&sealed_with(&OLD), 1).unwrap_err(), Reject::BadTag);
}
