//! The scenario file's shape as serde sees it: names and types, before any value is checked.

use super::error::{KeyError, from_serde_message};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Deserializes `value` into `T`, reporting errors with their full dotted key path under
/// `prefix` (e.g. `detector.interval`).
pub fn from_value<T: DeserializeOwned>(value: toml::Value, prefix: &str) -> Result<T, KeyError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let inner = error.path().to_string();
        let key = match (prefix.is_empty(), inner.as_str()) {
            (_, ".") => prefix.to_string(),
            (true, _) => inner,
            (false, _) => format!("{prefix}.{inner}"),
        };
        from_serde_message(key, &error.into_inner().to_string())
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_seed")]
    pub seed: u64,
    pub horizon: String,
    #[serde(default = "default_replications")]
    pub replications: u32,
    /// Sequential stopping: add replications until every `target_metrics` mean has a 95 %
    /// interval narrower than ±`target_ci` (relative), up to `max_replications`.
    pub target_ci: Option<f64>,
    #[serde(default)]
    pub target_metrics: Vec<String>,
    pub max_replications: Option<u32>,
    pub cluster: RawCluster,
    #[serde(default)]
    pub network: RawNetwork,
    pub detector: toml::Table,
    #[serde(default)]
    pub sweep: toml::Table,
    #[serde(default)]
    pub fault: Vec<RawFault>,
    /// Part of the specification, not of this version: accepted by the parser only to be
    /// refused with a clear message.
    #[serde(default)]
    pub phase: Vec<toml::Value>,
    #[serde(default)]
    pub expect: Vec<toml::Value>,
}

fn default_seed() -> u64 {
    1
}

fn default_replications() -> u32 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    pub instances: u32,
    pub failure: Option<RawFailure>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailure {
    pub model: String,
    pub mttf: Option<RawDist>,
    pub mttr: Option<RawDist>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub delay: Option<RawDist>,
    pub loss: Option<f64>,
}

/// Every parameter any distribution takes; which ones a given `dist` allows is checked later.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
    pub dist: String,
    pub value: Option<String>,
    pub low: Option<String>,
    pub high: Option<String>,
    pub mean: Option<String>,
    pub sd: Option<String>,
    pub median: Option<String>,
    pub p99: Option<String>,
    pub scale: Option<String>,
    pub shape: Option<f64>,
    pub file: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub at: String,
    pub action: String,
    pub instances: Option<Vec<u32>>,
    pub count: Option<u32>,
    pub fraction: Option<f64>,
    pub until: Option<String>,
    pub factor: Option<f64>,
}
