// SPDX-License-Identifier: GPL-2.0
//! Warm backend connections: a few established connections to each backend
//! of a pool, opened ahead of need (the pool's `warm_connections`), so that a
//! new client's connection is spliced without a backend handshake on its
//! critical path.
//!
//! Each is used once, for one client, like a connection opened for it. One
//! that has waited `warm_max_idle_ms` is closed and replaced, before a
//! backend's idle timeout could close it first; one the backend closed or
//! wrote to (nothing may come before a request) is dropped when found. A
//! connection advertises the MSS its route gives, not the client's: it is
//! used only for a client that accepts segments that large (the module
//! forwards the backend's segments as they are), others get a fresh
//! connection clamped to their MSS.
use crate::pool::{socket_towards, Backend, Pool};
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// How long opening one may take.
const OPEN_TIMEOUT: Duration = Duration::from_secs(2);

/// The longest pause of the keeper between two rounds.
const MAX_PAUSE: Duration = Duration::from_secs(1);

struct Conn {
    stream: TcpStream,
    opened: Instant,
    /// The MSS this connection advertised to the backend.
    advmss: u32,
}

/// One backend's warm connections and what became of them.
#[derive(Default)]
pub struct Warm {
    ready: Mutex<VecDeque<Conn>>,
    /// Given to clients.
    pub used: AtomicU64,
    /// Opened.
    pub opened: AtomicU64,
    /// Closed unused: waited too long, found closed by the backend, or the
    /// backend stopped taking connections.
    pub discarded: AtomicU64,
}

impl std::fmt::Debug for Warm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Warm({} ready)", self.ready())
    }
}

/// Whether an idle connection is still good: nothing to read (no data,
/// no end of stream) and no error. Asks the socket itself, not the
/// runtime's idea of its readiness.
fn idle(s: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut b = [0u8; 1];
    // SAFETY: Passes a live buffer and its length; MSG_PEEK takes nothing.
    let r = unsafe {
        libc::recv(
            s.as_raw_fd(),
            b.as_mut_ptr().cast(),
            b.len(),
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    r < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::WouldBlock
}

impl Warm {
    /// Connections ready now.
    pub fn ready(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Conn>> {
        self.ready.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A ready connection for a client that accepts segments of `mss` bytes
    /// (None: unknown, any), younger than `max_idle`; the oldest first.
    pub fn take(&self, mss: Option<i32>, max_idle: Duration) -> Option<TcpStream> {
        let mut q = self.lock();
        while let Some(c) = q.pop_front() {
            if c.opened.elapsed() >= max_idle || !idle(&c.stream) {
                self.discarded.fetch_add(1, Relaxed);
                continue;
            }
            if mss.is_some_and(|m| i64::from(m) < i64::from(c.advmss)) {
                // Too large for this client: keep it for the next one.
                q.push_front(c);
                return None;
            }
            self.used.fetch_add(1, Relaxed);
            return Some(c.stream);
        }
        None
    }

    /// Close those that waited `max_idle` or went bad; all of them if
    /// `keep` is false. How many are left.
    fn prune(&self, max_idle: Duration, keep: bool) -> usize {
        let mut q = self.lock();
        let before = q.len();
        q.retain(|c| keep && c.opened.elapsed() < max_idle && idle(&c.stream));
        self.discarded.fetch_add((before - q.len()) as u64, Relaxed);
        q.len()
    }

    /// Open one more to `b` (from `source`).
    async fn open(&self, b: &Backend, source: &[IpAddr]) -> std::io::Result<()> {
        let sock = socket_towards(b.addr, source)?;
        let stream = tokio::time::timeout(OPEN_TIMEOUT, sock.connect(b.addr))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        let _ = stream.set_nodelay(true);
        let advmss = crate::splice::tcp_info(&stream).map_or(u32::MAX, |i| i.tcpi_advmss);
        self.opened.fetch_add(1, Relaxed);
        self.lock().push_back(Conn {
            stream,
            opened: Instant::now(),
            advmss,
        });
        Ok(())
    }
}

/// Keep `pool`'s warm connections, until the pool is gone (a reload
/// replaced it and its last connection ended).
pub async fn keep(pool: Weak<Pool>) {
    loop {
        let Some(p) = pool.upgrade() else {
            return;
        };
        let (want, max_idle) = p.warm_settings();
        if want == 0 {
            return;
        }
        for b in &p.backends {
            let takes = p.takes_connections(b);
            let mut have = b.warm.prune(max_idle, takes);
            while takes && have < want {
                if let Err(e) = b.warm.open(b, p.source()).await {
                    crate::debug!("pool {}: warm connection to {}: {e}", p.name, b.addr);
                    break;
                }
                have += 1;
            }
        }
        // (The pool may go meanwhile: the next round sees it.)
        let pause = (max_idle / 4).min(MAX_PAUSE);
        p.warm_wait(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Balance;
    use std::sync::Arc;
    use tokio::io::AsyncWriteExt;

    async fn until(what: impl Fn() -> bool) {
        for _ in 0..200 {
            if what() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("not reached in 2 s");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connections_are_kept_ready_used_once_and_replaced() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let mut c = crate::pool::tests::settings(vec![addr], Balance::RoundRobin);
        c.warm_connections = 2;
        c.warm_max_idle_ms = 60_000;
        let pool = Arc::new(Pool::new(&c, &[]));
        tokio::spawn(keep(Arc::downgrade(&pool)));
        let mut accepted = Vec::new();
        for _ in 0..2 {
            accepted.push(l.accept().await.unwrap().0);
        }
        let b = pool.backends[0].clone();
        until(|| b.warm.ready() == 2).await;
        // A client whose MSS is below what the connection advertised gets
        // none; one that takes any size does, and the keeper replaces it.
        let lease = pool.pick().unwrap();
        assert!(pool.take_warm(&lease, Some(100)).is_none());
        let mut s = pool.take_warm(&lease, None).expect("a warm connection");
        s.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        accepted.push(l.accept().await.unwrap().0);
        until(|| b.warm.ready() == 2).await;
        assert_eq!(b.warm.used.load(Relaxed), 1);
        // Those the backend closes are not given to clients.
        accepted.clear();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let got = pool.take_warm(&lease, None);
        if let Some(g) = &got {
            assert!(idle(g), "a closed warm connection was given out");
        }
        assert!(b.warm.discarded.load(Relaxed) >= 1);
        // The pool gone, the keeper stops and closes the rest.
        drop((lease, s, got));
        drop(pool);
    }
}
