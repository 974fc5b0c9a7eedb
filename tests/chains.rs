//! Call chains (`[[tier]]`, issue #15 part 3) against closed forms: retry amplification down
//! the chain when the bottom always fails ((r + 1)^i attempts at tier i per request), when it
//! fails independently with probability p (geometric attempts composed tier by tier), and
//! under retry budgets (at most 1 + ratio per tier); an outage window; and the input errors.

mod common;
use common::*;
use discosim::scenario;
use std::path::Path;

/// One downstream tier: attempts per call, its retry budget (`budget = …` or ""), its own
/// `failure` probability (0 for the tiers above the bottom) and extra keys.
fn tier(attempts: u32, budget: &str, failure: f64, extra: &str) -> String {
    format!(
        "[[tier]]\ninstances = 2\nworkers = 64\nservice_time = {{ dist = \"constant\", value = \"1ms\" }}\n\
         timeout = \"10s\"\nattempts = {attempts}\nbackoff = \"1ms\"\nfailure = {failure}\n{budget}\n{extra}\n"
    )
}

/// 4 clients at 20 requests/s over `horizon`, each request up to `client_attempts` attempts
/// (fixed 1 ms backoff, timeouts that never fire), served by 2 cluster instances that call
/// the `tiers` below; `retry` extra keys of `[recovery.retry]`.
fn chain(client_attempts: u32, retry: &str, run: (&str, u32), tiers: &str) -> String {
    let recovery = format!(
        "[network]\ndelay = {{ dist = \"constant\", value = \"500us\" }}\n\
         [recovery.retry]\nmax_attempts = {client_attempts}\nbackoff = \"fixed\"\nbase = \"1ms\"\n{retry}\n{tiers}"
    );
    served_scenario(2, 64, 20.0, 1000, run, &recovery)
        .replace("timeout = \"1h\"", "timeout = \"10s\"")
        .replace("interval = \"1s\"", "interval = \"1s\"\ntimeout = \"100000s\"")
}

/// The bottom always fails and every caller makes a = r + 1 attempts: every call makes all a
/// of them, so tier i (the cluster is tier 1) receives a^i attempts per client request —
/// exactly, but for the requests still in flight at the horizon (rate × latency of ~0.5 s
/// ≈ 40 of 8 000, 0.5 %), which can only lower the ratio.
#[test]
fn an_always_failing_bottom_receives_attempts_to_the_power_of_the_depth() {
    let a = 3;
    let tiers = [tier(a, "", 0.0, ""), tier(a, "", 0.0, ""), tier(a, "", 1.0, "")].concat();
    let runs = replicate(&scenario(&chain(a, "", ("100s", 2), &tiers)));
    for run in &runs {
        assert_eq!(run.get("attempts_per_request"), Some(f64::from(a)));
        assert_eq!(run.get("success_ratio"), Some(0.0));
        for i in 2..=4 {
            assert_eq!(run.get(&format!("tier{i}_attempts_per_call")), Some(f64::from(a)), "tier {i}");
            let exact = f64::from(a).powi(i);
            let amplification = run.get(&format!("tier{i}_amplification")).unwrap();
            println!("tier {i}: a^i = {exact}, simulated {amplification}");
            assert!(amplification <= exact && amplification > 0.99 * exact, "tier {i}: {amplification} vs {exact}");
        }
    }
}

/// The bottom fails each attempt independently with p; the tiers above fail an attempt only
/// when their own call fails. A call into a tier whose attempts fail with p makes
/// E = (1 − p^a)/(1 − p) attempts on average (a geometric number cut at a) and fails with
/// q = p^a; the tier above sees attempts failing with q. So with a attempts everywhere:
/// q4 = p^a, q3 = q4^a, q2 = q3^a; each tier's attempts per call E(q_below), the bottom's
/// attempts per request E1·E2·E3·E4 and the clients' success ratio 1 − q2^a. Independent
/// attempts (one Bernoulli draw each), no timeouts, no queue limits. 99.9 % intervals.
#[test]
fn independent_bottom_failures_compose_geometric_attempts_up_the_chain() {
    let (a, p) = (3, 0.95_f64);
    let tiers = [tier(a, "", 0.0, ""), tier(a, "", 0.0, ""), tier(a, "", p, "")].concat();
    let runs = replicate(&scenario(&chain(a, "", ("60s", 20), &tiers)));
    let expected = |q: f64| (1.0 - q.powi(a as i32)) / (1.0 - q);
    let q4 = p;
    let q3 = q4.powi(a as i32);
    let q2 = q3.powi(a as i32);
    let q1 = q2.powi(a as i32);
    assert_covers(ci(&runs, "tier4_attempts_per_call"), expected(q4), "bottom attempts per call");
    assert_covers(ci(&runs, "tier3_attempts_per_call"), expected(q3), "tier 3 attempts per call");
    assert_covers(ci(&runs, "tier2_attempts_per_call"), expected(q2), "tier 2 attempts per call");
    assert_covers(ci(&runs, "attempts_per_request"), expected(q1), "client attempts per request");
    let product = expected(q1) * expected(q2) * expected(q3) * expected(q4);
    let bottom = ci(&runs, "tier4_amplification");
    println!("bottom attempts per request: E1·E2·E3·E4 = {product}, simulated {}", bottom.mean);
    assert!((bottom.mean / product - 1.0).abs() < 0.02, "{} vs {product}", bottom.mean);
    assert_covers(ci(&runs, "success_ratio"), 1.0 - q1.powi(a as i32), "client success ratio");
}

/// A retry budget of ratio b (no floor, so its bucket starts empty) lets the callers of a
/// tier retry at most b per call into it. With the bottom always failing every call wants
/// all its retries, so the budget is spent: a tier receives 1 + b attempts per call, and
/// tier i receives (1 + b)^i attempts per client request — never more (the cap), and less
/// only by the tokens left in the buckets and the requests in flight at the horizon.
#[test]
fn retry_budgets_cap_amplification_at_one_plus_the_ratio_per_tier() {
    let b = 0.1;
    let budget = format!("budget = {b}");
    let tiers = [tier(4, &budget, 0.0, ""), tier(4, &budget, 1.0, "")].concat();
    let retry = format!("budget = {b}\nbudget_floor = 0.0");
    let runs = replicate(&scenario(&chain(4, &retry, ("100s", 2), &tiers)));
    for run in &runs {
        for (i, metric) in [(1, "attempts_per_request"), (2, "tier2_amplification"), (3, "tier3_amplification")] {
            let cap = (1.0_f64 + b).powi(i);
            let got = run.get(metric).unwrap();
            println!("tier {i}: cap (1 + b)^i = {cap}, simulated {got}");
            assert!(got <= cap + 1e-12 && got > 0.995 * cap, "tier {i}: {got} vs {cap}");
        }
        assert!(run.get("tier3_budget_denied").unwrap() > 0.0);
    }
}

/// An outage window refuses every attempt at the bottom: requests issued inside it all fail
/// (after a^3 attempts at the bottom each), those before it all succeed.
#[test]
fn a_bottom_outage_fails_the_requests_of_its_window() {
    let outage = "outage_from = \"20s\"\noutage_until = \"40s\"";
    let tiers = [tier(2, "", 0.0, ""), tier(2, "", 0.0, outage)].concat();
    let phases = "[[phase]]\nname = \"before\"\nfrom = \"0s\"\nto = \"19s\"\n\
                  [[phase]]\nname = \"down\"\nfrom = \"21s\"\nto = \"39s\"\n";
    let text = chain(2, "", ("60s", 1), &format!("{tiers}{phases}"));
    let run = &replicate(&scenario(&text))[0];
    assert_eq!(run.get("success_ratio@before"), Some(1.0));
    assert_eq!(run.get("success_ratio@down"), Some(0.0));
    assert!(run.get("tier3_failed_calls").unwrap() > 0.0);
}

fn error(text: &str) -> scenario::ScenarioError {
    match scenario::parse(text, "test.toml", Path::new("."), &[]) {
        Err(e) => e,
        Ok(_) => panic!("expected an error"),
    }
}

#[test]
fn bad_tiers_are_errors_that_name_the_key() {
    let base = chain(2, "", ("10s", 1), &tier(2, "", 0.0, ""));
    let unknown = error(&base.replace("attempts = 2\nbackoff", "attempt = 2\nbackoff"));
    assert!(unknown.to_string().contains("tier[0].attempt"), "{unknown}");
    assert!(unknown.to_string().contains("attempts"), "suggests the right key: {unknown}");
    let half_outage = error(&chain(2, "", ("10s", 1), &tier(2, "", 0.0, "outage_from = \"1s\"")));
    assert!(half_outage.to_string().contains("tier[0].outage_until"), "{half_outage}");
    let unserved = error(&base.replace("service_time = { dist = \"exponential\", mean = \"10ms\" }\n", ""));
    assert!(unserved.to_string().contains("cluster.service_time"), "{unserved}");
    let too_deep = error(&chain(2, "", ("10s", 1), &tier(2, "", 0.0, "").repeat(5)));
    assert!(too_deep.to_string().contains("at most 4"), "{too_deep}");
}

/// Without `[[tier]]` nothing of the chain is reported (the columns stay as they were).
#[test]
fn without_tiers_there_are_no_tier_columns() {
    let s = scenario(&chain(2, "", ("10s", 1), ""));
    assert!(s.metric_names().iter().all(|n| !n.starts_with("tier")));
    let with = scenario(&chain(2, "", ("10s", 1), &tier(2, "", 0.0, "")));
    assert!(with.metric_names().contains(&"tier2_amplification".to_string()));
    assert!(!with.metric_names().contains(&"tier3_amplification".to_string()));
}
