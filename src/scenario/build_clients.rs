//! Checks the request side of a scenario — service capacity, workload, discovery, balancer,
//! recovery — and builds its typed model.

use super::build::{dist, duration};
use super::error::KeyError;
use super::file::{RawBreaker, RawCluster, RawDiscovery, RawHedge, RawRecovery, RawRetry, RawWorkload};
use crate::balance;
use crate::engine::SimTime;
use crate::model::{Capacity, Clients, Propagation};
use crate::recovery::{Backoff, Breaker, Hedge, Jitter, Recovery, Retry};
use std::path::Path;

const SECOND: SimTime = 1_000_000_000;

pub fn capacity(raw: &RawCluster, base_dir: &Path) -> Result<Option<Capacity>, KeyError> {
    let Some(service_time) = &raw.service_time else {
        for (key, given) in [
            ("cluster.servers", raw.servers.is_some()),
            ("cluster.queue_limit", raw.queue_limit.is_some()),
            ("cluster.on_crash", raw.on_crash.is_some()),
        ] {
            if given {
                return Err(KeyError::new(key, "only means something with `cluster.service_time`"));
            }
        }
        return Ok(None);
    };
    let service_time = dist(service_time.clone(), "cluster.service_time", base_dir)?;
    let servers = raw.servers.unwrap_or(1);
    if servers == 0 || servers > 100_000 {
        return Err(KeyError::new("cluster.servers", format!("{servers} is out of range")).allowed("1 to 100000"));
    }
    let reset_on_crash = match raw.on_crash.as_deref().unwrap_or("silent") {
        "silent" => false,
        "reset" => true,
        other => {
            return Err(KeyError::unknown_name("cluster.on_crash", "crash behaviour", other, &["silent", "reset"]));
        }
    };
    Ok(Some(Capacity { servers, service_time, queue_limit: raw.queue_limit.unwrap_or(u32::MAX), reset_on_crash }))
}

pub fn clients(
    workload: Option<RawWorkload>,
    discovery: Option<RawDiscovery>,
    balancer: Option<toml::Table>,
    recovery: Option<RawRecovery>,
) -> Result<Option<Clients>, KeyError> {
    let Some(w) = workload else {
        for (key, given) in
            [("discovery", discovery.is_some()), ("balancer", balancer.is_some()), ("recovery", recovery.is_some())]
        {
            if given {
                return Err(KeyError::new(key, "needs clients: add a `[workload]` table"));
            }
        }
        return Ok(None);
    };
    if w.clients == 0 || w.clients > 1_000_000 {
        return Err(KeyError::new("workload.clients", format!("{} is out of range", w.clients)).allowed("1 to 1000000"));
    }
    if !(w.rate > 0.0 && w.rate.is_finite()) {
        return Err(KeyError::new("workload.rate", format!("{} is not a rate", w.rate))
            .allowed("requests per second per client, above 0"));
    }
    let keys = w.keys.unwrap_or(1000);
    if keys == 0 || keys > 10_000_000 {
        return Err(KeyError::new("workload.keys", format!("{keys} is out of range")).allowed("1 to 10000000"));
    }
    let availability_bin = match &w.availability_bin {
        Some(text) => positive(duration("workload.availability_bin", text)?, "workload.availability_bin")?,
        None => SECOND,
    };
    Ok(Some(Clients {
        count: w.clients,
        rate: w.rate,
        keys,
        zipf: zipf(&w, keys)?,
        availability_bin,
        propagation: propagation(discovery)?,
        balancer: balance::parse(balancer, "balancer")?,
        recovery: self::recovery(recovery)?,
    }))
}

fn positive(nanos: SimTime, key: &str) -> Result<SimTime, KeyError> {
    if nanos == 0 { Err(KeyError::new(key, "must be longer than 0")) } else { Ok(nanos) }
}

fn zipf(w: &RawWorkload, keys: u64) -> Result<Option<f64>, KeyError> {
    if w.key_dist.as_deref() == Some("zipf") && keys > crate::traffic::MAX_ZIPF_KEYS {
        return Err(KeyError::new("workload.keys", format!("{keys} keys is too many for a Zipf table"))
            .allowed(format!("at most {} with key_dist = \"zipf\"", crate::traffic::MAX_ZIPF_KEYS)));
    }
    match (w.key_dist.as_deref().unwrap_or("uniform"), w.zipf_exponent) {
        ("uniform", None) => Ok(None),
        ("uniform", Some(_)) => {
            Err(KeyError::new("workload.zipf_exponent", "only means something with key_dist = \"zipf\""))
        }
        ("zipf", s) => {
            match s.unwrap_or(1.0) {
                s if s > 0.0 && s <= 10.0 => Ok(Some(s)),
                s => Err(KeyError::new("workload.zipf_exponent", format!("{s} is out of range"))
                    .allowed("above 0, at most 10")),
            }
        }
        (other, _) => Err(KeyError::unknown_name("workload.key_dist", "key distribution", other, &["uniform", "zipf"])),
    }
}

fn propagation(raw: Option<RawDiscovery>) -> Result<Propagation, KeyError> {
    let Some(raw) = raw else {
        return Ok(Propagation::Watch);
    };
    match (raw.mode.as_str(), &raw.refresh) {
        ("watch", None) => Ok(Propagation::Watch),
        ("watch", Some(_)) => Err(KeyError::new("discovery.refresh", "is only used with mode = \"poll\"")),
        ("poll", Some(text)) => {
            Ok(Propagation::Poll { refresh: positive(duration("discovery.refresh", text)?, "discovery.refresh")? })
        }
        ("poll", None) => Err(KeyError::new("discovery.refresh", "is required with mode = \"poll\"")),
        (other, _) => Err(KeyError::unknown_name("discovery.mode", "discovery mode", other, &["watch", "poll"])),
    }
}

fn recovery(raw: Option<RawRecovery>) -> Result<Recovery, KeyError> {
    let raw = raw.unwrap_or(RawRecovery { timeout: None, deadline: None, retry: None, breaker: None, hedge: None });
    let timeout = match &raw.timeout {
        Some(text) => positive(duration("recovery.timeout", text)?, "recovery.timeout")?,
        None => SECOND,
    };
    let deadline = raw
        .deadline
        .as_deref()
        .map(|t| duration("recovery.deadline", t).and_then(|d| positive(d, "recovery.deadline")))
        .transpose()?;
    let retry = retry(raw.retry)?;
    let hedge = raw.hedge.map(hedge).transpose()?;
    if hedge.is_some() && retry.max_attempts < 2 {
        return Err(KeyError::new("recovery.hedge", "a hedge is a second attempt, but retry.max_attempts is 1")
            .allowed("set recovery.retry.max_attempts to 2 or more"));
    }
    Ok(Recovery { timeout, deadline, retry, breaker: raw.breaker.map(breaker).transpose()?, hedge })
}

fn retry(raw: Option<RawRetry>) -> Result<Retry, KeyError> {
    let Some(raw) = raw else {
        return Ok(Retry::none());
    };
    let key = |name: &str| format!("recovery.retry.{name}");
    if raw.max_attempts == 0 || raw.max_attempts > 100 {
        return Err(KeyError::new(key("max_attempts"), format!("{} is out of range", raw.max_attempts))
            .allowed("1 to 100 (attempts, the first included)"));
    }
    let backoff = match raw.backoff.as_deref().unwrap_or("fixed") {
        "fixed" => Backoff::Fixed,
        "exponential" => Backoff::Exponential,
        other => {
            return Err(KeyError::unknown_name(key("backoff"), "backoff", other, &["fixed", "exponential"]));
        }
    };
    let jitter = match raw.jitter.as_deref().unwrap_or("none") {
        "none" => Jitter::None,
        "full" => Jitter::Full,
        "equal" => Jitter::Equal,
        "decorrelated" => Jitter::Decorrelated,
        other => {
            return Err(KeyError::unknown_name(
                key("jitter"),
                "jitter",
                other,
                &["none", "full", "equal", "decorrelated"],
            ));
        }
    };
    let base = raw.base.as_deref().map(|t| duration(&key("base"), t)).transpose()?.unwrap_or(0);
    let cap = raw.cap.as_deref().map(|t| duration(&key("cap"), t)).transpose()?.unwrap_or(u64::MAX / 4);
    if cap < base {
        return Err(KeyError::new(key("cap"), "must not be below `base`"));
    }
    if let Some(b) = raw.budget.filter(|b| !(*b > 0.0 && *b <= 1.0)) {
        return Err(KeyError::new(key("budget"), format!("{b} is not a fraction of requests"))
            .allowed("above 0, at most 1 (e.g. 0.1: retries up to 10 % of requests)"));
    }
    let budget_floor = raw.budget_floor.unwrap_or(if raw.budget.is_some() { 1.0 } else { 0.0 });
    if raw.budget.is_none() && raw.budget_floor.is_some() {
        return Err(KeyError::new(key("budget_floor"), "only means something with `budget`"));
    }
    if !(budget_floor >= 0.0 && budget_floor.is_finite()) {
        return Err(KeyError::new(key("budget_floor"), "must be a number of retries per second, 0 or more"));
    }
    Ok(Retry { max_attempts: raw.max_attempts, backoff, base, cap, jitter, budget: raw.budget, budget_floor })
}

fn breaker(raw: RawBreaker) -> Result<Breaker, KeyError> {
    if !(raw.failure_rate > 0.0 && raw.failure_rate <= 1.0) {
        return Err(KeyError::new("recovery.breaker.failure_rate", format!("{} is not a fraction", raw.failure_rate))
            .allowed("above 0, at most 1"));
    }
    Ok(Breaker {
        failure_rate: raw.failure_rate,
        window: positive(duration("recovery.breaker.window", &raw.window)?, "recovery.breaker.window")?,
        min_requests: raw.min_requests.unwrap_or(10).max(1),
        open_for: positive(duration("recovery.breaker.open_for", &raw.open_for)?, "recovery.breaker.open_for")?,
    })
}

fn hedge(raw: RawHedge) -> Result<Hedge, KeyError> {
    let delay = match &raw.delay {
        Some(text) => positive(duration("recovery.hedge.delay", text)?, "recovery.hedge.delay")?,
        None if raw.quantile.is_some() => {
            return Err(KeyError::new(
                "recovery.hedge.delay",
                "is required: it is used until the quantile has 100 samples",
            ));
        }
        None => {
            return Err(KeyError::new("recovery.hedge", "give `delay` (and optionally `quantile`)"));
        }
    };
    if let Some(q) = raw.quantile.filter(|q| !(*q > 0.0 && *q < 1.0)) {
        return Err(KeyError::new("recovery.hedge.quantile", format!("{q} is not a quantile"))
            .allowed("between 0 and 1, e.g. 0.95"));
    }
    Ok(Hedge { delay, quantile: raw.quantile })
}
