//! The retry budget: a token bucket per client. Every request deposits `ratio` tokens and time
//! deposits `floor` tokens per second; a retry takes one token. The bucket holds at most ten
//! seconds' worth of deposits, so a quiet period cannot bank a storm (Finagle's RetryBudget
//! works the same way).

use crate::engine::SimTime;
use crate::engine::time::to_seconds;

#[derive(Clone, Debug)]
pub(crate) struct Budget {
    ratio: f64,
    floor: f64,
    capacity: f64,
    tokens: f64,
    updated: SimTime,
}

impl Budget {
    /// `rate` is the client's request rate (per second), to size the bucket.
    pub(crate) fn new(ratio: f64, floor: f64, rate: f64) -> Self {
        let capacity = (10.0 * (ratio * rate + floor)).max(1.0);
        Budget { ratio, floor, capacity, tokens: capacity.min(10.0 * floor), updated: 0 }
    }

    fn refill(&mut self, now: SimTime) {
        self.tokens = (self.tokens + self.floor * to_seconds(now.saturating_sub(self.updated))).min(self.capacity);
        self.updated = now;
    }

    /// A request was issued.
    pub(crate) fn deposit(&mut self, now: SimTime) {
        self.refill(now);
        self.tokens = (self.tokens + self.ratio).min(self.capacity);
    }

    /// Takes a token for a retry, if there is one.
    pub(crate) fn withdraw(&mut self, now: SimTime) -> bool {
        self.refill(now);
        // The tolerance keeps ten deposits of 0.1 (0.9999999999999999 in binary) worth a token.
        if self.tokens >= 1.0 - 1e-9 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With 10 % and no floor, 100 requests allow 10 retries, and not 11.
    #[test]
    fn retries_are_a_fraction_of_requests() {
        let mut b = Budget::new(0.1, 0.0, 100.0);
        for _ in 0..100 {
            b.deposit(0);
        }
        assert_eq!((0..20).filter(|_| b.withdraw(0)).count(), 10);
    }

    #[test]
    fn the_floor_refills_with_time_up_to_the_capacity() {
        let mut b = Budget::new(0.1, 2.0, 0.0);
        while b.withdraw(0) {}
        assert!(!b.withdraw(0));
        assert!(b.withdraw(500_000_000), "one token after half a second at 2 per second");
        let allowed = (0..100).filter(|_| b.withdraw(3_600_000_000_000)).count();
        assert_eq!(allowed, 20, "capped at ten seconds of floor deposits");
    }
}
