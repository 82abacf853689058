// SPDX-License-Identifier: GPL-2.0
//! Per-namespace counters.

use crate::bindings as b;
use kernel::prelude::*;
use kernel::sync::atomic::{Atomic, Relaxed};

/// A counter, in UAPI order (`enum tcpsplice_stat`). `SPLICES_ACTIVE` is a
/// gauge read from the table, not a counter.
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
}

const COUNTERS: usize = 28;

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
        s.reset();
        for c in Counter::ALL {
            assert_eq!(s.get(c), 0);
        }
    }

    #[test]
    fn attrs_follow_the_uapi_enum() {
        // Reported in UAPI order, each once, none colliding with the padding;
        // with the one gauge, every attribute of the enum is covered.
        let mut prev = b::TCPSPLICE_STAT_PAD;
        let mut n = 0;
        for c in Counter::ALL {
            assert!(c.attr() > prev);
            assert_ne!(c.attr(), b::TCPSPLICE_STAT_SPLICES_ACTIVE);
            prev = c.attr();
            n += 1;
        }
        assert_eq!(prev, b::TCPSPLICE_STAT_MAX);
        assert_eq!(n + 1, b::TCPSPLICE_STAT_MAX - b::TCPSPLICE_STAT_PAD);
    }
}
