// SPDX-License-Identifier: GPL-2.0
//! Tests of `stream`: the sender's and the receiver's numbers, the ends of
//! the number spaces, and a sender and a receiver over a channel that
//! loses, duplicates and reorders (every message applied once, in order).
use super::*;
use proptest::prelude::*;
use std::{vec, vec::Vec};

#[test]
fn a_generation_starts_at_one_and_never_is_zero() {
    let mut o = Out::new();
    assert_eq!((o.gen, o.next_seq, o.acked), (0, 1, 0));
    o.restart();
    assert_eq!(o.gen, 1);
    assert_eq!(o.take_seq(), Some(1));
    assert_eq!(o.take_seq(), Some(2));
    o.gen = u32::MAX;
    o.restart();
    assert_eq!((o.gen, o.next_seq, o.acked), (1, 1, 0));
}

#[test]
fn a_generation_ends_before_its_numbers_wrap() {
    let mut o = Out {
        gen: 7,
        next_seq: MAX_SEQ,
        acked: MAX_SEQ - 1,
    };
    assert_eq!(o.take_seq(), Some(MAX_SEQ));
    assert_eq!(o.take_seq(), None);
    assert_eq!(o.take_seq(), None);
    assert_eq!(o.ack(7, MAX_SEQ), Some(MAX_SEQ));
    let mut i = In {
        gen: 7,
        next: MAX_SEQ,
        synced: true,
    };
    assert!(i.accept(7, MAX_SEQ));
    assert_eq!(i.ack(), (7, MAX_SEQ));
    assert!(!i.accept(7, MAX_SEQ + 1));
    assert_eq!(i.next, MAX_SEQ + 1);
}

#[test]
fn acknowledgements_count_only_when_new_and_of_what_was_sent() {
    let mut o = Out::new();
    o.restart();
    for _ in 0..5 {
        o.take_seq();
    }
    assert_eq!(o.ack(1, 0), None);
    assert_eq!(o.ack(2, 3), None, "another generation");
    assert_eq!(o.ack(1, 6), None, "never sent");
    assert_eq!(o.ack(1, 3), Some(3));
    assert_eq!(o.ack(1, 3), None, "the same again");
    assert_eq!(o.ack(1, 2), None, "an older one");
    assert_eq!(o.ack(1, 5), Some(5));
    assert_eq!(o.acked, 5);
}

#[test]
fn the_receiver_applies_in_order_and_follows_newer_generations() {
    let mut i = In::new();
    assert_eq!(i.ack(), (0, 0));
    assert!(!i.accept(1, 2), "ahead of a loss");
    assert!(i.accept(1, 1));
    assert!(!i.accept(1, 1), "a duplicate");
    assert!(i.accept(1, 2));
    i.synced = true;
    assert_eq!(i.ack(), (1, 2));
    assert!(i.accept(2, 1), "a new generation starts over");
    assert!(!i.synced);
    assert!(!i.accept(1, 3), "the old generation is done");
    assert_eq!(i.ack(), (2, 1));
    // After the sender's generation counter wrapped (it skips 0).
    let mut i = In {
        gen: u32::MAX,
        next: 9,
        synced: true,
    };
    assert!(i.accept(1, 1));
    assert_eq!(i.ack(), (1, 1));
    assert!(!i.accept(u32::MAX, 9));
    i.restart();
    assert_eq!(i, In::new());
}

#[test]
fn generations_compare_as_serial_numbers() {
    assert!(gen_newer(1, 0));
    assert!(gen_newer(1, u32::MAX));
    assert!(!gen_newer(u32::MAX, 1));
    assert!(!gen_newer(5, 5));
    assert!(gen_newer(5, 4));
    assert!(!gen_newer(4, 5));
}

#[test]
fn the_queue_has_room_up_to_the_limit_beyond_a_bulk_sync() {
    assert!(Out::room(0, 0));
    assert!(Out::room(QUEUE_LIMIT, 0));
    assert!(!Out::room(QUEUE_LIMIT + 1, 0));
    assert!(Out::room(QUEUE_LIMIT + 500, 500));
    assert!(Out::room(usize::MAX, usize::MAX));
}

#[test]
fn the_window_is_late_after_two_intervals() {
    assert_eq!(rto_ms(100), 200);
    assert_eq!(rto_ms(5), 20);
    assert_eq!(rto_ms(u32::MAX), u64::from(u32::MAX));
    assert!(!Out::late(None, 1000, 100));
    assert!(!Out::late(Some(900), 1000, 100));
    assert!(Out::late(Some(800), 1000, 100));
    assert!(!Out::late(Some(2000), 1000, 100), "a clock seen backwards");
}

/// What the channel does with the next datagram.
#[derive(Clone, Copy, Debug)]
enum Fate {
    Deliver,
    Lose,
    Twice,
    Hold,
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![
        5 => Just(Fate::Deliver),
        2 => Just(Fate::Lose),
        1 => Just(Fate::Twice),
        1 => Just(Fate::Hold),
    ]
}

/// One step of the simulation.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// The sender queues a new message.
    Queue,
    /// The sender sends its window (`true`: resends what was sent).
    Send(bool),
    /// The channel carries a datagram each way, each with its fate.
    Carry(Fate, Fate),
    /// A held datagram arrives late.
    Release,
    /// The sender starts a new generation (its peer came up again), with
    /// one message.
    Restart,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => Just(Step::Queue),
        4 => any::<bool>().prop_map(Step::Send),
        12 => (fate(), fate()).prop_map(|(a, b)| Step::Carry(a, b)),
        2 => Just(Step::Release),
        1 => Just(Step::Restart),
    ]
}

/// A sender, a receiver and the datagrams between them.
struct Sim {
    out: Out,
    /// (seq, message id, sent) of every unacknowledged message
    queue: Vec<(u32, u32, bool)>,
    /// Message ids of the current generation, in order of queueing.
    queued: Vec<u32>,
    next_id: u32,
    inn: In,
    /// Message ids applied in the receiver's current generation.
    applied: Vec<u32>,
    /// Datagrams to the receiver (gen, seq, id) and acks back (gen, seq).
    to_rx: Vec<(u32, u32, u32)>,
    to_tx: Vec<(u32, u32)>,
    held: Vec<(u32, u32, u32)>,
}

impl Sim {
    fn new() -> Self {
        // The first generation, with its bulk sync's `BulkDone`.
        let mut out = Out::new();
        out.restart();
        let mut sim = Sim {
            out,
            queue: vec![],
            queued: vec![],
            next_id: 0,
            inn: In::new(),
            applied: vec![],
            to_rx: vec![],
            to_tx: vec![],
            held: vec![],
        };
        sim.run(Step::Queue);
        sim
    }

    fn send(&mut self, again: bool) {
        for m in self.queue.iter_mut().take(WINDOW) {
            if m.2 && !again {
                continue;
            }
            m.2 = true;
            self.to_rx.push((self.out.gen, m.0, m.1));
        }
    }

    fn receive(&mut self, (gen, seq, id): (u32, u32, u32)) {
        let before = self.inn.gen;
        if self.inn.accept(gen, seq) {
            if self.inn.gen != before {
                self.applied.clear();
            }
            self.applied.push(id);
        } else if self.inn.gen != before {
            self.applied.clear();
        }
        self.to_tx.push(self.inn.ack());
    }

    fn acked(&mut self, (gen, seq): (u32, u32)) {
        if let Some(upto) = self.out.ack(gen, seq) {
            self.queue.retain(|m| m.0 > upto);
        }
    }

    fn run(&mut self, s: Step) {
        match s {
            Step::Queue => {
                let seq = self.out.take_seq().unwrap();
                self.queue.push((seq, self.next_id, false));
                self.queued.push(self.next_id);
                self.next_id += 1;
            }
            Step::Send(again) => self.send(again),
            Step::Carry(a, b) => {
                if !self.to_rx.is_empty() {
                    let d = self.to_rx.remove(0);
                    match a {
                        Fate::Deliver => self.receive(d),
                        Fate::Lose => {}
                        Fate::Twice => {
                            self.receive(d);
                            self.receive(d);
                        }
                        Fate::Hold => self.held.push(d),
                    }
                }
                if !self.to_tx.is_empty() {
                    let a = self.to_tx.remove(0);
                    if !matches!(b, Fate::Lose) {
                        self.acked(a);
                    }
                }
            }
            Step::Release => {
                if let Some(d) = self.held.pop() {
                    self.receive(d);
                }
            }
            Step::Restart => {
                // A new generation always carries a bulk sync, at least
                // its `BulkDone`.
                self.out.restart();
                self.queue.clear();
                self.queued.clear();
                self.run(Step::Queue);
            }
        }
    }

    /// What the receiver applied of the sender's current generation is a
    /// prefix of what was queued in it, each once, in order.
    fn consistent(&self) -> bool {
        self.inn.gen != self.out.gen || self.queued.starts_with(&self.applied)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_message_is_applied_once_in_order(steps in proptest::collection::vec(step(), 0..300)) {
        let mut sim = Sim::new();
        for s in steps {
            sim.run(s);
            prop_assert!(sim.consistent(), "applied {:?} of {:?}", sim.applied, sim.queued);
            prop_assert!(sim.queue.len() <= sim.queued.len());
        }
        // Then a channel that loses nothing: the sender's timer resends
        // the window until everything is acknowledged.
        sim.held.clear();
        for _ in 0..10_000 {
            if sim.queue.is_empty() {
                break;
            }
            sim.to_rx.clear();
            sim.send(true);
            while !sim.to_rx.is_empty() || !sim.to_tx.is_empty() {
                sim.run(Step::Carry(Fate::Deliver, Fate::Deliver));
            }
        }
        prop_assert!(sim.queue.is_empty());
        prop_assert_eq!(&sim.applied, &sim.queued);
        prop_assert_eq!(sim.inn.ack(), (sim.out.gen, sim.out.next_seq - 1));
    }
}
