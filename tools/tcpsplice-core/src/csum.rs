// SPDX-License-Identifier: GPL-2.0
//! Internet checksum arithmetic (RFC 1071) and incremental updates (RFC 1624).
//!
//! A [`Delta`] accumulates the change that a series of byte edits makes to a
//! ones'-complement sum. Each edit names the byte offset it starts at, counted
//! from the start of the summed area, so fields at odd offsets (TCP options
//! can put a SACK block or a timestamp anywhere) are weighed correctly, which
//! the kernel's `inet_proto_csum_replace4` does not do by itself.

/// The accumulated change to a ones'-complement sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delta(u32);

fn fold(mut s: u32) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

fn weigh(offset: usize, b: u8) -> u32 {
    if offset & 1 == 0 {
        u32::from(b) << 8
    } else {
        u32::from(b)
    }
}

impl Delta {
    /// Record that the bytes at `offset` change from `old` to `new` (same length).
    pub fn replace(&mut self, offset: usize, old: &[u8], new: &[u8]) {
        debug_assert_eq!(old.len(), new.len());
        let mut s = self.0;
        for (i, (&o, &n)) in old.iter().zip(new).enumerate() {
            // Subtracting x in ones'-complement is adding its complement.
            s += 0xffff - weigh(offset + i, o) + weigh(offset + i, n);
            s = (s & 0xffff) + (s >> 16);
        }
        self.0 = s;
    }

    /// Merge another delta into this one.
    pub fn add(&mut self, other: Delta) {
        self.0 = u32::from(fold(self.0 + other.0));
    }

    /// Update a checksum field holding the complemented sum (a normal IP,
    /// TCP or UDP checksum).
    pub fn apply(self, check: u16) -> u16 {
        !fold(u32::from(!check) + self.0)
    }

    /// Update a TCP checksum field of a `CHECKSUM_PARTIAL` packet, which holds
    /// the folded, uncomplemented pseudo-header sum; only pseudo-header
    /// changes belong in such a delta.
    pub fn apply_partial(self, check: u16) -> u16 {
        fold(u32::from(check) + self.0)
    }

    /// True when nothing changed the sum.
    pub fn is_zero(self) -> bool {
        fold(self.0) == 0 || fold(self.0) == 0xffff
    }
}

/// The ones'-complement sum of `data` (not complemented), as if it started at
/// an even offset.
pub fn sum(data: &[u8]) -> u32 {
    let mut s = 0u32;
    for (i, &b) in data.iter().enumerate() {
        s += weigh(i, b);
    }
    u32::from(fold(s))
}

/// The Internet checksum of `data` plus a partial `sum` (e.g. a pseudo-header).
pub fn checksum(data: &[u8], extra: u32) -> u16 {
    !fold(sum(data) + extra)
}

/// The TCP/UDP pseudo-header sum for IPv4 or IPv6 addresses (4 or 16 bytes).
pub fn pseudo_header(src: &[u8], dst: &[u8], proto: u8, len: u32) -> u32 {
    let mut s = sum(src) + sum(dst) + u32::from(proto);
    if src.len() == 16 {
        s += (len >> 16) + (len & 0xffff);
    } else {
        s += len & 0xffff;
    }
    u32::from(fold(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The checksum written out plainly, as an oracle independent of `weigh`.
    fn reference(data: &[u8]) -> u16 {
        let mut s: u64 = data
            .chunks(2)
            .map(|w| u64::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
            .sum();
        while s > 0xffff {
            s = (s & 0xffff) + (s >> 16);
        }
        !(s as u16)
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: 0001 f203 f4f5 f6f7 sums to ddf2.
        let d = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(sum(&d), 0xddf2);
        assert_eq!(checksum(&d, 0), !0xddf2);
    }

    proptest! {
        /// Any edits at any offsets, applied incrementally, give the checksum
        /// computed from scratch.
        #[test]
        fn incremental_equals_recomputed(
            mut data in proptest::collection::vec(any::<u8>(), 2..80),
            edits in proptest::collection::vec((any::<usize>(), proptest::collection::vec(any::<u8>(), 1..9)), 0..6),
        ) {
            let before = reference(&data);
            prop_assert_eq!(before, checksum(&data, 0));
            let mut d = Delta::default();
            for (at, new) in edits {
                let at = at % data.len();
                let end = (at + new.len()).min(data.len());
                let new = &new[..end - at];
                let old: std::vec::Vec<u8> = data[at..end].to_vec();
                d.replace(at, &old, new);
                data[at..end].copy_from_slice(new);
            }
            let after = reference(&data);
            // 0x0000 and 0xffff are the same ones'-complement number.
            let got = d.apply(before);
            prop_assert!(got == after || (got == 0 && after == 0xffff) || (got == 0xffff && after == 0));
        }

        /// For CHECKSUM_PARTIAL the field carries the folded pseudo sum.
        #[test]
        fn partial_tracks_pseudo_header(a: [u8; 4], b: [u8; 4], c: [u8; 4], len in 20u32..65535) {
            let field = fold(pseudo_header(&a, &b, 6, len));
            let mut d = Delta::default();
            d.replace(0, &a, &c);
            let want = fold(pseudo_header(&c, &b, 6, len));
            let got = d.apply_partial(field);
            prop_assert!(got == want || (got == 0 && want == 0xffff) || (got == 0xffff && want == 0));
        }
    }
}
