// SPDX-License-Identifier: GPL-2.0
//! Per-namespace counters.

use crate::bindings as b;
use kernel::prelude::*;
use kernel::sync::atomic::{Atomic, Relaxed};

/// A counter, in UAPI order (`enum tcpsplice_stat`). The [`GAUGES`] are
/// read from the table and the cluster when reported, not counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Counter {
    RxPacketsV4,
    RxPacketsV6,
    RxTcp,
    RxMalformed,
    ConfigChanges,
    SplicesCreated,
    SplicesRefused,
    TableFull,
    SplicesFinished,
    SplicesReset,
    SplicesExpired,
    SplicesUnspliced,
    PacketsToBackend,
    BytesToBackend,
    PacketsToClient,
    BytesToClient,
    DropRstWindow,
    DropMalformed,
    DropNomem,
    DropNoRoute,
    DropBadCsumOffload,
    DropLocal,
    OptionsStripped,
    OptionsMalformed,
    MissingTs,
    SackBlocks,
    PortsUnreserved,
    IcmpTranslated,
    SyncTx,
    SyncRx,
    SyncRetransmitted,
    SyncRejectTruncated,
    SyncRejectVersion,
    SyncRejectMalformed,
    SyncRejectUnknownPeer,
    SyncRejectBadTag,
    SyncRejectReplayed,
    SyncTxErrors,
    SyncResyncs,
    BulkSyncs,
    ReplicasInstalled,
    ReplicasDuplicate,
    ReplicasRefused,
    ReplicasEnded,
    PeerFailures,
    Takeovers,
    Releases,
    ArpReplies,
    Announcements,
    NdReplies,
    SyncRxOldKey,
    SplitsMade,
    SplitsNoBackend,
    SplitsInstalled,
    SplitsRefused,
    SplitsEnded,
    SplitPacketsToClient,
    SplitBytesToClient,
    NudgeProbes,
    NudgeKicks,
    SyncSilenceMaxMs,
    SyncTickLateMaxMs,
    SyncRxLateMaxMs,
    SyncRxDrops,
}

/// Statistics attributes that are current values, not counters.
pub(crate) const GAUGES: [u32; 4] = [
    b::TCPSPLICE_STAT_SPLICES_ACTIVE,
    b::TCPSPLICE_STAT_SYNC_UNACKED,
    b::TCPSPLICE_STAT_PEERS_UP,
    b::TCPSPLICE_STAT_VIPS_OWNED,
];

const COUNTERS: usize = 64;

impl Counter {
    /// Every counter, in reporting order.
    pub(crate) const ALL: [Counter; COUNTERS] = [
        Counter::RxPacketsV4,
        Counter::RxPacketsV6,
        Counter::RxTcp,
        Counter::RxMalformed,
        Counter::ConfigChanges,
        Counter::SplicesCreated,
        Counter::SplicesRefused,
        Counter::TableFull,
        Counter::SplicesFinished,
        Counter::SplicesReset,
        Counter::SplicesExpired,
        Counter::SplicesUnspliced,
        Counter::PacketsToBackend,
        Counter::BytesToBackend,
        Counter::PacketsToClient,
        Counter::BytesToClient,
        Counter::DropRstWindow,
        Counter::DropMalformed,
        Counter::DropNomem,
        Counter::DropNoRoute,
        Counter::DropBadCsumOffload,
        Counter::DropLocal,
        Counter::OptionsStripped,
        Counter::OptionsMalformed,
        Counter::MissingTs,
        Counter::SackBlocks,
        Counter::PortsUnreserved,
        Counter::IcmpTranslated,
        Counter::SyncTx,
        Counter::SyncRx,
        Counter::SyncRetransmitted,
        Counter::SyncRejectTruncated,
        Counter::SyncRejectVersion,
        Counter::SyncRejectMalformed,
        Counter::SyncRejectUnknownPeer,
        Counter::SyncRejectBadTag,
        Counter::SyncRejectReplayed,
        Counter::SyncTxErrors,
        Counter::SyncResyncs,
        Counter::BulkSyncs,
        Counter::ReplicasInstalled,
        Counter::ReplicasDuplicate,
        Counter::ReplicasRefused,
        Counter::ReplicasEnded,
        Counter::PeerFailures,
        Counter::Takeovers,
        Counter::Releases,
        Counter::ArpReplies,
        Counter::Announcements,
        Counter::NdReplies,
        Counter::SyncRxOldKey,
        Counter::SplitsMade,
        Counter::SplitsNoBackend,
        Counter::SplitsInstalled,
        Counter::SplitsRefused,
        Counter::SplitsEnded,
        Counter::SplitPacketsToClient,
        Counter::SplitBytesToClient,
        Counter::NudgeProbes,
        Counter::NudgeKicks,
        Counter::SyncSilenceMaxMs,
        Counter::SyncTickLateMaxMs,
        Counter::SyncRxLateMaxMs,
        Counter::SyncRxDrops,
    ];

    /// The netlink attribute that carries it.
    pub(crate) fn attr(self) -> u32 {
        match self {
            Counter::RxPacketsV4 => b::TCPSPLICE_STAT_RX_PACKETS_V4,
            Counter::RxPacketsV6 => b::TCPSPLICE_STAT_RX_PACKETS_V6,
            Counter::RxTcp => b::TCPSPLICE_STAT_RX_TCP,
            Counter::RxMalformed => b::TCPSPLICE_STAT_RX_MALFORMED,
            Counter::ConfigChanges => b::TCPSPLICE_STAT_CONFIG_CHANGES,
            Counter::SplicesCreated => b::TCPSPLICE_STAT_SPLICES_CREATED,
            Counter::SplicesRefused => b::TCPSPLICE_STAT_SPLICES_REFUSED,
            Counter::TableFull => b::TCPSPLICE_STAT_TABLE_FULL,
            Counter::SplicesFinished => b::TCPSPLICE_STAT_SPLICES_FINISHED,
            Counter::SplicesReset => b::TCPSPLICE_STAT_SPLICES_RESET,
            Counter::SplicesExpired => b::TCPSPLICE_STAT_SPLICES_EXPIRED,
            Counter::SplicesUnspliced => b::TCPSPLICE_STAT_SPLICES_UNSPLICED,
            Counter::PacketsToBackend => b::TCPSPLICE_STAT_PACKETS_TO_BACKEND,
            Counter::BytesToBackend => b::TCPSPLICE_STAT_BYTES_TO_BACKEND,
            Counter::PacketsToClient => b::TCPSPLICE_STAT_PACKETS_TO_CLIENT,
            Counter::BytesToClient => b::TCPSPLICE_STAT_BYTES_TO_CLIENT,
            Counter::DropRstWindow => b::TCPSPLICE_STAT_DROP_RST_WINDOW,
            Counter::DropMalformed => b::TCPSPLICE_STAT_DROP_MALFORMED,
            Counter::DropNomem => b::TCPSPLICE_STAT_DROP_NOMEM,
            Counter::DropNoRoute => b::TCPSPLICE_STAT_DROP_NO_ROUTE,
            Counter::DropBadCsumOffload => b::TCPSPLICE_STAT_DROP_BAD_CSUM_OFFLOAD,
            Counter::DropLocal => b::TCPSPLICE_STAT_DROP_LOCAL,
            Counter::OptionsStripped => b::TCPSPLICE_STAT_OPTIONS_STRIPPED,
            Counter::OptionsMalformed => b::TCPSPLICE_STAT_OPTIONS_MALFORMED,
            Counter::MissingTs => b::TCPSPLICE_STAT_MISSING_TS,
            Counter::SackBlocks => b::TCPSPLICE_STAT_SACK_BLOCKS,
            Counter::PortsUnreserved => b::TCPSPLICE_STAT_PORTS_UNRESERVED,
            Counter::IcmpTranslated => b::TCPSPLICE_STAT_ICMP_TRANSLATED,
            Counter::SyncTx => b::TCPSPLICE_STAT_SYNC_TX,
            Counter::SyncRx => b::TCPSPLICE_STAT_SYNC_RX,
            Counter::SyncRetransmitted => b::TCPSPLICE_STAT_SYNC_RETRANSMITTED,
            Counter::SyncRejectTruncated => b::TCPSPLICE_STAT_SYNC_REJECT_TRUNCATED,
            Counter::SyncRejectVersion => b::TCPSPLICE_STAT_SYNC_REJECT_VERSION,
            Counter::SyncRejectMalformed => b::TCPSPLICE_STAT_SYNC_REJECT_MALFORMED,
            Counter::SyncRejectUnknownPeer => b::TCPSPLICE_STAT_SYNC_REJECT_UNKNOWN_PEER,
            Counter::SyncRejectBadTag => b::TCPSPLICE_STAT_SYNC_REJECT_BAD_TAG,
            Counter::SyncRejectReplayed => b::TCPSPLICE_STAT_SYNC_REJECT_REPLAYED,
            Counter::SyncTxErrors => b::TCPSPLICE_STAT_SYNC_TX_ERRORS,
            Counter::SyncResyncs => b::TCPSPLICE_STAT_SYNC_RESYNCS,
            Counter::BulkSyncs => b::TCPSPLICE_STAT_BULK_SYNCS,
            Counter::ReplicasInstalled => b::TCPSPLICE_STAT_REPLICAS_INSTALLED,
            Counter::ReplicasDuplicate => b::TCPSPLICE_STAT_REPLICAS_DUPLICATE,
            Counter::ReplicasRefused => b::TCPSPLICE_STAT_REPLICAS_REFUSED,
            Counter::ReplicasEnded => b::TCPSPLICE_STAT_REPLICAS_ENDED,
            Counter::PeerFailures => b::TCPSPLICE_STAT_PEER_FAILURES,
            Counter::Takeovers => b::TCPSPLICE_STAT_TAKEOVERS,
            Counter::Releases => b::TCPSPLICE_STAT_RELEASES,
            Counter::ArpReplies => b::TCPSPLICE_STAT_ARP_REPLIES,
            Counter::Announcements => b::TCPSPLICE_STAT_ANNOUNCEMENTS,
            Counter::NdReplies => b::TCPSPLICE_STAT_ND_REPLIES,
            Counter::SyncRxOldKey => b::TCPSPLICE_STAT_SYNC_RX_OLD_KEY,
            Counter::SplitsMade => b::TCPSPLICE_STAT_SPLITS_MADE,
            Counter::SplitsNoBackend => b::TCPSPLICE_STAT_SPLITS_NO_BACKEND,
            Counter::SplitsInstalled => b::TCPSPLICE_STAT_SPLITS_INSTALLED,
            Counter::SplitsRefused => b::TCPSPLICE_STAT_SPLITS_REFUSED,
            Counter::SplitsEnded => b::TCPSPLICE_STAT_SPLITS_ENDED,
            Counter::SplitPacketsToClient => b::TCPSPLICE_STAT_SPLIT_PACKETS_TO_CLIENT,
            Counter::SplitBytesToClient => b::TCPSPLICE_STAT_SPLIT_BYTES_TO_CLIENT,
            Counter::NudgeProbes => b::TCPSPLICE_STAT_NUDGE_PROBES,
            Counter::NudgeKicks => b::TCPSPLICE_STAT_NUDGE_KICKS,
            Counter::SyncSilenceMaxMs => b::TCPSPLICE_STAT_SYNC_SILENCE_MAX_MS,
            Counter::SyncTickLateMaxMs => b::TCPSPLICE_STAT_SYNC_TICK_LATE_MAX_MS,
            Counter::SyncRxLateMaxMs => b::TCPSPLICE_STAT_SYNC_RX_LATE_MAX_MS,
            Counter::SyncRxDrops => b::TCPSPLICE_STAT_SYNC_RX_DROPS,
        }
    }
}

/// One namespace's counters. Relaxed atomics: each is exact on its own, and
/// no reader needs two of them to agree.
pub(crate) struct Stats {
    v: [Atomic<u64>; COUNTERS],
}

impl Stats {
    pub(crate) fn new() -> Self {
        Stats {
            v: [const { Atomic::new(0) }; COUNTERS],
        }
    }

    pub(crate) fn inc(&self, c: Counter) {
        self.add(c, 1);
    }

    pub(crate) fn add(&self, c: Counter, n: u64) {
        if n != 0 {
            self.v[c as usize].add(n, Relaxed);
        }
    }

    /// Raise `c`, a maximum rather than a sum, to `v` if it is below.
    pub(crate) fn max(&self, c: Counter, v: u64) {
        let a = &self.v[c as usize];
        let mut cur = a.load(Relaxed);
        while v > cur {
            match a.cmpxchg(cur, v, Relaxed) {
                Ok(_) => return,
                Err(now) => cur = now,
            }
        }
    }

    pub(crate) fn get(&self, c: Counter) -> u64 {
        self.v[c as usize].load(Relaxed)
    }

    /// Zero every counter.
    pub(crate) fn reset(&self) {
        for a in &self.v {
            a.store(0, Relaxed);
        }
    }
}

#[kunit_tests(tcpsplice_stats)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_independent_and_reset() {
        let s = Stats::new();
        s.inc(Counter::RxTcp);
        s.inc(Counter::RxTcp);
        s.inc(Counter::ConfigChanges);
        assert_eq!(s.get(Counter::RxTcp), 2);
        assert_eq!(s.get(Counter::ConfigChanges), 1);
        assert_eq!(s.get(Counter::RxPacketsV4), 0);
        s.max(Counter::SyncSilenceMaxMs, 30);
        s.max(Counter::SyncSilenceMaxMs, 20);
        assert_eq!(s.get(Counter::SyncSilenceMaxMs), 30);
        s.max(Counter::SyncSilenceMaxMs, 40);
        assert_eq!(s.get(Counter::SyncSilenceMaxMs), 40);
        s.reset();
        for c in Counter::ALL {
            assert_eq!(s.get(c), 0);
        }
    }

    #[test]
    fn attrs_follow_the_uapi_enum() {
        // Reported in UAPI order, each once, none colliding with the padding;
        // with the gauges, every attribute of the enum is covered.
        let mut prev = b::TCPSPLICE_STAT_PAD;
        let mut n = 0;
        for c in Counter::ALL {
            assert!(c.attr() > prev);
            assert!(!GAUGES.contains(&c.attr()));
            prev = c.attr();
            n += 1;
        }
        assert_eq!(prev, b::TCPSPLICE_STAT_MAX);
        assert_eq!(
            n + GAUGES.len() as u32,
            b::TCPSPLICE_STAT_MAX - b::TCPSPLICE_STAT_PAD
        );
    }
}
