//! No input makes discosim panic: arbitrary bytes, and arbitrary TOML built from the real key
//! vocabulary with values of every type, go through parsing, checking and (when accepted and
//! small) a short run. Errors are fine; panics are not.

use discosim::run::run_replication;
use discosim::scenario;
use proptest::prelude::*;
use std::path::Path;

fn check(text: &str) {
    check_with(text, &[]);
}

/// Parses and, if accepted and small, runs; returns how many runs it made.
fn check_with(text: &str, overrides: &[scenario::Override]) -> usize {
    let mut runs = 0;
    if let Ok(loaded) = scenario::parse(text, "fuzz.toml", Path::new("."), overrides) {
        for point in loaded.points.iter().take(2) {
            let mut s = point.scenario.clone();
            let busy = s.clients.as_ref().is_some_and(|c| c.count > 64 || c.rate * c.count as f64 > 5_000.0);
            if s.instances > 64 || busy {
                continue;
            }
            s.horizon = s.horizon.min(20_000_000_000);
            let _ = run_replication(&s, 0, 0);
            runs += 1;
        }
    }
    runs
}

/// Values that are valid somewhere, invalid elsewhere, or extreme.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"1s\"".to_string()),
        Just("\"0s\"".to_string()),
        Just("\"10ms\"".to_string()),
        Just("\"-1s\"".to_string()),
        Just("\"99999999999999h\"".to_string()),
        prop::sample::select(kind_names()),
        Just("\"crash-recover\"".to_string()),
        Just("\"crash\"".to_string()),
        Just("[]".to_string()),
        Just("[1, 2]".to_string()),
        Just("[\"1s\", \"2s\"]".to_string()),
        Just("{ dist = \"exponential\", mean = \"1s\" }".to_string()),
        Just("{ dist = \"pareto\", scale = \"1ms\", shape = 0.5 }".to_string()),
        Just("{ dist = \"normal\", mean = \"0s\", sd = \"1s\" }".to_string()),
        Just("{ dist = \"empirical\", file = \"/nonexistent\" }".to_string()),
        any::<i64>().prop_map(|v| v.to_string()),
        (-2.0f64..2.0).prop_map(|v| format!("{v:?}")),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("true".to_string()),
        "[a-z0-9. ]{0,8}".prop_map(|s| format!("\"{s}\"")),
    ]
}

/// Every detector and balancer name, quoted as a value.
fn kind_names() -> Vec<String> {
    let presets = discosim::presets::PRESETS.iter().map(|p| p.name);
    let names = discosim::detect::names().into_iter().chain(discosim::balance::names()).chain(presets);
    names.map(|name| format!("\"{name}\"")).collect()
}

/// `KEYS`, then every parameter that a detector, balancer, distribution (of the network delay)
/// or part of `[recovery]` or `[registry]` declares.
fn keys() -> Vec<String> {
    let detector = discosim::detect::DETECTORS.iter().flat_map(|s| s.params).map(|p| format!("detector.{}", p.name));
    let balancer = discosim::balance::BALANCERS.iter().flat_map(|s| s.params).map(|p| format!("balancer.{}", p.name));
    let delay =
        discosim::dist::DISTRIBUTIONS.iter().flat_map(|s| s.params).map(|p| format!("network.delay.{}", p.name));
    let recovery = discosim::recovery::PARTS
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.params.iter().map(move |p| (i, s.name, p.name)));
    let recovery = recovery
        .map(|(i, part, key)| if i == 0 { format!("recovery.{key}") } else { format!("recovery.{part}.{key}") });
    let registry = discosim::model::REGISTRY_PARTS
        .iter()
        .flat_map(|s| s.params.iter().map(|p| format!("registry.{}.{}", s.name, p.name)));
    let cache = discosim::model::CACHE_KEYS.iter().map(|p| format!("cache.{}", p.name));
    let mut keys: Vec<String> = KEYS.iter().map(|k| k.to_string()).collect();
    for key in detector.chain(balancer).chain(delay).chain(recovery).chain(registry).chain(cache) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// Keys that are not a strategy's parameters (those come from the declarations, `keys`).
const KEYS: &[&str] = &[
    "name",
    "seed",
    "horizon",
    "replications",
    "description",
    "cluster.instances",
    "cluster.failure.model",
    "cluster.failure.mttf",
    "cluster.failure.mttr",
    "cluster.servers",
    "cluster.service_time",
    "cluster.queue_limit",
    "cluster.on_crash",
    "network.delay",
    "network.loss",
    "detector.kind",
    "workload.clients",
    "workload.rate",
    "workload.keys",
    "workload.key_dist",
    "discovery.mode",
    "discovery.refresh",
    "discovery.ttl",
    "discovery.server_cache",
    "discovery.balancer_refresh",
    "preset",
    "balancer.kind",
    "recovery.timeout",
    "recovery.deadline",
    "recovery.retry.max_attempts",
    "recovery.retry.jitter",
    "recovery.retry.budget",
    "recovery.hedge.delay",
    "recovery.breaker.window",
    "sweep.\"detector.interval\"",
    "sweep.\"cluster.instances\"",
    "fault",
    "phase",
    "intervl",
];

const BASE: &str = "name = \"f\"\nhorizon = \"10s\"\n[cluster]\ninstances = 4\nservice_time = { dist = \"exponential\", mean = \"5ms\" }\nfailure = { model = \"crash-recover\", mttf = { dist = \"exponential\", mean = \"2s\" }, mttr = { dist = \"exponential\", mean = \"1s\" } }\n[detector]\nkind = \"heartbeat\"\ninterval = \"100ms\"\n[workload]\nclients = 3\nrate = 20.0\n[recovery.retry]\nmax_attempts = 3\n";

/// Edits of a valid scenario: some keys set to arbitrary values, as `--set` would, so that the
/// result is always well-formed TOML and reaches the semantic checks and the run.
fn edits() -> impl Strategy<Value = Vec<scenario::Override>> {
    prop::collection::vec((prop::sample::select(keys()), value()), 0..6).prop_map(|edits| {
        edits
            .into_iter()
            .filter_map(|(key, value)| scenario::Override::parse(&format!("{}={value}", key.replace('"', ""))).ok())
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, rng_seed: proptest::test_runner::RngSeed::Fixed(20261126), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check(&String::from_utf8_lossy(&bytes));
    }

}

/// Edited scenarios never panic, and enough of them are accepted and run for this to mean
/// something (the counter guards against a generator that only ever produces errors).
#[test]
fn arbitrary_valid_looking_toml_never_panics() {
    use proptest::test_runner::{Config, RngSeed, TestRunner};
    let config = Config { cases: 400, failure_persistence: None, rng_seed: RngSeed::Fixed(7), ..Config::default() };
    let mut runner = TestRunner::new(config);
    let runs = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&edits(), |overrides| {
            runs.fetch_add(check_with(BASE, &overrides), std::sync::atomic::Ordering::Relaxed);
            Ok(())
        })
        .unwrap();
    let runs = runs.into_inner();
    assert!(runs >= 40, "only {runs} of 400 edited scenarios were accepted and run");
}

/// Every value in every known key, one at a time, on top of a valid scenario.
#[test]
fn every_key_with_every_kind_of_value_never_panics() {
    let base = "name = \"f\"\nhorizon = \"10s\"\n[cluster]\ninstances = 4\n[detector]\nkind = \"timer\"\ninterval = \"100ms\"\n";
    let values = ["\"1s\"", "\"0s\"", "-1", "0", "1", "4294967296", "1.5", "nan", "[]", "{}", "\"x\"", "true"];
    for key in keys() {
        for value in values {
            check(&format!("{key} = {value}\n{base}"));
            check(&format!("{base}{}", key.rsplit('.').next().unwrap().to_string() + " = " + value + "\n"));
        }
    }
}

/// Every form of every detector and balancer, each of its parameters set to every kind of
/// value in turn, on top of a scenario with clients.
#[test]
fn every_strategy_kind_with_every_kind_of_parameter_value_never_panics() {
    let values = ["\"1s\"", "\"0s\"", "-1", "0", "1", "4294967296", "1.5", "nan", "[]", "\"x\"", "true"];
    let base = "name = \"f\"\nhorizon = \"5s\"\n[cluster]\ninstances = 4\n[workload]\nclients = 2\nrate = 10.0\n";
    let detectors = discosim::detect::DETECTORS.iter().map(|s| ("detector", discosim::params::examples(s), s.params));
    let balancers = discosim::balance::BALANCERS.iter().map(|s| ("balancer", discosim::params::examples(s), s.params));
    for (table, examples, params) in detectors.chain(balancers) {
        for example in examples {
            let other = if table == "detector" { "" } else { "[detector]\nkind = \"heartbeat\"\ninterval = \"1s\"\n" };
            check(&format!("{base}{other}[{table}]\n{example}"));
            for (param, value) in params.iter().flat_map(|p| values.map(|v| (p.name, v))) {
                let mut edited = example.clone();
                edited
                    .insert(param.into(), toml::from_str::<toml::Table>(&format!("v = {value}")).unwrap()["v"].clone());
                check(&format!("{base}{other}[{table}]\n{edited}"));
            }
        }
    }
}

/// Every form of a registry's entries as tables under `header(index, name)`, selected by
/// `selector` (None: the table needs no selecting key), with the entry's parameters.
fn forms<F: ?Sized>(
    registry: &[discosim::params::Strategy<F>],
    header: impl Fn(usize, &str) -> String,
    selector: Option<&str>,
) -> Vec<(String, toml::Table, &'static [discosim::params::Param])> {
    let mut out = Vec::new();
    for (index, strategy) in registry.iter().enumerate() {
        for mut table in discosim::params::examples_by(strategy, selector) {
            if strategy.params.iter().any(|p| p.name == "count") {
                table.insert("count".into(), 1.into());
            }
            out.push((header(index, strategy.name), table, strategy.params));
        }
    }
    out
}

/// Every form of every distribution, part of `[recovery]` and of `[registry]`, and fault action
/// (from their declarations), each of its keys set to every kind of value in turn.
#[test]
fn every_declared_table_with_every_kind_of_value_never_panics() {
    let values = ["\"1s\"", "\"0s\"", "-1", "0", "1", "4294967296", "1.5", "nan", "[]", "[7]", "\"x\"", "true"];
    let base = "name = \"f\"\nhorizon = \"5s\"\n[cluster]\ninstances = 4\nservice_time = { dist = \"constant\", value = \"1ms\" }\n[detector]\nkind = \"heartbeat\"\ninterval = \"1s\"\n[workload]\nclients = 2\nrate = 10.0\n";
    let mut every = forms(discosim::dist::DISTRIBUTIONS, |_, _| "[network.delay]".into(), Some("dist"));
    let part = |i: usize, name: &str| if i == 0 { "[recovery]".into() } else { format!("[recovery.{name}]") };
    every.extend(forms(discosim::recovery::PARTS, part, None));
    every.extend(forms(discosim::model::FAULT_ACTIONS, |_, _| "[[fault]]".into(), Some("action")));
    every.extend(forms(discosim::model::REGISTRY_PARTS, |_, name| format!("[registry.{name}]"), None));
    let mut runs = 0;
    for (header, example, params) in every {
        runs += check_with(&format!("{base}{header}\n{example}"), &[]);
        for (param, value) in params.iter().flat_map(|p| values.map(|v| (p.name, v))) {
            let mut edited = example.clone();
            edited.insert(param.into(), toml::from_str::<toml::Table>(&format!("v = {value}")).unwrap()["v"].clone());
            let text = format!("{base}{header}\n{edited}");
            // A spike of 4294967296 × the rate is a valid request storm, too large to run here.
            if param == "factor" {
                let _ = scenario::parse(&text, "fuzz.toml", Path::new("."), &[]);
            } else {
                check(&text);
            }
        }
    }
    assert!(runs > 0, "no declared form was accepted and run");
}
