// SPDX-License-Identifier: GPL-2.0
/*
 * The proxy's sockets, as a splice sees them: find one by its connection,
 * lock a pair, read what translation needs, and retire it. The rules (what
 * may be spliced) are on the Rust side (tools/tcpsplice-core/src/capture.rs).
 */
#include <linux/llist.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
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
	out->connected = (1 << sk->sk_state) &
			 (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
			  TCPF_CLOSE_WAIT | TCPF_CLOSING | TCPF_LAST_ACK);
	out->handshaking = (1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV);
	out->fin_received = (1 << sk->sk_state) &
			    (TCPF_CLOSE_WAIT | TCPF_CLOSING | TCPF_LAST_ACK);
	out->fin_queued = (1 << sk->sk_state) &
			  (TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 | TCPF_CLOSING |
			   TCPF_LAST_ACK);
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
	r = kzalloc(sizeof(*r), GFP_KERNEL);
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

/*
 * An empty hold, for a splice being made: the proxy's sockets handed over
 * with bytes in flight go in it before the entry is inserted, and the entry
 * owns it from the insertion on (rust/ffi/table.c).
 */
struct tcpsplice_reserve *tcpsplice_h_hold_new(void)
{
	return kzalloc(sizeof(struct tcpsplice_reserve), GFP_KERNEL);
}

/*
 * The socket, locked by the caller, has sent bytes its peer has not yet
 * acknowledged: it stays and retransmits them (its timers run as before),
 * in repair mode so that the proxy can neither read nor write it and its
 * close() sends nothing (tcp_close() disconnects a socket in repair
 * silently). The hold takes a reference.
 */
void tcpsplice_h_sock_hand_over(struct tcpsplice_reserve *r, int side,
				struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	sock_owned_by_me(sk);
	if (WARN_ON_ONCE(side < 0 || side > 1 || r->handed[side]))
		return;
	tp->repair = 1;
	tp->repair_queue = TCP_NO_QUEUE;
	sock_hold(sk);
	WRITE_ONCE(r->handed[side], sk);
}

/*
 * The splice was not made after all (the hold never reached an entry): the
 * sockets, still locked by the caller, are the proxy's again.
 */
void tcpsplice_h_hold_give_back(struct tcpsplice_reserve *r)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct sock *sk = r->handed[i];

		if (!sk)
			continue;
		sock_owned_by_me(sk);
		tcp_sk(sk)->repair = 0;
		sock_put(sk);
	}
	kfree(r);
}

/*
 * A handed-over socket whose bytes the peer acknowledged, or whose splice
 * ended: retire it as a splice retires a socket at once (unless the proxy
 * closed it meanwhile, which disconnected it), and drop the hold's
 * reference. Process context.
 */
void tcpsplice_h_handed_retire(struct sock *sk)
{
	lock_sock(sk);
	if (sk->sk_state != TCP_CLOSE)
		tcpsplice_h_sock_retire(sk);
	release_sock(sk);
	sock_put(sk);
}

#define TCPSPLICE_MOVE_CHUNK 16384

struct move {
	struct sock *to;
	u8 *buf;
};

static int move_actor(read_descriptor_t *desc, struct sk_buff *skb,
		      unsigned int offset, size_t len)
{
	struct move *m = desc->arg.data;
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	size_t n = min_t(size_t, len, TCPSPLICE_MOVE_CHUNK);
	struct kvec kv = { .iov_base = m->buf, .iov_len = n };
	int ret;

	if (skb_copy_bits(skb, offset, m->buf, n))
		return -EFAULT;
	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &kv, 1, n);
	ret = tcp_sendmsg_locked(m->to, &msg, n);
	/* Nothing taken (the send buffer is full): stop here. */
	return ret < 0 ? 0 : ret;
}

/*
 * Let `to`'s send buffer take `bytes` more than it holds, up to the
 * namespace's tcp_wmem maximum, unless the proxy set its size (SO_SNDBUF):
 * those bytes leave `from`'s receive queue, so the memory they hold only
 * changes socket. Twice the bytes covers what tcp_sendmsg_locked() charges
 * for them (the buffers' overhead).
 */
static void make_room(struct sock *to, u32 bytes)
{
	int max = READ_ONCE(sock_net(to)->ipv4.sysctl_tcp_wmem[2]);
	int want;

	if (to->sk_userlocks & SOCK_SNDBUF_LOCK)
		return;
	want = READ_ONCE(to->sk_wmem_queued) + 2 * (int)min_t(u32, bytes, INT_MAX / 4);
	if (want > max)
		want = max;
	if (want > READ_ONCE(to->sk_sndbuf))
		WRITE_ONCE(to->sk_sndbuf, want);
}

/*
 * Both sockets locked by the caller: move what `from` has received and the
 * proxy has not read (and the peer's FIN after it, if it came) into `to`'s
 * send queue, as the proxy would have (read, then write), without waiting
 * for room. Returns the bytes moved (what did not fit stays unread), or a
 * negative errno. Nothing moves into a socket that cannot send (not
 * established, or shut down).
 */
int tcpsplice_h_sock_move(struct sock *from, struct sock *to)
{
	struct move m = { .to = to };
	read_descriptor_t desc = { .count = SIZE_MAX };
	int ret;

	sock_owned_by_me(from);
	sock_owned_by_me(to);
	if (!((1 << from->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | TCPF_FIN_WAIT1 |
	       TCPF_FIN_WAIT2)) ||
	    !((1 << to->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) ||
	    (to->sk_shutdown & SEND_SHUTDOWN))
		return 0;
	if (READ_ONCE(tcp_sk(from)->copied_seq) == READ_ONCE(tcp_sk(from)->rcv_nxt))
		return 0;
	m.buf = kmalloc(TCPSPLICE_MOVE_CHUNK, GFP_KERNEL);
	if (!m.buf)
		return -ENOMEM;
	make_room(to, READ_ONCE(tcp_sk(from)->rcv_nxt) -
		      READ_ONCE(tcp_sk(from)->copied_seq));
	desc.arg.data = &m;
	ret = tcp_read_sock(from, &desc, move_actor);
	kfree(m.buf);
	return ret;
}

/*
 * The socket, locked by the caller, established or in CLOSE_WAIT: queue its
 * FIN after everything queued, as shutdown(SHUT_WR) does (the other
 * socket's peer closed; that FIN goes on). The proxy's own writes fail from
 * now on.
 */
void tcpsplice_h_sock_send_fin(struct sock *sk)
{
	sock_owned_by_me(sk);
	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
		return;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
	sk->sk_prot->shutdown(sk, SEND_SHUTDOWN);
	sk->sk_state_change(sk);
}

/*
 * Turn LRO off on the device the socket's connection goes out on, as the
 * kernel does on every device once forwarding is on (dev_disable_lro()):
 * the connection is about to be forwarded, and an LRO packet cannot be cut
 * into segments again. Nothing to do, and no lock taken, when the device
 * has no LRO on. Process context, no socket lock held.
 */
void tcpsplice_h_sock_no_lro(struct sock *sk)
{
	struct dst_entry *dst = sk_dst_get(sk);

	if (!dst)
		return;
	if (dst->dev && (READ_ONCE(dst->dev->features) & NETIF_F_LRO)) {
		rtnl_lock();
		dev_disable_lro(dst->dev);
		rtnl_unlock();
	}
	dst_release(dst);
}
