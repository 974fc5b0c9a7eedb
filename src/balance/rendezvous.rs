//! `rendezvous`: highest random weight — each key ranks every instance by hash(key, instance)
//! and takes the best usable one.

use super::{Balancer, BalancerFactory, Pick, key_hash, plain};
use crate::engine::random::mix64;
use crate::ids::InstanceId;
use crate::params::KeyError;
use crate::params::{Strategy, Values};
use std::sync::Arc;

pub(super) const STRATEGY: Strategy<dyn BalancerFactory> =
    Strategy { name: "rendezvous", doc: "highest hash(key, instance)", params: &[], derived: &[], build };

fn build(_: &mut Values) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    plain(|_, _| Box::new(Rendezvous))
}

struct Rendezvous;

impl Balancer for Rendezvous {
    fn pick(&mut self, pick: &mut Pick) -> Option<InstanceId> {
        let h = key_hash(pick.key);
        pick.live.iter().copied().filter(|&i| pick.usable(i)).max_by_key(|&i| weight(h, i))
    }

    fn key_affine(&self) -> bool {
        true
    }

    /// Counted over `SHARE_SAMPLE` keys (each instance wins a key with probability 1/n).
    fn key_shares(&self, instances: u32) -> Option<Vec<f64>> {
        Some(super::sampled_shares(instances, |key| {
            let h = key_hash(key);
            InstanceId::all(instances).max_by_key(|&i| weight(h, i)).unwrap_or(InstanceId(0))
        }))
    }
}

/// The weight of `instance` for the key hashed to `h`.
fn weight(h: u64, instance: InstanceId) -> u64 {
    mix64(h ^ mix64(instance.0 as u64 + 1))
}
