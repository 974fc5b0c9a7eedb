//! `ring`: consistent hashing with `vnodes` virtual nodes per instance (default 100). A key
//! goes to the first usable instance clockwise from its hash.

use super::hashring::HashRing;
use super::{Balancer, BalancerFactory, Pick, params};
use crate::scenario::KeyError;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    vnodes: Option<u32>,
}

#[derive(Debug)]
struct Factory {
    vnodes: u32,
}

pub fn parse(value: toml::Value, key: &str) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    let raw: Params = params(value, key)?;
    Ok(Arc::new(Factory { vnodes: vnodes(raw.vnodes, key)? }))
}

/// Checks a `vnodes` option (shared with `bounded-load`).
pub fn vnodes(given: Option<u32>, key: &str) -> Result<u32, KeyError> {
    match given.unwrap_or(100) {
        v @ 1..=10_000 => Ok(v),
        v => Err(KeyError::new(format!("{key}.vnodes"), format!("{v} is out of range")).allowed("1 to 10000")),
    }
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
    fn pick(&mut self, pick: &mut Pick) -> Option<u32> {
        self.ring.walk(pick.key).find(|&i| pick.usable(i))
    }

    fn key_affine(&self) -> bool {
        true
    }
}
