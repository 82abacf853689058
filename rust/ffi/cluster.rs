// SPDX-License-Identifier: GPL-2.0
//! The cluster's C mechanics (`rust/ffi/cluster.c`), wrapped: the namespace
//! handle used for announcements and events, the sync socket with its work
//! items, the callbacks those work items and the ARP handler make, and the
//! parsing of `TCPSPLICE_A_CLUSTER`.

use super::netlink::Request;
use super::netns::net_state;
use crate::bindings as b;
use crate::netns::NetState;
use crate::splice_core::cluster::{Config, MAX_OWNERS};
use crate::splice_core::siphash::Key as SipKey;
use crate::splice_core::splice::{Endpoint, Family, Tuple};
use crate::splice_core::sync::Addr;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::sync::{new_mutex, Mutex, MutexGuard};

/// A network namespace, for the cluster's announcements and events.
///
/// # Invariants
///
/// The namespace is alive while this value exists: it is created in the
/// namespace's init and lives in its state, which its exit frees.
pub(crate) struct Net(NonNull<kernel::bindings::net>);

// SAFETY: A namespace pointer may be used from any thread; the functions
// called through it do their own locking.
unsafe impl Send for Net {}
// SAFETY: As above.
unsafe impl Sync for Net {}

impl Net {
    /// # Safety
    ///
    /// `net` stays alive for as long as the returned value.
    pub(crate) unsafe fn new(net: *mut kernel::bindings::net) -> Option<Self> {
        // INVARIANT: The caller keeps `net` alive.
        NonNull::new(net).map(Net)
    }

    pub(super) fn raw(&self) -> *mut kernel::bindings::net {
        self.0.as_ptr()
    }

    /// Tell the link-layer neighbours that this node now answers for `a`
    /// (gratuitous ARP, or unsolicited neighbour advertisement). Returns how
    /// many devices it was sent on.
    pub(crate) fn announce(&self, a: &Addr) -> u32 {
        // SAFETY: The namespace is alive (type invariant); the address has
        // 16 readable bytes.
        unsafe { b::tcpsplice_h_announce(self.raw(), a.addr.as_ptr(), a.v6) }
    }

    /// Send `pkt`, a whole IP packet this module built, routed by its
    /// addresses (any context).
    pub(crate) fn send_built(&self, pkt: &[u8], v6: bool) -> Result {
        let len = u32::try_from(pkt.len()).map_err(|_| EINVAL)?;
        // SAFETY: The namespace is alive (type invariant); `pkt` has `len`
        // readable bytes, which the helper copies into a new skb.
        to_result(unsafe { b::tcpsplice_h_send_built(self.raw(), pkt.as_ptr(), len, v6) })
    }

    /// What this host's socket of connection `t` says about its peer's FIN.
    pub(crate) fn peer_fin(&self, family: Family, t: &Tuple) -> super::sock::PeerFin {
        // SAFETY: The namespace is alive (type invariant).
        unsafe { super::sock::peer_fin(self.raw(), family, t) }
    }

    /// Hold port `at` here (see [`super::sock::Reservation`]). Process
    /// context.
    pub(crate) fn reserve_port(
        &self,
        family: Family,
        at: &Endpoint,
    ) -> Option<super::sock::Reservation> {
        // SAFETY: The namespace is alive (type invariant); process context
        // (by contract).
        unsafe { super::sock::Reservation::new(self.raw().cast(), family, at) }
    }

    /// Whether `a` is an address of this host here. Process context.
    pub(crate) fn is_local(&self, a: &Addr) -> bool {
        // SAFETY: The namespace is alive (type invariant); the address has
        // 16 readable bytes; called in process context (by contract).
        unsafe { b::tcpsplice_h_addr_is_local(self.raw(), a.addr.as_ptr(), a.v6) }
    }

    /// The devices an IPv6 VIP is answered on (ifindexes, at most `N`).
    pub(crate) fn vip_devs<const N: usize>(&self) -> ([i32; N], usize) {
        let mut out = [0i32; N];
        // SAFETY: The namespace is alive (type invariant); `out` has room
        // for `N` ifindexes.
        let n = unsafe { b::tcpsplice_h_vip_devs(self.raw(), out.as_mut_ptr(), N as u32) };
        (out, n as usize)
    }

    /// Join (`true`) or leave the solicited-node group of IPv6 address `a`
    /// on device `ifindex`. Process context.
    pub(crate) fn vip_group(&self, a: &Addr, ifindex: i32, join: bool) -> Result {
        // SAFETY: The namespace is alive (type invariant); the address has
        // 16 readable bytes; called in process context (by contract).
        to_result(unsafe { b::tcpsplice_h_vip_group(self.raw(), a.addr.as_ptr(), ifindex, join) })
    }

    /// Report a cluster event to the namespace's "events" listeners.
    pub(crate) fn event(&self, kind: u32, node: u32, vip: Option<&Addr>) {
        let (p, v6) = match vip {
            Some(a) => (a.addr.as_ptr(), a.v6),
            None => (core::ptr::null(), false),
        };
        // SAFETY: The namespace is alive; `p` is null or 16 readable bytes.
        // Called in process context (it allocates with GFP_KERNEL).
        unsafe { b::tcpsplice_h_event(self.raw(), kind as u8, node, p, v6) };
    }
}

/// The sync socket of a namespace and its work items (receive, send, tick).
///
/// # Invariants
///
/// `0` came from a successful `tcpsplice_h_csock_new` and is freed only by
/// `Drop`, which stops the work items first.
pub(crate) struct CSock(NonNull<b::tcpsplice_csock>);

// SAFETY: The C object is used from work items on any CPU; its own fields
// are set once or accessed with READ_ONCE/WRITE_ONCE.
unsafe impl Send for CSock {}
// SAFETY: As above.
unsafe impl Sync for CSock {}

impl CSock {
    /// Bind UDP `port` (IPv4 and IPv6) in `net` and start the work items,
    /// which call [`crate::cluster`] with `state`.
    ///
    /// # Safety
    ///
    /// `state` outlives the returned value (it owns it).
    unsafe fn new(net: &Net, port: u16, interval_ms: u32, state: &NetState) -> Result<Self> {
        let mut err: c_int = 0;
        // SAFETY: The namespace is alive; `state` outlives the socket (the
        // function contract), and its address is stable (it is pinned).
        let c = unsafe {
            b::tcpsplice_h_csock_new(
                net.raw(),
                port,
                interval_ms,
                core::ptr::from_ref(state).cast_mut().cast(),
                &mut err,
            )
        };
        match NonNull::new(c) {
            // INVARIANT: Created successfully.
            Some(c) => Ok(CSock(c)),
            None => Err(Error::from_errno(err)),
        }
    }

    /// Change the tick period.
    pub(crate) fn set_interval(&self, ms: u32) {
        // SAFETY: Valid by the type invariant.
        unsafe { b::tcpsplice_h_csock_set_interval(self.0.as_ptr(), ms) };
    }

    /// Run the send work soon (new updates are queued).
    pub(crate) fn kick(&self) {
        // SAFETY: Valid by the type invariant.
        unsafe { b::tcpsplice_h_csock_kick(self.0.as_ptr()) };
    }
}

impl Drop for CSock {
    fn drop(&mut self) {
        // SAFETY: Valid and ours (type invariant); it stops and waits for
        // the work items, so no callback runs after this.
        unsafe { b::tcpsplice_h_csock_free(self.0.as_ptr()) };
    }
}

/// Where a namespace's sync socket lives while it runs: the slot inside
/// that namespace's [`NetState`] (its cluster's, [`SockSlot::start`]
/// checks), so that the state its work items call back with outlives it.
/// The namespace's exit empties the slot before the state is dropped
/// (`tcpsplice_rs_net_exit`); nothing takes the socket out of it.
#[pin_data]
pub(crate) struct SockSlot {
    #[pin]
    sock: Mutex<Option<CSock>>,
}

impl SockSlot {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(SockSlot {
            sock <- new_mutex!(None),
        })
    }

    pub(crate) fn lock(&self) -> SockGuard<'_> {
        SockGuard {
            slot: self,
            sock: self.sock.lock(),
        }
    }
}

/// A [`SockSlot`], locked.
pub(crate) struct SockGuard<'a> {
    slot: &'a SockSlot,
    sock: MutexGuard<'a, Option<CSock>>,
}

impl SockGuard<'_> {
    /// The socket, if it runs.
    pub(crate) fn get(&self) -> Option<&CSock> {
        self.sock.as_ref()
    }

    /// Stop the socket, if it runs, and wait for its work items.
    pub(crate) fn stop(&mut self) {
        *self.sock = None;
    }

    /// Start a socket on UDP `port` in `owner`'s namespace (after stopping
    /// the one that ran). `EINVAL` if this slot is not `owner`'s, `ENODEV`
    /// if `owner` has no namespace (unit tests).
    pub(crate) fn start(&mut self, owner: &NetState, port: u16, interval_ms: u32) -> Result {
        if !core::ptr::eq(self.slot, owner.cluster().sock_slot()) {
            return Err(EINVAL);
        }
        let net = owner.ns().ok_or(ENODEV)?;
        self.stop();
        // The socket goes into this slot, inside `owner` (checked above);
        // only `stop` and the slot's own drop free it.
        // SAFETY: `owner` is pinned, and the namespace's exit stops this
        // slot's socket before `owner` is dropped.
        *self.sock = Some(unsafe { CSock::new(net, port, interval_ms, owner) }?);
        Ok(())
    }
}

/// Sending on a sync socket, lent to the protocol by a work item.
///
/// # Invariants
///
/// The socket is alive for `'a` (the work item that lent it is running, and
/// freeing the socket waits for it).
pub(crate) struct Sender<'a>(NonNull<b::tcpsplice_csock>, PhantomData<&'a ()>);

impl Sender<'_> {
    /// Send one datagram to `to`:`port`.
    pub(crate) fn send(&self, to: &Addr, port: u16, data: &[u8]) -> Result {
        let len = u32::try_from(data.len()).map_err(|_| EMSGSIZE)?;
        // SAFETY: The socket is alive (type invariant); the address has 16
        // readable bytes and `data` is `len` bytes.
        let n = unsafe {
            b::tcpsplice_h_csock_send(
                self.0.as_ptr(),
                to.addr.as_ptr(),
                to.v6,
                port,
                data.as_ptr().cast(),
                len,
            )
        };
        to_result(n.min(0))
    }

    /// How late the socket's work ran since the last call, and the
    /// datagrams its receive queue dropped (full) since it was made.
    pub(crate) fn lateness(&self) -> Lateness {
        let (mut tick_ms, mut rx_ms, mut rx_drops) = (0u32, 0u32, 0u64);
        // SAFETY: The socket is alive (type invariant); the three pointers
        // are to locals.
        unsafe {
            b::tcpsplice_h_csock_lateness(self.0.as_ptr(), &mut tick_ms, &mut rx_ms, &mut rx_drops)
        };
        Lateness {
            tick_ms,
            rx_ms,
            rx_drops,
        }
    }
}

/// What [`Sender::lateness`] reports.
pub(crate) struct Lateness {
    /// The most a tick ran after it was due.
    pub(crate) tick_ms: u32,
    /// The most the receive work ran after a datagram asked for it.
    pub(crate) rx_ms: u32,
    /// Datagrams the socket dropped, in all.
    pub(crate) rx_drops: u64,
}

/// # Safety
///
/// `ctx` is the `NetState` given to [`CSock::new`], alive; `c` is that
/// socket, alive for the call.
unsafe fn callback<'a>(
    ctx: *mut c_void,
    c: *mut b::tcpsplice_csock,
) -> Option<(&'a NetState, Sender<'a>)> {
    let c = NonNull::new(c)?;
    // SAFETY: By the function contract.
    let net = unsafe { &*ctx.cast::<NetState>() };
    // INVARIANT: The socket is alive while its work item runs.
    Some((net, Sender(c, PhantomData)))
}

/// An address handed over by C.
///
/// # Safety
///
/// `addr` has 16 readable bytes if `v6`, else 4.
unsafe fn addr_at(addr: *const u8, v6: bool) -> Addr {
    let mut a = Addr { v6, addr: [0; 16] };
    let n = if v6 { 16 } else { 4 };
    // SAFETY: `addr` has `n` readable bytes (function contract).
    a.addr[..n].copy_from_slice(unsafe { core::slice::from_raw_parts(addr, n) });
    a
}

/// A datagram arrived on the sync socket.
///
/// # Safety
///
/// Called by the receive work item: `ctx` and `c` as for [`callback`],
/// `data` is `len` readable bytes, `addr` 4 (IPv4) or 16 readable bytes.
#[no_mangle]
unsafe extern "C" fn tcpsplice_rs_cluster_rx(
    ctx: *mut c_void,
    c: *mut b::tcpsplice_csock,
    data: *const u8,
    len: u32,
    truncated: bool,
    addr: *const u8,
    v6: bool,
) {
    // SAFETY: By the function contract.
    let Some((net, tx)) = (unsafe { callback(ctx, c) }) else {
        return;
    };
    // SAFETY: By the function contract.
    let d = unsafe { core::slice::from_raw_parts(data, len as usize) };
    // SAFETY: By the function contract.
    let from = unsafe { addr_at(addr, v6) };
    crate::cluster::receive(net, &tx, d, truncated, &from);
}

/// The periodic tick.
///
/// # Safety
///
/// Called by the tick work item, `ctx` and `c` as for [`callback`].
#[no_mangle]
unsafe extern "C" fn tcpsplice_rs_cluster_tick(ctx: *mut c_void, c: *mut b::tcpsplice_csock) {
    // SAFETY: By the function contract.
    if let Some((net, tx)) = unsafe { callback(ctx, c) } {
        crate::cluster::tick(net, &tx);
    }
}

/// Send queued updates.
///
/// # Safety
///
/// Called by the send work item, `ctx` and `c` as for [`callback`].
#[no_mangle]
unsafe extern "C" fn tcpsplice_rs_cluster_flush(ctx: *mut c_void, c: *mut b::tcpsplice_csock) {
    // SAFETY: By the function contract.
    if let Some((net, tx)) = unsafe { callback(ctx, c) } {
        crate::cluster::flush(net, &tx);
    }
}

/// Whether this node answers ARP for `addr` in `net` (softirq); counts
/// the answers.
///
/// # Safety
///
/// `net` is a live namespace (a device of it received the request) and
/// `addr` has 4 (IPv4) or 16 readable bytes.
#[no_mangle]
unsafe extern "C" fn tcpsplice_rs_vip_owned(
    net: *const kernel::bindings::net,
    addr: *const u8,
    v6: bool,
) -> bool {
    // SAFETY: `net` is alive (function contract).
    if unsafe { (*b::tcpsplice_h_net_slot(net.cast())).is_null() } {
        return false;
    }
    // SAFETY: By the function contract.
    let a = unsafe { addr_at(addr, v6) };
    // The slot is set, so the namespace's init ran and its exit has not freed
    // the state: the packet handler goes before the pernet operations at
    // unload, and a namespace's devices are gone before its exit runs.
    // SAFETY: As just said, the state is alive for this call.
    let state = unsafe { net_state(net.cast()) };
    let owned = state.cluster().owns(&a);
    if owned {
        state.stats.inc(crate::stats::Counter::ArpReplies);
    }
    owned
}

/// Milliseconds of a monotonic clock.
pub(crate) fn now_ms() -> u64 {
    // SAFETY: Reads a clock; no preconditions.
    unsafe { b::tcpsplice_h_now_ms() }
}

/// Wall-clock nanoseconds (grows across reboots: the incarnation).
pub(crate) fn realtime_ns() -> u64 {
    // SAFETY: Reads a clock; no preconditions.
    unsafe { b::tcpsplice_h_realtime_ns() }
}

/// Sleep (process context only), with the kernel crate's `fsleep`.
pub(crate) fn msleep(ms: u32) {
    kernel::time::delay::fsleep(kernel::time::Delta::from_millis(i64::from(ms)));
}

/// The kernel's SipHash-2-4 (for the test that checks the core's).
#[cfg(CONFIG_KUNIT)]
pub(crate) fn kernel_siphash(key: &SipKey, data: &[u8]) -> u64 {
    // SAFETY: `data` is readable for its length; the key is two words.
    unsafe { b::tcpsplice_h_siphash(data.as_ptr().cast(), data.len() as u32, key.0.as_ptr()) }
}

fn addr(bytes: &[u8; 16], v6: u8) -> Addr {
    let mut a = Addr {
        v6: v6 != 0,
        addr: *bytes,
    };
    if !a.v6 {
        a.addr[4..].fill(0);
    }
    a
}

impl Request {
    /// The `TCPSPLICE_A_CLUSTER` nest, parsed by its policies (not yet
    /// checked as a whole: see [`Config::validate`]).
    pub(crate) fn cluster_config(&self) -> Result<Config> {
        let mut raw = KBox::new(b::tcpsplice_cluster_cfg::default(), GFP_KERNEL)?;
        // SAFETY: The request is valid (type invariant) and `raw` is a
        // writable configuration struct.
        to_result(unsafe { b::tcpsplice_h_parse_cluster(self.raw(), &mut *raw) })?;
        let mut c = Config {
            node_id: raw.node_id,
            port: raw.port,
            interval_ms: raw.interval_ms,
            misses: raw.misses,
            key: if raw.has_key {
                SipKey::from_bytes(&raw.key)
            } else {
                SipKey([0; 2])
            },
            preempt: raw.preempt != 0,
            backend: raw.backend != 0,
            n_peers: raw.n_peers as usize,
            n_vips: raw.n_vips as usize,
            ..Config::NONE
        };
        for (p, r) in c
            .peers
            .iter_mut()
            .zip(&raw.peers[..c.n_peers.min(raw.peers.len())])
        {
            p.id = r.id;
            p.addr = addr(&r.addr, r.v6);
            p.backend = r.backend != 0;
        }
        for (v, r) in c
            .vips
            .iter_mut()
            .zip(&raw.vips[..c.n_vips.min(raw.vips.len())])
        {
            v.addr = addr(&r.addr, r.v6);
            v.n_owners = (r.n_owners as usize).min(MAX_OWNERS);
            v.owners[..v.n_owners].copy_from_slice(&r.owners[..v.n_owners]);
        }
        Ok(c)
    }

    /// Whether the request carries `TCPSPLICE_A_WAIT_SYNC`.
    pub(crate) fn wait_sync(&self) -> bool {
        self.has(b::TCPSPLICE_A_WAIT_SYNC)
    }

    /// Whether the request carries `TCPSPLICE_A_SPLIT`.
    pub(crate) fn split(&self) -> bool {
        self.has(b::TCPSPLICE_A_SPLIT)
    }

    fn has(&self, attr: u32) -> bool {
        // SAFETY: The request is valid (type invariant).
        !unsafe { b::tcpsplice_h_genl_attr(self.raw(), attr as c_int) }.is_null()
    }
}
