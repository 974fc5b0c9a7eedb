//! The request path: clients that issue requests, learn the registry's view, pick instances
//! with a balancer and recover from failed attempts; and instances that serve requests from a
//! bounded queue. The world owns one `Traffic` when the scenario has a `[workload]`, forwards
//! its events and tells it about crashes and registry changes.
//!
//! Messages between clients and instances take the network's delay and loss; a partition
//! `from = "clients"` cuts them. Registry-to-client messages (watch pushes, polls) take the
//! network delay; polls can be lost, watch pushes cannot (a watch is a stream over a reliable
//! connection, whose retransmissions are part of its delay).

mod cache;
mod chain;
mod client;
mod keys;
mod propagation;
mod requests;
mod serving;
mod slab;

use crate::cluster::Instances;
use crate::cluster::Registry;
use crate::engine::{EventQueue, LogAhead, RandomStreams, SimTime};
use crate::ids::{ClientId, InstanceId};
use crate::metrics::cache::CacheMetrics;
use crate::metrics::requests::RequestMetrics;
use crate::metrics::{MetricValues, TraceRecord};
use crate::model::Scenario;
use crate::model::StreamKind;
use chain::Chain;
pub use chain::ChainEvent;
pub(crate) use keys::MAX_ZIPF_KEYS;
use propagation::Views;
use requests::{ClientStreams, RequestPath};
use serving::Servers;
pub use slab::Ref;

/// The request path's own events.
#[derive(Clone, Copy, Debug, Hash)]
pub enum TrafficEvent {
    /// The client's next request (stale if the client's rate changed since).
    Issue {
        /// The client.
        client: ClientId,
        /// The client's issue generation when it was scheduled (the event is stale if it changed).
        generation: u32,
    },
    /// An attempt reaches its instance.
    Arrive {
        /// The server job.
        job: Ref,
    },
    /// An instance finished serving a job.
    Done {
        /// The instance.
        instance: InstanceId,
        /// The server job.
        job: Ref,
    },
    /// A response reaches the client: `ok` false for a rejection (full queue).
    Response {
        /// The attempt answered.
        attempt: Ref,
        /// False for a rejection.
        ok: bool,
    },
    /// The earliest pending attempt timeout is due (the attempt is in the `timeouts` lane).
    Timeout,
    /// The backoff before a retry is over.
    Retry {
        /// The request.
        request: Ref,
    },
    /// Time to send a hedge if the first attempt has not answered.
    Hedge {
        /// The request.
        request: Ref,
    },
    /// The earliest pending request deadline (timestamp validity) passed (the request is in
    /// the `deadlines` lane).
    Expire,
    /// A watch push: the registry's change reaches the client.
    Push {
        /// The client.
        client: ClientId,
        /// The instance that changed.
        instance: InstanceId,
        /// Its new state in the registry's view.
        up: bool,
    },
    /// The client's poll period: ask the registry.
    Poll {
        /// The client.
        client: ClientId,
    },
    /// The poll request reaches the registry, which answers with its view.
    Read {
        /// The client.
        client: ClientId,
    },
    /// The poll answer reaches the client.
    Install {
        /// The client.
        client: ClientId,
    },
    /// A client's open circuit breaker for an instance lets a probe through.
    HalfOpen {
        /// The client.
        client: ClientId,
        /// The instance behind the breaker.
        instance: InstanceId,
    },
    /// The registry's response cache copies its view (`discovery.server_cache`).
    CacheRefresh,
    /// A client's balancer copies the client's cache into its server list
    /// (`discovery.balancer_refresh`).
    ListRefresh {
        /// The client.
        client: ClientId,
    },
    /// A client's outlier detector sweeps: ejected instances whose time is over return.
    Sweep {
        /// The client.
        client: ClientId,
    },
    /// A call chain's event (`[[tier]]`).
    Chain(ChainEvent),
    /// A cache hit's answer reaches its client, the cache's latency after the request (a
    /// constant, so the event carries no time: a `u64` would widen every event's alignment).
    CacheHit,
    /// A cache miss is known (after the cache's latency): the request goes to an instance.
    CacheMiss {
        /// The request.
        request: Ref,
    },
    /// A tied copy's cancel reaches the instance of its twin.
    Cancel {
        /// The twin's server job.
        job: Ref,
    },
}

/// The run's event type as the request path sees it: any small event that a `TrafficEvent`
/// converts into (the world's `Event`). Generic, so the request path names nothing above it and
/// still schedules into the world's one queue without a conversion at run time.
pub(crate) trait WorldEvent: From<TrafficEvent> + Copy {}

impl<E: From<TrafficEvent> + Copy> WorldEvent for E {}

/// What the request path may see and do during an event.
pub(crate) struct TrafficCtx<'a, E> {
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

/// The request path as three parts that each own their state — the clients' requests, the
/// instances serving them, the registry's views reaching the clients — and the metrics they
/// all record. `Traffic` only routes events and notifications to the parts.
pub(crate) struct Traffic {
    path: RequestPath,
    servers: Servers,
    views: Views,
    metrics: RequestMetrics,
    /// The tiers below the cluster (`[[tier]]`), if any.
    chain: Option<Box<Chain>>,
}

impl Traffic {
    pub(crate) fn new(scenario: &Scenario, streams: &RandomStreams) -> Option<Self> {
        let model = scenario.clients.clone()?;
        let (n, c) = (scenario.instances, model.count as usize);
        // Throttling draws from a family of its own, so turning it on shifts no other draws.
        let throttles = model.recovery.adaptive_throttling.is_some();
        let client_streams = ClientStreams {
            arrivals: streams.streams(StreamKind::ClientArrivals, c).into_iter().map(LogAhead::new).collect(),
            balance: streams.streams(StreamKind::Balance, c).into(),
            recovery: streams.streams(StreamKind::Recovery, c).into(),
            outlier: streams.streams(StreamKind::Outlier, if model.recovery.outlier.is_some() { c } else { 0 }).into(),
            throttle: streams.streams(StreamKind::Throttle, if throttles { c } else { 0 }).into(),
        };
        let links = streams.streams(StreamKind::ClientLink, c).into();
        let service = streams.streams(StreamKind::Service, n as usize).into_iter().map(LogAhead::new).collect();
        let tie = streams.streams(StreamKind::Tie, if model.recovery.tied.is_some() { n as usize } else { 0 }).into();
        let propagation = streams.streams(StreamKind::Propagation, c).into();
        // Cache stages draw their phases from families of their own, so that turning one on
        // shifts no other component's draws.
        let list_count = if model.stages.balancer_refresh.is_some() { c } else { 0 };
        let stage_rng =
            (streams.stream(StreamKind::ServerCache, 0), streams.streams(StreamKind::ListRefresh, list_count).into());
        let mut metrics = RequestMetrics::new(n, model.availability_bin, &scenario.phases, scenario.metric_groups());
        if let Some(cache) = &model.cache {
            metrics.cache = Some(CacheMetrics::new(model.availability_bin, cache.recovered));
        }
        metrics.set_slow(scenario.metric_options.slow);
        let views = Views::new(model.propagation, model.stages, scenario.network.clone(), n, propagation, stage_rng);
        let chain = Chain::new(&model, &scenario.network, streams).map(Box::new);
        let path = RequestPath::new(model, n, client_streams);
        if let Some(m) = &mut metrics.load_spread {
            m.set_shares(path.key_shares(n));
        }
        let mut servers = Servers::new(scenario.capacity.clone(), scenario.network.clone(), links, service, tie);
        servers.hold_for_calls(chain.is_some());
        Some(Traffic { servers, chain, views, metrics, path })
    }

    /// Time 0: every client schedules its first request (and its first poll).
    pub(crate) fn start<E: WorldEvent>(&mut self, ctx: &mut TrafficCtx<E>) {
        for client in ClientId::all(self.path.clients()) {
            self.path.schedule_issue(client, ctx);
            self.views.start(client, ctx);
        }
        self.views.start_server_cache(ctx);
        self.path.start_sweeps(ctx);
        self.path.snapshot_assignment();
    }

    /// Routes an event to its part. Inlined into the world's loop, so an event reaches its
    /// handler in one call; the four events of a request (issue, arrival, service end,
    /// response) each have a handler that is a function of its own (`#[inline(never)]`) with
    /// its steps inlined, one prologue per event instead of one per step.
    #[inline]
    pub(crate) fn on_event<E: WorldEvent>(&mut self, event: TrafficEvent, ctx: &mut TrafficCtx<E>) {
        use TrafficEvent::*;
        let (path, servers, metrics) = (&mut self.path, &mut self.servers, &mut self.metrics);
        match event {
            Issue { client, generation } => {
                if path.is_current(client, generation) {
                    self.views.on_request(client, ctx);
                }
                path.on_issue(client, generation, ctx, servers, metrics)
            }
            Arrive { job } => servers.on_arrive(job, ctx, metrics),
            Done { instance, job } => {
                let held = servers.on_done(instance, job, ctx, metrics);
                if let (Some((job, key)), Some(chain)) = (held, &mut self.chain) {
                    chain.call_from_cluster(job, key, ctx, servers);
                }
            }
            Response { attempt, ok } => path.on_response(attempt, ok, ctx, metrics),
            Timeout => path.on_timeout(ctx, metrics),
            Retry { request } => path.send_attempt(request, ctx, servers, metrics),
            Hedge { request } => path.on_hedge(request, ctx, servers, metrics),
            Expire => path.on_expire(ctx, metrics),
            Push { client, instance, up } => self.deliver(client, instance, up, ctx.now),
            Poll { client } => self.views.on_poll(client, ctx),
            Read { client } => self.views.on_read(client, ctx),
            Install { client } => self.on_install(client, ctx.now),
            HalfOpen { client, instance } => path.on_half_open(client, instance, ctx.now),
            CacheRefresh => self.views.on_cache_refresh(ctx, metrics),
            ListRefresh { client } => self.on_list_refresh(client, ctx),
            Sweep { client } => path.on_sweep(client, ctx, metrics),
            Chain(e) => {
                if let Some(chain) = &mut self.chain {
                    chain.on_event(e, ctx, servers);
                }
            }
            CacheHit => path.on_cache_hit(ctx.now, metrics),
            CacheMiss { request } => path.send_attempt(request, ctx, servers, metrics),
            Cancel { job } => {
                if let Some(attempt) = servers.on_cancel(job, metrics) {
                    path.on_dropped(attempt, ctx, metrics);
                }
            }
        }
    }

    pub(crate) fn trace_clients(&mut self) {
        self.views.trace();
    }

    pub(crate) fn take_trace(&mut self) -> Vec<TraceRecord> {
        self.views.take_trace()
    }

    /// A partition from the clients starts (`true`) or heals.
    pub(crate) fn set_cut(&mut self, instance: InstanceId, cut: bool) {
        self.servers.set_cut(instance, cut);
    }

    /// A `slow` fault: the instance's service time is multiplied by `factor`.
    pub(crate) fn set_slow(&mut self, instance: InstanceId, factor: f64) {
        self.servers.set_slow(instance, factor);
    }

    /// A `spike` fault: every client's rate is multiplied by `factor`.
    pub(crate) fn set_rate_factor<E: WorldEvent>(&mut self, factor: f64, ctx: &mut TrafficCtx<E>) {
        self.path.set_rate_factor(factor, ctx);
    }

    /// A `flush` fault: the look-aside cache loses every entry.
    pub(crate) fn flush_cache(&mut self, now: SimTime) {
        self.path.flush_cache(now, &mut self.metrics);
    }

    /// The registry changed its view of `instance`.
    pub(crate) fn on_view_change<E: WorldEvent>(&mut self, instance: InstanceId, up: bool, ctx: &mut TrafficCtx<E>) {
        self.views.on_view_change(instance, up, ctx, &mut self.metrics);
    }

    /// The instance crashed: its work is lost, and how long clients keep routing to it counts.
    pub(crate) fn on_instance_down<E: WorldEvent>(&mut self, instance: InstanceId, ctx: &mut TrafficCtx<E>) {
        self.views.on_instance_down(instance, ctx.now, &mut self.metrics);
        self.path.set_down_since(instance, Some(ctx.now));
        self.servers.drop_work(instance, ctx);
    }

    pub(crate) fn on_instance_up(&mut self, instance: InstanceId) {
        self.views.on_instance_up(instance);
        self.path.set_down_since(instance, None);
    }

    pub(crate) fn report(&mut self, horizon: SimTime, out: &mut MetricValues) {
        self.metrics.report(horizon, out);
        if let Some(chain) = &self.chain {
            chain.report(self.metrics.requests(), horizon, out);
        }
    }

    /// A client's cache learns `up` for `instance` (a watch push, or a poll's answer).
    fn set_cached(&mut self, client: ClientId, instance: InstanceId, up: bool, now: SimTime) {
        if !self.path.learn(client, instance, up) {
            return;
        }
        self.views.learned(instance, up, now, &mut self.metrics);
        if client == ClientId(0) {
            self.path.measure_keys_moved(&mut self.metrics);
        }
    }

    /// A poll's answer reaches the client: it installs the registry's view of every instance.
    fn on_install(&mut self, client: ClientId, now: SimTime) {
        self.views.installed(client, now);
        for instance in InstanceId::all(self.servers.count()) {
            let up = self.views.snapshot(client)[instance];
            self.deliver(client, instance, up, now);
        }
    }

    /// The client learns `up` for `instance`: its balancer routes by it at once, or at its
    /// next list refresh.
    fn deliver(&mut self, client: ClientId, instance: InstanceId, up: bool, now: SimTime) {
        if !self.views.fetch(client, instance, up, now, &mut self.metrics) {
            self.set_cached(client, instance, up, now);
        }
    }

    /// The balancer's list refresh: it takes the client's cache whole, and comes again.
    fn on_list_refresh<E: WorldEvent>(&mut self, client: ClientId, ctx: &mut TrafficCtx<E>) {
        self.views.schedule_list_refresh(client, ctx);
        for instance in InstanceId::all(self.servers.count()) {
            if let Some(up) = self.views.fetched(client, instance) {
                self.set_cached(client, instance, up, ctx.now);
            }
        }
    }
}
