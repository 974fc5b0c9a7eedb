//! How clients learn the registry's view — watch pushes and polls — and the metrics of that
//! path: `propagation_time` (a registry change until every client's cache holds it) and
//! `stale_route_time` (a crash until no client routes to the instance any more).

use super::{Traffic, TrafficCtx, TrafficEvent, WorldEvent};
use crate::engine::SimTime;
use crate::model::Propagation;
use crate::detect::View;

const NONE: SimTime = SimTime::MAX;

/// Per instance: how many clients hold it up, and the change or crash being followed.
pub struct Tracker {
    clients: u32,
    holding_up: Vec<u32>,
    change_since: Vec<SimTime>,
    change_to_up: Vec<bool>,
    crash_since: Vec<SimTime>,
}

impl Tracker {
    pub fn new(instances: u32, clients: u32) -> Self {
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

impl Traffic {
    /// The registry changed its view of `instance` (a newer change supersedes an older one
    /// that has not reached every client yet).
    pub fn on_view_change<E: WorldEvent>(&mut self, instance: u32, up: bool, ctx: &mut TrafficCtx<E>) {
        let i = instance as usize;
        self.tracker.change_since[i] = ctx.now;
        self.tracker.change_to_up[i] = up;
        self.check_propagated(i, ctx.now);
        if self.model.propagation == Propagation::Watch {
            for client in 0..self.clients.len() as u32 {
                let delay = self.network.delay.sample(&mut self.rng.propagation[client as usize]);
                ctx.at(ctx.now.saturating_add(delay), TrafficEvent::Push { client, instance, up });
            }
        }
    }

    /// The instance crashed: follow how long clients keep routing to it.
    pub fn on_instance_down<E: WorldEvent>(&mut self, instance: u32, ctx: &mut TrafficCtx<E>) {
        let i = instance as usize;
        self.tracker.crash_since[i] = ctx.now;
        self.check_unrouted(i, ctx.now);
        self.drop_server_work(instance, ctx);
    }

    pub fn on_instance_up(&mut self, instance: u32) {
        self.tracker.crash_since[instance as usize] = NONE;
    }

    /// A client's cache learns `up` for `instance`.
    pub fn set_cached(&mut self, client: u32, instance: u32, up: bool, now: SimTime) {
        let i = instance as usize;
        let c = &mut self.clients[client as usize];
        if c.view[i] == up {
            return;
        }
        c.view[i] = up;
        c.refresh_routable(instance);
        let holding = &mut self.tracker.holding_up[i];
        *holding = if up { *holding + 1 } else { *holding - 1 };
        let edge = match (up, *holding) {
            (false, 0) => Some("clients_down"),
            (true, 1) => Some("clients_up"),
            _ => None,
        };
        if let (Some(event), Some(trace)) = (edge, &mut self.trace) {
            trace.push(crate::metrics::TraceRecord { time: now, event, instance });
        }
        self.check_propagated(i, now);
        self.check_unrouted(i, now);
        if client == 0 {
            self.measure_keys_moved(now);
        }
    }

    fn check_propagated(&mut self, i: usize, now: SimTime) {
        let since = self.tracker.change_since[i];
        if since != NONE && self.tracker.agreeing(i) == self.tracker.clients {
            self.metrics.propagation_time.record(now - since);
            self.tracker.change_since[i] = NONE;
        }
    }

    fn check_unrouted(&mut self, i: usize, now: SimTime) {
        let since = self.tracker.crash_since[i];
        if since != NONE && self.tracker.holding_up[i] == 0 {
            self.metrics.stale_route_time.record(now - since);
            self.tracker.crash_since[i] = NONE;
        }
    }

    pub(super) fn on_poll<E: WorldEvent>(&mut self, client: u32, ctx: &mut TrafficCtx<E>) {
        let Propagation::Poll { refresh } = self.model.propagation else {
            return;
        };
        ctx.at(ctx.now + refresh, TrafficEvent::Poll { client });
        if let Some(at) = self.registry_message(client, ctx.now) {
            ctx.at(at, TrafficEvent::Read { client });
        }
    }

    /// The registry answers a poll with its view at this moment.
    pub(super) fn on_read<E: WorldEvent>(&mut self, client: u32, ctx: &mut TrafficCtx<E>) {
        let snapshot = &mut self.clients[client as usize].snapshot;
        for (i, slot) in snapshot.iter_mut().enumerate() {
            *slot = ctx.registry.view(i as u32) == View::Up;
        }
        if let Some(at) = self.registry_message(client, ctx.now) {
            ctx.at(at, TrafficEvent::Install { client });
        }
    }

    pub(super) fn on_install(&mut self, client: u32, now: SimTime) {
        for instance in 0..self.servers.len() as u32 {
            let up = self.clients[client as usize].snapshot[instance as usize];
            self.set_cached(client, instance, up, now);
        }
    }

    /// A poll message between a client and the registry: delayed, and lost with the network's
    /// loss probability.
    fn registry_message(&mut self, client: u32, now: SimTime) -> Option<SimTime> {
        self.network.transit(now, &mut self.rng.propagation[client as usize])
    }
}
