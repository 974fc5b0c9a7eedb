//! Determinism: the same scenario and seed give byte-identical CSV; another seed gives other
//! numbers; adding an instance does not change what happens to the others.

mod common;
use common::*;
use discosim::ids::InstanceId;
use discosim::world::{Event, World};
use std::path::Path;
use std::process::Command;

fn run_cli(out: &Path, extra: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_discosim"))
        .args(["run", "tests/scenarios/small.toml", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap()
}

#[test]
fn same_seed_gives_byte_identical_csv_and_another_seed_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    run_cli(&a, &[]);
    run_cli(&b, &[]);
    run_cli(&c, &["--seed", "8"]);
    for file in ["runs.csv", "summary.csv", "summary_long.csv"] {
        assert_eq!(read(&a, file), read(&b, file), "{file} differs between identical runs");
        assert_ne!(read(&a, file), read(&c, file), "{file} ignores the seed");
    }
}

/// Every event that concerns instances 0..n, with its time, as a comparable string.
fn events_of_first(text: &str, n: u32) -> Vec<String> {
    let s = scenario(text);
    let mut seen = Vec::new();
    World::new(&s, 99).run_observed(|time, event| {
        let instance = match event {
            Event::Fail { instance, .. } | Event::Repair { instance, .. } => *instance,
            Event::Detector(e) => e.instance,
            Event::Fault { .. } | Event::Traffic(_) | Event::Eviction | Event::Contention(_) => return,
        };
        if instance < InstanceId(n) {
            seen.push(format!("{time} {event:?}"));
        }
    });
    seen
}

#[test]
fn adding_an_instance_does_not_shift_the_others_draws() {
    let text = std::fs::read_to_string("tests/scenarios/small.toml").unwrap();
    let text = text.split("[sweep]").next().unwrap().to_string() + "timeout = \"1s\"\n";
    // The heartbeat detector draws its sends ahead and schedules events only where the view
    // changes, so it takes a longer run than the file's 200 s for a thousand events.
    let text = text.replace("horizon = \"200s\"", "horizon = \"2000s\"");
    let ten = events_of_first(&text.replace("instances = 50", "instances = 10"), 10);
    let eleven = events_of_first(&text.replace("instances = 50", "instances = 11"), 10);
    assert!(ten.len() > 1000, "the scenario does something ({} events)", ten.len());
    assert_eq!(ten, eleven);
}

/// The whole request path (every client-side mechanism and fault) is deterministic too:
/// threads do not matter, the seed does, and the event streams reproduce.
#[test]
fn the_request_path_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &str, extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_discosim"))
            .args(["run", "tests/scenarios/clients.toml", "--quiet", "--out"])
            .arg(dir.path().join(out))
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    };
    run("one", &["--threads", "1", "--check-determinism"]);
    run("two", &["--threads", "2"]);
    run("seed", &["--seed", "12"]);
    for file in ["runs.csv", "summary.csv"] {
        assert_eq!(read(&dir.path().join("one"), file), read(&dir.path().join("two"), file), "{file}");
        assert_ne!(read(&dir.path().join("one"), file), read(&dir.path().join("seed"), file), "{file}");
    }
    let runs = String::from_utf8(read(&dir.path().join("one"), "runs.csv")).unwrap();
    assert!(runs.lines().count() == 5 && runs.contains("success_ratio@spike"));
}

/// Regression: `--check-determinism` compared metrics with float `==`, so a run with an
/// undefined metric (NaN: here no crash, so no detection time) never "reproduced" (exit 4).
#[test]
fn determinism_check_accepts_undefined_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("calm.toml");
    let text = "name = \"calm\"\nhorizon = \"60s\"\n[cluster]\ninstances = 5\nfailure = { model = \"none\" }\n\
                [detector]\nkind = \"heartbeat\"\ninterval = \"1s\"\n";
    std::fs::write(&file, text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_discosim"))
        .arg("run")
        .arg(&file)
        .args(["--quiet", "--check-determinism", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let runs = String::from_utf8(read(&dir.path().join("out"), "runs.csv")).unwrap();
    assert!(runs.lines().nth(1).unwrap().contains(",,"), "an undefined metric is written empty");
}
