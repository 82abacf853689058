// SPDX-License-Identifier: GPL-2.0
/*
 * The proxy's sockets, as a splice sees them: find one by its connection,
 * lock a pair, read what translation needs, and retire it. The rules (what
 * may be spliced) are on the Rust side (tools/tcpsplice-core/src/capture.rs).
 */
#include <linux/llist.h>
#include <linux/net.h>
#include <linux/tcp.h>
#include <net/inet_hashtables.h>
#include <net/inet6_hashtables.h>
#include <net/tcp.h>
#include "tcpsplice_helpers.h"

/*
 * A full TCP socket (established or not) with this connection, with a
 * reference held; NULL if there is none (time-wait and request sockets are
 * not full sockets and count as none).
 */
struct sock *tcpsplice_h_sock_lookup(struct net *net, int family,
				     const u8 *laddr, u16 lport,
				     const u8 *raddr, u16 rport)
{
	struct sock *sk = NULL;

	rcu_read_lock();
	if (family == AF_INET) {
		__be32 l, r;

		memcpy(&l, laddr, 4);
		memcpy(&r, raddr, 4);
		sk = __inet_lookup_established(net, r, htons(rport), l, lport,
					       0, 0);
#if IS_ENABLED(CONFIG_IPV6)
	} else if (family == AF_INET6) {
		sk = __inet6_lookup_established(net, (const struct in6_addr *)raddr,
						htons(rport),
						(const struct in6_addr *)laddr,
						lport, 0, 0);
#endif
	}
	rcu_read_unlock();
	if (sk && !sk_fullsock(sk)) {
		sock_gen_put(sk);
		sk = NULL;
	}
	if (sk && sk->sk_protocol != IPPROTO_TCP) {
		sock_put(sk);
		sk = NULL;
	}
	return sk;
}

/*
 * On the backend of a split splice, this host's own socket of the connection:
 * 1 if the peer's FIN reached it (*rcv_nxt is then just past that FIN), 0 if
 * not, -ENOENT if the connection is over (no full socket, or closed). Read
 * without the socket lock: a FIN arriving meanwhile passes the hooks, which
 * see it.
 */
int tcpsplice_h_sock_peer_fin(struct net *net, int family,
			      const u8 *laddr, u16 lport,
			      const u8 *raddr, u16 rport, u32 *rcv_nxt)
{
	struct sock *sk = tcpsplice_h_sock_lookup(net, family, laddr, lport,
						  raddr, rport);
	int ret = 0;

	if (!sk)
		return -ENOENT;
	switch (READ_ONCE(sk->sk_state)) {
	case TCP_CLOSE_WAIT:
	case TCP_LAST_ACK:
	case TCP_CLOSING:
		*rcv_nxt = READ_ONCE(tcp_sk(sk)->rcv_nxt);
		ret = 1;
		break;
	case TCP_CLOSE:
		ret = -ENOENT;
		break;
	}
	sock_put(sk);
	return ret;
}

void tcpsplice_h_sock_put(struct sock *sk)
{
	sock_put(sk);
}

/* Lock two distinct sockets in a fixed order, so two callers cannot deadlock. */
void tcpsplice_h_sock_lock_pair(struct sock *a, struct sock *b)
{
	if (a > b)
		swap(a, b);
	lock_sock(a);
	lock_sock_nested(b, SINGLE_DEPTH_NESTING);
}

void tcpsplice_h_sock_unlock_pair(struct sock *a, struct sock *b)
{
	if (a > b)
		swap(a, b);
	/*
	 * Packets that reached the sockets while they were locked wait in
	 * their backlogs and are processed here. Whatever the sockets do with
	 * them stays local: their transmissions are dropped by the LOCAL_OUT
	 * hook, so nothing is acknowledged and the peers retransmit into the
	 * splice.
	 */
	release_sock(b);
	release_sock(a);
}

static bool sock_signed(struct sock *sk)
{
	bool ret = false;

	rcu_read_lock();
#ifdef CONFIG_TCP_MD5SIG
	if (rcu_dereference(tcp_sk(sk)->md5sig_info))
		ret = true;
#endif
#ifdef CONFIG_TCP_AO
	if (rcu_dereference(tcp_sk(sk)->ao_info))
		ret = true;
#endif
	rcu_read_unlock();
	return ret;
}

/* The socket is locked by the caller. */
void tcpsplice_h_sock_read(struct sock *sk, struct tcpsplice_sockstate *out)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	sock_owned_by_me(sk);
	memset(out, 0, sizeof(*out));
	out->established = sk->sk_state == TCP_ESTABLISHED;
	out->signed_ = sock_signed(sk);
	out->repair = tp->repair;
	out->snd_una = tp->snd_una;
	out->snd_nxt = tp->snd_nxt;
	out->write_seq = tp->write_seq;
	out->rcv_nxt = tp->rcv_nxt;
	out->copied_seq = tp->copied_seq;
	out->out_of_order = !RB_EMPTY_ROOT(&tp->out_of_order_queue);
	out->ts_ok = tp->rx_opt.tstamp_ok;
	if (out->ts_ok) {
		u64 now = tp->tcp_usec_ts ? tcp_clock_us() : tcp_clock_ms();

		out->ts_now = (u32)now + tp->tsoffset;
		out->ts_recent = tp->rx_opt.ts_recent;
	}
	out->sack_ok = tcp_is_sack(tp);
	out->wscale_ok = tp->rx_opt.wscale_ok;
	if (out->wscale_ok) {
		out->snd_wscale = tp->rx_opt.snd_wscale;
		out->rcv_wscale = tp->rx_opt.rcv_wscale;
	}
	if (tcp_ecn_mode_pending(tp))
		out->ecn = TCPSPLICE_ECN_NEGOTIATING;
	else if (tcp_ecn_mode_accecn(tp))
		out->ecn = TCPSPLICE_ECN_ACCURATE;
	else if (tcp_ecn_mode_rfc3168(tp))
		out->ecn = TCPSPLICE_ECN_CLASSIC;
	else
		out->ecn = TCPSPLICE_ECN_OFF;
	out->snd_wnd = tp->snd_wnd;
	out->rcv_wnd = tcp_receive_window(tp);
	out->mss = tp->rx_opt.mss_clamp;
}

/*
 * The socket is locked by the caller and now spliced: disconnect it at once,
 * silently (in repair mode tcp_disconnect() sends neither FIN nor RST), so
 * that it stops its timers, drops its queues and gives back its port (which
 * rust/netlink.rs then reserves). The proxy's close() later finds it closed
 * and sends nothing either.
 */
void tcpsplice_h_sock_retire(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	sock_owned_by_me(sk);
	tp->repair = 1;
	tp->repair_queue = TCP_NO_QUEUE;
	sk->sk_prot->disconnect(sk, 0);
}

/*
 * An unconnected TCP socket bound to addr:port (in a reservation that the
 * table entry will own, rust/ffi/table.c), so that connect() does not
 * pick that port while a splice uses it (bind() leaves the port's bucket
 * marked as not shareable, which autobind skips). NULL if the port cannot be
 * bound (e.g. the proxy had bound it explicitly and still holds it).
 */
struct tcpsplice_reserve *tcpsplice_h_reserve_port(struct net *net, int family,
						   const u8 *addr, u16 port)
{
	struct sockaddr_storage ss = {};
	struct tcpsplice_reserve *r;
	struct socket *sock;
	int len;

	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, addr, 16);
		len = sizeof(*sin6);
	}
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return NULL;
	if (sock_create_kern(net, family, SOCK_STREAM, IPPROTO_TCP, &sock))
		goto fail;
	if (kernel_bind(sock, (struct sockaddr_unsized *)&ss, len)) {
		sock_release(sock);
		goto fail;
	}
	r->sock = sock;
	return r;
fail:
	kfree(r);
	return NULL;
}
