// SPDX-License-Identifier: GPL-2.0
//! The module's watch on this process (`release_vips_after_ms`): the proxy
//! declares one netlink socket its own and keeps it open while it runs. The
//! kernel closes it when the process ends, however it ends (a crash, a kill,
//! a stop), and the module then gives the node's VIPs to a peer once the
//! grace time has passed, as keepalived's `track_process` would, so that
//! clients are not sent to a node that no longer accepts connections.
use tcpsplice_client::Client;

/// The watch: the socket, once a grace time was asked for.
#[derive(Default)]
pub struct Watch {
    client: Option<Client>,
    grace_ms: u32,
}

impl Watch {
    /// Ask for (or change) the grace time; 0 stops the watch. Errors are
    /// logged: the proxy serves either way, only without the release.
    pub fn set(&mut self, grace_ms: u32) {
        if grace_ms == self.grace_ms {
            return;
        }
        if self.client.is_none() {
            match Client::connect() {
                Ok(c) => self.client = Some(c),
                Err(e) => {
                    crate::warn!("release_vips_after_ms: cannot reach the tcpsplice module: {e}");
                    return;
                }
            }
        }
        let c = self.client.as_mut().expect("connected above");
        match c.attach_proxy(grace_ms) {
            Ok(()) => self.grace_ms = grace_ms,
            Err(e) => crate::warn!("release_vips_after_ms: the module refused the watch: {e}"),
        }
    }
}
