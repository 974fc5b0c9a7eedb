//! Variants (`[variant.NAME]`): whole configurations compared in one run, crossed with the
//! sweep, on common random numbers, with errors that name the variant and the point.

mod common;
use common::binary::{discosim, scenario_file, stderr};

/// `scenarios/compare.toml`: 5 variants × 2 loss rates, the `variant` column first, and every
/// variant meets the same crashes (the seed depends on the replication only).
#[test]
fn compare_runs_every_variant_on_the_same_random_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = discosim(&["run", "scenarios/compare.toml", "--quiet", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut reader = csv::Reader::from_path(out.join("runs.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "variant");
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (variant, replication, crashes) = (column("variant"), column("replication"), column("crashes"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5 * 2 * 3);
    let names: Vec<&str> = rows.iter().step_by(6).map(|r| &r[variant]).collect();
    assert_eq!(names, ["eureka", "consul", "kubernetes", "heartbeat-poll", "akka-strict"]);
    for row in &rows {
        let same = rows.iter().find(|r| r[replication] == row[replication]).unwrap();
        assert_eq!(row[crashes], same[crashes], "replication {} differs in crashes", &row[replication]);
    }
}

const BASE: &str = "name = \"v\"\nhorizon = \"100s\"\n[cluster]\ninstances = 4\n[detector]\nkind = \"heartbeat\"\ninterval = \"1s\"\ntimeout = \"3s\"\n";

/// A variant's preset comes between the base and the variant's own keys: the base's heartbeat
/// gives way to the preset's detector (Akka's phi), and the variant's own key wins over both.
#[test]
fn a_variants_preset_overrides_the_base_and_its_own_keys_override_the_preset() {
    let text = format!("{BASE}[variant.plain]\n[variant.akka]\npreset = \"akka\"\ndetector = {{ threshold = 12.0 }}\n");
    let loaded = discosim::scenario::parse(&text, "v.toml", std::path::Path::new("."), &[]).unwrap();
    assert_eq!(loaded.swept_keys, ["variant"]);
    let values = |i: usize| &loaded.points[i].scenario.detector.values;
    assert_eq!(values(0).duration("timeout"), Some(3_000_000_000), "the base's heartbeat");
    assert_eq!(values(1).duration("timeout"), None, "no heartbeat any more");
    assert_eq!(values(1).number("threshold"), Some(12.0), "phi, with the variant's threshold");
    assert_eq!(values(1).duration("acceptable_pause"), Some(3_000_000_000), "the rest is Akka's");
    assert_eq!(loaded.points[1].params, [("variant".to_string(), "akka".to_string())]);
}

/// An error in a variant points at the variant's key (line and column) and names the point.
#[test]
fn an_error_in_a_variant_points_at_it_and_names_the_point() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{BASE}[variant.good]\n[variant.bad]\ndetector = {{ kind = \"phi\", interval = \"1s\", treshold = 8.0 }}\n[sweep]\n\"network.loss\" = [0.0, 0.1]\n"
    );
    let output = discosim(&["validate", &scenario_file(dir.path(), &text)]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("s.toml:11:56:"), "{message}");
    assert!(message.contains("key `detector.treshold`: unknown key `treshold`"), "{message}");
    assert!(message.contains("(at the sweep point variant = bad, network.loss = 0.0)"), "{message}");
    assert!(message.contains("did you mean `threshold`?"), "{message}");
}
