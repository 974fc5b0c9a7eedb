//! The instances' true state: up or down, and an epoch that changes at every transition so
//! that events belonging to an earlier up or down period can tell they are stale.

pub struct Instances {
    up: Vec<bool>,
    epoch: Vec<u32>,
    /// When the current up period's scheduled failure comes (MAX: none is scheduled).
    up_until: Vec<u64>,
}

impl Instances {
    /// All instances start up, in epoch 0.
    pub fn new(count: u32) -> Self {
        Instances {
            up: vec![true; count as usize],
            epoch: vec![0; count as usize],
            up_until: vec![u64::MAX; count as usize],
        }
    }

    pub fn count(&self) -> u32 {
        self.up.len() as u32
    }

    pub fn is_up(&self, instance: u32) -> bool {
        self.up[instance as usize]
    }

    pub fn epoch(&self, instance: u32) -> u32 {
        self.epoch[instance as usize]
    }

    pub fn up_until(&self, instance: u32) -> u64 {
        self.up_until[instance as usize]
    }

    pub fn set_up_until(&mut self, instance: u32, at: u64) {
        self.up_until[instance as usize] = at;
    }

    pub fn all_up(&self) -> &[bool] {
        &self.up
    }

    /// Flips the instance to `up`; returns false (and changes nothing) if it already was.
    pub fn set(&mut self, instance: u32, up: bool) -> bool {
        let i = instance as usize;
        if self.up[i] == up {
            return false;
        }
        self.up[i] = up;
        self.epoch[i] = self.epoch[i].wrapping_add(1);
        true
    }
}
