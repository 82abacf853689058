// SPDX-License-Identifier: GPL-2.0
//! Generic netlink command handlers (family "tcpsplice"). The command table,
//! attribute policies and permission flags are generated from the ABI's YNL
//! spec, `Documentation/netlink/specs/tcpsplice.yaml`, into
//! `rust/generated/netlink.c`; the family is in `rust/ffi/netlink.c`.

use crate::bindings as b;
use crate::cluster::ConfigureError;
use crate::ffi::netlink::{ConnAttrs, Dump, Request, Writer};
use crate::ffi::sock::{Hold, LockedPair};
use crate::ffi::table::{jiffies, InsertError};
use crate::netns::NetState;
use crate::splice::{End, Entry, Made, Role, View};
use crate::splice_core::capture::{self, in_flight, Refusal};
use crate::splice_core::config::VERSION_C;
use crate::splice_core::conn::{Phase, Side};
use crate::splice_core::splice::{Endpoint, Family, Splice, Tuple};
use crate::splice_core::sync::{backend_addr, DelReason, Op, Replica};
use crate::stats::{Counter, GAUGES};
use kernel::prelude::*;

/// `TCPSPLICE_CMD_GET_STATUS`: version, settings and counters of the
/// caller's namespace.
pub(crate) fn get_status(req: &Request) -> Result {
    let net = req.net();
    let mut r = req.reply(b::TCPSPLICE_CMD_GET_STATUS as u8)?;
    r.put_str(b::TCPSPLICE_A_VERSION, VERSION_C)?;
    r.put_u64(
        b::TCPSPLICE_A_NETNS_COOKIE,
        net.cookie(),
        b::TCPSPLICE_A_PAD,
    )?;

    let (entry, table) = net.table().memory();
    r.put_u32(b::TCPSPLICE_A_ENTRY_BYTES, entry)?;
    r.put_u32(b::TCPSPLICE_A_TABLE_BYTES, table)?;

    let s = net.settings();
    let nest = r.nest(b::TCPSPLICE_A_CONFIG)?;
    r.put_u32(b::TCPSPLICE_CFG_MAX_SPLICES, s.max_splices)?;
    r.put_u32(b::TCPSPLICE_CFG_IDLE_TIMEOUT, s.idle_timeout)?;
    r.end(nest);

    let nest = r.nest(b::TCPSPLICE_A_STATS)?;
    let [unacked, peers_up, vips_owned] = net.cluster().gauges();
    let gauges = [
        u64::from(net.table().count()),
        unacked,
        peers_up,
        vips_owned,
    ];
    for (attr, v) in GAUGES.iter().zip(gauges) {
        r.put_u64(*attr, v, b::TCPSPLICE_STAT_PAD)?;
    }
    for c in Counter::ALL {
        r.put_u64(c.attr(), net.stats.get(c), b::TCPSPLICE_STAT_PAD)?;
    }
    r.end(nest);
    r.send()
}

/// `TCPSPLICE_CMD_SET_CONFIG` (admin): change settings, all or nothing.
pub(crate) fn set_config(req: &Request) -> Result {
    let a = req.config()?;
    if a.max_splices.is_none() && a.idle_timeout.is_none() {
        req.error(c"TCPSPLICE_A_CONFIG holds no setting");
        return Err(EINVAL);
    }
    match req.net().update(a.max_splices, a.idle_timeout) {
        Ok(_) => Ok(()),
        Err(e) => {
            req.error(e.message());
            Err(ERANGE)
        }
    }
}

/// `TCPSPLICE_CMD_RESET_STATS` (admin): zero the namespace's counters and
/// its cluster peers'.
pub(crate) fn reset_stats(req: &Request) -> Result {
    req.net().stats.reset();
    req.net().cluster().reset_stats();
    Ok(())
}

/// A connection nest turned into a tuple; the family is that of its
/// addresses and must equal `family` when given.
fn tuple(req: &Request, c: &ConnAttrs, family: Option<Family>) -> Result<(Family, Tuple)> {
    let (Some((la, ll)), Some(lp), Some((ra, rl)), Some(rp)) =
        (c.local_addr, c.local_port, c.remote_addr, c.remote_port)
    else {
        req.error(c"a connection needs LOCAL_ADDR, LOCAL_PORT, REMOTE_ADDR and REMOTE_PORT");
        return Err(EINVAL);
    };
    let f = match (ll, rl) {
        (4, 4) => Family::V4,
        (16, 16) => Family::V6,
        _ => {
            req.error(c"addresses must both be 4 (IPv4) or both 16 (IPv6) bytes long");
            return Err(EINVAL);
        }
    };
    if family.is_some_and(|want| want != f) {
        req.error(c"client and backend connections must be of the same IP version");
        return Err(EINVAL);
    }
    let t = Tuple {
        local: Endpoint { addr: la, port: lp },
        remote: Endpoint { addr: ra, port: rp },
    };
    Ok((f, t))
}

fn refusal_errno(r: Refusal) -> Error {
    match r {
        Refusal::NotEstablished => ENOTCONN,
        Refusal::Signed | Refusal::AccurateEcn => EOPNOTSUPP,
        Refusal::InRepair => EBUSY,
        _ if r.is_transient() => EAGAIN,
        _ => EINVAL,
    }
}

/// `TCPSPLICE_CMD_SPLICE` (admin): splice two local connections.
pub(crate) fn splice(req: &Request) -> Result {
    let a = req.splice_attrs()?;
    let (Some(c), Some(bk)) = (a.client, a.backend) else {
        req.error(c"TCPSPLICE_A_SPLICE needs TCPSPLICE_SPLICE_CLIENT and TCPSPLICE_SPLICE_BACKEND");
        return Err(EINVAL);
    };
    let (family, ct) = tuple(req, &c, None)?;
    let (_, bt) = tuple(req, &bk, Some(family))?;
    let net = req.net();
    // The namespace's first splice brings its hooks.
    if let Err(e) = net.hook_slot().ensure(net) {
        req.error(c"cannot register the netfilter hooks");
        return Err(e);
    }
    // Asked before the sockets are locked (the cluster's lock sleeps).
    let asked_split = req.split();
    let split = asked_split && net.cluster().has_backend_peer(&backend_addr(family, &bt));
    let Some(cs) = req.lookup_sock(family, &ct) else {
        req.error(c"no local TCP connection matches the client-side addresses");
        return Err(ENOENT);
    };
    let Some(bs) = req.lookup_sock(family, &bt) else {
        req.error(c"no local TCP connection matches the backend-side addresses");
        return Err(ENOENT);
    };
    // The connections are about to be forwarded: no LRO on their devices.
    cs.no_lro();
    bs.no_lro();
    // Allocated before the sockets are locked (it may sleep).
    let mut hold = Some(Hold::new()?);
    let Some(pair) = LockedPair::lock(&cs, &bs) else {
        req.error(c"the client and backend sides name the same connection");
        return Err(EINVAL);
    };
    // What either socket received and the proxy has not read goes to the
    // other's send queue: the splice can then be made at once (what is
    // still unsent is handed over with the socket).
    let mut moved = [0u32; 2];
    for from in Side::BOTH {
        match pair.move_unread(from.index()) {
            Ok(n) => moved[from.index()] = n,
            Err(e) => {
                req.error(c"could not move unread data between the sockets");
                return Err(e);
            }
        }
    }
    net.stats.add(
        Counter::HandoverMoved,
        u64::from(moved[0]) + u64::from(moved[1]),
    );
    let refuse = |side: Side, r: Refusal| {
        net.stats.inc(Counter::SplicesRefused);
        req.error(r.message(side));
        Err(refusal_errno(r))
    };
    let mut states = [pair.read(0), pair.read(1)];
    for side in Side::BOTH {
        if let Err(r) = capture::leg(&states[side.index()]) {
            return refuse(side, r);
        }
    }
    // A peer that closed before the splice: its FIN goes on after the bytes
    // before it, from the other socket (handed over with it in flight).
    if split && capture::closing(&states) {
        let side = if states[0].fin_received || states[0].fin_queued {
            Side::Client
        } else {
            Side::Backend
        };
        return refuse(side, Refusal::ClosedSplit);
    }
    let fins = match capture::fins_to_send(&states) {
        Ok(f) => f,
        Err((side, r)) => return refuse(side, r),
    };
    for side in Side::BOTH {
        if fins[side.index()] {
            pair.send_fin(side.index());
            net.stats.inc(Counter::HandoverFins);
            states[side.index()] = pair.read(side.index());
        }
    }
    let mut legs = [Default::default(); 2];
    for side in Side::BOTH {
        match capture::leg(&states[side.index()]) {
            Ok(l) => legs[side.index()] = l,
            Err(r) => return refuse(side, r),
        }
    }
    // In a split splice the backend's packets go straight to the client:
    // a handed-over backend-side socket would never hear its peer.
    if split && in_flight(&states[Side::Backend.index()]) != 0 {
        return refuse(Side::Backend, Refusal::UnacknowledgedSplit);
    }
    let sp = Splice::new(family, [ct, bt], legs);
    let id = net.next_id();
    let mss = [states[0].mss, states[1].mss];
    let windows = [states[0].snd_wnd, states[1].snd_wnd];
    let replica = Replica {
        splice: sp,
        mss,
        windows,
        split,
    };
    let keys = crate::splice::keys(family, &[ct, bt]);
    // A socket whose peer has not acknowledged all it sent is handed over:
    // it stays and retransmits those bytes (the core's `handover`).
    let acked = [states[0].snd_una, states[1].snd_una];
    let mut handed = [false; 2];
    for side in Side::BOTH {
        let i = side.index();
        if in_flight(&states[i]) != 0 {
            if let Some(h) = hold.as_mut() {
                pair.hand_over(i, h);
            }
            handed[i] = true;
        }
    }
    // Inserted while both sockets are locked: from here on the hooks take
    // the connections' packets, and the sockets see nothing more (but
    // acknowledgements, if handed over).
    let insert = |hold: &mut Option<Hold>| {
        let made = Made {
            acked,
            moved,
            fin: [states[0].fin_queued, states[1].fin_queued],
        };
        let init = Entry::new(id, replica, jiffies(), made);
        net.table()
            .insert(init, &keys[0], &keys[1], net.settings().max_splices, hold)
    };
    let mut inserted = insert(&mut hold);
    // The old splice of a connection that reused these addresses may still
    // wait for the sweep.
    if matches!(inserted, Err(InsertError::Exists)) && crate::splice::drop_superseded(net) {
        inserted = insert(&mut hold);
    }
    if let Some(h) = hold.take() {
        // Not inserted: the sockets stay the proxy's.
        pair.give_back(h);
    }
    match inserted {
        Ok(()) => {}
        Err(InsertError::Full) => {
            net.stats.inc(Counter::TableFull);
            req.error(c"the splice table is full (max_splices)");
            return Err(ENOSPC);
        }
        Err(InsertError::Exists) => {
            net.stats.inc(Counter::SplicesRefused);
            req.error(c"one of these connections is already spliced");
            return Err(EEXIST);
        }
        Err(InsertError::Other(e)) => return Err(e),
    }
    // Moved, those bytes were the kernel's to carry (the entry counts them
    // too).
    net.stats.add(Counter::BytesToBackend, u64::from(moved[0]));
    net.stats.add(Counter::BytesToClient, u64::from(moved[1]));
    for side in Side::BOTH {
        let i = side.index();
        if handed[i] {
            net.stats.inc(Counter::Handovers);
            net.stats
                .add(Counter::HandoverBytes, u64::from(in_flight(&states[i])));
        } else {
            pair.retire(i);
        }
    }
    drop(pair);
    // Each peer the retired socket kept waiting gets the other's window.
    crate::splice::update_windows(net, &sp, windows, [states[0].rcv_wnd, states[1].rcv_wnd]);
    net.stats.inc(Counter::SplicesCreated);
    if asked_split {
        net.stats.inc(if split {
            Counter::SplitsMade
        } else {
            Counter::SplitsNoBackend
        });
    }
    let ticket = net
        .cluster()
        .replicate(net, &Op::Add(replica), replica.split_to());
    // The retired backend-side socket gave its port back: hold it while the
    // splice lives (a handed-over one keeps it until the sweep retires it).
    if !handed[Side::Backend.index()] {
        crate::splice::hold_port(net, id, family, &bt.local);
    }

    let view = View::made(id, &replica, false);
    splice_event(net, &view, None);
    // The reply waits, if asked, until a peer holds the entry: a proxy
    // that fails right after this still loses no connection.
    let replicated = match (&ticket, req.wait_sync()) {
        (Some(t), true) => Some(net.cluster().wait(t)),
        (None, true) => Some(false),
        _ => None,
    };
    let mut r = req.reply(b::TCPSPLICE_CMD_SPLICE as u8)?;
    fill(&mut r, &view)?;
    if let Some(done) = replicated {
        r.put_u8(b::TCPSPLICE_A_REPLICATED, u8::from(done))?;
    }
    r.send()
}

/// The `TCPSPLICE_SPLICE_ID` of a request, required.
fn splice_id(req: &Request) -> Result<u64> {
    match req.splice_attrs()?.id {
        Some(id) => Ok(id),
        None => {
            req.error(c"missing TCPSPLICE_SPLICE_ID");
            Err(EINVAL)
        }
    }
}

/// `TCPSPLICE_CMD_UNSPLICE` (admin): remove one entry.
pub(crate) fn unsplice(req: &Request) -> Result {
    let id = splice_id(req)?;
    let net = req.net();
    let mut found = None;
    let now = jiffies();
    net.table().lock().retain(|e| {
        let hit = e.id == id;
        if hit {
            found = Some((
                crate::splice::del_op(e, DelReason::Ended),
                e.split_to(),
                e.role == Role::SplitBackend,
                e.view(now),
            ));
        }
        !hit
    });
    let Some((op, split_to, split_backend, view)) = found else {
        req.error(c"no splice with this TCPSPLICE_SPLICE_ID");
        return Err(ENOENT);
    };
    net.stats.inc(Counter::SplicesUnspliced);
    splice_event(net, &view, Some(End::Unspliced));
    // On the backend of a split splice this only hands the direction back
    // to the proxies, which go on translating: nothing to tell them.
    if !split_backend {
        net.cluster().replicate(net, &op, split_to);
    }
    Ok(())
}

/// `TCPSPLICE_CMD_SET_CLUSTER` (admin): replace the cluster configuration.
pub(crate) fn set_cluster(req: &Request) -> Result {
    let cfg = req.cluster_config()?;
    let net = req.net();
    // A cluster node answers neighbour solicitations and takes replicas and
    // split splices: its hooks come with its configuration.
    if cfg.node_id != 0 {
        if let Err(e) = net.hook_slot().ensure(net) {
            req.error(c"cannot register the netfilter hooks");
            return Err(e);
        }
    }
    match net.cluster().configure(net, cfg) {
        Ok(()) => Ok(()),
        Err(ConfigureError::Invalid(e)) => {
            req.error(e.message());
            Err(EINVAL)
        }
        Err(ConfigureError::Socket(e)) => {
            req.error(c"cannot bind the sync socket to TCPSPLICE_CLUSTER_PORT");
            Err(e)
        }
    }
}

/// `TCPSPLICE_CMD_GET_CLUSTER` (admin): configuration and peer states.
pub(crate) fn get_cluster(req: &Request) -> Result {
    let mut r = req.reply(b::TCPSPLICE_CMD_GET_CLUSTER as u8)?;
    req.net().cluster().report(&mut r)?;
    r.send()
}

/// `TCPSPLICE_CMD_ATTACH_PROXY` (admin): the sender's socket is the
/// namespace's proxy; its closing, for longer than the grace time, makes
/// this node give its VIPs up.
pub(crate) fn attach_proxy(req: &Request) -> Result {
    let Some(grace_ms) = req.u32_attr(b::TCPSPLICE_A_PROXY_GRACE) else {
        req.error(c"ATTACH_PROXY needs TCPSPLICE_A_PROXY_GRACE");
        return Err(EINVAL);
    };
    req.net().cluster().attach_proxy(req.portid(), grace_ms);
    Ok(())
}

/// `TCPSPLICE_CMD_GET_SPLICE` (admin): one entry.
pub(crate) fn get_splice(req: &Request) -> Result {
    let id = splice_id(req)?;
    let net = req.net();
    let now = jiffies();
    let view = net.table().lock().find(|e| e.id == id).map(|e| e.view(now));
    let Some(view) = view else {
        req.error(c"no splice with this TCPSPLICE_SPLICE_ID");
        return Err(ENOENT);
    };
    let mut r = req.reply(b::TCPSPLICE_CMD_GET_SPLICE as u8)?;
    fill(&mut r, &view)?;
    r.send()
}

/// Entries a dump round writes at most.
const DUMP_BATCH: usize = 64;

/// The dump of `TCPSPLICE_CMD_GET_SPLICE`: every entry, in identifier
/// order, resuming after the last one sent. Views are taken under the
/// table's lock, messages written after it; a full skb ends this round and
/// the next resumes after `last`.
pub(crate) fn dump_splices(d: &mut Dump) -> Result {
    let after = *d.cursor() as u64;
    let mut last = after;
    let views = crate::splice::views_after::<DUMP_BATCH>(d.net(), after, jiffies())?;
    for v in &views {
        if !d.message(b::TCPSPLICE_CMD_GET_SPLICE as u8, |w| fill(w, v)) {
            break;
        }
        last = v.id;
    }
    *d.cursor() = last as i64;
    Ok(())
}

fn put_conn(w: &mut Writer, attr: u32, v: &View, side: Side) -> Result {
    let t = v.splice.tuple(side);
    let leg = v.splice.leg(side);
    let n = v.splice.family().addr_len();
    let nest = w.nest(attr)?;
    w.put_bytes(b::TCPSPLICE_CONN_LOCAL_ADDR, &t.local.addr[..n])?;
    w.put_u16(b::TCPSPLICE_CONN_LOCAL_PORT, t.local.port)?;
    w.put_bytes(b::TCPSPLICE_CONN_REMOTE_ADDR, &t.remote.addr[..n])?;
    w.put_u16(b::TCPSPLICE_CONN_REMOTE_PORT, t.remote.port)?;
    w.put_u16(b::TCPSPLICE_CONN_MSS, v.mss[side.index()])?;
    w.put_u8(b::TCPSPLICE_CONN_SND_WSCALE, leg.snd_wscale)?;
    w.put_u8(b::TCPSPLICE_CONN_RCV_WSCALE, leg.rcv_wscale)?;
    if leg.sack {
        w.put_flag(b::TCPSPLICE_CONN_SACK)?;
    }
    if leg.ts.is_some() {
        w.put_flag(b::TCPSPLICE_CONN_TIMESTAMPS)?;
    }
    w.end(nest);
    Ok(())
}

/// Tell the "splices" group about entry `v`: made or installed here
/// (`end` is `None`), or gone (how). Nothing when no one listens. Any
/// context.
pub(crate) fn splice_event(net: &NetState, v: &View, end: Option<End>) {
    let Some(n) = net.handle() else {
        return;
    };
    crate::ffi::netlink::splice_event(n, |w| {
        let kind = match end {
            None => b::TCPSPLICE_EVENT_SPLICE_NEW,
            Some(_) => b::TCPSPLICE_EVENT_SPLICE_END,
        };
        let nest = w.nest(b::TCPSPLICE_A_EVENT)?;
        w.put_u8(b::TCPSPLICE_EVENT_TYPE, kind as u8)?;
        w.end(nest);
        fill_end(w, v, end)
    });
}

/// One entry as a `TCPSPLICE_A_SPLICE` nest.
fn fill(w: &mut Writer, v: &View) -> Result {
    fill_end(w, v, None)
}

/// [`fill`], with how the entry ended (`splice-end` events).
fn fill_end(w: &mut Writer, v: &View, end: Option<End>) -> Result {
    let nest = w.nest(b::TCPSPLICE_A_SPLICE)?;
    let pad = b::TCPSPLICE_SPLICE_PAD;
    w.put_u64(b::TCPSPLICE_SPLICE_ID, v.id, pad)?;
    put_conn(w, b::TCPSPLICE_SPLICE_CLIENT, v, Side::Client)?;
    put_conn(w, b::TCPSPLICE_SPLICE_BACKEND, v, Side::Backend)?;
    let state = match v.phase {
        Phase::Open => b::TCPSPLICE_STATE_OPEN,
        Phase::Finished => b::TCPSPLICE_STATE_FINISHED,
        Phase::Reset => b::TCPSPLICE_STATE_RESET,
    };
    w.put_u8(b::TCPSPLICE_SPLICE_STATE, state as u8)?;
    w.put_u32(b::TCPSPLICE_SPLICE_AGE, v.age_secs)?;
    w.put_u64(b::TCPSPLICE_SPLICE_AGE_MS, v.age_ms, pad)?;
    w.put_u32(b::TCPSPLICE_SPLICE_IDLE, v.idle_secs)?;
    let (c, k) = (Side::Client.index(), Side::Backend.index());
    w.put_u64(b::TCPSPLICE_SPLICE_PACKETS_TO_BACKEND, v.packets[c], pad)?;
    w.put_u64(b::TCPSPLICE_SPLICE_BYTES_TO_BACKEND, v.bytes[c], pad)?;
    w.put_u64(b::TCPSPLICE_SPLICE_PACKETS_TO_CLIENT, v.packets[k], pad)?;
    w.put_u64(b::TCPSPLICE_SPLICE_BYTES_TO_CLIENT, v.bytes[k], pad)?;
    if v.replica {
        w.put_flag(b::TCPSPLICE_SPLICE_REPLICA)?;
    }
    if v.split {
        w.put_flag(b::TCPSPLICE_SPLICE_SPLIT)?;
    }
    if let Some(end) = end {
        let e = match end {
            End::Finished => b::TCPSPLICE_END_FINISHED,
            End::Reset => b::TCPSPLICE_END_RESET,
            End::Expired => b::TCPSPLICE_END_EXPIRED,
            End::Superseded => b::TCPSPLICE_END_SUPERSEDED,
            End::Unspliced => b::TCPSPLICE_END_UNSPLICED,
            End::Peer => b::TCPSPLICE_END_PEER,
        };
        w.put_u8(b::TCPSPLICE_SPLICE_END, e as u8)?;
    }
    w.end(nest);
    Ok(())
}
