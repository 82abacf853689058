// SPDX-License-Identifier: GPL-2.0
//! Per-namespace counters.

use crate::bindings as b;
use crate::ffi::stats::PerCpu;
use kernel::prelude::*;

// `Counter` (one variant per counter of the YNL spec's "stats" set, with its
// documentation), `Counter::ALL`, `Counter::attr()` and `GAUGES`, generated
// by scripts/ynl-regen from Documentation/netlink/specs/tcpsplice.yaml.
include!("generated/counters.rs");

/// One namespace's counters, per CPU: the packet path adds to its own CPU's
/// copy; a report sums the copies (or takes the largest, for a maximum).
pub(crate) struct Stats {
    v: PerCpu<COUNTERS>,
}

impl Stats {
    pub(crate) fn new() -> Result<Self> {
        Ok(Stats { v: PerCpu::new()? })
    }

    pub(crate) fn inc(&self, c: Counter) {
        self.add(c, 1);
    }

    pub(crate) fn add(&self, c: Counter, n: u64) {
        if n != 0 {
            self.v.add(c as usize, n);
        }
    }

    /// Raise `c`, a maximum rather than a sum, to `v` if it is below.
    pub(crate) fn max(&self, c: Counter, v: u64) {
        debug_assert!(Counter::MAXIMA.contains(&c));
        self.v.max(c as usize, v);
    }

    pub(crate) fn get(&self, c: Counter) -> u64 {
        if Counter::MAXIMA.contains(&c) {
            self.v.largest(c as usize)
        } else {
            self.v.sum(c as usize)
        }
    }

    /// Zero every counter.
    pub(crate) fn reset(&self) {
        self.v.zero();
    }
}

#[kunit_tests(tcpsplice_stats)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_independent_and_reset() -> Result {
        let s = Stats::new()?;
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
        Ok(())
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
