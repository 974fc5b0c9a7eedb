//! Reads `[[expect]]` tables: checks the metric, the formula and its variables before anything
//! runs, and computes each expectation's predicted value at every sweep point it applies to.

use super::error::KeyError;
use super::file::{RawExpect, from_value};
use super::{Point, value_text};
use crate::expect::formula::Formula;
use crate::expect::{Expectation, Holds, variables};

/// An expectation with its parsed formula and its `where` filter.
pub(super) struct Parsed {
    pub expectation: Expectation,
    formula: Formula,
    filter: Vec<(String, Vec<String>)>,
}

/// Takes the `expect` array out of the scenario table (expectations are not swept).
pub(super) fn take(table: &mut toml::Table) -> Result<Vec<Parsed>, KeyError> {
    let Some(value) = table.remove("expect") else { return Ok(Vec::new()) };
    let raws: Vec<RawExpect> = from_value(value, "expect")?;
    raws.into_iter().enumerate().map(|(i, raw)| parse(raw, i)).collect()
}

fn parse(raw: RawExpect, index: usize) -> Result<Parsed, KeyError> {
    let key = |name: &str| format!("expect[{index}].{name}");
    let holds_name = raw.holds.as_deref().unwrap_or("mean");
    let holds = Holds::from_name(holds_name)
        .ok_or_else(|| KeyError::unknown_name(key("holds"), "kind of expectation", holds_name, Holds::NAMES))?;
    let tolerance = raw.tolerance.unwrap_or(0.0);
    if !(tolerance >= 0.0 && tolerance.is_finite()) {
        return Err(KeyError::new(key("tolerance"), format!("{tolerance} is not a relative tolerance"))
            .allowed("0 or more, e.g. 0.05 for 5 %"));
    }
    let formula = Formula::parse(&raw.formula).map_err(|m| KeyError::new(key("formula"), m))?;
    let filter = filter(raw.filter, &key("where"))?;
    let name = raw.name.unwrap_or_else(|| format!("{} {} {}", raw.metric, holds.name(), raw.formula));
    Ok(Parsed {
        expectation: Expectation { name, metric: raw.metric, formula: raw.formula, holds, tolerance },
        formula,
        filter,
    })
}

fn filter(table: Option<toml::Table>, key: &str) -> Result<Vec<(String, Vec<String>)>, KeyError> {
    let mut out = Vec::new();
    for (swept, values) in table.unwrap_or_default() {
        let Some(list) = values.as_array() else {
            return Err(KeyError::new(format!("{key}.{swept}"), "must be a list of values of that swept key"));
        };
        out.push((swept, list.iter().map(value_text).collect()));
    }
    Ok(out)
}

/// Checks the expectations against one sweep point (its metric names, its variables) and
/// stores their predicted values in it.
pub(super) fn predict(parsed: &[Parsed], point: &mut Point, table: &toml::Table) -> Result<(), KeyError> {
    let metrics = point.scenario.metric_names();
    let vars = variables::of_point(table, &point.scenario);
    for (index, p) in parsed.iter().enumerate() {
        let key = |name: &str| format!("expect[{index}].{name}");
        for (swept, _) in &p.filter {
            if !point.params.iter().any(|(k, _)| k == swept) {
                return Err(KeyError::new(key("where"), format!("`{swept}` is not a swept key")));
            }
        }
        // Points of one sweep may report different metrics (self-preservation's with one
        // preset only): the metric must exist where the expectation applies.
        if !applies(&p.filter, &point.params) {
            continue;
        }
        if !metrics.contains(&p.expectation.metric) {
            let names: Vec<&str> = metrics.iter().map(String::as_str).collect();
            return Err(KeyError::unknown_name(
                key("metric"),
                "metric",
                &p.expectation.metric,
                &crate::metrics::alike(&p.expectation.metric, &names),
            ));
        }
        if let Some(unknown) = p.formula.variables().into_iter().find(|v| !vars.contains_key(v)) {
            let mut error = KeyError::new(key("formula"), format!("unknown variable `{unknown}`"))
                .allowed("scenario keys by dotted name (durations in seconds) and the aliases of `discosim formulas`");
            error.suggestion = super::error::closest(&unknown, vars.keys().map(String::as_str));
            return Err(error);
        }
        let predicted = p.formula.evaluate(&vars).map_err(|m| bad_prediction(p, point, &key("formula"), &m))?;
        if !predicted.is_finite() {
            let why = format!("the formula gives {predicted}; a prediction must be a finite number");
            return Err(bad_prediction(p, point, &key("formula"), &why)
                .allowed("a formula finite at every sweep point it applies to (narrow those with `where`)"));
        }
        point.predictions.push((index, predicted));
    }
    Ok(())
}

/// An expectation that cannot be evaluated at `point`: names it and the point's swept values.
fn bad_prediction(p: &Parsed, point: &Point, key: &str, why: &str) -> KeyError {
    let at = if point.params.is_empty() {
        "the scenario's only point".to_string()
    } else {
        let values: Vec<String> = point.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        format!("the sweep point {}", values.join(", "))
    };
    KeyError::new(key, format!("expectation \"{}\" at {at}: {why}", p.expectation.name))
}

fn applies(filter: &[(String, Vec<String>)], params: &[(String, String)]) -> bool {
    filter.iter().all(|(key, allowed)| params.iter().any(|(k, v)| k == key && allowed.contains(v)))
}
