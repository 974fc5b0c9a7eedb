//! How clients learn the registry's view — watch pushes and polls — and the metrics of that
//! path: `propagation_time` (a registry change until every client's cache holds it) and
//! `stale_route_time` (a crash until no client routes to the instance any more). The cached
//! view itself lives with each client's routing state (`client::Client`), which routes by it;
//! this part is told of every change of it (`Views::learned`).

use super::{TrafficCtx, TrafficEvent, WorldEvent};
use crate::detect::View;
use crate::engine::{SimTime, Stream};
use crate::metrics::TraceRecord;
use crate::metrics::requests::RequestMetrics;
use crate::model::{NetworkModel, Propagation};

const NONE: SimTime = SimTime::MAX;

/// Per instance: how many clients hold it up, and the change or crash being followed.
struct Tracker {
    clients: u32,
    holding_up: Vec<u32>,
    change_since: Vec<SimTime>,
    change_to_up: Vec<bool>,
    crash_since: Vec<SimTime>,
}

impl Tracker {
    fn new(instances: u32, clients: u32) -> Self {
        let n = instances as usize;
        Tracker {
            clients,
            holding_up: vec![clients; n],
            change_since: vec![NONE; n],
            change_to_up: vec![false; n],
            crash_since: vec![NONE; n],
        }
    }

    fn agreeing(&self, i: usize) -> u32 {
        if self.change_to_up[i] { self.holding_up[i] } else { self.clients - self.holding_up[i] }
    }
}

/// The registry-to-client path: pushes, polls and the answers in transit, and what they cost.
pub struct Views {
    mode: Propagation,
    network: NetworkModel,
    tracker: Tracker,
    /// Per client: a poll's answer in transit.
    snapshots: Vec<Vec<bool>>,
    /// One per client: its registry messages.
    streams: Vec<Stream>,
    /// When tracing: the moments no client (or again some client) routes to an instance.
    trace: Option<Vec<TraceRecord>>,
}

impl Views {
    pub fn new(mode: Propagation, network: NetworkModel, instances: u32, streams: Vec<Stream>) -> Self {
        let clients = streams.len() as u32;
        Views {
            mode,
            network,
            tracker: Tracker::new(instances, clients),
            snapshots: vec![vec![true; instances as usize]; clients as usize],
            streams,
            trace: None,
        }
    }

    /// Time 0: a polling client's first poll, at a random phase.
    pub fn start<E: WorldEvent>(&mut self, client: u32, ctx: &mut TrafficCtx<E>) {
        if let Propagation::Poll { refresh } = self.mode {
            let phase = self.streams[client as usize].below(refresh);
            ctx.at(ctx.now + phase, TrafficEvent::Poll { client });
        }
    }

    pub fn trace(&mut self) {
        self.trace = Some(Vec::new());
    }

    pub fn take_trace(&mut self) -> Vec<TraceRecord> {
        self.trace.take().unwrap_or_default()
    }

    /// The registry changed its view of `instance` (a newer change supersedes an older one
    /// that has not reached every client yet).
    pub fn on_view_change<E: WorldEvent>(
        &mut self,
        instance: u32,
        up: bool,
        ctx: &mut TrafficCtx<E>,
        metrics: &mut RequestMetrics,
    ) {
        let i = instance as usize;
        self.tracker.change_since[i] = ctx.now;
        self.tracker.change_to_up[i] = up;
        self.check_propagated(i, ctx.now, metrics);
        if self.mode == Propagation::Watch {
            for client in 0..self.streams.len() as u32 {
                let delay = self.network.delay.sample(&mut self.streams[client as usize]);
                ctx.at(ctx.now.saturating_add(delay), TrafficEvent::Push { client, instance, up });
            }
        }
    }

    /// The instance crashed: follow how long clients keep routing to it.
    pub fn on_instance_down(&mut self, instance: u32, now: SimTime, metrics: &mut RequestMetrics) {
        let i = instance as usize;
        self.tracker.crash_since[i] = now;
        self.check_unrouted(i, now, metrics);
    }

    pub fn on_instance_up(&mut self, instance: u32) {
        self.tracker.crash_since[instance as usize] = NONE;
    }

    /// Some client's cache changed to `up` for `instance`.
    pub fn learned(&mut self, instance: u32, up: bool, now: SimTime, metrics: &mut RequestMetrics) {
        let i = instance as usize;
        let holding = &mut self.tracker.holding_up[i];
        *holding = if up { *holding + 1 } else { *holding - 1 };
        let edge = match (up, *holding) {
            (false, 0) => Some("clients_down"),
            (true, 1) => Some("clients_up"),
            _ => None,
        };
        if let (Some(event), Some(trace)) = (edge, &mut self.trace) {
            trace.push(TraceRecord { time: now, event, instance });
        }
        self.check_propagated(i, now, metrics);
        self.check_unrouted(i, now, metrics);
    }

    fn check_propagated(&mut self, i: usize, now: SimTime, metrics: &mut RequestMetrics) {
        let since = self.tracker.change_since[i];
        if since != NONE && self.tracker.agreeing(i) == self.tracker.clients {
            metrics.propagation_time.record(now - since);
            self.tracker.change_since[i] = NONE;
        }
    }

    fn check_unrouted(&mut self, i: usize, now: SimTime, metrics: &mut RequestMetrics) {
        let since = self.tracker.crash_since[i];
        if since != NONE && self.tracker.holding_up[i] == 0 {
            metrics.stale_route_time.record(now - since);
            self.tracker.crash_since[i] = NONE;
        }
    }

    pub fn on_poll<E: WorldEvent>(&mut self, client: u32, ctx: &mut TrafficCtx<E>) {
        let Propagation::Poll { refresh } = self.mode else {
            return;
        };
        ctx.at(ctx.now + refresh, TrafficEvent::Poll { client });
        if let Some(at) = self.registry_message(client, ctx.now) {
            ctx.at(at, TrafficEvent::Read { client });
        }
    }

    /// The registry answers a poll with its view at this moment.
    pub fn on_read<E: WorldEvent>(&mut self, client: u32, ctx: &mut TrafficCtx<E>) {
        for (i, slot) in self.snapshots[client as usize].iter_mut().enumerate() {
            *slot = ctx.registry.view(i as u32) == View::Up;
        }
        if let Some(at) = self.registry_message(client, ctx.now) {
            ctx.at(at, TrafficEvent::Install { client });
        }
    }

    /// The poll answer that reached `client`, to install in its cache.
    pub fn snapshot(&self, client: u32) -> &[bool] {
        &self.snapshots[client as usize]
    }

    /// A poll message between a client and the registry: delayed, and lost with the network's
    /// loss probability.
    fn registry_message(&mut self, client: u32, now: SimTime) -> Option<SimTime> {
        self.network.transit(now, &mut self.streams[client as usize])
    }
}
