//! The real binary: results files, overrides, validation, and a clear message with exit code 2
//! for every class of bad input.

mod common;
use common::binary::{discosim, scenario_file, stderr};

const GOOD: &str = "name = \"cli\"\nhorizon = \"20s\"\nreplications = 2\n[cluster]\ninstances = 5\nfailure = { model = \"crash-recover\", mttf = { dist = \"exponential\", mean = \"5s\" }, mttr = { dist = \"constant\", value = \"1s\" } }\n[detector]\nkind = \"heartbeat\"\ninterval = \"200ms\"\n";

#[test]
fn run_writes_every_results_file_and_a_summary_table() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), GOOD);
    let out = dir.path().join("out");
    let output = discosim(&["run", &file, "--out", out.to_str().unwrap(), "--set", "detector.interval=100ms"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("detection_time.mean") && stdout.contains("95% CI"), "{stdout}");
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 3, "header + one row per replication");
    assert!(runs.starts_with("replication,seed,crashes,detection_time.mean,"));
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.contains("detection_time.mean.ci_low"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["resolved_scenario"]["detector"]["interval"], "100ms", "the override is recorded");
    assert_eq!(manifest["replication_seeds"].as_array().unwrap().len(), 2);
    assert!(std::fs::read_to_string(out.join("engine.csv")).unwrap().starts_with("replication,events,wall_seconds"));
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    let mut paths: Vec<String> =
        std::fs::read_dir("scenarios").unwrap().map(|e| e.unwrap().path().display().to_string()).collect();
    paths.sort();
    assert!(paths.len() >= 5, "{paths:?}");
    let mut args = vec!["validate"];
    args.extend(paths.iter().map(String::as_str));
    let output = discosim(&args);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Each class of bad input: exit code 2, and a message naming the file, the place and the key.
#[test]
fn bad_input_gives_a_clear_message_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let detectors = discosim::detect::names().join(", ");
    let cases: &[(&str, &[&str])] = &[
        // unknown key, with a suggestion and the allowed keys
        (
            &GOOD.replace("interval", "intervall"),
            &["s.toml:9:13", "key `detector.intervall`", "did you mean `interval`?", "allowed:"],
        ),
        // wrong type
        (
            &GOOD.replace("instances = 5", "instances = \"five\""),
            &["s.toml:5:13", "key `cluster.instances`", "invalid type"],
        ),
        // out of range
        (
            &GOOD.replace("replications = 2", "replications = 2\n[network]\nloss = 2.5"),
            &["s.toml:5:8", "key `network.loss`", "allowed: 0 to 1"],
        ),
        // unknown name among valid ones
        (
            &GOOD.replace("\"heartbeat\"", "\"heartbeet\""),
            &["key `detector.kind`", "did you mean `heartbeat`?", &detectors],
        ),
        // malformed TOML
        ("name = \"x\"\nhorizon = [\n", &["s.toml:", "not valid TOML"]),
        // empty file
        ("", &["s.toml", "empty"]),
        // bad duration
        (&GOOD.replace("\"20s\"", "\"20 parsecs\""), &["s.toml:2:11", "key `horizon`", "invalid duration"]),
    ];
    for (text, expected) in cases {
        let file = scenario_file(dir.path(), text);
        let out = dir.path().join("o");
        for args in [vec!["run", &file, "--out", out.to_str().unwrap()], vec!["validate", &file]] {
            let command = args[0];
            let output = discosim(&args);
            assert_eq!(output.status.code(), Some(2), "{command} {text}: {}", stderr(&output));
            let message = stderr(&output);
            for needle in *expected {
                assert!(message.contains(needle), "{command}: expected `{needle}` in:\n{message}");
            }
            assert!(!message.contains("panicked"), "{message}");
        }
    }
    assert!(!dir.path().join("o").exists(), "nothing is written for bad input");
}

#[test]
fn missing_file_and_bad_override_are_exit_code_2() {
    let output = discosim(&["run", "no/such/file.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no/such/file.toml: cannot read the scenario file"), "{}", stderr(&output));
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), GOOD);
    let output = discosim(&["validate", &file, "--set", "network.loss=3"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("(--set network.loss=3): key `network.loss`"), "{}", stderr(&output));
    let output = discosim(&["validate", &file, "--set", "loss"]);
    assert_eq!(output.status.code(), Some(2));
    let output = discosim(&["run", "--bogus-flag", &file]);
    assert_eq!(output.status.code(), Some(2), "clap usage errors are exit code 2 too");
}

/// The scenario shown in the README's walk-through is valid, so the README stays true.
#[test]
fn readme_walkthrough_scenario_is_valid() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme.find("```toml\n").expect("a toml block in the README") + 8;
    let end = start + readme[start..].find("```").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), &readme[start..end]);
    let output = discosim(&["validate", &file]);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Impossible combinations on the request path are clear errors, not silent defaults.
#[test]
fn impossible_request_path_combinations_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let with_clients = format!("{GOOD}[workload]\nclients = 2\nrate = 1.0\n");
    let cases: &[(&str, &str)] = &[
        ("[recovery.hedge]\ndelay = \"10ms\"\n", "a hedge is a second attempt, but retry.max_attempts is 1"),
        ("[recovery.retry]\nmax_attempts = 3\nbudget = 1.5\n", "key `recovery.retry.budget`: 1.5 is out of range"),
        ("[recovery.retry]\nmax_attempts = 3\nbudget = 1.5\n", "allowed: number, 0 < x ≤ 1"),
        ("[recovery]\nretyr = 3\n", "did you mean `retry`?"),
        ("[balancer]\nkind = \"random\"\nvnodes = 10\n", "key `balancer.vnodes`: unknown key `vnodes`"),
        ("[balancer]\nkind = \"ring\"\ntable_size = 101\n", "allowed: vnodes"),
        ("[discovery]\nmode = \"poll\"\n", "key `discovery.refresh`: is required"),
        ("[recovery.retry]\nmax_attempts = 3\njitter = \"ful\"\n", "did you mean `full`?"),
    ];
    for (extra, expected) in cases {
        let file = scenario_file(dir.path(), &format!("{with_clients}{extra}"));
        let output = discosim(&["validate", &file]);
        assert_eq!(output.status.code(), Some(2), "{extra}");
        assert!(stderr(&output).contains(expected), "{extra}: expected `{expected}` in\n{}", stderr(&output));
    }
    let no_clients = scenario_file(dir.path(), &format!("{GOOD}[balancer]\nkind = \"ring\"\n"));
    assert!(stderr(&discosim(&["validate", &no_clients])).contains("needs clients"));
}

/// `discosim bench` runs a scenario and reports it beside the floor (not a timing test: only
/// that every figure is there).
#[test]
fn bench_reports_the_engine_beside_the_floor() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), GOOD);
    let output = discosim(&["bench", &file, "--runs", "1"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in ["engine", "floor", "ratio", "queue", "modelled"] {
        assert!(stdout.contains(line), "no `{line}` in:\n{stdout}");
    }
    let missing = discosim(&["bench", "no-such-file.toml"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// `discosim list` and `discosim formulas` name every parameter of every detector and
/// balancer, from their declarations.
#[test]
fn list_and_formulas_name_every_parameter_of_every_strategy() {
    let list = discosim(&["list"]);
    let formulas = discosim(&["formulas"]);
    assert_eq!((list.status.code(), formulas.status.code()), (Some(0), Some(0)));
    let (list, formulas) = (String::from_utf8_lossy(&list.stdout), String::from_utf8_lossy(&formulas.stdout));
    let detectors = discosim::detect::DETECTORS.iter().map(|s| (s.name, s.params));
    let balancers = discosim::balance::BALANCERS.iter().map(|s| (s.name, s.params));
    for (name, params) in detectors.chain(balancers) {
        assert!(list.contains(&format!("  {name}: ")), "{name} missing from the list");
        for p in params.iter().filter(|p| !matches!(p.ty, discosim::params::Type::Choice(_))) {
            assert!(list.contains(&format!("      {} (", p.name)), "{name}.{} missing from the list", p.name);
            assert!(formulas.contains(p.name), "{name}.{} missing from the formula variables", p.name);
        }
    }
}

/// `--label` adds a first column `label` to runs.csv and the summaries and a `label` to the
/// manifest; without it the files are exactly the labelled ones less that column.
#[test]
fn label_is_a_first_column_only_when_given() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), &format!("{GOOD}[sweep]\n\"detector.interval\" = [\"100ms\", \"1.5s\"]\n"));
    let (plain, labelled) = (dir.path().join("plain"), dir.path().join("labelled"));
    for (out, extra) in [(&plain, &[][..]), (&labelled, &["--label", "fast, \"new\" detector"][..])] {
        let mut args = vec!["run", &file, "--quiet", "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let output = discosim(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        let first = String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or_default().to_string();
        assert_eq!(first.contains("(label `fast, \"new\" detector`)"), !extra.is_empty(), "{first}");
    }
    for name in ["runs.csv", "summary.csv", "summary_long.csv"] {
        let (p, l) = (read_csv(&plain.join(name)), read_csv(&labelled.join(name)));
        assert_eq!(l[0][0], "label", "{name}");
        assert!(l[1..].iter().all(|row| row[0] == "fast, \"new\" detector"), "{name}");
        let stripped: Vec<Vec<String>> = l.iter().map(|row| row[1..].to_vec()).collect();
        assert_eq!(stripped, p, "{name}: the same rows, less the label");
        assert_ne!(p[0][0], "label", "{name}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(labelled.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["label"], "fast, \"new\" detector");
    let plain_manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(plain.join("manifest.json")).unwrap()).unwrap();
    assert!(plain_manifest.get("label").is_none());
    for bad in ["", "two\nlines"] {
        let output = discosim(&["run", &file, "--quiet", "--out", plain.to_str().unwrap(), "--label", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(stderr(&output).contains("--label") && stderr(&output).contains("a label"), "{}", stderr(&output));
    }
}

/// summary_long.csv: one row per point and metric, a swept duration also in seconds, and the
/// same means and intervals as summary.csv.
#[test]
fn long_summary_has_a_row_per_point_and_metric_with_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), &format!("{GOOD}[sweep]\n\"detector.interval\" = [\"100ms\", \"1.5s\"]\n"));
    let out = dir.path().join("out");
    let output = discosim(&["run", &file, "--quiet", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let long = read_csv(&out.join("summary_long.csv"));
    let wide = read_csv(&out.join("summary.csv"));
    let header = ["detector.interval", "detector.interval_s", "metric", "mean", "ci_low", "ci_high", "n"];
    assert_eq!(long[0], header);
    let metrics = (wide[0].len() - 1) / 3;
    assert_eq!(long.len() - 1, 2 * metrics, "one row per point and metric");
    let row = long.iter().find(|r| r[0] == "1.5s" && r[2] == "detection_time.mean").unwrap();
    assert_eq!(row[1], "1.5");
    let crashes = long.iter().find(|r| r[0] == "1.5s" && r[2] == "crashes").unwrap();
    assert_eq!(crashes[6], "2", "both replications count crashes");
    let column = wide[0].iter().position(|c| c == "detection_time.mean").unwrap();
    let wide_row = wide.iter().find(|r| r[0] == "1.5s").unwrap();
    assert_eq!(row[3..6], wide_row[column..column + 3], "the wide file's mean and interval");
}

fn read_csv(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(path).unwrap();
    reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect()
}

/// Issue #16: `availability@<phase>` was refused wherever a metric is named (listing 137
/// others). It is now a metric (the mean success ratio of the availability bins starting in
/// the phase) that `[[expect]]`, `[[plot]]` and `target_metrics` accept, and the terminal
/// summary shows the phases' headline metrics.
#[test]
fn availability_at_a_phase_is_a_metric_and_phases_are_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let stopping = "target_ci = 0.5\ntarget_metrics = [\"availability@late\"]\nmax_replications = 4\n";
    let text = format!(
        "{}[workload]\nclients = 2\nrate = 20.0\n\
         [[phase]]\nname = \"late\"\nfrom = \"10s\"\nto = \"20s\"\n\
         [[expect]]\nmetric = \"availability@late\"\nformula = \"1\"\nholds = \"upper-bound\"\n\
         [[plot]]\nkind = \"line\"\nx = \"detector.interval\"\ny = [\"availability@late\"]\n\
         [sweep]\n\"detector.interval\" = [\"100ms\", \"1s\"]\n",
        GOOD.replacen("replications = 2\n", &format!("replications = 2\n{stopping}"), 1)
    );
    let file = scenario_file(dir.path(), &text);
    let validate = discosim(&["validate", &file]);
    assert!(validate.status.success(), "{}", stderr(&validate));
    let out = dir.path().join("out");
    let output = discosim(&["run", &file, "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for shown in ["availability@late", "success_ratio@late", "detection_time.mean@late"] {
        assert!(stdout.contains(shown), "{shown} not in the summary: {stdout}");
    }
    let runs = read_csv(&out.join("runs.csv"));
    let column = runs[0].iter().position(|c| c == "availability@late").expect("an availability@late column");
    assert!(runs[1..].iter().all(|r| r[column].parse::<f64>().is_ok_and(|a| (0.0..=1.0).contains(&a))), "{runs:?}");
    assert!(std::fs::read_to_string(out.join("checks.csv")).unwrap().contains("holds"));
    // A misspelt phase metric lists that phase's metrics, not every column.
    let typo =
        scenario_file(dir.path(), &text.replace("metric = \"availability@late\"", "metric = \"availabilty@late\""));
    let refused = discosim(&["validate", &typo]);
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert!(message.contains("did you mean `availability@late`?"), "{message}");
    assert!(message.contains("success_ratio@late") && !message.contains("latency.p99"), "{message}");
}

/// `new` writes a commented scenario that validates as written, with or without a preset;
/// it never overwrites, and a bad name or an unknown preset is exit 2 with a suggestion.
#[test]
fn new_writes_a_starting_scenario_that_validates() {
    let dir = tempfile::tempdir().unwrap();
    let in_dir = |args: &[&str]| {
        let bin = env!("CARGO_BIN_EXE_discosim");
        std::process::Command::new(bin).args(args).current_dir(dir.path()).output().unwrap()
    };
    for (args, file) in
        [(&["new", "study"][..], "study.toml"), (&["new", "k8s", "--from", "kubernetes"][..], "k8s.toml")]
    {
        let output = in_dir(args);
        assert!(output.status.success(), "{}", stderr(&output));
        let validated = in_dir(&["validate", file]);
        assert!(validated.status.success(), "{file}: {}", stderr(&validated));
    }
    assert!(std::fs::read_to_string(dir.path().join("k8s.toml")).unwrap().contains("preset = \"kubernetes\""));
    let again = in_dir(&["new", "study"]);
    assert_eq!(again.status.code(), Some(2), "never overwrites: {}", stderr(&again));
    let typo = in_dir(&["new", "x", "--from", "eurka"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(stderr(&typo).contains("did you mean `eureka`?"), "{}", stderr(&typo));
    assert_eq!(in_dir(&["new", "a b"]).status.code(), Some(2));
}

/// `--version` names the commit; `completions` prints a script for the shell.
#[test]
fn version_names_the_commit_and_completions_print_a_script() {
    let version = discosim(&["--version"]);
    assert!(String::from_utf8_lossy(&version.stdout).contains("(commit "), "{:?}", version);
    let bash = discosim(&["completions", "bash"]);
    assert!(bash.status.success() && String::from_utf8_lossy(&bash.stdout).contains("_discosim()"));
    assert_eq!(discosim(&["completions", "tcsh"]).status.code(), Some(2), "an unknown shell is refused");
}
