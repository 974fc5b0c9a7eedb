//! Reading one results folder for `compare`: its manifest's swept keys and label, and every
//! replication's values from `runs.csv`, grouped by sweep point. Both files are input: an
//! error names the file, the line and the column, and says what is wrong.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use crate::input::{MAX_RESULTS_FILE_BYTES, read_bytes};
use crate::results::LABEL_COLUMN;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One replication's row of `runs.csv`.
pub(crate) struct Replication {
    pub replication: u32,
    pub seed: u64,
    /// The metrics' values, in the folder's column order (NaN: no value in this run).
    pub values: Vec<f64>,
}

/// One sweep point: its swept values and its replications, in file order.
pub(crate) struct PointRuns {
    /// (swept key, value as written), in the folder's column order.
    pub params: Vec<(String, String)>,
    pub runs: Vec<Replication>,
}

/// A results folder as `compare` sees it.
pub(crate) struct Folder {
    pub dir: PathBuf,
    /// `run --label`, if it was given.
    pub label: Option<String>,
    pub swept_keys: Vec<String>,
    /// The metric columns of `runs.csv`, in order.
    pub metrics: Vec<String>,
    pub points: Vec<PointRuns>,
}

impl Folder {
    /// Reads `manifest.json` and `runs.csv` of `dir`.
    pub(crate) fn read(dir: &Path) -> Result<Folder, String> {
        if !dir.is_dir() {
            return Err(format!("{}: not a results folder (no such folder)", dir.display()));
        }
        let (swept_keys, label) = manifest(&dir.join("manifest.json"))?;
        let mut folder = Folder { dir: dir.to_path_buf(), label, swept_keys, metrics: Vec::new(), points: Vec::new() };
        folder.read_runs(&dir.join("runs.csv"))?;
        Ok(folder)
    }

    /// The value of metric `index` in every replication of `point`.
    pub(crate) fn values(&self, point: &PointRuns, metric: &str) -> Vec<f64> {
        let index = self.metrics.iter().position(|m| m == metric);
        point.runs.iter().map(|r| index.and_then(|i| r.values.get(i)).copied().unwrap_or(f64::NAN)).collect()
    }

    fn read_runs(&mut self, path: &Path) -> Result<(), String> {
        let at = |line: u64, what: String| format!("{}:{line}: {what}", path.display());
        let bytes = read_bytes(path, MAX_RESULTS_FILE_BYTES).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header: Vec<String> =
            reader.headers().map_err(|e| at(1, e.to_string()))?.iter().map(String::from).collect();
        let leading = self.leading_columns();
        self.metrics = metric_columns(&header, &leading).map_err(|e| at(1, e))?;
        let mut seen = HashSet::new();
        for record in reader.records() {
            let record = record.map_err(|e| at(e.position().map_or(0, |p| p.line()), e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line());
            let cells: Vec<&str> = record.iter().collect();
            let (params, run) = self.parse_row(&header, &cells).map_err(|e| at(line, e))?;
            if !seen.insert((params.clone(), run.replication)) {
                return Err(at(line, format!("a second row of replication {} at this sweep point", run.replication)));
            }
            self.add(params, run);
        }
        if self.points.is_empty() {
            return Err(format!("{}: holds no replication", path.display()));
        }
        Ok(())
    }

    /// The columns before the metrics: `label` (with `--label`), swept keys, replication, seed.
    fn leading_columns(&self) -> Vec<String> {
        let label = self.label.iter().map(|_| LABEL_COLUMN.to_string());
        let tail = ["replication", "seed"].map(String::from);
        label.chain(self.swept_keys.iter().cloned()).chain(tail).collect()
    }

    /// A row's swept values and replication (its length was checked by the CSV reader).
    fn parse_row(&self, header: &[String], cells: &[&str]) -> Result<(Vec<String>, Replication), String> {
        let skip = usize::from(self.label.is_some());
        let n = self.swept_keys.len();
        let params: Vec<String> = cells.iter().skip(skip).take(n).map(|c| c.to_string()).collect();
        let cell = |i: usize| (header.get(i).map_or("", String::as_str), cells.get(i).copied().unwrap_or(""));
        let (replication, seed) = (integer(cell(skip + n))?, integer(cell(skip + n + 1))?);
        let values = (skip + n + 2..header.len()).map(|i| number(cell(i))).collect::<Result<_, _>>()?;
        Ok((params, Replication { replication, seed, values }))
    }

    fn add(&mut self, params: Vec<String>, run: Replication) {
        let values = |p: &PointRuns| p.params.iter().map(|(_, v)| v).eq(params.iter());
        if let Some(point) = self.points.iter_mut().find(|p| values(p)) {
            return point.runs.push(run);
        }
        let params = self.swept_keys.iter().cloned().zip(params).collect();
        self.points.push(PointRuns { params, runs: vec![run] });
    }
}

/// The manifest's swept keys and label.
fn manifest(path: &Path) -> Result<(Vec<String>, Option<String>), String> {
    let value = read_manifest(path)?;
    keys_and_label(path, &value)
}

/// A results folder's `manifest.json`, read as input: a JSON value, or an error naming the file.
pub(crate) fn read_manifest(path: &Path) -> Result<serde_json::Value, String> {
    let shown = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let bytes = read_bytes(path, MAX_RESULTS_FILE_BYTES).map_err(|e| shown(&e))?;
    serde_json::from_slice(&bytes).map_err(|e| shown(&e))
}

/// The swept keys and label of the manifest read from `path`, checked.
pub(crate) fn keys_and_label(path: &Path, value: &serde_json::Value) -> Result<(Vec<String>, Option<String>), String> {
    let shown = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let keys = value.get("swept_keys").cloned().map(serde_json::from_value::<Vec<String>>);
    let Some(Ok(swept_keys)) = keys else {
        return Err(shown(&"key `swept_keys`: missing or not a list of names (is this a discosim results folder?)"));
    };
    match value.get("label") {
        None => Ok((swept_keys, None)),
        Some(serde_json::Value::String(label)) => Ok((swept_keys, Some(label.clone()))),
        Some(other) => Err(shown(&format!("key `label`: {other} is not a text"))),
    }
}

/// The metric columns of a `runs.csv` header whose first columns must be `leading`.
fn metric_columns(header: &[String], leading: &[String]) -> Result<Vec<String>, String> {
    if !header.iter().take(leading.len()).eq(leading.iter()) {
        return Err(format!(
            "the first columns are `{}`; the manifest's swept keys give `{}`",
            header.iter().take(leading.len()).cloned().collect::<Vec<_>>().join(","),
            leading.join(",")
        ));
    }
    let metrics: Vec<String> = header.iter().skip(leading.len()).cloned().collect();
    if metrics.is_empty() {
        return Err("no metric column after `replication,seed`".into());
    }
    let mut seen = HashSet::new();
    if let Some(twice) = metrics.iter().find(|m| !seen.insert(m.as_str())) {
        return Err(format!("column `{twice}` appears twice"));
    }
    Ok(metrics)
}

fn integer<T: std::str::FromStr>((column, cell): (&str, &str)) -> Result<T, String> {
    cell.parse().map_err(|_| format!("column `{column}`: `{}` is not a whole number ≥ 0", cell.escape_debug()))
}

/// A metric's cell: a finite number, or empty (no value in this run).
fn number((column, cell): (&str, &str)) -> Result<f64, String> {
    if cell.is_empty() {
        return Ok(f64::NAN);
    }
    let value: f64 =
        cell.parse().map_err(|_| format!("column `{column}`: `{}` is not a number", cell.escape_debug()))?;
    if !value.is_finite() {
        return Err(format!(
            "column `{column}`: `{cell}` is not a finite number (an undefined value is an empty cell)"
        ));
    }
    Ok(value)
}
