//! The request path against closed forms: queueing (M/M/1, M/M/c), retries with fixed and
//! exponential backoff under certain failure, and determinism with clients.

mod common;
use common::*;

/// One instance with `servers` exponential workers (rate μ = 100/s), Poisson arrivals at
/// `lambda` per second from 4 clients, no network delay, no failures, no timeouts that matter.
fn queue_scenario(servers: u32, lambda: f64) -> String {
    served_scenario(1, servers, lambda / 4.0, 1000, ("500s", 10), "")
}

/// Erlang C: the mean response time of M/M/c with arrival rate λ and service rate μ:
/// W = C(c, a) / (cμ − λ) + 1/μ, a = λ/μ, C = (a^c/c!)/(1−ρ) / (Σ_{k<c} a^k/k! + (a^c/c!)/(1−ρ)).
fn erlang_c_response_time(c: u32, lambda: f64, mu: f64) -> f64 {
    let a = lambda / mu;
    let rho = a / c as f64;
    let term = |k: u32| a.powi(k as i32) / (1..=k).map(f64::from).product::<f64>();
    let top = term(c) / (1.0 - rho);
    let wait_probability = top / ((0..c).map(term).sum::<f64>() + top);
    wait_probability / (c as f64 * mu - lambda) + 1.0 / mu
}

/// M/M/1: mean response time 1/(μ − λ), at ρ = 0.5 and 0.8 (Poisson arrivals are the sum of
/// the clients' Poisson streams; the queue starts empty, a bias far below the interval width
/// over 500 s).
#[test]
fn mm1_mean_response_time_is_one_over_mu_minus_lambda() {
    for lambda in [50.0, 80.0] {
        let runs = replicate(&scenario(&queue_scenario(1, lambda)));
        assert_covers(ci(&runs, "latency.mean"), 1.0 / (100.0 - lambda), &format!("M/M/1 λ={lambda}"));
        assert_eq!(values(&runs, "success_ratio"), vec![1.0; 10]);
    }
}

/// M/M/3 at ρ = 0.8: the Erlang C mean response time.
#[test]
fn mmc_mean_response_time_is_erlang_c() {
    let runs = replicate(&scenario(&queue_scenario(3, 240.0)));
    assert_covers(ci(&runs, "latency.mean"), erlang_c_response_time(3, 240.0, 100.0), "M/M/3");
}

/// Every attempt is cut by a partition between clients and the instance, so every attempt
/// times out. With n attempts, per-attempt timeout τ and backoff waits w_1..w_{n−1}, a request
/// gives up exactly τ·n + Σw after its first attempt (our convention: the retry time runs from
/// the first attempt to the final outcome, and the final attempt's timeout is included).
fn certain_failure(retry: &str) -> String {
    format!(
        r#"
name = "retry"
horizon = "100s"
[cluster]
instances = 1
[detector]
kind = "heartbeat"
interval = "1s"
[workload]
clients = 2
rate = 1
[recovery]
timeout = "100ms"
[recovery.retry]
{retry}
[[fault]]
at = "0s"
action = "partition"
from = "clients"
instances = [0]
"#
    )
}

#[test]
fn fixed_backoff_gives_up_at_n_timeouts_plus_n_minus_1_intervals() {
    let s = scenario(&certain_failure("max_attempts = 4\nbackoff = \"fixed\"\nbase = \"250ms\""));
    let runs = replicate(&s);
    let expected = 4.0 * 0.1 + 3.0 * 0.25;
    assert!((values(&runs, "retry_time.min")[0] - expected).abs() < ROUNDING);
    assert!((values(&runs, "retry_time.max")[0] - expected).abs() < ROUNDING);
    assert_eq!(values(&runs, "success_ratio"), vec![0.0]);
    assert_eq!(values(&runs, "attempts_per_request"), vec![4.0]);
}

/// Exponential backoff from base T: the n retries wait T, 2T, ..., 2^(n−1)T, in all T(2^n − 1).
#[test]
fn exponential_backoff_waits_t_times_two_to_the_n_minus_one() {
    let n = 3;
    let s = scenario(&certain_failure("max_attempts = 4\nbackoff = \"exponential\"\nbase = \"100ms\""));
    let runs = replicate(&s);
    let expected = (n + 1) as f64 * 0.1 + 0.1 * (2f64.powi(n) - 1.0);
    assert!((values(&runs, "retry_time.min")[0] - expected).abs() < ROUNDING, "{:?}", values(&runs, "retry_time.min"));
    assert!((values(&runs, "retry_time.max")[0] - expected).abs() < ROUNDING);
}

/// A retry budget of 10 % (no floor to speak of) lets about 10 % of requests retry, not all.
#[test]
fn a_retry_budget_caps_retries_at_its_fraction() {
    let s = scenario(&certain_failure("max_attempts = 4\nbase = \"10ms\"\nbudget = 0.1\nbudget_floor = 0.0001"));
    let runs = replicate(&s);
    let attempts = values(&runs, "attempts_per_request")[0];
    // Each retry costs a token and each request deposits 0.1: at most ~0.1 retries per request.
    assert!(attempts <= 1.0 + 0.1 + 0.02, "attempts per request {attempts}");
    assert!(values(&runs, "budget_denied")[0] > 0.0);
}

/// Hedges draw on the same budget: with every first attempt stuck (the partition) each request
/// would hedge after 10 ms; a 10 % budget with a negligible floor allows ~0.1 hedges per
/// request, the rest are denied. (Requests give up at the attempt timeout: one hedge at most.)
#[test]
fn a_retry_budget_caps_hedges_too() {
    let retry = "max_attempts = 2\nbudget = 0.1\nbudget_floor = 0.0001\n[recovery.hedge]\ndelay = \"10ms\"";
    let runs = replicate(&scenario(&certain_failure(retry)));
    let (hedges, requests) = (values(&runs, "hedges")[0], values(&runs, "requests")[0]);
    let denied = values(&runs, "budget_denied")[0];
    assert!(hedges / requests <= 0.1 + 0.02, "hedges per request {}", hedges / requests);
    assert!(denied > 0.0 && hedges > 0.0);
    let unlimited = replicate(&scenario(&certain_failure("max_attempts = 2\n[recovery.hedge]\ndelay = \"10ms\"")));
    assert!(values(&unlimited, "hedges")[0] >= 0.99 * values(&unlimited, "requests")[0], "without a budget all hedge");
}

/// Issue #16: without a `service_time`, `executions` was 0 beside every success. An attempt is
/// then executed the moment it arrives, so every attempt that reached a live instance counts:
/// with no loss, no failure and no retry, executions = successes = requests completed. With a
/// service time the count is the finished services, as before (the M/M/1 scenario).
#[test]
fn executions_count_instant_service_too() {
    let queued = queue_scenario(1, 20.0);
    let instant = queued.replace("servers = 1\nservice_time = { dist = \"exponential\", mean = \"10ms\" }\n", "");
    assert_ne!(instant, queued);
    for text in [instant, queued] {
        let runs = replicate(&scenario(&text));
        for run in &runs {
            let executions = run.get("executions").unwrap();
            assert!(executions > 0.0, "{text}");
            assert_eq!(executions, run.get("successes").unwrap(), "{text}");
        }
    }
}
