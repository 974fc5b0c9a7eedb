//! Measurements of `discosim bench`: the engine on a scenario, and the floor of any heap-driven
//! engine — a bare `BinaryHeap` push/pop loop holding as many pending events and popping as
//! many — with the same loop on discosim's own queue beside it.
//!
//! Why a floor: an engine that puts every event through a binary heap can go no faster than
//! the heap alone. The floor loop is the "hold" model: pop the earliest event, push one at a
//! random time ahead, with the engine's peak pending count and mean lookahead.

use crate::engine::EventQueue;
use crate::engine::random::replication_seed;
use crate::model::Scenario;
use crate::run::run_replication;
use crate::world::{Event, World};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Instant;

/// The floor loop's event: the engine's entry size (time, sequence, 16-byte payload).
type FloorEntry = Reverse<(u64, u64, [u32; 4])>;

/// One scenario's engine figures: wall times of `runs` runs of replication 0, its queue
/// events, and what it models.
pub(crate) struct EngineFigures {
    pub walls: Vec<f64>,
    pub events: u64,
    pub peak_pending: u64,
    pub horizon: u64,
    pub messages_sent: u64,
    pub messages_delivered: u64,
    /// Failure-process events (crashes and repairs, stale ones included).
    pub failure_events: u64,
}

impl EngineFigures {
    /// Simulated nanoseconds between an event's scheduling and its time, on average (Little's
    /// law with the peak pending count).
    pub(crate) fn lookahead(&self) -> u64 {
        (self.peak_pending as u128 * self.horizon as u128 / self.events.max(1) as u128) as u64
    }

    /// Queue events of an engine with one event per send, per arrival and per failure-process
    /// event: a lower bound for any event-per-message engine (the eager heartbeat also had
    /// lease checks).
    pub(crate) fn per_message_events(&self) -> u64 {
        self.messages_sent + self.messages_delivered + self.failure_events
    }
}

/// Runs replication 0 of `scenario` `runs` times (timed as `discosim run` times it), plus
/// once untimed to count what it models.
pub(crate) fn engine(scenario: &Scenario, runs: usize) -> EngineFigures {
    let records: Vec<_> = (0..runs.max(1)).map(|_| run_replication(scenario, 0, 0)).collect();
    let first = &records[0];
    let metric = |name: &str| first.metrics.get(name).unwrap_or(0.0) as u64;
    let mut failure_events = 0;
    let seed = replication_seed(scenario.seed, 0);
    World::new(scenario, seed).run_observed(|_, event| {
        if matches!(event, Event::Fail { .. } | Event::Repair { .. }) {
            failure_events += 1;
        }
    });
    EngineFigures {
        walls: records.iter().map(|r| r.work.wall_seconds).collect(),
        events: first.work.events,
        peak_pending: first.work.peak_pending,
        horizon: scenario.horizon,
        messages_sent: metric("messages_sent"),
        messages_delivered: metric("messages_sent") - metric("messages_lost"),
        failure_events,
    }
}

/// A small xorshift generator: the floor's random lookaheads, uniform on [0, 2 × mean).
struct Gaps {
    state: u64,
    span: u64,
}

impl Gaps {
    fn new(mean: u64) -> Self {
        Gaps { state: 0x9E37_79B9_7F4A_7C15, span: (2 * mean).max(1) }
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state % self.span
    }
}

/// Seconds for `pops` pop-then-push rounds of a `BinaryHeap` holding `pending` events.
pub(crate) fn binary_heap_floor(pending: usize, pops: u64, lookahead: u64) -> f64 {
    heap_rounds(pending, pops, lookahead, |_| {})
}

/// The floor's loop; `observe` sees every popped payload (a no-op when measuring).
fn heap_rounds(pending: usize, pops: u64, lookahead: u64, mut observe: impl FnMut([u32; 4])) -> f64 {
    let mut gaps = Gaps::new(lookahead);
    let mut heap: BinaryHeap<FloorEntry> = BinaryHeap::with_capacity(pending + 1);
    for seq in 0..pending as u64 {
        heap.push(Reverse((gaps.next(), seq, [seq as u32; 4])));
    }
    let started = Instant::now();
    for seq in pending as u64..pending as u64 + pops {
        let Some(Reverse((time, _, payload))) = heap.pop() else {
            break;
        };
        observe(payload);
        heap.push(Reverse((time + gaps.next(), seq, payload)));
    }
    let seconds = started.elapsed().as_secs_f64();
    black_box(heap);
    seconds
}

/// The same loop on discosim's `EventQueue`.
pub(crate) fn event_queue_loop(pending: usize, pops: u64, lookahead: u64) -> f64 {
    queue_rounds(pending, pops, lookahead, |_| {})
}

fn queue_rounds(pending: usize, pops: u64, lookahead: u64, mut observe: impl FnMut([u32; 4])) -> f64 {
    let mut gaps = Gaps::new(lookahead);
    let mut queue = EventQueue::new();
    for seq in 0..pending as u32 {
        queue.schedule_at(gaps.next(), [seq; 4]);
    }
    let started = Instant::now();
    for _ in 0..pops {
        let Some(payload) = queue.pop_before(u64::MAX) else {
            break;
        };
        observe(payload);
        queue.schedule_in(gaps.next(), payload);
    }
    let seconds = started.elapsed().as_secs_f64();
    black_box(queue.pending());
    seconds
}

/// The median of `runs` timings of `measure`.
pub(crate) fn median_of(runs: usize, mut measure: impl FnMut() -> f64) -> f64 {
    median((0..runs.max(1)).map(|_| measure()).collect())
}

pub(crate) fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => xs[n / 2],
        _ => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The comparison is fair only if both loops do the same work: the engine's queue must pop
    /// the floor's events in the floor's (time, sequence) order, ties included.
    #[test]
    fn the_queue_pops_what_the_floor_pops_in_the_same_order() {
        for lookahead in [1_000_000, 3] {
            let (mut floor, mut engine) = (Vec::new(), Vec::new());
            heap_rounds(100, 5000, lookahead, |p| floor.push(p));
            queue_rounds(100, 5000, lookahead, |p| engine.push(p));
            assert_eq!(floor.len(), 5000);
            assert_eq!(floor, engine, "lookahead {lookahead}");
        }
    }

    #[test]
    fn medians_are_medians() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
    }
}
