//! A call chain's share of the estimate (`[[tier]]`): the attempts each tier receives per
//! request, from the bottom up with the closed form of `tests/chains.rs` (a call into a tier
//! whose attempts fail with p makes (1 − p^a)/(1 − p) attempts, at most 1 + budget), and the
//! clients' extra retries when the chain fails them.

use crate::model::{Clients, Tier};

/// Queue events of one attempt below the cluster: arrival, end of service, answer, retry or
/// timeout.
const EVENTS_PER_ATTEMPT: f64 = 4.0;

/// Extra queue events of a run with `requests` requests whose clients allow `allowed` attempts.
pub(super) fn events(clients: &Clients, requests: f64, allowed: f64) -> f64 {
    if clients.tiers.is_empty() {
        return 0.0;
    }
    // Per tier from the bottom: attempts per call and the probability that a call fails.
    let mut below_fails = 0.0;
    let mut per_call = Vec::new();
    for tier in clients.tiers.iter().rev() {
        let p = 1.0 - (1.0 - failure(tier)) * (1.0 - below_fails);
        let attempts = geometric(f64::from(tier.attempts), p, tier.budget);
        below_fails = p.powf(attempts);
        per_call.push(attempts);
    }
    let client = geometric(allowed, below_fails, None);
    let mut calls = requests * client;
    let mut total = requests * (client - 1.0) * EVENTS_PER_ATTEMPT;
    for attempts in per_call.iter().rev() {
        calls *= attempts;
        total += calls * EVENTS_PER_ATTEMPT;
    }
    total
}

/// A tier's chance to fail an attempt on its own: `failure`, or its outage's refusals.
fn failure(tier: &Tier) -> f64 {
    tier.outage.map_or(tier.failure, |o| tier.failure.max(o.failure))
}

/// Expected attempts of a geometric retry sequence cut at `most`, and at 1 + `budget`.
fn geometric(most: f64, p: f64, budget: Option<f64>) -> f64 {
    let attempts = if p >= 1.0 { most } else { (1.0 - p.powf(most)) / (1.0 - p) };
    budget.map_or(attempts, |b| attempts.min(1.0 + b))
}
