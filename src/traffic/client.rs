//! A client's state: its cached view of the registry, the instances it may route to, its
//! attempts in flight per instance, its circuit breakers, outlier detector, retry budget and
//! throttles.

use crate::engine::{SimTime, Stream};
use crate::ids::{InstanceId, PerInstance};
use crate::recovery::Recovery;
use crate::recovery::breaker::Breaker;
use crate::recovery::budget::Budget;
use crate::recovery::outlier::Ejector;
use crate::recovery::retry_throttle::RetryTokens;
use crate::recovery::throttle::Throttle;
use hdrhistogram::Histogram;

pub(super) struct Client {
    /// The registry's view as this client last learned it.
    pub view: PerInstance<bool>,
    /// Where the client may route: in its view, not held off by an open breaker, and not
    /// ejected by its outlier detector (unless it is in healthy panic).
    pub routable: PerInstance<bool>,
    /// The routable instances, sorted.
    pub live: Vec<InstanceId>,
    pub outstanding: PerInstance<u32>,
    /// One per instance when the scenario has a breaker, else empty.
    pub breakers: PerInstance<Breaker>,
    pub budget: Option<Budget>,
    /// The adaptive throttler, when the scenario has one (boxed: most clients have none).
    pub throttle: Option<Box<Throttle>>,
    /// gRPC's retry-throttling tokens, when the scenario has them.
    pub tokens: Option<RetryTokens>,
    /// The outlier detector, when the scenario has one.
    pub outlier: Option<Ejector>,
    /// Changes when the request rate changes, so the stale next-request event is ignored.
    pub issue_generation: u32,
    /// Latencies of this client's successful attempts, when hedging by quantile.
    pub latencies: Option<Histogram<u64>>,
}

impl Client {
    /// Every instance starts registered, so every client starts with all of them.
    pub(super) fn new(instances: u32, recovery: &Recovery, rate: f64) -> Self {
        Client {
            view: PerInstance::new(instances, true),
            routable: PerInstance::new(instances, true),
            live: InstanceId::all(instances).collect(),
            outstanding: PerInstance::new(instances, 0),
            breakers: PerInstance::new(if recovery.breaker.is_some() { instances } else { 0 }, Breaker::default()),
            budget: recovery.retry.budget.map(|ratio| Budget::new(ratio, recovery.retry.budget_floor, rate)),
            outlier: recovery.outlier.map(|policy| Ejector::new(policy, instances)),
            throttle: recovery.adaptive_throttling.map(|a| Box::new(Throttle::new(a.k, a.window))),
            tokens: recovery.retry_throttling.map(|t| RetryTokens::new(t.max_tokens, t.token_ratio)),
            issue_generation: 0,
            latencies: recovery.hedge.as_ref().and_then(|h| h.quantile).and_then(|_| Histogram::new(3).ok()),
        }
    }

    /// The client's cache learns `up` for `instance`: whether that changed it.
    pub(super) fn learn(&mut self, instance: InstanceId, up: bool) -> bool {
        if self.view[instance] == up {
            return false;
        }
        self.view[instance] = up;
        self.refresh_routable(instance);
        self.update_panic();
        true
    }

    /// Records an attempt's outcome with the outlier detector (when there is one): whether it
    /// ejected `instance`.
    pub(super) fn record_outcome(&mut self, instance: InstanceId, ok: bool, now: SimTime) -> bool {
        let Some(outlier) = &mut self.outlier else { return false };
        if !outlier.record(instance, ok) {
            return false;
        }
        let (listed, ejected_listed) = self.listed_and_healthy();
        let ejected_listed = listed - ejected_listed;
        let ejected = self.outlier.as_mut().is_some_and(|o| o.try_eject(instance, now, listed, ejected_listed));
        if ejected {
            self.refresh_routable(instance);
            self.update_panic();
        }
        ejected
    }

    /// The outlier detector's rate rules at a sweep (`now`): ejects what they find, as far as
    /// the cap and the enforcement draws (from `rng`) allow, calling `ejected` with each
    /// instance ejected, when it was ejected before, and how many are ejected now.
    pub(super) fn eject_by_rates(
        &mut self,
        now: SimTime,
        rng: &mut Stream,
        mut ejected: impl FnMut(InstanceId, Option<SimTime>, u32),
    ) {
        let Some(outlier) = &mut self.outlier else { return };
        let view = &self.view;
        outlier.analyse(|i| view[i]);
        for index in 0..outlier.found_count() {
            let (listed, healthy) = self.listed_and_healthy();
            let Some(outlier) = &mut self.outlier else { return };
            if let Some((instance, previous)) = outlier.try_eject_found(index, now, (listed, listed - healthy), rng) {
                ejected(instance, previous, outlier.ejected);
                self.refresh_routable(instance);
                self.update_panic();
            }
        }
    }

    /// Healthy panic follows the count of listed instances not ejected; when it flips, every
    /// instance's routability changes with it. O(instances), but only on an ejection, a return
    /// or a view change, and only with an outlier detector.
    pub(super) fn update_panic(&mut self) {
        let (listed, healthy) = self.listed_and_healthy();
        let Some(outlier) = &mut self.outlier else { return };
        let panic = outlier.panics(healthy, listed);
        if panic == outlier.panic {
            return;
        }
        outlier.panic = panic;
        for instance in InstanceId::all(self.view.len() as u32) {
            self.refresh_routable(instance);
        }
    }

    /// Instances in the view, and those of them not ejected.
    fn listed_and_healthy(&self) -> (u32, u32) {
        let (mut listed, mut healthy) = (0, 0);
        for instance in InstanceId::all(self.view.len() as u32) {
            listed += self.view[instance] as u32;
            healthy += (self.view[instance] && self.outlier.as_ref().is_none_or(|o| !o.is_ejected(instance))) as u32;
        }
        (listed, healthy)
    }

    /// Recomputes whether the client may route to `instance` and keeps `live` in step.
    pub(super) fn refresh_routable(&mut self, instance: InstanceId) {
        let allowed = self.view[instance]
            && self.breakers.get(instance).is_none_or(Breaker::allows)
            && self.outlier.as_ref().is_none_or(|o| o.admits(instance));
        if allowed == self.routable[instance] {
            return;
        }
        self.routable[instance] = allowed;
        match self.live.binary_search(&instance) {
            Ok(pos) if !allowed => {
                self.live.remove(pos);
            }
            Err(pos) if allowed => self.live.insert(pos, instance),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recovery::{Outlier, RateEjection};

    const OFF: RateEjection = RateEjection { limit: 0.0, minimum_hosts: 1, request_volume: 1, enforcing: 0.0 };

    #[test]
    fn live_list_follows_the_view() {
        let recovery = Recovery::plain(1);
        let mut c = Client::new(4, &recovery, 1.0);
        c.view[InstanceId(2)] = false;
        c.refresh_routable(InstanceId(2));
        assert_eq!(c.live, [0, 1, 3].map(InstanceId));
        c.view[InstanceId(2)] = true;
        c.refresh_routable(InstanceId(2));
        assert_eq!(c.live, [0, 1, 2, 3].map(InstanceId));
    }

    /// Ejections leave the live list until fewer than half the listed instances are left, then
    /// healthy panic routes over every listed one; the view still applies.
    #[test]
    fn ejection_and_panic_compose_with_the_view() {
        let outlier = Outlier {
            consecutive_failures: 1,
            interval: 10,
            base_ejection_time: 30,
            max_ejection_time: 300,
            max_ejection_percent: 100.0,
            always_eject_one_host: false,
            panic_threshold: 50.0,
            success_rate: OFF,
            failure_percentage: OFF,
        };
        let recovery = Recovery { outlier: Some(outlier), ..Recovery::plain(1) };
        let mut c = Client::new(4, &recovery, 1.0);
        assert!(c.record_outcome(InstanceId(0), false, 5) && c.record_outcome(InstanceId(1), false, 5));
        assert_eq!(c.live, [2, 3].map(InstanceId), "2 of 4 left: at the threshold, not below");
        assert!(c.record_outcome(InstanceId(2), false, 5));
        assert_eq!(c.live, [0, 1, 2, 3].map(InstanceId), "1 of 4: panic");
        c.learn(InstanceId(0), false);
        assert_eq!(c.live, [1, 2, 3].map(InstanceId), "still in panic, the view applies");
    }
}
