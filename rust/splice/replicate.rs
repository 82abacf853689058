// SPDX-License-Identifier: GPL-2.0
//! Replication: the operations that tell peers about entries, the table's
//! open entries for a bulk sync, and a peer's operations applied here.

use super::*;

/// The operation that tells peers `e` ended.
pub(crate) fn del_op(e: &Entry, reason: DelReason) -> Op {
    Op::Del {
        family: e.splice.family(),
        client: *e.splice.tuple(Side::Client),
        reason,
    }
}

/// Every entry that is still open, for a peer's bulk sync.
pub(crate) fn snapshot(net: &NetState) -> Result<KVVec<Replica>> {
    let mut all = KVVec::with_capacity(net.table().count() as usize + 16, GFP_KERNEL)?;
    let mut failed = false;
    net.table().lock().find(|e| {
        if e.state.lock().ended_at.is_none() && all.push(e.replica(), GFP_ATOMIC).is_err() {
            failed = true;
        }
        failed
    });
    if failed {
        return Err(ENOMEM);
    }
    Ok(all)
}

/// Apply a peer's `Add` or `Del`. On a backend node (`backend`), only
/// split splices handed to one of this host's addresses are taken.
pub(crate) fn apply(net: &NetState, op: &Op, backend: bool) {
    match op {
        Op::Add(r) => {
            let role = if backend {
                Role::SplitBackend
            } else {
                Role::Replica
            };
            if backend {
                let mine = r
                    .split_to()
                    .is_some_and(|a| net.handle().is_some_and(|n| n.is_local(&a)));
                if !mine {
                    net.stats.inc(Counter::SplitsRefused);
                    return;
                }
            }
            let sp = &r.splice;
            let t = [*sp.tuple(Side::Client), *sp.tuple(Side::Backend)];
            let k = keys(sp.family(), &t);
            let id = net.next_id();
            let init = Entry::with_role(id, *r, jiffies(), role, None);
            let inserted =
                net.table()
                    .insert(init, &k[0], &k[1], net.settings().max_splices, &mut None);
            if inserted.is_ok() {
                crate::netlink::splice_event(net, &View::made(id, r, true), None);
            }
            let c = match inserted {
                Ok(()) if role == Role::SplitBackend => {
                    catch_up(net, sp, &k[1]);
                    Counter::SplitsInstalled
                }
                Ok(()) => Counter::ReplicasInstalled,
                Err(InsertError::Exists) => Counter::ReplicasDuplicate,
                Err(_) => Counter::ReplicasRefused,
            };
            net.stats.inc(c);
        }
        Op::Del {
            family,
            client,
            reason,
        } => {
            let rcu = RcuGuard::new();
            let k = Key::new(*family, &client.remote, &client.local);
            if let Some((e, Side::Client)) = net.table().lookup(&rcu, &k) {
                let idle = secs_to_jiffies(net.settings().idle_timeout);
                e.peer_deleted(*reason, jiffies(), idle);
                net.stats.inc(Counter::ReplicasEnded);
            }
        }
        Op::BulkDone => {}
    }
}

/// On the backend of a split splice, just installed: what passed before the
/// entry existed is in this host's own socket of the connection. A FIN from
/// the client that already arrived is recorded; a connection that is
/// already over ends the entry (it lingers, then its end goes to the
/// proxies). `key` is the entry's backend-side key.
pub(super) fn catch_up(net: &NetState, sp: &Splice, key: &Key) {
    let Some(n) = net.handle() else {
        return;
    };
    let t = sp.tuple(Side::Backend);
    let mine = Tuple {
        local: t.remote,
        remote: t.local,
    };
    let fin = n.peer_fin(sp.family(), &mine);
    if matches!(fin, PeerFin::No) {
        return;
    }
    let _bh = BhGuard::new();
    let rcu = RcuGuard::new();
    let Some((e, _)) = net.table().lookup(&rcu, key) else {
        return;
    };
    let mut st = e.state.lock();
    match fin {
        PeerFin::At(end) => st.tracker.fin_passed(Side::Backend, end),
        _ => {
            if st.ended_at.is_none() {
                st.ended_at = moment(jiffies());
                drop(st);
                net.stats.inc(Counter::SplitsEnded);
            }
        }
    }
}
