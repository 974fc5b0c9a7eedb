//! The variables a formula may use: every scenario key of the sweep point by its dotted name
//! (durations in seconds, distributions by their parameters), and short aliases for the
//! quantities formulas need most (documented in the README and by `discosim formulas`).

use crate::engine::time::to_seconds;
use crate::model::{FailureModel, Scenario};
use crate::params::duration::parse_duration;
use std::collections::BTreeMap;

/// The aliases, with what they stand for: the strategies' parameters (from their declarations,
/// `crate::params`), then `OTHER_ALIASES`.
pub(crate) fn aliases() -> Vec<(String, String)> {
    let join = |names: Vec<&str>| names.join(", ");
    let mut aliases = vec![
        (
            join(crate::params::variable_names(crate::detect::DETECTORS)),
            "the detector's parameters, defaults resolved (`discosim list`)".to_string(),
        ),
        (
            join(crate::params::variable_names(crate::balance::BALANCERS)),
            "the balancer's parameters, defaults resolved (`discosim list`)".to_string(),
        ),
    ];
    aliases.extend(OTHER_ALIASES.iter().map(|(n, m)| (n.to_string(), m.to_string())));
    aliases
}

/// The aliases that are not a strategy's parameters.
const OTHER_ALIASES: &[(&str, &str)] = &[
    ("delay", "mean network delay (s)"),
    ("loss", "network loss probability"),
    ("instances", "cluster.instances"),
    ("horizon", "simulated time of a run (s)"),
    ("mttf, mttr", "mean time to failure and to repair (s)"),
    ("service_time", "mean service time (s)"),
    ("clients, rate, keys", "the workload (clients: also the contention workload's)"),
    ("attempts, base, cap", "recovery.retry: max_attempts, backoff base and cap (s), with either workload"),
    ("attempt_timeout, deadline", "recovery.timeout and recovery.deadline (s)"),
    ("fanout, quorum", "workload.fanout and workload.quorum (with fan-out)"),
];

/// Variables of one sweep point: its table flattened, then the aliases.
pub(crate) fn of_point(table: &toml::Table, scenario: &Scenario) -> BTreeMap<String, f64> {
    let mut vars = BTreeMap::new();
    flatten("", table, &mut vars);
    for (name, value) in scenario.detector.values.variables() {
        vars.insert(name.to_string(), value);
    }
    vars.insert("delay".into(), scenario.network.delay.mean_seconds());
    vars.insert("loss".into(), scenario.network.loss);
    vars.insert("instances".into(), scenario.instances as f64);
    vars.insert("horizon".into(), to_seconds(scenario.horizon));
    if let FailureModel::CrashStop { mttf } | FailureModel::CrashRecover { mttf, .. } = &scenario.failure {
        vars.insert("mttf".into(), mttf.mean_seconds());
    }
    if let FailureModel::CrashRecover { mttr, .. } = &scenario.failure {
        vars.insert("mttr".into(), mttr.mean_seconds());
    }
    if let Some(capacity) = &scenario.capacity {
        vars.insert("service_time".into(), capacity.service_time.mean_seconds());
    }
    request_aliases(scenario, &mut vars);
    contention_aliases(scenario, &mut vars);
    vars
}

/// The contention workload's `clients`, and `attempts`, `base`, `cap` of its retry.
fn contention_aliases(scenario: &Scenario, vars: &mut BTreeMap<String, f64>) {
    let Some(c) = &scenario.contention else { return };
    for (name, value) in [
        ("clients", f64::from(c.clients)),
        ("attempts", f64::from(c.retry.max_attempts)),
        ("base", to_seconds(c.retry.base)),
        ("cap", to_seconds(c.retry.cap)),
    ] {
        vars.insert(name.into(), value);
    }
}

fn request_aliases(scenario: &Scenario, vars: &mut BTreeMap<String, f64>) {
    let Some(c) = &scenario.clients else { return };
    let r = &c.recovery;
    for (name, value) in [
        ("clients", c.count as f64),
        ("rate", c.rate),
        ("keys", c.keys as f64),
        ("attempts", r.retry.max_attempts as f64),
        ("base", to_seconds(r.retry.base)),
        ("cap", to_seconds(r.retry.cap)),
        ("attempt_timeout", to_seconds(r.timeout)),
    ] {
        vars.insert(name.into(), value);
    }
    if let Some(deadline) = r.deadline {
        vars.insert("deadline".into(), to_seconds(deadline));
    }
    if let Some(f) = c.fanout {
        vars.insert("fanout".into(), f64::from(f.leaves));
        vars.insert("quorum".into(), f64::from(f.quorum));
    }
    for (name, value) in c.balancer.values.variables() {
        vars.insert(name.into(), value);
    }
}

/// Numbers as they are, duration strings in seconds, booleans as 0 or 1.
fn flatten(prefix: &str, table: &toml::Table, vars: &mut BTreeMap<String, f64>) {
    for (key, value) in table {
        let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::Integer(i) => {
                vars.insert(name, *i as f64);
            }
            toml::Value::Float(f) => {
                vars.insert(name, *f);
            }
            toml::Value::Boolean(b) => {
                vars.insert(name, *b as u8 as f64);
            }
            toml::Value::String(s) => {
                if let Ok(nanos) = parse_duration(s) {
                    vars.insert(name, to_seconds(nanos));
                }
            }
            toml::Value::Table(t) if key != "sweep" => flatten(&name, t, vars),
            _ => {}
        }
    }
}
