// SPDX-License-Identifier: GPL-2.0
// Do not edit: generated from Documentation/netlink/specs/tcpsplice.yaml
// by scripts/ynl-regen (scripts/lib/ynl-gen-rust).

/// The generic netlink family.
pub const TCPSPLICE_GENL_NAME: &str = "tcpsplice";
/// Its version.
pub const TCPSPLICE_GENL_VERSION: u32 = 1;
/// The multicast group "events".
pub const TCPSPLICE_MCGRP_EVENTS: &str = "events";
/// The multicast group "splices".
pub const TCPSPLICE_MCGRP_SPLICES: &str = "splices";

/// The largest ``max_splices`` a namespace may set.
pub const TCPSPLICE_MAX_SPLICES_LIMIT: u32 = 1048576;
/// The longest ``idle_timeout`` (seconds) a namespace may set.
pub const TCPSPLICE_IDLE_TIMEOUT_MAX: u32 = 86400;
/// The cluster's UDP port when ``SET_CLUSTER`` names none.
pub const TCPSPLICE_SYNC_PORT_DEFAULT: u32 = 7010;
/// Bytes of the cluster's key.
pub const TCPSPLICE_KEY_LEN: u32 = 16;
/// Peers a cluster configuration may name.
pub const TCPSPLICE_MAX_PEERS: u32 = 16;
/// Virtual addresses a cluster configuration may name.
pub const TCPSPLICE_MAX_VIPS: u32 = 16;

/// forwarding
pub const TCPSPLICE_STATE_OPEN: u16 = 0;
/// both FINs acknowledged; lingering for retransmissions, then removed
pub const TCPSPLICE_STATE_FINISHED: u16 = 1;
/// ended by a reset; lingering, then removed
pub const TCPSPLICE_STATE_RESET: u16 = 2;
/// Every member of `tcpsplice_splice_state`, by name.
///
/// Where a splice is in its life.
pub const TCPSPLICE_SPLICE_STATE_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_STATE_OPEN", 0),
    ("TCPSPLICE_STATE_FINISHED", 1),
    ("TCPSPLICE_STATE_RESET", 2),
];

/// never heard
pub const TCPSPLICE_PEER_UNKNOWN: u16 = 0;
/// heard within ``interval`` x ``misses``
pub const TCPSPLICE_PEER_UP: u16 = 1;
/// declared dead after ``misses`` silent intervals
pub const TCPSPLICE_PEER_DOWN: u16 = 2;
/// Every member of `tcpsplice_peer_state`, by name.
///
/// What this node knows of a peer.
pub const TCPSPLICE_PEER_STATE_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_PEER_UNKNOWN", 0),
    ("TCPSPLICE_PEER_UP", 1),
    ("TCPSPLICE_PEER_DOWN", 2),
];

/// a peer was heard (first time, or after it was declared dead)
pub const TCPSPLICE_EVENT_PEER_UP: u16 = 1;
/// a peer was declared dead
pub const TCPSPLICE_EVENT_PEER_DOWN: u16 = 2;
/// this node now owns the VIP
pub const TCPSPLICE_EVENT_TAKEOVER: u16 = 3;
/// this node gave the VIP up
pub const TCPSPLICE_EVENT_RELEASE: u16 = 4;
/// the bulk sync from every live peer is done
pub const TCPSPLICE_EVENT_READY: u16 = 5;
/// a splice was made here, or installed from a peer's update (in the ``splices`` group, with the entry)
pub const TCPSPLICE_EVENT_SPLICE_NEW: u16 = 6;
/// an entry left the table (in the ``splices`` group, with the entry as it was and how it ended)
pub const TCPSPLICE_EVENT_SPLICE_END: u16 = 7;
/// the proxy watched with ``ATTACH-PROXY`` has been gone for its grace time: this node gives its VIPs up (its peers take them)
pub const TCPSPLICE_EVENT_PROXY_GONE: u16 = 8;
/// a proxy is attached again after ``proxy-gone``
pub const TCPSPLICE_EVENT_PROXY_BACK: u16 = 9;
/// Every member of `tcpsplice_event_type`, by name.
///
/// What an ``EVENT`` notification reports.
pub const TCPSPLICE_EVENT_TYPE_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_EVENT_PEER_UP", 1),
    ("TCPSPLICE_EVENT_PEER_DOWN", 2),
    ("TCPSPLICE_EVENT_TAKEOVER", 3),
    ("TCPSPLICE_EVENT_RELEASE", 4),
    ("TCPSPLICE_EVENT_READY", 5),
    ("TCPSPLICE_EVENT_SPLICE_NEW", 6),
    ("TCPSPLICE_EVENT_SPLICE_END", 7),
    ("TCPSPLICE_EVENT_PROXY_GONE", 8),
    ("TCPSPLICE_EVENT_PROXY_BACK", 9),
];

/// both FINs acknowledged, then lingered
pub const TCPSPLICE_END_FINISHED: u16 = 1;
/// a reset its receiver accepted, then lingered
pub const TCPSPLICE_END_RESET: u16 = 2;
/// no packet for ``idle_timeout`` seconds
pub const TCPSPLICE_END_EXPIRED: u16 = 3;
/// a new connection took its addresses (a SYN after its end)
pub const TCPSPLICE_END_SUPERSEDED: u16 = 4;
/// removed by ``UNSPLICE``
pub const TCPSPLICE_END_UNSPLICED: u16 = 5;
/// a cluster peer reported that it ended or expired there
pub const TCPSPLICE_END_PEER: u16 = 6;
/// Every member of `tcpsplice_splice_end`, by name.
///
/// How an entry left the table.
pub const TCPSPLICE_SPLICE_END_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_END_FINISHED", 1),
    ("TCPSPLICE_END_RESET", 2),
    ("TCPSPLICE_END_EXPIRED", 3),
    ("TCPSPLICE_END_SUPERSEDED", 4),
    ("TCPSPLICE_END_UNSPLICED", 5),
    ("TCPSPLICE_END_PEER", 6),
];

pub const TCPSPLICE_A_UNSPEC: u16 = 0;
/// the module version
pub const TCPSPLICE_A_VERSION: u16 = 1;
/// this namespace's settings
pub const TCPSPLICE_A_CONFIG: u16 = 2;
/// this namespace's counters, each a u64
pub const TCPSPLICE_A_STATS: u16 = 3;
/// cookie of the namespace the reply is about
pub const TCPSPLICE_A_NETNS_COOKIE: u16 = 4;
pub const TCPSPLICE_A_PAD: u16 = 5;
/// one splice
pub const TCPSPLICE_A_SPLICE: u16 = 6;
/// kernel memory of one splice entry as allocated (its slab object)
pub const TCPSPLICE_A_ENTRY_BYTES: u16 = 7;
/// this namespace's bucket array
pub const TCPSPLICE_A_TABLE_BYTES: u16 = 8;
/// the cluster configuration and its state
pub const TCPSPLICE_A_CLUSTER: u16 = 9;
/// one cluster event
pub const TCPSPLICE_A_EVENT: u16 = 10;
/// (``SPLICE``) reply only once every live peer acknowledged the new
/// entry (at most one second)
pub const TCPSPLICE_A_WAIT_SYNC: u16 = 11;
/// (``SPLICE`` reply) every live peer acknowledged the entry
pub const TCPSPLICE_A_REPLICATED: u16 = 12;
/// (``SPLICE``) hand the server-to-client direction to the backend,
/// if it is configured as a backend peer of the cluster
/// (Documentation/split.rst); the reply's entry says whether it was split
pub const TCPSPLICE_A_SPLIT: u16 = 13;
/// (``ATTACH-PROXY``) ms that this node keeps its VIPs once the
/// caller's socket is closed and no other proxy is attached; 0 stops
/// watching
pub const TCPSPLICE_A_PROXY_GRACE: u16 = 14;
/// The highest attribute of `tcpsplice_attr`.
pub const TCPSPLICE_A_MAX: u16 = 14;
/// Every member of `tcpsplice_attr`, by name.
///
/// Top-level attributes.
pub const TCPSPLICE_ATTR_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_A_VERSION", 1),
    ("TCPSPLICE_A_CONFIG", 2),
    ("TCPSPLICE_A_STATS", 3),
    ("TCPSPLICE_A_NETNS_COOKIE", 4),
    ("TCPSPLICE_A_SPLICE", 6),
    ("TCPSPLICE_A_ENTRY_BYTES", 7),
    ("TCPSPLICE_A_TABLE_BYTES", 8),
    ("TCPSPLICE_A_CLUSTER", 9),
    ("TCPSPLICE_A_EVENT", 10),
    ("TCPSPLICE_A_WAIT_SYNC", 11),
    ("TCPSPLICE_A_REPLICATED", 12),
    ("TCPSPLICE_A_SPLIT", 13),
    ("TCPSPLICE_A_PROXY_GRACE", 14),
];

pub const TCPSPLICE_CFG_UNSPEC: u16 = 0;
/// the size bound of this namespace's splice table (default: module
/// parameter max_splices)
pub const TCPSPLICE_CFG_MAX_SPLICES: u16 = 1;
/// seconds a splice may stay idle before it is removed (default:
/// module parameter idle_timeout)
pub const TCPSPLICE_CFG_IDLE_TIMEOUT: u16 = 2;
/// The highest attribute of `tcpsplice_config_attr`.
pub const TCPSPLICE_CFG_MAX: u16 = 2;
/// Every member of `tcpsplice_config_attr`, by name.
///
/// Per-namespace settings.
pub const TCPSPLICE_CONFIG_ATTR_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_CFG_MAX_SPLICES", 1),
    ("TCPSPLICE_CFG_IDLE_TIMEOUT", 2),
];

pub const TCPSPLICE_STAT_UNSPEC: u16 = 0;
pub const TCPSPLICE_STAT_PAD: u16 = 1;
/// IPv4 packets seen by the PRE_ROUTING hook (a namespace has its
/// hooks from its first splice or cluster configuration on)
pub const TCPSPLICE_STAT_RX_PACKETS_V4: u16 = 2;
/// IPv6 packets seen by the PRE_ROUTING hook (from the namespace's
/// first splice or cluster configuration on)
pub const TCPSPLICE_STAT_RX_PACKETS_V6: u16 = 3;
/// unfragmented TCP segments with well-formed headers among them
pub const TCPSPLICE_STAT_RX_TCP: u16 = 4;
/// packets whose IP or TCP header is malformed (passed on untouched;
/// the kernel's own checks drop them)
pub const TCPSPLICE_STAT_RX_MALFORMED: u16 = 5;
/// successful ``SET_CONFIG`` commands
pub const TCPSPLICE_STAT_CONFIG_CHANGES: u16 = 6;
/// gauge, entries in the table now (lingering ones included)
pub const TCPSPLICE_STAT_SPLICES_ACTIVE: u16 = 7;
/// successful ``SPLICE`` commands
pub const TCPSPLICE_STAT_SPLICES_CREATED: u16 = 8;
/// ``SPLICE`` commands refused after the sockets were found (state,
/// data in flight, duplicates)
pub const TCPSPLICE_STAT_SPLICES_REFUSED: u16 = 9;
/// ``SPLICE`` commands refused because the table held max_splices entries
pub const TCPSPLICE_STAT_TABLE_FULL: u16 = 10;
/// splices ended by FINs acknowledged both ways
pub const TCPSPLICE_STAT_SPLICES_FINISHED: u16 = 11;
/// splices ended by a reset their receiver accepted: one at what it acknowledged or at the end of what was sent to it, or one between that it did not answer within a second
pub const TCPSPLICE_STAT_SPLICES_RESET: u16 = 12;
/// entries removed after idle_timeout
pub const TCPSPLICE_STAT_SPLICES_EXPIRED: u16 = 13;
/// entries removed by ``UNSPLICE``
pub const TCPSPLICE_STAT_SPLICES_UNSPLICED: u16 = 14;
/// packets forwarded client to backend
pub const TCPSPLICE_STAT_PACKETS_TO_BACKEND: u16 = 15;
/// their TCP payload bytes
pub const TCPSPLICE_STAT_BYTES_TO_BACKEND: u16 = 16;
/// packets forwarded backend to client
pub const TCPSPLICE_STAT_PACKETS_TO_CLIENT: u16 = 17;
/// their TCP payload bytes
pub const TCPSPLICE_STAT_BYTES_TO_CLIENT: u16 = 18;
/// resets outside their receiver's window, dropped
pub const TCPSPLICE_STAT_DROP_RST_WINDOW: u16 = 19;
/// spliced packets with malformed headers, dropped
pub const TCPSPLICE_STAT_DROP_MALFORMED: u16 = 20;
/// spliced packets that could not be made writable, dropped
pub const TCPSPLICE_STAT_DROP_NOMEM: u16 = 21;
/// translated packets with no route, dropped
pub const TCPSPLICE_STAT_DROP_NO_ROUTE: u16 = 22;
/// ``CHECKSUM_PARTIAL`` packets whose checksum start is not their TCP
/// header, dropped
pub const TCPSPLICE_STAT_DROP_BAD_CSUM_OFFLOAD: u16 = 23;
/// packets a local socket tried to send on a spliced connection (the
/// retired sockets, or a new socket on a reused port), dropped (a
/// handed-over socket's are counted in handover-held)
pub const TCPSPLICE_STAT_DROP_LOCAL: u16 = 24;
/// TCP options replaced by NOPs because the other leg did not negotiate them
pub const TCPSPLICE_STAT_OPTIONS_STRIPPED: u16 = 25;
/// forwarded packets with a malformed option list (translated up to
/// where the receiver's parser stops)
pub const TCPSPLICE_STAT_OPTIONS_MALFORMED: u16 = 26;
/// forwarded packets lacking timestamps the receiving leg negotiated
pub const TCPSPLICE_STAT_MISSING_TS: u16 = 27;
/// SACK blocks translated
pub const TCPSPLICE_STAT_SACK_BLOCKS: u16 = 28;
/// splices whose backend-side port could not be held (the proxy had
/// bound it explicitly); a new connect() may then pick it, and
/// LOCAL_OUT drops that connection's packets
pub const TCPSPLICE_STAT_PORTS_UNRESERVED: u16 = 29;
/// ICMP errors about a spliced connection (e.g. fragmentation needed)
/// sent on to the peer whose data caused them
pub const TCPSPLICE_STAT_ICMP_TRANSLATED: u16 = 30;
/// sync datagrams sent to peers (updates, acknowledgements, heartbeats)
pub const TCPSPLICE_STAT_SYNC_TX: u16 = 31;
/// sync datagrams from peers that passed every check
pub const TCPSPLICE_STAT_SYNC_RX: u16 = 32;
/// updates sent again because their peer had not acknowledged them in time
pub const TCPSPLICE_STAT_SYNC_RETRANSMITTED: u16 = 33;
/// gauge, updates sent and not yet acknowledged, summed over the peers
pub const TCPSPLICE_STAT_SYNC_UNACKED: u16 = 34;
/// sync datagrams shorter than their header or their stated length
pub const TCPSPLICE_STAT_SYNC_REJECT_TRUNCATED: u16 = 35;
/// sync datagrams of another protocol version
pub const TCPSPLICE_STAT_SYNC_REJECT_VERSION: u16 = 36;
/// authenticated sync datagrams whose operations do not parse
pub const TCPSPLICE_STAT_SYNC_REJECT_MALFORMED: u16 = 37;
/// sync datagrams from a node or address not configured as a peer
pub const TCPSPLICE_STAT_SYNC_REJECT_UNKNOWN_PEER: u16 = 38;
/// sync datagrams whose authentication tag is wrong (a key mismatch,
/// or forged)
pub const TCPSPLICE_STAT_SYNC_REJECT_BAD_TAG: u16 = 39;
/// sync datagrams already seen, or older than the peer's window
pub const TCPSPLICE_STAT_SYNC_REJECT_REPLAYED: u16 = 40;
/// sync datagrams the socket could not send
pub const TCPSPLICE_STAT_SYNC_TX_ERRORS: u16 = 41;
/// bulk syncs started again because one ran out of memory or its
/// stream fell too far behind
pub const TCPSPLICE_STAT_SYNC_RESYNCS: u16 = 42;
/// full-table syncs sent to peers that came up
pub const TCPSPLICE_STAT_BULK_SYNCS: u16 = 43;
/// entries installed from peers' updates
pub const TCPSPLICE_STAT_REPLICAS_INSTALLED: u16 = 44;
/// peers' updates for entries this node already held (applied in place)
pub const TCPSPLICE_STAT_REPLICAS_DUPLICATE: u16 = 45;
/// peers' entries not installed because the table was full
pub const TCPSPLICE_STAT_REPLICAS_REFUSED: u16 = 46;
/// replicas ended by their peer's report of the connection's end
pub const TCPSPLICE_STAT_REPLICAS_ENDED: u16 = 47;
/// gauge, peers heard within the failure detection time
pub const TCPSPLICE_STAT_PEERS_UP: u16 = 48;
/// times a peer was declared dead
pub const TCPSPLICE_STAT_PEER_FAILURES: u16 = 49;
/// gauge, virtual addresses this node owns
pub const TCPSPLICE_STAT_VIPS_OWNED: u16 = 50;
/// virtual addresses this node took
pub const TCPSPLICE_STAT_TAKEOVERS: u16 = 51;
/// virtual addresses this node gave up
pub const TCPSPLICE_STAT_RELEASES: u16 = 52;
/// ARP requests for an owned IPv4 VIP answered
pub const TCPSPLICE_STAT_ARP_REPLIES: u16 = 53;
/// gratuitous ARPs and unsolicited neighbour advertisements sent
pub const TCPSPLICE_STAT_ANNOUNCEMENTS: u16 = 54;
/// neighbour solicitations for an owned IPv6 VIP answered
pub const TCPSPLICE_STAT_ND_REPLIES: u16 = 55;
/// sync datagrams opened with the previous key during a key rotation
pub const TCPSPLICE_STAT_SYNC_RX_OLD_KEY: u16 = 56;
/// (proxy) splices handed to their backend
pub const TCPSPLICE_STAT_SPLITS_MADE: u16 = 57;
/// (proxy) ``SPLICE`` asked for a split but the backend is not a
/// backend peer; spliced at the proxy only
pub const TCPSPLICE_STAT_SPLITS_NO_BACKEND: u16 = 58;
/// (backend) split splices taken from proxies
pub const TCPSPLICE_STAT_SPLITS_INSTALLED: u16 = 59;
/// (backend) operations a backend refused: a splice that is not
/// split, or one for an address it does not own
pub const TCPSPLICE_STAT_SPLITS_REFUSED: u16 = 60;
/// (backend) split splices whose end it found (and reported to the proxies)
pub const TCPSPLICE_STAT_SPLITS_ENDED: u16 = 61;
/// (backend) its own packets sent straight to clients, translated
pub const TCPSPLICE_STAT_SPLIT_PACKETS_TO_CLIENT: u16 = 62;
/// their TCP payload bytes
pub const TCPSPLICE_STAT_SPLIT_BYTES_TO_CLIENT: u16 = 63;
/// probes sent after a takeover to the peers of the connections taken
/// over (Documentation/cluster.rst)
pub const TCPSPLICE_STAT_NUDGE_PROBES: u16 = 64;
/// peers found waiting on their retransmission timer after a takeover
/// and sent ICMP errors that undo its back-off
pub const TCPSPLICE_STAT_NUDGE_KICKS: u16 = 65;
/// maximum, the longest time in ms between two datagrams heard from a
/// live peer
pub const TCPSPLICE_STAT_SYNC_SILENCE_MAX_MS: u16 = 66;
/// maximum, the most in ms the cluster's periodic work (failure
/// detection, heartbeats) ran after it was due
pub const TCPSPLICE_STAT_SYNC_TICK_LATE_MAX_MS: u16 = 67;
/// maximum, the most in ms the sync socket's receive work ran after a
/// datagram arrived for it
pub const TCPSPLICE_STAT_SYNC_RX_LATE_MAX_MS: u16 = 68;
/// sync datagrams the socket dropped on arrival (its receive queue full)
pub const TCPSPLICE_STAT_SYNC_RX_DROPS: u16 = 69;
/// window updates sent when a splice was made, each to a peer whose
/// window the proxy's socket had kept smaller than the other peer
/// offers (Documentation/splicing.rst)
pub const TCPSPLICE_STAT_WINDOW_UPDATES: u16 = 70;
/// ended splices whose addresses a new connection took (a SYN after
/// the end): their packets go to the stack, the entry goes
pub const TCPSPLICE_STAT_SPLICES_SUPERSEDED: u16 = 71;
/// packets marked Congestion Experienced on their way to a leg that
/// did not negotiate ECN, dropped (the loss a router without ECN
/// would have made; Documentation/splicing.rst)
pub const TCPSPLICE_STAT_DROP_ECN_CE: u16 = 72;
/// packets to a leg that did not negotiate ECN whose ECN marks (the
/// ECN-capable codepoint, the ECE and CWR flags) were cleared
pub const TCPSPLICE_STAT_ECN_CLEARED: u16 = 73;
/// proxy sockets handed over when their splice was made: their peer
/// had not yet acknowledged all they were given to send, and they
/// send and retransmit it until it does (Documentation/splicing.rst)
pub const TCPSPLICE_STAT_HANDOVERS: u16 = 74;
/// bytes in flight or unsent in the handed-over sockets when their
/// splices were made
pub const TCPSPLICE_STAT_HANDOVER_BYTES: u16 = 75;
/// acknowledgements from a peer given to its handed-over socket (each
/// packet is also forwarded to the other peer)
pub const TCPSPLICE_STAT_HANDOVER_ACKS: u16 = 76;
/// data segments a handed-over socket sent after its splice was made
/// (what was unsent then, and retransmissions of what was in
/// flight), let through LOCAL_OUT
pub const TCPSPLICE_STAT_HANDOVER_SEGMENTS: u16 = 77;
/// packets of a peer whose socket was handed over that could not be
/// given to it (no memory for the copy, a bad checksum): dropped, so
/// the peer sends them again
pub const TCPSPLICE_STAT_HANDOVER_DROPS: u16 = 78;
/// bytes a socket had received and the proxy had not read when a
/// splice was asked for, moved to the other socket's send queue
pub const TCPSPLICE_STAT_HANDOVER_MOVED: u16 = 79;
/// FINs the module sent when it made a splice, each from one socket
/// after everything it was given, because the other socket's peer
/// had closed (a backend that answered and closed, a client that
/// half-closed) before the splice
pub const TCPSPLICE_STAT_HANDOVER_FINS: u16 = 80;
/// segments a handed-over socket sent that were kept from its peer:
/// its pure ACKs (the other peer acknowledges what it receives), any
/// FIN other than the one queued at splice time, and all it sends
/// once its bytes were acknowledged, until the sweep retires it
pub const TCPSPLICE_STAT_HANDOVER_HELD: u16 = 81;
/// translated packets that had arrived in IP fragments, reassembled
/// by the kernel's defragmentation (which the module enables in a
/// namespace with its hooks) and sent on, cut again into fragments
/// no larger than the sender's
pub const TCPSPLICE_STAT_PACKETS_REASSEMBLED: u16 = 82;
/// fraglist GRO packets (``rx-gro-list``) of spliced connections cut
/// back into their segments, each then translated and counted as
/// any packet
pub const TCPSPLICE_STAT_GRO_LISTS_SEGMENTED: u16 = 83;
/// translated GRO packets longer than 64 KiB (BIG TCP: their IPv4
/// total length or IPv6 payload length is 0)
pub const TCPSPLICE_STAT_PACKETS_BIG_TCP: u16 = 84;
/// packets of spliced connections that a device had aggregated with
/// LRO, dropped: they cannot be cut into segments again (``SPLICE``
/// turns LRO off on the devices its sockets' routes go out on, as
/// forwarding does)
pub const TCPSPLICE_STAT_DROP_LRO: u16 = 85;
/// The highest attribute of `tcpsplice_stat`.
pub const TCPSPLICE_STAT_MAX: u16 = 85;
/// Every member of `tcpsplice_stat`, by name.
///
/// Per-namespace counters, all u64. Gauges and maxima say so; every other
/// counter counts events since the module was loaded or the last
/// ``RESET_STATS``.
pub const TCPSPLICE_STAT_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_STAT_RX_PACKETS_V4", 2),
    ("TCPSPLICE_STAT_RX_PACKETS_V6", 3),
    ("TCPSPLICE_STAT_RX_TCP", 4),
    ("TCPSPLICE_STAT_RX_MALFORMED", 5),
    ("TCPSPLICE_STAT_CONFIG_CHANGES", 6),
    ("TCPSPLICE_STAT_SPLICES_ACTIVE", 7),
    ("TCPSPLICE_STAT_SPLICES_CREATED", 8),
    ("TCPSPLICE_STAT_SPLICES_REFUSED", 9),
    ("TCPSPLICE_STAT_TABLE_FULL", 10),
    ("TCPSPLICE_STAT_SPLICES_FINISHED", 11),
    ("TCPSPLICE_STAT_SPLICES_RESET", 12),
    ("TCPSPLICE_STAT_SPLICES_EXPIRED", 13),
    ("TCPSPLICE_STAT_SPLICES_UNSPLICED", 14),
    ("TCPSPLICE_STAT_PACKETS_TO_BACKEND", 15),
    ("TCPSPLICE_STAT_BYTES_TO_BACKEND", 16),
    ("TCPSPLICE_STAT_PACKETS_TO_CLIENT", 17),
    ("TCPSPLICE_STAT_BYTES_TO_CLIENT", 18),
    ("TCPSPLICE_STAT_DROP_RST_WINDOW", 19),
    ("TCPSPLICE_STAT_DROP_MALFORMED", 20),
    ("TCPSPLICE_STAT_DROP_NOMEM", 21),
    ("TCPSPLICE_STAT_DROP_NO_ROUTE", 22),
    ("TCPSPLICE_STAT_DROP_BAD_CSUM_OFFLOAD", 23),
    ("TCPSPLICE_STAT_DROP_LOCAL", 24),
    ("TCPSPLICE_STAT_OPTIONS_STRIPPED", 25),
    ("TCPSPLICE_STAT_OPTIONS_MALFORMED", 26),
    ("TCPSPLICE_STAT_MISSING_TS", 27),
    ("TCPSPLICE_STAT_SACK_BLOCKS", 28),
    ("TCPSPLICE_STAT_PORTS_UNRESERVED", 29),
    ("TCPSPLICE_STAT_ICMP_TRANSLATED", 30),
    ("TCPSPLICE_STAT_SYNC_TX", 31),
    ("TCPSPLICE_STAT_SYNC_RX", 32),
    ("TCPSPLICE_STAT_SYNC_RETRANSMITTED", 33),
    ("TCPSPLICE_STAT_SYNC_UNACKED", 34),
    ("TCPSPLICE_STAT_SYNC_REJECT_TRUNCATED", 35),
    ("TCPSPLICE_STAT_SYNC_REJECT_VERSION", 36),
    ("TCPSPLICE_STAT_SYNC_REJECT_MALFORMED", 37),
    ("TCPSPLICE_STAT_SYNC_REJECT_UNKNOWN_PEER", 38),
    ("TCPSPLICE_STAT_SYNC_REJECT_BAD_TAG", 39),
    ("TCPSPLICE_STAT_SYNC_REJECT_REPLAYED", 40),
    ("TCPSPLICE_STAT_SYNC_TX_ERRORS", 41),
    ("TCPSPLICE_STAT_SYNC_RESYNCS", 42),
    ("TCPSPLICE_STAT_BULK_SYNCS", 43),
    ("TCPSPLICE_STAT_REPLICAS_INSTALLED", 44),
    ("TCPSPLICE_STAT_REPLICAS_DUPLICATE", 45),
    ("TCPSPLICE_STAT_REPLICAS_REFUSED", 46),
    ("TCPSPLICE_STAT_REPLICAS_ENDED", 47),
    ("TCPSPLICE_STAT_PEERS_UP", 48),
    ("TCPSPLICE_STAT_PEER_FAILURES", 49),
    ("TCPSPLICE_STAT_VIPS_OWNED", 50),
    ("TCPSPLICE_STAT_TAKEOVERS", 51),
    ("TCPSPLICE_STAT_RELEASES", 52),
    ("TCPSPLICE_STAT_ARP_REPLIES", 53),
    ("TCPSPLICE_STAT_ANNOUNCEMENTS", 54),
    ("TCPSPLICE_STAT_ND_REPLIES", 55),
    ("TCPSPLICE_STAT_SYNC_RX_OLD_KEY", 56),
    ("TCPSPLICE_STAT_SPLITS_MADE", 57),
    ("TCPSPLICE_STAT_SPLITS_NO_BACKEND", 58),
    ("TCPSPLICE_STAT_SPLITS_INSTALLED", 59),
    ("TCPSPLICE_STAT_SPLITS_REFUSED", 60),
    ("TCPSPLICE_STAT_SPLITS_ENDED", 61),
    ("TCPSPLICE_STAT_SPLIT_PACKETS_TO_CLIENT", 62),
    ("TCPSPLICE_STAT_SPLIT_BYTES_TO_CLIENT", 63),
    ("TCPSPLICE_STAT_NUDGE_PROBES", 64),
    ("TCPSPLICE_STAT_NUDGE_KICKS", 65),
    ("TCPSPLICE_STAT_SYNC_SILENCE_MAX_MS", 66),
    ("TCPSPLICE_STAT_SYNC_TICK_LATE_MAX_MS", 67),
    ("TCPSPLICE_STAT_SYNC_RX_LATE_MAX_MS", 68),
    ("TCPSPLICE_STAT_SYNC_RX_DROPS", 69),
    ("TCPSPLICE_STAT_WINDOW_UPDATES", 70),
    ("TCPSPLICE_STAT_SPLICES_SUPERSEDED", 71),
    ("TCPSPLICE_STAT_DROP_ECN_CE", 72),
    ("TCPSPLICE_STAT_ECN_CLEARED", 73),
    ("TCPSPLICE_STAT_HANDOVERS", 74),
    ("TCPSPLICE_STAT_HANDOVER_BYTES", 75),
    ("TCPSPLICE_STAT_HANDOVER_ACKS", 76),
    ("TCPSPLICE_STAT_HANDOVER_SEGMENTS", 77),
    ("TCPSPLICE_STAT_HANDOVER_DROPS", 78),
    ("TCPSPLICE_STAT_HANDOVER_MOVED", 79),
    ("TCPSPLICE_STAT_HANDOVER_FINS", 80),
    ("TCPSPLICE_STAT_HANDOVER_HELD", 81),
    ("TCPSPLICE_STAT_PACKETS_REASSEMBLED", 82),
    ("TCPSPLICE_STAT_GRO_LISTS_SEGMENTED", 83),
    ("TCPSPLICE_STAT_PACKETS_BIG_TCP", 84),
    ("TCPSPLICE_STAT_DROP_LRO", 85),
];

/// The documentation of every member of `tcpsplice_stat`.
pub const TCPSPLICE_STAT_DOCS: &[(&str, &str)] = &[
    ("TCPSPLICE_STAT_RX_PACKETS_V4", "IPv4 packets seen by the PRE_ROUTING hook (a namespace has its hooks from its first splice or cluster configuration on)"),
    ("TCPSPLICE_STAT_RX_PACKETS_V6", "IPv6 packets seen by the PRE_ROUTING hook (from the namespace's first splice or cluster configuration on)"),
    ("TCPSPLICE_STAT_RX_TCP", "unfragmented TCP segments with well-formed headers among them"),
    ("TCPSPLICE_STAT_RX_MALFORMED", "packets whose IP or TCP header is malformed (passed on untouched; the kernel's own checks drop them)"),
    ("TCPSPLICE_STAT_CONFIG_CHANGES", "successful ``SET_CONFIG`` commands"),
    ("TCPSPLICE_STAT_SPLICES_ACTIVE", "gauge, entries in the table now (lingering ones included)"),
    ("TCPSPLICE_STAT_SPLICES_CREATED", "successful ``SPLICE`` commands"),
    ("TCPSPLICE_STAT_SPLICES_REFUSED", "``SPLICE`` commands refused after the sockets were found (state, data in flight, duplicates)"),
    ("TCPSPLICE_STAT_TABLE_FULL", "``SPLICE`` commands refused because the table held max_splices entries"),
    ("TCPSPLICE_STAT_SPLICES_FINISHED", "splices ended by FINs acknowledged both ways"),
    ("TCPSPLICE_STAT_SPLICES_RESET", "splices ended by a reset their receiver accepted: one at what it acknowledged or at the end of what was sent to it, or one between that it did not answer within a second"),
    ("TCPSPLICE_STAT_SPLICES_EXPIRED", "entries removed after idle_timeout"),
    ("TCPSPLICE_STAT_SPLICES_UNSPLICED", "entries removed by ``UNSPLICE``"),
    ("TCPSPLICE_STAT_PACKETS_TO_BACKEND", "packets forwarded client to backend"),
    ("TCPSPLICE_STAT_BYTES_TO_BACKEND", "their TCP payload bytes"),
    ("TCPSPLICE_STAT_PACKETS_TO_CLIENT", "packets forwarded backend to client"),
    ("TCPSPLICE_STAT_BYTES_TO_CLIENT", "their TCP payload bytes"),
    ("TCPSPLICE_STAT_DROP_RST_WINDOW", "resets outside their receiver's window, dropped"),
    ("TCPSPLICE_STAT_DROP_MALFORMED", "spliced packets with malformed headers, dropped"),
    ("TCPSPLICE_STAT_DROP_NOMEM", "spliced packets that could not be made writable, dropped"),
    ("TCPSPLICE_STAT_DROP_NO_ROUTE", "translated packets with no route, dropped"),
    ("TCPSPLICE_STAT_DROP_BAD_CSUM_OFFLOAD", "``CHECKSUM_PARTIAL`` packets whose checksum start is not their TCP header, dropped"),
    ("TCPSPLICE_STAT_DROP_LOCAL", "packets a local socket tried to send on a spliced connection (the retired sockets, or a new socket on a reused port), dropped (a handed-over socket's are counted in handover-held)"),
    ("TCPSPLICE_STAT_OPTIONS_STRIPPED", "TCP options replaced by NOPs because the other leg did not negotiate them"),
    ("TCPSPLICE_STAT_OPTIONS_MALFORMED", "forwarded packets with a malformed option list (translated up to where the receiver's parser stops)"),
    ("TCPSPLICE_STAT_MISSING_TS", "forwarded packets lacking timestamps the receiving leg negotiated"),
    ("TCPSPLICE_STAT_SACK_BLOCKS", "SACK blocks translated"),
    ("TCPSPLICE_STAT_PORTS_UNRESERVED", "splices whose backend-side port could not be held (the proxy had bound it explicitly); a new connect() may then pick it, and LOCAL_OUT drops that connection's packets"),
    ("TCPSPLICE_STAT_ICMP_TRANSLATED", "ICMP errors about a spliced connection (e.g. fragmentation needed) sent on to the peer whose data caused them"),
    ("TCPSPLICE_STAT_SYNC_TX", "sync datagrams sent to peers (updates, acknowledgements, heartbeats)"),
    ("TCPSPLICE_STAT_SYNC_RX", "sync datagrams from peers that passed every check"),
    ("TCPSPLICE_STAT_SYNC_RETRANSMITTED", "updates sent again because their peer had not acknowledged them in time"),
    ("TCPSPLICE_STAT_SYNC_UNACKED", "gauge, updates sent and not yet acknowledged, summed over the peers"),
    ("TCPSPLICE_STAT_SYNC_REJECT_TRUNCATED", "sync datagrams shorter than their header or their stated length"),
    ("TCPSPLICE_STAT_SYNC_REJECT_VERSION", "sync datagrams of another protocol version"),
    ("TCPSPLICE_STAT_SYNC_REJECT_MALFORMED", "authenticated sync datagrams whose operations do not parse"),
    ("TCPSPLICE_STAT_SYNC_REJECT_UNKNOWN_PEER", "sync datagrams from a node or address not configured as a peer"),
    ("TCPSPLICE_STAT_SYNC_REJECT_BAD_TAG", "sync datagrams whose authentication tag is wrong (a key mismatch, or forged)"),
    ("TCPSPLICE_STAT_SYNC_REJECT_REPLAYED", "sync datagrams already seen, or older than the peer's window"),
    ("TCPSPLICE_STAT_SYNC_TX_ERRORS", "sync datagrams the socket could not send"),
    ("TCPSPLICE_STAT_SYNC_RESYNCS", "bulk syncs started again because one ran out of memory or its stream fell too far behind"),
    ("TCPSPLICE_STAT_BULK_SYNCS", "full-table syncs sent to peers that came up"),
    ("TCPSPLICE_STAT_REPLICAS_INSTALLED", "entries installed from peers' updates"),
    ("TCPSPLICE_STAT_REPLICAS_DUPLICATE", "peers' updates for entries this node already held (applied in place)"),
    ("TCPSPLICE_STAT_REPLICAS_REFUSED", "peers' entries not installed because the table was full"),
    ("TCPSPLICE_STAT_REPLICAS_ENDED", "replicas ended by their peer's report of the connection's end"),
    ("TCPSPLICE_STAT_PEERS_UP", "gauge, peers heard within the failure detection time"),
    ("TCPSPLICE_STAT_PEER_FAILURES", "times a peer was declared dead"),
    ("TCPSPLICE_STAT_VIPS_OWNED", "gauge, virtual addresses this node owns"),
    ("TCPSPLICE_STAT_TAKEOVERS", "virtual addresses this node took"),
    ("TCPSPLICE_STAT_RELEASES", "virtual addresses this node gave up"),
    ("TCPSPLICE_STAT_ARP_REPLIES", "ARP requests for an owned IPv4 VIP answered"),
    ("TCPSPLICE_STAT_ANNOUNCEMENTS", "gratuitous ARPs and unsolicited neighbour advertisements sent"),
    ("TCPSPLICE_STAT_ND_REPLIES", "neighbour solicitations for an owned IPv6 VIP answered"),
    ("TCPSPLICE_STAT_SYNC_RX_OLD_KEY", "sync datagrams opened with the previous key during a key rotation"),
    ("TCPSPLICE_STAT_SPLITS_MADE", "(proxy) splices handed to their backend"),
    ("TCPSPLICE_STAT_SPLITS_NO_BACKEND", "(proxy) ``SPLICE`` asked for a split but the backend is not a backend peer; spliced at the proxy only"),
    ("TCPSPLICE_STAT_SPLITS_INSTALLED", "(backend) split splices taken from proxies"),
    ("TCPSPLICE_STAT_SPLITS_REFUSED", "(backend) operations a backend refused: a splice that is not split, or one for an address it does not own"),
    ("TCPSPLICE_STAT_SPLITS_ENDED", "(backend) split splices whose end it found (and reported to the proxies)"),
    ("TCPSPLICE_STAT_SPLIT_PACKETS_TO_CLIENT", "(backend) its own packets sent straight to clients, translated"),
    ("TCPSPLICE_STAT_SPLIT_BYTES_TO_CLIENT", "their TCP payload bytes"),
    ("TCPSPLICE_STAT_NUDGE_PROBES", "probes sent after a takeover to the peers of the connections taken over (Documentation/cluster.rst)"),
    ("TCPSPLICE_STAT_NUDGE_KICKS", "peers found waiting on their retransmission timer after a takeover and sent ICMP errors that undo its back-off"),
    ("TCPSPLICE_STAT_SYNC_SILENCE_MAX_MS", "maximum, the longest time in ms between two datagrams heard from a live peer"),
    ("TCPSPLICE_STAT_SYNC_TICK_LATE_MAX_MS", "maximum, the most in ms the cluster's periodic work (failure detection, heartbeats) ran after it was due"),
    ("TCPSPLICE_STAT_SYNC_RX_LATE_MAX_MS", "maximum, the most in ms the sync socket's receive work ran after a datagram arrived for it"),
    ("TCPSPLICE_STAT_SYNC_RX_DROPS", "sync datagrams the socket dropped on arrival (its receive queue full)"),
    ("TCPSPLICE_STAT_WINDOW_UPDATES", "window updates sent when a splice was made, each to a peer whose window the proxy's socket had kept smaller than the other peer offers (Documentation/splicing.rst)"),
    ("TCPSPLICE_STAT_SPLICES_SUPERSEDED", "ended splices whose addresses a new connection took (a SYN after the end): their packets go to the stack, the entry goes"),
    ("TCPSPLICE_STAT_DROP_ECN_CE", "packets marked Congestion Experienced on their way to a leg that did not negotiate ECN, dropped (the loss a router without ECN would have made; Documentation/splicing.rst)"),
    ("TCPSPLICE_STAT_ECN_CLEARED", "packets to a leg that did not negotiate ECN whose ECN marks (the ECN-capable codepoint, the ECE and CWR flags) were cleared"),
    ("TCPSPLICE_STAT_HANDOVERS", "proxy sockets handed over when their splice was made: their peer had not yet acknowledged all they were given to send, and they send and retransmit it until it does (Documentation/splicing.rst)"),
    ("TCPSPLICE_STAT_HANDOVER_BYTES", "bytes in flight or unsent in the handed-over sockets when their splices were made"),
    ("TCPSPLICE_STAT_HANDOVER_ACKS", "acknowledgements from a peer given to its handed-over socket (each packet is also forwarded to the other peer)"),
    ("TCPSPLICE_STAT_HANDOVER_SEGMENTS", "data segments a handed-over socket sent after its splice was made (what was unsent then, and retransmissions of what was in flight), let through LOCAL_OUT"),
    ("TCPSPLICE_STAT_HANDOVER_DROPS", "packets of a peer whose socket was handed over that could not be given to it (no memory for the copy, a bad checksum): dropped, so the peer sends them again"),
    ("TCPSPLICE_STAT_HANDOVER_MOVED", "bytes a socket had received and the proxy had not read when a splice was asked for, moved to the other socket's send queue"),
    ("TCPSPLICE_STAT_HANDOVER_FINS", "FINs the module sent when it made a splice, each from one socket after everything it was given, because the other socket's peer had closed (a backend that answered and closed, a client that half-closed) before the splice"),
    ("TCPSPLICE_STAT_HANDOVER_HELD", "segments a handed-over socket sent that were kept from its peer: its pure ACKs (the other peer acknowledges what it receives), any FIN other than the one queued at splice time, and all it sends once its bytes were acknowledged, until the sweep retires it"),
    ("TCPSPLICE_STAT_PACKETS_REASSEMBLED", "translated packets that had arrived in IP fragments, reassembled by the kernel's defragmentation (which the module enables in a namespace with its hooks) and sent on, cut again into fragments no larger than the sender's"),
    ("TCPSPLICE_STAT_GRO_LISTS_SEGMENTED", "fraglist GRO packets (``rx-gro-list``) of spliced connections cut back into their segments, each then translated and counted as any packet"),
    ("TCPSPLICE_STAT_PACKETS_BIG_TCP", "translated GRO packets longer than 64 KiB (BIG TCP: their IPv4 total length or IPv6 payload length is 0)"),
    ("TCPSPLICE_STAT_DROP_LRO", "packets of spliced connections that a device had aggregated with LRO, dropped: they cannot be cut into segments again (``SPLICE`` turns LRO off on the devices its sockets' routes go out on, as forwarding does)"),
];

pub const TCPSPLICE_SPLICE_UNSPEC: u16 = 0;
pub const TCPSPLICE_SPLICE_PAD: u16 = 1;
/// the entry's identifier (unique per namespace)
pub const TCPSPLICE_SPLICE_ID: u16 = 2;
/// the proxy's connection with the client
pub const TCPSPLICE_SPLICE_CLIENT: u16 = 3;
/// the proxy's connection with the backend
pub const TCPSPLICE_SPLICE_BACKEND: u16 = 4;
/// where the splice is in its life
pub const TCPSPLICE_SPLICE_STATE: u16 = 5;
/// seconds since the splice was made
pub const TCPSPLICE_SPLICE_AGE: u16 = 6;
/// seconds since its last packet
pub const TCPSPLICE_SPLICE_IDLE: u16 = 7;
pub const TCPSPLICE_SPLICE_PACKETS_TO_BACKEND: u16 = 8;
/// TCP payload bytes
pub const TCPSPLICE_SPLICE_BYTES_TO_BACKEND: u16 = 9;
pub const TCPSPLICE_SPLICE_PACKETS_TO_CLIENT: u16 = 10;
/// TCP payload bytes
pub const TCPSPLICE_SPLICE_BYTES_TO_CLIENT: u16 = 11;
/// installed from a peer's update
pub const TCPSPLICE_SPLICE_REPLICA: u16 = 12;
/// a split splice (the backend sends to the client)
pub const TCPSPLICE_SPLICE_SPLIT: u16 = 13;
/// milliseconds since the splice was made
pub const TCPSPLICE_SPLICE_AGE_MS: u16 = 14;
/// how the entry left the table (``splice-end`` events only)
pub const TCPSPLICE_SPLICE_END: u16 = 15;
/// The highest attribute of `tcpsplice_splice_attr`.
pub const TCPSPLICE_SPLICE_MAX: u16 = 15;
/// Every member of `tcpsplice_splice_attr`, by name.
///
/// One splice (in ``TCPSPLICE_A_SPLICE``).
pub const TCPSPLICE_SPLICE_ATTR_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_SPLICE_ID", 2),
    ("TCPSPLICE_SPLICE_CLIENT", 3),
    ("TCPSPLICE_SPLICE_BACKEND", 4),
    ("TCPSPLICE_SPLICE_STATE", 5),
    ("TCPSPLICE_SPLICE_AGE", 6),
    ("TCPSPLICE_SPLICE_IDLE", 7),
    ("TCPSPLICE_SPLICE_PACKETS_TO_BACKEND", 8),
    ("TCPSPLICE_SPLICE_BYTES_TO_BACKEND", 9),
    ("TCPSPLICE_SPLICE_PACKETS_TO_CLIENT", 10),
    ("TCPSPLICE_SPLICE_BYTES_TO_CLIENT", 11),
    ("TCPSPLICE_SPLICE_REPLICA", 12),
    ("TCPSPLICE_SPLICE_SPLIT", 13),
    ("TCPSPLICE_SPLICE_AGE_MS", 14),
    ("TCPSPLICE_SPLICE_END", 15),
];

pub const TCPSPLICE_CONN_UNSPEC: u16 = 0;
/// 4 (IPv4) or 16 (IPv6) bytes
pub const TCPSPLICE_CONN_LOCAL_ADDR: u16 = 1;
/// host order, non-zero
pub const TCPSPLICE_CONN_LOCAL_PORT: u16 = 2;
/// the same length as the local address
pub const TCPSPLICE_CONN_REMOTE_ADDR: u16 = 3;
/// host order, non-zero
pub const TCPSPLICE_CONN_REMOTE_PORT: u16 = 4;
/// (reply only) the largest segment the peer accepts
pub const TCPSPLICE_CONN_MSS: u16 = 5;
/// (reply only) the peer's window-scale shift
pub const TCPSPLICE_CONN_SND_WSCALE: u16 = 6;
/// (reply only) the proxy's window-scale shift
pub const TCPSPLICE_CONN_RCV_WSCALE: u16 = 7;
/// (reply only) SACK negotiated
pub const TCPSPLICE_CONN_SACK: u16 = 8;
/// (reply only) timestamps negotiated
pub const TCPSPLICE_CONN_TIMESTAMPS: u16 = 9;
/// The highest attribute of `tcpsplice_conn_attr`.
pub const TCPSPLICE_CONN_MAX: u16 = 9;
/// Every member of `tcpsplice_conn_attr`, by name.
///
/// One of the proxy's TCP connections.
pub const TCPSPLICE_CONN_ATTR_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_CONN_LOCAL_ADDR", 1),
    ("TCPSPLICE_CONN_LOCAL_PORT", 2),
    ("TCPSPLICE_CONN_REMOTE_ADDR", 3),
    ("TCPSPLICE_CONN_REMOTE_PORT", 4),
    ("TCPSPLICE_CONN_MSS", 5),
    ("TCPSPLICE_CONN_SND_WSCALE", 6),
    ("TCPSPLICE_CONN_RCV_WSCALE", 7),
    ("TCPSPLICE_CONN_SACK", 8),
    ("TCPSPLICE_CONN_TIMESTAMPS", 9),
];

pub const TCPSPLICE_CLUSTER_UNSPEC: u16 = 0;
pub const TCPSPLICE_CLUSTER_PAD: u16 = 1;
/// this node's identifier, 0 for no cluster
pub const TCPSPLICE_CLUSTER_NODE_ID: u16 = 2;
/// the UDP port of every node
pub const TCPSPLICE_CLUSTER_PORT: u16 = 3;
/// heartbeat interval in ms
pub const TCPSPLICE_CLUSTER_INTERVAL: u16 = 4;
/// heartbeats missed in a row that declare a peer dead
pub const TCPSPLICE_CLUSTER_MISSES: u16 = 5;
/// the key of the sync datagrams' tags; never reported
pub const TCPSPLICE_CLUSTER_KEY: u16 = 6;
/// 1 to hand VIPs back to their preferred nodes when they return
pub const TCPSPLICE_CLUSTER_PREEMPT: u16 = 7;
/// one peer, repeated
pub const TCPSPLICE_CLUSTER_PEER: u16 = 8;
/// one virtual address, repeated
pub const TCPSPLICE_CLUSTER_VIP: u16 = 9;
/// (reported) 1 once the bulk sync from every live peer is done
pub const TCPSPLICE_CLUSTER_READY: u16 = 10;
/// (reported) this node's incarnation, new at every configuration
pub const TCPSPLICE_CLUSTER_INCARNATION: u16 = 11;
/// 1 if this node is a backend of split splices
pub const TCPSPLICE_CLUSTER_BACKEND: u16 = 12;
/// (reported) the grace time of the proxy watch in ms (``ATTACH-PROXY``); 0 or absent: no proxy is watched
pub const TCPSPLICE_CLUSTER_PROXY_GRACE: u16 = 13;
/// (reported) 1 while a watched proxy's socket is open
pub const TCPSPLICE_CLUSTER_PROXY_ATTACHED: u16 = 14;
/// (reported) ms since the last watched proxy left, while none is attached
pub const TCPSPLICE_CLUSTER_PROXY_GONE: u16 = 15;
/// (reported) 1 if this node may own VIPs: ready, and its proxy attached or within its grace time (or not watched)
pub const TCPSPLICE_CLUSTER_SERVING: u16 = 16;
/// The highest attribute of `tcpsplice_cluster_attr`.
pub const TCPSPLICE_CLUSTER_MAX: u16 = 16;
/// Every member of `tcpsplice_cluster_attr`, by name.
///
/// The cluster configuration (``SET_CLUSTER``) and its state
/// (``GET_CLUSTER``). ``SET_CLUSTER`` replaces the whole configuration;
/// node-id 0 leaves the cluster (sockets closed, replicas kept until they
/// end or expire).
pub const TCPSPLICE_CLUSTER_ATTR_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_CLUSTER_NODE_ID", 2),
    ("TCPSPLICE_CLUSTER_PORT", 3),
    ("TCPSPLICE_CLUSTER_INTERVAL", 4),
    ("TCPSPLICE_CLUSTER_MISSES", 5),
    ("TCPSPLICE_CLUSTER_KEY", 6),
    ("TCPSPLICE_CLUSTER_PREEMPT", 7),
    ("TCPSPLICE_CLUSTER_PEER", 8),
    ("TCPSPLICE_CLUSTER_VIP", 9),
    ("TCPSPLICE_CLUSTER_READY", 10),
    ("TCPSPLICE_CLUSTER_INCARNATION", 11),
    ("TCPSPLICE_CLUSTER_BACKEND", 12),
    ("TCPSPLICE_CLUSTER_PROXY_GRACE", 13),
    ("TCPSPLICE_CLUSTER_PROXY_ATTACHED", 14),
    ("TCPSPLICE_CLUSTER_PROXY_GONE", 15),
    ("TCPSPLICE_CLUSTER_SERVING", 16),
];

pub const TCPSPLICE_PEER_UNSPEC: u16 = 0;
pub const TCPSPLICE_PEER_PAD: u16 = 1;
/// the peer's node identifier
pub const TCPSPLICE_PEER_ID: u16 = 2;
/// the peer's sync address, 4 or 16 bytes
pub const TCPSPLICE_PEER_ADDR: u16 = 3;
/// (reported) what this node knows of the peer
pub const TCPSPLICE_PEER_STATE: u16 = 4;
/// (reported) 1 if the peer says it is ready and does not stand down (its proxy gone, ``ATTACH-PROXY``)
pub const TCPSPLICE_PEER_READY: u16 = 5;
/// (reported) 1 once the peer's bulk sync reached this node
pub const TCPSPLICE_PEER_SYNCED: u16 = 6;
/// (reported) ms since the peer's last valid datagram
pub const TCPSPLICE_PEER_LAST_HEARD: u16 = 7;
/// (reported) updates to the peer not yet acknowledged
pub const TCPSPLICE_PEER_UNACKED: u16 = 8;
/// (reported) datagrams sent to the peer
pub const TCPSPLICE_PEER_TX: u16 = 9;
/// (reported) valid datagrams from the peer
pub const TCPSPLICE_PEER_RX: u16 = 10;
/// (reported) updates sent to the peer again
pub const TCPSPLICE_PEER_RETRANSMITTED: u16 = 11;
/// (reported) full-table syncs to the peer
pub const TCPSPLICE_PEER_BULK_SYNCS: u16 = 12;
/// (reported) times the peer was declared dead
pub const TCPSPLICE_PEER_FAILURES: u16 = 13;
/// 1 if the peer is a backend of split splices
pub const TCPSPLICE_PEER_BACKEND: u16 = 14;
/// The highest attribute of `tcpsplice_peer_attr`.
pub const TCPSPLICE_PEER_MAX: u16 = 14;
/// Every member of `tcpsplice_peer_attr`, by name.
///
/// One peer of the cluster (in ``TCPSPLICE_CLUSTER_PEER``).
pub const TCPSPLICE_PEER_ATTR_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_PEER_ID", 2),
    ("TCPSPLICE_PEER_ADDR", 3),
    ("TCPSPLICE_PEER_STATE", 4),
    ("TCPSPLICE_PEER_READY", 5),
    ("TCPSPLICE_PEER_SYNCED", 6),
    ("TCPSPLICE_PEER_LAST_HEARD", 7),
    ("TCPSPLICE_PEER_UNACKED", 8),
    ("TCPSPLICE_PEER_TX", 9),
    ("TCPSPLICE_PEER_RX", 10),
    ("TCPSPLICE_PEER_RETRANSMITTED", 11),
    ("TCPSPLICE_PEER_BULK_SYNCS", 12),
    ("TCPSPLICE_PEER_FAILURES", 13),
    ("TCPSPLICE_PEER_BACKEND", 14),
];

pub const TCPSPLICE_VIP_UNSPEC: u16 = 0;
/// the address, 4 or 16 bytes
pub const TCPSPLICE_VIP_ADDR: u16 = 1;
/// u32 node identifiers in priority order, at most max-peers + 1 of
/// them (68 bytes)
pub const TCPSPLICE_VIP_OWNERS: u16 = 2;
/// (reported) 1 if this node owns the address
pub const TCPSPLICE_VIP_OWNED: u16 = 3;
/// The highest attribute of `tcpsplice_vip_attr`.
pub const TCPSPLICE_VIP_MAX: u16 = 3;
/// Every member of `tcpsplice_vip_attr`, by name.
///
/// One virtual address (in ``TCPSPLICE_CLUSTER_VIP``).
pub const TCPSPLICE_VIP_ATTR_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_VIP_ADDR", 1),
    ("TCPSPLICE_VIP_OWNERS", 2),
    ("TCPSPLICE_VIP_OWNED", 3),
];

pub const TCPSPLICE_EVENT_UNSPEC: u16 = 0;
pub const TCPSPLICE_EVENT_PAD: u16 = 1;
/// what happened
pub const TCPSPLICE_EVENT_TYPE: u16 = 2;
/// the peer, or this node
pub const TCPSPLICE_EVENT_NODE: u16 = 3;
/// the virtual address (takeover, release), 4 or 16 bytes
pub const TCPSPLICE_EVENT_VIP: u16 = 4;
/// The highest attribute of `tcpsplice_event_attr`.
pub const TCPSPLICE_EVENT_MAX: u16 = 4;
/// Every member of `tcpsplice_event_attr`, by name.
///
/// One cluster event (in ``TCPSPLICE_A_EVENT``).
pub const TCPSPLICE_EVENT_ATTR_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_EVENT_TYPE", 2),
    ("TCPSPLICE_EVENT_NODE", 3),
    ("TCPSPLICE_EVENT_VIP", 4),
];

/// The module version, this namespace's settings and counters.
pub const TCPSPLICE_CMD_GET_STATUS: u16 = 1;
/// Change this namespace's settings; any subset of ``config``.
pub const TCPSPLICE_CMD_SET_CONFIG: u16 = 2;
/// Zero this namespace's counters (gauges such as active splices are
/// not reset).
pub const TCPSPLICE_CMD_RESET_STATS: u16 = 3;
/// Splice two established TCP connections of local sockets in the
/// caller's namespace, each named by its local and remote address and
/// port (``splice`` with ``client`` and ``backend``). On success the two
/// sockets are retired silently (they send nothing more; close them)
/// and the reply carries the new entry. Errors: ENOENT (no such
/// connection), EAGAIN (data unsent, unacknowledged, unread or out of
/// order: finish and retry), ENOTCONN, EOPNOTSUPP (TCP-MD5/AO), EBUSY
/// (socket in repair mode), EEXIST (already spliced), ENOSPC (table
/// full), EINVAL; each with an extended-ack message.
pub const TCPSPLICE_CMD_SPLICE: u16 = 4;
/// Remove the entry ``splice.id``; its connections are no longer
/// forwarded.
pub const TCPSPLICE_CMD_UNSPLICE: u16 = 5;
/// One entry by ``splice.id``, or with NLM_F_DUMP every entry of the
/// namespace, each in a ``splice`` nest.
pub const TCPSPLICE_CMD_GET_SPLICE: u16 = 6;
/// Replace this namespace's cluster configuration.
pub const TCPSPLICE_CMD_SET_CLUSTER: u16 = 7;
/// The cluster configuration (without the key) and its state.
pub const TCPSPLICE_CMD_GET_CLUSTER: u16 = 8;
/// A cluster event, sent to the ``events`` group.
pub const TCPSPLICE_CMD_EVENT: u16 = 9;
/// A splice made or installed here (``splice-new``) or an entry gone (``splice-end``), sent to the ``splices`` group: the event and the entry.
pub const TCPSPLICE_CMD_SPLICE_EVENT: u16 = 10;
/// The caller is this namespace's proxy: while its netlink socket stays
/// open the node serves; once it has been closed for ``proxy-grace``
/// ms with no other proxy attached, the node gives its VIPs up, as
/// keepalived's ``track_process`` does, and takes them back (as
/// ``preempt`` says) when a proxy attaches again. Spliced connections
/// are forwarded either way. The latest call sets the grace time.
pub const TCPSPLICE_CMD_ATTACH_PROXY: u16 = 11;
/// The highest command.
pub const TCPSPLICE_CMD_MAX: u16 = 11;
/// Every member of `tcpsplice_cmd`, by name.
pub const TCPSPLICE_CMD_MEMBERS: &[(&str, u16)] = &[
    ("TCPSPLICE_CMD_GET_STATUS", 1),
    ("TCPSPLICE_CMD_SET_CONFIG", 2),
    ("TCPSPLICE_CMD_RESET_STATS", 3),
    ("TCPSPLICE_CMD_SPLICE", 4),
    ("TCPSPLICE_CMD_UNSPLICE", 5),
    ("TCPSPLICE_CMD_GET_SPLICE", 6),
    ("TCPSPLICE_CMD_SET_CLUSTER", 7),
    ("TCPSPLICE_CMD_GET_CLUSTER", 8),
    ("TCPSPLICE_CMD_EVENT", 9),
    ("TCPSPLICE_CMD_SPLICE_EVENT", 10),
    ("TCPSPLICE_CMD_ATTACH_PROXY", 11),
];
