//! Reads `[[plot]]` tables (or chooses the default charts) and checks them against the sweep
//! and the metrics before anything runs.

use super::LoadedScenario;
use super::error::KeyError;
use super::file::from_value;
use crate::chart::{Kind, PlotSpec, Question, default_plots};
use crate::results::declared::Pareto;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlot {
    name: Option<String>,
    kind: Option<String>,
    title: Option<String>,
    x: Option<String>,
    #[serde(default)]
    y: Vec<String>,
    series: Option<String>,
    #[serde(default)]
    log_x: bool,
    #[serde(default)]
    log_y: bool,
    along: Option<String>,
    x_better: Option<String>,
    y_better: Option<String>,
    pareto: Option<String>,
}

/// Takes the `plot` array out of the scenario table (charts do not change a run).
pub(super) fn take(table: &mut toml::Table) -> Result<Vec<(usize, RawPlotSpec)>, KeyError> {
    let Some(value) = table.remove("plot") else { return Ok(Vec::new()) };
    let raws: Vec<RawPlot> = from_value(value, "plot")?;
    Ok(raws.into_iter().enumerate().map(|(i, r)| (i, RawPlotSpec(r))).collect())
}

/// A declared chart, not yet checked against the sweep.
pub(super) struct RawPlotSpec(RawPlot);

/// The charts of a loaded scenario: the declared ones, checked, or the defaults.
pub(super) fn resolve(declared: Vec<(usize, RawPlotSpec)>, loaded: &LoadedScenario) -> Result<Vec<PlotSpec>, KeyError> {
    let Some(first) = loaded.points.first().map(|p| &p.scenario) else {
        return Ok(Vec::new()); // no sweep point, no chart (parse never builds such a scenario)
    };
    let metrics = first.metric_names();
    if declared.is_empty() {
        let expected: Vec<String> =
            loaded.expectations.iter().map(|e| e.metric.clone()).filter(|m| metrics.contains(m)).collect();
        let numeric = loaded
            .points
            .first()
            .and_then(|p| p.params.first())
            .is_some_and(|(_, v)| crate::chart::data_axis_value(v).is_some());
        let question = Question {
            swept: &loaded.swept_keys,
            expected: &expected,
            has_clients: first.clients.is_some(),
            numeric_x: numeric,
        };
        return Ok(default_plots(&question));
    }
    declared.into_iter().map(|(index, RawPlotSpec(raw))| check(raw, index, loaded, &metrics)).collect()
}

fn check(raw: RawPlot, index: usize, loaded: &LoadedScenario, metrics: &[String]) -> Result<PlotSpec, KeyError> {
    let key = |name: &str| format!("plot[{index}].{name}");
    let swept: Vec<&str> = loaded.swept_keys.iter().map(String::as_str).collect();
    let kind = kind_of(&raw, &key, &swept, metrics)?;
    for (name, value) in [("series", &raw.series), ("along", &raw.along)] {
        if let Some(k) = value.as_deref().filter(|k| !swept.contains(k)) {
            return Err(KeyError::unknown_name(key(name), "swept key", k, &swept));
        }
    }
    let names: Vec<&str> =
        if kind == Kind::Cdf { crate::metrics::SAMPLED.to_vec() } else { metrics.iter().map(String::as_str).collect() };
    if raw.y.is_empty() && kind != Kind::Timeline {
        return Err(KeyError::new(key("y"), "name at least one metric"));
    }
    if let Some(m) = raw.y.iter().find(|m| !names.contains(&m.as_str())) {
        return Err(KeyError::unknown_name(key("y"), "metric", m, &crate::metrics::alike(m, &names)));
    }
    let (along, pareto) = match kind {
        Kind::Tradeoff => tradeoff(&raw, &key, loaded, &names)?,
        _ => (not_tradeoff(&raw, &key, &swept)?, None),
    };
    let name = raw.name.unwrap_or_else(|| format!("plot-{}", index + 1));
    crate::input::check_name(&name)
        .map_err(|e| KeyError::new(key("name"), format!("{e} (it names the chart's files)")))?;
    let title = raw.title.unwrap_or_else(|| default_title(&raw.y, raw.x.as_deref(), along.as_deref(), &loaded.name));
    let (x, y, series, log_x, log_y) = (raw.x, raw.y, raw.series, raw.log_x, raw.log_y);
    Ok(PlotSpec { name, kind, title, x, y, series, log_x, log_y, along, pareto })
}

/// The chart's kind: as written, or `tradeoff` when `x` names a metric rather than a swept key.
fn kind_of(raw: &RawPlot, key: &dyn Fn(&str) -> String, swept: &[&str], metrics: &[String]) -> Result<Kind, KeyError> {
    let x_is_metric = raw.x.as_ref().is_some_and(|x| !swept.contains(&x.as_str()) && metrics.contains(x));
    let Some(name) = raw.kind.as_deref() else {
        return Ok(if x_is_metric { Kind::Tradeoff } else { Kind::Line });
    };
    let kind =
        Kind::from_name(name).ok_or_else(|| KeyError::unknown_name(key("kind"), "chart kind", name, Kind::NAMES))?;
    if x_is_metric && matches!(kind, Kind::Line | Kind::Bar) {
        let message =
            format!("is a metric; a {name} chart's x is a swept key (a metric against a metric: kind = \"tradeoff\")");
        return Err(KeyError::new(key("x"), message).allowed(swept.join(", ")));
    }
    Ok(kind)
}

/// The checks of a chart that is not a trade-off curve: x is a swept key where the kind needs
/// one, and no trade-off key is set.
fn not_tradeoff(raw: &RawPlot, key: &dyn Fn(&str) -> String, swept: &[&str]) -> Result<Option<String>, KeyError> {
    let kind = raw.kind.as_deref().unwrap_or("line");
    let set =
        [("along", &raw.along), ("x_better", &raw.x_better), ("y_better", &raw.y_better), ("pareto", &raw.pareto)];
    if let Some((name, _)) = set.into_iter().find(|(_, value)| value.is_some()) {
        return Err(KeyError::new(key(name), format!("is only used with kind = \"tradeoff\", not \"{kind}\"")));
    }
    if let Some(x) = raw.x.as_deref().filter(|x| !swept.contains(x)) {
        return Err(KeyError::unknown_name(key("x"), "swept key", x, swept));
    }
    if matches!(kind, "line" | "bar") && raw.x.is_none() {
        return Err(KeyError::new(key("x"), "is required: the swept key on the x axis").allowed(swept.join(", ")));
    }
    Ok(None)
}

/// A trade-off curve's checks: x a metric, one metric in y, the swept key the curve moves
/// along (given, or the one numeric swept key left beside `series`), how to mark Pareto points.
fn tradeoff(
    raw: &RawPlot,
    key: &dyn Fn(&str) -> String,
    loaded: &LoadedScenario,
    metrics: &[&str],
) -> Result<(Option<String>, Option<Pareto>), KeyError> {
    let Some(x) = raw.x.as_deref() else {
        return Err(KeyError::new(key("x"), "is required: the metric on the x axis of a trade-off curve"));
    };
    if !metrics.contains(&x) {
        return Err(KeyError::unknown_name(key("x"), "metric", x, metrics));
    }
    if raw.y.len() != 1 {
        let message = format!("names {} metrics; a trade-off curve has one on the y axis", raw.y.len());
        return Err(KeyError::new(key("y"), message));
    }
    if raw.along.is_some() && raw.along == raw.series {
        return Err(KeyError::new(key("along"), "is the `series` key; a curve moves along another swept key"));
    }
    let along = match &raw.along {
        Some(along) => along.clone(),
        None => infer_along(raw, key, loaded)?,
    };
    Ok((Some(along), pareto(raw, key)?))
}

/// The swept key a trade-off curve moves along when `along` is not given: the only swept key
/// with numeric values (durations, numbers) other than `series`. Named values (variants,
/// strategies) are conditions to compare, not a parameter that moves.
fn infer_along(raw: &RawPlot, key: &dyn Fn(&str) -> String, loaded: &LoadedScenario) -> Result<String, KeyError> {
    let first = loaded.points.first().map(|p| p.params.as_slice()).unwrap_or_default();
    let numeric = |k: &&String| {
        let value = first.iter().find(|(name, _)| name == *k).map(|(_, v)| v.as_str());
        value.and_then(crate::chart::data_axis_value).is_some()
    };
    let candidates: Vec<&String> =
        loaded.swept_keys.iter().filter(|k| Some(*k) != raw.series.as_ref()).filter(numeric).collect();
    match candidates.as_slice() {
        [only] => Ok((*only).clone()),
        [] => Err(KeyError::new(
            key("along"),
            "a trade-off curve moves along a swept key with numeric values; none is swept",
        )),
        _ => Err(KeyError::new(key("along"), "is required: several swept keys could move along the curve")
            .allowed(candidates.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", "))),
    }
}

/// `pareto` (curve, all, none) and `x_better`, `y_better` (lower, higher).
fn pareto(raw: &RawPlot, key: &dyn Fn(&str) -> String) -> Result<Option<Pareto>, KeyError> {
    let higher = |name: &str, value: &Option<String>| match value.as_deref() {
        None | Some("lower") => Ok(false),
        Some("higher") => Ok(true),
        Some(other) => Err(KeyError::unknown_name(key(name), "direction", other, &["lower", "higher"])),
    };
    let (higher_x, higher_y) = (higher("x_better", &raw.x_better)?, higher("y_better", &raw.y_better)?);
    let across_curves = match raw.pareto.as_deref() {
        None | Some("curve") => false,
        Some("all") => true,
        Some("none") => return Ok(None),
        Some(other) => return Err(KeyError::unknown_name(key("pareto"), "Pareto scope", other, PARETO_SCOPES)),
    };
    Ok(Some(Pareto { across_curves, higher_x, higher_y }))
}

const PARETO_SCOPES: &[&str] = &["curve", "all", "none"];

fn default_title(y: &[String], x: Option<&str>, along: Option<&str>, scenario: &str) -> String {
    match (x, along) {
        (Some(x), Some(along)) => format!("{} against {x} as {along} moves ({scenario})", y.join(", ")),
        _ => format!("{} ({scenario})", y.join(", ")),
    }
}
