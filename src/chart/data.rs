//! What the charts read: the CSV files of a results folder and the chart list of its
//! manifest. Never the simulation.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::PlotSpec;
use crate::input::{MAX_RESULTS_FILE_BYTES, read_bytes};
use crate::params::duration::parse_duration;
use crate::results::LABEL_COLUMN;
use std::collections::HashMap;
use std::path::Path;

pub(crate) struct CheckRow {
    pub expectation: String,
    pub metric: String,
    pub formula: String,
    pub params: Vec<String>,
    pub predicted: f64,
}

pub(crate) struct CdfRow {
    pub params: Vec<String>,
    pub metric: String,
    pub level: f64,
    pub value: f64,
}

pub(crate) struct TraceRow {
    pub time: f64,
    pub event: String,
    pub instance: u32,
}

pub(crate) struct ResultsData {
    pub plots: Vec<PlotSpec>,
    pub swept_keys: Vec<String>,
    /// Per sweep point: the swept values (as in the CSV) and every summary column.
    pub points: Vec<(Vec<String>, HashMap<String, f64>)>,
    pub checks: Vec<CheckRow>,
    pub cdf: Vec<CdfRow>,
    pub trace: Vec<TraceRow>,
    pub horizon: f64,
}

impl ResultsData {
    /// Reads a results folder's files, checking them as input: the manifest's chart names
    /// and keys, and CSV files whose columns start with the swept keys.
    pub(crate) fn read(dir: &Path) -> Result<Self, String> {
        let manifest = manifest(dir)?;
        let field = |key: &str| manifest.get(key).cloned().unwrap_or_default();
        let swept_keys: Vec<String> = serde_json::from_value(field("swept_keys")).unwrap_or_default();
        let plots: Vec<PlotSpec> = serde_json::from_value(field("plots")).unwrap_or_default();
        for plot in &plots {
            plot.check(&swept_keys).map_err(|e| format!("manifest.json: chart `{}`: {e}", plot.name.escape_debug()))?;
        }
        let horizon = field("horizon_seconds").as_f64().unwrap_or(0.0);
        let n = swept_keys.len();
        // With `run --label`, summary.csv starts with the label's column.
        let labelled = manifest.get("label").is_some();
        let leading: Vec<String> =
            labelled.then(|| LABEL_COLUMN.to_string()).into_iter().chain(swept_keys.iter().cloned()).collect();
        let points = rows(dir, "summary.csv", &leading)?
            .unwrap_or_default()
            .into_iter()
            .map(|(cells, map)| (cells.into_iter().skip(usize::from(labelled)).take(n).collect(), numbers(map)))
            .collect();
        let checks = rows(dir, "checks.csv", &[])?.unwrap_or_default();
        let checks = checks.into_iter().map(|(_, r)| check_row(r, &swept_keys)).collect();
        let cdf = rows(dir, "cdf.csv", &swept_keys)?.unwrap_or_default();
        let cdf = cdf.into_iter().map(|(cells, r)| cdf_row(cells, r, n)).collect();
        let trace =
            rows(dir, "trace.csv", &[])?.unwrap_or_default().into_iter().filter_map(|(_, r)| trace_row(r)).collect();
        Ok(ResultsData { plots, swept_keys, points, checks, cdf, trace, horizon })
    }

    /// The index of a swept key.
    pub(crate) fn key_index(&self, key: &str) -> Option<usize> {
        self.swept_keys.iter().position(|k| k == key)
    }
}

type Row = (Vec<String>, HashMap<String, String>);

fn manifest(dir: &Path) -> Result<serde_json::Value, String> {
    let path = dir.join("manifest.json");
    let bytes = read_bytes(&path, MAX_RESULTS_FILE_BYTES).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    if !value.is_object() {
        return Err(format!("{}: is not a discosim manifest (a JSON object)", path.display()));
    }
    Ok(value)
}

/// A CSV file's rows as (cells, column → cell), or None if the file is absent. Its first
/// columns must be `leading` (the swept keys), in order.
fn rows(dir: &Path, file: &str, leading: &[String]) -> Result<Option<Vec<Row>>, String> {
    let path = dir.join(file);
    if !path.exists() {
        return Ok(None);
    }
    let shown = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let bytes = read_bytes(&path, MAX_RESULTS_FILE_BYTES).map_err(|e| shown(&e))?;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader.headers().map_err(|e| shown(&e))?.iter().map(str::to_string).collect();
    if !header.iter().take(leading.len()).eq(leading.iter()) {
        return Err(shown(&format!(
            "its first columns are not the swept keys of the manifest ({})",
            leading.join(", ")
        )));
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| shown(&e))?;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        out.push((cells.clone(), header.iter().cloned().zip(cells).collect()));
    }
    Ok(Some(out))
}

/// Largest magnitude a charted number may have: discosim writes nothing near it, and every
/// range and margin computed from such numbers stays finite (an infinite axis range never
/// finishes laying out its ticks).
const MAX_PLOTTED: f64 = 1e100;

/// A cell as a number that can be charted; None for text, empty cells and absurd values.
fn plottable(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|v| v.is_finite() && v.abs() <= MAX_PLOTTED)
}

fn numbers(map: HashMap<String, String>) -> HashMap<String, f64> {
    map.into_iter().filter_map(|(k, v)| plottable(&v).map(|x| (k, x))).collect()
}

fn check_row(mut r: HashMap<String, String>, swept: &[String]) -> CheckRow {
    let params = swept.iter().map(|k| r.get(k).cloned().unwrap_or_default()).collect();
    CheckRow {
        expectation: r.remove("expectation").unwrap_or_default(),
        metric: r.remove("metric").unwrap_or_default(),
        formula: r.remove("formula").unwrap_or_default(),
        params,
        predicted: r.get("predicted").and_then(|v| plottable(v)).unwrap_or(f64::NAN),
    }
}

fn cdf_row(cells: Vec<String>, r: HashMap<String, String>, swept: usize) -> CdfRow {
    let number = |k: &str| r.get(k).and_then(|v| plottable(v)).unwrap_or(f64::NAN);
    CdfRow {
        params: cells.into_iter().take(swept).collect(),
        metric: r.get("metric").cloned().unwrap_or_default(),
        level: number("level"),
        value: number("value"),
    }
}

/// A row of `trace.csv`; None for a row without a usable time and instance.
fn trace_row(r: HashMap<String, String>) -> Option<TraceRow> {
    Some(TraceRow {
        time: r.get("time").and_then(|v| plottable(v)).filter(|t| *t >= 0.0)?,
        event: r.get("event").cloned().unwrap_or_default(),
        instance: r.get("instance").and_then(|v| v.parse().ok())?,
    })
}

/// A swept value as a number on an axis: durations in seconds, numbers as they are; None for
/// names (a categorical axis).
pub(crate) fn axis_value(cell: &str) -> Option<f64> {
    plottable(cell).or_else(|| parse_duration(cell).ok().map(crate::engine::time::to_seconds))
}

pub(super) fn is_duration(cell: &str) -> bool {
    cell.parse::<f64>().is_err() && parse_duration(cell).is_ok()
}
