//! Parallel sweeps: results independent of threads and shards, interrupted runs resumed to the
//! same bytes, sequential stopping, and the bad inputs of this layer.

mod common;
use common::binary::discosim;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn run_ok(args: &[&str]) {
    let output = discosim(args);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

fn run_sweep(out: &Path, extra: &[&str]) {
    let mut args = vec!["run", "tests/scenarios/sweep.toml", "--quiet", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    run_ok(&args);
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
}

/// `discosim merge --out OUT SHARDS...`
fn merge(out: &Path, shards: &[PathBuf]) -> std::process::Output {
    let mut args = vec!["merge", "--out", out.to_str().unwrap()];
    args.extend(shards.iter().map(|s| s.to_str().unwrap()));
    discosim(&args)
}

fn assert_same_results(a: &Path, b: &Path) {
    for file in ["runs.csv", "summary.csv", "summary_long.csv"] {
        assert_eq!(read(a, file), read(b, file), "{file} differs between {} and {}", a.display(), b.display());
    }
}

#[test]
fn one_or_two_threads_give_byte_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    run_sweep(&one, &["--threads", "1"]);
    run_sweep(&two, &["--threads", "2"]);
    assert_same_results(&one, &two);
    assert_eq!(read(&one, "runs.csv").lines().count(), 1 + 8 * 3);
}

#[test]
fn merged_shards_equal_the_unsharded_run() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    run_sweep(&whole, &[]);
    let shards: Vec<PathBuf> = (1..=3).map(|i| dir.path().join(format!("shard{i}"))).collect();
    for (i, shard) in shards.iter().enumerate() {
        run_sweep(shard, &["--shard", &format!("{}/3", i + 1)]);
    }
    let merged = dir.path().join("merged");
    let mut args = vec!["merge", "--out", merged.to_str().unwrap()];
    args.extend(shards.iter().map(|s| s.to_str().unwrap()));
    run_ok(&args);
    assert_same_results(&whole, &merged);
    // Two of three shards are not enough.
    let output = merge(&dir.path().join("partial"), &shards[..2]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing shard(s): 3/3"));
}

/// Kills the real binary mid-sweep (once some jobs are journaled), resumes, and compares with
/// an uninterrupted run.
#[test]
fn killed_then_resumed_equals_uninterrupted() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, resumed) = (dir.path().join("whole"), dir.path().join("resumed"));
    run_sweep(&whole, &[]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_discosim"))
        .args([
            "run",
            "tests/scenarios/sweep.toml",
            "--quiet",
            "--threads",
            "1",
            "--set",
            "horizon=3000s",
            "--out",
            resumed.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = resumed.join("journal.jsonl");
    let deadline = Instant::now() + Duration::from_secs(60);
    let lines = || std::fs::read_to_string(&journal).map(|t| t.lines().count()).unwrap_or(0);
    while lines() < 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done = lines() - 1;
    assert!((3..24).contains(&done), "killed after {done} of 24 jobs");
    assert!(!resumed.join("runs.csv").exists(), "no results file before the sweep is complete");
    // Resume with the same scenario (the horizon override is part of it).
    let longer = dir.path().join("whole-long");
    run_ok(&[
        "run",
        "tests/scenarios/sweep.toml",
        "--quiet",
        "--set",
        "horizon=3000s",
        "--out",
        longer.to_str().unwrap(),
    ]);
    run_ok(&[
        "run",
        "tests/scenarios/sweep.toml",
        "--quiet",
        "--set",
        "horizon=3000s",
        "--resume",
        "--out",
        resumed.to_str().unwrap(),
    ]);
    assert_same_results(&longer, &resumed);
    // Resuming with another scenario is refused.
    let output =
        discosim(&["run", "tests/scenarios/sweep.toml", "--quiet", "--resume", "--out", resumed.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("another scenario"));
}

#[test]
fn adding_replications_later_keeps_the_earlier_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (three, six) = (dir.path().join("three"), dir.path().join("six"));
    run_sweep(&three, &[]);
    run_sweep(&six, &["--replications", "6"]);
    let six_rows = read(&six, "runs.csv");
    for row in read(&three, "runs.csv").lines() {
        assert!(six_rows.lines().any(|r| r == row), "row lost when adding replications: {row}");
    }
    // And resuming the 3-replication folder with 6 runs only the 3 new ones per point.
    run_sweep(&three, &["--replications", "6", "--resume"]);
    assert_eq!(read(&three, "runs.csv"), six_rows);
}

#[test]
fn sequential_stopping_adds_replications_until_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("seq");
    run_ok(&[
        "run",
        "tests/scenarios/sweep.toml",
        "--quiet",
        "--set",
        "target_ci=0.01",
        "--set",
        "target_metrics=[\"detection_time.mean\"]",
        "--set",
        "max_replications=12",
        "--out",
        out.to_str().unwrap(),
    ]);
    let runs = read(&out, "runs.csv");
    let per_point =
        |loss: &str, interval: &str| runs.lines().filter(|l| l.starts_with(&format!("{loss},{interval},"))).count();
    let counts: Vec<usize> = ["250ms", "500ms", "1s", "2s"].iter().map(|i| per_point("0.0", i)).collect();
    assert!(counts.iter().all(|&c| c % 3 == 0 && (3..=12).contains(&c)), "{counts:?}");
    assert!(counts.iter().any(|&c| c > 3), "the target asks for more than one batch somewhere: {counts:?}");
    // Threads do not change the decisions.
    let again = dir.path().join("seq1");
    run_ok(&[
        "run",
        "tests/scenarios/sweep.toml",
        "--quiet",
        "--threads",
        "1",
        "--set",
        "target_ci=0.01",
        "--set",
        "target_metrics=[\"detection_time.mean\"]",
        "--set",
        "max_replications=12",
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_same_results(&out, &again);
}

#[test]
fn determinism_check_passes_and_bad_shards_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = discosim(&[
        "run",
        "tests/scenarios/sweep.toml",
        "--quiet",
        "--check-determinism",
        "--out",
        dir.path().join("d").to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("reproduced"));
    for bad in ["4/3", "0/2", "1/0", "two"] {
        let output = discosim(&["run", "tests/scenarios/sweep.toml", "--quiet", "--shard", bad]);
        assert_eq!(output.status.code(), Some(2), "--shard {bad}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("not a shard"), "--shard {bad}");
    }
    let output =
        discosim(&["run", "tests/scenarios/sweep.toml", "--quiet", "--set", "sweep.detector.intervl=[\"1s\"]"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("did you mean `interval`?"));
    let output = discosim(&["run", "tests/scenarios/sweep.toml", "--quiet", "--set", "sweep.network.loss=[]"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("empty list"));
}

/// `--trace-job P/R` traces that job: its trace has as many crashes and detections as runs.csv
/// reports for point P, replication R (and not those of the first job); a job outside the
/// sweep is refused before anything runs.
#[test]
fn trace_job_traces_the_named_point_and_replication() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    run_sweep(&out, &["--trace-job", "5/2"]);
    let runs = read(&out, "runs.csv");
    let header: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    let column = |row: usize, name: &str| -> String {
        let index = header.iter().position(|h| *h == name).unwrap();
        runs.lines().nth(1 + row).unwrap().split(',').nth(index).unwrap().to_string()
    };
    let trace = read(&out, "trace.csv");
    let count = |event: &str| trace.lines().filter(|l| l.split(',').nth(1) == Some(event)).count().to_string();
    let row = 5 * 3 + 2; // canonical order: points, then replications
    assert_eq!(count("crash"), column(row, "crashes"));
    assert_eq!(count("detection"), column(row, "detection_time.count"));
    assert_ne!(column(row, "crashes"), column(0, "crashes"), "the first job would not match");
    for bad in ["8/0", "0/3", "x"] {
        let output = discosim(&["run", "tests/scenarios/sweep.toml", "--quiet", "--trace-job", bad]);
        assert_eq!(output.status.code(), Some(2), "--trace-job {bad}");
    }
}

/// Regression: a run's CDFs depend on its own samples (a crash-free replication has no
/// `detection_time` CDF), and resuming once refused a journal whose records differed there;
/// so did a sweep over presets, whose points report different metric groups.
#[test]
fn resume_accepts_runs_whose_cdfs_and_metric_groups_differ() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
name = "mixed"
horizon = "300s"
[cluster]
instances = 4
failure = { model = "crash-recover", mttf = { dist = "exponential", mean = "400s" }, mttr = { dist = "constant", value = "50s" } }
[workload]
clients = 1
rate = 5.0
[sweep]
preset = ["eureka", "envoy", "kubernetes"]
"#;
    let file = common::binary::scenario_file(
        dir.path(),
        &format!("{text}[detector]\nkind = \"heartbeat\"\ninterval = \"1s\"\nevaluation = \"eager\"\n"),
    );
    let out = dir.path().join("out");
    run_ok(&["run", &file, "--quiet", "--replications", "2", "--out", out.to_str().unwrap()]);
    run_ok(&["run", &file, "--quiet", "--replications", "6", "--resume", "--out", out.to_str().unwrap()]);
    let runs = read(&out, "runs.csv");
    assert_eq!(runs.lines().count(), 1 + 3 * 6);
}

/// `--label` shards merge into a labelled folder equal to the labelled unsharded run; shards
/// of two labels are refused.
#[test]
fn labelled_shards_merge_and_shards_of_two_labels_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    run_sweep(&whole, &["--label", "A"]);
    let shards: Vec<PathBuf> = (1..=2).map(|i| dir.path().join(format!("shard{i}"))).collect();
    for (i, shard) in shards.iter().enumerate() {
        run_sweep(shard, &["--shard", &format!("{}/2", i + 1), "--label", "A"]);
    }
    let merged = dir.path().join("merged");
    run_ok(&["merge", "--out", merged.to_str().unwrap(), shards[0].to_str().unwrap(), shards[1].to_str().unwrap()]);
    assert_same_results(&whole, &merged);
    assert!(read(&merged, "summary_long.csv").starts_with("label,network.loss,detector.interval,"));
    run_sweep(&shards[1], &["--shard", "2/2", "--label", "B"]);
    let output = merge(&dir.path().join("mixed"), &shards);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("share its --label"), "{output:?}");
}
