//! Periodic registry sweeps: the registry acts on a detector's verdict "down" only when a sweep
//! runs, as Eureka's eviction task (every 60 s, at most a fraction of the registry per run),
//! ZooKeeper's session expiry (deadlines rounded up to tick boundaries), etcd's lessor (every
//! 500 ms) and Kubernetes' node monitor (every 5 s) do.
//!
//! A detector's mark-down puts the instance in the sweep's pending set; a mark-up (a renewal
//! before the sweep) takes it out. At each sweep the pending instances are evicted — all of
//! them, or under a cap `size − ⌊size × keep_fraction⌋` of the `size` registered instances
//! (Eureka's `AbstractInstanceRegistry.evict`), chosen at random by a partial Knuth shuffle as
//! Eureka does. Sweeps run every `interval` from a phase drawn once per run (or given).

use crate::engine::{SimTime, Stream};
use crate::ids::{InstanceId, PerInstance};

/// A registry's sweep, as the scenario sets it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvictionConfig {
    /// Time between sweeps.
    pub interval: SimTime,
    /// Time of the first sweep; `None`: uniform on [0, interval), drawn once per run.
    pub phase: Option<SimTime>,
    /// The fraction of registered instances a sweep must leave registered (Eureka's
    /// `renewalPercentThreshold`, 0.85); `None`: no cap.
    pub keep_fraction: Option<f64>,
}

/// The instances found down and not yet evicted.
#[derive(Clone, Debug)]
pub struct Eviction {
    config: EvictionConfig,
    /// Pending instances, unordered (sorted at each sweep, so that the choice under a cap does
    /// not depend on the order in which they expired).
    pending: Vec<InstanceId>,
    is_pending: PerInstance<bool>,
    /// The phase draw and the choice under a cap.
    rng: Stream,
}

impl Eviction {
    pub fn new(config: EvictionConfig, instances: u32, rng: Stream) -> Self {
        Eviction { config, pending: Vec::new(), is_pending: PerInstance::new(instances, false), rng }
    }

    pub fn interval(&self) -> SimTime {
        self.config.interval
    }

    /// When the first sweep runs.
    pub fn first_at(&mut self) -> SimTime {
        match self.config.phase {
            Some(phase) => phase,
            None => self.rng.below(self.config.interval),
        }
    }

    /// How many instances wait for a sweep.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// The detector found the instance down: it waits for the next sweep.
    pub fn expire(&mut self, instance: InstanceId) {
        let flag = &mut self.is_pending[instance];
        if !*flag {
            *flag = true;
            self.pending.push(instance);
        }
    }

    /// The registry changed the instance's view itself (renewal, leave, join): nothing waits.
    pub fn cancel(&mut self, instance: InstanceId) {
        let flag = &mut self.is_pending[instance];
        if *flag {
            *flag = false;
            self.pending.retain(|&i| i != instance);
        }
    }

    /// Chooses the instances this sweep evicts among the pending ones and puts them first in
    /// `pending`; returns how many. `registered` is the number of instances the registry lists.
    pub fn choose(&mut self, registered: u32) -> usize {
        self.pending.sort_unstable();
        let limit = match self.config.keep_fraction {
            None => self.pending.len(),
            Some(keep) => (registered - (registered as f64 * keep) as u32) as usize,
        };
        let count = limit.min(self.pending.len());
        if count < self.pending.len() {
            for i in 0..count {
                let next = i + self.rng.below((self.pending.len() - i) as u64) as usize;
                self.pending.swap(i, next);
            }
        }
        count
    }

    /// The `index`-th instance chosen by `choose`.
    pub fn chosen(&self, index: usize) -> InstanceId {
        self.pending[index]
    }

    /// Removes the `count` chosen instances from the pending set.
    pub fn evicted(&mut self, count: usize) {
        for &i in &self.pending[..count] {
            self.is_pending[i] = false;
        }
        self.pending.drain(..count);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;

    fn eviction(keep_fraction: Option<f64>, instances: u32) -> Eviction {
        let config = EvictionConfig { interval: 60, phase: None, keep_fraction };
        Eviction::new(config, instances, RandomStreams::new(7).stream(11u64, 0))
    }

    /// Eureka's `evict`: `registrySize − (int)(registrySize × 0.85)` per run — 15 of 100, then
    /// 13 of the 85 left, then 11 of 72 — each chosen among the expired.
    #[test]
    fn a_capped_sweep_evicts_size_minus_floor_of_size_times_keep() {
        let mut e = eviction(Some(0.85), 100);
        (0..30).map(InstanceId).for_each(|i| e.expire(i));
        let mut registered = 100;
        for expected in [15, 13, 2] {
            let count = e.choose(registered);
            assert_eq!(count, expected);
            assert!((0..count).all(|k| e.chosen(k).0 < 30), "only expired instances are evicted");
            e.evicted(count);
            registered -= count as u32;
        }
        assert_eq!(e.choose(registered), 0);
    }

    /// Without a cap every pending instance goes, in instance order, whatever order they
    /// expired in; a renewal before the sweep takes an instance out.
    #[test]
    fn an_uncapped_sweep_evicts_every_pending_instance_but_the_renewed() {
        let mut e = eviction(None, 10);
        for i in [7, 2, 9, 2, 4] {
            e.expire(InstanceId(i));
        }
        e.cancel(InstanceId(9));
        let count = e.choose(10);
        let chosen: Vec<u32> = (0..count).map(|k| e.chosen(k).0).collect();
        assert_eq!(chosen, vec![2, 4, 7]);
        e.evicted(count);
        assert_eq!(e.choose(7), 0);
    }

    /// The choice under a cap is uniform: over many draws each of 4 pending instances is
    /// evicted first with probability 1/4 (binomial, 3-sigma band).
    #[test]
    fn the_choice_under_a_cap_is_uniform() {
        let mut e = eviction(Some(0.9), 10);
        let mut first = [0u32; 4];
        let rounds = 4000;
        for _ in 0..rounds {
            (0..4).map(InstanceId).for_each(|i| e.expire(i));
            assert_eq!(e.choose(10), 1);
            first[e.chosen(0).index()] += 1;
            e.evicted(1);
            (0..4).map(InstanceId).for_each(|i| e.cancel(i));
        }
        let (mean, sd) = (rounds as f64 / 4.0, (rounds as f64 * 0.25 * 0.75).sqrt());
        assert!(first.iter().all(|&n| (n as f64 - mean).abs() < 3.0 * sd), "{first:?}");
    }
}
