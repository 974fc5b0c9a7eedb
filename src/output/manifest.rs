//! `manifest.json`: what produced the results — the resolved scenario and its hash, the seeds
//! and how they were derived, the discosim version and git commit, the command line, the
//! start and end times; the run's `--label` when given.

use crate::results::{Layout, RunRecord};
use serde_json::json;

/// The commit discosim was built from, when built from a git checkout (see build.rs).
pub(crate) const GIT_COMMIT: &str = env!("DISCOSIM_GIT_COMMIT");

pub(crate) fn render(layout: &Layout, records: &[RunRecord], provenance: &serde_json::Value) -> Vec<u8> {
    let mut seeds: Vec<_> = records.iter().map(|r| (r.replication, r.seed)).collect();
    seeds.sort_unstable();
    seeds.dedup();
    let seeds: Vec<_> = seeds.iter().map(|(r, s)| json!({ "replication": r, "seed": s })).collect();
    let points: Vec<_> = layout
        .points
        .iter()
        .map(|p| p.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>())
        .collect();
    let resolved: toml::Table = toml::from_str(&layout.resolved_toml).unwrap_or_default();
    let mut manifest = json!({
        "discosim_version": env!("CARGO_PKG_VERSION"),
        "git_commit": GIT_COMMIT,
        "scenario_file": layout.scenario_file,
        "scenario_name": layout.name,
        "scenario_hash": layout.scenario_hash,
        "resolved_scenario": resolved,
        "sweep_points": points,
        "runs": records.len(),
        "seed_derivation": "replication seed = mix64(mix64(seed) ^ mix64(replication + 0x5EED)); \
            each component's stream is PCG-64 MCG seeded from (replication seed, stream kind, component index); \
            every sweep point of one replication shares its seed",
        "replication_seeds": seeds,
        "provenance": provenance,
        "swept_keys": layout.swept_keys,
        "horizon_seconds": layout.horizon_seconds,
        "expectations": layout.expectations,
        "plots": layout.plots,
    });
    if let (Some(label), Some(object)) = (&layout.label, manifest.as_object_mut()) {
        object.insert("label".into(), json!(label));
    }
    let mut bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}
