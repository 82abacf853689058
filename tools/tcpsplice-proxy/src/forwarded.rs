// SPDX-License-Identifier: GPL-2.0
//! Telling the backend who the client is: a PROXY protocol header (v1 text
//! or v2 binary, as HAProxy specifies it) before the forwarded bytes, and for
//! HTTP `Forwarded` (RFC 7239), `X-Forwarded-For` and `X-Forwarded-Proto`
//! in the request head. Only the first request of a connection gets the
//! headers: after the splice the proxy no longer sees the stream.
use std::net::{IpAddr, SocketAddr};

/// The v2 signature (12 bytes).
const V2_SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";

/// Same-family addresses: an IPv4-mapped IPv6 address (from a dual-stack
/// listener) is shown as the IPv4 address it is.
fn canonical(a: SocketAddr) -> SocketAddr {
    SocketAddr::new(a.ip().to_canonical(), a.port())
}

/// `PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n` for a connection from `client`
/// to `server` (the address the client connected to).
pub fn proxy_v1(client: SocketAddr, server: SocketAddr) -> Vec<u8> {
    let (c, s) = (canonical(client), canonical(server));
    if c.is_ipv4() != s.is_ipv4() {
        return b"PROXY UNKNOWN\r\n".to_vec();
    }
    let fam = if c.is_ipv4() { "TCP4" } else { "TCP6" };
    format!(
        "PROXY {fam} {} {} {} {}\r\n",
        c.ip(),
        s.ip(),
        c.port(),
        s.port()
    )
    .into_bytes()
}

/// The binary v2 header (command PROXY, TCP over IPv4 or IPv6).
pub fn proxy_v2(client: SocketAddr, server: SocketAddr) -> Vec<u8> {
    let (c, s) = (canonical(client), canonical(server));
    let mut h = V2_SIGNATURE.to_vec();
    h.push(0x21); // version 2, PROXY
    match (c.ip(), s.ip()) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            h.extend_from_slice(&[0x11, 0, 12]);
            h.extend_from_slice(&a.octets());
            h.extend_from_slice(&b.octets());
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            h.extend_from_slice(&[0x21, 0, 36]);
            h.extend_from_slice(&a.octets());
            h.extend_from_slice(&b.octets());
        }
        _ => {
            // Mixed families cannot happen on one TCP connection; say
            // "unspecified" rather than lie.
            h.extend_from_slice(&[0x00, 0, 0]);
            return h;
        }
    }
    h.extend_from_slice(&c.port().to_be_bytes());
    h.extend_from_slice(&s.port().to_be_bytes());
    h
}

/// The request head `head` (complete, ending with its empty line) with
/// `Forwarded`, `X-Forwarded-For` and `X-Forwarded-Proto` added for
/// `client` and `proto` ("http"). The client's own `X-Forwarded-Proto` is
/// removed (it would let a client claim https); its `Forwarded` and
/// `X-Forwarded-For` lines stay, and ours come after them, which is the
/// same as appending to their lists.
pub fn add_headers(head: &[u8], client: IpAddr, proto: &str) -> Vec<u8> {
    let client = client.to_canonical();
    let eol: &[u8] = if head.ends_with(b"\r\n\r\n") {
        b"\r\n"
    } else {
        b"\n"
    };
    let body_end = head.len() - eol.len();
    let node = match client {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("\"[{a}]\""),
    };
    let mut out = Vec::with_capacity(head.len() + 128);
    for line in head[..body_end].split_inclusive(|&b| b == b'\n') {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with(b"x-forwarded-proto:") {
            continue;
        }
        out.extend_from_slice(line);
    }
    for h in [
        format!("Forwarded: for={node};proto={proto}"),
        format!("X-Forwarded-For: {client}"),
        format!("X-Forwarded-Proto: {proto}"),
    ] {
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(eol);
    }
    out.extend_from_slice(eol);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn proxy_v1_lines() {
        assert_eq!(
            proxy_v1(sa("198.51.100.11:40000"), sa("192.0.2.100:80")),
            b"PROXY TCP4 198.51.100.11 192.0.2.100 40000 80\r\n"
        );
        assert_eq!(
            proxy_v1(sa("[2001:db8:c::11]:40000"), sa("[2001:db8:1::100]:443")),
            b"PROXY TCP6 2001:db8:c::11 2001:db8:1::100 40000 443\r\n"
        );
        // A dual-stack listener's IPv4-mapped addresses are IPv4.
        assert_eq!(
            proxy_v1(sa("[::ffff:198.51.100.11]:1"), sa("[::ffff:192.0.2.100]:2")),
            b"PROXY TCP4 198.51.100.11 192.0.2.100 1 2\r\n"
        );
    }

    #[test]
    fn proxy_v2_headers() {
        let h = proxy_v2(sa("198.51.100.11:40000"), sa("192.0.2.100:80"));
        let mut want = V2_SIGNATURE.to_vec();
        want.extend_from_slice(&[0x21, 0x11, 0, 12, 198, 51, 100, 11, 192, 0, 2, 100]);
        want.extend_from_slice(&[0x9c, 0x40, 0, 80]);
        assert_eq!(h, want);
        let h = proxy_v2(sa("[2001:db8::1]:1"), sa("[2001:db8::2]:443"));
        assert_eq!(h.len(), 16 + 36);
        assert_eq!(&h[12..16], &[0x21, 0x21, 0, 36]);
        assert_eq!(h[16 + 15], 1);
        assert_eq!(h[16 + 31], 2);
        assert_eq!(&h[48..], &[0, 1, 1, 0xbb]);
    }

    #[test]
    fn headers_are_added_and_the_proto_is_ours() {
        let head = b"GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 10.0.0.9\r\n\r\n";
        let out = add_headers(head, "198.51.100.11".parse().unwrap(), "http");
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.0.0.9\r\n\
             Forwarded: for=198.51.100.11;proto=http\r\nX-Forwarded-For: 198.51.100.11\r\n\
             X-Forwarded-Proto: http\r\n\r\n"
        );
        let out = add_headers(
            b"GET / HTTP/1.1\nHost: a\n\n",
            "2001:db8::1".parse().unwrap(),
            "http",
        );
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            "GET / HTTP/1.1\nHost: a\nForwarded: for=\"[2001:db8::1]\";proto=http\n\
             X-Forwarded-For: 2001:db8::1\nX-Forwarded-Proto: http\n\n"
        );
        // What comes out is still one valid head.
        let h = crate::http::parse(&out).unwrap().unwrap();
        assert_eq!(h.head_len, out.len());
    }
}
