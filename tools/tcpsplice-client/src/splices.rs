// SPDX-License-Identifier: GPL-2.0
//! Splice entries as the module reports them, and the rates `top` ranks them by.
use serde::Serialize;
use std::collections::HashMap;
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
    /// A split splice: the backend sends server-to-client packets itself.
    pub split: bool,
    pub state: String,
    pub client: ConnInfo,
    pub backend: ConnInfo,
    pub age_secs: u64,
    /// The same in milliseconds (events, and kernels that report it).
    pub age_ms: u64,
    pub idle_secs: u64,
    pub packets_to_backend: u64,
    pub bytes_to_backend: u64,
    pub packets_to_client: u64,
    pub bytes_to_client: u64,
    /// How the entry left the table (`splice_end` events only): `finished`,
    /// `reset`, `expired`, `superseded`, `unspliced` or `peer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// One line of `tcpsplicectl top`: an entry and its rates since the last
/// sample.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Busy {
    #[serde(flatten)]
    pub splice: SpliceInfo,
    pub bytes_per_sec_to_client: f64,
    pub bytes_per_sec_to_backend: f64,
}

/// Byte counts per entry, to compute rates against.
pub type Sample = HashMap<u64, (u64, u64)>;

/// The `limit` busiest entries of `now` by bytes per second over `secs`
/// since `before` (an entry new since then counts from zero), and the
/// sample to pass next time.
pub fn busiest(
    before: &Sample,
    now: &[SpliceInfo],
    secs: f64,
    limit: usize,
) -> (Vec<Busy>, Sample) {
    let secs = secs.max(1e-3);
    let mut rows: Vec<Busy> = now
        .iter()
        .map(|e| {
            let (c, b) = before.get(&e.id).copied().unwrap_or((0, 0));
            Busy {
                splice: e.clone(),
                bytes_per_sec_to_client: e.bytes_to_client.saturating_sub(c) as f64 / secs,
                bytes_per_sec_to_backend: e.bytes_to_backend.saturating_sub(b) as f64 / secs,
            }
        })
        .collect();
    let total = |r: &Busy| r.bytes_per_sec_to_client + r.bytes_per_sec_to_backend;
    rows.sort_by(|a, b| {
        total(b)
            .total_cmp(&total(a))
            .then(a.splice.id.cmp(&b.splice.id))
    });
    rows.truncate(limit);
    let next = now
        .iter()
        .map(|e| (e.id, (e.bytes_to_client, e.bytes_to_backend)))
        .collect();
    (rows, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64, to_client: u64, to_backend: u64) -> SpliceInfo {
        SpliceInfo {
            id,
            bytes_to_client: to_client,
            bytes_to_backend: to_backend,
            ..Default::default()
        }
    }

    #[test]
    fn busiest_ranks_by_rate_not_by_total() {
        let before: Sample = [(1, (1_000_000, 0)), (2, (0, 0))].into_iter().collect();
        // 1 moved 100 B in 2 s, 2 moved 4000, 3 is new with 600.
        let now = [
            entry(1, 1_000_100, 0),
            entry(2, 3000, 1000),
            entry(3, 600, 0),
        ];
        let (rows, next) = busiest(&before, &now, 2.0, 2);
        let ids: Vec<u64> = rows.iter().map(|r| r.splice.id).collect();
        assert_eq!(ids, [2, 3]);
        assert_eq!(rows[0].bytes_per_sec_to_client, 1500.0);
        assert_eq!(rows[0].bytes_per_sec_to_backend, 500.0);
        assert_eq!(next[&1], (1_000_100, 0));
    }
}
