//! `bounded-load`: consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam
//! 2018). Walk the key's ring order and take the first usable instance whose load (this
//! client's attempts in flight) is below c × the average load, rounded up.

use super::hashring::HashRing;
use super::{Balancer, BalancerFactory, Pick, params};
use crate::scenario::KeyError;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    c: Option<f64>,
    vnodes: Option<u32>,
}

#[derive(Debug)]
struct Factory {
    c: f64,
    vnodes: u32,
}

pub fn parse(value: toml::Value, key: &str) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    let raw: Params = params(value, key)?;
    let c = raw.c.unwrap_or(1.25);
    if !(c >= 1.0 && c.is_finite()) {
        return Err(KeyError::new(
            format!("{key}.c"),
            format!("{c} is below 1: no instance could take the average load"),
        )
        .allowed("a number of at least 1, e.g. 1.25"));
    }
    Ok(Arc::new(Factory { c, vnodes: super::ring::vnodes(raw.vnodes, key)? }))
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
    fn pick(&mut self, pick: &mut Pick) -> Option<u32> {
        if pick.live.is_empty() {
            return None;
        }
        let total: u64 = pick.live.iter().map(|&i| pick.outstanding[i as usize] as u64).sum();
        let capacity = (self.c * (total + 1) as f64 / pick.live.len() as f64).ceil() as u32;
        let mut first_usable = None;
        for i in self.ring.walk(pick.key) {
            if pick.usable(i) {
                if pick.outstanding[i as usize] < capacity {
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
}
