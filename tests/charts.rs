//! Charts: every kind renders to a valid PNG and SVG, `plot DIR` redraws the same bytes from
//! the CSV files alone, and a `[[plot]]` naming something that does not exist is refused.
//! What a chart shows is read from its SVG: bars per metric, trade-off labels and Pareto rings,
//! legends below the data, units on the axes.

mod common;
use common::binary::discosim;
use std::path::Path;

type Box4 = (f64, f64, f64, f64); // x0, y0, x1, y1 in pixels
type Mark = (&'static str, String, Box4); // element, look, bounding box

fn svg(out: &Path, name: &str) -> String {
    std::fs::read_to_string(out.join(format!("{name}.svg"))).unwrap()
}

fn number(node: roxmltree::Node, attribute: &str) -> f64 {
    node.attribute(attribute).unwrap_or_else(|| panic!("no {attribute}")).parse().unwrap()
}

fn rect_box(node: roxmltree::Node) -> Box4 {
    let (x, y) = (number(node, "x"), number(node, "y"));
    (x, y, x + number(node, "width"), y + number(node, "height"))
}

/// The legend's frame: the one grey-stroked rectangle.
fn legend_frame(doc: &roxmltree::Document) -> Box4 {
    let frames: Vec<Box4> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("stroke").is_some_and(|s| s.eq_ignore_ascii_case("#808080")))
        .map(rect_box)
        .collect();
    assert_eq!(frames.len(), 1, "one legend frame");
    frames[0]
}

/// Every point-like mark (circle, polygon, coloured rectangle) with its bounding box and its
/// look: "fill COLOUR" or "stroke COLOUR", and a circle's radius ("fill #0072B2 r4").
fn marks(doc: &roxmltree::Document) -> Vec<Mark> {
    let mut out = Vec::new();
    for n in doc.descendants() {
        let colour = match n.attribute("fill").filter(|f| *f != "none") {
            Some(fill) => format!("fill {}", fill.to_uppercase()),
            None => format!("stroke {}", n.attribute("stroke").unwrap_or("").to_uppercase()),
        };
        if n.has_tag_name("circle") {
            let (x, y, r) = (number(n, "cx"), number(n, "cy"), number(n, "r"));
            out.push(("circle", format!("{colour} r{r}"), (x - r, y - r, x + r, y + r)));
        } else if n.has_tag_name("polygon") {
            let p: Vec<f64> = n
                .attribute("points")
                .unwrap()
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(|v| v.parse().unwrap())
                .collect();
            let (xs, ys): (Vec<f64>, Vec<f64>) = p.chunks(2).map(|c| (c[0], c[1])).unzip();
            let (min, max) = (
                |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min),
                |v: &[f64]| v.iter().copied().fold(f64::MIN, f64::max),
            );
            out.push(("polygon", colour, (min(&xs), min(&ys), max(&xs), max(&ys))));
        } else if n.has_tag_name("rect") && n.attribute("fill").is_some_and(|f| f != "none" && f != "#FFFFFF") {
            out.push(("rect", colour, rect_box(n)));
        }
    }
    out
}

fn inside(a: Box4, frame: Box4) -> bool {
    a.0 >= frame.0 && a.1 >= frame.1 && a.2 <= frame.2 && a.3 <= frame.3
}

/// The chart's marks split into the legend's (inside its frame) and the data's (wholly above
/// the frame); a mark anywhere else — overlapping the legend — fails.
fn legend_and_data(out: &Path, name: &str) -> (Vec<Mark>, Vec<Mark>) {
    let text = svg(out, name);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let frame = legend_frame(&doc);
    let (legend, data): (Vec<_>, Vec<_>) = marks(&doc).into_iter().partition(|m| inside(m.2, frame));
    for m in &data {
        assert!(m.2.3 < frame.1, "{name}: {m:?} is neither in the legend {frame:?} nor above it");
    }
    (legend, data)
}

fn texts(out: &Path, name: &str) -> Vec<String> {
    let text = svg(out, name);
    let doc = roxmltree::Document::parse(&text).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect()
}

/// summary.csv as rows of column → cell.
fn summary(out: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    reader.records().map(|r| header.iter().cloned().zip(r.unwrap().iter().map(str::to_string)).collect()).collect()
}

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
name = "grouped"
kind = "bar"
x = "balancer.kind"
y = ["success_ratio", "availability"]
series = "detector.interval"
[[plot]]
name = "tradeoff"
x = "latency.mean"
y = ["detection_time.mean"]
series = "balancer.kind"
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
    for name in ["line", "bar", "grouped", "tradeoff", "cdf", "timeline"] {
        let png = std::fs::read(out.join(format!("{name}.png"))).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let mut reader = decoder.read_info().unwrap_or_else(|e| panic!("{name}.png: {e}"));
        assert_eq!((reader.info().width, reader.info().height), (1000, 640), "{name}.png");
        // The whole image decodes (every row's filter, the compressed stream and its checksums).
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut pixels).unwrap_or_else(|e| panic!("{name}.png: {e}"));
        assert!(pixels.iter().any(|&b| b != 255), "{name}.png is not blank");
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
        (
            "y = [\"detection_time.mean\"]\nseries",
            "y = [\"detection_time.mean\"]\nalong = \"detector.intervl\"\nseries",
            "did you mean `detector.interval`?",
        ),
        ("x = \"latency.mean\"", "x = \"latency.mean\"\nalong = \"balancer.kind\"", "is the `series` key"),
        (
            "x = \"latency.mean\"",
            "x = \"latency.mean\"\nkind = \"line\"",
            "is a metric; a line chart's x is a swept key",
        ),
        ("x = \"latency.mean\"", "x = \"latency.mean\"\ny_better = \"smaller\"", "unknown direction `smaller`"),
        (
            "log_x = true",
            "log_x = true\npareto = \"all\"",
            "key `plot[0].pareto`: is only used with kind = \"tradeoff\"",
        ),
        (
            "y = [\"detection_time.mean\"]\nseries",
            "y = [\"detection_time.mean\", \"crashes\"]\nseries",
            "a trade-off curve has one on the y axis",
        ),
    ] {
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, SCENARIO.replace(from, to)).unwrap();
        let output = discosim(&["validate", file.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{to}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{to}: expected `{message}` in {stderr}");
        let place =
            stderr.split_once("bad.toml:").map(|(_, rest)| rest.split(':').take(2).all(|n| n.parse::<u32>().is_ok()));
        assert_eq!(place, Some(true), "{to}: no line and column in {stderr}");
    }
}

#[test]
fn a_bar_chart_draws_a_bar_per_metric_per_series_value_per_x_value_with_a_legend() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_fixture(dir.path());
    let (legend, data) = legend_and_data(&out, "grouped");
    // 2 metrics × 3 intervals = 6 groups, each one colour, each a bar at ring and at jump.
    let colours: Vec<&String> = legend.iter().filter(|m| m.0 == "rect").map(|m| &m.1).collect();
    assert_eq!(colours.len(), 6, "{legend:?}");
    for colour in colours {
        assert_eq!(data.iter().filter(|m| m.0 == "rect" && &m.1 == colour).count(), 2, "bars of {colour}");
    }
    let texts = texts(&out, "grouped");
    for label in ["success_ratio (detector.interval = 250ms)", "availability (detector.interval = 1s)", "ring", "jump"]
    {
        assert!(texts.iter().any(|t| t == label), "no `{label}` in {texts:?}");
    }
}

#[test]
fn a_tradeoff_chart_labels_its_points_with_the_moving_key_and_rings_the_pareto_optimal_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_fixture(dir.path());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let plot = manifest["plots"].as_array().unwrap().iter().find(|p| p["name"] == "tradeoff").unwrap();
    assert_eq!((plot["kind"].as_str(), plot["along"].as_str()), (Some("tradeoff"), Some("detector.interval")));
    let texts = texts(&out, "tradeoff");
    for label in ["250ms", "500ms", "1s"] {
        assert_eq!(texts.iter().filter(|t| *t == label).count(), 2, "`{label}` labels a point of each curve");
    }
    for label in ["latency.mean (s)", "detection_time.mean (s)", "balancer.kind = ring", "Pareto-optimal"] {
        assert!(texts.iter().any(|t| t == label), "no `{label}` in {texts:?}");
    }
    // Each curve's Pareto-optimal points, from summary.csv: none has another point of its curve
    // at most as large on both axes and smaller on one.
    let rows = summary(&out);
    let value = |r: &std::collections::HashMap<String, String>, k: &str| r[k].parse::<f64>().unwrap();
    let optimal = rows
        .iter()
        .filter(|a| {
            let (ax, ay) = (value(a, "latency.mean"), value(a, "detection_time.mean"));
            !rows.iter().any(|b| {
                let (bx, by) = (value(b, "latency.mean"), value(b, "detection_time.mean"));
                b["balancer.kind"] == a["balancer.kind"] && bx <= ax && by <= ay && (bx < ax || by < ay)
            })
        })
        .count();
    let (legend, data) = legend_and_data(&out, "tradeoff");
    let rings = |marks: &[Mark]| marks.iter().filter(|m| m.1 == "stroke #000000 r9").count();
    assert!(optimal >= 2, "at least the fastest detection of each curve is optimal");
    assert_eq!((rings(&data), rings(&legend)), (optimal, 1));
    assert_eq!(
        data.iter().filter(|m| m.1.starts_with("fill") && m.1.ends_with(" r4")).count(),
        6,
        "a point per sweep point"
    );
}

#[test]
fn legends_lie_below_the_data_and_the_axes_carry_units() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_fixture(dir.path());
    let (legend, data) = legend_and_data(&out, "line");
    assert_eq!(
        data.iter().filter(|m| m.1.starts_with("fill") && m.1.ends_with(" r4")).count(),
        6,
        "every point above the legend"
    );
    assert_eq!(
        legend.iter().filter(|m| m.1.starts_with("fill") && m.1.ends_with(" r4")).count(),
        2,
        "a line entry per series"
    );
    // The timeline: every false suspicion (ring) and detection (triangle) of the trace lies
    // above the legend, whichever instance it concerns.
    let trace = std::fs::read_to_string(out.join("trace.csv")).unwrap();
    let count = |event: &str| trace.lines().filter(|l| l.split(',').any(|c| c == event)).count();
    let (legend, data) = legend_and_data(&out, "timeline");
    assert_eq!(data.iter().filter(|m| m.0 == "circle").count(), count("false_suspicion"));
    assert_eq!(data.iter().filter(|m| m.0 == "polygon").count(), count("detection"));
    assert_eq!(legend.iter().filter(|m| m.0 == "circle" || m.0 == "polygon").count(), 2);
    for (chart, label) in [("line", "detection_time.mean (s)"), ("grouped", "success_ratio, availability")] {
        assert!(texts(&out, chart).iter().any(|t| t == label), "{chart}: no axis label `{label}`");
    }
}

/// The charts of a scenario without `[[plot]]` (SCENARIO's head up to `until`, then `tail`):
/// the files drawn and each SVG's texts.
fn default_charts(dir: &Path, until: &str, tail: &str) -> Vec<(String, Vec<String>)> {
    let head = SCENARIO.split(until).next().unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("defaults.toml");
    std::fs::write(&file, format!("{head}{tail}")).unwrap();
    let out = dir.join("defaults");
    let output = discosim(&["run", file.to_str().unwrap(), "--quiet", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_str()?.strip_suffix(".svg").map(String::from))
        .collect();
    names.sort();
    names.into_iter().map(|n| (n.clone(), texts(&out, &n))).collect()
}

/// Issue #16: a scenario whose question was about routing got a latency CDF by default. The
/// defaults now follow what a scenario varies and measures.
#[test]
fn default_charts_follow_what_the_scenario_varies_and_measures() {
    let dir = tempfile::tempdir().unwrap();
    let has = |texts: &[String], text: &str| texts.iter().any(|t| t == text);
    // Routing: balancers compared, nothing expected → bars of the success ratio and of the
    // time clients route to dead instances, one chart per unit; no latency CDF.
    let routing = default_charts(dir.path(), "[sweep]", "[sweep]\n\"balancer.kind\" = [\"ring\", \"jump\"]\n");
    let names: Vec<&str> = routing.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["chart", "chart-2"]);
    assert!(has(&routing[0].1, "success_ratio versus balancer.kind"), "{:?}", routing[0].1);
    assert!(has(&routing[1].1, "stale_route_time.mean versus balancer.kind"), "{:?}", routing[1].1);
    assert!(has(&routing[1].1, "stale_route_time.mean (s)") && has(&routing[1].1, "jump"), "{:?}", routing[1].1);
    // Detection (no clients) without a sweep: the distribution of the detection time only.
    let alone = default_charts(&dir.path().join("alone"), "[workload]", "");
    let names: Vec<&str> = alone.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["detection_time-cdf"]);
    assert!(has(&alone[0].1, "CDF of detection_time"), "{:?}", alone[0].1);
    // Expected metrics: each once, one chart per unit, and the CDF of the sampled one.
    let expects = "[sweep]\n\"detector.interval\" = [\"250ms\", \"1s\"]\n\
        [[expect]]\nmetric = \"detection_time.max\"\nformula = \"3 * interval\"\nholds = \"upper-bound\"\n\
        [[expect]]\nmetric = \"false_suspicions\"\nformula = \"0\"\nholds = \"lower-bound\"\n\
        [[expect]]\nmetric = \"detection_time.max\"\nformula = \"interval\"\nholds = \"lower-bound\"\n";
    let expected = default_charts(&dir.path().join("expected"), "[workload]", expects);
    let names: Vec<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["chart", "chart-2", "detection_time-cdf"]);
    assert!(has(&expected[0].1, "detection_time.max versus detector.interval"), "{:?}", expected[0].1);
    assert!(has(&expected[1].1, "false_suspicions versus detector.interval"), "{:?}", expected[1].1);
}
