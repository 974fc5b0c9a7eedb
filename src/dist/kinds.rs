//! The distributions a scenario may name, each declared once (`crate::params`): parsing of a
//! `{ dist = "...", ... }` table and its errors, `discosim list`, the README's table and the
//! tests over every distribution follow from `DISTRIBUTIONS`.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::Dist;
use crate::engine::SimTime;
use crate::params::DefaultValue::Required;
use crate::params::{KeyError, Param, Selector, Strategy, Type, Values};
use std::path::Path;
use std::sync::Arc;

/// A checked distribution that may still need the scenario's folder: `empirical` reads its
/// samples from a file named relative to it.
pub type Unplaced = dyn Fn(&Path) -> Result<Dist, KeyError> + Send + Sync;

/// The one place where names map to distributions.
pub const DISTRIBUTIONS: &[Strategy<Unplaced>] =
    &[CONSTANT, UNIFORM, EXPONENTIAL, NORMAL, LOGNORMAL, PARETO, EMPIRICAL];

/// A required duration parameter.
const fn duration(name: &'static str, ty: Type, doc: &'static str) -> Param {
    Param { name, ty, default: Required, doc }
}

const CONSTANT: Strategy<Unplaced> = Strategy {
    name: "constant",
    doc: "always `value`",
    params: &[duration("value", Type::Duration, "the one value")],
    derived: &[],
    build: |v| {
        let value = v.required_duration("value")?;
        placed(Dist::Constant { value })
    },
};

const UNIFORM: Strategy<Unplaced> = Strategy {
    name: "uniform",
    doc: "every nanosecond from `low` to `high` (inclusive) equally likely",
    params: &[
        duration("low", Type::Duration, "smallest value"),
        duration("high", Type::Duration, "largest value, at least `low`"),
    ],
    derived: &[],
    build: |v| {
        let (low, high) = ordered(v, ["low", "high"], |low, high| high >= low, "must not be below `low`")?;
        placed(Dist::Uniform { low, high })
    },
};

const EXPONENTIAL: Strategy<Unplaced> = Strategy {
    name: "exponential",
    doc: "memoryless, with mean `mean`",
    params: &[duration("mean", Type::Duration, "the mean")],
    derived: &[],
    build: |v| placed(Dist::Exponential { mean: v.required_duration("mean")? }),
};

const NORMAL: Strategy<Unplaced> = Strategy {
    name: "normal",
    doc: "normal, truncated at zero (negative draws are redrawn)",
    params: &[
        duration("mean", Type::Duration, "mean before truncation"),
        duration("sd", Type::Duration, "standard deviation before truncation"),
    ],
    derived: &[],
    build: |v| placed(Dist::Normal { mean: v.required_duration("mean")?, sd: v.required_duration("sd")? }),
};

const LOGNORMAL: Strategy<Unplaced> = Strategy {
    name: "lognormal",
    doc: "log-normal given by its median and 99th percentile",
    params: &[
        duration("median", Type::PositiveDuration, "the median"),
        duration("p99", Type::PositiveDuration, "the 99th percentile, above `median`"),
    ],
    derived: &[],
    build: |v| {
        let (median, p99) = ordered(v, ["median", "p99"], |median, p99| p99 > median, "must be above `median`")?;
        placed(Dist::Lognormal { median, p99 })
    },
};

const PARETO: Strategy<Unplaced> = Strategy {
    name: "pareto",
    doc: "Pareto (type I): minimum `scale`, tail index `shape` (mean infinite when shape ≤ 1)",
    params: &[
        duration("scale", Type::PositiveDuration, "the minimum"),
        Param {
            name: "shape",
            ty: Type::Number { min: 0.0, open_min: true, max: f64::INFINITY },
            default: Required,
            doc: "tail index: smaller is heavier",
        },
    ],
    derived: &[],
    build: |v| placed(Dist::Pareto { scale: v.required_duration("scale")?, shape: v.required_number("shape")? }),
};

const EMPIRICAL: Strategy<Unplaced> = Strategy {
    name: "empirical",
    doc: "resamples observed values (with replacement)",
    params: &[Param {
        name: "file",
        ty: Type::File,
        default: Required,
        doc: "CSV whose first column holds durations (\"12ms\") or seconds; a header line is skipped",
    }],
    derived: &[],
    build: |v| {
        let file = v.file("file").unwrap_or_default().to_string();
        let key = v.key_of("file");
        Ok(Arc::new(move |base_dir: &Path| empirical(&file, &key, base_dir)))
    },
};

/// Two required durations whose order `ok` checks; the second is blamed when it fails.
fn ordered(
    v: &Values,
    [first, second]: [&str; 2],
    ok: fn(SimTime, SimTime) -> bool,
    why: &str,
) -> Result<(SimTime, SimTime), KeyError> {
    let (a, b) = (v.required_duration(first)?, v.required_duration(second)?);
    if ok(a, b) { Ok((a, b)) } else { Err(KeyError::new(v.key_of(second), why)) }
}

/// A distribution that needs nothing from the scenario's folder.
fn placed(dist: Dist) -> Result<Arc<Unplaced>, KeyError> {
    Ok(Arc::new(move |_: &Path| Ok(dist.clone())))
}

/// Checks a distribution table found at `key` (its `dist` picks the kind) and builds it,
/// reading any file relative to `base_dir`.
pub fn parse(table: toml::Table, key: &str, base_dir: &Path) -> Result<Dist, KeyError> {
    let selector = Selector { key: "dist", what: "distribution" };
    let configured = crate::params::parse_by(DISTRIBUTIONS, selector, table, key, None)?;
    (configured.factory)(base_dir)
}

/// Reads an empirical distribution: a CSV whose first column holds samples, either durations
/// ("12ms") or plain numbers in seconds; a first line that is neither is taken as a header.
fn empirical(file: &str, key: &str, base_dir: &Path) -> Result<Dist, KeyError> {
    let path = base_dir.join(file);
    let text = crate::input::read_text(&path, crate::input::MAX_SAMPLES_BYTES)
        .map_err(|e| KeyError::new(key, format!("cannot read `{}`: {e}", path.display())))?;
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).comment(Some(b'#')).from_reader(text.as_bytes());
    let mut samples = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| KeyError::new(key, format!("`{}`: {e}", path.display())))?;
        let cell = record.get(0).unwrap_or("").trim();
        match parse_sample(cell) {
            Some(nanos) => samples.push(nanos),
            None if row == 0 => continue,
            None => {
                return Err(KeyError::new(
                    key,
                    format!("`{}` row {}: `{cell}` is not a duration or a number of seconds", path.display(), row + 1),
                ));
            }
        }
    }
    if samples.is_empty() {
        return Err(KeyError::new(key, format!("`{}` holds no samples", path.display())));
    }
    Ok(Dist::Empirical { samples: samples.into() })
}

fn parse_sample(cell: &str) -> Option<SimTime> {
    match cell.parse::<f64>() {
        Ok(seconds) if seconds >= 0.0 && seconds.is_finite() => Some(crate::engine::time::from_seconds(seconds)),
        Ok(_) => None,
        Err(_) => crate::params::duration::parse_duration(cell).ok(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;
    use crate::model::StreamKind;
    use crate::params::{DefaultValue, SAMPLE_FILE, examples_by};

    /// Every form of `strategy` (`params::examples`) selected by `dist`, its durations rising in
    /// declaration order so that ordered pairs (low ≤ high, median < p99) hold.
    fn tables(strategy: &Strategy<Unplaced>) -> Vec<toml::Table> {
        let mut tables = examples_by(strategy, Some("dist"));
        for table in &mut tables {
            for (index, p) in strategy.params.iter().enumerate() {
                if matches!(p.ty, Type::Duration | Type::PositiveDuration) {
                    table.insert(p.name.into(), format!("{}ms", index + 1).into());
                }
            }
        }
        tables
    }

    /// Every distribution, from its declaration: each form builds and draws; each required
    /// parameter left out, and an undeclared one, is an error at its key.
    #[test]
    fn every_distribution_builds_draws_and_checks_its_keys() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SAMPLE_FILE), "seconds\n0.001\n0.003\n").unwrap();
        let mut rng = RandomStreams::new(1).stream(StreamKind::Link, 0);
        for strategy in DISTRIBUTIONS {
            for table in tables(strategy) {
                let dist = parse(table.clone(), "d", dir.path()).unwrap_or_else(|e| panic!("{table}: {e:?}"));
                assert!(dist.mean_seconds() > 0.0, "{table}");
                assert!(dist.sample(&mut rng) > 0, "{table}");
                let required = strategy.params.iter().filter(|p| matches!(p.default, DefaultValue::Required));
                for p in required {
                    let mut without = table.clone();
                    without.remove(p.name);
                    assert_eq!(parse(without, "d", dir.path()).unwrap_err().key, format!("d.{}", p.name));
                }
                let mut extra = table.clone();
                extra.insert("bogus".into(), 1.into());
                let error = parse(extra, "d", dir.path()).unwrap_err();
                assert_eq!((error.key.as_str(), error.allowed.unwrap().starts_with("dist, ")), ("d.bogus", true));
            }
        }
    }

    #[test]
    fn ordered_parameters_are_checked() {
        let table: toml::Table = toml::from_str("dist = \"uniform\"\nlow = \"3ms\"\nhigh = \"1ms\"").unwrap();
        assert_eq!(parse(table, "d", Path::new(".")).unwrap_err().key, "d.high");
        let table: toml::Table = toml::from_str("dist = \"lognormal\"\nmedian = \"3ms\"\np99 = \"3ms\"").unwrap();
        assert_eq!(parse(table, "d", Path::new(".")).unwrap_err().key, "d.p99");
    }
}
