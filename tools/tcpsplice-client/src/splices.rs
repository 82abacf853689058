// SPDX-License-Identifier: GPL-2.0
//! Splice entries as the module reports them, and their table form.
use serde::Serialize;
use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// One of the proxy's connections in a splice.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ConnInfo {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub mss: u16,
    pub snd_wscale: u8,
    pub rcv_wscale: u8,
    pub sack: bool,
    pub timestamps: bool,
}

impl Default for ConnInfo {
    fn default() -> Self {
        let any = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
        ConnInfo {
            local: any,
            remote: any,
            mss: 0,
            snd_wscale: 0,
            rcv_wscale: 0,
            sack: false,
            timestamps: false,
        }
    }
}

/// One splice entry.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SpliceInfo {
    pub id: u64,
    /// Installed from a cluster peer's update rather than made here.
    pub replica: bool,
    pub state: String,
    pub client: ConnInfo,
    pub backend: ConnInfo,
    pub age_secs: u64,
    pub idle_secs: u64,
    pub packets_to_backend: u64,
    pub bytes_to_backend: u64,
    pub packets_to_client: u64,
    pub bytes_to_client: u64,
}

/// A table of entries, one line each; a `*` after the state marks a
/// replica (installed from a cluster peer).
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
            if e.replica {
                format!("{}*", e.state)
            } else {
                e.state.clone()
            },
            format!("{} {}", e.client.remote, e.client.local),
            format!("{} {}", e.backend.local, e.backend.remote),
            e.idle_secs,
            e.bytes_to_backend,
            e.bytes_to_client
        );
    }
    s
}
