//! Load-spread metrics (`[metrics] load_spread`) through a whole run: the ring's key-space
//! shares against the Beta closed form for every number of virtual nodes, bounded-load hashing
//! lowering the peak of attempts in flight to one instance, and the key being opt-in.

mod common;
use common::*;

/// `instances` single-worker instances (exponential service, mean 10 ms), 4 clients at
/// `rate` each over a million keys, `balancer` (the `[balancer]` table's lines), load spread on.
fn spread_scenario(instances: u32, rate: f64, balancer: &str, replications: u32) -> String {
    let extra = format!("[metrics]\nload_spread = true\n[balancer]\n{balancer}\n");
    served_scenario(instances, 1, rate, 1_000_000, ("20s", replications), &extra)
}

/// Lamping and Veach (2014) tabulate the ring's spread against the points per bucket, about
/// 1/√v. Exactly: an instance's share is a sum of v of the n·v spacings of n·v uniform points
/// on the circle, Beta(v, (n−1)v), relative sd sqrt((n−1)/(n·v + 1)). One ring's n = 1000
/// shares estimate it with a relative sd of sqrt((2 + 6/v)/n)/2 (a sample sd of Gamma(v)-like
/// values: kurtosis 6/v), so the check allows 3.3 of those (99.9 %).
#[test]
fn ring_share_spread_follows_the_beta_closed_form() {
    let n = 1000u32;
    println!("vnodes  share_sd_over_mean  closed form  1/sqrt(v)  p01  p99");
    for v in [1u32, 10, 100, 1000] {
        let s = scenario(&spread_scenario(n, 10.0, &format!("kind = \"ring\"\nvnodes = {v}"), 1));
        let run = &replicate(&s)[0];
        let sd = run.get("share_sd_over_mean").unwrap();
        let closed = ((n - 1) as f64 / (n as f64 * v as f64 + 1.0)).sqrt();
        let (p01, p99) = (run.get("share_p01_over_mean").unwrap(), run.get("share_p99_over_mean").unwrap());
        println!("{v:>6}  {sd:>18.5}  {closed:>11.5}  {:>9.5}  {p01:.4}  {p99:.4}", 1.0 / (v as f64).sqrt());
        let tolerance = 3.3 * ((2.0 + 6.0 / v as f64) / n as f64).sqrt() / 2.0;
        assert!((sd / closed - 1.0).abs() < tolerance, "v={v}: {sd} vs {closed} (±{tolerance})");
        assert!(p01 < 1.0 && 1.0 < p99, "v={v}: the quantiles straddle the mean");
    }
}

/// Bounded-load hashing (Mirrokni, Thorup and Zadimoghaddam 2018) sends a key past an
/// instance holding c × the mean load, so on a ring with one virtual node per instance (some
/// arcs many times the mean) it lowers the peak of attempts in flight to one instance over the
/// mean; the 99.9 % intervals over replications must not overlap.
#[test]
fn bounded_load_lowers_the_concurrency_peak_of_a_skewed_ring() {
    let peak = |balancer: &str| {
        let s = scenario(&spread_scenario(10, 150.0, balancer, 10));
        ci(&replicate(&s), "concurrency_peak_over_mean")
    };
    let ring = peak("kind = \"ring\"\nvnodes = 1");
    let bounded = peak("kind = \"bounded-load\"\nvnodes = 1\nc = 1.25");
    println!(
        "concurrency peak/mean: ring {} [{}, {}], bounded-load {} [{}, {}]",
        ring.mean, ring.ci_low, ring.ci_high, bounded.mean, bounded.ci_low, bounded.ci_high
    );
    assert!(bounded.ci_high < ring.ci_low, "bounded-load {bounded:?} vs ring {ring:?}");
}

/// The metrics are opt-in: without `[metrics]` no column appears; asking for them without a
/// workload, or misspelling the key, is an error at the key.
#[test]
fn load_spread_is_opt_in_and_checked() {
    let without = spread_scenario(5, 1.0, "kind = \"ring\"", 1).replace("load_spread = true", "");
    assert!(!scenario(&without).metric_names().iter().any(|m| m.starts_with("share_") || m.starts_with("concurrency")));
    let detection_only = "name = \"x\"\nhorizon = \"1s\"\n[cluster]\ninstances = 2\n[detector]\nkind = \"heartbeat\"\ninterval = \"1s\"\n[metrics]\nload_spread = true\n";
    let error = discosim::scenario::parse(detection_only, "x.toml", std::path::Path::new("."), &[]).unwrap_err();
    assert!(error.to_string().contains("metrics.load_spread"), "{error}");
    let misspelt = spread_scenario(5, 1.0, "kind = \"ring\"", 1).replace("load_spread = true", "load_sprad = true");
    let error = discosim::scenario::parse(&misspelt, "x.toml", std::path::Path::new("."), &[]).unwrap_err();
    assert!(error.to_string().contains("load_spread"), "did you mean: {error}");
}
