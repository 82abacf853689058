// SPDX-License-Identifier: GPL-2.0
// Do not edit: generated from Documentation/netlink/specs/tcpsplice.yaml
// by scripts/ynl-regen (scripts/lib/ynl-gen-rust --counters).

/// A counter, in UAPI order (`enum tcpsplice_stat`). The [`GAUGES`] are
/// read from the table and the cluster when reported, not counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Counter {
    /// IPv4 packets seen by the PRE_ROUTING hook (a namespace has its
    /// hooks from its first splice or cluster configuration on)
    RxPacketsV4,
    /// IPv6 packets seen by the PRE_ROUTING hook (from the namespace's
    /// first splice or cluster configuration on)
    RxPacketsV6,
    /// unfragmented TCP segments with well-formed headers among them
    RxTcp,
    /// packets whose IP or TCP header is malformed (passed on untouched;
    /// the kernel's own checks drop them)
    RxMalformed,
    /// successful ``SET_CONFIG`` commands
    ConfigChanges,
    /// successful ``SPLICE`` commands
    SplicesCreated,
    /// ``SPLICE`` commands refused after the sockets were found (state,
    /// data in flight, duplicates)
    SplicesRefused,
    /// ``SPLICE`` commands refused because the table held max_splices entries
    TableFull,
    /// splices ended by FINs acknowledged both ways
    SplicesFinished,
    /// splices ended by a reset their receiver accepted: one at what it acknowledged or at the end of what was sent to it, or one between that it did not answer within a second
    SplicesReset,
    /// entries removed after idle_timeout
    SplicesExpired,
    /// entries removed by ``UNSPLICE``
    SplicesUnspliced,
    /// packets forwarded client to backend
    PacketsToBackend,
    /// their TCP payload bytes
    BytesToBackend,
    /// packets forwarded backend to client
    PacketsToClient,
    /// their TCP payload bytes
    BytesToClient,
    /// resets outside their receiver's window, dropped
    DropRstWindow,
    /// spliced packets with malformed headers, dropped
    DropMalformed,
    /// spliced packets that could not be made writable, dropped
    DropNomem,
    /// translated packets with no route, dropped
    DropNoRoute,
    /// ``CHECKSUM_PARTIAL`` packets whose checksum start is not their TCP
    /// header, dropped
    DropBadCsumOffload,
    /// packets a local socket tried to send on a spliced connection (the
    /// retired sockets, or a new socket on a reused port), dropped (a
    /// handed-over socket's are counted in handover-held)
    DropLocal,
    /// TCP options replaced by NOPs because the other leg did not negotiate them
    OptionsStripped,
    /// forwarded packets with a malformed option list (translated up to
    /// where the receiver's parser stops)
    OptionsMalformed,
    /// forwarded packets lacking timestamps the receiving leg negotiated
    MissingTs,
    /// SACK blocks translated
    SackBlocks,
    /// splices whose backend-side port could not be held (the proxy had
    /// bound it explicitly); a new connect() may then pick it, and
    /// LOCAL_OUT drops that connection's packets
    PortsUnreserved,
    /// ICMP errors about a spliced connection (e.g. fragmentation needed)
    /// sent on to the peer whose data caused them
    IcmpTranslated,
    /// sync datagrams sent to peers (updates, acknowledgements, heartbeats)
    SyncTx,
    /// sync datagrams from peers that passed every check
    SyncRx,
    /// updates sent again because their peer had not acknowledged them in time
    SyncRetransmitted,
    /// sync datagrams shorter than their header or their stated length
    SyncRejectTruncated,
    /// sync datagrams of another protocol version
    SyncRejectVersion,
    /// authenticated sync datagrams whose operations do not parse
    SyncRejectMalformed,
    /// sync datagrams from a node or address not configured as a peer
    SyncRejectUnknownPeer,
    /// sync datagrams whose authentication tag is wrong (a key mismatch,
    /// or forged)
    SyncRejectBadTag,
    /// sync datagrams already seen, or older than the peer's window
    SyncRejectReplayed,
    /// sync datagrams the socket could not send
    SyncTxErrors,
    /// bulk syncs started again because one ran out of memory or its
    /// stream fell too far behind
    SyncResyncs,
    /// full-table syncs sent to peers that came up
    BulkSyncs,
    /// entries installed from peers' updates
    ReplicasInstalled,
    /// peers' updates for entries this node already held (applied in place)
    ReplicasDuplicate,
    /// peers' entries not installed because the table was full
    ReplicasRefused,
    /// replicas ended by their peer's report of the connection's end
    ReplicasEnded,
    /// times a peer was declared dead
    PeerFailures,
    /// virtual addresses this node took
    Takeovers,
    /// virtual addresses this node gave up
    Releases,
    /// ARP requests for an owned IPv4 VIP answered
    ArpReplies,
    /// gratuitous ARPs and unsolicited neighbour advertisements sent
    Announcements,
    /// neighbour solicitations for an owned IPv6 VIP answered
    NdReplies,
    /// sync datagrams opened with the previous key during a key rotation
    SyncRxOldKey,
    /// (proxy) splices handed to their backend
    SplitsMade,
    /// (proxy) ``SPLICE`` asked for a split but the backend is not a
    /// backend peer; spliced at the proxy only
    SplitsNoBackend,
    /// (backend) split splices taken from proxies
    SplitsInstalled,
    /// (backend) operations a backend refused: a splice that is not
    /// split, or one for an address it does not own
    SplitsRefused,
    /// (backend) split splices whose end it found (and reported to the proxies)
    SplitsEnded,
    /// (backend) its own packets sent straight to clients, translated
    SplitPacketsToClient,
    /// their TCP payload bytes
    SplitBytesToClient,
    /// probes sent after a takeover to the peers of the connections taken
    /// over (Documentation/cluster.rst)
    NudgeProbes,
    /// peers found waiting on their retransmission timer after a takeover
    /// and sent ICMP errors that undo its back-off
    NudgeKicks,
    /// maximum, the longest time in ms between two datagrams heard from a
    /// live peer
    SyncSilenceMaxMs,
    /// maximum, the most in ms the cluster's periodic work (failure
    /// detection, heartbeats) ran after it was due
    SyncTickLateMaxMs,
    /// maximum, the most in ms the sync socket's receive work ran after a
    /// datagram arrived for it
    SyncRxLateMaxMs,
    /// sync datagrams the socket dropped on arrival (its receive queue full)
    SyncRxDrops,
    /// window updates sent when a splice was made, each to a peer whose
    /// window the proxy's socket had kept smaller than the other peer
    /// offers (Documentation/splicing.rst)
    WindowUpdates,
    /// ended splices whose addresses a new connection took (a SYN after
    /// the end): their packets go to the stack, the entry goes
    SplicesSuperseded,
    /// packets marked Congestion Experienced on their way to a leg that
    /// did not negotiate ECN, dropped (the loss a router without ECN
    /// would have made; Documentation/splicing.rst)
    DropEcnCe,
    /// packets to a leg that did not negotiate ECN whose ECN marks (the
    /// ECN-capable codepoint, the ECE and CWR flags) were cleared
    EcnCleared,
    /// proxy sockets handed over when their splice was made: their peer
    /// had not yet acknowledged all they were given to send, and they
    /// send and retransmit it until it does (Documentation/splicing.rst)
    Handovers,
    /// bytes in flight or unsent in the handed-over sockets when their
    /// splices were made
    HandoverBytes,
    /// acknowledgements from a peer given to its handed-over socket (each
    /// packet is also forwarded to the other peer)
    HandoverAcks,
    /// data segments a handed-over socket sent after its splice was made
    /// (what was unsent then, and retransmissions of what was in
    /// flight), let through LOCAL_OUT
    HandoverSegments,
    /// packets of a peer whose socket was handed over that could not be
    /// given to it (no memory for the copy, a bad checksum): dropped, so
    /// the peer sends them again
    HandoverDrops,
    /// bytes a socket had received and the proxy had not read when a
    /// splice was asked for, moved to the other socket's send queue
    HandoverMoved,
    /// FINs the module sent when it made a splice, each from one socket
    /// after everything it was given, because the other socket's peer
    /// had closed (a backend that answered and closed, a client that
    /// half-closed) before the splice
    HandoverFins,
    /// segments a handed-over socket sent that were kept from its peer:
    /// its pure ACKs (the other peer acknowledges what it receives), any
    /// FIN other than the one queued at splice time, and all it sends
    /// once its bytes were acknowledged, until the sweep retires it
    HandoverHeld,
    /// translated packets that had arrived in IP fragments, reassembled
    /// by the kernel's defragmentation (which the module enables in a
    /// namespace with its hooks) and sent on, cut again into fragments
    /// no larger than the sender's
    PacketsReassembled,
    /// fraglist GRO packets (``rx-gro-list``) of spliced connections cut
    /// back into their segments, each then translated and counted as
    /// any packet
    GroListsSegmented,
    /// translated GRO packets longer than 64 KiB (BIG TCP: their IPv4
    /// total length or IPv6 payload length is 0)
    PacketsBigTcp,
    /// packets of spliced connections that a device had aggregated with
    /// LRO, dropped: they cannot be cut into segments again (``SPLICE``
    /// turns LRO off on the devices its sockets' routes go out on, as
    /// forwarding does)
    DropLro,
}

/// Statistics attributes that are current values, not counters.
pub(crate) const GAUGES: [u32; 4] = [
    b::TCPSPLICE_STAT_SPLICES_ACTIVE,
    b::TCPSPLICE_STAT_SYNC_UNACKED,
    b::TCPSPLICE_STAT_PEERS_UP,
    b::TCPSPLICE_STAT_VIPS_OWNED,
];

const COUNTERS: usize = 80;

impl Counter {
    /// Every counter, in reporting order.
    pub(crate) const ALL: [Counter; COUNTERS] = [
        Counter::RxPacketsV4,
        Counter::RxPacketsV6,
        Counter::RxTcp,
        Counter::RxMalformed,
        Counter::ConfigChanges,
        Counter::SplicesCreated,
        Counter::SplicesRefused,
        Counter::TableFull,
        Counter::SplicesFinished,
        Counter::SplicesReset,
        Counter::SplicesExpired,
        Counter::SplicesUnspliced,
        Counter::PacketsToBackend,
        Counter::BytesToBackend,
        Counter::PacketsToClient,
        Counter::BytesToClient,
        Counter::DropRstWindow,
        Counter::DropMalformed,
        Counter::DropNomem,
        Counter::DropNoRoute,
        Counter::DropBadCsumOffload,
        Counter::DropLocal,
        Counter::OptionsStripped,
        Counter::OptionsMalformed,
        Counter::MissingTs,
        Counter::SackBlocks,
        Counter::PortsUnreserved,
        Counter::IcmpTranslated,
        Counter::SyncTx,
        Counter::SyncRx,
        Counter::SyncRetransmitted,
        Counter::SyncRejectTruncated,
        Counter::SyncRejectVersion,
        Counter::SyncRejectMalformed,
        Counter::SyncRejectUnknownPeer,
        Counter::SyncRejectBadTag,
        Counter::SyncRejectReplayed,
        Counter::SyncTxErrors,
        Counter::SyncResyncs,
        Counter::BulkSyncs,
        Counter::ReplicasInstalled,
        Counter::ReplicasDuplicate,
        Counter::ReplicasRefused,
        Counter::ReplicasEnded,
        Counter::PeerFailures,
        Counter::Takeovers,
        Counter::Releases,
        Counter::ArpReplies,
        Counter::Announcements,
        Counter::NdReplies,
        Counter::SyncRxOldKey,
        Counter::SplitsMade,
        Counter::SplitsNoBackend,
        Counter::SplitsInstalled,
        Counter::SplitsRefused,
        Counter::SplitsEnded,
        Counter::SplitPacketsToClient,
        Counter::SplitBytesToClient,
        Counter::NudgeProbes,
        Counter::NudgeKicks,
        Counter::SyncSilenceMaxMs,
        Counter::SyncTickLateMaxMs,
        Counter::SyncRxLateMaxMs,
        Counter::SyncRxDrops,
        Counter::WindowUpdates,
        Counter::SplicesSuperseded,
        Counter::DropEcnCe,
        Counter::EcnCleared,
        Counter::Handovers,
        Counter::HandoverBytes,
        Counter::HandoverAcks,
        Counter::HandoverSegments,
        Counter::HandoverDrops,
        Counter::HandoverMoved,
        Counter::HandoverFins,
        Counter::HandoverHeld,
        Counter::PacketsReassembled,
        Counter::GroListsSegmented,
        Counter::PacketsBigTcp,
        Counter::DropLro,
    ];

    /// The counters that are maxima, not sums.
    pub(crate) const MAXIMA: [Counter; 3] = [
        Counter::SyncSilenceMaxMs,
        Counter::SyncTickLateMaxMs,
        Counter::SyncRxLateMaxMs,
    ];

    /// The netlink attribute that carries it.
    pub(crate) fn attr(self) -> u32 {
        match self {
            Counter::RxPacketsV4 => b::TCPSPLICE_STAT_RX_PACKETS_V4,
            Counter::RxPacketsV6 => b::TCPSPLICE_STAT_RX_PACKETS_V6,
            Counter::RxTcp => b::TCPSPLICE_STAT_RX_TCP,
            Counter::RxMalformed => b::TCPSPLICE_STAT_RX_MALFORMED,
            Counter::ConfigChanges => b::TCPSPLICE_STAT_CONFIG_CHANGES,
            Counter::SplicesCreated => b::TCPSPLICE_STAT_SPLICES_CREATED,
            Counter::SplicesRefused => b::TCPSPLICE_STAT_SPLICES_REFUSED,
            Counter::TableFull => b::TCPSPLICE_STAT_TABLE_FULL,
            Counter::SplicesFinished => b::TCPSPLICE_STAT_SPLICES_FINISHED,
            Counter::SplicesReset => b::TCPSPLICE_STAT_SPLICES_RESET,
            Counter::SplicesExpired => b::TCPSPLICE_STAT_SPLICES_EXPIRED,
            Counter::SplicesUnspliced => b::TCPSPLICE_STAT_SPLICES_UNSPLICED,
            Counter::PacketsToBackend => b::TCPSPLICE_STAT_PACKETS_TO_BACKEND,
            Counter::BytesToBackend => b::TCPSPLICE_STAT_BYTES_TO_BACKEND,
            Counter::PacketsToClient => b::TCPSPLICE_STAT_PACKETS_TO_CLIENT,
            Counter::BytesToClient => b::TCPSPLICE_STAT_BYTES_TO_CLIENT,
            Counter::DropRstWindow => b::TCPSPLICE_STAT_DROP_RST_WINDOW,
            Counter::DropMalformed => b::TCPSPLICE_STAT_DROP_MALFORMED,
            Counter::DropNomem => b::TCPSPLICE_STAT_DROP_NOMEM,
            Counter::DropNoRoute => b::TCPSPLICE_STAT_DROP_NO_ROUTE,
            Counter::DropBadCsumOffload => b::TCPSPLICE_STAT_DROP_BAD_CSUM_OFFLOAD,
            Counter::DropLocal => b::TCPSPLICE_STAT_DROP_LOCAL,
            Counter::OptionsStripped => b::TCPSPLICE_STAT_OPTIONS_STRIPPED,
            Counter::OptionsMalformed => b::TCPSPLICE_STAT_OPTIONS_MALFORMED,
            Counter::MissingTs => b::TCPSPLICE_STAT_MISSING_TS,
            Counter::SackBlocks => b::TCPSPLICE_STAT_SACK_BLOCKS,
            Counter::PortsUnreserved => b::TCPSPLICE_STAT_PORTS_UNRESERVED,
            Counter::IcmpTranslated => b::TCPSPLICE_STAT_ICMP_TRANSLATED,
            Counter::SyncTx => b::TCPSPLICE_STAT_SYNC_TX,
            Counter::SyncRx => b::TCPSPLICE_STAT_SYNC_RX,
            Counter::SyncRetransmitted => b::TCPSPLICE_STAT_SYNC_RETRANSMITTED,
            Counter::SyncRejectTruncated => b::TCPSPLICE_STAT_SYNC_REJECT_TRUNCATED,
            Counter::SyncRejectVersion => b::TCPSPLICE_STAT_SYNC_REJECT_VERSION,
            Counter::SyncRejectMalformed => b::TCPSPLICE_STAT_SYNC_REJECT_MALFORMED,
            Counter::SyncRejectUnknownPeer => b::TCPSPLICE_STAT_SYNC_REJECT_UNKNOWN_PEER,
            Counter::SyncRejectBadTag => b::TCPSPLICE_STAT_SYNC_REJECT_BAD_TAG,
            Counter::SyncRejectReplayed => b::TCPSPLICE_STAT_SYNC_REJECT_REPLAYED,
            Counter::SyncTxErrors => b::TCPSPLICE_STAT_SYNC_TX_ERRORS,
            Counter::SyncResyncs => b::TCPSPLICE_STAT_SYNC_RESYNCS,
            Counter::BulkSyncs => b::TCPSPLICE_STAT_BULK_SYNCS,
            Counter::ReplicasInstalled => b::TCPSPLICE_STAT_REPLICAS_INSTALLED,
            Counter::ReplicasDuplicate => b::TCPSPLICE_STAT_REPLICAS_DUPLICATE,
            Counter::ReplicasRefused => b::TCPSPLICE_STAT_REPLICAS_REFUSED,
            Counter::ReplicasEnded => b::TCPSPLICE_STAT_REPLICAS_ENDED,
            Counter::PeerFailures => b::TCPSPLICE_STAT_PEER_FAILURES,
            Counter::Takeovers => b::TCPSPLICE_STAT_TAKEOVERS,
            Counter::Releases => b::TCPSPLICE_STAT_RELEASES,
            Counter::ArpReplies => b::TCPSPLICE_STAT_ARP_REPLIES,
            Counter::Announcements => b::TCPSPLICE_STAT_ANNOUNCEMENTS,
            Counter::NdReplies => b::TCPSPLICE_STAT_ND_REPLIES,
            Counter::SyncRxOldKey => b::TCPSPLICE_STAT_SYNC_RX_OLD_KEY,
            Counter::SplitsMade => b::TCPSPLICE_STAT_SPLITS_MADE,
            Counter::SplitsNoBackend => b::TCPSPLICE_STAT_SPLITS_NO_BACKEND,
            Counter::SplitsInstalled => b::TCPSPLICE_STAT_SPLITS_INSTALLED,
            Counter::SplitsRefused => b::TCPSPLICE_STAT_SPLITS_REFUSED,
            Counter::SplitsEnded => b::TCPSPLICE_STAT_SPLITS_ENDED,
            Counter::SplitPacketsToClient => b::TCPSPLICE_STAT_SPLIT_PACKETS_TO_CLIENT,
            Counter::SplitBytesToClient => b::TCPSPLICE_STAT_SPLIT_BYTES_TO_CLIENT,
            Counter::NudgeProbes => b::TCPSPLICE_STAT_NUDGE_PROBES,
            Counter::NudgeKicks => b::TCPSPLICE_STAT_NUDGE_KICKS,
            Counter::SyncSilenceMaxMs => b::TCPSPLICE_STAT_SYNC_SILENCE_MAX_MS,
            Counter::SyncTickLateMaxMs => b::TCPSPLICE_STAT_SYNC_TICK_LATE_MAX_MS,
            Counter::SyncRxLateMaxMs => b::TCPSPLICE_STAT_SYNC_RX_LATE_MAX_MS,
            Counter::SyncRxDrops => b::TCPSPLICE_STAT_SYNC_RX_DROPS,
            Counter::WindowUpdates => b::TCPSPLICE_STAT_WINDOW_UPDATES,
            Counter::SplicesSuperseded => b::TCPSPLICE_STAT_SPLICES_SUPERSEDED,
            Counter::DropEcnCe => b::TCPSPLICE_STAT_DROP_ECN_CE,
            Counter::EcnCleared => b::TCPSPLICE_STAT_ECN_CLEARED,
            Counter::Handovers => b::TCPSPLICE_STAT_HANDOVERS,
            Counter::HandoverBytes => b::TCPSPLICE_STAT_HANDOVER_BYTES,
            Counter::HandoverAcks => b::TCPSPLICE_STAT_HANDOVER_ACKS,
            Counter::HandoverSegments => b::TCPSPLICE_STAT_HANDOVER_SEGMENTS,
            Counter::HandoverDrops => b::TCPSPLICE_STAT_HANDOVER_DROPS,
            Counter::HandoverMoved => b::TCPSPLICE_STAT_HANDOVER_MOVED,
            Counter::HandoverFins => b::TCPSPLICE_STAT_HANDOVER_FINS,
            Counter::HandoverHeld => b::TCPSPLICE_STAT_HANDOVER_HELD,
            Counter::PacketsReassembled => b::TCPSPLICE_STAT_PACKETS_REASSEMBLED,
            Counter::GroListsSegmented => b::TCPSPLICE_STAT_GRO_LISTS_SEGMENTED,
            Counter::PacketsBigTcp => b::TCPSPLICE_STAT_PACKETS_BIG_TCP,
            Counter::DropLro => b::TCPSPLICE_STAT_DROP_LRO,
        }
    }
}
