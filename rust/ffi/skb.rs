// SPDX-License-Identifier: GPL-2.0
//! Packets: the `Skb` a hook borrows, and its output (`rust/ffi/skb.c`).

use crate::bindings as b;
use core::ptr::NonNull;
use kernel::error::to_result;
use kernel::prelude::*;

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

/// Proof that a packet was handed on (its skb consumed), which is what
/// [`Verdict::Stolen`] tells netfilter. Only [`Skb::output`] makes one.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Stolen(());

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
    pub(super) unsafe fn from_raw(
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

    /// A private copy of the packet (see [`SkbCopy`]); `None` if memory is
    /// short.
    pub(crate) fn copy(&self) -> Option<SkbCopy> {
        // SAFETY: `skb` is valid (type invariant); the copy is a new skb.
        let c = unsafe { b::tcpsplice_h_skb_copy(self.skb.as_ptr().cast()) };
        // INVARIANT: A new skb, owned by the result, in the same namespace.
        NonNull::new(c.cast()).map(|skb| SkbCopy { skb, net: self.net })
    }

    /// The TCP checksum of the segment, whose TCP header is `l4` bytes after
    /// the network header, is right (verified now if nothing did before).
    pub(crate) fn tcp_csum_ok(&mut self, l4: usize, v6: bool) -> bool {
        // SAFETY: `skb` is valid and ours (type invariant).
        unsafe { b::tcpsplice_h_skb_tcp_csum_ok(self.skb.as_ptr().cast(), l4 as c_uint, v6) }
    }

    /// The packet, rewritten in place into `len` bytes from the network
    /// header with fresh checksums, loses the rest and goes to the local
    /// stack as a received packet whose checksum is to be verified.
    pub(crate) fn trim_local(&mut self, len: usize) -> bool {
        let Ok(n) = u32::try_from(len) else {
            return false;
        };
        // SAFETY: `skb` is valid and ours (type invariant).
        unsafe { b::tcpsplice_h_skb_trim_local(self.skb.as_ptr().cast(), n) }
    }

    /// The TCP checksum is left to the device (`CHECKSUM_PARTIAL`).
    pub(crate) fn partial(&self) -> bool {
        // SAFETY: `skb` is valid (type invariant).
        unsafe { b::tcpsplice_h_skb_partial(self.skb.as_ptr().cast()) }
    }

    pub(super) fn raw(&self) -> *mut kernel::bindings::sk_buff {
        self.skb.as_ptr().cast()
    }
}

/// A packet this module copied and owns: freed when dropped unless sent.
///
/// # Invariants
///
/// `skb` is a valid skb owned by this value; `net` is null or its live
/// namespace (that of the packet it was copied from, within the hook).
pub(crate) struct SkbCopy {
    skb: NonNull<kernel::bindings::sk_buff>,
    net: *mut kernel::bindings::net,
}

impl SkbCopy {
    /// The copy as a packet to translate.
    pub(crate) fn as_skb(&mut self) -> Skb<'_> {
        // SAFETY: Owned by us (type invariant) and borrowed mutably for the
        // result's lifetime.
        unsafe { Skb::from_raw(self.skb.as_ptr(), self.net) }
    }

    /// Route and send it (see [`Skb::output`]).
    pub(crate) fn output(self, v6: bool) -> Result {
        let skb = self.skb.as_ptr();
        let net = self.net;
        core::mem::forget(self);
        // SAFETY: Owned (type invariant); ownership passes on, and `self`
        // is forgotten so it is not freed twice.
        let (_, r) = unsafe { Skb::from_raw(skb, net) }.output(v6);
        if net.is_null() {
            // SAFETY: `output` does not consume a test packet's skb.
            unsafe { b::tcpsplice_h_skb_free(skb.cast()) };
        }
        r
    }
}

impl Drop for SkbCopy {
    fn drop(&mut self) {
        // SAFETY: Owned (type invariant).
        unsafe { b::tcpsplice_h_skb_free(self.skb.as_ptr().cast()) };
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
