//! Hostile values drive the real binary: formulas are checked where they
//! are written, statistics never contradict themselves, and messages say what is wrong. Every
//! bad input ends with exit code 2 and a message; none with a signal or a panic.

use std::collections::HashMap;
mod common;
use common::binary::{discosim, scenario_file, stderr};
use std::path::Path;

/// Runs `args` and requires exit code 2 and every one of `needles` in the message.
fn refused(args: &[&str], needles: &[&str]) {
    let output = discosim(args);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
    for needle in needles {
        assert!(message.contains(needle), "{args:?}: expected `{needle}` in:\n{message}");
    }
    assert!(!message.contains("panicked"), "{message}");
}

/// Two sweep points, interval 1s and 2s.
const SWEPT: &str = "name = \"hostile\"\nhorizon = \"60s\"\nreplications = 2\n[cluster]\ninstances = 3\n[detector]\nkind = \"heartbeat\"\ninterval = \"1s\"\n[sweep]\n\"detector.interval\" = [\"1s\", \"2s\"]\n";

fn with_formula(formula: &str) -> String {
    format!("{SWEPT}[[expect]]\nname = \"hostile\"\nmetric = \"detection_time.mean\"\nformula = \"{formula}\"\n")
}

#[test]
fn formulas_are_checked_where_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let nested = |depth: usize| format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
    let sum = |terms: usize| vec!["1"; terms].join(" + ");
    let cases: Vec<(String, Vec<&str>)> = vec![
        // These overflowed evalexpr's recursive parser (SIGABRT) before the bounds.
        (nested(50_000), vec!["expect[0].formula", "100001 characters long; at most 4000"]),
        (sum(100_000), vec!["expect[0].formula", "at most 4000 are allowed"]),
        (nested(100), vec!["parentheses nest 100 deep; at most 64"]),
        // These passed `validate` and failed later as expectations (exit 1).
        ("interval / 0".into(), vec!["the formula gives inf", "detector.interval = 1s"]),
        ("ln(-1)".into(), vec!["the formula gives NaN", "detector.interval = 1s"]),
        ("10 ^ 400".into(), vec!["the formula gives inf"]),
        ("-exp(1000)".into(), vec!["the formula gives -inf"]),
        // Finite at the first point, not at the second: the error names the second.
        ("1 / (interval - 2)".into(), vec!["at the sweep point detector.interval = 2s", "narrow those with `where`"]),
        ("min(1)".into(), vec!["expectation \"hostile\" at the sweep point detector.interval = 1s"]),
    ];
    for (formula, needles) in &cases {
        let file = scenario_file(dir.path(), &with_formula(formula));
        let mut needles = needles.clone();
        needles.extend(["s.toml:14:11", "key `expect[0].formula`"]);
        for command in ["validate", "check"] {
            refused(&[command, &file], &needles);
        }
    }
    // At the bounds a formula is fine, and `where` keeps a formula away from a bad point.
    let fine = format!("{} * interval", nested(64));
    let file = scenario_file(dir.path(), &with_formula(&fine));
    assert!(discosim(&["validate", &file]).status.success());
    let filtered = with_formula("1 / (interval - 2)") + "where = { \"detector.interval\" = [\"1s\"] }\n";
    let file = scenario_file(dir.path(), &filtered);
    assert!(discosim(&["validate", &file]).status.success(), "{}", stderr(&discosim(&["validate", &file])));
}

/// A scenario with rare, skewed events (a few crashes, heartbeat losses, requests) and few
/// replications: quantiles near the maximum and intervals near 0 and 1.
const SKEWED: &str = "name = \"skewed\"\nseed = 3\nhorizon = \"300s\"\nreplications = 3\n[cluster]\ninstances = 20\nfailure = { model = \"crash-recover\", mttf = { dist = \"exponential\", mean = \"600s\" }, mttr = { dist = \"exponential\", mean = \"20s\" } }\n[network]\ndelay = { dist = \"exponential\", mean = \"10ms\" }\nloss = 0.01\n[detector]\nkind = \"heartbeat\"\ninterval = \"1s\"\n[workload]\nclients = 2\nrate = 20\n[sweep]\n\"detector.interval\" = [\"0.5s\", \"1s\"]\n";

/// Reads a CSV file into its header and rows of cells by column name.
fn table(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    lines.map(|line| header.iter().cloned().zip(line.split(',').map(str::to_string)).collect()).collect()
}

fn number(row: &HashMap<String, String>, column: &str) -> Option<f64> {
    row.get(column).and_then(|cell| cell.parse().ok())
}

const SAMPLED: &[&str] = &["detection_time", "recovery_detection_time", "mistake_duration", "latency"];

#[test]
fn statistics_never_contradict_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), SKEWED);
    let out = dir.path().join("out");
    let output = discosim(&["run", &file, "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut clamped = 0;
    for row in table(&out.join("runs.csv")) {
        for metric in SAMPLED {
            let (Some(min), Some(max)) =
                (number(&row, &format!("{metric}.min")), number(&row, &format!("{metric}.max")))
            else {
                continue;
            };
            for q in ["p50", "p90", "p99", "p999"] {
                let value = number(&row, &format!("{metric}.{q}")).unwrap();
                assert!(min <= value && value <= max, "{metric}.{q} = {value} outside [{min}, {max}]");
                clamped += usize::from(value == max);
            }
        }
    }
    assert!(clamped > 0, "some quantile reaches the maximum, so the clamp is exercised");
    let mut cut = 0;
    for row in table(&out.join("summary.csv")) {
        let means: Vec<&String> = row.keys().filter(|k| row.contains_key(&format!("{k}.ci_low"))).collect();
        for name in means {
            let (Some(mean), Some(low), Some(high)) =
                (number(&row, name), number(&row, &format!("{name}.ci_low")), number(&row, &format!("{name}.ci_high")))
            else {
                continue;
            };
            let top = if discosim::metrics::FRACTIONS.contains(&name.split('@').next().unwrap()) {
                1.0
            } else {
                f64::INFINITY
            };
            assert!(0.0 <= low && low <= mean && mean <= high && high <= top, "{name}: {mean} [{low}, {high}]");
            cut += usize::from(low == 0.0 && mean > 0.0);
        }
    }
    assert!(cut > 0, "some interval of a metric near 0 is cut there");
    cdf_levels_lie_between_the_minimum_and_the_maximum(&out.join("cdf.csv"));
}

/// cdf.csv (long form: one row per point, metric and level) averages each run's quantiles:
/// every level lies between the averaged minimum (level 0) and maximum (level 1), and rises.
fn cdf_levels_lie_between_the_minimum_and_the_maximum(path: &Path) {
    let mut curves: HashMap<String, Vec<(f64, f64)>> = HashMap::new();
    for row in table(path) {
        let mut point: Vec<(&String, &String)> = row.iter().filter(|(k, _)| *k != "level" && *k != "value").collect();
        point.sort();
        let level_value = (number(&row, "level").unwrap(), number(&row, "value").unwrap());
        curves.entry(format!("{point:?}")).or_default().push(level_value);
    }
    assert!(!curves.is_empty());
    for (curve, mut levels) in curves {
        levels.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (min, max) = (levels[0], levels[levels.len() - 1]);
        assert_eq!((min.0, max.0), (0.0, 1.0), "{curve}");
        assert!(levels.windows(2).all(|w| w[0].1 <= w[1].1), "{curve}: levels rise");
        assert!(levels.iter().all(|(_, v)| min.1 <= *v && *v <= max.1), "{curve}: {levels:?}");
    }
}

#[test]
fn messages_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let help = "expected a string: a non-negative number and a unit";
    for (horizon, why) in [
        ("-1s", "(negative; a duration is 0 or more)"),
        ("1e30s", "(too large; at most 18446744073s, about 584 years)"),
        ("1e3s", "(exponent notation is not accepted; write the number in digits)"),
        ("+5s", "(write it without a sign)"),
        ("1,5s", "(a decimal comma; write a decimal point)"),
        ("5 parsecs", "(unknown unit)"),
        ("99999999999999999999h", "(too large"),
    ] {
        let file = scenario_file(dir.path(), &SWEPT.replace("\"60s\"", &format!("\"{horizon}\"")));
        refused(&["validate", &file], &["s.toml:2:11", "key `horizon`", why, help]);
    }
    let observer = |p: &str| {
        SWEPT
            .replace("kind = \"heartbeat\"\ninterval = \"1s\"", &format!("kind = \"observer\"\ntick = \"1s\"\np = {p}"))
            .replace("[sweep]\n\"detector.interval\" = [\"1s\", \"2s\"]\n", "")
    };
    for (p, why) in [
        ("1.5", "1.5 is not a usable probability: a probability is between 0 and 1"),
        ("-0.5", "-0.5 is not a usable probability: a probability is between 0 and 1"),
        ("0", "0 is not a usable probability: with p = 0 nothing is ever noticed"),
    ] {
        let file = scenario_file(dir.path(), &observer(p));
        refused(&["validate", &file], &["key `detector.p`", why, "allowed: above 0, at most 1 (0 < p ≤ 1)"]);
        let output = discosim(&["validate", &file]);
        assert!(p == "0" || !stderr(&output).contains("p = 0"), "{}", stderr(&output));
    }
    messages_name_the_option_that_caused_an_error(dir.path());
}

/// An error caused by an override names the option, even when the key it concerns is written
/// in the file or swept there; the file's own errors stay in the file.
fn messages_name_the_option_that_caused_an_error(dir: &Path) {
    let file = scenario_file(dir, SWEPT);
    for (set, needles) in [
        ("detector.kind=observer", vec!["key `detector.interval`: unknown key `interval`"]),
        ("network.loss=1.5", vec!["key `network.loss`: 1.5 is not a probability"]),
        ("cluster.instances=0", vec!["key `cluster.instances`: 0 is out of range"]),
        ("network.delay={dist=\"exponential\"}", vec!["key `network.delay.mean`: is required"]),
        ("sweep.detector.interval=[\"1s\", \"-2s\"]", vec!["key `detector.interval`", "negative"]),
        ("sweep.network.loss=[0.1, 2]", vec!["key `network.loss`: 2 is not a probability"]),
        ("detector.interval=1e30s", vec!["too large"]),
    ] {
        let mut needles = needles;
        let option = format!("s.toml (--set {set}): ");
        needles.push(&option);
        refused(&["validate", &file, "--set", set], &needles);
    }
    refused(&["validate", &file, "--replications", "0"], &["s.toml (--replications 0): key `replications`"]);
    // With two overrides, the one that causes the error is named.
    refused(
        &["validate", &file, "--set", "network.loss=0.5", "--set", "detector.kind=observer"],
        &["(--set detector.kind=observer): key `detector.interval`"],
    );
    // The file's own error stays in the file, overrides or not.
    let broken = scenario_file(dir, &SWEPT.replace("instances = 3", "instances = 0"));
    refused(&["validate", &broken, "--set", "network.loss=0.5"], &["s.toml:5:13: key `cluster.instances`"]);
    // A formula made infinite by an override: the override is blamed.
    let formula = scenario_file(dir, &with_formula("1 / (interval - 3)"));
    refused(
        &["validate", &formula, "--set", "sweep.detector.interval=[\"3s\"]"],
        &["(--set sweep.detector.interval=[\"3s\"]): key `expect[0].formula`", "detector.interval = 3s"],
    );
}
