// SPDX-License-Identifier: GPL-2.0
//! Tests of `tls`: a real ClientHello (OpenSSL's), built ones split over
//! records and reads, and hostile ones.
use super::*;
use proptest::prelude::*;

/// What `openssl s_client -servername WWW.Example.com -alpn h2,http/1.1`
/// sent (captured on loopback).
const OPENSSL: &[u8] = include_bytes!("../testdata/clienthello-openssl.bin");

fn ext(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut e = kind.to_be_bytes().to_vec();
    e.extend_from_slice(&(data.len() as u16).to_be_bytes());
    e.extend_from_slice(data);
    e
}

fn sni_ext(name: &[u8]) -> Vec<u8> {
    let mut entry = vec![0u8];
    entry.extend_from_slice(&(name.len() as u16).to_be_bytes());
    entry.extend_from_slice(name);
    let mut list = (entry.len() as u16).to_be_bytes().to_vec();
    list.extend_from_slice(&entry);
    ext(EXT_SERVER_NAME, &list)
}

fn alpn_ext(protos: &[&str]) -> Vec<u8> {
    let mut l = Vec::new();
    for p in protos {
        l.push(p.len() as u8);
        l.extend_from_slice(p.as_bytes());
    }
    let mut d = (l.len() as u16).to_be_bytes().to_vec();
    d.extend_from_slice(&l);
    ext(EXT_ALPN, &d)
}

/// A ClientHello handshake message with these extensions (`None`: none at
/// all), padded with an unknown extension of `pad` bytes.
fn hello(exts: Option<Vec<Vec<u8>>>, pad: usize) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend_from_slice(&[7; 32]);
    b.push(0); // session id
    b.extend_from_slice(&[0, 2, 0x13, 0x01]); // one cipher suite
    b.extend_from_slice(&[1, 0]); // null compression
    if let Some(mut exts) = exts {
        if pad > 0 {
            exts.push(ext(21, &vec![0; pad]));
        }
        let all: Vec<u8> = exts.concat();
        b.extend_from_slice(&(all.len() as u16).to_be_bytes());
        b.extend_from_slice(&all);
    }
    let mut m = vec![CLIENT_HELLO];
    m.extend_from_slice(&(b.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(&b);
    m
}

/// The handshake message in records of at most `size` bytes.
fn records(msg: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for c in msg.chunks(size) {
        out.extend_from_slice(&[RECORD_HANDSHAKE, 3, 1]);
        out.extend_from_slice(&(c.len() as u16).to_be_bytes());
        out.extend_from_slice(c);
    }
    out
}

#[test]
fn reads_openssls_client_hello() {
    let h = parse(OPENSSL, 16384).unwrap().unwrap();
    assert_eq!(h.sni.as_deref(), Some("www.example.com"));
    assert_eq!(h.alpn, ["h2", "http/1.1"]);
    // Every shorter prefix asks for more.
    for n in 0..OPENSSL.len() {
        assert_eq!(parse(&OPENSSL[..n], 16384), Ok(None), "prefix {n}");
    }
}

#[test]
fn a_hello_spread_over_records_of_any_size() {
    let msg = hello(
        Some(vec![sni_ext(b"api.example.com"), alpn_ext(&["h2"])]),
        3000,
    );
    for size in [1, 2, 3, 4, 5, 100, 1000, 16384] {
        let b = records(&msg, size);
        let h = parse(&b, 16384).unwrap().unwrap();
        assert_eq!(
            h.sni.as_deref(),
            Some("api.example.com"),
            "records of {size}"
        );
        assert_eq!(h.alpn, ["h2"]);
    }
}

#[test]
fn hellos_without_sni_or_extensions() {
    let h = parse(&records(&hello(None, 0), 16384), 16384)
        .unwrap()
        .unwrap();
    assert_eq!(h, ClientHello::default());
    let h = parse(
        &records(&hello(Some(vec![alpn_ext(&["http/1.1"])]), 0), 16384),
        16384,
    )
    .unwrap()
    .unwrap();
    assert_eq!((h.sni, h.alpn), (None, vec!["http/1.1".to_string()]));
}

#[test]
fn too_large_is_refused_early() {
    let msg = hello(Some(vec![sni_ext(b"a.example")]), 20000);
    let b = records(&msg, 16384);
    assert_eq!(parse(&b, 16384), Err(HelloError::TooLarge));
    // Known from the handshake header already, with most bytes missing.
    assert_eq!(parse(&b[..9], 16384), Err(HelloError::TooLarge));
    assert_eq!(HelloError::TooLarge.alert(), Some([21, 3, 3, 0, 2, 2, 22]));
}

#[test]
fn garbage_and_broken_hellos_are_malformed() {
    let bad = |b: &[u8]| matches!(parse(b, 16384), Err(HelloError::Malformed(_)));
    assert!(bad(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    assert!(bad(&[22, 4, 1, 0, 5, 1, 0, 0, 1, 0]), "record version");
    assert!(bad(&[22, 3, 1, 0, 0]), "empty record");
    assert!(bad(&[22, 3, 1, 0x40, 1]), "record over 16384");
    assert!(bad(&records(&[2, 0, 0, 0], 100)), "a ServerHello");
    // Lengths inside that run past their container.
    let good = hello(Some(vec![sni_ext(b"x.example"), alpn_ext(&["h2"])]), 0);
    for i in 4..good.len() {
        let mut m = good.clone();
        m[i] = m[i].wrapping_add(1);
        // Any outcome but a panic; a changed length must not be accepted
        // with the original name unless the byte was payload.
        let _ = parse(&records(&m, 16384), 16384);
    }
    let dup = hello(Some(vec![sni_ext(b"a.example"), sni_ext(b"b.example")]), 0);
    assert!(bad(&records(&dup, 16384)), "SNI twice");
    for name in [
        &b""[..],
        b"a..b",
        b"a.b.",
        b"a b",
        b"\xc3\xa9.example",
        b"a_b",
    ] {
        let m = hello(Some(vec![sni_ext(name)]), 0);
        assert!(bad(&records(&m, 16384)), "name {name:?}");
    }
    let m = hello(Some(vec![alpn_ext(&[""])]), 0);
    assert!(bad(&records(&m, 16384)), "empty ALPN protocol");
    let mut trailing = hello(Some(vec![sni_ext(b"a.example")]), 0);
    trailing.push(0);
    let n = trailing.len() - 4;
    trailing[1..4].copy_from_slice(&(n as u32).to_be_bytes()[1..]);
    assert!(
        bad(&records(&trailing, 16384)),
        "bytes after the extensions"
    );
}

#[tokio::test]
async fn read_hello_collects_segments_and_keeps_every_byte() {
    let (mut a, mut b) = tokio::io::duplex(64);
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        for part in OPENSSL.chunks(50) {
            a.write_all(part).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    });
    let mut buf = Vec::new();
    let h = read_hello(&mut b, &mut buf, 16384).await.unwrap();
    assert_eq!(h.sni.as_deref(), Some("www.example.com"));
    assert_eq!(buf, OPENSSL);
    let (a, mut b) = tokio::io::duplex(64);
    drop(a);
    assert_eq!(
        read_hello(&mut b, &mut Vec::new(), 16384).await,
        Err(HelloError::Closed)
    );
}

proptest! {
    #[test]
    fn any_bytes_are_safe(b in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse(&b, 512);
    }

    #[test]
    fn any_record_split_gives_the_same_hello(size in 1usize..400, name in "[a-z]{1,20}(\\.[a-z]{1,10}){0,3}") {
        let msg = hello(Some(vec![sni_ext(name.as_bytes()), alpn_ext(&["h2", "http/1.1"])]), 0);
        let h = parse(&records(&msg, size), 16384).unwrap().unwrap();
        prop_assert_eq!(h.sni, Some(name));
    }
}
