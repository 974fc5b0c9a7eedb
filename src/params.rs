//! Strategy parameters, declared once per strategy: name, type, unit, default and a one-line doc.
//!
//! A registry entry (`Strategy`) carries its `Param` list; from it come the parsing of its table
//! and every error (unknown key with the allowed ones and a suggestion, wrong type, out of
//! range), the formula variables (`Values::variables`), `discosim list` and the README's
//! strategy tables (`table_markdown`). The strategy's own code only reads checked `Values` and
//! works out defaults that depend on other parameters (documented in the declaration). The
//! registries: detectors, balancers, distributions, the parts of `[recovery]`, fault actions.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

pub mod duration;
pub mod error;

pub use error::KeyError;

use crate::engine::SimTime;
use crate::engine::time::to_seconds;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// What a parameter accepts; the typed wrapper that does the checking.
#[derive(Clone, Copy, Debug)]
pub enum Type {
    /// A duration string ("250ms"), zero allowed; seconds in formulas.
    Duration,
    /// A duration string above zero.
    PositiveDuration,
    /// A probability in (0, 1].
    Probability,
    /// An integer in `min..=max`.
    Count {
        /// The smallest allowed value.
        min: u64,
        /// The largest allowed value.
        max: u64,
    },
    /// A finite number above `min` (at least `min` unless `open_min`) and at most `max`.
    Number {
        /// The lower bound.
        min: f64,
        /// Whether `min` itself is excluded.
        open_min: bool,
        /// The upper bound (may be infinite).
        max: f64,
    },
    /// One of the names, the first being the usual one.
    Choice(&'static [&'static str]),
    /// `true` or `false`; 1 or 0 in formulas.
    Flag,
    /// A path to a file, relative to the scenario file's folder.
    File,
    /// A list of instance indices (integers ≥ 0; the scenario checks them against its size).
    Indices,
}

impl Type {
    /// The unit of the parameter's formula variable.
    pub fn unit(&self) -> &'static str {
        match self {
            Type::Duration | Type::PositiveDuration => "s",
            Type::Probability | Type::Count { .. } | Type::Number { .. } => "",
            Type::Choice(_) => "name",
            Type::Flag => "",
            Type::File => "path",
            Type::Indices => "indices",
        }
    }

    /// What the parameter accepts, in words.
    pub fn describe(&self) -> String {
        match self {
            Type::Duration => "duration ≥ 0".into(),
            Type::PositiveDuration => "duration > 0".into(),
            Type::Probability => "probability, 0 < p ≤ 1".into(),
            Type::Count { min, max } => format!("integer, {min} to {max}"),
            Type::Number { min, open_min: true, max } if max.is_infinite() => format!("number > {min}"),
            Type::Number { min, open_min: true, max } => format!("number, {min} < x ≤ {max}"),
            Type::Number { min, max, .. } if max.is_infinite() => format!("number ≥ {min}"),
            Type::Number { min, max, .. } => format!("number, {min} ≤ x ≤ {max}"),
            Type::Choice(names) => format!("one of {}", names.join(", ")),
            Type::Flag => "true or false".into(),
            Type::File => "path, relative to the scenario file".into(),
            Type::Indices => "list of instance indices".into(),
        }
    }
}

/// A parameter's default.
#[derive(Clone, Copy, Debug)]
pub enum DefaultValue {
    /// The key must be given.
    Required,
    /// A fixed value, written as in a scenario file (parsed by the same checks).
    Fixed(&'static str),
    /// Worked out by the strategy from other parameters; the text says how.
    Derived(&'static str),
}

/// One declared parameter.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// The key, as written in the scenario file (and the formula variable's name).
    pub name: &'static str,
    /// What the key accepts.
    pub ty: Type,
    /// Its value when the key is absent.
    pub default: DefaultValue,
    /// What it means, in one line (printed by `discosim list` and the README's tables).
    pub doc: &'static str,
}

/// A registry entry: a strategy's name, its parameters, and how checked values become it.
/// `build` may record the defaults it derives (`Values::resolve`) so that they are variables.
pub struct Strategy<F: ?Sized + 'static> {
    /// The name that selects it (`kind = "…"`, `dist = "…"`, …).
    pub name: &'static str,
    /// What it is, in one line.
    pub doc: &'static str,
    /// Its parameters, in the order they are listed.
    pub params: &'static [Param],
    /// Formula variables that `build` works out beyond the parameters, with their meaning.
    pub derived: &'static [(&'static str, &'static str)],
    /// Builds the strategy's factory from its checked parameters.
    pub build: fn(&mut Values) -> Result<Arc<F>, KeyError>,
}

/// A built strategy with the parameters it was built from (defaults resolved): what the model
/// holds. It dereferences to the strategy's factory.
#[derive(Debug)]
pub struct Configured<F: ?Sized> {
    /// The built strategy.
    pub factory: Arc<F>,
    /// The parameters it was built from.
    pub values: Values,
}

impl<F: ?Sized> Clone for Configured<F> {
    fn clone(&self) -> Self {
        Configured { factory: Arc::clone(&self.factory), values: self.values.clone() }
    }
}

impl<F: ?Sized> std::ops::Deref for Configured<F> {
    type Target = F;
    fn deref(&self) -> &F {
        &self.factory
    }
}

/// A checked parameter value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A duration, in nanoseconds.
    Duration(SimTime),
    /// A number or a probability.
    Number(f64),
    /// An integer.
    Count(u64),
    /// One of a choice's names.
    Choice(&'static str),
    /// A file path, as written.
    File(String),
    /// Instance indices.
    Indices(Vec<u64>),
    /// A switch.
    Flag(bool),
}

/// A strategy's checked parameters (fixed defaults filled in), found at `key`.
#[derive(Clone, Debug, PartialEq)]
pub struct Values {
    key: String,
    map: BTreeMap<&'static str, Value>,
}

impl Values {
    /// The dotted key of parameter `name`, for errors.
    pub fn key_of(&self, name: &str) -> String {
        format!("{}.{name}", self.key)
    }

    /// A duration, if given or defaulted.
    pub fn duration(&self, name: &str) -> Option<SimTime> {
        match self.map.get(name) {
            Some(Value::Duration(nanos)) => Some(*nanos),
            _ => None,
        }
    }

    /// A required duration (its absence was refused by `parse`; this never fails then).
    pub fn required_duration(&self, name: &str) -> Result<SimTime, KeyError> {
        self.duration(name).ok_or_else(|| KeyError::new(self.key_of(name), "is required but missing"))
    }

    /// A number that has a fixed default or is required (so `parse` filled it in).
    pub fn required_number(&self, name: &str) -> Result<f64, KeyError> {
        self.number(name).ok_or_else(|| KeyError::new(self.key_of(name), "is required but missing"))
    }

    /// A count as u32 that has a fixed default or is required.
    pub fn required_u32(&self, name: &str) -> Result<u32, KeyError> {
        let count = self.count(name).ok_or_else(|| KeyError::new(self.key_of(name), "is required but missing"))?;
        u32::try_from(count).map_err(|_| KeyError::new(self.key_of(name), format!("{count} is too large")))
    }

    /// A number or probability, if given or defaulted.
    pub fn number(&self, name: &str) -> Option<f64> {
        match self.map.get(name) {
            Some(Value::Number(x)) => Some(*x),
            _ => None,
        }
    }

    /// A count, if given or defaulted.
    pub fn count(&self, name: &str) -> Option<u64> {
        match self.map.get(name) {
            Some(Value::Count(n)) => Some(*n),
            _ => None,
        }
    }

    /// A choice, if given or defaulted.
    pub fn choice(&self, name: &str) -> Option<&'static str> {
        match self.map.get(name) {
            Some(Value::Choice(c)) => Some(c),
            _ => None,
        }
    }

    /// A switch, if given or defaulted.
    pub fn flag(&self, name: &str) -> Option<bool> {
        match self.map.get(name) {
            Some(Value::Flag(b)) => Some(*b),
            _ => None,
        }
    }

    /// A file path as written (relative to the scenario file), if given.
    pub fn file(&self, name: &str) -> Option<&str> {
        match self.map.get(name) {
            Some(Value::File(path)) => Some(path),
            _ => None,
        }
    }

    /// A list of instance indices, if given.
    pub fn indices(&self, name: &str) -> Option<&[u64]> {
        match self.map.get(name) {
            Some(Value::Indices(list)) => Some(list),
            _ => None,
        }
    }

    /// Records a derived default, so that it is a formula variable like the others.
    pub fn resolve(&mut self, name: &'static str, value: Value) {
        self.map.insert(name, value);
    }

    /// The numeric parameters by name (durations in seconds): the formula variables.
    pub fn variables(&self) -> Vec<(&'static str, f64)> {
        let number = |value: &Value| match value {
            Value::Duration(nanos) => Some(to_seconds(*nanos)),
            Value::Number(x) => Some(*x),
            Value::Count(n) => Some(*n as f64),
            Value::Flag(b) => Some(if *b { 1.0 } else { 0.0 }),
            Value::Choice(_) | Value::File(_) | Value::Indices(_) => None,
        };
        self.map.iter().filter_map(|(name, value)| Some((*name, number(value)?))).collect()
    }
}

/// Reads a strategy table found at `key`: its `kind` picks the strategy (or `default_kind`
/// when absent), whose declaration checks the remaining keys.
pub fn parse<F: ?Sized>(
    registry: &'static [Strategy<F>],
    what: &str,
    table: toml::Table,
    key: &str,
    default_kind: Option<&str>,
) -> Result<Configured<F>, KeyError> {
    parse_by(registry, Selector { key: "kind", what }, table, key, default_kind)
}

/// The key of a table that picks its strategy (`kind`, `dist`, `action`) and what a strategy
/// is called in errors ("detector", "distribution").
#[derive(Clone, Copy, Debug)]
pub struct Selector<'a> {
    /// The selecting key (`kind`, `dist`, `action`).
    pub key: &'a str,
    /// What a strategy is called in errors ("detector", "distribution").
    pub what: &'a str,
}

/// `parse` with another selecting key than `kind`. An unknown key's error lists the selector
/// with the strategy's keys, since the table holds both.
pub fn parse_by<F: ?Sized>(
    registry: &'static [Strategy<F>],
    selector: Selector,
    mut table: toml::Table,
    key: &str,
    default_kind: Option<&str>,
) -> Result<Configured<F>, KeyError> {
    let names: Vec<&str> = registry.iter().map(|s| s.name).collect();
    let what = selector.what;
    let kind_key = format!("{key}.{}", selector.key);
    let kind = match (table.remove(selector.key), default_kind) {
        (Some(toml::Value::String(kind)), _) => kind,
        (None, Some(kind)) => kind.to_string(),
        (Some(_), _) => return Err(KeyError::new(kind_key, "must be a string").allowed(names.join(", "))),
        (None, None) => return Err(KeyError::new(kind_key, "is required").allowed(names.join(", "))),
    };
    let Some(strategy) = registry.iter().find(|s| s.name == kind) else {
        return Err(KeyError::unknown_name(kind_key, what, &kind, &names));
    };
    let mut values = check(strategy.params, table, key).map_err(|e| with_selector(e, selector.key))?;
    let factory = (strategy.build)(&mut values)?;
    Ok(Configured { factory, values })
}

/// Checks a table against declared parameters: unknown keys, types, ranges, required keys.
pub fn check(params: &[Param], table: toml::Table, key: &str) -> Result<Values, KeyError> {
    let mut map = BTreeMap::new();
    for (name, value) in table {
        let full = format!("{key}.{name}");
        let Some(param) = params.iter().find(|p| p.name == name) else {
            return Err(unknown_key(params, full, &name));
        };
        map.insert(param.name, read(param.ty, &value, &full)?);
    }
    for param in params {
        if map.contains_key(param.name) {
            continue;
        }
        match param.default {
            DefaultValue::Required => {
                // What the key means and accepts, so that the message alone tells what to write.
                return Err(KeyError::new(format!("{key}.{}", param.name), "is required but missing")
                    .allowed(format!("{}: {}", param.ty.describe(), param.doc)));
            }
            DefaultValue::Fixed(text) => {
                let value = default_value(param.ty, text);
                map.insert(param.name, read(param.ty, &value, &format!("{key}.{}", param.name))?);
            }
            DefaultValue::Derived(_) => {}
        }
    }
    Ok(Values { key: key.to_string(), map })
}

/// Adds the selecting key to the keys an unknown-key error allows (`kind` stays implied, as
/// the strategy tables always had it).
fn with_selector(mut error: KeyError, selector: &str) -> KeyError {
    if selector != "kind" && error.message.starts_with("unknown key") {
        error.allowed = error.allowed.map(|keys| format!("{selector}, {keys}"));
    }
    error
}

/// A key the strategy does not declare: the declared ones, and the closest.
fn unknown_key(params: &[Param], full: String, name: &str) -> KeyError {
    let names: Vec<&str> = params.iter().map(|p| p.name).collect();
    let mut error = KeyError::unknown_name(full, "key", name, &names);
    if names.is_empty() {
        error.allowed = Some("nothing here".into());
    }
    error
}

/// A fixed default's text as the TOML value a user would write.
fn default_value(ty: Type, text: &str) -> toml::Value {
    match ty {
        Type::Duration | Type::PositiveDuration | Type::Choice(_) | Type::File => toml::Value::String(text.into()),
        Type::Indices => toml::Value::Array(Vec::new()),
        Type::Flag => toml::Value::Boolean(text == "true"),
        Type::Count { .. } => toml::Value::Integer(text.parse().unwrap_or(i64::MIN)),
        Type::Probability | Type::Number { .. } => toml::Value::Float(text.parse().unwrap_or(f64::NAN)),
    }
}

/// Checks one value against its type.
fn read(ty: Type, value: &toml::Value, key: &str) -> Result<Value, KeyError> {
    match ty {
        Type::Duration | Type::PositiveDuration => read_duration(ty, value, key),
        Type::Probability => read_probability(value, key),
        Type::Count { min, max } => read_count(min, max, value, key),
        Type::Number { min, open_min, max } => read_number(min, open_min, max, value, key),
        Type::Choice(names) => read_choice(names, value, key),
        Type::File => read_file(value, key),
        Type::Indices => read_indices(value, key),
        Type::Flag => match value {
            toml::Value::Boolean(b) => Ok(Value::Flag(*b)),
            _ => Err(invalid_type(value, key, "true or false")),
        },
    }
}

fn read_file(value: &toml::Value, key: &str) -> Result<Value, KeyError> {
    match value {
        toml::Value::String(path) => Ok(Value::File(path.clone())),
        _ => Err(invalid_type(value, key, "a string: a path relative to the scenario file")),
    }
}

fn read_indices(value: &toml::Value, key: &str) -> Result<Value, KeyError> {
    let toml::Value::Array(items) = value else {
        return Err(invalid_type(value, key, "a list of instance indices, e.g. [0, 3]"));
    };
    let index = |item: &toml::Value| match item {
        toml::Value::Integer(i) => u64::try_from(*i).ok(),
        _ => None,
    };
    let list: Option<Vec<u64>> = items.iter().map(index).collect();
    list.map(Value::Indices).ok_or_else(|| invalid_type(value, key, "a list of instance indices (integers ≥ 0)"))
}

fn invalid_type(value: &toml::Value, key: &str, expected: &str) -> KeyError {
    KeyError::new(key, format!("invalid type: {} `{value}`, expected {expected}", value.type_str()))
}

fn read_duration(ty: Type, value: &toml::Value, key: &str) -> Result<Value, KeyError> {
    let toml::Value::String(text) = value else {
        return Err(invalid_type(value, key, "a string: a non-negative number and a unit"));
    };
    let nanos = crate::params::duration::duration(key, text)?;
    if nanos == 0 && matches!(ty, Type::PositiveDuration) {
        return Err(KeyError::new(key, "must be longer than 0"));
    }
    Ok(Value::Duration(nanos))
}

/// A TOML number as f64 (integers accepted, as serde did).
fn as_number(value: &toml::Value) -> Option<f64> {
    match value {
        toml::Value::Float(x) => Some(*x),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

fn read_probability(value: &toml::Value, key: &str) -> Result<Value, KeyError> {
    let p = as_number(value).ok_or_else(|| invalid_type(value, key, "a number"))?;
    if !(p > 0.0 && p <= 1.0) {
        let why = if p == 0.0 { "with p = 0 nothing is ever noticed" } else { "a probability is between 0 and 1" };
        return Err(KeyError::new(key, format!("{p} is not a usable probability: {why}"))
            .allowed("above 0, at most 1 (0 < p ≤ 1)"));
    }
    Ok(Value::Number(p))
}

fn read_count(min: u64, max: u64, value: &toml::Value, key: &str) -> Result<Value, KeyError> {
    let toml::Value::Integer(n) = value else {
        return Err(invalid_type(value, key, "an integer"));
    };
    match u64::try_from(*n) {
        Ok(n) if (min..=max).contains(&n) => Ok(Value::Count(n)),
        _ => Err(KeyError::new(key, format!("{n} is out of range")).allowed(format!("{min} to {max}"))),
    }
}

fn read_number(min: f64, open_min: bool, max: f64, value: &toml::Value, key: &str) -> Result<Value, KeyError> {
    let x = as_number(value).ok_or_else(|| invalid_type(value, key, "a number"))?;
    let above_min = if open_min { x > min } else { x >= min };
    if !(above_min && x <= max && x.is_finite()) {
        let ty = Type::Number { min, open_min, max };
        return Err(KeyError::new(key, format!("{x} is out of range")).allowed(ty.describe()));
    }
    Ok(Value::Number(x))
}

fn read_choice(names: &[&'static str], value: &toml::Value, key: &str) -> Result<Value, KeyError> {
    let toml::Value::String(given) = value else {
        return Err(invalid_type(value, key, "a string").allowed(names.join(", ")));
    };
    let noun = key.rsplit('.').next().unwrap_or(key);
    names
        .iter()
        .find(|n| *n == given)
        .map(|n| Value::Choice(n))
        .ok_or_else(|| KeyError::unknown_name(key, noun, given, names))
}

/// A default as printed: required, the fixed text, or how it is derived.
fn default_text(default: DefaultValue) -> String {
    match default {
        DefaultValue::Required => "required".into(),
        DefaultValue::Fixed(text) => text.into(),
        DefaultValue::Derived(how) => how.into(),
    }
}

/// Every strategy of a registry with its parameters, as `discosim list` prints them.
pub(crate) fn listing<F: ?Sized>(registry: &[Strategy<F>]) -> String {
    render(
        registry,
        String::new(),
        Lines {
            strategy: |name, doc| format!("  {name}: {doc}"),
            param: |name, ty, default, doc| format!("      {name} ({ty}; default {default}): {doc}"),
            derived: |name, meaning| format!("      {name} (derived): {meaning}"),
        },
    )
}

/// The README's table of a registry: a row per strategy, then one per parameter. `selector`
/// heads the first column: the key that picks a strategy (`kind`, `dist`, `action`).
pub(crate) fn table_markdown<F: ?Sized>(registry: &[Strategy<F>], selector: &str) -> String {
    let header = format!("| {selector} | parameter | accepts | default | meaning |\n| --- | --- | --- | --- | --- |\n");
    render(
        registry,
        header,
        Lines {
            strategy: |name, doc| format!("| `{name}` | | | | {doc} |"),
            param: |name, ty, default, doc| format!("|  | `{name}` | {ty} | {default} | {doc} |"),
            derived: |name, meaning| format!("|  | `{name}` | derived (formula variable) | | {meaning} |"),
        },
    )
}

/// How one rendering of a registry writes each kind of line.
struct Lines {
    strategy: fn(&str, &str) -> String,
    param: fn(&str, &str, &str, &str) -> String,
    derived: fn(&str, &str) -> String,
}

/// A registry's strategies, each followed by its parameters and derived variables.
fn render<F: ?Sized>(registry: &[Strategy<F>], mut out: String, lines: Lines) -> String {
    for strategy in registry {
        let _ = writeln!(out, "{}", (lines.strategy)(strategy.name, strategy.doc));
        for p in strategy.params {
            let (ty, default) = (p.ty.describe(), default_text(p.default));
            let _ = writeln!(out, "{}", (lines.param)(p.name, &ty, &default, p.doc));
        }
        for (name, meaning) in strategy.derived {
            let _ = writeln!(out, "{}", (lines.derived)(name, meaning));
        }
    }
    out
}

/// The numeric parameter names (then the derived variables) of a registry, each once, in registry order: formula aliases.
pub(crate) fn variable_names<F: ?Sized>(registry: &[Strategy<F>]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    let numeric = registry
        .iter()
        .flat_map(|s| s.params.iter())
        .filter(|p| !matches!(p.ty, Type::Choice(_) | Type::File | Type::Indices));
    let derived = registry.iter().flat_map(|s| s.derived.iter().map(|(name, _)| *name));
    for name in numeric.map(|p| p.name).chain(derived) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The path that `examples` gives a file parameter: tests place such a file beside the scenario.
pub const SAMPLE_FILE: &str = "samples.csv";

/// A value of `ty` that its checks accept, as a scenario would write it (for examples and tests).
fn sample(ty: Type) -> toml::Value {
    match ty {
        Type::Duration | Type::PositiveDuration => toml::Value::String("1s".into()),
        Type::Probability => toml::Value::Float(0.5),
        Type::Count { min, .. } => toml::Value::Integer(i64::try_from(min.max(1)).unwrap_or(1)),
        Type::Number { min, open_min, .. } => toml::Value::Float(if open_min { min + 1.0 } else { min }),
        Type::Choice(names) => toml::Value::String(names.first().copied().unwrap_or_default().into()),
        Type::File => toml::Value::String(SAMPLE_FILE.into()),
        Type::Indices => toml::Value::Array(vec![toml::Value::Integer(0)]),
        Type::Flag => toml::Value::Boolean(false),
    }
}

/// Tables that select `strategy`: its required parameters with sample values, then one more
/// per further choice of each choice parameter (so that every form of a strategy runs).
pub fn examples<F: ?Sized>(strategy: &Strategy<F>) -> Vec<toml::Table> {
    let mut base = toml::Table::new();
    base.insert("kind".into(), toml::Value::String(strategy.name.into()));
    for p in strategy.params.iter().filter(|p| matches!(p.default, DefaultValue::Required)) {
        base.insert(p.name.into(), sample(p.ty));
    }
    let mut tables = vec![base.clone()];
    for p in strategy.params {
        let Type::Choice(names) = p.ty else { continue };
        for name in names.iter().skip(1) {
            let mut table = base.clone();
            table.insert(p.name.into(), toml::Value::String((*name).into()));
            tables.push(table);
        }
    }
    tables
}

/// `examples` for a table whose strategy is picked by `selector` instead of `kind` (None: by
/// where the table is, so no key).
pub fn examples_by<F: ?Sized>(strategy: &Strategy<F>, selector: Option<&str>) -> Vec<toml::Table> {
    let mut tables = examples(strategy);
    for table in &mut tables {
        table.remove("kind");
        if let Some(selector) = selector {
            table.insert(selector.into(), toml::Value::String(strategy.name.into()));
        }
    }
    tables
}

#[cfg(test)]
mod tests;
