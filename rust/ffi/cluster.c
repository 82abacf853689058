// SPDX-License-Identifier: GPL-2.0
/*
 * Cluster mechanics for the Rust crate: the per-namespace UDP socket that
 * carries heartbeats and state sync, the work items that run the protocol
 * (rust/cluster.rs), ARP answers and announcements for owned VIPs, events on
 * the genetlink multicast group, and parsing of TCPSPLICE_A_CLUSTER.
 * No protocol logic lives here.
 */
#include <linux/delay.h>
#include <linux/if_arp.h>
#include <linux/in6.h>
#include <linux/netdevice.h>
#include <linux/siphash.h>
#include <linux/workqueue.h>
#include <net/addrconf.h>
#include <net/arp.h>
#include <net/ndisc.h>
#include <net/route.h>
#include <net/ipv6.h>
#include <net/udp.h>
#include "tcpsplice_helpers.h"
#include "../generated/netlink.h"

/* Rust callbacks (rust/ffi/cluster.rs). */
void tcpsplice_rs_cluster_rx(void *ctx, struct tcpsplice_csock *c,
			     const u8 *data, u32 len, bool truncated,
			     const u8 *addr, bool v6);
void tcpsplice_rs_cluster_tick(void *ctx, struct tcpsplice_csock *c);
void tcpsplice_rs_cluster_flush(void *ctx, struct tcpsplice_csock *c);
bool tcpsplice_rs_vip_owned(const struct net *net, const u8 *addr, bool v6);

#define CSOCK_RX_BUDGET 64

/*
 * The sync sockets' work items run here: unbound, so that a CPU kept busy
 * by softirqs (a NIC's receive interrupts all land on one CPU) does not
 * hold back the heartbeats and their reception, and high priority, ahead
 * of ordinary tasks on whichever CPU takes them.
 */
static struct workqueue_struct *csock_wq;

int tcpsplice_h_cluster_wq_create(void)
{
	csock_wq = alloc_workqueue("tcpsplice_sync", WQ_UNBOUND | WQ_HIGHPRI, 0);
	return csock_wq ? 0 : -ENOMEM;
}

void tcpsplice_h_cluster_wq_destroy(void)
{
	destroy_workqueue(csock_wq);
}

struct tcpsplice_csock {
	struct socket *sock;
	struct work_struct rx_work;
	struct work_struct tx_work;
	struct delayed_work tick;
	void *ctx;
	void (*saved_data_ready)(struct sock *sk);
	unsigned long interval;
	bool stopping;
	/*
	 * How late the work ran, in jiffies: the tick after it was due, the
	 * rx work after a datagram queued it. The largest since the last
	 * tcpsplice_h_csock_lateness(), for the counters.
	 */
	unsigned long tick_due, rx_queued_at;
	unsigned long tick_late_max, rx_late_max;
	/* Only the rx work uses it (a work item never runs twice at once). */
	u8 buf[2048];
};

static void csock_data_ready(struct sock *sk)
{
	struct tcpsplice_csock *c;

	read_lock_bh(&sk->sk_callback_lock);
	c = sk->sk_user_data;
	if (c && !READ_ONCE(c->stopping) && !work_pending(&c->rx_work)) {
		WRITE_ONCE(c->rx_queued_at, jiffies);
		queue_work(csock_wq, &c->rx_work);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void csock_rx(struct work_struct *w)
{
	struct tcpsplice_csock *c = container_of(w, struct tcpsplice_csock, rx_work);
	unsigned long late = jiffies - READ_ONCE(c->rx_queued_at);
	int i;

	if (late > READ_ONCE(c->rx_late_max))
		WRITE_ONCE(c->rx_late_max, late);
	for (i = 0; i < CSOCK_RX_BUDGET && !READ_ONCE(c->stopping); i++) {
		struct sockaddr_in6 from = {};
		struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from) };
		struct kvec iov = { .iov_base = c->buf, .iov_len = sizeof(c->buf) };
		bool mapped;
		int n;

		n = kernel_recvmsg(c->sock, &msg, &iov, 1, sizeof(c->buf),
				   MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			return;
		if (from.sin6_family != AF_INET6)
			continue;
		mapped = ipv6_addr_v4mapped(&from.sin6_addr);
		tcpsplice_rs_cluster_rx(c->ctx, c, c->buf,
					min_t(u32, n, sizeof(c->buf)),
					n > (int)sizeof(c->buf),
					mapped ? &from.sin6_addr.s6_addr[12] :
						 from.sin6_addr.s6_addr,
					!mapped);
	}
	if (!READ_ONCE(c->stopping)) {
		WRITE_ONCE(c->rx_queued_at, jiffies);
		queue_work(csock_wq, &c->rx_work);
	}
}

static void csock_tx(struct work_struct *w)
{
	struct tcpsplice_csock *c = container_of(w, struct tcpsplice_csock, tx_work);

	tcpsplice_rs_cluster_flush(c->ctx, c);
}

/* Only the tick (or the set-up, before any tick) arms the tick. */
static void csock_tick_arm(struct tcpsplice_csock *c, unsigned long delay)
{
	if (READ_ONCE(c->stopping))
		return;
	c->tick_due = jiffies + delay;
	queue_delayed_work(csock_wq, &c->tick, delay);
}

static void csock_tick(struct work_struct *w)
{
	struct tcpsplice_csock *c =
		container_of(to_delayed_work(w), struct tcpsplice_csock, tick);
	unsigned long late = jiffies - c->tick_due;

	if (time_after(jiffies, c->tick_due) && late > READ_ONCE(c->tick_late_max))
		WRITE_ONCE(c->tick_late_max, late);
	tcpsplice_rs_cluster_tick(c->ctx, c);
	csock_tick_arm(c, READ_ONCE(c->interval));
}

struct tcpsplice_csock *tcpsplice_h_csock_new(struct net *net, u16 port,
					      u32 interval_ms, void *ctx, int *err)
{
	struct sockaddr_in6 addr = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
		.sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct tcpsplice_csock *c;
	struct sock *sk;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	/* One dual-stack socket: IPv4 peers appear as v4-mapped addresses. */
	*err = sock_create_kern(net, AF_INET6, SOCK_DGRAM, IPPROTO_UDP, &c->sock);
	if (*err)
		goto free;
	sk = c->sock->sk;
	sk->sk_ipv6only = false;
	*err = kernel_bind(c->sock, (struct sockaddr_unsized *)&addr, sizeof(addr));
	if (*err)
		goto release;
	c->ctx = ctx;
	c->interval = max(msecs_to_jiffies(interval_ms), 1UL);
	INIT_WORK(&c->rx_work, csock_rx);
	INIT_WORK(&c->tx_work, csock_tx);
	INIT_DELAYED_WORK(&c->tick, csock_tick);
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = c;
	c->saved_data_ready = sk->sk_data_ready;
	sk->sk_data_ready = csock_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	csock_tick_arm(c, 0);
	return c;
release:
	sock_release(c->sock);
free:
	kfree(c);
	return NULL;
}

void tcpsplice_h_csock_free(struct tcpsplice_csock *c)
{
	struct sock *sk = c->sock->sk;

	WRITE_ONCE(c->stopping, true);
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = c->saved_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	cancel_delayed_work_sync(&c->tick);
	cancel_work_sync(&c->rx_work);
	cancel_work_sync(&c->tx_work);
	sock_release(c->sock);
	kfree(c);
}

void tcpsplice_h_csock_set_interval(struct tcpsplice_csock *c, u32 interval_ms)
{
	WRITE_ONCE(c->interval, max(msecs_to_jiffies(interval_ms), 1UL));
}

void tcpsplice_h_csock_kick(struct tcpsplice_csock *c)
{
	if (!READ_ONCE(c->stopping))
		queue_work(csock_wq, &c->tx_work);
}

void tcpsplice_h_csock_lateness(struct tcpsplice_csock *c, u32 *tick_ms,
				u32 *rx_ms, u64 *rx_drops)
{
	*tick_ms = jiffies_to_msecs(xchg(&c->tick_late_max, 0));
	*rx_ms = jiffies_to_msecs(xchg(&c->rx_late_max, 0));
	*rx_drops = sk_drops_read(c->sock->sk);
}

int tcpsplice_h_csock_send(struct tcpsplice_csock *c, const u8 *addr, bool v6,
			   u16 port, const void *data, u32 len)
{
	struct sockaddr_in6 to = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
	};
	struct msghdr msg = {
		.msg_name = &to,
		.msg_namelen = sizeof(to),
		.msg_flags = MSG_DONTWAIT,
	};
	struct kvec iov = { .iov_base = (void *)data, .iov_len = len };

	if (v6)
		memcpy(&to.sin6_addr, addr, 16);
	else
		ipv6_addr_set_v4mapped(*(const __be32 *)addr, &to.sin6_addr);
	return kernel_sendmsg(c->sock, &msg, &iov, 1, len);
}

u64 tcpsplice_h_now_ms(void)
{
	return ktime_get_ns() / NSEC_PER_MSEC;
}

u64 tcpsplice_h_realtime_ns(void)
{
	return ktime_get_real_ns();
}

/* ---- VIPs: ARP answers and announcements -------------------------------- */

/*
 * Every node has the VIPs on a loopback device and the kernel told not to
 * answer or announce them (arp_ignore=1, arp_announce=2); this handler
 * answers ARP requests for the VIPs this node owns, on whatever Ethernet
 * device they arrive.
 */
static int vip_arp_rcv(struct sk_buff *skb, struct net_device *dev,
		       struct packet_type *pt, struct net_device *orig_dev)
{
	const struct arphdr *arp;
	const u8 *p;
	__be32 sip, tip;
	u8 sha[ETH_ALEN];

	if (skb->pkt_type == PACKET_OTHERHOST || dev->type != ARPHRD_ETHER ||
	    dev->addr_len != ETH_ALEN)
		goto out;
	if (!pskb_may_pull(skb, sizeof(*arp) + 2 * (ETH_ALEN + 4)))
		goto out;
	arp = arp_hdr(skb);
	if (arp->ar_hrd != htons(ARPHRD_ETHER) || arp->ar_pro != htons(ETH_P_IP) ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != 4 ||
	    arp->ar_op != htons(ARPOP_REQUEST))
		goto out;
	p = (const u8 *)(arp + 1);
	memcpy(sha, p, ETH_ALEN);
	memcpy(&sip, p + ETH_ALEN, 4);
	memcpy(&tip, p + 2 * ETH_ALEN + 4, 4);
	if (ipv4_is_multicast(tip) || ipv4_is_zeronet(sip) || sip == tip ||
	    !is_valid_ether_addr(sha))
		goto out;
	if (tcpsplice_rs_vip_owned(dev_net(dev), (const u8 *)&tip, false))
		arp_send(ARPOP_REPLY, ETH_P_ARP, sip, dev, tip, sha,
			 dev->dev_addr, sha);
out:
	consume_skb(skb);
	return NET_RX_SUCCESS;
}

static struct packet_type vip_arp_packet_type __read_mostly = {
	.type = cpu_to_be16(ETH_P_ARP),
	.func = vip_arp_rcv,
};

void tcpsplice_h_arp_register(void)
{
	dev_add_pack(&vip_arp_packet_type);
}

void tcpsplice_h_arp_unregister(void)
{
	/* Waits for handlers running on other CPUs (synchronize_net). */
	dev_remove_pack(&vip_arp_packet_type);
}

/* The devices VIPs are answered and announced on: Ethernet, up, with ARP. */
static bool vip_dev(const struct net_device *dev, bool v6)
{
	if (!(dev->flags & IFF_UP) || (dev->flags & (IFF_LOOPBACK | IFF_NOARP)) ||
	    dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN)
		return false;
	return !v6 || rcu_access_pointer(dev->ip6_ptr);
}

/*
 * Answer a neighbour solicitation for an owned IPv6 VIP (checked by the
 * caller, rust/hooks.rs) that arrived on `skb->dev`: a solicited
 * advertisement with override to `reply_to`, or an unsolicited one to all
 * nodes when `reply_to` is NULL (the solicitor runs duplicate address
 * detection). The kernel itself does not answer: the VIP is on a loopback
 * device, and solicitations are matched against the receiving device's
 * addresses only.
 */
bool tcpsplice_h_send_na(struct sk_buff *skb, const u8 *target, const u8 *reply_to)
{
	struct net_device *dev = skb->dev;

	if (!dev || !vip_dev(dev, true))
		return false;
	ndisc_send_na(dev, reply_to ? (const struct in6_addr *)reply_to :
		      &in6addr_linklocal_allnodes, (const struct in6_addr *)target,
		      false, reply_to != NULL, true, true);
	return true;
}

/*
 * The ifindexes of the devices an IPv6 VIP is answered on (at most `max`),
 * for tcpsplice_h_vip_group.
 */
u32 tcpsplice_h_vip_devs(struct net *net, int *out, u32 max)
{
	struct net_device *dev;
	u32 n = 0;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (n < max && vip_dev(dev, true))
			out[n++] = dev->ifindex;
	}
	rcu_read_unlock();
	return n;
}

/*
 * Join (or leave) the solicited-node multicast group of the IPv6 address
 * `addr` on device `ifindex`, so that its solicitations get past the
 * device's multicast filter and MLD-snooping switches send them here.
 * Process context (the group's mutex). -ENODEV if the device is gone (its
 * memberships went with it).
 */
int tcpsplice_h_vip_group(struct net *net, const u8 *addr, int ifindex, bool join)
{
	struct net_device *dev = dev_get_by_index(net, ifindex);
	struct in6_addr group;
	int err;

	if (!dev)
		return -ENODEV;
	addrconf_addr_solict_mult((const struct in6_addr *)addr, &group);
	err = join ? ipv6_dev_mc_inc(dev, &group) : ipv6_dev_mc_dec(dev, &group);
	dev_put(dev);
	return err;
}

/*
 * Announce that this node now answers for `addr`: a gratuitous ARP request
 * (IPv4) or an unsolicited neighbour advertisement with override (IPv6) on
 * every Ethernet device of the namespace that is up. Returns how many were
 * sent.
 */
u32 tcpsplice_h_announce(struct net *net, const u8 *addr, bool v6)
{
	struct net_device *dev;
	u32 n = 0;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (!vip_dev(dev, v6))
			continue;
		if (v6) {
			ndisc_send_na(dev, &in6addr_linklocal_allnodes,
				      (const struct in6_addr *)addr,
				      false, false, true, true);
		} else {
			__be32 a;

			memcpy(&a, addr, 4);
			arp_send(ARPOP_REQUEST, ETH_P_ARP, a, dev, a, NULL,
				 dev->dev_addr, NULL);
		}
		n++;
	}
	rcu_read_unlock();
	return n;
}

/* ---- TCPSPLICE_A_CLUSTER ------------------------------------------------ */

/* Its policies are generated from the YNL spec: generated/netlink.c. */

static int addr_of(const struct nlattr *a, u8 *addr, u8 *v6,
		   struct netlink_ext_ack *extack)
{
	int len = a ? nla_len(a) : 0;

	if (len != 4 && len != 16) {
		NL_SET_ERR_MSG_ATTR(extack, a, "address must be 4 or 16 bytes");
		return -EINVAL;
	}
	memset(addr, 0, 16);
	memcpy(addr, nla_data(a), len);
	*v6 = len == 16;
	return 0;
}

int tcpsplice_h_parse_cluster(struct genl_info *info,
			      struct tcpsplice_cluster_cfg *cfg)
{
	struct nlattr *tb[TCPSPLICE_CLUSTER_MAX + 1];
	struct nlattr *nest = info->attrs[TCPSPLICE_A_CLUSTER];
	struct netlink_ext_ack *extack = info->extack;
	const struct nlattr *a;
	int rem, err;

	memset(cfg, 0, sizeof(*cfg));
	if (!nest) {
		NL_SET_ERR_MSG(extack, "missing TCPSPLICE_A_CLUSTER");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, TCPSPLICE_CLUSTER_MAX, nest,
			       tcpsplice_cluster_nl_policy, extack);
	if (err)
		return err;
	if (!tb[TCPSPLICE_CLUSTER_NODE_ID]) {
		NL_SET_ERR_MSG(extack, "missing TCPSPLICE_CLUSTER_NODE_ID");
		return -EINVAL;
	}
	cfg->node_id = nla_get_u32(tb[TCPSPLICE_CLUSTER_NODE_ID]);
	cfg->port = tb[TCPSPLICE_CLUSTER_PORT] ?
		nla_get_u16(tb[TCPSPLICE_CLUSTER_PORT]) : TCPSPLICE_SYNC_PORT_DEFAULT;
	cfg->interval_ms = tb[TCPSPLICE_CLUSTER_INTERVAL] ?
		nla_get_u32(tb[TCPSPLICE_CLUSTER_INTERVAL]) : 100;
	cfg->misses = tb[TCPSPLICE_CLUSTER_MISSES] ?
		nla_get_u32(tb[TCPSPLICE_CLUSTER_MISSES]) : 5;
	cfg->preempt = tb[TCPSPLICE_CLUSTER_PREEMPT] ?
		nla_get_u8(tb[TCPSPLICE_CLUSTER_PREEMPT]) : 0;
	cfg->backend = tb[TCPSPLICE_CLUSTER_BACKEND] ?
		nla_get_u8(tb[TCPSPLICE_CLUSTER_BACKEND]) : 0;
	if (tb[TCPSPLICE_CLUSTER_KEY]) {
		memcpy(cfg->key, nla_data(tb[TCPSPLICE_CLUSTER_KEY]), TCPSPLICE_KEY_LEN);
		cfg->has_key = true;
	}
	nla_for_each_nested(a, nest, rem) {
		struct nlattr *sub[TCPSPLICE_VIP_MAX + 1 > TCPSPLICE_PEER_MAX + 1 ?
				   TCPSPLICE_VIP_MAX + 1 : TCPSPLICE_PEER_MAX + 1];

		if (nla_type(a) == TCPSPLICE_CLUSTER_PEER) {
			struct tcpsplice_peer_cfg *p;

			if (cfg->n_peers == TCPSPLICE_MAX_PEERS) {
				NL_SET_ERR_MSG_ATTR(extack, a, "too many peers");
				return -E2BIG;
			}
			p = &cfg->peers[cfg->n_peers];
			err = nla_parse_nested(sub, TCPSPLICE_PEER_MAX, a,
					       tcpsplice_peer_nl_policy, extack);
			if (err)
				return err;
			if (!sub[TCPSPLICE_PEER_ID]) {
				NL_SET_ERR_MSG_ATTR(extack, a, "peer without TCPSPLICE_PEER_ID");
				return -EINVAL;
			}
			p->id = nla_get_u32(sub[TCPSPLICE_PEER_ID]);
			err = addr_of(sub[TCPSPLICE_PEER_ADDR], p->addr, &p->v6, extack);
			if (err)
				return err;
			p->backend = sub[TCPSPLICE_PEER_BACKEND] ?
				nla_get_u8(sub[TCPSPLICE_PEER_BACKEND]) : 0;
			cfg->n_peers++;
		} else if (nla_type(a) == TCPSPLICE_CLUSTER_VIP) {
			struct tcpsplice_vip_cfg *v;
			const struct nlattr *o;
			int olen;

			if (cfg->n_vips == TCPSPLICE_MAX_VIPS) {
				NL_SET_ERR_MSG_ATTR(extack, a, "too many VIPs");
				return -E2BIG;
			}
			v = &cfg->vips[cfg->n_vips];
			err = nla_parse_nested(sub, TCPSPLICE_VIP_MAX, a,
					       tcpsplice_vip_nl_policy, extack);
			if (err)
				return err;
			err = addr_of(sub[TCPSPLICE_VIP_ADDR], v->addr, &v->v6, extack);
			if (err)
				return err;
			o = sub[TCPSPLICE_VIP_OWNERS];
			olen = o ? nla_len(o) : 0;
			if (!olen || olen % 4) {
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "VIP needs TCPSPLICE_VIP_OWNERS (u32 node ids)");
				return -EINVAL;
			}
			v->n_owners = olen / 4;
			memcpy(v->owners, nla_data(o), olen);
			cfg->n_vips++;
		}
	}
	return 0;
}

/* Whether `addr` is an address of this host in `net` (process context). */
bool tcpsplice_h_addr_is_local(struct net *net, const u8 *addr, bool v6)
{
	__be32 a4;

	if (v6) {
#if IS_ENABLED(CONFIG_IPV6)
		return ipv6_chk_addr(net, (const struct in6_addr *)addr, NULL, 0);
#else
		return false;
#endif
	}
	memcpy(&a4, addr, 4);
	return inet_addr_type(net, a4) == RTN_LOCAL;
}

/* The kernel's SipHash-2-4, for the KUnit test that checks the core's. */
u64 tcpsplice_h_siphash(const void *data, u32 len, const u64 key[2])
{
	siphash_key_t k = { .key = { key[0], key[1] } };

	return siphash(data, len, &k);
}
