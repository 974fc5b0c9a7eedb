//! The scheduled fault actions (`[[fault]]`'s `action`), each declared once with its keys
//! (`crate::params`): parsing of a fault table and its errors, `discosim list`, the README's
//! table and the tests over every action follow from `FAULT_ACTIONS`. What needs the rest of
//! the scenario (instances that exist, clients, a service time) is checked by the scenario.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::{Cut, FaultAction};
use crate::params::DefaultValue::{Derived, Fixed, Required};
use crate::params::{Configured, KeyError, Param, Selector, Strategy, Type, Values};
use std::sync::Arc;

/// The one place where names map to fault actions.
pub const FAULT_ACTIONS: &[Strategy<FaultAction>] = &[
    action("crash", "the instances stop silently (until: they recover)", TARGETED, |_| made(FaultAction::Crash)),
    action("recover", "crashed instances start again (no target: all)", TARGETED, |_| made(FaultAction::Recover)),
    action("partition", "cut the instances off from the registry, the clients or both", CUT, |v| {
        made(FaultAction::Partition(cut(v)))
    }),
    action("heal", "undo a partition (no target: all)", CUT, |v| made(FaultAction::Heal(cut(v)))),
    action("slow", "multiply the instances' service time by `factor`", SCALED, |v| {
        made(FaultAction::Slow(v.required_number("factor")?))
    }),
    action("spike", "multiply every client's request rate by `factor` (no target)", SPIKE, |v| {
        made(FaultAction::Spike(v.required_number("factor")?))
    }),
    action("join", "the instances start and register", TARGETED, |_| made(FaultAction::Join)),
    action("leave", "graceful removal: the instances stop and deregister", TARGETED, |_| made(FaultAction::Leave)),
    action("flush", "the look-aside cache (`[cache]`) loses every entry (no target)", FLUSH, |_| {
        made(FaultAction::Flush)
    }),
];

const AT: Param = Param { name: "at", ty: Type::Duration, default: Required, doc: "when the fault happens" };
const UNTIL: Param = Param {
    name: "until",
    ty: Type::Duration,
    default: Derived("never"),
    doc: "undo the action then, on the same instances (recover, heal, back to normal); after `at`",
};
const WHICH: &str = "give one of the three (recover, heal: all)";
const INSTANCES: Param =
    Param { name: "instances", ty: Type::Indices, default: Derived(WHICH), doc: "these instances, e.g. [0, 3]" };
const COUNT: Param = Param {
    name: "count",
    ty: Type::Count { min: 0, max: u32::MAX as u64 },
    default: Derived(WHICH),
    doc: "this many instances (at most `cluster.instances`), chosen by the seed",
};
const FRACTION: Param = Param {
    name: "fraction",
    ty: Type::Number { min: 0.0, open_min: false, max: 1.0 },
    default: Derived(WHICH),
    doc: "this fraction of the instances (rounded), chosen by the seed",
};
const FACTOR: Param = Param {
    name: "factor",
    ty: Type::Number { min: 0.0, open_min: true, max: f64::INFINITY },
    default: Required,
    doc: "`slow`: service time × factor; `spike`: every client's rate × factor",
};
const FROM: Param = Param {
    name: "from",
    ty: Type::Choice(&["registry", "clients", "both"]),
    default: Fixed("registry"),
    doc: "which side the instances are cut off from",
};

const TARGETED: &[Param] = &[AT, INSTANCES, COUNT, FRACTION, UNTIL];
const CUT: &[Param] = &[AT, INSTANCES, COUNT, FRACTION, FROM, UNTIL];
const SCALED: &[Param] = &[AT, INSTANCES, COUNT, FRACTION, FACTOR, UNTIL];
const SPIKE: &[Param] = &[AT, FACTOR, UNTIL];
const FLUSH: &[Param] = &[AT];

type Build = fn(&mut Values) -> Result<Arc<FaultAction>, KeyError>;

/// A fault action's declaration (fault actions derive no formula variables).
const fn action(
    name: &'static str,
    doc: &'static str,
    params: &'static [Param],
    build: Build,
) -> Strategy<FaultAction> {
    Strategy { name, doc, params, derived: &[], build }
}

fn made(action: FaultAction) -> Result<Arc<FaultAction>, KeyError> {
    Ok(Arc::new(action))
}

/// The side a partition cuts (its `from`, defaulted to the registry).
fn cut(v: &Values) -> Cut {
    match v.choice("from") {
        Some("clients") => Cut { registry: false, clients: true },
        Some("both") => Cut { registry: true, clients: true },
        _ => Cut { registry: true, clients: false },
    }
}

/// Checks a `[[fault]]` table found at `key` against its action's declaration: the action
/// with the checked keys (`at`, `until` and the target are read from them by the scenario).
pub fn parse(table: toml::Table, key: &str) -> Result<Configured<FaultAction>, KeyError> {
    let action = table.get("action").and_then(toml::Value::as_str).unwrap_or_default().to_string();
    let selector = Selector { key: "action", what: "fault action" };
    crate::params::parse_by(FAULT_ACTIONS, selector, table, key, None).map_err(|e| used_elsewhere(e, &action))
}

/// A key that another action declares: say which ones use it (the allowed keys stay listed).
fn used_elsewhere(mut error: KeyError, action: &str) -> KeyError {
    let given = error.key.rsplit('.').next().unwrap_or_default().to_string();
    let users: Vec<String> = FAULT_ACTIONS
        .iter()
        .filter(|a| a.params.iter().any(|p| p.name == given))
        .map(|a| format!("`{}`", a.name))
        .collect();
    if error.message.starts_with("unknown key") && !users.is_empty() {
        error.message = format!("`{given}` is only used by {}, not `{action}`", users.join(", "));
        error.suggestion = None;
    }
    error
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::params::{DefaultValue, examples_by};

    /// Every fault action, from its declaration: each form is accepted as that action, each
    /// required key left out is an error at its key, and a key only other actions use says so.
    #[test]
    fn every_fault_action_parses_and_checks_its_keys() {
        for action in FAULT_ACTIONS {
            for table in examples_by(action, Some("action")) {
                let parsed = parse(table.clone(), "f").unwrap_or_else(|e| panic!("{table}: {e:?}"));
                assert_eq!(*parsed.factory, *(action.build)(&mut parsed.values.clone()).unwrap());
                for p in action.params.iter().filter(|p| matches!(p.default, DefaultValue::Required)) {
                    let mut without = table.clone();
                    without.remove(p.name);
                    assert_eq!(parse(without, "f").unwrap_err().key, format!("f.{}", p.name));
                }
                let foreign =
                    ["factor", "from", "count"].into_iter().find(|k| action.params.iter().all(|p| p.name != *k));
                let Some(foreign) = foreign else { continue };
                let mut extra = table.clone();
                extra.insert(foreign.into(), 1.into());
                let error = parse(extra, "f").unwrap_err();
                assert!(error.message.contains("is only used by"), "{action:?}: {error:?}", action = action.name);
            }
        }
    }
}
