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

/// What kind of aggregate of segments a packet is (see
/// `tcpsplice_h_skb_aggregate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Aggregate {
    /// A segment, or a GRO or GSO packet whose segments the output cuts
    /// with copies of its first header.
    None,
    /// A fraglist GRO packet: its segments, each with its own headers.
    FragList,
    /// A device's LRO packet, which cannot be cut into segments again.
    Lro,
}

/// What a packet that was sent on had been (`tcpsplice_h_output`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sent {
    /// Reassembled by the kernel from IP fragments.
    pub(crate) reassembled: bool,
    /// Longer than 64 KiB (BIG TCP).
    pub(crate) big: bool,
}

impl Sent {
    fn from_flags(f: c_int) -> Self {
        Sent {
            reassembled: f & b::TCPSPLICE_SENT_REASSEMBLED as c_int != 0,
            big: f & b::TCPSPLICE_SENT_BIG as c_int != 0,
        }
    }
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
    pub(crate) fn output(self, v6: bool) -> (Stolen, Result<Sent>) {
        if self.net.is_null() {
            // A test packet: never sent, and the caller's wrapper frees it.
            return (Stolen(()), Err(EINVAL));
        }
        // SAFETY: `skb` is ours (type invariant) and `net` its live namespace;
        // ownership passes to the helper, and `self` is consumed.
        let r = unsafe { b::tcpsplice_h_output(self.net.cast(), self.skb.as_ptr().cast(), v6) };
        (Stolen(()), to_result(r).map(|()| Sent::from_flags(r)))
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

    /// A private copy of the packet (see [`OwnedSkb`]); `None` if memory is
    /// short.
    pub(crate) fn copy(&self) -> Option<OwnedSkb> {
        // SAFETY: `skb` is valid (type invariant); the copy is a new skb.
        let c = unsafe { b::tcpsplice_h_skb_copy(self.skb.as_ptr().cast()) };
        // INVARIANT: A new skb, owned by the result, in the same namespace.
        NonNull::new(c.cast()).map(|skb| OwnedSkb { skb, net: self.net })
    }

    /// A GSO (or GRO) packet of TCP segments: one whose IPv4 total length
    /// may be 0 (BIG TCP, longer than 64 KiB).
    pub(crate) fn gso_tcp(&self) -> bool {
        // SAFETY: `skb` is valid (type invariant).
        unsafe { b::tcpsplice_h_skb_gso_tcp(self.skb.as_ptr().cast()) }
    }

    /// What kind of aggregate of segments the packet is, if any.
    pub(crate) fn aggregate(&self) -> Aggregate {
        // SAFETY: `skb` is valid (type invariant).
        match unsafe { b::tcpsplice_h_skb_aggregate(self.skb.as_ptr().cast()) } as u32 {
            b::TCPSPLICE_AGG_FRAGLIST => Aggregate::FragList,
            b::TCPSPLICE_AGG_LRO => Aggregate::Lro,
            _ => Aggregate::None,
        }
    }

    /// Cut the (GSO) packet into its segments, each a packet of its own
    /// with its own headers; `None` if that failed (the packet is gone
    /// either way).
    pub(crate) fn segment(self) -> (Stolen, Option<Segments>) {
        if self.net.is_null() {
            // A test packet: left to the caller's wrapper, as by `output`.
            return (Stolen(()), None);
        }
        // SAFETY: `skb` is ours (type invariant); ownership passes to the
        // helper, and `self` is consumed.
        let head = unsafe { b::tcpsplice_h_skb_segment(self.skb.as_ptr().cast()) };
        // INVARIANT: The list the helper made, owned now by the result.
        let segs = (!head.is_null()).then(|| Segments {
            head: head.cast(),
            net: self.net,
        });
        (Stolen(()), segs)
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

/// A packet this module owns (a copy it made, or a segment it cut): freed
/// when dropped unless sent.
///
/// # Invariants
///
/// `skb` is a valid skb owned by this value; `net` is null or its live
/// namespace (that of the packet it came from, within the hook).
pub(crate) struct OwnedSkb {
    skb: NonNull<kernel::bindings::sk_buff>,
    net: *mut kernel::bindings::net,
}

impl OwnedSkb {
    /// The copy as a packet to translate.
    pub(crate) fn as_skb(&mut self) -> Skb<'_> {
        // SAFETY: Owned by us (type invariant) and borrowed mutably for the
        // result's lifetime.
        unsafe { Skb::from_raw(self.skb.as_ptr(), self.net) }
    }

    /// Route and send it (see [`Skb::output`]).
    pub(crate) fn output(self, v6: bool) -> Result<Sent> {
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

impl Drop for OwnedSkb {
    fn drop(&mut self) {
        // SAFETY: Owned (type invariant).
        unsafe { b::tcpsplice_h_skb_free(self.skb.as_ptr().cast()) };
    }
}

/// The segments a packet was cut into ([`Skb::segment`]), each handed out
/// as an [`OwnedSkb`]; those never taken are freed with the list.
///
/// # Invariants
///
/// `head` is null or the first of a list of valid skbs (linked by `next`)
/// owned by this value; `net` is their live namespace.
pub(crate) struct Segments {
    head: *mut kernel::bindings::sk_buff,
    net: *mut kernel::bindings::net,
}

impl Iterator for Segments {
    type Item = OwnedSkb;

    fn next(&mut self) -> Option<OwnedSkb> {
        let mut head = self.head;
        // SAFETY: `head` is null or a list this value owns (type invariant);
        // the helper takes its first packet off it.
        let first = unsafe { b::tcpsplice_h_skb_list_pop(&mut head) };
        // INVARIANT: What is left of the list.
        self.head = head;
        // INVARIANT: Taken off the list, so owned by the result alone.
        NonNull::new(first.cast()).map(|skb| OwnedSkb { skb, net: self.net })
    }
}

impl Drop for Segments {
    fn drop(&mut self) {
        // SAFETY: Owned (type invariant); null is an empty list.
        unsafe { b::tcpsplice_h_skb_list_free(self.head) };
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

        /// Make it an aggregate of segments of `gso_size` bytes, of `kind`
        /// ([`Aggregate::None`]: a plain GSO packet), its last `n` bytes in
        /// a page fragment.
        pub(crate) fn set_gso(&mut self, n: u32, gso_size: u16, kind: Aggregate) -> Result {
            let k = match kind {
                Aggregate::None => b::TCPSPLICE_AGG_NONE,
                Aggregate::FragList => b::TCPSPLICE_AGG_FRAGLIST,
                Aggregate::Lro => b::TCPSPLICE_AGG_LRO,
            };
            // SAFETY: Owned (type invariant).
            to_result(unsafe {
                b::tcpsplice_h_test_skb_gso(self.0.as_ptr().cast(), n, gso_size, k as c_int)
            })
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
