//! The parts of `[recovery]` — the attempt limits, `retry`, `breaker`, `hedge`, `outlier`,
//! `adaptive_throttling`, `retry_throttling` — each declared
//! once (`crate::params`): parsing and its errors, `discosim list`, the README's table and the
//! tests over every part follow from `PARTS`.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::{
    AdaptiveThrottling, Backoff, Breaker, Hedge, Jitter, Outlier, RateEjection, Recovery, Retry, RetryThrottling, Tied,
};
use crate::engine::SimTime;
use crate::params::DefaultValue::{Derived, Fixed, Required};
use crate::params::{KeyError, Param, Strategy, Type, Values};
use std::sync::Arc;

/// A checked part, applied to a client's recovery settings.
pub type Part = dyn Fn(&mut Recovery) + Send + Sync;

/// The `[recovery]` table's own keys, then its sub-tables by name, in the order they apply.
pub const PARTS: &[Strategy<Part>] =
    &[ATTEMPT, RETRY, BREAKER, HEDGE, OUTLIER, ADAPTIVE_THROTTLING, RETRY_THROTTLING, TIED];

/// A cap that is never reached, yet leaves room to add a base without overflow.
const UNBOUNDED_CAP: SimTime = u64::MAX / 4;

const ATTEMPT: Strategy<Part> = Strategy {
    name: "recovery",
    doc: "the `[recovery]` table's own keys: how long an attempt and a request may take",
    params: &[
        Param { name: "timeout", ty: Type::PositiveDuration, default: Fixed("1s"), doc: "per-attempt timeout" },
        Param {
            name: "deadline",
            ty: Type::PositiveDuration,
            default: Derived("none: requests never expire"),
            doc: "a request is valid this long (the timestamp mechanism): the client gives up, servers drop expired work, duplicates are recognised",
        },
    ],
    derived: &[],
    build: |v| {
        let (timeout, deadline) = (v.required_duration("timeout")?, v.duration("deadline"));
        Ok(Arc::new(move |r: &mut Recovery| {
            r.timeout = timeout;
            r.deadline = deadline;
        }))
    },
};

const RETRY: Strategy<Part> = Strategy {
    name: "retry",
    doc: "`[recovery.retry]`: attempts again after a failure, with backoff, jitter and a budget",
    params: &[
        Param {
            name: "max_attempts",
            ty: Type::Count { min: 1, max: 1000 },
            default: Required,
            doc: "attempts per request, the first included (1: no retry)",
        },
        Param {
            name: "backoff",
            ty: Type::Choice(&["fixed", "exponential"]),
            default: Fixed("fixed"),
            doc: "wait `base` before each retry, or `base` doubled per retry",
        },
        Param { name: "base", ty: Type::Duration, default: Fixed("0s"), doc: "the first backoff" },
        Param {
            name: "cap",
            ty: Type::Duration,
            default: Derived("unbounded"),
            doc: "longest backoff, at least `base`",
        },
        Param {
            name: "jitter",
            ty: Type::Choice(&["none", "full", "equal", "decorrelated"]),
            default: Fixed("none"),
            doc: "how a backoff is randomised",
        },
        Param {
            name: "budget",
            ty: Type::Number { min: 0.0, open_min: true, max: 1.0 },
            default: Derived("none: retries are not limited"),
            doc: "token bucket: retries (and hedges) at most this fraction of requests",
        },
        Param {
            name: "budget_floor",
            ty: Type::Number { min: 0.0, open_min: false, max: f64::INFINITY },
            default: Derived("1 with `budget`"),
            doc: "plus this many retries per second; only with `budget`",
        },
    ],
    derived: &[],
    build: |v| {
        let retry = retry(v)?;
        Ok(Arc::new(move |r: &mut Recovery| r.retry = retry.clone()))
    },
};

fn retry(v: &Values) -> Result<Retry, KeyError> {
    let backoff = if v.choice("backoff") == Some("exponential") { Backoff::Exponential } else { Backoff::Fixed };
    let jitter = match v.choice("jitter") {
        Some("full") => Jitter::Full,
        Some("equal") => Jitter::Equal,
        Some("decorrelated") => Jitter::Decorrelated,
        _ => Jitter::None,
    };
    let (base, cap) = (v.required_duration("base")?, v.duration("cap").unwrap_or(UNBOUNDED_CAP));
    if cap < base {
        return Err(KeyError::new(v.key_of("cap"), "must not be below `base`"));
    }
    let budget = v.number("budget");
    if budget.is_none() && v.number("budget_floor").is_some() {
        return Err(KeyError::new(v.key_of("budget_floor"), "only means something with `budget`"));
    }
    let budget_floor = v.number("budget_floor").unwrap_or(if budget.is_some() { 1.0 } else { 0.0 });
    Ok(Retry { max_attempts: v.required_u32("max_attempts")?, backoff, base, cap, jitter, budget, budget_floor })
}

const BREAKER: Strategy<Part> = Strategy {
    name: "breaker",
    doc: "`[recovery.breaker]`: per instance, stops sending after too many failures, then probes",
    params: &[
        Param {
            name: "failure_rate",
            ty: Type::Number { min: 0.0, open_min: true, max: 1.0 },
            default: Required,
            doc: "failed fraction of a window's attempts that opens the breaker",
        },
        Param {
            name: "window",
            ty: Type::PositiveDuration,
            default: Required,
            doc: "the window the failure rate is measured over",
        },
        Param {
            name: "min_requests",
            ty: Type::Count { min: 0, max: u32::MAX as u64 },
            default: Fixed("10"),
            doc: "attempts a window needs before it can open the breaker (0 counts as 1)",
        },
        Param {
            name: "open_for",
            ty: Type::PositiveDuration,
            default: Required,
            doc: "how long the instance is skipped before one probe",
        },
    ],
    derived: &[],
    build: |v| {
        let breaker = Breaker {
            failure_rate: v.required_number("failure_rate")?,
            window: v.required_duration("window")?,
            min_requests: v.required_u32("min_requests")?.max(1),
            open_for: v.required_duration("open_for")?,
        };
        Ok(Arc::new(move |r: &mut Recovery| r.breaker = Some(breaker.clone())))
    },
};

const HEDGE: Strategy<Part> = Strategy {
    name: "hedge",
    doc: "`[recovery.hedge]`: a second attempt to another instance when the first is slow",
    params: &[
        Param {
            name: "delay",
            ty: Type::PositiveDuration,
            default: Required,
            doc: "send a second attempt to another instance after this (until `quantile` has 100 samples)",
        },
        Param {
            name: "quantile",
            ty: Type::Number { min: 0.0, open_min: true, max: 1.0 },
            default: Derived("none: always `delay`"),
            doc: "below 1: use the client's observed latency quantile instead, after 100 samples",
        },
    ],
    derived: &[],
    build: |v| {
        let quantile = v.number("quantile");
        if let Some(q) = quantile.filter(|q| *q >= 1.0) {
            return Err(KeyError::new(v.key_of("quantile"), format!("{q} is not a quantile"))
                .allowed("between 0 and 1, e.g. 0.95"));
        }
        let hedge = Hedge { delay: v.required_duration("delay")?, quantile };
        Ok(Arc::new(move |r: &mut Recovery| r.hedge = Some(hedge.clone())))
    },
};

const PERCENT: Type = Type::Number { min: 0.0, open_min: false, max: 100.0 };
const HOSTS: Type = Type::Count { min: 1, max: u32::MAX as u64 };
const VOLUME: Type = Type::Count { min: 1, max: u32::MAX as u64 };
const MINIMUM_HOSTS: &str = "instances with enough attempts in the interval needed for the rule to run";
const REQUEST_VOLUME: &str = "attempts in the interval an instance needs to count";

const OUTLIER: Strategy<Part> = Strategy {
    name: "outlier",
    doc: "`[recovery.outlier]`: passive health checking (Envoy's outlier detection): each client ejects an instance after consecutive failed attempts, for longer each time; optionally also by its success rate over each interval against the others' (success-rate, failure-percentage ejection)",
    params: &[
        Param {
            name: "consecutive_failures",
            ty: Type::Count { min: 1, max: u32::MAX as u64 },
            default: Fixed("5"),
            doc: "failed attempts in a row (timeouts, rejections, resets) that eject the instance at once",
        },
        Param {
            name: "interval",
            ty: Type::PositiveDuration,
            default: Fixed("10s"),
            doc: "time between analysis sweeps, which return ejected instances (a random phase per client)",
        },
        Param {
            name: "base_ejection_time",
            ty: Type::PositiveDuration,
            default: Fixed("30s"),
            doc: "an ejection lasts this × the times the instance has been ejected, until the next sweep",
        },
        Param {
            name: "max_ejection_time",
            ty: Type::PositiveDuration,
            default: Fixed("300s"),
            doc: "the longest ejection (`base_ejection_time` if that is longer)",
        },
        Param {
            name: "max_ejection_percent",
            ty: Type::Number { min: 0.0, open_min: false, max: 100.0 },
            default: Fixed("10"),
            doc: "percent of the listed instances ejected at once, this one included, at most (Envoy ≥ 1.31: with fewer than 10 instances, none at 10 %)",
        },
        Param {
            name: "always_eject_one_host",
            ty: Type::Flag,
            default: Fixed("false"),
            doc: "one instance may be ejected whatever the percentage (Envoy's switch, off by default)",
        },
        Param {
            name: "panic_threshold",
            ty: Type::Number { min: 0.0, open_min: false, max: 100.0 },
            default: Fixed("50"),
            doc: "below this percent of listed instances not ejected, the balancer ignores ejections (0: never)",
        },
        Param {
            name: "enforcing_success_rate",
            ty: PERCENT,
            default: Fixed("0"),
            doc: "percent chance that success-rate ejection ejects an instance it finds (Envoy's default is 100; 0 turns it off)",
        },
        Param {
            name: "success_rate_stdev_factor",
            ty: Type::Number { min: 0.0, open_min: false, max: 1e6 },
            default: Fixed("1.9"),
            doc: "success-rate ejection: below the mean success rate minus this × its standard deviation (Envoy's 1900 / 1000)",
        },
        Param { name: "success_rate_minimum_hosts", ty: HOSTS, default: Fixed("5"), doc: MINIMUM_HOSTS },
        Param { name: "success_rate_request_volume", ty: VOLUME, default: Fixed("100"), doc: REQUEST_VOLUME },
        Param {
            name: "enforcing_failure_percentage",
            ty: PERCENT,
            default: Fixed("0"),
            doc: "percent chance that failure-percentage ejection ejects an instance it finds (0, Envoy's default, turns it off)",
        },
        Param {
            name: "failure_percentage_threshold",
            ty: PERCENT,
            default: Fixed("85"),
            doc: "failure-percentage ejection: at or above this percent of failed attempts in the interval",
        },
        Param { name: "failure_percentage_minimum_hosts", ty: HOSTS, default: Fixed("5"), doc: MINIMUM_HOSTS },
        Param { name: "failure_percentage_request_volume", ty: VOLUME, default: Fixed("50"), doc: REQUEST_VOLUME },
    ],
    derived: &[],
    build: |v| {
        let outlier = Outlier {
            consecutive_failures: v.required_u32("consecutive_failures")?,
            interval: v.required_duration("interval")?,
            base_ejection_time: v.required_duration("base_ejection_time")?,
            max_ejection_time: v.required_duration("max_ejection_time")?,
            max_ejection_percent: v.required_number("max_ejection_percent")?,
            always_eject_one_host: v.flag("always_eject_one_host").unwrap_or(false),
            panic_threshold: v.required_number("panic_threshold")?,
            success_rate: RateEjection {
                limit: v.required_number("success_rate_stdev_factor")?,
                minimum_hosts: v.required_u32("success_rate_minimum_hosts")?,
                request_volume: v.required_u32("success_rate_request_volume")?,
                enforcing: v.required_number("enforcing_success_rate")?,
            },
            failure_percentage: RateEjection {
                limit: v.required_number("failure_percentage_threshold")?,
                minimum_hosts: v.required_u32("failure_percentage_minimum_hosts")?,
                request_volume: v.required_u32("failure_percentage_request_volume")?,
                enforcing: v.required_number("enforcing_failure_percentage")?,
            },
        };
        Ok(Arc::new(move |r: &mut Recovery| r.outlier = Some(outlier)))
    },
};

const ADAPTIVE_THROTTLING: Strategy<Part> = Strategy {
    name: "adaptive_throttling",
    doc: "`[recovery.adaptive_throttling]`: the SRE book's client-side throttling: each client rejects a request locally with probability max(0, (requests − k·accepts)/(requests + 1)) over the window",
    params: &[
        Param {
            name: "k",
            ty: Type::Number { min: 1.0, open_min: false, max: f64::INFINITY },
            default: Fixed("2"),
            doc: "multiplier of accepts: a client sends about k × what the backend accepts",
        },
        Param {
            name: "window",
            ty: Type::PositiveDuration,
            default: Fixed("120s"),
            doc: "the requests and accepts counted (the book's two minutes; slides in hundredths)",
        },
    ],
    derived: &[],
    build: |v| {
        let throttling = AdaptiveThrottling { k: v.required_number("k")?, window: v.required_duration("window")? };
        Ok(Arc::new(move |r: &mut Recovery| r.adaptive_throttling = Some(throttling)))
    },
};

const RETRY_THROTTLING: Strategy<Part> = Strategy {
    name: "retry_throttling",
    doc: "`[recovery.retry_throttling]`: gRPC's retry throttling (gRFC A6): tokens start at max_tokens, −1 per failed attempt, +token_ratio per success; retries and hedges only while tokens > max_tokens/2",
    params: &[
        Param {
            name: "max_tokens",
            ty: Type::Number { min: 0.0, open_min: true, max: 1000.0 },
            default: Required,
            doc: "the token count's start and ceiling (gRPC: above 0, at most 1000)",
        },
        Param {
            name: "token_ratio",
            ty: Type::Number { min: 0.0, open_min: true, max: f64::INFINITY },
            default: Required,
            doc: "tokens a successful attempt gives back (gRPC keeps three decimals, as here)",
        },
    ],
    derived: &[],
    build: |v| {
        let throttling = RetryThrottling {
            max_tokens: v.required_number("max_tokens")?,
            token_ratio: v.required_number("token_ratio")?,
        };
        if (throttling.token_ratio * 1000.0).round() < 1.0 {
            return Err(KeyError::new(v.key_of("token_ratio"), "is below a thousandth of a token")
                .allowed("at least 0.001, e.g. 0.1"));
        }
        Ok(Arc::new(move |r: &mut Recovery| r.retry_throttling = Some(throttling)))
    },
};

const TIED: Strategy<Part> = Strategy {
    name: "tied",
    doc: "`[recovery.tied]`: tied requests (Dean & Barroso): each attempt goes as two copies to two instances; the first to start service cancels the other, dropped if still queued when the cancel arrives",
    params: &[Param {
        name: "cancel",
        ty: Type::Flag,
        default: Fixed("true"),
        doc: "the copy that starts first sends the cancel (a message with the network's delay and loss); false: both copies run (plain duplication)",
    }],
    derived: &[],
    build: |v| {
        let tied = Tied { cancel: v.flag("cancel").unwrap_or(true) };
        Ok(Arc::new(move |r: &mut Recovery| r.tied = Some(tied)))
    },
};

/// Reads the `[recovery]` table found at `key` (absent: the defaults): its own keys, then
/// each sub-table by the part of that name.
pub fn parse(table: Option<toml::Table>, key: &str) -> Result<Recovery, KeyError> {
    let mut recovery = Recovery::plain(0);
    let mut table = table.unwrap_or_default();
    let [own, sections @ ..] = PARTS else { return Ok(recovery) };
    let mut tables = Vec::new();
    for part in sections {
        match table.remove(part.name) {
            Some(toml::Value::Table(sub)) => tables.push((part, sub, format!("{key}.{}", part.name))),
            Some(other) => {
                let message = format!("invalid type: {} `{other}`, expected a table", other.type_str());
                return Err(KeyError::new(format!("{key}.{}", part.name), message));
            }
            None => {}
        }
    }
    let sub_names = sections.iter().map(|p| p.name).collect::<Vec<_>>().join(", ");
    apply(own, table, key, &mut recovery).map_err(|e| with_sections(e, &sub_names))?;
    for (part, sub, sub_key) in tables {
        apply(part, sub, &sub_key, &mut recovery)?;
    }
    if recovery.hedge.is_some() && recovery.retry.max_attempts < 2 {
        return Err(KeyError::new(format!("{key}.hedge"), "a hedge is a second attempt, but retry.max_attempts is 1")
            .allowed(format!("set {key}.retry.max_attempts to 2 or more")));
    }
    if recovery.tied.is_some() && recovery.hedge.is_some() {
        return Err(KeyError::new(format!("{key}.tied"), "tied requests and hedges are two answers to one problem")
            .allowed(format!("keep one of {key}.tied and {key}.hedge")));
    }
    Ok(recovery)
}

/// Checks one part's table against its declaration and applies it.
fn apply(part: &Strategy<Part>, table: toml::Table, key: &str, recovery: &mut Recovery) -> Result<(), KeyError> {
    let mut values = crate::params::check(part.params, table, key)?;
    (part.build)(&mut values)?(recovery);
    Ok(())
}

/// An unknown key of `[recovery]` itself may be a misspelt sub-table: list those too.
fn with_sections(mut error: KeyError, sub_names: &str) -> KeyError {
    if error.message.starts_with("unknown key") {
        error.allowed = error.allowed.map(|keys| format!("{keys}, {sub_names}"));
        let given = error.key.rsplit('.').next().unwrap_or_default();
        error.suggestion = error.suggestion.or_else(|| crate::params::error::closest(given, sub_names.split(", ")));
    }
    error
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::params::{DefaultValue, examples_by};

    /// A `[recovery]` table holding `example` as part `index` of `PARTS`, beside a retry of two
    /// attempts (a hedge needs one); and the key the part's table is found at.
    fn recovery_with(index: usize, part: &Strategy<Part>, example: toml::Table) -> (toml::Table, String) {
        let mut table: toml::Table = toml::from_str("retry = { max_attempts = 2 }").unwrap();
        if index == 0 {
            table.extend(example);
            return (table, "recovery".into());
        }
        table.insert(part.name.into(), toml::Value::Table(example));
        (table, format!("recovery.{}", part.name))
    }

    /// Every part of `[recovery]`, from its declaration: each form is accepted and changes the
    /// settings (a sub-table's part), each required key left out and an undeclared one are
    /// errors at their key.
    #[test]
    fn every_recovery_part_applies_and_checks_its_keys() {
        let plain = parse(Some(toml::from_str("retry = { max_attempts = 2 }").unwrap()), "recovery").unwrap();
        for (index, part) in PARTS.iter().enumerate() {
            for example in examples_by(part, None) {
                let (table, key) = recovery_with(index, part, example.clone());
                let recovery = parse(Some(table.clone()), "recovery").unwrap_or_else(|e| panic!("{table}: {e:?}"));
                assert!(index == 0 || recovery != plain, "{table} changes nothing");
                let required = part.params.iter().filter(|p| matches!(p.default, DefaultValue::Required));
                for p in required {
                    let mut without = example.clone();
                    without.remove(p.name);
                    let error = parse(Some(recovery_with(index, part, without).0), "recovery").unwrap_err();
                    assert_eq!(error.key, format!("{key}.{}", p.name));
                }
                let mut extra = example.clone();
                extra.insert("bogus".into(), 1.into());
                let error = parse(Some(recovery_with(index, part, extra).0), "recovery").unwrap_err();
                assert_eq!(error.key, format!("{key}.bogus"));
            }
        }
    }

    #[test]
    fn defaults_and_cross_checks() {
        let defaults = parse(None, "recovery").unwrap();
        assert_eq!((defaults.timeout, defaults.retry.max_attempts), (1_000_000_000, 1));
        let hedge_alone: toml::Table = toml::from_str("hedge = { delay = \"10ms\" }").unwrap();
        assert_eq!(parse(Some(hedge_alone), "recovery").unwrap_err().key, "recovery.hedge");
        let floor_alone: toml::Table = toml::from_str("retry = { max_attempts = 2, budget_floor = 1.0 }").unwrap();
        assert_eq!(parse(Some(floor_alone), "recovery").unwrap_err().key, "recovery.retry.budget_floor");
        let misspelt: toml::Table = toml::from_str("rety = { max_attempts = 2 }").unwrap();
        assert_eq!(parse(Some(misspelt), "recovery").unwrap_err().suggestion.as_deref(), Some("retry"));
    }
}
