//! `p2c`: the power of two choices — two random instances, the one with fewer of this
//! client's attempts in flight.

use super::{Balancer, BalancerFactory, Pick, plain, random_usable};
use crate::ids::InstanceId;
use crate::params::KeyError;
use crate::params::{Strategy, Values};
use std::sync::Arc;

pub(super) const STRATEGY: Strategy<dyn BalancerFactory> =
    Strategy { name: "p2c", doc: "the less loaded of two random instances", params: &[], derived: &[], build };

fn build(_: &mut Values) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    plain(|_, _| Box::new(PowerOfTwo))
}

struct PowerOfTwo;

impl Balancer for PowerOfTwo {
    fn pick(&mut self, pick: &mut Pick) -> Option<InstanceId> {
        let first = random_usable(pick)?;
        let second = random_usable(pick).unwrap_or(first);
        let load = |i: InstanceId| pick.outstanding[i];
        Some(if load(second) < load(first) { second } else { first })
    }
}
