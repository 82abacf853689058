// SPDX-License-Identifier: GPL-2.0
//! Splice entries: what the table holds for each splice, the per-packet work
//! on it, and the sweep that removes finished and idle entries.

use crate::ffi::table::{jiffies, jiffies_to_secs, secs_to_jiffies};
use crate::ffi::{CsumMode, Skb};
use crate::netns::NetState;
use crate::splice_core::conn::{Action, Phase, Side, Tracker};
use crate::splice_core::splice::Splice;
use crate::stats::Counter;
use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::SpinLock;

/// How long a splice whose FINs were both acknowledged keeps translating
/// (retransmitted FINs and final ACKs), in seconds.
pub(crate) const LINGER_FINISHED_SECS: u32 = 10;
/// The same after an exact reset.
pub(crate) const LINGER_RESET_SECS: u32 = 2;

/// One splice in the table.
#[pin_data]
pub(crate) struct Entry {
    pub(crate) id: u64,
    pub(crate) splice: Splice,
    /// The largest segment each side's peer accepts.
    pub(crate) mss: [u16; 2],
    created: u64,
    /// Taken in softirq context by the hooks; elsewhere only with bottom
    /// halves disabled (under the table lock).
    #[pin]
    state: SpinLock<EntryState>,
}

struct EntryState {
    tracker: Tracker,
    last_seen: u64,
    ended_at: Option<u64>,
    /// Per side the packets came from.
    packets: [u64; 2],
    bytes: [u64; 2],
}

/// A consistent copy of an entry, for reports.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View {
    pub(crate) id: u64,
    pub(crate) splice: Splice,
    pub(crate) mss: [u16; 2],
    pub(crate) phase: Phase,
    pub(crate) age_secs: u32,
    pub(crate) idle_secs: u32,
    /// Per side the packets came from.
    pub(crate) packets: [u64; 2],
    pub(crate) bytes: [u64; 2],
}

impl Entry {
    /// A new entry; `windows` are the windows each side's peer advertised.
    pub(crate) fn new(
        id: u64,
        splice: Splice,
        mss: [u16; 2],
        windows: [u32; 2],
        now: u64,
    ) -> impl PinInit<Self, Error> {
        try_pin_init!(Entry {
            id,
            splice,
            mss,
            created: now,
            state <- new_spinlock!(EntryState {
                tracker: splice.tracker(windows),
                last_seen: now,
                ended_at: None,
                packets: [0; 2],
                bytes: [0; 2],
            }),
        })
    }

    /// A copy of the entry. Call with bottom halves disabled (e.g. under the
    /// table lock) or from a hook.
    pub(crate) fn view(&self, now: u64) -> View {
        let st = self.state.lock();
        View {
            id: self.id,
            splice: self.splice,
            mss: self.mss,
            phase: st.tracker.phase(),
            age_secs: jiffies_to_secs(now.wrapping_sub(self.created)),
            idle_secs: jiffies_to_secs(now.wrapping_sub(st.last_seen)),
            packets: st.packets,
            bytes: st.bytes,
        }
    }

    /// True while the entry should stay in the table.
    fn keep(&self, now: u64, idle: u64, expired: &mut u64) -> bool {
        let st = self.state.lock();
        match st.ended_at {
            Some(t) => {
                let linger = match st.tracker.phase() {
                    Phase::Reset => LINGER_RESET_SECS,
                    _ => LINGER_FINISHED_SECS,
                };
                now.wrapping_sub(t) < secs_to_jiffies(linger)
            }
            None if now.wrapping_sub(st.last_seen) >= idle => {
                *expired += 1;
                false
            }
            None => true,
        }
    }
}

/// Translate a packet of `entry` that arrived from `from`'s peer, whose TCP
/// header starts `l4` bytes after the network header and is `thlen` bytes
/// long. `Ok` means: send it on. `Err` names the drop counter.
pub(crate) fn forward(
    net: &NetState,
    entry: &Entry,
    from: Side,
    skb: &mut Skb<'_>,
    l4: usize,
    thlen: usize,
) -> Result<(), Counter> {
    let len = skb.len();
    let partial = match skb.csum_mode(l4) {
        CsumMode::Full => false,
        CsumMode::Partial => true,
        CsumMode::Inconsistent => return Err(Counter::DropBadCsumOffload),
    };
    let buf = skb.writable(l4 + thlen).ok_or(Counter::DropNomem)?;
    let now = jiffies();
    let mut st = entry.state.lock();
    let o = entry
        .splice
        .packet(from, buf, l4, len, partial, &mut st.tracker)
        .map_err(|_| Counter::DropMalformed)?;
    st.last_seen = now;
    if o.action == Action::DropReset {
        return Err(Counter::DropRstWindow);
    }
    let i = from.index();
    st.packets[i] += 1;
    st.bytes[i] += u64::from(o.payload);
    let ended = o.ended.then(|| st.tracker.phase());
    if ended.is_some() {
        st.ended_at = Some(now);
    }
    drop(st);

    let (packets, bytes) = match from {
        Side::Client => (Counter::PacketsToBackend, Counter::BytesToBackend),
        Side::Backend => (Counter::PacketsToClient, Counter::BytesToClient),
    };
    net.stats.inc(packets);
    net.stats.add(bytes, u64::from(o.payload));
    net.stats.add(Counter::OptionsStripped, u64::from(o.report.stripped));
    net.stats.add(Counter::SackBlocks, u64::from(o.report.sack_blocks));
    if o.report.malformed_options {
        net.stats.inc(Counter::OptionsMalformed);
    }
    if o.report.missing_ts {
        net.stats.inc(Counter::MissingTs);
    }
    match ended {
        Some(Phase::Reset) => net.stats.inc(Counter::SplicesReset),
        Some(_) => net.stats.inc(Counter::SplicesFinished),
        None => {}
    }
    Ok(())
}

/// Remove entries that lingered long enough or were idle for the
/// namespace's idle timeout. Runs from the table's periodic work.
pub(crate) fn gc(net: &NetState) {
    let now = jiffies();
    let idle = secs_to_jiffies(net.settings().idle_timeout);
    let mut expired = 0;
    net.table()
        .lock()
        .retain(|e| e.keep(now, idle, &mut expired));
    net.stats.add(Counter::SplicesExpired, expired);
}
