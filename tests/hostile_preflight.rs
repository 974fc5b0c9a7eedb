//! Preflight against hostile sizes, through the real binary: hostile sizes are refused by
//! `validate` with exit 2, quickly, before anything is built or run; `--force` lifts the soft
//! caps but not the cap on sweep points; and on every shipped scenario the estimate printed in
//! the manifest is within a factor of 3 of the measured events and peak memory.

mod common;
use common::binary::{discosim, stderr};
use std::path::Path;
use std::time::{Duration, Instant};

/// `validate` with `args`: exit 2 within a few seconds, with an error that contains `needle`.
fn assert_refused(args: &[&str], needle: &str) {
    let started = Instant::now();
    let output = discosim(&[&["validate"], args].concat());
    let (elapsed, message) = (started.elapsed(), stderr(&output));
    assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
    assert!(elapsed < Duration::from_secs(10), "{args:?} took {elapsed:?}");
    assert!(message.contains(needle), "{args:?}: {message}");
    assert!(message.contains("--force") || message.contains("sweep points"), "says how to proceed: {message}");
}

const POLL_EVERY_NS: &str = "--set=discovery.refresh=1ns";
const FAIL_EVERY_NS: &str = "--set=cluster.failure={ model = \"crash-recover\", mttf = { dist = \"constant\", value = \"1ns\" }, mttr = { dist = \"constant\", value = \"1ns\" } }";

#[test]
fn every_hostile_size_of_the_issue_is_refused_quickly_with_exit_2() {
    let events = "events in all";
    let cases: &[(&[&str], &str)] = &[
        (&["scenarios/heartbeat.toml", "--replications", "1000000000"], "jobs"),
        (&["scenarios/end-to-end.toml", "--set", "workload.rate=1e12"], events),
        (&["scenarios/end-to-end.toml", "--set", "discovery.mode=poll", POLL_EVERY_NS], events),
        (&["scenarios/heartbeat.toml", FAIL_EVERY_NS], events),
        (&["scenarios/baseline.toml", "--set", "horizon=100000d"], events),
        // 10⁷ instances probed every 0.5–4 s for 2000 s, 5 replications: 1.4 T events.
        (&["scenarios/timer.toml", "--set", "cluster.instances=10000000"], events),
        (
            &[
                "scenarios/heartbeat.toml",
                "--set",
                "target_ci=1e-12",
                "--set",
                "max_replications=1000000000",
                "--set",
                "target_metrics=[\"detection_time.mean\"]",
            ],
            "max_replications",
        ),
    ];
    for (args, needle) in cases {
        assert_refused(args, needle);
    }
}

/// A `[sweep]` of `points` values for the seed and as many for the loss (ranges are capped
/// at 100 000 values each, so 10⁷ and 10¹⁰ points need two).
fn sweep_args(seeds: u64, losses: u64) -> [String; 2] {
    [
        format!("--set=sweep.seed={{ from = 1, to = {seeds}, step = 1 }}"),
        format!("--set=sweep.network.loss={{ from = 0.0, to = 0.5, points = {losses} }}"),
    ]
}

#[test]
fn sweeps_of_ten_million_and_ten_billion_points_are_refused_even_with_force() {
    for (seeds, losses, count) in [(100, 100_000, "10000000 sweep points"), (100_000, 100_000, "10000000000")] {
        let [a, b] = sweep_args(seeds, losses);
        assert_refused(&["scenarios/baseline.toml", &a, &b], count);
        assert_refused(&["scenarios/baseline.toml", &a, &b, "--force"], "--force cannot lift it");
    }
}

const TINY: &str = "name = \"tiny\"\nhorizon = \"10s\"\nreplications = 1\n[cluster]\ninstances = 2\n[detector]\nkind = \"heartbeat\"\ninterval = \"1s\"\n";

#[test]
fn force_lifts_a_soft_refusal_in_validate_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiny.toml");
    std::fs::write(&file, TINY).unwrap();
    let file = file.to_str().unwrap();
    let too_many = ["--replications", "2000000"];
    assert_refused(&[&[file][..], &too_many].concat(), "2.0 M jobs");
    let forced = discosim(&[&["validate", file, "--force"][..], &too_many].concat());
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(String::from_utf8_lossy(&forced.stdout).contains("ok (--force)"));
    assert!(stderr(&forced).contains("warning: going ahead (--force)"), "{}", stderr(&forced));
    // `run` refuses before writing anything; with --force it gets past the preflight and on
    // to the results folder (here one that cannot be made: exit 3, not 2).
    let out = dir.path().join("out");
    let refused = discosim(&[&["run", file, "--out", out.to_str().unwrap()][..], &too_many].concat());
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(!out.exists(), "nothing written");
    let blocked = dir.path().join("tiny.toml/out");
    let forced = discosim(&[&["run", file, "--force", "--out", blocked.to_str().unwrap()][..], &too_many].concat());
    assert_eq!(forced.status.code(), Some(3), "{}", stderr(&forced));
}

/// The estimate and the truth of one results folder: per point (estimated, measured) queue
/// events, and (estimated, measured) peak memory of the process.
fn estimate_and_truth(out: &Path) -> (Vec<(f64, f64)>, (f64, f64)) {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let provenance = &manifest["provenance"];
    let estimate = &provenance["estimate"];
    // A CSV reader: a swept table's value (`{ kind = "ring", vnodes = 1 }`) holds commas.
    let mut engine = csv::Reader::from_path(out.join("engine.csv")).unwrap();
    let column = engine.headers().unwrap().iter().position(|h| h == "events").unwrap();
    let rows: Vec<csv::StringRecord> = engine.records().map(Result::unwrap).collect();
    let measured = rows.iter().map(|r| r[column].parse::<f64>().unwrap()).collect::<Vec<_>>();
    let points = estimate["points"].as_array().unwrap();
    assert_eq!(points.len(), rows.len(), "one replication per point");
    let events = points.iter().map(|p| p["queue_events"].as_f64().unwrap()).zip(measured).collect();
    let memory = (estimate["peak_bytes"].as_f64().unwrap(), provenance["peak_rss_bytes"].as_f64().unwrap());
    (events, memory)
}

fn within_3(name: &str, what: &str, (estimated, measured): (f64, f64)) {
    let ratio = estimated / measured;
    assert!((1.0 / 3.0..=3.0).contains(&ratio), "{name}: {what} estimated {estimated}, measured {measured}");
}

#[test]
fn the_estimate_is_within_a_factor_of_3_on_every_shipped_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<_> = std::fs::read_dir("scenarios").unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|x| x == "toml"));
    files.sort();
    assert_eq!(files.len(), 36);
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let out = dir.path().join(&name);
        let args = ["run", file.to_str().unwrap(), "--replications", "1", "--threads", "1", "--quiet", "--out"];
        let output = discosim(&[&args[..], &[out.to_str().unwrap()]].concat());
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        let (events, memory) = estimate_and_truth(&out);
        for point in events {
            within_3(&name, "queue events per run", point);
        }
        within_3(&name, "peak memory", memory);
    }
}

#[test]
fn validate_and_run_print_the_estimate() {
    let validate = discosim(&["validate", "scenarios/heartbeat.toml"]);
    let stdout = String::from_utf8_lossy(&validate.stdout);
    assert!(stdout.contains("ok — `heartbeat`, 4 sweep point(s), 20 run(s); estimate: "), "{stdout}");
    assert!(stdout.contains("queue events/run") && stdout.contains("peak "), "{stdout}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = discosim(&["run", "tests/scenarios/small.toml", "--out", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stderr(&run).lines().next().unwrap_or("").contains("estimate: "), "{}", stderr(&run));
    let quiet = discosim(&["run", "tests/scenarios/small.toml", "--quiet", "--out", out.to_str().unwrap()]);
    assert!(stderr(&quiet).is_empty(), "--quiet stays quiet: {}", stderr(&quiet));
}
