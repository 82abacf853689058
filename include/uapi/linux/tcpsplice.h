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
 */
enum tcpsplice_cmd {
	TCPSPLICE_CMD_UNSPEC,
	TCPSPLICE_CMD_GET_STATUS,
	TCPSPLICE_CMD_SET_CONFIG,
	TCPSPLICE_CMD_RESET_STATS,

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
 */
enum tcpsplice_attr {
	TCPSPLICE_A_UNSPEC,
	TCPSPLICE_A_VERSION,
	TCPSPLICE_A_CONFIG,
	TCPSPLICE_A_STATS,
	TCPSPLICE_A_NETNS_COOKIE,
	TCPSPLICE_A_PAD,

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
 */
enum tcpsplice_stat {
	TCPSPLICE_STAT_UNSPEC,
	TCPSPLICE_STAT_PAD,
	TCPSPLICE_STAT_RX_PACKETS_V4,
	TCPSPLICE_STAT_RX_PACKETS_V6,
	TCPSPLICE_STAT_RX_TCP,
	TCPSPLICE_STAT_RX_MALFORMED,
	TCPSPLICE_STAT_CONFIG_CHANGES,

	__TCPSPLICE_STAT_MAX,
	TCPSPLICE_STAT_MAX = __TCPSPLICE_STAT_MAX - 1
};

#endif /* _UAPI_LINUX_TCPSPLICE_H */
