//! Helpers shared by the integration tests: build a scenario from text, run replications,
//! and estimate a metric with a confidence interval.
#![allow(dead_code)]

pub mod binary;

use discosim::metrics::MetricValues;
use discosim::model::Scenario;
use discosim::run::run_replication;
use discosim::scenario;
use discosim::stats::{Estimate, estimate_at};
use std::path::Path;

/// Statistical tests use 99.9 % intervals: a correct closed form then fails a given seeded
/// check with probability 0.001, so a failure points at the model, not at bad luck.
pub const TEST_CONFIDENCE: f64 = 0.999;

pub fn scenario(text: &str) -> Scenario {
    let loaded = scenario::parse(text, "test.toml", Path::new("."), &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.points.len(), 1, "a single-point scenario");
    loaded.points.into_iter().next().unwrap().scenario
}

pub fn replicate(scenario: &Scenario) -> Vec<MetricValues> {
    (0..scenario.replications).map(|r| run_replication(scenario, 0, r).metrics).collect()
}

pub fn values(runs: &[MetricValues], metric: &str) -> Vec<f64> {
    runs.iter().map(|r| r.get(metric).unwrap_or_else(|| panic!("no metric {metric}"))).collect()
}

pub fn ci(runs: &[MetricValues], metric: &str) -> Estimate {
    estimate_at(&values(runs, metric), TEST_CONFIDENCE)
}

pub fn assert_covers(estimate: Estimate, expected: f64, what: &str) {
    println!("{what}: closed form {expected}, simulated {} [{}, {}]", estimate.mean, estimate.ci_low, estimate.ci_high);
    assert!(
        estimate.ci_low <= expected && expected <= estimate.ci_high,
        "{what}: closed form {expected} outside the 99.9% CI [{}, {}] (mean {})",
        estimate.ci_low,
        estimate.ci_high,
        estimate.mean
    );
}

pub fn min_of(runs: &[MetricValues], metric: &str) -> f64 {
    values(runs, metric).into_iter().fold(f64::INFINITY, f64::min)
}

pub fn max_of(runs: &[MetricValues], metric: &str) -> f64 {
    values(runs, metric).into_iter().fold(f64::NEG_INFINITY, f64::max)
}

/// One nanosecond, in seconds: leases and probe timeouts fire one tick after their deadline,
/// so a message arriving exactly at the deadline still counts as in time.
pub const NS: f64 = 1e-9;

/// Reported values are in seconds converted from integer nanoseconds; compare bounds with a
/// margin of a few nanoseconds of float rounding.
pub const ROUNDING: f64 = 1e-12;

/// A scenario of `instances` instances, each with `servers` exponential workers (mean 10 ms:
/// μ = 100/s), 4 clients at `rate` requests per second each (`keys` request keys), a heartbeat
/// detector, attempts that never time out in practice, no failures, and `extra` tables after.
pub fn served_scenario(instances: u32, servers: u32, rate: f64, keys: u64, run: (&str, u32), extra: &str) -> String {
    let (horizon, replications) = run;
    format!(
        r#"
name = "served"
horizon = "{horizon}"
replications = {replications}
[cluster]
instances = {instances}
servers = {servers}
service_time = {{ dist = "exponential", mean = "10ms" }}
[detector]
kind = "heartbeat"
interval = "1s"
[workload]
clients = 4
rate = {rate}
keys = {keys}
[recovery]
timeout = "1h"
{extra}"#
    )
}
