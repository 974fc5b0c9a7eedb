//! The declaration's checks: every type refuses what it should, with the key and what is allowed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::*;

const PARAMS: &[Param] = &[
    Param { name: "interval", ty: Type::PositiveDuration, default: DefaultValue::Required, doc: "" },
    Param { name: "pause", ty: Type::Duration, default: DefaultValue::Fixed("250ms"), doc: "" },
    Param { name: "p", ty: Type::Probability, default: DefaultValue::Fixed("0.5"), doc: "" },
    Param { name: "window", ty: Type::Count { min: 1, max: 10 }, default: DefaultValue::Fixed("3"), doc: "" },
    Param {
        name: "threshold",
        ty: Type::Number { min: 0.0, open_min: true, max: 300.0 },
        default: DefaultValue::Derived("from p"),
        doc: "",
    },
    Param { name: "mode", ty: Type::Choice(&["lazy", "eager"]), default: DefaultValue::Fixed("lazy"), doc: "" },
];

fn checked(text: &str) -> Result<Values, KeyError> {
    check(PARAMS, toml::from_str(text).unwrap(), "detector")
}

#[test]
fn fixed_defaults_are_filled_in_and_derived_ones_left_to_the_strategy() {
    let values = checked("interval = \"2s\"").unwrap();
    assert_eq!(values.duration("interval"), Some(2_000_000_000));
    assert_eq!(values.duration("pause"), Some(250_000_000));
    assert_eq!((values.number("p"), values.count("window")), (Some(0.5), Some(3)));
    assert_eq!((values.number("threshold"), values.choice("mode")), (None, Some("lazy")));
    let names: Vec<&str> = values.variables().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["interval", "p", "pause", "window"], "choices are no variables");
}

#[test]
fn each_type_refuses_what_it_should_naming_the_key() {
    for (text, key, part) in [
        ("pause = \"1s\"", "detector.interval", "is required but missing"),
        ("interval = \"0s\"", "detector.interval", "must be longer than 0"),
        ("interval = 5", "detector.interval", "invalid type"),
        ("interval = \"1 parsec\"", "detector.interval", "invalid duration"),
        ("interval = \"1s\"\np = 0", "detector.p", "not a usable probability"),
        ("interval = \"1s\"\nwindow = 11", "detector.window", "11 is out of range"),
        ("interval = \"1s\"\nwindow = -1", "detector.window", "-1 is out of range"),
        ("interval = \"1s\"\nthreshold = 0", "detector.threshold", "0 is out of range"),
        ("interval = \"1s\"\nthreshold = \"high\"", "detector.threshold", "invalid type"),
        ("interval = \"1s\"\nmode = \"eagre\"", "detector.mode", "unknown mode `eagre`"),
    ] {
        let error = checked(text).unwrap_err();
        assert_eq!(error.key, key, "{text}");
        assert!(error.message.contains(part), "{text}: {}", error.message);
    }
}

#[test]
fn an_unknown_key_lists_the_declared_ones_and_suggests_the_closest() {
    let error = checked("interval = \"1s\"\nwindw = 3").unwrap_err();
    assert_eq!(error.key, "detector.windw");
    assert_eq!(error.allowed.as_deref(), Some("interval, pause, p, window, threshold, mode"));
    assert_eq!(error.suggestion.as_deref(), Some("window"));
    let none = check(&[], toml::from_str("vnodes = 3").unwrap(), "balancer").unwrap_err();
    assert_eq!(none.allowed.as_deref(), Some("nothing here"));
}

#[test]
fn every_fixed_default_of_every_strategy_passes_its_own_checks() {
    let detectors = crate::detect::DETECTORS.iter().map(|s| (s.name, s.params));
    let balancers = crate::balance::BALANCERS.iter().map(|s| (s.name, s.params));
    for (name, params) in detectors.chain(balancers) {
        for p in params {
            if let DefaultValue::Fixed(text) = p.default {
                let value = default_value(p.ty, text);
                assert!(read(p.ty, &value, p.name).is_ok(), "{name}.{}: default {text}", p.name);
            }
        }
    }
}

/// The names a strategy declares as variables: its numeric parameters and derived ones, sorted.
fn declared<F: ?Sized>(s: &Strategy<F>) -> Vec<&'static str> {
    let numeric = s.params.iter().filter(|p| !matches!(p.ty, Type::Choice(_))).map(|p| p.name);
    let mut names: Vec<&str> = numeric.chain(s.derived.iter().map(|(n, _)| *n)).collect();
    names.sort_unstable();
    names
}

fn sorted_names(values: &Values) -> Vec<&'static str> {
    let mut names: Vec<&str> = values.variables().iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    names
}

/// The variables a strategy reports are exactly its numeric parameters and declared derived
/// ones, so that `discosim formulas` and `discosim list` name every one.
#[test]
fn every_strategy_reports_exactly_its_declared_variables() {
    for s in crate::detect::DETECTORS {
        for table in examples(s) {
            let values = crate::detect::parse(table, "detector").unwrap().values;
            assert_eq!(sorted_names(&values), declared(s), "detector {}", s.name);
        }
    }
    for s in crate::balance::BALANCERS {
        for table in examples(s) {
            let values = crate::balance::parse(Some(table), "balancer").unwrap().values;
            assert_eq!(sorted_names(&values), declared(s), "balancer {}", s.name);
        }
    }
}
