// SPDX-License-Identifier: GPL-2.0
/*
 * Packet plumbing for the data path: make headers writable, classify the
 * checksum state, and send a translated packet on with a fresh route (the
 * way nf_dup_ipv4/nf_dup_ipv6 do). A translated packet has a local source
 * address, so it must not go back through input routing.
 */
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/gso.h>
#include <net/route.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include "tcpsplice_helpers.h"

/* The first `len` bytes from the network header, writable; NULL on failure. */
u8 *tcpsplice_h_writable(struct sk_buff *skb, unsigned int len)
{
	if (skb_ensure_writable(skb, skb_network_offset(skb) + len))
		return NULL;
	return skb_network_header(skb);
}

/*
 * 0: the TCP checksum field holds a full checksum (CHECKSUM_COMPLETE, whose
 * sum goes stale, becomes CHECKSUM_NONE); 1: CHECKSUM_PARTIAL with the
 * checksum starting at the TCP header `l4` bytes after the network header;
 * -1: CHECKSUM_PARTIAL starting anywhere else.
 */
int tcpsplice_h_csum_mode(struct sk_buff *skb, unsigned int l4)
{
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		if (skb_checksum_start_offset(skb) != skb_network_offset(skb) + l4 ||
		    skb->csum_offset != offsetof(struct tcphdr, check))
			return -1;
		return 1;
	}
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_NONE;
	return 0;
}

/*
 * Set while this CPU sends a translated packet: the LOCAL_OUT hook, which
 * runs within ip_local_out(), lets those through and drops anything else
 * local on a spliced connection (a reset from the stack, say, whose skb
 * need not carry a socket: IPv6's does not).
 */
static DEFINE_PER_CPU(bool, tcpsplice_sending);

bool tcpsplice_h_sending(void)
{
	return __this_cpu_read(tcpsplice_sending);
}

int tcpsplice_h_skb_len(const struct sk_buff *skb)
{
	return skb->len;
}

struct net *tcpsplice_h_state_net(const struct nf_hook_state *state)
{
	return state->net;
}

static void prepare(struct sk_buff *skb)
{
	nf_reset_ct(skb);
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	/* The splice is the connection's state; conntrack stays out of it. */
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
#endif
	skb_clear_tstamp(skb);
	skb->skb_iif = 0;
}

/* TCPSPLICE_SENT_* flags for a packet about to be sent. */
static int what_sent(const struct sk_buff *skb, u16 frag_max)
{
	return (frag_max ? TCPSPLICE_SENT_REASSEMBLED : 0) |
	       (skb->len > IP_MAX_MTU ? TCPSPLICE_SENT_BIG : 0);
}

static int output4(struct net *net, struct sk_buff *skb)
{
	struct iphdr *iph = ip_hdr(skb);
	struct flowi4 fl4 = {
		.daddr = iph->daddr,
		.saddr = iph->saddr,
		.flowi4_proto = iph->protocol,
		.flowi4_dscp = ip4h_dscp(iph),
		.flowi4_scope = RT_SCOPE_UNIVERSE,
		.flowi4_mark = skb->mark,
	};
	struct rtable *rt = ip_route_output_key(net, &fl4);
	u16 frag_max, pmtu;
	int sent;

	if (IS_ERR(rt)) {
		kfree_skb(skb);
		return PTR_ERR(rt);
	}
	skb_dst_drop(skb);
	skb_dst_set(skb, &rt->dst);
	skb->dev = rt->dst.dev;
	skb->protocol = htons(ETH_P_IP);
	/*
	 * A packet the kernel reassembled keeps what ip_forward() keeps: the
	 * largest fragment's size, so ip_fragment() cuts it no larger than
	 * the sender's fragments were (or answers "fragmentation needed" for a
	 * DF one that no longer fits), and the flag that it came with DF.
	 */
	frag_max = IPCB(skb)->frag_max_size;
	sent = what_sent(skb, frag_max);
	pmtu = IPCB(skb)->flags & IPSKB_FRAG_PMTU;
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	IPCB(skb)->frag_max_size = frag_max;
	IPCB(skb)->flags = pmtu;
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	ip_send_check(iph);
	prepare(skb);
	__this_cpu_write(tcpsplice_sending, true);
	ip_local_out(net, NULL, skb);
	__this_cpu_write(tcpsplice_sending, false);
	return sent;
}

#if IS_ENABLED(CONFIG_IPV6)
static int output6(struct net *net, struct sk_buff *skb)
{
	struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct flowi6 fl6 = {
		.daddr = ip6h->daddr,
		.saddr = ip6h->saddr,
		.flowi6_proto = ip6h->nexthdr,
		.flowlabel = ip6_flowinfo(ip6h),
		.flowi6_mark = skb->mark,
	};
	struct dst_entry *dst = ip6_route_output(net, NULL, &fl6);
	int err = dst->error;
	u16 frag_max;
	int sent;

	if (err) {
		dst_release(dst);
		kfree_skb(skb);
		return err;
	}
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	skb->dev = dst->dev;
	skb->protocol = htons(ETH_P_IPV6);
	/* As output4(): nf_ct_frag6_reasm() recorded the fragments' size. */
	frag_max = IP6CB(skb)->frag_max_size;
	sent = what_sent(skb, frag_max);
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	IP6CB(skb)->frag_max_size = frag_max;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	prepare(skb);
	__this_cpu_write(tcpsplice_sending, true);
	ip6_local_out(net, NULL, skb);
	__this_cpu_write(tcpsplice_sending, false);
	return sent;
}
#endif

/*
 * Route and send a translated packet; the skb is consumed either way. Called
 * from the PRE_ROUTING hook, so bottom halves are off and this CPU stays.
 * TCPSPLICE_SENT_* flags (what the packet had been), or a negative errno.
 */
int tcpsplice_h_output(struct net *net, struct sk_buff *skb, bool v6)
{
	if (!v6)
		return output4(net, skb);
#if IS_ENABLED(CONFIG_IPV6)
	return output6(net, skb);
#else
	kfree_skb(skb);
	return -EAFNOSUPPORT;
#endif
}

/*
 * Send a packet this module built (a probe or a kick after a takeover,
 * rust/splice.rs): `len` bytes from the IP header on, routed by its
 * addresses. Any context; 0 or a negative errno.
 */
int tcpsplice_h_send_built(struct net *net, const u8 *data, u32 len, bool v6)
{
	struct sk_buff *skb = alloc_skb(LL_MAX_HEADER + len, GFP_ATOMIC);
	int err;

	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, LL_MAX_HEADER);
	skb_put_data(skb, data, len);
	skb_reset_network_header(skb);
	/* The per-CPU flag in output4/6 needs this CPU to stay. */
	local_bh_disable();
	err = tcpsplice_h_output(net, skb, v6);
	local_bh_enable();
	return min(err, 0);
}

/*
 * The kernel's defragmentation in this namespace, as conntrack enables it
 * (nf_defrag_ipv4/6 hooks at -400, before the splice's at -250): a spliced
 * connection's IP fragments reach the splice reassembled. Without it they
 * would go up the local stack, which has no socket for them. 0 or a
 * negative errno.
 */
int tcpsplice_h_defrag_enable(struct net *net)
{
	int err = 0;

#if IS_ENABLED(CONFIG_NF_DEFRAG_IPV4)
	err = nf_defrag_ipv4_enable(net);
	if (err)
		return err;
#endif
#if IS_ENABLED(CONFIG_NF_DEFRAG_IPV6)
	err = nf_defrag_ipv6_enable(net);
#if IS_ENABLED(CONFIG_NF_DEFRAG_IPV4)
	if (err)
		nf_defrag_ipv4_disable(net);
#endif
#endif
	return err;
}

void tcpsplice_h_defrag_disable(struct net *net)
{
#if IS_ENABLED(CONFIG_NF_DEFRAG_IPV6)
	nf_defrag_ipv6_disable(net);
#endif
#if IS_ENABLED(CONFIG_NF_DEFRAG_IPV4)
	nf_defrag_ipv4_disable(net);
#endif
}

/*
 * A split splice's packet, sent by this host and translated in LOCAL_OUT
 * (new addresses): route it again, as NAT does in LOCAL_OUT. The source is
 * the VIP, not an address of this host; ip_route_me_harder() keeps it.
 * 0 or a negative errno (the caller drops the packet).
 */
int tcpsplice_h_reroute(struct net *net, struct sk_buff *skb, bool v6)
{
	if (!v6)
		return ip_route_me_harder(net, skb->sk, skb, RTN_UNSPEC);
#if IS_ENABLED(CONFIG_IPV6)
	return ip6_route_me_harder(net, skb->sk, skb);
#else
	return -EAFNOSUPPORT;
#endif
}

/*
 * A private copy of a packet (headers and data linear), for a splice that
 * must both forward a packet and let the local stack see it (a handed-over
 * socket's acknowledgements, rust/splice/forward.rs). NULL on failure.
 */
struct sk_buff *tcpsplice_h_skb_copy(struct sk_buff *skb)
{
	return skb_copy(skb, GFP_ATOMIC);
}

void tcpsplice_h_skb_free(struct sk_buff *skb)
{
	kfree_skb(skb);
}

/*
 * A GSO packet of TCP segments, which may be longer than an IPv4 total
 * length can say (BIG TCP: the field is 0), as iph_totlen() reads it.
 */
bool tcpsplice_h_skb_gso_tcp(const struct sk_buff *skb)
{
	return skb_is_gso(skb) && skb_is_gso_tcp(skb);
}

/*
 * What kind of aggregate a packet is, TCPSPLICE_AGG_*: none (a segment, or
 * a GRO or GSO packet segmentation copies the first header of); a fraglist
 * GRO packet (rx-gro-list: the segments kept whole, each with its own
 * headers, behind the first; the stack makes them for TCP flows without a
 * local socket, which is what a spliced flow is); or an LRO packet (a
 * device's, with a gso_size and no gso_type, as skb_warn_if_lro() tells
 * them: it cannot be segmented again, so it cannot be forwarded).
 */
int tcpsplice_h_skb_aggregate(const struct sk_buff *skb)
{
	const struct skb_shared_info *shinfo = skb_shinfo(skb);

	if (!skb_is_nonlinear(skb) || !shinfo->gso_size)
		return TCPSPLICE_AGG_NONE;
	if (!shinfo->gso_type)
		return TCPSPLICE_AGG_LRO;
	if (shinfo->gso_type & SKB_GSO_FRAGLIST)
		return TCPSPLICE_AGG_FRAGLIST;
	return TCPSPLICE_AGG_NONE;
}

/*
 * Cut a GSO packet into its segments in software, as nfnetlink_queue does
 * (skb_gso_segment() with no device features): a fraglist packet gives back
 * the very segments it was made of. The packet is consumed either way; the
 * list of segments (linked by ->next), or NULL on failure.
 */
struct sk_buff *tcpsplice_h_skb_segment(struct sk_buff *skb)
{
	struct sk_buff *segs = skb_gso_segment(skb, 0);

	if (IS_ERR_OR_NULL(segs)) {
		kfree_skb(skb);
		return NULL;
	}
	consume_skb(skb);
	return segs;
}

/* The first packet of a list, taken off it; *list becomes the rest. */
struct sk_buff *tcpsplice_h_skb_list_pop(struct sk_buff **list)
{
	struct sk_buff *skb = *list;

	if (skb) {
		*list = skb->next;
		skb_mark_not_on_list(skb);
	}
	return skb;
}

void tcpsplice_h_skb_list_free(struct sk_buff *list)
{
	kfree_skb_list(list);
}

/* The TCP checksum of the segment (TCP header `l4` bytes in) is right. */
bool tcpsplice_h_skb_tcp_csum_ok(struct sk_buff *skb, unsigned int l4, bool v6)
{
	return !nf_checksum(skb, NF_INET_PRE_ROUTING, skb_network_offset(skb) + l4,
			    IPPROTO_TCP, v6 ? AF_INET6 : AF_INET);
}

/*
 * The packet was rewritten in place into a segment of `len` bytes from the
 * network header, with checksums computed afresh: cut the rest off and let
 * the stack verify them as any received packet's. False on failure.
 */
bool tcpsplice_h_skb_trim_local(struct sk_buff *skb, unsigned int len)
{
	if (pskb_trim(skb, skb_network_offset(skb) + len))
		return false;
	skb_gso_reset(skb);
	skb->ip_summed = CHECKSUM_NONE;
	skb->csum_valid = 0;
	return true;
}

/* The TCP checksum is left to the device (CHECKSUM_PARTIAL). */
bool tcpsplice_h_skb_partial(const struct sk_buff *skb)
{
	return skb->ip_summed == CHECKSUM_PARTIAL;
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

/*
 * Make a test packet an aggregate of `kind` (TCPSPLICE_AGG_*; NONE: a plain
 * TCPv4 GSO packet): its last `n` bytes move to a page fragment, and its
 * GSO fields say segments of `gso_size`. 0, -EINVAL (`n` is more than
 * the linear part or a page holds) or -ENOMEM.
 */
int tcpsplice_h_test_skb_gso(struct sk_buff *skb, u32 n, u16 gso_size, int kind)
{
	struct page *page;

	if (n > skb_headlen(skb) || n > PAGE_SIZE)
		return -EINVAL;
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	memcpy(page_address(page), skb_tail_pointer(skb) - n, n);
	__skb_trim(skb, skb->len - n);
	skb_add_rx_frag(skb, 0, page, 0, n, PAGE_SIZE);
	skb_shinfo(skb)->gso_size = gso_size;
	skb_shinfo(skb)->gso_type = kind == TCPSPLICE_AGG_LRO ? 0 :
		kind == TCPSPLICE_AGG_FRAGLIST ? SKB_GSO_TCPV4 | SKB_GSO_FRAGLIST :
		SKB_GSO_TCPV4;
	return 0;
}

void tcpsplice_h_test_skb_free(struct sk_buff *skb)
{
	kfree_skb(skb);
}

