// SPDX-License-Identifier: GPL-2.0
//! The reply of GET_STATUS, decoded (tcpsplicectl renders it as text).
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Status {
    pub version: String,
    pub netns_cookie: u64,
    /// Kernel memory of one splice entry, bytes.
    pub entry_bytes: u32,
    /// This namespace's bucket array, bytes.
    pub table_bytes: u32,
    pub config: BTreeMap<String, u64>,
    pub stats: BTreeMap<String, u64>,
}

/// The statistics that are current values (gauges), not counters.
pub const GAUGES: &[&str] = &["splices_active", "sync_unacked", "peers_up", "vips_owned"];

/// `TCPSPLICE_STAT_RX_TCP` -> `rx_tcp`, given the enum's prefix; an attribute
/// this tool does not know (a newer module) is `<prefix>_<id>`.
pub fn member_name(members: &[(&str, u16)], prefix: &str, id: u16) -> String {
    members
        .iter()
        .find(|(_, v)| *v == id)
        .map(|(n, _)| n.trim_start_matches(prefix).to_ascii_lowercase())
        .unwrap_or_else(|| {
            format!(
                "{}{id}",
                prefix.to_ascii_lowercase().trim_start_matches("tcpsplice_")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpsplice_uapi::*;

    #[test]
    fn names_members() {
        assert_eq!(
            member_name(
                TCPSPLICE_STAT_MEMBERS,
                "TCPSPLICE_STAT_",
                TCPSPLICE_STAT_RX_TCP
            ),
            "rx_tcp"
        );
        assert_eq!(
            member_name(TCPSPLICE_STAT_MEMBERS, "TCPSPLICE_STAT_", 999),
            "stat_999"
        );
        assert_eq!(
            member_name(
                TCPSPLICE_CONFIG_ATTR_MEMBERS,
                "TCPSPLICE_CFG_",
                TCPSPLICE_CFG_MAX_SPLICES
            ),
            "max_splices"
        );
    }

    #[test]
    fn json_lists_everything() {
        let mut st = Status {
            version: "0.1.0".into(),
            netns_cookie: 3,
            ..Default::default()
        };
        st.config.insert("max_splices".into(), 10);
        st.stats.insert("rx_tcp".into(), 42);
        let j = serde_json::to_value(&st).unwrap();
        assert_eq!(j["stats"]["rx_tcp"], 42);
        assert_eq!(j["config"]["max_splices"], 10);
    }
}
