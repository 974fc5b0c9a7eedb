//! Scenario files: read TOML, apply `--set` overrides, expand the sweep, check every value,
//! and hand back typed `model::Scenario`s — or an error that says where and what.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

pub(crate) mod build;
mod build_chain;
mod build_clients;
mod build_contention;
pub(crate) use crate::params::duration;
pub(crate) mod error;
mod expectations;
pub(crate) mod file;
pub(crate) mod locate;
mod plots;
pub(crate) mod sweep;
pub(crate) mod tune;
mod variants;

pub use error::{KeyError, Origin, ScenarioError};
use std::path::{Path, PathBuf};

/// A `--set key=value` override: any scenario key, dotted (`detector.interval`).
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The dotted key.
    pub key: String,
    /// The value, parsed as TOML.
    pub value: toml::Value,
    /// The option as written (`--set detector.interval=2s`, `--seed 7`): errors name it.
    pub option: String,
}

impl Override {
    /// Parses `key=value`; the value is read as TOML (`10`, `0.5`, `[1, 2]`, `"1s"`) and, when
    /// that fails, taken as a plain string, so `--set detector.interval=2s` works unquoted.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (key, value) = text.split_once('=').ok_or_else(|| format!("`{text}` is not key=value"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("`{text}` has no key"));
        }
        let value = value.trim();
        let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_string()));
        Ok(Override { key: key.to_string(), value: parsed, option: format!("--set {text}") })
    }

    /// An override made by an option of its own (`--seed 7` sets `seed`).
    pub fn from_option(key: &str, value: toml::Value, option: String) -> Self {
        Override { key: key.to_string(), value, option }
    }
}

pub use crate::results::loaded::{LoadedScenario, Point};

/// Reads and checks a scenario file.
pub fn load(path: &Path, overrides: &[Override]) -> Result<LoadedScenario, ScenarioError> {
    load_tuned(path, overrides).map(|t| t.loaded)
}

/// A scenario file read for `discosim tune`: the scenario, its `[tune]` table, and its text,
/// which the search parses again at every setting it tries.
pub(crate) struct Tuned {
    pub loaded: LoadedScenario,
    pub spec: Option<tune::TuneSpec>,
    pub text: String,
}

/// Reads and checks a scenario file, its `[tune]` table included.
pub(crate) fn load_tuned(path: &Path, overrides: &[Override]) -> Result<Tuned, ScenarioError> {
    let label = path.display().to_string();
    let text = crate::input::read_text(path, crate::input::MAX_SCENARIO_BYTES).map_err(|e| ScenarioError {
        file: label.clone(),
        origin: Origin::File,
        error: Box::new(KeyError::new("", format!("cannot read the scenario file: {e}"))),
    })?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let (mut loaded, spec) = parse_placed(&text, &label, base_dir, overrides)
        .map_err(|e| blame_overrides(&text, &label, base_dir, overrides, e))?;
    loaded.file = path.to_path_buf();
    Ok(Tuned { loaded, spec, text })
}

/// Checks a scenario given as text; `label` names it in errors, `base_dir` resolves data files.
pub fn parse(
    text: &str,
    label: &str,
    base_dir: &Path,
    overrides: &[Override],
) -> Result<LoadedScenario, ScenarioError> {
    parse_placed(text, label, base_dir, overrides)
        .map(|(loaded, _)| loaded)
        .map_err(|e| blame_overrides(text, label, base_dir, overrides, e))
}

/// Puts an error that the file alone does not have on the override that causes it (say
/// `--set detector.kind=observer` on a file that sets `detector.interval`, or a `--set sweep.*`
/// list with a bad value): the file is not what needs fixing. Only errors are re-checked.
fn blame_overrides(
    text: &str,
    label: &str,
    base_dir: &Path,
    overrides: &[Override],
    error: ScenarioError,
) -> ScenarioError {
    if overrides.is_empty() || matches!(error.origin, Origin::CommandLine { .. }) {
        return error;
    }
    let same = |overrides: &[Override]| matches!(parse_placed(text, label, base_dir, overrides), Err(e) if e.error == error.error);
    if same(&[]) {
        return error;
    }
    // Too many sweep points: the sweep overrides together are to blame, and trying each alone
    // would build every point of each (seconds, for a sweep just under the cap).
    let sweeps: Vec<&str> =
        overrides.iter().filter(|o| o.key.starts_with("sweep")).map(|o| o.option.as_str()).collect();
    if error.error.key == "sweep" && !sweeps.is_empty() {
        return ScenarioError { origin: Origin::CommandLine { option: sweeps.join(" ") }, ..error };
    }
    let option = match overrides.iter().find(|o| same(std::slice::from_ref(*o))) {
        Some(culprit) => culprit.option.clone(),
        None => overrides.iter().map(|o| o.option.as_str()).collect::<Vec<_>>().join(" "),
    };
    ScenarioError { origin: Origin::CommandLine { option }, ..error }
}

fn parse_placed(
    text: &str,
    label: &str,
    base_dir: &Path,
    overrides: &[Override],
) -> Result<(LoadedScenario, Option<tune::TuneSpec>), ScenarioError> {
    let place_unswept = |error: KeyError| locate_error(text, label, overrides, &[], error);
    let mut table = parse_toml(text, label)?;
    for o in overrides {
        apply_override(&mut table, o).map_err(place_unswept)?;
    }
    let parsed = expectations::take(&mut table).map_err(place_unswept)?;
    let declared_plots = plots::take(&mut table).map_err(place_unswept)?;
    let tune = tune::take(&mut table).map_err(place_unswept)?;
    let variants = variants::Variants::take(&mut table).map_err(place_unswept)?;
    let mut axes = sweep::axes(&table).map_err(place_unswept)?;
    axes.splice(0..0, variants.axis());
    sweep::check_count(&axes).map_err(place_unswept)?;
    let swept: Vec<(String, String)> =
        axes.iter().flat_map(|a| a.keys.iter().cloned().zip(a.places.iter().cloned())).collect();
    let swept_keys: Vec<String> = swept.iter().map(|(k, _)| k.clone()).collect();
    let mut points = Vec::new();
    for assignment in sweep::points(&axes) {
        let variant = assignment.iter().find(|(k, _)| k == variants::KEY).and_then(|(_, v)| v.as_str());
        let places: Vec<(String, String)> =
            swept.iter().cloned().chain(variant.map(|name| variants.places(name)).unwrap_or_default()).collect();
        let place = |error: KeyError| locate_error(text, label, overrides, &places, at_point(error, &assignment));
        let point_table = point_table(&table, &assignment, &variants).map_err(place)?;
        let raw = file::from_value(toml::Value::Table(point_table.clone()), "").map_err(place)?;
        let scenario = build::build(raw, base_dir).map_err(place)?;
        let params = assignment.iter().map(|(k, v)| (k.clone(), value_text(v))).collect();
        let mut point = Point { params, scenario, predictions: Vec::new() };
        expectations::predict(&parsed, &mut point, &point_table).map_err(place)?;
        points.push(point);
    }
    let Some(first) = points.first().map(|p| &p.scenario) else {
        return Err(place_unswept(KeyError::new("sweep", "the sweep has no point")));
    };
    if let Some(spec) = &tune {
        tune::check_metrics(spec, &first.metric_names()).map_err(place_unswept)?;
    }
    let description = table.get("description").and_then(|d| d.as_str()).unwrap_or("").to_string();
    let mut loaded = LoadedScenario {
        file: PathBuf::from(label),
        name: first.name.clone(),
        description,
        resolved: table,
        swept_keys,
        points,
        expectations: parsed.into_iter().map(|p| p.expectation).collect(),
        plots: Vec::new(),
    };
    loaded.plots = plots::resolve(declared_plots, &loaded).map_err(place_unswept)?;
    Ok((loaded, tune))
}

/// The scenario's table at one sweep point: the base with its preset beneath, the point's
/// variant over it, the swept keys over that.
fn point_table(
    base: &toml::Table,
    assignment: &[(String, toml::Value)],
    variants: &variants::Variants,
) -> Result<toml::Table, KeyError> {
    let mut table = base.clone();
    table.remove("sweep");
    let mut variant = None;
    for (key, value) in assignment {
        match value.as_str() {
            Some(name) if key == variants::KEY => variant = Some(name),
            _ => set_dotted(&mut table, key, value.clone())?,
        }
    }
    crate::presets::apply(&mut table)?;
    if let Some(name) = variant {
        variants.apply(name, &mut table)?;
        for (key, value) in assignment.iter().filter(|(k, _)| k != variants::KEY) {
            set_dotted(&mut table, key, value.clone())?;
        }
        crate::presets::apply(&mut table)?;
    }
    Ok(table)
}

/// Names the sweep point an error was found at (when the scenario has a sweep), so an error
/// that only some points have says which.
fn at_point(mut error: KeyError, assignment: &[(String, toml::Value)]) -> KeyError {
    if !assignment.is_empty() {
        let point: Vec<String> = assignment.iter().map(|(k, v)| format!("{k} = {}", value_text(v))).collect();
        error.message = format!("{} (at the sweep point {})", error.message, point.join(", "));
    }
    error
}

fn parse_toml(text: &str, label: &str) -> Result<toml::Table, ScenarioError> {
    if text.trim().is_empty() {
        return Err(ScenarioError {
            file: label.into(),
            origin: Origin::File,
            error: Box::new(KeyError::new(
                "",
                "the file is empty; a scenario needs at least `name`, `horizon`, `[cluster]` and `[detector]`",
            )),
        });
    }
    toml::from_str::<toml::Table>(text).map_err(|e| {
        let origin = match e.span() {
            Some(span) => {
                let (line, column) = locate::line_column(text, span.start);
                Origin::Position { line, column }
            }
            None => Origin::File,
        };
        ScenarioError {
            file: label.into(),
            origin,
            error: Box::new(KeyError::new("", format!("not valid TOML: {}", e.message().trim()))),
        }
    })
}

/// Places an error: on the command line if an override set that key, in the `[sweep]` table if
/// the key is swept, else where the key is written in the file.
fn locate_error(
    text: &str,
    label: &str,
    overrides: &[Override],
    swept: &[(String, String)],
    error: KeyError,
) -> ScenarioError {
    let under = |prefix: &str| {
        error.key == prefix
            || error.key.starts_with(&format!("{prefix}."))
            || error.key.starts_with(&format!("{prefix}["))
    };
    let origin = if let Some(o) = overrides.iter().find(|o| under(&o.key)) {
        Origin::CommandLine { option: o.option.clone() }
    } else {
        let path = match swept.iter().find(|(k, _)| under(k)) {
            Some((_, place)) => place.clone(),
            None => error.key.clone(),
        };
        match locate::span_of(text, &path) {
            Some(span) => {
                let (line, column) = locate::line_column(text, span.start);
                Origin::Position { line, column }
            }
            None => Origin::File,
        }
    };
    ScenarioError { file: label.into(), origin, error: Box::new(error) }
}

fn apply_override(table: &mut toml::Table, o: &Override) -> Result<(), KeyError> {
    if let Some(swept) = o.key.strip_prefix("sweep.") {
        let sweep = table.entry("sweep").or_insert_with(|| toml::Value::Table(Default::default()));
        let Some(sweep) = sweep.as_table_mut() else {
            return Err(KeyError::new("sweep", "must be a table"));
        };
        sweep.insert(swept.to_string(), o.value.clone());
        return Ok(());
    }
    // An override of a swept key pins it: the sweep over that key is dropped.
    sweep::pin(table, &o.key);
    set_dotted(table, &o.key, o.value.clone())
}

/// Sets `a.b.c = value`, creating tables on the way.
fn set_dotted(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), KeyError> {
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().unwrap_or_default();
    let mut current = table;
    for (depth, part) in parts.iter().enumerate() {
        let entry = current.entry(part.to_string()).or_insert_with(|| toml::Value::Table(Default::default()));
        current = entry.as_table_mut().ok_or_else(|| {
            KeyError::new(
                parts.get(..=depth).unwrap_or(&parts).join("."),
                "is not a table, so it has no sub-keys to set",
            )
        })?;
    }
    current.insert(last.to_string(), value);
    Ok(())
}

/// A TOML value as it should read in a CSV cell: strings bare, everything else as TOML.
pub(crate) fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests;
