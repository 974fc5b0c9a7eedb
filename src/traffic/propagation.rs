//! How clients learn the registry's view — watch pushes, polls and TTL lookups — and the metrics of that
//! path: `propagation_time` (a registry change until every client's cache holds it) and
//! `stale_route_time` (a crash until no client routes to the instance any more). The cached
//! view itself lives with each client's routing state (`client::Client`), which routes by it;
//! this part is told of every change of it (`Views::learned`).
//!
//! Optional cache stages (`model::CacheStages`) sit on that path: a server-side response cache
//! that answers polls (Eureka's read-only cache, refreshed every 30 s), and a list per client
//! that its balancer refreshes from the client's cache (Ribbon's server list). Each runs on its
//! own timer from a random phase, so a change waits for each in turn. Each stage also has its
//! own metric: `server_cache_time` (a change until the response cache holds it) and
//! `client_cache_time` (a change until every client's cache holds it, before the list refresh;
//! `propagation_time` runs on until every balancer's list holds it).
//!
//! A TTL cache (`Propagation::Ttl`, DNS-style) has no timer of its own: a client reuses its
//! answer until the TTL runs out, and its next request starts a lookup — a poll on demand. The
//! request is routed by the expired answer meanwhile (a stale-while-revalidate resolver; a
//! blocking one would delay that request by the lookup's round trip, and route it by the new
//! answer). A lost lookup or answer is retried by the client's next request.

use super::{TrafficCtx, TrafficEvent, WorldEvent};
use crate::detect::View;
use crate::engine::{SimTime, Stream};
use crate::ids::{ClientId, InstanceId, PerClient, PerInstance};
use crate::metrics::TraceRecord;
use crate::metrics::requests::RequestMetrics;
use crate::model::{CacheStages, NetworkModel, Propagation};

const NONE: SimTime = SimTime::MAX;

/// Per instance: how many clients hold it up, and the change or crash being followed.
struct Tracker {
    clients: u32,
    holding_up: PerInstance<u32>,
    change_since: PerInstance<SimTime>,
    change_to_up: PerInstance<bool>,
    crash_since: PerInstance<SimTime>,
}

impl Tracker {
    fn new(instances: u32, clients: u32) -> Self {
        Tracker {
            clients,
            holding_up: PerInstance::new(instances, clients),
            change_since: PerInstance::new(instances, NONE),
            change_to_up: PerInstance::new(instances, false),
            crash_since: PerInstance::new(instances, NONE),
        }
    }

    fn agreeing(&self, instance: InstanceId) -> u32 {
        let holding_up = self.holding_up[instance];
        if self.change_to_up[instance] { holding_up } else { self.clients - holding_up }
    }
}

/// One cache stage's copies of the registry's view (the response cache, or every client's
/// cache), followed as `Tracker` follows the balancers: per instance, how many copies hold it
/// up, and since when a change waits for all of them to agree.
struct Stage {
    copies: u32,
    holding_up: PerInstance<u32>,
    since: PerInstance<SimTime>,
}

impl Stage {
    /// `copies` copies (none: the stage is off), all holding every instance up.
    fn new(instances: u32, copies: u32) -> Self {
        let instances = if copies > 0 { instances } else { 0 };
        Stage { copies, holding_up: PerInstance::new(instances, copies), since: PerInstance::new(instances, NONE) }
    }

    /// One copy of `instance` changed from `was` to `up`.
    fn set(&mut self, instance: InstanceId, was: bool, up: bool) {
        let holding = &mut self.holding_up[instance];
        *holding = *holding + up as u32 - was as u32;
    }

    /// The registry's view of `instance` changed at `now` (superseding a change still waiting).
    fn changed(&mut self, instance: InstanceId, now: SimTime) {
        if self.copies > 0 {
            self.since[instance] = now;
        }
    }

    /// If a change of `instance` to `up` is waiting and every copy now holds it: the wait.
    fn agreed(&mut self, instance: InstanceId, up: bool, now: SimTime) -> Option<SimTime> {
        let since = *self.since.get(instance)?;
        let holding_up = self.holding_up[instance];
        let agreeing = if up { holding_up } else { self.copies - holding_up };
        (since != NONE && agreeing == self.copies).then(|| {
            self.since[instance] = NONE;
            now - since
        })
    }
}

/// The registry-to-client path: pushes, polls and the answers in transit, and what they cost.
pub(super) struct Views {
    mode: Propagation,
    network: NetworkModel,
    tracker: Tracker,
    /// Per client: a poll's answer in transit.
    snapshots: PerClient<PerInstance<bool>>,
    /// One per client: its registry messages.
    streams: PerClient<Stream>,
    /// When tracing: the moments no client (or again some client) routes to an instance.
    trace: Option<Vec<TraceRecord>>,
    stages: CacheStages,
    /// The server's response cache (with `stages.server_cache`).
    server_view: PerInstance<bool>,
    /// Per client: the cache its balancer's list is refreshed from (with
    /// `stages.balancer_refresh`; empty otherwise).
    fetched: PerClient<PerInstance<bool>>,
    /// The response cache's phase.
    server_rng: Stream,
    /// Per client (with `stages.balancer_refresh`): its balancer list's phase.
    list_rng: PerClient<Stream>,
    /// The response cache, for `server_cache_time` (with `stages.server_cache`).
    server_stage: Stage,
    /// The clients' caches, for `client_cache_time` (with `stages.balancer_refresh`).
    client_stage: Stage,
    /// Per client, with a TTL cache: when its answer runs out, or `NONE` while a lookup is
    /// under way.
    expires: PerClient<SimTime>,
}

impl Views {
    pub(super) fn new(
        mode: Propagation,
        stages: CacheStages,
        network: NetworkModel,
        instances: u32,
        streams: PerClient<Stream>,
        (server_rng, list_rng): (Stream, PerClient<Stream>),
    ) -> Self {
        let clients = streams.len() as u32;
        let fetched_count = if stages.balancer_refresh.is_some() { clients } else { 0 };
        Views {
            mode,
            network,
            tracker: Tracker::new(instances, clients),
            snapshots: PerClient::new(clients, PerInstance::new(instances, true)),
            streams,
            trace: None,
            stages,
            server_view: PerInstance::new(if stages.server_cache.is_some() { instances } else { 0 }, true),
            fetched: PerClient::new(fetched_count, PerInstance::new(instances, true)),
            server_rng,
            list_rng,
            server_stage: Stage::new(instances, stages.server_cache.is_some() as u32),
            client_stage: Stage::new(instances, fetched_count),
            expires: PerClient::new(if matches!(mode, Propagation::Ttl { .. }) { clients } else { 0 }, NONE),
        }
    }

    /// Time 0: the response cache's first refresh, at a random phase.
    pub(super) fn start_server_cache<E: WorldEvent>(&mut self, ctx: &mut TrafficCtx<E>) {
        if let Some(refresh) = self.stages.server_cache {
            let phase = self.server_rng.below(refresh);
            ctx.at(ctx.now.saturating_add(phase), TrafficEvent::CacheRefresh);
        }
    }

    /// The response cache copies the registry's view, and comes again.
    pub(super) fn on_cache_refresh<E: WorldEvent>(&mut self, ctx: &mut TrafficCtx<E>, metrics: &mut RequestMetrics) {
        let Some(refresh) = self.stages.server_cache else { return };
        for (instance, slot) in InstanceId::all(self.server_view.len() as u32).zip(self.server_view.iter_mut()) {
            let up = ctx.registry.view(instance) == View::Up;
            self.server_stage.set(instance, *slot, up);
            *slot = up;
            let waited = self.server_stage.agreed(instance, up, ctx.now);
            record(&mut metrics.server_cache_time, waited);
        }
        ctx.at(ctx.now.saturating_add(refresh), TrafficEvent::CacheRefresh);
    }

    /// With a balancer list: keeps what `client` learned for its next list refresh and says so;
    /// without one, false (the balancer routes by it at once).
    pub(super) fn fetch(
        &mut self,
        client: ClientId,
        instance: InstanceId,
        up: bool,
        now: SimTime,
        metrics: &mut RequestMetrics,
    ) -> bool {
        let Some(cache) = self.fetched.get_mut(client) else { return false };
        self.client_stage.set(instance, cache[instance], up);
        cache[instance] = up;
        let waited = self.client_stage.agreed(instance, self.tracker.change_to_up[instance], now);
        record(&mut metrics.client_cache_time, waited);
        true
    }

    /// What `client`'s cache holds for `instance`, with a balancer list.
    pub(super) fn fetched(&self, client: ClientId, instance: InstanceId) -> Option<bool> {
        self.fetched.get(client).map(|cache| cache[instance])
    }

    /// The next list refresh of `client`'s balancer, one period on.
    pub(super) fn schedule_list_refresh<E: WorldEvent>(&mut self, client: ClientId, ctx: &mut TrafficCtx<E>) {
        if let Some(refresh) = self.stages.balancer_refresh {
            ctx.at(ctx.now.saturating_add(refresh), TrafficEvent::ListRefresh { client });
        }
    }

    /// Time 0: a polling client's first poll, and its balancer's first list refresh, each at
    /// a random phase.
    pub(super) fn start<E: WorldEvent>(&mut self, client: ClientId, ctx: &mut TrafficCtx<E>) {
        match self.mode {
            Propagation::Poll { refresh } => {
                let phase = self.streams[client].below(refresh);
                ctx.at(ctx.now.saturating_add(phase), TrafficEvent::Poll { client });
            }
            // The answer held at time 0 was fetched at a random moment of its TTL.
            Propagation::Ttl { ttl } => self.expires[client] = ctx.now.saturating_add(self.streams[client].below(ttl)),
            Propagation::Watch => {}
        }
        if let Some(refresh) = self.stages.balancer_refresh {
            let phase = self.list_rng[client].below(refresh);
            ctx.at(ctx.now.saturating_add(phase), TrafficEvent::ListRefresh { client });
        }
    }

    pub(super) fn trace(&mut self) {
        self.trace = Some(Vec::new());
    }

    pub(super) fn take_trace(&mut self) -> Vec<TraceRecord> {
        self.trace.take().unwrap_or_default()
    }

    /// The registry changed its view of `instance` (a newer change supersedes an older one
    /// that has not reached every client yet).
    pub(super) fn on_view_change<E: WorldEvent>(
        &mut self,
        instance: InstanceId,
        up: bool,
        ctx: &mut TrafficCtx<E>,
        metrics: &mut RequestMetrics,
    ) {
        self.tracker.change_since[instance] = ctx.now;
        self.tracker.change_to_up[instance] = up;
        self.check_propagated(instance, ctx.now, metrics);
        self.server_stage.changed(instance, ctx.now);
        record(&mut metrics.server_cache_time, self.server_stage.agreed(instance, up, ctx.now));
        self.client_stage.changed(instance, ctx.now);
        record(&mut metrics.client_cache_time, self.client_stage.agreed(instance, up, ctx.now));
        if self.mode == Propagation::Watch {
            for client in ClientId::all(self.streams.len() as u32) {
                let delay = self.network.delay.sample(&mut self.streams[client]);
                ctx.at(ctx.now.saturating_add(delay), TrafficEvent::Push { client, instance, up });
            }
        }
    }

    /// The instance crashed: follow how long clients keep routing to it.
    pub(super) fn on_instance_down(&mut self, instance: InstanceId, now: SimTime, metrics: &mut RequestMetrics) {
        self.tracker.crash_since[instance] = now;
        self.check_unrouted(instance, now, metrics);
    }

    pub(super) fn on_instance_up(&mut self, instance: InstanceId) {
        self.tracker.crash_since[instance] = NONE;
    }

    /// Some client's cache changed to `up` for `instance`.
    pub(super) fn learned(&mut self, instance: InstanceId, up: bool, now: SimTime, metrics: &mut RequestMetrics) {
        let holding = &mut self.tracker.holding_up[instance];
        *holding = if up { *holding + 1 } else { *holding - 1 };
        let edge = match (up, *holding) {
            (false, 0) => Some("clients_down"),
            (true, 1) => Some("clients_up"),
            _ => None,
        };
        if let (Some(event), Some(trace)) = (edge, &mut self.trace) {
            trace.push(TraceRecord { time: now, event, instance });
        }
        self.check_propagated(instance, now, metrics);
        self.check_unrouted(instance, now, metrics);
    }

    fn check_propagated(&mut self, instance: InstanceId, now: SimTime, metrics: &mut RequestMetrics) {
        let since = self.tracker.change_since[instance];
        if since != NONE && self.tracker.agreeing(instance) == self.tracker.clients {
            metrics.propagation_time.record(now - since);
            self.tracker.change_since[instance] = NONE;
        }
    }

    fn check_unrouted(&mut self, instance: InstanceId, now: SimTime, metrics: &mut RequestMetrics) {
        let since = self.tracker.crash_since[instance];
        if since != NONE && self.tracker.holding_up[instance] == 0 {
            metrics.stale_route_time.record(now - since);
            self.tracker.crash_since[instance] = NONE;
        }
    }

    pub(super) fn on_poll<E: WorldEvent>(&mut self, client: ClientId, ctx: &mut TrafficCtx<E>) {
        let Propagation::Poll { refresh } = self.mode else {
            return;
        };
        ctx.at(ctx.now.saturating_add(refresh), TrafficEvent::Poll { client });
        if let Some(at) = self.registry_message(client, ctx.now) {
            ctx.at(at, TrafficEvent::Read { client });
        }
    }

    /// With a TTL cache: `client` is about to route a request; an answer that ran out starts
    /// a lookup (one at a time).
    // Inlined (the test is all a request pays without a TTL cache), the lookup out of line.
    #[inline]
    pub(super) fn on_request<E: WorldEvent>(&mut self, client: ClientId, ctx: &mut TrafficCtx<E>) {
        if let Some(&expires) = self.expires.get(client)
            && ctx.now >= expires
        {
            self.look_up(client, ctx);
        }
    }

    /// With a TTL cache whose answer ran out: `client` asks the registry.
    #[inline(never)]
    fn look_up<E: WorldEvent>(&mut self, client: ClientId, ctx: &mut TrafficCtx<E>) {
        self.expires[client] = NONE;
        match self.registry_message(client, ctx.now) {
            Some(at) => ctx.at(at, TrafficEvent::Read { client }),
            None => self.expires[client] = ctx.now,
        }
    }

    /// A poll's or lookup's answer reached `client`; with a TTL cache it lasts `ttl` from now.
    pub(super) fn installed(&mut self, client: ClientId, now: SimTime) {
        if let Propagation::Ttl { ttl } = self.mode {
            self.expires[client] = now.saturating_add(ttl);
        }
    }

    /// The registry answers a poll with its view at this moment, or with its response cache.
    pub(super) fn on_read<E: WorldEvent>(&mut self, client: ClientId, ctx: &mut TrafficCtx<E>) {
        let snapshot = &mut self.snapshots[client];
        for (instance, slot) in InstanceId::all(snapshot.len() as u32).zip(snapshot.iter_mut()) {
            *slot = match self.stages.server_cache {
                Some(_) => self.server_view[instance],
                None => ctx.registry.view(instance) == View::Up,
            };
        }
        match self.registry_message(client, ctx.now) {
            Some(at) => ctx.at(at, TrafficEvent::Install { client }),
            None if !self.expires.is_empty() => self.expires[client] = ctx.now,
            None => {}
        }
    }

    /// The poll answer that reached `client`, to install in its cache.
    pub(super) fn snapshot(&self, client: ClientId) -> &PerInstance<bool> {
        &self.snapshots[client]
    }

    /// A poll message between a client and the registry: delayed, and lost with the network's
    /// loss probability.
    fn registry_message(&mut self, client: ClientId, now: SimTime) -> Option<SimTime> {
        self.network.transit(now, &mut self.streams[client])
    }
}

/// Records a stage's wait, when there is one and the stage's metric is reported.
fn record(metric: &mut Option<crate::metrics::Sampled>, waited: Option<SimTime>) {
    if let (Some(metric), Some(waited)) = (metric, waited) {
        metric.record(waited);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change waits until every copy holds it; a change the copies already agree with (the
    /// registry changed back before a refresh) waits 0, superseding the one before it.
    #[test]
    fn a_stage_waits_for_every_copy_and_a_change_back_counts_zero() {
        let (i, mut stage) = (InstanceId(0), Stage::new(1, 2));
        stage.changed(i, 10);
        assert_eq!(stage.agreed(i, false, 10), None);
        stage.set(i, true, false);
        assert_eq!(stage.agreed(i, false, 15), None, "one copy of two");
        stage.set(i, true, false);
        assert_eq!(stage.agreed(i, false, 25), Some(15));
        assert_eq!(stage.agreed(i, false, 30), None, "recorded once");
        stage.changed(i, 40);
        stage.changed(i, 50);
        assert_eq!(stage.agreed(i, false, 50), Some(0), "changed back before any copy moved");
        assert_eq!(Stage::new(1, 0).agreed(i, true, 5), None, "stage off");
    }
}
