//! The `[tune]` table (`discosim tune`): the knobs the search may turn and their ranges, the
//! requirements a setting must meet, the metric it minimises, and its replication and
//! refinement budget. Checked whenever the scenario is read (so `validate` catches a typo);
//! taken out of the table before the scenario's hash, because it never changes a run.

use super::error::KeyError;
use super::file::from_value;
use crate::params::duration::parse_duration;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTune {
    minimize: String,
    #[serde(default)]
    require: Vec<String>,
    knobs: toml::Table,
    grid: Option<u32>,
    refine: Option<u32>,
    resolution: Option<f64>,
    min_replications: Option<u32>,
    max_replications: Option<u32>,
    confidence: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKnob {
    low: toml::Value,
    high: toml::Value,
    scale: Option<String>,
}

/// Most grid points of the first stage (grid^knobs), so that a typo cannot start hours of runs.
pub(crate) const MAX_GRID_POINTS: u64 = 1000;
/// Most replications a candidate may take before it is called undecided.
pub(crate) const MAX_REPLICATIONS: u32 = 10_000;

/// What a knob's values are: they decide how a value is written back into the scenario.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum KnobKind {
    /// A duration key; values in seconds, written as whole nanoseconds.
    Duration,
    /// A number key.
    Number,
    /// An integer key (a count).
    Integer,
}

/// One key the search may set, with its range.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Knob {
    /// The dotted scenario key, as `--set` takes it.
    pub key: String,
    /// Smallest value (seconds for a duration).
    pub low: f64,
    /// Largest value.
    pub high: f64,
    pub kind: KnobKind,
    /// Grid and midpoints on a log scale (geometric) rather than a linear one.
    pub log: bool,
}

/// `METRIC <= BOUND` or `METRIC >= BOUND`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Requirement {
    pub metric: String,
    /// `<=` (true) or `>=` (false).
    pub at_most: bool,
    /// The bound, in the metric's unit (seconds for durations).
    pub bound: f64,
    /// As written, for the table and the CSV header.
    pub text: String,
}

/// A checked `[tune]` table.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TuneSpec {
    pub knobs: Vec<Knob>,
    pub requirements: Vec<Requirement>,
    /// The metric whose mean the search minimises among settings that meet every requirement.
    pub minimize: String,
    /// Grid points per knob in the first stage.
    pub grid: u32,
    /// Most refinement rounds after the grid.
    pub refine: u32,
    /// Refinement stops when neighbours are closer than this (relative on a log scale, a
    /// fraction of the range on a linear one).
    pub resolution: f64,
    pub min_replications: u32,
    pub max_replications: u32,
    /// Two-sided confidence level of the intervals that decide a requirement.
    pub confidence: f64,
}

/// Takes `[tune]` out of the scenario table and checks it (metric names are checked later,
/// against the scenario's catalog, by `check_metrics`).
pub(crate) fn take(table: &mut toml::Table) -> Result<Option<TuneSpec>, KeyError> {
    let Some(value) = table.remove("tune") else { return Ok(None) };
    let raw: RawTune = from_value(value, "tune")?;
    let knobs = raw.knobs.into_iter().map(|(key, value)| knob(key, value)).collect::<Result<Vec<_>, _>>()?;
    if knobs.is_empty() {
        return Err(KeyError::new("tune.knobs", "names no knob").allowed(KNOB_HELP));
    }
    let requirements = raw.require.iter().enumerate().map(|(i, t)| requirement(i, t)).collect::<Result<_, _>>()?;
    let spec = TuneSpec {
        knobs,
        requirements,
        minimize: raw.minimize,
        grid: raw.grid.unwrap_or(5),
        refine: raw.refine.unwrap_or(12),
        resolution: raw.resolution.unwrap_or(0.01),
        min_replications: raw.min_replications.unwrap_or(5),
        max_replications: raw.max_replications.unwrap_or(40),
        confidence: raw.confidence.unwrap_or(0.95),
    };
    check_budget(&spec)?;
    Ok(Some(spec))
}

const KNOB_HELP: &str = "\"KEY\" = { low = …, high = …, scale = \"log\" | \"linear\" }: durations (\"100ms\"), \
    numbers or integers, low < high; scale defaults to log when low > 0";

fn knob(key: String, value: toml::Value) -> Result<Knob, KeyError> {
    let place = format!("tune.knobs.\"{key}\"");
    if ["sweep", "tune", "variant", "expect", "plot"].iter().any(|p| key == *p || key.starts_with(&format!("{p}."))) {
        return Err(KeyError::new(place, "cannot be a knob").allowed("a scenario key such as detector.timeout"));
    }
    let raw: RawKnob = from_value(value, &place)?;
    let (low, high, kind) = range(&place, &raw.low, &raw.high)?;
    if !(low.is_finite() && high.is_finite() && low < high) {
        return Err(KeyError::new(place, format!("needs low < high (got {low} and {high})")).allowed(KNOB_HELP));
    }
    let log = match raw.scale.as_deref() {
        None => low > 0.0,
        Some("log") if low > 0.0 => true,
        Some("log") => return Err(KeyError::new(format!("{place}.scale"), "a log scale needs low > 0")),
        Some("linear") => false,
        Some(other) => {
            return Err(KeyError::unknown_name(format!("{place}.scale"), "scale", other, &["log", "linear"]));
        }
    };
    Ok(Knob { key, low, high, kind, log })
}

/// A knob's ends and what its values are: both durations, both integers, or both numbers.
fn range(place: &str, low: &toml::Value, high: &toml::Value) -> Result<(f64, f64, KnobKind), KeyError> {
    let number = |v: &toml::Value| v.as_float().or(v.as_integer().map(|i| i as f64));
    match (low, high) {
        (toml::Value::String(l), toml::Value::String(h)) => {
            Ok((seconds(place, l)?, seconds(place, h)?, KnobKind::Duration))
        }
        (toml::Value::Integer(l), toml::Value::Integer(h)) => Ok((*l as f64, *h as f64, KnobKind::Integer)),
        (l, h) => match (number(l), number(h)) {
            (Some(l), Some(h)) => Ok((l, h, KnobKind::Number)),
            _ => Err(KeyError::new(place, "low and high must both be durations or both numbers").allowed(KNOB_HELP)),
        },
    }
}

fn seconds(place: &str, text: &str) -> Result<f64, KeyError> {
    let nanos = parse_duration(text).map_err(|e| KeyError::new(place, e))?;
    Ok(nanos as f64 / 1e9)
}

const REQUIREMENT_HELP: &str =
    "\"METRIC <= BOUND\" or \"METRIC >= BOUND\", the bound a number or a duration, e.g. \"detection_time.p99 <= 10s\"";

fn requirement(index: usize, text: &str) -> Result<Requirement, KeyError> {
    let place = format!("tune.require[{index}]");
    let bad = |why: &str| KeyError::new(place.clone(), format!("`{text}`: {why}")).allowed(REQUIREMENT_HELP);
    let (metric, at_most, bound) = match (text.split_once("<="), text.split_once(">=")) {
        (Some((m, b)), None) => (m, true, b),
        (None, Some((m, b))) => (m, false, b),
        _ => return Err(bad("needs exactly one `<=` or `>=`")),
    };
    let bound = bound.trim();
    let value = match bound.parse::<f64>() {
        Ok(number) => number,
        Err(_) => parse_duration(bound).map(|n| n as f64 / 1e9).map_err(|e| bad(&e))?,
    };
    if !value.is_finite() || metric.trim().is_empty() {
        return Err(bad("needs a metric and a finite bound"));
    }
    Ok(Requirement { metric: metric.trim().to_string(), at_most, bound: value, text: text.trim().to_string() })
}

fn check_budget(spec: &TuneSpec) -> Result<(), KeyError> {
    let out_of = |key: &str, allowed: &str| KeyError::new(format!("tune.{key}"), "out of range").allowed(allowed);
    if !(2..=50).contains(&spec.grid) {
        return Err(out_of("grid", "an integer from 2 to 50"));
    }
    let points = (spec.grid as u64).checked_pow(spec.knobs.len() as u32).unwrap_or(u64::MAX);
    if points > MAX_GRID_POINTS {
        return Err(KeyError::new("tune.grid", format!("grid^knobs = {points} grid points"))
            .allowed(format!("at most {MAX_GRID_POINTS}: fewer knobs or a coarser grid")));
    }
    if spec.refine > 100 {
        return Err(out_of("refine", "an integer from 0 to 100"));
    }
    if !(spec.resolution > 0.0 && spec.resolution < 1.0) {
        return Err(out_of("resolution", "a number between 0 and 1 (exclusive), e.g. 0.01"));
    }
    if spec.min_replications < 2 || spec.min_replications > spec.max_replications {
        return Err(out_of("min_replications", "an integer ≥ 2, at most max_replications"));
    }
    if spec.max_replications > MAX_REPLICATIONS {
        return Err(out_of("max_replications", &format!("at most {MAX_REPLICATIONS}")));
    }
    if !(spec.confidence >= 0.5 && spec.confidence < 1.0) {
        return Err(out_of("confidence", "a level from 0.5 to 1 (exclusive), e.g. 0.95"));
    }
    Ok(())
}

/// Checks the metric names against those the scenario reports.
pub(crate) fn check_metrics(spec: &TuneSpec, names: &[String]) -> Result<(), KeyError> {
    let all: Vec<&str> = names.iter().map(String::as_str).collect();
    let unknown =
        |key: String, given: &str| KeyError::unknown_name(key, "metric", given, &crate::metrics::alike(given, &all));
    if !names.contains(&spec.minimize) {
        return Err(unknown("tune.minimize".into(), &spec.minimize));
    }
    for (i, r) in spec.requirements.iter().enumerate() {
        if !names.contains(&r.metric) {
            return Err(unknown(format!("tune.require[{i}]"), &r.metric));
        }
    }
    Ok(())
}
