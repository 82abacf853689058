// SPDX-License-Identifier: GPL-2.0
//! The proxy end to end on loopback (no kernel module): routing, byte-exact
//! relaying of request bodies and responses, 400/431/503, health.
use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use tcpsplice_proxy::{config::Config, proxy::Proxy, splice::Fallback};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A backend that answers every connection with its name, then echoes the
/// rest of what it receives after the head.
async fn backend(name: &'static str) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = l.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 65536];
                let head_end = loop {
                    let n = s.read(&mut chunk).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                s.write_all(format!("{name}\n").as_bytes()).await.unwrap();
                s.write_all(&buf[head_end..]).await.unwrap();
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
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
    let mut ls = proxy.bind().await.unwrap();
    let l = ls.remove(0);
    let addr = l.0.local_addr().unwrap();
    tokio::spawn(proxy.clone().serve(l));
    (proxy, addr)
}

fn config(web: &[SocketAddr], api: &[SocketAddr], extra: &str) -> String {
    let list = |v: &[SocketAddr]| {
        v.iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "default_pool = \"web\"\n{extra}\n[[listen]]\naddress = \"127.0.0.1:0\"\n\
         [[pool]]\nname = \"web\"\nbackends = [{}]\nhealth_interval_ms = 100\n\
         [[pool]]\nname = \"api\"\nbackends = [{}]\nhealth_interval_ms = 100\n\
         [[route]]\nhost = \"api.example.com\"\npath_prefix = \"/v1/\"\npool = \"api\"\n",
        list(web),
        list(api)
    )
}

/// Send `req`, then `body`, half-close, and read the whole answer.
async fn exchange(proxy: SocketAddr, req: &[u8], body: &[u8]) -> Vec<u8> {
    let mut c = TcpStream::connect(proxy).await.unwrap();
    c.write_all(req).await.unwrap();
    c.write_all(body).await.unwrap();
    c.shutdown().await.unwrap();
    let mut out = Vec::new();
    c.read_to_end(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn routes_and_relays_byte_exact() {
    let (w1, a1) = (backend("web1").await, backend("api1").await);
    let (proxy, addr) = start(config(&[w1], &[a1], "")).await;
    // A 1 MB pseudo-random body, partly in the first segment with the head.
    let body: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let out = exchange(
        addr,
        b"POST /v1/x HTTP/1.1\r\nHost: API.example.com\r\n\r\n",
        &body,
    )
    .await;
    assert_eq!(&out[..5], b"api1\n");
    assert!(out[5..] == body[..], "relayed bytes differ");
    let out = exchange(
        addr,
        b"GET /v1/x HTTP/1.1\r\nHost: www.example.com\r\n\r\n",
        b"",
    )
    .await;
    assert_eq!(out, b"web1\n");
    let s = &proxy.stats;
    assert_eq!(s.relayed.load(Relaxed), 2);
    assert_eq!(
        s.relayed_bytes_to_client.load(Relaxed),
        (5 + body.len() + 5) as u64
    );
}

#[tokio::test]
async fn refuses_bad_and_oversized_heads() {
    let w1 = backend("web1").await;
    let (proxy, addr) = start(config(&[w1], &[w1], "max_head_bytes = 256")).await;
    let out = exchange(addr, b"\x16\x03\x01garbage\r\n\r\n", b"").await;
    assert!(
        out.starts_with(b"HTTP/1.1 400 "),
        "{}",
        String::from_utf8_lossy(&out)
    );
    let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(400));
    let out = exchange(addr, big.as_bytes(), b"").await;
    assert!(
        out.starts_with(b"HTTP/1.1 431 "),
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert_eq!(proxy.stats.bad_requests.load(Relaxed), 2);
    assert_eq!(proxy.stats.forwarded.load(Relaxed), 0);
}

#[tokio::test]
async fn no_healthy_backend_is_503_and_failover_works() {
    // A port nobody listens on, and a live backend.
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    let w2 = backend("web2").await;
    let (proxy, addr) = start(config(&[dead, w2], &[dead], "")).await;
    for _ in 0..3 {
        let out = exchange(addr, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", b"").await;
        assert_eq!(out, b"web2\n", "the dead backend must be skipped");
    }
    let out = exchange(
        addr,
        b"GET /v1/ HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
        b"",
    )
    .await;
    assert!(
        out.starts_with(b"HTTP/1.1 503 "),
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert_eq!(proxy.stats.no_backend.load(Relaxed), 1);
}

#[tokio::test]
async fn reload_routes_new_connections_and_keeps_old_ones() {
    let (one, two) = (backend("one").await, backend("two").await);
    let cfg = |to: SocketAddr| {
        format!(
            "default_pool = \"p\"\n[[listen]]\naddress = \"127.0.0.1:0\"\n\
             [[pool]]\nname = \"p\"\nbackends = [\"{to}\"]\nhealth_interval_ms = 0\n"
        )
    };
    let (proxy, addr) = start(cfg(one)).await;
    let mut old = TcpStream::connect(addr).await.unwrap();
    old.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbefore ")
        .await
        .unwrap();
    let mut got = [0u8; 11];
    old.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"one\nbefore ");

    // Listeners cannot change by reload; the running configuration stays.
    let moved = cfg(one).replace("127.0.0.1:0", "127.0.0.1:1");
    assert!(proxy.reload(Config::parse(&moved, "t").unwrap()).is_err());
    proxy
        .reload(Config::parse(&cfg(two), "t").unwrap())
        .unwrap();

    let out = exchange(addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"after").await;
    assert_eq!(out, b"two\nafter");
    // The connection from before still talks to its backend.
    old.write_all(b"still").await.unwrap();
    let mut got = [0u8; 5];
    old.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"still");
}

#[tokio::test]
async fn a_listener_at_its_limit_waits_and_idle_relays_close() {
    let w1 = backend("web1").await;
    let cfg = format!(
        "default_pool = \"p\"\nrelay_idle_timeout_ms = 300\n\
         [[listen]]\naddress = \"127.0.0.1:0\"\nmax_connections = 1\n\
         [[pool]]\nname = \"p\"\nbackends = [\"{w1}\"]\nhealth_interval_ms = 0\n"
    );
    let (proxy, addr) = start(cfg).await;
    let head = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    // The first connection holds the only slot while it is relayed.
    let mut first = TcpStream::connect(addr).await.unwrap();
    first.write_all(head).await.unwrap();
    let mut got = [0u8; 5];
    first.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"web1\n");
    // The second waits in the backlog: no answer while the first lives.
    let mut second = TcpStream::connect(addr).await.unwrap();
    second.write_all(head).await.unwrap();
    let waited = tokio::time::timeout(
        std::time::Duration::from_millis(150),
        second.read_exact(&mut got),
    )
    .await;
    assert!(waited.is_err(), "answered beyond max_connections");
    // Idle for relay_idle_timeout_ms: the proxy closes the first, which
    // frees the slot, and the second is answered.
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        first.read_to_end(&mut rest),
    )
    .await;
    assert!(matches!(closed, Ok(Ok(0))), "{closed:?}");
    second.read_exact(&mut got).await.unwrap();
    assert_eq!(&got, b"web1\n");
    assert_eq!(proxy.stats.relayed.load(Relaxed), 2);
}
