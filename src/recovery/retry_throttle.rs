//! gRPC's retry throttling (gRFC A6), per client: `token_count` starts at `max_tokens`, falls
//! by 1 on every failed attempt and rises by `token_ratio` on every successful one (within
//! [0, max_tokens]); retries and hedges are sent only while token_count > max_tokens / 2.
//! Counted in thousandths of a token, as gRPC's implementations do (the ratio has at most three
//! decimals there), so that no sum of ratios drifts by rounding.

/// One client's retry-throttling tokens.
#[derive(Clone, Debug)]
pub(crate) struct RetryTokens {
    /// All in thousandths of a token.
    max: u64,
    ratio: u64,
    count: u64,
}

impl RetryTokens {
    pub(crate) fn new(max_tokens: f64, token_ratio: f64) -> Self {
        let max = (max_tokens * 1000.0).round() as u64;
        RetryTokens { max, ratio: (token_ratio * 1000.0).round() as u64, count: max }
    }

    /// An attempt's outcome reached the client.
    pub(crate) fn record(&mut self, ok: bool) {
        self.count = if ok { (self.count + self.ratio).min(self.max) } else { self.count.saturating_sub(1000) };
    }

    /// Whether a retry or hedge may be sent now.
    pub(crate) fn allows(&self) -> bool {
        2 * self.count > self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From 10 tokens, five failures leave 5 = max/2: no more retries; ten successes at 0.1
    /// bring back one token (exactly, in thousandths): 6 > 5, retries again.
    #[test]
    fn retries_stop_at_half_the_tokens_and_resume() {
        let mut t = RetryTokens::new(10.0, 0.1);
        (0..4).for_each(|_| t.record(false));
        assert!(t.allows());
        t.record(false);
        assert!(!t.allows(), "token_count 5 is not above max/2");
        (0..10).for_each(|_| t.record(true));
        assert!(t.allows());
        (0..1000).for_each(|_| t.record(true));
        assert_eq!(t.count, 10_000, "capped at max_tokens");
        (0..20).for_each(|_| t.record(false));
        assert_eq!(t.count, 0, "never below 0");
    }
}
