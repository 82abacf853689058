// SPDX-License-Identifier: GPL-2.0
//! Backend pools: balancing and health.
use crate::config::{self, Balance, ProxyProtocol};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// With health checks off, how long a backend that refused a connection is
/// left out before connections are tried on it again (as nginx's
/// `fail_timeout`): without checks nothing else would ever bring it back.
pub const RETRY_AFTER: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct Backend {
    pub addr: SocketAddr,
    healthy: AtomicBool,
    active: AtomicUsize,
    /// When a failed connect marked it down (read only with checks off).
    down_at: Mutex<Option<Instant>>,
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
        self.0.healthy.store(false, Relaxed);
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Relaxed);
    }
}

impl Pool {
    pub fn new(c: &config::Pool) -> Pool {
        Pool {
            name: c.name.clone(),
            backends: c
                .backends
                .iter()
                .map(|&addr| {
                    Arc::new(Backend {
                        addr,
                        healthy: AtomicBool::new(true),
                        active: AtomicUsize::new(0),
                        down_at: Mutex::new(None),
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
        }
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
                b.healthy.store(true, Relaxed);
                true
            }
            _ => false,
        }
    }

    /// A healthy backend by the pool's policy, or `None` if none is healthy.
    pub fn pick(&self) -> Option<Lease> {
        let n = self.backends.len();
        let healthy = |b: &&Arc<Backend>| self.is_up(b);
        let chosen = match self.balance {
            Balance::RoundRobin => {
                // Rotate over the healthy ones only, so a dead backend's
                // share is spread evenly rather than given to its successor.
                let up = self.backends.iter().filter(healthy).count();
                if up == 0 {
                    return None;
                }
                let k = self.next.fetch_add(1, Relaxed) % up;
                self.backends.iter().filter(healthy).nth(k)
            }
            Balance::LeastConnections => {
                // Ties go round robin, so equal backends share the load.
                let start = self.next.fetch_add(1, Relaxed);
                (0..n)
                    .map(|i| &self.backends[(start + i) % n])
                    .filter(healthy)
                    .min_by_key(|b| b.active.load(Relaxed))
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
        let timeout = self.health_interval.min(Duration::from_secs(2));
        {
            for b in &self.backends {
                let up = matches!(
                    tokio::time::timeout(timeout, tokio::net::TcpStream::connect(b.addr)).await,
                    Ok(Ok(_))
                );
                if b.healthy.swap(up, Relaxed) != up {
                    crate::info!(
                        "pool {}: backend {} is {}",
                        self.name,
                        b.addr,
                        if up { "up" } else { "down" }
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(balance: Balance) -> Pool {
        Pool::new(&config::Pool {
            name: "p".into(),
            backends: vec![
                "127.0.0.1:1".parse().unwrap(),
                "127.0.0.1:2".parse().unwrap(),
                "127.0.0.1:3".parse().unwrap(),
            ],
            balance,
            health_interval_ms: 0,
            proxy_protocol: None,
            forwarded: false,
            split: false,
        })
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
