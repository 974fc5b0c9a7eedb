//! `random`: a uniformly random instance of the view.

use super::{Balancer, BalancerFactory, NoParams, Pick, params, random_usable};
use crate::scenario::KeyError;
use std::sync::Arc;

#[derive(Debug)]
struct Factory;

pub fn parse(value: toml::Value, key: &str) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    let _: NoParams = params(value, key)?;
    Ok(Arc::new(Factory))
}

impl BalancerFactory for Factory {
    fn build(&self, _instances: u32, _clients: u32) -> Box<dyn Balancer> {
        Box::new(Random)
    }
}

struct Random;

impl Balancer for Random {
    fn pick(&mut self, pick: &mut Pick) -> Option<u32> {
        random_usable(pick)
    }
}
