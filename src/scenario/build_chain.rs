//! Checks the `[[tier]]` tables of a call chain and builds each `model::Tier`: the declared
//! keys (`TIER_KEYS`) through the typed checks, `service_time` as a distribution, `balancer` as
//! a balancer table.

use super::error::KeyError;
use crate::model::{MAX_TIERS, Outage, Tier};
use crate::params::{DefaultValue, Param, Type};
use std::path::Path;

/// The keys of a `[[tier]]` table besides `service_time` (a `{ dist = … }` table, default: no
/// own work) and `balancer` (a balancer table, default round-robin).
pub const TIER_KEYS: &[Param] = &[
    param("instances", Type::Count { min: 1, max: 100_000 }, DefaultValue::Required, "instances of the tier"),
    param("workers", Type::Count { min: 1, max: 100_000 }, DefaultValue::Fixed("1"), "parallel workers per instance"),
    param(
        "queue_limit",
        Type::Count { min: 0, max: u32::MAX as u64 },
        DefaultValue::Derived("no limit"),
        "attempts that may wait beyond the busy workers; more are refused at once",
    ),
    param("timeout", Type::PositiveDuration, DefaultValue::Required, "a caller's timeout on one attempt to this tier"),
    param("attempts", Type::Count { min: 1, max: 100 }, DefaultValue::Fixed("1"), "attempts per call (1: no retry)"),
    param("backoff", Type::Duration, DefaultValue::Fixed("0s"), "fixed wait between a failed attempt and the next"),
    param(
        "budget",
        Type::Number { min: 0.0, open_min: false, max: 10.0 },
        DefaultValue::Derived("none"),
        "retry budget: retries per call into the tier, pooled over its callers (no floor)",
    ),
    fraction("failure", "0", "probability that a served attempt answers with an error"),
    param("outage_from", Type::Duration, DefaultValue::Derived("no outage"), "start of the tier's outage window"),
    param("outage_until", Type::Duration, DefaultValue::Derived("no outage"), "end of the outage window (excluded)"),
    fraction("outage_failure", "1", "probability that an attempt arriving in the outage is refused at once"),
    param(
        "outage_slow",
        Type::Number { min: 1.0, open_min: false, max: 1e6 },
        DefaultValue::Fixed("1"),
        "factor on the service time of attempts served in the outage",
    ),
];

const fn param(name: &'static str, ty: Type, default: DefaultValue, doc: &'static str) -> Param {
    Param { name, ty, default, doc }
}

/// A probability in [0, 1] (0 allowed, unlike `Type::Probability`).
const fn fraction(name: &'static str, default: &'static str, doc: &'static str) -> Param {
    param(name, Type::Number { min: 0.0, open_min: false, max: 1.0 }, DefaultValue::Fixed(default), doc)
}

/// The chain's tiers, in call order (the first is called by the cluster's instances).
pub(super) fn tiers(raw: Vec<toml::Table>, base_dir: &Path) -> Result<Vec<Tier>, KeyError> {
    if raw.len() > MAX_TIERS {
        return Err(KeyError::new(format!("tier[{MAX_TIERS}]"), format!("{} tiers are too many", raw.len()))
            .allowed(format!("at most {MAX_TIERS} [[tier]] tables (tiers 2 to {})", MAX_TIERS + 1)));
    }
    raw.into_iter().enumerate().map(|(i, table)| tier(table, &format!("tier[{i}]"), base_dir)).collect()
}

fn tier(mut table: toml::Table, key: &str, base_dir: &Path) -> Result<Tier, KeyError> {
    let service_time = match table.remove("service_time") {
        Some(toml::Value::Table(t)) => Some(crate::dist::parse(t, &format!("{key}.service_time"), base_dir)?),
        Some(_) => {
            return Err(KeyError::new(
                format!("{key}.service_time"),
                "must be a table like { dist = \"exponential\", mean = \"10ms\" }",
            ));
        }
        None => None,
    };
    let balancer = match table.remove("balancer") {
        Some(toml::Value::Table(t)) => crate::balance::parse(Some(t), &format!("{key}.balancer"))?,
        Some(_) => return Err(KeyError::new(format!("{key}.balancer"), "must be a table like { kind = \"random\" }")),
        None => crate::balance::parse(None, &format!("{key}.balancer"))?,
    };
    let v = crate::params::check(TIER_KEYS, table, key)?;
    let count = |name: &str| v.count(name).map(|n| n as u32);
    Ok(Tier {
        instances: count("instances").unwrap_or(1),
        workers: count("workers").unwrap_or(1),
        queue_limit: count("queue_limit").unwrap_or(u32::MAX),
        service_time,
        balancer,
        timeout: v.duration("timeout").unwrap_or(1),
        attempts: count("attempts").unwrap_or(1),
        backoff: v.duration("backoff").unwrap_or(0),
        budget: v.number("budget"),
        failure: v.number("failure").unwrap_or(0.0),
        outage: outage(&v, key)?,
    })
}

/// The outage window: both ends or neither, in order.
fn outage(v: &crate::params::Values, key: &str) -> Result<Option<Outage>, KeyError> {
    let (from, until) = match (v.duration("outage_from"), v.duration("outage_until")) {
        (None, None) => return Ok(None),
        (Some(from), Some(until)) if from < until => (from, until),
        (Some(_), Some(_)) => return Err(KeyError::new(format!("{key}.outage_until"), "must be after `outage_from`")),
        (None, _) => return Err(KeyError::new(format!("{key}.outage_from"), "is required with `outage_until`")),
        (_, None) => return Err(KeyError::new(format!("{key}.outage_until"), "is required with `outage_from`")),
    };
    let failure = v.number("outage_failure").unwrap_or(1.0);
    Ok(Some(Outage { from, until, failure, slow: v.number("outage_slow").unwrap_or(1.0) }))
}
