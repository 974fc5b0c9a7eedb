//! `manifest.json`: what produced the results — the resolved scenario, seeds and how they were
//! derived, the discosim version and the command line.

use crate::run::RunRecord;
use crate::scenario::LoadedScenario;
use serde_json::json;

pub fn render(loaded: &LoadedScenario, records: &[RunRecord], command_line: &[String]) -> Vec<u8> {
    let seeds: Vec<_> = records
        .iter()
        .filter(|r| r.point == 0)
        .map(|r| json!({ "replication": r.replication, "seed": r.seed }))
        .collect();
    let points: Vec<_> = loaded
        .points
        .iter()
        .map(|p| {
            p.params
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect::<serde_json::Map<_, _>>()
        })
        .collect();
    let manifest = json!({
        "discosim_version": env!("CARGO_PKG_VERSION"),
        "scenario_file": loaded.file.display().to_string(),
        "scenario_name": loaded.name,
        "command_line": command_line,
        "resolved_scenario": loaded.resolved,
        "sweep_points": points,
        "seed_derivation": "replication seed = mix64(mix64(seed) ^ mix64(replication + 0x5EED)); \
            each component's stream is PCG-64 MCG seeded from (replication seed, stream kind, component index); \
            every sweep point of one replication shares its seed",
        "replication_seeds": seeds,
    });
    let mut bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}
