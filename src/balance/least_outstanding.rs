//! `least-outstanding`: the instance with the fewest of this client's attempts in flight
//! (ties broken at random).

use super::{Balancer, BalancerFactory, Pick, plain};
use crate::ids::InstanceId;
use crate::params::KeyError;
use crate::params::{Strategy, Values};
use std::sync::Arc;

pub(super) const STRATEGY: Strategy<dyn BalancerFactory> = Strategy {
    name: "least-outstanding",
    doc: "fewest of this client's attempts in flight (random tie-break)",
    params: &[],
    derived: &[],
    build,
};

fn build(_: &mut Values) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    plain(|_, _| Box::new(LeastOutstanding))
}

struct LeastOutstanding;

impl Balancer for LeastOutstanding {
    fn pick(&mut self, pick: &mut Pick) -> Option<InstanceId> {
        let n = pick.live.len();
        if n == 0 {
            return None;
        }
        // Scanning from a random start makes the first minimum found a random one among ties.
        let start = pick.rng.below(n as u64) as usize;
        (0..n).map(|k| pick.live[(start + k) % n]).filter(|&i| pick.usable(i)).min_by_key(|&i| pick.outstanding[i])
    }
}
