// SPDX-License-Identifier: GPL-2.0
//! Safe wrapper of the splice table in `rust/ffi/table.c`: an RCU hash table
//! whose entries hold a Rust payload `T` and are found by either of two keys.

use super::skb::Skb;
use crate::bindings as b;
use crate::splice_core::conn::Side;
use crate::splice_core::handover::Socket;
use crate::splice_core::splice::{Endpoint, Family};
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::prelude::*;

/// A lookup key: a packet's source and destination as they arrive.
pub(crate) struct Key(b::tcpsplice_key);

impl Key {
    /// The key of packets from `src` to `dst`.
    pub(crate) fn new(family: Family, src: &Endpoint, dst: &Endpoint) -> Self {
        let mut w = [0u32; b::TCPSPLICE_KEY_WORDS as usize];
        for (i, c) in src.addr.chunks_exact(4).enumerate() {
            w[i] = u32::from_ne_bytes([c[0], c[1], c[2], c[3]]);
        }
        for (i, c) in dst.addr.chunks_exact(4).enumerate() {
            w[4 + i] = u32::from_ne_bytes([c[0], c[1], c[2], c[3]]);
        }
        w[8] = (u32::from(src.port) << 16) | u32::from(dst.port);
        w[9] = match family {
            Family::V4 => 4,
            Family::V6 => 6,
        };
        Key(b::tcpsplice_key { w })
    }
}

/// Why an insertion failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InsertError {
    /// The table holds `max` entries.
    Full,
    /// An entry already has one of the keys.
    Exists,
    /// Out of memory, or the table is being torn down.
    Other(Error),
}

/// A splice table.
///
/// # Invariants
///
/// `raw` was returned by `tcpsplice_h_table_new`, is freed only by `drop`,
/// and every payload in it is a `T` initialised by [`Table::insert`].
pub(crate) struct Table<T> {
    raw: NonNull<b::tcpsplice_table>,
    _t: PhantomData<T>,
}

// SAFETY: The C table serialises writers with its lock and readers use RCU;
// payloads are only shared as `&T`, so `T: Sync` suffices.
unsafe impl<T: Sync> Send for Table<T> {}
// SAFETY: As above.
unsafe impl<T: Sync> Sync for Table<T> {}

/// An RCU read-side critical section: the kernel crate's guard, which
/// `Table::lookup` asks for as proof.
pub(crate) use kernel::sync::rcu::Guard as RcuGuard;

/// Bottom halves disabled on this CPU: what the entries' locks need in
/// process context (the hooks take them in softirq context).
pub(crate) struct BhGuard(PhantomData<*mut ()>);

impl BhGuard {
    pub(crate) fn new() -> Self {
        // SAFETY: Balanced by `drop`; not `Send`, so dropped here.
        unsafe { b::tcpsplice_h_bh_disable() };
        BhGuard(PhantomData)
    }
}

impl Drop for BhGuard {
    fn drop(&mut self) {
        // SAFETY: Disabled in `new`.
        unsafe { b::tcpsplice_h_bh_enable() };
    }
}

impl<T: Sync> Table<T> {
    const PAYLOAD_OK: () = assert!(
        core::mem::align_of::<T>() <= 8 && !core::mem::needs_drop::<T>(),
        "table payloads are 8-byte aligned at most and freed without a destructor"
    );

    /// An empty table with about `buckets` buckets.
    pub(crate) fn new(buckets: u32) -> Result<Self> {
        // SAFETY: No preconditions; a null context makes the sweep a no-op
        // until `set_gc_ctx`.
        let raw = unsafe { b::tcpsplice_h_table_new(buckets, core::ptr::null_mut()) };
        let raw = NonNull::new(raw).ok_or(ENOMEM)?;
        // INVARIANT: Just created, and empty.
        Ok(Table {
            raw,
            _t: PhantomData,
        })
    }

    fn raw(&self) -> *mut b::tcpsplice_table {
        self.raw.as_ptr()
    }

    /// Entries now (may be stale by the time it is used).
    pub(crate) fn count(&self) -> u32 {
        // SAFETY: The table is live (type invariant).
        unsafe { b::tcpsplice_h_table_count(self.raw()) }
    }

    /// Bytes one entry occupies, and the bucket array's size.
    pub(crate) fn memory(&self) -> (u32, u32) {
        // SAFETY: No preconditions; the table is live (type invariant).
        unsafe {
            (
                b::tcpsplice_h_entry_bytes(core::mem::size_of::<T>()),
                b::tcpsplice_h_table_bytes(self.raw()),
            )
        }
    }

    /// Add an entry built by `init`, found by `k0` (as [`Side::Client`]) and
    /// `k1` (as [`Side::Backend`]), unless the table holds `max` entries or
    /// either key is taken. The entry takes `hold`, if given, when it is
    /// inserted (and leaves it otherwise).
    pub(crate) fn insert(
        &self,
        init: impl PinInit<T, Error>,
        k0: &Key,
        k1: &Key,
        max: u32,
        hold: &mut Option<super::sock::Hold>,
    ) -> Result<(), InsertError> {
        let () = Self::PAYLOAD_OK;
        // SAFETY: No preconditions; the result has room for a `T`, aligned
        // to 8 bytes (which `PAYLOAD_OK` checked is enough).
        let p = unsafe { b::tcpsplice_h_entry_alloc(core::mem::size_of::<T>()) };
        let Some(p) = NonNull::new(p.cast::<T>()) else {
            return Err(InsertError::Other(ENOMEM));
        };
        // SAFETY: `p` is valid, aligned, uninitialised memory for a `T` that
        // never moves (it is freed in place).
        if let Err(e) = unsafe { pin_init::raw_try_init(p.as_ptr(), init) } {
            // SAFETY: `p` came from `tcpsplice_h_entry_alloc` and was never
            // inserted.
            unsafe { b::tcpsplice_h_entry_free(p.as_ptr().cast()) };
            return Err(InsertError::Other(e));
        }
        let h = hold.as_ref().map_or(core::ptr::null_mut(), |h| h.as_ptr());
        // SAFETY: The table is live; `p` is an initialised payload in no
        // table; the keys are read during the call only; `h` is null or an
        // owned hold, the entry's if (and only if) this succeeds.
        let r = unsafe {
            b::tcpsplice_h_table_insert(self.raw(), p.as_ptr().cast(), &k0.0, &k1.0, max, h)
        };
        if r == 0 {
            if let Some(h) = hold.take() {
                h.into_raw();
            }
            return Ok(());
        }
        // SAFETY: Not inserted; `T` needs no destructor (`PAYLOAD_OK`).
        unsafe { b::tcpsplice_h_entry_free(p.as_ptr().cast()) };
        Err(match Error::from_errno(r) {
            e if e == ENOSPC => InsertError::Full,
            e if e == EEXIST => InsertError::Exists,
            e => InsertError::Other(e),
        })
    }

    /// The entry with key `k`, and which side's key it is.
    pub(crate) fn lookup<'a>(&'a self, _rcu: &'a RcuGuard, k: &Key) -> Option<(&'a T, Side)> {
        let mut side = 0u8;
        // SAFETY: The table is live and the caller is in an RCU read-side
        // section (the guard); the key is read during the call only.
        let p = unsafe { b::tcpsplice_h_table_lookup(self.raw(), &k.0, &mut side) };
        let p = NonNull::new(p.cast::<T>())?;
        let side = if side == 0 {
            Side::Client
        } else {
            Side::Backend
        };
        // SAFETY: Payloads are initialised `T`s (type invariant), freed only
        // after an RCU grace period, and the guard outlives the borrow.
        Some((unsafe { p.as_ref() }, side))
    }

    /// If entry `e`'s socket on `side` was handed over and is still there
    /// (see the core's `handover`): where it stands now.
    pub(crate) fn handed(&self, _rcu: &RcuGuard, e: &T, side: Side) -> Option<Socket> {
        let (mut rcv, mut una, mut snd) = (0u32, 0u32, 0u32);
        // SAFETY: `e` is a payload found in this table under the RCU guard
        // (holds are freed after a grace period); the outputs are writable.
        let there = unsafe {
            b::tcpsplice_h_table_handed(
                payload(e),
                side.index() as c_int,
                &mut rcv,
                &mut una,
                &mut snd,
            )
        };
        there.then_some(Socket {
            snd_una: una,
            snd_nxt: snd,
            rcv_nxt: rcv,
        })
    }

    /// `skb` was sent by entry `e`'s handed-over socket on `side`.
    pub(crate) fn handed_is(&self, _rcu: &RcuGuard, e: &T, side: Side, skb: &Skb<'_>) -> bool {
        // SAFETY: As in `handed`; the skb is valid for the call.
        unsafe { b::tcpsplice_h_table_handed_is(payload(e), side.index() as c_int, skb.raw()) }
    }

    /// Take the table lock (bottom halves disabled).
    pub(crate) fn lock(&self) -> TableGuard<'_, T> {
        // SAFETY: The table is live; unlocked by the guard's drop.
        unsafe { b::tcpsplice_h_table_lock(self.raw()) };
        TableGuard { table: self }
    }

    /// Make the garbage collector call [`crate::splice::gc`] with `ctx`.
    ///
    /// # Safety
    ///
    /// `ctx` is a `NetState` that owns this table (so it outlives it).
    pub(crate) unsafe fn set_gc_ctx(&self, ctx: *const c_void) {
        // SAFETY: The table is live; the context's lifetime is the caller's
        // promise.
        unsafe { b::tcpsplice_h_table_set_gc_ctx(self.raw(), ctx.cast_mut()) };
    }
}

impl<T> Drop for Table<T> {
    fn drop(&mut self) {
        // SAFETY: Live (type invariant) and no longer reachable by hooks or
        // handlers (the owner drops it after unregistering them). Payloads
        // need no destructor.
        unsafe { b::tcpsplice_h_table_free(self.raw.as_ptr()) };
    }
}

/// The table lock, held. Entries seen through it stay valid while it is held.
pub(crate) struct TableGuard<'a, T: Sync> {
    table: &'a Table<T>,
}

impl<T: Sync> TableGuard<'_, T> {
    fn next(&self, cur: Option<NonNull<T>>) -> Option<NonNull<T>> {
        let cur = cur.map_or(core::ptr::null_mut(), |p| p.as_ptr().cast());
        // SAFETY: The lock is held; `cur` is null or a linked entry's payload.
        NonNull::new(unsafe { b::tcpsplice_h_table_next(self.table.raw(), cur) }.cast::<T>())
    }

    /// Visit entries in insertion order; remove those for which `f` says so.
    pub(crate) fn retain(&mut self, mut f: impl FnMut(&T) -> bool) {
        let mut cur = self.next(None);
        while let Some(p) = cur {
            let next = self.next(Some(p));
            // SAFETY: A linked payload, valid while the lock is held.
            if !f(unsafe { p.as_ref() }) {
                // SAFETY: Lock held and `p` linked; freed after a grace
                // period, and no reference to it survives this iteration.
                unsafe { b::tcpsplice_h_table_remove(self.table.raw(), p.as_ptr().cast()) };
            }
            cur = next;
        }
    }

    /// Hand `r` to entry `e` (seen through this guard), which releases it
    /// when it is removed.
    pub(crate) fn attach(&self, e: &T, r: super::sock::Reservation) {
        let p = payload(e);
        // SAFETY: The lock is held and `e` is a linked payload (it was found
        // through this guard); the entry takes ownership of the reservation.
        unsafe { b::tcpsplice_h_table_attach(self.table.raw(), p, r.into_raw()) };
    }

    /// Take entry `e`'s handed-over socket on `side` out (seen through this
    /// guard); drop the result, after the lock, to retire it.
    pub(crate) fn take_handed(&self, e: &T, side: Side) -> Option<super::sock::Handed> {
        // SAFETY: The lock is held and `e` is a linked payload (seen through
        // this guard).
        let sk = unsafe {
            b::tcpsplice_h_table_take_handed(self.table.raw(), payload(e), side.index() as c_int)
        };
        // SAFETY: The helper hands over the hold's reference, or null.
        unsafe { super::sock::Handed::from_raw(sk) }
    }

    /// The first entry for which `f` is true.
    pub(crate) fn find(&self, mut f: impl FnMut(&T) -> bool) -> Option<&T> {
        let mut cur = self.next(None);
        while let Some(p) = cur {
            // SAFETY: A linked payload, valid while the lock (borrowed by the
            // result) is held.
            let e = unsafe { p.as_ref() };
            if f(e) {
                return Some(e);
            }
            cur = self.next(Some(p));
        }
        None
    }
}

impl<T: Sync> Drop for TableGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: Locked in `Table::lock`.
        unsafe { b::tcpsplice_h_table_unlock(self.table.raw()) };
    }
}

/// The C view of a payload.
fn payload<T>(e: &T) -> *mut c_void {
    core::ptr::from_ref(e).cast_mut().cast::<c_void>()
}

/// The current time in jiffies, and conversions.
pub(crate) fn jiffies() -> u64 {
    // SAFETY: No preconditions.
    unsafe { b::tcpsplice_h_jiffies() }
}

/// Whole seconds in `j` jiffies.
pub(crate) fn jiffies_to_secs(j: u64) -> u32 {
    // SAFETY: No preconditions.
    unsafe { b::tcpsplice_h_jiffies_to_secs(j) }
}

/// Jiffies in `secs` seconds.
pub(crate) fn secs_to_jiffies(secs: u32) -> u64 {
    // SAFETY: No preconditions.
    unsafe { b::tcpsplice_h_secs_to_jiffies(secs) }
}

/// Garbage-collection entry point, called by the table's delayed work.
///
/// # Safety
///
/// `ctx` is null or the `NetState` given to [`Table::set_gc_ctx`], alive
/// (its table, which runs this work, is not yet freed).
#[no_mangle]
unsafe extern "C" fn tcpsplice_rs_gc(ctx: *mut c_void) {
    if ctx.is_null() {
        return;
    }
    // SAFETY: By the function contract.
    let net = unsafe { &*ctx.cast::<crate::netns::NetState>() };
    crate::splice::gc(net);
}
