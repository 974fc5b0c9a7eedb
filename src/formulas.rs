//! `discosim formulas`: the source document's seven formulas, the assumptions under which the
//! shipped scenarios test each one, and the verdict; the XOR "identity" of consistent hashing
//! is checked live on the hash functions discosim uses.

use crate::balance::key_hash;
use crate::engine::random::mix64;
use crate::expect::variables::aliases;
use std::fmt::Write;

/// One formula of the source document.
pub(crate) struct Formula {
    pub claim: &'static str,
    pub scenario: &'static str,
    pub assumptions: &'static str,
    pub verdict: &'static str,
    pub corrected: &'static str,
}

pub(crate) const FORMULAS: &[Formula] = &[
    Formula {
        claim: "heartbeat every T -> detection time 2T",
        scenario: "scenarios/heartbeat.toml",
        assumptions: "push heartbeats every T from a random phase; down after 2T without an arrival; delay d, loss q",
        verdict: "wrong as the detection time (the mean is 25 % lower); an upper bound only up to the last heartbeat's delay (holds for the p90, not the max)",
        corrected: "mean = 2T - E[V mod T] + E[d] - T*q/(1+q), V ~ Exp(MTTF), E[V mod T] ~ T/2 - T^2/(12 MTTF); each detection in (T, 2T] + d (less T after a lost last heartbeat)",
    },
    Formula {
        claim: "timer check every T -> detection time T",
        scenario: "scenarios/timer.toml",
        assumptions: "registry probes every T (random phase), probe timeout tau, one failure marks down; delay d",
        verdict: "neither the mean nor a bound: detection waits for the next probe and then for its timeout",
        corrected: "mean = T/2 + tau - E[d]; max <= T + tau",
    },
    Formula {
        claim: "observer, state-change probability p -> 1/p",
        scenario: "scenarios/observer.toml",
        assumptions: "each tick (length tau) the registry notices a pending change with probability p",
        verdict: "right in ticks, not in seconds: 1/p is the mean number of ticks; tau/p seconds is an upper bound of the mean",
        corrected: "mean = tau/p - tau/2 seconds",
    },
    Formula {
        claim: "event, state-change probability p -> 1/p",
        scenario: "scenarios/event.toml",
        assumptions: "a crash notification over the network (lost with probability q); else a session timeout S kept by pings every P",
        verdict: "wrong form: no 1/p anywhere; a mixture of the network delay and the session timeout, linear in the loss",
        corrected: "mean = (1-q)E[d] + q(S + E[d] - P/2 - P*q/(1-q))",
    },
    Formula {
        claim: "retry n times at interval T -> nT",
        scenario: "scenarios/retry.toml",
        assumptions: "every attempt fails by timing out after tau; n retries with a fixed wait T",
        verdict: "counts only the waits: a lower bound, exact only for instant failures",
        corrected: "retry time = nT + (n+1)tau exactly",
    },
    Formula {
        claim: "timestamp, failure probability p, validity T -> pT",
        scenario: "scenarios/timestamp.toml",
        assumptions: "a request deadline T; attempts fail independently with probability p (lost request or response), cost tau + backoff b each",
        verdict: "an upper bound that overstates ~10x here; exact only if a failure persists for the whole validity",
        corrected: "mean retry time per request = (tau + b)p/(1-p) + p*RTT",
    },
    Formula {
        claim: "consistent hashing: h(x xor y) = h(x) xor h(y)",
        scenario: "scenarios/hashing.toml",
        assumptions: "the hashes discosim uses (key hash, virtual-node positions); one of n instances leaves",
        verdict: "false for any good hash (see the counterexamples below); what consistent hashing guarantees is that ~1/n of keys move",
        corrected: "keys moved on one removal ~ 1/n (ring, rendezvous, jump, maglev) vs (n-1)/n for hash mod n",
    },
];

/// The catalog as text, with the live XOR check.
pub(crate) fn catalog() -> String {
    let mut out =
        String::from("The source document's formulas, as discosim tests them (`discosim check scenarios/`).\n");
    for (i, f) in FORMULAS.iter().enumerate() {
        let _ = writeln!(
            out,
            "\n{}. {}\n   tested by:   {}\n   assumptions: {}\n   verdict:     {}\n   corrected:   {}",
            i + 1,
            f.claim,
            f.scenario,
            f.assumptions,
            f.verdict,
            f.corrected
        );
    }
    out.push_str("\nThe XOR identity on discosim's hashes:\n");
    for (name, h) in [("key hash", key_hash as fn(u64) -> u64), ("mix64 (vnode positions, rendezvous scores)", mix64)] {
        let (x, y) = (1u64, 2u64);
        let pairs = 100_000u64;
        let holding = (0..pairs).filter(|&k| xor_identity_holds(h, mix64(k), mix64(k + pairs))).count();
        let _ = writeln!(
            out,
            "  {name}: h(1 ^ 2) = {:#018x}, h(1) ^ h(2) = {:#018x}; the identity held for {holding} of {pairs} random pairs",
            h(x ^ y),
            h(x) ^ h(y)
        );
    }
    out.push_str("\nFormula variables: any scenario key by its dotted name (durations in seconds), and:\n");
    for (names, meaning) in aliases() {
        let _ = writeln!(out, "  {names}: {meaning}");
    }
    out
}

pub(crate) fn xor_identity_holds(h: fn(u64) -> u64, x: u64, y: u64) -> bool {
    h(x ^ y) == h(x) ^ h(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_xor_identity_fails_for_discosims_hashes() {
        assert!(!xor_identity_holds(key_hash, 1, 2));
        assert!(!xor_identity_holds(mix64, 1, 2));
        assert_eq!(FORMULAS.len(), 7);
        assert!(catalog().contains("held for 0 of 100000"));
    }
}
