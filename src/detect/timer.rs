//! `timer`: the registry probes each instance every `interval`; a probe fails when no reply
//! comes within `probe_timeout`; `failure_threshold` consecutive failures mark the instance
//! down, one success marks it up.

use super::{Cost, Detector, DetectorEvent, DetectorFactory, Load, params, positive, random_phase};
use crate::engine::SimTime;
use crate::engine::time::to_seconds;
use crate::scenario::KeyError;
use crate::world::Ctx;
use serde::Deserialize;
use std::sync::Arc;

const TICK: u8 = 0;
const PROBE_ARRIVE: u8 = 1;
const REPLY_ARRIVE: u8 = 2;
const PROBE_TIMEOUT: u8 = 3;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    interval: String,
    probe_timeout: Option<String>,
    failure_threshold: Option<u32>,
}

#[derive(Clone, Copy, Debug)]
struct Factory {
    interval: SimTime,
    probe_timeout: SimTime,
    failure_threshold: u32,
}

pub fn parse(value: toml::Value, key: &str) -> Result<Arc<dyn DetectorFactory>, KeyError> {
    let raw: Params = params(value, key)?;
    let interval = positive(key, "interval", &raw.interval)?;
    let probe_timeout = match &raw.probe_timeout {
        Some(text) => positive(key, "probe_timeout", text)?,
        None => interval / 2,
    };
    // One probe outstanding at a time keeps the failure count exact.
    if probe_timeout >= interval {
        return Err(KeyError::new(format!("{key}.probe_timeout"), "must be shorter than `interval`"));
    }
    let failure_threshold = raw.failure_threshold.unwrap_or(1);
    if failure_threshold == 0 {
        return Err(KeyError::new(format!("{key}.failure_threshold"), "must be at least 1"));
    }
    Ok(Arc::new(Factory { interval, probe_timeout, failure_threshold }))
}

impl DetectorFactory for Factory {
    fn parameters(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("interval", to_seconds(self.interval)),
            ("probe_timeout", to_seconds(self.probe_timeout)),
            ("failure_threshold", self.failure_threshold as f64),
        ]
    }

    /// Per probe: the tick, the probe's arrival, its timeout, and the reply's arrival from
    /// an instance that is up. Three pending events per instance.
    fn estimate(&self, load: &Load) -> Cost {
        let delivered = 1.0 - load.loss;
        let per_probe = 2.0 + delivered + load.up_fraction * delivered * delivered;
        Cost { queue_events: load.periods(self.interval) * per_probe, drawn_events: 0.0, bytes: 230.0 * load.instances }
    }

    fn build(&self, instances: u32) -> Box<dyn Detector> {
        let n = instances as usize;
        Box::new(Timer { config: *self, probe: vec![0; n], awaiting: vec![false; n], failures: vec![0; n] })
    }
}

struct Timer {
    config: Factory,
    /// Number of the latest probe sent to each instance.
    probe: Vec<u32>,
    /// Whether that probe is still waiting for its reply.
    awaiting: Vec<bool>,
    /// Consecutive failed probes.
    failures: Vec<u32>,
}

impl Timer {
    fn tick(&mut self, instance: u32, ctx: &mut Ctx) {
        let i = instance as usize;
        self.probe[i] = self.probe[i].wrapping_add(1);
        self.awaiting[i] = true;
        let event = DetectorEvent { instance, kind: PROBE_ARRIVE, tag: self.probe[i] };
        if let Some(at) = ctx.send(instance) {
            ctx.schedule_at(at, event);
        }
        // A reply exactly at the timeout still counts, hence the extra nanosecond.
        ctx.schedule_in(self.config.probe_timeout + 1, DetectorEvent { kind: PROBE_TIMEOUT, ..event });
        ctx.schedule_in(self.config.interval, DetectorEvent { kind: TICK, ..event });
    }

    /// Instance side: a live instance answers.
    fn answer(&mut self, event: DetectorEvent, ctx: &mut Ctx) {
        if ctx.instance_is_up(event.instance)
            && let Some(at) = ctx.send(event.instance)
        {
            ctx.schedule_at(at, DetectorEvent { kind: REPLY_ARRIVE, ..event });
        }
    }

    fn reply(&mut self, event: DetectorEvent, ctx: &mut Ctx) {
        let i = event.instance as usize;
        if event.tag == self.probe[i] && self.awaiting[i] {
            self.awaiting[i] = false;
            self.failures[i] = 0;
            ctx.mark_up(event.instance);
        }
    }

    fn timeout(&mut self, event: DetectorEvent, ctx: &mut Ctx) {
        let i = event.instance as usize;
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
    fn start(&mut self, ctx: &mut Ctx) {
        for instance in 0..self.probe.len() as u32 {
            let phase = random_phase(self.config.interval, ctx.rng(instance));
            ctx.schedule_in(phase, DetectorEvent { instance, kind: TICK, tag: 0 });
        }
    }

    fn on_instance_up(&mut self, _instance: u32, _ctx: &mut Ctx) {}

    fn on_instance_down(&mut self, _instance: u32, _ctx: &mut Ctx) {}

    fn on_event(&mut self, event: DetectorEvent, ctx: &mut Ctx) {
        match event.kind {
            TICK => self.tick(event.instance, ctx),
            PROBE_ARRIVE => self.answer(event, ctx),
            REPLY_ARRIVE => self.reply(event, ctx),
            _ => self.timeout(event, ctx),
        }
    }
}
