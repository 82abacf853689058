// SPDX-License-Identifier: GPL-2.0
//! SipHash-2-4 with a 128-bit key and a 64-bit tag (Aumasson and Bernstein),
//! the MAC of the cluster's sync messages. The kernel's `siphash()` computes
//! the same function; a KUnit test checks that the two agree.

/// A 128-bit key, as two little-endian words (the kernel's `siphash_key_t`).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Key(pub [u64; 2]);

impl core::fmt::Debug for Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never print key material.
        f.write_str("Key(..)")
    }
}

impl Key {
    /// The key from its 16 bytes.
    pub fn from_bytes(b: &[u8; 16]) -> Self {
        let mut k0 = [0u8; 8];
        let mut k1 = [0u8; 8];
        k0.copy_from_slice(&b[..8]);
        k1.copy_from_slice(&b[8..]);
        Key([u64::from_le_bytes(k0), u64::from_le_bytes(k1)])
    }
}

struct State([u64; 4]);

impl State {
    fn round(&mut self) {
        let v = &mut self.0;
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }

    fn absorb(&mut self, m: u64) {
        self.0[3] ^= m;
        self.round();
        self.round();
        self.0[0] ^= m;
    }
}

/// SipHash-2-4 of `data` under `key`.
pub fn siphash(key: &Key, data: &[u8]) -> u64 {
    let [k0, k1] = key.0;
    let mut s = State([
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ]);
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        s.absorb(u64::from_le_bytes(w));
    }
    let rest = chunks.remainder();
    let mut last = [0u8; 8];
    last[..rest.len()].copy_from_slice(rest);
    // The length's low byte goes into the top byte of the last word.
    last[7] = data.len() as u8;
    s.absorb(u64::from_le_bytes(last));
    s.0[2] ^= 0xff;
    for _ in 0..4 {
        s.round();
    }
    s.0[0] ^ s.0[1] ^ s.0[2] ^ s.0[3]
}

/// Compare two tags without an early exit.
pub fn tags_equal(a: u64, b: u64) -> bool {
    // One data-independent comparison of the XOR.
    (a ^ b) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference implementation's key: bytes 0..15.
    fn ref_key() -> Key {
        let mut b = [0u8; 16];
        for (i, x) in b.iter_mut().enumerate() {
            *x = i as u8;
        }
        Key::from_bytes(&b)
    }

    #[test]
    fn reference_vectors() {
        // From the SipHash paper's vectors.h (messages 0, 1, ..., n-1).
        let want: [(usize, u64); 4] = [
            (0, 0x726f_db47_dd0e_0e31),
            (1, 0x74f8_39c5_93dc_67fd),
            (8, 0x93f5_f579_9a93_2462),
            (15, 0xa129_ca61_49be_45e5),
        ];
        let msg: [u8; 64] = core::array::from_fn(|i| i as u8);
        for (n, tag) in want {
            assert_eq!(siphash(&ref_key(), &msg[..n]), tag, "length {n}");
        }
    }

    #[test]
    fn every_key_and_message_bit_matters() {
        let k = ref_key();
        let msg = *b"tcpsplice sync message";
        let t = siphash(&k, &msg);
        for i in 0..msg.len() * 8 {
            let mut m = msg;
            m[i / 8] ^= 1 << (i % 8);
            assert_ne!(siphash(&k, &m), t);
        }
        let mut k2 = k;
        k2.0[1] ^= 1 << 63;
        assert_ne!(siphash(&k2, &msg), t);
        assert_eq!(std::format!("{k:?}"), "Key(..)");
    }
}
