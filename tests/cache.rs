//! The look-aside cache (`[cache]`) against closed forms: a TTL cache's hit ratio by the renewal
//! argument, an LRU cache's under the independent reference model (exact for uniform keys,
//! Che's approximation for Zipf keys), the backend load λ(1 − h), and a flush.

mod common;
use common::*;

/// Clients send Poisson requests at `rate` each (4 clients) over `keys` keys drawn from
/// `key_dist`; instances answer at once (no service time, no network delay), so a miss fills
/// the cache at the instant it happens. The phase `steady` leaves out the cold start.
fn cached(rate: f64, keys: u64, key_dist: &str, cache: &str) -> String {
    format!(
        r#"
name = "cache"
horizon = "200s"
replications = 10
[cluster]
instances = 4
[detector]
kind = "heartbeat"
interval = "1s"
[workload]
clients = 4
rate = {rate}
keys = {keys}
{key_dist}
[cache]
{cache}
[[phase]]
name = "steady"
from = "50s"
to = "200s"
"#
    )
}

/// TTL cache, Poisson requests at λ uniform over K keys: key k sees a Poisson stream of rate
/// λ_k = λ/K. A miss fills the entry and starts a period of τ in which every request hits
/// (λ_k τ expected), and the first request after it misses again: a renewal cycle with
/// 1 + λ_k τ requests of which λ_k τ hit, so h = λ_k τ / (1 + λ_k τ) (renewal-reward theorem;
/// e.g. Jung, Berger, Balakrishnan, "Modeling TTL-based Internet caches", INFOCOM 2003).
/// Assumptions: the fill happens at the miss (instances answer at once), keys independent.
/// The backend sees only the misses: λ(1 − h).
#[test]
fn ttl_hit_ratio_is_lambda_tau_over_one_plus_lambda_tau() {
    let (lambda, keys) = (100.0, 100u64);
    for tau in [1.0, 4.0] {
        let runs = replicate(&scenario(&cached(lambda / 4.0, keys, "", &format!("ttl = \"{tau}s\""))));
        let x = lambda / keys as f64 * tau;
        let h = x / (1.0 + x);
        assert_covers(ci(&runs, "cache_hit_ratio@steady"), h, &format!("TTL hit ratio, λ_k τ = {x}"));
        assert_covers(ci(&runs, "backend_request_rate@steady"), lambda * (1.0 - h), "backend rate λ(1 − h)");
        assert_covers(ci(&runs, "offered_load@steady"), lambda * (1.0 - h), "attempts at the instances");
    }
}

/// LRU of capacity C under the independent reference model with K equally likely keys: by
/// symmetry the C cached keys are a uniformly random C-subset of the K keys in steady state,
/// so the next request hits with probability exactly C/K (King 1971; any demand-driven
/// policy that does not look at key names gives C/K under uniform demand).
#[test]
fn lru_with_uniform_keys_hits_c_over_k() {
    let runs = replicate(&scenario(&cached(50.0, 100, "", "capacity = 30")));
    assert_covers(ci(&runs, "cache_hit_ratio@steady"), 0.3, "LRU, uniform keys, C/K");
}

/// Che's approximation (Che, Tung, Wang, IEEE JSAC 2002; justified by Fricker, Robert,
/// Roberts, ITC 2012): under the independent reference model with key probabilities p_k, LRU
/// of capacity C keeps a key if it was requested within the characteristic time t_C, the root
/// of Σ_k (1 − e^{−p_k t_C}) = C (t_C in requests), and hits with probability
/// h = Σ_k p_k (1 − e^{−p_k t_C}). It is an approximation: Fricker et al. find it accurate to
/// well under 1 % (absolute) for Zipf popularity with catalogues of hundreds of keys and more
/// and C ≥ 10, so the simulated mean must lie within its 99.9 % interval widened by 0.01.
#[test]
fn lru_with_zipf_keys_follows_che() {
    let (keys, s, capacity) = (1000u64, 0.8, 100.0);
    let runs = replicate(&scenario(&cached(50.0, keys, "key_dist = \"zipf\"\nzipf_exponent = 0.8", "capacity = 100")));
    let weights: Vec<f64> = (1..=keys).map(|k| (k as f64).powf(-s)).collect();
    let total: f64 = weights.iter().sum();
    let p: Vec<f64> = weights.iter().map(|w| w / total).collect();
    let filled = |t: f64| p.iter().map(|p| 1.0 - (-p * t).exp()).sum::<f64>();
    let (mut low, mut high) = (0.0, 1e9);
    for _ in 0..200 {
        let mid = (low + high) / 2.0;
        if filled(mid) < capacity { low = mid } else { high = mid }
    }
    let che: f64 = p.iter().map(|p| p * (1.0 - (-p * low).exp())).sum();
    let e = ci(&runs, "cache_hit_ratio@steady");
    println!("Che: t_C = {low:.1} requests, h = {che:.4}; simulated {} [{}, {}]", e.mean, e.ci_low, e.ci_high);
    assert!(e.ci_low - 0.01 <= che && che <= e.ci_high + 0.01, "Che {che} vs [{}, {}]", e.ci_low, e.ci_high);
}

/// A flush empties the cache: the hit ratio right after it is that of a cold cache, and it
/// recovers as keys are fetched again. With a TTL of τ and λ_k τ = 4 the cache's steady hit
/// ratio is 0.8; an empty cache warms key by key (each key's first request misses), so the
/// bins' ratio is back to 0.9 × 0.8 within a few seconds (every key requested at 1/s once).
#[test]
fn a_flush_empties_the_cache_and_the_hit_ratio_recovers() {
    let text = cached(25.0, 100, "", "ttl = \"4s\"")
        + "[[fault]]\nat = \"100s\"\naction = \"flush\"\n[[phase]]\nname = \"flushed\"\nfrom = \"100s\"\nto = \"101s\"\n";
    let runs = replicate(&scenario(&text));
    assert!(ci(&runs, "cache_hit_ratio@flushed").mean < 0.5, "a cold second after the flush");
    assert_eq!(values(&runs, "cache_recovery_time.count"), vec![1.0; 10], "recovered once per run");
    let recovery = ci(&runs, "cache_recovery_time.mean");
    assert!(recovery.mean > 1.0 && recovery.mean < 10.0, "{recovery:?}");
}

/// Without `[cache]`, no cache metric is reported (the columns of every other scenario stay
/// as they were); a flush without a cache is refused.
#[test]
fn the_cache_is_opt_in() {
    let plain = scenario(&served_scenario(1, 1, 10.0, 100, ("10s", 1), ""));
    assert!(plain.metric_names().iter().all(|n| !n.contains("cache_hit")));
    let text = served_scenario(1, 1, 10.0, 100, ("10s", 1), "[[fault]]\nat = \"5s\"\naction = \"flush\"\n");
    let error = discosim::scenario::parse(&text, "test.toml", std::path::Path::new("."), &[]).unwrap_err().to_string();
    assert!(error.contains("no `[cache]`"), "{error}");
    let parse = |text: &str| discosim::scenario::parse(text, "test.toml", std::path::Path::new("."), &[]);
    let detection_only = "name = \"c\"\nhorizon = \"10s\"\n[cluster]\ninstances = 1\n[detector]\nkind = \"heartbeat\"\ninterval = \"1s\"\n[cache]\nttl = \"1s\"\n";
    assert!(parse(detection_only).unwrap_err().to_string().contains("no request `[workload]`"));
    let too_many = cached(1.0, 2_000_000, "", "ttl = \"1s\"");
    assert!(parse(&too_many).unwrap_err().to_string().contains("too many for a cache"));
    let typo = cached(1.0, 10, "", "capacty = 3");
    assert!(parse(&typo).unwrap_err().to_string().contains("capacity"), "a near miss is suggested");
}
