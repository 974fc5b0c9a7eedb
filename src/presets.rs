//! Presets: the defaults of production systems, written as scenario keys with their sources
//! (`src/presets/*.toml`), merged beneath a scenario that says `preset = "name"`.
//!
//! A preset is data: the tables a system fixes (its detector, its registry's sweeps, its
//! clients' caches), never the cluster, network or workload the researcher studies; its
//! client-side tables apply only to a scenario with clients. The scenario's own keys win; a table
//! whose selecting key (`kind`) differs from the preset's replaces the preset's table whole,
//! since the keys of one detector mean nothing to another. `preset` may be swept, so one run
//! compares systems.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use crate::params::KeyError;

/// One system's defaults.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    /// The value of `preset` that selects it.
    pub name: &'static str,
    /// What it models, in one line.
    pub doc: &'static str,
    /// The keys, as TOML, with comments that cite the system's code.
    pub text: &'static str,
}

/// Every preset, by name.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "eureka",
        doc: "Eureka + Ribbon: 30 s renewals, lease expiry 2 × 90 s after the last (the code's behaviour), eviction every 60 s capped at 15 %, self-preservation; response cache, client fetch and Ribbon list every 30 s",
        text: include_str!("presets/eureka.toml"),
    },
    Preset {
        name: "kubernetes",
        doc: "Kubernetes node lifecycle (v1.32+): node lease renewed every 10 s, monitor every 5 s, grace 50 s; pods evicted 300 s after NotReady",
        text: include_str!("presets/kubernetes.toml"),
    },
    Preset {
        name: "kubernetes-readiness",
        doc: "Kubernetes readiness probes: every 10 s, 1 s timeout, 3 failures",
        text: include_str!("presets/kubernetes-readiness.toml"),
    },
    Preset {
        name: "etcd",
        doc: "etcd lease, TTL 10 s: keep-alive every TTL/3, lessor checks every 500 ms",
        text: include_str!("presets/etcd.toml"),
    },
    Preset {
        name: "akka",
        doc: "Akka cluster: phi accrual with the logistic approximation, heartbeats every 1 s, threshold 8, pause 3 s, sd floor 100 ms",
        text: include_str!("presets/akka.toml"),
    },
    Preset {
        name: "cassandra",
        doc: "Cassandra: exponential phi, heartbeats every 1 s, convicted past 8 · ln 10 · mean (window 1000, first sample 2 s)",
        text: include_str!("presets/cassandra.toml"),
    },
    Preset {
        name: "cassandra-gossip",
        doc: "Cassandra's gossip: every node each 1 s bumps its heartbeat and exchanges SYN/ACK/ACK2 with a random live node; each node convicts by exponential phi (8 · ln 10 · mean) at its once-a-round check; the registry follows one node's view",
        text: include_str!("presets/cassandra-gossip.toml"),
    },
    Preset {
        name: "consul",
        doc: "Consul TTL check, 30 s updated every 10 s (the documentation's example), watched by blocking queries; the reaper deregisters a service critical for 90 min, checking every 30 s",
        text: include_str!("presets/consul.toml"),
    },
    Preset {
        name: "consul-lan",
        doc: "Consul's LAN pool: memberlist LAN gossip finds a dead node (serfHealth critical at the servers' member); the reaper deregisters after 90 min, checking every 30 s",
        text: include_str!("presets/consul-lan.toml"),
    },
    Preset {
        name: "memberlist-lan",
        doc: "memberlist DefaultLANConfig: probe 1 s, timeout 500 ms, 3 indirect, suspicion 4 · log10 n s up to 6×, retransmit 4 · ceil(log10(n + 1)), gossip 200 ms to 3",
        text: include_str!("presets/memberlist-lan.toml"),
    },
    Preset {
        name: "memberlist-wan",
        doc: "memberlist DefaultWANConfig: probe 5 s, timeout 3 s, 3 indirect, suspicion 6 · log10 n · 5 s up to 6×, gossip 500 ms to 4",
        text: include_str!("presets/memberlist-wan.toml"),
    },
    Preset {
        name: "memberlist-local",
        doc: "memberlist DefaultLocalConfig: probe 1 s, timeout 200 ms, 1 indirect, suspicion 3 · log10 n s up to 6×, retransmit 2, gossip 100 ms to 3",
        text: include_str!("presets/memberlist-local.toml"),
    },
    Preset {
        name: "swim-paper",
        doc: "SWIM as in the paper (Das, Gupta, Motivala 2002): random targets in synchronous rounds, 3 indirect, a fixed suspicion timeout, piggyback-only dissemination, no Lifeguard (memberlist LAN's period and timeouts)",
        text: include_str!("presets/swim-paper.toml"),
    },
    Preset {
        name: "envoy",
        doc: "Envoy outlier detection (client side): eject after 5 failures in a row, 30 s × a multiplier up to 300 s, 10 s sweeps, at most 10 % (none below 10 hosts), panic below 50 % healthy; success-rate ejection (1.9 standard deviations, 5 hosts of 100 attempts)",
        text: include_str!("presets/envoy.toml"),
    },
    Preset {
        name: "zookeeper",
        doc: "ZooKeeper session, 30 s: ping every 10 s, expiry on 2 s ticks",
        text: include_str!("presets/zookeeper.toml"),
    },
];

/// Tables of the client side: a preset's apply only to a scenario with clients (`[workload]`).
const CLIENT_SIDE: &[&str] = &["discovery", "balancer", "recovery"];

/// Keys that pick an entry of a registry: a table that sets one differently from the preset
/// replaces the preset's table.
const SELECTORS: &[&str] = &["kind", "dist", "mode", "action"];

/// The preset called `name`, or an error listing them all.
pub fn find(name: &str, key: &str) -> Result<&'static Preset, KeyError> {
    let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
    PRESETS.iter().find(|p| p.name == name).ok_or_else(|| KeyError::unknown_name(key, "preset", name, &names))
}

/// The preset's keys as a table. Every shipped preset parses (a unit test checks).
pub fn table(preset: &Preset) -> toml::Table {
    toml::from_str(preset.text).unwrap_or_default()
}

/// Takes `preset` out of a scenario's table and merges that preset's keys beneath the rest;
/// returns the preset's name, if one was given.
pub fn apply(scenario: &mut toml::Table) -> Result<Option<&'static str>, KeyError> {
    let Some(value) = scenario.remove("preset") else { return Ok(None) };
    let (preset, keys) = keys_for(scenario, &value, "preset")?;
    merge_beneath(scenario, keys);
    Ok(Some(preset.name))
}

/// The preset named by `value` (written at `key`) and the keys it gives `scenario` (its
/// client-side tables only if the scenario has clients).
pub(crate) fn keys_for(
    scenario: &toml::Table,
    value: &toml::Value,
    key: &str,
) -> Result<(&'static Preset, toml::Table), KeyError> {
    let Some(name) = value.as_str() else {
        let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
        return Err(KeyError::new(key, format!("expected a preset's name, found {}", value.type_str()))
            .allowed(names.join(", ")));
    };
    let preset = find(name, key)?;
    let mut keys = table(preset);
    if !scenario.contains_key("workload") {
        keys.retain(|key, _| !CLIENT_SIDE.contains(&key));
    }
    Ok((preset, keys))
}

/// Sets `over`'s keys in `table`, table by table; `over`'s values win, and a table that
/// selects another entry (`kind`, …) than `table`'s replaces it whole.
pub(crate) fn merge_over(table: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (table.get_mut(&key), value) {
            (Some(toml::Value::Table(own)), toml::Value::Table(sub)) if !reselected(&sub, own) => {
                merge_over(own, sub);
            }
            (_, value) => {
                table.insert(key, value);
            }
        }
    }
}

/// Adds `base`'s keys that `table` lacks, table by table; `table`'s own values win.
fn merge_beneath(table: &mut toml::Table, base: toml::Table) {
    for (key, base_value) in base {
        match (table.get_mut(&key), base_value) {
            (None, value) => {
                table.insert(key, value);
            }
            (Some(toml::Value::Table(own)), toml::Value::Table(base_table)) if !reselected(own, &base_table) => {
                merge_beneath(own, base_table);
            }
            (Some(_), _) => {}
        }
    }
}

/// Whether `own` picks another entry than `base` does (say another detector `kind`).
fn reselected(own: &toml::Table, base: &toml::Table) -> bool {
    SELECTORS.iter().any(|s| matches!((own.get(*s), base.get(*s)), (Some(a), Some(b)) if a != b))
}

/// Every preset's name and keys, for the identity of a scenario that uses one.
pub fn fingerprint() -> String {
    PRESETS.iter().map(|p| format!("\n[preset {}]\n{}", p.name, p.text)).collect()
}

/// `discosim list`'s lines for the presets.
pub fn listing() -> String {
    PRESETS.iter().map(|p| format!("  {}: {}\n", p.name, p.doc)).collect()
}

/// The README's table of presets.
pub fn table_markdown() -> String {
    let mut out = String::from("| preset | what it sets |\n| --- | --- |\n");
    for p in PRESETS {
        out.push_str(&format!("| `{}` | {} |\n", p.name, p.doc));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_and_sets_something() {
        for preset in PRESETS {
            let table: toml::Table = toml::from_str(preset.text).unwrap_or_else(|e| panic!("{}: {e}", preset.name));
            assert!(!table.is_empty(), "{}", preset.name);
        }
    }

    #[test]
    fn the_scenarios_keys_win_and_the_rest_come_from_the_preset() {
        let mut scenario: toml::Table = toml::from_str("preset = \"eureka\"\n[detector]\ntimeout = \"90s\"").unwrap();
        assert_eq!(apply(&mut scenario).unwrap(), Some("eureka"));
        let detector = scenario["detector"].as_table().unwrap();
        assert_eq!(detector["timeout"].as_str(), Some("90s"));
        assert_eq!(detector["interval"].as_str(), Some("30s"));
        assert_eq!(scenario["registry"]["eviction"]["keep"].as_float(), Some(0.85));
        assert!(!scenario.contains_key("preset"));
    }

    #[test]
    fn client_side_tables_apply_only_with_clients() {
        let mut scenario: toml::Table = toml::from_str("preset = \"eureka\"").unwrap();
        apply(&mut scenario).unwrap();
        assert!(!scenario.contains_key("discovery"));
        let mut scenario: toml::Table = toml::from_str("preset = \"eureka\"\n[workload]\nclients = 1").unwrap();
        apply(&mut scenario).unwrap();
        assert_eq!(scenario["discovery"]["server_cache"].as_str(), Some("30s"));
    }

    #[test]
    fn another_detector_kind_replaces_the_presets_detector() {
        let mut scenario: toml::Table =
            toml::from_str("preset = \"eureka\"\n[detector]\nkind = \"observer\"\ntick = \"1s\"\np = 1.0").unwrap();
        apply(&mut scenario).unwrap();
        let detector = scenario["detector"].as_table().unwrap();
        assert_eq!(detector.len(), 3, "no heartbeat key leaks into the observer: {detector:?}");
        assert!(scenario.contains_key("registry"), "the preset's other tables stay");
    }

    /// Regression: `model` once counted as a selecting key, so `[detector] model = "normal"`
    /// under `preset = "akka"` dropped Akka's other detector keys.
    #[test]
    fn a_detector_parameter_named_model_overrides_only_itself() {
        let mut scenario: toml::Table = toml::from_str("preset = \"akka\"\n[detector]\nmodel = \"normal\"").unwrap();
        apply(&mut scenario).unwrap();
        let detector = scenario["detector"].as_table().unwrap();
        assert_eq!(detector["model"].as_str(), Some("normal"));
        assert_eq!(detector["acceptable_pause"].as_str(), Some("3s"));
    }

    #[test]
    fn an_unknown_preset_is_named_with_the_list_and_a_suggestion() {
        let mut scenario: toml::Table = toml::from_str("preset = \"eurka\"").unwrap();
        let error = apply(&mut scenario).unwrap_err();
        assert_eq!(error.key, "preset");
        assert_eq!(error.suggestion.as_deref(), Some("eureka"));
        assert!(error.allowed.unwrap().contains("zookeeper"));
        let mut scenario: toml::Table = toml::from_str("preset = 3").unwrap();
        assert_eq!(apply(&mut scenario).unwrap_err().key, "preset");
    }
}
