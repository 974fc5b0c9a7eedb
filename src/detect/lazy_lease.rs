//! Push heartbeats with a lease, evaluated lazily: the same model as `Beacon` + `Lease`, with
//! queue events only where the registry's view changes (or the world's promise below ends),
//! instead of one per send, per arrival and per check.
//!
//! Why: in the eager form a heartbeat costs three queue operations (send, arrival, half a
//! check) for a few random draws; the queue dominated the profile. Here an instance's sends are
//! drawn ahead of time, in send order from its link stream exactly as the eager form draws
//! them, as far as the world promises that the instance stays up with an unchanged link
//! (`DetectorCtx::steady_until`).
//!
//! The eager lease is mirrored exactly: an arrival marks the instance up and starts the lease
//! if it is not running; a running lease expires `timeout` after the last arrival and marks
//! the instance down. While the lease runs and the view is up, an arrival changes nothing
//! visible but the expiry, so the detector folds such arrivals into `cover_end` (the lease
//! holds through it) and wakes only where the lease would expire. Otherwise — the view down,
//! or the lease stopped, which the world can also cause (a leave or join sets the view
//! itself) — every arrival is visible, and the detector wakes at each. Only arrivals before
//! the world's promise ends are folded ahead of time, so a view change at a scheduled fault
//! still sees the heartbeats in flight then.
//!
//! Every instance has exactly one live wake-up event; older ones are stale by their tag. The
//! wake-up never comes after the first send not drawn, so at the horizon every send before
//! it has been drawn and the message counters are complete.

use super::{DetectorCtx, View};
use super::{DetectorEvent, random_phase};
use crate::engine::SimTime;
use crate::ids::{InstanceId, PerInstance};
use smallvec::SmallVec;

const NONE: SimTime = SimTime::MAX;

/// The event kind of a wake-up (the only kind this detector schedules).
const WAKE: u8 = 0;

/// One instance's state, aligned to a cache line of its own: at 10⁶ instances a wake-up's
/// cost is the misses it takes, and an unaligned 64-byte slot straddles two lines.
#[repr(align(64))]
struct Slot {
    /// Send time of the next heartbeat not drawn yet; NONE while the instance is down.
    next_send: SimTime,
    /// While the lease runs: it holds through this time (last arrival + timeout).
    cover_end: SimTime,
    /// Whether the lease runs (the eager form's "check pending").
    running: bool,
    /// Arrival times of drawn heartbeats not taken in yet (in no order). Rarely more than two,
    /// so they sit in the slot: at 10⁶ instances a separate allocation is a second cache miss
    /// per wake-up.
    pending: SmallVec<[SimTime; 2]>,
    /// Tag and time of the live wake-up event (NONE: there is none).
    wake: u32,
    wake_at: SimTime,
}

/// Per-instance heartbeat and lease state for one run.
pub(super) struct LazyLease {
    interval: SimTime,
    timeout: SimTime,
    /// The `jump` evaluation: the links are drawn in runs of ordinary heartbeats, delivered
    /// within this delay (see `jump_threshold`).
    jump: Option<SimTime>,
    slots: PerInstance<Slot>,
}

/// The delay θ up to which a heartbeat cannot change the view while the lease holds, if the
/// timeout exceeds the interval: θ = min(interval, timeout − interval). Within a run of such
/// heartbeats, each arrives before the next is sent (θ ≤ interval) and before the lease set by
/// the one before expires (interval + θ ≤ timeout), so the run extends the lease to its last
/// arrival + timeout and nothing else: only that arrival's delay needs drawing.
pub(super) fn jump_threshold(interval: SimTime, timeout: SimTime) -> Option<SimTime> {
    (timeout > interval).then(|| interval.min(timeout - interval))
}

impl LazyLease {
    /// `jump`: draw the links in runs (the threshold of `jump_threshold`), or one send at a time.
    pub(super) fn new(instances: u32, interval: SimTime, timeout: SimTime, jump: Option<SimTime>) -> Self {
        let slot = || Slot {
            next_send: NONE,
            cover_end: timeout,
            running: true,
            pending: SmallVec::new(),
            wake: 0,
            wake_at: NONE,
        };
        LazyLease { interval, timeout, jump, slots: InstanceId::all(instances).map(|_| slot()).collect() }
    }

    /// Time 0: every instance is registered (seen now, so the lease runs from 0) and starts
    /// beaconing.
    pub(super) fn start(&mut self, ctx: &mut dyn DetectorCtx) {
        for instance in InstanceId::all(self.slots.len() as u32) {
            self.on_up(instance, ctx);
        }
    }

    /// Each up period starts its heartbeats at a random phase (as the SimPy model in `bench/` does).
    pub(super) fn on_up(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        let phase = random_phase(self.interval, ctx.rng(instance));
        self.slot(instance).next_send = ctx.now() + phase;
        self.advance(instance, ctx);
    }

    /// The instance has crashed: every send before now was drawn (a wake-up comes no later
    /// than the first send not drawn); it sends no more.
    pub(super) fn on_down(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        debug_assert!(self.slot(instance).next_send >= ctx.now());
        self.slot(instance).next_send = NONE;
        self.advance(instance, ctx);
    }

    pub(super) fn on_event(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        let slot = self.slot(event.instance);
        if event.kind == WAKE && event.tag == slot.wake {
            slot.wake_at = NONE;
            self.advance(event.instance, ctx);
        }
    }

    /// Starts loading the instance's slot into the cache (`Detector::prefetch`).
    pub(super) fn prefetch(&self, instance: InstanceId) {
        self.slots.prefetch(instance);
    }

    fn slot(&mut self, instance: InstanceId) -> &mut Slot {
        &mut self.slots[instance]
    }

    /// Brings the instance up to now — draws what is due, takes in the arrivals due now,
    /// expires the lease if due now — and arms the next wake-up.
    fn advance(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        let steady = ctx.steady_until(instance);
        let bound = steady.max(ctx.now() + 1);
        let folding = self.folding(instance, ctx);
        self.draw(instance, bound, folding, ctx);
        if self.take_arrivals(instance, folding, ctx) && !folding {
            // The arrival started folding (view up, lease running): draw ahead again.
            self.draw(instance, bound, self.folding(instance, ctx), ctx);
        }
        let slot = self.slot(instance);
        if slot.running && ctx.now() > slot.cover_end {
            slot.running = false;
            ctx.mark_down(instance);
        }
        self.arm(instance, steady, ctx);
    }

    /// Whether arrivals are invisible but for the expiry: the lease runs and the view is up.
    fn folding(&self, instance: InstanceId, ctx: &dyn DetectorCtx) -> bool {
        self.slots[instance].running && ctx.view(instance) == View::Up
    }

    /// Draws sends before `bound`: while folding, until the lease's expiry is known (the next
    /// send is after `cover_end`, so nothing sent from then on arrives in time), folding each
    /// arrival before `bound` that comes while the lease holds; otherwise until the next
    /// arrival is known (no later send can arrive before the earliest pending one).
    fn draw(&mut self, instance: InstanceId, bound: SimTime, folding: bool, ctx: &mut dyn DetectorCtx) {
        let (interval, timeout) = (self.interval, self.timeout);
        let slot = &mut self.slots[instance];
        loop {
            if folding {
                slot.fold(timeout, bound);
            }
            let next = slot.next_send;
            let known = if folding { next > slot.cover_end } else { earliest(&slot.pending) <= next };
            if next >= bound || known {
                return;
            }
            if folding && slot.jump_run(instance, (interval, timeout), self.jump, bound, ctx) {
                continue;
            }
            match slot.send(instance, interval, ctx) {
                Some(at) if folding && at <= slot.cover_end && at < bound => {
                    slot.cover_end = slot.cover_end.max(at.saturating_add(timeout));
                }
                Some(at) => slot.pending.push(at),
                None => {}
            }
        }
    }

    /// Takes in the heartbeats that have arrived by now; true if there were any. While not
    /// folding, an arrival marks the instance up and (re)starts the lease from now.
    fn take_arrivals(&mut self, instance: InstanceId, folding: bool, ctx: &mut dyn DetectorCtx) -> bool {
        let (now, timeout) = (ctx.now(), self.timeout);
        let slot = self.slot(instance);
        if earliest(&slot.pending) > now {
            return false;
        }
        // The wake-up came at the earliest pending arrival, so those taken in arrive now.
        // Folding, the lease may already hold longer (arrivals folded ahead of time).
        slot.pending.retain(|at| *at > now);
        slot.cover_end = match folding {
            true => slot.cover_end.max(now.saturating_add(timeout)),
            false => now.saturating_add(timeout),
        };
        if !folding {
            slot.running = true;
            ctx.mark_up(instance);
        }
        true
    }

    /// Wakes at the first of: the lease's expiry (if it runs), the earliest pending arrival,
    /// and the next send to draw. Nothing is due for a down instance with nothing in flight
    /// and no lease running. `steady`: the world's promise (`DetectorCtx::steady_until`).
    fn arm(&mut self, instance: InstanceId, steady: SimTime, ctx: &mut dyn DetectorCtx) {
        let slot = &mut self.slots[instance];
        let expiry = match slot.running {
            true => slot.cover_end.saturating_add(1),
            false => NONE,
        };
        let mut next_send = slot.next_send;
        if next_send != NONE && next_send >= steady && ctx.fails_at_steady_end(instance) {
            // The instance fails before this send, and its failure advances it anyway.
            next_send = NONE;
        }
        let at = expiry.min(earliest(&slot.pending)).min(next_send);
        if at == slot.wake_at {
            // Keep the live event: the same time, and its place among simultaneous events
            // (the eager form's order; it matters to whoever draws at each view change).
            return;
        }
        slot.wake = slot.wake.wrapping_add(1);
        slot.wake_at = at;
        if at == NONE {
            return;
        }
        let event = DetectorEvent { instance, kind: WAKE, tag: slot.wake };
        ctx.schedule_at(at, event);
    }
}

impl Slot {
    /// While folding: takes the run of ordinary heartbeats from the next send on, up to
    /// `bound`, in one step, if the first of them certainly arrives while the lease holds
    /// (then all do: see `jump_threshold`). Only the last one's delay is drawn; its arrival
    /// extends the lease — or, if it comes at or after `bound`, waits in `pending`, and the
    /// one before it (which arrives before the last is sent) extends the lease instead. False
    /// if there was no run to take.
    fn jump_run(
        &mut self,
        instance: InstanceId,
        (interval, timeout): (SimTime, SimTime),
        threshold: Option<SimTime>,
        bound: SimTime,
        ctx: &mut dyn DetectorCtx,
    ) -> bool {
        let Some(threshold) = threshold else { return false };
        let next = self.next_send;
        if next.saturating_add(threshold) > self.cover_end {
            return false;
        }
        let before_bound = (bound - next).div_ceil(interval);
        let run = ctx.ordinary_run(instance, before_bound);
        if run == 0 {
            return false;
        }
        let last = next + (run - 1) * interval;
        self.next_send = last.saturating_add(interval);
        let mut arrival = last.saturating_add(ctx.ordinary_delay(instance));
        if arrival >= bound {
            self.pending.push(arrival);
            if run == 1 {
                return true;
            }
            arrival = (last - interval).saturating_add(ctx.ordinary_delay(instance));
        }
        self.cover_end = self.cover_end.max(arrival.saturating_add(timeout));
        true
    }

    /// Draws the next send over the instance's link: its arrival time, unless it is lost.
    fn send(&mut self, instance: InstanceId, interval: SimTime, ctx: &mut dyn DetectorCtx) -> Option<SimTime> {
        let sent = self.next_send;
        self.next_send = sent.saturating_add(interval);
        ctx.send_at(instance, sent)
    }

    /// Folds every pending arrival before `bound` that comes while the lease holds (each may
    /// extend it).
    fn fold(&mut self, timeout: SimTime, bound: SimTime) {
        while !self.pending.is_empty() {
            let before = self.pending.len();
            let cover_end = &mut self.cover_end;
            self.pending.retain(|at| {
                let at = *at;
                let within = at <= *cover_end && at < bound;
                if within {
                    *cover_end = (*cover_end).max(at.saturating_add(timeout));
                }
                !within
            });
            if self.pending.len() == before {
                return;
            }
        }
    }
}

fn earliest(arrivals: &[SimTime]) -> SimTime {
    arrivals.iter().copied().min().unwrap_or(NONE)
}
