//! `modulo`: the naive key-affine baseline — hash(key) mod (number of instances in the view).
//! Any change of the view remaps almost every key.

use super::{Balancer, BalancerFactory, Pick, key_hash, plain};
use crate::ids::InstanceId;
use crate::params::KeyError;
use crate::params::{Strategy, Values};
use std::sync::Arc;

pub(super) const STRATEGY: Strategy<dyn BalancerFactory> = Strategy {
    name: "modulo",
    doc: "hash(key) mod (instances in view): the naive key-affine baseline",
    params: &[],
    derived: &[],
    build,
};

fn build(_: &mut Values) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    plain(|_, _| Box::new(Modulo))
}

struct Modulo;

impl Balancer for Modulo {
    /// The key's slot in the view, then the following slots (failover).
    fn pick(&mut self, pick: &mut Pick) -> Option<InstanceId> {
        let n = pick.live.len();
        if n == 0 {
            return None;
        }
        let first = (key_hash(pick.key) % n as u64) as usize;
        (0..n).map(|k| pick.live[(first + k) % n]).find(|&i| pick.usable(i))
    }

    fn key_affine(&self) -> bool {
        true
    }

    /// Exact: of the 2^64 hashes, those ≡ i mod n go to instance i, so the first
    /// 2^64 mod n instances get one hash more than the others.
    fn key_shares(&self, instances: u32) -> Option<Vec<f64>> {
        let (space, n) = (1u128 << 64, instances as u128);
        let (each, extra) = (space / n, space % n);
        let share = |i: u128| (each + u128::from(i < extra)) as f64 / space as f64;
        Some((0..n).map(share).collect())
    }
}
