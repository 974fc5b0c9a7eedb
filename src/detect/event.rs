//! `event`: a crash emits a notification (a connection reset, a session close) that travels
//! over the network to the registry and can be lost; the fallback is the session: the instance
//! pings every `ping_interval` (default a third of the timeout, as ZooKeeper clients do) and
//! the registry expires the session after `session_timeout` without a ping. A recovered
//! instance re-registers at once with its first ping.

use super::DetectorCtx;
use super::lease::{Beacon, Lease};
use super::{Cost, Detector, DetectorEvent, DetectorFactory, Load, random_phase};
use crate::engine::SimTime;
use crate::ids::{InstanceId, PerInstance};
use crate::params::DefaultValue::{Derived, Required};
use crate::params::KeyError;
use crate::params::{Param, Strategy, Type, Value, Values};
use std::sync::Arc;

const PING: u8 = 0;
const PING_ARRIVE: u8 = 1;
const CHECK: u8 = 2;
const NOTIFICATION: u8 = 3;

pub(super) const STRATEGY: Strategy<dyn DetectorFactory> = Strategy {
    name: "event",
    doc: "a crash notification over the network, with a session lease as the fallback",
    params: &[
        Param {
            name: "session_timeout",
            ty: Type::PositiveDuration,
            default: Required,
            doc: "silence after which the registry expires the session",
        },
        Param {
            name: "ping_interval",
            ty: Type::PositiveDuration,
            default: Derived("session_timeout / 3"),
            doc: "time between the instance's session pings",
        },
    ],
    derived: &[],
    build,
};

#[derive(Clone, Copy, Debug)]
struct Factory {
    session_timeout: SimTime,
    ping_interval: SimTime,
}

fn build(values: &mut Values) -> Result<Arc<dyn DetectorFactory>, KeyError> {
    let session_timeout = values.required_duration("session_timeout")?;
    let ping_interval = values.duration("ping_interval").unwrap_or((session_timeout / 3).max(1));
    values.resolve("ping_interval", Value::Duration(ping_interval));
    Ok(Arc::new(Factory { session_timeout, ping_interval }))
}

impl DetectorFactory for Factory {
    /// Per ping of an instance that is up: its send, its arrival and half a session check;
    /// per crash, the notification and the session's expiry. Bytes per instance measured at
    /// 100 000 instances (mostly pending events).
    fn estimate(&self, load: &Load) -> Cost {
        let pings = load.up_periods(self.ping_interval);
        let queue_events = pings * (1.5 + (1.0 - load.loss)) + 2.0 * load.crashes;
        Cost { queue_events, drawn_events: 0.0, bytes: 670.0 * load.instances }
    }

    /// Every session ping that arrives renews the session.
    fn counts_renewals(&self) -> bool {
        true
    }

    fn build(&self, instances: u32) -> Box<dyn Detector> {
        Box::new(EventDetector {
            beacon: Beacon { interval: self.ping_interval, send_kind: PING, arrive_kind: PING_ARRIVE },
            lease: Lease::new(instances, self.session_timeout, CHECK),
            closed: PerInstance::new(instances, u32::MAX),
            session: PerInstance::new(instances, 0),
            instances,
        })
    }
}

struct EventDetector {
    beacon: Beacon,
    lease: Lease,
    /// Per instance, the session (up period's epoch) that a notification closed: its late
    /// pings are ignored, as a registry with session ids would.
    closed: PerInstance<u32>,
    /// Per instance, the session of the latest ping the registry accepted.
    session: PerInstance<u32>,
    instances: u32,
}

impl EventDetector {
    /// The tag is the down period's epoch; the session it closes is the up period before it.
    /// Closing a session the registry has already seen replaced changes nothing.
    fn on_notification(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        let i = event.instance;
        let session = event.tag.wrapping_sub(1);
        self.closed[i] = session;
        if self.session[i] == session {
            ctx.mark_down(event.instance);
        }
    }
}

impl Detector for EventDetector {
    fn start(&mut self, ctx: &mut dyn DetectorCtx) {
        self.lease.start(ctx);
        for instance in InstanceId::all(self.instances) {
            let phase = random_phase(self.beacon.interval, ctx.rng(instance));
            self.beacon.start(instance, phase, ctx);
        }
    }

    fn on_instance_up(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        self.beacon.start(instance, 0, ctx);
    }

    /// The crash's notification, tagged with the session (the epoch of the down period).
    fn on_instance_down(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        if let Some(at) = ctx.send(instance) {
            let tag = ctx.instance_epoch(instance);
            ctx.schedule_at(at, DetectorEvent { instance, kind: NOTIFICATION, tag });
        }
    }

    fn on_event(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        match event.kind {
            PING => self.beacon.on_send(event, ctx),
            PING_ARRIVE if event.tag == self.closed[event.instance] => {}
            PING_ARRIVE => {
                self.session[event.instance] = event.tag;
                self.lease.on_arrival(event.instance, ctx);
            }
            CHECK => self.lease.on_check(event.instance, ctx),
            _ => self.on_notification(event, ctx),
        }
    }
}
