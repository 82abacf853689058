// SPDX-License-Identifier: GPL-2.0
//! Accepting, routing and forwarding connections.
use crate::access::{self, AccessLog, Record};
use crate::config::{Config, Mode, ProxyProtocol};
use crate::forwarded;
use crate::http::{self, HeadError};
use crate::pool::Pool;
use crate::route::{Request, Router};
use crate::splice::{self, Fallback, Outcome, Splicer};
use crate::tls::{self, HelloError};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// A listening socket on `addr` that other processes of this user may
/// listen on too (SO_REUSEPORT): a new proxy starts beside the running one,
/// which then drains. With `net.ipv4.tcp_migrate_req = 1` the connections
/// still queued on a listener that closes move to another of its group
/// instead of being reset.
/// `fastopen`, if not 0, is the TCP Fast Open queue (see the config's
/// `Listen::fastopen`).
fn listen(addr: SocketAddr, fastopen: u32) -> std::io::Result<TcpListener> {
    let sock = crate::pool::socket_towards(addr, &[])?;
    sock.set_reuseaddr(true)?;
    sock.set_reuseport(true)?;
    sock.bind(addr)?;
    if fastopen > 0 {
        use std::os::fd::AsRawFd;
        let q = i32::try_from(fastopen).unwrap_or(i32::MAX);
        crate::splice::set_int(sock.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_FASTOPEN, q)?;
    }
    sock.listen(1024)
}

/// Counters of one proxy.
#[derive(Debug, Default)]
pub struct Stats {
    pub connections: AtomicU64,
    pub forwarded: AtomicU64,
    pub spliced: AtomicU64,
    pub relayed: AtomicU64,
    pub relayed_bytes_to_backend: AtomicU64,
    pub relayed_bytes_to_client: AtomicU64,
    pub bad_requests: AtomicU64,
    pub no_backend: AtomicU64,
    pub backend_errors: AtomicU64,
    /// From accepting a connection to its splice.
    pub time_to_splice: Histogram,
}

/// A histogram of durations with fixed buckets, for the metrics.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Per bucket of [`Histogram::BOUNDS`], the observations at or below it
    /// (not cumulative); the last one is beyond every bound.
    counts: [AtomicU64; Histogram::BOUNDS.len() + 1],
    /// Their sum, in microseconds.
    sum_us: AtomicU64,
}

impl Histogram {
    /// Upper bounds of the buckets, seconds.
    pub const BOUNDS: [f64; 10] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 10.0,
    ];

    pub fn observe(&self, d: Duration) {
        let s = d.as_secs_f64();
        let i = Self::BOUNDS
            .iter()
            .position(|&b| s <= b)
            .unwrap_or(Self::BOUNDS.len());
        self.counts[i].fetch_add(1, Relaxed);
        self.sum_us
            .fetch_add(u64::try_from(d.as_micros()).unwrap_or(u64::MAX), Relaxed);
    }

    /// Cumulative counts per bound (the last: every observation) and the
    /// sum in seconds, as Prometheus shows a histogram.
    pub fn cumulative(&self) -> (Vec<(f64, u64)>, u64, f64) {
        let mut acc = 0;
        let mut out = Vec::with_capacity(Self::BOUNDS.len());
        for (i, b) in Self::BOUNDS.iter().enumerate() {
            acc += self.counts[i].load(Relaxed);
            out.push((*b, acc));
        }
        let total = acc + self.counts[Self::BOUNDS.len()].load(Relaxed);
        (out, total, self.sum_us.load(Relaxed) as f64 / 1e6)
    }
}

impl Stats {
    /// Every counter: its name, what it counts, its value.
    pub fn counters(&self) -> [(&'static str, &'static str, u64); 9] {
        let v = |a: &AtomicU64| a.load(Relaxed);
        [
            (
                "connections",
                "Client connections accepted.",
                v(&self.connections),
            ),
            (
                "forwarded",
                "Connections forwarded to a backend.",
                v(&self.forwarded),
            ),
            (
                "spliced",
                "Connections handed to the kernel.",
                v(&self.spliced),
            ),
            (
                "relayed",
                "Connections relayed in userspace.",
                v(&self.relayed),
            ),
            (
                "relayed_bytes_to_backend",
                "Bytes relayed in userspace to backends.",
                v(&self.relayed_bytes_to_backend),
            ),
            (
                "relayed_bytes_to_client",
                "Bytes relayed in userspace to clients.",
                v(&self.relayed_bytes_to_client),
            ),
            (
                "bad_requests",
                "Requests refused (400, 408, 431, TLS alerts).",
                v(&self.bad_requests),
            ),
            (
                "no_backend",
                "Connections with no route or no healthy backend.",
                v(&self.no_backend),
            ),
            (
                "backend_errors",
                "Failed backend connects and writes.",
                v(&self.backend_errors),
            ),
        ]
    }

    /// `name=value` pairs, one line.
    pub fn line(&self) -> String {
        let pairs: Vec<String> = self
            .counters()
            .iter()
            .map(|(n, _, v)| format!("{n}={v}"))
            .collect();
        pairs.join(" ")
    }
}

/// What the configuration decides for each connection: limits, routes,
/// pools and splicing options. A reload replaces it whole; a connection
/// keeps the one it started with.
struct Routing {
    cfg: Config,
    router: Router,
    pools: Vec<Arc<Pool>>,
    splicer: Splicer,
}

impl Routing {
    fn new(cfg: Config) -> Arc<Routing> {
        Arc::new(Routing {
            router: Router::new(&cfg),
            pools: cfg
                .pool
                .iter()
                .map(|p| Arc::new(Pool::new(p, &cfg.source)))
                .collect(),
            splicer: Splicer {
                wait_sync: cfg.wait_sync,
            },
            cfg,
        })
    }

    /// Start each pool's health checks and warm connections.
    fn start_health_checks(&self) {
        for p in &self.pools {
            tokio::spawn(Pool::health_checks(Arc::downgrade(p)));
            tokio::spawn(crate::warm::keep(Arc::downgrade(p)));
        }
    }
}

pub struct Proxy {
    routing: RwLock<Arc<Routing>>,
    /// Why every connection is relayed, if splicing is unavailable.
    fallback: Option<Fallback>,
    pub stats: Stats,
    /// The access log, if configured (set once, at start-up).
    access: std::sync::OnceLock<Arc<AccessLog>>,
    /// Set to stop accepting (a drain); the listeners close.
    stop: tokio::sync::watch::Sender<bool>,
    /// Connections being handled (reading a head, connecting, splicing or
    /// relaying), and a wake-up for whoever waits for none.
    in_flight: std::sync::atomic::AtomicUsize,
    idle: tokio::sync::Notify,
}

/// Counts a connection as in flight while it lives.
struct InFlight<'a>(&'a Proxy);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Relaxed) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Proxy {
    pub fn new(cfg: Config, fallback: Option<Fallback>) -> Arc<Proxy> {
        Arc::new(Proxy {
            routing: RwLock::new(Routing::new(cfg)),
            fallback,
            stats: Stats::default(),
            access: std::sync::OnceLock::new(),
            stop: tokio::sync::watch::channel(false).0,
            in_flight: std::sync::atomic::AtomicUsize::new(0),
            idle: tokio::sync::Notify::new(),
        })
    }

    /// Stop accepting (the listeners close; with SO_REUSEPORT a new proxy
    /// already listening on the same addresses takes the new connections),
    /// then wait until every connection in flight has been spliced or has
    /// ended, at most `limit`. Whether none was left.
    pub async fn drain(&self, limit: Duration) -> bool {
        self.stop.send_replace(true);
        let none_left = async {
            loop {
                let idle = self.idle.notified();
                if self.in_flight.load(Relaxed) == 0 {
                    return;
                }
                idle.await;
            }
        };
        tokio::time::timeout(limit, none_left).await.is_ok()
    }

    /// Set a backend's administrative state (the admin socket): new
    /// connections from now on follow it, until the next reload.
    pub fn set_backend_state(
        &self,
        pool: &str,
        addr: SocketAddr,
        state: crate::config::AdminState,
    ) -> Result<(), String> {
        let r = self.routing();
        let p = r
            .pools
            .iter()
            .find(|p| p.name == pool)
            .ok_or_else(|| format!("no pool {pool}"))?;
        let b = p
            .backends
            .iter()
            .find(|b| b.addr == addr)
            .ok_or_else(|| format!("pool {pool} has no backend {addr}"))?;
        b.set_admin(state);
        Ok(())
    }

    /// How long a drain waits for the connections in flight.
    pub fn drain_timeout(&self) -> Duration {
        Duration::from_millis(self.routing().cfg.drain_timeout_ms)
    }

    /// Connections being handled now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Relaxed)
    }

    /// Write a line per connection to `log` from now on.
    pub fn set_access_log(&self, log: Arc<AccessLog>) {
        let _ = self.access.set(log);
    }

    /// Every pool's backends as they stand (for the metrics).
    pub fn backends(&self) -> Vec<crate::metrics::BackendSample> {
        let r = self.routing();
        r.pools
            .iter()
            .flat_map(|p| {
                p.backends.iter().map(|b| crate::metrics::BackendSample {
                    pool: p.name.clone(),
                    addr: b.addr,
                    up: b.healthy(),
                    active: b.active(),
                    checks_failed: b.checks_failed.load(std::sync::atomic::Ordering::Relaxed),
                    weight: b.weight,
                    backup: b.backup,
                    state: b.admin().name(),
                    warm_ready: b.warm.ready(),
                    warm_used: b.warm.used.load(std::sync::atomic::Ordering::Relaxed),
                    warm_discarded: b.warm.discarded.load(std::sync::atomic::Ordering::Relaxed),
                })
            })
            .collect()
    }

    fn routing(&self) -> Arc<Routing> {
        self.routing
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Apply a new configuration to connections accepted from now on:
    /// routes, pools (a backend that stays in its pool keeps its health
    /// state; a new one starts up), weights, backups, drain, limits and
    /// splicing options. Listeners cannot change this way (restart for
    /// that). Connections already forwarded or spliced are not touched.
    pub fn reload(&self, cfg: Config) -> Result<(), String> {
        let old = self.routing();
        let addrs = |c: &Config| -> Vec<(std::net::SocketAddr, Mode, usize)> {
            c.listen
                .iter()
                .map(|l| (l.address, l.mode, l.max_connections))
                .collect()
        };
        if addrs(&old.cfg) != addrs(&cfg) {
            return Err("listeners differ from the running ones: restart to change them".into());
        }
        if cfg.splice != old.cfg.splice {
            return Err("splice on or off needs a restart".into());
        }
        let new = Routing::new(cfg);
        for p in &new.pools {
            if let Some(o) = old.pools.iter().find(|o| o.name == p.name) {
                p.inherit_health(o);
            }
        }
        new.start_health_checks();
        *self.routing.write().unwrap_or_else(|e| e.into_inner()) = new;
        Ok(())
    }

    /// Bind every listener (so errors surface before serving) and start the
    /// health checks; returns the listeners to serve, with their modes and
    /// connection limits.
    pub async fn bind(&self) -> std::io::Result<Vec<(TcpListener, Mode, usize)>> {
        let mut ls = Vec::new();
        let r = self.routing();
        for l in &r.cfg.listen {
            let sock = listen(l.address, l.fastopen).map_err(|e| {
                std::io::Error::new(e.kind(), format!("listen on {}: {e}", l.address))
            })?;
            ls.push((sock, l.mode, l.max_connections));
        }
        r.start_health_checks();
        Ok(ls)
    }

    /// Accept and handle connections until a drain, at most `max` at once
    /// (0: no limit): at the limit it stops accepting until one is spliced
    /// or ends.
    pub async fn serve(self: Arc<Self>, (listener, mode, max): (TcpListener, Mode, usize)) {
        let slots = (max > 0).then(|| Arc::new(tokio::sync::Semaphore::new(max)));
        let mut stop = self.stop.subscribe();
        loop {
            let next = async {
                let permit = match &slots {
                    Some(s) => Some(s.clone().acquire_owned().await.expect("never closed")),
                    None => None,
                };
                (permit, listener.accept().await)
            };
            let (permit, accepted) = tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                n = next => n,
            };
            match accepted {
                Ok((c, _)) => {
                    self.in_flight.fetch_add(1, Relaxed);
                    let me = self.clone();
                    tokio::spawn(async move {
                        let _counted = InFlight(&me);
                        me.clone().handle(c, mode).await;
                        drop(permit);
                    });
                }
                Err(e) => {
                    crate::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    async fn handle(self: Arc<Self>, mut client: TcpStream, mode: Mode) {
        let (accepted, accepted_at) = (std::time::Instant::now(), access::now());
        self.stats.connections.fetch_add(1, Relaxed);
        let _ = client.set_nodelay(true);
        let r = self.routing();
        let mut buf = Vec::with_capacity(4096);
        let Some(first) = self.read_first(&r.cfg, &mut client, &mut buf, mode).await else {
            return;
        };
        let req = Request {
            host: first.host.as_deref(),
            path: first.path.as_deref(),
            alpn: &first.alpn,
        };
        let client_mss = splice::mss(&client).ok();
        let Some((pool, mut backend)) = self.connect(&r, req, client_mss).await else {
            self.stats.no_backend.fetch_add(1, Relaxed);
            let refusal: &[u8] = match mode {
                Mode::Http => http::response(503),
                Mode::Tls if r.router.pick(req).is_none() => {
                    &tls::alert(tls::alert::UNRECOGNIZED_NAME)
                }
                Mode::Tls => &tls::alert(tls::alert::INTERNAL_ERROR),
            };
            let _ = client.write_all(refusal).await;
            return;
        };
        let out = match (client.peer_addr(), client.local_addr()) {
            (Ok(from), Ok(to)) => first_bytes(&pool, &buf, first.head_len, from, to),
            _ => buf,
        };
        if backend.1.write_all(&out).await.is_err() {
            self.stats.backend_errors.fetch_add(1, Relaxed);
            return;
        }
        let head_bytes = out.len() as u64;
        // The connection's access log line, completed at its end.
        let any = SocketAddr::from(([0, 0, 0, 0], 0));
        let ends = (
            client.peer_addr().unwrap_or(any),
            client.local_addr().unwrap_or(any),
            backend.0.addr(),
        );
        let record = |outcome, why: Option<String>| Record {
            time: accepted_at,
            client: ends.0,
            listener: ends.1,
            host: first.host.clone(),
            path: first.path.clone(),
            pool: pool.name.clone(),
            backend: ends.2,
            outcome,
            why,
            splice_id: None,
            splice_ms: None,
            bytes_to_backend: head_bytes,
            bytes_to_client: 0,
            duration_ms: 0.0,
            end: String::new(),
        };
        self.stats.forwarded.fetch_add(1, Relaxed);
        let outcome = match &self.fallback {
            Some(why) => Outcome::Relay(why.clone()),
            None => {
                r.splicer
                    .splice(&mut client, &mut backend.1, pool.split)
                    .await
            }
        };
        let why = match outcome {
            Outcome::Spliced(id) => {
                self.stats.spliced.fetch_add(1, Relaxed);
                self.stats.time_to_splice.observe(accepted.elapsed());
                crate::debug!("spliced as {id}");
                if let Some(log) = self.access.get() {
                    let mut r = record("spliced", None);
                    r.splice_id = Some(id);
                    r.splice_ms = Some(accepted.elapsed().as_secs_f64() * 1000.0);
                    log.spliced(r, accepted);
                }
                // Closing retired sockets sends nothing; one handed over
                // with bytes in flight is closed once the module retired it.
                splice::close_when_retired(client, backend.1).await;
                return;
            }
            Outcome::Relay(why) => why,
        };
        if self.fallback.is_none() {
            crate::info!("relaying in userspace: {why}");
        }
        self.stats.relayed.fetch_add(1, Relaxed);
        let mut rec = record("relayed", Some(why.to_string()));
        let idle = Duration::from_millis(r.cfg.relay_idle_timeout_ms);
        let (moved, done) = relay(&mut client, &mut backend.1, idle).await;
        self.count_relayed(moved);
        rec.bytes_to_backend += moved.0;
        rec.bytes_to_client += moved.1;
        rec.end = match done {
            Ok(()) => "closed",
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => "idle",
            Err(_) => "error",
        }
        .into();
        if let Some(log) = self.access.get() {
            rec.duration_ms = accepted.elapsed().as_secs_f64() * 1000.0;
            log.write(&rec);
        }
    }

    /// Read what routing needs: an HTTP request head or a TLS ClientHello,
    /// within the head timeout and size limit. On failure the client gets
    /// its answer (400, 408 or 431; a TLS alert) and `None` comes back.
    async fn read_first(
        &self,
        cfg: &Config,
        client: &mut TcpStream,
        buf: &mut Vec<u8>,
        mode: Mode,
    ) -> Option<First> {
        let max = cfg.max_head_bytes;
        let read = async {
            match mode {
                Mode::Http => http::read_head(client, buf, max)
                    .await
                    .map(|h| First {
                        host: h.host,
                        path: Some(h.path),
                        alpn: Vec::new(),
                        head_len: Some(h.head_len),
                    })
                    .map_err(Refused::Http),
                Mode::Tls => tls::read_hello(client, buf, max)
                    .await
                    .map(|h| First {
                        host: h.sni,
                        path: None,
                        alpn: h.alpn,
                        head_len: None,
                    })
                    .map_err(Refused::Tls),
            }
        };
        let limit = Duration::from_millis(cfg.head_timeout_ms);
        let (answer, closed, what) = match tokio::time::timeout(limit, read).await {
            Ok(Ok(first)) => return Some(first),
            Ok(Err(Refused::Http(e))) => (
                e.response().map(<[u8]>::to_vec),
                e == HeadError::Closed,
                format!("{e:?}"),
            ),
            Ok(Err(Refused::Tls(e))) => (
                e.alert().map(|a| a.to_vec()),
                e == HelloError::Closed,
                format!("ClientHello: {e:?}"),
            ),
            Err(_) => (
                (mode == Mode::Http).then(|| http::response(408).to_vec()),
                false,
                "head timeout".to_string(),
            ),
        };
        if let Some(a) = answer {
            let _ = client.write_all(&a).await;
        }
        if !closed {
            self.stats.bad_requests.fetch_add(1, Relaxed);
            crate::info!("request refused: {what}");
        }
        None
    }

    fn count_relayed(&self, (up, down): (u64, u64)) {
        self.stats.relayed_bytes_to_backend.fetch_add(up, Relaxed);
        self.stats.relayed_bytes_to_client.fetch_add(down, Relaxed);
    }

    /// Connect to a healthy backend of the request's pool, trying each once.
    /// The backend connection advertises at most `mss` (the client's), so
    /// that spliced segments fit the client's path.
    async fn connect(
        &self,
        r: &Routing,
        req: Request<'_>,
        mss: Option<i32>,
    ) -> Option<(Arc<Pool>, (crate::pool::Lease, TcpStream))> {
        let pool = &r.pools[r.router.pick(req)?];
        for _ in 0..pool.backends.len() {
            let lease = pool.pick()?;
            if let Some(s) = pool.take_warm(&lease, mss) {
                return Some((pool.clone(), (lease, s)));
            }
            let addr = lease.addr();
            let attempt = async {
                let sock = crate::pool::socket_towards(addr, &r.cfg.source)?;
                // Best effort: Linux accepts 88..=32767 (a larger client
                // MSS, as on loopback, needs no clamp).
                if let Some(m) = mss.filter(|m| (88..=32767).contains(m)) {
                    let _ = splice::clamp_mss(&sock, m);
                }
                sock.connect(addr).await
            };
            let limit = Duration::from_millis(r.cfg.connect_timeout_ms);
            match tokio::time::timeout(limit, attempt).await {
                Ok(Ok(s)) => {
                    let _ = s.set_nodelay(true);
                    return Some((pool.clone(), (lease, s)));
                }
                _ => {
                    self.stats.backend_errors.fetch_add(1, Relaxed);
                    crate::warn!("pool {}: cannot connect to {}", pool.name, lease.addr());
                    lease.failed();
                }
            }
        }
        None
    }

    pub fn fallback(&self) -> Option<&Fallback> {
        self.fallback.as_ref()
    }
}

/// Relay both ways until both sides are done, or until nothing moved for
/// `idle` (then the result is a `TimedOut` error; a zero `idle` never
/// times out). The bytes moved each way, and how it ended.
async fn relay(
    a: &mut TcpStream,
    b: &mut TcpStream,
    idle: Duration,
) -> ((u64, u64), std::io::Result<()>) {
    let mut moved = (0u64, 0u64);
    let done = relay_counting(a, b, idle, &mut moved).await;
    (moved, done)
}

async fn relay_counting(
    a: &mut TcpStream,
    b: &mut TcpStream,
    idle: Duration,
    moved: &mut (u64, u64),
) -> std::io::Result<()> {
    if idle.is_zero() {
        *moved = tokio::io::copy_bidirectional(a, b).await?;
        return Ok(());
    }
    let (mut ar, mut aw) = a.split();
    let (mut br, mut bw) = b.split();
    let (mut a_open, mut b_open) = (true, true);
    let (mut x, mut y) = (vec![0u8; 16384], vec![0u8; 16384]);
    while a_open || b_open {
        use tokio::io::AsyncReadExt;
        let step = async {
            tokio::select! {
                r = ar.read(&mut x), if a_open => r.map(|n| (true, n)),
                r = br.read(&mut y), if b_open => r.map(|n| (false, n)),
            }
        };
        let (from_a, n) = match tokio::time::timeout(idle, step).await {
            Ok(r) => r?,
            Err(_) => return Err(std::io::ErrorKind::TimedOut.into()),
        };
        match (from_a, n) {
            (true, 0) => {
                a_open = false;
                bw.shutdown().await?;
            }
            (false, 0) => {
                b_open = false;
                aw.shutdown().await?;
            }
            (true, n) => {
                bw.write_all(&x[..n]).await?;
                moved.0 += n as u64;
            }
            (false, n) => {
                aw.write_all(&y[..n]).await?;
                moved.1 += n as u64;
            }
        }
    }
    Ok(())
}

/// What a client sent first, as far as routing and forwarding need it.
struct First {
    host: Option<String>,
    path: Option<String>,
    alpn: Vec<String>,
    /// HTTP: the length of the request head at the start of the buffer.
    head_len: Option<usize>,
}

enum Refused {
    Http(HeadError),
    Tls(HelloError),
}

/// What goes to the backend first: the PROXY protocol header if the pool
/// wants one, then everything the client sent so far, with the Forwarded
/// headers added to an HTTP request head if the pool wants them. The module
/// absorbs the difference in length when it splices.
fn first_bytes(
    pool: &Pool,
    buf: &[u8],
    head_len: Option<usize>,
    client: SocketAddr,
    server: SocketAddr,
) -> Vec<u8> {
    let mut out = match pool.proxy_protocol {
        Some(ProxyProtocol::V1) => forwarded::proxy_v1(client, server),
        Some(ProxyProtocol::V2) => forwarded::proxy_v2(client, server),
        None => Vec::new(),
    };
    match head_len {
        Some(n) if pool.forwarded => {
            out.extend_from_slice(&forwarded::add_headers(&buf[..n], client.ip(), "http"));
            out.extend_from_slice(&buf[n..]);
        }
        _ => out.extend_from_slice(buf),
    }
    out
}
