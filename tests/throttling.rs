//! Client-side throttling against closed forms: the SRE book's adaptive throttling (its fixed
//! point against a capacity-limited backend, and against one that accepts a fixed fraction of
//! attempts, in both regimes) and gRPC's retry throttling (gRFC A6: the sign of the token
//! drift decides whether retries go on or stop, and when they stop).

mod common;
use common::*;

/// Per-client request rate of the adaptive-throttling scenarios, and their window (seconds).
const RATE: f64 = 100.0;
const WINDOW: f64 = 10.0;
const CLIENTS: f64 = 4.0;

/// 4 clients at `RATE` each, adaptive throttling (K = 2, `WINDOW`), measured over [100 s,
/// 500 s) (`@late`, after the windows have filled), `extra` tables after.
fn adaptive(extra: &str) -> String {
    let late = "[[phase]]\nname = \"late\"\nfrom = \"100s\"\nto = \"500s\"\n";
    let throttling = format!("[recovery.adaptive_throttling]\nk = 2.0\nwindow = \"{WINDOW}s\"\n");
    served_scenario(1, 1, RATE, 1000, ("500s", 10), &format!("{throttling}{late}{extra}"))
}

/// Each client rejects with p = (R − K·A)/(R + 1) over window counts R = r·W and A; its sending
/// rate is then r(1 − p) = h + g·K·a, a its accept rate, with g = rW/(rW + 1), h = r/(rW + 1)
/// (≈ 1/W: the "+1" lets a trickle through). Summed over C clients: S = C·h + g·K·A.
fn throttle_terms() -> (f64, f64) {
    let rw = RATE * WINDOW;
    (rw / (rw + 1.0), CLIENTS * RATE / (rw + 1.0))
}

/// A single worker (μ = 100/s) and no queue: an Erlang loss system, which accepts
/// A = S·μ/(μ + S) of a Poisson stream sent at S. With S = C·h + g·K·A (`throttle_terms`), S
/// solves S² + S(μ − gKμ − Ch) − Chμ = 0: for K = 2 the backend accepts about 1/K of what is
/// sent (1 − B = 1/K, so here S ≈ μ = 100/s and A ≈ 50/s) while 3/4 of the 400/s asked for are
/// rejected locally. The 99.9 % intervals over replications must cover S and A.
#[test]
fn adaptive_throttling_sends_k_times_what_a_loss_server_accepts() {
    let s = scenario(&adaptive("").replace("servers = 1\n", "servers = 1\nqueue_limit = 0\n"));
    let runs = replicate(&s);
    let (g, ch) = throttle_terms();
    let mu = 100.0;
    let b = mu - 2.0 * g * mu - ch;
    let sent = (-b + (b * b + 4.0 * ch * mu).sqrt()) / 2.0;
    let accepted = sent * mu / (mu + sent);
    assert_covers(ci(&runs, "offered_load@late"), sent, "attempts sent per second");
    assert_covers(ci(&runs, "goodput@late"), accepted, "attempts accepted per second");
}

/// `loss` on every message and no queue (requests served at once): an attempt succeeds with
/// a = (1 − loss)² (request and response), whatever the sending rate. Then A = a·S and S = C·h/(1 − g·K·a) when g·K·a < 1: the
/// clients' windows shrink their sending to a trickle of about C/(W(1 − K·a)) per second, a
/// collapse the book's "requests ≈ K × accepts" does not show (for a fixed accept fraction
/// the fixed point is degenerate). When K·a > 1, R − K·A < 0 and nothing is rejected.
fn lossy(loss: f64) -> String {
    let network = format!("[network]\nloss = {loss}\n");
    adaptive(&network)
        .replace("servers = 1\nservice_time = { dist = \"exponential\", mean = \"10ms\" }\n", "")
        .replace("timeout = \"1h\"", "timeout = \"50ms\"")
        .replace("interval = \"1s\"", "interval = \"1s\"\ntimeout = \"100000s\"")
}

#[test]
fn adaptive_throttling_collapses_below_one_over_k_and_stays_off_above() {
    let (g, ch) = throttle_terms();
    let a: f64 = (1.0 - 0.5f64).powi(2);
    let runs = replicate(&scenario(&lossy(0.5)));
    // `offered_load` counts attempts that reach the instance: half of those sent.
    let arriving = 0.5 * ch / (1.0 - g * 2.0 * a);
    assert_covers(ci(&runs, "offered_load@late"), arriving, "K·a = 0.5: attempts arriving per second");
    let runs = replicate(&scenario(&lossy(0.1)));
    let throttled = values(&runs, "throttled").iter().sum::<f64>() / values(&runs, "requests").iter().sum::<f64>();
    println!("K·a = 1.62: throttled fraction {throttled}");
    assert!(throttled < 1e-3, "K·a = 1.62: {throttled} of the requests throttled (only while the windows fill)");
}

/// One client at 100 requests/s, 2 attempts at most, no backoff, attempts that succeed with
/// s = (1 − loss)² (no queue, 10 ms timeouts), gRPC's retry throttling with max_tokens 100 and
/// token_ratio 0.1, for `horizon`.
fn tokens(s: f64, horizon: &str) -> String {
    let loss = 1.0 - s.sqrt();
    format!(
        "name = \"tokens\"\nhorizon = \"{horizon}\"\nreplications = 20\n[cluster]\ninstances = 1\n[network]\nloss = {loss}\n\
         [detector]\nkind = \"heartbeat\"\ninterval = \"1s\"\ntimeout = \"100000s\"\n[workload]\nclients = 1\nrate = 100.0\n\
         [recovery]\ntimeout = \"10ms\"\n[recovery.retry]\nmax_attempts = 2\n\
         [recovery.retry_throttling]\nmax_tokens = 100\ntoken_ratio = 0.1\n"
    )
}

/// Each attempt moves the tokens by d = s·ratio − (1 − s). With s = 0.95, d = +0.045: the
/// tokens stay near 100, far above 50, so every failed first attempt is retried and
/// attempts per request = 1 + (1 − s) = 2 − s, as without throttling.
#[test]
fn retry_tokens_with_a_positive_drift_never_stop_retries() {
    let runs = replicate(&scenario(&tokens(0.95, "200s")));
    assert_eq!(max_of(&runs, "retry_throttled"), 0.0);
    assert_covers(ci(&runs, "attempts_per_request"), 2.0 - 0.95, "attempts per request");
}

/// With s = 0.8, d = 0.08 − 0.2 = −0.12: the tokens fall from 100 to 50 in τ attempts, and
/// by Wald's identity (E[tokens at τ] = 100 + d·E[τ], the crossing step at most 1 below 50)
/// E[τ] lies in [50/|d|, 51/|d|] = [417, 425]. Until then every failed first attempt is
/// retried; of all attempts, first attempts that fail are (1 − s)/(2 − s) = 1/6, so about
/// E[τ]/6 ≈ 70 retries; after it the tokens sink towards 0 (the stationary chance of being
/// back above 51 is e^(−θ·51), θ ≈ 1.2) and no more are sent. The interval is widened by the
/// few retries of the crossing itself and of late excursions (± 2).
#[test]
fn retry_tokens_with_a_negative_drift_stop_retries_after_the_first_passage() {
    let (s, d) = (0.8, 0.8 * 0.1 - 0.2);
    let share = (1.0 - s) / (2.0 - s);
    let (low, high) = (share * 50.0 / -d - 2.0, share * 51.0 / -d + 2.0);
    let mut means = Vec::new();
    for horizon in ["100s", "400s"] {
        let runs = replicate(&scenario(&tokens(s, horizon)));
        let retries: Vec<f64> = runs
            .iter()
            .map(|r| {
                (r.get("attempts_per_request").unwrap() - 1.0)
                    * (r.get("successes").unwrap() + r.get("failures").unwrap())
            })
            .collect();
        let estimate = discosim::stats::estimate_at(&retries, TEST_CONFIDENCE);
        println!(
            "horizon {horizon}: retries {} [{}, {}], Wald [{low}, {high}]",
            estimate.mean, estimate.ci_low, estimate.ci_high
        );
        assert!(estimate.ci_low <= high && low <= estimate.ci_high, "{horizon}: {estimate:?} vs [{low}, {high}]");
        means.push(estimate.mean);
        assert!(min_of(&runs, "retry_throttled") > 0.0);
    }
    // Both horizons share their draws up to 100 s: no retry at all after it.
    assert!((means[0] - means[1]).abs() < 1e-6, "retries stopped within the first 100 s: {means:?}");
}
