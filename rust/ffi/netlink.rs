// SPDX-License-Identifier: GPL-2.0
//! Generic netlink: the handlers' entry points (the policies and the
//! operations table are generated: `rust/generated/netlink.c`), requests,
//! replies and dumps.

use super::netns::net_state;
use super::sock;
use crate::bindings as b;
use crate::netns::NetState;
use core::ptr::NonNull;
use kernel::error::to_result;
use kernel::prelude::*;

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
genl_entry!(tcpsplice_nl_attach_proxy_doit => crate::netlink::attach_proxy);

/// A generic netlink socket of `net` with port `portid` closed (the
/// netlink notifier in `rust/ffi/netlink.c`): a proxy attached with
/// `ATTACH_PROXY` may be gone.
///
/// # Safety
///
/// Called in process context with `net` alive (the closing socket holds it).
#[no_mangle]
unsafe extern "C" fn tcpsplice_rs_genl_release(net: *mut kernel::bindings::net, portid: u32) {
    // SAFETY: `net` is alive (function contract); the borrow ends here.
    if let Some(state) = unsafe { super::netns::try_net_state(net) } {
        state.cluster().proxy_released(portid);
    }
}

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

    pub(super) fn raw(&self) -> *mut kernel::bindings::genl_info {
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

    /// The netlink port of the sender's socket.
    pub(crate) fn portid(&self) -> u32 {
        // SAFETY: `info` is valid (type invariant).
        unsafe { b::tcpsplice_h_genl_portid(self.raw()) }
    }

    /// A top-level u32 attribute, if the request carries it (its policy
    /// checked the type).
    pub(crate) fn u32_attr(&self, attr: u32) -> Option<u32> {
        // SAFETY: `info` is valid (type invariant).
        let a = unsafe { b::tcpsplice_h_genl_attr(self.raw(), attr as c_int) };
        // SAFETY: A non-null entry points into the request and was checked
        // by the policy to be a u32.
        (!a.is_null()).then(|| unsafe { b::tcpsplice_h_nla_get_u32(a) })
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

/// Whether anyone listens to splice events in `net` (the "splices" group).
pub(crate) fn splice_listeners(net: &super::cluster::Net) -> bool {
    // SAFETY: The namespace is alive (`Net`'s invariant).
    unsafe { b::tcpsplice_h_splice_listeners(net.raw()) }
}

/// Multicast one splice event to the "splices" group of `net`, its
/// attributes written by `f`: nothing when no one listens or memory is
/// short, or when `f` fails (the message is dropped). Any context.
pub(crate) fn splice_event(net: &super::cluster::Net, f: impl FnOnce(&mut Writer) -> Result) {
    let mut hdr: *mut c_void = core::ptr::null_mut();
    // SAFETY: The namespace is alive (`Net`'s invariant); `hdr` is writable.
    let skb = unsafe { b::tcpsplice_h_splice_event_start(net.raw(), &mut hdr) };
    let Some(skb) = NonNull::new(skb) else {
        return;
    };
    // INVARIANT: A message being built, ours until it is sent or freed.
    let mut w = Writer { skb: skb.cast() };
    if f(&mut w).is_err() {
        // SAFETY: `skb` is ours and was not handed to anyone.
        unsafe { b::tcpsplice_h_reply_free(skb.as_ptr()) };
        return;
    }
    // SAFETY: `skb` and `hdr` come from the start above; ownership of `skb`
    // passes to the multicast.
    unsafe { b::tcpsplice_h_splice_event_send(net.raw(), skb.as_ptr(), hdr) };
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
