// SPDX-License-Identifier: GPL-2.0
//! The tcpsplice generic netlink ABI as Rust constants, generated at build time
//! from `include/uapi/linux/tcpsplice.h`. Enum members are `u16` (attribute
//! types; commands fit in the `u8` of the genetlink header), defines are `u32`.
#![no_std]
#![allow(missing_docs)]

include!(concat!(env!("OUT_DIR"), "/uapi.rs"));

#[cfg(test)]
mod tests {
    use super::*;
    use tcpsplice_core::config;

    #[test]
    fn parsed_the_header() {
        assert_eq!(TCPSPLICE_GENL_NAME, "tcpsplice");
        assert_eq!(TCPSPLICE_GENL_VERSION, 1);
        assert_eq!(TCPSPLICE_CMD_GET_STATUS, 1);
        assert_eq!(TCPSPLICE_CMD_MAX, TCPSPLICE_CMD_EVENT);
        assert_eq!(TCPSPLICE_STAT_PAD, 1);
        assert_eq!(TCPSPLICE_A_MAX, TCPSPLICE_A_SPLIT);
        assert_eq!(TCPSPLICE_SPLICE_MAX, TCPSPLICE_SPLICE_SPLIT);
        assert_eq!(TCPSPLICE_CLUSTER_MAX, TCPSPLICE_CLUSTER_BACKEND);
        assert_eq!(
            TCPSPLICE_EVENT_TYPE_MEMBERS[0],
            ("TCPSPLICE_EVENT_PEER_UP", 1)
        );
        assert_eq!(TCPSPLICE_CONN_MAX, TCPSPLICE_CONN_TIMESTAMPS);
        assert_eq!(
            TCPSPLICE_SPLICE_STATE_MEMBERS,
            &[
                ("TCPSPLICE_STATE_OPEN", 0),
                ("TCPSPLICE_STATE_FINISHED", 1),
                ("TCPSPLICE_STATE_RESET", 2)
            ]
        );
        assert_eq!(
            TCPSPLICE_STAT_MEMBERS.first(),
            Some(&("TCPSPLICE_STAT_RX_PACKETS_V4", TCPSPLICE_STAT_RX_PACKETS_V4))
        );
        assert_eq!(
            TCPSPLICE_STAT_MEMBERS.len(),
            usize::from(TCPSPLICE_STAT_MAX) - 1
        );
    }

    #[test]
    fn core_limits_match_the_header() {
        assert_eq!(config::MAX_SPLICES_LIMIT, TCPSPLICE_MAX_SPLICES_LIMIT);
        assert_eq!(config::IDLE_TIMEOUT_MAX, TCPSPLICE_IDLE_TIMEOUT_MAX);
    }
}
