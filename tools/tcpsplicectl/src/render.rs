// SPDX-License-Identifier: GPL-2.0
//! The text `tcpsplicectl` prints for operators; `--json` prints the decoded
//! replies themselves. Only `tcpsplice-client`'s types are used here, so the
//! `reply` fuzz target compiles this file as it is.
use std::fmt::Write;
use tcpsplice_client::{Busy, ClusterInfo, Event, SpliceInfo, Status};

/// `status`: the version, memory, then every setting and counter.
pub fn status(st: &Status) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "tcpsplice {} (netns cookie {})",
        st.version, st.netns_cookie
    );
    let width = st
        .config
        .keys()
        .chain(st.stats.keys())
        .map(String::len)
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        s,
        "memory: {} bytes per splice, {} bytes of buckets",
        st.entry_bytes, st.table_bytes
    );
    let _ = writeln!(s, "settings:");
    for (k, v) in &st.config {
        let _ = writeln!(s, "  {k:width$}  {v}");
    }
    let _ = writeln!(s, "counters:");
    for (k, v) in &st.stats {
        let _ = writeln!(s, "  {k:width$}  {v}");
    }
    s
}

/// `cluster show`: this node, one line per peer, one per VIP.
pub fn cluster(c: &ClusterInfo) -> String {
    let mut s = String::new();
    if c.node_id == 0 {
        s.push_str("no cluster\n");
        return s;
    }
    let _ = writeln!(
        s,
        "node {} port {} interval {} ms misses {} preempt {} ready {} serving {}{}",
        c.node_id,
        c.port,
        c.interval_ms,
        c.misses,
        c.preempt,
        c.ready,
        c.serving,
        if c.backend { " backend" } else { "" }
    );
    if let Some(p) = &c.proxy {
        let _ = match (p.attached, p.gone_ms) {
            (true, _) => writeln!(s, "proxy attached grace {} ms", p.grace_ms),
            (false, Some(g)) => writeln!(s, "proxy gone {g} ms grace {} ms", p.grace_ms),
            (false, None) => writeln!(s, "proxy gone grace {} ms", p.grace_ms),
        };
    }
    for p in &c.peers {
        let heard = p
            .last_heard_ms
            .map(|t| format!("{t} ms ago"))
            .unwrap_or_else(|| "never".into());
        let _ = writeln!(
            s,
            "{} {} {} {} ready {} synced {} heard {} unacked {} tx {} rx {} retransmitted {} bulk_syncs {} failures {}",
            if p.backend { "backend" } else { "peer" },
            p.id, p.addr, p.state, p.ready, p.synced, heard, p.unacked,
            p.tx, p.rx, p.retransmitted, p.bulk_syncs, p.failures
        );
    }
    for v in &c.vips {
        let owners: Vec<String> = v.owners.iter().map(|o| o.to_string()).collect();
        let _ = writeln!(
            s,
            "vip {} owners {} {}",
            v.addr,
            owners.join(","),
            if v.owned { "owned" } else { "-" }
        );
    }
    s
}

/// `monitor`: one line per event, after the time it was received (seconds
/// since the epoch, as `conntrack -E -o timestamp` prints it).
pub fn event(e: &Event) -> String {
    let what = match (&e.splice, e.vip) {
        (Some(s), _) => {
            let mut l = format!(
                "{} id {} client {} vip {} proxy {} backend {}",
                e.event, s.id, s.client.remote, s.client.local, s.backend.local, s.backend.remote
            );
            if let Some(end) = &s.end {
                let _ = write!(
                    l,
                    " end {end} after {} ms bytes to backend {} to client {} packets to backend {} to client {}",
                    s.age_ms,
                    s.bytes_to_backend,
                    s.bytes_to_client,
                    s.packets_to_backend,
                    s.packets_to_client
                );
            }
            if s.replica {
                l.push_str(" replica");
            }
            if s.split {
                l.push_str(" split");
            }
            l
        }
        (None, Some(v)) => format!("{} node {} vip {}", e.event, e.node, v),
        (None, None) => format!("{} node {}", e.event, e.node),
    };
    format!("[{:.6}] {what}", e.time)
}

/// An entry's state, with `*` for a replica (installed from a cluster peer)
/// and `/split` for a split splice.
fn state_label(e: &SpliceInfo) -> String {
    format!(
        "{}{}{}",
        e.state,
        if e.replica { "*" } else { "" },
        if e.split { "/split" } else { "" }
    )
}

/// `list`: a table of entries, one line each; a `*` after the state marks
/// a replica (installed from a cluster peer), `/split` a split splice.
pub fn table(list: &[SpliceInfo]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>6}  {:<8}  {:<47}  {:<47}  {:>6}  {:>12}  {:>12}",
        "id", "state", "client <-> proxy", "proxy <-> backend", "idle", "bytes->be", "bytes->cl"
    );
    for e in list {
        let _ = writeln!(
            s,
            "{:>6}  {:<8}  {:<47}  {:<47}  {:>6}  {:>12}  {:>12}",
            e.id,
            state_label(e),
            format!("{} {}", e.client.remote, e.client.local),
            format!("{} {}", e.backend.local, e.backend.remote),
            e.idle_secs,
            e.bytes_to_backend,
            e.bytes_to_client
        );
    }
    s
}

/// `top`: totals, then one line per busy entry.
pub fn top(active: usize, rows: &[Busy]) -> String {
    let mut s = String::new();
    let sum = |f: fn(&Busy) -> f64| rows.iter().map(f).sum::<f64>();
    let _ = writeln!(
        s,
        "{active} splices; top {}: {:.0} B/s to clients, {:.0} B/s to backends",
        rows.len(),
        sum(|r| r.bytes_per_sec_to_client),
        sum(|r| r.bytes_per_sec_to_backend)
    );
    let _ = writeln!(
        s,
        "{:>6}  {:<8}  {:<47}  {:>12}  {:>12}  {:>12}",
        "id", "state", "client", "B/s->cl", "B/s->be", "total bytes"
    );
    for r in rows {
        let e = &r.splice;
        let _ = writeln!(
            s,
            "{:>6}  {:<8}  {:<47}  {:>12.0}  {:>12.0}  {:>12}",
            e.id,
            state_label(e),
            e.client.remote.to_string(),
            r.bytes_per_sec_to_client,
            r.bytes_per_sec_to_backend,
            e.bytes_to_client.saturating_add(e.bytes_to_backend)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpsplice_client::{busiest, Sample};

    #[test]
    fn cluster_show_says_whether_the_node_serves_and_where_its_proxy_is() {
        let mut c = ClusterInfo {
            node_id: 1,
            port: 7010,
            interval_ms: 100,
            misses: 10,
            ready: true,
            serving: true,
            ..Default::default()
        };
        assert_eq!(
            cluster(&c),
            "node 1 port 7010 interval 100 ms misses 10 preempt false ready true serving true\n"
        );
        c.serving = false;
        c.proxy = Some(tcpsplice_client::ProxyInfo {
            grace_ms: 500,
            attached: false,
            gone_ms: Some(1234),
        });
        assert_eq!(
            cluster(&c),
            "node 1 port 7010 interval 100 ms misses 10 preempt false ready true serving false\n\
             proxy gone 1234 ms grace 500 ms\n"
        );
    }

    #[test]
    fn status_lists_everything() {
        let mut st = Status {
            version: "0.1.0".into(),
            netns_cookie: 3,
            ..Default::default()
        };
        st.config.insert("max_splices".into(), 10);
        st.stats.insert("rx_tcp".into(), 42);
        let t = status(&st);
        assert!(t.starts_with("tcpsplice 0.1.0 (netns cookie 3)\n"));
        assert!(t.contains("  max_splices  10\n"));
        assert!(t.contains("  rx_tcp       42\n"));
    }

    #[test]
    fn top_sums_the_rates() {
        let entry = |id, to_client, to_backend| SpliceInfo {
            id,
            bytes_to_client: to_client,
            bytes_to_backend: to_backend,
            ..Default::default()
        };
        let before: Sample = [(2, (0, 0))].into_iter().collect();
        let now = [entry(2, 3000, 1000), entry(3, 600, 0)];
        let (rows, _) = busiest(&before, &now, 2.0, 2);
        let text = top(3, &rows);
        assert!(
            text.starts_with("3 splices; top 2: 1800 B/s to clients, 500 B/s to backends\n"),
            "{text}"
        );
    }

    /// A module's counters are whatever it sends: a total past 2^64 is
    /// shown saturated, not a panic (found by the reply fuzzer).
    #[test]
    fn top_saturates_a_total_past_u64() {
        let e = SpliceInfo {
            id: 1,
            bytes_to_client: u64::MAX,
            bytes_to_backend: 5,
            ..Default::default()
        };
        let (rows, _) = busiest(&Sample::new(), &[e], 1.0, 1);
        assert!(top(1, &rows).contains(&u64::MAX.to_string()));
    }

    #[test]
    fn events_name_their_vip() {
        let e = Event {
            time: 1_796_000_000.25,
            event: "takeover".into(),
            node: 2,
            vip: Some("192.0.2.1".parse().unwrap()),
            splice: None,
        };
        assert_eq!(
            event(&e),
            "[1796000000.250000] takeover node 2 vip 192.0.2.1"
        );
    }

    #[test]
    fn splice_ends_carry_bytes_duration_and_how() {
        let mut s = SpliceInfo {
            id: 7,
            age_ms: 1500,
            bytes_to_backend: 78,
            bytes_to_client: 1_000_000,
            packets_to_backend: 20,
            packets_to_client: 700,
            end: Some("finished".into()),
            ..Default::default()
        };
        s.client.remote = "192.0.2.5:40000".parse().unwrap();
        s.client.local = "192.0.2.11:80".parse().unwrap();
        s.backend.local = "203.0.113.11:41000".parse().unwrap();
        s.backend.remote = "203.0.113.21:8000".parse().unwrap();
        let e = Event {
            time: 1.0,
            event: "splice_end".into(),
            node: 0,
            vip: None,
            splice: Some(s),
        };
        assert_eq!(
            event(&e),
            "[1.000000] splice_end id 7 client 192.0.2.5:40000 vip 192.0.2.11:80 proxy \
             203.0.113.11:41000 backend 203.0.113.21:8000 end finished after 1500 ms bytes to \
             backend 78 to client 1000000 packets to backend 20 to client 700"
        );
        let j = serde_json::to_value(&e).unwrap();
        assert_eq!(j["splice"]["end"], "finished");
        assert_eq!(j["splice"]["bytes_to_client"], 1_000_000);
    }
}
