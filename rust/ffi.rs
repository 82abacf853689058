// SPDX-License-Identifier: GPL-2.0
//! The one layer of tcpsplice that touches C.
//!
//! Everything `unsafe` lives here and in `ffi/`: the entry points the C
//! tables call (pernet, generic netlink, netfilter), and small safe wrappers
//! over the C beside them, one concept a file: `netns` (pernet), `hooks`
//! (netfilter), `skb` (packets), `netlink` (the family, requests, replies),
//! `table` (the RCU splice table), `sock` (the proxy's sockets), `cluster`
//! (the sync socket, ARP and neighbour discovery), `stats` (per-CPU
//! counters). This file registers the
//! module-wide objects. The modules above (`netns`, `netlink`, `hooks`,
//! `splice`, `cluster`) are safe Rust and see only the types defined here.

use crate::bindings as b;
use kernel::error::to_result;
use kernel::prelude::*;

pub(crate) mod cluster;
pub(crate) mod hooks;
pub(crate) mod netlink;
pub(crate) mod netns;
pub(crate) mod skb;
pub(crate) mod sock;
pub(crate) mod stats;
pub(crate) mod table;

// ---------------------------------------------------------------------------
// Registration of the module-wide objects.

/// The pernet operations and the genetlink family, registered for the
/// lifetime of the module.
///
/// # Invariants
///
/// `tcpsplice_h_cluster_wq_create`, `tcpsplice_h_register_pernet` and
/// `tcpsplice_h_register_genl` have succeeded, `tcpsplice_h_arp_register`
/// was called, and none has been undone.
pub(crate) struct Registration(());

impl Registration {
    /// Register per-namespace state (which runs [`NetState::new`] for every
    /// existing namespace) and then the genetlink family.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: Called once from module init, before any sync socket
        // (made by a namespace's configuration) can queue work on it.
        to_result(unsafe { b::tcpsplice_h_cluster_wq_create() })?;
        // SAFETY: Called once from module init; the pernet operations are a
        // static table in helpers.c that outlives the registration.
        if let Err(e) = to_result(unsafe { b::tcpsplice_h_register_pernet() }) {
            // SAFETY: Created just above; nothing uses it yet.
            unsafe { b::tcpsplice_h_cluster_wq_destroy() };
            return Err(e);
        }
        // SAFETY: As above, for the static genetlink family.
        if let Err(e) = to_result(unsafe { b::tcpsplice_h_register_genl() }) {
            // SAFETY: The pernet operations were registered just above.
            unsafe { b::tcpsplice_h_unregister_pernet() };
            // SAFETY: Created above; the namespaces' sockets, and their work,
            // went with the pernet operations.
            unsafe { b::tcpsplice_h_cluster_wq_destroy() };
            return Err(e);
        }
        // SAFETY: Registers a static packet type (the VIP ARP handler),
        // after the namespaces' state exists; undone first in `Drop`.
        unsafe { b::tcpsplice_h_arp_register() };
        // INVARIANT: All three registrations happened.
        Ok(Registration(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: Registered (type invariant). This waits for running
        // handlers, so none looks at a namespace's state after this.
        unsafe { b::tcpsplice_h_arp_unregister() };
        // The family goes first: `genl_unregister_family` waits for running
        // handlers, so none can look at a namespace's state after this.
        // SAFETY: Registered, by the type invariant.
        unsafe { b::tcpsplice_h_unregister_genl() };
        // SAFETY: Registered, by the type invariant. This runs the exit
        // callback, and so frees the state, for every namespace.
        unsafe { b::tcpsplice_h_unregister_pernet() };
        // SAFETY: Created (type invariant); every namespace's sync socket was
        // freed just above, which cancelled its work.
        unsafe { b::tcpsplice_h_cluster_wq_destroy() };
    }
}
