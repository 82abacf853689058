// SPDX-License-Identifier: GPL-2.0
//! Per-namespace counters.

use crate::bindings as b;
use kernel::prelude::*;
use kernel::sync::atomic::{Atomic, Relaxed};

/// A counter, in UAPI order (`enum tcpsplice_stat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Counter {
    RxPacketsV4,
    RxPacketsV6,
    RxTcp,
    RxMalformed,
    ConfigChanges,
}

const COUNTERS: usize = 5;

impl Counter {
    /// Every counter, in reporting order.
    pub(crate) const ALL: [Counter; COUNTERS] = [
        Counter::RxPacketsV4,
        Counter::RxPacketsV6,
        Counter::RxTcp,
        Counter::RxMalformed,
        Counter::ConfigChanges,
    ];

    /// The netlink attribute that carries it.
    pub(crate) fn attr(self) -> u32 {
        match self {
            Counter::RxPacketsV4 => b::TCPSPLICE_STAT_RX_PACKETS_V4,
            Counter::RxPacketsV6 => b::TCPSPLICE_STAT_RX_PACKETS_V6,
            Counter::RxTcp => b::TCPSPLICE_STAT_RX_TCP,
            Counter::RxMalformed => b::TCPSPLICE_STAT_RX_MALFORMED,
            Counter::ConfigChanges => b::TCPSPLICE_STAT_CONFIG_CHANGES,
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
        self.v[c as usize].add(1u64, Relaxed);
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
        // Reported in UAPI order, each once, none colliding with the padding.
        let mut prev = b::TCPSPLICE_STAT_PAD;
        for c in Counter::ALL {
            assert!(c.attr() > prev);
            prev = c.attr();
        }
        assert_eq!(prev, b::TCPSPLICE_STAT_MAX);
    }
}
