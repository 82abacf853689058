// SPDX-License-Identifier: GPL-2.0
//! Accepting, routing and forwarding connections.
use crate::config::Config;
use crate::http::{self, HeadError};
use crate::pool::Pool;
use crate::route::Router;
use crate::splice::{self, Fallback, Outcome, Splicer};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

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
}

impl Stats {
    /// `name=value` pairs, one line.
    pub fn line(&self) -> String {
        let v = |a: &AtomicU64| a.load(Relaxed);
        format!(
            "connections={} forwarded={} spliced={} relayed={} relayed_bytes_to_backend={} relayed_bytes_to_client={} bad_requests={} no_backend={} backend_errors={}",
            v(&self.connections), v(&self.forwarded), v(&self.spliced), v(&self.relayed),
            v(&self.relayed_bytes_to_backend), v(&self.relayed_bytes_to_client),
            v(&self.bad_requests), v(&self.no_backend), v(&self.backend_errors)
        )
    }
}

pub struct Proxy {
    cfg: Config,
    router: Router,
    pools: Vec<Arc<Pool>>,
    /// Why every connection is relayed, if splicing is unavailable.
    fallback: Option<Fallback>,
    splicer: Splicer,
    pub stats: Stats,
}

impl Proxy {
    pub fn new(cfg: Config, fallback: Option<Fallback>) -> Arc<Proxy> {
        let wait_sync = cfg.wait_sync;
        Arc::new(Proxy {
            router: Router::new(&cfg),
            pools: cfg.pool.iter().map(|p| Arc::new(Pool::new(p))).collect(),
            cfg,
            fallback,
            splicer: Splicer { wait_sync },
            stats: Stats::default(),
        })
    }

    /// Bind every listener (so errors surface before serving) and start the
    /// health checks; returns the listeners to serve.
    pub async fn bind(&self) -> std::io::Result<Vec<TcpListener>> {
        let mut ls = Vec::new();
        for l in &self.cfg.listen {
            ls.push(TcpListener::bind(l.address).await.map_err(|e| {
                std::io::Error::new(e.kind(), format!("listen on {}: {e}", l.address))
            })?);
        }
        for p in &self.pools {
            tokio::spawn(p.clone().health_checks());
        }
        Ok(ls)
    }

    /// Accept and handle connections forever.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            match listener.accept().await {
                Ok((c, _)) => {
                    let me = self.clone();
                    tokio::spawn(async move { me.handle(c).await });
                }
                Err(e) => {
                    crate::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    async fn handle(self: Arc<Self>, mut client: TcpStream) {
        self.stats.connections.fetch_add(1, Relaxed);
        let _ = client.set_nodelay(true);
        let mut buf = Vec::with_capacity(4096);
        let limit = Duration::from_millis(self.cfg.head_timeout_ms);
        let head = match tokio::time::timeout(
            limit,
            http::read_head(&mut client, &mut buf, self.cfg.max_head_bytes),
        )
        .await
        {
            Ok(Ok(h)) => h,
            Ok(Err(e)) => {
                if let Some(r) = e.response() {
                    self.stats.bad_requests.fetch_add(1, Relaxed);
                    let _ = client.write_all(r).await;
                }
                if !matches!(e, HeadError::Closed) {
                    crate::info!("request refused: {e:?}");
                }
                return;
            }
            Err(_) => {
                self.stats.bad_requests.fetch_add(1, Relaxed);
                let _ = client.write_all(http::response(408)).await;
                return;
            }
        };
        let client_mss = splice::mss(&client).ok();
        let Some(mut backend) = self
            .connect(head.host.as_deref(), &head.path, client_mss)
            .await
        else {
            self.stats.no_backend.fetch_add(1, Relaxed);
            let _ = client.write_all(http::response(503)).await;
            return;
        };
        if backend.1.write_all(&buf).await.is_err() {
            self.stats.backend_errors.fetch_add(1, Relaxed);
            return;
        }
        self.stats.forwarded.fetch_add(1, Relaxed);
        let outcome = match &self.fallback {
            Some(why) => Outcome::Relay {
                why: why.clone(),
                relayed: (0, 0),
            },
            None => self.splicer.splice(&mut client, &mut backend.1).await,
        };
        let (why, (up, down)) = match outcome {
            Outcome::Spliced { id, relayed } => {
                self.count_relayed(relayed);
                self.stats.spliced.fetch_add(1, Relaxed);
                crate::debug!("spliced as {id}");
                // Dropping the retired sockets closes them silently.
                return;
            }
            Outcome::Relay { why, relayed } => (why, relayed),
        };
        self.count_relayed((up, down));
        if self.fallback.is_none() {
            crate::info!("relaying in userspace: {why}");
        }
        self.stats.relayed.fetch_add(1, Relaxed);
        if let Ok(moved) = tokio::io::copy_bidirectional(&mut client, &mut backend.1).await {
            self.count_relayed(moved);
        }
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
        host: Option<&str>,
        path: &str,
        mss: Option<i32>,
    ) -> Option<(crate::pool::Lease, TcpStream)> {
        let pool = &self.pools[self.router.pick(host, path)?];
        for _ in 0..pool.backends.len() {
            let lease = pool.pick()?;
            let addr = lease.addr();
            let attempt = async {
                let sock = if addr.is_ipv4() {
                    tokio::net::TcpSocket::new_v4()?
                } else {
                    tokio::net::TcpSocket::new_v6()?
                };
                // Best effort: Linux accepts 88..=32767 (a larger client
                // MSS, as on loopback, needs no clamp).
                if let Some(m) = mss.filter(|m| (88..=32767).contains(m)) {
                    let _ = splice::clamp_mss(&sock, m);
                }
                if let Some(src) = self
                    .cfg
                    .source
                    .iter()
                    .find(|a| a.is_ipv4() == addr.is_ipv4())
                {
                    sock.bind(std::net::SocketAddr::new(*src, 0))?;
                }
                sock.connect(addr).await
            };
            match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
                Ok(Ok(s)) => {
                    let _ = s.set_nodelay(true);
                    return Some((lease, s));
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
