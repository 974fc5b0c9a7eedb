//! Preflight: what a scenario will cost — queue events, modelled events and memory per run,
//! the number of jobs, the process's peak memory — estimated from the typed model before
//! anything runs, and the caps beyond which the command line refuses (exit 2) unless
//! `--force`. Pure arithmetic: the caller reads the machine's memory and prints.
//!
//! Each part estimates itself: a detector through `DetectorFactory::estimate`, the world
//! (failures, scheduled faults) and the request path (`traffic`) here. The figures are
//! expected values (means of the distributions, no variance), calibrated against the shipped
//! scenarios: within a factor of 3 of `engine.csv` and the measured peak RSS (tested).
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod chain;
mod traffic;

use crate::detect::{Cost, Load};
use crate::engine::time::to_seconds;
use crate::model::{FailureModel, FaultAction, Scenario, Target};
use crate::results::loaded::LoadedScenario;

/// Most sweep points a scenario may have. Hard: every point is built into a typed scenario
/// before anything can be estimated, so building them is itself the cost; `--force` cannot
/// lift it.
pub(crate) const MAX_SWEEP_POINTS: u128 = 100_000;
/// Most jobs (sweep points × replications; `max_replications` under sequential stopping)
/// without `--force`: each keeps a record in memory until the end.
pub(crate) const MAX_JOBS: u64 = 1_000_000;
/// Most modelled events over all jobs without `--force`: at 5–50 M events/s per core,
/// 10^11 events take half an hour to six hours of one core — past that a typo (`refresh =
/// "1ns"`, a horizon in days) is likelier than intent, and `--force` says it is intent.
pub(crate) const MAX_TOTAL_EVENTS: f64 = 1e11;

/// The process before any job and after the last (code, allocator, results and charts
/// written): the measured peak RSS of the smallest shipped scenarios.
const BASE_BYTES: f64 = 9.5e6;
/// The world's state per instance: truth, epochs, registry view, scoring, failure events.
const WORLD_BYTES_PER_INSTANCE: f64 = 110.0;
/// A contention client's state and its message in flight.
const CONTENTION_BYTES_PER_CLIENT: f64 = 64.0;
/// One HDR histogram (3 significant digits) grown to durations of seconds.
const HISTOGRAM_BYTES: f64 = 100_000.0;
/// One reported value in a run's record: its name (a `String`) and the number.
const METRIC_BYTES: f64 = 64.0;
/// One CDF of a record: 101 quantiles and a name.
const CDF_BYTES: f64 = 101.0 * 8.0 + 64.0;

/// The estimated cost of one run (one job) of a sweep point.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct RunEstimate {
    /// Events through the queue: what `engine.csv` counts as `events`.
    pub queue_events: f64,
    /// Modelled events worked out without the queue (heartbeats drawn ahead): time only.
    pub drawn_events: f64,
    /// Memory held while the run is in flight.
    pub bytes: f64,
    /// Memory its record holds from its end to the end of the command.
    pub record_bytes: f64,
}

impl RunEstimate {
    /// Every modelled event, queued or drawn ahead: what the run's time grows with.
    pub(crate) fn events(&self) -> f64 {
        self.queue_events + self.drawn_events
    }
}

/// The estimate for a whole scenario file.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Estimate {
    /// One per sweep point, in order.
    pub runs: Vec<RunEstimate>,
    pub jobs: u64,
    /// Whether some point stops sequentially (its jobs are counted at `max_replications`).
    pub sequential: bool,
    /// Jobs run at once: the thread count, or fewer jobs.
    pub jobs_in_flight: u64,
    pub total_events: f64,
    pub peak_bytes: f64,
}

/// The estimate of every point of `loaded` run on `threads` worker threads, as one of
/// `shards` slices (`run --shard I/N`; 1: the whole scenario), each getting its share of the jobs.
pub(crate) fn estimate(loaded: &LoadedScenario, threads: usize, shards: u32) -> Estimate {
    let scenarios: Vec<&Scenario> = loaded.points.iter().map(|p| &p.scenario).collect();
    let runs: Vec<RunEstimate> = scenarios.iter().map(|s| run_estimate(s)).collect();
    let counts: Vec<u64> = scenarios.iter().map(|s| jobs_of(s)).collect();
    let shards = u64::from(shards.max(1));
    let jobs = counts.iter().fold(0u64, |sum, &n| sum.saturating_add(n)).div_ceil(shards);
    let share = 1.0 / shards as f64;
    let weighted =
        |f: fn(&RunEstimate) -> f64| runs.iter().zip(&counts).map(|(r, &n)| f(r) * n as f64 * share).sum::<f64>();
    let jobs_in_flight = jobs.min(threads.max(1) as u64);
    let largest_bytes = runs.iter().map(|r| r.bytes).fold(0.0, f64::max);
    Estimate {
        sequential: scenarios.iter().any(|s| s.stopping.is_some()),
        jobs,
        jobs_in_flight,
        total_events: weighted(RunEstimate::events),
        peak_bytes: BASE_BYTES + jobs_in_flight as f64 * largest_bytes + weighted(|r| r.record_bytes),
        runs,
    }
}

/// Jobs of one sweep point: its replications, or the most sequential stopping may run.
fn jobs_of(s: &Scenario) -> u64 {
    let most = s.stopping.as_ref().map_or(s.replications, |st| st.max_replications.max(s.replications));
    u64::from(most)
}

/// The estimated cost of one run of `s`.
pub(crate) fn run_estimate(s: &Scenario) -> RunEstimate {
    let failures = failures(&s.failure, f64::from(s.instances), to_seconds(s.horizon));
    let load = Load {
        instances: f64::from(s.instances),
        horizon_s: to_seconds(s.horizon),
        up_fraction: failures.up_fraction,
        crashes: failures.crashes + scheduled_crashes(s),
        fault_edges: fault_edges(s),
        loss: s.network.loss,
    };
    let world = Cost {
        queue_events: failures.crashes * failures.events_per_crash + load.fault_edges + sweeps(s),
        drawn_events: 0.0,
        bytes: WORLD_BYTES_PER_INSTANCE * load.instances,
    };
    let detector = s.detector.estimate(&load);
    let requests = s.clients.as_ref().map_or(Cost::default(), |c| traffic::estimate(s, c, &load));
    let contention = s.contention.as_ref().map_or(Cost::default(), contention);
    let histograms = histograms(s);
    let parts = [world, detector, requests, contention];
    RunEstimate {
        queue_events: parts.iter().map(|c| c.queue_events).sum(),
        drawn_events: parts.iter().map(|c| c.drawn_events).sum(),
        bytes: parts.iter().map(|c| c.bytes).sum::<f64>() + histograms * HISTOGRAM_BYTES,
        record_bytes: record_bytes(s, histograms),
    }
}

/// What the failure model does over a run, in expectation.
struct Failures {
    up_fraction: f64,
    /// Random crashes, all instances together.
    crashes: f64,
    /// Queue events per random crash: the failure, and the repair under crash-recover.
    events_per_crash: f64,
}

fn failures(model: &FailureModel, instances: f64, horizon_s: f64) -> Failures {
    let none = Failures { up_fraction: 1.0, crashes: 0.0, events_per_crash: 0.0 };
    match model {
        FailureModel::None => none,
        FailureModel::CrashStop { mttf } => {
            let mttf_s = mttf.mean_seconds();
            if !(mttf_s.is_finite() && horizon_s > 0.0) {
                return none;
            }
            // A time to failure of 0 is still one event: at least a nanosecond apart.
            let failed = 1.0 - (-horizon_s / mttf_s.max(1e-9)).exp();
            let up_fraction = mttf_s.max(1e-9) / horizon_s * failed;
            Failures { up_fraction, crashes: instances * failed, events_per_crash: 1.0 }
        }
        FailureModel::CrashRecover { mttf, mttr } => {
            let (up_s, down_s) = (mttf.mean_seconds(), mttr.mean_seconds());
            let cycle_s = (up_s + down_s).max(1e-9);
            if !cycle_s.is_finite() {
                return none;
            }
            Failures { up_fraction: up_s / cycle_s, crashes: instances * horizon_s / cycle_s, events_per_crash: 2.0 }
        }
    }
}

/// The contention workload: four messages (read, its reply, the write, its reply) per
/// conditional write. Writes: without jitter N(N+1)/4, half the lockstep closed form N(N+1)/2
/// (the network's spread breaks some ties); with jitter N(1 + 2 ln N); never more than
/// `max_attempts` per client. Calibrated on Brooker's model (bench/contention_reference.py:
/// within 2× from 10 to 190 clients for every jitter).
fn contention(c: &crate::model::Contention) -> Cost {
    let n = f64::from(c.clients);
    let writes = match c.retry.jitter {
        crate::recovery::Jitter::None => n * (n + 1.0) / 4.0,
        _ => n * (1.0 + 2.0 * n.ln()),
    };
    let writes = writes.max(n).min(n * f64::from(c.retry.max_attempts));
    Cost { queue_events: 4.0 * writes, drawn_events: 0.0, bytes: CONTENTION_BYTES_PER_CLIENT * n }
}

/// How many instances a scheduled fault touches.
fn touched(target: &Target, instances: f64) -> f64 {
    match target {
        Target::All => instances,
        Target::Instances(list) => list.len() as f64,
        Target::Count(count) => f64::from(*count).min(instances),
        Target::Fraction(fraction) => (fraction * instances).round(),
    }
}

fn scheduled_crashes(s: &Scenario) -> f64 {
    let crashes = s.faults.iter().filter(|f| matches!(f.action, FaultAction::Crash | FaultAction::Leave));
    crashes.map(|f| touched(&f.target, f64::from(s.instances))).sum()
}

/// The registry's eviction sweeps over the run: one event each.
fn sweeps(s: &Scenario) -> f64 {
    s.registry.eviction.map_or(0.0, |e| to_seconds(s.horizon) / to_seconds(e.interval.max(1)))
}

/// Scheduled fault events: a start each, and an undo for those with `until`.
fn fault_edges(s: &Scenario) -> f64 {
    s.faults.iter().map(|f| if f.until.is_some() { 2.0 } else { 1.0 }).sum()
}

/// Sampled metrics (one histogram each): detection, recovery detection and mistake
/// durations, per phase too; with clients, latency, retry time, propagation and stale
/// routes, and latency per phase.
fn histograms(s: &Scenario) -> f64 {
    let phases = s.phases.len() as f64;
    let detection = 3.0 * (1.0 + phases);
    let requests = if s.clients.is_some() { 4.0 + phases } else { 0.0 };
    detection + requests
}

/// A finished run's record: its reported values and a CDF per sampled metric.
fn record_bytes(s: &Scenario, histograms: f64) -> f64 {
    let phases = s.phases.len() as f64;
    let requests = if s.clients.is_some() { 40.0 } else { 0.0 };
    let values = 30.0 + requests + 15.0 * phases + 8.0 * histograms;
    values * METRIC_BYTES + histograms * CDF_BYTES
}

/// Why the estimate refuses to run, one sentence each (none: go ahead). `memory_bytes` is the
/// machine's memory, when known.
pub(crate) fn refusals(e: &Estimate, memory_bytes: Option<u64>) -> Vec<String> {
    let mut refusals = Vec::new();
    if e.jobs > MAX_JOBS {
        let what = if e.sequential { "sweep points × max_replications" } else { "sweep points × replications" };
        refusals.push(format!(
            "{} jobs ({what}) is more than the cap of {}: every job keeps its record in memory until the end; use fewer sweep points or replications, or --force",
            count_text(e.jobs as f64),
            count_text(MAX_JOBS as f64)
        ));
    }
    if beyond(e.total_events, MAX_TOTAL_EVENTS) {
        refusals.push(format!(
            "an estimated {} events in all ({} per run on average) is more than the cap of {} (half an hour to hours at 5-50 M events/s per core); shorten the horizon, use fewer instances, clients, sweep points or replications, longer intervals, or --force",
            count_text(e.total_events),
            count_text(e.total_events / e.jobs.max(1) as f64),
            count_text(MAX_TOTAL_EVENTS)
        ));
    }
    if let Some(memory) = memory_bytes.filter(|&m| beyond(e.peak_bytes, m as f64)) {
        refusals.push(format!(
            "an estimated peak of {} ({} job(s) in flight) is more than this machine's memory, {}; use fewer instances or clients, fewer --threads, fewer jobs, or --force",
            bytes_text(e.peak_bytes),
            e.jobs_in_flight,
            bytes_text(memory as f64)
        ));
    }
    refusals
}

/// Whether an estimate exceeds a cap; one that is not a number refuses rather than slips through.
fn beyond(estimate: f64, cap: f64) -> bool {
    estimate.is_nan() || estimate > cap
}

/// One line for people: `estimate: 2.1 M queue events/run, 42 M events in all, peak 35 MB (2
/// job(s) in flight)`.
pub(crate) fn summary(e: &Estimate) -> String {
    let points = e.runs.len().max(1) as f64;
    let queued = e.runs.iter().map(|r| r.queue_events).sum::<f64>() / points;
    let drawn = e.runs.iter().map(|r| r.drawn_events).sum::<f64>() / points;
    let ahead = if drawn > 0.0 { format!(" (+ {} drawn ahead)", count_text(drawn)) } else { String::new() };
    format!(
        "estimate: {} queue events/run{ahead}, {} events in all, peak {} ({} job(s) in flight)",
        count_text(queued),
        count_text(e.total_events),
        bytes_text(e.peak_bytes),
        e.jobs_in_flight
    )
}

/// The estimate for the manifest: per point and in all, so it can be compared to the truth.
pub(crate) fn json(e: &Estimate) -> serde_json::Value {
    let runs: Vec<serde_json::Value> = e
        .runs
        .iter()
        .map(|r| {
            serde_json::json!({
                "queue_events": r.queue_events.round(),
                "drawn_events": r.drawn_events.round(),
                "bytes": r.bytes.round(),
                "record_bytes": r.record_bytes.round(),
            })
        })
        .collect();
    serde_json::json!({
        "jobs": e.jobs,
        "jobs_in_flight": e.jobs_in_flight,
        "total_events": e.total_events.round(),
        "peak_bytes": e.peak_bytes.round(),
        "points": runs,
    })
}

/// A count for people: `950`, `2.1 K`, `3.4 M`, `1.7 G`, `12 T`, then powers of ten.
pub(crate) fn count_text(x: f64) -> String {
    scaled(x, &[(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")], "")
}

/// Bytes for people, in decimal units: `35 MB`, `6.5 GB`.
pub(crate) fn bytes_text(bytes: f64) -> String {
    scaled(bytes, &[(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "KB")], "B")
}

fn scaled(x: f64, units: &[(f64, &str)], plain: &str) -> String {
    let space = if plain.is_empty() { "" } else { " " };
    if !x.is_finite() || x >= 1e15 {
        return format!("{x:.1e}{space}{plain}");
    }
    match units.iter().find(|(size, _)| x >= *size) {
        Some((size, unit)) if x / size < 10.0 => format!("{:.1} {unit}", x / size),
        Some((size, unit)) => format!("{:.0} {unit}", x / size),
        None => format!("{x:.0}{space}{plain}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests;
