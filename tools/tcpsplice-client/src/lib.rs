// SPDX-License-Identifier: GPL-2.0
//! A client of the tcpsplice generic netlink family, for `tcpsplicectl` and
//! `tcpsplice-proxy`.
mod client;
mod status;

pub use client::{Client, Error};
pub use status::{member_name, Status};
