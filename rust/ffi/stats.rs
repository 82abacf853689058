// SPDX-License-Identifier: GPL-2.0
//! Per-CPU counters (`rust/ffi/stats.c`): the packet path adds to its own
//! CPU's copy, without a lock prefix or a cache line shared with the other
//! CPUs; a report sums the copies.

use crate::bindings as b;
use core::ptr::NonNull;
use kernel::prelude::*;

/// `N` counters, one copy of each per possible CPU.
///
/// # Invariants
///
/// `p` came from `tcpsplice_h_percpu_alloc(N)` and is freed only by `Drop`.
pub(crate) struct PerCpu<const N: usize> {
    p: NonNull<u64>,
}

// SAFETY: The copies are only touched through the C helpers, which add on
// the local CPU (this_cpu operations) and read with READ_ONCE.
unsafe impl<const N: usize> Send for PerCpu<N> {}
// SAFETY: As above.
unsafe impl<const N: usize> Sync for PerCpu<N> {}

impl<const N: usize> PerCpu<N> {
    /// `N` zeroed counters.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: No preconditions; the result is checked for null.
        let p = unsafe { b::tcpsplice_h_percpu_alloc(N as u32) };
        // INVARIANT: Allocated for `N` counters just now.
        Ok(PerCpu {
            p: NonNull::new(p).ok_or(ENOMEM)?,
        })
    }

    /// Add `n` to counter `i` (below `N`) on this CPU.
    pub(crate) fn add(&self, i: usize, n: u64) {
        assert!(i < N);
        // SAFETY: `p` holds `N` counters per CPU (type invariant), `i < N`.
        unsafe { b::tcpsplice_h_percpu_add(self.p.as_ptr(), i as u32, n) };
    }

    /// Raise counter `i` (a maximum) to at least `v`.
    pub(crate) fn max(&self, i: usize, v: u64) {
        assert!(i < N);
        // SAFETY: As in `add`.
        unsafe { b::tcpsplice_h_percpu_max(self.p.as_ptr(), i as u32, v) };
    }

    /// Counter `i` summed over the CPUs.
    pub(crate) fn sum(&self, i: usize) -> u64 {
        assert!(i < N);
        // SAFETY: As in `add`.
        unsafe { b::tcpsplice_h_percpu_sum(self.p.as_ptr(), i as u32) }
    }

    /// The largest copy of counter `i`.
    pub(crate) fn largest(&self, i: usize) -> u64 {
        assert!(i < N);
        // SAFETY: As in `add`.
        unsafe { b::tcpsplice_h_percpu_largest(self.p.as_ptr(), i as u32) }
    }

    /// Zero every copy of every counter.
    pub(crate) fn zero(&self) {
        // SAFETY: `p` holds `N` counters per CPU (type invariant).
        unsafe { b::tcpsplice_h_percpu_zero(self.p.as_ptr(), N as u32) };
    }
}

impl<const N: usize> Drop for PerCpu<N> {
    fn drop(&mut self) {
        // SAFETY: Allocated by `new` (type invariant), freed once, here.
        unsafe { b::tcpsplice_h_percpu_free(self.p.as_ptr()) };
    }
}
