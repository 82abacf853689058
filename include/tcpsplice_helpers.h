/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C side of tcpsplice.ko, as seen by the Rust crate (bindgen input).
 *
 * rust/helpers.c holds only what Rust cannot express well: the static tables
 * the kernel wants (genetlink family and policies, pernet operations) and
 * out-of-line wrappers for `static inline` kernel functions. No splice logic.
 *
 *  tcpsplice_h_*   C helpers, called from Rust.
 *  tcpsplice_rs_*  Rust callbacks, called from the C tables.
 */
#ifndef _TCPSPLICE_HELPERS_H
#define _TCPSPLICE_HELPERS_H

#include <linux/types.h>
#include <linux/skbuff.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <uapi/linux/tcpsplice.h>

/* pernet: one pointer-sized slot per namespace, owned by the Rust side. */
int tcpsplice_h_register_pernet(void);
void tcpsplice_h_unregister_pernet(void);
void **tcpsplice_h_net_slot(const struct net *net);
u64 tcpsplice_h_net_cookie(const struct net *net);

/* generic netlink */
int tcpsplice_h_register_genl(void);
void tcpsplice_h_unregister_genl(void);
struct net *tcpsplice_h_genl_info_net(const struct genl_info *info);
struct nlattr *tcpsplice_h_genl_attr(const struct genl_info *info, int type);
void tcpsplice_h_set_err_msg(struct genl_info *info, const char *msg);
int tcpsplice_h_parse_config(struct genl_info *info,
			     struct nlattr *tb[TCPSPLICE_CFG_MAX + 1]);
u32 tcpsplice_h_nla_get_u32(const struct nlattr *nla);
struct sk_buff *tcpsplice_h_reply_new(void);
void *tcpsplice_h_reply_put(struct sk_buff *skb, struct genl_info *info, u8 cmd);
struct nlattr *tcpsplice_h_nest_start(struct sk_buff *skb, int type);
void tcpsplice_h_nest_end(struct sk_buff *skb, struct nlattr *start);
int tcpsplice_h_put_u64(struct sk_buff *skb, int type, u64 value, int padtype);
int tcpsplice_h_put_u32(struct sk_buff *skb, int type, u32 value);
int tcpsplice_h_put_string(struct sk_buff *skb, int type, const char *s);
int tcpsplice_h_reply_send(struct sk_buff *skb, void *hdr, struct genl_info *info);
void tcpsplice_h_reply_free(struct sk_buff *skb);

/* packets */
bool tcpsplice_h_pull(struct sk_buff *skb, unsigned int len);
unsigned int tcpsplice_h_network_offset(const struct sk_buff *skb);
const u8 *tcpsplice_h_network_header(const struct sk_buff *skb);

/* KUnit: a packet whose network header is `data`. */
struct sk_buff *tcpsplice_h_test_skb(const u8 *data, u32 len, u16 ethertype);
void tcpsplice_h_test_skb_free(struct sk_buff *skb);

#endif /* _TCPSPLICE_HELPERS_H */
