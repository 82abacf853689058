// SPDX-License-Identifier: GPL-2.0
//! Backend pools: balancing and health.
//!
//! Health is what the checks found (a TCP connect, or an HTTP request with
//! the expected status, from the node's `source` address), with HAProxy's
//! hysteresis: `health_rise` passes in a row bring a down backend up,
//! `health_fall` failures take an up one down. A connection the proxy
//! fails to open takes the backend down at once; only checks bring it back
//! (with checks off: the retry time).
use crate::config::{self, AdminState, Balance, HealthCheck, ProxyProtocol};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// With health checks off, how long a backend that refused a connection is
/// left out before connections are tried on it again (as nginx's
/// `fail_timeout`): without checks nothing else would ever bring it back.
pub const RETRY_AFTER: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct Backend {
    pub addr: SocketAddr,
    /// Its share of new connections.
    pub weight: u32,
    /// Used only while no other backend of the pool takes connections.
    pub backup: bool,
    /// What the operator allows it (the configuration's `state`, changed
    /// at runtime through the admin socket): an [`AdminState`] as u8.
    admin: std::sync::atomic::AtomicU8,
    /// `streak.up`, readable without the lock.
    healthy: AtomicBool,
    active: AtomicUsize,
    /// When a failed connect marked it down (read only with checks off).
    down_at: Mutex<Option<Instant>>,
    /// The checks' verdicts in a row.
    streak: Mutex<Streak>,
    /// Checks that failed.
    pub checks_failed: AtomicU64,
    /// Its warm connections (the pool's `warm_connections`).
    pub warm: crate::warm::Warm,
}

impl Backend {
    /// Whether the backend takes connections (checks and failures).
    pub fn healthy(&self) -> bool {
        self.healthy.load(Relaxed)
    }

    /// What the operator allows it.
    pub fn admin(&self) -> AdminState {
        AdminState::from_u8(self.admin.load(Relaxed))
    }

    /// Change what the operator allows it, for new connections from now on.
    pub fn set_admin(&self, s: AdminState) {
        self.admin.store(s as u8, Relaxed);
    }

    /// Connections to it now.
    pub fn active(&self) -> usize {
        self.active.load(Relaxed)
    }

    /// Record one check; the new state if it changed.
    fn observe(&self, ok: bool, rise: u32, fall: u32) -> Option<bool> {
        let mut s = self.streak.lock().unwrap_or_else(|e| e.into_inner());
        let changed = s.observe(ok, rise, fall);
        self.healthy.store(s.up, Relaxed);
        changed
    }

    /// Up again (the retry time passed, with checks off).
    fn restore(&self) {
        *self.streak.lock().unwrap_or_else(|e| e.into_inner()) = Streak::default();
        self.healthy.store(true, Relaxed);
    }

    /// Down now (a connection to it failed), whatever the checks said.
    fn mark_down(&self) {
        let mut s = self.streak.lock().unwrap_or_else(|e| e.into_inner());
        *s = Streak { up: false, run: 0 };
        self.healthy.store(false, Relaxed);
    }
}

/// A backend's state as its checks found it, and how many verdicts in a row
/// went the other way (HAProxy's rise and fall).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streak {
    pub up: bool,
    run: u32,
}

impl Default for Streak {
    /// Backends are taken to be up until a check or a connection says not.
    fn default() -> Self {
        Streak { up: true, run: 0 }
    }
}

impl Streak {
    /// Count one check: `rise` passes in a row bring a down backend up,
    /// `fall` failures take an up one down. The new state if it changed.
    pub fn observe(&mut self, ok: bool, rise: u32, fall: u32) -> Option<bool> {
        if ok == self.up {
            self.run = 0;
            return None;
        }
        self.run += 1;
        if self.run < if ok { rise } else { fall } {
            return None;
        }
        *self = Streak { up: ok, run: 0 };
        Some(ok)
    }
}

/// How a pool's backends are checked.
#[derive(Debug, Clone)]
struct Check {
    kind: HealthCheck,
    path: String,
    host: Option<String>,
    status: Option<u16>,
    timeout: Duration,
    rise: u32,
    fall: u32,
    /// The node's source addresses (one per IP version), as for connections.
    source: Vec<IpAddr>,
}

#[derive(Debug)]
pub struct Pool {
    pub name: String,
    pub backends: Vec<Arc<Backend>>,
    balance: Balance,
    next: AtomicUsize,
    health_interval: Duration,
    /// PROXY protocol header to send first, if any.
    pub proxy_protocol: Option<ProxyProtocol>,
    /// HTTP: add the Forwarded headers.
    pub forwarded: bool,
    /// Ask for split splices.
    pub split: bool,
    /// With checks off: how long a failed backend is left out.
    retry_after: Duration,
    check: Check,
    /// Warm connections kept per backend, and how long one may wait.
    warm: (usize, Duration),
    /// Wakes the warm connections' keeper when one was taken.
    warm_taken: tokio::sync::Notify,
}

/// A backend chosen for one connection; counts as active until dropped.
pub struct Lease(Arc<Backend>);

impl Lease {
    pub fn addr(&self) -> SocketAddr {
        self.0.addr
    }
    /// Report that connecting failed: the backend is down until a health
    /// check finds it up (with checks off, for the pool's retry time).
    pub fn failed(&self) {
        *self.0.down_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        self.0.mark_down();
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Relaxed);
    }
}

impl Pool {
    /// The pool of `c`; its checks and connections come from `source`.
    pub fn new(c: &config::Pool, source: &[IpAddr]) -> Pool {
        Pool {
            name: c.name.clone(),
            backends: c
                .backends
                .iter()
                .map(|spec| {
                    let s = spec.settings();
                    Arc::new(Backend {
                        addr: s.address,
                        weight: s.weight,
                        backup: s.backup,
                        admin: std::sync::atomic::AtomicU8::new(s.state as u8),
                        healthy: AtomicBool::new(true),
                        active: AtomicUsize::new(0),
                        down_at: Mutex::new(None),
                        streak: Mutex::new(Streak::default()),
                        checks_failed: AtomicU64::new(0),
                        warm: Default::default(),
                    })
                })
                .collect(),
            balance: c.balance,
            next: AtomicUsize::new(0),
            health_interval: Duration::from_millis(c.health_interval_ms),
            proxy_protocol: c.proxy_protocol,
            forwarded: c.forwarded,
            split: c.split,
            retry_after: RETRY_AFTER,
            check: Check {
                kind: c.health_check,
                path: c.health_path.clone(),
                host: c.health_host.clone(),
                status: c.health_status,
                timeout: c.health_timeout(),
                rise: c.health_rise,
                fall: c.health_fall,
                source: source.to_vec(),
            },
            warm: (
                c.warm_connections,
                Duration::from_millis(c.warm_max_idle_ms),
            ),
            warm_taken: tokio::sync::Notify::new(),
        }
    }

    /// Warm connections kept per backend, and how long one may wait.
    pub fn warm_settings(&self) -> (usize, Duration) {
        self.warm
    }

    /// The node's source addresses, for connections to the backends.
    pub fn source(&self) -> &[IpAddr] {
        &self.check.source
    }

    /// A warm connection to the backend of `lease` for a client that
    /// accepts segments of `mss` bytes, if one is ready.
    pub fn take_warm(&self, lease: &Lease, mss: Option<i32>) -> Option<tokio::net::TcpStream> {
        let s = lease.0.warm.take(mss, self.warm.1)?;
        self.warm_taken.notify_one();
        Some(s)
    }

    /// Until a warm connection is taken, or `pause` passed.
    pub async fn warm_wait(&self, pause: Duration) {
        let _ = tokio::time::timeout(pause, self.warm_taken.notified()).await;
    }

    /// Whether `b` may take connections: marked healthy, or (with checks
    /// off) marked down longer ago than the retry time, which brings it back.
    fn is_up(&self, b: &Backend) -> bool {
        if b.healthy.load(Relaxed) {
            return true;
        }
        if !self.health_interval.is_zero() {
            return false;
        }
        let down_at = *b.down_at.lock().unwrap_or_else(|e| e.into_inner());
        match down_at {
            Some(t) if t.elapsed() >= self.retry_after => {
                b.restore();
                true
            }
            _ => false,
        }
    }

    /// Take the health of the backends that `old` (the pool this one
    /// replaces) has too, so that a reload does not send connections to a
    /// backend known to be down.
    pub fn inherit_health(&self, old: &Pool) {
        for b in &self.backends {
            let Some(o) = old.backends.iter().find(|o| o.addr == b.addr) else {
                continue;
            };
            *b.streak.lock().unwrap_or_else(|e| e.into_inner()) =
                *o.streak.lock().unwrap_or_else(|e| e.into_inner());
            *b.down_at.lock().unwrap_or_else(|e| e.into_inner()) =
                *o.down_at.lock().unwrap_or_else(|e| e.into_inner());
            b.healthy.store(o.healthy(), Relaxed);
        }
    }

    /// Whether `b` may take a new connection: enabled and up.
    pub fn takes_connections(&self, b: &Backend) -> bool {
        b.admin() == AdminState::Enabled && self.is_up(b)
    }

    /// A backend for a new connection by the pool's policy, among those
    /// that take connections (the backups only while no other does), or
    /// `None` if none does.
    pub fn pick(&self) -> Option<Lease> {
        let primary: Vec<&Arc<Backend>> = self
            .backends
            .iter()
            .filter(|b| !b.backup && self.takes_connections(b))
            .collect();
        let set = if primary.is_empty() {
            self.backends
                .iter()
                .filter(|b| b.backup && self.takes_connections(b))
                .collect()
        } else {
            primary
        };
        if set.is_empty() {
            return None;
        }
        let start = self.next.fetch_add(1, Relaxed);
        let chosen = match self.balance {
            Balance::RoundRobin => {
                // Rotate over those that take connections only, so a dead
                // backend's share is spread evenly rather than given to its
                // successor; each gets `weight` turns of the rotation.
                let total: u64 = set.iter().map(|b| u64::from(b.weight)).sum();
                let mut k = start as u64 % total;
                set.iter().copied().find(|b| {
                    let w = u64::from(b.weight);
                    let here = k < w;
                    k = k.saturating_sub(w);
                    here
                })
            }
            Balance::LeastConnections => {
                // The fewest connections per unit of weight; ties go round
                // robin, so equal backends share the load.
                let n = set.len();
                (0..n).map(|i| set[(start + i) % n]).min_by(|a, b| {
                    let load = |x: &Backend, y: &Backend| x.active() as u64 * u64::from(y.weight);
                    load(a, b).cmp(&load(b, a))
                })
            }
        }?;
        chosen.active.fetch_add(1, Relaxed);
        Some(Lease(chosen.clone()))
    }

    /// Check every backend with a TCP connect at the pool's interval, until
    /// the pool is gone (a reload replaced it and its last connection ended).
    pub async fn health_checks(pool: Weak<Pool>) {
        loop {
            let Some(me) = pool.upgrade() else {
                return;
            };
            me.check_once().await;
            let pause = me.health_interval;
            drop(me);
            if pause.is_zero() {
                return;
            }
            tokio::time::sleep(pause).await;
        }
    }

    async fn check_once(&self) {
        if self.health_interval.is_zero() {
            return;
        }
        let c = &self.check;
        for b in self
            .backends
            .iter()
            .filter(|b| b.admin() != AdminState::Disabled)
        {
            let verdict = match tokio::time::timeout(c.timeout, self.probe(b.addr)).await {
                Ok(r) => r,
                Err(_) => Err(format!("no answer in {} ms", c.timeout.as_millis())),
            };
            if verdict.is_err() {
                b.checks_failed.fetch_add(1, Relaxed);
            }
            match (b.observe(verdict.is_ok(), c.rise, c.fall), verdict) {
                (Some(true), _) => crate::info!("pool {}: backend {} is up", self.name, b.addr),
                (Some(false), Err(why)) => {
                    crate::info!("pool {}: backend {} is down: {why}", self.name, b.addr)
                }
                _ => {}
            }
        }
    }

    /// One check of the backend at `addr`: why it failed, if it did.
    async fn probe(&self, addr: SocketAddr) -> Result<(), String> {
        let c = &self.check;
        let sock = socket_towards(addr, &c.source).map_err(|e| e.to_string())?;
        let mut s = sock.connect(addr).await.map_err(|e| e.to_string())?;
        if c.kind == HealthCheck::Tcp {
            return Ok(());
        }
        let host = c.host.clone().unwrap_or_else(|| addr.to_string());
        let req = format!(
            "GET {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: tcpsplice-proxy-check\r\nConnection: close\r\n\r\n",
            c.path
        );
        s.write_all(req.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        // The status line is all that counts.
        let mut buf = Vec::with_capacity(256);
        let mut chunk = [0u8; 256];
        while !buf.contains(&b'\n') && buf.len() < 1024 {
            let n = s.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let status = status_of(&buf).ok_or("no HTTP status line in the answer")?;
        let ok = match c.status {
            Some(want) => status == want,
            None => (200..400).contains(&status),
        };
        if ok {
            Ok(())
        } else {
            Err(format!("HTTP status {status}"))
        }
    }
}

/// A TCP socket of `addr`'s IP version, bound to the address of that
/// version in `source` if there is one (the node's own, for connections to
/// backends and their checks).
pub fn socket_towards(
    addr: SocketAddr,
    source: &[IpAddr],
) -> std::io::Result<tokio::net::TcpSocket> {
    let sock = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    if let Some(src) = source.iter().find(|a| a.is_ipv4() == addr.is_ipv4()) {
        sock.bind(SocketAddr::new(*src, 0))?;
    }
    Ok(sock)
}

/// The status code of an HTTP/1.x status line at the start of `b`.
fn status_of(b: &[u8]) -> Option<u16> {
    let line = b.split(|&c| c == b'\n').next()?;
    let rest = line.strip_prefix(b"HTTP/1.")?;
    let code = rest.get(2..5)?;
    if rest.get(1) != Some(&b' ') || !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(code).ok()?.parse().ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn settings(backends: Vec<SocketAddr>, balance: Balance) -> config::Pool {
        config::Pool {
            name: "p".into(),
            backends: backends.into_iter().map(Into::into).collect(),
            balance,
            health_interval_ms: 0,
            health_check: HealthCheck::Tcp,
            health_path: "/".into(),
            health_host: None,
            health_status: None,
            health_timeout_ms: None,
            health_rise: 2,
            health_fall: 3,
            proxy_protocol: None,
            forwarded: false,
            split: false,
            warm_connections: 0,
            warm_max_idle_ms: 10_000,
        }
    }

    fn pool(balance: Balance) -> Pool {
        let ports = (1..=3).map(|p| SocketAddr::from(([127, 0, 0, 1], p)));
        Pool::new(&settings(ports.collect(), balance), &[])
    }

    fn spec(port: u16, weight: u32, backup: bool, state: AdminState) -> config::BackendSpec {
        config::BackendSpec::Table(config::Backend {
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            weight,
            backup,
            state,
        })
    }

    fn ports(p: &Pool, n: usize) -> Vec<u16> {
        (0..n).map(|_| p.pick().unwrap().addr().port()).collect()
    }

    #[test]
    fn weights_share_the_rotation_and_backups_wait_for_the_rest() {
        let mut c = settings(vec![], Balance::RoundRobin);
        c.backends = vec![
            spec(1, 3, false, AdminState::Enabled),
            spec(2, 1, false, AdminState::Enabled),
            spec(3, 1, true, AdminState::Enabled),
        ];
        let p = Pool::new(&c, &[]);
        assert_eq!(ports(&p, 8), [1, 1, 1, 2, 1, 1, 1, 2]);
        p.backends[1].mark_down();
        assert_eq!(ports(&p, 3), [1, 1, 1]);
        p.backends[0].mark_down();
        assert_eq!(ports(&p, 3), [3, 3, 3], "only the backup is left");
        p.backends[0].restore();
        assert_eq!(ports(&p, 3), [1, 1, 1], "the backup waits again");
    }

    #[tokio::test]
    async fn drained_and_disabled_backends_take_no_new_connections() {
        let mut c = settings(vec![], Balance::LeastConnections);
        c.backends = vec![
            spec(1, 1, false, AdminState::Drain),
            spec(2, 1, false, AdminState::Enabled),
            spec(3, 1, false, AdminState::Disabled),
        ];
        c.health_interval_ms = 1000;
        c.health_fall = 1;
        let p = Pool::new(&c, &[]);
        assert_eq!(ports(&p, 4), [2, 2, 2, 2]);
        // Checks go on for a drained backend, not for a disabled one
        // (nobody listens on these ports).
        p.check_once().await;
        let failed: Vec<u64> = p
            .backends
            .iter()
            .map(|b| b.checks_failed.load(Relaxed))
            .collect();
        assert_eq!(failed, [1, 1, 0]);
        assert!(p.pick().is_none(), "a drained backend is not a fallback");
    }

    #[test]
    fn a_reloaded_pool_keeps_the_health_of_the_backends_it_keeps() {
        let old = pool(Balance::RoundRobin);
        old.backends[1].mark_down(); // port 2
        let mut c = settings(vec![], Balance::RoundRobin);
        c.backends = vec![
            spec(2, 1, false, AdminState::Enabled),
            spec(4, 1, false, AdminState::Enabled),
        ];
        let new = Pool::new(&c, &[]);
        new.inherit_health(&old);
        assert!(!new.backends[0].healthy());
        assert!(new.backends[1].healthy(), "a new backend starts up");
        assert_eq!(ports(&new, 2), [4, 4]);
    }

    #[test]
    fn least_connections_counts_connections_per_unit_of_weight() {
        let mut c = settings(vec![], Balance::LeastConnections);
        c.backends = vec![
            spec(1, 2, false, AdminState::Enabled),
            spec(2, 1, false, AdminState::Enabled),
        ];
        let p = Pool::new(&c, &[]);
        let leases: Vec<Lease> = (0..6).map(|_| p.pick().unwrap()).collect();
        let on = |port| leases.iter().filter(|l| l.addr().port() == port).count();
        assert_eq!((on(1), on(2)), (4, 2));
    }

    #[test]
    fn a_state_changes_after_rise_passes_or_fall_failures_in_a_row() {
        let mut s = Streak::default();
        assert_eq!(s.observe(false, 2, 3), None);
        assert_eq!(s.observe(false, 2, 3), None);
        assert_eq!(s.observe(true, 2, 3), None); // the run is broken
        assert_eq!(s.observe(false, 2, 3), None);
        assert_eq!(s.observe(false, 2, 3), None);
        assert_eq!(s.observe(false, 2, 3), Some(false));
        assert!(!s.up);
        assert_eq!(s.observe(false, 2, 3), None);
        assert_eq!(s.observe(true, 2, 3), None);
        assert_eq!(s.observe(true, 2, 3), Some(true));
        assert_eq!(s.observe(true, 1, 1), None);
        assert_eq!(s.observe(false, 1, 1), Some(false));
    }

    #[test]
    fn status_lines() {
        assert_eq!(status_of(b"HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(
            status_of(b"HTTP/1.0 503 Service Unavailable\r\nX: y"),
            Some(503)
        );
        assert_eq!(status_of(b"HTTP/1.1 204"), Some(204));
        assert_eq!(status_of(b"HTTP/2 200\r\n"), None);
        assert_eq!(status_of(b"HTTP/1.1 2x0 OK\r\n"), None);
        assert_eq!(status_of(b"SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(status_of(b""), None);
    }

    /// A backend answering every request with the status in `status`, and
    /// the request heads it got.
    async fn http_backend(
        status: Arc<std::sync::atomic::AtomicU16>,
    ) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = heads.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let mut buf = vec![0u8; 1024];
                let n = s.read(&mut buf).await.unwrap_or(0);
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
                let code = status.load(Relaxed);
                let _ = s
                    .write_all(format!("HTTP/1.1 {code} X\r\nContent-Length: 0\r\n\r\n").as_bytes())
                    .await;
            }
        });
        (addr, heads)
    }

    #[tokio::test]
    async fn http_checks_follow_the_status_with_rise_and_fall() {
        let status = Arc::new(std::sync::atomic::AtomicU16::new(200));
        let (addr, heads) = http_backend(status.clone()).await;
        let mut c = settings(vec![addr], Balance::RoundRobin);
        c.health_interval_ms = 1000;
        c.health_check = HealthCheck::Http;
        c.health_path = "/healthz".into();
        c.health_host = Some("www.example.com".into());
        c.health_fall = 2;
        let p = Pool::new(&c, &["127.0.0.1".parse().unwrap()]);
        let b = p.backends[0].clone();
        p.check_once().await;
        assert!(b.healthy());
        status.store(503, Relaxed);
        p.check_once().await;
        assert!(b.healthy(), "one failure is not enough with fall 2");
        p.check_once().await;
        assert!(!b.healthy());
        assert!(p.pick().is_none());
        status.store(302, Relaxed); // any 2xx or 3xx by default
        p.check_once().await;
        assert!(!b.healthy(), "one pass is not enough with rise 2");
        p.check_once().await;
        assert!(b.healthy());
        assert_eq!(b.checks_failed.load(Relaxed), 2);
        let heads = heads.lock().unwrap();
        assert_eq!(heads.len(), 5);
        assert!(
            heads[0].starts_with("GET /healthz HTTP/1.1\r\nHost: www.example.com\r\n"),
            "{:?}",
            heads[0]
        );
    }

    #[tokio::test]
    async fn http_checks_with_an_expected_status_and_a_timeout() {
        let status = Arc::new(std::sync::atomic::AtomicU16::new(200));
        let (addr, _) = http_backend(status.clone()).await;
        // A listener that accepts and never answers.
        let mute = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut c = settings(vec![addr, mute.local_addr().unwrap()], Balance::RoundRobin);
        c.health_interval_ms = 1000;
        c.health_check = HealthCheck::Http;
        c.health_status = Some(204);
        c.health_timeout_ms = Some(200);
        c.health_fall = 1;
        let p = Pool::new(&c, &[]);
        p.check_once().await;
        assert!(!p.backends[0].healthy(), "200 is not the expected 204");
        assert!(!p.backends[1].healthy(), "no answer within the timeout");
        status.store(204, Relaxed);
        p.check_once().await;
        p.check_once().await;
        assert!(p.backends[0].healthy());
        assert!(!p.backends[1].healthy());
        drop(mute);
    }

    #[test]
    fn round_robin_skips_the_unhealthy() {
        let p = pool(Balance::RoundRobin);
        let ports: Vec<u16> = (0..4).map(|_| p.pick().unwrap().addr().port()).collect();
        assert_eq!(ports, [1, 2, 3, 1]);
        p.pick().unwrap().failed(); // port 2 is next, and fails
        let ports: Vec<u16> = (0..4).map(|_| p.pick().unwrap().addr().port()).collect();
        assert_eq!(ports, [3, 1, 3, 1]);
        for b in &p.backends {
            b.healthy.store(false, Relaxed);
        }
        assert!(p.pick().is_none());
    }

    #[test]
    fn without_checks_a_failed_backend_returns_after_the_retry_time() {
        let mut p = pool(Balance::RoundRobin);
        p.retry_after = Duration::from_millis(200);
        p.pick().unwrap().failed(); // port 1
        let ports: Vec<u16> = (0..4).map(|_| p.pick().unwrap().addr().port()).collect();
        assert!(!ports.contains(&1), "{ports:?}");
        std::thread::sleep(Duration::from_millis(250));
        let ports: Vec<u16> = (0..3).map(|_| p.pick().unwrap().addr().port()).collect();
        assert!(ports.contains(&1), "{ports:?}");
    }

    #[test]
    fn with_checks_only_a_check_brings_a_failed_backend_back() {
        let mut p = pool(Balance::RoundRobin);
        p.health_interval = Duration::from_secs(1);
        p.retry_after = Duration::ZERO;
        p.pick().unwrap().failed(); // port 1
        let ports: Vec<u16> = (0..4).map(|_| p.pick().unwrap().addr().port()).collect();
        assert!(!ports.contains(&1), "{ports:?}");
    }

    #[test]
    fn least_connections_prefers_the_idle() {
        let p = pool(Balance::LeastConnections);
        let a = p.pick().unwrap();
        let b = p.pick().unwrap();
        assert_ne!(a.addr(), b.addr());
        let c = p.pick().unwrap();
        let used = [a.addr(), b.addr(), c.addr()];
        assert_eq!(
            used.iter().collect::<std::collections::HashSet<_>>().len(),
            3
        );
        drop(b);
        // The one whose lease ended is now the least loaded.
        assert_eq!(p.pick().unwrap().addr(), used[1]);
    }
}
