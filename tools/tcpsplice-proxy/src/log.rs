// SPDX-License-Identifier: GPL-2.0
//! One-line log records on stderr.
use std::time::{SystemTime, UNIX_EPOCH};

pub fn line(level: &str, msg: std::fmt::Arguments<'_>) {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    eprintln!("{}.{:03} {level} {msg}", t.as_secs(), t.subsec_millis());
}

#[macro_export]
macro_rules! info { ($($a:tt)*) => { $crate::log::line("info", format_args!($($a)*)) } }
#[macro_export]
macro_rules! warn { ($($a:tt)*) => { $crate::log::line("warn", format_args!($($a)*)) } }
/// Only with `TCPSPLICE_PROXY_DEBUG` set in the environment.
#[macro_export]
macro_rules! debug { ($($a:tt)*) => { if $crate::log::debug_enabled() { $crate::log::line("debug", format_args!($($a)*)) } } }

pub fn debug_enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("TCPSPLICE_PROXY_DEBUG").is_some())
}
