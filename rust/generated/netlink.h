/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/tcpsplice.yaml */
/* YNL-GEN kernel header */
/* YNL-ARG --function-prefix tcpsplice_nl */
/* To regenerate run: scripts/ynl-regen */

#ifndef _LINUX_TCPSPLICE_GEN_H
#define _LINUX_TCPSPLICE_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/tcpsplice.h>

/* Common nested types */
extern const struct nla_policy tcpsplice_cluster_nl_policy[TCPSPLICE_CLUSTER_SERVING + 1];
extern const struct nla_policy tcpsplice_config_nl_policy[TCPSPLICE_CFG_IDLE_TIMEOUT + 1];
extern const struct nla_policy tcpsplice_conn_nl_policy[TCPSPLICE_CONN_TIMESTAMPS + 1];
extern const struct nla_policy tcpsplice_peer_nl_policy[TCPSPLICE_PEER_BACKEND + 1];
extern const struct nla_policy tcpsplice_splice_nl_policy[TCPSPLICE_SPLICE_END + 1];
extern const struct nla_policy tcpsplice_vip_nl_policy[TCPSPLICE_VIP_OWNED + 1];

/* Global operation policy for tcpsplice */
extern const struct nla_policy tcpsplice_nl_policy[TCPSPLICE_A_PROXY_GRACE + 1];

/* Ops table for tcpsplice */
extern const struct genl_small_ops tcpsplice_nl_ops[9];

int tcpsplice_nl_get_status_doit(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_nl_set_config_doit(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_nl_reset_stats_doit(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_nl_splice_doit(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_nl_unsplice_doit(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_nl_get_splice_doit(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_nl_get_splice_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb);
int tcpsplice_nl_set_cluster_doit(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_nl_get_cluster_doit(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_nl_attach_proxy_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	TCPSPLICE_NLGRP_EVENTS,
	TCPSPLICE_NLGRP_SPLICES,
};

#endif /* _LINUX_TCPSPLICE_GEN_H */
