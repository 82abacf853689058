// SPDX-License-Identifier: GPL-2.0
//! Cluster configuration, state and events of the tcpsplice module.
use crate::client::{attr, ip_bytes, ip_of, ser, Client, Error, Msg};
use crate::status::member_name;
use neli::{
    consts::socket::NlFamily,
    genl::Nlattr,
    nl::{NlPayload, Nlmsghdr},
    router::synchronous::NlRouter,
    socket::synchronous::NlSocketHandle,
    types::{Buffer, GenlBuffer},
    utils::Groups,
};
use serde::Serialize;
use std::net::IpAddr;
use tcpsplice_uapi::*;

/// What `SET_CLUSTER` takes. `node_id` 0 leaves the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    pub node_id: u32,
    pub port: Option<u16>,
    pub interval_ms: Option<u32>,
    pub misses: Option<u32>,
    pub key: Option<[u8; 16]>,
    pub preempt: bool,
    pub peers: Vec<(u32, IpAddr)>,
    pub vips: Vec<(IpAddr, Vec<u32>)>,
    /// This node is a backend of split splices.
    pub backend: bool,
    /// Backends that proxies may hand split splices to (id, the address
    /// their service listens on).
    pub backend_peers: Vec<(u32, IpAddr)>,
}

/// A peer as `GET_CLUSTER` reports it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PeerInfo {
    pub id: u32,
    pub addr: IpAddr,
    pub state: String,
    pub ready: bool,
    pub synced: bool,
    pub last_heard_ms: Option<u32>,
    pub unacked: u32,
    /// Datagrams sent to it, valid datagrams from it, updates sent again,
    /// full-table syncs sent to it, times it was declared dead.
    pub tx: u64,
    pub rx: u64,
    pub retransmitted: u64,
    pub bulk_syncs: u64,
    pub failures: u64,
    /// A backend of split splices, not a proxy.
    pub backend: bool,
}

impl PeerInfo {
    /// Its counters as (name, value), for `tcpsplicectl stats`.
    pub fn counters(&self) -> [(&'static str, u64); 5] {
        [
            ("tx", self.tx),
            ("rx", self.rx),
            ("retransmitted", self.retransmitted),
            ("bulk_syncs", self.bulk_syncs),
            ("failures", self.failures),
        ]
    }
}

/// A VIP as `GET_CLUSTER` reports it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VipInfo {
    pub addr: IpAddr,
    pub owners: Vec<u32>,
    pub owned: bool,
}

/// `GET_CLUSTER`'s answer (never the key).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ClusterInfo {
    pub node_id: u32,
    pub port: u16,
    pub interval_ms: u32,
    pub misses: u32,
    pub preempt: bool,
    pub ready: bool,
    /// Wall-clock nanoseconds, beyond the 2^53 that JSON numbers carry
    /// exactly in most parsers (jq 1.6, JavaScript): a string in JSON.
    #[serde(serialize_with = "decimal_string")]
    pub incarnation: u64,
    /// This node is a backend of split splices.
    pub backend: bool,
    /// This node may own VIPs: ready, and its proxy present (or not
    /// watched).
    pub serving: bool,
    /// The watched proxy (`attach_proxy`), if any.
    pub proxy: Option<ProxyInfo>,
    pub peers: Vec<PeerInfo>,
    pub vips: Vec<VipInfo>,
}

/// The proxy a node watches (`GET_CLUSTER`).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ProxyInfo {
    /// How long the node keeps its VIPs with no proxy attached, ms.
    pub grace_ms: u32,
    /// A proxy's socket is open.
    pub attached: bool,
    /// Since when none is, ms.
    pub gone_ms: Option<u32>,
}

fn decimal_string<S: serde::Serializer>(n: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(n)
}

/// One event of the "events" multicast group (cluster events) or the
/// "splices" group (splices made and gone).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    /// When it was received, in seconds since the epoch.
    pub time: f64,
    /// `peer_up`, `peer_down`, `takeover`, `release`, `ready`, `proxy_gone`,
    /// `proxy_back`, `splice_new` or `splice_end`.
    pub event: String,
    pub node: u32,
    pub vip: Option<IpAddr>,
    /// The entry, for `splice_new` and `splice_end` (with how it ended).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub splice: Option<crate::SpliceInfo>,
}

fn leaf(t: u16, v: Vec<u8>) -> Result<Nlattr<u16, Buffer>, Error> {
    attr(t, false, Buffer::from(v))
}

fn nest(t: u16, kids: Vec<Nlattr<u16, Buffer>>) -> Result<Nlattr<u16, Buffer>, Error> {
    let mut n = attr(t, true, Buffer::from(Vec::<u8>::new()))?;
    for k in &kids {
        n = n.nest(k).map_err(ser)?;
    }
    Ok(n)
}

fn num(b: &[u8]) -> u64 {
    match b.len() {
        1 => u64::from(b[0]),
        2 => u64::from(u16::from_ne_bytes([b[0], b[1]])),
        4 => u64::from(u32::from_ne_bytes(b.try_into().unwrap())),
        8 => u64::from_ne_bytes(b.try_into().unwrap()),
        _ => 0,
    }
}

/// An attribute's type, payload and itself.
type Kid = (u16, Vec<u8>, Nlattr<u16, Buffer>);

fn kids(a: &Nlattr<u16, Buffer>) -> Result<Vec<Kid>, Error> {
    let h = a.get_attr_handle::<u16>().map_err(ser)?;
    Ok(h.iter()
        .map(|i| {
            (
                *i.nla_type().nla_type(),
                i.nla_payload().as_ref().to_vec(),
                i.clone(),
            )
        })
        .collect())
}

impl Client {
    /// Replace this namespace's cluster configuration.
    pub fn set_cluster(&mut self, c: &ClusterConfig) -> Result<(), Error> {
        let mut v = vec![leaf(
            TCPSPLICE_CLUSTER_NODE_ID,
            c.node_id.to_ne_bytes().to_vec(),
        )?];
        if let Some(p) = c.port {
            v.push(leaf(TCPSPLICE_CLUSTER_PORT, p.to_ne_bytes().to_vec())?);
        }
        if let Some(i) = c.interval_ms {
            v.push(leaf(TCPSPLICE_CLUSTER_INTERVAL, i.to_ne_bytes().to_vec())?);
        }
        if let Some(m) = c.misses {
            v.push(leaf(TCPSPLICE_CLUSTER_MISSES, m.to_ne_bytes().to_vec())?);
        }
        if let Some(k) = c.key {
            v.push(leaf(TCPSPLICE_CLUSTER_KEY, k.to_vec())?);
        }
        v.push(leaf(TCPSPLICE_CLUSTER_PREEMPT, vec![u8::from(c.preempt)])?);
        if c.backend {
            v.push(leaf(TCPSPLICE_CLUSTER_BACKEND, vec![1])?);
        }
        let peers = c.peers.iter().map(|p| (p, false));
        for ((id, a), backend) in peers.chain(c.backend_peers.iter().map(|p| (p, true))) {
            let mut kids = vec![
                leaf(TCPSPLICE_PEER_ID, id.to_ne_bytes().to_vec())?,
                leaf(TCPSPLICE_PEER_ADDR, ip_bytes(*a))?,
            ];
            if backend {
                kids.push(leaf(TCPSPLICE_PEER_BACKEND, vec![1])?);
            }
            v.push(nest(TCPSPLICE_CLUSTER_PEER, kids)?);
        }
        for (a, owners) in &c.vips {
            let ids: Vec<u8> = owners.iter().flat_map(|o| o.to_ne_bytes()).collect();
            v.push(nest(
                TCPSPLICE_CLUSTER_VIP,
                vec![
                    leaf(TCPSPLICE_VIP_ADDR, ip_bytes(*a))?,
                    leaf(TCPSPLICE_VIP_OWNERS, ids)?,
                ],
            )?);
        }
        let mut attrs = GenlBuffer::new();
        attrs.push(nest(TCPSPLICE_A_CLUSTER, v)?);
        self.request(TCPSPLICE_CMD_SET_CLUSTER, attrs).map(drop)
    }

    /// Declare this socket the namespace's proxy: once it closes (the
    /// process ended, however) and no other proxy attached for `grace_ms`,
    /// the node gives its VIPs up; 0 stops the watch. Keep the client open
    /// for as long as the proxy serves.
    pub fn attach_proxy(&mut self, grace_ms: u32) -> Result<(), Error> {
        let mut attrs = GenlBuffer::new();
        attrs.push(leaf(
            TCPSPLICE_A_PROXY_GRACE,
            grace_ms.to_ne_bytes().to_vec(),
        )?);
        self.request(TCPSPLICE_CMD_ATTACH_PROXY, attrs).map(drop)
    }

    /// This namespace's cluster configuration and peer states.
    pub fn cluster(&mut self) -> Result<ClusterInfo, Error> {
        let replies = self.request(TCPSPLICE_CMD_GET_CLUSTER, GenlBuffer::new())?;
        let a = replies
            .iter()
            .flat_map(|m| m.attrs().iter())
            .find(|a| *a.nla_type().nla_type() == TCPSPLICE_A_CLUSTER)
            .ok_or_else(|| Error::Netlink("no TCPSPLICE_A_CLUSTER in the reply".into()))?;
        decode_cluster(a)
    }
}

pub(crate) fn decode_cluster(a: &Nlattr<u16, Buffer>) -> Result<ClusterInfo, Error> {
    let mut c = ClusterInfo::default();
    for (t, b, inner) in kids(a)? {
        let n = num(&b);
        match t {
            TCPSPLICE_CLUSTER_NODE_ID => c.node_id = n as u32,
            TCPSPLICE_CLUSTER_PORT => c.port = n as u16,
            TCPSPLICE_CLUSTER_INTERVAL => c.interval_ms = n as u32,
            TCPSPLICE_CLUSTER_MISSES => c.misses = n as u32,
            TCPSPLICE_CLUSTER_PREEMPT => c.preempt = n != 0,
            TCPSPLICE_CLUSTER_BACKEND => c.backend = n != 0,
            TCPSPLICE_CLUSTER_READY => c.ready = n != 0,
            TCPSPLICE_CLUSTER_INCARNATION => c.incarnation = n,
            TCPSPLICE_CLUSTER_SERVING => c.serving = n != 0,
            TCPSPLICE_CLUSTER_PROXY_GRACE => c.proxy.get_or_insert_default().grace_ms = n as u32,
            TCPSPLICE_CLUSTER_PROXY_ATTACHED => c.proxy.get_or_insert_default().attached = n != 0,
            TCPSPLICE_CLUSTER_PROXY_GONE => {
                c.proxy.get_or_insert_default().gone_ms = Some(n as u32)
            }
            TCPSPLICE_CLUSTER_PEER => {
                let mut p = PeerInfo {
                    id: 0,
                    addr: IpAddr::from([0u8; 4]),
                    state: String::new(),
                    ready: false,
                    synced: false,
                    last_heard_ms: None,
                    unacked: 0,
                    tx: 0,
                    rx: 0,
                    retransmitted: 0,
                    bulk_syncs: 0,
                    failures: 0,
                    backend: false,
                };
                for (t, b, _) in kids(&inner)? {
                    let n = num(&b);
                    match t {
                        TCPSPLICE_PEER_ID => p.id = n as u32,
                        TCPSPLICE_PEER_BACKEND => p.backend = n != 0,
                        TCPSPLICE_PEER_ADDR => p.addr = ip_of(&b).unwrap_or(p.addr),
                        TCPSPLICE_PEER_STATE => {
                            p.state = member_name(
                                TCPSPLICE_PEER_STATE_MEMBERS,
                                "TCPSPLICE_PEER_",
                                n as u16,
                            )
                        }
                        TCPSPLICE_PEER_READY => p.ready = n != 0,
                        TCPSPLICE_PEER_SYNCED => p.synced = n != 0,
                        TCPSPLICE_PEER_LAST_HEARD => p.last_heard_ms = Some(n as u32),
                        TCPSPLICE_PEER_UNACKED => p.unacked = n as u32,
                        TCPSPLICE_PEER_TX => p.tx = n,
                        TCPSPLICE_PEER_RX => p.rx = n,
                        TCPSPLICE_PEER_RETRANSMITTED => p.retransmitted = n,
                        TCPSPLICE_PEER_BULK_SYNCS => p.bulk_syncs = n,
                        TCPSPLICE_PEER_FAILURES => p.failures = n,
                        _ => {}
                    }
                }
                c.peers.push(p);
            }
            TCPSPLICE_CLUSTER_VIP => {
                let mut v = VipInfo {
                    addr: IpAddr::from([0u8; 4]),
                    owners: Vec::new(),
                    owned: false,
                };
                for (t, b, _) in kids(&inner)? {
                    match t {
                        TCPSPLICE_VIP_ADDR => v.addr = ip_of(&b).unwrap_or(v.addr),
                        TCPSPLICE_VIP_OWNERS => {
                            v.owners = b
                                .chunks_exact(4)
                                .map(|c| u32::from_ne_bytes(c.try_into().unwrap()))
                                .collect()
                        }
                        TCPSPLICE_VIP_OWNED => v.owned = num(&b) != 0,
                        _ => {}
                    }
                }
                c.vips.push(v);
            }
            _ => {}
        }
    }
    Ok(c)
}

/// Which events a [`Monitor`] receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonitorGroups {
    /// Cluster events (the "events" group).
    pub cluster: bool,
    /// Splices made and gone (the "splices" group).
    pub splices: bool,
}

/// A subscription to the module's events in this namespace.
pub struct Monitor {
    sock: NlSocketHandle,
}

impl Monitor {
    pub fn connect(which: MonitorGroups) -> Result<Self, Error> {
        let (router, _) =
            NlRouter::connect(NlFamily::Generic, None, Groups::empty()).map_err(ser)?;
        let mut groups = Vec::new();
        let names = [
            (which.cluster, TCPSPLICE_MCGRP_EVENTS),
            (which.splices, TCPSPLICE_MCGRP_SPLICES),
        ];
        for name in names.iter().filter(|(on, _)| *on).map(|(_, n)| *n) {
            groups.push(
                router
                    .resolve_nl_mcast_group(TCPSPLICE_GENL_NAME, name)
                    .map_err(|e| Error::NoModule(format!("{e}")))?,
            );
        }
        let sock =
            NlSocketHandle::connect(NlFamily::Generic, None, Groups::empty()).map_err(ser)?;
        sock.add_mcast_membership(Groups::new_groups(&groups))
            .map_err(ser)?;
        Ok(Monitor { sock })
    }

    /// Wait for the next events.
    pub fn wait(&mut self) -> Result<Vec<Event>, Error> {
        let (msgs, _) = self.sock.recv::<u16, Msg>().map_err(ser)?;
        let time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let mut out = Vec::new();
        for m in msgs {
            let m: Nlmsghdr<u16, Msg> = m.map_err(ser)?;
            if let NlPayload::Payload(p) = m.nl_payload() {
                let mut event = None;
                let mut splice = None;
                for a in p.attrs().iter() {
                    match *a.nla_type().nla_type() {
                        TCPSPLICE_A_EVENT => event = Some(decode_event(a)?),
                        TCPSPLICE_A_SPLICE => splice = Some(crate::client::decode_splice(a)?),
                        _ => {}
                    }
                }
                if let Some(mut e) = event {
                    e.time = time;
                    e.splice = splice;
                    out.push(e);
                }
            }
        }
        Ok(out)
    }
}

pub(crate) fn decode_event(a: &Nlattr<u16, Buffer>) -> Result<Event, Error> {
    let mut e = Event {
        time: 0.0,
        event: String::new(),
        node: 0,
        vip: None,
        splice: None,
    };
    for (t, b, _) in kids(a)? {
        match t {
            TCPSPLICE_EVENT_TYPE => {
                e.event = member_name(
                    TCPSPLICE_EVENT_TYPE_MEMBERS,
                    "TCPSPLICE_EVENT_",
                    num(&b) as u16,
                )
            }
            TCPSPLICE_EVENT_NODE => e.node = num(&b) as u32,
            TCPSPLICE_EVENT_VIP => e.vip = ip_of(&b),
            _ => {}
        }
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_carries_the_incarnation_exactly() {
        let c = ClusterInfo {
            incarnation: 1_796_000_000_123_456_789,
            ..Default::default()
        };
        let j = serde_json::to_value(&c).unwrap();
        assert_eq!(j["incarnation"], "1796000000123456789");
        assert_eq!(j["node_id"], 0);
    }
}
