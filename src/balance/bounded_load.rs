//! `bounded-load`: consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam
//! 2018). Walk the key's ring order and take the first usable instance whose load (this
//! client's attempts in flight) is below c × the average load, rounded up.

use super::hashring::HashRing;
use super::{Balancer, BalancerFactory, Pick};
use crate::ids::InstanceId;
use crate::params::KeyError;
use crate::params::{DefaultValue, Param, Strategy, Type, Values};
use std::sync::Arc;

pub(super) const STRATEGY: Strategy<dyn BalancerFactory> = Strategy {
    name: "bounded-load",
    doc: "ring order, skipping instances above c × the mean load",
    params: &[
        Param {
            name: "c",
            // Below 1, no instance could take the average load.
            ty: Type::Number { min: 1.0, open_min: false, max: f64::INFINITY },
            default: DefaultValue::Fixed("1.25"),
            doc: "load bound, a multiple of the average load",
        },
        super::ring::VNODES,
    ],
    derived: &[],
    build,
};

#[derive(Debug)]
struct Factory {
    c: f64,
    vnodes: u32,
}

fn build(values: &mut Values) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    Ok(Arc::new(Factory { c: values.required_number("c")?, vnodes: values.required_u32("vnodes")? }))
}

impl BalancerFactory for Factory {
    fn build(&self, instances: u32, _clients: u32) -> Box<dyn Balancer> {
        Box::new(BoundedLoad { ring: HashRing::new(instances, self.vnodes), c: self.c })
    }
}

struct BoundedLoad {
    ring: HashRing,
    c: f64,
}

impl Balancer for BoundedLoad {
    fn pick(&mut self, pick: &mut Pick) -> Option<InstanceId> {
        if pick.live.is_empty() {
            return None;
        }
        let total: u64 = pick.live.iter().map(|&i| pick.outstanding[i] as u64).sum();
        let capacity = (self.c * (total + 1) as f64 / pick.live.len() as f64).ceil() as u32;
        let mut first_usable = None;
        for i in self.ring.walk(pick.key) {
            if pick.usable(i) {
                if pick.outstanding[i] < capacity {
                    return Some(i);
                }
                first_usable.get_or_insert(i);
            }
        }
        first_usable
    }

    fn key_affine(&self) -> bool {
        true
    }

    /// The ring's shares: where keys would go before the load bound moves any.
    fn key_shares(&self, instances: u32) -> Option<Vec<f64>> {
        Some(self.ring.shares(instances))
    }
}
