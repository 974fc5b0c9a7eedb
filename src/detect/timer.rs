//! `timer`: the registry probes each instance every `interval`; a probe fails when no reply
//! comes within `probe_timeout`; `failure_threshold` consecutive failures mark the instance
//! down, one success marks it up.

use super::DetectorCtx;
use super::{Cost, Detector, DetectorEvent, DetectorFactory, Load, random_phase};
use crate::engine::SimTime;
use crate::ids::{InstanceId, PerInstance};
use crate::params::DefaultValue::{Derived, Fixed, Required};
use crate::params::KeyError;
use crate::params::{Param, Strategy, Type, Value, Values};
use std::sync::Arc;

const TICK: u8 = 0;
const PROBE_ARRIVE: u8 = 1;
const REPLY_ARRIVE: u8 = 2;
const PROBE_TIMEOUT: u8 = 3;

pub(super) const STRATEGY: Strategy<dyn DetectorFactory> = Strategy {
    name: "timer",
    doc: "the registry probes each instance; consecutive failed probes mark it down",
    params: &[
        Param { name: "interval", ty: Type::PositiveDuration, default: Required, doc: "time between probes" },
        Param {
            name: "probe_timeout",
            ty: Type::PositiveDuration,
            default: Derived("interval / 2"),
            doc: "wait for a reply before the probe fails; below interval",
        },
        Param {
            name: "failure_threshold",
            ty: Type::Count { min: 1, max: u32::MAX as u64 },
            default: Fixed("1"),
            doc: "consecutive failed probes that mark the instance down",
        },
    ],
    derived: &[],
    build,
};

#[derive(Clone, Copy, Debug)]
struct Factory {
    interval: SimTime,
    probe_timeout: SimTime,
    failure_threshold: u32,
}

fn build(values: &mut Values) -> Result<Arc<dyn DetectorFactory>, KeyError> {
    let interval = values.required_duration("interval")?;
    let probe_timeout = values.duration("probe_timeout").unwrap_or(interval / 2);
    // One probe outstanding at a time keeps the failure count exact.
    if probe_timeout >= interval {
        return Err(KeyError::new(values.key_of("probe_timeout"), "must be shorter than `interval`"));
    }
    values.resolve("probe_timeout", Value::Duration(probe_timeout));
    let failure_threshold = values.required_u32("failure_threshold")?;
    Ok(Arc::new(Factory { interval, probe_timeout, failure_threshold }))
}

impl DetectorFactory for Factory {
    /// Per probe: the tick, the probe's arrival, its timeout, and the reply's arrival from
    /// an instance that is up. Three pending events per instance.
    fn estimate(&self, load: &Load) -> Cost {
        let delivered = 1.0 - load.loss;
        let per_probe = 2.0 + delivered + load.up_fraction * delivered * delivered;
        Cost { queue_events: load.periods(self.interval) * per_probe, drawn_events: 0.0, bytes: 230.0 * load.instances }
    }

    fn build(&self, instances: u32) -> Box<dyn Detector> {
        let n = instances;
        Box::new(Timer {
            config: *self,
            probe: PerInstance::new(n, 0),
            awaiting: PerInstance::new(n, false),
            failures: PerInstance::new(n, 0),
        })
    }
}

struct Timer {
    config: Factory,
    /// Number of the latest probe sent to each instance.
    probe: PerInstance<u32>,
    /// Whether that probe is still waiting for its reply.
    awaiting: PerInstance<bool>,
    /// Consecutive failed probes.
    failures: PerInstance<u32>,
}

impl Timer {
    fn tick(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        self.probe[instance] = self.probe[instance].wrapping_add(1);
        self.awaiting[instance] = true;
        let event = DetectorEvent { instance, kind: PROBE_ARRIVE, tag: self.probe[instance] };
        if let Some(at) = ctx.send(instance) {
            ctx.schedule_at(at, event);
        }
        // A reply exactly at the timeout still counts, hence the extra nanosecond.
        ctx.schedule_in(self.config.probe_timeout + 1, DetectorEvent { kind: PROBE_TIMEOUT, ..event });
        ctx.schedule_in(self.config.interval, DetectorEvent { kind: TICK, ..event });
    }

    /// Instance side: a live instance answers.
    fn answer(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        if ctx.instance_is_up(event.instance)
            && let Some(at) = ctx.send(event.instance)
        {
            ctx.schedule_at(at, DetectorEvent { kind: REPLY_ARRIVE, ..event });
        }
    }

    fn reply(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        let i = event.instance;
        if event.tag == self.probe[i] && self.awaiting[i] {
            self.awaiting[i] = false;
            self.failures[i] = 0;
            ctx.mark_up(event.instance);
        }
    }

    fn timeout(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        let i = event.instance;
        if event.tag == self.probe[i] && self.awaiting[i] {
            self.awaiting[i] = false;
            self.failures[i] += 1;
            if self.failures[i] >= self.config.failure_threshold {
                ctx.mark_down(event.instance);
            }
        }
    }
}

impl Detector for Timer {
    fn start(&mut self, ctx: &mut dyn DetectorCtx) {
        for instance in InstanceId::all(self.probe.len() as u32) {
            let phase = random_phase(self.config.interval, ctx.rng(instance));
            ctx.schedule_in(phase, DetectorEvent { instance, kind: TICK, tag: 0 });
        }
    }

    fn on_instance_up(&mut self, _instance: InstanceId, _ctx: &mut dyn DetectorCtx) {}

    fn on_instance_down(&mut self, _instance: InstanceId, _ctx: &mut dyn DetectorCtx) {}

    fn on_event(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        match event.kind {
            TICK => self.tick(event.instance, ctx),
            PROBE_ARRIVE => self.answer(event, ctx),
            REPLY_ARRIVE => self.reply(event, ctx),
            _ => self.timeout(event, ctx),
        }
    }
}
