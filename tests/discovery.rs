//! Propagation, circuit breakers, hedging and deadlines: their bounds and their effects.

mod common;
use common::*;

fn base(extra: &str) -> String {
    format!(
        r#"
name = "discovery"
horizon = "200s"
replications = 2
[cluster]
instances = 4
servers = 4
service_time = {{ dist = "constant", value = "5ms" }}
[network]
delay = {{ dist = "constant", value = "10ms" }}
[detector]
kind = "observer"
tick = "1s"
p = 1.0
[workload]
clients = 10
rate = 20.0
{extra}
"#
    )
}

const FLAPPING: &str = "[cluster.failure]\nmodel = \"crash-recover\"\nmttf = { dist = \"exponential\", mean = \"20s\" }\nmttr = { dist = \"exponential\", mean = \"5s\" }\n";

/// Watch: every client hears of a change exactly one (constant) network delay after it.
#[test]
fn watch_propagates_in_one_network_delay() {
    let runs = replicate(&scenario(&base(FLAPPING).replace("[workload]", "[discovery]\nmode = \"watch\"\n[workload]")));
    assert!(values(&runs, "propagation_time.count")[0] > 10.0);
    assert!((min_of(&runs, "propagation_time.min") - 0.010).abs() < ROUNDING);
    assert!((max_of(&runs, "propagation_time.max") - 0.010).abs() < ROUNDING);
}

/// Poll every R with constant one-way delay d: a change is installed by every client at most
/// R + 2d after it (the next poll leaves within R, is answered d later and lands d after that),
/// and at least d after it.
#[test]
fn poll_propagates_within_refresh_plus_a_round_trip() {
    let text = base(FLAPPING).replace("[workload]", "[discovery]\nmode = \"poll\"\nrefresh = \"2s\"\n[workload]");
    let runs = replicate(&scenario(&text));
    assert!(values(&runs, "propagation_time.count")[0] > 10.0);
    assert!(max_of(&runs, "propagation_time.max") <= 2.0 + 0.020 + ROUNDING);
    assert!(min_of(&runs, "propagation_time.min") >= 0.010 - ROUNDING);
    // With a 2 s refresh, the last of 10 clients is late by most of a period.
    assert!(values(&runs, "propagation_time.mean")[0] > 1.0);
}

/// Instance 0 is cut off from the clients for the whole run but stays registered: without a
/// breaker, round-robin sends it a quarter of the attempts and they all time out. A breaker
/// ejects it: each client loses at most `min_requests` attempts before the first trip, then
/// one half-open probe per `open_for` (200 s / 5 s = 40), so at most 10 × (3 + 40 + 1)
/// requests fail.
#[test]
fn a_breaker_stops_sending_to_a_failing_instance() {
    let cut = "[recovery]\ntimeout = \"100ms\"\n[[fault]]\nat = \"0s\"\naction = \"partition\"\nfrom = \"clients\"\ninstances = [0]\n";
    let without = replicate(&scenario(&base(cut)));
    let breaker = "[recovery.breaker]\nfailure_rate = 0.5\nwindow = \"1s\"\nmin_requests = 3\nopen_for = \"5s\"\n";
    let with = replicate(&scenario(&base(&format!("{cut}{breaker}"))));
    let ratio_without = values(&without, "success_ratio")[0];
    assert!((ratio_without - 0.75).abs() < 0.02, "{ratio_without}");
    let failed_with = values(&with, "failures")[0];
    assert!(failed_with <= 10.0 * (3.0 + 40.0 + 1.0), "{failed_with} failures with a breaker");
    assert!(values(&with, "breaker_opens")[0] >= 30.0, "reopens after each failed probe");
}

/// One of four instances is 40 times slower (200 ms instead of 5 ms; with 16 workers it still
/// keeps up with its quarter of the load): a hedge after 50 ms to another instance cuts the
/// tail from over 200 ms to about 50 + 2·10 + 5 = 75 ms, for a quarter to a third more attempts.
#[test]
fn hedging_cuts_the_tail_of_a_slow_instance() {
    let slow =
        "[recovery]\ntimeout = \"10s\"\n[[fault]]\nat = \"0s\"\naction = \"slow\"\nfactor = 40.0\ninstances = [0]\n";
    let wide = |text: String| text.replace("servers = 4", "servers = 16");
    let without = replicate(&scenario(&wide(base(slow))));
    let hedge = "[recovery.retry]\nmax_attempts = 2\n[recovery.hedge]\ndelay = \"50ms\"\n";
    let with = replicate(&scenario(&wide(base(&format!("{slow}{hedge}")))));
    assert!(values(&without, "latency.p99")[0] > 0.2, "{:?}", values(&without, "latency.p99"));
    assert!(values(&with, "latency.p99")[0] < 0.1, "{:?}", values(&with, "latency.p99"));
    let hedges = values(&with, "hedges")[0] / values(&with, "requests")[0];
    // A hedge fires for every request whose first attempt went to the slow instance. Under
    // round-robin that is between 1/4 of requests and 1/3 (when every hedge takes a turn of
    // the rotation too, first attempts x on the slow instance satisfy x / (1 + x) = 1/4).
    assert!((0.25..=0.34).contains(&hedges), "hedged fraction {hedges}");
}

/// With a deadline, a server drops work that has expired instead of serving it, and a
/// response after the deadline does not count as a success.
#[test]
fn deadlines_drop_expired_work_and_bound_latency() {
    let overload = "[recovery]\ntimeout = \"10s\"\ndeadline = \"200ms\"\n[[fault]]\nat = \"50s\"\naction = \"slow\"\nfactor = 400.0\nfraction = 1.0\nuntil = \"60s\"\n";
    let runs = replicate(&scenario(&base(overload)));
    assert!(values(&runs, "expired_dropped")[0] > 100.0);
    assert!(max_of(&runs, "latency.max") <= 0.2 + ROUNDING);
    assert!(values(&runs, "success_ratio")[0] < 0.99);
}
