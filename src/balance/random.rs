//! `random`: a uniformly random instance of the view.

use super::{Balancer, BalancerFactory, Pick, plain, random_usable};
use crate::ids::InstanceId;
use crate::params::KeyError;
use crate::params::{Strategy, Values};
use std::sync::Arc;

pub(super) const STRATEGY: Strategy<dyn BalancerFactory> =
    Strategy { name: "random", doc: "uniformly at random", params: &[], derived: &[], build };

fn build(_: &mut Values) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    plain(|_, _| Box::new(Random))
}

struct Random;

impl Balancer for Random {
    fn pick(&mut self, pick: &mut Pick) -> Option<InstanceId> {
        random_usable(pick)
    }
}
