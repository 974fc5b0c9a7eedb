//! The registry's own mechanisms against their closed forms: eviction sweeps (the wait for the
//! next sweep, tick alignment, Eureka's cap per sweep). Seeded, so every run is the same.

mod common;
use common::*;
use discosim::world::World;

const D: f64 = 0.010;

/// Heartbeat every 1 s with a 2 s timeout over a constant 10 ms delay; each of 400 instances
/// crashes once, uniformly on [10 s, 1000 s]; `registry` is the `[registry]` table.
fn heartbeat_with(registry: &str, replications: u32) -> String {
    format!(
        r#"
name = "eviction"
horizon = "1030s"
replications = {replications}
[cluster]
instances = 400
failure = {{ model = "crash-stop", mttf = {{ dist = "uniform", low = "10s", high = "1000s" }} }}
[network]
delay = {{ dist = "constant", value = "10ms" }}
[detector]
kind = "heartbeat"
interval = "1s"
timeout = "2s"
[registry]
{registry}
"#
    )
}

/// Heartbeat k = 2, T = 1 s, delay d: the lease expires kT + d − U·T after the crash
/// (tests/closed_forms.rs). A sweep every X from a phase independent of the crashes — the crash
/// time is uniform over 198 whole sweep periods — adds W ~ U(0, X): detection within
/// ((k−1)T + d, kT + d + X], mean (k − ½)T + d + X/2.
#[test]
fn an_eviction_sweep_adds_half_its_interval_to_the_mean_detection_time() {
    let x = 5.0;
    let runs = replicate(&scenario(&heartbeat_with("eviction = { interval = \"5s\" }", 10)));
    assert!(min_of(&runs, "detection_time.min") >= 1.0 + D - ROUNDING);
    assert!(max_of(&runs, "detection_time.max") <= 2.0 + D + x + NS + ROUNDING);
    assert_covers(ci(&runs, "detection_time.mean"), 1.5 + D + x / 2.0, "heartbeat + sweep every 5 s");
    assert_eq!(values(&runs, "detection_time.count"), vec![400.0; 10], "every crash evicted");
    assert_eq!(values(&runs, "false_suspicions"), vec![0.0; 10], "a sweep adds no mistakes");
}

/// `phase = "0s"`: sweeps on multiples of the interval, as ZooKeeper's expiry ticks — every
/// change of the registry's view to down happens on a tick.
#[test]
fn with_phase_zero_the_registry_unlists_only_on_ticks() {
    let tick_ns = 2_000_000_000;
    let s = scenario(&heartbeat_with("eviction = { interval = \"2s\", phase = \"0s\" }", 1));
    let (_, _, trace) = World::new(&s, 7).run_traced();
    let downs: Vec<u64> = trace.iter().filter(|r| r.event == "registry_down").map(|r| r.time).collect();
    assert_eq!(downs.len(), 400, "every crash unlisted");
    assert!(downs.iter().all(|t| t % tick_ns == 0), "off-tick: {:?}", downs.iter().find(|t| *t % tick_ns != 0));
}

/// Eureka's cap: 30 of 100 instances crash at 100 s; their leases expire by 102.01 s; sweeps
/// run at multiples of 60 s and each evicts at most size − ⌊size × 0.85⌋ of those listed:
/// 15 of 100 at 120 s, 13 of 85 at 180 s, the last 2 (cap 11 of 72) at 240 s. Detection
/// times: 15 × 20 s, 13 × 80 s, 2 × 140 s — mean 54 s, exactly, in every run.
#[test]
fn a_capped_sweep_evicts_size_minus_floor_of_keep_times_size_per_sweep() {
    let text = r#"
name = "eureka-cap"
horizon = "300s"
replications = 5
[cluster]
instances = 100
failure = { model = "none" }
[network]
delay = { dist = "constant", value = "10ms" }
[detector]
kind = "heartbeat"
interval = "1s"
timeout = "2s"
[registry]
eviction = { interval = "60s", phase = "0s", keep = 0.85 }
[[fault]]
at = "100s"
action = "crash"
count = 30
"#;
    let runs = replicate(&scenario(text));
    assert_eq!(values(&runs, "detection_time.count"), vec![30.0; 5]);
    for (metric, expected) in
        [("detection_time.min", 20.0), ("detection_time.max", 140.0), ("detection_time.mean", 54.0)]
    {
        assert!(
            values(&runs, metric).iter().all(|v| (v - expected).abs() < 1e-9),
            "{metric}: {:?}",
            values(&runs, metric)
        );
    }
}

/// 100 instances, each up for U(200 s, 9800 s) then down 300 s, over 20 300 s, watched by one
/// client sending `rate` requests a second; `network`, `detector` and `discovery` are the
/// bodies of those tables.
fn changing_instances(network: &str, detector: &str, discovery: &str, replications: u32, rate: f64) -> String {
    format!(
        r#"
name = "changing"
horizon = "20300s"
replications = {replications}
[cluster]
instances = 100
failure = {{ model = "crash-recover", mttf = {{ dist = "uniform", low = "200s", high = "9800s" }}, mttr = {{ dist = "constant", value = "300s" }} }}
[network]
{network}
[detector]
{detector}
[discovery]
{discovery}
[workload]
clients = 1
rate = {rate:?}
"#
    )
}

/// The cache chain of Eureka + Ribbon, one client, constant delay d, no loss: a change of the
/// registry's view waits for the response cache's refresh (W1 ~ U(0, R1): the cache's phase is
/// independent of the change), then for the client's next poll to read the cache (W2 ~
/// U(0, R2), its phase independent too), travels back in d, and waits for the balancer's list
/// refresh (W3 ~ U(0, R3)): propagation within (d, R1 + R2 + R3 + d], mean (R1 + R2 + R3)/2 + d.
/// Each stage on its own: `server_cache_time` = W1, within (0, R1], mean R1/2;
/// `client_cache_time` = W1 + W2 + d (the answer that carries it reaches the client's cache),
/// within (d, R1 + R2 + d], mean R1/2 + R2/2 + d.
/// Up and down periods last at least 200 s, longer than the chain (60 s), so no change is
/// superseded before it arrives (a superseded change counts as propagated at once). The
/// periods are commensurate (as Eureka's, all 30 s), so within one run the stages' phases are
/// locked and a run's mean is off by a phase-dependent constant (run means here span about
/// 23–31 s): the closed form holds over runs, hence many short replications.
#[test]
fn a_change_waits_for_each_cache_stage_in_turn() {
    let text = changing_instances(
        "delay = { dist = \"constant\", value = \"10ms\" }",
        "kind = \"heartbeat\"\ninterval = \"1s\"",
        "mode = \"poll\"\nrefresh = \"20s\"\nserver_cache = \"30s\"\nbalancer_refresh = \"10s\"",
        200,
        0.1,
    );
    let runs = replicate(&scenario(&text));
    assert!(min_of(&runs, "propagation_time.min") > D - ROUNDING);
    assert!(max_of(&runs, "propagation_time.max") <= 60.0 + D + ROUNDING);
    assert_covers(ci(&runs, "propagation_time.mean"), 30.0 + D, "response cache 30 s, poll 20 s, list 10 s");
    assert!(min_of(&runs, "server_cache_time.min") > 0.0);
    assert!(max_of(&runs, "server_cache_time.max") <= 30.0 + ROUNDING);
    assert_covers(ci(&runs, "server_cache_time.mean"), 15.0, "response cache 30 s");
    assert!(min_of(&runs, "client_cache_time.min") > D - ROUNDING);
    assert!(max_of(&runs, "client_cache_time.max") <= 50.0 + D + ROUNDING);
    assert_covers(ci(&runs, "client_cache_time.mean"), 25.0 + D, "response cache 30 s, poll 20 s");
}

/// A TTL (DNS-style) cache, TTL τ, one client sending Poisson requests at rate λ, constant
/// one-way delay d, no loss. An answer arrives at A; it runs out at A + τ; the first request
/// after that (W ~ Exp(λ) later, memoryless) sends a lookup that reads the registry d later and
/// lands after another d. So the registry is read at the points of a renewal process with
/// cycle C = τ + 2d + W, and a change (crash and detection times are independent of the
/// client's requests) waits for the next read — the residual life, mean E[C²]/(2E[C]) — then d
/// for the answer: with c = τ + 2d, E[C] = c + 1/λ, E[C²] = c² + 2c/λ + 2/λ². Here τ = 10 s,
/// λ = 0.5/s: 148.4804 / 24.04 + 0.01 = 6.1864 s. At least d, and more than the mean of a poll
/// every τ (τ/2 + 2d) since the wait for a request adds to each cycle.
#[test]
fn a_ttl_cache_is_read_again_at_the_first_request_after_it_runs_out() {
    let text = changing_instances(
        "delay = { dist = \"constant\", value = \"10ms\" }",
        "kind = \"heartbeat\"\ninterval = \"5s\"",
        "mode = \"ttl\"\nttl = \"10s\"",
        20,
        0.5,
    );
    let runs = replicate(&scenario(&text));
    let (c, mean_wait) = (10.0 + 2.0 * D, 2.0);
    let cycle = c + mean_wait;
    let cycle_squared = c * c + 2.0 * c * mean_wait + 2.0 * mean_wait * mean_wait;
    assert!(values(&runs, "propagation_time.count")[0] > 300.0);
    assert!(min_of(&runs, "propagation_time.min") >= D - ROUNDING);
    assert_covers(ci(&runs, "propagation_time.mean"), cycle_squared / (2.0 * cycle) + D, "TTL 10 s, requests 0.5/s");
}

/// A lost lookup (or answer) is retried by the client's next request. With no delay and loss p
/// each way, a lookup succeeds with q = (1 − p)², so after the TTL τ runs out the client waits
/// for a geometric number of Exp(λ) gaps: an Exp(λq) wait. Cycle C = τ + Exp(λq); the mean wait
/// of a change is E[C²]/(2E[C]) (as above, d = 0). The observer detector sends no messages, so
/// loss makes no false suspicion (which would supersede changes). p = 0.3, λ = 0.5/s, τ = 10 s:
/// 1/(λq) = 4.0816 s, mean 7.6323 s.
#[test]
fn a_lost_ttl_lookup_is_retried_by_the_next_request() {
    let text = changing_instances(
        "delay = { dist = \"constant\", value = \"0s\" }\nloss = 0.3",
        "kind = \"observer\"\ntick = \"1s\"\np = 1.0",
        "mode = \"ttl\"\nttl = \"10s\"",
        20,
        0.5,
    );
    let runs = replicate(&scenario(&text));
    let (ttl, mean_wait) = (10.0, 1.0 / (0.5 * 0.7 * 0.7));
    let cycle = ttl + mean_wait;
    let cycle_squared = ttl * ttl + 2.0 * ttl * mean_wait + 2.0 * mean_wait * mean_wait;
    assert!(values(&runs, "propagation_time.count")[0] > 300.0);
    assert_covers(ci(&runs, "propagation_time.mean"), cycle_squared / (2.0 * cycle), "TTL 10 s, loss 0.3 each way");
}

/// Eureka's self-preservation: 100 instances renew every 30 s (200 renewals a minute; the
/// threshold is (int)(100 × 2 × 0.85) = 170 and expiry needs more). Sweeps every 60 s from 60 s.
fn self_preservation_with(fraction: f64) -> String {
    format!(
        r#"
name = "self-preservation"
horizon = "3600s"
replications = 3
[cluster]
instances = 100
failure = {{ model = "none" }}
[network]
delay = {{ dist = "constant", value = "10ms" }}
[detector]
kind = "heartbeat"
interval = "30s"
timeout = "180s"
evaluation = "eager"
[registry]
eviction = {{ interval = "60s", phase = "60s", keep = 0.85 }}
self_preservation = {{}}
[[fault]]
at = "600s"
action = "crash"
fraction = {fraction}
until = "3000s"
"#
    )
}

/// 20 % crash at 600 s: from the minute [600 s, 660 s) on, 160 renewals a minute, not above
/// 170, so every sweep from 660 s suspends expiry (the 15-minute updates keep the expectation
/// at 100: the 100 still listed are above 85 % of it) and none of the 20 is ever evicted; at
/// 3000 s they recover and renew twice in [3000 s, 3060 s), so the sweep at 3060 s resumes.
/// Suspended exactly 3060 − 660 = 2400 s, with all 20 kept, in every run.
#[test]
fn self_preservation_keeps_a_fifth_of_the_registry_listed_while_it_is_down() {
    let runs = replicate(&scenario(&self_preservation_with(0.2)));
    assert_eq!(values(&runs, "self_preservation_time"), vec![2400.0; 3]);
    assert_eq!(values(&runs, "self_preservation_kept"), vec![20.0; 3]);
    assert_eq!(values(&runs, "detection_time.count"), vec![0.0; 3], "no crash is ever evicted");
}

/// Regression (current Eureka cancels an evicted lease, lowering the renewals it expects): a
/// first 10 % crash is evicted and returns; a second 10 % crash must be evicted too. Counting
/// the returns as registrations but the evictions as nothing once raised the expectation to
/// 110 (threshold 187), and the second crash (180 renewals) was kept listed.
#[test]
fn evictions_lower_the_renewals_expected() {
    let text = self_preservation_with(0.1).replace(
        "until = \"3000s\"",
        "until = \"1000s\"\n[[fault]]\nat = \"1500s\"\naction = \"crash\"\ninstances = [90, 91, 92, 93, 94, 95, 96, 97, 98, 99]",
    );
    let runs = replicate(&scenario(&text));
    assert_eq!(values(&runs, "self_preservation_time"), vec![0.0; 3]);
    assert!(
        values(&runs, "detection_time.count").iter().all(|&c| c >= 19.0),
        "{:?}",
        values(&runs, "detection_time.count")
    );
}

/// 10 % crash: 180 renewals a minute are above 170, expiry goes on, the 10 are evicted at the
/// first sweep after their leases expire (180 s after their last renewal: within (150 s, 180 s]
/// + d of the crash, then up to 60 s to a sweep), and no time is spent suspended.
#[test]
fn a_small_crash_does_not_trigger_self_preservation() {
    let runs = replicate(&scenario(&self_preservation_with(0.1)));
    assert_eq!(values(&runs, "self_preservation_time"), vec![0.0; 3]);
    assert_eq!(values(&runs, "detection_time.count"), vec![10.0; 3]);
    assert!(max_of(&runs, "detection_time.max") <= 180.0 + D + 60.0 + NS);
}

/// Regression: periods near the longest duration (hundreds of thousands of days) once wrapped
/// the next refresh time around to the past, and the run never advanced.
#[test]
fn cache_stages_with_enormous_periods_finish() {
    let text = r#"
name = "long-periods"
horizon = "200000d"
[cluster]
instances = 3
failure = { model = "none" }
[detector]
kind = "heartbeat"
interval = "100000d"
[discovery]
mode = "poll"
refresh = "150000d"
server_cache = "150000d"
balancer_refresh = "150000d"
[workload]
clients = 2
rate = 0.000001
"#;
    let runs = replicate(&scenario(text));
    // Finishing is the claim; the run also did its work: about 2 × 10⁻⁶/s × 1.7·10¹⁰ s requests.
    assert!(values(&runs, "requests")[0] > 10_000.0);
}

/// Kubernetes' two stages: a crashed node (crash-stop, uniform on [10 s, 1000 s]) is marked
/// NotReady within the node-lifecycle window, and its pods are evicted exactly the toleration
/// (300 s) later, since it never comes back: every crash gives one eviction, and in every run
/// the mean time to eviction is the mean detection time plus 300 s, the maximum likewise.
#[test]
fn pods_are_evicted_the_toleration_after_the_node_is_marked_not_ready() {
    let text = r#"
name = "pods"
preset = "kubernetes"
horizon = "1400s"
replications = 3
[cluster]
instances = 50
failure = { model = "crash-stop", mttf = { dist = "uniform", low = "10s", high = "1000s" } }
[network]
delay = { dist = "constant", value = "10ms" }
[registry.pod_eviction]
after = "300s"
"#;
    let runs = replicate(&scenario(text));
    assert_eq!(values(&runs, "pod_evictions"), vec![50.0; 3]);
    for run in &runs {
        let (detected, evicted) = (run.get("detection_time.mean").unwrap(), run.get("pod_eviction_time.mean").unwrap());
        assert!((evicted - detected - 300.0).abs() < 1e-6, "{detected} + 300 vs {evicted}");
        let (detected, evicted) = (run.get("detection_time.max").unwrap(), run.get("pod_eviction_time.max").unwrap());
        assert!((evicted - detected - 300.0).abs() < 1e-6);
    }
}
