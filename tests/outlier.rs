//! Outlier detection (`[recovery.outlier]`, Envoy's passive health checking): the time from a
//! crash to a client's ejection, ejection times growing by the base up to the cap, the cap on
//! ejected instances, and healthy panic — each against its closed form.
//!
//! Common set-up: the registry never notices anything (heartbeats with a 10⁵ s lease, and
//! partitions from the clients only), so only the outlier detector keeps clients away from a
//! failing instance; one attempt per request (no retry), so every failure is one request's.

mod common;
use common::*;

/// `instances` behind round-robin, one client at `rate` requests per second, attempts time out
/// after 100 ms, round trips of 30 µs (so an attempt is almost never in flight at a crash).
fn base(instances: u32, rate: f64, horizon: &str, replications: u32, extra: &str) -> String {
    format!(
        r#"
name = "outlier"
horizon = "{horizon}"
replications = {replications}
[cluster]
instances = {instances}
servers = 4
service_time = {{ dist = "constant", value = "10us" }}
[network]
delay = {{ dist = "constant", value = "10us" }}
[detector]
kind = "heartbeat"
interval = "1s"
timeout = "100000s"
[workload]
clients = 1
rate = {rate}
[recovery]
timeout = "100ms"
{extra}
"#
    )
}

/// Cut `instances` off from the clients from time 0 (they stay registered, and every attempt to
/// them times out).
fn cut(instances: &str) -> String {
    format!("[[fault]]\nat = \"0s\"\naction = \"partition\"\nfrom = \"clients\"\ninstances = {instances}\n")
}

/// One of n = 4 instances crashes silently at 10 s. Round-robin sends it every n-th request,
/// and the rotation's position at the crash (the number of earlier requests, Poisson(100),
/// modulo 4) is uniform: the first request to it after the crash is the j-th, j uniform on
/// 1..n. Its N = 5th failed attempt after the crash is the (j + (N−1)·n)-th request after the
/// crash; by memorylessness each of those waits is exponential with mean 1/λ; that attempt
/// fails τ later, and ejects the instance at once. So
/// E[ejection time] = ((n+1)/2 + (N−1)·n)/λ + τ = (2.5 + 16)/10 + 0.1 = 1.95 s.
/// (Assumes no attempt to it was in flight at the crash: probability ≈ λ/n · 30 µs ≈ 10⁻⁴.)
/// One host of four is 25 %, above the default 10 %: `always_eject_one_host` lets it go.
#[test]
fn a_crashed_instance_is_ejected_after_n_consecutive_failures() {
    let crash = "[recovery.outlier]\nalways_eject_one_host = true\n[[fault]]\nat = \"10s\"\naction = \"crash\"\ninstances = [0]\n";
    let runs = replicate(&scenario(&base(4, 10.0, "30s", 300, crash)));
    assert_eq!(min_of(&runs, "ejection_time.count"), 1.0, "every run ejects it once");
    assert_covers(ci(&runs, "ejection_time.mean"), (2.5 + 16.0) / 10.0 + 0.1, "crash to ejection");
    // At least N·n − (n − 1) = 17 inter-arrival times plus τ: positive, and above τ.
    assert!(min_of(&runs, "ejection_time.min") > 0.1);
}

/// Instance 0 of 2 fails for the whole run (Envoy's defaults: base 30 s, cap 300 s, sweeps
/// every 10 s). Its k-th ejection lasts 30k s until the first sweep at or after that: in
/// [30k, 30k + 10). Ejections start at about 0.5, 30.5 + w₁, ...; the 8th starts near 900 s
/// and lasts 240 s, past the 1000 s horizon: 8 ejections, 7 of them over, lasting 30 … 210 s.
///
/// Their mean has a closed form. The first ejection (at r₁ ≈ 0.55 s) ends at the first sweep
/// ≥ r₁ + 30 s: with the sweep phase uniform, that wait w₁ is uniform on [0, 10), mean 5 s.
/// Every later one starts r after the sweep that returned the instance (a sweep time plus r),
/// and 30k is a multiple of the interval, so it ends 30k + 10 − r later. After a return the
/// rotation sends the j-th request to it, j uniform on {1, 2}, then every 2nd: the 5th failure
/// is the (j + 8)-th request, E[r] = 9.5/λ + τ = 0.575 s. So the mean of the 7 is
/// (30 + 60 + … + 210)/7 + (5 + 6·(10 − 0.575))/7 = 120 + 61.55/7 = 128.79 s.
#[test]
fn ejections_last_the_base_times_the_count_up_to_the_cap() {
    let outlier = format!("[recovery.outlier]\nalways_eject_one_host = true\n{}", cut("[0]"));
    let runs = replicate(&scenario(&base(2, 20.0, "1000s", 30, &outlier)));
    assert_eq!(min_of(&runs, "ejections"), 8.0);
    assert_eq!(max_of(&runs, "ejections"), 8.0);
    assert_eq!(min_of(&runs, "ejected_for.count"), 7.0);
    assert_eq!(max_of(&runs, "ejected_for.count"), 7.0);
    assert!(min_of(&runs, "ejected_for.min") >= 30.0 && max_of(&runs, "ejected_for.min") < 40.0);
    assert!(min_of(&runs, "ejected_for.max") >= 210.0 && max_of(&runs, "ejected_for.max") < 220.0);
    assert_covers(ci(&runs, "ejected_for.mean"), 120.0 + (5.0 + 6.0 * (10.0 - 0.575)) / 7.0, "mean ejection");
    // Capped at 100 s: 30, 60, 90, then 100 every time.
    let capped =
        format!("[recovery.outlier]\nalways_eject_one_host = true\nmax_ejection_time = \"100s\"\n{}", cut("[0]"));
    let runs = replicate(&scenario(&base(2, 20.0, "1000s", 4, &capped)));
    assert!(min_of(&runs, "ejected_for.max") >= 100.0 && max_of(&runs, "ejected_for.max") < 110.0);
    assert!(min_of(&runs, "ejected_for.count") >= 9.0, "30 + 60 + 90 + 100·k within 1000 s");
}

/// Three of ten instances fail. With Envoy's max_ejection_percent of 10 %, a client holds at
/// most one ejected (1 of 10 is 10 %, 2 would be 20 %); at 30 % all three; at 0 % none, unless
/// `always_eject_one_host` lets one go (Envoy ≥ 1.31's rule: the percentage counts the host
/// being ejected).
#[test]
fn at_most_max_ejection_percent_of_the_instances_are_ejected() {
    let peak = |settings: &str| {
        let extra = format!("[recovery.outlier]\n{settings}\n{}", cut("[0, 1, 2]"));
        let runs = replicate(&scenario(&base(10, 50.0, "100s", 2, &extra)));
        (min_of(&runs, "ejected_peak"), max_of(&runs, "ejected_peak"))
    };
    assert_eq!(peak("max_ejection_percent = 10"), (1.0, 1.0));
    assert_eq!(peak("max_ejection_percent = 0"), (0.0, 0.0));
    assert_eq!(peak("max_ejection_percent = 0\nalways_eject_one_host = true"), (1.0, 1.0));
    assert_eq!(peak("max_ejection_percent = 30"), (3.0, 3.0));
}

/// Three of four instances fail and, once ejected, stay ejected (1000 s > horizon). With the
/// default panic threshold of 50 %, one healthy instance of four is below it: the balancer
/// ignores ejections and round-robin over all four succeeds on exactly 1 in 4 requests. With
/// the threshold at 0 it routes only to the healthy one: every request succeeds. Measured from
/// 20 s, after the three ejections (about 1 s in).
#[test]
fn healthy_panic_spreads_traffic_over_every_instance() {
    let ratio = |threshold: &str| {
        let extra = format!(
            "[recovery.outlier]\nmax_ejection_percent = 100\nbase_ejection_time = \"1000s\"\npanic_threshold = {threshold}\n[[phase]]\nname = \"late\"\nfrom = \"20s\"\nto = \"100s\"\n{}",
            cut("[0, 1, 2]")
        );
        let runs = replicate(&scenario(&base(4, 50.0, "100s", 2, &extra)));
        (values(&runs, "success_ratio@late"), max_of(&runs, "ejected_peak"))
    };
    let (panic, ejected) = ratio("50");
    assert_eq!(ejected, 3.0);
    assert!(panic.iter().all(|r| (r - 0.25).abs() < 0.002), "in panic: {panic:?}");
    let (no_panic, _) = ratio("0");
    assert!(no_panic.iter().all(|r| *r == 1.0), "without panic: {no_panic:?}");
}

/// Success-rate ejection (Envoy's default rule, `enforcing_success_rate = 100`), with
/// consecutive-failure ejection out of reach: n = 10 instances, λ = 200 requests/s, so each has
/// about 200 attempts per 10 s interval (≥ 100, the volume that counts). Instance 0 crashes at
/// 10 s. With one host at success rate r and nine at 100 %, the mean is 90 + r/10 and the
/// population standard deviation 0.3·(100 − r), so the threshold 90 + r/10 − 1.9 · 0.3·(100 − r)
/// = 33 + 0.67·r is above r for every r < 100: the first interval holding one failure of
/// instance 0 ejects it at its sweep. That failure comes F = Gamma(J, λ) + τ after the crash
/// (J uniform on 1..n as above); the sweep comes W after that, W ~ U(0, I) since the sweeps'
/// phase is uniform: E[ejection time] = (n + 1)/(2λ) + τ + I/2 = 0.0275 + 0.1 + 5 = 5.1275 s.
#[test]
fn success_rate_ejection_removes_the_only_failing_host_at_the_next_sweep() {
    let rule = "[recovery.outlier]\nconsecutive_failures = 1000000\nenforcing_success_rate = 100\n";
    let crash = format!("{rule}[[fault]]\nat = \"10s\"\naction = \"crash\"\ninstances = [0]\n");
    let runs = replicate(&scenario(&base(10, 200.0, "30s", 1000, &crash)));
    assert_eq!(min_of(&runs, "ejection_time.count"), 1.0, "every run ejects it");
    assert!(min_of(&runs, "ejection_time.min") > 0.1, "not before its first failure");
    assert_covers(ci(&runs, "ejection_time.mean"), 11.0 / 400.0 + 0.1 + 5.0, "crash to success-rate ejection");
}

/// Failure-percentage ejection (`enforcing_failure_percentage = 100`, threshold 85 %): the
/// interval [s, e) that holds the crash (u = e − crash ~ U(0, I)) records the successes of the
/// attempts sent before the crash and the failures of those sent from it until e − τ (each
/// fails τ later), so its failed fraction is (u − τ)/(I − τ): at least 85 % when
/// u ≥ τ + 0.85·(I − τ) = 8.515 s, probability 0.1485; otherwise the next interval, all
/// failures, ejects it. E[ejection time] = I/2 + I·(1 − 0.1485) = 13.515 s (the counts' noise
/// blurs the boundary symmetrically; u is uniform across it, so the mean holds to first order).
#[test]
fn failure_percentage_ejection_waits_for_an_interval_that_mostly_failed() {
    let rule = "[recovery.outlier]\nconsecutive_failures = 1000000\nenforcing_failure_percentage = 100\nmax_ejection_percent = 100\n";
    let crash = format!("{rule}[[fault]]\nat = \"10s\"\naction = \"crash\"\ninstances = [0]\n");
    let runs = replicate(&scenario(&base(10, 200.0, "40s", 600, &crash)));
    assert_eq!(min_of(&runs, "ejection_time.count"), 1.0, "every run ejects it");
    assert_covers(ci(&runs, "ejection_time.mean"), 5.0 + 10.0 * (1.0 - 0.1485), "crash to failure-percentage ejection");
    assert_eq!(max_of(&runs, "ejections"), 1.0, "the healthy hosts never reach 85 % failures");
}
