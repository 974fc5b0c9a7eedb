//! The `[sweep]` table: lists, ranges and zipped groups of keys, expanded into sweep points.
//!
//! ```toml
//! [sweep]
//! "network.loss" = [0.0, 0.01, 0.1]                                   # a list
//! "cluster.instances" = { from = 100, to = 400, step = 100 }          # a linear range
//! "detector.interval" = { from = "0.1s", to = "10s", points = 5, scale = "log" }
//! [[sweep.zip]]                 # keys that move together, element by element
//! "detector.interval" = ["1s", "2s", "4s"]
//! "detector.timeout" = ["2s", "4s", "8s"]
//! ```
//! Entries (and zip groups) are crossed in the order written, the first varying slowest.

use super::duration::{format_duration, parse_duration};
use super::error::KeyError;
use toml::Value;

/// Most values one range may produce: a guard against `step = "1ns"` over an hour.
const MAX_RANGE_VALUES: usize = 100_000;

/// One dimension of the sweep: one or more keys (zipped) and their rows of values.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Axis {
    pub keys: Vec<String>,
    /// Where each key is written, as a locator path (for error messages).
    pub places: Vec<String>,
    /// rows[i][k] is the value of keys[k] at position i of this axis.
    pub rows: Vec<Vec<Value>>,
}

/// Reads the `[sweep]` table into axes, in the order written.
pub(crate) fn axes(table: &toml::Table) -> Result<Vec<Axis>, KeyError> {
    let Some(sweep) = table.get("sweep") else {
        return Ok(Vec::new());
    };
    let sweep = sweep.as_table().ok_or_else(|| KeyError::new("sweep", "must be a table of \"key\" = [values]"))?;
    let mut axes = Vec::new();
    for (key, entry) in sweep {
        if key == "zip" {
            for (index, group) in zip_groups(entry)?.into_iter().enumerate() {
                axes.push(zip_axis(group, &format!("sweep.zip[{index}]"))?);
            }
            continue;
        }
        let place = format!("sweep.\"{key}\"");
        let values = values(entry, &place)?;
        axes.push(Axis {
            keys: vec![key.clone()],
            places: vec![place],
            rows: values.into_iter().map(|v| vec![v]).collect(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for key in axes.iter().flat_map(|a| &a.keys) {
        if !seen.insert(key) {
            return Err(KeyError::new("sweep", format!("`{key}` is swept twice")));
        }
    }
    Ok(axes)
}

fn zip_groups(entry: &Value) -> Result<Vec<&toml::Table>, KeyError> {
    match entry {
        Value::Table(table) => Ok(vec![table]),
        Value::Array(groups) => groups
            .iter()
            .map(|g| g.as_table().ok_or_else(|| KeyError::new("sweep.zip", "must be tables of \"key\" = [values]")))
            .collect(),
        _ => Err(KeyError::new(
            "sweep.zip",
            "must be a table ([sweep.zip]) or tables ([[sweep.zip]]) of \"key\" = [values]",
        )),
    }
}

fn zip_axis(group: &toml::Table, prefix: &str) -> Result<Axis, KeyError> {
    let mut axis = Axis { keys: Vec::new(), places: Vec::new(), rows: Vec::new() };
    let mut columns = Vec::new();
    for (key, entry) in group {
        let place = format!("{prefix}.\"{key}\"");
        let column = values(entry, &place)?;
        if let Some(first) = columns.first().map(Vec::len).filter(|&n| n != column.len()) {
            return Err(KeyError::new(
                &place,
                format!(
                    "has {} values but `{}` has {first}: zipped keys move together, so their lists must be as long",
                    column.len(),
                    axis.keys.first().map_or("", String::as_str)
                ),
            ));
        }
        axis.keys.push(key.clone());
        axis.places.push(place);
        columns.push(column);
    }
    if columns.is_empty() {
        return Err(KeyError::new(prefix, "an empty zip group: give at least one \"key\" = [values]"));
    }
    // Every column has the first one's length (checked above).
    let length = columns.first().map_or(0, Vec::len);
    axis.rows = (0..length).map(|i| columns.iter().filter_map(|c| c.get(i).cloned()).collect()).collect();
    Ok(axis)
}

/// The values of one sweep entry: a non-empty list, or a range table.
fn values(entry: &Value, place: &str) -> Result<Vec<Value>, KeyError> {
    match entry {
        Value::Array(list) if list.is_empty() => {
            Err(KeyError::new(place, "is an empty list: a sweep needs at least one value"))
        }
        Value::Array(list) => Ok(list.clone()),
        Value::Table(range) => expand_range(range, place),
        _ => Err(KeyError::new(place, "must be a list of values or a range")
            .allowed("[v1, v2, ...], { from, to, step }, { from, to, points, scale = \"linear\" | \"log\" }")),
    }
}

const RANGE_KEYS: &[&str] = &["from", "to", "step", "points", "scale"];

/// Expands `{ from, to, step }` or `{ from, to, points, scale }` over durations or numbers.
fn expand_range(range: &toml::Table, place: &str) -> Result<Vec<Value>, KeyError> {
    if let Some(unknown) = range.keys().find(|k| !RANGE_KEYS.contains(&k.as_str())) {
        let mut error = KeyError::unknown_name(format!("{place}.{unknown}"), "range key", unknown, RANGE_KEYS);
        error.message = format!("unknown range key `{unknown}`");
        return Err(error);
    }
    let (Some(from), Some(to)) = (range.get("from"), range.get("to")) else {
        return Err(KeyError::new(place, "a range needs `from` and `to`").allowed(RANGE_KEYS.join(", ")));
    };
    let log = match range.get("scale").map(|s| s.as_str()) {
        None | Some(Some("linear")) => false,
        Some(Some("log")) => true,
        Some(_) => {
            return Err(KeyError::new(format!("{place}.scale"), "unknown scale").allowed("linear, log"));
        }
    };
    let spacing = spacing(range, log, place)?;
    let values = match (from, to) {
        (Value::String(a), Value::String(b)) => duration_range(a, b, range.get("step"), spacing, log, place)?,
        _ => number_range(
            number(from, place, "from")?,
            number(to, place, "to")?,
            spacing,
            log,
            place,
            all_integers(range),
        )?,
    };
    if values.is_empty() {
        return Err(KeyError::new(place, "the range holds no value"));
    }
    Ok(values)
}

/// How a range is divided.
#[derive(Clone, Copy)]
enum Spacing {
    Step(f64),
    Points(usize),
}

fn spacing(range: &toml::Table, log: bool, place: &str) -> Result<Spacing, KeyError> {
    match (range.get("step"), range.get("points")) {
        (Some(_), Some(_)) => Err(KeyError::new(place, "give `step` or `points`, not both")),
        (Some(_), None) if log => Err(KeyError::new(format!("{place}.step"), "a log range is given by `points`")),
        (Some(step), None) => match step {
            Value::String(_) => Ok(Spacing::Step(0.0)), // a duration step, read with the bounds
            other => Ok(Spacing::Step(number(other, place, "step")?)),
        },
        (None, Some(points)) => match points.as_integer() {
            Some(n) if (1..=MAX_RANGE_VALUES as i64).contains(&n) => Ok(Spacing::Points(n as usize)),
            _ => Err(KeyError::new(format!("{place}.points"), "must be a whole number")
                .allowed(format!("1 to {MAX_RANGE_VALUES}"))),
        },
        (None, None) => Err(KeyError::new(place, "a range needs `step` or `points`")),
    }
}

fn number(value: &Value, place: &str, name: &str) -> Result<f64, KeyError> {
    match value {
        Value::Integer(i) => Ok(*i as f64),
        Value::Float(f) if f.is_finite() => Ok(*f),
        _ => Err(KeyError::new(format!("{place}.{name}"), "must be a number (or, for both bounds, a duration string)")),
    }
}

fn all_integers(range: &toml::Table) -> bool {
    ["from", "to", "step"].iter().all(|k| range.get(*k).is_none_or(Value::is_integer))
}

/// Positions of `points` evenly spaced values as fractions of the span, 0 to 1.
fn fractions(points: usize) -> impl Iterator<Item = f64> {
    (0..points).map(move |i| if points == 1 { 0.0 } else { i as f64 / (points - 1) as f64 })
}

fn number_range(
    from: f64,
    to: f64,
    spacing: Spacing,
    log: bool,
    place: &str,
    integers: bool,
) -> Result<Vec<Value>, KeyError> {
    check_bounds(from, to, log, place)?;
    let raw: Vec<f64> = match spacing {
        Spacing::Step(step) => {
            if step.is_nan() || step <= 0.0 {
                return Err(KeyError::new(format!("{place}.step"), "must be above 0"));
            }
            let count = ((to - from) / step + 1e-9).floor() as usize + 1;
            if count > MAX_RANGE_VALUES {
                return Err(KeyError::new(
                    format!("{place}.step"),
                    format!("gives {count} values, more than {MAX_RANGE_VALUES}"),
                ));
            }
            (0..count).map(|i| from + i as f64 * step).collect()
        }
        Spacing::Points(n) if log => fractions(n).map(|f| from * (to / from).powf(f)).collect(),
        Spacing::Points(n) => fractions(n).map(|f| from + f * (to - from)).collect(),
    };
    // Whole-number bounds and steps give integers (instance counts); anything else floats.
    let whole = integers && raw.iter().all(|x| round10(*x).fract() == 0.0);
    Ok(raw
        .into_iter()
        .map(|x| if whole { Value::Integer(round10(x) as i64) } else { Value::Float(round10(x)) })
        .collect())
}

fn duration_range(
    from: &str,
    to: &str,
    step: Option<&Value>,
    spacing: Spacing,
    log: bool,
    place: &str,
) -> Result<Vec<Value>, KeyError> {
    let parse = |text: &str, name: &str| parse_duration(text).map_err(|m| KeyError::new(format!("{place}.{name}"), m));
    let (a, b) = (parse(from, "from")?, parse(to, "to")?);
    check_bounds(a as f64, b as f64, log, place)?;
    let nanos: Vec<u64> = match spacing {
        Spacing::Step(_) => {
            let step = match step {
                Some(Value::String(s)) => parse(s, "step")?,
                _ => {
                    return Err(KeyError::new(
                        format!("{place}.step"),
                        "must be a duration like the bounds, e.g. \"1s\"",
                    ));
                }
            };
            if step == 0 {
                return Err(KeyError::new(format!("{place}.step"), "must be above 0"));
            }
            let count = ((b - a) / step) as usize + 1;
            if count > MAX_RANGE_VALUES {
                return Err(KeyError::new(
                    format!("{place}.step"),
                    format!("gives {count} values, more than {MAX_RANGE_VALUES}"),
                ));
            }
            (0..count as u64).map(|i| a + i * step).collect()
        }
        Spacing::Points(n) if log => {
            fractions(n).map(|f| (a as f64 * (b as f64 / a as f64).powf(f)).round() as u64).collect()
        }
        Spacing::Points(n) => fractions(n).map(|f| a + (f * (b - a) as f64).round() as u64).collect(),
    };
    Ok(nanos.into_iter().map(|n| Value::String(format_duration(n))).collect())
}

fn check_bounds(from: f64, to: f64, log: bool, place: &str) -> Result<(), KeyError> {
    if to < from {
        return Err(KeyError::new(format!("{place}.to"), "must not be below `from`"));
    }
    if log && from <= 0.0 {
        return Err(KeyError::new(format!("{place}.from"), "a log range must start above 0"));
    }
    Ok(())
}

/// Rounds to 10 significant digits, so 0.1 + 0.2 is written 0.3.
fn round10(x: f64) -> f64 {
    format!("{x:.9e}").parse().unwrap_or(x)
}

/// How many points the axes give, counted without building them (saturating: a sweep of
/// 10^40 points is counted, not overflowed).
pub(crate) fn count_points(axes: &[Axis]) -> u128 {
    axes.iter().fold(1u128, |count, axis| count.saturating_mul(axis.rows.len() as u128))
}

/// Refuses a sweep of more than `MAX_SWEEP_POINTS` points before any is built: building them
/// is itself the cost, so no `--force` lifts this.
pub(crate) fn check_count(axes: &[Axis]) -> Result<(), KeyError> {
    let (count, cap) = (count_points(axes), crate::preflight::MAX_SWEEP_POINTS);
    if count <= cap {
        return Ok(());
    }
    let sizes: Vec<String> = axes.iter().map(|a| a.rows.len().to_string()).collect();
    Err(KeyError::new(
        "sweep",
        format!(
            "gives {count} sweep points ({}), more than the cap of {cap}; every point is built before anything runs, so --force cannot lift it: sweep fewer values, or split the sweep into several scenario files",
            sizes.join(" × ")
        ),
    ))
}

/// Every combination of the axes' rows, the first axis varying slowest.
pub(crate) fn points(axes: &[Axis]) -> Vec<Vec<(String, Value)>> {
    let mut points = vec![Vec::new()];
    for axis in axes {
        points = points
            .into_iter()
            .flat_map(|prefix| {
                axis.rows.iter().map(move |row| {
                    let mut point = prefix.clone();
                    point.extend(axis.keys.iter().cloned().zip(row.iter().cloned()));
                    point
                })
            })
            .collect();
    }
    points
}

/// Removes `key` from the sweep (a `--set` of a swept key pins it to one value).
pub(crate) fn pin(table: &mut toml::Table, key: &str) {
    let Some(sweep) = table.get_mut("sweep").and_then(Value::as_table_mut) else {
        return;
    };
    sweep.remove(key);
    match sweep.get_mut("zip") {
        Some(Value::Table(group)) => {
            group.remove(key);
        }
        Some(Value::Array(groups)) => {
            for group in groups.iter_mut().filter_map(Value::as_table_mut) {
                group.remove(key);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn sweep(text: &str) -> Result<Vec<Axis>, KeyError> {
        axes(&toml::from_str(text).unwrap())
    }

    fn texts(axis: &Axis) -> Vec<String> {
        axis.rows.iter().map(|r| r.iter().map(super::super::value_text).collect::<Vec<_>>().join("/")).collect()
    }

    #[test]
    fn ranges_of_durations_and_numbers() {
        let axes = sweep("[sweep]\na = { from = \"1s\", to = \"2s\", step = \"250ms\" }\nb = { from = 0.1, to = 0.5, step = 0.1 }\nc = { from = 100, to = 300, step = 100 }\nd = { from = \"0.1s\", to = \"10s\", points = 3, scale = \"log\" }\ne = { from = 0, to = 1, points = 3 }\nf = { from = 10, to = 1000, points = 3, scale = \"log\" }\n").unwrap();
        assert_eq!(texts(&axes[0]), ["1s", "1250ms", "1500ms", "1750ms", "2s"]);
        assert_eq!(texts(&axes[1]), ["0.1", "0.2", "0.3", "0.4", "0.5"]);
        assert_eq!(texts(&axes[2]), ["100", "200", "300"]);
        assert_eq!(texts(&axes[3]), ["100ms", "1s", "10s"]);
        assert_eq!(texts(&axes[4]), ["0.0", "0.5", "1.0"]);
        assert_eq!(texts(&axes[5]), ["10", "100", "1000"]);
    }

    #[test]
    fn zip_groups_move_together_and_cross_with_the_rest() {
        let axes = sweep("[sweep]\n\"network.loss\" = [0.0, 0.1]\n[[sweep.zip]]\n\"detector.interval\" = [\"1s\", \"2s\", \"4s\"]\n\"detector.timeout\" = [\"2s\", \"4s\", \"8s\"]\n").unwrap();
        assert_eq!(axes[1].keys, ["detector.interval", "detector.timeout"]);
        assert_eq!(texts(&axes[1]), ["1s/2s", "2s/4s", "4s/8s"]);
        let points = points(&axes);
        assert_eq!(points.len(), 6);
        assert_eq!(points[4].iter().map(|(_, v)| super::super::value_text(v)).collect::<Vec<_>>(), ["0.1", "2s", "4s"]);
    }

    #[test]
    fn bad_sweeps_say_what_is_wrong() {
        let cases = [
            ("a = []", "sweep.\"a\"", "empty"),
            ("a = { from = 1, to = 0, step = 1 }", "sweep.\"a\".to", "below"),
            ("a = { from = 1, to = 2 }", "sweep.\"a\"", "`step` or `points`"),
            ("a = { from = 1, to = 2, stp = 1 }", "sweep.\"a\".stp", "unknown range key"),
            ("a = { from = 0, to = 2, points = 3, scale = \"log\" }", "sweep.\"a\".from", "above 0"),
            ("a = { from = \"1s\", to = \"1h\", step = \"1ns\" }", "sweep.\"a\".step", "more than"),
            ("a = 3", "sweep.\"a\"", "list of values or a range"),
        ];
        for (entry, key, message) in cases {
            let e = sweep(&format!("[sweep]\n{entry}\n")).unwrap_err();
            assert_eq!(e.key, key, "{entry}");
            assert!(e.message.contains(message), "{entry}: {}", e.message);
        }
        let e = sweep("[sweep.zip]\na = [1, 2]\nb = [1]\n").unwrap_err();
        assert!(e.message.contains("as long"), "{}", e.message);
        let e = sweep("[sweep]\na = [1]\n[sweep.zip]\na = [1]\n").unwrap_err();
        assert!(e.message.contains("twice"), "{}", e.message);
    }

    #[test]
    fn points_are_counted_without_building_them() {
        let axes = sweep("[sweep]\na = { from = 1, to = 100000, step = 1 }\nb = { from = 1, to = 100000, step = 1 }\n")
            .unwrap();
        assert_eq!(count_points(&axes), 10_000_000_000);
        let e = check_count(&axes).unwrap_err();
        assert!(e.message.contains("10000000000 sweep points (100000 × 100000)"), "{}", e.message);
        assert!(e.message.contains("--force cannot"), "{}", e.message);
        assert_eq!(count_points(&[]), 1);
        assert!(check_count(&axes[..1]).is_ok());
    }

    #[test]
    fn pinning_removes_a_key_from_lists_and_zip_groups() {
        let mut table: toml::Table = toml::from_str("[sweep]\na = [1, 2]\n[sweep.zip]\nb = [1]\nc = [2]\n").unwrap();
        pin(&mut table, "a");
        pin(&mut table, "b");
        let axes = axes(&table).unwrap();
        assert_eq!(axes.len(), 1);
        assert_eq!(axes[0].keys, ["c"]);
    }
}
