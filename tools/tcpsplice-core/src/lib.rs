// SPDX-License-Identifier: GPL-2.0
//! Pure logic of tcpsplice: TCP sequence arithmetic, window rescaling and
//! packet header classification.
//!
//! The kernel module compiles these very files in (see `rust/tcpsplice_main.rs`),
//! so they must stay `no_std`, allocation-free and free of `unsafe`, and refer to
//! each other only through `super::` paths. The host runs the same code under
//! `cargo test`, property tests and fuzzers.
#![no_std]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

pub mod capture;
pub mod cluster;
pub mod config;
pub mod conn;
pub mod csum;
pub mod handover;
pub mod icmp;
pub mod keys;
pub mod ndisc;
pub mod nudge;
pub mod packet;
pub mod seq;
pub mod siphash;
pub mod splice;
pub mod stream;
pub mod sync;
pub mod translate;
