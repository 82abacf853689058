// SPDX-License-Identifier: GPL-2.0
//! Safe wrapper of `rust/ffi/sock.c`: the proxy's sockets, found by connection,
//! locked in pairs, read and retired.

use crate::bindings as b;
use crate::splice_core::capture::{Ecn, SockState};
use crate::splice_core::splice::{Family, Tuple};
use crate::splice_core::translate::Timestamps;
use core::ptr::NonNull;
use kernel::error::to_result;
use kernel::prelude::*;

/// The address family constant of `family`.
fn af(family: Family) -> c_int {
    let af = match family {
        Family::V4 => kernel::bindings::AF_INET,
        Family::V6 => kernel::bindings::AF_INET6,
    };
    af as c_int
}

/// A referenced full TCP socket.
///
/// # Invariants
///
/// `sk` is a full TCP socket on which this value holds a reference.
pub(crate) struct Sock(NonNull<kernel::bindings::sock>);

impl Sock {
    /// The local TCP socket of connection `t` in `net`.
    ///
    /// # Safety
    ///
    /// `net` is alive for the duration of the call.
    pub(super) unsafe fn lookup(
        net: *mut kernel::bindings::net,
        family: Family,
        t: &Tuple,
    ) -> Option<Self> {
        // SAFETY: `net` is alive (function contract); the address buffers
        // are 16 bytes, at least what the family needs.
        let sk = unsafe {
            b::tcpsplice_h_sock_lookup(
                net.cast(),
                af(family),
                t.local.addr.as_ptr(),
                t.local.port,
                t.remote.addr.as_ptr(),
                t.remote.port,
            )
        };
        // INVARIANT: The helper returns a referenced full TCP socket or null.
        NonNull::new(sk.cast()).map(Sock)
    }

    fn raw(&self) -> *mut kernel::bindings::sock {
        self.0.as_ptr().cast()
    }

    /// Turn LRO off on the device the connection goes out on (see
    /// `tcpsplice_h_sock_no_lro`). Process context; may sleep (RTNL).
    pub(crate) fn no_lro(&self) {
        // SAFETY: Referenced (type invariant), not locked by us; the caller
        // is in process context.
        unsafe { b::tcpsplice_h_sock_no_lro(self.raw()) };
    }
}

/// What this host's socket of a connection says about its peer's FIN.
pub(crate) enum PeerFin {
    /// Not received.
    No,
    /// Received; the sequence number just past it.
    At(u32),
    /// The connection is over (closed, in time-wait, or never was).
    Gone,
}

/// The peer's FIN on this host's socket of connection `t` (local: this host).
///
/// # Safety
///
/// `net` is alive for the duration of the call.
pub(super) unsafe fn peer_fin(
    net: *mut kernel::bindings::net,
    family: Family,
    t: &Tuple,
) -> PeerFin {
    let mut end = 0u32;
    // SAFETY: `net` is alive (function contract); the address buffers are
    // 16 bytes, at least what the family needs; `end` is writable.
    let r = unsafe {
        b::tcpsplice_h_sock_peer_fin(
            net.cast(),
            af(family),
            t.local.addr.as_ptr(),
            t.local.port,
            t.remote.addr.as_ptr(),
            t.remote.port,
            &mut end,
        )
    };
    match r {
        0 => PeerFin::No,
        1 => PeerFin::At(end),
        _ => PeerFin::Gone,
    }
}

impl Drop for Sock {
    fn drop(&mut self) {
        // SAFETY: We hold a reference (type invariant).
        unsafe { b::tcpsplice_h_sock_put(self.raw()) };
    }
}

/// Two distinct sockets, both locked (`lock_sock`).
pub(crate) struct LockedPair<'a> {
    socks: [&'a Sock; 2],
}

impl<'a> LockedPair<'a> {
    /// Lock both; `None` if they are the same socket.
    pub(crate) fn lock(a: &'a Sock, b_: &'a Sock) -> Option<Self> {
        if a.0 == b_.0 {
            return None;
        }
        // SAFETY: Two distinct referenced sockets; process context (genetlink
        // handlers may sleep). Unlocked by `drop`.
        unsafe { b::tcpsplice_h_sock_lock_pair(a.raw(), b_.raw()) };
        Some(LockedPair { socks: [a, b_] })
    }

    /// What socket `i` (0 or 1, in `lock` order) holds now.
    pub(crate) fn read(&self, i: usize) -> SockState {
        let mut s = b::tcpsplice_sockstate::default();
        // SAFETY: The socket is referenced and locked by us.
        unsafe { b::tcpsplice_h_sock_read(self.socks[i].raw(), &mut s) };
        SockState {
            connected: s.connected,
            handshaking: s.handshaking,
            fin_received: s.fin_received,
            fin_queued: s.fin_queued,
            signed: s.signed_,
            repair: s.repair,
            snd_una: s.snd_una,
            snd_nxt: s.snd_nxt,
            write_seq: s.write_seq,
            rcv_nxt: s.rcv_nxt,
            copied_seq: s.copied_seq,
            out_of_order: s.out_of_order,
            ts: s.ts_ok.then_some(Timestamps {
                now: s.ts_now,
                recent: s.ts_recent,
            }),
            sack: s.sack_ok,
            wscale: s.wscale_ok.then_some((s.snd_wscale, s.rcv_wscale)),
            snd_wnd: s.snd_wnd,
            rcv_wnd: s.rcv_wnd,
            mss: s.mss,
            ecn: match u32::from(s.ecn) {
                b::TCPSPLICE_ECN_CLASSIC => Ecn::Classic,
                b::TCPSPLICE_ECN_ACCURATE => Ecn::Accurate,
                b::TCPSPLICE_ECN_NEGOTIATING => Ecn::Negotiating,
                _ => Ecn::Off,
            },
        }
    }

    /// Move what socket `from` received and the proxy has not read into
    /// the other socket's send queue (as the proxy would: read, then
    /// write), as far as its send buffer takes it. The bytes moved.
    pub(crate) fn move_unread(&self, from: usize) -> Result<u32> {
        let to = 1 - from;
        // SAFETY: Both sockets are referenced and locked by us; process
        // context (the helper may allocate and send).
        let r = unsafe { b::tcpsplice_h_sock_move(self.socks[from].raw(), self.socks[to].raw()) };
        to_result(r)?;
        Ok(r as u32)
    }

    /// Queue socket `i`'s FIN after everything queued (shutdown for
    /// sending): the other socket's peer closed.
    pub(crate) fn send_fin(&self, i: usize) {
        // SAFETY: Referenced and locked by us; process context.
        unsafe { b::tcpsplice_h_sock_send_fin(self.socks[i].raw()) };
    }

    /// Retire socket `i`: from now on it is silent, and closing it sends
    /// nothing.
    pub(crate) fn retire(&self, i: usize) {
        // SAFETY: Referenced and locked by us.
        unsafe { b::tcpsplice_h_sock_retire(self.socks[i].raw()) };
    }

    /// Hand socket `i` over to `hold` as the splice's side `i`: it stays,
    /// in repair mode, and retransmits what its peer has not acknowledged
    /// (see the core's `handover`).
    pub(crate) fn hand_over(&self, i: usize, hold: &mut Hold) {
        // SAFETY: The hold is owned; the socket is referenced and locked by
        // us; `i` is 0 or 1 (an index of `socks`).
        unsafe { b::tcpsplice_h_sock_hand_over(hold.0.as_ptr(), i as c_int, self.socks[i].raw()) };
    }

    /// The splice was not made: the sockets handed over to `hold` are the
    /// proxy's again.
    pub(crate) fn give_back(&self, hold: Hold) {
        // SAFETY: Owned, and never given to an entry; its sockets are this
        // pair's, which we hold locked.
        unsafe { b::tcpsplice_h_hold_give_back(hold.into_raw()) };
    }
}

/// What a splice being made holds besides its entry: the proxy's sockets
/// handed over with bytes in flight. The entry owns it once inserted.
///
/// # Invariants
///
/// `0` is an owned hold from `tcpsplice_h_hold_new`.
pub(crate) struct Hold(NonNull<b::tcpsplice_reserve>);

impl Hold {
    /// An empty hold (process context).
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: No preconditions.
        let p = unsafe { b::tcpsplice_h_hold_new() };
        // INVARIANT: Owned, or null.
        NonNull::new(p).map(Hold).ok_or(ENOMEM)
    }

    pub(super) fn as_ptr(&self) -> *mut b::tcpsplice_reserve {
        self.0.as_ptr()
    }

    /// Give up ownership (to a table entry, or to `give_back`).
    pub(super) fn into_raw(self) -> *mut b::tcpsplice_reserve {
        let p = self.0.as_ptr();
        core::mem::forget(self);
        p
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        // Only an unused hold is dropped: `give_back` and the table take
        // the others.
        // SAFETY: Owned (type invariant); a hold with sockets is never
        // dropped (they are given back, under their locks, or the entry has
        // them), so this frees an empty one.
        unsafe { b::tcpsplice_h_hold_give_back(self.0.as_ptr()) };
    }
}

/// A handed-over socket taken out of its entry (see
/// `TableGuard::take_handed`): dropping it retires the socket and releases
/// the reference. Process context only.
///
/// # Invariants
///
/// `0` is a handed-over socket on which this value holds the hold's
/// reference.
pub(crate) struct Handed(NonNull<kernel::bindings::sock>);

impl Handed {
    /// # Safety
    ///
    /// `sk` is null or a handed-over socket whose reference the caller
    /// gives to the result.
    pub(super) unsafe fn from_raw<S>(sk: *mut S) -> Option<Self> {
        // INVARIANT: By the function contract.
        NonNull::new(sk.cast()).map(Handed)
    }
}

impl Drop for Handed {
    fn drop(&mut self) {
        // SAFETY: The reference is ours (type invariant); dropped in process
        // context (the sweep's work, or a genetlink handler).
        unsafe { b::tcpsplice_h_handed_retire(self.0.as_ptr().cast()) };
    }
}

impl Drop for LockedPair<'_> {
    fn drop(&mut self) {
        // SAFETY: Locked together in `lock`.
        unsafe { b::tcpsplice_h_sock_unlock_pair(self.socks[0].raw(), self.socks[1].raw()) };
    }
}

/// A port held while a splice uses it, so that `connect()` does not pick it
/// for a new connection (whose packets the splice would take).
///
/// # Invariants
///
/// `0` is a reservation from `tcpsplice_h_reserve_port`, owned by this value.
pub(crate) struct Reservation(NonNull<b::tcpsplice_reserve>);

// SAFETY: The reservation is a plain socket; releasing it from any process
// context is fine.
unsafe impl Send for Reservation {}

impl Reservation {
    /// Reserve `addr:port` in `net`.
    ///
    /// # Safety
    ///
    /// `net` is alive for the duration of the call; process context.
    pub(super) unsafe fn new(
        net: *mut kernel::bindings::net,
        family: Family,
        at: &crate::splice_core::splice::Endpoint,
    ) -> Option<Self> {
        let af = match family {
            Family::V4 => kernel::bindings::AF_INET,
            Family::V6 => kernel::bindings::AF_INET6,
        };
        // SAFETY: `net` is alive (function contract); the address buffer
        // holds 16 bytes.
        let r = unsafe {
            b::tcpsplice_h_reserve_port(net.cast(), af as c_int, at.addr.as_ptr(), at.port)
        };
        // INVARIANT: The helper returns an owned reservation or null.
        NonNull::new(r).map(Reservation)
    }

    /// Give up ownership (to a table entry).
    pub(super) fn into_raw(self) -> *mut b::tcpsplice_reserve {
        let p = self.0.as_ptr();
        core::mem::forget(self);
        p
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        // SAFETY: Owned (type invariant); genetlink handlers run in process
        // context.
        unsafe { b::tcpsplice_h_reserve_free(self.0.as_ptr()) };
    }
}
