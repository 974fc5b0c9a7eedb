//! The detection metrics inside one `[[phase]]` window, reported as `<metric>@<phase>`.
//!
//! Attribution: a detection (or a crash left undetected) belongs to the phase of its crash, a
//! recovery detection to that of the recovery, a false suspicion and its mistake duration to
//! that of the suspicion; up time and accurate time are the parts inside the window. So a
//! phase answers "what happened to the failures that began in it", and phases that tile the
//! horizon add up to the totals. Only means, maxima and counts: memory stays constant.

use super::MetricValues;
use crate::engine::SimTime;
use crate::metrics::Phase;

/// Count, sum and maximum of durations in nanoseconds.
#[derive(Default)]
struct Moments {
    count: u64,
    sum: u128,
    max: SimTime,
}

impl Moments {
    fn record(&mut self, nanos: SimTime) {
        self.count += 1;
        self.sum += nanos as u128;
        self.max = self.max.max(nanos);
    }

    fn mean_seconds(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { self.sum as f64 / self.count as f64 / 1e9 }
    }
}

pub(super) struct PhaseTally {
    phase: Phase,
    crashes: u64,
    undetected: u64,
    detection: Moments,
    recovery_detection: Moments,
    false_suspicions: u64,
    mistake: Moments,
    up_time: u128,
    accurate_time: u128,
}

impl PhaseTally {
    pub(super) fn new(phase: &Phase) -> Self {
        PhaseTally {
            phase: phase.clone(),
            crashes: 0,
            undetected: 0,
            detection: Moments::default(),
            recovery_detection: Moments::default(),
            false_suspicions: 0,
            mistake: Moments::default(),
            up_time: 0,
            accurate_time: 0,
        }
    }

    pub(super) fn contains(&self, t: SimTime) -> bool {
        self.phase.from <= t && t < self.phase.to
    }

    /// The part of [from, to) inside the phase.
    fn overlap(&self, from: SimTime, to: SimTime) -> u128 {
        to.min(self.phase.to).saturating_sub(from.max(self.phase.from)) as u128
    }

    /// Time integrals over [from, to), under the state that held then.
    pub(super) fn account(&mut self, from: SimTime, to: SimTime, truth_up: bool, view_up: bool) {
        if truth_up {
            let inside = self.overlap(from, to);
            self.up_time += inside;
            if view_up {
                self.accurate_time += inside;
            }
        }
    }

    pub(super) fn crash(&mut self) {
        self.crashes += 1;
    }

    pub(super) fn undetected(&mut self) {
        self.undetected += 1;
    }

    pub(super) fn detection(&mut self, nanos: SimTime) {
        self.detection.record(nanos);
    }

    pub(super) fn recovery_detection(&mut self, nanos: SimTime) {
        self.recovery_detection.record(nanos);
    }

    pub(super) fn false_suspicion(&mut self) {
        self.false_suspicions += 1;
    }

    pub(super) fn mistake(&mut self, nanos: SimTime) {
        self.mistake.record(nanos);
    }

    pub(super) fn report(&self, out: &mut MetricValues) {
        let name = &self.phase.name;
        let ratio = |part: f64, whole: f64| if whole == 0.0 { f64::NAN } else { part / whole };
        let detected = self.detection.count as f64;
        let up_hours = self.up_time as f64 / 3.6e12;
        let max = |m: &Moments| if m.count == 0 { f64::NAN } else { m.max as f64 / 1e9 };
        out.push(format!("crashes@{name}"), self.crashes as f64);
        out.push(format!("detection_time.mean@{name}"), self.detection.mean_seconds());
        out.push(format!("detection_time.max@{name}"), max(&self.detection));
        out.push(format!("detection_time.count@{name}"), detected);
        out.push(format!("undetected@{name}"), self.undetected as f64);
        out.push(format!("detected_fraction@{name}"), ratio(detected, detected + self.undetected as f64));
        out.push(format!("recovery_detection_time.mean@{name}"), self.recovery_detection.mean_seconds());
        out.push(format!("false_suspicions@{name}"), self.false_suspicions as f64);
        out.push(format!("false_suspicion_rate@{name}"), ratio(self.false_suspicions as f64, up_hours));
        out.push(format!("mistake_duration.mean@{name}"), self.mistake.mean_seconds());
        out.push(format!("query_accuracy@{name}"), ratio(self.accurate_time as f64, self.up_time as f64));
    }
}
