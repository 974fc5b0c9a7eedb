//! Checks a parsed scenario file and turns it into the typed `model::Scenario`.

use super::duration::DURATION_HELP;
use super::error::KeyError;
use super::file::{RawFailure, RawFault, RawNetwork, RawScenario};
use crate::detect;
use crate::dist::Dist;
use crate::engine::SimTime;
use crate::model::{Cut, FailureModel, Fault, FaultAction, NetworkModel, Scenario, Stopping, Target};
use crate::metrics::Phase;
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
    let has_clients = raw.workload.is_some();
    let faults = raw
        .fault
        .iter()
        .enumerate()
        .map(|(i, f)| fault(f, i, instances, has_clients, raw.cluster.service_time.is_some()))
        .collect::<Result<Vec<_>, _>>()?;
    let stopping_rule = stopping(&raw)?;
    let phases = phases(&raw, horizon)?;
    let capacity = super::build_clients::capacity(&raw.cluster, base_dir)?;
    Ok(Scenario {
        name: raw.name,
        seed: raw.seed,
        horizon,
        replications: raw.replications,
        stopping: stopping_rule,
        instances,
        failure: failure(raw.cluster.failure, base_dir)?,
        network: network(raw.network, base_dir)?,
        detector: detect::parse(raw.detector, "detector")?,
        capacity,
        phases,
        clients: super::build_clients::clients(raw.workload, raw.discovery, raw.balancer, raw.recovery)?,
        faults,
    })
}

fn stopping(raw: &RawScenario) -> Result<Option<Stopping>, KeyError> {
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
    let catalog = crate::metrics::catalog();
    let names: Vec<&str> = catalog.iter().map(String::as_str).collect();
    if let Some(unknown) = raw.target_metrics.iter().find(|m| !names.contains(&m.as_str())) {
        return Err(KeyError::unknown_name("target_metrics", "metric", unknown, &names));
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

fn fault(
    raw: &RawFault,
    index: usize,
    instances: u32,
    has_clients: bool,
    has_capacity: bool,
) -> Result<Fault, KeyError> {
    let key = |name: &str| format!("fault[{index}].{name}");
    let action = fault_action(raw, &key)?;
    let needs_clients = matches!(action, FaultAction::Spike(_))
        || matches!(action, FaultAction::Partition(cut) | FaultAction::Heal(cut) if cut.clients);
    if matches!(action, FaultAction::Slow(_)) && !has_capacity {
        return Err(KeyError::new(
            key("action"),
            "`slow` multiplies the service time, but `cluster.service_time` is not set",
        ));
    }
    if needs_clients && !has_clients {
        return Err(KeyError::new(
            key("action"),
            format!("`{}` acts on clients, but the scenario has no `[workload]`", raw.action),
        ));
    }
    let at = duration(&key("at"), &raw.at)?;
    let until = raw.until.as_deref().map(|u| duration(&key("until"), u)).transpose()?;
    if until.is_some_and(|u| u <= at) {
        return Err(KeyError::new(key("until"), "must be later than `at`"));
    }
    let target =
        if matches!(action, FaultAction::Spike(_)) { Target::All } else { target(raw, action, instances, key)? };
    Ok(Fault { at, action, target, until })
}

/// The action with its own options: `factor` for slow and spike, `from` for partitions.
fn fault_action(raw: &RawFault, key: &impl Fn(&str) -> String) -> Result<FaultAction, KeyError> {
    let wrong = |name: &str, users: &str| {
        Err(KeyError::new(key(name), format!("is only used by {users}, not `{}`", raw.action)))
    };
    if raw.factor.is_some() && !["slow", "spike"].contains(&raw.action.as_str()) {
        return wrong("factor", "`slow` and `spike`");
    }
    if raw.from.is_some() && !["partition", "heal"].contains(&raw.action.as_str()) {
        return wrong("from", "`partition` and `heal`");
    }
    let factor = || match raw.factor {
        Some(f) if f > 0.0 && f.is_finite() => Ok(f),
        Some(f) => Err(KeyError::new(key("factor"), format!("{f} is not a positive factor"))),
        None => Err(KeyError::new(key("factor"), format!("is required by `{}`", raw.action))),
    };
    let cut = || match raw.from.as_deref().unwrap_or("registry") {
        "registry" => Ok(Cut { registry: true, clients: false }),
        "clients" => Ok(Cut { registry: false, clients: true }),
        "both" => Ok(Cut { registry: true, clients: true }),
        other => Err(KeyError::unknown_name(key("from"), "side", other, &["registry", "clients", "both"])),
    };
    Ok(match raw.action.as_str() {
        "crash" => FaultAction::Crash,
        "recover" => FaultAction::Recover,
        "partition" => FaultAction::Partition(cut()?),
        "heal" => FaultAction::Heal(cut()?),
        "slow" => FaultAction::Slow(factor()?),
        "spike" => FaultAction::Spike(factor()?),
        "join" => FaultAction::Join,
        "leave" => FaultAction::Leave,
        other => {
            return Err(KeyError::unknown_name(key("action"), "fault action", other, FaultAction::NAMES));
        }
    })
}

fn target(
    raw: &RawFault,
    action: FaultAction,
    instances: u32,
    key: impl Fn(&str) -> String,
) -> Result<Target, KeyError> {
    let chosen = [raw.instances.is_some(), raw.count.is_some(), raw.fraction.is_some()];
    match chosen.iter().filter(|c| **c).count() {
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
    if let Some(list) = &raw.instances {
        if let Some(bad) = list.iter().find(|&&i| i >= instances) {
            return Err(KeyError::new(key("instances"), format!("instance {bad} does not exist"))
                .allowed(format!("0 to {}", instances - 1)));
        }
        return Ok(Target::Instances(list.clone()));
    }
    if let Some(count) = raw.count {
        if count > instances {
            return Err(KeyError::new(key("count"), format!("{count} is more than the {instances} instances")));
        }
        return Ok(Target::Count(count));
    }
    let fraction = raw.fraction.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&fraction) {
        return Err(KeyError::new(key("fraction"), format!("{fraction} is not a fraction")).allowed("0 to 1"));
    }
    Ok(Target::Fraction(fraction))
}
