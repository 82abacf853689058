// SPDX-License-Identifier: GPL-2.0
//! Bounds-checked reading of IPv4, IPv6 and TCP headers from the bytes at the
//! start of a packet's network header. Nothing here trusts a length field: every
//! read is checked against the slice, and every length is checked against the
//! protocol's limits, so a hostile packet yields [`Malformed`], never a panic.

/// IP protocol number of TCP.
pub const IPPROTO_TCP: u8 = 6;
/// Length of an IPv4 header without options.
pub const IPV4_MIN_HEADER: usize = 20;
/// Length of the fixed IPv6 header.
pub const IPV6_HEADER: usize = 40;
/// Length of a TCP header without options.
pub const TCP_MIN_HEADER: usize = 20;
/// Longest TCP header (data offset 15).
pub const TCP_MAX_HEADER: usize = 60;

/// Why a header could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// Fewer bytes than the header needs.
    Truncated,
    /// The version nibble does not match the protocol.
    BadVersion,
    /// IPv4 IHL below 5.
    BadHeaderLength,
    /// IPv4 total length shorter than its header (and not 0, see
    /// [`Ipv4Header::total_len`]).
    BadTotalLength,
    /// TCP data offset below 5.
    BadDataOffset,
}

/// The IPv4 header fields tcpsplice needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Header {
    /// Header length in bytes, options included.
    pub header_len: usize,
    /// The total-length field. 0 is BIG TCP's: a GRO or GSO packet longer
    /// than the field can say, whose length is the packet's own; the
    /// caller, who knows the packet, checks that it is one (as the
    /// kernel's `iph_totlen()`).
    pub total_len: usize,
    /// The protocol field.
    pub protocol: u8,
    /// True for any fragment (MF set or a non-zero offset).
    pub fragment: bool,
}

/// The IPv6 header fields tcpsplice needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6Header {
    /// The payload-length field.
    pub payload_len: usize,
    /// The next-header field of the fixed header.
    pub next_header: u8,
}

/// The TCP header fields tcpsplice needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpHeader {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number.
    pub ack: u32,
    /// Header length in bytes, options included.
    pub header_len: usize,
    /// The flag bits (FIN 0x01 .. CWR 0x80).
    pub flags: u8,
    /// The raw window field.
    pub window: u16,
}

/// TCP flag bits.
pub mod flags {
    /// No more data from sender.
    pub const FIN: u8 = 0x01;
    /// Synchronise sequence numbers.
    pub const SYN: u8 = 0x02;
    /// Reset the connection.
    pub const RST: u8 = 0x04;
    /// Push.
    pub const PSH: u8 = 0x08;
    /// The acknowledgement field is significant.
    pub const ACK: u8 = 0x10;
    /// Urgent pointer significant.
    pub const URG: u8 = 0x20;
    /// ECN-Echo (RFC 3168).
    pub const ECE: u8 = 0x40;
    /// Congestion Window Reduced (RFC 3168).
    pub const CWR: u8 = 0x80;
}

/// A well-formed IPv4 TCP segment without options or payload
/// (192.0.2.1:8080 to 198.51.100.2:50000, ACK): a test vector shared by the
/// host tests and the module's KUnit tests.
#[rustfmt::skip]
pub const SAMPLE_IPV4_TCP: [u8; 40] = [
    0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, IPPROTO_TCP, 0, 0, 192, 0, 2, 1, 198, 51, 100, 2,
    0x1f, 0x90, 0xc3, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags::ACK, 0xff, 0xff, 0, 0, 0, 0,
];

fn be16(b: &[u8], at: usize) -> Result<u16, Malformed> {
    match b.get(at..at + 2) {
        Some(&[x, y]) => Ok(u16::from_be_bytes([x, y])),
        _ => Err(Malformed::Truncated),
    }
}

fn be32(b: &[u8], at: usize) -> Result<u32, Malformed> {
    match b.get(at..at + 4) {
        Some(&[w, x, y, z]) => Ok(u32::from_be_bytes([w, x, y, z])),
        _ => Err(Malformed::Truncated),
    }
}

fn byte(b: &[u8], at: usize) -> Result<u8, Malformed> {
    b.get(at).copied().ok_or(Malformed::Truncated)
}

/// Read an IPv4 header. `b` needs only the fixed 20 bytes; the returned
/// `header_len` says how many bytes the options take.
pub fn ipv4(b: &[u8]) -> Result<Ipv4Header, Malformed> {
    if b.len() < IPV4_MIN_HEADER {
        return Err(Malformed::Truncated);
    }
    let vihl = byte(b, 0)?;
    if vihl >> 4 != 4 {
        return Err(Malformed::BadVersion);
    }
    let header_len = usize::from(vihl & 0x0f) * 4;
    if header_len < IPV4_MIN_HEADER {
        return Err(Malformed::BadHeaderLength);
    }
    let total_len = usize::from(be16(b, 2)?);
    if total_len < header_len && total_len != 0 {
        return Err(Malformed::BadTotalLength);
    }
    let frag = be16(b, 6)?;
    Ok(Ipv4Header {
        header_len,
        total_len,
        protocol: byte(b, 9)?,
        fragment: frag & 0x3fff != 0,
    })
}

/// Read the fixed IPv6 header.
pub fn ipv6(b: &[u8]) -> Result<Ipv6Header, Malformed> {
    if b.len() < IPV6_HEADER {
        return Err(Malformed::Truncated);
    }
    if byte(b, 0)? >> 4 != 6 {
        return Err(Malformed::BadVersion);
    }
    Ok(Ipv6Header {
        payload_len: usize::from(be16(b, 4)?),
        next_header: byte(b, 6)?,
    })
}

/// Read a TCP header. `b` starts at the TCP header; it needs the fixed 20
/// bytes, and the returned `header_len` says how many the options take.
pub fn tcp(b: &[u8]) -> Result<TcpHeader, Malformed> {
    if b.len() < TCP_MIN_HEADER {
        return Err(Malformed::Truncated);
    }
    let header_len = usize::from(byte(b, 12)? >> 4) * 4;
    if header_len < TCP_MIN_HEADER {
        return Err(Malformed::BadDataOffset);
    }
    Ok(TcpHeader {
        src_port: be16(b, 0)?,
        dst_port: be16(b, 2)?,
        seq: be32(b, 4)?,
        ack: be32(b, 8)?,
        header_len,
        flags: byte(b, 13)?,
        window: be16(b, 14)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v4_header() -> [u8; 20] {
        SAMPLE_IPV4_TCP[..20].try_into().unwrap()
    }

    #[rustfmt::skip]
    const TCP_SYN: [u8; 20] = [
        0x1f, 0x90, 0xc3, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags::SYN, 0xff, 0xff, 0, 0, 0, 0,
    ];

    #[test]
    fn reads_ipv4() {
        let h = ipv4(&v4_header()).unwrap();
        assert_eq!(h.header_len, 20);
        assert_eq!(h.total_len, 40);
        assert_eq!(tcp(&SAMPLE_IPV4_TCP[20..]).unwrap().flags, flags::ACK);
        assert_eq!(h.protocol, IPPROTO_TCP);
        assert!(!h.fragment); // DF only
    }

    #[test]
    fn flags_ipv4_fragments_and_bad_fields() {
        let mut p = v4_header();
        p[6] = 0x20; // MF
        assert!(ipv4(&p).unwrap().fragment);
        p[6] = 0;
        p[7] = 1; // offset 8
        assert!(ipv4(&p).unwrap().fragment);
        let mut p = v4_header();
        p[0] = 0x44;
        assert_eq!(ipv4(&p), Err(Malformed::BadHeaderLength));
        p[0] = 0x65;
        assert_eq!(ipv4(&p), Err(Malformed::BadVersion));
        let mut p = v4_header();
        p[3] = 19;
        assert_eq!(ipv4(&p), Err(Malformed::BadTotalLength));
        p[3] = 0; // BIG TCP's, left to the caller
        assert_eq!(ipv4(&p).unwrap().total_len, 0);
        assert_eq!(ipv4(&v4_header()[..19]), Err(Malformed::Truncated));
    }

    #[test]
    fn reads_ipv6() {
        let mut p = [0u8; 40];
        p[0] = 0x60;
        p[5] = 20;
        p[6] = IPPROTO_TCP;
        let h = ipv6(&p).unwrap();
        assert_eq!(h.payload_len, 20);
        assert_eq!(h.next_header, IPPROTO_TCP);
        p[0] = 0x40;
        assert_eq!(ipv6(&p), Err(Malformed::BadVersion));
        assert_eq!(ipv6(&p[..39]), Err(Malformed::Truncated));
    }

    #[test]
    fn reads_tcp() {
        let t = tcp(&TCP_SYN).unwrap();
        assert_eq!((t.src_port, t.dst_port), (8080, 50000));
        assert_eq!(t.seq, 1);
        assert_eq!(t.header_len, 20);
        assert_eq!(t.flags, flags::SYN);
        assert_eq!(t.window, 0xffff);
        let mut p = TCP_SYN;
        p[12] = 0x40;
        assert_eq!(tcp(&p), Err(Malformed::BadDataOffset));
        assert_eq!(tcp(&TCP_SYN[..19]), Err(Malformed::Truncated));
    }

    proptest! {
        #[test]
        fn never_panics_and_lengths_are_sane(b in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok(h) = ipv4(&b) {
                prop_assert!(h.header_len >= IPV4_MIN_HEADER && h.header_len <= 60);
                prop_assert!(h.total_len == 0 || h.total_len >= h.header_len);
            }
            let _ = ipv6(&b);
            if let Ok(t) = tcp(&b) {
                prop_assert!(t.header_len >= TCP_MIN_HEADER && t.header_len <= TCP_MAX_HEADER);
            }
        }
    }
}
