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
