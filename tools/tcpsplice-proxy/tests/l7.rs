// SPDX-License-Identifier: GPL-2.0
//! TLS passthrough, PROXY protocol and Forwarded headers, end to end on
//! loopback (no kernel module: the proxy relays). Each backend records every
//! byte it receives and, once the client is done, answers with its name and
//! those bytes, so tests see exactly what the backend got.
use std::net::SocketAddr;
use std::sync::Arc;
use tcpsplice_proxy::{config::Config, proxy::Proxy, splice::Fallback};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const HELLO: &[u8] = include_bytes!("../testdata/clienthello-openssl.bin");

async fn recorder(name: &'static str) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = l.accept().await.unwrap();
            tokio::spawn(async move {
                let mut got = Vec::new();
                let _ = s.read_to_end(&mut got).await;
                let mut answer = format!("{name}\n").into_bytes();
                answer.extend_from_slice(&got);
                let _ = s.write_all(&answer).await;
            });
        }
    });
    addr
}

async fn start(cfg: String) -> (Arc<Proxy>, SocketAddr) {
    let proxy = Proxy::new(
        Config::parse(&cfg, "test.toml").unwrap(),
        Some(Fallback::NoModule),
    );
    let l = proxy.bind().await.unwrap().remove(0);
    let addr = l.0.local_addr().unwrap();
    tokio::spawn(proxy.clone().serve(l));
    (proxy, addr)
}

/// Send `data`, half-close, read everything.
async fn exchange(proxy: SocketAddr, data: &[u8]) -> (Vec<u8>, SocketAddr) {
    let mut c = TcpStream::connect(proxy).await.unwrap();
    let me = c.local_addr().unwrap();
    c.write_all(data).await.unwrap();
    c.shutdown().await.unwrap();
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out).await;
    (out, me)
}

fn split_answer(out: &[u8]) -> (&str, &[u8]) {
    let nl = out.iter().position(|&b| b == b'\n').expect("a name line");
    (std::str::from_utf8(&out[..nl]).unwrap(), &out[nl + 1..])
}

async fn tls_proxy(default: bool) -> SocketAddr {
    let (www, api, h2) = (
        recorder("www").await,
        recorder("api").await,
        recorder("h2").await,
    );
    let cfg = format!(
        "{}[[listen]]\naddress = \"127.0.0.1:0\"\nmode = \"tls\"\n\
         [[pool]]\nname = \"www\"\nbackends = [\"{www}\"]\nhealth_interval_ms = 0\n\
         [[pool]]\nname = \"api\"\nbackends = [\"{api}\"]\nhealth_interval_ms = 0\n\
         [[pool]]\nname = \"h2\"\nbackends = [\"{h2}\"]\nhealth_interval_ms = 0\n\
         [[route]]\nhost = \"*.api.example\"\npool = \"api\"\n\
         [[route]]\nhost = \"www.example.com\"\nalpn = \"h2\"\npool = \"h2\"\n\
         [[route]]\nhost = \"www.example.com\"\npool = \"www\"\n",
        if default {
            "default_pool = \"www\"\n"
        } else {
            ""
        }
    );
    start(cfg).await.1
}

#[tokio::test]
async fn tls_routes_by_sni_and_alpn_and_forwards_the_hello_untouched() {
    let p = tls_proxy(false).await;
    // OpenSSL's hello: SNI www.example.com, ALPN h2 and http/1.1.
    let (out, _) = exchange(p, HELLO).await;
    let (name, got) = split_answer(&out);
    assert_eq!(name, "h2");
    assert_eq!(got, HELLO);
    // The same name without h2 on offer: the next route. ALPN is the 16-byte
    // extension "00 10 00 0e 00 0c 02 h2 08 http/1.1": make "h2" "h3".
    let at = HELLO.windows(3).position(|w| w == b"\x02h2").unwrap();
    let mut h3 = HELLO.to_vec();
    h3[at + 2] = b'3';
    let (out, _) = exchange(p, &h3).await;
    assert_eq!(split_answer(&out), ("www", &h3[..]));
}

#[tokio::test]
async fn tls_refusals_are_alerts() {
    let p = tls_proxy(false).await;
    let (out, _) = exchange(p, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert_eq!(out, [21, 3, 3, 0, 2, 2, 50], "decode_error for garbage");
    // An SNI name no route takes, and no default pool. (OpenSSL sent the
    // name as given, in mixed case; routing lower-cases it.)
    let at = HELLO
        .windows(15)
        .position(|w| w == b"WWW.Example.com")
        .unwrap();
    let mut other = HELLO.to_vec();
    other[at..at + 3].copy_from_slice(b"xyz");
    let (out, _) = exchange(p, &other).await;
    assert_eq!(out, [21, 3, 3, 0, 2, 2, 112], "unrecognized_name");
    // A hello cut short, then the client gives up: nothing, and no backend.
    let (out, _) = exchange(p, &HELLO[..100]).await;
    assert!(out.is_empty());
    // Wildcard route.
    let mut api = HELLO.to_vec();
    api[at..at + 15].copy_from_slice(b"a.b.api.example");
    let (out, _) = exchange(p, &api).await;
    assert_eq!(split_answer(&out).0, "api");
}

#[tokio::test]
async fn proxy_protocol_and_forwarded_headers_reach_the_backend() {
    let (v1, v2, fwd) = (
        recorder("v1").await,
        recorder("v2").await,
        recorder("fwd").await,
    );
    let cfg = format!(
        "default_pool = \"v1\"\n[[listen]]\naddress = \"127.0.0.1:0\"\n\
         [[pool]]\nname = \"v1\"\nbackends = [\"{v1}\"]\nproxy_protocol = \"v1\"\nhealth_interval_ms = 0\n\
         [[pool]]\nname = \"v2\"\nbackends = [\"{v2}\"]\nproxy_protocol = \"v2\"\nforwarded = true\nhealth_interval_ms = 0\n\
         [[pool]]\nname = \"fwd\"\nbackends = [\"{fwd}\"]\nforwarded = true\nhealth_interval_ms = 0\n\
         [[route]]\nhost = \"two\"\npool = \"v2\"\n\
         [[route]]\nhost = \"fwd\"\npool = \"fwd\"\n"
    );
    let (_, p) = start(cfg).await;
    let req = b"POST /x HTTP/1.1\r\nHost: one\r\nContent-Length: 4\r\n\r\nBODY";
    let (out, me) = exchange(p, req).await;
    let want = format!(
        "PROXY TCP4 127.0.0.1 127.0.0.1 {} {}\r\n",
        me.port(),
        p.port()
    );
    let (name, got) = split_answer(&out);
    assert_eq!(name, "v1");
    assert_eq!(got, [want.as_bytes(), &req[..]].concat());

    let req = b"GET /y HTTP/1.1\r\nHost: two\r\nX-Forwarded-Proto: https\r\n\r\nNEXT";
    let (out, me) = exchange(p, req).await;
    let (name, got) = split_answer(&out);
    assert_eq!(name, "v2");
    let v2 = tcpsplice_proxy::forwarded::proxy_v2(me, p);
    assert_eq!(&got[..v2.len()], &v2[..]);
    assert_eq!(
        std::str::from_utf8(&got[v2.len()..]).unwrap(),
        "GET /y HTTP/1.1\r\nHost: two\r\nForwarded: for=127.0.0.1;proto=http\r\n\
         X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\n\r\nNEXT"
    );

    let req = b"GET /z HTTP/1.1\r\nHost: fwd\r\n\r\n";
    let (out, _) = exchange(p, req).await;
    let (name, got) = split_answer(&out);
    assert_eq!(name, "fwd");
    assert!(
        got.starts_with(b"GET /z HTTP/1.1\r\nHost: fwd\r\nForwarded: for=127.0.0.1;proto=http\r\n")
    );
}
