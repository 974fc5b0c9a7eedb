//! `jump`: Lamping and Veach's jump consistent hash over all instances. A key whose bucket is
//! not usable is re-hashed (a new jump with a salted key), so the keys of a missing instance
//! spread over the others and no other key moves.

use super::{Balancer, BalancerFactory, Pick, key_hash, plain};
use crate::engine::random::mix64;
use crate::ids::InstanceId;
use crate::params::KeyError;
use crate::params::{Strategy, Values};
use std::sync::Arc;

pub(super) const STRATEGY: Strategy<dyn BalancerFactory> = Strategy {
    name: "jump",
    doc: "jump consistent hash over all instances; a missing bucket re-hashes",
    params: &[],
    derived: &[],
    build,
};

fn build(_: &mut Values) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    plain(|instances, _| Box::new(Jump { instances }))
}

struct Jump {
    instances: u32,
}

/// Jump consistent hash (Lamping & Veach 2014): the bucket in [0, buckets) of `key`.
pub(super) fn jump_hash(mut key: u64, buckets: u32) -> u32 {
    let (mut b, mut j): (i64, i64) = (-1, 0);
    while j < buckets as i64 {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    b as u32
}

impl Balancer for Jump {
    fn pick(&mut self, pick: &mut Pick) -> Option<InstanceId> {
        let mut key = key_hash(pick.key);
        for _ in 0..64 {
            let bucket = InstanceId(jump_hash(key, self.instances));
            if pick.usable(bucket) {
                return Some(bucket);
            }
            key = mix64(key);
        }
        // 64 misses in a row: the view is nearly empty; take any usable instance.
        pick.live.iter().copied().find(|&i| pick.usable(i))
    }

    fn key_affine(&self) -> bool {
        true
    }

    /// Counted over `SHARE_SAMPLE` keys: jump hash is balanced in expectation (Lamping and
    /// Veach 2014), with no closed form for one hash function's exact shares.
    fn key_shares(&self, instances: u32) -> Option<Vec<f64>> {
        Some(super::sampled_shares(instances, |key| InstanceId(jump_hash(key_hash(key), instances))))
    }
}
