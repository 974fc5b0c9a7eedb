//! The instances' true state: up or down, and an epoch that changes at every transition so
//! that events belonging to an earlier up or down period can tell they are stale.

use crate::ids::{InstanceId, PerInstance};

/// One instance's state, packed so that a crash, a repair or a detector's look at the truth
/// reads one cache line (at 10⁶ instances, separate arrays cost a miss each).
#[derive(Clone, Copy)]
#[repr(align(16))]
struct State {
    /// When the current up period's scheduled failure comes (MAX: none is scheduled).
    up_until: u64,
    epoch: u32,
    up: bool,
}

pub struct Instances {
    states: PerInstance<State>,
}

impl Instances {
    /// All instances start up, in epoch 0.
    pub fn new(count: u32) -> Self {
        Instances { states: PerInstance::new(count, State { up_until: u64::MAX, epoch: 0, up: true }) }
    }

    pub fn count(&self) -> u32 {
        self.states.len() as u32
    }

    /// Every instance, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = InstanceId> + ExactSizeIterator {
        InstanceId::all(self.count())
    }

    /// Starts loading the instance's state into the cache (`ids::Per::prefetch`).
    pub fn prefetch(&self, instance: InstanceId) {
        self.states.prefetch(instance);
    }

    pub fn is_up(&self, instance: InstanceId) -> bool {
        self.states[instance].up
    }

    pub fn epoch(&self, instance: InstanceId) -> u32 {
        self.states[instance].epoch
    }

    pub fn up_until(&self, instance: InstanceId) -> u64 {
        self.states[instance].up_until
    }

    pub fn set_up_until(&mut self, instance: InstanceId, at: u64) {
        self.states[instance].up_until = at;
    }

    /// Every instance's truth, in order.
    pub fn all_up(&self) -> Vec<bool> {
        self.states.as_slice().iter().map(|state| state.up).collect()
    }

    /// Flips the instance to `up`; returns false (and changes nothing) if it already was.
    pub fn set(&mut self, instance: InstanceId, up: bool) -> bool {
        let state = &mut self.states[instance];
        if state.up == up {
            return false;
        }
        state.up = up;
        state.epoch = state.epoch.wrapping_add(1);
        true
    }
}
