// SPDX-License-Identifier: GPL-2.0
//! TCP sequence-number arithmetic (RFC 9293 section 3.4, modulo 2^32) and the
//! receive-window rescaling a splice needs when its two legs negotiated
//! different window-scale factors.

/// Largest window-scale shift TCP allows (RFC 7323 section 2.3).
pub const MAX_WSCALE: u8 = 14;

/// True when sequence number `a` comes before `b` (modulo 2^32).
pub fn before(a: u32, b: u32) -> bool {
    // Reinterpreting the wrapped difference as signed is the definition.
    (a.wrapping_sub(b) as i32) < 0
}

/// True when sequence number `a` comes after `b` (modulo 2^32).
pub fn after(a: u32, b: u32) -> bool {
    before(b, a)
}

/// True when `seq` lies in `[start, start + len)` (modulo 2^32).
pub fn in_window(seq: u32, start: u32, len: u32) -> bool {
    seq.wrapping_sub(start) < len
}

/// The constant offset that maps one leg's sequence space onto the other's.
///
/// A splice joins a connection whose next byte is `from` in one sequence space
/// to one whose next byte is `to` in another; every later sequence (or
/// acknowledgement) number `s` maps to `s + (to - from)` modulo 2^32.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeqOffset(u32);

impl SeqOffset {
    /// The offset that maps `from` onto `to`.
    pub fn between(from: u32, to: u32) -> Self {
        SeqOffset(to.wrapping_sub(from))
    }

    /// Map a number forward.
    pub fn apply(self, seq: u32) -> u32 {
        seq.wrapping_add(self.0)
    }

    /// Map a number back (the inverse of [`SeqOffset::apply`]).
    pub fn unapply(self, seq: u32) -> u32 {
        seq.wrapping_sub(self.0)
    }

    /// The offset in the other direction.
    pub fn inverse(self) -> Self {
        SeqOffset(0u32.wrapping_sub(self.0))
    }

    /// The raw offset.
    pub fn raw(self) -> u32 {
        self.0
    }
}

/// Rescale a raw TCP window field between window-scale factors.
///
/// `raw` was sent by a peer whose window is scaled by `from_shift`; the result
/// is the field to send to a receiver that scales it by `to_shift`. The value
/// is rounded down (never advertise more than the sender offered) except that a
/// non-zero window never becomes zero, and it saturates at `u16::MAX`. Shifts
/// above [`MAX_WSCALE`] are clamped to it, as Linux does.
pub fn rescale_window(raw: u16, from_shift: u8, to_shift: u8) -> u16 {
    let from = from_shift.min(MAX_WSCALE);
    let to = to_shift.min(MAX_WSCALE);
    let bytes = u64::from(raw) << from;
    let scaled = bytes >> to;
    if scaled == 0 && raw != 0 {
        1
    } else {
        u16::try_from(scaled).unwrap_or(u16::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordering_wraps() {
        assert!(before(0xffff_fff0, 0x10));
        assert!(after(0x10, 0xffff_fff0));
        assert!(!before(5, 5));
        assert!(!after(5, 5));
        assert!(before(1, 2));
    }

    #[test]
    fn window_membership_wraps() {
        assert!(in_window(0x5, 0xffff_fff0, 0x20));
        assert!(!in_window(0x10, 0xffff_fff0, 0x20));
        assert!(!in_window(0, 0, 0));
    }

    #[test]
    fn offset_maps_across_zero() {
        let off = SeqOffset::between(0xffff_ff00, 0x100);
        assert_eq!(off.apply(0xffff_ff00), 0x100);
        assert_eq!(off.apply(0xffff_ffff), 0x1ff);
        assert_eq!(off.unapply(0x1ff), 0xffff_ffff);
        assert_eq!(off.inverse().apply(0x100), 0xffff_ff00);
    }

    #[test]
    fn rescale_examples() {
        assert_eq!(rescale_window(1000, 7, 7), 1000);
        assert_eq!(rescale_window(1000, 7, 0), u16::MAX);
        assert_eq!(rescale_window(1000, 0, 7), 7);
        assert_eq!(rescale_window(100, 0, 7), 1);
        assert_eq!(rescale_window(0, 0, 7), 0);
        assert_eq!(rescale_window(2, 14, 20), 2);
        assert_eq!(rescale_window(512, 2, 9), 4);
    }

    proptest! {
        #[test]
        fn offset_round_trips(from: u32, to: u32, s: u32) {
            let off = SeqOffset::between(from, to);
            prop_assert_eq!(off.unapply(off.apply(s)), s);
            prop_assert_eq!(off.inverse().apply(off.apply(s)), s);
            // Distances are preserved, so ordering is too.
            let t = s.wrapping_add(1000);
            prop_assert_eq!(before(s, t), before(off.apply(s), off.apply(t)));
        }

        #[test]
        fn rescale_never_grows_the_window(raw: u16, from in 0u8..=14, to in 0u8..=14) {
            let out = rescale_window(raw, from, to);
            let offered = u64::from(raw) << from;
            let advertised = u64::from(out) << to;
            if raw == 0 {
                prop_assert_eq!(out, 0);
            } else if out == 1 {
                // The one rounding up we allow: keep a non-zero window open.
                prop_assert!(offered > 0);
            } else {
                prop_assert!(advertised <= offered);
                // And loses less than one unit of the receiver's scale,
                // unless it saturated.
                if out != u16::MAX {
                    prop_assert!(offered - advertised < (1u64 << to));
                }
            }
        }
    }
}
