// SPDX-License-Identifier: GPL-2.0
//! Whether connections can be handed to the kernel, and why not.
//!
//! The module's data path (the SPLICE command) is not there yet, so today this
//! finds the module, reports its version, and says that splicing is
//! unavailable: every connection is relayed in userspace, with the reason
//! logged once at start-up and counted per connection.
use tcpsplice_client::{Client, Error};

/// Why a connection is relayed in userspace instead of spliced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// The tcpsplice module is not loaded.
    NoModule,
    /// The module is loaded but has no SPLICE command (this version).
    NoSpliceCommand { module_version: String },
    /// Talking to the module failed.
    Error(String),
}

impl std::fmt::Display for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fallback::NoModule => f.write_str("the tcpsplice module is not loaded"),
            Fallback::NoSpliceCommand { module_version } => {
                write!(f, "tcpsplice {module_version} has no SPLICE command yet")
            }
            Fallback::Error(e) => write!(f, "tcpsplice: {e}"),
        }
    }
}

/// Ask the module what it can do. Blocking (netlink): call at start-up.
pub fn probe() -> Fallback {
    match Client::connect().and_then(|mut c| c.status()) {
        Ok(s) => Fallback::NoSpliceCommand {
            module_version: s.version,
        },
        Err(Error::NoModule(_)) => Fallback::NoModule,
        Err(e) => Fallback::Error(e.to_string()),
    }
}
