//! Simulated time: integer nanoseconds since the start of a run.

/// A point in simulated time, or a duration, in nanoseconds.
pub type SimTime = u64;

/// Nanoseconds in one second.
pub const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// Converts nanoseconds to seconds for reporting (never for scheduling).
pub fn to_seconds(nanos: u64) -> f64 {
    let value = match i64::try_from(nanos) {
        // The same correctly rounded value; x86-64 converts signed integers in one
        // instruction, unsigned ones in five (this sits in every sampled delay).
        Ok(signed) => signed as f64,
        Err(_) => nanos as f64,
    };
    value / NANOS_PER_SECOND as f64
}

/// Converts seconds to the nearest nanosecond, saturating at the ends of the range.
pub fn from_seconds(seconds: f64) -> SimTime {
    if seconds.is_nan() || seconds <= 0.0 {
        return 0;
    }
    let nanos = seconds * NANOS_PER_SECOND as f64;
    if nanos >= u64::MAX as f64 {
        return u64::MAX;
    }
    // Rounds half away from zero exactly as `f64::round`, whose library call (no SSE4.1 in
    // the baseline x86-64 target) took 4 % of a heartbeat run: the fraction of a double is
    // exact, so comparing it with one half decides the same way.
    // Below 2^63 the signed conversions give the same values in fewer instructions.
    if nanos < I64_LIMIT {
        let whole = nanos as i64;
        return whole as u64 + u64::from(nanos - whole as f64 >= 0.5);
    }
    let whole = nanos as u64;
    whole + u64::from(nanos - whole as f64 >= 0.5)
}

/// 2^63, the first value outside `i64`.
const I64_LIMIT: f64 = 9_223_372_036_854_775_808.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_trip_and_saturate() {
        for nanos in [0, 1, 999, i64::MAX as u64, i64::MAX as u64 + 1, u64::MAX] {
            assert_eq!(to_seconds(nanos), nanos as f64 / 1e9);
        }
        assert_eq!(from_seconds(1.5), 1_500_000_000);
        assert_eq!(to_seconds(2_500_000_000), 2.5);
        assert_eq!(from_seconds(-1.0), 0);
        assert_eq!(from_seconds(f64::NAN), 0);
        assert_eq!(from_seconds(1e30), u64::MAX);
    }

    #[test]
    fn rounding_is_that_of_f64_round() {
        let reference = |s: f64| (s * NANOS_PER_SECOND as f64).round() as u64;
        let halves = [
            2.5e-9,
            3.5e-9,
            0.4999999999999999e-9,
            1.0000000005,
            7.123456789e3,
            9.3e9,  // above 2^63 ns
            1.8e10, // near the top of u64
        ];
        for s in halves {
            assert_eq!(from_seconds(s), reference(s), "{s}");
        }
        let mut x: u64 = 0x1234_5678;
        for _ in 0..100_000 {
            x = crate::engine::random::mix64(x);
            let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
            let s = unit * 10f64.powi((x % 16) as i32 - 9); // 1 ns to 1e6 s
            assert_eq!(from_seconds(s), reference(s), "{s}");
        }
    }
}
