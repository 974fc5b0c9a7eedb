//! Stages that remove an instance the registry has kept unlisted for a while. They follow the
//! registry's listings and only measure: the instance's endpoints already left when it was
//! unlisted, so routing does not change. Each counts its removals and times them from the
//! crash the unlisting detected (a false suspicion that lasts long enough is removed too, but
//! has no crash to time from).
//!
//! - Kubernetes' pod eviction (`[registry.pod_eviction]`): once the node controller has marked
//!   a node NotReady, its pods are evicted after the not-ready toleration (`tolerationSeconds`
//!   300 s, added by the DefaultTolerationSeconds admission plugin), unless the node is Ready
//!   again first; a timer per pod, so exactly the toleration after. Metrics `pod_evictions`,
//!   `pod_eviction_time`.
//! - Consul's reaper (`[registry.reaper]`): each agent checks its services every
//!   `check_reap_interval` (30 s, from the agent's start) and deregisters one whose check has
//!   been critical for longer than `deregister_critical_service_after` (agent.go,
//!   reapServicesInternal: `now.Sub(criticalSince) > timeout`). Metrics `reaped`, `reap_time`.

use crate::engine::{SimTime, Stream};
use crate::ids::{InstanceId, PerInstance};
use crate::metrics::MetricValues;
use crate::metrics::sampled::Sampled;

/// A removal stage's settings, as the scenario sets them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RemovalConfig {
    /// How long an instance stays unlisted before it is removed.
    pub after: SimTime,
    /// With a periodic check (the reaper): its interval; the removal waits for the first check
    /// strictly after `after` has passed. Without: removed exactly `after` after the unlisting.
    pub check_interval: Option<SimTime>,
}

/// The unlisted instances and the removals so far.
pub struct Removal {
    /// Its metrics: the count of removals, and a crash until its removal (sampled).
    names: [&'static str; 2],
    config: RemovalConfig,
    /// Per instance, with a periodic check: the time of its first check (its agent's phase).
    phases: PerInstance<SimTime>,
    /// Per instance: since when it is unlisted, and its crash time if the unlisting detected one.
    unlisted: PerInstance<Option<(SimTime, Option<SimTime>)>>,
    removals: u64,
    time: Sampled,
}

impl Removal {
    /// A stage over `instances`; with a periodic check, each instance's phase is drawn from
    /// `rng` (the stage's own stream), uniform over one interval.
    pub fn new(names: [&'static str; 2], config: RemovalConfig, instances: u32, rng: Option<Stream>) -> Self {
        let mut phases = PerInstance::new(0, 0);
        if let (Some(interval), Some(mut rng)) = (config.check_interval, rng) {
            phases = PerInstance::new(instances, 0);
            phases.iter_mut().for_each(|phase| *phase = rng.below(interval));
        }
        Removal {
            names,
            config,
            phases,
            unlisted: PerInstance::new(instances, None),
            removals: 0,
            time: Sampled::default(),
        }
    }

    /// The registry unlisted `instance` at `now`; `crashed`: when it crashed, if it is down.
    pub fn unlisted(&mut self, instance: InstanceId, now: SimTime, crashed: Option<SimTime>) {
        self.unlisted[instance] = Some((now, crashed));
    }

    /// The registry listed `instance` again at `now`: it was removed if the removal came first.
    pub fn listed(&mut self, instance: InstanceId, now: SimTime) {
        let Some((since, crashed)) = self.unlisted[instance].take() else { return };
        let removed_at = self.removal_time(instance, since);
        if removed_at <= now {
            self.removals += 1;
            if let Some(crashed) = crashed {
                self.time.record(removed_at - crashed);
            }
        }
    }

    /// When `instance`, unlisted since `since`, is removed if it stays unlisted.
    fn removal_time(&self, instance: InstanceId, since: SimTime) -> SimTime {
        let due = since.saturating_add(self.config.after);
        let (Some(interval), Some(&phase)) = (self.config.check_interval, self.phases.get(instance)) else {
            return due;
        };
        if due < phase {
            return phase;
        }
        let checks_done = (due - phase) / interval + 1;
        phase.saturating_add(checks_done.saturating_mul(interval))
    }

    /// The stage's metrics at the end of the run: instances still unlisted count up to `horizon`.
    pub fn report(&mut self, horizon: SimTime, out: &mut MetricValues) {
        for instance in InstanceId::all(self.unlisted.len() as u32) {
            self.listed(instance, horizon);
        }
        let [count, time] = self.names;
        out.push(count, self.removals as f64);
        self.time.report(time, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(check_interval: Option<SimTime>, instances: u32) -> Removal {
        let config = RemovalConfig { after: 300, check_interval };
        Removal::new(
            crate::metrics::POD_EVICTION_METRICS,
            config,
            instances,
            Some(crate::engine::RandomStreams::new(1).stream(0u64, 0)),
        )
    }

    #[test]
    fn pods_are_evicted_only_after_the_toleration() {
        let mut p = stage(None, 3);
        p.unlisted(InstanceId(0), 100, Some(60));
        p.listed(InstanceId(0), 399);
        p.unlisted(InstanceId(1), 100, Some(60));
        p.listed(InstanceId(1), 400);
        p.unlisted(InstanceId(2), 500, None);
        let mut out = MetricValues::default();
        p.report(800, &mut out);
        assert_eq!(out.get("pod_evictions"), Some(2.0), "instance 1, and 2 (a false suspicion) by the horizon");
        assert_eq!(out.get("pod_eviction_time.count"), Some(1.0));
        assert_eq!(out.get("pod_eviction_time.mean"), Some(340e-9), "crash at 60, evicted at 400");
    }

    /// With checks every 100 from phase φ: the first check strictly after `since + after`.
    #[test]
    fn a_periodic_check_removes_at_the_first_check_strictly_after_the_wait() {
        let mut r = stage(Some(100), 1);
        assert!(r.phases[InstanceId(0)] < 100, "drawn within one interval");
        r.phases[InstanceId(0)] = 30;
        assert_eq!(r.removal_time(InstanceId(0), 0), 330, "due at 300: next check 330");
        assert_eq!(r.removal_time(InstanceId(0), 30), 430, "due at 330 exactly: not yet (strictly longer)");
        r.phases[InstanceId(0)] = 700;
        assert_eq!(r.removal_time(InstanceId(0), 0), 700, "the first check comes after the wait");
    }
}
