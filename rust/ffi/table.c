// SPDX-License-Identifier: GPL-2.0
/*
 * The splice table's mechanics: an RCU hash table of entries found by either
 * of two keys, a list of all entries in insertion order, and the periodic
 * garbage-collection work. What an entry means, when it goes, and what the
 * packets do are decided on the Rust side (rust/table.rs wraps this file).
 *
 * Locking: lookups run under rcu_read_lock() (netfilter hooks already hold
 * it). Insertion, removal and walks of the list take t->lock with bottom
 * halves disabled, because the hooks run in softirq context. Entries are
 * freed with kfree_rcu(), so a reader that found one may use it until it
 * leaves its RCU read-side section.
 */
#include <linux/jhash.h>
#include <linux/llist.h>
#include <linux/net.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include "tcpsplice_helpers.h"

/* Rust: sweep the table of the namespace `ctx` (rust/table.rs). */
void tcpsplice_rs_gc(void *ctx);

#define TCPSPLICE_GC_INTERVAL HZ

struct tcpsplice_hnode {
	struct hlist_node node;
	struct tcpsplice_key key;
	u8 side;
	/* h[0] only: the entry is in the table (here, in the node's padding,
	 * so that the header is 168 bytes and an entry fits 512) */
	bool linked;
};

struct tcpsplice_entry {
	struct tcpsplice_hnode h[2];
	struct list_head all;
	struct rcu_head rcu;
	struct tcpsplice_reserve *reserve;
	u64 payload[] __aligned(8);
};

struct tcpsplice_table {
	spinlock_t lock;
	u32 seed;
	u32 mask;
	u32 count;
	bool dying;
	void *gc_ctx;
	struct delayed_work gc;
	struct llist_head release;
	struct work_struct release_work;
	struct list_head all;
	struct hlist_head buckets[];
};

static struct tcpsplice_entry *entry_of(void *payload)
{
	return container_of(payload, struct tcpsplice_entry, payload);
}

static struct tcpsplice_entry *entry_of_hnode(struct tcpsplice_hnode *hn)
{
	return container_of(hn - hn->side, struct tcpsplice_entry, h[0]);
}

static u32 key_hash(const struct tcpsplice_table *t,
		    const struct tcpsplice_key *k)
{
	return jhash2(k->w, TCPSPLICE_KEY_WORDS, t->seed) & t->mask;
}

static void table_gc(struct work_struct *work)
{
	struct tcpsplice_table *t =
		container_of(to_delayed_work(work), struct tcpsplice_table, gc);
	bool again;

	tcpsplice_rs_gc(READ_ONCE(t->gc_ctx));
	spin_lock_bh(&t->lock);
	again = t->count && !t->dying;
	spin_unlock_bh(&t->lock);
	if (again)
		queue_delayed_work(system_power_efficient_wq, &t->gc,
				   TCPSPLICE_GC_INTERVAL);
}

/*
 * Process context. RCU readers may still see the hold through an entry
 * that left the table (tcpsplice_h_table_handed()), so it is freed after a
 * grace period; the sockets they may see are taken out first and looked at
 * only with a reference of their own.
 */
void tcpsplice_h_reserve_free(struct tcpsplice_reserve *r)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct sock *sk = xchg(&r->handed[i], NULL);

		if (sk)
			tcpsplice_h_handed_retire(sk);
	}
	if (r->sock)
		sock_release(r->sock);
	kfree_rcu(r, rcu);
}

static void release_reserves(struct work_struct *work)
{
	struct tcpsplice_table *t =
		container_of(work, struct tcpsplice_table, release_work);
	struct tcpsplice_reserve *r, *tmp;

	llist_for_each_entry_safe(r, tmp, llist_del_all(&t->release), node)
		tcpsplice_h_reserve_free(r);
}

struct tcpsplice_table *tcpsplice_h_table_new(u32 buckets, void *gc_ctx)
{
	struct tcpsplice_table *t;
	u32 n = roundup_pow_of_two(clamp(buckets, 64U, 1U << 18));
	u32 i;

	t = kvzalloc(struct_size(t, buckets, n), GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	spin_lock_init(&t->lock);
	t->seed = get_random_u32();
	t->mask = n - 1;
	t->gc_ctx = gc_ctx;
	INIT_DELAYED_WORK(&t->gc, table_gc);
	init_llist_head(&t->release);
	INIT_WORK(&t->release_work, release_reserves);
	INIT_LIST_HEAD(&t->all);
	for (i = 0; i < n; i++)
		INIT_HLIST_HEAD(&t->buckets[i]);
	return t;
}

void tcpsplice_h_table_set_gc_ctx(struct tcpsplice_table *t, void *ctx)
{
	spin_lock_bh(&t->lock);
	WRITE_ONCE(t->gc_ctx, ctx);
	spin_unlock_bh(&t->lock);
}

static void unlink_locked(struct tcpsplice_table *t, struct tcpsplice_entry *e)
{
	lockdep_assert_held(&t->lock);
	if (!e->h[0].linked)
		return;
	hlist_del_rcu(&e->h[0].node);
	hlist_del_rcu(&e->h[1].node);
	list_del(&e->all);
	e->h[0].linked = false;
	WRITE_ONCE(t->count, t->count - 1);
	if (e->reserve) {
		/* sock_release() sleeps: not under this lock. */
		llist_add(&e->reserve->node, &t->release);
		schedule_work(&t->release_work);
	}
	kfree_rcu(e, rcu);
}

/*
 * No hook or netlink handler can reach the table any more (the hooks are
 * unregistered, which waited for running ones). The payloads need no
 * destructor (the Rust side asserts that).
 */
void tcpsplice_h_table_free(struct tcpsplice_table *t)
{
	struct tcpsplice_entry *e, *tmp;

	spin_lock_bh(&t->lock);
	t->dying = true;
	spin_unlock_bh(&t->lock);
	cancel_delayed_work_sync(&t->gc);
	spin_lock_bh(&t->lock);
	list_for_each_entry_safe(e, tmp, &t->all, all)
		unlink_locked(t, e);
	spin_unlock_bh(&t->lock);
	flush_work(&t->release_work);
	kvfree(t);
}

void *tcpsplice_h_entry_alloc(size_t payload)
{
	struct tcpsplice_entry *e;

	e = kzalloc(struct_size(e, payload, DIV_ROUND_UP(payload, 8)),
		    GFP_KERNEL_ACCOUNT);
	if (!e)
		return NULL;
	e->h[1].side = 1;
	return e->payload;
}

void tcpsplice_h_entry_free(void *payload)
{
	struct tcpsplice_entry *e = entry_of(payload);

	WARN_ON_ONCE(e->h[0].linked);
	kfree(e);
}

static struct tcpsplice_hnode *lookup(struct tcpsplice_table *t,
				      const struct tcpsplice_key *k)
{
	struct tcpsplice_hnode *hn;

	hlist_for_each_entry_rcu(hn, &t->buckets[key_hash(t, k)], node,
				 lockdep_is_held(&t->lock)) {
		if (!memcmp(&hn->key, k, sizeof(*k)))
			return hn;
	}
	return NULL;
}

int tcpsplice_h_table_insert(struct tcpsplice_table *t, void *payload,
			     const struct tcpsplice_key *k0,
			     const struct tcpsplice_key *k1, u32 max,
			     struct tcpsplice_reserve *hold)
{
	struct tcpsplice_entry *e = entry_of(payload);
	int err = 0;

	e->h[0].key = *k0;
	e->h[1].key = *k1;
	/* Published with the entry (hlist_add_head_rcu() orders it). */
	e->reserve = hold;
	spin_lock_bh(&t->lock);
	if (t->dying) {
		err = -ENODEV;
	} else if (t->count >= max) {
		err = -ENOSPC;
	} else if (lookup(t, k0) || lookup(t, k1)) {
		err = -EEXIST;
	} else {
		hlist_add_head_rcu(&e->h[0].node, &t->buckets[key_hash(t, k0)]);
		hlist_add_head_rcu(&e->h[1].node, &t->buckets[key_hash(t, k1)]);
		list_add_tail(&e->all, &t->all);
		e->h[0].linked = true;
		WRITE_ONCE(t->count, t->count + 1);
		if (t->count == 1)
			queue_delayed_work(system_power_efficient_wq, &t->gc,
					   TCPSPLICE_GC_INTERVAL);
	}
	spin_unlock_bh(&t->lock);
	if (err)
		e->reserve = NULL;
	return err;
}

void *tcpsplice_h_table_lookup(struct tcpsplice_table *t,
			       const struct tcpsplice_key *k, u8 *side)
{
	struct tcpsplice_hnode *hn;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "tcpsplice lookup outside RCU");
	hn = lookup(t, k);
	if (!hn)
		return NULL;
	*side = hn->side;
	return entry_of_hnode(hn)->payload;
}

void tcpsplice_h_table_lock(struct tcpsplice_table *t)
{
	spin_lock_bh(&t->lock);
}

void tcpsplice_h_table_unlock(struct tcpsplice_table *t)
{
	spin_unlock_bh(&t->lock);
}

/* The entry after `payload` (or the first, for NULL); table lock held. */
void *tcpsplice_h_table_next(struct tcpsplice_table *t, void *payload)
{
	struct list_head *pos;

	lockdep_assert_held(&t->lock);
	pos = payload ? entry_of(payload)->all.next : t->all.next;
	if (pos == &t->all)
		return NULL;
	return list_entry(pos, struct tcpsplice_entry, all)->payload;
}

/*
 * Table lock held, entry linked: it owns the port reservation `r` from now
 * on (merged into the hold it got at insertion, if any).
 */
void tcpsplice_h_table_attach(struct tcpsplice_table *t, void *payload,
			      struct tcpsplice_reserve *r)
{
	struct tcpsplice_entry *e = entry_of(payload);
	struct tcpsplice_reserve *h = e->reserve;

	lockdep_assert_held(&t->lock);
	if (WARN_ON_ONCE(!e->h[0].linked || (h && h->sock))) {
		llist_add(&r->node, &t->release);
		schedule_work(&t->release_work);
		return;
	}
	if (!h) {
		e->reserve = r;
		return;
	}
	h->sock = r->sock;
	kfree(r);
}

/*
 * RCU read side: whether the entry's socket on `side` is handed over, and
 * if so its rcv_nxt, snd_una and snd_nxt now (read under a reference, as
 * the socket may be leaving: TCP sockets are SLAB_TYPESAFE_BY_RCU).
 */
bool tcpsplice_h_table_handed(void *payload, int side, u32 *rcv_nxt,
			      u32 *snd_una, u32 *snd_nxt)
{
	struct tcpsplice_reserve *h = READ_ONCE(entry_of(payload)->reserve);
	struct sock *sk;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "tcpsplice handed outside RCU");
	if (!h || side < 0 || side > 1)
		return false;
	sk = READ_ONCE(h->handed[side]);
	if (!sk || !refcount_inc_not_zero(&sk->sk_refcnt))
		return false;
	*rcv_nxt = READ_ONCE(tcp_sk(sk)->rcv_nxt);
	*snd_una = READ_ONCE(tcp_sk(sk)->snd_una);
	*snd_nxt = READ_ONCE(tcp_sk(sk)->snd_nxt);
	sock_put(sk);
	return true;
}

/* RCU read side: `skb` was sent by the entry's handed-over socket on `side`. */
bool tcpsplice_h_table_handed_is(void *payload, int side,
				 const struct sk_buff *skb)
{
	struct tcpsplice_reserve *h = READ_ONCE(entry_of(payload)->reserve);

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "tcpsplice handed outside RCU");
	return h && side >= 0 && side <= 1 && skb->sk &&
	       skb->sk == READ_ONCE(h->handed[side]);
}

/*
 * Table lock held, entry linked: take its handed-over socket on `side` out,
 * with the reference, for tcpsplice_h_handed_retire(); NULL if none.
 */
struct sock *tcpsplice_h_table_take_handed(struct tcpsplice_table *t,
					   void *payload, int side)
{
	struct tcpsplice_reserve *h = entry_of(payload)->reserve;

	lockdep_assert_held(&t->lock);
	if (!h || side < 0 || side > 1)
		return NULL;
	return xchg(&h->handed[side], NULL);
}

/* Table lock held; the entry is freed after a grace period. */
void tcpsplice_h_table_remove(struct tcpsplice_table *t, void *payload)
{
	unlink_locked(t, entry_of(payload));
}

u32 tcpsplice_h_table_count(const struct tcpsplice_table *t)
{
	return READ_ONCE(t->count);
}

/* What one entry with a `payload`-byte payload really occupies. */
u32 tcpsplice_h_entry_bytes(size_t payload)
{
	struct tcpsplice_entry *e;

	return kmalloc_size_roundup(struct_size(e, payload, DIV_ROUND_UP(payload, 8)));
}

u32 tcpsplice_h_table_bytes(const struct tcpsplice_table *t)
{
	return struct_size(t, buckets, t->mask + 1);
}

void tcpsplice_h_bh_disable(void)
{
	local_bh_disable();
}

void tcpsplice_h_bh_enable(void)
{
	local_bh_enable();
}

u64 tcpsplice_h_jiffies(void)
{
	return get_jiffies_64();
}

u32 tcpsplice_h_jiffies_to_secs(u64 j)
{
	return div_u64(j, HZ);
}

u64 tcpsplice_h_secs_to_jiffies(u32 secs)
{
	return (u64)secs * HZ;
}
