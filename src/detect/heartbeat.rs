//! `heartbeat`: each instance pushes a heartbeat every `interval`; the registry marks it down
//! when nothing arrived for longer than `timeout` (default 2 × interval, the source document's
//! setting) and up again when a heartbeat arrives.

use super::lease::{Beacon, Lease};
use super::{Detector, DetectorEvent, DetectorFactory, params, positive, random_phase};
use crate::engine::SimTime;
use crate::engine::time::to_seconds;
use crate::scenario::KeyError;
use crate::world::Ctx;
use serde::Deserialize;
use std::sync::Arc;

const SEND: u8 = 0;
const ARRIVE: u8 = 1;
const CHECK: u8 = 2;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    interval: String,
    timeout: Option<String>,
}

#[derive(Debug)]
struct Factory {
    interval: SimTime,
    timeout: SimTime,
}

pub fn parse(value: toml::Value, key: &str) -> Result<Arc<dyn DetectorFactory>, KeyError> {
    let raw: Params = params(value, key)?;
    let interval = positive(key, "interval", &raw.interval)?;
    let timeout = match &raw.timeout {
        Some(text) => positive(key, "timeout", text)?,
        None => 2 * interval,
    };
    Ok(Arc::new(Factory { interval, timeout }))
}

impl DetectorFactory for Factory {
    fn parameters(&self) -> Vec<(&'static str, f64)> {
        vec![("interval", to_seconds(self.interval)), ("timeout", to_seconds(self.timeout))]
    }

    fn build(&self, instances: u32) -> Box<dyn Detector> {
        Box::new(Heartbeat {
            beacon: Beacon { interval: self.interval, send_kind: SEND, arrive_kind: ARRIVE },
            lease: Lease::new(instances, self.timeout, CHECK),
            instances,
        })
    }
}

struct Heartbeat {
    beacon: Beacon,
    lease: Lease,
    instances: u32,
}

impl Detector for Heartbeat {
    fn start(&mut self, ctx: &mut Ctx) {
        self.lease.start(ctx);
        for instance in 0..self.instances {
            self.on_instance_up(instance, ctx);
        }
    }

    /// Each up period starts its heartbeats at a random phase, as the peer model does.
    fn on_instance_up(&mut self, instance: u32, ctx: &mut Ctx) {
        let phase = random_phase(self.beacon.interval, ctx.rng(instance));
        self.beacon.start(instance, phase, ctx);
    }

    fn on_instance_down(&mut self, _instance: u32, _ctx: &mut Ctx) {}

    fn on_event(&mut self, event: DetectorEvent, ctx: &mut Ctx) {
        match event.kind {
            SEND => self.beacon.on_send(event, ctx),
            ARRIVE => self.lease.on_arrival(event.instance, ctx),
            _ => self.lease.on_check(event.instance, ctx),
        }
    }
}
