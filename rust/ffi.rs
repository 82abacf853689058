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

// ---------------------------------------------------------------------------
// Registration of the module-wide objects.

/// The pernet operations and the genetlink family, registered for the
/// lifetime of the module.
///
/// # Invariants
///
/// Both `tcpsplice_h_register_pernet` and `tcpsplice_h_register_genl` have
/// succeeded and neither has been undone.
pub(crate) struct Registration(());

impl Registration {
    /// Register per-namespace state (which runs [`NetState::new`] for every
    /// existing namespace) and then the genetlink family.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: Called once from module init; the pernet operations are a
        // static table in helpers.c that outlives the registration.
        to_result(unsafe { b::tcpsplice_h_register_pernet() })?;
        // SAFETY: As above, for the static genetlink family.
        if let Err(e) = to_result(unsafe { b::tcpsplice_h_register_genl() }) {
            // SAFETY: The pernet operations were registered just above.
            unsafe { b::tcpsplice_h_unregister_pernet() };
            return Err(e);
        }
        // INVARIANT: Both registrations succeeded.
        Ok(Registration(()))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // The family goes first: `genl_unregister_family` waits for running
        // handlers, so none can look at a namespace's state after this.
        // SAFETY: Registered, by the type invariant.
        unsafe { b::tcpsplice_h_unregister_genl() };
        // SAFETY: Registered, by the type invariant. This runs the exit
        // callback, and so frees the state, for every namespace.
        unsafe { b::tcpsplice_h_unregister_pernet() };
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
    let state = match NetState::new(cookie) {
        Ok(s) => s,
        Err(e) => return e.to_errno(),
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
        drop(unsafe { KBox::<NetSlot>::from_raw(raw.cast()) });
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
    ops: KBox<[Opaque<b::nf_hook_ops>; 2]>,
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
                  hook: unsafe extern "C" fn(
            *mut c_void,
            *mut kernel::bindings::sk_buff,
            *const b::nf_hook_state,
        ) -> c_uint| {
            Opaque::new(b::nf_hook_ops {
                hook: Some(hook),
                priv_,
                pf: pf as u8,
                hooknum: kernel::bindings::nf_inet_hooks_NF_INET_PRE_ROUTING,
                priority: HOOK_PRIORITY,
                ..Default::default()
            })
        };
        let ops = KBox::new(
            [
                op(kernel::bindings::NFPROTO_IPV4, hook_pre_routing::<false>),
                op(kernel::bindings::NFPROTO_IPV6, hook_pre_routing::<true>),
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

/// The PRE_ROUTING hook, for IPv4 (`V6 == false`) or IPv6.
///
/// # Safety
///
/// Called by netfilter with the `priv` given at registration and a valid skb
/// that the caller owns for the duration of the call.
unsafe extern "C" fn hook_pre_routing<const V6: bool>(
    priv_: *mut c_void,
    skb: *mut kernel::bindings::sk_buff,
    _state: *const b::nf_hook_state,
) -> c_uint {
    // SAFETY: `priv_` is the `NetState` given at registration, alive until the
    // hooks are unregistered; netfilter passes a valid, exclusively held skb.
    let (state, mut skb) = unsafe { (&*priv_.cast::<NetState>(), Skb::from_raw(skb)) };
    let family = if V6 {
        crate::hooks::Family::V6
    } else {
        crate::hooks::Family::V4
    };
    crate::hooks::pre_routing(state, &mut skb, family).into()
}

/// What a hook tells netfilter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Let the packet continue.
    Accept,
}

impl From<Verdict> for c_uint {
    fn from(v: Verdict) -> c_uint {
        match v {
            Verdict::Accept => kernel::bindings::NF_ACCEPT,
        }
    }
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
    _p: core::marker::PhantomData<&'a mut kernel::bindings::sk_buff>,
}

impl<'a> Skb<'a> {
    /// # Safety
    ///
    /// `skb` is valid, non-null and exclusively held by the caller for `'a`.
    unsafe fn from_raw(skb: *mut kernel::bindings::sk_buff) -> Self {
        // SAFETY: Non-null by the function contract.
        let skb = unsafe { NonNull::new_unchecked(skb) };
        // INVARIANT: By the function contract.
        Skb {
            skb,
            _p: core::marker::PhantomData,
        }
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
genl_entry!(tcpsplice_rs_get_status => crate::netlink::get_status);
genl_entry!(tcpsplice_rs_set_config => crate::netlink::set_config);
genl_entry!(tcpsplice_rs_reset_stats => crate::netlink::reset_stats);

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
            skb,
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

/// A reply message under construction; freed if dropped unsent.
///
/// # Invariants
///
/// `skb` is an owned netlink message whose genetlink header is `hdr`.
pub(crate) struct Reply<'a> {
    skb: NonNull<kernel::bindings::sk_buff>,
    hdr: NonNull<c_void>,
    req: &'a Request,
}

/// An open attribute nest in a [`Reply`].
pub(crate) struct Nest(NonNull<kernel::bindings::nlattr>);

impl Reply<'_> {
    fn skb(&self) -> *mut kernel::bindings::sk_buff {
        self.skb.as_ptr().cast()
    }

    /// Add a u64 attribute (padded with `TCPSPLICE_A_PAD`-style `pad`).
    pub(crate) fn put_u64(&mut self, attr: u32, value: u64, pad: u32) -> Result {
        // SAFETY: `skb` is owned (type invariant).
        to_result(unsafe { b::tcpsplice_h_put_u64(self.skb(), attr as c_int, value, pad as c_int) })
    }

    /// Add a u32 attribute.
    pub(crate) fn put_u32(&mut self, attr: u32, value: u32) -> Result {
        // SAFETY: `skb` is owned (type invariant).
        to_result(unsafe { b::tcpsplice_h_put_u32(self.skb(), attr as c_int, value) })
    }

    /// Add a string attribute.
    pub(crate) fn put_str(&mut self, attr: u32, value: &CStr) -> Result {
        // SAFETY: `skb` is owned (type invariant); `value` is NUL-terminated.
        to_result(unsafe {
            b::tcpsplice_h_put_string(self.skb(), attr as c_int, value.as_char_ptr())
        })
    }

    /// Open a nest.
    pub(crate) fn nest(&mut self, attr: u32) -> Result<Nest> {
        // SAFETY: `skb` is owned (type invariant).
        let start = unsafe { b::tcpsplice_h_nest_start(self.skb(), attr as c_int) };
        NonNull::new(start).map(Nest).ok_or(EMSGSIZE)
    }

    /// Close a nest opened with [`Reply::nest`].
    pub(crate) fn end(&mut self, nest: Nest) {
        // SAFETY: `skb` is owned and `nest` was opened in it.
        unsafe { b::tcpsplice_h_nest_end(self.skb(), nest.0.as_ptr()) };
    }

    /// Finish and send the reply.
    pub(crate) fn send(self) -> Result {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: Ownership of `skb` passes to `genlmsg_reply`, and `this` is
        // not dropped, so it is not freed twice.
        to_result(unsafe {
            b::tcpsplice_h_reply_send(this.skb(), this.hdr.as_ptr(), this.req.raw())
        })
    }
}

impl Drop for Reply<'_> {
    fn drop(&mut self) {
        // SAFETY: `skb` is owned and was not sent (else `send` skipped drop).
        unsafe { b::tcpsplice_h_reply_free(self.skb()) };
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

        /// Borrow it as a hook would see it.
        pub(crate) fn as_skb(&mut self) -> Skb<'_> {
            // SAFETY: Owned (type invariant) and exclusively borrowed.
            unsafe { Skb::from_raw(self.0.as_ptr()) }
        }
    }

    impl Drop for TestSkb {
        fn drop(&mut self) {
            // SAFETY: Owned (type invariant).
            unsafe { b::tcpsplice_h_test_skb_free(self.0.as_ptr().cast()) };
        }
    }
}
