//! Push heartbeats with a lease, evaluated lazily: the same model as `Beacon` + `Lease`, with
//! one queue event per lease deadline instead of one per send, per arrival and per check.
//!
//! Why: in the eager form a heartbeat costs three queue operations (send, arrival, and half a
//! check) for work that is a few random draws; the queue dominated the profile. Here the
//! instance's sends are generated only when someone needs to know them — at a lease deadline,
//! at a crash, before a partition changes, at the horizon — in send order, drawing the same
//! link stream in the same order as the eager form. While the registry holds the instance up,
//! arrivals only move the lease, so they are taken in at the next deadline. While it holds the
//! instance down, the next arrival must mark it up at its exact time, so the detector wakes at
//! every send and arrival, as the eager form does.
//!
//! A heartbeat sent before a deadline and arriving after it is kept in one in-flight slot per
//! instance (a second one, possible only when delays exceed the interval, gets its own arrival
//! event). Every instance has exactly one live wake-up event; older ones are recognised as stale
//! by their tag.

use super::{DetectorEvent, random_phase};
use crate::engine::SimTime;
use crate::world::{Ctx, View};

const NONE: SimTime = SimTime::MAX;

/// Event kinds: the instance's one live wake-up, and the arrival of an overflow heartbeat.
pub const WAKE: u8 = 0;
pub const ARRIVE: u8 = 1;

#[derive(Clone, Copy)]
struct Slot {
    /// Send time of the next heartbeat not generated yet; NONE while the instance is down.
    next_send: SimTime,
    /// Latest arrival the registry has taken in.
    last_seen: SimTime,
    /// Arrival time of a generated heartbeat that had not arrived when it was generated.
    in_flight: SimTime,
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
        let slot = Slot {
            next_send: NONE,
            last_seen: 0,
            in_flight: NONE,
            wake: 0,
        };
        LazyLease {
            interval,
            timeout,
            slots: vec![slot; instances as usize],
        }
    }

    /// Time 0: every instance is registered (seen now) and starts beaconing.
    pub fn start(&mut self, ctx: &mut Ctx) {
        for instance in 0..self.slots.len() as u32 {
            self.on_up(instance, ctx);
            self.arm_lazy(instance, ctx);
        }
    }

    /// Each up period starts its heartbeats at a random phase, as the peer model does.
    pub fn on_up(&mut self, instance: u32, ctx: &mut Ctx) {
        let phase = random_phase(self.interval, ctx.rng(instance));
        self.slots[instance as usize].next_send = ctx.now() + phase;
        if ctx.view(instance) == View::Down {
            self.arm_eager(instance, ctx);
        }
    }

    /// The instance has crashed: what it sent before now still travels; it sends no more.
    pub fn on_down(&mut self, instance: u32, ctx: &mut Ctx) {
        self.generate(instance, ctx.now(), false, ctx);
        self.slots[instance as usize].next_send = NONE;
    }

    /// The link is about to change: sends before now went out under the old link state.
    pub fn before_link_change(&mut self, instance: u32, ctx: &mut Ctx) {
        self.generate(instance, ctx.now(), false, ctx);
    }

    /// Generates every send before the horizon, so the message counters are complete.
    pub fn finish(&mut self, horizon: SimTime, ctx: &mut Ctx) {
        for instance in 0..self.slots.len() as u32 {
            self.generate(instance, horizon, false, ctx);
        }
    }

    pub fn on_event(&mut self, event: DetectorEvent, ctx: &mut Ctx) {
        let instance = event.instance;
        match event.kind {
            WAKE if event.tag == self.slots[instance as usize].wake => {
                self.generate(instance, ctx.now(), true, ctx);
                match ctx.view(instance) {
                    View::Up => self.check(instance, ctx),
                    View::Down => self.watch(instance, ctx),
                }
            }
            ARRIVE => self.arrive(instance, ctx),
            _ => {}
        }
    }

    /// Sends every heartbeat due before `until` (or at it, if `inclusive`), in send order.
    fn generate(&mut self, instance: u32, until: SimTime, inclusive: bool, ctx: &mut Ctx) {
        let interval = self.interval;
        loop {
            let sent = self.slots[instance as usize].next_send;
            if sent > until || (sent == until && !inclusive) {
                return;
            }
            self.slots[instance as usize].next_send = sent.saturating_add(interval);
            if let Some(at) = ctx.send_at(instance, sent) {
                self.place(instance, at, ctx);
            }
        }
    }

    /// Files a generated heartbeat's arrival: taken in at once if it has arrived and the lease
    /// is running (the view is up), else kept in flight.
    fn place(&mut self, instance: u32, at: SimTime, ctx: &mut Ctx) {
        let slot = &mut self.slots[instance as usize];
        if at <= ctx.now() && ctx.view(instance) == View::Up {
            slot.last_seen = slot.last_seen.max(at);
        } else if slot.in_flight == NONE {
            slot.in_flight = at;
        } else {
            let event = DetectorEvent {
                instance,
                kind: ARRIVE,
                tag: 0,
            };
            ctx.schedule_at(at, event);
        }
    }

    /// A lease deadline (view up): expire the lease, or move the deadline.
    fn check(&mut self, instance: u32, ctx: &mut Ctx) {
        let now = ctx.now();
        let slot = &mut self.slots[instance as usize];
        if slot.in_flight <= now {
            slot.last_seen = slot.last_seen.max(slot.in_flight);
            slot.in_flight = NONE;
        }
        if now > slot.last_seen.saturating_add(self.timeout) {
            ctx.mark_down(instance);
            self.arm_eager(instance, ctx);
        } else {
            self.arm_lazy(instance, ctx);
        }
    }

    /// A send or an arrival is due while the view is down: an arrival marks the instance up.
    fn watch(&mut self, instance: u32, ctx: &mut Ctx) {
        let slot = &mut self.slots[instance as usize];
        if slot.in_flight <= ctx.now() {
            slot.in_flight = NONE;
            self.arrive(instance, ctx);
        } else {
            self.arm_eager(instance, ctx);
        }
    }

    /// A heartbeat arrives now: the instance is alive.
    fn arrive(&mut self, instance: u32, ctx: &mut Ctx) {
        let slot = &mut self.slots[instance as usize];
        slot.last_seen = slot.last_seen.max(ctx.now());
        if ctx.view(instance) == View::Down {
            ctx.mark_up(instance);
            self.arm_lazy(instance, ctx);
        }
    }

    /// View up: wake at the lease deadline, counting the heartbeat in flight, which is sure
    /// to arrive, if it arrives in time.
    fn arm_lazy(&mut self, instance: u32, ctx: &mut Ctx) {
        let slot = &self.slots[instance as usize];
        let expiry = |seen: SimTime| seen.saturating_add(self.timeout).saturating_add(1);
        let mut deadline = expiry(slot.last_seen);
        if slot.in_flight < deadline {
            deadline = expiry(slot.in_flight);
        }
        self.wake_at(instance, deadline, ctx);
    }

    /// View down: wake at the next send or arrival, if there is one.
    fn arm_eager(&mut self, instance: u32, ctx: &mut Ctx) {
        let slot = &self.slots[instance as usize];
        let at = slot.in_flight.min(slot.next_send);
        if at != NONE {
            self.wake_at(instance, at, ctx);
        }
    }

    /// Makes a wake-up at `at` the instance's only live one.
    fn wake_at(&mut self, instance: u32, at: SimTime, ctx: &mut Ctx) {
        let slot = &mut self.slots[instance as usize];
        slot.wake = slot.wake.wrapping_add(1);
        let event = DetectorEvent {
            instance,
            kind: WAKE,
            tag: slot.wake,
        };
        ctx.schedule_at(at, event);
    }
}
