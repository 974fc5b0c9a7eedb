//! Checks a parsed scenario file and turns it into the typed `model::Scenario`.

use super::duration::DURATION_HELP;
use super::error::KeyError;
use super::file::{RawFailure, RawNetwork, RawScenario};
use crate::detect;
use crate::dist::Dist;
use crate::engine::SimTime;
use crate::metrics::Phase;
use crate::model::{FailureModel, Fault, FaultAction, NetworkModel, Scenario, Stopping, Target};
use std::path::Path;

/// Largest cluster accepted: the per-instance state is a few hundred bytes, so this keeps a
/// typo like `instances = 1000000000` from exhausting memory before anything useful happens.
const MAX_INSTANCES: u32 = 10_000_000;

pub fn build(raw: RawScenario, base_dir: &Path) -> Result<Scenario, KeyError> {
    crate::input::check_name(&raw.name)
        .map_err(|e| KeyError::new("name", format!("{e} (it names the results folder)")))?;
    let horizon = duration("horizon", &raw.horizon)?;
    if horizon == 0 {
        return Err(KeyError::new("horizon", "must be longer than 0").allowed(DURATION_HELP));
    }
    if raw.replications == 0 {
        return Err(KeyError::new("replications", "must be at least 1"));
    }
    let instances = raw.cluster.instances;
    if instances == 0 || instances > MAX_INSTANCES {
        return Err(KeyError::new("cluster.instances", format!("{instances} is out of range"))
            .allowed(format!("1 to {MAX_INSTANCES}")));
    }
    let contention = super::build_contention::is_contention(raw.workload.as_ref())?;
    let has_clients = raw.workload.is_some() && !contention;
    let has = Has { clients: has_clients, capacity: raw.cluster.service_time.is_some(), cache: raw.cache.is_some() };
    let faults =
        raw.fault.iter().enumerate().map(|(i, f)| fault(f, i, instances, has)).collect::<Result<Vec<_>, _>>()?;
    let phases = phases(&raw, horizon)?;
    let stopping_rule = stopping(&raw, &phases)?;
    let capacity = super::build_clients::capacity(&raw.cluster, base_dir)?;
    let detector = detect::parse(raw.detector, "detector")?;
    let registry = crate::cluster::parts::parse(raw.registry, "registry")?;
    if registry.self_preservation.is_some() && !detector.counts_renewals() {
        return Err(KeyError::new("registry.self_preservation", "needs a detector that reports every renewal")
            .allowed("detector.kind = \"heartbeat\" with evaluation = \"eager\", or \"event\" (with preset = \"eureka\", whose tables cannot be removed, keep its eager heartbeat or write the tables without the preset)"));
    }
    let metric_options = crate::metrics::parse_options(raw.metrics, "metrics")?;
    let network = network(raw.network, base_dir)?;
    let tiers = super::build_chain::tiers(raw.tier, base_dir)?;
    needs_requests(&metric_options, !tiers.is_empty(), has, capacity.is_some())?;
    let (clients, contention) = if let (true, Some(w)) = (contention, &raw.workload) {
        let tables = [("discovery", raw.discovery.is_some()), ("balancer", raw.balancer.is_some())];
        (None, Some(super::build_contention::contention(w, tables, raw.recovery, &network)?))
    } else {
        let mut clients =
            super::build_clients::clients(raw.workload, raw.discovery, raw.balancer, raw.recovery, tiers)?;
        if let Some(c) = &mut clients {
            c.cache = crate::model::parse_cache(raw.cache, "cache", c.keys)?;
        }
        (clients, None)
    };
    Ok(Scenario {
        name: raw.name,
        seed: raw.seed,
        horizon,
        replications: raw.replications,
        stopping: stopping_rule,
        instances,
        failure: failure(raw.cluster.failure, base_dir)?,
        network,
        detector,
        capacity,
        phases,
        clients,
        contention,
        faults,
        registry,
        metric_options,
    })
}

/// The parts that only mean something on the request path — the request metrics of
/// `[metrics]`, `[[tier]]` (which also needs service times: calls are made while serving),
/// `[cache]` — are refused without a request `[workload]`.
fn needs_requests(
    options: &crate::metrics::MetricOptions,
    tiers: bool,
    has: Has,
    service_time: bool,
) -> Result<(), KeyError> {
    for (key, on) in [("load_spread", options.load_spread), ("slow", options.slow.is_some())] {
        if on && !has.clients {
            return Err(KeyError::new(
                format!("metrics.{key}"),
                "measures the request path, but there is no [workload]",
            )
            .allowed(format!("add a [workload] table, or remove {key}")));
        }
    }
    if tiers && (!has.clients || !service_time) {
        return Err(KeyError::new("tier", "calls are made by the cluster's instances as they serve requests")
            .allowed("[[tier]] with a request [workload] and `cluster.service_time` (it may be { dist = \"constant\", value = \"0s\" })"));
    }
    if has.cache && !has.clients {
        return Err(KeyError::new(
            "cache",
            "caches the request path's responses, but there is no request `[workload]`",
        )
        .allowed("add a [workload] table with clients and a rate, or remove [cache]"));
    }
    Ok(())
}

/// Sequential stopping's settings; `target_metrics` may name any metric, `@<phase>` copies of
/// the scenario's phases included.
fn stopping(raw: &RawScenario, phases: &[Phase]) -> Result<Option<Stopping>, KeyError> {
    let Some(target_ci) = raw.target_ci else {
        for (key, given) in
            [("target_metrics", !raw.target_metrics.is_empty()), ("max_replications", raw.max_replications.is_some())]
        {
            if given {
                return Err(KeyError::new(key, "only means something with `target_ci`"));
            }
        }
        return Ok(None);
    };
    if !(target_ci > 0.0 && target_ci.is_finite()) {
        return Err(KeyError::new("target_ci", format!("{target_ci} is not a relative half-width"))
            .allowed("a number above 0, e.g. 0.02 for ±2 %"));
    }
    if raw.target_metrics.is_empty() {
        return Err(KeyError::new(
            "target_metrics",
            "name the metrics whose interval must reach `target_ci`, e.g. [\"detection_time.mean\"]",
        ));
    }
    let catalog = crate::metrics::catalog_for(phases, crate::metrics::Groups::ALL);
    let names: Vec<&str> = catalog.iter().map(String::as_str).collect();
    if let Some(unknown) = raw.target_metrics.iter().find(|m| !names.contains(&m.as_str())) {
        return Err(KeyError::unknown_name(
            "target_metrics",
            "metric",
            unknown,
            &crate::metrics::alike(unknown, &names),
        ));
    }
    let Some(max_replications) = raw.max_replications else {
        return Err(KeyError::new("max_replications", "is required with `target_ci`: the most replications to run"));
    };
    if max_replications < raw.replications {
        return Err(KeyError::new(
            "max_replications",
            format!("must be at least `replications` ({})", raw.replications),
        ));
    }
    Ok(Some(Stopping { target_ci, metrics: raw.target_metrics.clone(), max_replications }))
}

/// Phases: named windows [from, to) inside the horizon, for per-phase metrics.
fn phases(raw: &RawScenario, horizon: SimTime) -> Result<Vec<Phase>, KeyError> {
    let mut phases: Vec<Phase> = Vec::new();
    for (index, p) in raw.phase.iter().enumerate() {
        let key = |name: &str| format!("phase[{index}].{name}");
        if p.name.is_empty() || !p.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(KeyError::new(key("name"), format!("`{}` is not a usable name", p.name))
                .allowed("letters, digits, - and _"));
        }
        if phases.iter().any(|q| q.name == p.name) {
            return Err(KeyError::new(key("name"), format!("`{}` is used by two phases", p.name)));
        }
        let (from, to) = (duration(&key("from"), &p.from)?, duration(&key("to"), &p.to)?);
        if to <= from || to > horizon {
            return Err(KeyError::new(key("to"), "must be after `from` and not after the horizon"));
        }
        phases.push(Phase { name: p.name.clone(), from, to });
    }
    Ok(phases)
}

/// Parses a duration at `key`.
pub use crate::params::duration::duration;

fn failure(raw: Option<RawFailure>, base_dir: &Path) -> Result<FailureModel, KeyError> {
    let Some(raw) = raw else {
        return Ok(FailureModel::None);
    };
    let key = "cluster.failure";
    let dist = |d: Option<toml::Table>, name: &str| match d {
        Some(d) => positive_mean(crate::dist::parse(d, &format!("{key}.{name}"), base_dir)?, &format!("{key}.{name}")),
        None => Err(KeyError::new(format!("{key}.{name}"), format!("is required by model `{}`", raw.model))),
    };
    let unexpected =
        |name: &str| KeyError::new(format!("{key}.{name}"), format!("is not used by model `{}`", raw.model));
    match raw.model.as_str() {
        "none" if raw.mttf.is_some() => Err(unexpected("mttf")),
        "none" if raw.mttr.is_some() => Err(unexpected("mttr")),
        "none" => Ok(FailureModel::None),
        "crash-stop" if raw.mttr.is_some() => Err(unexpected("mttr")),
        "crash-stop" => Ok(FailureModel::CrashStop { mttf: dist(raw.mttf, "mttf")? }),
        "crash-recover" => {
            Ok(FailureModel::CrashRecover { mttf: dist(raw.mttf, "mttf")?, mttr: dist(raw.mttr, "mttr")? })
        }
        other => Err(KeyError::unknown_name(
            format!("{key}.model"),
            "failure model",
            other,
            &["none", "crash-stop", "crash-recover"],
        )),
    }
}

/// Times to failure and repair of zero would make an instance flip forever at one instant.
fn positive_mean(dist: Dist, key: &str) -> Result<Dist, KeyError> {
    if dist.mean_seconds() > 0.0 { Ok(dist) } else { Err(KeyError::new(key, "must have a mean above 0")) }
}

fn network(raw: RawNetwork, base_dir: &Path) -> Result<NetworkModel, KeyError> {
    let delay = match raw.delay {
        Some(d) => crate::dist::parse(d, "network.delay", base_dir)?,
        None => Dist::Constant { value: 0 },
    };
    let loss = raw.loss.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&loss) {
        return Err(KeyError::new("network.loss", format!("{loss} is not a probability")).allowed("0 to 1"));
    }
    Ok(NetworkModel { delay, loss })
}

/// What the scenario has that a fault may act on.
#[derive(Clone, Copy)]
struct Has {
    clients: bool,
    capacity: bool,
    cache: bool,
}

fn fault(table: &toml::Table, index: usize, instances: u32, has: Has) -> Result<Fault, KeyError> {
    let key = |name: &str| format!("fault[{index}].{name}");
    let configured = crate::model::parse_fault(table.clone(), &format!("fault[{index}]"))?;
    let (action, values) = (*configured.factory, &configured.values);
    let needs_clients = matches!(action, FaultAction::Spike(_))
        || matches!(action, FaultAction::Partition(cut) | FaultAction::Heal(cut) if cut.clients);
    if action == FaultAction::Flush && !has.cache {
        return Err(KeyError::new(key("action"), "`flush` empties the look-aside cache, but there is no `[cache]`")
            .allowed("add a [cache] table (with a [workload])"));
    }
    if matches!(action, FaultAction::Slow(_)) && !has.capacity {
        return Err(KeyError::new(
            key("action"),
            "`slow` multiplies the service time, but `cluster.service_time` is not set",
        ));
    }
    if needs_clients && !has.clients {
        let name = table.get("action").and_then(toml::Value::as_str).unwrap_or_default();
        return Err(KeyError::new(
            key("action"),
            format!("`{name}` acts on clients, but the scenario has no `[workload]`"),
        ));
    }
    let (at, until) = (values.required_duration("at")?, values.duration("until"));
    if until.is_some_and(|u| u <= at) {
        return Err(KeyError::new(key("until"), "must be later than `at`"));
    }
    let target = if matches!(action, FaultAction::Spike(_) | FaultAction::Flush) {
        Target::All
    } else {
        target(values, action, instances, key)?
    };
    Ok(Fault { at, action, target, until })
}

/// The instances a fault touches: exactly one of `instances`, `count`, `fraction` (none: all,
/// for the actions that undo).
fn target(
    values: &crate::params::Values,
    action: FaultAction,
    instances: u32,
    key: impl Fn(&str) -> String,
) -> Result<Target, KeyError> {
    let (list, count, fraction) = (values.indices("instances"), values.count("count"), values.number("fraction"));
    match [list.is_some(), count.is_some(), fraction.is_some()].iter().filter(|c| **c).count() {
        0 if matches!(action, FaultAction::Recover | FaultAction::Heal(_)) => {
            return Ok(Target::All);
        }
        0 => {
            return Err(KeyError::new(
                key("instances"),
                "which instances? give one of `instances`, `count`, `fraction`",
            ));
        }
        1 => {}
        _ => {
            return Err(KeyError::new(key("instances"), "give only one of `instances`, `count`, `fraction`"));
        }
    }
    if let Some(list) = list {
        if let Some(bad) = list.iter().find(|&&i| i >= u64::from(instances)) {
            return Err(KeyError::new(key("instances"), format!("instance {bad} does not exist"))
                .allowed(format!("0 to {}", instances - 1)));
        }
        // Every index is below `instances`, a u32.
        return Ok(Target::Instances(list.iter().map(|&i| i as u32).collect()));
    }
    if let Some(count) = count {
        let Some(count) = u32::try_from(count).ok().filter(|&c| c <= instances) else {
            return Err(KeyError::new(key("count"), format!("{count} is more than the {instances} instances")));
        };
        return Ok(Target::Count(count));
    }
    Ok(Target::Fraction(fraction.unwrap_or(0.0)))
}
