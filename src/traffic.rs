//! The request path: clients that issue requests, learn the registry's view, pick instances
//! with a balancer and recover from failed attempts; and instances that serve requests from a
//! bounded queue. The world owns one `Traffic` when the scenario has a `[workload]`, forwards
//! its events and tells it about crashes and registry changes.
//!
//! Messages between clients and instances take the network's delay and loss; a partition
//! `from = "clients"` cuts them. Registry-to-client messages (watch pushes, polls) take the
//! network delay; polls can be lost, watch pushes cannot (a watch is a stream over a reliable
//! connection, whose retransmissions are part of its delay).

mod affinity;
mod client;
mod keys;
mod propagation;
mod requests;
mod serving;
mod slab;

use crate::balance::Balancer;
use crate::engine::{EventQueue, RandomStreams, SimTime, Stream, StreamKind, TimerLane};
use crate::metrics::MetricValues;
use crate::metrics::requests::RequestMetrics;
use crate::model::{Capacity, Clients, NetworkModel, Propagation, Scenario};
use crate::cluster::Instances;
use crate::cluster::Registry;
use client::Client;
use keys::Keys;
pub use keys::MAX_ZIPF_KEYS;
use propagation::Tracker;
use serving::{Job, Server};
pub use slab::Ref;
use slab::Slab;

/// The request path's own events.
#[derive(Clone, Copy, Debug, Hash)]
pub enum TrafficEvent {
    /// The client's next request (stale if the client's rate changed since).
    Issue { client: u32, generation: u32 },
    /// An attempt reaches its instance.
    Arrive { job: Ref },
    /// An instance finished serving a job.
    Done { instance: u32, job: Ref },
    /// A response reaches the client: `ok` false for a rejection (full queue).
    Response { attempt: Ref, ok: bool },
    /// The earliest pending attempt timeout is due (the attempt is in the `timeouts` lane).
    Timeout,
    /// The backoff before a retry is over.
    Retry { request: Ref },
    /// Time to send a hedge if the first attempt has not answered.
    Hedge { request: Ref },
    /// The earliest pending request deadline (timestamp validity) passed (the request is in
    /// the `deadlines` lane).
    Expire,
    /// A watch push: the registry's change reaches the client.
    Push { client: u32, instance: u32, up: bool },
    /// The client's poll period: ask the registry.
    Poll { client: u32 },
    /// The poll request reaches the registry, which answers with its view.
    Read { client: u32 },
    /// The poll answer reaches the client.
    Install { client: u32 },
    /// A client's open circuit breaker for an instance lets a probe through.
    HalfOpen { client: u32, instance: u32 },
}

/// The run's event type as the request path sees it: any small event that a `TrafficEvent`
/// converts into (the world's `Event`). Generic, so the request path names nothing above it and
/// still schedules into the world's one queue without a conversion at run time.
pub trait WorldEvent: From<TrafficEvent> + Copy {}

impl<E: From<TrafficEvent> + Copy> WorldEvent for E {}

/// What the request path may see and do during an event.
pub struct TrafficCtx<'a, E> {
    pub now: SimTime,
    pub queue: &'a mut EventQueue<E>,
    pub truth: &'a Instances,
    pub registry: &'a Registry,
}

impl<E: WorldEvent> TrafficCtx<'_, E> {
    fn at(&mut self, time: SimTime, event: TrafficEvent) {
        self.queue.schedule_at(time, E::from(event));
    }
}

/// Per-component random streams of the request path.
struct Streams {
    arrivals: Vec<Stream>,
    links: Vec<Stream>,
    balance: Vec<Stream>,
    recovery: Vec<Stream>,
    propagation: Vec<Stream>,
    service: Vec<Stream>,
}

pub struct Traffic {
    model: Clients,
    capacity: Option<Capacity>,
    network: NetworkModel,
    clients: Vec<Client>,
    servers: Vec<Server>,
    balancer: Box<dyn Balancer>,
    requests: Slab<requests::Request>,
    attempts: Slab<requests::Attempt>,
    /// Attempt timeouts and request deadlines: one fixed delay each, so FIFO lanes.
    timeouts: TimerLane<Ref>,
    deadlines: TimerLane<Ref>,
    jobs: Slab<Job>,
    keys: Keys,
    rate_factor: f64,
    /// Instances cut off from the clients by a partition.
    cut: Vec<bool>,
    rng: Streams,
    tracker: Tracker,
    metrics: RequestMetrics,
    /// Client 0's first choice for each sampled key (key-affine balancers).
    assignment: Vec<Option<u32>>,
    /// When tracing: the moments no client (or again some client) routes to an instance.
    trace: Option<Vec<crate::metrics::TraceRecord>>,
}

impl Traffic {
    pub fn new(scenario: &Scenario, streams: &RandomStreams) -> Option<Self> {
        let model = scenario.clients.clone()?;
        let (n, c) = (scenario.instances, model.count);
        let rng = Streams {
            arrivals: streams.streams(StreamKind::ClientArrivals, c as usize),
            links: streams.streams(StreamKind::ClientLink, c as usize),
            balance: streams.streams(StreamKind::Balance, c as usize),
            recovery: streams.streams(StreamKind::Recovery, c as usize),
            propagation: streams.streams(StreamKind::Propagation, c as usize),
            service: streams.streams(StreamKind::Service, n as usize),
        };
        Some(Traffic {
            clients: (0..c).map(|_| Client::new(n, &model.recovery, model.rate)).collect(),
            servers: (0..n).map(|_| Server::default()).collect(),
            balancer: model.balancer.build(n, c),
            requests: Slab::default(),
            attempts: Slab::default(),
            timeouts: TimerLane::default(),
            deadlines: TimerLane::default(),
            jobs: Slab::default(),
            keys: Keys::new(model.keys, model.zipf),
            rate_factor: 1.0,
            cut: vec![false; n as usize],
            tracker: Tracker::new(n, c),
            metrics: RequestMetrics::new(n, model.availability_bin, &scenario.phases),
            assignment: Vec::new(),
            trace: None,
            capacity: scenario.capacity.clone(),
            network: scenario.network.clone(),
            rng,
            model,
        })
    }

    /// Time 0: every client schedules its first request (and its first poll).
    pub fn start<E: WorldEvent>(&mut self, ctx: &mut TrafficCtx<E>) {
        for client in 0..self.clients.len() as u32 {
            self.schedule_issue(client, ctx);
            if let Propagation::Poll { refresh } = self.model.propagation {
                let phase = self.rng.propagation[client as usize].below(refresh);
                ctx.at(ctx.now + phase, TrafficEvent::Poll { client });
            }
        }
        self.snapshot_assignment(ctx.now);
    }

    pub fn on_event<E: WorldEvent>(&mut self, event: TrafficEvent, ctx: &mut TrafficCtx<E>) {
        use TrafficEvent::*;
        match event {
            Issue { client, generation } => self.on_issue(client, generation, ctx),
            Arrive { job } => self.on_arrive(job, ctx),
            Done { instance, job } => self.on_done(instance, job, ctx),
            Response { attempt, ok } => self.on_response(attempt, ok, ctx),
            Timeout => self.on_timeout(ctx),
            Retry { request } => self.send_attempt(request, ctx),
            Hedge { request } => self.on_hedge(request, ctx),
            Expire => self.on_expire(ctx),
            Push { client, instance, up } => self.set_cached(client, instance, up, ctx.now),
            Poll { client } => self.on_poll(client, ctx),
            Read { client } => self.on_read(client, ctx),
            Install { client } => self.on_install(client, ctx.now),
            HalfOpen { client, instance } => self.on_half_open(client, instance, ctx.now),
        }
    }

    pub fn trace_clients(&mut self) {
        self.trace = Some(Vec::new());
    }

    pub fn take_trace(&mut self) -> Vec<crate::metrics::TraceRecord> {
        self.trace.take().unwrap_or_default()
    }

    /// A partition from the clients starts (`true`) or heals.
    pub fn set_cut(&mut self, instance: u32, cut: bool) {
        self.cut[instance as usize] = cut;
    }

    /// A `slow` fault: the instance's service time is multiplied by `factor`.
    pub fn set_slow(&mut self, instance: u32, factor: f64) {
        self.servers[instance as usize].slow = factor;
    }

    /// A `spike` fault: every client's rate is multiplied by `factor`. Poisson streams are
    /// memoryless, so each client simply redraws its next request at the new rate.
    pub fn set_rate_factor<E: WorldEvent>(&mut self, factor: f64, ctx: &mut TrafficCtx<E>) {
        self.rate_factor = factor;
        for client in 0..self.clients.len() as u32 {
            self.clients[client as usize].issue_generation += 1;
            self.schedule_issue(client, ctx);
        }
    }

    pub fn report(&mut self, horizon: SimTime, out: &mut MetricValues) {
        self.metrics.report(horizon, out);
    }

    /// Sends a message between a client and an instance: its arrival time, or None if lost or
    /// cut by a partition.
    fn send(&mut self, client: u32, instance: u32, now: SimTime) -> Option<SimTime> {
        if self.cut[instance as usize] {
            return None;
        }
        self.network.transit(now, &mut self.rng.links[client as usize])
    }
}
