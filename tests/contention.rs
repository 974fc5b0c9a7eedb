//! The contention workload (Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog
//! 2015) against its closed form in lockstep and against an independent Python
//! re-implementation of his simulator's model (`bench/contention_reference.py`, whose output
//! over 100 runs per cell is `bench/contention_reference.csv`).

mod common;
use common::*;
use std::path::Path;

/// `clients` contention clients over `delay`, with `retry` as the `[recovery.retry]` table.
fn contention(clients: u32, delay: &str, retry: &str, replications: u32) -> String {
    format!(
        "name = \"c\"\nseed = 7\nhorizon = \"600s\"\nreplications = {replications}\n[cluster]\ninstances = 1\n\
         [detector]\nkind = \"heartbeat\"\ninterval = \"10s\"\n[network]\ndelay = {delay}\n\
         [workload]\nkind = \"contention\"\nclients = {clients}\n[recovery.retry]\n{retry}\n"
    )
}

const NORMAL: &str = "{ dist = \"normal\", mean = \"10ms\", sd = \"2ms\" }";

/// Brooker's backoffs in discosim's keys: his exponential 5 ms · 2^n after conflict n is base
/// 10 ms doubled per retry; decorrelated starts from his base 5 ms.
fn retry_table(jitter: &str) -> String {
    let exponential = "max_attempts = 1000\nbackoff = \"exponential\"\ncap = \"2s\"\n";
    match jitter {
        "none" => "max_attempts = 1000\nbackoff = \"fixed\"\nbase = \"0s\"\n".into(),
        "exponential" => format!("{exponential}base = \"10ms\"\n"),
        "decorrelated" => format!("{exponential}base = \"5ms\"\njitter = \"decorrelated\"\n"),
        other => format!("{exponential}base = \"10ms\"\njitter = \"{other}\"\n"),
    }
}

/// Lockstep (constant delay d = 10 ms, exponential backoff without jitter): each round every
/// remaining client reads the same version and one write wins, so calls = N(N+1)/2 exactly,
/// and the last reply comes at 4dN + Σ_{k<N} min(cap, base·2^(k−1)), in every replication.
#[test]
fn lockstep_contention_has_its_closed_form() {
    let n = 30u32;
    let retry = "max_attempts = 1000\nbackoff = \"exponential\"\nbase = \"10ms\"\ncap = \"2s\"\n";
    let runs = replicate(&scenario(&contention(n, "{ dist = \"constant\", value = \"10ms\" }", retry, 3)));
    let waits: f64 = (1..n).map(|k| (0.01 * 2f64.powi(k as i32 - 1)).min(2.0)).sum();
    for run in &runs {
        assert_eq!(run.get("contention_calls"), Some(f64::from(n * (n + 1) / 2)));
        let time = run.get("contention_completion_time").unwrap();
        assert!((time - (4.0 * 0.01 * f64::from(n) + waits)).abs() < 1e-9, "{time}");
        assert_eq!(run.get("contention_unfinished"), Some(0.0));
    }
}

/// The reference's row for (clients, strategy): mean and standard deviation of calls and of
/// completion time (ms), over its 100 runs.
fn reference(clients: u32, strategy: &str) -> [f64; 4] {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/contention_reference.csv"))
        .expect("bench/contention_reference.csv");
    let prefix = format!("{clients},{strategy},");
    let line = text.lines().find(|l| l.starts_with(&prefix)).expect("a reference row");
    let numbers: Vec<f64> = line[prefix.len()..].split(',').map(|x| x.parse().unwrap()).collect();
    [numbers[0], numbers[1], numbers[2], numbers[3]]
}

/// Two independent samples of 100 runs estimate the same mean: their difference lies within
/// 3.29 standard errors of a difference (the 99.9 % normal quantile; 100 runs make the t and
/// normal quantiles agree to 2 %).
fn assert_same_mean(what: &str, simulated: &[f64], reference_mean: f64, reference_sd: f64) {
    let n = simulated.len() as f64;
    let mean = simulated.iter().sum::<f64>() / n;
    let var = simulated.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let se = (var / n + reference_sd.powi(2) / 100.0).sqrt();
    println!("{what}: discosim {mean:.1}, Python {reference_mean:.1}, se {se:.1}");
    assert!((mean - reference_mean).abs() <= 3.29 * se, "{what}: discosim {mean}, Python {reference_mean} (se {se})");
}

/// Calls and completion time per jitter at 20, 50 and 100 clients agree with the Python
/// re-implementation of Brooker's model (same model, different random numbers).
#[test]
fn contention_matches_the_python_reference() {
    for clients in [20, 50, 100] {
        for strategy in ["none", "exponential", "full", "equal", "decorrelated"] {
            let runs = replicate(&scenario(&contention(clients, NORMAL, &retry_table(strategy), 100)));
            let [calls, time_ms, calls_sd, time_sd] = reference(clients, strategy);
            let what = format!("{clients} clients, {strategy}");
            assert_same_mean(&format!("{what}: calls"), &values(&runs, "contention_calls"), calls, calls_sd);
            let times: Vec<f64> = values(&runs, "contention_completion_time").iter().map(|t| t * 1e3).collect();
            assert_same_mean(&format!("{what}: time (ms)"), &times, time_ms, time_sd);
        }
    }
}

/// Bad contention input is an error naming the key, never a panic.
#[test]
fn contention_input_errors_name_the_key() {
    let good = contention(5, NORMAL, &retry_table("full"), 1);
    let cases = [
        (good.replace("kind = \"contention\"", "kind = \"contentoin\""), "did you mean `contention`"),
        (good.replace("clients = 5", "clients = 5\nrate = 1.0"), "workload.rate"),
        (good.replace("[network]\n", "[network]\nloss = 0.1\n"), "network.loss"),
        (format!("{good}[recovery.breaker]\nfailures = 3\n"), "recovery.breaker"),
        (format!("{good}[discovery]\nmode = \"watch\"\n"), "discovery"),
        (good.replace("clients = 5", "clients = 0"), "workload.clients"),
    ];
    for (text, needle) in cases {
        let Err(error) = discosim::scenario::parse(&text, "c.toml", Path::new("."), &[]) else {
            panic!("no error for `{needle}`");
        };
        let message = error.to_string();
        assert!(message.contains(needle), "expected `{needle}` in: {message}");
        assert!(message.contains("c.toml:"), "placed in the file: {message}");
    }
}
