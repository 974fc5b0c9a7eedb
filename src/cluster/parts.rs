//! The parts of `[registry]` — how the registry acts on what its detector finds — each a
//! sub-table declared once (`crate::params`): parsing and its errors, `discosim list`, the
//! README's table and the tests over every part follow from `PARTS`.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::{EvictionConfig, RemovalConfig, SelfPreservationConfig};
use crate::params::DefaultValue::{Derived, Fixed, Required};
use crate::params::{KeyError, Param, Strategy, Type};
use std::sync::Arc;

/// The registry's behaviour beyond its detector; the default acts on every verdict at once.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RegistryConfig {
    /// Periodic eviction sweeps (`[registry.eviction]`).
    pub eviction: Option<EvictionConfig>,
    /// Eureka's self-preservation (`[registry.self_preservation]`): sweeps evict nothing while
    /// renewals are low.
    pub self_preservation: Option<SelfPreservationConfig>,
    /// Kubernetes' pod eviction after the not-ready toleration (`[registry.pod_eviction]`).
    pub pod_eviction: Option<RemovalConfig>,
    /// Consul's reaper of long-critical services (`[registry.reaper]`).
    pub reaper: Option<RemovalConfig>,
}

/// A checked part, applied to the registry's settings.
pub type Part = dyn Fn(&mut RegistryConfig) + Send + Sync;

/// The sub-tables of `[registry]`, by name.
pub const PARTS: &[Strategy<Part>] = &[EVICTION, SELF_PRESERVATION, POD_EVICTION, REAPER];

const EVICTION: Strategy<Part> = Strategy {
    name: "eviction",
    doc: "`[registry.eviction]`: a mark-down takes effect only at the next periodic sweep (Eureka's eviction task, ZooKeeper's expiry ticks, etcd's lessor, the Kubernetes node monitor)",
    params: &[
        Param { name: "interval", ty: Type::PositiveDuration, default: Required, doc: "time between sweeps" },
        Param {
            name: "phase",
            ty: Type::Duration,
            default: Derived("uniform on [0, interval), drawn once per run"),
            doc: "time of the first sweep (0: sweeps on multiples of interval, as ZooKeeper's ticks)",
        },
        Param {
            name: "keep",
            ty: Type::Number { min: 0.0, open_min: true, max: 1.0 },
            default: Derived("none: a sweep evicts every expired instance"),
            doc: "a sweep evicts at most size - floor(size × keep) of the size registered, chosen at random (Eureka's renewalPercentThreshold, 0.85)",
        },
    ],
    derived: &[],
    build: |v| {
        let config = EvictionConfig {
            interval: v.required_duration("interval")?,
            phase: v.duration("phase"),
            keep_fraction: v.number("keep"),
        };
        Ok(Arc::new(move |r: &mut RegistryConfig| r.eviction = Some(config)))
    },
};

const SELF_PRESERVATION: Strategy<Part> = Strategy {
    name: "self_preservation",
    doc: "`[registry.self_preservation]`: Eureka's; sweeps evict nothing while the last minute's renewals are not above (int)(expected × 60 s / renewal_interval × threshold); needs `eviction` and a detector that counts renewals",
    params: &[
        Param {
            name: "renewal_interval",
            ty: Type::PositiveDuration,
            default: Fixed("30s"),
            doc: "the renewal interval the registry expects of each instance (expectedClientRenewalIntervalSeconds)",
        },
        Param {
            name: "threshold",
            ty: Type::Number { min: 0.0, open_min: true, max: 1.0 },
            default: Fixed("0.85"),
            doc: "fraction of the expected renewals below which expiry stops (renewalPercentThreshold)",
        },
        Param {
            name: "update_interval",
            ty: Type::PositiveDuration,
            default: Fixed("15m"),
            doc: "how often the expected count is reset to the registered count, if that is above threshold × expected (renewalThresholdUpdateIntervalMs)",
        },
    ],
    derived: &[],
    build: |v| {
        let config = SelfPreservationConfig {
            renewal_interval: v.required_duration("renewal_interval")?,
            threshold: v.required_number("threshold")?,
            update_interval: v.required_duration("update_interval")?,
        };
        Ok(Arc::new(move |r: &mut RegistryConfig| r.self_preservation = Some(config)))
    },
};

const POD_EVICTION: Strategy<Part> = Strategy {
    name: "pod_eviction",
    doc: "`[registry.pod_eviction]`: Kubernetes' second stage: an instance unlisted for the toleration has its pods evicted (measured: pod_evictions, pod_eviction_time)",
    params: &[Param {
        name: "after",
        ty: Type::PositiveDuration,
        default: Fixed("300s"),
        doc: "the not-ready toleration (tolerationSeconds of node.kubernetes.io/not-ready and unreachable)",
    }],
    derived: &[],
    build: |v| {
        let config = RemovalConfig { after: v.required_duration("after")?, check_interval: None };
        Ok(Arc::new(move |r: &mut RegistryConfig| r.pod_eviction = Some(config)))
    },
};

const REAPER: Strategy<Part> = Strategy {
    name: "reaper",
    doc: "`[registry.reaper]`: Consul's: an instance unlisted (its check critical) for longer than `after` is deregistered at its agent's next periodic check (measured: reaped, reap_time)",
    params: &[
        Param {
            name: "after",
            ty: Type::PositiveDuration,
            default: Required,
            doc: "deregister_critical_service_after (Consul has no default and a minimum of 1 min)",
        },
        Param {
            name: "interval",
            ty: Type::PositiveDuration,
            default: Fixed("30s"),
            doc: "check_reap_interval: each instance's agent checks this often, from a phase uniform on [0, interval)",
        },
    ],
    derived: &[],
    build: |v| {
        let config = RemovalConfig {
            after: v.required_duration("after")?,
            check_interval: Some(v.required_duration("interval")?),
        };
        Ok(Arc::new(move |r: &mut RegistryConfig| r.reaper = Some(config)))
    },
};

/// Reads the `[registry]` table found at `key` (absent: act on every verdict at once): each
/// sub-table by the part of that name.
pub fn parse(table: Option<toml::Table>, key: &str) -> Result<RegistryConfig, KeyError> {
    let mut config = RegistryConfig::default();
    let names: Vec<&str> = PARTS.iter().map(|p| p.name).collect();
    for (name, value) in table.unwrap_or_default() {
        let sub_key = format!("{key}.{name}");
        let Some(part) = PARTS.iter().find(|p| p.name == name) else {
            return Err(KeyError::unknown_name(sub_key, "part of the registry", &name, &names));
        };
        let toml::Value::Table(sub) = value else {
            let message = format!("invalid type: {} `{value}`, expected a table", value.type_str());
            return Err(KeyError::new(sub_key, message));
        };
        let mut values = crate::params::check(part.params, sub, &sub_key)?;
        (part.build)(&mut values)?(&mut config);
    }
    if config.self_preservation.is_some() && config.eviction.is_none() {
        return Err(KeyError::new(
            format!("{key}.self_preservation"),
            "suspends the eviction sweeps, but there are none",
        )
        .allowed(format!("add [{key}.eviction] with its interval")));
    }
    Ok(config)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<RegistryConfig, KeyError> {
        parse(Some(toml::from_str(text).unwrap()), "registry")
    }

    /// Every part's examples (each parameter at a legal value) parse and set the part.
    #[test]
    fn every_part_parses_its_examples() {
        for part in PARTS {
            for example in crate::params::examples_by(part, None) {
                // Beside an eviction sweep, which self-preservation needs.
                let mut table: toml::Table = toml::from_str("eviction = { interval = \"60s\" }").unwrap();
                table.insert(part.name.into(), toml::Value::Table(example.clone()));
                let config = parse(Some(table), "registry").unwrap_or_else(|e| panic!("{example}: {e:?}"));
                assert_ne!(config, RegistryConfig::default(), "{}", part.name);
            }
        }
    }

    #[test]
    fn eviction_reads_interval_phase_and_keep() {
        let config = parsed("eviction = { interval = \"60s\", phase = \"0s\", keep = 0.85 }").unwrap();
        let expected = EvictionConfig { interval: 60_000_000_000, phase: Some(0), keep_fraction: Some(0.85) };
        assert_eq!(config.eviction, Some(expected));
    }

    #[test]
    fn a_misspelt_part_or_key_is_named_with_a_suggestion() {
        let error = parsed("evicton = { interval = \"60s\" }").unwrap_err();
        assert_eq!((error.key.as_str(), error.suggestion.as_deref()), ("registry.evicton", Some("eviction")));
        let error = parsed("eviction = { interval = \"60s\", keeep = 0.5 }").unwrap_err();
        assert_eq!((error.key.as_str(), error.suggestion.as_deref()), ("registry.eviction.keeep", Some("keep")));
        let error = parsed("eviction = { keep = 0.5 }").unwrap_err();
        assert_eq!(error.key, "registry.eviction.interval");
        let error = parsed("eviction = { interval = \"60s\", keep = 1.5 }").unwrap_err();
        assert_eq!(error.key, "registry.eviction.keep");
        let error = parsed("self_preservation = {}").unwrap_err();
        assert_eq!(error.key, "registry.self_preservation");
    }
}
