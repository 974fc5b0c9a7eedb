//! Metrics: ground-truth scoring of the registry's view, streamed into fixed-size histograms,
//! and the named values a run reports (listed in docs/reference.md).

pub(crate) mod cache;
pub mod chain;
pub(crate) mod detection;
pub(crate) mod load_spread;
mod phased;
pub(crate) mod requests;
pub(crate) mod sampled;

pub(crate) use detection::DetectionScore;
pub(crate) use sampled::Sampled;

use crate::engine::SimTime;
use crate::ids::InstanceId;
use crate::params::{DefaultValue, KeyError, Param, Type};
use serde::{Deserialize, Serialize};

/// A named window of simulated time [from, to).
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    /// The phase's name (the `@<phase>` suffix of its metrics).
    pub name: String,
    /// Start of the window, in nanoseconds (included).
    pub from: SimTime,
    /// End of the window, in nanoseconds (excluded).
    pub to: SimTime,
}

/// One change of state in a traced run.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRecord {
    /// When it happened, in nanoseconds of simulated time.
    pub time: SimTime,
    /// crash, recover, leave, join, registry_down, registry_up, detection, false_suspicion,
    /// clients_down, clients_up.
    pub event: &'static str,
    /// The instance it is about.
    pub instance: InstanceId,
}

/// One run's reported values, in a fixed order; names are the CSV column names. Serialized
/// with undefined values (NaN) as null, so a journal line reads back bit for bit.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(from = "Wire", into = "Wire")]
pub struct MetricValues {
    /// (metric name, value) for every metric, in catalog order.
    pub entries: Vec<(String, f64)>,
    /// Per sampled metric, its quantiles at `CDF_LEVELS` (for CDF charts).
    pub cdfs: Vec<(String, Vec<f64>)>,
}

/// Equal means the same bits: what reproducing a run requires. (Float `==` would call two
/// runs with the same undefined metric, NaN, different.)
impl PartialEq for MetricValues {
    fn eq(&self, other: &Self) -> bool {
        let same = |a: &f64, b: &f64| a.to_bits() == b.to_bits();
        let entries = self.entries.len() == other.entries.len()
            && self.entries.iter().zip(&other.entries).all(|((n, a), (m, b))| n == m && same(a, b));
        let cdfs = self.cdfs.len() == other.cdfs.len()
            && self
                .cdfs
                .iter()
                .zip(&other.cdfs)
                .all(|((n, a), (m, b))| n == m && a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b)));
        entries && cdfs
    }
}

/// Quantile levels of the CDFs: the minimum, every percent, and the maximum.
pub(crate) fn cdf_levels() -> impl Iterator<Item = f64> {
    (0..=100).map(|k| k as f64 / 100.0)
}

#[derive(Serialize, Deserialize)]
struct Wire {
    values: Vec<(String, Option<f64>)>,
    #[serde(default)]
    cdfs: Vec<(String, Vec<f64>)>,
}

impl From<Wire> for MetricValues {
    fn from(wire: Wire) -> Self {
        let entries = wire.values.into_iter().map(|(n, v)| (n, v.unwrap_or(f64::NAN))).collect();
        MetricValues { entries, cdfs: wire.cdfs }
    }
}

impl From<MetricValues> for Wire {
    fn from(values: MetricValues) -> Self {
        Wire {
            values: values.entries.into_iter().map(|(n, v)| (n, v.is_finite().then_some(v))).collect(),
            cdfs: values.cdfs,
        }
    }
}

impl MetricValues {
    /// Checks values read back from a file: some metrics, CDFs of the expected length, each of
    /// a sampled metric that has samples in this run, and (given `like`) the same metrics in
    /// the same order as `like`. Which CDFs a run has depends on its own samples (none without
    /// one), so two runs of one scenario may differ there.
    pub fn check_shape(&self, like: Option<&MetricValues>) -> Result<(), String> {
        if self.entries.is_empty() {
            return Err("it holds no metric".into());
        }
        let levels = cdf_levels().count();
        if let Some((name, cdf)) = self.cdfs.iter().find(|(_, cdf)| cdf.len() != levels) {
            return Err(format!("the CDF of `{name}` has {} levels, not {levels}", cdf.len()));
        }
        let sampled =
            |name: &str| SAMPLED.contains(&name) && self.get(&format!("{name}.count")).is_some_and(|c| c > 0.0);
        if let Some((name, _)) = self.cdfs.iter().find(|(name, _)| !sampled(name)) {
            return Err(format!("it has a CDF of `{name}`, which is no sampled metric with samples in it"));
        }
        let Some(like) = like else {
            return Ok(());
        };
        if !self.names().eq(like.names()) {
            return Err("its metrics are not those of the journal's first record".into());
        }
        Ok(())
    }

    /// Appends metric `name` with `value`.
    pub fn push(&mut self, name: impl Into<String>, value: f64) {
        self.entries.push((name.into(), value));
    }

    /// The value of metric `name`, if present.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// The metric names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }
}

/// The optional groups of metrics a run reports, each only when its scenario has the part
/// (so that the columns of every other scenario stay as they were).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Groups {
    /// The request path's metrics (`[workload]`).
    pub requests: bool,
    /// Eureka's self-preservation (`registry.self_preservation`).
    pub self_preservation: bool,
    /// Outlier detection's (`[recovery.outlier]`).
    pub outlier: bool,
    /// `server_cache_time` (`discovery.server_cache`).
    pub server_cache: bool,
    /// `client_cache_time` (`discovery.balancer_refresh`).
    pub client_cache: bool,
    /// Kubernetes' pod-eviction stage (`registry.pod_eviction`).
    pub pod_eviction: bool,
    /// Consul's reaper (`registry.reaper`).
    pub reaper: bool,
    /// The gossip detector's dissemination (`detector.kind = "gossip"`).
    pub gossip: bool,
    /// The gossip detector's suspicion timeouts by confirmations (`report_suspicion_timeouts`):
    /// how many `suspicion_timeout_c<i>` columns (0: none).
    pub suspicion_timeouts: u8,
    /// The load-spread metrics (`[metrics] load_spread`).
    pub load_spread: bool,
    /// Client-side throttling's (`[recovery.adaptive_throttling]`, `[recovery.retry_throttling]`).
    pub throttling: bool,
    /// The contention workload's (`[workload] kind = "contention"`).
    pub contention: bool,
    /// A call chain's tiers below the cluster (`[[tier]]`; 0: none).
    pub chain_tiers: u8,
    /// The look-aside cache's (`[cache]`).
    pub cache: bool,
    /// The tail-latency metrics: slow fractions, fan-out leaves, tied copies (`[metrics] slow`).
    pub tail: bool,
}

impl Groups {
    /// Every group.
    pub const ALL: Groups = Groups {
        requests: true,
        self_preservation: true,
        outlier: true,
        server_cache: true,
        client_cache: true,
        pod_eviction: true,
        reaper: true,
        gossip: true,
        suspicion_timeouts: SUSPICION_TIMEOUT_COLUMNS as u8,
        load_spread: true,
        throttling: true,
        contention: true,
        chain_tiers: chain::MAX_TIERS as u8,
        cache: true,
        tail: true,
    };

    /// The groups either reports (the columns of a sweep whose points differ).
    pub fn union(self, other: Groups) -> Groups {
        Groups {
            requests: self.requests || other.requests,
            self_preservation: self.self_preservation || other.self_preservation,
            outlier: self.outlier || other.outlier,
            server_cache: self.server_cache || other.server_cache,
            client_cache: self.client_cache || other.client_cache,
            pod_eviction: self.pod_eviction || other.pod_eviction,
            reaper: self.reaper || other.reaper,
            gossip: self.gossip || other.gossip,
            suspicion_timeouts: self.suspicion_timeouts.max(other.suspicion_timeouts),
            load_spread: self.load_spread || other.load_spread,
            throttling: self.throttling || other.throttling,
            contention: self.contention || other.contention,
            chain_tiers: self.chain_tiers.max(other.chain_tiers),
            cache: self.cache || other.cache,
            tail: self.tail || other.tail,
        }
    }
}

/// What a scenario's `[metrics]` table asks for beyond the metrics every run reports.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MetricOptions {
    /// Report the load-spread metrics (`metrics::load_spread::NAMES`; with a workload).
    pub load_spread: bool,
    /// Report the tail metrics (`slow_fraction`, `leaf_latency`, …) with this latency as
    /// the threshold of "slow", in nanoseconds; None: not reported.
    pub slow: Option<SimTime>,
}

/// The `[metrics]` table's keys.
pub const OPTIONS: &[Param] = &[
    Param {
        name: "load_spread",
        ty: Type::Flag,
        default: DefaultValue::Fixed("false"),
        doc: "report each instance's share of the key space (sd, 1 % and 99 % quantiles, min, max over the mean) and the peak attempts in flight to one instance over the mean",
    },
    Param {
        name: "slow",
        ty: Type::PositiveDuration,
        default: DefaultValue::Derived("none: no tail metrics"),
        doc: "a latency threshold: report the tail metrics (`slow_fraction` and `leaf_slow_fraction` above it, `leaf_latency`, `leaf_success_ratio`, `executions_per_request`, `tied_cancelled`)",
    },
];

/// Reads the `[metrics]` table found at `key` (absent: nothing beyond the defaults).
pub fn parse_options(table: Option<toml::Table>, key: &str) -> Result<MetricOptions, KeyError> {
    let values = crate::params::check(OPTIONS, table.unwrap_or_default(), key)?;
    Ok(MetricOptions { load_spread: values.flag("load_spread").unwrap_or(false), slow: values.duration("slow") })
}

/// The metric names a run with these phases and optional `groups` reports, in column order.
pub fn catalog_for(phases: &[Phase], groups: Groups) -> Vec<String> {
    let mut out = MetricValues::default();
    DetectionScore::new(0, phases).report(0, &[], |_| true, &mut out);
    let mut names: Vec<String> = out.names().map(str::to_string).collect();
    names.extend(NETWORK_METRICS.iter().map(|n| n.to_string()));
    if groups.self_preservation {
        names.extend(SELF_PRESERVATION_METRICS.iter().map(|n| n.to_string()));
    }
    for ([count, time], on) in [(POD_EVICTION_METRICS, groups.pod_eviction), (REAPER_METRICS, groups.reaper)] {
        if on {
            let mut stage = MetricValues::default();
            stage.push(count, 0.0);
            sampled::Sampled::default().report(time, &mut stage);
            names.extend(stage.names().map(str::to_string));
        }
    }
    if groups.gossip {
        let mut gossip = MetricValues::default();
        let [first, half, all, refutation, counts @ ..] = GOSSIP_METRICS;
        [first, half, all, refutation]
            .into_iter()
            .for_each(|name| sampled::Sampled::default().report(name, &mut gossip));
        counts.into_iter().for_each(|name| gossip.push(name, 0.0));
        for name in SUSPICION_TIMEOUTS.iter().take(groups.suspicion_timeouts.into()) {
            sampled::Sampled::default().report(name, &mut gossip);
        }
        names.extend(gossip.names().map(str::to_string));
    }
    if groups.requests {
        names.extend(requests::RequestMetrics::names(phases, groups));
    }
    if groups.contention {
        names.extend(CONTENTION_METRICS.iter().map(|n| n.to_string()));
    }
    if groups.requests {
        names.extend(chain::names(groups.chain_tiers));
    }
    names
}

/// The names to list when `given` is not among `names`: those of the same phase (`x@spike`:
/// the `@spike` copies; no `@`: the metrics without a phase), or all when none is. Every
/// column of a scenario with phases (137 with three) would hide the answer.
pub fn alike<'a>(given: &str, names: &[&'a str]) -> Vec<&'a str> {
    let phase = |name: &str| name.split_once('@').map(|(_, p)| p.to_string());
    let wanted = phase(given);
    let same: Vec<&str> = names.iter().copied().filter(|n| phase(n) == wanted).collect();
    if same.is_empty() { names.to_vec() } else { same }
}

/// Every metric name a run may report, phases aside (what `target_metrics` may name).
pub fn catalog() -> Vec<String> {
    catalog_for(&[], Groups::ALL)
}

/// The sampled metrics every group but the suspicion timeouts reports.
const BASE_SAMPLED: [&str; 19] = [
    "detection_time",
    "recovery_detection_time",
    "mistake_duration",
    "latency",
    "retry_time",
    "propagation_time",
    "stale_route_time",
    "server_cache_time",
    "client_cache_time",
    "ejection_time",
    "ejected_for",
    "pod_eviction_time",
    "reap_time",
    "dissemination_first_time",
    "dissemination_half_time",
    "dissemination_all_time",
    "cache_recovery_time",
    "refutation_time",
    "leaf_latency",
];

/// The sampled metrics (durations in seconds, with quantile suffixes and a CDF).
pub const SAMPLED: &[&str] =
    &concat::<{ BASE_SAMPLED.len() }, SUSPICION_TIMEOUT_COLUMNS, { SAMPLED_COUNT }>(BASE_SAMPLED, SUSPICION_TIMEOUTS);

const SAMPLED_COUNT: usize = BASE_SAMPLED.len() + SUSPICION_TIMEOUT_COLUMNS;

/// `a` then `b`, in a constant.
const fn concat<const A: usize, const B: usize, const C: usize>(
    a: [&'static str; A],
    b: [&'static str; B],
) -> [&'static str; C] {
    let mut out = [""; C];
    let mut i = 0;
    while i < C {
        out[i] = if i < A { a[i] } else { b[i - A] };
        i += 1;
    }
    out
}

/// The metrics that are fractions of something, so lie in [0, 1] (phase copies included).
pub const FRACTIONS: &[&str] = &[
    "detected_fraction",
    "success_ratio",
    "query_accuracy",
    "instance_up_fraction",
    "availability",
    "keys_moved_fraction",
    "view_accuracy",
    "cache_hit_ratio",
    "slow_fraction",
    "leaf_slow_fraction",
    "leaf_success_ratio",
];

/// The values `name` can take (`@phase` copies like their metric). Every metric is a count,
/// a duration, a rate or a ratio of non-negative quantities, so none is below 0; fractions
/// are at most 1. Intervals over replications are cut to this range (`stats::estimate_metric`).
pub fn range(name: &str) -> (f64, f64) {
    let base = name.split('@').next().unwrap_or(name);
    if FRACTIONS.contains(&base) { (0.0, 1.0) } else { (0.0, f64::INFINITY) }
}

/// Eureka's self-preservation, when on: seconds the registry spent with expiry suspended, and
/// the most expired instances one suspended sweep kept listed (reported by the world).
pub const SELF_PRESERVATION_METRICS: [&str; 2] = ["self_preservation_time", "self_preservation_kept"];

/// Kubernetes' pod-eviction stage: pods evicted, and a crash until its pods' eviction (sampled).
pub const POD_EVICTION_METRICS: [&str; 2] = ["pod_evictions", "pod_eviction_time"];

/// The gossip detector: a crash until the first live member, half of them and all of them
/// hold the crashed member dead (sampled), a false suspicion until every live member holds it
/// refuted (sampled), the messages and bytes sent, how often a healthy member's
/// view of a healthy member turned suspect, and dead, and the time-weighted fraction of live
/// members' views of other members that were right (the decentralised `query_accuracy`).
pub const GOSSIP_METRICS: [&str; 9] = [
    "dissemination_first_time",
    "dissemination_half_time",
    "dissemination_all_time",
    "refutation_time",
    "gossip_messages",
    "gossip_bytes",
    "gossip_false_suspicions",
    "gossip_false_deaths",
    "view_accuracy",
];

/// The most confirmation counts the gossip detector's suspicion timeouts are reported for.
pub const SUSPICION_TIMEOUT_COLUMNS: usize = 8;

/// The gossip detector with `report_suspicion_timeouts`: per number of independent
/// confirmations c a member had heard when its suspicion timer declared the suspect dead, the
/// time from the suspicion's start (sampled; `suspicion_timeout_c<c>`, c = 0 … k).
pub const SUSPICION_TIMEOUTS: [&str; SUSPICION_TIMEOUT_COLUMNS] = [
    "suspicion_timeout_c0",
    "suspicion_timeout_c1",
    "suspicion_timeout_c2",
    "suspicion_timeout_c3",
    "suspicion_timeout_c4",
    "suspicion_timeout_c5",
    "suspicion_timeout_c6",
    "suspicion_timeout_c7",
];

/// The contention workload: conditional writes until every client succeeded (or gave up),
/// seconds until the last client's write was answered, and clients without success (given up,
/// or still trying at the horizon).
pub const CONTENTION_METRICS: [&str; 3] = ["contention_calls", "contention_completion_time", "contention_unfinished"];

/// Consul's reaper: services deregistered, and a crash until the deregistration (sampled).
pub const REAPER_METRICS: [&str; 2] = ["reaped", "reap_time"];

/// Detector messages sent, and lost or cut by a partition (reported by the world).
pub(crate) const NETWORK_METRICS: [&str; 2] = ["messages_sent", "messages_lost"];

/// A binomial proportion among the metrics: `successes / (successes + failures)`, where both
/// are count metrics. Over replications it is estimated by pooling the counts, with a Wilson
/// interval.
pub(crate) struct Proportion {
    pub name: &'static str,
    pub successes: &'static str,
    pub failures: &'static str,
}

pub(crate) const PROPORTIONS: &[Proportion] = &[
    Proportion { name: "detected_fraction", successes: "detection_time.count", failures: "undetected" },
    Proportion { name: "success_ratio", successes: "successes", failures: "failures" },
];

/// Engine work of one run: not reproducible output (wall time varies), reported apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EngineWork {
    /// Events the engine processed.
    pub events: u64,
    /// Wall-clock time of the run, in seconds.
    pub wall_seconds: f64,
    /// The most events pending at once (for `discosim bench`; absent from older journals).
    #[serde(default)]
    pub peak_pending: u64,
}

impl EngineWork {
    /// Events processed per wall-clock second (0 when no time was measured).
    pub fn events_per_second(&self) -> f64 {
        if self.wall_seconds > 0.0 { self.events as f64 / self.wall_seconds } else { 0.0 }
    }
}
