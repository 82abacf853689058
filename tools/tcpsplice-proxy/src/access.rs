// SPDX-License-Identifier: GPL-2.0
//! The access log: one line per connection the proxy forwarded, written
//! when the connection ends. A relayed connection ends when the proxy's
//! relay does; a spliced one when the module reports the end of its entry
//! (a `splice_end` event of the "splices" group), which brings the bytes
//! the kernel carried each way and how the connection ended.
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tcpsplice_client::{Monitor, MonitorGroups, SpliceInfo};

/// How lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `key=value` fields after the time, client and listener.
    #[default]
    Plain,
    /// One JSON object per line.
    Json,
}

/// One connection.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Record {
    /// When the proxy accepted it, seconds since the epoch.
    pub time: f64,
    pub client: SocketAddr,
    pub listener: SocketAddr,
    /// The request's Host, or the ClientHello's SNI.
    pub host: Option<String>,
    /// The request's path (HTTP listeners).
    pub path: Option<String>,
    pub pool: String,
    pub backend: SocketAddr,
    /// `spliced` or `relayed`.
    pub outcome: &'static str,
    /// Why it was relayed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// The module's identifier of the splice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub splice_id: Option<u64>,
    /// From accepting the connection to the module's answer to `SPLICE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub splice_ms: Option<f64>,
    /// Bytes to the backend: forwarded by the proxy (the request head, what
    /// it relayed) and carried by the kernel.
    pub bytes_to_backend: u64,
    /// Bytes to the client, the same way.
    pub bytes_to_client: u64,
    /// From accepting the connection to its end.
    pub duration_ms: f64,
    /// How it ended: for a relayed connection `closed`, `idle`
    /// (`relay_idle_timeout_ms`) or `error`; for a spliced one the module's
    /// `finished`, `reset`, `expired`, `superseded`, `unspliced` or `peer`.
    pub end: String,
}

impl Record {
    /// The line, without its newline.
    pub fn line(&self, format: Format) -> String {
        match format {
            Format::Json => serde_json::to_string(self).unwrap_or_default(),
            Format::Plain => {
                let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                let mut l = format!(
                    "{:.3} {} {} host={} path={} pool={} backend={} {}",
                    self.time,
                    self.client,
                    self.listener,
                    opt(&self.host),
                    opt(&self.path),
                    self.pool,
                    self.backend,
                    self.outcome
                );
                if let Some(why) = &self.why {
                    l += &format!(" why={why:?}");
                }
                if let (Some(id), Some(ms)) = (self.splice_id, self.splice_ms) {
                    l += &format!(" splice_id={id} splice_ms={ms:.3}");
                }
                l += &format!(
                    " bytes_to_backend={} bytes_to_client={} duration_ms={:.3} end={}",
                    self.bytes_to_backend, self.bytes_to_client, self.duration_ms, self.end
                );
                l
            }
        }
    }
}

/// Seconds since the epoch, now.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Spliced connections waiting for their end, at most this many: beyond,
/// the oldest are written as they are (`end=unknown`), so that ends the
/// module could not report (events lost to a full socket buffer) cannot
/// grow the proxy without bound.
const MAX_PENDING: usize = 1 << 20;

/// Where lines go, and the spliced connections whose end is awaited.
pub struct AccessLog {
    out: Mutex<Box<dyn Write + Send>>,
    format: Format,
    /// The module's splice events are followed ([`AccessLog::follow_splices`]);
    /// if not, a spliced connection's line is written when it is spliced.
    follows: std::sync::atomic::AtomicBool,
    /// By splice identifier: the record so far and when it was accepted.
    pending: Mutex<HashMap<u64, (Record, Instant)>>,
}

impl AccessLog {
    /// Append to `path` (`-`: standard output), creating it if need be.
    pub fn open(path: &str, format: Format) -> std::io::Result<Arc<Self>> {
        let out: Box<dyn Write + Send> = if path == "-" {
            Box::new(std::io::stdout())
        } else {
            Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?,
            )
        };
        Ok(Self::to(out, format))
    }

    /// Write to `out`.
    pub fn to(out: Box<dyn Write + Send>, format: Format) -> Arc<Self> {
        Arc::new(AccessLog {
            out: Mutex::new(out),
            format,
            follows: std::sync::atomic::AtomicBool::new(false),
            pending: Mutex::new(HashMap::new()),
        })
    }

    /// Write one record now.
    pub fn write(&self, r: &Record) {
        let mut line = r.line(self.format);
        line.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // One write a line: lines of concurrent connections never mix.
        if let Err(e) = out.write_all(line.as_bytes()).and_then(|()| out.flush()) {
            crate::warn!("access log: {e}");
        }
    }

    /// A spliced connection (`r.splice_id` set), accepted at `since`: its
    /// line is written at [`AccessLog::ended`].
    pub fn spliced(&self, mut r: Record, since: Instant) {
        let following = self.follows.load(std::sync::atomic::Ordering::Relaxed);
        let Some(id) = r.splice_id.filter(|_| following) else {
            r.duration_ms = since.elapsed().as_secs_f64() * 1000.0;
            r.end = "unknown".into();
            return self.write(&r);
        };
        let evicted = {
            let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            let evicted = if p.len() >= MAX_PENDING {
                let oldest = p.iter().min_by_key(|(_, (_, t))| *t).map(|(k, _)| *k);
                oldest.and_then(|k| p.remove(&k))
            } else {
                None
            };
            p.insert(id, (r, since));
            evicted
        };
        if let Some((mut old, t)) = evicted {
            old.duration_ms = t.elapsed().as_secs_f64() * 1000.0;
            old.end = "unknown".into();
            self.write(&old);
        }
    }

    /// The module reported the end of entry `s`: complete the line of the
    /// connection it carried, if it was one of ours.
    pub fn ended(&self, s: &SpliceInfo) {
        let found = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&s.id);
        let Some((mut r, since)) = found else {
            return;
        };
        r.bytes_to_backend += s.bytes_to_backend;
        r.bytes_to_client += s.bytes_to_client;
        r.duration_ms = since.elapsed().as_secs_f64() * 1000.0;
        r.end = s.end.clone().unwrap_or_else(|| "unknown".into());
        self.write(&r);
    }

    /// Spliced connections whose end has not been reported yet.
    pub fn pending(&self) -> usize {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Follow the module's splice events in a thread of its own, for as
    /// long as the process runs. Fails if the module is missing or the
    /// caller may not join the group (CAP_NET_ADMIN).
    pub fn follow_splices(self: &Arc<Self>) -> Result<(), tcpsplice_client::Error> {
        let mut m = Monitor::connect(MonitorGroups {
            cluster: false,
            splices: true,
        })?;
        let me = self.clone();
        self.follows
            .store(true, std::sync::atomic::Ordering::Relaxed);
        std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || loop {
                match m.wait() {
                    Ok(events) => {
                        for e in events.iter().filter(|e| e.event == "splice_end") {
                            if let Some(s) = &e.splice {
                                me.ended(s);
                            }
                        }
                    }
                    // A full socket buffer loses events; go on with the
                    // next ones.
                    Err(e) => crate::warn!("access log: splice events: {e}"),
                }
            })
            .map_err(|e| tcpsplice_client::Error::Netlink(e.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose bytes the test can read.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn record() -> Record {
        Record {
            time: 1_796_000_000.5,
            client: "192.0.2.5:40000".parse().unwrap(),
            listener: "192.0.2.11:80".parse().unwrap(),
            host: Some("www".into()),
            path: Some("/bytes/100".into()),
            pool: "web".into(),
            backend: "203.0.113.21:8000".parse().unwrap(),
            outcome: "spliced",
            why: None,
            splice_id: Some(7),
            splice_ms: Some(1.25),
            bytes_to_backend: 40,
            bytes_to_client: 0,
            duration_ms: 0.0,
            end: String::new(),
        }
    }

    #[test]
    fn a_spliced_line_waits_for_the_module_and_adds_its_bytes() {
        let buf = Shared::default();
        let log = AccessLog::to(Box::new(buf.clone()), Format::Json);
        log.follows
            .store(true, std::sync::atomic::Ordering::Relaxed);
        log.spliced(record(), Instant::now());
        assert!(buf.0.lock().unwrap().is_empty());
        // Someone else's entry (a replica, another proxy): ignored.
        let other = SpliceInfo {
            id: 8,
            ..Default::default()
        };
        log.ended(&other);
        assert_eq!(log.pending(), 1);
        let s = SpliceInfo {
            id: 7,
            bytes_to_backend: 10,
            bytes_to_client: 1000,
            end: Some("finished".into()),
            ..Default::default()
        };
        log.ended(&s);
        assert_eq!(log.pending(), 0);
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let v: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(v["bytes_to_backend"], 50);
        assert_eq!(v["bytes_to_client"], 1000);
        assert_eq!(v["end"], "finished");
        assert_eq!(v["outcome"], "spliced");
        assert_eq!(v["splice_id"], 7);
        assert!(text.ends_with("}\n") && text.lines().count() == 1);
    }

    #[test]
    fn plain_lines_name_every_field() {
        let mut r = record();
        r.outcome = "relayed";
        r.why = Some("tcpsplice: table full".into());
        r.splice_id = None;
        r.splice_ms = None;
        r.end = "closed".into();
        r.duration_ms = 12.0;
        assert_eq!(
            r.line(Format::Plain),
            "1796000000.500 192.0.2.5:40000 192.0.2.11:80 host=www path=/bytes/100 pool=web \
             backend=203.0.113.21:8000 relayed why=\"tcpsplice: table full\" bytes_to_backend=40 \
             bytes_to_client=0 duration_ms=12.000 end=closed"
        );
    }
}
