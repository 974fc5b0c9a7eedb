//! Balancers: how a client picks an instance for a request from its cached view.
//!
//! The world calls the `Balancer` trait and never names an implementation. One balancer
//! serves every client of a run and keeps per-client state itself (round-robin counters), so
//! large shared structures (hash rings, Maglev tables) exist once. Key-affine balancers give
//! each key a preference order over instances and fail over to the key's next choice when the
//! first is not in the client's view or was already tried for this request.
//!
//! Adding a balancer: one file under `balance/` declaring its `STRATEGY` (name, one-line doc,
//! parameters, build), its `mod` and one line in `BALANCERS` (`crate::params`).

mod bounded_load;
mod hashring;
mod jump;
mod least_outstanding;
mod maglev;
mod modulo;
mod p2c;
mod random;
mod rendezvous;
mod ring;
mod round_robin;

use crate::engine::Stream;
use crate::ids::{ClientId, InstanceId, PerInstance};
use crate::params::KeyError;
use crate::params::{Configured, Strategy};
use std::fmt::Debug;
use std::sync::Arc;

pub use hashring::key_hash;

/// What a client knows when it picks.
pub struct Pick<'a> {
    /// The client that picks.
    pub client: ClientId,
    /// The request's key (already hashed or not: balancers hash it themselves).
    pub key: u64,
    /// Instances the client believes up, in id order.
    pub live: &'a [InstanceId],
    /// The same, per instance.
    pub is_live: &'a PerInstance<bool>,
    /// This client's attempts in flight, by instance.
    pub outstanding: &'a PerInstance<u32>,
    /// Instances already tried for this request (to fail over to another).
    pub tried: &'a [InstanceId],
    /// The client's balancer stream.
    pub rng: &'a mut Stream,
}

impl Pick<'_> {
    /// Whether `instance` may be chosen: in the view and not tried yet.
    pub fn usable(&self, instance: InstanceId) -> bool {
        self.is_live[instance] && !self.tried.contains(&instance)
    }
}

/// Picks instances for every client of one run.
pub trait Balancer: Send {
    /// The chosen instance, or None if no usable instance remains.
    fn pick(&mut self, pick: &mut Pick) -> Option<InstanceId>;
    /// Whether the choice is a function of the key (for `keys_moved_fraction`).
    fn key_affine(&self) -> bool {
        false
    }
    /// Each of `instances` instances' share of the key space when every one is in the view
    /// (they sum to 1), for the load-spread metrics; None for a balancer that does not map
    /// keys to instances. Exact where the structure allows (ring arcs, Maglev table entries,
    /// modulo's residues), else counted over `SHARE_SAMPLE` keys. Draws nothing.
    fn key_shares(&self, _instances: u32) -> Option<Vec<f64>> {
        None
    }
}

/// Keys counted to estimate the shares of balancers without a closed form (jump,
/// rendezvous): keys 0, 1, … hashed as requests' keys are. A share's relative sampling error
/// is about sqrt(n / SHARE_SAMPLE) for n instances (a binomial count).
pub const SHARE_SAMPLE: u64 = 1 << 18;

/// Shares of `instances` instances estimated over the first `SHARE_SAMPLE` keys: `first`
/// maps a key to its instance with every instance in the view.
fn sampled_shares(instances: u32, first: impl Fn(u64) -> InstanceId) -> Vec<f64> {
    let mut counts = vec![0u64; instances as usize];
    for key in 0..SHARE_SAMPLE {
        counts[first(key).index()] += 1;
    }
    counts.into_iter().map(|c| c as f64 / SHARE_SAMPLE as f64).collect()
}

/// Checked parameters of a balancer; makes a fresh one for each run.
pub trait BalancerFactory: Debug + Send + Sync {
    /// A fresh balancer for `instances` instances and `clients` clients.
    fn build(&self, instances: u32, clients: u32) -> Box<dyn Balancer>;
}

/// The one place where names map to balancers: one line per balancer, each declaring its
/// parameters (`crate::params`).
pub const BALANCERS: &[Strategy<dyn BalancerFactory>] = &[
    round_robin::STRATEGY,
    random::STRATEGY,
    least_outstanding::STRATEGY,
    p2c::STRATEGY,
    modulo::STRATEGY,
    ring::STRATEGY,
    rendezvous::STRATEGY,
    jump::STRATEGY,
    maglev::STRATEGY,
    bounded_load::STRATEGY,
];

/// The balancers' names, in declaration order.
pub fn names() -> Vec<&'static str> {
    BALANCERS.iter().map(|s| s.name).collect()
}

/// Reads a `[balancer]` table at `key` (default: round-robin).
pub fn parse(table: Option<toml::Table>, key: &str) -> Result<Configured<dyn BalancerFactory>, KeyError> {
    crate::params::parse(BALANCERS, "balancer", table.unwrap_or_default(), key, Some("round-robin"))
}

/// The factory of a balancer without options: `make(instances, clients)` builds it.
#[derive(Debug)]
struct Plain(fn(u32, u32) -> Box<dyn Balancer>);

impl BalancerFactory for Plain {
    fn build(&self, instances: u32, clients: u32) -> Box<dyn Balancer> {
        (self.0)(instances, clients)
    }
}

/// The factory of a balancer that has no options.
fn plain(make: fn(u32, u32) -> Box<dyn Balancer>) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    Ok(Arc::new(Plain(make)))
}

/// A uniformly random usable instance (None if none).
fn random_usable(pick: &mut Pick) -> Option<InstanceId> {
    let n = pick.live.len() as u64;
    if n == 0 {
        return None;
    }
    // A few random tries, then a scan from a random start: exact enough and never stuck.
    for _ in 0..4 {
        let candidate = pick.live[pick.rng.below(n) as usize];
        if pick.usable(candidate) {
            return Some(candidate);
        }
    }
    let start = pick.rng.below(n) as usize;
    (0..pick.live.len()).map(|k| pick.live[(start + k) % pick.live.len()]).find(|&i| pick.usable(i))
}

#[cfg(test)]
mod tests;
