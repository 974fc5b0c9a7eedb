//! Push heartbeats with a lease, evaluated lazily: the same model as `Beacon` + `Lease`, with
//! queue events only where the registry's view changes (or the world's promise below ends),
//! instead of one per send, per arrival and per check.
//!
//! Why: in the eager form a heartbeat costs three queue operations (send, arrival, half a
//! check) for a few random draws; the queue dominated the profile. Here an instance's sends are
//! drawn ahead of time, in send order from its link stream exactly as the eager form draws
//! them, as far as the world promises that the instance stays up with an unchanged link
//! (`Ctx::steady_until`). While the registry holds the instance up, each arrival only extends
//! the lease, so the detector folds the arrivals into `cover_end` (the lease holds through it)
//! and wakes once, where the lease would expire; a heartbeat that arrives later than that is
//! kept as pending. While the registry holds the instance down, the next arrival marks it up,
//! so the detector wakes at that arrival's time.
//!
//! Every instance has exactly one live wake-up event; older ones are stale by their tag. The
//! wake-up never comes after the first send not drawn, so at the horizon every send before
//! it has been drawn and the message counters are complete.

use super::{DetectorEvent, random_phase};
use crate::engine::SimTime;
use crate::world::{Ctx, View};

const NONE: SimTime = SimTime::MAX;

/// The event kind of a wake-up (the only kind this detector schedules).
const WAKE: u8 = 0;

struct Slot {
    /// Send time of the next heartbeat not drawn yet; NONE while the instance is down.
    next_send: SimTime,
    /// While the view is up: the lease holds through this time (last folded arrival +
    /// timeout); an arrival at or before it extends it.
    cover_end: SimTime,
    /// Arrival times of drawn heartbeats not folded into the lease (in no order).
    pending: Vec<SimTime>,
    /// Tag of the live wake-up event.
    wake: u32,
}

/// Per-instance heartbeat and lease state for one run.
pub struct LazyLease {
    interval: SimTime,
    timeout: SimTime,
    slots: Vec<Slot>,
}

impl LazyLease {
    pub fn new(instances: u32, interval: SimTime, timeout: SimTime) -> Self {
        let slot = || Slot { next_send: NONE, cover_end: timeout, pending: Vec::new(), wake: 0 };
        LazyLease { interval, timeout, slots: (0..instances).map(|_| slot()).collect() }
    }

    /// Time 0: every instance is registered (seen now, so the lease runs from 0) and starts
    /// beaconing.
    pub fn start(&mut self, ctx: &mut Ctx) {
        for instance in 0..self.slots.len() as u32 {
            self.on_up(instance, ctx);
        }
    }

    /// Each up period starts its heartbeats at a random phase, as the peer model does.
    pub fn on_up(&mut self, instance: u32, ctx: &mut Ctx) {
        let phase = random_phase(self.interval, ctx.rng(instance));
        self.slot(instance).next_send = ctx.now() + phase;
        self.advance(instance, ctx);
    }

    /// The instance has crashed: every send before now was drawn (a wake-up comes no later
    /// than the first send not drawn); it sends no more.
    pub fn on_down(&mut self, instance: u32, ctx: &mut Ctx) {
        debug_assert!(self.slot(instance).next_send >= ctx.now());
        self.slot(instance).next_send = NONE;
        self.advance(instance, ctx);
    }

    pub fn on_event(&mut self, event: DetectorEvent, ctx: &mut Ctx) {
        if event.kind == WAKE && event.tag == self.slot(event.instance).wake {
            self.advance(event.instance, ctx);
        }
    }

    fn slot(&mut self, instance: u32) -> &mut Slot {
        &mut self.slots[instance as usize]
    }

    /// Brings the instance up to now, changes the view if it is due now, and arms the next
    /// wake-up.
    fn advance(&mut self, instance: u32, ctx: &mut Ctx) {
        let now = ctx.now();
        if ctx.view(instance) == View::Up {
            self.draw_lease(instance, ctx);
            if now > self.slot(instance).cover_end {
                ctx.mark_down(instance);
            }
        }
        if ctx.view(instance) == View::Down {
            self.draw_next_arrival(instance, ctx);
            if self.arrive(instance, now) {
                ctx.mark_up(instance);
                self.draw_lease(instance, ctx);
            }
        }
        self.arm(instance, ctx);
    }

    /// View up: draws sends until the lease's expiry is known (the next send is after
    /// `cover_end`, so nothing sent from now on can arrive in time) or the world's promise
    /// ends.
    fn draw_lease(&mut self, instance: u32, ctx: &mut Ctx) {
        let bound = ctx.steady_until(instance).max(ctx.now() + 1);
        let (interval, timeout) = (self.interval, self.timeout);
        let slot = &mut self.slots[instance as usize];
        loop {
            slot.fold(timeout);
            if slot.next_send >= bound || slot.next_send > slot.cover_end {
                return;
            }
            if let Some(at) = slot.send(instance, interval, ctx) {
                if at <= slot.cover_end {
                    slot.cover_end = slot.cover_end.max(at.saturating_add(timeout));
                } else {
                    slot.pending.push(at);
                }
            }
        }
    }

    /// View down: draws sends until the next arrival is known (no later send can arrive
    /// before the earliest pending one) or the world's promise ends.
    fn draw_next_arrival(&mut self, instance: u32, ctx: &mut Ctx) {
        let bound = ctx.steady_until(instance).max(ctx.now() + 1);
        let interval = self.interval;
        let slot = &mut self.slots[instance as usize];
        while slot.next_send < bound && earliest(&slot.pending) > slot.next_send {
            if let Some(at) = slot.send(instance, interval, ctx) {
                slot.pending.push(at);
            }
        }
    }

    /// View down: takes in the heartbeats that have arrived by now; true if there were any.
    /// The lease then runs from now.
    fn arrive(&mut self, instance: u32, now: SimTime) -> bool {
        let timeout = self.timeout;
        let slot = self.slot(instance);
        if earliest(&slot.pending) > now {
            return false;
        }
        slot.pending.retain(|&at| at > now);
        slot.cover_end = now.saturating_add(timeout);
        true
    }

    /// Wakes where something is due: the lease's expiry or the next send to draw (view up),
    /// the next arrival or send to draw (view down). Nothing is due for a down instance with
    /// nothing in flight and no lease running.
    fn arm(&mut self, instance: u32, ctx: &mut Ctx) {
        let slot = self.slot(instance);
        let at = match ctx.view(instance) {
            View::Up if slot.next_send > slot.cover_end => slot.cover_end.saturating_add(1),
            View::Up => slot.next_send,
            View::Down => earliest(&slot.pending).min(slot.next_send),
        };
        if at == NONE {
            return;
        }
        slot.wake = slot.wake.wrapping_add(1);
        let event = DetectorEvent { instance, kind: WAKE, tag: slot.wake };
        ctx.schedule_at(at, event);
    }
}

impl Slot {
    /// Draws the next send over the instance's link: its arrival time, unless it is lost.
    fn send(&mut self, instance: u32, interval: SimTime, ctx: &mut Ctx) -> Option<SimTime> {
        let sent = self.next_send;
        self.next_send = sent.saturating_add(interval);
        ctx.send_at(instance, sent)
    }

    /// Folds every pending arrival that comes while the lease holds (each may extend it).
    fn fold(&mut self, timeout: SimTime) {
        while !self.pending.is_empty() {
            let before = self.pending.len();
            let cover_end = &mut self.cover_end;
            self.pending.retain(|&at| {
                let within = at <= *cover_end;
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
