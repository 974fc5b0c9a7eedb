//! Simulated time: integer nanoseconds since the start of a run.

/// A point in simulated time, or a duration, in nanoseconds.
pub type SimTime = u64;

pub const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// Converts nanoseconds to seconds for reporting (never for scheduling).
pub fn to_seconds(nanos: u64) -> f64 {
    nanos as f64 / NANOS_PER_SECOND as f64
}

/// Converts seconds to the nearest nanosecond, saturating at the ends of the range.
pub fn from_seconds(seconds: f64) -> SimTime {
    if seconds.is_nan() || seconds <= 0.0 {
        return 0;
    }
    let nanos = (seconds * NANOS_PER_SECOND as f64).round();
    if nanos >= u64::MAX as f64 { u64::MAX } else { nanos as u64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_trip_and_saturate() {
        assert_eq!(from_seconds(1.5), 1_500_000_000);
        assert_eq!(to_seconds(2_500_000_000), 2.5);
        assert_eq!(from_seconds(-1.0), 0);
        assert_eq!(from_seconds(f64::NAN), 0);
        assert_eq!(from_seconds(1e30), u64::MAX);
    }
}
