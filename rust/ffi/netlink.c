// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink: the family, the parsing of the nests the handlers read,
 * replies, dumps and the events group, for rust/ffi/netlink.rs. The handlers
 * (tcpsplice_nl_*_doit, _dumpit) are declared with the policies and the
 * operations table in generated/netlink.h.
 * See include/tcpsplice_helpers.h for the naming rules.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include "tcpsplice_helpers.h"
#include "../generated/netlink.h"

/* ---- generic netlink ---------------------------------------------------- */

/*
 * The policies and the operations table are generated from the YNL spec
 * (generated/netlink.c, scripts/ynl-regen); the family is declared here
 * because the generator writes it only for families of the "genetlink"
 * protocol, and this one keeps its legacy names (genetlink-legacy).
 */
static const struct genl_multicast_group tcpsplice_mcgrps[] = {
	[TCPSPLICE_NLGRP_EVENTS] = { .name = TCPSPLICE_MCGRP_EVENTS },
	/* Every connection's addresses: for administrators, as conntrack's. */
	[TCPSPLICE_NLGRP_SPLICES] = { .name = TCPSPLICE_MCGRP_SPLICES,
				      .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family tcpsplice_family __ro_after_init = {
	.name = TCPSPLICE_GENL_NAME,
	.version = TCPSPLICE_GENL_VERSION,
	.maxattr = TCPSPLICE_A_MAX,
	.policy = tcpsplice_nl_policy,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.small_ops = tcpsplice_nl_ops,
	.n_small_ops = ARRAY_SIZE(tcpsplice_nl_ops),
	.resv_start_op = 0,
	.mcgrps = tcpsplice_mcgrps,
	.n_mcgrps = ARRAY_SIZE(tcpsplice_mcgrps),
};

/* Rust callback (rust/ffi/netlink.rs): a generic netlink socket closed. */
void tcpsplice_rs_genl_release(struct net *net, u32 portid);

/*
 * The closing of every netlink socket (a blocking notifier chain: process
 * context). A user socket holds a reference on its namespace, so the
 * namespace and this module's state in it are alive here.
 */
static int tcpsplice_netlink_notify(struct notifier_block *nb,
				    unsigned long state, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (state == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    n->portid)
		tcpsplice_rs_genl_release(n->net, n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block tcpsplice_netlink_nb = {
	.notifier_call = tcpsplice_netlink_notify,
};

/* The family, and the watch on its callers' sockets (ATTACH_PROXY). */
int tcpsplice_h_register_genl(void)
{
	int err = genl_register_family(&tcpsplice_family);

	if (err)
		return err;
	err = netlink_register_notifier(&tcpsplice_netlink_nb);
	if (err)
		genl_unregister_family(&tcpsplice_family);
	return err;
}

void tcpsplice_h_unregister_genl(void)
{
	/* Waits for running callbacks (the chain's rwsem). */
	netlink_unregister_notifier(&tcpsplice_netlink_nb);
	genl_unregister_family(&tcpsplice_family);
}

struct net *tcpsplice_h_genl_info_net(const struct genl_info *info)
{
	return genl_info_net(info);
}

u32 tcpsplice_h_genl_portid(const struct genl_info *info)
{
	return info->snd_portid;
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
				tcpsplice_config_nl_policy, info->extack);
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
				tcpsplice_splice_nl_policy, info->extack);
}

int tcpsplice_h_parse_conn(struct genl_info *info, const struct nlattr *nest,
			   struct nlattr *tb[TCPSPLICE_CONN_MAX + 1])
{
	return nla_parse_nested(tb, TCPSPLICE_CONN_MAX, nest,
				tcpsplice_conn_nl_policy, info->extack);
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

/* ---- events ------------------------------------------------------------- */

void tcpsplice_h_event(struct net *net, u8 type, u32 node, const u8 *vip, bool v6)
{
	struct sk_buff *skb;
	struct nlattr *nest;
	void *hdr;

	if (!genl_has_listeners(&tcpsplice_family, net, TCPSPLICE_NLGRP_EVENTS))
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
	genlmsg_multicast_netns(&tcpsplice_family, net, skb, 0,
				TCPSPLICE_NLGRP_EVENTS, GFP_KERNEL);
	return;
fail:
	nlmsg_free(skb);
}

/* ---- splice events ------------------------------------------------------ */

/*
 * A splice event being built for the "splices" group: NULL (nothing to do)
 * when no one listens in @net, or when memory is short. Any context.
 */
struct sk_buff *tcpsplice_h_splice_event_start(struct net *net, void **hdr)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&tcpsplice_family, net, TCPSPLICE_NLGRP_SPLICES))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &tcpsplice_family, 0, TCPSPLICE_CMD_SPLICE_EVENT);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/* Finish and multicast an event from tcpsplice_h_splice_event_start(). */
void tcpsplice_h_splice_event_send(struct net *net, struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&tcpsplice_family, net, skb, 0,
				TCPSPLICE_NLGRP_SPLICES, GFP_ATOMIC);
}

/* Whether anyone listens to splice events in @net. */
bool tcpsplice_h_splice_listeners(struct net *net)
{
	return genl_has_listeners(&tcpsplice_family, net, TCPSPLICE_NLGRP_SPLICES);
}
