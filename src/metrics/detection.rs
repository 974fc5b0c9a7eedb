//! Ground-truth scoring of failure detection: compares every change of the registry's view
//! with the instances' true state, which defines the detection metrics (docs/reference.md).

use super::phased::PhaseTally;
use super::{MetricValues, Sampled};
use crate::engine::SimTime;
use crate::ids::InstanceId;
use crate::metrics::Phase;

const NONE: SimTime = SimTime::MAX;

/// One instance's bookkeeping, together in one aligned half cache line: every crash, repair
/// and view change reads several of these fields, and at 10⁶ instances each separate array
/// was a cache miss of its own.
#[derive(Clone, Copy)]
#[repr(align(32))]
struct Tally {
    /// Crash time awaiting detection, or NONE.
    pending_crash: SimTime,
    /// Recovery time awaiting the registry's "up", or NONE.
    pending_recovery: SimTime,
    /// Start of an ongoing false suspicion, or NONE.
    mistake_since: SimTime,
    /// Last time the instance's truth or view changed (for time integrals).
    last_change: SimTime,
}

/// Per-instance bookkeeping and totals for the detection metrics of one run.
pub(crate) struct DetectionScore {
    tally: Vec<Tally>,
    up_time: u128,
    accurate_time: u128,
    crashes: u64,
    undetected: u64,
    false_suspicions: u64,
    detection: Sampled,
    recovery_detection: Sampled,
    mistake: Sampled,
    /// The same metrics inside each `[[phase]]` window.
    phases: Vec<PhaseTally>,
}

impl DetectionScore {
    pub(crate) fn new(instances: u32, phases: &[Phase]) -> Self {
        let n = instances as usize;
        DetectionScore {
            tally: vec![Tally { pending_crash: NONE, pending_recovery: NONE, mistake_since: NONE, last_change: 0 }; n],
            up_time: 0,
            accurate_time: 0,
            crashes: 0,
            undetected: 0,
            false_suspicions: 0,
            detection: Sampled::default(),
            recovery_detection: Sampled::default(),
            mistake: Sampled::default(),
            phases: phases.iter().map(PhaseTally::new).collect(),
        }
    }

    /// Starts loading the instance's bookkeeping into the cache (`ids::prefetch`).
    pub(crate) fn prefetch(&self, instance: InstanceId) {
        if let Some(tally) = self.tally.get(instance.index()) {
            crate::ids::prefetch(tally);
        }
    }

    /// Applies `f` to the phases whose window holds time `t`.
    fn in_phases(&mut self, t: SimTime, f: impl Fn(&mut PhaseTally)) {
        self.phases.iter_mut().filter(|p| p.contains(t)).for_each(f);
    }

    /// Adds the time since the last change to the integrals, under the state that held then.
    fn account(&mut self, i: usize, now: SimTime, truth_up: bool, view_up: bool) {
        let elapsed = (now - self.tally[i].last_change) as u128;
        let since = self.tally[i].last_change;
        self.phases.iter_mut().for_each(|p| p.account(since, now, truth_up, view_up));
        if truth_up {
            self.up_time += elapsed;
            if view_up {
                self.accurate_time += elapsed;
            }
        }
        self.tally[i].last_change = now;
    }

    /// The instance crashed; `view_up` is what the registry holds at that moment.
    pub(crate) fn on_crash(&mut self, instance: InstanceId, now: SimTime, view_up: bool) {
        let i = instance.index();
        self.account(i, now, true, view_up);
        self.crashes += 1;
        self.in_phases(now, PhaseTally::crash);
        self.tally[i].pending_recovery = NONE;
        if view_up {
            self.tally[i].pending_crash = now;
        } else if self.tally[i].mistake_since != NONE {
            // Already (wrongly) held down: the mistake ends here, the registry is now right,
            // and there is nothing left to detect.
            self.end_mistake(i, now);
        }
    }

    /// The instance left gracefully: down, and deregistered (nothing to detect).
    pub(crate) fn on_leave(&mut self, instance: InstanceId, now: SimTime, view_up: bool) {
        let i = instance.index();
        self.account(i, now, true, view_up);
        self.tally[i].pending_recovery = NONE;
        self.tally[i].mistake_since = NONE;
    }

    /// The instance joined: up, and registered at once (nothing to detect).
    pub(crate) fn on_join(&mut self, instance: InstanceId, now: SimTime, view_up: bool) {
        let i = instance.index();
        self.account(i, now, false, view_up);
        self.tally[i].pending_crash = NONE;
    }

    /// The instance recovered.
    pub(crate) fn on_recover(&mut self, instance: InstanceId, now: SimTime, view_up: bool) {
        let i = instance.index();
        self.account(i, now, false, view_up);
        if self.tally[i].pending_crash != NONE {
            self.undetected += 1;
            self.in_phases(self.tally[i].pending_crash, PhaseTally::undetected);
            self.tally[i].pending_crash = NONE;
        }
        if !view_up {
            self.tally[i].pending_recovery = now;
        }
    }

    /// The registry changed its view of the instance (only real changes are reported).
    /// When `instance` crashed, if that crash is not detected yet.
    pub(crate) fn pending_crash(&self, instance: InstanceId) -> Option<SimTime> {
        self.tally.get(instance.index()).map(|t| t.pending_crash).filter(|&t| t != NONE)
    }

    pub(crate) fn on_view_change(&mut self, instance: InstanceId, now: SimTime, truth_up: bool, view_up: bool) {
        let i = instance.index();
        self.account(i, now, truth_up, !view_up);
        match (truth_up, view_up) {
            (false, false) if self.tally[i].pending_crash != NONE => {
                let (crashed, took) = (self.tally[i].pending_crash, now - self.tally[i].pending_crash);
                self.detection.record(took);
                self.in_phases(crashed, |p| p.detection(took));
                self.tally[i].pending_crash = NONE;
            }
            (true, false) => {
                self.false_suspicions += 1;
                self.in_phases(now, PhaseTally::false_suspicion);
                self.tally[i].mistake_since = now;
            }
            (true, true) => {
                if self.tally[i].pending_recovery != NONE {
                    let (recovered, took) = (self.tally[i].pending_recovery, now - self.tally[i].pending_recovery);
                    self.recovery_detection.record(took);
                    self.in_phases(recovered, |p| p.recovery_detection(took));
                    self.tally[i].pending_recovery = NONE;
                }
                if self.tally[i].mistake_since != NONE {
                    self.end_mistake(i, now);
                }
            }
            _ => {}
        }
    }

    /// A false suspicion of instance `i` ends at `now`.
    fn end_mistake(&mut self, i: usize, now: SimTime) {
        let (since, took) = (self.tally[i].mistake_since, now - self.tally[i].mistake_since);
        self.mistake.record(took);
        self.in_phases(since, |p| p.mistake(took));
        self.tally[i].mistake_since = NONE;
    }

    /// Closes the integrals at the horizon and reports every detection metric.
    pub(crate) fn report(
        &mut self,
        horizon: SimTime,
        truth_up: &[bool],
        view_up: impl Fn(usize) -> bool,
        out: &mut MetricValues,
    ) {
        for (i, &up) in truth_up.iter().enumerate() {
            self.account(i, horizon, up, view_up(i));
        }
        let up_hours = self.up_time as f64 / 3.6e12;
        out.push("crashes", self.crashes as f64);
        self.detection.report("detection_time", out);
        out.push("undetected", self.undetected as f64);
        let detectable = self.detection.count() + self.undetected;
        out.push("detected_fraction", ratio(self.detection.count() as u128, detectable as u128));
        self.recovery_detection.report("recovery_detection_time", out);
        out.push("false_suspicions", self.false_suspicions as f64);
        out.push(
            "false_suspicion_rate",
            if up_hours > 0.0 { self.false_suspicions as f64 / up_hours } else { f64::NAN },
        );
        self.mistake.report("mistake_duration", out);
        out.push("query_accuracy", ratio(self.accurate_time, self.up_time));
        let instance_time = horizon as u128 * truth_up.len() as u128;
        out.push("instance_up_fraction", ratio(self.up_time, instance_time));
        out.push("up_instance_hours", up_hours);
        for phase in &self.phases {
            phase.report(out);
        }
    }
}

fn ratio(part: u128, whole: u128) -> f64 {
    if whole == 0 { f64::NAN } else { part as f64 / whole as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(score: &mut DetectionScore, horizon: SimTime, truth: &[bool], view: &[bool]) -> MetricValues {
        let mut out = MetricValues::default();
        score.report(horizon, truth, |i| view[i], &mut out);
        out
    }

    #[test]
    fn detection_undetected_and_false_suspicion_are_scored() {
        let mut score = DetectionScore::new(2, &[]);
        // Instance 0: crash at 10, detected at 13, recovers at 20, marked up at 21.
        score.on_crash(InstanceId(0), 10, true);
        score.on_view_change(InstanceId(0), 13, false, false);
        score.on_recover(InstanceId(0), 20, false);
        score.on_view_change(InstanceId(0), 21, true, true);
        // Instance 1: crash at 30, recovers at 31 before detection; false suspicion 40..45.
        score.on_crash(InstanceId(1), 30, true);
        score.on_recover(InstanceId(1), 31, true);
        score.on_view_change(InstanceId(1), 40, true, false);
        score.on_view_change(InstanceId(1), 45, true, true);
        let out = values(&mut score, 100, &[true, true], &[true, true]);
        assert_eq!(out.get("detection_time.count"), Some(1.0));
        assert_eq!(out.get("detection_time.max"), Some(3e-9));
        assert_eq!(out.get("recovery_detection_time.mean"), Some(1e-9));
        assert_eq!(out.get("undetected"), Some(1.0));
        assert_eq!(out.get("false_suspicions"), Some(1.0));
        assert_eq!(out.get("mistake_duration.mean"), Some(5e-9));
        // Up time: inst 0 up 0..10 and 20..100 = 90; inst 1 up 0..30 and 31..100 = 99.
        // Accurate: inst 0 all 90 except 20..21 -> 89; inst 1: 99 - 5 = 94.
        let accuracy = out.get("query_accuracy").unwrap();
        assert!((accuracy - 183.0 / 189.0).abs() < 1e-12, "{accuracy}");
        assert!((out.get("instance_up_fraction").unwrap() - 189.0 / 200.0).abs() < 1e-12);
    }

    #[test]
    fn crash_during_a_false_suspicion_ends_the_mistake() {
        let mut score = DetectionScore::new(1, &[]);
        score.on_view_change(InstanceId(0), 10, true, false);
        score.on_crash(InstanceId(0), 12, false);
        let out = values(&mut score, 20, &[false], &[false]);
        assert_eq!(out.get("mistake_duration.count"), Some(1.0));
        assert_eq!(out.get("detection_time.count"), Some(0.0));
        assert_eq!(out.get("crashes"), Some(1.0));
    }
}
