//! The Kubernetes node lifecycle's second stage: once the node controller has marked a node
//! NotReady (the registry unlisted the instance), its pods are evicted after the not-ready
//! toleration (`tolerationSeconds` 300 s, added by the DefaultTolerationSeconds admission
//! plugin), unless the node is Ready again first. The evicted pods are started elsewhere; their
//! endpoints already left at NotReady, so routing does not change and this stage only measures:
//! `pod_evictions` and `pod_eviction_time` (a crash until its pods are evicted; a false
//! suspicion that lasts the toleration evicts too, but has no crash to time from).

use crate::engine::SimTime;
use crate::ids::{InstanceId, PerInstance};
use crate::metrics::MetricValues;
use crate::metrics::sampled::Sampled;

/// The toleration, as the scenario sets it (`[registry.pod_eviction]`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PodEvictionConfig {
    /// How long an instance stays unlisted before its pods are evicted.
    pub after: SimTime,
}

/// The unlisted instances and the evictions so far.
pub struct PodEviction {
    after: SimTime,
    /// Per instance: since when it is unlisted, and its crash time if the unlisting detected one.
    unlisted: PerInstance<Option<(SimTime, Option<SimTime>)>>,
    evictions: u64,
    time: Sampled,
}

impl PodEviction {
    pub fn new(config: PodEvictionConfig, instances: u32) -> Self {
        PodEviction {
            after: config.after,
            unlisted: PerInstance::new(instances, None),
            evictions: 0,
            time: Sampled::default(),
        }
    }

    /// The registry unlisted `instance` at `now`; `crashed`: when it crashed, if it is down.
    pub fn unlisted(&mut self, instance: InstanceId, now: SimTime, crashed: Option<SimTime>) {
        self.unlisted[instance] = Some((now, crashed));
    }

    /// The registry listed `instance` again at `now`: its pods were evicted if it stayed
    /// unlisted for the toleration.
    pub fn listed(&mut self, instance: InstanceId, now: SimTime) {
        let Some((since, crashed)) = self.unlisted[instance].take() else { return };
        if now.saturating_sub(since) >= self.after {
            self.evictions += 1;
            if let Some(crashed) = crashed {
                self.time.record(since.saturating_add(self.after) - crashed);
            }
        }
    }

    /// The stage's metrics at the end of the run: instances still unlisted count up to `horizon`.
    pub fn report(&mut self, horizon: SimTime, out: &mut MetricValues) {
        for instance in InstanceId::all(self.unlisted.len() as u32) {
            self.listed(instance, horizon);
        }
        out.push("pod_evictions", self.evictions as f64);
        self.time.report("pod_eviction_time", out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_are_evicted_only_after_the_toleration() {
        let mut p = PodEviction::new(PodEvictionConfig { after: 300 }, 3);
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
}
