//! Unit tests of scenario parsing: valid input, every error class, overrides and sweeps.

use super::*;

const VALID: &str = r#"
name = "t"
horizon = "100s"
replications = 2

[cluster]
instances = 10
failure = { model = "crash-recover", mttf = { dist = "exponential", mean = "100s" }, mttr = { dist = "constant", value = "10s" } }

[network]
delay = { dist = "uniform", low = "1ms", high = "3ms" }
loss = 0.01

[detector]
kind = "heartbeat"
interval = "1s"
"#;

fn load(text: &str) -> Result<LoadedScenario, ScenarioError> {
    parse(text, "t.toml", Path::new("."), &[])
}

fn error(text: &str) -> ScenarioError {
    load(text).expect_err("should be rejected")
}

fn with(extra: &str) -> String {
    format!("{VALID}{extra}")
}

#[test]
fn valid_scenario_resolves_defaults() {
    let loaded = load(VALID).unwrap();
    assert_eq!(loaded.points.len(), 1);
    let s = &loaded.points[0].scenario;
    assert_eq!((s.seed, s.replications, s.instances, s.horizon), (1, 2, 10, 100_000_000_000));
    assert_eq!(s.network.loss, 0.01);
    assert!(format!("{:?}", s.detector).contains("timeout: 2000000000"), "default timeout is 2 x interval");
}

#[test]
fn misspelled_key_is_placed_and_suggested() {
    let e = error(&VALID.replace("interval = \"1s\"", "intervl = \"1s\""));
    assert_eq!(e.error.key, "detector.intervl");
    assert_eq!(e.origin, Origin::Position { line: 16, column: 11 });
    assert_eq!(e.error.suggestion.as_deref(), Some("interval"));
    assert!(e.error.allowed.as_deref().unwrap().contains("timeout"));
}

#[test]
fn misspelled_top_level_key_is_suggested() {
    let e = error(&VALID.replace("replications = 2", "replicatons = 2"));
    assert_eq!(e.error.key, "replicatons");
    assert_eq!(e.error.suggestion.as_deref(), Some("replications"));
    assert_eq!(e.origin, Origin::Position { line: 4, column: 15 });
}

#[test]
fn wrong_type_names_the_key() {
    let e = error(&VALID.replace("instances = 10", "instances = \"ten\""));
    assert_eq!(e.error.key, "cluster.instances");
    assert!(e.error.message.contains("invalid type"), "{}", e.error.message);
    assert_eq!(e.origin, Origin::Position { line: 7, column: 13 });
}

#[test]
fn impossible_values_are_rejected() {
    let cases = [
        ("loss = 0.01", "loss = 1.5", "network.loss"),
        ("horizon = \"100s\"", "horizon = \"-5s\"", "horizon"),
        ("horizon = \"100s\"", "horizon = \"0s\"", "horizon"),
        ("instances = 10", "instances = 0", "cluster.instances"),
        ("high = \"3ms\"", "high = \"0ms\"", "network.delay.high"),
        ("interval = \"1s\"", "interval = \"0s\"", "detector.interval"),
        ("replications = 2", "replications = 0", "replications"),
        ("instances = 10", "instances = -3", "cluster.instances"),
    ];
    for (from, to, key) in cases {
        let e = error(&VALID.replace(from, to));
        assert_eq!(e.error.key, key, "{to}: {e}");
        assert!(matches!(e.origin, Origin::Position { .. }), "{to}: {e}");
    }
}

#[test]
fn distribution_parameters_are_checked_per_kind() {
    let e = error(&VALID.replace(
        "dist = \"uniform\", low = \"1ms\", high = \"3ms\"",
        "dist = \"exponential\", mean = \"1ms\", sd = \"1ms\"",
    ));
    assert_eq!(e.error.key, "network.delay.sd");
    assert_eq!(e.error.allowed.as_deref(), Some("dist, mean"));
    let e = error(&VALID.replace("dist = \"uniform\"", "dist = \"unifrom\""));
    assert_eq!(e.error.key, "network.delay.dist");
    assert_eq!(e.error.suggestion.as_deref(), Some("uniform"));
    let e = error(&VALID.replace(
        "dist = \"uniform\", low = \"1ms\", high = \"3ms\"",
        "dist = \"lognormal\", median = \"5ms\", p99 = \"1ms\"",
    ));
    assert_eq!(e.error.key, "network.delay.p99");
}

#[test]
fn failure_model_needs_its_distributions() {
    let e = error(&VALID.replace(", mttr = { dist = \"constant\", value = \"10s\" }", ""));
    assert_eq!(e.error.key, "cluster.failure.mttr");
    let e = error(&VALID.replace("crash-recover", "crash-recovr"));
    assert_eq!(e.error.suggestion.as_deref(), Some("crash-recover"));
}

#[test]
fn unknown_detector_lists_the_valid_ones() {
    let e = error(&VALID.replace("kind = \"heartbeat\"", "kind = \"telepathy\""));
    assert_eq!(e.error.key, "detector.kind");
    assert_eq!(e.error.allowed, Some(crate::detect::names().join(", ")));
    assert_eq!(e.origin, Origin::Position { line: 15, column: 8 });
}

#[test]
fn detector_options_are_checked() {
    let timer = VALID.replace(
        "kind = \"heartbeat\"\ninterval = \"1s\"",
        "kind = \"timer\"\ninterval = \"1s\"\nprobe_timeout = \"2s\"",
    );
    assert_eq!(error(&timer).error.key, "detector.probe_timeout");
    let observer =
        VALID.replace("kind = \"heartbeat\"\ninterval = \"1s\"", "kind = \"observer\"\ntick = \"1s\"\np = 0");
    assert_eq!(error(&observer).error.key, "detector.p");
}

#[test]
fn faults_are_checked() {
    let e = error(&with("[[fault]]\nat = \"10s\"\naction = \"crash\"\ninstances = [3, 12]\n"));
    assert_eq!(e.error.key, "fault[0].instances");
    assert_eq!(e.origin, Origin::Position { line: 20, column: 13 });
    let e = error(&with("[[fault]]\nat = \"10s\"\naction = \"crsh\"\ncount = 1\n"));
    assert_eq!(e.error.suggestion.as_deref(), Some("crash"));
    let e = error(&with("[[fault]]\nat = \"10s\"\naction = \"crash\"\ncount = 1\nuntil = \"5s\"\n"));
    assert_eq!(e.error.key, "fault[0].until");
    let e = error(&with("[[fault]]\nat = \"10s\"\naction = \"slow\"\ncount = 1\nfactor = 2.0\n"));
    assert!(e.error.message.contains("service_time"), "{e}");
    let e = error(&with("[[fault]]\nat = \"10s\"\naction = \"spike\"\nfactor = 2.0\n"));
    assert!(e.error.message.contains("no `[workload]`"), "{e}");
    let ok = load(&with("[[fault]]\nat = \"10s\"\naction = \"partition\"\nfraction = 0.5\nuntil = \"20s\"\n")).unwrap();
    assert_eq!(ok.points[0].scenario.faults.len(), 1);
}

#[test]
fn malformed_and_empty_files_are_errors() {
    let e = error("name = \"x\"\nhorizon = = 3\n");
    assert!(e.error.message.contains("not valid TOML"), "{e}");
    assert!(matches!(e.origin, Origin::Position { line: 2, .. }), "{e}");
    let e = error("   \n");
    assert!(e.error.message.contains("empty"));
    let e = error("name = \"x\"\n");
    assert!(e.error.message.contains("required"), "{e}");
    assert_eq!(e.error.key, "horizon");
    let e = error(&VALID.replace("instances = 10\n", ""));
    assert_eq!(e.error.key, "cluster.instances", "{e}");
}

#[test]
fn overrides_replace_values_and_are_blamed_on_the_command_line() {
    let set = |s: &str| Override::parse(s).unwrap();
    let loaded =
        parse(VALID, "t.toml", Path::new("."), &[set("detector.interval=2s"), set("cluster.instances=4")]).unwrap();
    assert_eq!(loaded.points[0].scenario.instances, 4);
    let e = parse(VALID, "t.toml", Path::new("."), &[set("network.loss=7")]).unwrap_err();
    assert_eq!(e.origin, Origin::CommandLine { option: "--set network.loss=7".into() });
    assert_eq!(e.error.key, "network.loss");
    assert!(Override::parse("novalue").is_err());
}

#[test]
fn sweep_expands_to_the_cartesian_product_in_written_order() {
    let loaded =
        load(&with("[sweep]\n\"detector.interval\" = [\"1s\", \"2s\"]\n\"cluster.instances\" = [3, 4, 5]\n")).unwrap();
    assert_eq!(loaded.swept_keys, vec!["detector.interval", "cluster.instances"]);
    let params: Vec<String> = loaded.points.iter().map(|p| format!("{}/{}", p.params[0].1, p.params[1].1)).collect();
    assert_eq!(params, ["1s/3", "1s/4", "1s/5", "2s/3", "2s/4", "2s/5"]);
    assert_eq!(loaded.points[5].scenario.instances, 5);
}

#[test]
fn bad_sweeps_are_errors_placed_in_the_sweep_table() {
    let e = error(&with("[sweep]\n\"detector.interval\" = []\n"));
    assert!(e.error.message.contains("empty"), "{e}");
    let e = error(&with("[sweep]\n\"detector.interval\" = [\"1s\", \"-1s\"]\n"));
    assert_eq!(e.error.key, "detector.interval");
    assert_eq!(e.origin, Origin::Position { line: 18, column: 23 });
    let e = error(&with("[sweep]\n\"detector.intervl\" = [\"1s\"]\n"));
    assert_eq!(e.error.suggestion.as_deref(), Some("interval"));
}

#[test]
fn expectations_are_checked_before_running() {
    let e = error(&with("[[expect]]\nmetric = \"detection_time.max\"\n"));
    assert_eq!(e.error.key, "expect[0].formula");
    let e = error(&with("[[expect]]\nmetric = \"detection_time.max\"\nformula = \"2 * intervall\"\n"));
    assert_eq!(e.error.suggestion.as_deref(), Some("interval"));
    let ok = load(&with(
        "[[expect]]\nmetric = \"detection_time.max\"\nformula = \"2 * interval\"\nholds = \"upper-bound\"\n",
    ))
    .unwrap();
    assert_eq!(ok.points[0].predictions, vec![(0, 2.0)]);
}

/// Every form of every fault action (`model::FAULT_ACTIONS`, `params::examples`) in one
/// scenario with clients and a service time: accepted, run, and reproduced by the same seed.
#[test]
fn every_fault_action_runs_and_reproduces() {
    let extra = "[cluster.service_time]\ndist = \"constant\"\nvalue = \"1ms\"\n[workload]\nclients = 2\nrate = 5.0\n[cache]\nttl = \"1s\"\n";
    let mut text = with(extra);
    text = text.replace("horizon = \"100s\"", "horizon = \"20s\"");
    for action in crate::model::FAULT_ACTIONS {
        for mut table in crate::params::examples_by(action, Some("action")) {
            table.insert("at".into(), "5s".into());
            for (key, value) in [("count", toml::Value::from(1)), ("until", "8s".into())] {
                if action.params.iter().any(|p| p.name == key) {
                    table.insert(key.into(), value);
                }
            }
            text.push_str(&format!("[[fault]]\n{table}"));
        }
    }
    let loaded = load(&text).unwrap_or_else(|e| panic!("{e}"));
    let scenario = &loaded.points[0].scenario;
    let forms: usize = crate::model::FAULT_ACTIONS.iter().map(|a| crate::params::examples(a).len()).sum();
    assert_eq!(scenario.faults.len(), forms);
    let seed = crate::engine::random::replication_seed(1, 0);
    let (a, _) = crate::world::World::new(scenario, seed).run();
    let (b, _) = crate::world::World::new(scenario, seed).run();
    assert_eq!(a, b, "the same seed reproduces every metric");
}
