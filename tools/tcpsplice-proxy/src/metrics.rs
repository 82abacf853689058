// SPDX-License-Identifier: GPL-2.0
//! A Prometheus text exporter (`metrics = "ADDRESS:PORT"`): `GET /metrics`
//! answers with this proxy's counters, its backends' health, the module's
//! counters of the proxy's network namespace, and its cluster's peers and
//! VIPs.
use crate::http;
use crate::proxy::{Proxy, Stats};
use std::fmt::Write;
use std::sync::Arc;
use tcpsplice_client::{Client, ClusterInfo, Status, GAUGES};
use tcpsplice_uapi::TCPSPLICE_STAT_DOCS;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// One metric family: its HELP and TYPE lines and samples.
fn family(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(String, u64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, v) in samples {
        let _ = writeln!(out, "{name}{labels} {v}");
    }
}

fn one(v: u64) -> [(String, u64); 1] {
    [(String::new(), v)]
}

/// The exposition: the proxy's counters, and what the module said (absent
/// when it is not loaded or would not answer).
/// A metric family being collected: its samples' labels and values.
struct Family {
    name: String,
    kind: &'static str,
    help: String,
    samples: Vec<(String, String)>,
}

/// How the module's statistic `name` is exposed, by the Prometheus
/// conventions: one family per quantity, what varies (direction, reason,
/// address family, how an entry ended) in a label, units in the name (the
/// millisecond maxima in seconds). Returns the family, its type, HELP, the
/// sample's labels and its value.
fn module_sample(name: &str, val: u64) -> (String, &'static str, String, String, String) {
    let doc = || {
        let key = format!("TCPSPLICE_STAT_{}", name.to_ascii_uppercase());
        let d = TCPSPLICE_STAT_DOCS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("", |(_, d)| d);
        let mut d = d.to_string();
        if let Some(first) = d.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        format!("{d} (this namespace).")
    };
    let label = |k: &str, v: &str| format!("{{{k}=\"{v}\"}}");
    let counted = |f: String, help: &str, labels: String| {
        (f, "counter", help.to_string(), labels, val.to_string())
    };
    const ENDS: [&str; 5] = ["expired", "finished", "reset", "superseded", "unspliced"];
    if GAUGES.contains(&name) {
        return (
            format!("tcpsplice_{name}"),
            "gauge",
            doc(),
            String::new(),
            val.to_string(),
        );
    }
    if let Some(stem) = name.strip_suffix("_max_ms") {
        let secs = format!("{}.{:03}", val / 1000, val % 1000);
        return (
            format!("tcpsplice_{stem}_max_seconds"),
            "gauge",
            doc(),
            String::new(),
            secs,
        );
    }
    if let Some(r) = name.strip_prefix("drop_") {
        let help = "Packets of spliced connections dropped, by reason (this namespace).";
        return counted("tcpsplice_drops_total".into(), help, label("reason", r));
    }
    if let Some(r) = name.strip_prefix("sync_reject_") {
        let help = "Sync datagrams refused, by reason (this namespace).";
        return counted(
            "tcpsplice_sync_rejects_total".into(),
            help,
            label("reason", r),
        );
    }
    if let Some(e) = name.strip_prefix("splices_").filter(|e| ENDS.contains(e)) {
        let help = "Entries that left the table, by how they ended (this namespace).";
        return counted("tcpsplice_splice_ends_total".into(), help, label("end", e));
    }
    if let Some(f) = name.strip_prefix("rx_packets_") {
        let family = if f == "v6" { "ipv6" } else { "ipv4" };
        let help = "Packets seen by the PRE_ROUTING hook, by address family (this namespace).";
        return counted(
            "tcpsplice_rx_packets_total".into(),
            help,
            label("family", family),
        );
    }
    if let Some((what, to)) = name
        .rsplit_once("_to_")
        .filter(|(_, t)| matches!(*t, "client" | "backend"))
    {
        let help = match what {
            "bytes" => "TCP payload bytes forwarded by the kernel, by direction (this namespace).",
            "packets" => "Packets forwarded by the kernel, by direction (this namespace).",
            "split_bytes" => {
                "TCP payload bytes a backend sent straight to clients (this namespace)."
            }
            "split_packets" => {
                "Packets a backend sent straight to clients, translated (this namespace)."
            }
            _ => "By direction (this namespace).",
        };
        return counted(
            format!("tcpsplice_{what}_total"),
            help,
            label("direction", &format!("to_{to}")),
        );
    }
    counted(format!("tcpsplice_{name}_total"), &doc(), String::new())
}

/// One backend of a pool, as the metrics show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendSample {
    pub pool: String,
    pub addr: std::net::SocketAddr,
    pub up: bool,
    pub active: usize,
    pub checks_failed: u64,
    pub weight: u32,
    pub backup: bool,
    /// `enabled`, `drain` or `disabled`.
    pub state: &'static str,
    /// Warm connections ready now, given to clients, closed unused.
    pub warm_ready: usize,
    pub warm_used: u64,
    pub warm_discarded: u64,
}

pub fn render(
    stats: &Stats,
    backends: &[BackendSample],
    kernel: Option<&Status>,
    cluster: Option<&ClusterInfo>,
) -> String {
    let mut out = String::new();
    family(
        &mut out,
        "tcpsplice_build_info",
        "gauge",
        "The proxy's version (label version); always 1.",
        &[(format!("{{version=\"{}\"}}", env!("CARGO_PKG_VERSION")), 1)],
    );
    let mut relayed = Vec::new();
    for (name, help, val) in stats.counters() {
        if let Some(to) = name.strip_prefix("relayed_bytes_") {
            relayed.push((format!("{{direction=\"{to}\"}}"), val));
            continue;
        }
        family(
            &mut out,
            &format!("tcpsplice_proxy_{name}_total"),
            "counter",
            help,
            &one(val),
        );
    }
    family(
        &mut out,
        "tcpsplice_proxy_relayed_bytes_total",
        "counter",
        "Bytes the proxy relayed itself (before a splice, or instead of one), by direction.",
        &relayed,
    );
    let (buckets, count, sum) = stats.time_to_splice.cumulative();
    let name = "tcpsplice_proxy_time_to_splice_seconds";
    let _ = writeln!(
        out,
        "# HELP {name} From accepting a connection to its splice (the head read, the backend connected, the quiet moment, the module's answer)."
    );
    let _ = writeln!(out, "# TYPE {name} histogram");
    for (le, n) in buckets {
        let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {n}");
    }
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
    let _ = writeln!(out, "{name}_sum {sum}");
    let _ = writeln!(out, "{name}_count {count}");
    let per_backend = |f: &dyn Fn(&BackendSample) -> u64| -> Vec<(String, u64)> {
        backends
            .iter()
            .map(|b| {
                (
                    format!("{{pool=\"{}\",backend=\"{}\"}}", b.pool, b.addr),
                    f(b),
                )
            })
            .collect()
    };
    family(
        &mut out,
        "tcpsplice_backend_up",
        "gauge",
        "Whether the backend takes connections (health checks, failed connects).",
        &per_backend(&|b| u64::from(b.up)),
    );
    family(
        &mut out,
        "tcpsplice_backend_weight",
        "gauge",
        "The backend's configured weight.",
        &per_backend(&|b| u64::from(b.weight)),
    );
    family(
        &mut out,
        "tcpsplice_backend_backup",
        "gauge",
        "Whether the backend is a backup (used only while no other takes connections).",
        &per_backend(&|b| u64::from(b.backup)),
    );
    let states: Vec<(String, u64)> = backends
        .iter()
        .flat_map(|b| {
            ["enabled", "drain", "disabled"].map(|s| {
                let labels = format!(
                    "{{pool=\"{}\",backend=\"{}\",state=\"{s}\"}}",
                    b.pool, b.addr
                );
                (labels, u64::from(b.state == s))
            })
        })
        .collect();
    family(
        &mut out,
        "tcpsplice_backend_state",
        "gauge",
        "The backend's administrative state (1 for the one it is in): enabled, drain (no new connections) or disabled (no checks either).",
        &states,
    );
    family(
        &mut out,
        "tcpsplice_backend_active_connections",
        "gauge",
        "Connections the proxy holds to the backend now (not yet spliced or relayed).",
        &per_backend(&|b| b.active as u64),
    );
    family(
        &mut out,
        "tcpsplice_backend_warm_connections",
        "gauge",
        "Warm connections to the backend ready now (the pool's warm_connections).",
        &per_backend(&|b| b.warm_ready as u64),
    );
    family(
        &mut out,
        "tcpsplice_backend_warm_used_total",
        "counter",
        "Warm connections to the backend given to clients.",
        &per_backend(&|b| b.warm_used),
    );
    family(
        &mut out,
        "tcpsplice_backend_warm_discarded_total",
        "counter",
        "Warm connections to the backend closed unused (waited too long, closed or written to by the backend, the backend out of service).",
        &per_backend(&|b| b.warm_discarded),
    );
    family(
        &mut out,
        "tcpsplice_backend_checks_failed_total",
        "counter",
        "Health checks of the backend that failed.",
        &per_backend(&|b| b.checks_failed),
    );
    let Some(k) = kernel else {
        family(
            &mut out,
            "tcpsplice_module_up",
            "gauge",
            "Whether the tcpsplice module answered.",
            &one(0),
        );
        return out;
    };
    family(
        &mut out,
        "tcpsplice_module_up",
        "gauge",
        "Whether the tcpsplice module answered.",
        &one(1),
    );
    let mut module: Vec<Family> = Vec::new();
    for (name, val) in &k.stats {
        let (f, kind, help, labels, value) = module_sample(name, *val);
        match module.iter_mut().find(|m| m.name == f) {
            Some(m) => m.samples.push((labels, value)),
            None => module.push(Family {
                name: f,
                kind,
                help,
                samples: vec![(labels, value)],
            }),
        }
    }
    for m in &module {
        let _ = writeln!(out, "# HELP {} {}", m.name, m.help);
        let _ = writeln!(out, "# TYPE {} {}", m.name, m.kind);
        for (labels, v) in &m.samples {
            let _ = writeln!(out, "{}{labels} {v}", m.name);
        }
    }
    for (name, val) in &k.config {
        let (name, help) = match name.as_str() {
            "idle_timeout" => (
                "idle_timeout_seconds".to_string(),
                "Setting of the module (this namespace): how long an idle entry lives.",
            ),
            _ => (name.clone(), "Setting of the module (this namespace)."),
        };
        family(
            &mut out,
            &format!("tcpsplice_config_{name}"),
            "gauge",
            help,
            &one(*val),
        );
    }
    if let Some(c) = cluster.filter(|c| c.node_id != 0) {
        family(
            &mut out,
            "tcpsplice_cluster_ready",
            "gauge",
            "Whether this node is ready (synced with every live peer).",
            &one(u64::from(c.ready)),
        );
        family(
            &mut out,
            "tcpsplice_cluster_serving",
            "gauge",
            "Whether this node may own VIPs (ready, and its proxy attached or within its grace time).",
            &one(u64::from(c.serving)),
        );
        let peer = |f: &dyn Fn(&tcpsplice_client::PeerInfo) -> u64| -> Vec<(String, u64)> {
            c.peers
                .iter()
                .map(|p| (format!("{{node=\"{}\",addr=\"{}\"}}", p.id, p.addr), f(p)))
                .collect()
        };
        family(
            &mut out,
            "tcpsplice_peer_up",
            "gauge",
            "Whether the peer is alive.",
            &peer(&|p| u64::from(p.state == "up")),
        );
        family(
            &mut out,
            "tcpsplice_peer_synced",
            "gauge",
            "Whether the peer's bulk sync to this node is complete.",
            &peer(&|p| u64::from(p.synced)),
        );
        family(
            &mut out,
            "tcpsplice_peer_unacked",
            "gauge",
            "Operations the peer has not acknowledged.",
            &peer(&|p| u64::from(p.unacked)),
        );
        for (i, (name, help)) in [
            ("tx", "Sync datagrams sent to the peer."),
            ("rx", "Valid sync datagrams from the peer."),
            ("retransmitted", "Updates sent to the peer again."),
            ("bulk_syncs", "Full-table syncs sent to the peer."),
            ("failures", "Times the peer was declared dead."),
        ]
        .into_iter()
        .enumerate()
        {
            let samples = peer(&|p| p.counters()[i].1);
            let name = format!("tcpsplice_peer_{name}_total");
            family(&mut out, &name, "counter", help, &samples);
        }
        let vips: Vec<(String, u64)> = c
            .vips
            .iter()
            .map(|x| (format!("{{vip=\"{}\"}}", x.addr), u64::from(x.owned)))
            .collect();
        family(
            &mut out,
            "tcpsplice_vip_owned",
            "gauge",
            "Whether this node owns the VIP.",
            &vips,
        );
    }
    out
}

/// What the module says now (blocking netlink; call off the async threads).
fn kernel_view() -> (Option<Status>, Option<ClusterInfo>) {
    let Ok(mut c) = Client::connect() else {
        return (None, None);
    };
    let status = c.status().ok();
    let cluster = status.as_ref().and_then(|_| c.cluster().ok());
    (status, cluster)
}

/// Serve `GET /metrics` on `listener` forever.
pub async fn serve(listener: TcpListener, proxy: Arc<Proxy>) {
    loop {
        let Ok((mut s, _)) = listener.accept().await else {
            continue;
        };
        let proxy = proxy.clone();
        tokio::spawn(async move {
            let mut buf = Vec::new();
            let read = http::read_head(&mut s, &mut buf, 8192);
            let Ok(Ok(head)) = tokio::time::timeout(std::time::Duration::from_secs(5), read).await
            else {
                return;
            };
            let answer = if head.path == "/metrics" {
                let (k, c) = tokio::task::spawn_blocking(kernel_view)
                    .await
                    .unwrap_or((None, None));
                let body = render(&proxy.stats, &proxy.backends(), k.as_ref(), c.as_ref());
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string()
            };
            let _ = s.write_all(answer.as_bytes()).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn renders_proxy_kernel_and_cluster_metrics() {
        let stats = Stats::default();
        stats.spliced.store(7, std::sync::atomic::Ordering::Relaxed);
        stats
            .relayed_bytes_to_client
            .store(330, std::sync::atomic::Ordering::Relaxed);
        stats
            .time_to_splice
            .observe(std::time::Duration::from_millis(30));
        stats
            .time_to_splice
            .observe(std::time::Duration::from_secs(20));
        let text = render(&stats, &[], None, None);
        assert!(text.contains(
            "# TYPE tcpsplice_proxy_spliced_total counter\ntcpsplice_proxy_spliced_total 7\n"
        ));
        assert!(text.contains("tcpsplice_module_up 0\n"));
        let k = Status {
            stats: BTreeMap::from([
                ("splices_active".into(), 3),
                ("rx_tcp".into(), 99),
                ("bytes_to_client".into(), 1000),
                ("bytes_to_backend".into(), 20),
                ("drop_local".into(), 2),
                ("drop_no_route".into(), 1),
                ("sync_silence_max_ms".into(), 1234),
                ("rx_packets_v6".into(), 5),
                ("splices_reset".into(), 4),
                ("sync_reject_bad_tag".into(), 6),
            ]),
            config: BTreeMap::from([("max_splices".into(), 65536), ("idle_timeout".into(), 7440)]),
            ..Default::default()
        };
        let c = ClusterInfo {
            node_id: 1,
            ready: true,
            serving: true,
            backend: false,
            peers: vec![tcpsplice_client::PeerInfo {
                id: 2,
                addr: "10.99.0.2".parse().unwrap(),
                state: "up".into(),
                ready: true,
                synced: true,
                last_heard_ms: Some(5),
                unacked: 4,
                tx: 10,
                rx: 9,
                retransmitted: 1,
                bulk_syncs: 1,
                failures: 0,
                backend: false,
            }],
            vips: vec![tcpsplice_client::VipInfo {
                addr: "192.0.2.100".parse().unwrap(),
                owners: vec![1, 2],
                owned: true,
            }],
            ..Default::default()
        };
        let backends = [BackendSample {
            pool: "web".into(),
            addr: "203.0.113.21:8000".parse().unwrap(),
            up: false,
            active: 2,
            checks_failed: 7,
            weight: 3,
            backup: false,
            state: "drain",
            warm_ready: 4,
            warm_used: 9,
            warm_discarded: 1,
        }];
        let text = render(&stats, &backends, Some(&k), Some(&c));
        for want in [
            "tcpsplice_module_up 1\n",
            "# TYPE tcpsplice_splices_active gauge\ntcpsplice_splices_active 3\n",
            "# TYPE tcpsplice_rx_tcp_total counter\ntcpsplice_rx_tcp_total 99\n",
            "# HELP tcpsplice_rx_tcp_total Unfragmented TCP segments with well-formed headers among them (this namespace).\n",
            "# TYPE tcpsplice_bytes_total counter\ntcpsplice_bytes_total{direction=\"to_backend\"} 20\ntcpsplice_bytes_total{direction=\"to_client\"} 1000\n",
            "# TYPE tcpsplice_drops_total counter\ntcpsplice_drops_total{reason=\"local\"} 2\ntcpsplice_drops_total{reason=\"no_route\"} 1\n",
            "# TYPE tcpsplice_sync_silence_max_seconds gauge\ntcpsplice_sync_silence_max_seconds 1.234\n",
            "tcpsplice_rx_packets_total{family=\"ipv6\"} 5\n",
            "tcpsplice_splice_ends_total{end=\"reset\"} 4\n",
            "tcpsplice_sync_rejects_total{reason=\"bad_tag\"} 6\n",
            "tcpsplice_config_idle_timeout_seconds 7440\n",
            "tcpsplice_build_info{version=\"",
            "tcpsplice_proxy_relayed_bytes_total{direction=\"to_client\"} 330\n",
            "tcpsplice_proxy_time_to_splice_seconds_bucket{le=\"0.025\"} 0\n",
            "tcpsplice_proxy_time_to_splice_seconds_bucket{le=\"0.05\"} 1\n",
            "tcpsplice_proxy_time_to_splice_seconds_bucket{le=\"10\"} 1\n",
            "tcpsplice_proxy_time_to_splice_seconds_bucket{le=\"+Inf\"} 2\n",
            "tcpsplice_proxy_time_to_splice_seconds_sum 20.03\n",
            "tcpsplice_proxy_time_to_splice_seconds_count 2\n",
            "tcpsplice_config_max_splices 65536\n",
            "tcpsplice_cluster_ready 1\n",
            "tcpsplice_backend_up{pool=\"web\",backend=\"203.0.113.21:8000\"} 0\n",
            "tcpsplice_backend_active_connections{pool=\"web\",backend=\"203.0.113.21:8000\"} 2\n",
            "tcpsplice_backend_warm_connections{pool=\"web\",backend=\"203.0.113.21:8000\"} 4\n",
            "tcpsplice_backend_warm_used_total{pool=\"web\",backend=\"203.0.113.21:8000\"} 9\n",
            "tcpsplice_backend_checks_failed_total{pool=\"web\",backend=\"203.0.113.21:8000\"} 7\n",
            "tcpsplice_backend_weight{pool=\"web\",backend=\"203.0.113.21:8000\"} 3\n",
            "tcpsplice_backend_state{pool=\"web\",backend=\"203.0.113.21:8000\",state=\"drain\"} 1\n",
            "tcpsplice_backend_state{pool=\"web\",backend=\"203.0.113.21:8000\",state=\"enabled\"} 0\n",
            "tcpsplice_cluster_serving 1\n",
            "tcpsplice_peer_up{node=\"2\",addr=\"10.99.0.2\"} 1\n",
            "tcpsplice_peer_unacked{node=\"2\",addr=\"10.99.0.2\"} 4\n",
            "# TYPE tcpsplice_peer_rx_total counter\ntcpsplice_peer_rx_total{node=\"2\",addr=\"10.99.0.2\"} 9\n",
            "tcpsplice_vip_owned{vip=\"192.0.2.100\"} 1\n",
        ] {
            assert!(text.contains(want), "missing {want:?} in\n{text}");
        }
        // A Prometheus parser reads it all, with the types and values above.
        let lines = text.lines().map(|l| Ok(l.to_string()));
        let scrape = prometheus_parse::Scrape::parse(lines).expect("parses");
        let sample = |name: &str, label: Option<(&str, &str)>| {
            scrape
                .samples
                .iter()
                .find(|s| s.metric == name && label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
                .map(|s| s.value.clone())
        };
        use prometheus_parse::Value;
        assert_eq!(
            sample("tcpsplice_bytes_total", Some(("direction", "to_client"))),
            Some(Value::Counter(1000.0))
        );
        assert_eq!(
            sample("tcpsplice_sync_silence_max_seconds", None),
            Some(Value::Gauge(1.234))
        );
        assert!(matches!(
            sample("tcpsplice_proxy_time_to_splice_seconds", None),
            Some(Value::Histogram(h)) if h.len() == crate::proxy::Histogram::BOUNDS.len() + 1
        ));
        assert_eq!(scrape.docs.len(), text.matches("# HELP ").count());
        // Every sample line belongs to a family declared just before.
        let mut declared = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                declared = rest.split(' ').next().map(str::to_string);
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap();
                let family = ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|s| name.strip_suffix(s))
                    .filter(|f| Some(*f) == declared.as_deref())
                    .unwrap_or(name);
                assert_eq!(Some(family), declared.as_deref(), "{line}");
            }
        }
    }
}
