/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C side of tcpsplice.ko, as seen by the Rust crate (bindgen input).
 *
 * The C files in rust/ffi/, each beside the Rust that wraps it, hold only
 * what Rust cannot express well: the static tables the kernel wants
 * (genetlink family, pernet operations; the genetlink policies and
 * operations table are generated, rust/generated/) and out-of-line wrappers
 * for `static inline` kernel functions. No splice logic.
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
#include <net/sock.h>
#include <linux/llist.h>
#include <linux/net.h>
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
u32 tcpsplice_h_genl_portid(const struct genl_info *info);
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

int tcpsplice_h_parse_splice(struct genl_info *info,
			     struct nlattr *tb[TCPSPLICE_SPLICE_MAX + 1]);
int tcpsplice_h_parse_conn(struct genl_info *info, const struct nlattr *nest,
			   struct nlattr *tb[TCPSPLICE_CONN_MAX + 1]);
u64 tcpsplice_h_nla_get_u64(const struct nlattr *nla);
u16 tcpsplice_h_nla_get_u16(const struct nlattr *nla);
int tcpsplice_h_nla_len(const struct nlattr *nla);
const void *tcpsplice_h_nla_data(const struct nlattr *nla);
int tcpsplice_h_put_u16(struct sk_buff *skb, int type, u16 value);
int tcpsplice_h_put_u8(struct sk_buff *skb, int type, u8 value);
int tcpsplice_h_put_flag(struct sk_buff *skb, int type);
int tcpsplice_h_put_binary(struct sk_buff *skb, int type, const void *data, int len);
struct net *tcpsplice_h_dump_net(const struct netlink_callback *cb);
long *tcpsplice_h_dump_args(struct netlink_callback *cb);
void *tcpsplice_h_dump_put(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd);
void tcpsplice_h_dump_end(struct sk_buff *skb, void *hdr);
void tcpsplice_h_dump_cancel(struct sk_buff *skb, void *hdr);
int tcpsplice_h_skb_len(const struct sk_buff *skb);

/*
 * The splice table (rust/ffi/table.c): an RCU hash table whose entries carry an
 * opaque, 8-byte aligned payload owned by the Rust side. Each entry is found
 * by two keys, one per direction. Lookups need rcu_read_lock(); everything
 * else takes the table lock (with bottom halves disabled).
 */
#define TCPSPLICE_KEY_WORDS 10
struct tcpsplice_key {
	u32 w[TCPSPLICE_KEY_WORDS];
};
struct tcpsplice_table;
struct tcpsplice_reserve;

struct tcpsplice_table *tcpsplice_h_table_new(u32 buckets, void *gc_ctx);
void tcpsplice_h_table_free(struct tcpsplice_table *t);
void tcpsplice_h_table_set_gc_ctx(struct tcpsplice_table *t, void *ctx);
void *tcpsplice_h_entry_alloc(size_t payload);
void tcpsplice_h_entry_free(void *payload);
int tcpsplice_h_table_insert(struct tcpsplice_table *t, void *payload,
			     const struct tcpsplice_key *k0,
			     const struct tcpsplice_key *k1, u32 max,
			     struct tcpsplice_reserve *hold);
void *tcpsplice_h_table_lookup(struct tcpsplice_table *t,
			       const struct tcpsplice_key *k, u8 *side);
void tcpsplice_h_table_lock(struct tcpsplice_table *t);
void tcpsplice_h_table_unlock(struct tcpsplice_table *t);
void *tcpsplice_h_table_next(struct tcpsplice_table *t, void *payload);
void tcpsplice_h_table_remove(struct tcpsplice_table *t, void *payload);
u32 tcpsplice_h_table_count(const struct tcpsplice_table *t);
u32 tcpsplice_h_entry_bytes(size_t payload);
u32 tcpsplice_h_table_bytes(const struct tcpsplice_table *t);
void tcpsplice_h_bh_disable(void);
void tcpsplice_h_bh_enable(void);
u64 tcpsplice_h_jiffies(void);
u32 tcpsplice_h_jiffies_to_secs(u64 j);
u64 tcpsplice_h_secs_to_jiffies(u32 secs);

/*
 * The proxy's sockets (rust/ffi/sock.c). Addresses are 4 or 16 bytes (by
 * family, AF_INET or AF_INET6), ports host order.
 */
enum {
	TCPSPLICE_ECN_OFF,
	TCPSPLICE_ECN_CLASSIC,
	TCPSPLICE_ECN_ACCURATE,
	TCPSPLICE_ECN_NEGOTIATING,
};

struct tcpsplice_sockstate {
	bool connected, handshaking, fin_received, fin_queued;
	bool signed_, repair, out_of_order, ts_ok, sack_ok, wscale_ok;
	u8 snd_wscale, rcv_wscale;
	/* TCPSPLICE_ECN_*: what the connection negotiated */
	u8 ecn;
	u16 mss;
	u32 snd_una, snd_nxt, write_seq, rcv_nxt, copied_seq;
	u32 ts_now, ts_recent, snd_wnd, rcv_wnd;
};
struct sock *tcpsplice_h_sock_lookup(struct net *net, int family,
				     const u8 *laddr, u16 lport,
				     const u8 *raddr, u16 rport);
void tcpsplice_h_sock_put(struct sock *sk);
void tcpsplice_h_sock_lock_pair(struct sock *a, struct sock *b);
void tcpsplice_h_sock_unlock_pair(struct sock *a, struct sock *b);
void tcpsplice_h_sock_read(struct sock *sk, struct tcpsplice_sockstate *out);
void tcpsplice_h_sock_retire(struct sock *sk);
int tcpsplice_h_sock_move(struct sock *from, struct sock *to);
void tcpsplice_h_sock_send_fin(struct sock *sk);
void tcpsplice_h_sock_no_lro(struct sock *sk);
/*
 * What an entry holds outside the table, released in process context when
 * it goes: the port of its backend side, and the proxy's sockets handed
 * over with bytes in flight (each with a reference; rust/ffi/sock.c).
 */
struct tcpsplice_reserve {
	struct llist_node node;
	struct rcu_head rcu;
	struct socket *sock;
	struct sock *handed[2];
};
struct tcpsplice_reserve *tcpsplice_h_reserve_port(struct net *net, int family,
						   const u8 *addr, u16 port);
struct tcpsplice_reserve *tcpsplice_h_hold_new(void);
void tcpsplice_h_sock_hand_over(struct tcpsplice_reserve *r, int side,
				struct sock *sk);
void tcpsplice_h_hold_give_back(struct tcpsplice_reserve *r);
void tcpsplice_h_handed_retire(struct sock *sk);
void tcpsplice_h_reserve_free(struct tcpsplice_reserve *r);
void tcpsplice_h_table_attach(struct tcpsplice_table *t, void *payload,
			      struct tcpsplice_reserve *r);
bool tcpsplice_h_table_handed(void *payload, int side, u32 *rcv_nxt,
			      u32 *snd_una, u32 *snd_nxt);
bool tcpsplice_h_table_handed_is(void *payload, int side,
				 const struct sk_buff *skb);
struct sock *tcpsplice_h_table_take_handed(struct tcpsplice_table *t,
					   void *payload, int side);

/* packets */
u8 *tcpsplice_h_writable(struct sk_buff *skb, unsigned int len);
int tcpsplice_h_csum_mode(struct sk_buff *skb, unsigned int l4);
bool tcpsplice_h_sending(void);
/* What tcpsplice_h_output() sent had been (flags of its result). */
enum {
	TCPSPLICE_SENT_REASSEMBLED = 1,	/* from IP fragments */
	TCPSPLICE_SENT_BIG = 2,		/* longer than 64 KiB (BIG TCP) */
};
int tcpsplice_h_output(struct net *net, struct sk_buff *skb, bool v6);
int tcpsplice_h_send_built(struct net *net, const u8 *data, u32 len, bool v6);
int tcpsplice_h_sock_peer_fin(struct net *net, int family,
			      const u8 *laddr, u16 lport,
			      const u8 *raddr, u16 rport, u32 *rcv_nxt);
int tcpsplice_h_reroute(struct net *net, struct sk_buff *skb, bool v6);
int tcpsplice_h_defrag_enable(struct net *net);
void tcpsplice_h_defrag_disable(struct net *net);
struct sk_buff *tcpsplice_h_skb_copy(struct sk_buff *skb);
bool tcpsplice_h_skb_gso_tcp(const struct sk_buff *skb);
/* What tcpsplice_h_skb_aggregate() finds a packet to be. */
enum {
	TCPSPLICE_AGG_NONE = 0,
	TCPSPLICE_AGG_FRAGLIST = 1,
	TCPSPLICE_AGG_LRO = 2,
};
int tcpsplice_h_skb_aggregate(const struct sk_buff *skb);
struct sk_buff *tcpsplice_h_skb_segment(struct sk_buff *skb);
struct sk_buff *tcpsplice_h_skb_list_pop(struct sk_buff **list);
void tcpsplice_h_skb_list_free(struct sk_buff *list);
void tcpsplice_h_skb_free(struct sk_buff *skb);
bool tcpsplice_h_skb_tcp_csum_ok(struct sk_buff *skb, unsigned int l4, bool v6);
bool tcpsplice_h_skb_trim_local(struct sk_buff *skb, unsigned int len);
bool tcpsplice_h_skb_partial(const struct sk_buff *skb);
struct net *tcpsplice_h_state_net(const struct nf_hook_state *state);
bool tcpsplice_h_pull(struct sk_buff *skb, unsigned int len);
unsigned int tcpsplice_h_network_offset(const struct sk_buff *skb);
const u8 *tcpsplice_h_network_header(const struct sk_buff *skb);

/* KUnit: a packet whose network header is `data`. */
struct sk_buff *tcpsplice_h_test_skb(const u8 *data, u32 len, u16 ethertype);
void tcpsplice_h_test_skb_free(struct sk_buff *skb);
void tcpsplice_h_test_skb_partial(struct sk_buff *skb, u32 l4, u16 csum_offset);
int tcpsplice_h_test_skb_gso(struct sk_buff *skb, u32 n, u16 gso_size, int kind);

/*
 * The cluster (rust/ffi/cluster.c): one UDP socket per namespace with its work
 * items, VIP answers and announcements, events, configuration parsing.
 * Addresses are 4 or 16 bytes as `v6` says.
 */
struct tcpsplice_csock;
struct tcpsplice_peer_cfg {
	u32 id;
	u8 addr[16];
	u8 v6;
	u8 backend;
};
struct tcpsplice_vip_cfg {
	u8 addr[16];
	u8 v6;
	u32 n_owners;
	u32 owners[TCPSPLICE_MAX_PEERS + 1];
};
struct tcpsplice_cluster_cfg {
	u32 node_id, interval_ms, misses;
	u16 port;
	u8 preempt;
	u8 backend;
	bool has_key;
	u8 key[TCPSPLICE_KEY_LEN];
	u32 n_peers, n_vips;
	struct tcpsplice_peer_cfg peers[TCPSPLICE_MAX_PEERS];
	struct tcpsplice_vip_cfg vips[TCPSPLICE_MAX_VIPS];
};
struct tcpsplice_csock *tcpsplice_h_csock_new(struct net *net, u16 port,
					      u32 interval_ms, void *ctx, int *err);
void tcpsplice_h_csock_free(struct tcpsplice_csock *c);
void tcpsplice_h_csock_set_interval(struct tcpsplice_csock *c, u32 interval_ms);
void tcpsplice_h_csock_kick(struct tcpsplice_csock *c);
void tcpsplice_h_csock_lateness(struct tcpsplice_csock *c, u32 *tick_ms,
				u32 *rx_ms, u64 *rx_drops);
int tcpsplice_h_cluster_wq_create(void);
void tcpsplice_h_cluster_wq_destroy(void);
int tcpsplice_h_csock_send(struct tcpsplice_csock *c, const u8 *addr, bool v6,
			   u16 port, const void *data, u32 len);
u64 tcpsplice_h_now_ms(void);
u64 tcpsplice_h_realtime_ns(void);
void tcpsplice_h_arp_register(void);
void tcpsplice_h_arp_unregister(void);
u32 tcpsplice_h_announce(struct net *net, const u8 *addr, bool v6);
bool tcpsplice_h_send_na(struct sk_buff *skb, const u8 *target, const u8 *reply_to);
u32 tcpsplice_h_vip_devs(struct net *net, int *out, u32 max);
int tcpsplice_h_vip_group(struct net *net, const u8 *addr, int ifindex, bool join);
void tcpsplice_h_event(struct net *net, u8 type, u32 node, const u8 *vip, bool v6);
struct sk_buff *tcpsplice_h_splice_event_start(struct net *net, void **hdr);
void tcpsplice_h_splice_event_send(struct net *net, struct sk_buff *skb, void *hdr);
bool tcpsplice_h_splice_listeners(struct net *net);
int tcpsplice_h_parse_cluster(struct genl_info *info,
			      struct tcpsplice_cluster_cfg *cfg);
bool tcpsplice_h_addr_is_local(struct net *net, const u8 *addr, bool v6);
u64 tcpsplice_h_siphash(const void *data, u32 len, const u64 key[2]);

/*
 * Per-CPU counters (rust/ffi/stats.c): n u64 per CPU, added to on the local
 * CPU, read as a sum or a largest over the CPUs. The pointer is a __percpu
 * one, passed as a plain pointer (bindgen knows no address spaces).
 */
u64 *tcpsplice_h_percpu_alloc(u32 n);
void tcpsplice_h_percpu_free(u64 *p);
void tcpsplice_h_percpu_add(u64 *p, u32 i, u64 n);
void tcpsplice_h_percpu_max(u64 *p, u32 i, u64 v);
u64 tcpsplice_h_percpu_sum(const u64 *p, u32 i);
u64 tcpsplice_h_percpu_largest(const u64 *p, u32 i);
void tcpsplice_h_percpu_zero(u64 *p, u32 n);

#endif /* _TCPSPLICE_HELPERS_H */
