//! Failure detectors: how the registry learns that an instance is up or down.
//!
//! The world calls the `Detector` trait and never names an implementation. A detector acts
//! through a `Ctx`: it schedules its own events, sends messages over the lossy network, and
//! marks instances up or down in the registry's view. Instance-side code (sending heartbeats,
//! answering probes) may read the instance's true state; registry-side code must learn it only
//! from messages — except the `observer`, which is the source document's oracle model.
//!
//! Adding a detector: one file under `detect/`, one line in `DETECTORS`, its tests.

mod event;
mod heartbeat;
mod lazy_lease;
mod lease;
mod observer;
mod phi;
mod swim;
mod timer;

use crate::engine::{SimTime, Stream};
use crate::scenario::KeyError;
use crate::world::Ctx;
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use std::sync::Arc;

/// A detector's own event, scheduled through `Ctx` and handed back to it. `kind` and `tag`
/// mean whatever the detector says (message type, probe number, the instance's epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DetectorEvent {
    pub instance: u32,
    pub kind: u8,
    pub tag: u32,
}

/// The registry's failure detector, for one run.
pub trait Detector {
    /// Time 0: every instance is up and registered.
    fn start(&mut self, ctx: &mut Ctx);
    /// The instance has just recovered (it was down).
    fn on_instance_up(&mut self, instance: u32, ctx: &mut Ctx);
    /// The instance has just crashed.
    fn on_instance_down(&mut self, instance: u32, ctx: &mut Ctx);
    /// One of this detector's own events is due.
    fn on_event(&mut self, event: DetectorEvent, ctx: &mut Ctx);
}

/// Checked parameters of a detector; makes a fresh detector for each run.
pub trait DetectorFactory: Debug + Send + Sync {
    fn build(&self, instances: u32) -> Box<dyn Detector>;
    /// The resolved parameters (defaults filled in; durations in seconds), by their key names:
    /// the variables that `[[expect]]` formulas may use.
    fn parameters(&self) -> Vec<(&'static str, f64)>;
    /// What one run costs this detector, for the preflight estimate (`crate::preflight`).
    fn estimate(&self, load: &Load) -> Cost;
}

/// What a detector's estimate reads about one run: expected values, all instances together.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Load {
    pub instances: f64,
    pub horizon_s: f64,
    /// Fraction of instance-time up, from the failure model.
    pub up_fraction: f64,
    /// Crashes in the run (random and scheduled); each changes the view twice under recovery.
    pub crashes: f64,
    /// Scheduled fault times (starts and undos): each ends every instance's promise of a
    /// steady link (`Ctx::steady_until`).
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

type ParseFn = fn(toml::Value, &str) -> Result<Arc<dyn DetectorFactory>, KeyError>;

/// The one place where names map to detectors.
const DETECTORS: &[(&str, ParseFn)] = &[
    ("heartbeat", heartbeat::parse),
    ("timer", timer::parse),
    ("observer", observer::parse),
    ("event", event::parse),
    ("phi", phi::parse),
    ("swim", swim::parse),
];

/// Names of the available detectors.
pub fn names() -> Vec<&'static str> {
    DETECTORS.iter().map(|(name, _)| *name).collect()
}

/// Reads a `[detector]` table found at `key`: its `kind` picks the detector, which checks the
/// remaining keys itself.
pub fn parse(mut table: toml::Table, key: &str) -> Result<Arc<dyn DetectorFactory>, KeyError> {
    let kind = match table.remove("kind") {
        Some(toml::Value::String(kind)) => kind,
        Some(_) => {
            return Err(KeyError::new(format!("{key}.kind"), "must be a string").allowed(names().join(", ")));
        }
        None => {
            return Err(KeyError::new(format!("{key}.kind"), "is required").allowed(names().join(", ")));
        }
    };
    let Some((_, parse)) = DETECTORS.iter().find(|(name, _)| *name == kind) else {
        return Err(KeyError::unknown_name(format!("{key}.kind"), "detector", &kind, &names()));
    };
    parse(toml::Value::Table(table), key)
}

/// Deserializes a detector's parameter struct, with errors placed under `key`.
fn params<T: DeserializeOwned>(value: toml::Value, key: &str) -> Result<T, KeyError> {
    crate::scenario::file::from_value(value, key)
}

/// Parses a duration parameter that must be above zero.
fn positive(key: &str, name: &str, text: &str) -> Result<SimTime, KeyError> {
    let nanos = crate::scenario::build::duration(&format!("{key}.{name}"), text)?;
    if nanos == 0 {
        return Err(KeyError::new(format!("{key}.{name}"), "must be longer than 0"));
    }
    Ok(nanos)
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

/// Test helper: the key of the error that a detector's `parse` reports for the table `text`.
#[cfg(test)]
fn error_key(parse: ParseFn, text: &str) -> String {
    let table: toml::Table = toml::from_str(text).unwrap();
    parse(toml::Value::Table(table), "detector").unwrap_err().key
}

/// Test helper: runs `text` with `EVERY_FAULT` appended twice with the same seed, checks that
/// both runs report the same metrics, and returns them.
#[cfg(test)]
fn run_twice_with_every_fault(text: &str) -> crate::metrics::MetricValues {
    let text = format!("{text}{EVERY_FAULT}");
    let loaded = crate::scenario::parse(&text, "faults.toml", std::path::Path::new("."), &[]).unwrap();
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
        assert_eq!(error.allowed.as_deref(), Some("heartbeat, timer, observer, event, phi, swim"));
        assert_eq!(error.suggestion.as_deref(), Some("heartbeat"));
    }

    #[test]
    fn every_detector_estimates_a_finite_cost_that_grows_with_the_horizon() {
        let tables = [
            "kind = \"heartbeat\"\ninterval = \"1s\"",
            "kind = \"heartbeat\"\ninterval = \"1s\"\nevaluation = \"eager\"",
            "kind = \"timer\"\ninterval = \"1s\"",
            "kind = \"observer\"\ntick = \"1s\"\np = 0.5",
            "kind = \"event\"\nsession_timeout = \"3s\"",
            "kind = \"phi\"\ninterval = \"1s\"",
            "kind = \"swim\"\ninterval = \"1s\"",
        ];
        let load = Load {
            instances: 100.0,
            horizon_s: 1000.0,
            up_fraction: 0.9,
            crashes: 1000.0,
            fault_edges: 2.0,
            loss: 0.1,
        };
        let longer = Load { horizon_s: 2000.0, crashes: 2000.0, ..load };
        for text in tables {
            let factory = parse(toml::from_str(text).unwrap(), "detector").unwrap();
            let (short, long) = (factory.estimate(&load), factory.estimate(&longer));
            let all = [short.queue_events, short.drawn_events, short.bytes];
            assert!(all.iter().all(|x| x.is_finite() && *x >= 0.0), "{text}: {short:?}");
            assert!(short.queue_events > 0.0 && short.bytes >= 100.0 * 16.0, "{text}: {short:?}");
            assert!(long.events() > 1.5 * short.events(), "{text}: {short:?} then {long:?}");
        }
    }

    #[test]
    fn missing_kind_is_an_error() {
        let error = parse(toml::Table::new(), "detector").unwrap_err();
        assert_eq!(error.key, "detector.kind");
    }
}
