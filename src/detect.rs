//! Failure detectors: how the registry learns that an instance is up or down.
//!
//! The world calls the `Detector` trait and never names an implementation. A detector acts
//! through a `DetectorCtx`: it schedules its own events, sends messages over the lossy network, and
//! marks instances up or down in the registry's view. Instance-side code (sending heartbeats,
//! answering probes) may read the instance's true state; registry-side code must learn it only
//! from messages — except the `observer`, which is the source document's oracle model.
//!
//! Adding a detector: one file under `detect/` declaring its `STRATEGY` (name, one-line doc,
//! parameters, build), its `mod` and one line in `DETECTORS`. Parsing and its errors, formula
//! variables, `discosim list`, the README's table and the tests over every detector follow from
//! the declaration (`crate::params`).

mod ctx;
mod event;
mod gossip;
mod heartbeat;
mod lazy_lease;
mod lease;
mod nfd;
mod observer;
mod phi;
mod swim;
mod timer;

use crate::engine::{SimTime, Stream};
use crate::ids::InstanceId;
use crate::params::KeyError;
use crate::params::{Configured, Strategy};
use std::fmt::Debug;

pub use ctx::{DetectorCtx, View};

/// A detector's own event, scheduled through `DetectorCtx` and handed back to it. `kind` and `tag`
/// mean whatever the detector says (message type, probe number, the instance's epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DetectorEvent {
    /// The instance the event is about.
    pub instance: InstanceId,
    /// The detector's event type.
    pub kind: u8,
    /// The detector's tag (probe number, epoch, …).
    pub tag: u32,
}

/// The registry's failure detector, for one run.
pub trait Detector {
    /// Time 0: every instance is up and registered.
    fn start(&mut self, ctx: &mut dyn DetectorCtx);
    /// The instance has just recovered (it was down).
    fn on_instance_up(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx);
    /// The instance has just crashed.
    fn on_instance_down(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx);
    /// One of this detector's own events is due.
    fn on_event(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx);
    /// The end of the run: a detector with metrics of its own reports them
    /// (`DetectorFactory::reports_dissemination`).
    fn report(&mut self, _horizon: SimTime, _out: &mut crate::metrics::MetricValues) {}
    /// A hint that an event of `instance` comes next: start loading its state into the cache
    /// (`ids::Per::prefetch`). Changes nothing else.
    fn prefetch(&self, _instance: InstanceId) {}
}

/// Checked parameters of a detector; makes a fresh detector for each run.
pub trait DetectorFactory: Debug + Send + Sync {
    /// A fresh detector for `instances` instances.
    fn build(&self, instances: u32) -> Box<dyn Detector>;
    /// What one run costs this detector, for the preflight estimate (`crate::preflight`).
    fn estimate(&self, load: &Load) -> Cost;
    /// Whether it reports every renewal (`DetectorCtx::renewed`), as self-preservation needs.
    fn counts_renewals(&self) -> bool {
        false
    }
    /// Whether it reports the gossip metrics (`metrics::GOSSIP_METRICS`).
    fn reports_dissemination(&self) -> bool {
        false
    }
    /// How many `suspicion_timeout_c<i>` columns it reports (0: none; the gossip detector's
    /// `report_suspicion_timeouts`).
    fn suspicion_timeout_columns(&self) -> u8 {
        0
    }
    /// With the heartbeat's `jump` evaluation: the delay up to which a message over an
    /// instance–registry link is ordinary, so that the world draws the links in runs
    /// (`DetectorCtx::ordinary_run`).
    fn link_threshold(&self) -> Option<SimTime> {
        None
    }
}

/// What a detector's estimate reads about one run: expected values, all instances together.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Load {
    /// Number of instances.
    pub instances: f64,
    /// Simulated time of one run, in seconds.
    pub horizon_s: f64,
    /// Fraction of instance-time up, from the failure model.
    pub up_fraction: f64,
    /// Crashes in the run (random and scheduled); each changes the view twice under recovery.
    pub crashes: f64,
    /// Scheduled fault times (starts and undos): each ends every instance's promise of a
    /// steady link (`DetectorCtx::steady_until`).
    pub fault_edges: f64,
    /// Probability that one message is lost.
    pub loss: f64,
}

impl Load {
    /// Periods of `period` that the instances spend up over the run (sends of a beacon).
    pub fn up_periods(&self, period: SimTime) -> f64 {
        self.periods(period) * self.up_fraction
    }

    /// Periods of `period` over the run, for every instance, up or not (registry-side timers).
    pub fn periods(&self, period: SimTime) -> f64 {
        self.instances * self.horizon_s / crate::engine::time::to_seconds(period.max(1))
    }
}

/// A detector's estimated cost over one run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cost {
    /// Events through the queue (what `engine.csv` counts as `events`).
    pub queue_events: f64,
    /// Modelled events worked out without the queue (heartbeats drawn ahead): they cost time.
    pub drawn_events: f64,
    /// Memory held during the run, the detector's pending events included.
    pub bytes: f64,
}

impl Cost {
    /// Every modelled event, queued or drawn ahead.
    pub fn events(&self) -> f64 {
        self.queue_events + self.drawn_events
    }
}

/// The one place where names map to detectors: one line per detector, each declaring its
/// parameters (`crate::params`).
pub const DETECTORS: &[Strategy<dyn DetectorFactory>] = &[
    heartbeat::STRATEGY,
    timer::STRATEGY,
    observer::STRATEGY,
    event::STRATEGY,
    phi::STRATEGY,
    swim::STRATEGY,
    nfd::STRATEGY,
    gossip::STRATEGY,
    gossip::CASSANDRA,
];

/// Names of the available detectors.
pub fn names() -> Vec<&'static str> {
    DETECTORS.iter().map(|s| s.name).collect()
}

/// Reads a `[detector]` table found at `key`: its `kind` picks the detector, whose declared
/// parameters check the remaining keys.
pub fn parse(table: toml::Table, key: &str) -> Result<Configured<dyn DetectorFactory>, KeyError> {
    crate::params::parse(DETECTORS, "detector", table, key, None)
}

/// Test fixture for detectors: scheduled faults of every kind that touches them — a partition
/// (with heartbeats in flight), a crash fault and a leave with its join.
#[cfg(test)]
const EVERY_FAULT: &str = r#"[[fault]]
at = "100s"
action = "partition"
fraction = 0.25
until = "104.5s"
[[fault]]
at = "150s"
action = "crash"
count = 5
until = "151s"
[[fault]]
at = "200s"
action = "leave"
count = 4
until = "230.3s"
"#;

/// Test helper: the key of the error that parsing the `[detector]` table `text` reports.
#[cfg(test)]
fn error_key(text: &str) -> String {
    let table: toml::Table = toml::from_str(text).unwrap();
    parse(table, "detector").unwrap_err().key
}

/// Test helper: 40 instances crashing and recovering every 30 s or so behind a heavy-tailed,
/// lossy network (heartbeats overtake each other and go missing), with every fault kind, run
/// twice with one seed under the `[detector]` table `detector`; returns the metrics.
#[cfg(test)]
fn run_hostile(detector: &str) -> crate::metrics::MetricValues {
    run_twice_with_every_fault(&format!(
        r#"name = "hostile"
horizon = "300s"
[cluster]
instances = 40
failure = {{ model = "crash-recover", mttf = {{ dist = "exponential", mean = "30s" }}, mttr = {{ dist = "exponential", mean = "3s" }} }}
[network]
delay = {{ dist = "pareto", scale = "100ms", shape = 1.2 }}
loss = 0.2
[detector]
{detector}
"#
    ))
}

/// Test helper: runs `text` with `EVERY_FAULT` appended twice with the same seed, checks that
/// both runs report the same metrics, and returns them.
#[cfg(test)]
fn run_twice_with_every_fault(text: &str) -> crate::metrics::MetricValues {
    run_twice(&format!("{text}{EVERY_FAULT}"))
}

/// Test helper: runs the scenario `text` twice with the same seed, checks that both runs report
/// the same metrics, and returns them.
#[cfg(test)]
fn run_twice(text: &str) -> crate::metrics::MetricValues {
    let loaded = crate::scenario::parse(text, "faults.toml", std::path::Path::new("."), &[]).unwrap();
    let scenario = &loaded.points[0].scenario;
    let seed = crate::engine::random::replication_seed(1, 0);
    let (a, _) = crate::world::World::new(scenario, seed).run();
    let (b, _) = crate::world::World::new(scenario, seed).run();
    assert_eq!(a, b, "the same seed reproduces every metric");
    a
}

/// A uniformly random offset in [0, period): the phase of a periodic process.
fn random_phase(period: SimTime, rng: &mut Stream) -> SimTime {
    rng.below(period)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_kind_lists_valid_ones_and_suggests() {
        let table: toml::Table = toml::from_str("kind = \"hartbeat\"").unwrap();
        let error = parse(table, "detector").unwrap_err();
        assert_eq!(error.key, "detector.kind");
        assert_eq!(error.allowed, Some(names().join(", ")));
        assert_eq!(error.suggestion.as_deref(), Some("heartbeat"));
    }

    #[test]
    fn every_detector_estimates_a_finite_cost_that_grows_with_the_horizon() {
        let tables = DETECTORS.iter().flat_map(crate::params::examples);
        let load = Load {
            instances: 100.0,
            horizon_s: 1000.0,
            up_fraction: 0.9,
            crashes: 1000.0,
            fault_edges: 2.0,
            loss: 0.1,
        };
        let longer = Load { horizon_s: 2000.0, crashes: 2000.0, ..load };
        for table in tables {
            let text = table.to_string();
            let factory = parse(table, "detector").unwrap();
            let (short, long) = (factory.estimate(&load), factory.estimate(&longer));
            let all = [short.queue_events, short.drawn_events, short.bytes];
            assert!(all.iter().all(|x| x.is_finite() && *x >= 0.0), "{text}: {short:?}");
            assert!(short.queue_events > 0.0 && short.bytes >= 100.0 * 16.0, "{text}: {short:?}");
            assert!(long.events() > 1.5 * short.events(), "{text}: {short:?} then {long:?}");
        }
    }

    /// A scenario with clients and service times, so that every fault action applies. The
    /// crash fault lasts 35 s: longer than the slowest default detector's lease (Cassandra's
    /// exponential phi, 8·ln 10 ≈ 18.4 mean intervals, the mean starting at 2 intervals) plus
    /// a sweep, so that every form detects it.
    const EVERY_FAULT_KIND: &str = r#"name = "every-fault-kind"
horizon = "120s"
[cluster]
instances = 20
service_time = { dist = "exponential", mean = "5ms" }
failure = { model = "crash-recover", mttf = { dist = "exponential", mean = "40s" }, mttr = { dist = "exponential", mean = "4s" } }
[network]
delay = { dist = "pareto", scale = "20ms", shape = 1.5 }
loss = 0.05
[workload]
clients = 2
rate = 20.0
[cache]
ttl = "2s"
capacity = 500
[[fault]]
at = "10s"
action = "crash"
count = 3
[[fault]]
at = "45s"
action = "recover"
[[fault]]
at = "20s"
action = "partition"
fraction = 0.25
from = "both"
[[fault]]
at = "25s"
action = "heal"
from = "both"
[[fault]]
at = "30s"
action = "slow"
count = 5
factor = 4.0
until = "40s"
[[fault]]
at = "35s"
action = "spike"
factor = 3.0
until = "45s"
[[fault]]
at = "50s"
action = "leave"
count = 2
[[fault]]
at = "60s"
action = "join"
count = 2
[[fault]]
at = "70s"
action = "flush"
"#;

    /// Every form of every detector (`params::examples`) under every fault action: it keeps
    /// detecting and the same seed reproduces every metric.
    #[test]
    fn every_detector_survives_every_fault_kind_and_reproduces() {
        for action in crate::model::FAULT_ACTIONS.iter().map(|a| a.name) {
            assert!(EVERY_FAULT_KIND.contains(&format!("action = \"{action}\"")), "{action} missing");
        }
        for table in DETECTORS.iter().flat_map(crate::params::examples) {
            let a = run_twice(&format!("{EVERY_FAULT_KIND}[detector]\n{table}"));
            assert!(a.get("detection_time.count").unwrap() > 0.0, "{table}: detects crashes");
        }
    }

    /// Behind an eviction sweep (the registry acts at sweeps only, capped), every detector
    /// still detects crashes, and two runs with one seed agree.
    #[test]
    fn every_detector_behind_a_capped_eviction_sweep_detects_and_reproduces() {
        let registry = "[registry.eviction]\ninterval = \"3s\"\nkeep = 0.5\n";
        for table in DETECTORS.iter().flat_map(crate::params::examples) {
            let a = run_twice(&format!("{EVERY_FAULT_KIND}{registry}[detector]\n{table}"));
            assert!(a.get("detection_time.count").unwrap() > 0.0, "{table}: detects crashes");
        }
    }

    #[test]
    fn missing_kind_is_an_error() {
        let error = parse(toml::Table::new(), "detector").unwrap_err();
        assert_eq!(error.key, "detector.kind");
    }
}
