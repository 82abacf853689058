/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcpsplice: in-kernel TCP splicing for layer-7 proxies.
 *
 * Generic netlink interface. This header is the single source of truth for the
 * ABI: the module's bindings and the userspace tools' constants are both
 * generated from it. Values are only ever appended.
 *
 * Family "tcpsplice", version 1. All commands act on the caller's network
 * namespace. Commands marked (admin) need CAP_NET_ADMIN in the initial user
 * namespace (GENL_ADMIN_PERM).
 */
#ifndef _UAPI_LINUX_TCPSPLICE_H
#define _UAPI_LINUX_TCPSPLICE_H

#define TCPSPLICE_GENL_NAME		"tcpsplice"
#define TCPSPLICE_GENL_VERSION		1
#define TCPSPLICE_MCGRP_EVENTS		"events"

/* Limits of per-namespace settings. */
#define TCPSPLICE_MAX_SPLICES_LIMIT	1048576
#define TCPSPLICE_IDLE_TIMEOUT_MAX	86400

/**
 * enum tcpsplice_cmd - generic netlink commands
 * @TCPSPLICE_CMD_GET_STATUS: module version, this namespace's settings and
 *	counters. Reply: %TCPSPLICE_A_VERSION, %TCPSPLICE_A_CONFIG,
 *	%TCPSPLICE_A_STATS.
 * @TCPSPLICE_CMD_SET_CONFIG: (admin) change this namespace's settings; takes
 *	%TCPSPLICE_A_CONFIG with any subset of its attributes.
 * @TCPSPLICE_CMD_RESET_STATS: (admin) zero this namespace's counters
 *	(gauges such as active splices are not reset).
 * @TCPSPLICE_CMD_SPLICE: (admin) splice two established TCP connections of
 *	local sockets in the caller's namespace. Takes %TCPSPLICE_A_SPLICE with
 *	%TCPSPLICE_SPLICE_CLIENT and %TCPSPLICE_SPLICE_BACKEND, each naming a
 *	connection by its local and remote address and port. On success the two
 *	sockets are retired silently (they send nothing more; close them) and
 *	the reply carries the new entry. Errors: %ENOENT (no such connection),
 *	%EAGAIN (data unsent, unacknowledged, unread or out of order: finish
 *	and retry), %ENOTCONN, %EOPNOTSUPP (TCP-MD5/AO), %EBUSY (socket in
 *	repair mode), %EEXIST (already spliced), %ENOSPC (table full), %EINVAL;
 *	each with an extended-ack message.
 * @TCPSPLICE_CMD_UNSPLICE: (admin) remove the entry %TCPSPLICE_SPLICE_ID
 *	(in %TCPSPLICE_A_SPLICE). Its connections are no longer forwarded.
 * @TCPSPLICE_CMD_GET_SPLICE: (admin) one entry by %TCPSPLICE_SPLICE_ID, or
 *	with NLM_F_DUMP every entry of the namespace, each in a
 *	%TCPSPLICE_A_SPLICE nest.
 */
enum tcpsplice_cmd {
	TCPSPLICE_CMD_UNSPEC,
	TCPSPLICE_CMD_GET_STATUS,
	TCPSPLICE_CMD_SET_CONFIG,
	TCPSPLICE_CMD_RESET_STATS,
	TCPSPLICE_CMD_SPLICE,
	TCPSPLICE_CMD_UNSPLICE,
	TCPSPLICE_CMD_GET_SPLICE,
	TCPSPLICE_CMD_SET_CLUSTER,
	TCPSPLICE_CMD_GET_CLUSTER,
	TCPSPLICE_CMD_EVENT,

	__TCPSPLICE_CMD_MAX,
	TCPSPLICE_CMD_MAX = __TCPSPLICE_CMD_MAX - 1
};

/**
 * enum tcpsplice_attr - top-level attributes
 * @TCPSPLICE_A_VERSION: string, the module version
 * @TCPSPLICE_A_CONFIG: nest of &enum tcpsplice_config_attr
 * @TCPSPLICE_A_STATS: nest of &enum tcpsplice_stat, each a u64
 * @TCPSPLICE_A_NETNS_COOKIE: u64, cookie of the namespace the reply is about
 * @TCPSPLICE_A_PAD: padding for 64-bit attributes
 * @TCPSPLICE_A_SPLICE: nest of &enum tcpsplice_splice_attr
 * @TCPSPLICE_A_ENTRY_BYTES: u32 (GET_STATUS), kernel memory of one splice
 *	entry as allocated (the slab object it occupies)
 * @TCPSPLICE_A_TABLE_BYTES: u32 (GET_STATUS), this namespace's bucket array
 * @TCPSPLICE_A_SPLIT: flag (SPLICE): hand the server-to-client direction to
 *	the backend, if it is configured as a backend peer of the cluster
 *	(Documentation/split.rst); the reply's entry says whether it was
 */
enum tcpsplice_attr {
	TCPSPLICE_A_UNSPEC,
	TCPSPLICE_A_VERSION,
	TCPSPLICE_A_CONFIG,
	TCPSPLICE_A_STATS,
	TCPSPLICE_A_NETNS_COOKIE,
	TCPSPLICE_A_PAD,
	TCPSPLICE_A_SPLICE,
	TCPSPLICE_A_ENTRY_BYTES,
	TCPSPLICE_A_TABLE_BYTES,
	TCPSPLICE_A_CLUSTER,
	TCPSPLICE_A_EVENT,
	TCPSPLICE_A_WAIT_SYNC,
	TCPSPLICE_A_REPLICATED,
	TCPSPLICE_A_SPLIT,

	__TCPSPLICE_A_MAX,
	TCPSPLICE_A_MAX = __TCPSPLICE_A_MAX - 1
};

/**
 * enum tcpsplice_config_attr - per-namespace settings
 * @TCPSPLICE_CFG_MAX_SPLICES: u32, 1..%TCPSPLICE_MAX_SPLICES_LIMIT; the size
 *	bound of this namespace's splice table (default: module parameter
 *	max_splices)
 * @TCPSPLICE_CFG_IDLE_TIMEOUT: u32, seconds a splice may stay idle before it
 *	is removed, 1..%TCPSPLICE_IDLE_TIMEOUT_MAX (default: module parameter idle_timeout)
 */
enum tcpsplice_config_attr {
	TCPSPLICE_CFG_UNSPEC,
	TCPSPLICE_CFG_MAX_SPLICES,
	TCPSPLICE_CFG_IDLE_TIMEOUT,

	__TCPSPLICE_CFG_MAX,
	TCPSPLICE_CFG_MAX = __TCPSPLICE_CFG_MAX - 1
};

/**
 * enum tcpsplice_stat - per-namespace counters, all u64
 * @TCPSPLICE_STAT_PAD: padding for 64-bit attributes inside the nest
 * @TCPSPLICE_STAT_RX_PACKETS_V4: IPv4 packets seen by the PRE_ROUTING hook
 * @TCPSPLICE_STAT_RX_PACKETS_V6: IPv6 packets seen by the PRE_ROUTING hook
 * @TCPSPLICE_STAT_RX_TCP: TCP packets among them
 * @TCPSPLICE_STAT_RX_MALFORMED: packets whose IP or TCP header is malformed
 *	(passed on untouched; the kernel's own checks drop them)
 * @TCPSPLICE_STAT_CONFIG_CHANGES: successful SET_CONFIG commands
 * @TCPSPLICE_STAT_SPLICES_ACTIVE: gauge, entries in the table now
 * @TCPSPLICE_STAT_SPLICES_CREATED: successful SPLICE commands
 * @TCPSPLICE_STAT_SPLICES_REFUSED: SPLICE commands refused after the
 *	sockets were found (state, data in flight, duplicates)
 * @TCPSPLICE_STAT_TABLE_FULL: SPLICE commands refused because the table
 *	held max_splices entries
 * @TCPSPLICE_STAT_SPLICES_FINISHED: splices ended by FINs acknowledged both ways
 * @TCPSPLICE_STAT_SPLICES_RESET: splices ended by an exact reset
 * @TCPSPLICE_STAT_SPLICES_EXPIRED: entries removed after idle_timeout
 * @TCPSPLICE_STAT_SPLICES_UNSPLICED: entries removed by UNSPLICE
 * @TCPSPLICE_STAT_PACKETS_TO_BACKEND: packets forwarded client to backend
 * @TCPSPLICE_STAT_BYTES_TO_BACKEND: their TCP payload bytes
 * @TCPSPLICE_STAT_PACKETS_TO_CLIENT: packets forwarded backend to client
 * @TCPSPLICE_STAT_BYTES_TO_CLIENT: their TCP payload bytes
 * @TCPSPLICE_STAT_DROP_RST_WINDOW: resets outside the receiver's window
 * @TCPSPLICE_STAT_DROP_MALFORMED: spliced packets with malformed headers
 * @TCPSPLICE_STAT_DROP_NOMEM: spliced packets that could not be made writable
 * @TCPSPLICE_STAT_DROP_NO_ROUTE: translated packets with no route
 * @TCPSPLICE_STAT_DROP_BAD_CSUM_OFFLOAD: CHECKSUM_PARTIAL packets whose
 *	checksum start is not their TCP header
 * @TCPSPLICE_STAT_DROP_LOCAL: packets a local socket tried to send on a
 *	spliced connection (the retired sockets, or a new socket on a reused port)
 * @TCPSPLICE_STAT_OPTIONS_STRIPPED: TCP options replaced by NOPs because the
 *	other leg did not negotiate them
 * @TCPSPLICE_STAT_OPTIONS_MALFORMED: forwarded packets with a malformed option
 *	list (translated up to where the receiver's parser stops)
 * @TCPSPLICE_STAT_MISSING_TS: forwarded packets lacking timestamps the
 *	receiving leg negotiated
 * @TCPSPLICE_STAT_SACK_BLOCKS: SACK blocks translated
 * @TCPSPLICE_STAT_PORTS_UNRESERVED: splices whose backend-side port could not
 *	be held (the proxy had bound it explicitly); a new connect() may then
 *	pick it, and LOCAL_OUT drops that connection's packets
 * @TCPSPLICE_STAT_ICMP_TRANSLATED: ICMP errors about a spliced connection
 *	(e.g. fragmentation needed) sent on to the peer whose data caused them
 * @TCPSPLICE_STAT_SYNC_RX_OLD_KEY: sync datagrams opened with the previous
 *	key during a key rotation
 * @TCPSPLICE_STAT_SPLITS_MADE: (proxy) splices handed to their backend
 * @TCPSPLICE_STAT_SPLITS_NO_BACKEND: (proxy) SPLICE asked for a split but the
 *	backend is not a backend peer; spliced at the proxy only
 * @TCPSPLICE_STAT_SPLITS_INSTALLED: (backend) split splices taken from proxies
 * @TCPSPLICE_STAT_SPLITS_REFUSED: (backend) operations a backend refused: a
 *	splice that is not split, or one for an address it does not own
 * @TCPSPLICE_STAT_SPLITS_ENDED: (backend) split splices whose end it found
 *	(and reported to the proxies)
 * @TCPSPLICE_STAT_SPLIT_PACKETS_TO_CLIENT: (backend) its own packets sent
 *	straight to clients, translated
 * @TCPSPLICE_STAT_SPLIT_BYTES_TO_CLIENT: their TCP payload bytes
 * @TCPSPLICE_STAT_NUDGE_PROBES: probes sent after a takeover to the peers of
 *	the connections taken over (see Documentation/cluster.rst)
 * @TCPSPLICE_STAT_NUDGE_KICKS: peers found waiting on their retransmission
 *	timer after a takeover and sent ICMP errors that undo its back-off
 * @TCPSPLICE_STAT_SYNC_SILENCE_MAX_MS: the longest time, in ms, between two
 *	datagrams heard from a live peer (a maximum, not a sum)
 * @TCPSPLICE_STAT_SYNC_TICK_LATE_MAX_MS: the most, in ms, the cluster's
 *	periodic work (failure detection, heartbeats) ran after it was due
 * @TCPSPLICE_STAT_SYNC_RX_LATE_MAX_MS: the most, in ms, the sync socket's
 *	receive work ran after a datagram arrived for it
 * @TCPSPLICE_STAT_SYNC_RX_DROPS: sync datagrams the socket dropped on arrival
 *	(its receive queue full)
 */
enum tcpsplice_stat {
	TCPSPLICE_STAT_UNSPEC,
	TCPSPLICE_STAT_PAD,
	TCPSPLICE_STAT_RX_PACKETS_V4,
	TCPSPLICE_STAT_RX_PACKETS_V6,
	TCPSPLICE_STAT_RX_TCP,
	TCPSPLICE_STAT_RX_MALFORMED,
	TCPSPLICE_STAT_CONFIG_CHANGES,
	TCPSPLICE_STAT_SPLICES_ACTIVE,
	TCPSPLICE_STAT_SPLICES_CREATED,
	TCPSPLICE_STAT_SPLICES_REFUSED,
	TCPSPLICE_STAT_TABLE_FULL,
	TCPSPLICE_STAT_SPLICES_FINISHED,
	TCPSPLICE_STAT_SPLICES_RESET,
	TCPSPLICE_STAT_SPLICES_EXPIRED,
	TCPSPLICE_STAT_SPLICES_UNSPLICED,
	TCPSPLICE_STAT_PACKETS_TO_BACKEND,
	TCPSPLICE_STAT_BYTES_TO_BACKEND,
	TCPSPLICE_STAT_PACKETS_TO_CLIENT,
	TCPSPLICE_STAT_BYTES_TO_CLIENT,
	TCPSPLICE_STAT_DROP_RST_WINDOW,
	TCPSPLICE_STAT_DROP_MALFORMED,
	TCPSPLICE_STAT_DROP_NOMEM,
	TCPSPLICE_STAT_DROP_NO_ROUTE,
	TCPSPLICE_STAT_DROP_BAD_CSUM_OFFLOAD,
	TCPSPLICE_STAT_DROP_LOCAL,
	TCPSPLICE_STAT_OPTIONS_STRIPPED,
	TCPSPLICE_STAT_OPTIONS_MALFORMED,
	TCPSPLICE_STAT_MISSING_TS,
	TCPSPLICE_STAT_SACK_BLOCKS,
	TCPSPLICE_STAT_PORTS_UNRESERVED,
	TCPSPLICE_STAT_ICMP_TRANSLATED,
	TCPSPLICE_STAT_SYNC_TX,
	TCPSPLICE_STAT_SYNC_RX,
	TCPSPLICE_STAT_SYNC_RETRANSMITTED,
	TCPSPLICE_STAT_SYNC_UNACKED,
	TCPSPLICE_STAT_SYNC_REJECT_TRUNCATED,
	TCPSPLICE_STAT_SYNC_REJECT_VERSION,
	TCPSPLICE_STAT_SYNC_REJECT_MALFORMED,
	TCPSPLICE_STAT_SYNC_REJECT_UNKNOWN_PEER,
	TCPSPLICE_STAT_SYNC_REJECT_BAD_TAG,
	TCPSPLICE_STAT_SYNC_REJECT_REPLAYED,
	TCPSPLICE_STAT_SYNC_TX_ERRORS,
	TCPSPLICE_STAT_SYNC_RESYNCS,
	TCPSPLICE_STAT_BULK_SYNCS,
	TCPSPLICE_STAT_REPLICAS_INSTALLED,
	TCPSPLICE_STAT_REPLICAS_DUPLICATE,
	TCPSPLICE_STAT_REPLICAS_REFUSED,
	TCPSPLICE_STAT_REPLICAS_ENDED,
	TCPSPLICE_STAT_PEERS_UP,
	TCPSPLICE_STAT_PEER_FAILURES,
	TCPSPLICE_STAT_VIPS_OWNED,
	TCPSPLICE_STAT_TAKEOVERS,
	TCPSPLICE_STAT_RELEASES,
	TCPSPLICE_STAT_ARP_REPLIES,
	TCPSPLICE_STAT_ANNOUNCEMENTS,
	TCPSPLICE_STAT_ND_REPLIES,
	TCPSPLICE_STAT_SYNC_RX_OLD_KEY,
	TCPSPLICE_STAT_SPLITS_MADE,
	TCPSPLICE_STAT_SPLITS_NO_BACKEND,
	TCPSPLICE_STAT_SPLITS_INSTALLED,
	TCPSPLICE_STAT_SPLITS_REFUSED,
	TCPSPLICE_STAT_SPLITS_ENDED,
	TCPSPLICE_STAT_SPLIT_PACKETS_TO_CLIENT,
	TCPSPLICE_STAT_SPLIT_BYTES_TO_CLIENT,
	TCPSPLICE_STAT_NUDGE_PROBES,
	TCPSPLICE_STAT_NUDGE_KICKS,
	TCPSPLICE_STAT_SYNC_SILENCE_MAX_MS,
	TCPSPLICE_STAT_SYNC_TICK_LATE_MAX_MS,
	TCPSPLICE_STAT_SYNC_RX_LATE_MAX_MS,
	TCPSPLICE_STAT_SYNC_RX_DROPS,

	__TCPSPLICE_STAT_MAX,
	TCPSPLICE_STAT_MAX = __TCPSPLICE_STAT_MAX - 1
};

/**
 * enum tcpsplice_splice_attr - one splice (nest %TCPSPLICE_A_SPLICE)
 * @TCPSPLICE_SPLICE_PAD: padding for 64-bit attributes inside the nest
 * @TCPSPLICE_SPLICE_ID: u64, the entry's identifier (unique per namespace)
 * @TCPSPLICE_SPLICE_CLIENT: nest of &enum tcpsplice_conn_attr, the proxy's
 *	connection with the client
 * @TCPSPLICE_SPLICE_BACKEND: nest of &enum tcpsplice_conn_attr, the proxy's
 *	connection with the backend
 * @TCPSPLICE_SPLICE_STATE: u8, &enum tcpsplice_splice_state
 * @TCPSPLICE_SPLICE_AGE: u32, seconds since the splice was made
 * @TCPSPLICE_SPLICE_IDLE: u32, seconds since its last packet
 * @TCPSPLICE_SPLICE_PACKETS_TO_BACKEND: u64
 * @TCPSPLICE_SPLICE_BYTES_TO_BACKEND: u64, TCP payload bytes
 * @TCPSPLICE_SPLICE_PACKETS_TO_CLIENT: u64
 * @TCPSPLICE_SPLICE_BYTES_TO_CLIENT: u64, TCP payload bytes
 */
enum tcpsplice_splice_attr {
	TCPSPLICE_SPLICE_UNSPEC,
	TCPSPLICE_SPLICE_PAD,
	TCPSPLICE_SPLICE_ID,
	TCPSPLICE_SPLICE_CLIENT,
	TCPSPLICE_SPLICE_BACKEND,
	TCPSPLICE_SPLICE_STATE,
	TCPSPLICE_SPLICE_AGE,
	TCPSPLICE_SPLICE_IDLE,
	TCPSPLICE_SPLICE_PACKETS_TO_BACKEND,
	TCPSPLICE_SPLICE_BYTES_TO_BACKEND,
	TCPSPLICE_SPLICE_PACKETS_TO_CLIENT,
	TCPSPLICE_SPLICE_BYTES_TO_CLIENT,
	TCPSPLICE_SPLICE_REPLICA,	/* flag: installed from a peer's update */
	TCPSPLICE_SPLICE_SPLIT,		/* flag: a split splice (the backend sends to the client) */

	__TCPSPLICE_SPLICE_MAX,
	TCPSPLICE_SPLICE_MAX = __TCPSPLICE_SPLICE_MAX - 1
};

/**
 * enum tcpsplice_splice_state - where a splice is in its life
 * @TCPSPLICE_STATE_OPEN: forwarding
 * @TCPSPLICE_STATE_FINISHED: both FINs acknowledged; lingering for
 *	retransmissions, then removed
 * @TCPSPLICE_STATE_RESET: ended by a reset; lingering, then removed
 */
enum tcpsplice_splice_state {
	TCPSPLICE_STATE_OPEN,
	TCPSPLICE_STATE_FINISHED,
	TCPSPLICE_STATE_RESET,
};

/**
 * enum tcpsplice_conn_attr - one of the proxy's TCP connections
 * @TCPSPLICE_CONN_LOCAL_ADDR: binary, 4 (IPv4) or 16 (IPv6) bytes
 * @TCPSPLICE_CONN_LOCAL_PORT: u16, host order, non-zero
 * @TCPSPLICE_CONN_REMOTE_ADDR: binary, same length as the local address
 * @TCPSPLICE_CONN_REMOTE_PORT: u16, host order, non-zero
 * @TCPSPLICE_CONN_MSS: u16 (reply only), the largest segment the peer accepts
 * @TCPSPLICE_CONN_SND_WSCALE: u8 (reply only), the peer's window-scale shift
 * @TCPSPLICE_CONN_RCV_WSCALE: u8 (reply only), the proxy's window-scale shift
 * @TCPSPLICE_CONN_SACK: flag (reply only), SACK negotiated
 * @TCPSPLICE_CONN_TIMESTAMPS: flag (reply only), timestamps negotiated
 */
enum tcpsplice_conn_attr {
	TCPSPLICE_CONN_UNSPEC,
	TCPSPLICE_CONN_LOCAL_ADDR,
	TCPSPLICE_CONN_LOCAL_PORT,
	TCPSPLICE_CONN_REMOTE_ADDR,
	TCPSPLICE_CONN_REMOTE_PORT,
	TCPSPLICE_CONN_MSS,
	TCPSPLICE_CONN_SND_WSCALE,
	TCPSPLICE_CONN_RCV_WSCALE,
	TCPSPLICE_CONN_SACK,
	TCPSPLICE_CONN_TIMESTAMPS,

	__TCPSPLICE_CONN_MAX,
	TCPSPLICE_CONN_MAX = __TCPSPLICE_CONN_MAX - 1
};

/*
 * Cluster configuration (TCPSPLICE_A_CLUSTER in SET_CLUSTER and GET_CLUSTER).
 * SET_CLUSTER replaces the whole configuration; NODE_ID 0 leaves the cluster
 * (sockets closed, replicas kept until they end or expire).
 */
#define TCPSPLICE_SYNC_PORT_DEFAULT	7010
#define TCPSPLICE_KEY_LEN		16
#define TCPSPLICE_MAX_PEERS		16
#define TCPSPLICE_MAX_VIPS		16

enum tcpsplice_cluster_attr {
	TCPSPLICE_CLUSTER_UNSPEC,
	TCPSPLICE_CLUSTER_PAD,
	TCPSPLICE_CLUSTER_NODE_ID,	/* u32, 0 = no cluster */
	TCPSPLICE_CLUSTER_PORT,		/* u16, UDP port of every node */
	TCPSPLICE_CLUSTER_INTERVAL,	/* u32, heartbeat interval in ms */
	TCPSPLICE_CLUSTER_MISSES,	/* u32, missed heartbeats = dead */
	TCPSPLICE_CLUSTER_KEY,		/* binary, TCPSPLICE_KEY_LEN; never reported */
	TCPSPLICE_CLUSTER_PREEMPT,	/* u8, hand VIPs back to preferred nodes */
	TCPSPLICE_CLUSTER_PEER,		/* nest (tcpsplice_peer_attr), repeated */
	TCPSPLICE_CLUSTER_VIP,		/* nest (tcpsplice_vip_attr), repeated */
	TCPSPLICE_CLUSTER_READY,	/* u8, reported: bulk sync done */
	TCPSPLICE_CLUSTER_INCARNATION,	/* u64, reported */
	TCPSPLICE_CLUSTER_BACKEND,	/* u8, this node is a backend of split splices */

	__TCPSPLICE_CLUSTER_MAX,
	TCPSPLICE_CLUSTER_MAX = __TCPSPLICE_CLUSTER_MAX - 1
};

enum tcpsplice_peer_state {
	TCPSPLICE_PEER_UNKNOWN,		/* never heard */
	TCPSPLICE_PEER_UP,
	TCPSPLICE_PEER_DOWN,
};

enum tcpsplice_peer_attr {
	TCPSPLICE_PEER_UNSPEC,
	TCPSPLICE_PEER_PAD,
	TCPSPLICE_PEER_ID,		/* u32 */
	TCPSPLICE_PEER_ADDR,		/* binary, 4 or 16 bytes */
	TCPSPLICE_PEER_STATE,		/* u8, reported: tcpsplice_peer_state */
	TCPSPLICE_PEER_READY,		/* u8, reported: the peer says it is ready */
	TCPSPLICE_PEER_SYNCED,		/* u8, reported: its bulk sync reached us */
	TCPSPLICE_PEER_LAST_HEARD,	/* u32, reported: ms ago */
	TCPSPLICE_PEER_UNACKED,		/* u32, reported: updates not yet acknowledged */
	TCPSPLICE_PEER_TX,		/* u64, reported: datagrams sent to it */
	TCPSPLICE_PEER_RX,		/* u64, reported: valid datagrams from it */
	TCPSPLICE_PEER_RETRANSMITTED,	/* u64, reported: updates sent again */
	TCPSPLICE_PEER_BULK_SYNCS,	/* u64, reported: full-table syncs to it */
	TCPSPLICE_PEER_FAILURES,	/* u64, reported: times declared dead */
	TCPSPLICE_PEER_BACKEND,		/* u8, the peer is a backend of split splices */

	__TCPSPLICE_PEER_MAX,
	TCPSPLICE_PEER_MAX = __TCPSPLICE_PEER_MAX - 1
};

enum tcpsplice_vip_attr {
	TCPSPLICE_VIP_UNSPEC,
	TCPSPLICE_VIP_ADDR,		/* binary, 4 or 16 bytes */
	TCPSPLICE_VIP_OWNERS,		/* binary: u32 node ids, priority order */
	TCPSPLICE_VIP_OWNED,		/* u8, reported: this node owns it */

	__TCPSPLICE_VIP_MAX,
	TCPSPLICE_VIP_MAX = __TCPSPLICE_VIP_MAX - 1
};

/* TCPSPLICE_CMD_EVENT on the "events" group: TCPSPLICE_A_EVENT nest. */
enum tcpsplice_event_type {
	TCPSPLICE_EVENT_PEER_UP = 1,
	TCPSPLICE_EVENT_PEER_DOWN,
	TCPSPLICE_EVENT_TAKEOVER,	/* this node now owns VIP */
	TCPSPLICE_EVENT_RELEASE,	/* this node gave VIP up */
	TCPSPLICE_EVENT_READY,		/* bulk sync from every live peer done */
};

enum tcpsplice_event_attr {
	TCPSPLICE_EVENT_UNSPEC,
	TCPSPLICE_EVENT_PAD,
	TCPSPLICE_EVENT_TYPE,		/* u8: tcpsplice_event_type */
	TCPSPLICE_EVENT_NODE,		/* u32: the peer, or this node */
	TCPSPLICE_EVENT_VIP,		/* binary, 4 or 16 bytes */

	__TCPSPLICE_EVENT_MAX,
	TCPSPLICE_EVENT_MAX = __TCPSPLICE_EVENT_MAX - 1
};

#endif /* _UAPI_LINUX_TCPSPLICE_H */
