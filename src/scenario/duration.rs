//! Durations written as strings with a unit ("250ms", "1.5s", "2m"), parsed exactly to ns.

use crate::engine::SimTime;

const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("min", 60_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
];

pub const DURATION_HELP: &str =
    "a string: a non-negative number and a unit (ns, us, ms, s, m or min, h, d), e.g. \"250ms\", \"1.5s\"";

/// Parses a duration string. Decimal digits are converted with integer arithmetic, so "0.1s" is
/// exactly 100 000 000 ns and no rounding of binary floating point creeps into the schedule.
pub fn parse_duration(text: &str) -> Result<SimTime, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(0);
    }
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = (&text[..split], text[split..].trim());
    let scale = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, scale)| *scale)
        .ok_or_else(|| bad(text, if unit.is_empty() { "no unit" } else { "unknown unit" }))?;
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return Err(bad(text, "not a number"));
    }
    let mut nanos: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad(text, "too large"))? };
    nanos = nanos.checked_mul(scale).ok_or_else(|| bad(text, "too large"))?;
    let mut place = scale;
    for digit in fraction.bytes() {
        place /= 10;
        nanos += (digit - b'0') as u128 * place;
    }
    u64::try_from(nanos).map_err(|_| bad(text, "too large"))
}

fn bad(text: &str, why: &str) -> String {
    format!("invalid duration \"{text}\" ({why}); expected {DURATION_HELP}")
}

/// Formats nanoseconds back into the shortest exact duration string.
pub fn format_duration(nanos: SimTime) -> String {
    for (name, scale) in
        [("h", 3_600_000_000_000u64), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)]
    {
        if nanos >= scale && nanos.is_multiple_of(scale) {
            return format!("{}{name}", nanos / scale);
        }
    }
    if nanos >= 1_000_000_000 {
        return format!("{}s", nanos as f64 / 1e9);
    }
    format!("{nanos}ns")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_exactly() {
        assert_eq!(parse_duration("250ms"), Ok(250_000_000));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_duration("0.1s"), Ok(100_000_000));
        assert_eq!(parse_duration("2m"), Ok(120_000_000_000));
        assert_eq!(parse_duration("2min"), Ok(120_000_000_000));
        assert_eq!(parse_duration("10us"), Ok(10_000));
        assert_eq!(parse_duration("7ns"), Ok(7));
        assert_eq!(parse_duration("1h"), Ok(3_600_000_000_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration(".5s"), Ok(500_000_000));
    }

    #[test]
    fn rejects_nonsense_with_help() {
        for bad in ["", "5", "5 parsecs", "-1s", "1.2.3s", "s", "99999999999999999999h"] {
            let error = parse_duration(bad).unwrap_err();
            assert!(error.contains("invalid duration"), "{bad}: {error}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for nanos in [0, 7, 10_000, 250_000_000, 1_500_000_000, 120_000_000_000] {
            assert_eq!(parse_duration(&format_duration(nanos)), Ok(nanos));
        }
    }
}
