//! `nfd`: NFD-S, the failure detector of Chen, Toueg and Aguilera, "On the Quality of Service
//! of Failure Detectors" (IEEE Transactions on Computers 51(5), 2002), for synchronised clocks.
//!
//! The instance sends heartbeat i at σ_i = phase + i·η (`interval`; a random phase per
//! instance, drawn once: the schedule is agreed, so a recovered instance resumes it at its next
//! slot). The registry uses freshness points τ_i = σ_i + δ (`shift`): during [τ_i, τ_{i+1}) it
//! trusts the instance iff it has received some heartbeat j ≥ i. So receiving heartbeat j grants
//! trust until τ_{j+1} = σ_j + η + δ and no later: unlike a timeout counted from the last
//! arrival, a late heartbeat cannot extend trust past its own freshness point, and one arriving
//! after it grants nothing. Before the first freshness point (time 0 to τ_0) the instance is
//! trusted, as registered.
//!
//! Heartbeats carry their sequence number (32 bits; the registry restores the full number from
//! its own clock, so any delay under 2^32 intervals is fine). Evaluated eagerly: each heartbeat
//! is a send event and an arrival event, and each freshness point about one check (one pending
//! per instance, re-armed when a newer heartbeat has moved the deadline) — three queue events per
//! heartbeat, not drawn ahead as `heartbeat` and `phi` can.

use super::{Cost, Detector, DetectorCtx, DetectorEvent, DetectorFactory, Load, random_phase};
use crate::engine::SimTime;
use crate::ids::{InstanceId, PerInstance};
use crate::params::DefaultValue::{Derived, Fixed};
use crate::params::KeyError;
use crate::params::{Param, Strategy, Type, Value, Values};
use std::sync::Arc;

const SEND: u8 = 0;
const ARRIVE: u8 = 1;
const CHECK: u8 = 2;

pub const STRATEGY: Strategy<dyn DetectorFactory> = Strategy {
    name: "nfd",
    doc: "NFD-S (Chen, Toueg, Aguilera): heartbeat i keeps trust until its freshness point",
    params: &[
        Param {
            name: "interval", ty: Type::PositiveDuration, default: Fixed("1s"), doc: "η: time between heartbeats"
        },
        Param {
            name: "shift",
            ty: Type::PositiveDuration,
            default: Derived("interval"),
            doc: "δ: heartbeat i is fresh until its send time + interval + shift",
        },
    ],
    derived: &[],
    build,
};

#[derive(Debug)]
struct Factory {
    interval: SimTime,
    shift: SimTime,
}

/// δ defaults to η: detection then lies in (η, 2η], as for a heartbeat timeout of 2η.
fn build(values: &mut Values) -> Result<Arc<dyn DetectorFactory>, KeyError> {
    let interval = values.required_duration("interval")?;
    let shift = values.duration("shift").unwrap_or(interval);
    values.resolve("shift", Value::Duration(shift));
    Ok(Arc::new(Factory { interval, shift }))
}

impl DetectorFactory for Factory {
    /// Per heartbeat: its send, its arrival and about one check; a check and an arrival per
    /// crash (the expiry, the first heartbeat after the repair). Bytes per instance: its
    /// schedule, its deadline and its pending events.
    fn estimate(&self, load: &Load) -> Cost {
        let heartbeats = load.up_periods(self.interval);
        let queue_events = heartbeats * (2.0 + (1.0 - load.loss)) + 2.0 * load.crashes;
        Cost { queue_events, drawn_events: 0.0, bytes: 700.0 * load.instances }
    }

    fn build(&self, instances: u32) -> Box<dyn Detector> {
        Box::new(Nfd {
            interval: self.interval,
            shift: self.shift,
            phase: PerInstance::new(instances, 0),
            trusted_until: PerInstance::new(instances, 0),
            check_pending: PerInstance::new(instances, false),
        })
    }
}

struct Nfd {
    interval: SimTime,
    shift: SimTime,
    /// σ_0 of each instance's schedule: known to both sides (synchronised clocks).
    phase: PerInstance<SimTime>,
    /// τ_{j+1} for the newest heartbeat j received: the end of trust.
    trusted_until: PerInstance<SimTime>,
    check_pending: PerInstance<bool>,
}

impl Nfd {
    /// The slot index of the latest σ_i ≤ `at` (0 before the first).
    fn slot(&self, instance: InstanceId, at: SimTime) -> u64 {
        at.saturating_sub(self.phase[instance]) / self.interval
    }

    /// Instance side: sends heartbeat i now (if its up period is still on) and schedules i + 1.
    fn on_send(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        let instance = event.instance;
        if event.tag != ctx.instance_epoch(instance) {
            return; // a send chain of an earlier up period
        }
        // Truncation to 32 bits is undone on arrival (`sequence`).
        let i = self.slot(instance, ctx.now()) as u32;
        if let Some(at) = ctx.send(instance) {
            ctx.schedule_at(at, DetectorEvent { instance, kind: ARRIVE, tag: i });
        }
        ctx.schedule_in(self.interval, event);
    }

    /// The full sequence number of a heartbeat tagged `tag` arriving now: the latest slot up to
    /// now that agrees with it in its low 32 bits.
    fn sequence(&self, instance: InstanceId, tag: u32, now: SimTime) -> u64 {
        let current = self.slot(instance, now);
        current - u64::from((current as u32).wrapping_sub(tag))
    }

    /// Registry side: heartbeat j grants trust until τ_{j+1}, if that is still ahead.
    fn on_arrival(&mut self, instance: InstanceId, tag: u32, ctx: &mut dyn DetectorCtx) {
        let j = self.sequence(instance, tag, ctx.now());
        let fresh_until = self.phase[instance] + (j + 1) * self.interval + self.shift;
        if fresh_until <= ctx.now() {
            return; // past its freshness point: it cannot restore trust
        }
        let until = &mut self.trusted_until[instance];
        *until = (*until).max(fresh_until);
        ctx.mark_up(instance);
        if !self.check_pending[instance] {
            self.arm(instance, ctx);
        }
    }

    /// A freshness point is due: without a heartbeat fresh beyond it, suspect the instance
    /// (and wait for one); else check again at the new end of trust.
    fn on_check(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        self.check_pending[instance] = false;
        if ctx.now() >= self.trusted_until[instance] {
            ctx.mark_down(instance);
        } else {
            self.arm(instance, ctx);
        }
    }

    fn arm(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        self.check_pending[instance] = true;
        let event = DetectorEvent { instance, kind: CHECK, tag: 0 };
        ctx.schedule_at(self.trusted_until[instance], event);
    }

    /// The first send of an up period: the next slot of the instance's schedule from now.
    fn start_sending(&self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        let (now, phase) = (ctx.now(), self.phase[instance]);
        // The wait to the next σ_i at or after now (the schedule runs on through a crash);
        // phase < interval, so this never underflows.
        let wait = (phase + self.interval - now % self.interval) % self.interval;
        let tag = ctx.instance_epoch(instance);
        ctx.schedule_in(wait, DetectorEvent { instance, kind: SEND, tag });
    }
}

impl Detector for Nfd {
    /// Time 0: each instance draws its phase and is trusted until τ_0 = phase + δ.
    fn start(&mut self, ctx: &mut dyn DetectorCtx) {
        for instance in InstanceId::all(self.phase.len() as u32) {
            self.phase[instance] = random_phase(self.interval, ctx.rng(instance));
            self.trusted_until[instance] = self.phase[instance] + self.shift;
            self.arm(instance, ctx);
            self.start_sending(instance, ctx);
        }
    }

    fn on_instance_up(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        self.start_sending(instance, ctx);
    }

    fn on_instance_down(&mut self, _instance: InstanceId, _ctx: &mut dyn DetectorCtx) {}

    fn on_event(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        match event.kind {
            SEND => self.on_send(event, ctx),
            ARRIVE => self.on_arrival(event.instance, event.tag, ctx),
            _ => self.on_check(event.instance, ctx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nfd(phase: SimTime) -> Nfd {
        let factory = Factory { interval: 1_000, shift: 300 };
        let mut nfd = Nfd {
            interval: factory.interval,
            shift: factory.shift,
            phase: PerInstance::new(1, 0),
            trusted_until: PerInstance::new(1, 0),
            check_pending: PerInstance::new(1, false),
        };
        nfd.phase[InstanceId(0)] = phase;
        nfd
    }

    /// The registry restores a heartbeat's full sequence number from its 32-bit tag.
    #[test]
    fn sequence_numbers_survive_truncation_to_32_bits() {
        let n = nfd(250);
        let id = InstanceId(0);
        let big = (1u64 << 32) + 7;
        let sent = 250 + big * 1_000;
        assert_eq!(n.sequence(id, big as u32, sent + 10), big);
        assert_eq!(n.sequence(id, big as u32, sent + 5_500), big, "several intervals late");
        assert_eq!(n.sequence(id, 3, 250 + 3_000 + 10), 3);
        assert_eq!(n.slot(id, 100), 0, "before the first slot");
    }

    #[test]
    fn bad_parameters_are_errors() {
        for (text, key) in [
            ("interval = \"0s\"", "detector.interval"),
            ("shift = \"0s\"", "detector.shift"),
            ("shfit = \"1s\"", "detector.shfit"),
        ] {
            assert_eq!(super::super::error_key(&format!("kind = \"nfd\"\n{text}")), key, "{text}");
        }
    }

    /// Heavy-tailed delays (heartbeats overtaking each other and missing their freshness
    /// points), loss, restarts and every fault: it keeps working and stays deterministic.
    #[test]
    fn survives_every_fault_and_reproduces() {
        let a = super::super::run_hostile("kind = \"nfd\"\ninterval = \"1s\"\nshift = \"500ms\"\n");
        assert!(a.get("detection_time.count").unwrap() > 100.0);
        assert!(a.get("false_suspicions").unwrap() > 0.0, "late and lost heartbeats fool it");
    }
}
