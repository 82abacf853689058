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

/// One node: its keys and its view of the other.
struct Node {
    ring: KeyRing,
    peer: PeerKey,
}

impl Node {
    /// The keys of the datagrams of one heartbeat to the other node.
    fn heartbeat(&self, now: u64) -> Vec<Key> {
        let mut keys = Vec::from([*self.ring.for_peer(self.peer, now)]);
        keys.extend(self.ring.probe(self.peer, now).copied());
        keys
    }

    fn receive(&mut self, key: &Key, now: u64) {
        if let Ok((_, _, old)) = self.ring.open(&sealed_with(key), now) {
            self.peer = self.peer.heard(old);
        }
    }

    fn settle(&mut self, now: u64) {
        self.ring.settle([self.peer].into_iter(), now);
    }
}

/// Two nodes rotate a few seconds apart, and each hears the other under the
/// old key after its own change (B hears A's old-key heartbeat before it
/// sends anything): without the probe under the new key both would keep
/// using the old one until the grace period ran out. With it, both finish
/// within two heartbeats of the second change.
#[test]
fn two_nodes_that_heard_each_other_under_the_old_key_still_switch() {
    let mut a = Node {
        ring: KeyRing::new(OLD),
        peer: PeerKey::Unknown,
    };
    let mut b = Node {
        ring: KeyRing::new(OLD),
        peer: PeerKey::Unknown,
    };
    a.ring.rotate(NEW, 0);
    // A hears B (old key only): B is Old for A.
    a.receive(&OLD, 100);
    assert_eq!(a.peer, PeerKey::Old);
    // B changes; before it sends, A's heartbeat arrives, old key first.
    b.ring.rotate(NEW, 2000);
    let mut hb = a.heartbeat(2050);
    assert_eq!(hb, [OLD, NEW]);
    b.receive(&hb[0], 2050);
    assert_eq!(b.peer, PeerKey::Old);
    b.receive(&hb[1], 2050);
    assert_eq!(b.peer, PeerKey::New);
    for t in [2100u64, 2200] {
        hb = b.heartbeat(t);
        for k in &hb {
            a.receive(k, t);
        }
        hb = a.heartbeat(t + 50);
        for k in &hb {
            b.receive(k, t + 50);
        }
        a.settle(t + 60);
        b.settle(t + 60);
    }
    assert_eq!((a.peer, b.peer), (PeerKey::New, PeerKey::New));
    assert!(!a.ring.rotating() && !b.ring.rotating());
    assert_eq!(a.heartbeat(3000), [NEW]);
}

#[test]
fn no_probe_outside_a_rotation_or_to_peers_on_the_new_key() {
    let mut r = KeyRing::new(OLD);
    assert_eq!(r.probe(PeerKey::Old, 0), None);
    r.rotate(NEW, 0);
    assert_eq!(r.probe(PeerKey::Old, 1), Some(&NEW));
    assert_eq!(r.probe(PeerKey::New, 1), None);
    assert_eq!(r.probe(PeerKey::Unknown, 1), None);
    assert_eq!(r.probe(PeerKey::Old, KEY_GRACE_MS), None);
}
