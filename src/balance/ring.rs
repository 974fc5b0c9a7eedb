//! `ring`: consistent hashing with `vnodes` virtual nodes per instance (default 100). A key
//! goes to the first usable instance clockwise from its hash.

use super::hashring::HashRing;
use super::{Balancer, BalancerFactory, Pick};
use crate::ids::InstanceId;
use crate::params::KeyError;
use crate::params::{DefaultValue, Param, Strategy, Type, Values};
use std::sync::Arc;

/// The virtual nodes of an instance on a hash ring (shared with `bounded-load`).
pub(super) const VNODES: Param = Param {
    name: "vnodes",
    ty: Type::Count { min: 1, max: 10_000 },
    default: DefaultValue::Fixed("100"),
    doc: "virtual nodes per instance on the ring",
};

pub(super) const STRATEGY: Strategy<dyn BalancerFactory> = Strategy {
    name: "ring",
    doc: "consistent hashing: first instance clockwise from hash(key)",
    params: &[VNODES],
    derived: &[],
    build,
};

#[derive(Debug)]
struct Factory {
    vnodes: u32,
}

fn build(values: &mut Values) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    Ok(Arc::new(Factory { vnodes: values.required_u32("vnodes")? }))
}

impl BalancerFactory for Factory {
    fn build(&self, instances: u32, _clients: u32) -> Box<dyn Balancer> {
        Box::new(Ring { ring: HashRing::new(instances, self.vnodes) })
    }
}

struct Ring {
    ring: HashRing,
}

impl Balancer for Ring {
    fn pick(&mut self, pick: &mut Pick) -> Option<InstanceId> {
        self.ring.walk(pick.key).find(|&i| pick.usable(i))
    }

    fn key_affine(&self) -> bool {
        true
    }

    fn key_shares(&self, instances: u32) -> Option<Vec<f64>> {
        Some(self.ring.shares(instances))
    }
}
