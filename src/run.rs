//! Runs the replications of every sweep point of a scenario and collects their metrics.

use crate::engine::random::replication_seed;
use crate::metrics::{EngineWork, MetricValues};
use crate::model::Scenario;
use crate::scenario::LoadedScenario;
use crate::world::World;
use std::time::Instant;

/// The outcome of one (sweep point, replication) job.
#[derive(Clone, Debug)]
pub struct RunRecord {
    pub point: usize,
    pub replication: u32,
    pub seed: u64,
    pub metrics: MetricValues,
    pub work: EngineWork,
}

/// Runs one replication. Its seed depends only on the scenario seed and the replication
/// number, so every sweep point of a replication sees the same failures and delays where the
/// model allows (common random numbers: differences between points are not sampling noise).
pub fn run_replication(scenario: &Scenario, point: usize, replication: u32) -> RunRecord {
    let seed = replication_seed(scenario.seed, replication as u64);
    let started = Instant::now();
    let (metrics, mut work) = World::new(scenario, seed).run();
    work.wall_seconds = started.elapsed().as_secs_f64();
    RunRecord {
        point,
        replication,
        seed,
        metrics,
        work,
    }
}

/// Runs every point and replication, in order, calling `on_done` after each.
pub fn run_all(loaded: &LoadedScenario, mut on_done: impl FnMut(&RunRecord)) -> Vec<RunRecord> {
    let mut records = Vec::new();
    for (index, point) in loaded.points.iter().enumerate() {
        for replication in 0..point.scenario.replications {
            let record = run_replication(&point.scenario, index, replication);
            on_done(&record);
            records.push(record);
        }
    }
    records
}
