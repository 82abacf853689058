// SPDX-License-Identifier: GPL-2.0
/*
 * Static tables and `static inline` wrappers for the Rust crate.
 * See include/tcpsplice_helpers.h for the naming rules.
 */
#include <linux/module.h>
#include <net/netns/generic.h>
#include <net/net_namespace.h>
#include "tcpsplice_helpers.h"

/* Rust callbacks (rust/netns.rs, rust/netlink.rs). */
int tcpsplice_rs_net_init(struct net *net);
void tcpsplice_rs_net_exit(struct net *net);
int tcpsplice_rs_get_status(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_rs_set_config(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_rs_reset_stats(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_rs_splice(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_rs_unsplice(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_rs_get_splice(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_rs_dump_splices(struct sk_buff *skb, struct netlink_callback *cb);
int tcpsplice_rs_set_cluster(struct sk_buff *skb, struct genl_info *info);
int tcpsplice_rs_get_cluster(struct sk_buff *skb, struct genl_info *info);

/* ---- pernet ------------------------------------------------------------ */

static unsigned int tcpsplice_net_id __read_mostly;

static int __net_init tcpsplice_net_init(struct net *net)
{
	return tcpsplice_rs_net_init(net);
}

static void __net_exit tcpsplice_net_exit(struct net *net)
{
	tcpsplice_rs_net_exit(net);
}

static struct pernet_operations tcpsplice_net_ops = {
	.init = tcpsplice_net_init,
	.exit = tcpsplice_net_exit,
	.id = &tcpsplice_net_id,
	.size = sizeof(void *),
};

int tcpsplice_h_register_pernet(void)
{
	return register_pernet_subsys(&tcpsplice_net_ops);
}

void tcpsplice_h_unregister_pernet(void)
{
	unregister_pernet_subsys(&tcpsplice_net_ops);
}

void **tcpsplice_h_net_slot(const struct net *net)
{
	return net_generic(net, tcpsplice_net_id);
}

u64 tcpsplice_h_net_cookie(const struct net *net)
{
	return net->net_cookie;
}

/* ---- generic netlink ---------------------------------------------------- */

/* NLA_POLICY_RANGE's bounds are s16: u32 ranges need the full form. */
static const struct netlink_range_validation tcpsplice_max_splices_range = {
	.min = 1, .max = TCPSPLICE_MAX_SPLICES_LIMIT,
};
static const struct netlink_range_validation tcpsplice_idle_timeout_range = {
	.min = 1, .max = TCPSPLICE_IDLE_TIMEOUT_MAX,
};

static const struct nla_policy tcpsplice_cfg_policy[TCPSPLICE_CFG_MAX + 1] = {
	[TCPSPLICE_CFG_MAX_SPLICES] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &tcpsplice_max_splices_range),
	[TCPSPLICE_CFG_IDLE_TIMEOUT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &tcpsplice_idle_timeout_range),
};

static const struct nla_policy tcpsplice_conn_policy[TCPSPLICE_CONN_MAX + 1] = {
	[TCPSPLICE_CONN_LOCAL_ADDR] = { .type = NLA_BINARY, .len = 16 },
	[TCPSPLICE_CONN_LOCAL_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[TCPSPLICE_CONN_REMOTE_ADDR] = { .type = NLA_BINARY, .len = 16 },
	[TCPSPLICE_CONN_REMOTE_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

static const struct nla_policy tcpsplice_splice_policy[TCPSPLICE_SPLICE_MAX + 1] = {
	[TCPSPLICE_SPLICE_ID] = { .type = NLA_U64 },
	[TCPSPLICE_SPLICE_CLIENT] = NLA_POLICY_NESTED(tcpsplice_conn_policy),
	[TCPSPLICE_SPLICE_BACKEND] = NLA_POLICY_NESTED(tcpsplice_conn_policy),
};

static const struct nla_policy tcpsplice_policy[TCPSPLICE_A_MAX + 1] = {
	[TCPSPLICE_A_CONFIG] = NLA_POLICY_NESTED(tcpsplice_cfg_policy),
	[TCPSPLICE_A_SPLICE] = NLA_POLICY_NESTED(tcpsplice_splice_policy),
	/* Parsed strictly, with its own policies, in rust/cluster.c. */
	[TCPSPLICE_A_CLUSTER] = { .type = NLA_NESTED },
	[TCPSPLICE_A_WAIT_SYNC] = { .type = NLA_FLAG },
	[TCPSPLICE_A_SPLIT] = { .type = NLA_FLAG },
};

static const struct genl_small_ops tcpsplice_ops[] = {
	{
		.cmd = TCPSPLICE_CMD_GET_STATUS,
		.doit = tcpsplice_rs_get_status,
	},
	{
		.cmd = TCPSPLICE_CMD_SET_CONFIG,
		.doit = tcpsplice_rs_set_config,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TCPSPLICE_CMD_RESET_STATS,
		.doit = tcpsplice_rs_reset_stats,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TCPSPLICE_CMD_SPLICE,
		.doit = tcpsplice_rs_splice,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TCPSPLICE_CMD_UNSPLICE,
		.doit = tcpsplice_rs_unsplice,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TCPSPLICE_CMD_GET_SPLICE,
		.doit = tcpsplice_rs_get_splice,
		.dumpit = tcpsplice_rs_dump_splices,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TCPSPLICE_CMD_SET_CLUSTER,
		.doit = tcpsplice_rs_set_cluster,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TCPSPLICE_CMD_GET_CLUSTER,
		.doit = tcpsplice_rs_get_cluster,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group tcpsplice_mcgrps[] = {
	{ .name = TCPSPLICE_MCGRP_EVENTS },
};

static struct genl_family tcpsplice_family __ro_after_init = {
	.name = TCPSPLICE_GENL_NAME,
	.version = TCPSPLICE_GENL_VERSION,
	.maxattr = TCPSPLICE_A_MAX,
	.policy = tcpsplice_policy,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.small_ops = tcpsplice_ops,
	.n_small_ops = ARRAY_SIZE(tcpsplice_ops),
	.resv_start_op = 0,
	.mcgrps = tcpsplice_mcgrps,
	.n_mcgrps = ARRAY_SIZE(tcpsplice_mcgrps),
};

int tcpsplice_h_register_genl(void)
{
	return genl_register_family(&tcpsplice_family);
}

void tcpsplice_h_unregister_genl(void)
{
	genl_unregister_family(&tcpsplice_family);
}

struct net *tcpsplice_h_genl_info_net(const struct genl_info *info)
{
	return genl_info_net(info);
}

struct nlattr *tcpsplice_h_genl_attr(const struct genl_info *info, int type)
{
	if (type < 0 || type > TCPSPLICE_A_MAX)
		return NULL;
	return info->attrs[type];
}

/*
 * NL_SET_ERR_MSG() wants a string literal; the Rust side passes static C
 * strings, which is what extack needs (it keeps the pointer).
 */
void tcpsplice_h_set_err_msg(struct genl_info *info, const char *msg)
{
	if (info->extack)
		info->extack->_msg = msg;
}

int tcpsplice_h_parse_config(struct genl_info *info,
			     struct nlattr *tb[TCPSPLICE_CFG_MAX + 1])
{
	struct nlattr *nest = info->attrs[TCPSPLICE_A_CONFIG];

	if (!nest) {
		NL_SET_ERR_MSG(info->extack, "missing TCPSPLICE_A_CONFIG");
		return -EINVAL;
	}
	return nla_parse_nested(tb, TCPSPLICE_CFG_MAX, nest,
				tcpsplice_cfg_policy, info->extack);
}

int tcpsplice_h_parse_splice(struct genl_info *info,
			     struct nlattr *tb[TCPSPLICE_SPLICE_MAX + 1])
{
	struct nlattr *nest = info->attrs[TCPSPLICE_A_SPLICE];

	if (!nest) {
		NL_SET_ERR_MSG(info->extack, "missing TCPSPLICE_A_SPLICE");
		return -EINVAL;
	}
	return nla_parse_nested(tb, TCPSPLICE_SPLICE_MAX, nest,
				tcpsplice_splice_policy, info->extack);
}

int tcpsplice_h_parse_conn(struct genl_info *info, const struct nlattr *nest,
			   struct nlattr *tb[TCPSPLICE_CONN_MAX + 1])
{
	return nla_parse_nested(tb, TCPSPLICE_CONN_MAX, nest,
				tcpsplice_conn_policy, info->extack);
}

u64 tcpsplice_h_nla_get_u64(const struct nlattr *nla)
{
	return nla_get_u64(nla);
}

u16 tcpsplice_h_nla_get_u16(const struct nlattr *nla)
{
	return nla_get_u16(nla);
}

int tcpsplice_h_nla_len(const struct nlattr *nla)
{
	return nla_len(nla);
}

const void *tcpsplice_h_nla_data(const struct nlattr *nla)
{
	return nla_data(nla);
}

u32 tcpsplice_h_nla_get_u32(const struct nlattr *nla)
{
	return nla_get_u32(nla);
}

struct sk_buff *tcpsplice_h_reply_new(void)
{
	return genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
}

void *tcpsplice_h_reply_put(struct sk_buff *skb, struct genl_info *info, u8 cmd)
{
	return genlmsg_put_reply(skb, info, &tcpsplice_family, 0, cmd);
}

struct nlattr *tcpsplice_h_nest_start(struct sk_buff *skb, int type)
{
	return nla_nest_start(skb, type);
}

void tcpsplice_h_nest_end(struct sk_buff *skb, struct nlattr *start)
{
	nla_nest_end(skb, start);
}

int tcpsplice_h_put_u64(struct sk_buff *skb, int type, u64 value, int padtype)
{
	return nla_put_u64_64bit(skb, type, value, padtype);
}

int tcpsplice_h_put_u32(struct sk_buff *skb, int type, u32 value)
{
	return nla_put_u32(skb, type, value);
}

int tcpsplice_h_put_u16(struct sk_buff *skb, int type, u16 value)
{
	return nla_put_u16(skb, type, value);
}

int tcpsplice_h_put_u8(struct sk_buff *skb, int type, u8 value)
{
	return nla_put_u8(skb, type, value);
}

int tcpsplice_h_put_flag(struct sk_buff *skb, int type)
{
	return nla_put_flag(skb, type);
}

int tcpsplice_h_put_binary(struct sk_buff *skb, int type, const void *data, int len)
{
	return nla_put(skb, type, len, data);
}

struct net *tcpsplice_h_dump_net(const struct netlink_callback *cb)
{
	return sock_net(cb->skb->sk);
}

long *tcpsplice_h_dump_args(struct netlink_callback *cb)
{
	return cb->args;
}

void *tcpsplice_h_dump_put(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &tcpsplice_family, NLM_F_MULTI, cmd);
}

void tcpsplice_h_dump_end(struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
}

void tcpsplice_h_dump_cancel(struct sk_buff *skb, void *hdr)
{
	genlmsg_cancel(skb, hdr);
}

int tcpsplice_h_put_string(struct sk_buff *skb, int type, const char *s)
{
	return nla_put_string(skb, type, s);
}

int tcpsplice_h_reply_send(struct sk_buff *skb, void *hdr, struct genl_info *info)
{
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

void tcpsplice_h_reply_free(struct sk_buff *skb)
{
	nlmsg_free(skb);
}

/* ---- packets ------------------------------------------------------------ */

bool tcpsplice_h_pull(struct sk_buff *skb, unsigned int len)
{
	return pskb_may_pull(skb, len);
}

unsigned int tcpsplice_h_network_offset(const struct sk_buff *skb)
{
	return skb_network_offset(skb);
}

const u8 *tcpsplice_h_network_header(const struct sk_buff *skb)
{
	return skb_network_header(skb);
}

struct sk_buff *tcpsplice_h_test_skb(const u8 *data, u32 len, u16 ethertype)
{
	struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);

	if (!skb)
		return NULL;
	skb_put_data(skb, data, len);
	skb_reset_network_header(skb);
	skb->protocol = htons(ethertype);
	return skb;
}

void tcpsplice_h_test_skb_partial(struct sk_buff *skb, u32 l4, u16 csum_offset)
{
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_network_header(skb) - skb->head + l4;
	skb->csum_offset = csum_offset;
}

void tcpsplice_h_test_skb_free(struct sk_buff *skb)
{
	kfree_skb(skb);
}

/* ---- events ------------------------------------------------------------- */

void tcpsplice_h_event(struct net *net, u8 type, u32 node, const u8 *vip, bool v6)
{
	struct sk_buff *skb;
	struct nlattr *nest;
	void *hdr;

	if (!genl_has_listeners(&tcpsplice_family, net, 0))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &tcpsplice_family, 0, TCPSPLICE_CMD_EVENT);
	if (!hdr)
		goto fail;
	nest = nla_nest_start(skb, TCPSPLICE_A_EVENT);
	if (!nest || nla_put_u8(skb, TCPSPLICE_EVENT_TYPE, type) ||
	    nla_put_u32(skb, TCPSPLICE_EVENT_NODE, node) ||
	    (vip && nla_put(skb, TCPSPLICE_EVENT_VIP, v6 ? 16 : 4, vip)))
		goto fail;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&tcpsplice_family, net, skb, 0, 0, GFP_KERNEL);
	return;
fail:
	nlmsg_free(skb);
}
