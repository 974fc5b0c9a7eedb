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

    /// The registries whose generated table is missing from `pages`, or differs from the
    /// declarations in any page that holds it (each table lives in one page, the README or a
    /// topic page under docs/, between its marker comments).
    fn drifted(pages: &[String]) -> Vec<&'static str> {
        let mut stale = Vec::new();
        for (name, _, _, table) in registries() {
            let (begin, end) = markers(name);
            let expected = format!("\n{table}");
            let copies: Vec<Option<&str>> = pages
                .iter()
                .flat_map(|page| page.split(&begin).skip(1))
                .map(|rest| rest.split_once(&end).map(|(inside, _)| inside))
                .collect();
            if copies.is_empty() || copies.iter().any(|inside| *inside != Some(expected.as_str())) {
                stale.push(name);
            }
        }
        stale
    }

    /// The documentation's strategy tables are the declarations' (regenerate them with
    /// `discosim list --markdown`).
    #[test]
    fn the_documented_strategy_tables_match_the_declarations() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("README.md")];
        let docs = std::fs::read_dir(root.join("docs")).unwrap();
        files.extend(docs.map(|entry| entry.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "md")));
        let pages: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
        assert_eq!(drifted(&pages), Vec::<&str>::new(), "regenerate with `discosim list --markdown`");
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
