//! A bare run of the gossip detector for unit tests: its own events in time order (ties in
//! the order queued), every instance up, no loss, a constant delay — what the world gives a
//! detector, without the world, so a test can read the members' state afterwards.

use super::Gossip;
use crate::detect::{Detector, DetectorCtx, DetectorEvent, View};
use crate::engine::{RandomStreams, SimTime, Stream};
use crate::ids::InstanceId;
use crate::model::StreamKind;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One message's delay, any two members.
const DELAY: SimTime = 2_000_000;

struct Bare {
    now: SimTime,
    /// (time, order queued, instance, kind, tag).
    queue: BinaryHeap<Reverse<(SimTime, u64, u32, u8, u32)>>,
    queued: u64,
    streams: Vec<Stream>,
}

impl DetectorCtx for Bare {
    fn now(&self) -> SimTime {
        self.now
    }
    fn schedule_at(&mut self, at: SimTime, e: DetectorEvent) {
        self.queued += 1;
        self.queue.push(Reverse((at, self.queued, e.instance.0, e.kind, e.tag)));
    }
    fn schedule_in(&mut self, delay: SimTime, e: DetectorEvent) {
        self.schedule_at(self.now + delay, e);
    }
    fn instance_is_up(&self, _: InstanceId) -> bool {
        true
    }
    fn instance_epoch(&self, _: InstanceId) -> u32 {
        0
    }
    fn send(&mut self, _: InstanceId) -> Option<SimTime> {
        Some(self.now + DELAY)
    }
    fn send_at(&mut self, _: InstanceId, sent: SimTime) -> Option<SimTime> {
        Some(sent + DELAY)
    }
    fn ordinary_run(&mut self, _: InstanceId, _: u64) -> u64 {
        0
    }
    fn ordinary_delay(&mut self, _: InstanceId) -> SimTime {
        DELAY
    }
    fn send_between(&mut self, _: InstanceId, _: InstanceId) -> Option<SimTime> {
        Some(self.now + DELAY)
    }
    fn steady_until(&self, _: InstanceId) -> SimTime {
        self.now
    }
    fn fails_at_steady_end(&self, _: InstanceId) -> bool {
        false
    }
    fn view(&self, _: InstanceId) -> View {
        View::Up
    }
    fn mark_up(&mut self, _: InstanceId) {}
    fn mark_down(&mut self, _: InstanceId) {}
    fn renewed(&mut self, _: InstanceId) {}
    fn rng(&mut self, instance: InstanceId) -> &mut Stream {
        &mut self.streams[instance.0 as usize]
    }
}

/// Runs `gossip` (over `instances` instances) from 0 until `horizon`, its random streams from
/// `seed`.
pub(super) fn run(gossip: &mut Gossip, instances: u32, horizon: SimTime, seed: u64) {
    let streams = RandomStreams::new(seed).streams(StreamKind::Detector, instances as usize);
    let mut ctx = Bare { now: 0, queue: BinaryHeap::new(), queued: 0, streams };
    gossip.start(&mut ctx);
    while let Some(Reverse((at, _, instance, kind, tag))) = ctx.queue.pop() {
        if at >= horizon {
            break;
        }
        ctx.now = at;
        gossip.on_event(DetectorEvent { instance: InstanceId(instance), kind, tag }, &mut ctx);
    }
}
