//! A scenario as read and resolved: its sweep points, each with the typed scenario it gives and
//! its predictions, and what it declares (expectations, charts). What running and writing
//! results need of a scenario file, without the reading of it (`scenario`).

use super::Layout;
use crate::model::Scenario;
use std::path::PathBuf;

/// One point of a sweep: the swept keys' values, and the scenario they give.
#[derive(Clone, Debug)]
pub struct Point {
    /// (swept key, value as written) for each swept key.
    pub params: Vec<(String, String)>,
    /// The typed scenario at this point.
    pub scenario: Scenario,
    /// (index into `LoadedScenario::expectations`, predicted value) for every expectation
    /// that applies at this point.
    pub predictions: Vec<(usize, f64)>,
}

impl Point {
    /// The most replications this point may run: `max_replications` under sequential
    /// stopping, else `replications`.
    pub fn replication_ceiling(&self) -> u32 {
        let stopping = self.scenario.stopping.as_ref().map_or(0, |s| s.max_replications);
        self.scenario.replications.max(stopping)
    }
}

/// A scenario file, resolved.
#[derive(Clone, Debug)]
pub struct LoadedScenario {
    /// The scenario file's path.
    pub file: PathBuf,
    /// The scenario's name.
    pub name: String,
    /// The scenario's description.
    pub description: String,
    /// The scenario table after overrides, before sweep expansion (for the manifest).
    pub resolved: toml::Table,
    /// The swept keys, in column order.
    pub swept_keys: Vec<String>,
    /// The sweep points, in order.
    pub points: Vec<Point>,
    /// The scenario's `[[expect]]`s.
    pub expectations: Vec<super::declared::Expectation>,
    /// The charts to draw (declared by `[[plot]]`, or the defaults).
    pub plots: Vec<super::declared::PlotSpec>,
}

impl LoadedScenario {
    /// The layout of its results folder: what its result files and its journal need, and its
    /// identity (the hash leaves out the replication settings, so adding replications later
    /// keeps the earlier ones).
    pub fn layout(&self) -> Layout {
        let loaded = self;
        let mut identity = loaded.resolved.clone();
        for key in ["replications", "max_replications", "target_ci", "target_metrics"] {
            identity.remove(key);
        }
        let mut canonical = toml::to_string(&identity).unwrap_or_default();
        // A preset's keys are data in the binary: a changed preset is another scenario.
        let swept = identity.get("sweep").and_then(|s| s.as_table()).is_some_and(|s| s.contains_key("preset"));
        if identity.contains_key("preset") || swept {
            canonical.push_str(&crate::presets::fingerprint());
        }
        Layout {
            name: loaded.name.clone(),
            scenario_file: loaded.file.display().to_string(),
            scenario_hash: format!(
                "{:016x}",
                super::fnv1a(format!("{}\n{canonical}", env!("CARGO_PKG_VERSION")).as_bytes())
            ),
            resolved_toml: toml::to_string(&loaded.resolved).unwrap_or_default(),
            swept_keys: loaded.swept_keys.clone(),
            points: loaded.points.iter().map(|p| p.params.clone()).collect(),
            replications: loaded.points.first().map_or(1, |p| p.scenario.replications),
            expectations: loaded.expectations.clone(),
            predictions: loaded.points.iter().map(|p| p.predictions.clone()).collect(),
            plots: loaded.plots.clone(),
            horizon_seconds: loaded.points.first().map_or(0.0, |p| crate::engine::time::to_seconds(p.scenario.horizon)),
            seed: loaded.points.first().map_or(0, |p| p.scenario.seed),
            replication_ceiling: loaded.points.iter().map(|p| p.replication_ceiling()).max().unwrap_or(1),
            label: None,
        }
    }
}
