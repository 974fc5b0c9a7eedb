//! The contention workload against its closed forms.

use super::*;
use crate::dist::Dist;
use crate::recovery::{Backoff, Jitter};

const MS: SimTime = 1_000_000;

fn retry(backoff: Backoff, base: SimTime, jitter: Jitter) -> Retry {
    Retry { max_attempts: 1000, backoff, base, cap: 2000 * MS, jitter, budget: None, budget_floor: 0.0 }
}

/// Runs `clients` clients to the end; returns (calls, completion time in ns, unfinished).
fn run(clients: u32, delay: Dist, retry: Retry, seed: u64) -> (f64, f64, f64) {
    let network = NetworkModel { delay, loss: 0.0 };
    let mut c = Contention::new(&Config { clients, retry }, &network, &RandomStreams::new(seed));
    let mut queue: EventQueue<ContentionEvent> = EventQueue::new();
    c.start(&mut queue);
    while let Some(event) = queue.pop_before(SimTime::MAX) {
        c.on_event(event, &mut queue);
    }
    let mut out = MetricValues::default();
    c.report(SimTime::MAX, &mut out);
    (out.entries[0].1, out.entries[1].1 * 1e9, out.entries[2].1)
}

/// Lockstep (constant delay d, no jitter): every round all remaining clients read the same
/// version and exactly one write wins, so calls = N + (N−1) + … + 1 = N(N+1)/2, and the last
/// client's reply comes at 4dN + Σ_{k=1}^{N−1} min(cap, base·2^(k−1)) (a round is four
/// messages; the k-th conflict adds backoff k).
#[test]
fn lockstep_calls_and_completion_time_are_exact() {
    let d = 10 * MS;
    for n in [1u32, 2, 9, 10, 25] {
        let (calls, time, unfinished) =
            run(n, Dist::Constant { value: d }, retry(Backoff::Exponential, 10 * MS, Jitter::None), 1);
        assert_eq!(calls, f64::from(n * (n + 1) / 2));
        let waits: SimTime = (1..n).map(|k| ((10 * MS) << (k - 1).min(20)).min(2000 * MS)).sum();
        assert_eq!(time, (4 * d * SimTime::from(n) + waits) as f64, "{n} clients");
        assert_eq!(unfinished, 0.0);
    }
}

/// `max_attempts` bounds the writes of a client: with one each, lockstep clients all write
/// once, one wins, the others give up.
#[test]
fn clients_give_up_after_max_attempts() {
    let mut one = retry(Backoff::Fixed, 0, Jitter::None);
    one.max_attempts = 1;
    let (calls, time, unfinished) = run(5, Dist::Constant { value: MS }, one, 1);
    assert_eq!((calls, time, unfinished), (5.0, (4 * MS) as f64, 4.0));
}

/// Jitter spreads the clients: full jitter needs fewer calls than none (Brooker's figure).
#[test]
fn full_jitter_needs_fewer_calls_than_no_jitter() {
    let normal = || Dist::Normal { mean: 10 * MS, sd: 2 * MS };
    let (none, _, _) = run(50, normal(), retry(Backoff::Exponential, 10 * MS, Jitter::None), 3);
    let (full, _, _) = run(50, normal(), retry(Backoff::Exponential, 10 * MS, Jitter::Full), 3);
    assert!(full < 0.8 * none, "full {full}, none {none}");
}
