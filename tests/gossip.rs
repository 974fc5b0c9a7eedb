//! The `gossip` detector (memberlist's SWIM) against closed forms: the time until the first
//! member declares a crashed member dead, for random probing with random and aligned periods,
//! and dissemination to every live member.
//!
//! Common set-up: 100 instances plus the registry's agent (n = 101 members), rare crashes
//! (mean time to failure 20 000 s, repair 60 s: about 0.3 % down at a time, so the members
//! held dead, which nobody probes, barely change the odds), constant 1 ms delay, no loss (no
//! false suspicion), `suspicion_mult = 2` so that k = 0 and the suspicion timeout is exactly
//! min = 2 · log10(101) · T = 4.00864 s whatever the confirmations.

mod common;
use common::*;
use discosim::metrics::MetricValues;
use discosim::stats::wilson;

const MIN: f64 = 2.0 * 2.004_321_373_782_642_6;

const RARE_CRASHES: &str = r#"failure = { model = "crash-recover", mttf = { dist = "exponential", mean = "20000s" }, mttr = { dist = "constant", value = "60s" } }"#;

fn gossip(extra: &str) -> String {
    members("10000s", 6, 100, RARE_CRASHES, &format!("probe_order = \"random\"\nsuspicion_mult = 2\n{extra}"))
}

/// `instances` members over `horizon`, `failure` their failure model, constant 1 ms delay;
/// `detector` the gossip detector's keys.
fn members(horizon: &str, replications: u32, instances: u32, failure: &str, detector: &str) -> String {
    format!(
        r#"
name = "gossip"
horizon = "{horizon}"
replications = {replications}
[cluster]
instances = {instances}
{failure}
[network]
delay = {{ dist = "constant", value = "1ms" }}
[detector]
kind = "gossip"
{detector}
"#
    )
}

/// Random targets, random phases: each of the m = 100 other live members picks the crashed one
/// with p = 1/100 at each of its ticks, which fall uniformly. The first probe of it comes after
/// t with probability [(1 − p)^⌊t/T⌋ · (1 − p·frac(t/T))]^m, so its mean is
/// T · (1 − (1 − p)^(m+1)) / (p (m + 1) (1 − (1 − p)^m)) = 0.99581 T; the prober suspects it at
/// its next tick (+T) and declares it dead min later: 6.00445 s after the crash.
#[test]
fn random_probing_declares_a_crash_dead_at_the_closed_form_mean() {
    let runs = replicate(&scenario(&gossip("")));
    let (p, m) = (0.01f64, 100.0);
    let first_probe = (1.0 - (1.0 - p).powf(m + 1.0)) / (p * (m + 1.0) * (1.0 - (1.0 - p).powf(m)));
    assert!(values(&runs, "dissemination_first_time.count")[0] > 30.0);
    // At the earliest, a ping that left d = 1 ms before the crash finds it down: a period, less d,
    // then min.
    assert!(min_of(&runs, "dissemination_first_time.min") >= 1.0 - 0.001 + MIN - ROUNDING, "a period, then min");
    assert_covers(ci(&runs, "dissemination_first_time.mean"), first_probe + 1.0 + MIN, "random probing");
}

/// Aligned periods (the paper's synchronous rounds): the first round boundary comes U·T after
/// the crash; in each round the crashed member is picked by someone with q = 1 − (1 − 1/100)^100
/// = 0.63397 (→ 1 − 1/e for large n, the paper's e/(e − 1) rounds); the suspicion comes a round
/// later, death min after: T/2 + T (1/q − 1) + T + min = 6.08599 s.
#[test]
fn aligned_rounds_declare_a_crash_dead_after_e_over_e_minus_1_rounds() {
    let runs = replicate(&scenario(&gossip("aligned = true")));
    let q = 1.0 - (1.0 - 0.01f64).powi(100);
    assert_covers(ci(&runs, "dissemination_first_time.mean"), 0.5 + (1.0 / q - 1.0) + 1.0 + MIN, "aligned rounds");
}

/// Without loss, every death reaches every live member (the retransmit limit, 4 · ceil(log10
/// 102) = 12 sends per member, makes missing one vanishingly rare), within a few gossip rounds
/// of the first: the registry's agent is one of them, so the registry's detection time lies
/// between the first and the last. (A crash in a run's last seconds may reach the first member
/// and not every one before the horizon: at most one a run, about 50 × 15 s / 10 000 s.)
#[test]
fn every_death_reaches_every_live_member_quickly() {
    let runs = replicate(&scenario(&gossip("")));
    let (all, first) = (values(&runs, "dissemination_all_time.count"), values(&runs, "dissemination_first_time.count"));
    assert!(all.iter().zip(&first).all(|(a, f)| a <= f && *a >= f - 1.0), "{all:?} of {first:?}");
    for run in &runs {
        let (first, all) =
            (run.get("dissemination_first_time.mean").unwrap(), run.get("dissemination_all_time.mean").unwrap());
        let detection = run.get("detection_time.mean").unwrap();
        assert!(all - first < 3.0, "all {all} s vs first {first} s");
        assert!(first <= detection && detection <= all, "{first} ≤ {detection} ≤ {all}");
        assert_eq!(run.get("false_suspicions"), Some(0.0));
        // View accuracy: after each crash every other live member (about 100) is wrong at least
        // until the first member holds it dead and at most until the last does; a recovery adds
        // the spread of the refutation, a few gossip rounds (bounded here by `all` again).
        let (crashes, pair_seconds) = (run.get("dissemination_first_time.count").unwrap(), 101.0 * 100.0 * 10_000.0);
        let wrong = 1.0 - run.get("view_accuracy").unwrap();
        assert!(wrong >= 0.97 * crashes * 100.0 * first / pair_seconds, "{wrong} vs first {first}");
        assert!(wrong <= crashes * 100.0 * 2.0 * all / pair_seconds, "{wrong} vs all {all}");
    }
}

/// Lifeguard's claim, in shape (no closed form: Dadgar et al. report it measured): with 10 % of
/// the members degraded (each message they receive waits an exponential 10 s), healthy
/// members hold healthy members suspect far less often with Lifeguard's parts on than with
/// none (SWIM with a fixed suspicion timeout) — here more than 10× less (about 40× measured),
/// with the 99.9 % intervals apart — and never dead more often.
#[test]
fn lifeguard_cuts_the_false_suspicions_that_degraded_members_cause() {
    let failure = r#"failure = { model = "crash-stop", mttf = { dist = "exponential", mean = "1000000s" } }"#;
    let text =
        |parts: &str| members("600s", 5, 50, failure, &format!("degraded = 0.1\ndegraded_delay = \"10s\"\n{parts}"));
    let none = replicate(&scenario(&text("dynamic_suspicion = false\nawareness = false\nnacks = false")));
    let all = replicate(&scenario(&text("")));
    let (none_ci, all_ci) = (ci(&none, "gossip_false_suspicions"), ci(&all, "gossip_false_suspicions"));
    println!("false suspicions: none {none_ci:?}, all {all_ci:?}");
    assert!(all_ci.ci_high * 10.0 < none_ci.ci_low, "{all_ci:?} vs {none_ci:?}");
    let deaths = |runs: &[discosim::metrics::MetricValues]| values(runs, "gossip_false_deaths").iter().sum::<f64>();
    assert!(deaths(&all) <= deaths(&none), "{} vs {}", deaths(&all), deaths(&none));
}

/// `refutation_time`, a false suspicion until every live member holds the subject alive at a
/// higher incarnation, against push gossip's closed form. Loss 5 % without indirect probes
/// makes about one probe in ten fail (1 − 0.95², no crashes), so healthy members are suspected
/// often. An episode has two legs, each a rumor spread from one member: the suspicion reaching
/// the subject, and the subject's refutation reaching everyone. Push gossip to f random members
/// a round informs all n after log_{1+f} n + ln(n)/f + O(1) rounds in expectation (Pittel,
/// "On spreading a rumor", 1987; Frieze & Grimmett 1985, for f = 1: log2 n + ln n), here with
/// f = 3 · 0.95 delivered a round of 200 ms and n = 101: 5.05 rounds; a leg waits at most one
/// more round for the sender's first gossip tick, and piggybacking on pings and acks only
/// adds contacts. So the mean lies below 2 · 6.05 rounds = 2.42 s (measured about 1 s: the
/// piggybacked copies matter), and no episode is shorter than the two legs' network delays.
#[test]
fn false_suspicions_are_refuted_everywhere_within_two_gossip_spreads() {
    let failure = r#"failure = { model = "crash-stop", mttf = { dist = "exponential", mean = "100000000s" } }"#;
    let one_ms = r#"delay = { dist = "constant", value = "1ms" }"#;
    let text =
        members("300s", 4, 100, failure, "indirect_checks = 0").replace(one_ms, &format!("{one_ms}\nloss = 0.05"));
    assert!(text.contains("loss = 0.05"));
    let runs = replicate(&scenario(&text));
    let (f, n, round) = (3.0 * 0.95f64, 101f64, 0.2);
    let rounds = n.ln() / (1.0 + f).ln() + n.ln() / f;
    let estimate = ci(&runs, "refutation_time.mean");
    println!("refutation: bound {} s, simulated {estimate:?}", 2.0 * (rounds + 1.0) * round);
    assert!(values(&runs, "refutation_time.count").iter().all(|&c| c > 1000.0), "about 10 false suspicions a second");
    assert!(estimate.ci_high < 2.0 * (rounds + 1.0) * round, "{estimate:?}");
    assert!(min_of(&runs, "refutation_time.min") >= 0.002 - ROUNDING);
}

/// Push-pull anti-entropy alone spreads a suspicion (memberlist's `mergeState` turns a remote
/// suspect or dead into a local suspicion). With nothing piggybacked (`max_piggyback = 0`,
/// `gossip_nodes = 0`), a fixed suspicion timeout (k = 0) and push-pull every I = 1 s, each
/// member declares the crashed one dead exactly min after it came to suspect it, so
/// dissemination's all − first is the time the suspicion takes to reach the last of the 100
/// live members from the first accuser: a push-pull epidemic (Karp, Schindelhauer, Shenker,
/// Vöcking 2000: log3 n + O(log log n) synchronous rounds), here with periodic exchanges on
/// random phases, for which no closed form is at hand; `push_pull_spread` simulates it on its
/// own (each live member, at its ticks, picks one of its 100 others, the crashed one
/// included; an exchange with an informed member informs both; delays 0). Probes are rare
/// (every 20 s) so independent accusers seldom shorten the spread: the simulated mean lies
/// within [0.8, 1] of the independent one (the probes can only help), with intervals.
#[test]
fn push_pull_alone_spreads_a_suspicion_as_a_push_pull_epidemic() {
    // Crash-stop: a member re-joining takes the rumors in flight without starting their
    // suspicion timers, and nothing but a piggybacked death would end them.
    let failure = r#"failure = { model = "crash-stop", mttf = { dist = "exponential", mean = "40000s" } }"#;
    let keys = "max_piggyback = 0\ngossip_nodes = 0\npush_pull_interval = \"1s\"\nprobe_interval = \"20s\"\nsuspicion_mult = 2";
    let runs = replicate(&scenario(&members("4000s", 8, 100, failure, keys)));
    let spreads: Vec<f64> = runs
        .iter()
        .map(|r| r.get("dissemination_all_time.mean").unwrap() - r.get("dissemination_first_time.mean").unwrap())
        .collect();
    let (mean, half) = mean_and_half_width(&spreads);
    let trials: Vec<f64> = (0..4000).map(|seed| push_pull_spread(100, 1.0, seed)).collect();
    let (expected, expected_half) = mean_and_half_width(&trials);
    println!("push-pull spread: simulated {mean} ± {half} s, independent {expected} ± {expected_half} s");
    assert!(values(&runs, "dissemination_all_time.count").iter().sum::<f64>() > 50.0);
    assert!(mean - half <= expected + expected_half, "{mean} ± {half} vs {expected}");
    assert!(mean + half >= 0.8 * (expected - expected_half), "{mean} ± {half} vs {expected}");
}

/// A mean and the half-width of its 99 % normal interval.
fn mean_and_half_width(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, 2.576 * (var / n).sqrt())
}

/// The independent push-pull epidemic: `live` members with periodic exchanges every `interval`
/// on uniform phases, member 0 informed at time 0; each tick's partner is one of the `live`
/// others (the crashed member, index `live` − 1 among them, answers nothing). The time until
/// every live member is informed.
fn push_pull_spread(live: usize, interval: f64, seed: u64) -> f64 {
    let mut rng = discosim::engine::RandomStreams::new(seed).stream(1u64, 0);
    let mut order: Vec<(f64, usize)> = (0..live).map(|m| (rng.uniform() * interval, m)).collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut informed, mut count) = (vec![false; live], 1);
    informed[0] = true;
    for round in 0.. {
        for &(phase, m) in &order {
            let pick = rng.below(live as u64) as usize;
            if pick == live - 1 {
                continue;
            }
            let peer = if pick >= m { pick + 1 } else { pick };
            if informed[m] != informed[peer] {
                (informed[m], informed[peer], count) = (true, true, count + 1);
                if count == live {
                    return phase + f64::from(round) * interval;
                }
            }
        }
    }
    unreachable!()
}

/// Dissemination within the retransmit limit: how often a death does not reach every live
/// member by gossip, against an independent simulation of a limited push epidemic
/// (`limited_push_misses`, written from memberlist's rules, not from the detector's code).
///
/// Settings that make misses frequent: `retransmit_mult = 1`, so each member sends an update
/// at most L = 1 · ceil(log10(102)) = 3 times (101 members), one member per gossip round
/// (`gossip_nodes = 1`), no loss, one crash for good at 5 s in each of 1 500 runs. Probes are
/// rare (`probe_interval = 30 s`), so few updates ride on pings and acks (those would be sends
/// to about random members too, counted against the same limit), and a fixed suspicion timeout
/// (`suspicion_mult = 2`, k = 0: min = 120.3 s) makes the spread two epidemics from the first
/// accuser: its suspicion, then — min later — its death.
///
/// The model's rules (memberlist's `TransmitLimitedQueue`, `gossip`, `suspectNode`,
/// `deadNode`): a member that accepts an update sends it exactly L times, each to a member
/// chosen uniformly among the others it does not hold dead — during the suspicion the crashed
/// member is among them (a wasted send), during the death it is not. Who ends up informed does
/// not depend on when the sends happen (each informed member's L targets are independent
/// draws), so the model has no clock. Every member holding the suspicion ends up holding the
/// death and sending it L times — told by someone first, or by its own timer firing (which
/// broadcasts too) — so the second epidemic starts from all of them; a member that missed
/// both epidemics misses the death. A run misses when its death does not reach all live
/// members within τ = 10 s of the first (gossip spreads in a second or two; the next way to
/// learn it, a member's own failed probe, takes min = 120 s to turn into a death).
///
/// What the model leaves out, small here: a member outside the first epidemic that probes the
/// crashed member itself (about 1 in 100 per 30 s period) starts a suspicion of its own and
/// spreads it (with k = 0 only a member's first suspicion is passed on), which can only help;
/// an update piggybacked on an ack goes back to the prober rather than to a fresh random
/// member. So the two Wilson 99.9 % intervals must overlap (measured: 0.262 [0.226, 0.300] of
/// 1 499 deaths against 0.257 [0.247, 0.267] of 20 000 model runs). A rough closed form for
/// scale: each member is the target of about 3 sends per epidemic, so misses one with about
/// e^(−3) and both with e^(−6); some of 100 members misses both with 1 − exp(−100 e^(−6)) =
/// 0.22 — the model is higher as the first epidemic's senders are fewer than all members.
#[test]
fn deaths_miss_some_member_as_often_as_a_limited_push_epidemic() {
    let keys =
        "retransmit_mult = 1\ngossip_nodes = 1\nprobe_interval = \"30s\"\nsuspicion_mult = 2\nprobe_order = \"random\"";
    let crash = "[[fault]]\nat = \"5s\"\naction = \"crash\"\ncount = 1";
    let runs = replicate(&scenario(&format!("{}{crash}\n", members("400s", 1500, 100, "", keys))));
    let detected: Vec<&MetricValues> =
        runs.iter().filter(|r| r.get("dissemination_first_time.count") == Some(1.0)).collect();
    let missed = detected
        .iter()
        .filter(|r| {
            let all = r.get("dissemination_all_time.count").unwrap_or(0.0);
            all < 1.0
                || r.get("dissemination_all_time.mean").unwrap() - r.get("dissemination_first_time.mean").unwrap()
                    > 10.0
        })
        .count();
    let trials = 20_000;
    let expected_misses = (0..trials).filter(|&seed| limited_push_misses(100, 3, seed)).count();
    let measured = wilson(missed as f64, detected.len() as f64, TEST_CONFIDENCE);
    let expected = wilson(expected_misses as f64, trials as f64, TEST_CONFIDENCE);
    println!("deaths missing a member: simulated {measured:?}, independent model {expected:?}");
    assert!(detected.len() > 1400, "{} of 1500 runs saw the death", detected.len());
    assert!(measured.ci_low <= expected.ci_high && measured.ci_high >= expected.ci_low, "{measured:?} vs {expected:?}");
}

/// The independent limited push epidemic: `live` members (the crashed one is index `live`),
/// each sending `limit` times. Whether some live member misses both the suspicion, spread from
/// member 0, and the death, spread from every member that held the suspicion.
fn limited_push_misses(live: usize, limit: u32, seed: u64) -> bool {
    let mut rng = discosim::engine::RandomStreams::new(seed).stream(1u64, 0);
    let suspects = limited_push(&mut rng, live, limit, &[0], true);
    let sources: Vec<usize> = (0..live).filter(|&m| suspects[m]).collect();
    limited_push(&mut rng, live, limit, &sources, false).contains(&false)
}

/// Who a push epidemic from `sources` informs when each informed member sends `limit` times to
/// a uniform other member (the crashed one, index `live`, among them if `to_crashed`).
fn limited_push(
    rng: &mut discosim::engine::Stream,
    live: usize,
    limit: u32,
    sources: &[usize],
    to_crashed: bool,
) -> Vec<bool> {
    let mut informed = vec![false; live];
    sources.iter().for_each(|&s| informed[s] = true);
    let (mut pending, others) = (sources.to_vec(), if to_crashed { live } else { live - 1 });
    while let Some(m) = pending.pop() {
        for _ in 0..limit {
            let pick = rng.below(others as u64) as usize;
            let target = if pick >= m { pick + 1 } else { pick };
            if target < live && !informed[target] {
                informed[target] = true;
                pending.push(target);
            }
        }
    }
    informed
}
