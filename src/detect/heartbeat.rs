//! `heartbeat`: each instance pushes a heartbeat every `interval`; the registry marks it down
//! when nothing arrived for longer than `timeout` (default 2 × interval, the source document's
//! setting) and up again when a heartbeat arrives. Evaluated lazily (`lazy_lease`): one queue
//! event per lease deadline rather than one per message. `evaluation = "eager"` runs the
//! same model with one queue event per send, per arrival and per lease check (`lease`): the
//! same results, byte for byte unless two events fall on the same nanosecond, many times
//! slower; it is the reference the lazy form is tested
//! against, and what `discosim bench` measures the engine's cost per queue event with.

use super::DetectorCtx;
use super::lazy_lease::{LazyLease, jump_threshold};
use super::lease::{Beacon, Lease};
use super::{Cost, Detector, DetectorEvent, DetectorFactory, Load};
use crate::engine::SimTime;
use crate::ids::InstanceId;
use crate::params::DefaultValue::{Derived, Fixed, Required};
use crate::params::KeyError;
use crate::params::{Param, Strategy, Type, Value, Values};
use std::sync::Arc;

pub(super) const STRATEGY: Strategy<dyn DetectorFactory> = Strategy {
    name: "heartbeat",
    doc: "instances push heartbeats; the registry expires a silent one's lease",
    params: &[
        Param { name: "interval", ty: Type::PositiveDuration, default: Required, doc: "time between heartbeats" },
        Param {
            name: "timeout",
            ty: Type::PositiveDuration,
            default: Derived("2 × interval"),
            doc: "silence after which the instance is marked down",
        },
        Param {
            name: "evaluation",
            ty: Type::Choice(&["lazy", "eager", "jump"]),
            default: Fixed("lazy"),
            doc: "lazy (drawn ahead) or eager (one event per message): the same results; jump: runs of heartbeats that cannot change the view drawn at once (the same model, other draws)",
        },
    ],
    derived: &[],
    build,
};

#[derive(Debug)]
struct Factory {
    interval: SimTime,
    timeout: SimTime,
    eager: bool,
    /// `evaluation = "jump"`, with a timeout above the interval: the threshold of an ordinary heartbeat.
    jump: Option<SimTime>,
}

fn build(values: &mut Values) -> Result<Arc<dyn DetectorFactory>, KeyError> {
    let interval = values.required_duration("interval")?;
    let timeout = values.duration("timeout").unwrap_or(2 * interval);
    values.resolve("timeout", Value::Duration(timeout));
    let evaluation = values.choice("evaluation");
    let eager = evaluation == Some("eager");
    let jump = if evaluation == Some("jump") { jump_threshold(interval, timeout) } else { None };
    Ok(Arc::new(Factory { interval, timeout, eager, jump }))
}

impl DetectorFactory for Factory {
    /// Lazy: a wake-up per instance at the start and at every scheduled fault time (the
    /// world's promise ends there), and about four per crash, as measured on the shipped
    /// scenarios (the lease's expiry, the first arrival after the repair, the end of the
    /// promise at the next failure, stale wake-ups); the heartbeats themselves are drawn ahead. Eager: send, arrival and half a lease check
    /// per heartbeat. Bytes per instance measured at 100 000 instances (slots and pending
    /// events).
    fn estimate(&self, load: &Load) -> Cost {
        let heartbeats = load.up_periods(self.interval);
        if self.eager {
            let queue_events = heartbeats * (1.5 + (1.0 - load.loss)) + 2.0 * load.crashes;
            return Cost { queue_events, drawn_events: 0.0, bytes: 760.0 * load.instances };
        }
        let queue_events = load.instances * (1.0 + load.fault_edges) + 4.0 * load.crashes;
        Cost { queue_events, drawn_events: heartbeats, bytes: 450.0 * load.instances }
    }

    /// The eager form sees every heartbeat arrive; the lazy one folds them away.
    fn counts_renewals(&self) -> bool {
        self.eager
    }

    fn build(&self, instances: u32) -> Box<dyn Detector> {
        if self.eager {
            let beacon = Beacon { interval: self.interval, send_kind: SEND, arrive_kind: ARRIVE };
            return Box::new(Eager { beacon, lease: Lease::new(instances, self.timeout, CHECK), instances });
        }
        Box::new(Heartbeat(LazyLease::new(instances, self.interval, self.timeout, self.jump)))
    }

    fn link_threshold(&self) -> Option<SimTime> {
        self.jump
    }
}

/// The eager form's event kinds.
const SEND: u8 = 0;
const ARRIVE: u8 = 1;
const CHECK: u8 = 2;

/// The eager form: every heartbeat is a send event and an arrival event.
struct Eager {
    beacon: Beacon,
    lease: Lease,
    instances: u32,
}

impl Detector for Eager {
    fn start(&mut self, ctx: &mut dyn DetectorCtx) {
        self.lease.start(ctx);
        for instance in InstanceId::all(self.instances) {
            self.on_instance_up(instance, ctx);
        }
    }

    fn on_instance_up(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        let phase = super::random_phase(self.beacon.interval, ctx.rng(instance));
        self.beacon.start(instance, phase, ctx);
    }

    fn on_instance_down(&mut self, _instance: InstanceId, _ctx: &mut dyn DetectorCtx) {}

    fn on_event(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        match event.kind {
            SEND => self.beacon.on_send(event, ctx),
            ARRIVE => self.lease.on_arrival(event.instance, ctx),
            _ => self.lease.on_check(event.instance, ctx),
        }
    }
}

struct Heartbeat(LazyLease);

impl Detector for Heartbeat {
    fn start(&mut self, ctx: &mut dyn DetectorCtx) {
        self.0.start(ctx);
    }

    fn on_instance_up(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        self.0.on_up(instance, ctx);
    }

    fn on_instance_down(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        self.0.on_down(instance, ctx);
    }

    fn on_event(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        self.0.on_event(event, ctx);
    }

    fn prefetch(&self, instance: InstanceId) {
        self.0.prefetch(instance);
    }
}

#[cfg(test)]
mod tests {
    //! The lazy heartbeat against the eager reference (`Beacon` + `Lease`: one event per send,
    //! arrival and check). Both draw every stream in the same order, so every metric must be
    //! equal — not just statistically close — whenever no two events tie.

    use crate::engine::random::replication_seed;
    use crate::world::World;

    const NETWORKS: [&str; 3] = [
        r#"delay = { dist = "exponential", mean = "10ms" }
loss = 0.05"#,
        // Delays longer than the interval: several heartbeats in flight, overtaking each other.
        r#"delay = { dist = "pareto", scale = "100ms", shape = 1.2 }
loss = 0.2"#,
        r#"delay = { dist = "lognormal", median = "300ms", p99 = "3s" }
loss = 0.0"#,
    ];

    const FAILURES: [&str; 3] = [
        r#"{ model = "crash-recover", mttf = { dist = "exponential", mean = "30s" }, mttr = { dist = "exponential", mean = "3s" } }"#,
        r#"{ model = "crash-stop", mttf = { dist = "uniform", low = "10s", high = "290s" } }"#,
        r#"{ model = "none" }"#,
    ];

    fn scenario(failure: &str, network: &str, timeout: &str, evaluation: &str) -> crate::model::Scenario {
        let text = format!(
            r#"name = "eq"
horizon = "300s"
[cluster]
instances = 40
failure = {failure}
[network]
{network}
[detector]
kind = "heartbeat"
interval = "1s"
timeout = "{timeout}"
evaluation = "{evaluation}"
{faults}"#,
            faults = super::super::EVERY_FAULT
        );
        let loaded = crate::scenario::parse(&text, "eq.toml", std::path::Path::new("."), &[]);
        loaded.unwrap().points.remove(0).scenario
    }

    #[test]
    fn lazy_heartbeat_equals_the_eager_reference() {
        let cases = FAILURES.iter().flat_map(|f| NETWORKS.iter().map(move |n| (f, n)));
        for (failure, network) in cases {
            // A timeout below the interval expires between any two heartbeats: the view flips
            // down and up all the time, exercising the detector's watching (view down) mode.
            for timeout in ["2s", "3.5s", "0.7s"] {
                let lazy = scenario(failure, network, timeout, "lazy");
                let eager = scenario(failure, network, timeout, "eager");
                for replication in 0..3 {
                    let seed = replication_seed(1, replication);
                    let (a, work_a) = World::new(&lazy, seed).run();
                    let (b, work_b) = World::new(&eager, seed).run();
                    // Bit patterns, so that undefined metrics (NaN) compare equal.
                    let bits = |m: &crate::metrics::MetricValues| -> Vec<(String, u64)> {
                        m.entries.iter().map(|(n, v)| (n.clone(), v.to_bits())).collect()
                    };
                    assert_eq!(
                        bits(&a),
                        bits(&b),
                        "{failure}, {network}, timeout {timeout}, replication {replication}"
                    );
                    assert!(work_a.events < work_b.events);
                }
            }
        }
    }

    /// `jump` draws other numbers than the eager reference but is the same model: every
    /// message is lost with probability `loss` and otherwise delayed by an independent draw
    /// (the runs only group the draws; `dist::split` tests the conditional draws). So the
    /// per-run means of detection time, false suspicions, mistake duration, undetected crashes
    /// and messages lost must not differ: Welch's t over 24 replications each, |t| < 3.9
    /// (99.99 %: 5 metrics × 6 configurations make 30 tests, so the family errs with
    /// probability below 0.3 %; the seeds are fixed, so the outcome is too). The configurations
    /// cover every fault kind, delays longer than the interval (Pareto) and a timeout of 1.5
    /// intervals (θ = T/2, where ordinary heartbeats are a minority with the log-normal).
    #[test]
    fn jump_is_statistically_the_eager_reference() {
        let cases = [(0, 0, "2s"), (0, 1, "2s"), (1, 0, "3.5s"), (0, 2, "1.5s"), (2, 0, "2s"), (1, 2, "2.5s")];
        for (failure, network, timeout) in cases {
            let (failure, network) = (FAILURES[failure], NETWORKS[network]);
            let jump = scenario(failure, network, timeout, "jump");
            let eager = scenario(failure, network, timeout, "eager");
            let runs = |s: &crate::model::Scenario, base: u64| -> Vec<crate::metrics::MetricValues> {
                (0..24).map(|r| World::new(s, replication_seed(base, r)).run().0).collect()
            };
            let (a, b) = (runs(&jump, 5), runs(&eager, 6));
            for metric in
                ["detection_time.mean", "false_suspicions", "mistake_duration.mean", "undetected", "messages_lost"]
            {
                let column = |runs: &[crate::metrics::MetricValues]| -> Vec<f64> {
                    runs.iter().filter_map(|m| m.get(metric)).filter(|v| v.is_finite()).collect()
                };
                let (x, y) = (column(&a), column(&b));
                if x.len() < 10 || y.len() < 10 {
                    continue;
                }
                let t = crate::stats::welch(&x, &y).t;
                assert!(t.abs() < 3.9, "{metric}: t = {t:.2} ({failure}, {network}, timeout {timeout})");
            }
        }
    }

    /// Where the timeout does not exceed the interval, no heartbeat is ordinary: `jump` draws
    /// exactly as `lazy` does.
    #[test]
    fn jump_without_a_threshold_is_the_lazy_form() {
        let jump = scenario(FAILURES[0], NETWORKS[0], "0.7s", "jump");
        let lazy = scenario(FAILURES[0], NETWORKS[0], "0.7s", "lazy");
        let seed = replication_seed(3, 0);
        assert_eq!(World::new(&jump, seed).run().0.entries, World::new(&lazy, seed).run().0.entries);
    }

    #[test]
    fn an_unknown_evaluation_is_an_error_with_the_valid_ones() {
        let text = "kind = \"heartbeat\"\ninterval = \"1s\"\nevaluation = \"eagre\"";
        let error = super::super::parse(toml::from_str(text).unwrap(), "detector").unwrap_err();
        assert_eq!(error.key, "detector.evaluation");
        assert_eq!(error.allowed.as_deref(), Some("lazy, eager, jump"));
        assert_eq!(error.suggestion.as_deref(), Some("eager"));
    }
}
