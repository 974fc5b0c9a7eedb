//! `phi`: the phi-accrual failure detector (Hayashibara et al., 2004; the one Akka and Cassandra
//! use). Instances push heartbeats every `interval`, as for `heartbeat`; the registry keeps each
//! instance's last `window` inter-arrival times and suspects it once
//! φ(t) = −log10(1 − F(t − t_last)) reaches `threshold`, where F is the normal distribution
//! with the window's mean plus `acceptable_pause` and its standard deviation (at least
//! `min_std_deviation`). A heartbeat marks the instance up again.
//!
//! φ grows with the time since the last arrival, so "φ ≥ threshold" is a deadline set at each
//! arrival: t_last + mean + acceptable_pause + z·sd, with z = Φ⁻¹(1 − 10^−threshold) (about
//! 5.61 for the default 8). The detector is thus a lease whose length adapts to the observed
//! jitter; with steady arrivals it is `interval + acceptable_pause + z·min_std_deviation`.
//!
//! Choices, as Akka makes them unless said: before an instance's first inter-arrival time is
//! known the estimate is `interval` with a standard deviation of a quarter of it; the
//! variance is the window's population variance; a heartbeat from a new incarnation of the
//! instance (it restarted: the message carries its up period) starts a fresh history, as a
//! restarted node has a new identity, and heartbeats of an earlier incarnation still in flight
//! are dropped; a suspicion keeps the history (the late heartbeat's interval joins it). With a
//! `min_std_deviation` far below the jitter, the first intervals of a history (an sd from two
//! or three samples) cause most of a short run's mistakes.
//! Memory: 8 bytes × `window` per instance, allocated as heartbeats arrive.
//!
//! `model` picks F (the variants the systems ship; the deadline stays exact to the nanosecond):
//! - `normal` (default): the exact normal distribution.
//! - `logistic`: Akka's approximation (akka-cluster `PhiAccrualFailureDetector.scala`),
//!   φ = −log10(e/(1 + e)), e = exp(−y·(1.5976 + 0.070566·y²)), y = (Δt − mean − pause)/sd.
//!   Solving φ = threshold gives a cubic in y with one real root (`logistic_quantile`), so the
//!   deadline is again mean + pause + z·sd, only with Akka's z (about 5.23 for 8, not 5.61).
//! - `exponential`: Cassandra (`gms/FailureDetector.java`, `ArrivalWindow`):
//!   φ = Δt/mean · 1/ln 10 (PHI_FACTOR), convicted when φ > threshold (`phi_convict_threshold`,
//!   default 8): the deadline is threshold·ln 10·mean after the last arrival — 18.4 intervals.
//!   Intervals above `max_interval` are not recorded (Cassandra's `fd_max_interval_ms`), and the
//!   first arrival records `max_interval` itself (Cassandra's `fd_initial_value_ms`; both default
//!   to two gossip intervals, here 2 × `interval`), so with steady arrivals the mean is
//!   (max_interval + (n − 1)·interval)/n until the window has dropped that first sample.
//!   Before any arrival the mean is `max_interval` (Cassandra never convicts a node it has not
//!   heard from; a registered instance must expire somehow). `acceptable_pause` and
//!   `min_std_deviation` do not apply, and Cassandra's once-a-second evaluation is not
//!   modelled: conviction is at the exact deadline.

use super::DetectorCtx;
use super::lease::Beacon;
use super::{Cost, Detector, DetectorEvent, DetectorFactory, Load, random_phase};
use crate::engine::SimTime;
use crate::ids::{InstanceId, PerInstance};
use crate::params::DefaultValue::{Derived, Fixed, Required};
use crate::params::KeyError;
use crate::params::{Param, Strategy, Type, Value, Values};
use statrs::distribution::{ContinuousCDF, Normal};
use std::sync::Arc;

const SEND: u8 = 0;
const ARRIVE: u8 = 1;
const CHECK: u8 = 2;

pub(super) const STRATEGY: Strategy<dyn DetectorFactory> = Strategy {
    name: "phi",
    doc: "phi accrual: heartbeats, suspected once φ reaches the threshold",
    params: &[
        Param { name: "interval", ty: Type::PositiveDuration, default: Required, doc: "time between heartbeats" },
        Param {
            name: "threshold",
            // Beyond 300, 10^−threshold underflows the normal's tail.
            ty: Type::Number { min: 0.0, open_min: true, max: 300.0 },
            default: Fixed("8"),
            doc: "φ at which an instance is suspected",
        },
        Param {
            name: "window",
            ty: Type::Count { min: 1, max: 100_000 },
            default: Fixed("1000"),
            doc: "inter-arrival times kept per instance",
        },
        Param {
            name: "min_std_deviation",
            // A zero sd would make F a step, and φ's threshold crossing strict; Akka requires it > 0.
            ty: Type::PositiveDuration,
            default: Fixed("100ms"),
            doc: "floor of the estimated standard deviation",
        },
        Param {
            name: "acceptable_pause",
            ty: Type::Duration,
            default: Fixed("0s"),
            doc: "added to the mean inter-arrival time",
        },
        Param {
            name: "model",
            ty: Type::Choice(&["normal", "logistic", "exponential"]),
            default: Fixed("normal"),
            doc: "F: the exact normal, Akka's logistic approximation, or Cassandra's exponential",
        },
        Param {
            name: "max_interval",
            ty: Type::PositiveDuration,
            default: Derived("2 × interval"),
            doc: "exponential only: the first sample, and longer intervals are not recorded",
        },
    ],
    derived: &[(
        "threshold_z",
        "the deadline's coefficient: normal Φ⁻¹(1 − 10^−threshold), logistic Akka's root, \
         both of mean + pause + z·sd; exponential threshold·ln 10, of z·mean",
    )],
    build,
};

#[derive(Debug)]
struct Factory {
    interval: SimTime,
    model: Model,
    /// The deadline's coefficient (`threshold_z`): of the sd (normal, logistic) or the mean.
    z: f64,
    window: u32,
    min_std_deviation: SimTime,
    acceptable_pause: SimTime,
    max_interval: SimTime,
}

/// Which distribution F turns the time since the last heartbeat into φ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Model {
    /// The exact normal distribution (Hayashibara et al.).
    Normal,
    /// Akka's logistic approximation of the normal (`PhiAccrualFailureDetector.scala`).
    Logistic,
    /// Cassandra's exponential (`gms/FailureDetector.java`, `ArrivalWindow`).
    Exponential,
}

/// Every parameter is checked by its declaration; `threshold_z` joins the formula variables,
/// and so does `max_interval`'s derived default.
fn build(values: &mut Values) -> Result<Arc<dyn DetectorFactory>, KeyError> {
    let threshold = values.required_number("threshold")?;
    let model = match values.choice("model") {
        Some("logistic") => Model::Logistic,
        Some("exponential") => Model::Exponential,
        _ => Model::Normal,
    };
    let z = match model {
        Model::Normal => upper_quantile(threshold),
        Model::Logistic => logistic_quantile(threshold),
        Model::Exponential => threshold * std::f64::consts::LN_10,
    };
    values.resolve("threshold_z", Value::Number(z));
    let interval = values.required_duration("interval")?;
    let max_interval = values.duration("max_interval").unwrap_or(2 * interval);
    values.resolve("max_interval", Value::Duration(max_interval));
    Ok(Arc::new(Factory {
        interval,
        model,
        z,
        window: values.required_u32("window")?,
        min_std_deviation: values.required_duration("min_std_deviation")?,
        acceptable_pause: values.required_duration("acceptable_pause")?,
        max_interval,
    }))
}

/// z with P(Z > z) = 10^−threshold for a standard normal Z (from the lower tail, which stays
/// accurate where 1 − 10^−threshold would round to 1).
fn upper_quantile(threshold: f64) -> f64 {
    let standard = Normal::standard();
    -standard.inverse_cdf(10f64.powf(-threshold))
}

/// Akka's φ(y) = −log10(e/(1 + e)), e = exp(−g(y)), g(y) = y·(1.5976 + 0.070566·y²), for
/// y = (t − mean)/sd. (Akka writes the branch t ≤ mean as −log10(1 − 1/(1 + e)), the same
/// value.) So φ = log10(1 + exp(g(y))), and φ = threshold ⇔ g(y) = ln(10^threshold − 1):
/// g is a strictly increasing cubic, so this root is unique. Newton's method from the linear
/// root c/1.5976 approaches it from outside (g is convex for y > 0, concave below), so the
/// steps shrink monotonically; a fixed cap keeps it deterministic.
fn logistic_quantile(threshold: f64) -> f64 {
    const A: f64 = 0.070566;
    const B: f64 = 1.5976;
    // expm1 keeps small thresholds accurate; up to 300 (the declared maximum) it stays finite.
    let c = (threshold * std::f64::consts::LN_10).exp_m1().ln();
    let mut y = c / B;
    for _ in 0..200 {
        let step = (A * y * y * y + B * y - c) / (3.0 * A * y * y + B);
        y -= step;
        if step.abs() <= f64::EPSILON * y.abs() {
            break;
        }
    }
    y
}

impl DetectorFactory for Factory {
    /// Per heartbeat: its send, its arrival, and the check it re-arms; the window fills as
    /// heartbeats arrive, 8 bytes each, up to `window` per instance.
    fn estimate(&self, load: &Load) -> Cost {
        let heartbeats = load.up_periods(self.interval);
        let queue_events = heartbeats * (1.0 + 2.0 * (1.0 - load.loss)) + 2.0 * load.crashes;
        let per_instance = heartbeats / load.instances.max(1.0);
        let window_bytes = 8.0 * per_instance.min(f64::from(self.window));
        Cost { queue_events, drawn_events: 0.0, bytes: (700.0 + window_bytes) * load.instances }
    }

    fn build(&self, instances: u32) -> Box<dyn Detector> {
        Box::new(Phi {
            beacon: Beacon { interval: self.interval, send_kind: SEND, arrive_kind: ARRIVE },
            params: Estimate {
                model: self.model,
                z: self.z,
                window: self.window as usize,
                // Cassandra's window starts with its initial value, which is also its cap.
                first_mean: match self.model {
                    Model::Exponential => self.max_interval as f64,
                    _ => self.interval as f64,
                },
                min_sd: self.min_std_deviation as f64,
                pause: self.acceptable_pause as f64,
                max_interval: self.max_interval,
            },
            registry: InstanceId::all(instances).map(|_| Tracked::default()).collect(),
        })
    }
}

/// How the deadline is computed from an instance's history.
pub(super) struct Estimate {
    model: Model,
    z: f64,
    window: usize,
    /// The mean assumed before any inter-arrival time is known (its sd is a quarter of it).
    first_mean: f64,
    min_sd: f64,
    pause: f64,
    /// Exponential only: longer inter-arrival times are not recorded.
    max_interval: SimTime,
}

impl Estimate {
    /// Cassandra's `ArrivalWindow` (`gms/FailureDetector.java`): exponential, convicted past
    /// `threshold` · ln 10 · mean, `window` samples, `max_interval` the first sample and the
    /// longest one recorded (for the `cassandra-gossip` detector's per-member windows).
    pub(super) fn exponential(threshold: f64, window: u32, max_interval: SimTime) -> Self {
        Estimate {
            model: Model::Exponential,
            z: threshold * std::f64::consts::LN_10,
            window: window as usize,
            first_mean: max_interval as f64,
            min_sd: 0.0,
            pause: 0.0,
            max_interval,
        }
    }

    /// Whether an inter-arrival time joins the window: Cassandra drops those above its cap
    /// ("we'd rather mark it down quickly instead of adapting" to long partitions).
    fn records(&self, interval: SimTime) -> bool {
        self.model != Model::Exponential || interval <= self.max_interval
    }
}

/// The registry's record of one instance (also one member's arrival window of another in the
/// `cassandra-gossip` detector).
#[derive(Default)]
pub(super) struct Tracked {
    /// The incarnation (up period) of the last heartbeat, and when it arrived.
    incarnation: u32,
    last_arrival: Option<SimTime>,
    /// The last `window` inter-arrival times, oldest first from `head` once full.
    intervals: Vec<SimTime>,
    head: usize,
    /// Sums over `intervals`, in integers so that the estimate is exact and platform-free.
    sum: u128,
    sum_squares: u128,
    /// When φ reaches the threshold, and the check the detector relies on (`check_tag`
    /// identifies it; older checks are superseded). `check_at` is MAX when none is pending.
    deadline: SimTime,
    check_at: SimTime,
    check_tag: u32,
}

impl Tracked {
    fn forget(&mut self, incarnation: u32) {
        *self = Tracked { incarnation, check_at: self.check_at, check_tag: self.check_tag, ..Tracked::default() };
    }

    /// An arrival at `now`: its inter-arrival time joins the window (Cassandra records its
    /// initial value at the first arrival and drops intervals above its cap; Akka records
    /// nothing at the first).
    pub(super) fn arrive(&mut self, now: SimTime, e: &Estimate) {
        match self.last_arrival {
            Some(last) if e.records(now - last) => self.record(now - last, e.window),
            Some(_) => {}
            None if e.model == Model::Exponential => self.record(e.max_interval, e.window),
            None => {}
        }
        self.last_arrival = Some(now);
    }

    /// Whether φ has passed the threshold at `now` (never before the first arrival: Cassandra's
    /// `interpret` skips an endpoint without an arrival window).
    pub(super) fn convicts(&self, now: SimTime, e: &Estimate) -> bool {
        self.last_arrival.is_some_and(|last| now.saturating_sub(last) >= self.threshold_delay(e))
    }

    fn record(&mut self, interval: SimTime, window: usize) {
        if self.intervals.len() < window {
            self.intervals.push(interval);
        } else {
            let old = std::mem::replace(&mut self.intervals[self.head], interval);
            self.head = (self.head + 1) % window;
            self.sum -= old as u128;
            self.sum_squares -= old as u128 * old as u128;
        }
        self.sum += interval as u128;
        self.sum_squares += interval as u128 * interval as u128;
    }

    /// n·Σx² − (Σx)² = n²·variance: exact in integers, and ≥ 0 (Cauchy–Schwarz), so rounding
    /// never makes the variance negative. (Σx)² fits in u128 since Σx ≤ the horizon; n·Σx²
    /// overflows only for windows spanning years of huge intervals, where floats take over.
    fn spread(&self) -> f64 {
        let n = self.intervals.len() as u128;
        match n.checked_mul(self.sum_squares) {
            Some(scaled) => (scaled - self.sum * self.sum) as f64,
            None => {
                let (n, sum, squares) = (n as f64, self.sum as f64, self.sum_squares as f64);
                (n * squares - sum * sum).max(0.0)
            }
        }
    }

    /// Nanoseconds after the last arrival at which φ reaches the threshold.
    fn threshold_delay(&self, e: &Estimate) -> SimTime {
        let n = self.intervals.len() as u128;
        let (mean, sd) = if n == 0 {
            (e.first_mean, e.first_mean / 4.0)
        } else {
            (self.sum as f64 / n as f64, self.spread().sqrt() / n as f64)
        };
        if e.model == Model::Exponential {
            // Cassandra convicts once Δt/mean · 1/ln 10 > threshold, strictly: the first
            // nanosecond past z·mean.
            return (e.z * mean).floor() as SimTime + 1;
        }
        (mean + e.pause + e.z * sd.max(e.min_sd)).ceil() as SimTime
    }
}

struct Phi {
    beacon: Beacon,
    params: Estimate,
    registry: PerInstance<Tracked>,
}

impl Phi {
    fn on_arrival(&mut self, instance: InstanceId, incarnation: u32, ctx: &mut dyn DetectorCtx) {
        let now = ctx.now();
        let tracked = &mut self.registry[instance];
        if incarnation < tracked.incarnation {
            return; // from before a restart: a registry that knows incarnations drops it
        }
        if incarnation > tracked.incarnation {
            tracked.forget(incarnation);
        }
        tracked.arrive(now, &self.params);
        tracked.deadline = now.saturating_add(tracked.threshold_delay(&self.params));
        ctx.mark_up(instance);
        if tracked.deadline < tracked.check_at {
            Self::arm(instance, tracked, ctx);
        }
    }

    /// A check is due: suspect the instance if φ has reached the threshold, else check again at
    /// the deadline. A superseded check does nothing.
    fn on_check(&mut self, instance: InstanceId, tag: u32, ctx: &mut dyn DetectorCtx) {
        let tracked = &mut self.registry[instance];
        if tag != tracked.check_tag {
            return;
        }
        tracked.check_at = SimTime::MAX;
        if ctx.now() >= tracked.deadline {
            ctx.mark_down(instance);
        } else {
            Self::arm(instance, tracked, ctx);
        }
    }

    fn arm(instance: InstanceId, tracked: &mut Tracked, ctx: &mut dyn DetectorCtx) {
        tracked.check_tag = tracked.check_tag.wrapping_add(1);
        tracked.check_at = tracked.deadline;
        ctx.schedule_at(tracked.deadline, DetectorEvent { instance, kind: CHECK, tag: tracked.check_tag });
    }
}

impl Detector for Phi {
    /// Time 0: every instance is registered, with the first estimate's deadline.
    fn start(&mut self, ctx: &mut dyn DetectorCtx) {
        for instance in InstanceId::all(self.registry.len() as u32) {
            let tracked = &mut self.registry[instance];
            tracked.incarnation = ctx.instance_epoch(instance);
            tracked.check_at = SimTime::MAX;
            tracked.deadline = tracked.threshold_delay(&self.params);
            Self::arm(instance, tracked, ctx);
            self.on_instance_up(instance, ctx);
        }
    }

    fn on_instance_up(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        let phase = random_phase(self.beacon.interval, ctx.rng(instance));
        self.beacon.start(instance, phase, ctx);
    }

    fn on_instance_down(&mut self, _instance: InstanceId, _ctx: &mut dyn DetectorCtx) {}

    fn on_event(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        match event.kind {
            SEND => self.beacon.on_send(event, ctx),
            ARRIVE => self.on_arrival(event.instance, event.tag, ctx),
            _ => self.on_check(event.instance, event.tag, ctx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate() -> Estimate {
        Estimate {
            model: Model::Normal,
            z: 2.0,
            window: 3,
            first_mean: 1e9,
            min_sd: 1e6,
            pause: 5e8,
            max_interval: 2_000_000_000,
        }
    }

    #[test]
    fn the_deadline_is_mean_plus_pause_plus_z_sd_over_the_last_window() {
        let e = estimate();
        let mut t = Tracked::default();
        // No interval yet: mean 1 s, sd 0.25 s.
        assert_eq!(t.threshold_delay(&e), 2_000_000_000);
        t.record(1_000_000_000, e.window);
        // One interval: sd 0, raised to the 1 ms floor.
        assert_eq!(t.threshold_delay(&e), 1_502_000_000);
        for x in [2_000_000_000, 3_000_000_000, 4_000_000_000] {
            t.record(x, e.window);
        }
        // Window {2, 3, 4} s: mean 3 s, population sd √(2/3) s.
        let expected = 3e9 + 5e8 + 2.0 * (2.0f64 / 3.0).sqrt() * 1e9;
        assert_eq!(t.threshold_delay(&e), expected.ceil() as SimTime);
        assert_eq!((t.sum, t.intervals.len()), (9_000_000_000, 3));
    }

    /// The logistic root solves Akka's φ exactly: φ(z) = threshold, evaluated as Akka does.
    #[test]
    fn logistic_z_puts_akkas_phi_at_the_threshold() {
        let akka_phi = |y: f64| {
            let e = (-y * (1.5976 + 0.070566 * y * y)).exp();
            if y > 0.0 { -(e / (1.0 + e)).log10() } else { -(1.0 - 1.0 / (1.0 + e)).log10() }
        };
        for threshold in [0.1, 0.3, 1.0, 2.0, 8.0, 16.0] {
            let z = logistic_quantile(threshold);
            assert!((akka_phi(z) - threshold).abs() < 1e-9 * threshold.max(1.0), "{threshold}: {z}");
        }
        // ln(1e8 − 1) = 0.070566·z³ + 1.5976·z at z ≈ 5.2260 (the normal's is 5.612).
        assert!((logistic_quantile(8.0) - 5.2260).abs() < 1e-3, "{}", logistic_quantile(8.0));
        assert!(logistic_quantile(300.0).is_finite());
    }

    /// Cassandra's window: the first arrival records the initial value (`max_interval`), longer
    /// intervals are dropped, and the deadline is the first nanosecond past z·mean.
    #[test]
    fn exponential_records_the_initial_value_and_drops_long_intervals() {
        let e = Estimate { model: Model::Exponential, z: 2.0, first_mean: 2e9, ..estimate() };
        let mut t = Tracked::default();
        assert_eq!(t.threshold_delay(&e), 4_000_000_001, "no sample yet: the initial value");
        t.record(2_000_000_000, e.window);
        t.record(1_000_000_000, e.window);
        assert_eq!(t.threshold_delay(&e), 3_000_000_001, "mean 1.5 s");
        assert!(e.records(2_000_000_000) && !e.records(2_000_000_001));
        assert!(estimate().records(u64::MAX), "the normal model keeps every interval");
    }

    /// Cassandra's `ArrivalWindow.add` and `interpret` through `arrive` and `convicts`: no
    /// conviction before the first arrival; the first records the initial value; an interval
    /// above the cap is not recorded; convicted past z · mean after the last arrival (to the nanosecond: `threshold_delay`).
    #[test]
    fn arrive_and_convicts_follow_cassandras_arrival_window() {
        let e = Estimate::exponential(1.0 / std::f64::consts::LN_10, 10, 2_000_000_000);
        let mut t = Tracked::default();
        assert!(!t.convicts(u64::MAX, &e), "never before an arrival");
        t.arrive(5_000_000_000, &e);
        t.arrive(6_000_000_000, &e);
        t.arrive(9_000_000_000, &e);
        assert_eq!((t.sum, t.intervals.len()), (3_000_000_000, 2), "2 s initial, 1 s; 3 s dropped");
        assert!(!t.convicts(9_000_000_000 + 1_499_999_000, &e), "z · mean = 1.5 s: not yet");
        assert!(t.convicts(9_000_000_000 + 1_500_001_000, &e));
    }

    #[test]
    fn z_matches_the_normal_tail() {
        // Φ(-2.3263478740) = 0.01, Φ(-5.6120012) ≈ 1e-8.
        assert!((upper_quantile(2.0) - 2.326_347_874).abs() < 1e-6);
        assert!((upper_quantile(8.0) - 5.612_001_2).abs() < 1e-5);
        assert!(upper_quantile(300.0).is_finite());
    }

    #[test]
    fn bad_parameters_are_errors() {
        for (text, key) in [
            ("interval = \"1s\"\nthreshold = 0.0", "detector.threshold"),
            ("interval = \"1s\"\nwindow = 0", "detector.window"),
            ("interval = \"1s\"\nmin_std_deviation = \"fast\"", "detector.min_std_deviation"),
            ("interval = \"1s\"\nmin_std_deviation = \"0s\"", "detector.min_std_deviation"),
            ("interval = \"1s\"\nacceptable_pause = \"-1s\"", "detector.acceptable_pause"),
            ("interval = \"1s\"\nthreshhold = 3.0", "detector.threshhold"),
        ] {
            assert_eq!(super::super::error_key(&format!("kind = \"phi\"\n{text}")), key, "{text}");
        }
    }

    /// Heavy-tailed delays (heartbeats overtaking each other), loss, restarts, partitions,
    /// crash, leave and join faults: the detector keeps working and stays deterministic.
    #[test]
    fn survives_every_fault_and_reproduces() {
        let a = super::super::run_hostile(
            "kind = \"phi\"\ninterval = \"1s\"\nthreshold = 3.0\nmin_std_deviation = \"10ms\"\nwindow = 50\n",
        );
        assert!(a.get("detection_time.count").unwrap() > 100.0);
        assert!(a.get("false_suspicions").unwrap() > 0.0, "pareto jitter and loss fool it sometimes");
    }
}
