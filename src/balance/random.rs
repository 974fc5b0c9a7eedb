//! `random`: a uniformly random instance of the view.

use super::{Balancer, BalancerFactory, Pick, plain, random_usable};
use crate::scenario::KeyError;
use std::sync::Arc;

pub fn parse(value: toml::Value, key: &str) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    plain(value, key, |_, _| Box::new(Random))
}

struct Random;

impl Balancer for Random {
    fn pick(&mut self, pick: &mut Pick) -> Option<u32> {
        random_usable(pick)
    }
}
