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
            (false, i) if i.starts_with('[') => format!("{prefix}{inner}"),
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
    #[allow(dead_code, reason = "typed by serde here, read from the table")]
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
    /// Clients and their requests; without it, the scenario is about detection only.
    pub workload: Option<RawWorkload>,
    /// How clients learn the registry's view.
    pub discovery: Option<RawDiscovery>,
    /// How a client picks an instance (`kind` plus the balancer's own keys).
    pub balancer: Option<toml::Table>,
    pub recovery: Option<toml::Table>,
    /// The look-aside cache in front of the service (`[cache]`).
    pub cache: Option<toml::Table>,
    /// How the registry acts on its detector's verdicts (`[registry.eviction]`).
    pub registry: Option<toml::Table>,
    /// Optional metrics (`load_spread`).
    pub metrics: Option<toml::Table>,
    #[serde(default)]
    #[allow(dead_code, reason = "typed by serde here, read from the table")]
    pub sweep: toml::Table,
    #[serde(default)]
    pub fault: Vec<toml::Table>,
    /// Time windows whose request metrics are also reported as `<metric>@<phase>`.
    #[serde(default)]
    pub phase: Vec<RawPhase>,
    /// The tiers the cluster's instances call in a chain (`[[tier]]`).
    #[serde(default)]
    pub tier: Vec<toml::Table>,
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
    /// Parallel workers per instance (default 1 when `service_time` is given).
    pub servers: Option<u32>,
    pub service_time: Option<toml::Table>,
    /// Requests that may wait beyond the busy workers; more are rejected (default: no limit).
    pub queue_limit: Option<u32>,
    /// What clients see of a crash: "silent" (default: attempts time out) or "reset"
    /// (connections are reset and refused: attempts fail at once).
    pub on_crash: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    pub name: Option<String>,
    pub metric: String,
    pub formula: String,
    /// "mean" (default), "upper-bound" or "lower-bound".
    pub holds: Option<String>,
    pub tolerance: Option<f64>,
    /// Only at sweep points whose swept keys have one of these values, e.g.
    /// `where = { "balancer.kind" = ["ring", "jump"] }`.
    #[serde(rename = "where")]
    pub filter: Option<toml::Table>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhase {
    pub name: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// "requests" (default: the request path) or "contention" (one row, optimistic concurrency).
    pub kind: Option<String>,
    pub clients: u32,
    /// Requests per second of each client (a Poisson stream); required with requests.
    pub rate: Option<f64>,
    pub keys: Option<u64>,
    /// "uniform" (default) or "zipf".
    pub key_dist: Option<String>,
    pub zipf_exponent: Option<f64>,
    /// Bin width of the time-weighted `availability` (default 1 s).
    pub availability_bin: Option<String>,
    /// Leaves per fan-out request (absent: no fan-out).
    pub fanout: Option<u32>,
    /// Leaves a fan-out request waits for (default: all of them).
    pub quorum: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDiscovery {
    /// "watch" (the registry pushes each change), "poll" (clients refresh every `refresh`) or
    /// "ttl" (clients reuse an answer for `ttl`, then look up again on their next request).
    pub mode: String,
    pub refresh: Option<String>,
    pub ttl: Option<String>,
    /// With poll: the registry answers from a response cache refreshed every this.
    pub server_cache: Option<String>,
    /// Each client's balancer refreshes its server list from the client's cache every this.
    pub balancer_refresh: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailure {
    pub model: String,
    pub mttf: Option<toml::Table>,
    pub mttr: Option<toml::Table>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub delay: Option<toml::Table>,
    pub loss: Option<f64>,
}
