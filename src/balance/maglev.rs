//! `maglev`: Google's Maglev hashing (Eisenbud et al. 2016). A lookup table of `table_size`
//! entries (a prime, default 65537; it should be well above the number of instances) is filled
//! from each instance's permutation of the slots; a key takes the entry at its hash. The table
//! is built over the client's view, so a change of view moves few keys. Tables are cached by
//! view (every client converges to the same views).

use super::{Balancer, BalancerFactory, Pick, key_hash};
use crate::engine::random::mix64;
use crate::ids::InstanceId;
use crate::params::KeyError;
use crate::params::{DefaultValue, Param, Strategy, Type, Values};
use std::sync::Arc;

pub(super) const STRATEGY: Strategy<dyn BalancerFactory> = Strategy {
    name: "maglev",
    doc: "Maglev lookup table built over the view",
    params: &[Param {
        name: "table_size",
        ty: Type::Count { min: 3, max: 10_000_019 },
        default: DefaultValue::Fixed("65537"),
        doc: "entries of the lookup table: a prime well above the number of instances",
    }],
    derived: &[],
    build,
};

#[derive(Debug)]
struct Factory {
    table_size: u64,
}

/// The declaration checks the range; a table of prime size is what makes every permutation
/// visit every slot.
fn build(values: &mut Values) -> Result<Arc<dyn BalancerFactory>, KeyError> {
    let table_size = u64::from(values.required_u32("table_size")?);
    if !is_prime(table_size) {
        return Err(KeyError::new(
            values.key_of("table_size"),
            format!("{table_size} is not a prime between 3 and 10000019"),
        )
        .allowed("a prime well above the number of instances, e.g. 65537"));
    }
    Ok(Arc::new(Factory { table_size }))
}

fn is_prime(n: u64) -> bool {
    n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| !n.is_multiple_of(d))
}

impl BalancerFactory for Factory {
    fn build(&self, _instances: u32, _clients: u32) -> Box<dyn Balancer> {
        Box::new(Maglev { size: self.table_size, cache: Vec::new() })
    }
}

/// How many tables (views) to keep: enough for the views in transit during a change.
const CACHED_TABLES: usize = 4;

struct Maglev {
    size: u64,
    /// (fingerprint of the view, table), most recent last.
    cache: Vec<(u64, Vec<InstanceId>)>,
}

/// A table entry no instance holds yet (only while filling, or with an empty view).
const EMPTY: InstanceId = InstanceId(u32::MAX);

/// Fills the Maglev lookup table for the instances in `live`.
pub(super) fn build_table(live: &[InstanceId], size: u64) -> Vec<InstanceId> {
    let mut table = vec![EMPTY; size as usize];
    let perm: Vec<(u64, u64)> = live
        .iter()
        .map(|&InstanceId(i)| (mix64(i as u64 ^ 0x6D61) % size, mix64(i as u64 ^ 0x676C) % (size - 1) + 1))
        .collect();
    let mut next = vec![0u64; live.len()];
    let mut filled = 0;
    while filled < size && !live.is_empty() {
        for (b, &(offset, skip)) in perm.iter().enumerate() {
            let mut slot = (offset + next[b] * skip) % size;
            while table[slot as usize] != EMPTY {
                next[b] += 1;
                slot = (offset + next[b] * skip) % size;
            }
            table[slot as usize] = live[b];
            next[b] += 1;
            filled += 1;
            if filled == size {
                break;
            }
        }
    }
    table
}

impl Maglev {
    fn table(&mut self, live: &[InstanceId]) -> &[InstanceId] {
        let fingerprint = live.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &InstanceId(i)| mix64(h ^ i as u64));
        if let Some(pos) = self.cache.iter().position(|(f, _)| *f == fingerprint) {
            let hit = self.cache.remove(pos);
            self.cache.push(hit);
        } else {
            if self.cache.len() == CACHED_TABLES {
                self.cache.remove(0);
            }
            self.cache.push((fingerprint, build_table(live, self.size)));
        }
        &self.cache.last().expect("just pushed").1
    }
}

impl Balancer for Maglev {
    /// The key's entry, then the following entries (failover away from tried instances).
    fn pick(&mut self, pick: &mut Pick) -> Option<InstanceId> {
        if pick.live.is_empty() {
            return None;
        }
        let size = self.size as usize;
        let start = (key_hash(pick.key) % self.size) as usize;
        let table = self.table(pick.live);
        (0..size).map(|k| table[(start + k) % size]).find(|&i| i != EMPTY && pick.usable(i))
    }

    fn key_affine(&self) -> bool {
        true
    }

    /// Table entries per instance over the table size: exact up to the 2^-64 unevenness of
    /// hash mod size. Built apart from the cache, so routing is untouched.
    fn key_shares(&self, instances: u32) -> Option<Vec<f64>> {
        let all: Vec<InstanceId> = InstanceId::all(instances).collect();
        let mut entries = vec![0u64; instances as usize];
        for i in build_table(&all, self.size) {
            entries[i.index()] += 1;
        }
        Some(entries.into_iter().map(|e| e as f64 / self.size as f64).collect())
    }
}
