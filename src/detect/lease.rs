//! Building blocks shared by push detectors: an instance-side beacon that sends a message every
//! `interval`, and a registry-side lease that expires after `timeout` of silence.

use super::DetectorCtx;
use super::DetectorEvent;
use crate::engine::SimTime;
use crate::ids::{InstanceId, PerInstance};

/// Instance side: while the instance is up, send a message every `interval`.
/// The event's tag is the instance's epoch when the beacon started, so beacons of an earlier up
/// period stop by themselves once the instance has crashed.
pub(super) struct Beacon {
    pub interval: SimTime,
    pub send_kind: u8,
    pub arrive_kind: u8,
}

impl Beacon {
    /// Starts beaconing `first_in` from now.
    pub(super) fn start(&self, instance: InstanceId, first_in: SimTime, ctx: &mut dyn DetectorCtx) {
        let tag = ctx.instance_epoch(instance);
        ctx.schedule_in(first_in, DetectorEvent { instance, kind: self.send_kind, tag });
    }

    /// A send is due: send if the same up period is still on, then schedule the next.
    pub(super) fn on_send(&self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        if event.tag != ctx.instance_epoch(event.instance) {
            return;
        }
        if let Some(at) = ctx.send(event.instance) {
            ctx.schedule_at(at, DetectorEvent { kind: self.arrive_kind, ..event });
        }
        ctx.schedule_in(self.interval, event);
    }
}

/// Registry side: an instance is marked down when nothing arrived for strictly longer than
/// `timeout`. Arrivals only record a time; at most one check per instance is pending, and a
/// check that finds a newer arrival re-arms itself at the new deadline. This avoids scheduling
/// and cancelling a timer per message.
pub(super) struct Lease {
    pub timeout: SimTime,
    pub check_kind: u8,
    last_seen: PerInstance<SimTime>,
    check_pending: PerInstance<bool>,
}

impl Lease {
    pub(super) fn new(instances: u32, timeout: SimTime, check_kind: u8) -> Self {
        Lease {
            timeout,
            check_kind,
            last_seen: PerInstance::new(instances, 0),
            check_pending: PerInstance::new(instances, false),
        }
    }

    /// Time 0: every instance registered just now; arm every check.
    pub(super) fn start(&mut self, ctx: &mut dyn DetectorCtx) {
        for instance in InstanceId::all(self.last_seen.len() as u32) {
            self.arm(instance, ctx);
        }
    }

    /// A message from the instance arrived: it is alive.
    pub(super) fn on_arrival(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        self.last_seen[instance] = ctx.now();
        ctx.renewed(instance);
        ctx.mark_up(instance);
        if !self.check_pending[instance] {
            self.arm(instance, ctx);
        }
    }

    /// A check is due: expire the lease, or re-arm at the current deadline.
    pub(super) fn on_check(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        self.check_pending[instance] = false;
        if ctx.now() > self.last_seen[instance] + self.timeout {
            ctx.mark_down(instance);
        } else {
            self.arm(instance, ctx);
        }
    }

    fn arm(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        self.check_pending[instance] = true;
        let deadline = self.last_seen[instance] + self.timeout + 1;
        ctx.schedule_at(deadline, DetectorEvent { instance, kind: self.check_kind, tag: 0 });
    }
}
