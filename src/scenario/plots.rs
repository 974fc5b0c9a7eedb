//! Reads `[[plot]]` tables (or chooses the default charts) and checks them against the sweep
//! and the metrics before anything runs.

use super::LoadedScenario;
use super::error::KeyError;
use super::file::from_value;
use crate::chart::{Kind, PlotSpec, default_plots};
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
        return Ok(default_plots(&loaded.swept_keys, &expected, first.clients.is_some(), numeric));
    }
    declared.into_iter().map(|(index, RawPlotSpec(raw))| check(raw, index, loaded, &metrics)).collect()
}

fn check(raw: RawPlot, index: usize, loaded: &LoadedScenario, metrics: &[String]) -> Result<PlotSpec, KeyError> {
    let key = |name: &str| format!("plot[{index}].{name}");
    let kind_name = raw.kind.as_deref().unwrap_or("line");
    let kind = Kind::from_name(kind_name)
        .ok_or_else(|| KeyError::unknown_name(key("kind"), "chart kind", kind_name, Kind::NAMES))?;
    let swept: Vec<&str> = loaded.swept_keys.iter().map(String::as_str).collect();
    for (name, value) in [("x", &raw.x), ("series", &raw.series)] {
        if let Some(k) = value.as_deref().filter(|k| !swept.contains(k)) {
            return Err(KeyError::unknown_name(key(name), "swept key", k, &swept));
        }
    }
    if matches!(kind, Kind::Line | Kind::Bar) && raw.x.is_none() {
        return Err(KeyError::new(key("x"), "is required: the swept key on the x axis").allowed(swept.join(", ")));
    }
    let names: Vec<&str> =
        if kind == Kind::Cdf { crate::metrics::SAMPLED.to_vec() } else { metrics.iter().map(String::as_str).collect() };
    if raw.y.is_empty() && kind != Kind::Timeline {
        return Err(KeyError::new(key("y"), "name at least one metric"));
    }
    if let Some(m) = raw.y.iter().find(|m| !names.contains(&m.as_str())) {
        return Err(KeyError::unknown_name(key("y"), "metric", m, &crate::metrics::alike(m, &names)));
    }
    let name = raw.name.unwrap_or_else(|| format!("plot-{}", index + 1));
    crate::input::check_name(&name)
        .map_err(|e| KeyError::new(key("name"), format!("{e} (it names the chart's files)")))?;
    let title = raw.title.unwrap_or_else(|| format!("{} ({})", raw.y.join(", "), loaded.name));
    Ok(PlotSpec { name, kind, title, x: raw.x, y: raw.y, series: raw.series, log_x: raw.log_x, log_y: raw.log_y })
}
