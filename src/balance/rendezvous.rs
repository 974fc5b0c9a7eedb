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
        pick.live.iter().copied().filter(|&i| pick.usable(i)).max_by_key(|&i| mix64(h ^ mix64(i.0 as u64 + 1)))
    }

    fn key_affine(&self) -> bool {
        true
    }
}
