//! Every registry of strategies together: what `discosim list` prints and the README's
//! generated tables, both from the strategies' declarations (`crate::params`).

use crate::params::{listing, table_markdown};

/// Each registry: its name in the README's markers, the scenario table it configures, the
/// listing and the Markdown table of its strategies.
fn registries() -> [(&'static str, &'static str, String, String); 7] {
    use crate::balance::BALANCERS;
    use crate::cluster::PARTS as REGISTRY_PARTS;
    use crate::detect::DETECTORS;
    use crate::dist::DISTRIBUTIONS;
    use crate::model::FAULT_ACTIONS;
    use crate::recovery::PARTS;
    [
        ("detectors", "[detector] kind", listing(DETECTORS), table_markdown(DETECTORS, "kind")),
        ("balancers", "[balancer] kind, default round-robin", listing(BALANCERS), table_markdown(BALANCERS, "kind")),
        (
            "distributions",
            "`dist` of network.delay, cluster.service_time, cluster.failure.mttf and .mttr",
            listing(DISTRIBUTIONS),
            table_markdown(DISTRIBUTIONS, "dist"),
        ),
        ("recovery", "[recovery] and its sub-tables", listing(PARTS), table_markdown(PARTS, "table")),
        ("fault-actions", "[[fault]] action", listing(FAULT_ACTIONS), table_markdown(FAULT_ACTIONS, "action")),
        ("registry", "[registry] sub-tables", listing(REGISTRY_PARTS), table_markdown(REGISTRY_PARTS, "table")),
        (
            "presets",
            "preset = name: a system's defaults beneath the scenario's keys",
            crate::presets::listing(),
            crate::presets::table_markdown(),
        ),
    ]
}

/// `discosim list`: every strategy with its parameters, their types and defaults.
pub(crate) fn list() -> String {
    let mut out = String::new();
    for (name, table, listed, _) in registries() {
        out.push_str(&format!("{name} ({table}):\n{listed}\n"));
    }
    out.push_str("Durations are strings such as \"250ms\"; they are formula variables in seconds.\n");
    out
}

/// The marker lines around a generated table in README.md.
pub(crate) fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- generated: {name} (`discosim list --markdown`; a test fails when it drifts) -->"),
        format!("<!-- end of generated: {name} -->"),
    )
}

/// `discosim list --markdown`: the README's generated tables, each between its markers.
pub(crate) fn markdown() -> String {
    let mut out = String::new();
    for (name, _, _, table) in registries() {
        let (begin, end) = markers(name);
        out.push_str(&format!("{begin}\n{table}{end}\n\n"));
    }
    out
}

/// The Markdown table of the registry named `name` (as in the README's markers), for the
/// generated blocks of docs/reference.md.
pub fn table(name: &str) -> Option<String> {
    registries().into_iter().find(|(n, ..)| *n == name).map(|(_, _, _, table)| table)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables of `readme` that differ from the declarations (by registry name); a missing
    /// marker counts as a difference.
    fn drifted(readme: &str) -> Vec<&'static str> {
        let mut stale = Vec::new();
        for (name, _, _, table) in registries() {
            let (begin, end) = markers(name);
            let inside = readme.split_once(&begin).and_then(|(_, rest)| rest.split_once(&end)).map(|(t, _)| t);
            if inside != Some(&format!("\n{table}")) {
                stale.push(name);
            }
        }
        stale
    }

    /// The README's strategy tables are the declarations' (regenerate them with
    /// `discosim list --markdown`).
    #[test]
    fn the_readme_strategy_tables_match_the_declarations() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        assert_eq!(drifted(&readme), Vec::<&str>::new(), "regenerate with `discosim list --markdown`");
    }

    #[test]
    fn the_list_names_every_parameter_of_every_strategy() {
        use crate::params::{Param, Strategy};
        fn declared<F: ?Sized>(registry: &[Strategy<F>]) -> Vec<(&'static str, &'static [Param])> {
            registry.iter().map(|s| (s.name, s.params)).collect()
        }
        let list = list();
        let every = [
            declared(crate::detect::DETECTORS),
            declared(crate::balance::BALANCERS),
            declared(crate::dist::DISTRIBUTIONS),
            declared(crate::recovery::PARTS),
            declared(crate::model::FAULT_ACTIONS),
        ];
        for (name, params) in every.into_iter().flatten() {
            assert!(list.contains(&format!("  {name}: ")), "{name}");
            for p in params {
                assert!(list.contains(&format!("      {} (", p.name)), "{name}.{}", p.name);
            }
        }
        assert!(list.contains("threshold_z (derived)"));
    }
}
