// SPDX-License-Identifier: GPL-2.0
//! A client of the tcpsplice generic netlink family, for `tcpsplicectl` and
//! `tcpsplice-proxy`.
mod client;
mod cluster;
mod splices;
mod status;

pub use client::{decode_reply, Client, Decoded, Error};
pub use cluster::{
    ClusterConfig, ClusterInfo, Event, Monitor, MonitorGroups, PeerInfo, ProxyInfo, VipInfo,
};
pub use splices::{busiest, Busy, ConnInfo, Sample, SpliceInfo};
pub use status::{member_name, Status, GAUGES};
