// SPDX-License-Identifier: GPL-2.0
//! The cluster's wire format: heartbeats, replication updates and their
//! acknowledgements, each an authenticated UDP datagram between two nodes.
//!
//! ```text
//!  0  magic "TSPL"          4  version (1)      5  kind            6  zero (2)
//!  8  from node id (4)     12  to node id (4)
//! 16  sender incarnation (8)                    24  counter (8)
//! 32  body length (2)      34  zero (2)         36  body ...
//! 36 + body length: SipHash-2-4 of everything before it (8, little endian)
//! ```
//!
//! All integers are big endian except the tag. The counter grows with every
//! datagram a sender's incarnation sends to one receiver (retransmissions
//! included), so the receiver's [`ReplayWindow`] refuses copies. Every rule is
//! in `Documentation/sync.rst`.

use super::siphash::{siphash, tags_equal, Key};
use super::splice::{Endpoint, Family, Splice, Tuple};
use super::translate::{Leg, Timestamps};

/// First four bytes of every message.
pub const MAGIC: [u8; 4] = *b"TSPL";
/// The version this code speaks.
pub const VERSION: u8 = 1;
/// Header length.
pub const HEADER_LEN: usize = 36;
/// Tag length.
pub const TAG_LEN: usize = 8;
/// Largest datagram a node sends (fits a 1280-byte IPv6 path).
pub const MAX_DATAGRAM: usize = 1200;
/// Largest body.
pub const MAX_BODY: usize = MAX_DATAGRAM - HEADER_LEN - TAG_LEN;
/// Most VIP claims in one heartbeat.
pub const MAX_CLAIMS: usize = 16;
/// Encoded length of an [`Op::Add`].
pub const ADD_LEN: usize = 2 + 2 * TUPLE_LEN + 2 * LEG_LEN + 4 + 8;
/// Encoded length of an [`Op::Del`].
pub const DEL_LEN: usize = 3 + TUPLE_LEN;
/// Length of an update body's own header.
pub const UPDATE_HEADER_LEN: usize = 12;

const TUPLE_LEN: usize = 36;
const LEG_LEN: usize = 20;
const HEARTBEAT_FIXED: usize = 12;
const CLAIM_LEN: usize = 17;
/// Longest heartbeat body.
pub const HEARTBEAT_MAX: usize = HEARTBEAT_FIXED + MAX_CLAIMS * CLAIM_LEN;

/// What a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// I am alive; here is what I own and how far I got in your updates.
    Heartbeat = 1,
    /// Replication operations, part of a reliable stream.
    Update = 2,
    /// Cumulative acknowledgement of an update stream.
    Ack = 3,
}

/// Why a datagram was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reject {
    /// Shorter than a header and tag, or the body length disagrees.
    Truncated,
    /// Not our magic.
    BadMagic,
    /// A version this code does not speak.
    Version,
    /// Unknown kind, non-zero reserved bytes, or a body that does not parse.
    Malformed,
    /// Not addressed to this node, or from a node that is not a peer (or
    /// from a peer's id at an address that is not the peer's).
    UnknownPeer,
    /// The tag does not match (wrong key or altered bytes).
    BadTag,
    /// Seen before, or older than the replay window.
    Replayed,
}

/// The fixed part of every message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Message kind.
    pub kind: Kind,
    /// Sender's node id.
    pub from: u32,
    /// Receiver's node id.
    pub to: u32,
    /// Sender's incarnation (grows every time the sender starts afresh).
    pub incarnation: u64,
    /// Per (sender incarnation, receiver) counter.
    pub counter: u64,
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn be64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(w)
}

/// Seal a message: write the header in front of the `body_len` bytes of body
/// already in `buf[HEADER_LEN..]`, and the tag after them. Returns the
/// datagram's length, or `None` if `buf` is too small or the body too long.
pub fn seal(buf: &mut [u8], h: &Header, body_len: usize, key: &Key) -> Option<usize> {
    let total = HEADER_LEN + body_len + TAG_LEN;
    if body_len > MAX_BODY || buf.len() < total {
        return None;
    }
    buf[0..4].copy_from_slice(&MAGIC);
    buf[4] = VERSION;
    buf[5] = h.kind as u8;
    buf[6..8].fill(0);
    buf[8..12].copy_from_slice(&h.from.to_be_bytes());
    buf[12..16].copy_from_slice(&h.to.to_be_bytes());
    buf[16..24].copy_from_slice(&h.incarnation.to_be_bytes());
    buf[24..32].copy_from_slice(&h.counter.to_be_bytes());
    buf[32..34].copy_from_slice(&(body_len as u16).to_be_bytes());
    buf[34..36].fill(0);
    let end = HEADER_LEN + body_len;
    let tag = siphash(key, &buf[..end]);
    buf[end..total].copy_from_slice(&tag.to_le_bytes());
    Some(total)
}

/// Check a datagram's framing and tag. On success returns the header and the
/// body. The caller still checks that `from` is a configured peer at the
/// datagram's source address and runs the replay window.
pub fn open<'a>(d: &'a [u8], key: &Key) -> Result<(Header, &'a [u8]), Reject> {
    if d.len() < HEADER_LEN + TAG_LEN {
        return Err(Reject::Truncated);
    }
    if d[0..4] != MAGIC {
        return Err(Reject::BadMagic);
    }
    if d[4] != VERSION {
        return Err(Reject::Version);
    }
    let body_len = usize::from(be16(d, 32));
    if d.len() != HEADER_LEN + body_len + TAG_LEN {
        return Err(Reject::Truncated);
    }
    let end = HEADER_LEN + body_len;
    let mut t = [0u8; 8];
    t.copy_from_slice(&d[end..]);
    if !tags_equal(siphash(key, &d[..end]), u64::from_le_bytes(t)) {
        return Err(Reject::BadTag);
    }
    let kind = match d[5] {
        1 => Kind::Heartbeat,
        2 => Kind::Update,
        3 => Kind::Ack,
        _ => return Err(Reject::Malformed),
    };
    if d[6] != 0 || d[7] != 0 || d[34] != 0 || d[35] != 0 {
        return Err(Reject::Malformed);
    }
    let h = Header {
        kind,
        from: be32(d, 8),
        to: be32(d, 12),
        incarnation: be64(d, 16),
        counter: be64(d, 24),
    };
    Ok((h, &d[HEADER_LEN..end]))
}

/// Which messages of one sender were seen: the sender's incarnation, the
/// highest counter, and a bitmap of the 64 counters below and at it (as in
/// IPsec and WireGuard), so reordered datagrams still pass once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayWindow {
    incarnation: u64,
    top: u64,
    seen: u64,
}

/// What the replay window said about a fresh datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fresh {
    /// From the incarnation already known.
    Same,
    /// From a newer incarnation: the sender restarted (or is heard of for
    /// the first time, when `first`).
    Restarted {
        /// No earlier incarnation was known.
        first: bool,
    },
}

impl ReplayWindow {
    /// Accept `(incarnation, counter)` if it was not seen, and record it.
    /// Call only for datagrams whose tag verified.
    pub fn check(&mut self, incarnation: u64, counter: u64) -> Result<Fresh, Reject> {
        if incarnation < self.incarnation || counter == 0 {
            return Err(Reject::Replayed);
        }
        if incarnation > self.incarnation {
            let first = self.incarnation == 0;
            *self = ReplayWindow {
                incarnation,
                top: counter,
                seen: 1,
            };
            return Ok(Fresh::Restarted { first });
        }
        if counter > self.top {
            let shift = counter - self.top;
            self.seen = if shift >= 64 { 0 } else { self.seen << shift };
            self.seen |= 1;
            self.top = counter;
            return Ok(Fresh::Same);
        }
        let back = self.top - counter;
        if back >= 64 || self.seen & (1 << back) != 0 {
            return Err(Reject::Replayed);
        }
        self.seen |= 1 << back;
        Ok(Fresh::Same)
    }

    /// The sender's incarnation as known (0: none yet).
    pub fn incarnation(&self) -> u64 {
        self.incarnation
    }
}

/// An IPv4 or IPv6 address (a VIP or a peer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Addr {
    /// 4 (IPv4, first four bytes of `addr`) or 6.
    pub v6: bool,
    /// The address.
    pub addr: [u8; 16],
}

impl core::fmt::Display for Addr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let a = &self.addr;
        if !self.v6 {
            return write!(f, "{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
        }
        for i in 0..8 {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{:x}", u16::from_be_bytes([a[2 * i], a[2 * i + 1]]))?;
        }
        Ok(())
    }
}

/// A heartbeat's body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Heartbeat {
    /// The sender holds every live peer's table (bulk sync done).
    pub ready: bool,
    /// The sender stands down: its proxy is gone
    /// ([`ProxyWatch`](crate::cluster::ProxyWatch)), so it takes no VIP
    /// and its peers do not wait for it.
    pub standing_down: bool,
    /// How far the sender got in the receiver's update stream:
    /// (generation, last in-order sequence number).
    pub ack: (u32, u32),
    /// VIPs the sender owns.
    pub claims: [Addr; MAX_CLAIMS],
    /// How many of `claims` are used.
    pub n_claims: usize,
}

impl Heartbeat {
    /// The used claims.
    pub fn claims(&self) -> &[Addr] {
        &self.claims[..self.n_claims]
    }

    /// Encode into `out`; returns the length.
    pub fn encode(&self, out: &mut [u8]) -> Option<usize> {
        let n = self.n_claims.min(MAX_CLAIMS);
        let len = HEARTBEAT_FIXED + n * CLAIM_LEN;
        let out = out.get_mut(..len)?;
        out[0] = u8::from(self.ready) | u8::from(self.standing_down) << 1;
        out[1] = n as u8;
        out[2..4].fill(0);
        out[4..8].copy_from_slice(&self.ack.0.to_be_bytes());
        out[8..12].copy_from_slice(&self.ack.1.to_be_bytes());
        for (i, v) in self.claims[..n].iter().enumerate() {
            let c = &mut out[HEARTBEAT_FIXED + i * CLAIM_LEN..][..CLAIM_LEN];
            c[0] = if v.v6 { 6 } else { 4 };
            c[1..].copy_from_slice(&v.addr);
        }
        Some(len)
    }

    /// Decode a heartbeat body.
    pub fn decode(b: &[u8]) -> Result<Self, Reject> {
        if b.len() < HEARTBEAT_FIXED || b[0] > 3 || b[2] != 0 || b[3] != 0 {
            return Err(Reject::Malformed);
        }
        let n = usize::from(b[1]);
        if n > MAX_CLAIMS || b.len() != HEARTBEAT_FIXED + n * CLAIM_LEN {
            return Err(Reject::Malformed);
        }
        let mut hb = Heartbeat {
            ready: b[0] & 1 != 0,
            standing_down: b[0] & 2 != 0,
            ack: (be32(b, 4), be32(b, 8)),
            n_claims: n,
            ..Heartbeat::default()
        };
        for i in 0..n {
            let c = &b[HEARTBEAT_FIXED + i * CLAIM_LEN..][..CLAIM_LEN];
            hb.claims[i] = addr_of(c[0], &c[1..])?;
        }
        Ok(hb)
    }
}

fn addr_of(family: u8, addr: &[u8]) -> Result<Addr, Reject> {
    let mut a = [0u8; 16];
    a.copy_from_slice(addr);
    match family {
        4 if a[4..] == [0; 12] => Ok(Addr { v6: false, addr: a }),
        6 => Ok(Addr { v6: true, addr: a }),
        _ => Err(Reject::Malformed),
    }
}

/// Encode an acknowledgement body (generation, last in-order sequence).
pub fn encode_ack(out: &mut [u8], gen: u32, seq: u32) -> Option<usize> {
    let out = out.get_mut(..8)?;
    out[..4].copy_from_slice(&gen.to_be_bytes());
    out[4..].copy_from_slice(&seq.to_be_bytes());
    Some(8)
}

/// Decode an acknowledgement body.
pub fn decode_ack(b: &[u8]) -> Result<(u32, u32), Reject> {
    if b.len() != 8 {
        return Err(Reject::Malformed);
    }
    Ok((be32(b, 0), be32(b, 4)))
}

/// Why a peer deleted an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelReason {
    /// The connection ended (FINs, reset) or was unspliced: stop soon.
    Ended = 1,
    /// The peer saw no packet for the idle timeout: remove only if idle here
    /// as well.
    Idle = 2,
}

/// Everything a peer needs to translate a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Replica {
    /// The translation.
    pub splice: Splice,
    /// Largest segment each side's peer accepts.
    pub mss: [u16; 2],
    /// Windows each side's peer advertised last, in bytes.
    pub windows: [u32; 2],
    /// A split splice: the backend sends server-to-client packets to the
    /// client itself (`Documentation/split.rst`). Encoded as operation 4.
    pub split: bool,
}

impl Replica {
    /// The backend a split splice is handed to (its address on the backend
    /// side); `None` for a splice the proxies forward both ways.
    pub fn split_to(&self) -> Option<Addr> {
        self.split.then(|| {
            let sp = &self.splice;
            backend_addr(sp.family(), sp.tuple(super::conn::Side::Backend))
        })
    }
}

/// The backend's address of a splice: the remote address of the proxy's
/// backend-side connection `t`.
pub fn backend_addr(family: Family, t: &Tuple) -> Addr {
    Addr {
        v6: family == Family::V6,
        addr: t.remote.addr,
    }
}

/// One replication operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Install this splice (operation 1, or 4 when split).
    Add(Replica),
    /// The splice whose client-side connection is this tuple (proxy's view)
    /// ended.
    Del {
        /// The IP version.
        family: Family,
        /// The client-side tuple.
        client: Tuple,
        /// Why.
        reason: DelReason,
    },
    /// Everything the sender held at the start of this generation was sent.
    BulkDone,
}

fn put_ep(out: &mut [u8], e: &Endpoint) {
    out[..16].copy_from_slice(&e.addr);
    out[16..18].copy_from_slice(&e.port.to_be_bytes());
}

fn get_ep(b: &[u8], family: Family) -> Result<Endpoint, Reject> {
    let mut addr = [0u8; 16];
    addr.copy_from_slice(&b[..16]);
    if family == Family::V4 && addr[4..] != [0; 12] {
        return Err(Reject::Malformed);
    }
    Ok(Endpoint {
        addr,
        port: be16(b, 16),
    })
}

fn put_tuple(out: &mut [u8], t: &Tuple) {
    put_ep(&mut out[..18], &t.local);
    put_ep(&mut out[18..36], &t.remote);
}

fn get_tuple(b: &[u8], family: Family) -> Result<Tuple, Reject> {
    Ok(Tuple {
        local: get_ep(&b[..18], family)?,
        remote: get_ep(&b[18..36], family)?,
    })
}

fn put_leg(out: &mut [u8], l: &Leg) {
    out[0..4].copy_from_slice(&l.snd_nxt.to_be_bytes());
    out[4..8].copy_from_slice(&l.rcv_nxt.to_be_bytes());
    let ts = l.ts.unwrap_or_default();
    out[8..12].copy_from_slice(&ts.now.to_be_bytes());
    out[12..16].copy_from_slice(&ts.recent.to_be_bytes());
    out[16] = u8::from(l.ts.is_some()) | u8::from(l.sack) << 1;
    out[17] = l.snd_wscale;
    out[18] = l.rcv_wscale;
    out[19] = 0;
}

fn get_leg(b: &[u8]) -> Result<Leg, Reject> {
    let fl = b[16];
    if fl & !3 != 0 || b[17] > 14 || b[18] > 14 || b[19] != 0 {
        return Err(Reject::Malformed);
    }
    Ok(Leg {
        snd_nxt: be32(b, 0),
        rcv_nxt: be32(b, 4),
        ts: (fl & 1 != 0).then(|| Timestamps {
            now: be32(b, 8),
            recent: be32(b, 12),
        }),
        sack: fl & 2 != 0,
        // Not carried (a new flag would need a new version of the format,
        // which a node of the old one rejects): a replica passes ECN on
        // unchanged, as every node did before the origin's rule.
        ecn: true,
        snd_wscale: b[17],
        rcv_wscale: b[18],
    })
}

fn family_byte(f: Family) -> u8 {
    match f {
        Family::V4 => 4,
        Family::V6 => 6,
    }
}

fn family_of(b: u8) -> Result<Family, Reject> {
    match b {
        4 => Ok(Family::V4),
        6 => Ok(Family::V6),
        _ => Err(Reject::Malformed),
    }
}

impl Op {
    /// Encoded length.
    pub fn encoded_len(&self) -> usize {
        match self {
            Op::Add(_) => ADD_LEN,
            Op::Del { .. } => DEL_LEN,
            Op::BulkDone => 1,
        }
    }

    /// Encode into `out`; returns the length, or `None` if it does not fit.
    pub fn encode(&self, out: &mut [u8]) -> Option<usize> {
        let out = out.get_mut(..self.encoded_len())?;
        match self {
            Op::Add(r) => {
                let sp = &r.splice;
                out[0] = if r.split { 4 } else { 1 };
                out[1] = family_byte(sp.family());
                let mut at = 2;
                for side in super::conn::Side::BOTH {
                    put_tuple(&mut out[at..at + TUPLE_LEN], sp.tuple(side));
                    at += TUPLE_LEN;
                }
                for side in super::conn::Side::BOTH {
                    put_leg(&mut out[at..at + LEG_LEN], sp.leg(side));
                    at += LEG_LEN;
                }
                for m in r.mss {
                    out[at..at + 2].copy_from_slice(&m.to_be_bytes());
                    at += 2;
                }
                for w in r.windows {
                    out[at..at + 4].copy_from_slice(&w.to_be_bytes());
                    at += 4;
                }
            }
            Op::Del {
                family,
                client,
                reason,
            } => {
                out[0] = 2;
                out[1] = *reason as u8;
                out[2] = family_byte(*family);
                put_tuple(&mut out[3..], client);
            }
            Op::BulkDone => out[0] = 3,
        }
        Some(out.len())
    }

    /// Decode one operation from the front of `b`; returns it and its length.
    pub fn decode(b: &[u8]) -> Result<(Op, usize), Reject> {
        let need = match b.first() {
            Some(1 | 4) => ADD_LEN,
            Some(2) => DEL_LEN,
            Some(3) => 1,
            _ => return Err(Reject::Malformed),
        };
        let b = b.get(..need).ok_or(Reject::Malformed)?;
        let op = match b[0] {
            1 | 4 => {
                let family = family_of(b[1])?;
                let mut at = 2;
                let mut tuples = [Tuple::default(); 2];
                for t in &mut tuples {
                    *t = get_tuple(&b[at..at + TUPLE_LEN], family)?;
                    at += TUPLE_LEN;
                }
                let mut legs = [Leg::default(); 2];
                for l in &mut legs {
                    *l = get_leg(&b[at..at + LEG_LEN])?;
                    at += LEG_LEN;
                }
                let mss = [be16(b, at), be16(b, at + 2)];
                let windows = [be32(b, at + 4), be32(b, at + 8)];
                Op::Add(Replica {
                    splice: Splice::new(family, tuples, legs),
                    mss,
                    windows,
                    split: b[0] == 4,
                })
            }
            2 => {
                let reason = match b[1] {
                    1 => DelReason::Ended,
                    2 => DelReason::Idle,
                    _ => return Err(Reject::Malformed),
                };
                let family = family_of(b[2])?;
                Op::Del {
                    family,
                    client: get_tuple(&b[3..], family)?,
                    reason,
                }
            }
            _ => Op::BulkDone,
        };
        Ok((op, need))
    }
}

/// The header of an update body: which stream position it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateHeader {
    /// Stream generation: a sender starts a new one (and a bulk sync) when
    /// the receiver (re)joins.
    pub gen: u32,
    /// Position in the generation, from 1.
    pub seq: u32,
    /// Operations that follow.
    pub n_ops: u16,
}

/// Builds an update body operation by operation.
pub struct UpdateWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
    n_ops: u16,
}

impl<'a> UpdateWriter<'a> {
    /// Start a body in `buf` (at most [`MAX_BODY`] bytes are used).
    pub fn new(buf: &'a mut [u8], gen: u32, seq: u32) -> Option<Self> {
        let cap = buf.len().min(MAX_BODY);
        let buf = &mut buf[..cap];
        let head = buf.get_mut(..UPDATE_HEADER_LEN)?;
        head[..4].copy_from_slice(&gen.to_be_bytes());
        head[4..8].copy_from_slice(&seq.to_be_bytes());
        head[8..].fill(0);
        Some(UpdateWriter {
            buf,
            len: UPDATE_HEADER_LEN,
            n_ops: 0,
        })
    }

    /// Continue a body of `len` bytes and `n_ops` operations that an earlier
    /// writer left in `buf`.
    pub fn resume(buf: &'a mut [u8], len: usize, n_ops: u16) -> Option<Self> {
        let cap = buf.len().min(MAX_BODY);
        if len < UPDATE_HEADER_LEN || len > cap {
            return None;
        }
        Some(UpdateWriter {
            buf: &mut buf[..cap],
            len,
            n_ops,
        })
    }

    /// Append `op`; false if it does not fit.
    pub fn push(&mut self, op: &Op) -> bool {
        match op.encode(&mut self.buf[self.len..]) {
            Some(n) => {
                self.len += n;
                self.n_ops += 1;
                self.buf[8..10].copy_from_slice(&self.n_ops.to_be_bytes());
                true
            }
            None => false,
        }
    }

    /// Operations written so far.
    pub fn ops(&self) -> u16 {
        self.n_ops
    }

    /// The body's length so far.
    pub fn body_len(&self) -> usize {
        self.len
    }
}

/// Decode an update body's header; the operations follow at
/// [`UPDATE_HEADER_LEN`] (iterate with [`ops`]).
pub fn decode_update(b: &[u8]) -> Result<UpdateHeader, Reject> {
    if b.len() < UPDATE_HEADER_LEN || b[10] != 0 || b[11] != 0 {
        return Err(Reject::Malformed);
    }
    let h = UpdateHeader {
        gen: be32(b, 0),
        seq: be32(b, 4),
        n_ops: be16(b, 8),
    };
    if h.gen == 0 || h.seq == 0 {
        return Err(Reject::Malformed);
    }
    // Every operation must parse and the body must end exactly after them,
    // so that a receiver applies a message wholly or not at all.
    let mut rest = &b[UPDATE_HEADER_LEN..];
    for _ in 0..h.n_ops {
        let (_, n) = Op::decode(rest)?;
        rest = &rest[n..];
    }
    if !rest.is_empty() {
        return Err(Reject::Malformed);
    }
    Ok(h)
}

/// The operations of an update body that [`decode_update`] accepted.
pub fn ops(b: &[u8]) -> impl Iterator<Item = Op> + '_ {
    let mut rest = b.get(UPDATE_HEADER_LEN..).unwrap_or(&[]);
    core::iter::from_fn(move || {
        let (op, n) = Op::decode(rest).ok()?;
        rest = &rest[n..];
        Some(op)
    })
}

#[cfg(test)]
#[path = "sync_tests.rs"]
pub(crate) mod tests;
