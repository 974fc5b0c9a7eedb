//! `discosim compare` through the real binary: folders with known differences (a shipped-style
//! scenario run with other parameters or another seed), hand-written folders whose t statistic
//! is worked out below, and the exit codes 0, 1 and 2.

mod common;
use common::binary::{discosim, scenario_file, stderr};
use std::path::Path;

const SMALL: &str = "name = \"cmp\"\nhorizon = \"20s\"\nreplications = 10\n[cluster]\ninstances = 5\nfailure = { model = \"crash-recover\", mttf = { dist = \"exponential\", mean = \"5s\" }, mttr = { dist = \"constant\", value = \"1s\" } }\n[detector]\nkind = \"heartbeat\"\ninterval = \"200ms\"\n[sweep]\n\"network.loss\" = [0.0, 0.1]\n";

fn run(file: &str, out: &Path, extra: &[&str]) {
    let mut args = vec!["run", file, "--quiet", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = discosim(&args);
    assert!(output.status.success(), "{}", stderr(&output));
}

fn compare(args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["compare"];
    all.extend_from_slice(args);
    let output = discosim(&all);
    (output.status.code(), format!("{}{}", String::from_utf8_lossy(&output.stdout), stderr(&output)))
}

/// A 10 × longer heartbeat interval: detection time (cut short by 1 s repairs) differs at every point (exit 1), by the
/// paired test since both runs share their seeds; the same folder twice differs in nothing
/// (exit 0); another seed switches to Welch's test.
#[test]
fn real_runs_with_known_differences() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), SMALL);
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    run(&file, &a, &["--label", "fast"]);
    run(&file, &b, &["--label", "slow", "--set", "detector.interval=2s"]);
    run(&file, &c, &["--seed", "99"]);
    let (a, b, c) = (a.to_str().unwrap(), b.to_str().unwrap(), c.to_str().unwrap());
    let (code, text) = compare(&[a, b, "--metric", "detection_time.mean"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("A = fast, B = slow: paired t-test"), "{text}");
    assert!(text.contains("[network.loss = 0.0]") && text.contains("[network.loss = 0.1]"), "{text}");
    let rows: Vec<&str> = text.lines().filter(|l| l.trim_start().starts_with("detection_time.mean")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows.iter().all(|r| r.ends_with("yes")), "{text}");
    let (code, text) = compare(&[a, a]);
    assert_eq!(code, Some(0), "{text}");
    assert!(!text.contains(" yes"), "{text}");
    let (code, text) = compare(&[a, c, "--metric", "crashes", "--metric", "detection_time.mean"]);
    assert!(matches!(code, Some(0 | 1)), "{text}");
    assert!(text.contains("Welch's t-test"), "{text}");
}

fn folder(dir: &Path, name: &str, seeds: [u64; 3], values: [f64; 3]) -> String {
    let path = dir.join(name);
    std::fs::create_dir(&path).unwrap();
    std::fs::write(path.join("manifest.json"), r#"{"swept_keys": ["k"]}"#).unwrap();
    let mut runs = "k,replication,seed,x,y\n".to_string();
    for (r, (seed, x)) in seeds.iter().zip(values).enumerate() {
        runs.push_str(&format!("1s,{r},{seed},{x},\n"));
    }
    std::fs::write(path.join("runs.csv"), runs).unwrap();
    path.display().to_string()
}

/// A: x = 1, 2, 3; B: x = 4, 6, 5 (y never has a value).
/// Same seeds → paired: differences 3, 4, 2, mean 3, sd 1, t = 3/(1/√3) = 5.196 on 2 degrees
/// of freedom, p = 2·(1/2 − t/(2√(2 + t²))) = 0.0351.
/// Other seeds → Welch: means 2 and 5, variances 1 and 1, t = 3/√(1/3 + 1/3) = 3.674,
/// dof = (2/3)² / (2 · (1/3)²/2) = 4, p = 0.0213: significant at 0.05, not at 0.02.
#[test]
fn hand_written_folders_give_the_hand_computed_p_values() {
    let dir = tempfile::tempdir().unwrap();
    let a = folder(dir.path(), "a", [11, 12, 13], [1.0, 2.0, 3.0]);
    let paired = folder(dir.path(), "paired", [11, 12, 13], [4.0, 6.0, 5.0]);
    let other = folder(dir.path(), "other", [21, 22, 23], [4.0, 6.0, 5.0]);
    let (code, text) = compare(&[&a, &paired]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("paired t-test"), "{text}");
    let x = |text: &str| text.lines().find(|l| l.trim_start().starts_with("x ")).unwrap().to_string();
    let row = x(&text);
    assert!(row.contains(" 2 ") && row.contains(" 5 ") && row.contains("+150.000%"), "{row}");
    assert!(row.contains("0.0351") && row.ends_with("yes"), "{row}");
    assert!(text.contains("1 of 1 tested difference(s) significant at p < 0.05"), "{text}");
    let y = text.lines().find(|l| l.trim_start().starts_with("y ")).unwrap();
    assert!(y.ends_with('-'), "no value, no test: {y}");
    let (code, text) = compare(&[&a, &other]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("Welch's t-test") && x(&text).contains("0.0213"), "{text}");
    let (code, text) = compare(&[&a, &other, "--alpha", "0.02"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(x(&text).ends_with("no"), "{text}");
}
