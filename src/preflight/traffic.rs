//! The request path's share of the estimate: requests, their attempts, retries and timeouts,
//! the view's propagation to the clients, outlier detection's sweeps, and the memory of clients
//! and attempts in flight.

use crate::detect::{Cost, Load};
use crate::engine::time::to_seconds;
use crate::model::{Clients, FaultAction, Propagation, Scenario};
use crate::recovery::Retry;

/// A client's own state: its random streams, keys, budget, lanes (measured: about 1.5 KB).
const CLIENT_BYTES: f64 = 1_500.0;
/// A client's state per instance: view, routable, outstanding count, snapshot.
const CLIENT_BYTES_PER_INSTANCE: f64 = 16.0;
/// A circuit breaker, one per (client, instance).
const BREAKER_BYTES: f64 = 48.0;
/// An outlier detector's state per (client, instance): failures, ejections, their times.
const OUTLIER_BYTES: f64 = 32.0;
/// An attempt in flight or waiting in an instance's queue: its slots and timers.
const ATTEMPT_BYTES: f64 = 200.0;

/// The request path's cost over one run of `s`.
pub(super) fn estimate(s: &Scenario, clients: &Clients, load: &Load) -> Cost {
    let requested_per_s = f64::from(clients.count) * clients.rate;
    // A fan-out request's leaves each take a request's path.
    let leaves = clients.fanout.map_or(1.0, |f| f64::from(f.leaves));
    let requests = requested_per_s * load.horizon_s * spike_boost(s, load.horizon_s) * leaves;
    let lost = lost(s, load);
    let allowed = allowed_attempts(&clients.recovery.retry, clients.rate);
    let cache = CacheLoad::of(s, clients, requested_per_s, load.horizon_s);
    let storm =
        cache.storm.unwrap_or_else(|| Storm::of(s, requested_per_s * (1.0 - cache.hit_ratio), allowed, load.horizon_s));
    // During a storm after a flush the cache holds next to nothing.
    let hit_ratio = cache.hit_ratio * (1.0 - storm.fraction);
    let (offered_per_s, hits) = (requested_per_s * leaves * (1.0 - hit_ratio), requests * hit_ratio);
    let requests = requests - hits;
    let served = s.capacity.is_some();
    let calm = per_request(allowed, served, lost, lost);
    let stormy = per_request(allowed, served, lost, 1.0 - (1.0 - lost) * (1.0 - storm.failed));
    let blend = |calm: f64, stormy: f64| (1.0 - storm.fraction) * calm + storm.fraction * stormy;
    let hedges = if clients.recovery.hedge.is_some() { requests } else { 0.0 };
    let queue_events = requests * (blend(calm.events, stormy.events) + cache.lookup_events)
        + hits * (1.0 + cache.lookup_events)
        + hedges
        + tied_copies(clients, requests)
        + propagation(clients, load, requests)
        + sweeps(clients, load)
        + super::chain::events(clients, requests, allowed);
    let attempts_per_s = offered_per_s * blend(calm.attempts, stormy.attempts);
    let failed = blend(lost, storm.failed.max(lost));
    let in_flight = attempts_per_s * time_in_flight_s(s, clients, failed) + backlog(s, attempts_per_s, load);
    let per_client = CLIENT_BYTES
        + load.instances
            * (CLIENT_BYTES_PER_INSTANCE
                + if clients.recovery.breaker.is_some() { BREAKER_BYTES } else { 0.0 }
                + if clients.recovery.outlier.is_some() { OUTLIER_BYTES } else { 0.0 });
    let bytes = f64::from(clients.count) * per_client + in_flight * ATTEMPT_BYTES;
    Cost { queue_events, drawn_events: 0.0, bytes }
}

/// The look-aside cache's share: its steady hit ratio (LRU under uniform keys C/K, TTL
/// λ_k τ/(1 + λ_k τ) with λ_k = λ/K, the lower of the two with both; Zipf keys hit more, so
/// this errs on the side of more work), the event of a lookup with a latency, and the storm a
/// flush starts when the backend cannot take the load of an empty cache and nothing sheds it
/// (no queue limit, no adaptive throttling: `scenarios/cache-flush.toml`).
struct CacheLoad {
    hit_ratio: f64,
    lookup_events: f64,
    storm: Option<Storm>,
}

impl CacheLoad {
    fn of(s: &Scenario, clients: &Clients, requested_per_s: f64, horizon_s: f64) -> CacheLoad {
        let Some(cache) = clients.cache else {
            return CacheLoad { hit_ratio: 0.0, lookup_events: 0.0, storm: None };
        };
        let keys = clients.keys as f64;
        let lru = cache.capacity.map_or(1.0, |c| (c as f64 / keys).min(1.0));
        let per_key = requested_per_s / keys;
        let ttl = cache.ttl.map_or(1.0, |t| per_key * to_seconds(t) / (1.0 + per_key * to_seconds(t)));
        let sheds = s.capacity.as_ref().is_some_and(|c| c.queue_limit != u32::MAX)
            || clients.recovery.adaptive_throttling.is_some();
        let flush = s.faults.iter().find(|f| f.action == FaultAction::Flush);
        let storm = match (flush, utilisation(s, requested_per_s)) {
            (Some(flush), Some(load)) if load >= 1.0 && !sheds => Some(Storm {
                fraction: (lasting_s(flush.at, None, s.horizon) / horizon_s.max(1e-9)).min(1.0),
                failed: 1.0 - 1.0 / load,
            }),
            _ => None,
        };
        CacheLoad { hit_ratio: lru.min(ttl), lookup_events: if cache.latency > 0 { 1.0 } else { 0.0 }, storm }
    }
}

/// Tied requests' second copies: their arrival, service and answer, and the cancels — about
/// 3.5 events per request (measured on `scenarios/tied.toml`: 7.5 per request against 4).
fn tied_copies(clients: &Clients, requests: f64) -> f64 {
    if clients.recovery.tied.is_some() { 3.5 * requests } else { 0.0 }
}

/// Requests relative to the base rate: each `spike` multiplies every client's rate while it lasts.
fn spike_boost(s: &Scenario, horizon_s: f64) -> f64 {
    let extra: f64 = s
        .faults
        .iter()
        .filter_map(|f| match f.action {
            FaultAction::Spike(factor) => Some((factor - 1.0) * lasting_s(f.at, f.until, s.horizon) / horizon_s),
            _ => None,
        })
        .sum();
    (1.0 + extra).max(0.0)
}

/// Seconds from `at` to `until` (or the horizon), within the run.
fn lasting_s(at: u64, until: Option<u64>, horizon: u64) -> f64 {
    let end = until.unwrap_or(horizon).min(horizon);
    to_seconds(end.saturating_sub(at))
}

/// Probability that an attempt gets no answer for want of a path: the request or its answer
/// lost, the instance down, or cut off from the clients by a scheduled partition.
fn lost(s: &Scenario, load: &Load) -> f64 {
    let delivered = (1.0 - load.loss) * (1.0 - load.loss);
    let cut: f64 = s
        .faults
        .iter()
        .filter_map(|f| match f.action {
            FaultAction::Partition(cut) if cut.clients => {
                let share = super::touched(&f.target, load.instances) / load.instances.max(1.0);
                Some(share * lasting_s(f.at, f.until, s.horizon) / load.horizon_s.max(1e-9))
            }
            _ => None,
        })
        .sum();
    (1.0 - delivered * load.up_fraction * (1.0 - cut.min(1.0))).clamp(0.0, 1.0)
}

/// Attempts a request may make: `max_attempts`, fewer where a retry budget runs dry first
/// (a fraction of requests plus a floor per second, per client).
fn allowed_attempts(retry: &Retry, rate_per_s: f64) -> f64 {
    let most = f64::from(retry.max_attempts);
    match retry.budget {
        Some(budget) => most.min(1.0 + budget + retry.budget_floor / rate_per_s.max(1e-9)),
        None => most,
    }
}

/// One request's queue events and attempts.
struct PerRequest {
    events: f64,
    attempts: f64,
}

/// A request whose attempts fail with `failed` (`lost` of them for want of a path): its
/// issue, a retry timer per retry, and per attempt its arrival, the end of its service (with
/// capacity), the response, and a timeout if it fails.
fn per_request(allowed: f64, served: bool, lost: f64, failed: f64) -> PerRequest {
    // Expected attempts of a geometric retry sequence cut at `allowed`.
    let attempts = if failed >= 1.0 { allowed } else { (1.0 - failed.powf(allowed)) / (1.0 - failed) };
    let answered = (1.0 - lost) * if served { 3.0 } else { 2.0 };
    PerRequest { events: 1.0 + (attempts - 1.0) + attempts * (answered + failed), attempts }
}

/// A retry storm: servers pushed past their capacity, for the whole run, or from a surge on
/// (a spike of the rate or a slow-down of the service) when retries alone would keep them
/// there — the metastable failure that `scenarios/retry-storm.toml` shows.
struct Storm {
    /// Share of the run (and its requests) in the storm.
    fraction: f64,
    /// Probability that an attempt fails (times out or is rejected) during the storm.
    failed: f64,
}

impl Storm {
    fn of(s: &Scenario, offered_per_s: f64, allowed: f64, horizon_s: f64) -> Storm {
        let calm = Storm { fraction: 0.0, failed: 0.0 };
        let Some(load) = utilisation(s, offered_per_s) else {
            return calm;
        };
        if load >= 1.0 {
            return Storm { fraction: 1.0, failed: 1.0 - 1.0 / load };
        }
        let surge = s.faults.iter().find(|f| match f.action {
            FaultAction::Spike(factor) | FaultAction::Slow(factor) => load * factor >= 1.0,
            _ => false,
        });
        match surge {
            Some(fault) if load * allowed >= 1.0 => Storm {
                fraction: (lasting_s(fault.at, None, s.horizon) / horizon_s.max(1e-9)).min(1.0),
                failed: 1.0 - 1.0 / (load * allowed),
            },
            _ => calm,
        }
    }
}

/// Offered load over service capacity (None: service is instant).
fn utilisation(s: &Scenario, offered_per_s: f64) -> Option<f64> {
    let capacity = s.capacity.as_ref()?;
    let service_s = capacity.service_time.mean_seconds();
    let servers = f64::from(s.instances) * f64::from(capacity.servers);
    (service_s > 0.0 && service_s.is_finite()).then(|| offered_per_s * service_s / servers.max(1.0))
}

/// How long an attempt stays in flight: a timeout when it fails, else a round trip and its
/// service.
fn time_in_flight_s(s: &Scenario, clients: &Clients, failed: f64) -> f64 {
    let service_s = s.capacity.as_ref().map_or(0.0, |c| c.service_time.mean_seconds());
    let answered_s = 2.0 * s.network.delay.mean_seconds() + service_s;
    let timeout_s = to_seconds(clients.recovery.timeout);
    let time_s = failed * timeout_s + (1.0 - failed) * answered_s;
    if time_s.is_finite() { time_s } else { timeout_s }
}

/// Attempts piling up in instance queues when they arrive faster than they are served,
/// bounded by the queue limits.
fn backlog(s: &Scenario, attempts_per_s: f64, load: &Load) -> f64 {
    let Some(capacity) = &s.capacity else {
        return 0.0;
    };
    let service_s = capacity.service_time.mean_seconds();
    let served_per_s = load.instances * f64::from(capacity.servers) / service_s.max(1e-12);
    let growth = (attempts_per_s - served_per_s).max(0.0) * load.horizon_s;
    growth.min(load.instances * f64::from(capacity.queue_limit))
}

/// Queue events that carry the registry's view to the clients: a push per view change per
/// client, three per poll (the poll, its read, its answer), two per TTL lookup (at most one per
/// TTL per client, and at most one per request); one per refresh of a cache stage.
fn propagation(clients: &Clients, load: &Load, requests: f64) -> f64 {
    let count = f64::from(clients.count);
    let periods =
        |period: Option<crate::engine::SimTime>| period.map_or(0.0, |p| load.horizon_s / to_seconds(p.max(1)));
    let stages = periods(clients.stages.server_cache) + count * periods(clients.stages.balancer_refresh);
    stages
        + match clients.propagation {
            Propagation::Watch => count * 2.0 * load.crashes,
            Propagation::Poll { refresh } => 3.0 * count * periods(Some(refresh)),
            Propagation::Ttl { ttl } => 2.0 * requests.min(count * periods(Some(ttl))),
        }
}

/// Outlier detection's analysis sweeps: one event per client per interval.
fn sweeps(clients: &Clients, load: &Load) -> f64 {
    clients.recovery.outlier.map_or(0.0, |o| f64::from(clients.count) * load.horizon_s / to_seconds(o.interval.max(1)))
}
