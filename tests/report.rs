//! `discosim report DIR` and `run --report`: one self-contained HTML page per results folder.
//! Checked the way a reader would look for things in it: every chart's SVG, every row of the
//! summary, every verdict, the provenance, and nothing fetched from elsewhere. (A browser
//! renders it in `scripts/report-in-browser.sh`, run by hand: CI has no browser.)

mod common;
use common::binary::{discosim, stderr};
use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs a shipped scenario into `out` with `--report` (and `extra`), returns the page.
fn run_with_report(scenario: &str, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["run", scenario, "--quiet", "--report", "--threads", "2", "--out", out.to_str().unwrap()];
    args.extend(extra);
    let output = discosim(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("report: "), "the run names the report");
    read(&out.join("report.html"))
}

/// The `<svg …>…</svg>` element of every chart file of the folder is in the page, verbatim.
fn assert_every_chart_inline(out: &Path, page: &str) -> usize {
    let mut charts = 0;
    for entry in std::fs::read_dir(out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "svg") {
            assert!(page.contains(read(&path).trim()), "{} is not inline", path.display());
            charts += 1;
        }
    }
    assert_eq!(page.matches("<svg").count(), charts, "one <svg> per chart file");
    charts
}

/// Every `src=` or `href=` of the page points inside it (`#…`): nothing is fetched.
fn assert_nothing_external(page: &str) {
    for attribute in ["src=", "href=", "@import", "url("] {
        for (at, _) in page.match_indices(attribute) {
            let value = &page[at + attribute.len()..];
            assert!(
                attribute.ends_with('=') && value.starts_with("\"#"),
                "an outside resource: {}",
                &page[at..(at + 80).min(page.len())]
            );
        }
    }
    assert!(!page.contains("<script") && !page.contains("<link") && !page.contains("<img"));
}

#[test]
fn the_report_holds_every_chart_row_verdict_and_the_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hb");
    let page = run_with_report("scenarios/heartbeat.toml", &out, &[]);
    assert_eq!(assert_every_chart_inline(&out, &page), 2, "heartbeat.toml declares two charts");
    // Every row of summary.csv: its swept value opens a row of the summary table.
    let summary = read(&out.join("summary.csv"));
    for line in summary.lines().skip(1) {
        let interval = line.split(',').next().unwrap();
        assert!(page.contains(&format!("<tr><td>{interval}</td>")), "summary row {interval}");
    }
    // Every verdict of checks.csv, under its expectation's name.
    let checks = read(&out.join("checks.csv"));
    let verdicts = checks.lines().skip(1).count();
    assert_eq!(page.matches("<td class=\"holds\">holds</td>").count(), verdicts);
    assert!(page.contains(&format!("{verdicts} of {verdicts} verdict(s) hold")));
    assert!(page.contains("2T bounds the 90th percentile of detection times"));
    // The provenance of manifest.json.
    let manifest: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    for key in ["discosim_version", "git_commit", "scenario_hash"] {
        let value = manifest[key].as_str().unwrap();
        assert!(page.contains(&format!("<code>{value}</code>")), "{key} = {value}");
    }
    assert!(page.contains("<tr><th>seed</th><td><code>1</code></td></tr>"));
    assert!(page.contains("<tr><th>threads</th><td><code>2</code></td></tr>"));
    assert!(page.contains("run scenarios/heartbeat.toml --quiet --report"), "the command line");
    // The scenario as it ran, escaped.
    assert!(page.contains("kind = &quot;heartbeat&quot;"), "the resolved scenario");
    assert!(page.contains("the source document&#39;s detection-time claim"), "its description, escaped");
    assert!(page.contains("<a href=\"#chart-detection-cdf\">"), "the contents link every chart");
    assert_nothing_external(&page);
}

#[test]
fn report_redraws_the_same_page_from_the_folder_and_shows_a_traced_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("event");
    let page = run_with_report("scenarios/event.toml", &out, &["--trace", "--replications", "2"]);
    assert_eq!(assert_every_chart_inline(&out, &page), 3, "the default charts: chart, detection_time-cdf, timeline");
    assert!(page.contains("id=\"chart-timeline\""));
    assert_nothing_external(&page);
    let again = discosim(&["report", out.to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
    // The page is made from the folder's files alone: drawn again, it is the same.
    assert_eq!(read(&out.join("report.html")), page, "the page depends on the folder alone");
}

#[test]
fn a_missing_or_damaged_folder_is_exit_2_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hb");
    run_with_report("scenarios/heartbeat.toml", &out, &[]);
    let o = out.to_str().unwrap();
    // (file, new contents or None to remove it, what the message must say)
    let cases: &[(&str, Option<&str>, &[&str])] = &[
        ("manifest.json", Some("{ not json"), &["manifest.json", "key must be a string"]),
        ("manifest.json", Some("{}"), &["manifest.json", "swept_keys"]),
        ("summary.csv", None, &["summary.csv"]),
        ("checks.csv", Some("a,b\n1,2\n"), &["checks.csv:1", "expectation"]),
        ("detection-cdf.svg", None, &["detection-cdf.svg", "discosim plot"]),
        ("detection-cdf.svg", Some("<svg onload=\"alert(1)\"></svg>"), &["detection-cdf.svg", "event handler"]),
    ];
    for (file, contents, expected) in cases {
        let fresh = dir.path().join("fresh");
        let _ = std::fs::remove_dir_all(&fresh);
        std::fs::rename(&out, &fresh).unwrap();
        copy_folder(&fresh, &out);
        match contents {
            Some(text) => std::fs::write(out.join(file), text).unwrap(),
            None => std::fs::remove_file(out.join(file)).unwrap(),
        }
        let before = std::fs::read(out.join("report.html")).unwrap();
        let output = discosim(&["report", o]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{expected:?}: {message}");
        for part in expected.iter() {
            assert!(message.contains(part), "`{part}` not in: {message}");
        }
        assert_eq!(std::fs::read(out.join("report.html")).unwrap(), before, "the old report stays");
        std::fs::remove_dir_all(&out).unwrap();
        std::fs::rename(&fresh, &out).unwrap();
    }
    let missing = discosim(&["report", dir.path().join("nowhere").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("not a results folder"), "{}", stderr(&missing));
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}
