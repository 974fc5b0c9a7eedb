//! `discosim check`: verdicts, exit codes, and every shipped scenario's expectations holding.

mod common;
use common::binary::discosim;
use std::path::Path;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Observer with p = 1: detection is uniform within one tick, mean tick/2 exactly.
fn scenario(dir: &Path, expect: &str) -> String {
    let path = dir.join("e.toml");
    let base = "name = \"e\"\nhorizon = \"500s\"\nreplications = 3\n[cluster]\ninstances = 50\nfailure = { model = \"crash-recover\", mttf = { dist = \"exponential\", mean = \"50s\" }, mttr = { dist = \"constant\", value = \"20s\" } }\n[detector]\nkind = \"observer\"\ntick = \"1s\"\np = 1.0\n";
    std::fs::write(&path, format!("{base}{expect}")).unwrap();
    path.display().to_string()
}

const RIGHT: &str = "[[expect]]\nname = \"half a tick\"\nmetric = \"detection_time.mean\"\nformula = \"tick / 2\"\n";
const WRONG: &str = "[[expect]]\nname = \"a whole tick\"\nmetric = \"detection_time.mean\"\nformula = \"tick\"\n";

#[test]
fn a_right_expectation_passes_and_a_wrong_one_fails_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let ok = discosim(&["check", &scenario(dir.path(), RIGHT), "--quiet", "--out", out.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("HOLDS"));
    let checks = std::fs::read_to_string(out.join("checks.csv")).unwrap();
    assert!(checks.starts_with("expectation,metric,formula,holds,tolerance,predicted,simulated,ci_low,ci_high"));
    assert!(checks.contains("half a tick,detection_time.mean,tick / 2,mean,0,0.5,"));
    let bad = discosim(&["check", &scenario(dir.path(), WRONG), "--quiet", "--out", out.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("FAILED e: a whole tick"), "{}", text(&bad.stderr));
    // `run` reports the same verdict but does not fail.
    let run = discosim(&["run", &scenario(dir.path(), WRONG), "--quiet", "--out", out.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0));
    assert!(text(&run.stdout).contains("FAILS"));
}

#[test]
fn bad_formulas_are_input_errors_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let cases = [
        (
            "[[expect]]\nmetric = \"detection_time.mean\"\nformula = \"tick * (\"\n",
            "key `expect[0].formula`: cannot parse",
        ),
        ("[[expect]]\nmetric = \"detection_time.mean\"\nformula = \"tik / 2\"\n", "unknown variable `tik`"),
        ("[[expect]]\nmetric = \"detection_time.mean\"\nformula = \"log(tick)\"\n", "unknown function `log`"),
        ("[[expect]]\nmetric = \"detection_time.maen\"\nformula = \"1\"\n", "did you mean `detection_time.mean`?"),
        ("[[expect]]\nmetric = \"detection_time.mean\"\nformula = \"1\"\nholds = \"upper\"\n", "key `expect[0].holds`"),
    ];
    for (expect, message) in cases {
        let output = discosim(&["check", &scenario(dir.path(), expect), "--out", out.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{expect}");
        assert!(text(&output.stderr).contains(message), "{expect}: expected `{message}` in {}", text(&output.stderr));
    }
    assert!(!out.exists(), "nothing ran");
    let unknown = discosim(&[
        "check",
        &scenario(dir.path(), "[[expect]]\nmetric = \"detection_time.mean\"\nformula = \"tik / 2\"\n"),
    ]);
    assert!(text(&unknown.stderr).contains("did you mean `tick`?"), "{}", text(&unknown.stderr));
}

/// Every expectation of every shipped scenario holds: the verdicts in the README are true.
#[test]
fn every_shipped_expectation_holds() {
    let dir = tempfile::tempdir().unwrap();
    let output = discosim(&["check", "scenarios/", "--quiet", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}\n{}", text(&output.stdout), text(&output.stderr));
    let checks = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("checks.csv").exists())
        .count();
    assert!(checks >= 9, "{checks} scenarios with expectations");
}

#[test]
fn formulas_lists_the_seven_with_a_counterexample() {
    let output = discosim(&["formulas"]);
    assert!(output.status.success());
    let catalog = text(&output.stdout);
    assert_eq!(catalog.matches("\n   verdict:").count(), 7);
    assert!(catalog.contains("the identity held for 0 of 100000 random pairs"));
}
