//! Charts: every kind renders to a valid PNG and SVG, `plot DIR` redraws the same bytes from
//! the CSV files alone, and a `[[plot]]` naming something that does not exist is refused.

mod common;
use common::binary::discosim;
use std::path::Path;

const SCENARIO: &str = r#"
name = "charts"
horizon = "60s"
replications = 2
[cluster]
instances = 6
service_time = { dist = "exponential", mean = "5ms" }
failure = { model = "crash-recover", mttf = { dist = "exponential", mean = "15s" }, mttr = { dist = "constant", value = "3s" } }
[detector]
kind = "heartbeat"
interval = "500ms"
[workload]
clients = 3
rate = 10.0
[balancer]
kind = "ring"
[recovery.retry]
max_attempts = 2
[sweep]
"detector.interval" = ["250ms", "500ms", "1s"]
"balancer.kind" = ["ring", "jump"]
[[expect]]
metric = "detection_time.mean"
formula = "1.5 * interval"
tolerance = 0.5
[[plot]]
name = "line"
x = "detector.interval"
y = ["detection_time.mean"]
series = "balancer.kind"
log_x = true
[[plot]]
name = "bar"
kind = "bar"
x = "balancer.kind"
y = ["success_ratio"]
series = "detector.interval"
[[plot]]
name = "cdf"
kind = "cdf"
y = ["latency"]
[[plot]]
name = "timeline"
kind = "timeline"
"#;

fn run_fixture(dir: &Path) -> std::path::PathBuf {
    let file = dir.join("charts.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    let out = dir.join("out");
    let output = discosim(&["run", file.to_str().unwrap(), "--quiet", "--trace", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    out
}

#[test]
fn every_kind_renders_a_valid_png_and_svg_and_plot_redraws_them_identically() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_fixture(dir.path());
    let mut drawn = Vec::new();
    for name in ["line", "bar", "cdf", "timeline"] {
        let png = std::fs::read(out.join(format!("{name}.png"))).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let reader = decoder.read_info().unwrap_or_else(|e| panic!("{name}.png: {e}"));
        assert_eq!((reader.info().width, reader.info().height), (1000, 640), "{name}.png");
        let svg = std::fs::read_to_string(out.join(format!("{name}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name}.svg: {e}"));
        assert!(doc.descendants().filter(|n| n.has_tag_name("text")).count() > 5, "{name}.svg has labels");
        drawn.push((name, png, svg));
    }
    let output = discosim(&["plot", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for (name, png, svg) in drawn {
        assert_eq!(std::fs::read(out.join(format!("{name}.png"))).unwrap(), png, "{name}.png redrawn differently");
        assert_eq!(
            std::fs::read_to_string(out.join(format!("{name}.svg"))).unwrap(),
            svg,
            "{name}.svg redrawn differently"
        );
    }
}

#[test]
fn a_plot_of_something_that_does_not_exist_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to, message) in [
        ("y = [\"success_ratio\"]", "y = [\"succes_ratio\"]", "did you mean `success_ratio`?"),
        ("x = \"balancer.kind\"", "x = \"balancer.knd\"", "unknown swept key `balancer.knd`"),
        ("kind = \"cdf\"", "kind = \"pie\"", "unknown chart kind `pie`"),
    ] {
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, SCENARIO.replace(from, to)).unwrap();
        let output = discosim(&["validate", file.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{to}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{to}: expected `{message}` in {stderr}");
    }
}
