//! What runs produce, as the journal and the exporters see it: the layout of a results folder
//! (scenario identity and sweep points) and one record per (point, replication) job.
//! Nothing here refers to the simulation's internals.

use crate::metrics::{EngineWork, MetricValues};
use crate::scenario::LoadedScenario;
use serde::{Deserialize, Serialize};

/// Everything about a scenario that its result files need, and that shards must share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub name: String,
    pub scenario_file: String,
    /// Identity of the resolved scenario, replication settings excluded (adding replications
    /// later keeps the earlier ones valid).
    pub scenario_hash: String,
    /// The resolved scenario (after `--set`), as TOML.
    pub resolved_toml: String,
    pub swept_keys: Vec<String>,
    /// Per sweep point, the swept keys' values as written in the CSV files.
    pub points: Vec<Vec<(String, String)>>,
    pub replications: u32,
    /// The scenario's `[[expect]]`s, and per point (expectation index, predicted value).
    pub expectations: Vec<crate::expect::Expectation>,
    pub predictions: Vec<Vec<(usize, f64)>>,
    #[serde(default)]
    pub plots: Vec<crate::chart::PlotSpec>,
    #[serde(default)]
    pub horizon_seconds: f64,
}

impl Layout {
    pub fn of(loaded: &LoadedScenario) -> Self {
        let mut identity = loaded.resolved.clone();
        for key in ["replications", "max_replications", "target_ci", "target_metrics"] {
            identity.remove(key);
        }
        let canonical = toml::to_string(&identity).unwrap_or_default();
        Layout {
            name: loaded.name.clone(),
            scenario_file: loaded.file.display().to_string(),
            scenario_hash: format!("{:016x}", fnv1a(format!("{}\n{canonical}", env!("CARGO_PKG_VERSION")).as_bytes())),
            resolved_toml: toml::to_string(&loaded.resolved).unwrap_or_default(),
            swept_keys: loaded.swept_keys.clone(),
            points: loaded.points.iter().map(|p| p.params.clone()).collect(),
            replications: loaded.points.first().map_or(1, |p| p.scenario.replications),
            expectations: loaded.expectations.clone(),
            predictions: loaded.points.iter().map(|p| p.predictions.clone()).collect(),
            plots: loaded.plots.clone(),
            horizon_seconds: loaded.points.first().map_or(0.0, |p| crate::engine::time::to_seconds(p.scenario.horizon)),
        }
    }

    /// The swept values of a point, as CSV cells.
    pub fn param_cells(&self, point: usize) -> impl Iterator<Item = String> + '_ {
        self.points[point].iter().map(|(_, v)| v.clone())
    }
}

/// FNV-1a, 64 bits: a stable, dependency-free fingerprint (not a cryptographic hash).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hasher = Fnv::default();
    std::hash::Hasher::write(&mut hasher, bytes);
    std::hash::Hasher::finish(&hasher)
}

/// FNV-1a as a `Hasher`, for fingerprints that must not change between runs (std's default
/// hasher is randomly keyed).
pub struct Fnv(u64);

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
    pub point: usize,
    pub replication: u32,
    pub seed: u64,
    pub metrics: MetricValues,
    pub work: EngineWork,
}

/// Sorts records into the order of the files (point, then replication) and drops duplicates,
/// so the files never depend on the order in which jobs finished.
pub fn canonical_order(records: &mut Vec<RunRecord>) {
    records.sort_by_key(|r| (r.point, r.replication));
    records.dedup_by_key(|r| (r.point, r.replication));
}
