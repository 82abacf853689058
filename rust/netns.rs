// SPDX-License-Identifier: GPL-2.0
//! Per-namespace state: settings and counters. Created when a namespace (or
//! the module) comes up, freed when it goes (see `ffi/netns.rs`).

use crate::cluster::Cluster;
use crate::ffi::cluster::Net;
use crate::ffi::hooks::HookSlot;
use crate::ffi::table::Table;
use crate::splice::Entry;
use crate::splice_core::config::{SettingError, Settings};
use crate::splice_core::sync::Addr;
use crate::stats::Stats;
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::atomic::{Atomic, Relaxed};
use kernel::sync::Mutex;

/// The state of one network namespace.
#[pin_data]
pub(crate) struct NetState {
    cookie: u64,
    pub(crate) stats: Stats,
    /// Current settings, readable locklessly (one relaxed load per field).
    max_splices: Atomic<u32>,
    idle_timeout: Atomic<u32>,
    /// Serialises writers of the settings, so an update is all or nothing.
    #[pin]
    update: Mutex<()>,
    /// The splices of this namespace.
    table: Table<Entry>,
    /// The identifier of the next splice.
    next_id: Atomic<u64>,
    /// Cluster membership. After the table: its socket is stopped
    /// explicitly (`Cluster::stop`) before the namespace's state is dropped,
    /// and the table's sweep may still reach it until the table is gone.
    #[pin]
    cluster: Cluster,
    /// The namespace itself (none in unit tests).
    net: Option<Net>,
    /// Its netfilter hooks, once it has a splice or a cluster.
    #[pin]
    hooks: HookSlot,
}

/// The module parameters as default settings, checked.
pub(crate) fn default_settings() -> Result<Settings, SettingError> {
    Settings {
        max_splices: crate::module_parameters::max_splices.value(),
        idle_timeout: crate::module_parameters::idle_timeout.value(),
    }
    .validate()
}

impl NetState {
    /// Fresh state, not attached to a namespace (unit tests).
    pub(crate) fn new(cookie: u64) -> Result<Pin<KBox<Self>>> {
        Self::new_in(cookie, None)
    }

    /// Fresh state for the namespace `net` with the given cookie.
    pub(crate) fn new_in(cookie: u64, net: Option<Net>) -> Result<Pin<KBox<Self>>> {
        // Module init checked the parameters; they are read-only at runtime.
        let s = default_settings().map_err(|_| EINVAL)?;
        // About eight entries per bucket at the default bound; each entry
        // sits in two buckets.
        let table = Table::new(s.max_splices / 4)?;
        let stats = Stats::new()?;
        KBox::pin_init(
            pin_init!(NetState {
                cookie,
                stats,
                max_splices: Atomic::new(s.max_splices),
                idle_timeout: Atomic::new(s.idle_timeout),
                update <- new_mutex!(()),
                table,
                next_id: Atomic::new(1),
                cluster <- Cluster::new(),
                net,
                hooks <- HookSlot::new(),
            }),
            GFP_KERNEL,
        )
    }

    /// The namespace's cookie (as `SO_NETNS_COOKIE` reports it).
    pub(crate) fn cookie(&self) -> u64 {
        self.cookie
    }

    /// The splice table.
    pub(crate) fn table(&self) -> &Table<Entry> {
        &self.table
    }

    /// The cluster membership.
    pub(crate) fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// Where its netfilter hooks live.
    pub(crate) fn hook_slot(&self) -> &HookSlot {
        &self.hooks
    }

    /// The namespace, if attached to one.
    pub(crate) fn ns(&self) -> Option<&Net> {
        self.net.as_ref()
    }

    /// Announce that this node answers for `vip`; returns how many devices
    /// the announcement went out on.
    pub(crate) fn announce(&self, vip: &Addr) -> u32 {
        self.net.as_ref().map_or(0, |n| n.announce(vip))
    }

    /// The namespace handle (`None` only in KUnit's test states).
    pub(crate) fn handle(&self) -> Option<&Net> {
        self.net.as_ref()
    }

    /// Whether anyone listens to splice events here.
    pub(crate) fn splice_listeners(&self) -> bool {
        self.net
            .as_ref()
            .is_some_and(crate::ffi::netlink::splice_listeners)
    }

    /// Report a cluster event to listeners.
    pub(crate) fn event(&self, kind: u32, node: u32, vip: Option<&Addr>) {
        if let Some(n) = &self.net {
            n.event(kind, node, vip);
        }
    }

    /// A fresh splice identifier.
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Relaxed)
    }

    pub(crate) fn settings(&self) -> Settings {
        Settings {
            max_splices: self.max_splices.load(Relaxed),
            idle_timeout: self.idle_timeout.load(Relaxed),
        }
    }

    /// Change some settings; nothing changes unless all are valid.
    pub(crate) fn update(
        &self,
        max_splices: Option<u32>,
        idle_timeout: Option<u32>,
    ) -> Result<Settings, SettingError> {
        let _guard = self.update.lock();
        let s = self.settings().update(max_splices, idle_timeout)?;
        self.max_splices.store(s.max_splices, Relaxed);
        self.idle_timeout.store(s.idle_timeout, Relaxed);
        self.stats.inc(crate::stats::Counter::ConfigChanges);
        Ok(s)
    }
}

#[kunit_tests(tcpsplice_netns)]
mod tests {
    use super::*;
    use crate::stats::Counter;

    #[test]
    fn starts_from_the_module_parameters() -> Result {
        let st = NetState::new(7)?;
        assert_eq!(st.cookie(), 7);
        assert_eq!(Ok(st.settings()), default_settings());
        Ok(())
    }

    #[test]
    fn update_is_all_or_nothing_and_counted() -> Result {
        let st = NetState::new(1)?;
        let before = st.settings();
        assert_eq!(st.update(Some(10), Some(0)), Err(SettingError::IdleTimeout));
        assert_eq!(st.settings(), before);
        assert_eq!(st.stats.get(Counter::ConfigChanges), 0);
        let after = st.update(Some(10), None).map_err(|_| EINVAL)?;
        assert_eq!(after.max_splices, 10);
        assert_eq!(after.idle_timeout, before.idle_timeout);
        assert_eq!(st.settings(), after);
        assert_eq!(st.stats.get(Counter::ConfigChanges), 1);
        Ok(())
    }
}
