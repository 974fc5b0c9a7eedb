//! Durations written as strings with a unit ("250ms", "1.5s", "2m"), parsed exactly to ns.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

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

/// What a duration string looks like, for error messages.
pub const DURATION_HELP: &str =
    "a string: a non-negative number and a unit (ns, us, ms, s, m or min, h, d), e.g. \"250ms\", \"1.5s\"";

/// The longest duration: u64 nanoseconds, about 584 years.
const MAX_SECONDS: f64 = u64::MAX as f64 / 1e9;

/// Parses a duration string. Decimal digits are converted with integer arithmetic, so "0.1s" is
/// exactly 100 000 000 ns and no rounding of binary floating point creeps into the schedule.
pub fn parse_duration(text: &str) -> Result<SimTime, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(0);
    }
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = (&text[..split], text[split..].trim());
    if let Some(why) = misshapen(number, unit) {
        return Err(bad(text, &why));
    }
    let scale = unit_scale(unit).ok_or_else(|| bad(text, if unit.is_empty() { "no unit" } else { "unknown unit" }))?;
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return Err(bad(text, "not a number"));
    }
    let too_large = || bad(text, &too_large());
    let mut nanos: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| too_large())? };
    nanos = nanos.checked_mul(scale).ok_or_else(too_large)?;
    let mut place = scale;
    for digit in fraction.bytes() {
        place /= 10;
        nanos += (digit - b'0') as u128 * place;
    }
    u64::try_from(nanos).map_err(|_| too_large())
}

fn unit_scale(unit: &str) -> Option<u128> {
    UNITS.iter().find(|(name, _)| *name == unit).map(|(_, scale)| *scale)
}

/// What is wrong with a duration that is not digits and a unit, when a sign or an exponent
/// explains it better than "unknown unit".
fn misshapen(number: &str, unit: &str) -> Option<String> {
    if number.is_empty() && unit.starts_with('-') {
        return Some("negative; a duration is 0 or more".into());
    }
    if number.is_empty() && unit.starts_with('+') {
        return Some("write it without a sign".into());
    }
    if unit.starts_with(',') {
        return Some("a decimal comma; write a decimal point".into());
    }
    let exponent = unit.strip_prefix(['e', 'E'])?;
    let digits = exponent.find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '+')).unwrap_or(exponent.len());
    if number.is_empty() || digits == 0 {
        return None;
    }
    let value: f64 = format!("{number}e{}", &exponent[..digits]).parse().ok()?;
    let seconds = unit_scale(exponent[digits..].trim()).map(|scale| value * scale as f64 / 1e9);
    Some(match seconds {
        Some(seconds) if seconds > MAX_SECONDS => too_large(),
        _ => "exponent notation is not accepted; write the number in digits".into(),
    })
}

/// A duration given at `key`, or the key's error.
pub fn duration(key: &str, text: &str) -> Result<SimTime, super::KeyError> {
    parse_duration(text).map_err(|message| super::KeyError::new(key, message))
}

fn too_large() -> String {
    format!("too large; at most {}s, about 584 years", MAX_SECONDS.floor())
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
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
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
    fn messages_say_what_is_wrong() {
        let why = |text: &str| parse_duration(text).unwrap_err();
        assert!(why("-1s").contains("(negative; a duration is 0 or more)"), "{}", why("-1s"));
        assert!(why("-0.5ms").contains("negative"));
        assert!(why("1e30s").contains("(too large; at most 18446744073s, about 584 years)"), "{}", why("1e30s"));
        assert!(why("1e3s").contains("exponent notation is not accepted"), "{}", why("1e3s"));
        assert!(why("2.5E-3s").contains("exponent notation is not accepted"));
        assert!(why("99999999999999999999h").contains("too large"));
        assert!(why("600y").contains("unknown unit"));
        assert!(why("+1s").contains("without a sign"));
        assert!(why("1,5s").contains("decimal comma"));
        for text in ["-1s", "1e30s", "600y"] {
            assert!(why(text).ends_with(DURATION_HELP), "{text}: the help text stays");
        }
    }

    #[test]
    fn formats_round_trip() {
        for nanos in [0, 7, 10_000, 250_000_000, 1_500_000_000, 120_000_000_000] {
            assert_eq!(parse_duration(&format_duration(nanos)), Ok(nanos));
        }
    }
}
