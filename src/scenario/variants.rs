//! Named variants: `[variant.NAME]` tables, each a set of scenario keys merged over the base
//! scenario, so one file compares whole configurations (a detector with its own keys, a
//! preset, a discovery mode). The variants make the sweep's first axis, `variant`, crossed
//! with the rest of the sweep like any swept key; every point of a variant shares the base's
//! seed, so variants meet the same random numbers.
//!
//! ```toml
//! [variant.eureka]
//! preset = "eureka"
//! [variant.fast-phi]
//! detector = { kind = "phi", interval = "1s", threshold = 8 }
//! ```
//! A variant's table merges into the base table by table, its values winning; a table whose
//! selecting key (`kind`, `dist`, `mode`, `action`) differs from the base's replaces the base's
//! whole, since the keys of one detector mean nothing to another. A variant's `preset` comes
//! between: base < the variant's preset < the variant's own keys (a variant that says
//! `preset = "eureka"` gets Eureka's detector, not the base's). Swept keys are set last, so the
//! sweep wins where both set a key.

use super::error::KeyError;
use super::sweep::Axis;
use crate::presets::merge_over;
use toml::Value;

/// The swept key, and the table, of the variants.
pub(crate) const KEY: &str = "variant";

/// Keys about the whole file, which a variant cannot set.
const WHOLE_FILE: &[&str] = &["name", "description", "sweep", "expect", "plot", "variant"];

/// The variants of a scenario, in the order written.
#[derive(Debug, Default)]
pub(crate) struct Variants {
    tables: Vec<(String, toml::Table)>,
}

impl Variants {
    /// Takes the `[variant.*]` tables out of `table` and checks them.
    pub(crate) fn take(table: &mut toml::Table) -> Result<Self, KeyError> {
        let swept = table.get("sweep").and_then(Value::as_table).is_some_and(|s| s.contains_key(KEY));
        if swept {
            return Err(KeyError::new(format!("sweep.{KEY}"), "is swept by the [variant.NAME] tables")
                .allowed("write each variant as a [variant.NAME] table"));
        }
        let Some(value) = table.remove(KEY) else { return Ok(Variants::default()) };
        let Value::Table(variants) = value else {
            return Err(expected_table(KEY, &value));
        };
        let tables = variants.into_iter().map(|(name, value)| checked(name, value)).collect::<Result<_, _>>()?;
        Ok(Variants { tables })
    }

    /// The sweep axis the variants make, if there are any.
    pub(crate) fn axis(&self) -> Option<Axis> {
        (!self.tables.is_empty()).then(|| Axis {
            keys: vec![KEY.to_string()],
            places: vec![KEY.to_string()],
            rows: self.tables.iter().map(|(name, _)| vec![Value::String(name.clone())]).collect(),
        })
    }

    /// Merges the variant called `name` over `table` (whose own preset is applied already):
    /// its preset's keys, then its own.
    pub(crate) fn apply(&self, name: &str, table: &mut toml::Table) -> Result<(), KeyError> {
        let Some((_, over)) = self.tables.iter().find(|(n, _)| n == name) else { return Ok(()) };
        let mut over = over.clone();
        if let Some(value) = over.remove("preset") {
            let mut with_own = table.clone();
            merge_over(&mut with_own, over.clone());
            let (_, keys) = crate::presets::keys_for(&with_own, &value, &format!("{KEY}.{name}.preset"))?;
            merge_over(table, keys);
        }
        merge_over(table, over);
        Ok(())
    }

    /// The keys the variant `name` sets, each with where it is written
    /// (`variant.NAME.detector.timeout`), deepest first: errors about them point there.
    pub(crate) fn places(&self, name: &str) -> Vec<(String, String)> {
        let mut paths = Vec::new();
        if let Some((_, table)) = self.tables.iter().find(|(n, _)| n == name) {
            collect_paths(table, "", &mut paths);
        }
        paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
        paths.into_iter().map(|p| (p.clone(), format!("{KEY}.{name}.{p}"))).collect()
    }
}

fn checked(name: String, value: Value) -> Result<(String, toml::Table), KeyError> {
    let key = format!("{KEY}.{name}");
    let simple = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if name.is_empty() || !name.chars().all(simple) {
        return Err(KeyError::new(key, format!("`{name}` is not a variant name")).allowed("letters, digits, - and _"));
    }
    let Value::Table(table) = value else {
        return Err(expected_table(&key, &value));
    };
    if let Some(whole) = WHOLE_FILE.iter().find(|k| table.contains_key(**k)) {
        return Err(KeyError::new(format!("{key}.{whole}"), "is about the whole file; a variant cannot set it")
            .allowed("the scenario's own keys: cluster, network, detector, registry, workload, discovery, balancer, recovery, preset, …"));
    }
    Ok((name, table))
}

fn expected_table(key: &str, value: &Value) -> KeyError {
    KeyError::new(key, format!("invalid type: {} `{value}`, expected a table", value.type_str()))
}

/// Every dotted key path in `table` (tables and values), under `prefix`.
fn collect_paths(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        if let Value::Table(sub) = value {
            collect_paths(sub, &path, out);
        }
        out.push(path);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn a_variant_merges_over_the_base_and_a_new_kind_replaces_the_table() {
        let mut base =
            table("[detector]\nkind = \"heartbeat\"\ninterval = \"1s\"\ntimeout = \"3s\"\n[network]\nloss = 0.1\n");
        let mut t = table(
            "[variant.a]\nnetwork = { loss = 0.2 }\n[variant.b]\ndetector = { kind = \"phi\", interval = \"2s\" }\n",
        );
        let variants = Variants::take(&mut t).unwrap();
        assert_eq!(variants.axis().unwrap().rows.len(), 2);
        let mut a = base.clone();
        variants.apply("a", &mut a).unwrap();
        assert_eq!(a["network"]["loss"].as_float(), Some(0.2));
        assert_eq!(a["detector"]["timeout"].as_str(), Some("3s"), "untouched");
        variants.apply("b", &mut base).unwrap();
        assert_eq!(base["detector"], table("kind = \"phi\"\ninterval = \"2s\"").into(), "replaced whole");
        assert_eq!(variants.places("b")[0].1, "variant.b.detector.interval");
    }

    #[test]
    fn bad_variants_are_refused() {
        for (text, key) in [
            ("variant = 3", "variant"),
            ("[variant]\na = 3", "variant.a"),
            ("[variant.\"a b\"]\nseed = 1", "variant.a b"),
            ("[variant.a]\nsweep = {}", "variant.a.sweep"),
            ("[variant.a]\n[sweep]\nvariant = [\"a\"]", "sweep.variant"),
        ] {
            assert_eq!(Variants::take(&mut table(text)).unwrap_err().key, key, "{text}");
        }
    }
}
