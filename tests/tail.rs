//! Fan-out and tied requests (issue #15, parts 1 and 2) against closed forms: a request's
//! latency as an order statistic of its leaves', Dean & Barroso's share of slow requests at a
//! fan-out of 100, and the work and latency of tied requests on two queues.

mod common;
use common::*;

/// Leaves that never queue: `instances` instances of 1000 workers each, exponential service of
/// mean 10 ms (μ = 100/s) or `service` given, no network delay, one client at `rate` requests
/// per second with `fanout` leaves and `quorum`, the tail metrics at `slow`.
fn fanout_scenario(service: &str, workload: &str, slow: &str, run: (&str, u32)) -> String {
    let (horizon, replications) = run;
    format!(
        r#"
name = "fanout"
horizon = "{horizon}"
replications = {replications}
[cluster]
instances = 200
servers = 1000
service_time = {service}
[network]
delay = {{ dist = "constant", value = "0s" }}
[detector]
kind = "heartbeat"
interval = "1s"
timeout = "100000s"
[workload]
clients = 1
{workload}
[balancer]
kind = "random"
[recovery]
timeout = "1h"
[metrics]
slow = "{slow}"
"#
    )
}

const EXP_10MS: &str = r#"{ dist = "exponential", mean = "10ms" }"#;

/// Harmonic number H_n = 1 + 1/2 + … + 1/n.
fn harmonic(n: u32) -> f64 {
    (1..=n).map(|i| 1.0 / f64::from(i)).sum()
}

/// With all n leaves needed, a request's latency is the largest of n independent leaf
/// latencies, so its CDF is F^n (order statistics; leaves never queue here, so they are
/// independent). For Exp(μ) leaves: E[max] = H_n/μ (the max is a sum of Exp(iμ), i = 1…n,
/// by memorylessness), and the q-quantile solves (1 − e^{−μt})^n = q:
/// t_q = −ln(1 − q^{1/n})/μ. n = 10, μ = 100/s: E = 29.29 ms, t_0.9 = 44.63 ms.
#[test]
fn all_leaves_latency_is_the_max_of_n_exponentials() {
    let text = fanout_scenario(EXP_10MS, "rate = 50\nfanout = 10", "1s", ("200s", 10));
    let runs = replicate(&scenario(&text));
    let mu = 100.0;
    assert_covers(ci(&runs, "latency.mean"), harmonic(10) / mu, "E[max of 10 Exp(μ)] = H_10/μ");
    let p90 = -(1.0 - 0.9f64.powf(0.1)).ln() / mu;
    // The HDR histogram keeps 3 significant digits: its quantile may sit 0.1 % off.
    let estimate = ci(&runs, "latency.p90");
    println!(
        "t_0.9 of max of 10 Exp(μ): closed form {p90}, simulated {} [{}, {}]",
        estimate.mean, estimate.ci_low, estimate.ci_high
    );
    assert!(estimate.ci_low * 0.999 <= p90 && p90 <= estimate.ci_high * 1.001, "t_0.9 = {p90} outside {estimate:?}");
    assert_covers(ci(&runs, "leaf_latency.mean"), 1.0 / mu, "a leaf's mean latency 1/μ");
    assert_eq!(values(&runs, "leaf_success_ratio"), vec![1.0; 10]);
}

/// P(X_(k) > t) = P(fewer than k of n leaves answered by t) = Σ_{j<k} C(n, j) p^j (1 − p)^{n−j},
/// p = F(t): the binomial tail of the k-th order statistic.
fn kth_slower_than(n: u32, k: u32, p: f64) -> f64 {
    let choose = |n: u32, j: u32| (0..j).map(|i| f64::from(n - i) / f64::from(i + 1)).product::<f64>();
    (0..k).map(|j| choose(n, j) * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32)).sum()
}

/// A quorum of k of n leaves: the request's latency is the k-th order statistic of its leaves'.
/// For Exp(μ) leaves, E[X_(k)] = Σ_{i=0}^{k−1} 1/((n − i)μ) (the gaps between order statistics
/// are Exp((n − i)μ)): n = 10, k = 5, μ = 100/s gives 6.456 ms; and the share of requests
/// slower than t = 10 ms is the binomial tail above with p = 1 − e^{−1}: 0.1176.
#[test]
fn quorum_latency_is_the_kth_order_statistic() {
    let text = fanout_scenario(EXP_10MS, "rate = 50\nfanout = 10\nquorum = 5", "10ms", ("200s", 10));
    let runs = replicate(&scenario(&text));
    let mu = 100.0;
    let mean: f64 = (0..5).map(|i| 1.0 / (f64::from(10 - i) * mu)).sum();
    assert_covers(ci(&runs, "latency.mean"), mean, "E[X_(5) of 10 Exp(μ)]");
    let p = 1.0 - (-1.0f64).exp();
    assert_covers(ci(&runs, "slow_fraction"), kth_slower_than(10, 5, p), "P(X_(5) > 1/μ)");
}

/// Dean & Barroso, "The Tail at Scale" (CACM 2013), p. 76: when 1 % of leaf latencies exceed
/// 1 s and a request waits for 100 leaves, 1 − 0.99^100 = 63 % of requests take over 1 s.
/// Leaf latency here is lognormal with median 10 ms and 99th percentile exactly 1 s, without
/// queueing (1000 workers per instance), so leaves are independent and P(leaf > 1 s) = 0.01.
/// Leaves still running at the horizon are not counted, and they are mostly slow ones: about
/// (leaves per second) × E[X·1{X > 1 s}] = 2000 × 0.026 s = 52 of the slow leaves, 2.6/horizon
/// of them (relative); over 1000 s that is 0.26 %, well inside the interval.
#[test]
fn dean_barroso_63_percent_of_requests_are_slow_at_a_fanout_of_100() {
    let service = r#"{ dist = "lognormal", median = "10ms", p99 = "1s" }"#;
    let runs = replicate(&scenario(&fanout_scenario(service, "rate = 20\nfanout = 100", "1s", ("1000s", 5))));
    assert_covers(ci(&runs, "leaf_slow_fraction"), 0.01, "a leaf is slow with probability 1 %");
    assert_covers(ci(&runs, "slow_fraction"), 1.0 - 0.99f64.powi(100), "1 − 0.99^100");
}

/// Two instances of one exponential worker each (μ = 100/s), Poisson requests at λ, every
/// request tied to both instances (the balancer's second choice is the other one), no network
/// delay: `[recovery.tied]` with `extra` keys.
fn tied_scenario(lambda: f64, delay: &str, extra: &str) -> String {
    format!(
        r#"
name = "tied"
horizon = "400s"
replications = 10
[cluster]
instances = 2
service_time = {{ dist = "exponential", mean = "10ms" }}
[network]
delay = {{ dist = "constant", value = "{delay}" }}
[detector]
kind = "heartbeat"
interval = "1s"
timeout = "100000s"
[workload]
clients = 1
rate = {lambda}
[balancer]
kind = "random"
[recovery]
timeout = "1h"
[recovery.tied]
{extra}
[metrics]
slow = "1s"
"#
    )
}

/// Tied requests on two M/M/1 queues with instant messages. The first copy to start cancels
/// the other at once, so the two queues always hold the same waiting requests: together they
/// are one queue with two servers (M/M/2) — except that a request arriving to two idle servers
/// starts on both (each starts before the other's cancel arrives) and both execute. Let n be
/// the busy servers plus the waiting requests: from 0 an arrival leads to 2, from 1 to 2 (the
/// idle server starts it, the queued copy is cancelled), from n ≥ 2 to n + 1; departures take
/// n = 1 to 0 at rate μ and n ≥ 2 to n − 1 at 2μ (a leftover duplicate keeps its server busy
/// like real work). With r = λ/(2μ) the balance equations give π1 = 2r·π0,
/// π_n = r^{n−1}(1 + 2r)π0 (n ≥ 2), so π0 = (1 − r)/(1 + 2r). By PASTA, a request executes
/// twice with probability π0: executions per request = 1 + (1 − r)/(1 + 2r). Its latency:
/// Exp(2μ) from n = 0 (the faster copy), Exp(μ) from n = 1, and from n ≥ 2 a wait of n − 1
/// departures at 2μ, then Exp(μ): E[T] = (1 − π0/2 + r/(2(1 − r)))/μ.
/// (Derived here; the model is Dean & Barroso's tied requests, CACM 2013, with zero delay.)
#[test]
fn tied_requests_on_two_queues_match_the_chain_with_a_double_start_from_empty() {
    let mu = 100.0;
    for lambda in [50.0, 100.0, 150.0] {
        let runs = replicate(&scenario(&tied_scenario(lambda, "0s", "")));
        let r = lambda / (2.0 * mu);
        let idle = (1.0 - r) / (1.0 + 2.0 * r);
        let what = format!("λ = {lambda}");
        assert_covers(ci(&runs, "executions_per_request"), 1.0 + idle, &format!("{what}: 1 + π0"));
        let latency = (1.0 - idle / 2.0 + r / (2.0 * (1.0 - r))) / mu;
        assert_covers(ci(&runs, "latency.mean"), latency, &format!("{what}: E[T]"));
        assert_eq!(values(&runs, "success_ratio"), vec![1.0; 10]);
    }
}

/// Without the cancel both copies always run (executions per request 2, up to the copies still
/// running at the horizon, nothing cancelled); a cancel that takes time (1 ms each way here, with
/// the copies arriving together) comes too late more often than an instant one, so tied
/// requests execute more often than the zero-delay 1 + π0.
#[test]
fn tied_work_is_two_without_cancel_and_grows_with_the_cancel_delay() {
    let plain = replicate(&scenario(&tied_scenario(50.0, "0s", "cancel = false")));
    assert_eq!(values(&plain, "tied_cancelled"), vec![0.0; 10]);
    assert!(values(&plain, "executions_per_request").iter().all(|e| (e - 2.0).abs() < 1e-3), "two copies each");
    let delayed = replicate(&scenario(&tied_scenario(100.0, "1ms", "")));
    let zero_delay = 1.25;
    let low = ci(&delayed, "executions_per_request").ci_low;
    println!("executions per request with a 1 ms cancel: above {low}, instant: {zero_delay}");
    assert!(low > zero_delay, "a delayed cancel saves less work: {low} ≤ {zero_delay}");
}

/// The new keys refuse what they cannot mean, at their key.
#[test]
fn fanout_and_tied_keys_are_checked() {
    let base = fanout_scenario(EXP_10MS, "rate = 1\nfanout = 3", "1s", ("10s", 1));
    for (from, to, key) in [
        ("fanout = 3", "fanout = 3\nquorum = 4", "workload.quorum"),
        ("fanout = 3", "quorum = 2", "workload.quorum"),
        ("fanout = 3", "fanout = 0", "workload.fanout"),
        (
            "timeout = \"1h\"",
            "timeout = \"1h\"\n[recovery.tied]\n[recovery.hedge]\ndelay = \"1s\"\n[recovery.retry]\nmax_attempts = 2",
            "recovery.tied",
        ),
    ] {
        let text = base.replace(from, to);
        let error = discosim::scenario::parse(&text, "t.toml", std::path::Path::new("."), &[]).unwrap_err();
        assert!(error.to_string().contains(key), "{to}: {error}");
    }
}
