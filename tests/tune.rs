//! `discosim tune` (the real binary) against a closed form: a heartbeat every T with a constant
//! delay and loss p. With the timeout between kT and (k+1)T a live instance is suspected when
//! the k heartbeats after one that arrived are all lost: 3600/T·(1 − p)·p^k false suspicions
//! per instance-hour, a step function of the timeout. The smallest timeout meeting a bound B
//! is therefore just above k*·T, k* the smallest k with 3600/T·(1 − p)·p^k ≤ B.

mod common;
use common::binary::{discosim, scenario_file, stderr};

const T: f64 = 1.0;
const LOSS: f64 = 0.1;
const BOUND: f64 = 5.0;

fn scenario(require: &str, extra: &str) -> String {
    format!(
        "name = \"hb-tune\"\nseed = 1\nhorizon = \"2000s\"\nreplications = 5\n[cluster]\ninstances = 20\n\
         failure = {{ model = \"crash-recover\", mttf = {{ dist = \"exponential\", mean = \"1000s\" }}, mttr = {{ dist = \"constant\", value = \"60s\" }} }}\n\
         [network]\ndelay = {{ dist = \"constant\", value = \"10ms\" }}\nloss = {LOSS}\n\
         [detector]\nkind = \"heartbeat\"\ninterval = \"{T}s\"\ntimeout = \"2s\"\n\
         [tune]\nminimize = \"detection_time.mean\"\nrequire = [{require}]\n{extra}\
         knobs = {{ \"detector.timeout\" = {{ low = \"0.5s\", high = \"10s\" }} }}\n"
    )
}

/// Closed form: false suspicions per instance-hour at `timeout` (not a multiple of T).
fn mistake_rate(timeout: f64) -> f64 {
    3600.0 / T * (1.0 - LOSS) * LOSS.powi((timeout / T).floor() as i32)
}

/// Rows of tune.csv as (header → cell) maps.
fn rows(csv: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines.map(|l| header.iter().cloned().zip(l.split(',').map(String::from)).collect()).collect()
}

fn number(row: &std::collections::HashMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap_or_else(|_| panic!("{column}: {:?}", row[column]))
}

/// Runs `discosim tune --quiet` on the test scenario with `require`; its output and tune.csv.
fn tune(require: &str) -> (std::process::Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), &scenario(require, ""));
    let out = dir.path().join("out");
    let output = discosim(&["tune", &file, "--out", out.to_str().unwrap(), "--quiet"]);
    (output, std::fs::read_to_string(out.join("tune.csv")).unwrap_or_default())
}

#[test]
fn tune_picks_the_smallest_timeout_whose_closed_form_mistake_rate_meets_the_bound() {
    let k_star = (0..20).find(|&k| mistake_rate(k as f64 * T + T / 2.0) <= BOUND).unwrap();
    assert_eq!(k_star, 3, "3600·0.9·0.1^k: 324, 32.4, 3.24 — the third is the first ≤ 5");
    let (output, csv) = tune("\"false_suspicion_rate <= 5\", \"detection_time.p99 <= 10s\"");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let rows = rows(&csv);
    let chosen: Vec<_> = rows.iter().filter(|r| r["chosen"] == "1").collect();
    assert_eq!(chosen.len(), 1, "{csv}");
    let timeout = number(chosen[0], "detector.timeout");
    // The boundary is k*·T = 3 s; the search stops within its 1 % resolution above it.
    assert!(timeout > k_star as f64 * T && timeout <= k_star as f64 * T * 1.01, "chose {timeout} s\n{csv}");
    for row in &rows {
        let timeout = number(row, "detector.timeout");
        let expected = mistake_rate(timeout);
        let (low, high) = (number(row, "false_suspicion_rate.ci_low"), number(row, "false_suspicion_rate.ci_high"));
        // 10 % and 0.01 per hour of slack: at 10 s the rate is 3·10⁻⁷ and no run sees one.
        let covered = low <= expected * 1.1 + 0.01 && expected * 0.9 - 0.01 <= high;
        assert!(covered, "{timeout} s: {expected} outside [{low}, {high}]");
        let verdict = if expected <= BOUND { "met" } else { "violated" };
        assert_eq!(row["false_suspicion_rate <= 5"], verdict, "{timeout} s");
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("chosen: detector.timeout = 3.0") && stdout.contains("minimised"), "{stdout}");
    // Replications go where an interval straddles a bound; far from it the first batch decides.
    let at = |t: f64| rows.iter().find(|r| number(r, "detector.timeout") == t).unwrap();
    assert_eq!(number(at(0.5), "replications"), 5.0, "3240 per hour against 5: decided at once");
    // At 10 s the p99 detection time is just under 10 s: more replications to decide.
    assert!(number(at(10.0), "replications") > 5.0);
}

#[test]
fn tune_is_deterministic_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), &scenario("\"false_suspicion_rate <= 5\"", ""));
    let csv = |threads: &str| {
        let out = dir.path().join(format!("out{threads}"));
        let output = discosim(&["tune", &file, "--out", out.to_str().unwrap(), "--threads", threads, "--quiet"]);
        assert!(output.status.success(), "{}", stderr(&output));
        std::fs::read(out.join("tune.csv")).unwrap()
    };
    assert_eq!(csv("1"), csv("2"));
}

#[test]
fn an_impossible_requirement_exits_1_and_still_writes_every_candidate() {
    // Fewer than 5 mistakes an hour needs a timeout above 3 s, so detection takes ≈ 2.4 s.
    let (output, csv) = tune("\"false_suspicion_rate <= 5\", \"detection_time.mean <= 1s\"");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("no setting in the ranges meets every requirement"));
    assert_eq!(csv.lines().count(), 6, "the grid's 5 candidates, no refinement without a feasible one\n{csv}");
    assert!(rows(&csv).iter().all(|r| r["chosen"] == "0" && r["feasible"] == "0"), "nothing chosen\n{csv}");
}

/// Each class of bad `[tune]` input: exit 2, the file, line and column, the key, what is
/// allowed, a suggestion for a near miss; nothing written.
#[test]
fn bad_tune_tables_exit_2_with_place_key_and_suggestion() {
    let good = scenario("\"false_suspicion_rate <= 5\"", "");
    let cases: &[(String, &[&str])] = &[
        (
            good.replace("\"detector.timeout\" =", "\"detector.timout\" ="),
            &["s.toml:18:", "key `detector.timout`", "did you mean `timeout`?", "allowed: interval, timeout"],
        ),
        (
            good.replace("false_suspicion_rate <=", "false_suspicion_rat <="),
            &["s.toml:17:", "key `tune.require[0]`", "did you mean `false_suspicion_rate`?"],
        ),
        (good.replace("minimize", "minimise"), &["s.toml:16:", "key `tune.minimise`", "did you mean `minimize`?"]),
        (good.replace("<= 5", "< 5"), &["s.toml:17:", "needs exactly one `<=` or `>=`", "allowed:"]),
        (good.replace("low = \"0.5s\"", "low = \"20s\""), &["s.toml:18:", "needs low < high"]),
        (good.replace("low = \"0.5s\"", "low = 0.5"), &["both be durations or both numbers"]),
        (good.replace("[tune]", "[tune]\ngrid = 1"), &["key `tune.grid`", "allowed: an integer from 2 to 50"]),
        (
            good.replace("high = \"10s\"", "high = \"10s\", scale = \"logg\""),
            &["key `tune.knobs.\"detector.timeout\".scale`", "did you mean `log`?"],
        ),
        (format!("{good}[sweep]\n\"network.loss\" = [0.1, 0.2]\n"), &["s.toml:19:", "2 sweep points"]),
        (good.split("[tune]").next().unwrap().to_string(), &["has no [tune] table"]),
        (
            good.replace("instances = 20", "instances = 5000000").replace("\"2000s\"", "\"1000000s\""),
            &["more than the cap", "the preflight refuses a candidate at detector.timeout = 0.5s; --force goes ahead"],
        ),
    ];
    for (text, wanted) in cases {
        let dir = tempfile::tempdir().unwrap();
        let file = scenario_file(dir.path(), text);
        let out = dir.path().join("out");
        let output = discosim(&["tune", &file, "--out", out.to_str().unwrap()]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{message}");
        for w in *wanted {
            assert!(message.contains(w), "`{w}` missing from:\n{message}");
        }
        assert!(!message.contains("panicked"), "{message}");
        assert!(!out.join("tune.csv").exists());
    }
}

#[test]
fn validate_checks_the_tune_table_and_run_ignores_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), &scenario("\"false_suspicion_rate <= 5\"", ""));
    assert!(discosim(&["validate", &file]).status.success());
    let out = dir.path().join("run");
    let output = discosim(&["run", &file, "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let bad = scenario_file(dir.path(), &scenario("\"false_suspicion_rat <= 5\"", ""));
    let output = discosim(&["validate", &bad]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("did you mean `false_suspicion_rate`?"));
}
