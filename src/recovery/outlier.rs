//! One client's outlier detector (Envoy's, each Envoy keeping its own): consecutive failed
//! attempts per instance, which instances are ejected and until when, how many times each has
//! been ejected, and whether the client is in healthy panic. Consecutive-failure ejections
//! happen at once; returns happen only at the periodic analysis sweep, as in Envoy, and so do
//! the success-rate and failure-percentage ejections, over the attempts of the interval that
//! just ended (Envoy's `processSuccessRateEjections`: the host's bucket of successes and
//! attempts, swapped at every sweep).

use super::{Outlier as Policy, RateEjection};
use crate::engine::{SimTime, Stream};
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
    /// Per instance, this interval's attempts and successes (with a rate ejection on; else empty).
    bucket: PerInstance<[u32; 2]>,
    /// The instances the last analysis found, each with its rule's enforcement (reused).
    found: Vec<(InstanceId, f64)>,
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
            bucket: PerInstance::new(
                if policy.success_rate.is_on() || policy.failure_percentage.is_on() { instances } else { 0 },
                [0; 2],
            ),
            found: Vec::new(),
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
        if let Some([attempts, successes]) = self.bucket.get_mut(instance) {
            *attempts = attempts.saturating_add(1);
            *successes = successes.saturating_add(ok as u32);
        }
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
        if !self.cap_allows(listed, ejected_listed) {
            return false;
        }
        self.eject(instance, now);
        true
    }

    /// Whether one more ejection stays within the cap (`ejectHost`'s test).
    pub(crate) fn cap_allows(&self, listed: u32, ejected_listed: u32) -> bool {
        let after = 100.0 * (ejected_listed + 1) as f64;
        let within = after <= self.policy.max_ejection_percent * listed as f64;
        within || (self.policy.always_eject_one_host && ejected_listed == 0)
    }

    /// Ejects `instance` at `now`, for longer each time.
    fn eject(&mut self, instance: InstanceId, now: SimTime) {
        let p = &self.policy;
        let reach = p.max_ejection_time.saturating_add(p.base_ejection_time);
        if p.base_ejection_time.saturating_mul(self.times[instance] as u64) < reach {
            self.times[instance] += 1;
        }
        self.ejected_at[instance] = Some(now);
        self.until[instance] = Some(now.saturating_add(self.policy.ejection_time(self.times[instance])));
        self.ejected += 1;
    }

    /// The success-rate and failure-percentage analyses of the interval that just ended, over
    /// the `listed` instances (Envoy's hosts of the cluster), in Envoy's order: the instances
    /// they find into `found()` (an instance twice if both rules find it: the second counts if
    /// the first did not eject it); then a new interval starts.
    pub(crate) fn analyse(&mut self, listed: impl Fn(InstanceId) -> bool) {
        self.found.clear();
        let hosts = InstanceId::all(self.bucket.len() as u32).filter(|&i| listed(i)).count() as u32;
        for (rule, by_deviation) in [(self.policy.success_rate, true), (self.policy.failure_percentage, false)] {
            if rule.is_on() && hosts >= rule.minimum_hosts {
                self.apply(rule, by_deviation, &listed);
            }
        }
        self.bucket.iter_mut().for_each(|b| *b = [0; 2]);
    }

    /// One rule: the instances (listed, not ejected) with `request_volume` attempts at least;
    /// if `minimum_hosts` of them, those below the mean success rate by `limit` standard
    /// deviations (population), or failing `limit` percent of their attempts or more.
    fn apply(&mut self, rule: RateEjection, by_deviation: bool, listed: &impl Fn(InstanceId) -> bool) {
        let rates = InstanceId::all(self.bucket.len() as u32).filter_map(|i| {
            let [attempts, successes] = self.bucket[i];
            let counts = listed(i) && !self.is_ejected(i) && attempts >= rule.request_volume;
            counts.then(|| (i, 100.0 * f64::from(successes) / f64::from(attempts)))
        });
        let valid: Vec<(InstanceId, f64)> = rates.collect();
        if valid.len() < rule.minimum_hosts as usize {
            return;
        }
        let threshold = if by_deviation { deviation_threshold(&valid, rule.limit) } else { 100.0 - rule.limit };
        let below = |rate: f64| if by_deviation { rate < threshold } else { rate <= threshold };
        let found = valid.iter().filter(|(_, rate)| below(*rate)).map(|&(instance, _)| (instance, rule.enforcing));
        self.found.extend(found);
    }

    /// How many instances the last analysis found (with repeats).
    pub(crate) fn found_count(&self) -> usize {
        self.found.len()
    }

    /// Ejects the `index`-th instance the last analysis found, if it is not ejected, the cap
    /// (`listed`, `ejected_listed`) allows, and its rule's enforcement draw says so (a draw only
    /// when the enforcement is below 100 %): the instance, if ejected, and when it was ejected
    /// before, if ever.
    pub(crate) fn try_eject_found(
        &mut self,
        index: usize,
        now: SimTime,
        (listed, ejected_listed): (u32, u32),
        rng: &mut Stream,
    ) -> Option<(InstanceId, Option<SimTime>)> {
        let &(instance, enforcing) = self.found.get(index)?;
        if self.is_ejected(instance) || !self.cap_allows(listed, ejected_listed) {
            return None;
        }
        if enforcing < 100.0 && !rng.bernoulli(enforcing / 100.0) {
            return None;
        }
        let previous = self.ejected_at[instance];
        self.eject(instance, now);
        Some((instance, previous))
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

/// Envoy's success-rate threshold: the mean of the rates less `factor` population standard
/// deviations (`successRateEjectionThreshold`).
fn deviation_threshold(valid: &[(InstanceId, f64)], factor: f64) -> f64 {
    let n = valid.len() as f64;
    let mean = valid.iter().map(|(_, r)| r).sum::<f64>() / n;
    let variance = valid.iter().map(|(_, r)| (r - mean).powi(2)).sum::<f64>() / n;
    mean - factor * variance.sqrt()
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
        success_rate: OFF,
        failure_percentage: OFF,
    };
    const OFF: RateEjection = RateEjection { limit: 0.0, minimum_hosts: 1, request_volume: 1, enforcing: 0.0 };

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

    /// Envoy's own example (outlier_detection_impl.cc): rates 50, 100, 100, 100, 100 give a
    /// mean of 90, a standard deviation of 20 and, with factor 1.9, a threshold of 52.
    #[test]
    fn the_success_rate_threshold_is_envoys() {
        let rates = [50.0, 100.0, 100.0, 100.0, 100.0].map(|r| (InstanceId(0), r));
        assert!((deviation_threshold(&rates, 1.9) - 52.0).abs() < 1e-12);
    }

    /// Success rate: the instance at 50 % of five is found, and only with enough volume and
    /// hosts; failure percentage 85: 15 of 100 successes is found, 16 is not.
    #[test]
    fn the_rate_rules_find_outliers_among_enough_busy_instances() {
        let rule = RateEjection { limit: 1.9, minimum_hosts: 5, request_volume: 100, enforcing: 100.0 };
        let mut e = Ejector::new(Policy { success_rate: rule, ..POLICY }, 6);
        let fill =
            |e: &mut Ejector, i: u32, ok: u32, all: u32| (0..all).for_each(|k| _ = e.record(InstanceId(i), k < ok));
        fill(&mut e, 0, 50, 100);
        (1..5).for_each(|i| fill(&mut e, i, 100, 100));
        fill(&mut e, 5, 0, 99);
        e.analyse(|_| true);
        assert_eq!(e.found, [(InstanceId(0), 100.0)], "instance 5 has too few attempts");
        e.analyse(|_| true);
        assert!(e.found.is_empty(), "the buckets start again");
        (0..5).for_each(|i| fill(&mut e, i, if i == 0 { 0 } else { 100 }, 100));
        e.analyse(|i| i != InstanceId(4));
        assert!(e.found.is_empty(), "4 listed hosts: below the minimum");
        let rule = RateEjection { limit: 85.0, minimum_hosts: 1, request_volume: 50, enforcing: 100.0 };
        let mut e = Ejector::new(Policy { failure_percentage: rule, ..POLICY }, 2);
        fill(&mut e, 0, 15, 100);
        fill(&mut e, 1, 16, 100);
        e.analyse(|_| true);
        assert_eq!(e.found, [(InstanceId(0), 100.0)]);
    }
}
