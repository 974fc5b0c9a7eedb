//! Checks the request side of a scenario — service capacity, workload, discovery, balancer,
//! recovery — and builds its typed model.

use super::build::duration;
use super::error::KeyError;
use super::file::{RawCluster, RawDiscovery, RawWorkload};
use crate::balance;
use crate::engine::SimTime;
use crate::model::{CacheStages, Capacity, Clients, FanOut, Propagation};
use std::path::Path;

const SECOND: SimTime = 1_000_000_000;

pub(super) fn capacity(raw: &RawCluster, base_dir: &Path) -> Result<Option<Capacity>, KeyError> {
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
    let service_time = crate::dist::parse(service_time.clone(), "cluster.service_time", base_dir)?;
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

pub(super) fn clients(
    workload: Option<RawWorkload>,
    discovery: Option<RawDiscovery>,
    balancer: Option<toml::Table>,
    recovery: Option<toml::Table>,
    tiers: Vec<crate::model::Tier>,
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
    let rate = w.rate.ok_or_else(|| KeyError::new("workload.rate", "is required but missing"))?;
    if !(rate > 0.0 && rate.is_finite()) {
        return Err(KeyError::new("workload.rate", format!("{rate} is not a rate"))
            .allowed("requests per second per client, above 0"));
    }
    let keys = w.keys.unwrap_or(1000);
    if keys == 0 || keys > 10_000_000 {
        return Err(KeyError::new("workload.keys", format!("{keys} is out of range")).allowed("1 to 10000000"));
    }
    let propagation = propagation(&discovery)?;
    let stages = stages(&discovery, propagation)?;
    let availability_bin = match &w.availability_bin {
        Some(text) => positive(duration("workload.availability_bin", text)?, "workload.availability_bin")?,
        None => SECOND,
    };
    Ok(Some(Clients {
        count: w.clients,
        rate,
        keys,
        zipf: zipf(&w, keys)?,
        availability_bin,
        propagation,
        stages,
        balancer: balance::parse(balancer, "balancer")?,
        recovery: crate::recovery::parse(recovery, "recovery")?,
        tiers,
        cache: None,
        fanout: fanout(&w)?,
    }))
}

/// `fanout` leaves per request (1 to 10 000), waiting for `quorum` of them (default: all).
fn fanout(w: &RawWorkload) -> Result<Option<FanOut>, KeyError> {
    let Some(leaves) = w.fanout else {
        return match w.quorum {
            Some(_) => Err(KeyError::new("workload.quorum", "only means something with `workload.fanout`")),
            None => Ok(None),
        };
    };
    if !(1..=10_000).contains(&leaves) {
        return Err(KeyError::new("workload.fanout", format!("{leaves} is out of range")).allowed("1 to 10000"));
    }
    let quorum = w.quorum.unwrap_or(leaves);
    if !(1..=leaves).contains(&quorum) {
        return Err(KeyError::new("workload.quorum", format!("{quorum} is out of range"))
            .allowed(format!("1 to workload.fanout ({leaves})")));
    }
    Ok(Some(FanOut { leaves, quorum }))
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

fn propagation(raw: &Option<RawDiscovery>) -> Result<Propagation, KeyError> {
    let Some(raw) = raw else {
        return Ok(Propagation::Watch);
    };
    let period = |key: &str, text: &Option<String>| match text {
        Some(text) => positive(duration(key, text)?, key).map(Some),
        None => Ok(None),
    };
    let (refresh, ttl) = (period("discovery.refresh", &raw.refresh)?, period("discovery.ttl", &raw.ttl)?);
    let only = |key: &str, mode: &str| Err(KeyError::new(key, format!("is only used with mode = \"{mode}\"")));
    let required = |key: &str, mode: &str| Err(KeyError::new(key, format!("is required with mode = \"{mode}\"")));
    const MODES: [&str; 3] = ["watch", "poll", "ttl"];
    if !MODES.contains(&raw.mode.as_str()) {
        return Err(KeyError::unknown_name("discovery.mode", "discovery mode", &raw.mode, &MODES));
    }
    match (raw.mode.as_str(), refresh, ttl) {
        (_, Some(_), _) if raw.mode != "poll" => only("discovery.refresh", "poll"),
        (_, _, Some(_)) if raw.mode != "ttl" => only("discovery.ttl", "ttl"),
        ("watch", None, None) => Ok(Propagation::Watch),
        ("poll", Some(refresh), None) => Ok(Propagation::Poll { refresh }),
        ("poll", None, None) => required("discovery.refresh", "poll"),
        ("ttl", None, Some(ttl)) => Ok(Propagation::Ttl { ttl }),
        _ => required("discovery.ttl", "ttl"),
    }
}

/// The caches between the registry and the balancer; a server cache answers polls and lookups only.
fn stages(raw: &Option<RawDiscovery>, propagation: Propagation) -> Result<CacheStages, KeyError> {
    let Some(raw) = raw else { return Ok(CacheStages::default()) };
    let period = |key: &str, text: &Option<String>| {
        text.as_ref().map(|t| duration(key, t).and_then(|d| positive(d, key))).transpose()
    };
    let server_cache = period("discovery.server_cache", &raw.server_cache)?;
    if server_cache.is_some() && propagation == Propagation::Watch {
        return Err(KeyError::new("discovery.server_cache", "is only used with mode = \"poll\" or \"ttl\"")
            .allowed("a watch pushes each change; set mode = \"poll\" and refresh"));
    }
    Ok(CacheStages { server_cache, balancer_refresh: period("discovery.balancer_refresh", &raw.balancer_refresh)? })
}
