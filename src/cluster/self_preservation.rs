//! Eureka's self-preservation: lease expiry is suspended while the renewals the registry
//! received in the last full minute are not above a threshold, so that a network partition
//! does not wipe out the registry (Netflix/eureka `AbstractInstanceRegistry`,
//! `PeerAwareInstanceRegistryImpl.isLeaseExpirationEnabled`, `MeasuredRate`).
//!
//! The threshold is `(int)(expected × (60 s / renewal_interval) × threshold)`, `expected`
//! being the instances expected to renew: the registered count at start, one more at each
//! registration (an unlisted instance listed again), one less at each cancelled lease (a leave,
//! or an eviction: current Eureka's `internalCancel`); every `update_interval` (at the first
//! sweep after it: only sweeps read it) it is reset to the registered count, but only if that
//! count is above `threshold × expected` (a large drop is taken for a partition, not for
//! instances gone). Renewals are counted in whole minutes from time 0; a
//! sweep asks for the last complete minute's count (so a sweep in the first minute, with none
//! counted yet, always suspends: Eureka's start-up). While expiry is suspended, sweeps evict
//! nothing; `self_preservation_time` sums the time from each such sweep to the next, and
//! `self_preservation_kept` is the most expired instances one such sweep kept.

use crate::engine::SimTime;

/// One minute, the period of Eureka's renewal counter.
const MINUTE: SimTime = 60_000_000_000;

/// Self-preservation, as the scenario sets it (`[registry.self_preservation]`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SelfPreservationConfig {
    /// The renewal interval the server expects of every instance (Eureka: 30 s).
    pub renewal_interval: SimTime,
    /// The fraction of expected renewals below which expiry stops (Eureka: 0.85).
    pub threshold: f64,
    /// How often `expected` is reset to the registered count (Eureka: 15 min).
    pub update_interval: SimTime,
}

/// The renewal counter and the expectation, for one run.
#[derive(Clone, Debug)]
pub struct SelfPreservation {
    config: SelfPreservationConfig,
    expected: u32,
    minute: u64,
    this_minute: u64,
    last_minute: u64,
    next_update: SimTime,
    /// Since the last sweep (when that sweep suspended expiry).
    suspended_since: Option<SimTime>,
    suspended_total: SimTime,
    kept_max: usize,
}

impl SelfPreservation {
    /// Every instance registered at time 0.
    pub fn new(config: SelfPreservationConfig, instances: u32) -> Self {
        SelfPreservation {
            config,
            expected: instances,
            minute: 0,
            this_minute: 0,
            last_minute: 0,
            next_update: config.update_interval,
            suspended_since: None,
            suspended_total: 0,
            kept_max: 0,
        }
    }

    /// A renewal reached the registry at `now`.
    pub fn renewed(&mut self, now: SimTime) {
        self.roll(now);
        self.this_minute += 1;
    }

    /// An unlisted instance registered again (Eureka counts it only while it expects some).
    pub fn registered(&mut self) {
        if self.expected > 0 {
            self.expected += 1;
        }
    }

    /// A lease was cancelled: the instance deregistered itself, or a sweep evicted it.
    pub fn cancelled(&mut self) {
        self.expected = self.expected.saturating_sub(1);
    }

    /// At a sweep: whether expiry is enabled now, given `registered` listed instances and
    /// `pending` expired ones waiting (for the metrics).
    pub fn allows_expiry(&mut self, now: SimTime, registered: u32, pending: usize) -> bool {
        self.roll(now);
        self.close_suspension(now);
        if now >= self.next_update {
            // Updates missed since the last sweep would all see this registered count: the
            // first decides, the others repeat it, so one stands for all.
            if f64::from(registered) > self.config.threshold * f64::from(self.expected) {
                self.expected = registered;
            }
            let interval = self.config.update_interval.max(1);
            self.next_update = (now / interval).saturating_add(1).saturating_mul(interval);
        }
        let enabled = self.limit() > 0 && self.last_minute > self.limit();
        if !enabled {
            self.suspended_since = Some(now);
            self.kept_max = self.kept_max.max(pending);
        }
        enabled
    }

    /// The renewals per minute that expiry needs to be exceeded.
    fn limit(&self) -> u64 {
        let per_minute = MINUTE as f64 / self.config.renewal_interval.max(1) as f64;
        (f64::from(self.expected) * per_minute * self.config.threshold) as u64
    }

    /// Moves the counter to the minute holding `now`.
    fn roll(&mut self, now: SimTime) {
        let minute = now / MINUTE;
        if minute > self.minute {
            self.last_minute = if minute == self.minute + 1 { self.this_minute } else { 0 };
            self.this_minute = 0;
            self.minute = minute;
        }
    }

    fn close_suspension(&mut self, now: SimTime) {
        if let Some(since) = self.suspended_since.take() {
            self.suspended_total += now - since;
        }
    }

    /// Seconds suspended by the end of the run, and the most expired instances a sweep kept.
    pub fn report(&mut self, horizon: SimTime) -> (f64, f64) {
        self.close_suspension(horizon);
        (crate::engine::time::to_seconds(self.suspended_total), self.kept_max as f64)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const S: SimTime = 1_000_000_000;

    fn eureka(instances: u32) -> SelfPreservation {
        let config = SelfPreservationConfig { renewal_interval: 30 * S, threshold: 0.85, update_interval: 900 * S };
        SelfPreservation::new(config, instances)
    }

    /// 100 instances renewing every 30 s: the threshold is (int)(100 × 2 × 0.85) = 170; 180
    /// renewals in the last minute allow expiry, 170 do not (it must be above).
    #[test]
    fn expiry_needs_more_renewals_than_the_threshold() {
        for (renewals, allowed) in [(180, true), (171, true), (170, false), (0, false)] {
            let mut sp = eureka(100);
            for k in 0..renewals {
                sp.renewed(60 * S + k);
            }
            assert_eq!(sp.allows_expiry(130 * S, 100, 0), allowed, "{renewals} renewals");
        }
    }

    /// The expectation follows the registered count at the update only if that count is above
    /// 85 % of it: 90 of 100 registered lowers it to 90 (threshold 153), 80 does not.
    #[test]
    fn the_expectation_is_reset_only_after_a_small_drop() {
        for (registered, limit) in [(90, 153), (80, 170)] {
            let mut sp = eureka(100);
            sp.allows_expiry(900 * S, registered, 0);
            assert_eq!(sp.limit(), limit, "{registered} registered");
        }
    }

    /// Regression: a 1 ns update interval once meant one loop turn per nanosecond at a sweep.
    #[test]
    fn a_tiny_update_interval_costs_one_update_per_sweep() {
        let config = SelfPreservationConfig { renewal_interval: 30 * S, threshold: 0.85, update_interval: 1 };
        let mut sp = SelfPreservation::new(config, 100);
        sp.allows_expiry(1_000_000 * S, 90, 0);
        assert_eq!(sp.limit(), 153);
    }

    /// Time suspended runs from each suspending sweep to the next; the kept count is the most
    /// pending at a suspending sweep.
    #[test]
    fn suspension_time_and_kept_instances_are_measured() {
        let mut sp = eureka(10);
        assert!(!sp.allows_expiry(60 * S, 10, 3));
        assert!(!sp.allows_expiry(120 * S, 10, 5));
        assert_eq!(sp.report(150 * S), (90.0, 5.0));
    }
}
