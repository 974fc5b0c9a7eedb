//! What runs produce, as the journal and the exporters see it: the layout of a results folder
//! (scenario identity and sweep points) and one record per (point, replication) job.
//! Nothing here refers to the simulation's internals.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

pub mod declared;
pub(crate) mod loaded;

use crate::metrics::{EngineWork, MetricValues};
use serde::{Deserialize, Serialize};

/// Everything about a scenario that its result files need, and that shards must share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// The scenario's name.
    pub name: String,
    /// The scenario file's path, as given.
    pub scenario_file: String,
    /// Identity of the resolved scenario, replication settings excluded (adding replications
    /// later keeps the earlier ones valid).
    pub scenario_hash: String,
    /// The resolved scenario (after `--set`), as TOML.
    pub resolved_toml: String,
    /// The swept keys, in column order.
    pub swept_keys: Vec<String>,
    /// Per sweep point, the swept keys' values as written in the CSV files.
    pub points: Vec<Vec<(String, String)>>,
    /// Replications per sweep point.
    pub replications: u32,
    /// The scenario's `[[expect]]`s, and per point (expectation index, predicted value).
    pub expectations: Vec<declared::Expectation>,
    /// Per sweep point, (expectation index, predicted value) for each expectation that applies.
    pub predictions: Vec<Vec<(usize, f64)>>,
    /// The charts to draw.
    #[serde(default)]
    pub plots: Vec<declared::PlotSpec>,
    /// Simulated time of one run, in seconds.
    #[serde(default)]
    pub horizon_seconds: f64,
    /// The scenario's seed: a record's seed must be the one derived from it.
    pub seed: u64,
    /// Every replication number is below this: the most replications a point may run
    /// (`max_replications` under sequential stopping). A resume with more raises it.
    pub replication_ceiling: u32,
    /// `run --label`: a name for this run, recorded in the manifest and as the first column of
    /// `runs.csv`, `summary.csv` and `summary_long.csv`. Not part of the scenario's identity:
    /// absent (and left out of the journal), every file is as without the option.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Layout {
    /// Checks a layout read back from a file: names usable as file names, a consistent shape.
    pub(crate) fn check(&self) -> Result<(), String> {
        crate::input::check_name(&self.name).map_err(|e| format!("scenario name {e}"))?;
        if self.points.is_empty() || self.replications == 0 || self.replication_ceiling < self.replications {
            return Err("no sweep point, or fewer than one replication".into());
        }
        for (index, point) in self.points.iter().enumerate() {
            if !point.iter().map(|(k, _)| k).eq(self.swept_keys.iter()) {
                return Err(format!("sweep point {index} does not give exactly the swept keys"));
            }
        }
        let expectations = self.expectations.len();
        if self.predictions.len() != self.points.len()
            || self.predictions.iter().flatten().any(|(e, _)| *e >= expectations)
        {
            return Err("the predictions do not match the sweep points and expectations".into());
        }
        for plot in &self.plots {
            crate::input::check_name(&plot.name).map_err(|e| format!("chart name {e}"))?;
        }
        if let Some(label) = &self.label {
            check_label(label)?;
        }
        Ok(())
    }

    /// Checks a record read back from a file against this layout, and against the first
    /// record read (every record reports the same metrics).
    pub(crate) fn check_record(&self, record: &RunRecord, first: Option<&RunRecord>) -> Result<(), String> {
        if record.point >= self.points.len() {
            return Err(format!(
                "point {} is out of range (the layout has {} points)",
                record.point,
                self.points.len()
            ));
        }
        if record.replication >= self.replication_ceiling {
            return Err(format!(
                "replication {} is out of range (the layout has at most {})",
                record.replication, self.replication_ceiling
            ));
        }
        let seed = crate::engine::random::replication_seed(self.seed, record.replication as u64);
        if record.seed != seed {
            return Err(format!("seed {} is not replication {}'s ({seed})", record.seed, record.replication));
        }
        record.metrics.check_shape(first.map(|f| &f.metrics))
    }

    /// The swept values of a point, as CSV cells.
    pub(crate) fn param_cells(&self, point: usize) -> impl Iterator<Item = String> + '_ {
        self.points.get(point).into_iter().flatten().map(|(_, v)| v.clone())
    }

    /// The leading columns of `runs.csv` and the summaries: `label` (only with `--label`), then
    /// the swept keys.
    pub(crate) fn leading_header(&self) -> Vec<String> {
        self.label.iter().map(|_| LABEL_COLUMN.to_string()).chain(self.swept_keys.iter().cloned()).collect()
    }

    /// A point's leading cells: the label (only with `--label`), then its swept values.
    pub(crate) fn leading_cells(&self, point: usize) -> impl Iterator<Item = String> + '_ {
        self.label.iter().cloned().chain(self.param_cells(point))
    }
}

/// The name of the label's column.
pub const LABEL_COLUMN: &str = "label";

/// Longest `--label`, in characters.
pub const MAX_LABEL_CHARS: usize = 200;

/// Checks a run's label: 1 to `MAX_LABEL_CHARS` characters, none of them a control character
/// (a label is one CSV cell and one line of a table).
pub fn check_label(label: &str) -> Result<(), String> {
    let count = label.chars().count();
    if count == 0 || count > MAX_LABEL_CHARS {
        return Err(format!("a label is 1 to {MAX_LABEL_CHARS} characters; this one has {count}"));
    }
    if let Some(c) = label.chars().find(|c| c.is_control()) {
        return Err(format!("a label holds no control character (newline, tab, ...); this one holds {:?}", c));
    }
    Ok(())
}

/// FNV-1a, 64 bits: a stable, dependency-free fingerprint (not a cryptographic hash).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hasher = Fnv::default();
    std::hash::Hasher::write(&mut hasher, bytes);
    std::hash::Hasher::finish(&hasher)
}

/// FNV-1a as a `Hasher`, for fingerprints that must not change between runs (std's default
/// hasher is randomly keyed).
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The outcome of one (sweep point, replication) job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Index of the sweep point.
    pub point: usize,
    /// Replication number within the point, from 0.
    pub replication: u32,
    /// The run's seed, derived from the scenario's seed and the replication number.
    pub seed: u64,
    /// The metrics the run measured.
    pub metrics: MetricValues,
    /// The engine's work on the run (not reproducible).
    pub work: EngineWork,
}

/// Two records of one job must be the same record; returns the index of the second and why.
pub(crate) fn check_distinct_jobs(records: &[RunRecord]) -> Result<(), (usize, String)> {
    let mut seen = std::collections::HashMap::new();
    for (index, r) in records.iter().enumerate() {
        if let Some(earlier) = seen.insert((r.point, r.replication), index)
            && records.get(earlier) != Some(r)
        {
            return Err((
                index,
                format!("a second, different record of point {} replication {}", r.point, r.replication),
            ));
        }
    }
    Ok(())
}

/// Sorts records into the order of the files (point, then replication) and drops duplicates,
/// so the files never depend on the order in which jobs finished.
pub fn canonical_order(records: &mut Vec<RunRecord>) {
    records.sort_by_key(|r| (r.point, r.replication));
    records.dedup_by_key(|r| (r.point, r.replication));
}
