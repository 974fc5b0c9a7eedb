//! One client's outlier detector (Envoy's, each Envoy keeping its own): consecutive failed
//! attempts per instance, which instances are ejected and until when, how many times each has
//! been ejected, and whether the client is in healthy panic. Consecutive-failure ejections
//! happen at once; returns happen only at the periodic analysis sweep, as in Envoy.

use super::Outlier as Policy;
use crate::engine::SimTime;
use crate::ids::{InstanceId, PerInstance};

#[derive(Clone, Debug)]
pub(crate) struct Ejector {
    pub policy: Policy,
    /// Failed attempts in a row per instance since its last success or ejection.
    failures: PerInstance<u32>,
    /// Times each instance has been ejected: the multiplier of the base ejection time.
    times: PerInstance<u32>,
    /// When each instance was last ejected, if ever.
    ejected_at: PerInstance<Option<SimTime>>,
    /// An ejected instance returns at the first sweep at or after this; `None`: not ejected.
    until: PerInstance<Option<SimTime>>,
    /// Instances ejected now.
    pub ejected: u32,
    /// Healthy panic: too few instances are not ejected, so the balancer ignores ejections.
    pub panic: bool,
}

impl Ejector {
    pub(crate) fn new(policy: Policy, instances: u32) -> Self {
        Ejector {
            policy,
            failures: PerInstance::new(instances, 0),
            times: PerInstance::new(instances, 0),
            ejected_at: PerInstance::new(instances, None),
            until: PerInstance::new(instances, None),
            ejected: 0,
            panic: false,
        }
    }

    pub(crate) fn is_ejected(&self, instance: InstanceId) -> bool {
        self.until[instance].is_some()
    }

    /// Whether the balancer may route to `instance` as far as ejection goes.
    pub(crate) fn admits(&self, instance: InstanceId) -> bool {
        self.panic || !self.is_ejected(instance)
    }

    /// When this client last ejected `instance`, if ever.
    pub(crate) fn last_ejection(&self, instance: InstanceId) -> Option<SimTime> {
        self.ejected_at[instance]
    }

    /// Records an attempt's outcome: whether it makes `instance` due for ejection (the
    /// threshold reached, and not ejected already).
    pub(crate) fn record(&mut self, instance: InstanceId, ok: bool) -> bool {
        let failures = &mut self.failures[instance];
        *failures = if ok { 0 } else { failures.saturating_add(1) };
        *failures >= self.policy.consecutive_failures && !self.is_ejected(instance)
    }

    /// Ejects `instance` if the cap allows, with `listed` instances listed of which
    /// `ejected_listed` are ejected (an instance that left the view counts no more, as a host
    /// that left an Envoy cluster): Envoy (≥ 1.31, `ejectHost`) ejects when the ejected
    /// percentage with this one stays within the maximum, or, with `always_eject_one_host`, when
    /// none is ejected. Either way the failure count starts again (`onConsecutiveErrorWorker`).
    /// The multiplier grows only while base × times is below max + base, as Envoy's.
    pub(crate) fn try_eject(&mut self, instance: InstanceId, now: SimTime, listed: u32, ejected_listed: u32) -> bool {
        self.failures[instance] = 0;
        let after = 100.0 * (ejected_listed + 1) as f64;
        let within = after <= self.policy.max_ejection_percent * listed as f64;
        let one_allowed = self.policy.always_eject_one_host && ejected_listed == 0;
        if !(within || one_allowed) {
            return false;
        }
        let p = &self.policy;
        let reach = p.max_ejection_time.saturating_add(p.base_ejection_time);
        if p.base_ejection_time.saturating_mul(self.times[instance] as u64) < reach {
            self.times[instance] += 1;
        }
        self.ejected_at[instance] = Some(now);
        self.until[instance] = Some(now.saturating_add(self.policy.ejection_time(self.times[instance])));
        self.ejected += 1;
        true
    }

    /// The analysis sweep at `now`: returns every instance whose ejection time is over, calling
    /// `returned` with each and the time it was ejected.
    /// An instance not ejected since the last sweep has its multiplier lowered by one, as
    /// Envoy's `checkHostForUneject` does, so a host that stays healthy is forgiven.
    pub(crate) fn sweep(&mut self, now: SimTime, mut returned: impl FnMut(InstanceId, SimTime)) {
        for instance in InstanceId::all(self.until.len() as u32) {
            if self.until[instance].is_none() {
                let times = &mut self.times[instance];
                *times = times.saturating_sub(1);
                continue;
            }
            if self.until[instance].is_some_and(|until| until <= now) {
                self.until[instance] = None;
                // Attempts in flight at the ejection failed after it; they say nothing about
                // the returned instance, which starts afresh.
                self.failures[instance] = 0;
                self.ejected -= 1;
                returned(instance, self.ejected_at[instance].unwrap_or(now));
            }
        }
    }

    /// Whether `healthy` (listed and not ejected) of `listed` instances is below the panic
    /// threshold.
    pub(crate) fn panics(&self, healthy: u32, listed: u32) -> bool {
        100.0 * (healthy as f64) < self.policy.panic_threshold * listed as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy {
        consecutive_failures: 3,
        interval: 10,
        base_ejection_time: 30,
        max_ejection_time: 70,
        max_ejection_percent: 10.0,
        always_eject_one_host: false,
        panic_threshold: 50.0,
    };

    #[test]
    fn consecutive_failures_eject_and_a_success_resets_the_count() {
        let mut e = Ejector::new(POLICY, 10);
        let i = InstanceId(2);
        assert!(!e.record(i, false) && !e.record(i, false));
        assert!(!e.record(i, true), "a success resets");
        assert!(!e.record(i, false) && !e.record(i, false));
        assert!(e.record(i, false));
        assert!(e.try_eject(i, 100, 10, 0));
        assert!(!e.admits(i) && e.last_ejection(i) == Some(100));
        let mut back = Vec::new();
        e.sweep(129, |i, at| back.push((i, at)));
        assert!(back.is_empty(), "not before 30");
        e.sweep(130, |i, at| back.push((i, at)));
        assert_eq!(back, [(i, 100)]);
        assert_eq!(e.ejected, 0);
    }

    #[test]
    fn ejection_time_grows_by_the_base_up_to_the_cap() {
        assert_eq!([1, 2, 3, 4].map(|k| POLICY.ejection_time(k)), [30, 60, 70, 70]);
        let long_base = Policy { base_ejection_time: 100, ..POLICY };
        assert_eq!(long_base.ejection_time(2), 100, "the cap is at least the base");
    }

    #[test]
    fn the_cap_leaves_room_for_one_ejection_at_least() {
        let mut e = Ejector::new(POLICY, 10);
        assert!(e.try_eject(InstanceId(0), 0, 10, 0), "one always may be ejected");
        assert!(!e.try_eject(InstanceId(1), 0, 10, 1), "2 of 10 is over 10 %");
        assert!(e.try_eject(InstanceId(1), 0, 10, 0), "the ejected one left the view");
        let mut wide = Ejector::new(Policy { max_ejection_percent: 20.0, ..POLICY }, 10);
        assert!(wide.try_eject(InstanceId(0), 0, 10, 0) && wide.try_eject(InstanceId(1), 0, 10, 1));
        assert!(!wide.try_eject(InstanceId(2), 0, 10, 2));
        assert!(e.panics(1, 4) && !e.panics(2, 4), "below half, not at half");
    }
}
