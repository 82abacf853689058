// SPDX-License-Identifier: GPL-2.0
//! Rotating the cluster key without a gap.
//!
//! Nodes get a new key one after the other, so for a while some seal with
//! the old key and some with the new one. A node given a new key keeps the
//! old one as its *previous* key: it opens datagrams with either, and seals
//! for each peer with the key that peer was last heard using, until the peer
//! is heard with the new key (then always the new one); meanwhile every
//! heartbeat to such a peer also goes out under the new key, which the peer
//! takes as soon as it has that key itself ([`KeyRing::probe`]). Once every
//! peer uses the new key, or [`KEY_GRACE_MS`] after the change, the previous key is
//! forgotten. A node that hears nothing from a peer yet seals with the new
//! key: at most the datagrams before the peer's first answer are lost.

use super::siphash::Key;
use super::sync::{self, Header, Reject};

/// How long a previous key stays accepted at most, milliseconds.
pub const KEY_GRACE_MS: u64 = 10 * 60 * 1000;

/// Which key a peer was last heard using, since this node's last key change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PeerKey {
    /// Not heard since.
    #[default]
    Unknown,
    /// Heard with the previous key only.
    Old,
    /// Heard with the current key (for good: a peer that has the new key
    /// accepts it, whatever it still seals with).
    New,
}

impl PeerKey {
    /// The state after a valid datagram from the peer, opened with the
    /// previous key (`old`) or the current one.
    pub fn heard(self, old: bool) -> PeerKey {
        if !old || self == PeerKey::New {
            PeerKey::New
        } else {
            PeerKey::Old
        }
    }
}

/// The current key and, while a rotation runs, the previous one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyRing {
    current: Key,
    /// The previous key and when it stops being accepted (ms).
    previous: Option<(Key, u64)>,
}

impl KeyRing {
    /// A ring holding only `key`.
    pub fn new(key: Key) -> Self {
        KeyRing {
            current: key,
            previous: None,
        }
    }

    /// The key this node seals with by default.
    pub fn current(&self) -> &Key {
        &self.current
    }

    /// Take `key` as the current key at time `now`. A different key starts a
    /// rotation (returns `true`): the current key becomes the previous one.
    /// The same key changes nothing.
    pub fn rotate(&mut self, key: Key, now: u64) -> bool {
        if key == self.current {
            return false;
        }
        self.previous = Some((self.current, now.saturating_add(KEY_GRACE_MS)));
        self.current = key;
        true
    }

    /// The previous key, while it is still accepted.
    pub fn previous(&self, now: u64) -> Option<&Key> {
        self.previous
            .as_ref()
            .filter(|(_, until)| now < *until)
            .map(|(k, _)| k)
    }

    /// Open a datagram with the current key or, failing its tag, with the
    /// previous one. `Ok` also says whether the previous key opened it.
    pub fn open<'a>(&self, d: &'a [u8], now: u64) -> Result<(Header, &'a [u8], bool), Reject> {
        match sync::open(d, &self.current) {
            Ok((h, body)) => Ok((h, body, false)),
            Err(Reject::BadTag) => match self.previous(now) {
                Some(k) => sync::open(d, k).map(|(h, body)| (h, body, true)),
                None => Err(Reject::BadTag),
            },
            Err(e) => Err(e),
        }
    }

    /// The key to seal with for a peer last heard as `peer`.
    pub fn for_peer(&self, peer: PeerKey, now: u64) -> &Key {
        match (peer, self.previous(now)) {
            (PeerKey::Old, Some(k)) => k,
            _ => &self.current,
        }
    }

    /// The key of a second copy of each heartbeat to a peer last heard with
    /// the previous key: the current one, so that a peer that has it too
    /// learns that this node has it and switches over (otherwise two nodes
    /// that each heard the other under the old key would keep using it).
    /// A peer without the new key drops the copy (`sync_reject_bad_tag`).
    pub fn probe(&self, peer: PeerKey, now: u64) -> Option<&Key> {
        match (peer, self.previous(now)) {
            (PeerKey::Old, Some(_)) => Some(&self.current),
            _ => None,
        }
    }

    /// Forget the previous key once every peer uses the current one, or its
    /// time ran out. Returns `true` when that happens by this call.
    pub fn settle(&mut self, mut peers: impl Iterator<Item = PeerKey>, now: u64) -> bool {
        let Some((_, until)) = self.previous else {
            return false;
        };
        if now >= until || peers.all(|p| p == PeerKey::New) {
            self.previous = None;
            return true;
        }
        false
    }

    /// Whether a rotation is still under way.
    pub fn rotating(&self) -> bool {
        self.previous.is_some()
    }
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
