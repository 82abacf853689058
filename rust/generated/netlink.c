// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/tcpsplice.yaml */
/* YNL-GEN kernel source */
/* YNL-ARG --function-prefix tcpsplice_nl */
/* To regenerate run: scripts/ynl-regen */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink.h"

#include <uapi/linux/tcpsplice.h>

/* Integer value ranges */
static const struct netlink_range_validation tcpsplice_a_proxy_grace_range = {
	.max	= 3600000ULL,
};

static const struct netlink_range_validation tcpsplice_cfg_max_splices_range = {
	.min	= 1ULL,
	.max	= TCPSPLICE_MAX_SPLICES_LIMIT,
};

static const struct netlink_range_validation tcpsplice_cfg_idle_timeout_range = {
	.min	= 1ULL,
	.max	= TCPSPLICE_IDLE_TIMEOUT_MAX,
};

/* Common nested types */
const struct nla_policy tcpsplice_cluster_nl_policy[TCPSPLICE_CLUSTER_SERVING + 1] = {
	[TCPSPLICE_CLUSTER_NODE_ID] = { .type = NLA_U32, },
	[TCPSPLICE_CLUSTER_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[TCPSPLICE_CLUSTER_INTERVAL] = NLA_POLICY_RANGE(NLA_U32, 10, 10000),
	[TCPSPLICE_CLUSTER_MISSES] = NLA_POLICY_RANGE(NLA_U32, 2, 100),
	[TCPSPLICE_CLUSTER_KEY] = NLA_POLICY_EXACT_LEN(TCPSPLICE_KEY_LEN),
	[TCPSPLICE_CLUSTER_PREEMPT] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPSPLICE_CLUSTER_PEER] = NLA_POLICY_NESTED(tcpsplice_peer_nl_policy),
	[TCPSPLICE_CLUSTER_VIP] = NLA_POLICY_NESTED(tcpsplice_vip_nl_policy),
	[TCPSPLICE_CLUSTER_READY] = { .type = NLA_U8, },
	[TCPSPLICE_CLUSTER_INCARNATION] = { .type = NLA_U64, },
	[TCPSPLICE_CLUSTER_BACKEND] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPSPLICE_CLUSTER_PROXY_GRACE] = { .type = NLA_U32, },
	[TCPSPLICE_CLUSTER_PROXY_ATTACHED] = { .type = NLA_U8, },
	[TCPSPLICE_CLUSTER_PROXY_GONE] = { .type = NLA_U32, },
	[TCPSPLICE_CLUSTER_SERVING] = { .type = NLA_U8, },
};

const struct nla_policy tcpsplice_config_nl_policy[TCPSPLICE_CFG_IDLE_TIMEOUT + 1] = {
	[TCPSPLICE_CFG_MAX_SPLICES] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpsplice_cfg_max_splices_range),
	[TCPSPLICE_CFG_IDLE_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpsplice_cfg_idle_timeout_range),
};

const struct nla_policy tcpsplice_conn_nl_policy[TCPSPLICE_CONN_TIMESTAMPS + 1] = {
	[TCPSPLICE_CONN_LOCAL_ADDR] = NLA_POLICY_MAX_LEN(16),
	[TCPSPLICE_CONN_LOCAL_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[TCPSPLICE_CONN_REMOTE_ADDR] = NLA_POLICY_MAX_LEN(16),
	[TCPSPLICE_CONN_REMOTE_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[TCPSPLICE_CONN_MSS] = { .type = NLA_U16, },
	[TCPSPLICE_CONN_SND_WSCALE] = { .type = NLA_U8, },
	[TCPSPLICE_CONN_RCV_WSCALE] = { .type = NLA_U8, },
	[TCPSPLICE_CONN_SACK] = { .type = NLA_FLAG, },
	[TCPSPLICE_CONN_TIMESTAMPS] = { .type = NLA_FLAG, },
};

const struct nla_policy tcpsplice_peer_nl_policy[TCPSPLICE_PEER_BACKEND + 1] = {
	[TCPSPLICE_PEER_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[TCPSPLICE_PEER_ADDR] = NLA_POLICY_MAX_LEN(16),
	[TCPSPLICE_PEER_STATE] = NLA_POLICY_MAX(NLA_U8, 2),
	[TCPSPLICE_PEER_READY] = { .type = NLA_U8, },
	[TCPSPLICE_PEER_SYNCED] = { .type = NLA_U8, },
	[TCPSPLICE_PEER_LAST_HEARD] = { .type = NLA_U32, },
	[TCPSPLICE_PEER_UNACKED] = { .type = NLA_U32, },
	[TCPSPLICE_PEER_TX] = { .type = NLA_U64, },
	[TCPSPLICE_PEER_RX] = { .type = NLA_U64, },
	[TCPSPLICE_PEER_RETRANSMITTED] = { .type = NLA_U64, },
	[TCPSPLICE_PEER_BULK_SYNCS] = { .type = NLA_U64, },
	[TCPSPLICE_PEER_FAILURES] = { .type = NLA_U64, },
	[TCPSPLICE_PEER_BACKEND] = NLA_POLICY_MAX(NLA_U8, 1),
};

const struct nla_policy tcpsplice_splice_nl_policy[TCPSPLICE_SPLICE_END + 1] = {
	[TCPSPLICE_SPLICE_ID] = { .type = NLA_U64, },
	[TCPSPLICE_SPLICE_CLIENT] = NLA_POLICY_NESTED(tcpsplice_conn_nl_policy),
	[TCPSPLICE_SPLICE_BACKEND] = NLA_POLICY_NESTED(tcpsplice_conn_nl_policy),
	[TCPSPLICE_SPLICE_STATE] = NLA_POLICY_MAX(NLA_U8, 2),
	[TCPSPLICE_SPLICE_AGE] = { .type = NLA_U32, },
	[TCPSPLICE_SPLICE_IDLE] = { .type = NLA_U32, },
	[TCPSPLICE_SPLICE_PACKETS_TO_BACKEND] = { .type = NLA_U64, },
	[TCPSPLICE_SPLICE_BYTES_TO_BACKEND] = { .type = NLA_U64, },
	[TCPSPLICE_SPLICE_PACKETS_TO_CLIENT] = { .type = NLA_U64, },
	[TCPSPLICE_SPLICE_BYTES_TO_CLIENT] = { .type = NLA_U64, },
	[TCPSPLICE_SPLICE_REPLICA] = { .type = NLA_FLAG, },
	[TCPSPLICE_SPLICE_SPLIT] = { .type = NLA_FLAG, },
	[TCPSPLICE_SPLICE_AGE_MS] = { .type = NLA_U64, },
	[TCPSPLICE_SPLICE_END] = NLA_POLICY_RANGE(NLA_U8, 1, 6),
};

const struct nla_policy tcpsplice_vip_nl_policy[TCPSPLICE_VIP_OWNED + 1] = {
	[TCPSPLICE_VIP_ADDR] = NLA_POLICY_MAX_LEN(16),
	[TCPSPLICE_VIP_OWNERS] = NLA_POLICY_MAX_LEN(68),
	[TCPSPLICE_VIP_OWNED] = { .type = NLA_U8, },
};

/* Global operation policy for tcpsplice */
const struct nla_policy tcpsplice_nl_policy[TCPSPLICE_A_PROXY_GRACE + 1] = {
	[TCPSPLICE_A_CONFIG] = NLA_POLICY_NESTED(tcpsplice_config_nl_policy),
	[TCPSPLICE_A_SPLICE] = NLA_POLICY_NESTED(tcpsplice_splice_nl_policy),
	[TCPSPLICE_A_CLUSTER] = NLA_POLICY_NESTED(tcpsplice_cluster_nl_policy),
	[TCPSPLICE_A_WAIT_SYNC] = { .type = NLA_FLAG, },
	[TCPSPLICE_A_SPLIT] = { .type = NLA_FLAG, },
	[TCPSPLICE_A_PROXY_GRACE] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpsplice_a_proxy_grace_range),
};

/* Ops table for tcpsplice */
const struct genl_small_ops tcpsplice_nl_ops[9] = {
	{
		.cmd	= TCPSPLICE_CMD_GET_STATUS,
		.doit	= tcpsplice_nl_get_status_doit,
	},
	{
		.cmd	= TCPSPLICE_CMD_SET_CONFIG,
		.doit	= tcpsplice_nl_set_config_doit,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= TCPSPLICE_CMD_RESET_STATS,
		.doit	= tcpsplice_nl_reset_stats_doit,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= TCPSPLICE_CMD_SPLICE,
		.doit	= tcpsplice_nl_splice_doit,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= TCPSPLICE_CMD_UNSPLICE,
		.doit	= tcpsplice_nl_unsplice_doit,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= TCPSPLICE_CMD_GET_SPLICE,
		.doit	= tcpsplice_nl_get_splice_doit,
		.dumpit	= tcpsplice_nl_get_splice_dumpit,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= TCPSPLICE_CMD_SET_CLUSTER,
		.doit	= tcpsplice_nl_set_cluster_doit,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= TCPSPLICE_CMD_GET_CLUSTER,
		.doit	= tcpsplice_nl_get_cluster_doit,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= TCPSPLICE_CMD_ATTACH_PROXY,
		.doit	= tcpsplice_nl_attach_proxy_doit,
		.flags	= GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group tcpsplice_nl_mcgrps[] = {
	[TCPSPLICE_NLGRP_EVENTS] = { "events", },
	[TCPSPLICE_NLGRP_SPLICES] = { "splices", },
};
