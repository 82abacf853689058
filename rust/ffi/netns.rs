// SPDX-License-Identifier: GPL-2.0
//! Per-namespace state: the pernet operations' callbacks (the table is in
//! `rust/ffi/netns.c`) and the namespace's generic slot.

use super::cluster;
use crate::bindings as b;
use crate::netns::NetState;
use kernel::prelude::*;

// ---------------------------------------------------------------------------
// Per-namespace state.

/// What a namespace's generic slot owns: its state, with the netfilter hooks
/// and the sync socket once it has them (emptied by the exit before the
/// state is dropped).
struct NetSlot {
    state: Pin<KBox<NetState>>,
}

/// Called by `register_pernet_subsys` and on namespace creation.
///
/// # Safety
///
/// `net` is a namespace being initialised, whose generic slot for this module
/// is zeroed and stays allocated until [`tcpsplice_rs_net_exit`] returns.
#[no_mangle]
unsafe extern "C" fn tcpsplice_rs_net_init(net: *mut kernel::bindings::net) -> c_int {
    // SAFETY: `net` is valid for the duration of the call (function contract).
    let cookie = unsafe { b::tcpsplice_h_net_cookie(net) };
    // SAFETY: The state lives in the namespace's slot and is freed by its
    // exit, so `net` outlives it.
    let handle = unsafe { cluster::Net::new(net) };
    let state = match NetState::new_in(cookie, handle) {
        Ok(s) => s,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: The state owns the table and is pinned in a box until the slot
    // is dropped, which frees the table (stopping its work) before the state.
    unsafe {
        state
            .table()
            .set_gc_ctx(core::ptr::from_ref::<NetState>(&state).cast())
    };
    let slot = match KBox::new(NetSlot { state }, GFP_KERNEL) {
        Ok(s) => s,
        Err(_) => return ENOMEM.to_errno(),
    };
    // SAFETY: The slot is ours and zeroed (function contract).
    unsafe { *b::tcpsplice_h_net_slot(net) = KBox::into_raw(slot).cast() };
    0
}

/// Called on namespace exit and by `unregister_pernet_subsys`.
///
/// # Safety
///
/// `net` is a namespace whose [`tcpsplice_rs_net_init`] succeeded and which no
/// genetlink handler or hook of this module can reach any more.
#[no_mangle]
unsafe extern "C" fn tcpsplice_rs_net_exit(net: *mut kernel::bindings::net) {
    // SAFETY: `net` is valid (function contract); the slot holds the pointer
    // stored by `tcpsplice_rs_net_init`, which we take back exactly once.
    let raw = unsafe { core::mem::take(&mut *b::tcpsplice_h_net_slot(net)) };
    if !raw.is_null() {
        // SAFETY: `raw` came from `KBox::into_raw` in `tcpsplice_rs_net_init`.
        let slot = unsafe { KBox::<NetSlot>::from_raw(raw.cast()) };
        // No hook runs after this, and the sync socket's work items, which
        // use the table, are stopped: then the state can go.
        slot.state.hook_slot().clear();
        slot.state.cluster().stop(&slot.state);
        drop(slot);
    }
}

/// The state of `net`.
///
/// # Safety
///
/// `net` is alive and its [`tcpsplice_rs_net_init`] succeeded; the returned
/// reference must not outlive the caller's hold on `net`.
pub(super) unsafe fn net_state<'a>(net: *const kernel::bindings::net) -> &'a NetState {
    // SAFETY: By the function contract the slot holds a live `NetSlot`.
    let slot = unsafe { &*(*b::tcpsplice_h_net_slot(net)).cast::<NetSlot>() };
    &slot.state
}

/// The state of `net`, if this module's slot in it holds one (a namespace
/// being dismantled has none once its exit ran).
///
/// # Safety
///
/// `net` is alive and its [`tcpsplice_rs_net_init`] ran (or it is being
/// dismantled by the thread calling this); the returned reference must not
/// outlive the caller's hold on `net`.
pub(super) unsafe fn try_net_state<'a>(net: *const kernel::bindings::net) -> Option<&'a NetState> {
    // SAFETY: `net` is alive (function contract), so its generic array is.
    let raw = unsafe { *b::tcpsplice_h_net_slot(net) };
    // SAFETY: A non-null slot holds the `NetSlot` stored by
    // `tcpsplice_rs_net_init`, freed only by the exit that nulls it first.
    (!raw.is_null()).then(|| &*unsafe { &*raw.cast::<NetSlot>() }.state)
}
