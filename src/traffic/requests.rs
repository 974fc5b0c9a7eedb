//! A request's life on the client: issue, look its key up in the look-aside cache if there is
//! one (a hit answers without an attempt; a successful response fills the cache), pick an
//! instance, send an attempt with its timeout,
//! then on failure retry (backoff, jitter, budget) or give up; hedge a slow first attempt; and
//! expire at the deadline (the source document's timestamp mechanism); eject instances
//! that fail in a row (outlier detection), returning them at periodic sweeps; and throttle
//! on the client (adaptive throttling before every attempt, gRPC's tokens before extra ones).

mod affinity;
mod fanout;
mod tied;

use super::cache::Cache;
use super::client::Client;
use super::keys::Keys;
use super::serving::{Job, Servers};
use super::slab::{Ref, Slab};
use super::{TrafficCtx, TrafficEvent, WorldEvent};
use crate::balance::{Balancer, Pick};
use crate::engine::{LogAhead, SimTime, Stream, TimerLane};
use crate::ids::{ClientId, InstanceId, PerClient, PerInstance};
use crate::metrics::requests::RequestMetrics;
use crate::model::Clients;
use crate::recovery::backoff;
use crate::recovery::breaker::Change;

/// Failover remembers this many instances already tried per request.
const TRIED: usize = 8;

#[derive(Clone, Copy)]
pub(super) struct Request {
    client: ClientId,
    key: u64,
    issued: SimTime,
    /// When the request stops being valid (SimTime::MAX without a deadline).
    pub deadline: SimTime,
    first_sent: SimTime,
    attempts: u32,
    in_flight: u32,
    tried: [InstanceId; TRIED],
    /// Instances recorded in `tried` (attempts that found no instance record none).
    tried_count: u32,
    previous_backoff: SimTime,
}

impl Request {
    fn tried(&self) -> &[InstanceId] {
        &self.tried[..(self.tried_count as usize).min(TRIED)]
    }

    /// An attempt (or a tied copy) leaves for `instance`: recorded as tried, and in flight.
    fn add_try(&mut self, instance: InstanceId) {
        self.tried[self.tried_count as usize % TRIED] = instance;
        self.tried_count += 1;
        self.in_flight += 1;
    }
}

#[derive(Clone, Copy)]
pub(super) struct Attempt {
    request: Ref,
    client: ClientId,
    instance: InstanceId,
    sent: SimTime,
}

/// The clients' random streams on the request path: one of each kind per client.
pub(super) struct ClientStreams {
    /// The waits between requests (their logarithms computed ahead) and the requests' keys.
    pub arrivals: PerClient<LogAhead>,
    pub balance: PerClient<Stream>,
    pub recovery: PerClient<Stream>,
    /// With outlier detection: the enforcement draws of its rate rules (else empty).
    pub outlier: PerClient<Stream>,
    /// Adaptive throttling's draws (empty without it).
    pub throttle: PerClient<Stream>,
}

/// The clients' side of the request path: their routing state, requests and attempts in
/// flight with their timers, and the balancer that picks for all of them.
pub(super) struct RequestPath {
    model: Clients,
    clients: PerClient<Client>,
    balancer: Box<dyn Balancer>,
    requests: Slab<Request>,
    attempts: Slab<Attempt>,
    /// Attempt timeouts and request deadlines: one fixed delay each, so FIFO lanes.
    timeouts: TimerLane<Ref>,
    deadlines: TimerLane<Ref>,
    keys: Keys,
    /// The look-aside cache every request consults first, if the scenario has one.
    cache: Option<Cache>,
    rate_factor: f64,
    rng: ClientStreams,
    /// Client 0's first choice for each sampled key (key-affine balancers).
    assignment: Vec<Option<InstanceId>>,
    /// When each crashed instance went down, for `ejection_time` (empty without outlier
    /// detection).
    down_since: PerInstance<Option<SimTime>>,
    /// Fan-out requests waiting for their leaves (empty without fan-out).
    parents: Slab<fanout::Parent>,
    /// The instances chosen for one fan-out request's leaves (reused, so nothing allocates).
    chosen: Vec<InstanceId>,
    /// Each fan-out leaf's parent, by the leaf's request slot (empty without fan-out: kept
    /// beside the slab so that requests stay as small as before).
    leaf_parent: Vec<Option<Ref>>,
    /// The instance the next attempt sent goes to, chosen with its fan-out siblings'.
    next_pinned: Option<InstanceId>,
    /// Whether any client-side option that acts on each attempt is on (a breaker, outlier
    /// detection, adaptive throttling, retry-throttling tokens, hedging by a latency
    /// quantile). Without one, an attempt's send and its end test this flag instead of each
    /// option, and the options' code stays out of the request handlers (`attempt_outcome`).
    extras: bool,
}

impl RequestPath {
    pub(super) fn new(model: Clients, instances: u32, rng: ClientStreams) -> Self {
        let c = model.count;
        let r = &model.recovery;
        let extras = r.breaker.is_some()
            || r.outlier.is_some()
            || r.adaptive_throttling.is_some()
            || r.retry_throttling.is_some()
            || r.hedge.as_ref().is_some_and(|h| h.quantile.is_some());
        RequestPath {
            clients: ClientId::all(c).map(|_| Client::new(instances, &model.recovery, model.rate)).collect(),
            balancer: model.balancer.build(instances, c),
            requests: Slab::default(),
            attempts: Slab::default(),
            timeouts: TimerLane::default(),
            deadlines: TimerLane::default(),
            keys: Keys::new(model.keys, model.zipf),
            cache: model.cache.map(|c| Cache::new(c, model.keys)),
            rate_factor: 1.0,
            rng,
            assignment: Vec::new(),
            down_since: PerInstance::new(if model.recovery.outlier.is_some() { instances } else { 0 }, None),
            parents: Slab::default(),
            chosen: Vec::new(),
            leaf_parent: Vec::new(),
            next_pinned: None,
            extras,
            model,
        }
    }

    /// The balancer's key-space shares over `instances` instances, all in the view.
    pub(super) fn key_shares(&self, instances: u32) -> Option<Vec<f64>> {
        self.balancer.key_shares(instances)
    }

    pub(super) fn clients(&self) -> u32 {
        self.clients.len() as u32
    }

    /// A `spike` fault: every client's rate is multiplied by `factor`. Poisson streams are
    /// memoryless, so each client simply redraws its next request at the new rate.
    pub(super) fn set_rate_factor<E: WorldEvent>(&mut self, factor: f64, ctx: &mut TrafficCtx<E>) {
        self.rate_factor = factor;
        for client in ClientId::all(self.clients()) {
            self.clients[client].issue_generation += 1;
            self.schedule_issue(client, ctx);
        }
    }

    /// `client`'s cache learns `up` for `instance`: whether that changed it.
    pub(super) fn learn(&mut self, client: ClientId, instance: InstanceId, up: bool) -> bool {
        self.clients[client].learn(instance, up)
    }

    /// Whether an `Issue` event of `client` with `generation` is live (not superseded by a
    /// change of rate), so a request is issued.
    pub(super) fn is_current(&self, client: ClientId, generation: u32) -> bool {
        generation == self.clients[client].issue_generation
    }

    // Always inlined: in the issue handler it saves a call per request.
    #[inline(always)]
    pub(super) fn schedule_issue<E: WorldEvent>(&mut self, client: ClientId, ctx: &mut TrafficCtx<E>) {
        let rate = self.model.rate * self.rate_factor;
        let wait = crate::engine::time::from_seconds(-self.rng.arrivals[client].take_log() / rate);
        let generation = self.clients[client].issue_generation;
        ctx.at(ctx.now.saturating_add(wait), TrafficEvent::Issue { client, generation });
    }

    // The issue event's handler, one function with its steps inlined (see `Traffic::on_event`).
    #[inline(never)]
    pub(super) fn on_issue<E: WorldEvent>(
        &mut self,
        client: ClientId,
        generation: u32,
        ctx: &mut TrafficCtx<E>,
        servers: &mut Servers,
        metrics: &mut RequestMetrics,
    ) {
        if !self.is_current(client, generation) {
            return;
        }
        self.schedule_issue(client, ctx);
        metrics.issue(ctx.now);
        if let Some(budget) = &mut self.clients[client].budget {
            budget.deposit(ctx.now);
        }
        let arrivals = &mut self.rng.arrivals[client];
        let key = self.keys.sample(arrivals.stream());
        // The client's next draw from this stream is its next issue's wait (the key above came
        // after this issue's), so its logarithm can be computed now, off the next issue's path.
        arrivals.prepare();
        if let Some(cache) = &mut self.cache {
            let hit = cache.lookup(key, ctx.now);
            metrics.cache_lookup(ctx.now, hit);
            if hit {
                return answer_hit(cache.latency(), ctx, metrics);
            }
        }
        if let Some(fanout) = self.model.fanout {
            return self.issue_fanout(client, key, fanout, ctx, servers, metrics);
        }
        let request = self.new_request(client, key, ctx);
        match self.cache.as_ref().map_or(0, Cache::latency) {
            0 => self.send_now(request, ctx, servers, metrics),
            latency => ctx.at(ctx.now.saturating_add(latency), TrafficEvent::CacheMiss { request }),
        }
    }

    /// A request (or a fan-out leaf) enters the slab, with its deadline in the lane.
    #[inline(always)]
    fn new_request<E: WorldEvent>(&mut self, client: ClientId, key: u64, ctx: &mut TrafficCtx<E>) -> Ref {
        let deadline = self.model.recovery.deadline.map_or(SimTime::MAX, |d| ctx.now.saturating_add(d));
        let request = self.requests.insert(Request {
            client,
            key,
            issued: ctx.now,
            deadline,
            first_sent: ctx.now,
            attempts: 0,
            in_flight: 0,
            tried: [InstanceId(0); TRIED],
            tried_count: 0,
            previous_backoff: 0,
        });
        if deadline != SimTime::MAX {
            self.deadlines.set(deadline, request, E::from(TrafficEvent::Expire), ctx.queue);
        }
        request
    }

    /// A cache hit's answer arrives: it was issued the cache's latency ago.
    pub(super) fn on_cache_hit(&mut self, now: SimTime, metrics: &mut RequestMetrics) {
        let issued = now - self.cache.as_ref().map_or(0, Cache::latency);
        metrics.complete(now, issued, issued, 0, true);
    }

    /// A `flush` fault: the cache loses every entry.
    pub(super) fn flush_cache(&mut self, now: SimTime, metrics: &mut RequestMetrics) {
        if let Some(cache) = &mut self.cache {
            cache.flush();
        }
        if let Some(m) = &mut metrics.cache {
            m.flushed(now);
        }
    }

    /// Adaptive throttling, the last gate before an attempt leaves `client`: whether it is
    /// rejected locally (drawn from the client's throttle stream, only while the rejection
    /// probability is above 0). Every attempt asked for counts in the window, rejected or not.
    fn throttled(&mut self, client: ClientId, now: SimTime, metrics: &mut RequestMetrics) -> bool {
        let Some(throttle) = &mut self.clients[client].throttle else { return false };
        let p = throttle.rejection(now);
        throttle.requested(now);
        let rejected = p > 0.0 && self.rng.throttle[client].bernoulli(p);
        metrics.counters.throttled += rejected as u64;
        rejected
    }

    /// Picks an instance and sends the request's next attempt (a retry, or a hedge: the only
    /// attempt sent while another is in flight). Adaptive throttling may reject it locally
    /// first: a hedge is then not sent, a first attempt or a retry ends the request as failed.
    /// An attempt that finds no usable instance fails at once (and counts toward
    /// `max_attempts`).
    #[inline(never)]
    pub(super) fn send_attempt<E: WorldEvent>(
        &mut self,
        request: Ref,
        ctx: &mut TrafficCtx<E>,
        servers: &mut Servers,
        metrics: &mut RequestMetrics,
    ) {
        self.send_now(request, ctx, servers, metrics);
    }

    /// `send_attempt`, inlined into `on_issue`: every request's first attempt.
    #[inline(always)]
    fn send_now<E: WorldEvent>(
        &mut self,
        request: Ref,
        ctx: &mut TrafficCtx<E>,
        servers: &mut Servers,
        metrics: &mut RequestMetrics,
    ) {
        let pinned = self.next_pinned.take();
        let Some(r) = self.requests.get(request) else { return };
        let (client, hedge) = (r.client, r.in_flight > 0);
        if self.extras && self.throttled(client, ctx.now, metrics) {
            if !hedge {
                self.complete(request, false, ctx.now, metrics);
            }
            return;
        }
        metrics.counters.hedges += hedge as u64;
        // One lookup of the request for the pick and the attempt's bookkeeping: the balancer
        // borrows the other fields.
        let r = self.requests.get_mut(request).expect("checked above");
        let picked = match pinned {
            Some(instance) => Some(instance),
            None => pick(&mut *self.balancer, &self.clients[client], &mut self.rng.balance[client], r),
        };
        let Some(instance) = picked else {
            metrics.counters.no_instance += 1;
            r.attempts += 1;
            return self.attempt_failed(request, ctx, metrics);
        };
        if r.attempts == 0 {
            r.first_sent = ctx.now;
        }
        r.attempts += 1;
        r.add_try(instance);
        let (deadline, first) = (r.deadline, r.attempts == 1);
        let attempt = self.open_attempt(request, client, instance, ctx, metrics);
        let request_id = (request.slot as u64) << 32 | request.generation as u64;
        let job = Job { attempt, request_id, client, instance, deadline };
        if self.model.recovery.tied.is_some() {
            return self.send_tied(job, request, ctx, servers, metrics);
        }
        servers.dispatch(job, ctx);
        if first && self.model.recovery.hedge.is_some() {
            let delay = self.hedge_delay(client);
            ctx.at(ctx.now.saturating_add(delay), TrafficEvent::Hedge { request });
        }
    }

    /// An attempt of `request` (already recorded on the request: `Request::add_try`) leaves
    /// `client` for `instance`: in flight on the client's outstanding count and its breaker,
    /// with its timeout.
    // Always inlined: the plain path's one call site then compiles as the code it replaced.
    #[inline(always)]
    fn open_attempt<E: WorldEvent>(
        &mut self,
        request: Ref,
        client: ClientId,
        instance: InstanceId,
        ctx: &mut TrafficCtx<E>,
        metrics: &mut RequestMetrics,
    ) -> Ref {
        let c = &mut self.clients[client];
        c.outstanding[instance] += 1;
        metrics.attempt_started(ctx.now, instance);
        if let Some(b) = c.breakers.get_mut(instance) {
            b.on_send();
            c.refresh_routable(instance);
        }
        let attempt = self.attempts.insert(Attempt { request, client, instance, sent: ctx.now });
        let timeout_at = ctx.now.saturating_add(self.model.recovery.timeout);
        self.timeouts.set(timeout_at, attempt, E::from(TrafficEvent::Timeout), ctx.queue);
        attempt
    }

    /// The balancer's choice for `request`, failing over away from instances already tried.
    fn pick_instance(&mut self, request: Ref) -> Option<InstanceId> {
        let r = self.requests.get(request)?;
        pick(&mut *self.balancer, &self.clients[r.client], &mut self.rng.balance[r.client], r)
    }

    fn hedge_delay(&self, client: ClientId) -> SimTime {
        let hedge = self.model.recovery.hedge.as_ref().expect("called only when hedging");
        match (hedge.quantile, &self.clients[client].latencies) {
            (Some(q), Some(h)) if h.len() >= 100 => h.value_at_quantile(q),
            _ => hedge.delay,
        }
    }

    // The response event's handler, one function with its steps inlined (see `Traffic::on_event`).
    #[inline(never)]
    pub(super) fn on_response<E: WorldEvent>(
        &mut self,
        attempt: Ref,
        ok: bool,
        ctx: &mut TrafficCtx<E>,
        metrics: &mut RequestMetrics,
    ) {
        let Some(a) = self.finish_attempt(attempt, ok, ctx, metrics) else {
            return;
        };
        if !ok {
            metrics.counters.rejected += 1;
            return self.attempt_failed(a.request, ctx, metrics);
        }
        let Some(r) = self.requests.get(a.request).filter(|r| ctx.now <= r.deadline) else { return };
        // Look-aside: the client that got the value puts it in the cache.
        if let Some(cache) = &mut self.cache {
            cache.fill(r.key, ctx.now);
        }
        self.complete(a.request, true, ctx.now, metrics);
    }

    /// The earliest timeout in the lane is due; timeouts of attempts that have already ended
    /// are dropped from the lane unseen.
    pub(super) fn on_timeout<E: WorldEvent>(&mut self, ctx: &mut TrafficCtx<E>, metrics: &mut RequestMetrics) {
        let attempts = &self.attempts;
        let wake = E::from(TrafficEvent::Timeout);
        let Some(attempt) = self.timeouts.fire(wake, ctx.queue, |a| attempts.get(a).is_some()) else {
            return;
        };
        if let Some(a) = self.finish_attempt(attempt, false, ctx, metrics) {
            metrics.counters.timeouts += 1;
            self.attempt_failed(a.request, ctx, metrics);
        }
    }

    /// Closes an attempt on the client (its response came, or its timeout): frees it, updates
    /// the outstanding count, and tells the client's options its outcome.
    #[inline(always)]
    fn finish_attempt<E: WorldEvent>(
        &mut self,
        attempt: Ref,
        ok: bool,
        ctx: &mut TrafficCtx<E>,
        metrics: &mut RequestMetrics,
    ) -> Option<Attempt> {
        let a = self.attempts.remove(attempt)?;
        self.clients[a.client].outstanding[a.instance] -= 1;
        metrics.attempt_ended(ctx.now, a.instance);
        if let Some(r) = self.requests.get_mut(a.request) {
            r.in_flight -= 1;
        }
        if self.extras {
            self.attempt_outcome(&a, ok, ctx, metrics);
        }
        Some(a)
    }

    /// An attempt's outcome (`ok`: a successful response) reaches the client's options: its
    /// breaker, retry-throttling tokens and outlier detector, then, for a success, the
    /// latencies of hedging by quantile and adaptive throttling.
    // Cold and never inlined: only with those options (`extras`).
    #[cold]
    #[inline(never)]
    fn attempt_outcome<E: WorldEvent>(
        &mut self,
        a: &Attempt,
        ok: bool,
        ctx: &mut TrafficCtx<E>,
        metrics: &mut RequestMetrics,
    ) {
        let c = &mut self.clients[a.client];
        if let (Some(policy), Some(b)) = (&self.model.recovery.breaker, c.breakers.get_mut(a.instance)) {
            match b.record(policy, ctx.now, ok) {
                Change::Opened(until) => {
                    metrics.counters.breaker_opens += 1;
                    ctx.at(until, TrafficEvent::HalfOpen { client: a.client, instance: a.instance });
                }
                Change::Closed | Change::None => {}
            }
            c.refresh_routable(a.instance);
        }
        if let Some(tokens) = &mut c.tokens {
            tokens.record(ok);
        }
        if c.outlier.is_some() {
            self.record_outlier(a.client, a.instance, ok, ctx.now, metrics);
        }
        let c = &mut self.clients[a.client];
        if let (true, Some(h)) = (ok, &mut c.latencies) {
            let _ = h.record(ctx.now - a.sent);
        }
        if let (true, Some(throttle)) = (ok, &mut c.throttle) {
            throttle.accepted(ctx.now);
        }
    }

    /// An attempt's outcome reaches the client's outlier detector; an ejection is counted, and
    /// timed from the instance's crash if it is the client's first ejection since then.
    fn record_outlier(
        &mut self,
        client: ClientId,
        instance: InstanceId,
        ok: bool,
        now: SimTime,
        metrics: &mut RequestMetrics,
    ) {
        let c = &mut self.clients[client];
        let previous = c.outlier.as_ref().and_then(|o| o.last_ejection(instance));
        if !c.record_outcome(instance, ok, now) {
            return;
        }
        let ejected = c.outlier.as_ref().map_or(0, |o| o.ejected);
        if let Some(m) = &mut metrics.outlier {
            m.ejected(ejected, since_crash(&self.down_since, instance, previous, now));
        }
    }

    /// Time 0: each client with outlier detection schedules its first analysis sweep, at a
    /// phase uniform on [0, interval) drawn from its recovery stream.
    pub(super) fn start_sweeps<E: WorldEvent>(&mut self, ctx: &mut TrafficCtx<E>) {
        let Some(policy) = self.model.recovery.outlier else { return };
        for client in ClientId::all(self.clients()) {
            let phase = (self.rng.recovery[client].uniform() * policy.interval as f64) as SimTime;
            ctx.at(phase, TrafficEvent::Sweep { client });
        }
    }

    /// A client's analysis sweep: instances whose ejection time is over return, and the next
    /// sweep is scheduled one interval on.
    pub(super) fn on_sweep<E: WorldEvent>(
        &mut self,
        client: ClientId,
        ctx: &mut TrafficCtx<E>,
        metrics: &mut RequestMetrics,
    ) {
        let c = &mut self.clients[client];
        let Some(outlier) = &mut c.outlier else { return };
        ctx.at(ctx.now.saturating_add(outlier.policy.interval), TrafficEvent::Sweep { client });
        let mut any = false;
        outlier.sweep(ctx.now, |_, ejected_at| {
            any = true;
            if let Some(m) = &mut metrics.outlier {
                m.ejected_for.record(ctx.now - ejected_at);
            }
        });
        if any {
            // Refreshing every instance (cheap when unchanged) avoids collecting the returned ones.
            for instance in InstanceId::all(c.view.len() as u32) {
                c.refresh_routable(instance);
            }
            c.update_panic();
        }
        let down_since = &self.down_since;
        c.eject_by_rates(ctx.now, &mut self.rng.outlier[client], |instance, previous, ejected| {
            if let Some(m) = &mut metrics.outlier {
                m.ejected(ejected, since_crash(down_since, instance, previous, ctx.now));
            }
        });
    }

    /// The instance crashed (for `ejection_time`), or (`None`) started again.
    pub(super) fn set_down_since(&mut self, instance: InstanceId, since: Option<SimTime>) {
        if let Some(down) = self.down_since.get_mut(instance) {
            *down = since;
        }
    }

    pub(super) fn on_half_open(&mut self, client: ClientId, instance: InstanceId, now: SimTime) {
        let c = &mut self.clients[client];
        c.breakers[instance].half_open(now);
        c.refresh_routable(instance);
    }

    /// An attempt failed: retry after a backoff if the policy, the budget and the deadline
    /// allow, else give up — unless another attempt (a hedge) is still in flight.
    fn attempt_failed<E: WorldEvent>(&mut self, request: Ref, ctx: &mut TrafficCtx<E>, metrics: &mut RequestMetrics) {
        let Some(r) = self.requests.get(request) else {
            return;
        };
        if r.in_flight > 0 {
            return;
        }
        let policy = &self.model.recovery.retry;
        if r.attempts >= policy.max_attempts {
            return self.complete(request, false, ctx.now, metrics);
        }
        let (client, retry, previous) = (r.client, r.attempts.max(1), r.previous_backoff);
        let wait = backoff::delay(policy, retry, previous, &mut self.rng.recovery[client]);
        if ctx.now.saturating_add(wait) >= r.deadline {
            return self.complete(request, false, ctx.now, metrics);
        }
        if !self.extra_attempt_allowed(client, ctx.now, metrics) {
            return self.complete(request, false, ctx.now, metrics);
        }
        self.requests.get_mut(request).expect("checked above").previous_backoff = wait;
        ctx.at(ctx.now.saturating_add(wait), TrafficEvent::Retry { request });
    }

    /// A hedge is an extra attempt, so like a retry it needs gRPC's retry-throttling tokens and
    /// a token of the retry budget, and passes adaptive throttling.
    pub(super) fn on_hedge<E: WorldEvent>(
        &mut self,
        request: Ref,
        ctx: &mut TrafficCtx<E>,
        servers: &mut Servers,
        metrics: &mut RequestMetrics,
    ) {
        let Some(r) = self.requests.get(request) else {
            return;
        };
        if r.attempts != 1 || r.in_flight != 1 || r.attempts >= self.model.recovery.retry.max_attempts {
            return;
        }
        if !self.extra_attempt_allowed(r.client, ctx.now, metrics) {
            return;
        }
        self.send_attempt(request, ctx, servers, metrics);
    }

    /// Whether `client` may send an extra attempt (a retry or a hedge): gRPC's retry
    /// throttling, then the retry budget (whose token it takes). A refusal is counted.
    fn extra_attempt_allowed(&mut self, client: ClientId, now: SimTime, metrics: &mut RequestMetrics) -> bool {
        let c = &mut self.clients[client];
        if c.tokens.as_ref().is_some_and(|t| !t.allows()) {
            metrics.counters.retry_throttled += 1;
            return false;
        }
        if let Some(budget) = &mut c.budget
            && !budget.withdraw(now)
        {
            metrics.counters.budget_denied += 1;
            return false;
        }
        true
    }

    pub(super) fn on_expire<E: WorldEvent>(&mut self, ctx: &mut TrafficCtx<E>, metrics: &mut RequestMetrics) {
        let requests = &self.requests;
        let wake = E::from(TrafficEvent::Expire);
        let Some(request) = self.deadlines.fire(wake, ctx.queue, |r| requests.get(r).is_some()) else {
            return;
        };
        if self.requests.get(request).is_some() {
            self.complete(request, false, ctx.now, metrics);
        }
    }

    /// The request is over; attempts still in flight are abandoned (their responses and
    /// timeouts will find the request gone).
    #[inline]
    fn complete(&mut self, request: Ref, success: bool, now: SimTime, metrics: &mut RequestMetrics) {
        let Some(r) = self.requests.remove(request) else { return };
        match self.leaf_parent.get_mut(request.slot as usize).and_then(Option::take) {
            None => metrics.complete(now, r.issued, r.first_sent, r.attempts, success),
            // By value, so that the request is copied out of the slab in this rare branch only.
            Some(parent) => self.leaf_done(parent, r, success, now, metrics),
        }
    }
}

/// The balancer's choice for the request `r` of the client `c`, failing over away from
/// instances already tried; when every usable instance was tried, any usable one may be tried
/// again.
#[inline]
fn pick(balancer: &mut dyn Balancer, c: &Client, rng: &mut Stream, r: &Request) -> Option<InstanceId> {
    let mut pick = Pick {
        client: r.client,
        key: r.key,
        live: &c.live,
        is_live: &c.routable,
        outstanding: &c.outstanding,
        tried: r.tried(),
        rng,
    };
    if let Some(instance) = balancer.pick(&mut pick) {
        return Some(instance);
    }
    pick.tried = &[];
    balancer.pick(&mut pick)
}

/// A cache hit issued at `now` answers after `latency` without touching an instance (at once
/// when the latency is 0).
fn answer_hit<E: WorldEvent>(latency: SimTime, ctx: &mut TrafficCtx<E>, metrics: &mut RequestMetrics) {
    match latency {
        0 => metrics.complete(ctx.now, ctx.now, ctx.now, 0, true),
        _ => ctx.at(ctx.now.saturating_add(latency), TrafficEvent::CacheHit),
    }
}

/// For `ejection_time`: how long ago `instance` crashed, if it is down and this is the first
/// ejection (previous: the one before, if any) since the crash.
fn since_crash(
    down_since: &PerInstance<Option<SimTime>>,
    instance: InstanceId,
    previous: Option<SimTime>,
    now: SimTime,
) -> Option<SimTime> {
    let crashed = down_since.get(instance).copied().flatten();
    crashed.filter(|t| previous.is_none_or(|p| p < *t)).map(|t| now - t)
}
