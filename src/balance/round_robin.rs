//! `round-robin`: each client cycles through the instances of its view.

use super::{Balancer, BalancerFactory, Pick, plain};
use crate::ids::InstanceId;
use crate::params::KeyError;
use crate::params::{Strategy, Values};
use std::sync::Arc;

pub(super) const STRATEGY: Strategy<dyn BalancerFactory> =
    Strategy { name: "round-robin", doc: "each client cycles through its view", params: &[], derived: &[], build };

fn build(_: &mut Values) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    plain(|_, clients| Box::new(RoundRobin { next: vec![0; clients as usize] }))
}

struct RoundRobin {
    next: Vec<usize>,
}

impl Balancer for RoundRobin {
    fn pick(&mut self, pick: &mut Pick) -> Option<InstanceId> {
        let n = pick.live.len();
        let next = &mut self.next[pick.client.index()];
        for _ in 0..n {
            let candidate = pick.live[*next % n];
            *next = next.wrapping_add(1);
            if pick.usable(candidate) {
                return Some(candidate);
            }
        }
        None
    }
}
