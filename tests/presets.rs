//! Every preset against the detection window derived from its system's defaults for an
//! isolated crash (README, "Presets"). Common set-up: 300 instances that crash and recover —
//! time to failure exponential, mean 20 000 s, repair 300 s (longer than every window, and
//! about 1.5 % of the instances down at a time, so Eureka's eviction cap never binds) —
//! constant delay d = 10 ms, no loss; 10 seeded replications; 99.9 % intervals for the mean.
//! Each instance's heartbeat or probe phase is uniform and independent of its crash, so the
//! crash falls uniformly within its period; the sweeps' phase is drawn once per run, so the
//! wait for the next sweep is uniform too. The means and maxima are those of the crashes of
//! the phase `body` (the first 20 000 s), which the 300 s after it leave time to detect.

mod common;
use common::*;

const D: f64 = 0.010;

fn isolated_crashes_with(preset: &str) -> String {
    format!(
        r#"
name = "preset"
preset = "{preset}"
horizon = "20300s"
replications = 10
[[phase]]
name = "body"
from = "0s"
to = "20000s"
[cluster]
instances = 300
failure = {{ model = "crash-recover", mttf = {{ dist = "exponential", mean = "20000s" }}, mttr = {{ dist = "constant", value = "300s" }} }}
[network]
delay = {{ dist = "constant", value = "10ms" }}
"#
    )
}

/// The preset's detection window (low, high] and mean, checked on every crash of every run.
fn assert_window(preset: &str, low: f64, high: f64, mean: f64) {
    let runs = replicate(&scenario(&isolated_crashes_with(preset)));
    assert!(min_of(&runs, "detection_time.min") > low - ROUNDING, "{preset}: min below {low}");
    assert!(max_of(&runs, "detection_time.max@body") <= high + NS + ROUNDING, "{preset}: max above {high}");
    assert_covers(ci(&runs, "detection_time.mean@body"), mean, preset);
    assert_eq!(values(&runs, "undetected@body"), vec![0.0; 10], "{preset}: every crash detected");
    assert_eq!(values(&runs, "false_suspicions"), vec![0.0; 10], "{preset}: no loss, no mistakes");
}

/// Heartbeat every T, lease L after the last arrival, sweep every X from a random phase:
/// detection = L + d − U·T + W, U ~ U(0, 1), W ~ U(0, X) — within (L − T + d, L + d + X],
/// mean L − T/2 + d + X/2.
fn lease_and_sweep(t: f64, l: f64, x: f64) -> (f64, f64, f64) {
    (l - t + D, l + D + x, l - t / 2.0 + D + x / 2.0)
}

/// T = 30 s, L = 2 × 90 s (the code's expiry), X = 60 s: (150 s, 240 s] + d, mean 195 s + d.
#[test]
fn eureka_detects_within_150_to_240_s_mean_195_s() {
    let (low, high, mean) = lease_and_sweep(30.0, 180.0, 60.0);
    assert_window("eureka", low, high, mean);
}

/// T = 10 s, L = grace 50 s, X = monitor period 5 s: (40 s, 55 s] + d, mean 47.5 s + d.
#[test]
fn kubernetes_marks_a_node_not_ready_within_40_to_55_s_mean_47_5_s() {
    let (low, high, mean) = lease_and_sweep(10.0, 50.0, 5.0);
    assert_window("kubernetes", low, high, mean);
}

/// T = TTL/3 = 3.333333333 s, L = TTL = 10 s, X = 0.5 s: (6.67 s, 10.5 s] + d, mean 8.58 s + d.
#[test]
fn etcd_revokes_a_lease_within_6_7_to_10_5_s_mean_8_58_s() {
    let (low, high, mean) = lease_and_sweep(3.333_333_333, 10.0, 0.5);
    assert_window("etcd", low, high, mean);
}

/// T = S/3 = 10 s, L = S = 30 s, expiry on 2 s ticks (phase 0, but the crashes are uniform over
/// whole ticks, so the wait for the tick is U(0, 2 s)): (20 s, 32 s] + d, mean 26 s + d.
#[test]
fn zookeeper_expires_a_session_within_20_to_32_s_mean_26_s() {
    let (low, high, mean) = lease_and_sweep(10.0, 30.0, 2.0);
    assert_window("zookeeper", low, high, mean);
}

/// Timer every T = 10 s, probe timeout τ = 1 s, m = 3 failures (tests/closed_forms.rs's timer
/// form): U·T + τ − d + (m − 1)·T, within (21 s − d, 31 s − d], mean 26 s − d.
#[test]
fn kubernetes_readiness_probes_mark_a_pod_unready_within_21_to_31_s_mean_26_s() {
    assert_window("kubernetes-readiness", 21.0 - D, 31.0 - D, 26.0 - D);
}

/// Akka: steady heartbeats every T = 1 s give an exact mean T and standard deviation 0, so the
/// floor σ = 100 ms holds and the deadline after the last arrival is L = T + pause + z·σ, z the
/// root of 0.070566·z³ + 1.5976·z = ln(10^8 − 1) (φ = threshold under the logistic
/// approximation): window (L − T + d, L + d], mean L − T/2 + d ≈ 4.0326 s.
#[test]
fn akka_detects_within_3_5_to_4_5_s_mean_4_03_s() {
    let target = (1e8f64 - 1.0).ln();
    let mut z: f64 = target / 1.5976;
    for _ in 0..50 {
        z -= (0.070566 * z.powi(3) + 1.5976 * z - target) / (3.0 * 0.070566 * z * z + 1.5976);
    }
    let lease = 1.0 + 3.0 + z * 0.1;
    assert_window("akka", lease - 1.0 + D, lease + D + NS, lease - 0.5 + D);
}

/// Cassandra: the window holds n intervals of 1 s after the initial 2 s sample, so its mean is
/// 1 + 1/n until the window (1000) is full, then 1; the deadline is L₀·mean with L₀ = 8 · ln 10
/// s. Detection = L₀(1 + 1/n) + d − U·T: window (L₀ − T + d, 2L₀ + d], mean L₀ − T/2 + d +
/// L₀·E[1/n; n ≤ 1000], where n ≈ ⌈uptime⌉ at the crash and the uptime is exponential with mean
/// μ = 20 000 s (the tail of young histories adds about 7 ms).
#[test]
fn cassandra_convicts_within_17_4_to_36_8_s_mean_17_93_s() {
    let l0 = 8.0 * 10f64.ln();
    let mu = 20_000.0;
    let young: f64 =
        (1..=1000).map(|n| (1.0 / n as f64) * ((-(n as f64 - 1.0) / mu).exp() - (-(n as f64) / mu).exp())).sum();
    assert_window("cassandra", l0 - 1.0 + D, 2.0 * l0 + D + NS, l0 - 0.5 + D + l0 * young);
}

/// Cassandra on gossip (`cassandra-gossip`), one instance and the registry's agent, d = 10 ms,
/// the instance crashed for good at 100 s: the agent learns each heartbeat version 1 s apart
/// (3d after the instance's round), so its window holds the initial 2 s and 99 × 1 s, and it
/// convicts at its first once-a-second check past T = 8 · ln 10 · 101/100 after the last
/// arrival: D = T + 3d − w + U (w, U ~ U(0, 1)), + 1 s when the crash falls inside the last
/// exchange (probability 2d): E[D] = T + 5d = 18.655 s, D within (T − 1 + 3d, T + 2 + 3d]
/// (tests/cassandra_gossip.rs derives it).
#[test]
fn cassandra_gossip_convicts_8_ln10_mean_after_the_last_gossiped_heartbeat() {
    let text = r#"
name = "cassandra-gossip"
horizon = "130s"
replications = 1000
preset = "cassandra-gossip"
[cluster]
instances = 1
[network]
delay = { dist = "constant", value = "10ms" }
[[fault]]
at = "100s"
action = "crash"
instances = [0]
"#;
    let runs = replicate(&scenario(text));
    let t = 8.0 * 10f64.ln() * 101.0 / 100.0;
    assert!(min_of(&runs, "detection_time.min") > t - 1.0 + 3.0 * D - ROUNDING);
    assert!(max_of(&runs, "detection_time.max") <= t + 2.0 + 3.0 * D + ROUNDING);
    assert_covers(ci(&runs, "detection_time.mean"), t + 5.0 * D, "cassandra-gossip");
}

/// Consul's TTL check: updates every T = 10 s, critical L = TTL = 30 s after the last, no
/// sweep: (20 s, 30 s] + d, mean 25 s + d.
#[test]
fn consul_marks_a_ttl_check_critical_within_20_to_30_s_mean_25_s() {
    let (low, high, mean) = lease_and_sweep(10.0, 30.0, 0.0);
    assert_window("consul", low, high, mean);
}

/// Consul's reaper, with deregister_critical_service_after A = 60 s (its minimum; the preset's
/// 90 min outlasts these repairs): the check goes critical at the detection time D above, and
/// the agent's next check strictly after D + A removes it, the checks every X = 30 s from a
/// phase uniform per instance: reap_time = D + A + W, W ~ U(0, X], within (80 s + d, 120 s + d],
/// mean 25 + 60 + 15 s + d = 100 s + d. Every crash (repair 300 s) is reaped, those of the
/// body by the horizon.
#[test]
fn consuls_reaper_deregisters_a_critical_service_within_80_to_120_s_mean_100_s() {
    let text = isolated_crashes_with("consul") + "[registry.reaper]\nafter = \"60s\"\n";
    let runs = replicate(&scenario(&text));
    assert!(min_of(&runs, "reap_time.min") > 80.0 + D - ROUNDING);
    assert!(max_of(&runs, "reap_time.max") <= 120.0 + D + ROUNDING);
    assert_covers(ci(&runs, "reap_time.mean"), 100.0 + D, "consul reaper");
    assert_eq!(values(&runs, "reaped"), values(&runs, "reap_time.count"), "only crashes go critical");
    let reaped = values(&runs, "reaped");
    let (body, all) = (values(&runs, "detection_time.count@body"), values(&runs, "detection_time.count"));
    for ((reaped, body), all) in reaped.iter().zip(&body).zip(&all) {
        assert!(body <= reaped && reaped <= all, "every crash of the body is reaped by the horizon, 300 s later");
    }
}

/// Overriding a preset's key changes only that key: Kubernetes before v1.32 (grace 40 s) is
/// the same window 10 s earlier.
#[test]
fn a_scenario_key_overrides_the_preset_kubernetes_before_1_32() {
    let text = isolated_crashes_with("kubernetes") + "[detector]\ntimeout = \"40s\"\n";
    let runs = replicate(&scenario(&text));
    let (low, high, mean) = lease_and_sweep(10.0, 40.0, 5.0);
    assert!(min_of(&runs, "detection_time.min") > low - ROUNDING);
    assert!(max_of(&runs, "detection_time.max@body") <= high + NS + ROUNDING);
    assert_covers(ci(&runs, "detection_time.mean@body"), mean, "kubernetes grace 40 s");
}

/// Envoy: one client, round-robin over n = 10 instances (fewer, and Envoy's 10 % ejects none),
/// Poisson λ = 10/s, attempts time out after τ = 100 ms, the registry never notices (a 10⁵ s
/// lease); instance 0 crashes at 10 s. Its N = 5th failed attempt comes with the
/// (j + (N − 1)·n)-th request after the crash, j uniform on 1..n (tests/outlier.rs): ejection
/// ((n + 1)/2 + (N − 1)·n)/λ + τ = 4.65 s after.
#[test]
fn envoy_ejects_a_crashed_host_4_65_s_after_the_crash() {
    let text = r#"
name = "envoy"
preset = "envoy"
horizon = "30s"
replications = 300
[cluster]
instances = 10
servers = 4
service_time = { dist = "constant", value = "10us" }
[network]
delay = { dist = "constant", value = "10us" }
[detector]
kind = "heartbeat"
interval = "1s"
timeout = "100000s"
[workload]
clients = 1
rate = 10.0
[recovery]
timeout = "100ms"
[[fault]]
at = "10s"
action = "crash"
instances = [0]
"#;
    let runs = replicate(&scenario(text));
    assert_eq!(min_of(&runs, "ejection_time.count"), 1.0, "every run ejects it once");
    assert_covers(ci(&runs, "ejection_time.mean"), (5.5 + 40.0) / 10.0 + 0.1, "envoy: crash to ejection");
}

/// The gossip presets (n = 101 members: 100 instances and the registry's agent; crashes every
/// 20 000 s on average, repairs 120 s, 6 runs of 5000 s, constant 10 ms delay, no loss). The
/// registry's detection is the first failed probe, a period later the suspicion, Lifeguard's
/// timeout, and the spread of the death to the agent. The first probe of a crashed member: each
/// of the m = 100 others reaches it in its shuffled round robin after a time whose density is
/// 1/((n − 1)T) near 0, so the first of them after (n − 1)T/(m + 1) = 0.990 T on average (the
/// random-probing form, tests/gossip.rs, gives 0.996 T). Members probe it at about one per
/// period, so the confirmations Lifeguard needs (k = suspicion_mult − 2) arrive long before
/// the timeout falls to min = suspicion_mult · log10(101) · T (the chance of fewer in that
/// time is below 1 %): the first accuser declares it dead min after its suspicion. The spread
/// to the agent takes a few gossip rounds, measured at under a second for LAN and Local, two
/// for WAN (its gossip is slower): mean within [0.99 T + T + min, that + spread].
fn assert_gossip_window(preset: &str, period: f64, suspicion_mult: f64, spread: f64) {
    let text = format!(
        r#"
name = "preset"
preset = "{preset}"
horizon = "5000s"
replications = 6
[[phase]]
name = "body"
from = "0s"
to = "4500s"
[cluster]
instances = 100
failure = {{ model = "crash-recover", mttf = {{ dist = "exponential", mean = "20000s" }}, mttr = {{ dist = "constant", value = "120s" }} }}
[network]
delay = {{ dist = "constant", value = "10ms" }}
"#
    );
    let runs = replicate(&scenario(&text));
    let min = suspicion_mult * 101f64.log10() * period;
    let low = 100.0 / 101.0 * period + period + min;
    let estimate = ci(&runs, "detection_time.mean@body");
    println!("{preset}: derived [{low}, {}], measured {estimate:?}", low + spread);
    assert!(min_of(&runs, "detection_time.min") > min, "{preset}: never before the suspicion timeout");
    assert!(estimate.ci_high >= low && estimate.ci_low <= low + spread, "{preset}: {estimate:?}");
    assert_eq!(values(&runs, "undetected@body"), vec![0.0; 6], "{preset}: every crash detected");
    assert_eq!(values(&runs, "false_suspicions"), vec![0.0; 6], "{preset}: no loss, no mistakes");
}

/// memberlist LAN: T = 1 s, min = 4 · log10(101) = 8.02 s: mean in [10.01, 11.01] s.
#[test]
fn memberlist_lan_declares_a_crash_dead_about_10_s_after_it() {
    assert_gossip_window("memberlist-lan", 1.0, 4.0, 1.0);
}

/// memberlist WAN: T = 5 s, min = 6 · log10(101) · 5 = 60.13 s: mean in [70.08, 72.08] s.
#[test]
fn memberlist_wan_declares_a_crash_dead_about_70_s_after_it() {
    assert_gossip_window("memberlist-wan", 5.0, 6.0, 2.0);
}

/// memberlist Local: T = 1 s, min = 3 · log10(101) = 6.01 s (k = 1: one confirmation
/// suffices): mean in [8.00, 9.00] s.
#[test]
fn memberlist_local_declares_a_crash_dead_about_8_s_after_it() {
    assert_gossip_window("memberlist-local", 1.0, 3.0, 1.0);
}

/// Consul LAN: memberlist LAN's window for the node's death (serfHealth critical at the
/// servers' member).
#[test]
fn consul_lan_marks_a_dead_node_critical_about_10_s_after_it() {
    assert_gossip_window("consul-lan", 1.0, 4.0, 1.0);
}

/// Every preset the code ships has a window test here.
#[test]
fn every_preset_has_a_window_test() {
    let source = std::fs::read_to_string("tests/presets.rs").unwrap();
    for preset in discosim::presets::PRESETS {
        let tested = source.contains(&format!("assert_window(\"{}\"", preset.name))
            || source.contains(&format!("assert_gossip_window(\"{}\"", preset.name))
            || source.contains(&format!("preset = \"{}\"", preset.name));
        assert!(tested, "no window test for {}", preset.name);
    }
}

/// SWIM as in the paper (`swim-paper`): random targets in synchronous rounds, so the first
/// probe of a crashed member comes at a round boundary (U·T after the crash on average T/2),
/// and in each round some of the m = 100 other live members picks it with q = 1 − (1 −
/// 1/100)^100 = 0.634 — the paper's 1 − e^(−1) for large n, whence its expected e/(e − 1) =
/// 1.582 rounds to first detection (1/q = 1.577 here); the prober suspects it at the next
/// round and declares it dead after the fixed suspicion timeout min = 4 · log10(101) · T =
/// 8.017 s: T/2 + T (1/q − 1) + T + min = 10.095 s after the crash, for the first member that
/// holds it dead. Constant 1 ms delay, no loss, rare crashes (as tests/gossip.rs).
#[test]
fn swim_paper_first_detection_takes_e_over_e_minus_1_rounds() {
    let text = r#"
name = "swim-paper"
preset = "swim-paper"
horizon = "10000s"
replications = 6
[cluster]
instances = 100
failure = { model = "crash-recover", mttf = { dist = "exponential", mean = "20000s" }, mttr = { dist = "constant", value = "60s" } }
[network]
delay = { dist = "constant", value = "1ms" }
"#;
    let runs = replicate(&scenario(text));
    let q = 1.0 - (1.0 - 0.01f64).powi(100);
    let min = 4.0 * 101f64.log10();
    assert!((1.0 / q - std::f64::consts::E / (std::f64::consts::E - 1.0)).abs() < 0.01, "the paper's large-n limit");
    assert_covers(ci(&runs, "dissemination_first_time.mean"), 0.5 + (1.0 / q - 1.0) + 1.0 + min, "swim-paper");
    assert_eq!(values(&runs, "gossip_false_suspicions"), vec![0.0; 6], "no loss, no mistakes");
}
