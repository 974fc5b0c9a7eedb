//! The instances' true state: up or down, and an epoch that changes at every transition so
//! that events belonging to an earlier up or down period can tell they are stale.

use crate::ids::{InstanceId, PerInstance};

pub struct Instances {
    up: PerInstance<bool>,
    epoch: PerInstance<u32>,
    /// When the current up period's scheduled failure comes (MAX: none is scheduled).
    up_until: PerInstance<u64>,
}

impl Instances {
    /// All instances start up, in epoch 0.
    pub fn new(count: u32) -> Self {
        Instances {
            up: PerInstance::new(count, true),
            epoch: PerInstance::new(count, 0),
            up_until: PerInstance::new(count, u64::MAX),
        }
    }

    pub fn count(&self) -> u32 {
        self.up.len() as u32
    }

    /// Every instance, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = InstanceId> + ExactSizeIterator {
        InstanceId::all(self.count())
    }

    pub fn is_up(&self, instance: InstanceId) -> bool {
        self.up[instance]
    }

    pub fn epoch(&self, instance: InstanceId) -> u32 {
        self.epoch[instance]
    }

    pub fn up_until(&self, instance: InstanceId) -> u64 {
        self.up_until[instance]
    }

    pub fn set_up_until(&mut self, instance: InstanceId, at: u64) {
        self.up_until[instance] = at;
    }

    pub fn all_up(&self) -> &[bool] {
        self.up.as_slice()
    }

    /// Flips the instance to `up`; returns false (and changes nothing) if it already was.
    pub fn set(&mut self, instance: InstanceId, up: bool) -> bool {
        if self.up[instance] == up {
            return false;
        }
        self.up[instance] = up;
        self.epoch[instance] = self.epoch[instance].wrapping_add(1);
        true
    }
}
