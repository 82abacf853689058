// SPDX-License-Identifier: GPL-2.0
//! tcpsplice: in-kernel TCP splicing for layer-7 proxies.
//!
//! A proxy accepts a client's connection, reads the request, connects to a
//! backend, then hands both connections to this module, which forwards the
//! rest of the traffic at the IP layer with addresses, ports, sequence numbers,
//! options and checksums translated.
//!
//! Layout: `ffi` is the only module with `unsafe` (it wraps the C helpers and
//! hosts the entry points the kernel calls); `netns`, `netlink`, `hooks`,
//! `splice`, `cluster` and `stats` are safe Rust (`forbid(unsafe_code)`); `splice_core` is the `no_std` crate in
//! `tools/tcpsplice-core`, compiled in from the same source files the host tests.

use kernel::prelude::*;

mod bindings;
#[forbid(unsafe_code)]
mod cluster;
mod ffi;
#[forbid(unsafe_code)]
mod hooks;
#[forbid(unsafe_code)]
mod netlink;
#[forbid(unsafe_code)]
mod netns;
#[forbid(unsafe_code)]
mod splice;
#[forbid(unsafe_code)]
mod stats;

/// The shared pure logic (`tools/tcpsplice-core/src`), compiled in.
#[path = "../tools/tcpsplice-core/src"]
#[allow(dead_code, unreachable_pub)]
#[forbid(unsafe_code)]
mod splice_core {
    pub(crate) mod capture;
    pub(crate) mod cluster;
    pub(crate) mod config;
    pub(crate) mod conn;
    pub(crate) mod csum;
    pub(crate) mod handover;
    pub(crate) mod icmp;
    pub(crate) mod keys;
    pub(crate) mod ndisc;
    pub(crate) mod nudge;
    pub(crate) mod packet;
    pub(crate) mod seq;
    pub(crate) mod siphash;
    pub(crate) mod splice;
    pub(crate) mod stream;
    pub(crate) mod sync;
    pub(crate) mod translate;
}

module! {
    type: TcpSplice,
    name: "tcpsplice",
    authors: ["tcpsplice developers"],
    description: "In-kernel TCP splicing for layer-7 proxies",
    license: "GPL",
    params: {
        max_splices: u32 {
            default: 65536,
            description: "Default bound of each namespace's splice table (1..1048576)",
        },
        idle_timeout: u32 {
            default: 7440,
            description: "Default idle timeout of a splice in seconds (1..86400)",
        },
    },
}

struct TcpSplice {
    _registration: ffi::Registration,
}

impl kernel::Module for TcpSplice {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        if let Err(e) = netns::default_settings() {
            pr_err!(
                "invalid module parameter: {}\n",
                e.message().to_str().unwrap_or("?")
            );
            return Err(EINVAL);
        }
        let registration = ffi::Registration::new()?;
        pr_info!("tcpsplice {} loaded\n", splice_core::config::VERSION);
        Ok(TcpSplice {
            _registration: registration,
        })
    }
}

impl Drop for TcpSplice {
    fn drop(&mut self) {
        pr_info!("tcpsplice unloading\n");
    }
}

#[kunit_tests(tcpsplice_core)]
mod tests {
    use super::splice_core::{packet, seq};

    #[test]
    fn seq_arithmetic_wraps_in_the_kernel_build() {
        let off = seq::SeqOffset::between(0xffff_fff0, 0x10);
        assert_eq!(off.apply(0xffff_ffff), 0x1f);
        assert!(seq::before(0xffff_fff0, off.apply(0xffff_fff0)));
        assert_eq!(seq::rescale_window(1000, 7, 0), u16::MAX);
        assert_eq!(seq::rescale_window(100, 0, 7), 1);
    }

    #[test]
    fn header_parsers_reject_garbage() {
        assert_eq!(packet::ipv4(&[0x45; 10]), Err(packet::Malformed::Truncated));
        assert_eq!(
            packet::tcp(&[0u8; 20]),
            Err(packet::Malformed::BadDataOffset)
        );
    }
}
