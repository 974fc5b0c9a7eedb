//! Runs the jobs of a scenario — every (sweep point, replication) — in parallel, and decides
//! which jobs there are: all of them, a shard's slice, minus those already done, plus the
//! extra replications that sequential stopping asks for.

use crate::engine::random::replication_seed;
use crate::model::{Scenario, Stopping};
use crate::results::RunRecord;
use crate::results::loaded::LoadedScenario;
use crate::stats::estimate;
use crate::world::World;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// One job: a replication of a sweep point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Job {
    /// Index of the sweep point, from 0.
    pub point: usize,
    /// Replication number within the point, from 0.
    pub replication: u32,
}

/// `POINT/REPLICATION` on the command line (`--trace-job`): the sweep point's index in the
/// order of summary.csv's rows, from 0, and the replication as runs.csv numbers it.
impl std::str::FromStr for Job {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a job: expected POINT/REPLICATION, both from 0, e.g. 2/0");
        let (p, r) = text.split_once('/').ok_or_else(bad)?;
        Ok(Job { point: p.trim().parse().map_err(|_| bad())?, replication: r.trim().parse().map_err(|_| bad())? })
    }
}

/// The I-th of N slices of a sweep (1-based), for array jobs on a cluster.
/// Most shards a run may be split into (and a journal may name).
pub(crate) const MAX_SHARDS: u32 = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a shard: expected I/N with 1 <= I <= N, e.g. 2/8");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        if count > MAX_SHARDS {
            return Err(format!("`{text}`: at most {MAX_SHARDS} shards"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether job number `k` of the canonical order belongs to this shard. Round-robin, so
    /// every shard gets a similar mix of cheap and expensive points.
    fn owns(&self, k: usize) -> bool {
        k % self.count as usize == (self.index - 1) as usize
    }
}

/// Runs one replication. Its seed depends only on the scenario seed and the replication
/// number: not on the point, the thread, the order of jobs or which other jobs ran. Every
/// sweep point of a replication therefore sees the same failures and delays where the model
/// allows (common random numbers: points differ by their parameters, not by luck).
pub fn run_replication(scenario: &Scenario, point: usize, replication: u32) -> RunRecord {
    run_observed(scenario, point, replication, |_, _| {})
}

fn run_observed(
    scenario: &Scenario,
    point: usize,
    replication: u32,
    observe: impl FnMut(u64, &crate::world::Event),
) -> RunRecord {
    let seed = replication_seed(scenario.seed, replication as u64);
    let started = Instant::now();
    let (metrics, mut work) = World::new(scenario, seed).run_observed(observe);
    work.wall_seconds = started.elapsed().as_secs_f64();
    RunRecord { point, replication, seed, metrics, work }
}

/// Runs a job and fingerprints its whole event stream (time and content of every event), for
/// `--check-determinism`.
pub(crate) fn run_fingerprinted(loaded: &LoadedScenario, job: Job) -> (RunRecord, u64) {
    let mut hasher = crate::results::Fnv::default();
    let record = run_observed(&loaded.points[job.point].scenario, job.point, job.replication, |time, event| {
        time.hash(&mut hasher);
        event.hash(&mut hasher);
    });
    (record, hasher.finish())
}

/// Runs a job recording every change of state (for `--trace`).
pub(crate) fn run_traced(loaded: &LoadedScenario, job: Job) -> Vec<crate::metrics::TraceRecord> {
    let scenario = &loaded.points[job.point].scenario;
    let seed = replication_seed(scenario.seed, job.replication as u64);
    World::new(scenario, seed).run_traced().2
}

/// The metric columns of every point of `loaded`: the same for all, so that one file holds
/// them. A metric only some points report (self-preservation's when `preset` is swept,
/// outlier detection's when `[recovery.outlier]` is, a cache stage's) is undefined (NaN, an
/// empty cell) for the others.
fn metric_names(loaded: &LoadedScenario) -> Vec<String> {
    let Some(first) = loaded.points.first() else { return Vec::new() };
    let groups = loaded.points.iter().map(|p| p.scenario.metric_groups());
    let groups = groups.fold(crate::metrics::Groups::default(), crate::metrics::Groups::union);
    crate::metrics::catalog_for(&first.scenario.phases, groups)
}

/// Puts `metrics` in the order of `names`, undefined where a run did not report one.
fn align(metrics: &mut crate::metrics::MetricValues, names: &[String]) {
    if metrics.entries.len() == names.len() {
        return;
    }
    let entries = names.iter().map(|n| (n.clone(), metrics.get(n).unwrap_or(f64::NAN))).collect();
    metrics.entries = entries;
}

/// Runs `jobs` on `threads` threads (0: all cores), calling `on_done` as each finishes (from
/// any thread, in any order). Each worker takes the next job from a shared counter, so the
/// load balances to within one job whatever the jobs cost (rayon's recursive splitting of the
/// job list balanced worse: 1.5-1.7x on 2 cores for bench/sweep-scaling.sh, against 1.86x).
pub fn run_jobs(loaded: &LoadedScenario, jobs: &[Job], threads: usize, on_done: impl Fn(RunRecord) + Sync) {
    let next = AtomicUsize::new(0);
    let names = metric_names(loaded);
    let work = || {
        while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
            let mut record = run_replication(&loaded.points[job.point].scenario, job.point, job.replication);
            align(&mut record.metrics, &names);
            on_done(record);
        }
    };
    let workers = if threads == 0 { rayon::current_num_threads() } else { threads }.min(jobs.len()).max(1);
    match rayon::ThreadPoolBuilder::new().num_threads(workers).build() {
        Ok(pool) => pool.scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|_| work());
            }
        }),
        Err(_) => work(),
    }
}

/// Which jobs to run next: those of the current targets that this shard owns and that are not
/// done yet. `targets[p]` is how many replications point `p` should have.
pub(crate) fn pending_jobs(targets: &[u32], shard: Option<Shard>, stopping: bool, done: &HashSet<Job>) -> Vec<Job> {
    let max = targets.iter().copied().max().unwrap_or(0);
    let mut jobs = Vec::new();
    for (point, &target) in targets.iter().enumerate() {
        for replication in 0..target {
            let job = Job { point, replication };
            // Fixed replications shard by job; sequential stopping shards by point, so that one
            // process sees all of a point's replications and can decide when to stop.
            let k = if stopping { point } else { point * max as usize + replication as usize };
            if shard.is_none_or(|s| s.owns(k)) && !done.contains(&job) {
                jobs.push(job);
            }
        }
    }
    jobs
}

/// The first round's targets: each point's `replications`.
pub(crate) fn initial_targets(loaded: &LoadedScenario) -> Vec<u32> {
    loaded.points.iter().map(|p| p.scenario.replications).collect()
}

/// Sequential stopping: raises the target of every point whose named metrics are not yet
/// precise enough, by one batch of `replications`, up to `max_replications`. Returns whether
/// any target grew. Depends only on the records, so it decides the same way on every run.
pub(crate) fn extend_targets(loaded: &LoadedScenario, targets: &mut [u32], records: &[RunRecord]) -> bool {
    let mut grew = false;
    for (point, target) in targets.iter_mut().enumerate() {
        let scenario = &loaded.points[point].scenario;
        let Some(stopping) = &scenario.stopping else {
            continue;
        };
        let runs: Vec<&RunRecord> = records.iter().filter(|r| r.point == point && r.replication < *target).collect();
        if *target < stopping.max_replications && !precise_enough(stopping, &runs) {
            *target = (*target + scenario.replications).min(stopping.max_replications);
            grew = true;
        }
    }
    grew
}

fn precise_enough(stopping: &Stopping, runs: &[&RunRecord]) -> bool {
    stopping.metrics.iter().all(|metric| {
        let values: Vec<f64> = runs.iter().map(|r| r.metrics.get(metric).unwrap_or(f64::NAN)).collect();
        let e = estimate(&values);
        let half = (e.ci_high - e.ci_low) / 2.0;
        half.is_finite() && half <= stopping.target_ci * e.mean.abs()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_the_jobs() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/2", "4/3", "1/0", "x", "1/", "/2", "1/2/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let targets = [4, 4, 4];
        let all = pending_jobs(&targets, None, false, &HashSet::new());
        let mut union: Vec<Job> = (1..=3)
            .flat_map(|index| pending_jobs(&targets, Some(Shard { index, count: 3 }), false, &HashSet::new()))
            .collect();
        union.sort();
        assert_eq!(union, all, "the shards cover every job exactly once");
    }

    #[test]
    fn done_jobs_are_skipped() {
        let done: HashSet<Job> = [Job { point: 0, replication: 1 }].into();
        let jobs = pending_jobs(&[2], None, false, &done);
        assert_eq!(jobs, vec![Job { point: 0, replication: 0 }]);
    }
}
