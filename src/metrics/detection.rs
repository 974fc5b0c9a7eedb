//! Ground-truth scoring of failure detection: compares every change of the registry's view
//! with the instances' true state, which defines the detection metrics (docs/reference.md).

use super::phased::PhaseTally;
use super::{MetricValues, Sampled};
use crate::engine::SimTime;
use crate::ids::InstanceId;
use crate::metrics::Phase;

const NONE: SimTime = SimTime::MAX;

/// Per-instance bookkeeping and totals for the detection metrics of one run.
pub(crate) struct DetectionScore {
    /// Crash time awaiting detection, or NONE.
    pending_crash: Vec<SimTime>,
    /// Recovery time awaiting the registry's "up", or NONE.
    pending_recovery: Vec<SimTime>,
    /// Start of an ongoing false suspicion, or NONE.
    mistake_since: Vec<SimTime>,
    /// Last time the instance's truth or view changed (for time integrals).
    last_change: Vec<SimTime>,
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
            pending_crash: vec![NONE; n],
            pending_recovery: vec![NONE; n],
            mistake_since: vec![NONE; n],
            last_change: vec![0; n],
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

    /// Applies `f` to the phases whose window holds time `t`.
    fn in_phases(&mut self, t: SimTime, f: impl Fn(&mut PhaseTally)) {
        self.phases.iter_mut().filter(|p| p.contains(t)).for_each(f);
    }

    /// Adds the time since the last change to the integrals, under the state that held then.
    fn account(&mut self, i: usize, now: SimTime, truth_up: bool, view_up: bool) {
        let elapsed = (now - self.last_change[i]) as u128;
        let since = self.last_change[i];
        self.phases.iter_mut().for_each(|p| p.account(since, now, truth_up, view_up));
        if truth_up {
            self.up_time += elapsed;
            if view_up {
                self.accurate_time += elapsed;
            }
        }
        self.last_change[i] = now;
    }

    /// The instance crashed; `view_up` is what the registry holds at that moment.
    pub(crate) fn on_crash(&mut self, instance: InstanceId, now: SimTime, view_up: bool) {
        let i = instance.index();
        self.account(i, now, true, view_up);
        self.crashes += 1;
        self.in_phases(now, PhaseTally::crash);
        self.pending_recovery[i] = NONE;
        if view_up {
            self.pending_crash[i] = now;
        } else if self.mistake_since[i] != NONE {
            // Already (wrongly) held down: the mistake ends here, the registry is now right,
            // and there is nothing left to detect.
            self.end_mistake(i, now);
        }
    }

    /// The instance left gracefully: down, and deregistered (nothing to detect).
    pub(crate) fn on_leave(&mut self, instance: InstanceId, now: SimTime, view_up: bool) {
        let i = instance.index();
        self.account(i, now, true, view_up);
        self.pending_recovery[i] = NONE;
        self.mistake_since[i] = NONE;
    }

    /// The instance joined: up, and registered at once (nothing to detect).
    pub(crate) fn on_join(&mut self, instance: InstanceId, now: SimTime, view_up: bool) {
        let i = instance.index();
        self.account(i, now, false, view_up);
        self.pending_crash[i] = NONE;
    }

    /// The instance recovered.
    pub(crate) fn on_recover(&mut self, instance: InstanceId, now: SimTime, view_up: bool) {
        let i = instance.index();
        self.account(i, now, false, view_up);
        if self.pending_crash[i] != NONE {
            self.undetected += 1;
            self.in_phases(self.pending_crash[i], PhaseTally::undetected);
            self.pending_crash[i] = NONE;
        }
        if !view_up {
            self.pending_recovery[i] = now;
        }
    }

    /// The registry changed its view of the instance (only real changes are reported).
    /// When `instance` crashed, if that crash is not detected yet.
    pub(crate) fn pending_crash(&self, instance: InstanceId) -> Option<SimTime> {
        self.pending_crash.get(instance.index()).copied().filter(|&t| t != NONE)
    }

    pub(crate) fn on_view_change(&mut self, instance: InstanceId, now: SimTime, truth_up: bool, view_up: bool) {
        let i = instance.index();
        self.account(i, now, truth_up, !view_up);
        match (truth_up, view_up) {
            (false, false) if self.pending_crash[i] != NONE => {
                let (crashed, took) = (self.pending_crash[i], now - self.pending_crash[i]);
                self.detection.record(took);
                self.in_phases(crashed, |p| p.detection(took));
                self.pending_crash[i] = NONE;
            }
            (true, false) => {
                self.false_suspicions += 1;
                self.in_phases(now, PhaseTally::false_suspicion);
                self.mistake_since[i] = now;
            }
            (true, true) => {
                if self.pending_recovery[i] != NONE {
                    let (recovered, took) = (self.pending_recovery[i], now - self.pending_recovery[i]);
                    self.recovery_detection.record(took);
                    self.in_phases(recovered, |p| p.recovery_detection(took));
                    self.pending_recovery[i] = NONE;
                }
                if self.mistake_since[i] != NONE {
                    self.end_mistake(i, now);
                }
            }
            _ => {}
        }
    }

    /// A false suspicion of instance `i` ends at `now`.
    fn end_mistake(&mut self, i: usize, now: SimTime) {
        let (since, took) = (self.mistake_since[i], now - self.mistake_since[i]);
        self.mistake.record(took);
        self.in_phases(since, |p| p.mistake(took));
        self.mistake_since[i] = NONE;
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
