// SPDX-License-Identifier: GPL-2.0
//! The netfilter hooks: their registration in a namespace (when it first
//! needs them) and the entry point netfilter calls, with the verdict it
//! returns.

use super::skb::{Skb, Stolen};
use crate::bindings as b;
use crate::netns::NetState;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::sync::atomic::{Acquire, Atomic, Relaxed, Release};
use kernel::sync::{new_mutex, Mutex};
use kernel::types::Opaque;

// ---------------------------------------------------------------------------
// Netfilter hooks.

/// Hook priority: after defragmentation and the raw table, before conntrack.
const HOOK_PRIORITY: c_int = b::NF_IP_PRI_CONNTRACK - 50;

/// A namespace's netfilter hooks, registered when it first needs them (its
/// first splice or cluster configuration: [`HookSlot::ensure`]), so that a
/// host's other namespaces (containers) pay nothing per packet. They stay
/// until the namespace's exit, which unregisters them before its state
/// goes (`tcpsplice_rs_net_exit`).
#[pin_data]
pub(crate) struct HookSlot {
    #[pin]
    hooks: Mutex<Option<NetHooks>>,
    registered: Atomic<bool>,
}

impl HookSlot {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(HookSlot {
            hooks <- new_mutex!(None),
            registered: Atomic::new(false),
        })
    }

    /// Register `owner`'s hooks if they are not yet. `EINVAL` if this slot
    /// is not `owner`'s; `ENODEV` if `owner` has no namespace (unit tests).
    pub(crate) fn ensure(&self, owner: &NetState) -> Result {
        if self.registered() {
            return Ok(());
        }
        if !core::ptr::eq(self, owner.hook_slot()) {
            return Err(EINVAL);
        }
        let net = owner.ns().ok_or(ENODEV)?.raw();
        let mut h = self.hooks.lock();
        if h.is_none() {
            // `net` is alive while `owner` is (its state lives in the
            // namespace's slot); the hooks live in this slot, inside `owner`
            // (checked above).
            // SAFETY: `owner` is pinned, and the namespace's exit empties
            // this slot before `owner` is dropped.
            *h = Some(unsafe { NetHooks::register(net, owner) }?);
            // Release: whoever sees `true` without the lock sees the
            // registration done.
            self.registered.store(true, Release);
        }
        Ok(())
    }

    /// Whether the hooks are registered.
    pub(crate) fn registered(&self) -> bool {
        self.registered.load(Acquire)
    }

    /// Unregister the hooks (the namespace's exit): when this returns, no
    /// CPU runs them.
    pub(super) fn clear(&self) {
        *self.hooks.lock() = None;
        self.registered.store(false, Relaxed);
    }
}

/// One namespace's registered netfilter hooks.
///
/// # Invariants
///
/// `ops` is registered in `net`, the kernel's defragmentation is enabled in
/// it once for this value, and `net` outlives this value.
struct NetHooks {
    net: *mut kernel::bindings::net,
    ops: KBox<[Opaque<b::nf_hook_ops>; 4]>,
}

impl NetHooks {
    /// Register the hooks of `net`, with `state` as their context, and
    /// enable the kernel's defragmentation there.
    ///
    /// # Safety
    ///
    /// `net` is alive for the lifetime of the returned value, and `state`
    /// stays at its address until the returned value is dropped.
    unsafe fn register(net: *mut kernel::bindings::net, state: &NetState) -> Result<Self> {
        let priv_ = core::ptr::from_ref(state).cast_mut().cast::<c_void>();
        let op = |pf: u32,
                  hooknum: u32,
                  hook: unsafe extern "C" fn(
            *mut c_void,
            *mut kernel::bindings::sk_buff,
            *const b::nf_hook_state,
        ) -> c_uint| {
            Opaque::new(b::nf_hook_ops {
                hook: Some(hook),
                priv_,
                pf: pf as u8,
                hooknum,
                priority: HOOK_PRIORITY,
                ..Default::default()
            })
        };
        let pre = kernel::bindings::nf_inet_hooks_NF_INET_PRE_ROUTING;
        let out = kernel::bindings::nf_inet_hooks_NF_INET_LOCAL_OUT;
        let (v4, v6) = (
            kernel::bindings::NFPROTO_IPV4,
            kernel::bindings::NFPROTO_IPV6,
        );
        let ops = KBox::new(
            [
                op(v4, pre, hook_entry::<false, false>),
                op(v6, pre, hook_entry::<true, false>),
                op(v4, out, hook_entry::<false, true>),
                op(v6, out, hook_entry::<true, true>),
            ],
            GFP_KERNEL,
        )?;
        // The kernel's defragmentation first, so that a spliced connection's
        // IP fragments reach the hooks reassembled.
        // SAFETY: `net` is alive (function contract).
        to_result(unsafe { b::tcpsplice_h_defrag_enable(net.cast()) })?;
        // SAFETY: `ops` is boxed and lives as long as the registration; `net`
        // is alive (function contract).
        let r = to_result(unsafe {
            b::nf_register_net_hooks(net.cast(), ops[0].get().cast_const(), ops.len() as u32)
        });
        if let Err(e) = r {
            // SAFETY: Enabled above, in the same live `net`.
            unsafe { b::tcpsplice_h_defrag_disable(net.cast()) };
            return Err(e);
        }
        // INVARIANT: Registered above.
        Ok(NetHooks { net, ops })
    }
}

impl Drop for NetHooks {
    fn drop(&mut self) {
        // SAFETY: Registered in `self.net`, with defragmentation enabled
        // there once for this value, by the type invariant.
        // `nf_unregister_net_hooks` waits until no CPU runs the hooks.
        unsafe {
            b::nf_unregister_net_hooks(
                self.net.cast(),
                self.ops[0].get().cast_const(),
                self.ops.len() as u32,
            );
            b::tcpsplice_h_defrag_disable(self.net.cast());
        };
    }
}

/// The hooks: PRE_ROUTING (`OUT == false`) or LOCAL_OUT, for IPv4
/// (`V6 == false`) or IPv6.
///
/// # Safety
///
/// Called by netfilter with the `priv` given at registration, a valid skb
/// that the caller owns for the duration of the call, and a valid state.
unsafe extern "C" fn hook_entry<const V6: bool, const OUT: bool>(
    priv_: *mut c_void,
    skb: *mut kernel::bindings::sk_buff,
    state: *const b::nf_hook_state,
) -> c_uint {
    // SAFETY: `priv_` is the `NetState` given at registration, alive until the
    // hooks are unregistered; netfilter passes a valid, exclusively held skb
    // and a valid state whose namespace is alive during the call.
    let (net, skb) = unsafe {
        (
            &*priv_.cast::<NetState>(),
            Skb::from_raw(skb, b::tcpsplice_h_state_net(state).cast()),
        )
    };
    let family = if V6 {
        crate::hooks::Family::V6
    } else {
        crate::hooks::Family::V4
    };
    if OUT {
        crate::hooks::local_out(net, skb, family).into()
    } else {
        crate::hooks::pre_routing(net, skb, family).into()
    }
}

/// What a hook tells netfilter.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Let the packet continue.
    Accept,
    /// Drop it.
    Drop,
    /// The hook took the packet.
    Stolen(Stolen),
}

impl From<Verdict> for c_uint {
    fn from(v: Verdict) -> c_uint {
        match v {
            Verdict::Accept => kernel::bindings::NF_ACCEPT,
            Verdict::Drop => kernel::bindings::NF_DROP,
            Verdict::Stolen(_) => kernel::bindings::NF_STOLEN,
        }
    }
}
