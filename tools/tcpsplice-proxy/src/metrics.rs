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
}

pub fn render(
    stats: &Stats,
    backends: &[BackendSample],
    kernel: Option<&Status>,
    cluster: Option<&ClusterInfo>,
) -> String {
    let mut out = String::new();
    for (name, help, val) in stats.counters() {
        family(
            &mut out,
            &format!("tcpsplice_proxy_{name}_total"),
            "counter",
            help,
            &one(val),
        );
    }
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
    for (name, val) in &k.stats {
        if GAUGES.contains(&name.as_str()) {
            family(
                &mut out,
                &format!("tcpsplice_{name}"),
                "gauge",
                "tcpsplice module gauge (this namespace).",
                &one(*val),
            );
        } else {
            family(
                &mut out,
                &format!("tcpsplice_{name}_total"),
                "counter",
                "tcpsplice module counter (this namespace).",
                &one(*val),
            );
        }
    }
    for (name, val) in &k.config {
        family(
            &mut out,
            &format!("tcpsplice_config_{name}"),
            "gauge",
            "tcpsplice module setting (this namespace).",
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
        let text = render(&stats, &[], None, None);
        assert!(text.contains(
            "# TYPE tcpsplice_proxy_spliced_total counter\ntcpsplice_proxy_spliced_total 7\n"
        ));
        assert!(text.contains("tcpsplice_module_up 0\n"));
        let k = Status {
            stats: BTreeMap::from([("splices_active".into(), 3), ("rx_tcp".into(), 99)]),
            config: BTreeMap::from([("max_splices".into(), 65536)]),
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
        }];
        let text = render(&stats, &backends, Some(&k), Some(&c));
        for want in [
            "tcpsplice_module_up 1\n",
            "# TYPE tcpsplice_splices_active gauge\ntcpsplice_splices_active 3\n",
            "# TYPE tcpsplice_rx_tcp_total counter\ntcpsplice_rx_tcp_total 99\n",
            "tcpsplice_config_max_splices 65536\n",
            "tcpsplice_cluster_ready 1\n",
            "tcpsplice_backend_up{pool=\"web\",backend=\"203.0.113.21:8000\"} 0\n",
            "tcpsplice_backend_active_connections{pool=\"web\",backend=\"203.0.113.21:8000\"} 2\n",
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
        // Every sample line belongs to a family declared just before.
        let mut declared = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                declared = rest.split(' ').next().map(str::to_string);
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap();
                assert_eq!(Some(name), declared.as_deref(), "{line}");
            }
        }
    }
}
