// SPDX-License-Identifier: GPL-2.0
//! `tcpsplice-proxy`: reads each client's HTTP/1.1 request head, routes it by
//! Host and path prefix to a pool of backends, connects, forwards what it has
//! read, and then either hands the two connections to the tcpsplice kernel
//! module or, when it cannot, relays the bytes itself and logs why.
pub mod access;
pub mod admin;
pub mod config;
pub mod forwarded;
pub mod http;
pub mod log;
pub mod metrics;
pub mod pool;
pub mod proxy;
pub mod route;
pub mod splice;
pub mod tls;
pub mod warm;
pub mod watch;
