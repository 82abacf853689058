// SPDX-License-Identifier: GPL-2.0
//! The one layer of tcpsplice that touches C.
//!
//! Everything `unsafe` lives here: the entry points the C tables call
//! (pernet, generic netlink, netfilter), and small safe wrappers over the
//! helpers in `rust/helpers.c`. The modules above (`netns`, `netlink`,
//! `hooks`) are safe Rust and see only the types defined here.

use crate::bindings as b;
use crate::netns::NetState;
use core::ptr::NonNull;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::types::Opaque;

pub(crate) mod cluster;
pub(crate) mod sock;
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

// ---------------------------------------------------------------------------
// Per-namespace state.

/// What a namespace's generic slot owns: its state and its netfilter hooks.
///
/// Field order matters: the hooks are unregistered (dropped) before the state
/// their `priv` pointer refers to is freed. The hooks are only held for that.
struct NetSlot {
    _hooks: NetHooks,
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
    // SAFETY: `net` is valid and being initialised; the state is boxed, so its
    // address is stable until the slot is dropped in `tcpsplice_rs_net_exit`,
    // after the hooks are unregistered.
    let hooks = match unsafe { NetHooks::register(net, &state) } {
        Ok(h) => h,
        Err(e) => return e.to_errno(),
    };
    let slot = match KBox::new(
        NetSlot {
            _hooks: hooks,
            state,
        },
        GFP_KERNEL,
    ) {
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
        // The sync socket's work items use the table: stop them first.
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
unsafe fn net_state<'a>(net: *const kernel::bindings::net) -> &'a NetState {
    // SAFETY: By the function contract the slot holds a live `NetSlot`.
    let slot = unsafe { &*(*b::tcpsplice_h_net_slot(net)).cast::<NetSlot>() };
    &slot.state
}

// ---------------------------------------------------------------------------
// Netfilter hooks.

/// Hook priority: after defragmentation and the raw table, before conntrack.
const HOOK_PRIORITY: c_int = b::NF_IP_PRI_CONNTRACK - 50;

/// One namespace's registered netfilter hooks.
///
/// # Invariants
///
/// `ops` is registered in `net` and `net` outlives this value.
struct NetHooks {
    net: *mut kernel::bindings::net,
    ops: KBox<[Opaque<b::nf_hook_ops>; 4]>,
}

impl NetHooks {
    /// Register the PRE_ROUTING hooks of `net`, with `state` as their context.
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
        // SAFETY: `ops` is boxed and lives as long as the registration; `net`
        // is alive (function contract).
        to_result(unsafe {
            b::nf_register_net_hooks(net.cast(), ops[0].get().cast_const(), ops.len() as u32)
        })?;
        // INVARIANT: Registered above.
        Ok(NetHooks { net, ops })
    }
}

impl Drop for NetHooks {
    fn drop(&mut self) {
        // SAFETY: Registered in `self.net`, by the type invariant.
        // `nf_unregister_net_hooks` waits until no CPU runs the hooks.
        unsafe {
            b::nf_unregister_net_hooks(
                self.net.cast(),
                self.ops[0].get().cast_const(),
                self.ops.len() as u32,
            )
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

/// Proof that a packet was handed on (its skb consumed), which is what
/// [`Verdict::Stolen`] tells netfilter. Only [`Skb::output`] makes one.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Stolen(());

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

/// How a packet's TCP checksum field is to be updated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CsumMode {
    /// It holds the full checksum.
    Full,
    /// `CHECKSUM_PARTIAL`: it holds the pseudo-header sum.
    Partial,
    /// `CHECKSUM_PARTIAL`, but not starting at the TCP header.
    Inconsistent,
}

// ---------------------------------------------------------------------------
// Packets.

/// A packet handed to a hook, borrowed for the duration of the call.
///
/// # Invariants
///
/// `skb` is valid and exclusively ours for `'a`.
pub(crate) struct Skb<'a> {
    skb: NonNull<kernel::bindings::sk_buff>,
    /// The namespace the packet is in (null for test packets, which are
    /// never sent).
    net: *mut kernel::bindings::net,
    _p: core::marker::PhantomData<&'a mut kernel::bindings::sk_buff>,
}

impl<'a> Skb<'a> {
    /// # Safety
    ///
    /// `skb` is valid, non-null and exclusively held by the caller for `'a`;
    /// `net` is null or the packet's namespace, alive for `'a`.
    unsafe fn from_raw(
        skb: *mut kernel::bindings::sk_buff,
        net: *mut kernel::bindings::net,
    ) -> Self {
        // SAFETY: Non-null by the function contract.
        let skb = unsafe { NonNull::new_unchecked(skb) };
        // INVARIANT: By the function contract.
        Skb {
            skb,
            net,
            _p: core::marker::PhantomData,
        }
    }

    /// The packet's length from the network header (the IP datagram).
    pub(crate) fn len(&self) -> usize {
        // SAFETY: `skb` is valid (type invariant).
        let len = unsafe { b::tcpsplice_h_skb_len(self.skb.as_ptr().cast()) };
        len as usize
    }

    /// One of this module's own translated packets, being sent (LOCAL_OUT
    /// runs inside [`Skb::output`]).
    pub(crate) fn is_ours(&self) -> bool {
        // SAFETY: No preconditions; reads a per-CPU flag of this CPU (hooks
        // run with bottom halves off).
        unsafe { b::tcpsplice_h_sending() }
    }

    /// The first `len` bytes from the network header, writable (unshared and
    /// linear); `None` if that fails.
    pub(crate) fn writable(&mut self, len: usize) -> Option<&mut [u8]> {
        let n = u32::try_from(len).ok()?;
        // SAFETY: `skb` is valid and ours (type invariant).
        let p = unsafe { b::tcpsplice_h_writable(self.skb.as_ptr().cast(), n) };
        if p.is_null() {
            return None;
        }
        // SAFETY: `skb_ensure_writable` made `len` bytes from the network
        // header linear and private to this skb; the mutable borrow of `self`
        // keeps anything else from touching them meanwhile.
        Some(unsafe { core::slice::from_raw_parts_mut(p, len) })
    }

    /// The checksum state, for a TCP header `l4` bytes after the network
    /// header. A `CHECKSUM_COMPLETE` sum is dropped (edits make it stale).
    pub(crate) fn csum_mode(&mut self, l4: usize) -> CsumMode {
        // SAFETY: `skb` is valid and ours (type invariant).
        match unsafe { b::tcpsplice_h_csum_mode(self.skb.as_ptr().cast(), l4 as c_uint) } {
            0 => CsumMode::Full,
            1 => CsumMode::Partial,
            _ => CsumMode::Inconsistent,
        }
    }

    /// Route the (translated) packet by its addresses and send it. The skb
    /// is consumed whether or not that works.
    pub(crate) fn output(self, v6: bool) -> (Stolen, Result) {
        if self.net.is_null() {
            // A test packet: never sent, and the caller's wrapper frees it.
            return (Stolen(()), Err(EINVAL));
        }
        // SAFETY: `skb` is ours (type invariant) and `net` its live namespace;
        // ownership passes to the helper, and `self` is consumed.
        let r = unsafe { b::tcpsplice_h_output(self.net.cast(), self.skb.as_ptr().cast(), v6) };
        (Stolen(()), to_result(r))
    }

    /// Route the packet again after its addresses changed in LOCAL_OUT (a
    /// split splice's packet, sent by this host); it then goes on its way.
    pub(crate) fn reroute(&mut self, v6: bool) -> Result {
        if self.net.is_null() {
            // A test packet: there is no namespace to route in.
            return Err(EINVAL);
        }
        // SAFETY: `skb` is valid and ours (type invariant), and `net` its live
        // namespace; the helper only replaces the skb's route.
        to_result(unsafe { b::tcpsplice_h_reroute(self.net.cast(), self.skb.as_ptr().cast(), v6) })
    }

    /// Answer a neighbour solicitation for `target` on the device the packet
    /// came in on (see `tcpsplice_h_send_na`); false if that device is not
    /// one VIPs are answered on.
    pub(crate) fn send_na(&self, target: &[u8; 16], reply_to: Option<&[u8; 16]>) -> bool {
        let r = reply_to.map_or(core::ptr::null(), |a| a.as_ptr());
        // SAFETY: `skb` is valid (type invariant); `target` has 16 readable
        // bytes and `r` is null or 16 readable bytes, for the call.
        unsafe { b::tcpsplice_h_send_na(self.skb.as_ptr().cast(), target.as_ptr(), r) }
    }

    /// The first `len` bytes from the network header, made linear first if
    /// needed; `None` if the packet is shorter.
    ///
    /// Pulling may move the data, so the slice borrows `self` mutably: no
    /// earlier view can survive it.
    pub(crate) fn network_bytes(&mut self, len: usize) -> Option<&[u8]> {
        let skb = self.skb.as_ptr();
        // SAFETY: `skb` is valid (type invariant).
        let off = unsafe { b::tcpsplice_h_network_offset(skb) } as usize;
        let need = u32::try_from(off.checked_add(len)?).ok()?;
        // SAFETY: `skb` is valid and ours (type invariant).
        if !unsafe { b::tcpsplice_h_pull(skb, need) } {
            return None;
        }
        // SAFETY: `pskb_may_pull` made `off + len` bytes from `skb->data`
        // linear, so `len` bytes from the network header are readable; the
        // borrow of `self` keeps the skb from changing meanwhile.
        Some(unsafe { core::slice::from_raw_parts(b::tcpsplice_h_network_header(skb), len) })
    }
}

// ---------------------------------------------------------------------------
// Generic netlink.

/// Generic netlink entry points: convert the raw request, run the safe
/// handler, convert the result.
macro_rules! genl_entry {
    ($name:ident => $handler:path) => {
        /// # Safety
        ///
        /// Called by the genetlink core with a valid request.
        #[no_mangle]
        unsafe extern "C" fn $name(
            _skb: *mut kernel::bindings::sk_buff,
            info: *mut kernel::bindings::genl_info,
        ) -> c_int {
            // SAFETY: The genetlink core passes a valid `info` for the call.
            let req = unsafe { Request::from_raw(info) };
            match $handler(&req) {
                Ok(()) => 0,
                Err(e) => e.to_errno(),
            }
        }
    };
}
genl_entry!(tcpsplice_nl_get_status_doit => crate::netlink::get_status);
genl_entry!(tcpsplice_nl_set_config_doit => crate::netlink::set_config);
genl_entry!(tcpsplice_nl_reset_stats_doit => crate::netlink::reset_stats);
genl_entry!(tcpsplice_nl_splice_doit => crate::netlink::splice);
genl_entry!(tcpsplice_nl_unsplice_doit => crate::netlink::unsplice);
genl_entry!(tcpsplice_nl_get_splice_doit => crate::netlink::get_splice);
genl_entry!(tcpsplice_nl_set_cluster_doit => crate::netlink::set_cluster);
genl_entry!(tcpsplice_nl_get_cluster_doit => crate::netlink::get_cluster);

/// A generic netlink request being handled.
///
/// # Invariants
///
/// `info` is valid for the lifetime of the value, and the sender's namespace
/// (held by its socket) is alive and initialised by this module.
pub(crate) struct Request {
    info: NonNull<kernel::bindings::genl_info>,
}

impl Request {
    /// # Safety
    ///
    /// `info` is a valid request passed to a genetlink handler, and the
    /// value must not outlive the handler.
    unsafe fn from_raw(info: *mut kernel::bindings::genl_info) -> Self {
        // SAFETY: Non-null by the function contract.
        let info = unsafe { NonNull::new_unchecked(info) };
        // INVARIANT: The sender's socket holds its namespace, and every
        // namespace runs `tcpsplice_rs_net_init` before userspace can use it.
        Request { info }
    }

    fn raw(&self) -> *mut kernel::bindings::genl_info {
        self.info.as_ptr().cast()
    }

    /// The state of the namespace the request came from.
    pub(crate) fn net(&self) -> &NetState {
        // SAFETY: `info` is valid (type invariant).
        let net = unsafe { b::tcpsplice_h_genl_info_net(self.raw()) };
        // SAFETY: The namespace is alive and initialised while the request
        // is (type invariant); the borrow is tied to `self`.
        unsafe { net_state(net.cast()) }
    }

    /// Attach an error message for the sender (extended ack).
    pub(crate) fn error(&self, msg: &'static CStr) {
        // SAFETY: `info` is valid; the message is static, as extack requires.
        unsafe { b::tcpsplice_h_set_err_msg(self.raw(), msg.as_char_ptr()) };
    }

    /// The `TCPSPLICE_A_CONFIG` nest, validated by its policy.
    pub(crate) fn config(&self) -> Result<ConfigAttrs> {
        let mut tb: [*mut kernel::bindings::nlattr; b::TCPSPLICE_CFG_MAX as usize + 1] =
            [core::ptr::null_mut(); b::TCPSPLICE_CFG_MAX as usize + 1];
        // SAFETY: `info` is valid and `tb` has `TCPSPLICE_CFG_MAX + 1` slots.
        to_result(unsafe { b::tcpsplice_h_parse_config(self.raw(), tb.as_mut_ptr()) })?;
        let u32_at = |i: u32| {
            let a = tb[i as usize];
            // SAFETY: A non-null entry points into the request and was checked
            // by the policy to be a u32.
            (!a.is_null()).then(|| unsafe { b::tcpsplice_h_nla_get_u32(a) })
        };
        Ok(ConfigAttrs {
            max_splices: u32_at(b::TCPSPLICE_CFG_MAX_SPLICES),
            idle_timeout: u32_at(b::TCPSPLICE_CFG_IDLE_TIMEOUT),
        })
    }

    /// The `TCPSPLICE_A_SPLICE` nest, validated by its policy.
    pub(crate) fn splice_attrs(&self) -> Result<SpliceAttrs> {
        let mut tb: [*mut kernel::bindings::nlattr; b::TCPSPLICE_SPLICE_MAX as usize + 1] =
            [core::ptr::null_mut(); b::TCPSPLICE_SPLICE_MAX as usize + 1];
        // SAFETY: `info` is valid and `tb` has `TCPSPLICE_SPLICE_MAX + 1` slots.
        to_result(unsafe { b::tcpsplice_h_parse_splice(self.raw(), tb.as_mut_ptr()) })?;
        let id = tb[b::TCPSPLICE_SPLICE_ID as usize];
        // SAFETY: A non-null entry points into the request and the policy
        // checked that it is a u64.
        let id = (!id.is_null()).then(|| unsafe { b::tcpsplice_h_nla_get_u64(id) });
        let conn = |attr: u32| -> Result<Option<ConnAttrs>> {
            let nest = tb[attr as usize];
            if nest.is_null() {
                return Ok(None);
            }
            let mut t: [*mut kernel::bindings::nlattr; b::TCPSPLICE_CONN_MAX as usize + 1] =
                [core::ptr::null_mut(); b::TCPSPLICE_CONN_MAX as usize + 1];
            // SAFETY: `nest` points into the request; `t` has enough slots.
            to_result(unsafe { b::tcpsplice_h_parse_conn(self.raw(), nest, t.as_mut_ptr()) })?;
            let bytes = |i: u32| -> Option<&[u8]> {
                let a = t[i as usize];
                if a.is_null() {
                    return None;
                }
                // SAFETY: `a` points into the request, which outlives the
                // returned borrow (it lives as long as `self`); the policy
                // bounded its length.
                unsafe {
                    let len = b::tcpsplice_h_nla_len(a).max(0) as usize;
                    Some(core::slice::from_raw_parts(
                        b::tcpsplice_h_nla_data(a).cast::<u8>(),
                        len,
                    ))
                }
            };
            let port = |i: u32| {
                let a = t[i as usize];
                // SAFETY: Non-null entries point into the request and the
                // policy checked they are u16.
                (!a.is_null()).then(|| unsafe { b::tcpsplice_h_nla_get_u16(a) })
            };
            let addr = |i: u32| {
                bytes(i).map(|d| {
                    let mut a = [0u8; 16];
                    let n = d.len().min(16);
                    a[..n].copy_from_slice(&d[..n]);
                    (a, d.len())
                })
            };
            Ok(Some(ConnAttrs {
                local_addr: addr(b::TCPSPLICE_CONN_LOCAL_ADDR),
                local_port: port(b::TCPSPLICE_CONN_LOCAL_PORT),
                remote_addr: addr(b::TCPSPLICE_CONN_REMOTE_ADDR),
                remote_port: port(b::TCPSPLICE_CONN_REMOTE_PORT),
            }))
        };
        Ok(SpliceAttrs {
            id,
            client: conn(b::TCPSPLICE_SPLICE_CLIENT)?,
            backend: conn(b::TCPSPLICE_SPLICE_BACKEND)?,
        })
    }

    /// The local TCP socket of connection `t` in the sender's namespace.
    pub(crate) fn lookup_sock(
        &self,
        family: crate::splice_core::splice::Family,
        t: &crate::splice_core::splice::Tuple,
    ) -> Option<sock::Sock> {
        // SAFETY: `info` is valid (type invariant).
        let net = unsafe { b::tcpsplice_h_genl_info_net(self.raw()) };
        // SAFETY: The sender's namespace is alive during the request.
        unsafe { sock::Sock::lookup(net.cast(), family, t) }
    }

    /// Hold `at` in the sender's namespace for a splice.
    pub(crate) fn reserve_port(
        &self,
        family: crate::splice_core::splice::Family,
        at: &crate::splice_core::splice::Endpoint,
    ) -> Option<sock::Reservation> {
        // SAFETY: `info` is valid (type invariant).
        let net = unsafe { b::tcpsplice_h_genl_info_net(self.raw()) };
        // SAFETY: The sender's namespace is alive during the request, and
        // genetlink handlers run in process context.
        unsafe { sock::Reservation::new(net.cast(), family, at) }
    }

    /// Start the reply to this request.
    pub(crate) fn reply(&self, cmd: u8) -> Result<Reply<'_>> {
        // SAFETY: Allocates a new message; no preconditions.
        let skb = NonNull::new(unsafe { b::tcpsplice_h_reply_new() }).ok_or(ENOMEM)?;
        // SAFETY: `skb` is new and ours, `info` is valid.
        let hdr = unsafe { b::tcpsplice_h_reply_put(skb.as_ptr().cast(), self.raw(), cmd) };
        let Some(hdr) = NonNull::new(hdr) else {
            // SAFETY: `skb` is ours and not handed to anyone.
            unsafe { b::tcpsplice_h_reply_free(skb.as_ptr().cast()) };
            return Err(EMSGSIZE);
        };
        // INVARIANT: Both come from a successful start of a reply.
        Ok(Reply {
            w: Writer { skb },
            hdr,
            req: self,
        })
    }
}

/// The attributes of a `TCPSPLICE_A_CONFIG` nest, each optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ConfigAttrs {
    pub(crate) max_splices: Option<u32>,
    pub(crate) idle_timeout: Option<u32>,
}

/// Writes attributes into a netlink message.
///
/// # Invariants
///
/// `skb` is a netlink message being built, writable by the holder.
pub(crate) struct Writer {
    skb: NonNull<kernel::bindings::sk_buff>,
}

/// An open attribute nest in a [`Writer`]'s message.
pub(crate) struct Nest(NonNull<kernel::bindings::nlattr>);

impl Writer {
    fn skb(&self) -> *mut kernel::bindings::sk_buff {
        self.skb.as_ptr().cast()
    }

    /// Add a u64 attribute, padded with the attribute `pad`.
    pub(crate) fn put_u64(&mut self, attr: u32, value: u64, pad: u32) -> Result {
        // SAFETY: `skb` is writable (type invariant).
        to_result(unsafe { b::tcpsplice_h_put_u64(self.skb(), attr as c_int, value, pad as c_int) })
    }

    /// Add a u32 attribute.
    pub(crate) fn put_u32(&mut self, attr: u32, value: u32) -> Result {
        // SAFETY: `skb` is writable (type invariant).
        to_result(unsafe { b::tcpsplice_h_put_u32(self.skb(), attr as c_int, value) })
    }

    /// Add a u16 attribute.
    pub(crate) fn put_u16(&mut self, attr: u32, value: u16) -> Result {
        // SAFETY: `skb` is writable (type invariant).
        to_result(unsafe { b::tcpsplice_h_put_u16(self.skb(), attr as c_int, value) })
    }

    /// Add a u8 attribute.
    pub(crate) fn put_u8(&mut self, attr: u32, value: u8) -> Result {
        // SAFETY: `skb` is writable (type invariant).
        to_result(unsafe { b::tcpsplice_h_put_u8(self.skb(), attr as c_int, value) })
    }

    /// Add a flag attribute.
    pub(crate) fn put_flag(&mut self, attr: u32) -> Result {
        // SAFETY: `skb` is writable (type invariant).
        to_result(unsafe { b::tcpsplice_h_put_flag(self.skb(), attr as c_int) })
    }

    /// Add a binary attribute.
    pub(crate) fn put_bytes(&mut self, attr: u32, data: &[u8]) -> Result {
        // SAFETY: `skb` is writable (type invariant); `data` is readable for
        // its length.
        to_result(unsafe {
            b::tcpsplice_h_put_binary(
                self.skb(),
                attr as c_int,
                data.as_ptr().cast(),
                data.len() as c_int,
            )
        })
    }

    /// Add a string attribute.
    pub(crate) fn put_str(&mut self, attr: u32, value: &CStr) -> Result {
        // SAFETY: `skb` is writable (type invariant); `value` is NUL-terminated.
        to_result(unsafe {
            b::tcpsplice_h_put_string(self.skb(), attr as c_int, value.as_char_ptr())
        })
    }

    /// Open a nest.
    pub(crate) fn nest(&mut self, attr: u32) -> Result<Nest> {
        // SAFETY: `skb` is writable (type invariant).
        let start = unsafe { b::tcpsplice_h_nest_start(self.skb(), attr as c_int) };
        NonNull::new(start).map(Nest).ok_or(EMSGSIZE)
    }

    /// Close a nest opened with [`Writer::nest`].
    pub(crate) fn end(&mut self, nest: Nest) {
        // SAFETY: `skb` is writable and `nest` was opened in it.
        unsafe { b::tcpsplice_h_nest_end(self.skb(), nest.0.as_ptr()) };
    }
}

/// The attributes of a `TCPSPLICE_A_SPLICE` nest, each optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SpliceAttrs {
    pub(crate) id: Option<u64>,
    pub(crate) client: Option<ConnAttrs>,
    pub(crate) backend: Option<ConnAttrs>,
}

/// The attributes of a connection nest: addresses (padded to 16 bytes, with
/// their length as sent) and ports, each optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ConnAttrs {
    pub(crate) local_addr: Option<([u8; 16], usize)>,
    pub(crate) local_port: Option<u16>,
    pub(crate) remote_addr: Option<([u8; 16], usize)>,
    pub(crate) remote_port: Option<u16>,
}

/// A reply message under construction; freed if dropped unsent.
///
/// # Invariants
///
/// `w.skb` is an owned netlink message whose genetlink header is `hdr`.
pub(crate) struct Reply<'a> {
    w: Writer,
    hdr: NonNull<c_void>,
    req: &'a Request,
}

impl core::ops::Deref for Reply<'_> {
    type Target = Writer;
    fn deref(&self) -> &Writer {
        &self.w
    }
}

impl core::ops::DerefMut for Reply<'_> {
    fn deref_mut(&mut self) -> &mut Writer {
        &mut self.w
    }
}

impl Reply<'_> {
    /// Finish and send the reply.
    pub(crate) fn send(self) -> Result {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: Ownership of `skb` passes to `genlmsg_reply`, and `this` is
        // not dropped, so it is not freed twice.
        to_result(unsafe {
            b::tcpsplice_h_reply_send(this.w.skb(), this.hdr.as_ptr(), this.req.raw())
        })
    }
}

impl Drop for Reply<'_> {
    fn drop(&mut self) {
        // SAFETY: `skb` is owned and was not sent (else `send` skipped drop).
        unsafe { b::tcpsplice_h_reply_free(self.w.skb()) };
    }
}

/// A dump in progress: messages go into the skb netlink gives us.
///
/// # Invariants
///
/// `skb` and `cb` are the dump's, valid for the call of the dump handler.
pub(crate) struct Dump {
    skb: NonNull<kernel::bindings::sk_buff>,
    cb: NonNull<kernel::bindings::netlink_callback>,
}

impl Dump {
    /// The state of the namespace the dump is for.
    pub(crate) fn net(&self) -> &NetState {
        // SAFETY: `cb` is valid (type invariant).
        let net = unsafe { b::tcpsplice_h_dump_net(self.cb.as_ptr().cast()) };
        // SAFETY: The requesting socket holds its namespace alive, and every
        // namespace is initialised by this module before userspace can use it.
        unsafe { net_state(net.cast()) }
    }

    /// The dump's cursor (kept across calls), initially 0.
    pub(crate) fn cursor(&mut self) -> &mut i64 {
        // SAFETY: `cb` is valid (type invariant); `args` has 6 slots.
        let args = unsafe { b::tcpsplice_h_dump_args(self.cb.as_ptr().cast()) };
        // SAFETY: As above; `long` is 64 bits on every architecture this
        // module builds for (checked at compile time below).
        unsafe { &mut *args.cast::<i64>() }
    }

    /// Add one message of command `cmd`, filled by `f`. Returns `false`
    /// (with nothing added) when the skb is full.
    pub(crate) fn message(&mut self, cmd: u8, f: impl FnOnce(&mut Writer) -> Result) -> bool {
        let skb = self.skb.as_ptr().cast();
        // SAFETY: `skb` and `cb` are the dump's (type invariant).
        let hdr = unsafe { b::tcpsplice_h_dump_put(skb, self.cb.as_ptr().cast(), cmd) };
        if hdr.is_null() {
            return false;
        }
        // INVARIANT: The dump's skb is ours to write while the handler runs.
        let mut w = Writer { skb: self.skb };
        if f(&mut w).is_err() {
            // SAFETY: `hdr` was just put in `skb`.
            unsafe { b::tcpsplice_h_dump_cancel(skb, hdr) };
            return false;
        }
        // SAFETY: As above.
        unsafe { b::tcpsplice_h_dump_end(skb, hdr) };
        true
    }

    /// What the dump handler returns: the bytes written so far.
    pub(crate) fn len(&self) -> c_int {
        // SAFETY: `skb` is valid (type invariant).
        unsafe { b::tcpsplice_h_skb_len(self.skb.as_ptr().cast()) }
    }
}

const _: () = assert!(core::mem::size_of::<core::ffi::c_long>() == 8);

/// The dump handler of `TCPSPLICE_CMD_GET_SPLICE`.
///
/// # Safety
///
/// Called by the genetlink core with a valid skb and callback.
#[no_mangle]
unsafe extern "C" fn tcpsplice_nl_get_splice_dumpit(
    skb: *mut kernel::bindings::sk_buff,
    cb: *mut kernel::bindings::netlink_callback,
) -> c_int {
    let (Some(skb), Some(cb)) = (NonNull::new(skb), NonNull::new(cb)) else {
        return EINVAL.to_errno();
    };
    // INVARIANT: Valid for this call (function contract).
    let mut d = Dump { skb, cb };
    match crate::netlink::dump_splices(&mut d) {
        Ok(()) => d.len(),
        Err(e) => e.to_errno(),
    }
}

/// Packets built by KUnit tests.
#[cfg(CONFIG_KUNIT)]
pub(crate) mod test_support {
    use super::*;

    /// An skb holding `data` as its network header onwards, for tests.
    ///
    /// # Invariants
    ///
    /// `skb` is owned.
    pub(crate) struct TestSkb(NonNull<kernel::bindings::sk_buff>);

    impl TestSkb {
        /// Build a packet of protocol `ethertype` from `data`.
        pub(crate) fn new(data: &[u8], ethertype: u16) -> Result<Self> {
            // SAFETY: `data` is readable for its length.
            let skb =
                unsafe { b::tcpsplice_h_test_skb(data.as_ptr(), data.len() as u32, ethertype) };
            NonNull::new(skb.cast()).map(TestSkb).ok_or(ENOMEM)
        }

        /// Mark it `CHECKSUM_PARTIAL`, the checksum starting `l4` bytes
        /// after the network header at offset `csum_offset`.
        pub(crate) fn set_partial(&mut self, l4: usize, csum_offset: u16) {
            // SAFETY: Owned (type invariant); the helper only sets fields.
            unsafe {
                b::tcpsplice_h_test_skb_partial(self.0.as_ptr().cast(), l4 as u32, csum_offset)
            };
        }

        /// Borrow it as a hook would see it.
        pub(crate) fn as_skb(&mut self) -> Skb<'_> {
            // SAFETY: Owned (type invariant) and exclusively borrowed.
            unsafe { Skb::from_raw(self.0.as_ptr(), core::ptr::null_mut()) }
        }
    }

    impl Drop for TestSkb {
        fn drop(&mut self) {
            // SAFETY: Owned (type invariant).
            unsafe { b::tcpsplice_h_test_skb_free(self.0.as_ptr().cast()) };
        }
    }
}
