//! A bare run of the gossip detector for unit tests: its own events in time order (ties in
//! the order queued), instances up unless a test takes them down, no loss, a constant delay —
//! what the world gives a detector, without the world, so a test can read and drive the
//! members' state between steps.

use super::Gossip;
use crate::detect::{Detector, DetectorCtx, DetectorEvent, View};
use crate::engine::{RandomStreams, SimTime, Stream};
use crate::ids::InstanceId;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// `model::StreamKind::Detector`'s number (the model is a layer above the detectors).
const DETECTOR_STREAMS: u64 = 3;

/// One message's delay, any two members.
const DELAY: SimTime = 2_000_000;

/// A queued event: (time, order queued, instance, kind, tag).
type Queued = (SimTime, u64, u32, u8, u32);

pub(super) struct Bare {
    pub(super) now: SimTime,
    /// Whether each instance is up (the test's to set, with the detector's calls).
    pub(super) up: Vec<bool>,
    queue: BinaryHeap<Reverse<Queued>>,
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
    fn instance_is_up(&self, instance: InstanceId) -> bool {
        self.up[instance.0 as usize]
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

impl Bare {
    /// Starts `gossip` (over `instances` instances) at 0, its random streams from `seed`.
    pub(super) fn start(gossip: &mut Gossip, instances: u32, seed: u64) -> Bare {
        let streams = RandomStreams::new(seed).streams(DETECTOR_STREAMS, instances as usize);
        let up = vec![true; instances as usize];
        let mut ctx = Bare { now: 0, up, queue: BinaryHeap::new(), queued: 0, streams };
        gossip.start(&mut ctx);
        ctx
    }

    /// Hands `gossip` its events before `until`, in order; the clock then reads `until`.
    pub(super) fn run_until(&mut self, gossip: &mut Gossip, until: SimTime) {
        while let Some(&Reverse((at, _, instance, kind, tag))) = self.queue.peek() {
            if at >= until {
                break;
            }
            self.queue.pop();
            self.now = at;
            gossip.on_event(DetectorEvent { instance: InstanceId(instance), kind, tag }, self);
        }
        self.now = until;
    }
}

/// Runs `gossip` (over `instances` instances) from 0 until `horizon`, its random streams from
/// `seed`.
pub(super) fn run(gossip: &mut Gossip, instances: u32, horizon: SimTime, seed: u64) {
    Bare::start(gossip, instances, seed).run_until(gossip, horizon);
}
