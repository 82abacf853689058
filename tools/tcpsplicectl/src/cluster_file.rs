// SPDX-License-Identifier: GPL-2.0
//! The cluster configuration as a file, for `tcpsplicectl cluster load FILE`
//! (and `--check`):
//!
//! ```toml
//! node_id = 1
//! key_file = "/etc/tcpsplice/cluster.key"
//! port = 7010            # optional, as are interval_ms (100) and misses (5)
//! interval_ms = 100
//! misses = 5
//! preempt = false
//! [[peer]]
//! id = 2
//! address = "10.99.0.2"
//! [[vip]]
//! address = "192.0.2.100"
//! owners = [1, 2]
//! ```
//!
//! A proxy lists backends of split splices as peers with `backend = true`
//! (their service address); a backend node says `backend = true` at the top
//! and lists the proxies as peers.
//!
//! Errors name the file, the line where the file says it, and the reason.
//! [`show`] writes a running configuration in this form (`cluster
//! showconf`), which [`parse`] accepts as it is.
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use tcpsplice_client::{ClusterConfig, ClusterInfo};
use tcpsplice_core::cluster::{
    self, Config, PeerConfig, VipConfig, MAX_OWNERS, MAX_PEERS, MAX_VIPS,
};
use tcpsplice_core::siphash::Key;
use tcpsplice_core::sync::Addr;

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct File {
    node_id: u32,
    key_file: PathBuf,
    port: Option<u16>,
    interval_ms: Option<u32>,
    misses: Option<u32>,
    #[serde(default)]
    preempt: bool,
    #[serde(default)]
    backend: bool,
    #[serde(default)]
    peer: Vec<Peer>,
    #[serde(default)]
    vip: Vec<Vip>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Peer {
    id: u32,
    address: IpAddr,
    #[serde(default)]
    backend: bool,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Vip {
    address: IpAddr,
    owners: Vec<u32>,
}

fn addr(ip: IpAddr) -> Addr {
    let mut a = Addr::default();
    match ip {
        IpAddr::V4(v) => a.addr[..4].copy_from_slice(&v.octets()),
        IpAddr::V6(v) => {
            a.v6 = true;
            a.addr = v.octets();
        }
    }
    a
}

/// The running configuration `info` as a cluster file whose key is in
/// `key_file` (the module never reports the key), every setting written
/// out. `None` when this namespace is in no cluster.
pub fn show(info: &ClusterInfo, key_file: &Path) -> Option<String> {
    if info.node_id == 0 {
        return None;
    }
    let f = File {
        node_id: info.node_id,
        key_file: key_file.to_path_buf(),
        port: Some(info.port),
        interval_ms: Some(info.interval_ms),
        misses: Some(info.misses),
        preempt: info.preempt,
        backend: info.backend,
        peer: info
            .peers
            .iter()
            .map(|p| Peer {
                id: p.id,
                address: p.addr,
                backend: p.backend,
            })
            .collect(),
        vip: info
            .vips
            .iter()
            .map(|v| Vip {
                address: v.addr,
                owners: v.owners.clone(),
            })
            .collect(),
    };
    Some(toml::to_string(&f).expect("a cluster file serialises"))
}

/// The 1-based line of byte `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// Parse and check a cluster file (`file` names it in messages). Returns
/// the configuration without its key, and where the key is.
pub fn parse(text: &str, file: &str) -> Result<(ClusterConfig, PathBuf), String> {
    let f: File = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| format!(":{}", line_of(text, s.start)))
            .unwrap_or_default();
        format!("{file}{at}: {}", e.message())
    })?;
    // Where a table begins, for messages about one peer or VIP.
    let nth_line = |header: &str, n: usize| -> String {
        text.match_indices(header)
            .nth(n)
            .map(|(at, _)| format!(":{}", line_of(text, at)))
            .unwrap_or_default()
    };
    if f.node_id == 0 {
        return Err(format!("{file}: node_id must not be 0"));
    }
    if f.peer.len() > MAX_PEERS || f.vip.len() > MAX_VIPS {
        return Err(format!(
            "{file}: at most {MAX_PEERS} peers and {MAX_VIPS} VIPs"
        ));
    }
    let mut c = Config {
        node_id: f.node_id,
        port: f.port.unwrap_or(7010),
        interval_ms: f.interval_ms.unwrap_or(cluster::DEFAULT_INTERVAL_MS),
        misses: f.misses.unwrap_or(cluster::DEFAULT_MISSES),
        // The key file is read (and checked) separately.
        key: Key([1, 1]),
        preempt: f.preempt,
        backend: f.backend,
        n_peers: f.peer.len(),
        n_vips: f.vip.len(),
        ..Config::NONE
    };
    for (i, p) in f.peer.iter().enumerate() {
        c.peers[i] = PeerConfig {
            id: p.id,
            addr: addr(p.address),
            backend: p.backend,
        };
    }
    for (i, v) in f.vip.iter().enumerate() {
        if v.owners.is_empty() || v.owners.len() > MAX_OWNERS {
            let at = nth_line("[[vip]]", i);
            return Err(format!("{file}{at}: a VIP needs 1..{MAX_OWNERS} owners"));
        }
        let mut vc = VipConfig {
            addr: addr(v.address),
            n_owners: v.owners.len(),
            ..VipConfig::default()
        };
        vc.owners[..v.owners.len()].copy_from_slice(&v.owners);
        c.vips[i] = vc;
    }
    if let Err(e) = c.validate() {
        let reason = e.message().to_string_lossy();
        // Point at the first table the rule is about, where one is clear.
        let at = match e {
            cluster::ConfigError::PeerId | cluster::ConfigError::PeerAddr => {
                let bad = (0..f.peer.len()).find(|&i| {
                    let mut one = c;
                    one.n_peers = i + 1;
                    one.n_vips = 0;
                    one.validate().is_err()
                });
                bad.map(|i| nth_line("[[peer]]", i)).unwrap_or_default()
            }
            cluster::ConfigError::Vip | cluster::ConfigError::Owners => {
                let bad = (0..f.vip.len()).find(|&i| {
                    let mut one = c;
                    one.n_vips = i + 1;
                    one.validate().is_err()
                });
                bad.map(|i| nth_line("[[vip]]", i)).unwrap_or_default()
            }
            _ => String::new(),
        };
        return Err(format!("{file}{at}: {reason}"));
    }
    Ok((
        ClusterConfig {
            node_id: f.node_id,
            port: f.port,
            interval_ms: f.interval_ms,
            misses: f.misses,
            key: None,
            preempt: f.preempt,
            peers: f
                .peer
                .iter()
                .filter(|p| !p.backend)
                .map(|p| (p.id, p.address))
                .collect(),
            backend: f.backend,
            backend_peers: f
                .peer
                .iter()
                .filter(|p| p.backend)
                .map(|p| (p.id, p.address))
                .collect(),
            vips: f
                .vip
                .iter()
                .map(|v| (v.address, v.owners.clone()))
                .collect(),
        },
        f.key_file,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"node_id = 1
key_file = "/etc/tcpsplice/cluster.key"
interval_ms = 200
[[peer]]
id = 2
address = "10.99.0.2"
[[peer]]
id = 3
address = "fd99::3"
[[vip]]
address = "192.0.2.100"
owners = [1, 2, 3]
"#;

    #[test]
    fn a_good_file() {
        let (c, key) = parse(GOOD, "c.toml").unwrap();
        assert_eq!(key, PathBuf::from("/etc/tcpsplice/cluster.key"));
        assert_eq!(c.node_id, 1);
        assert_eq!(c.interval_ms, Some(200));
        assert_eq!(c.misses, None);
        assert_eq!(c.peers[1], (3, "fd99::3".parse().unwrap()));
        assert_eq!(c.vips[0].1, [1, 2, 3]);
    }

    #[test]
    fn backend_peers_and_backend_nodes() {
        let proxy = GOOD.replace("id = 3\n", "id = 3\nbackend = true\n");
        // A backend owns no VIP.
        assert_eq!(
            parse(&proxy, "c.toml").unwrap_err(),
            "c.toml: a backend node has no VIPs and only proxies as peers; backends own no VIP"
        );
        let (c, _) = parse(&proxy.replace("[1, 2, 3]", "[1, 2]"), "c.toml").unwrap();
        assert_eq!(c.peers, [(2, "10.99.0.2".parse().unwrap())]);
        assert_eq!(c.backend_peers, [(3, "fd99::3".parse().unwrap())]);
        assert!(!c.backend);
        let backend = "node_id = 21\nbackend = true\nkey_file = \"k\"\n[[peer]]\nid = 1\naddress = \"10.0.0.1\"\n";
        let (c, _) = parse(backend, "b.toml").unwrap();
        assert!(c.backend);
        assert_eq!(c.peers.len(), 1);
        // A backend node has no VIPs.
        let e = parse(
            &format!("{backend}[[vip]]\naddress = \"192.0.2.1\"\nowners = [21]\n"),
            "b.toml",
        );
        assert!(e.unwrap_err().starts_with("b.toml: a backend node"));
    }

    #[test]
    fn showconf_is_what_load_reads() {
        let (c, key) = parse(GOOD, "c.toml").unwrap();
        let peer = |id, addr: &str, backend| tcpsplice_client::PeerInfo {
            id,
            addr: addr.parse().unwrap(),
            state: "up".into(),
            ready: true,
            synced: true,
            last_heard_ms: Some(10),
            unacked: 0,
            tx: 1,
            rx: 1,
            retransmitted: 0,
            bulk_syncs: 1,
            failures: 0,
            backend,
        };
        let info = ClusterInfo {
            node_id: 1,
            port: 7010,
            interval_ms: 200,
            misses: 5,
            peers: vec![peer(2, "10.99.0.2", false), peer(3, "fd99::3", false)],
            vips: vec![tcpsplice_client::VipInfo {
                addr: "192.0.2.100".parse().unwrap(),
                owners: vec![1, 2, 3],
                owned: true,
            }],
            ..Default::default()
        };
        let text = show(&info, &key).unwrap();
        let (again, key_again) = parse(&text, "shown.toml").unwrap();
        assert_eq!(key_again, key);
        // Everything the file left to defaults is written out.
        assert_eq!(
            again,
            ClusterConfig {
                port: Some(7010),
                misses: Some(5),
                ..c
            }
        );
        let mut backend = info.clone();
        backend.peers[1].backend = true;
        backend.vips[0].owners = vec![1, 2];
        let (b, _) = parse(&show(&backend, &key).unwrap(), "shown.toml").unwrap();
        assert_eq!(b.backend_peers, [(3, "fd99::3".parse().unwrap())]);
        assert_eq!(show(&ClusterInfo::default(), &key), None);
    }

    #[test]
    fn errors_name_file_line_and_reason() {
        let e = |t: &str| parse(t, "c.toml").unwrap_err();
        assert_eq!(
            e(&GOOD.replace("interval_ms", "intervall_ms")),
            "c.toml:3: unknown field `intervall_ms`, expected one of `node_id`, `key_file`, `port`, `interval_ms`, `misses`, `preempt`, `backend`, `peer`, `vip`"
        );
        assert!(e(&GOOD.replace("10.99.0.2", "10.99.0")).starts_with("c.toml:6: "));
        assert_eq!(
            e(&GOOD.replace("id = 3", "id = 2")),
            "c.toml:7: peer ids must be unique, non-zero and not this node's"
        );
        assert_eq!(
            e(&GOOD.replace("[1, 2, 3]", "[1, 4]")),
            "c.toml:10: a VIP's owners must be known node ids, each once"
        );
        assert_eq!(
            e(&GOOD.replace("interval_ms = 200", "interval_ms = 5")),
            "c.toml: heartbeat interval must be 10..10000 ms"
        );
        assert_eq!(
            e(&GOOD.replace("node_id = 1", "node_id = 0")),
            "c.toml: node_id must not be 0"
        );
        assert_eq!(
            e(&GOOD.replace("[1, 2, 3]", "[]")),
            "c.toml:10: a VIP needs 1..17 owners"
        );
    }
}
