//! Adaptive throttling (Google SRE book, "Handling Overload"): each client counts, over a
//! sliding window, the requests its application asked to send (`requests`, locally rejected
//! ones included) and those the backend accepted (`accepts`), and rejects a new one locally
//! with probability max(0, (requests − K·accepts) / (requests + 1)). The window is kept in 100
//! bins (as gRPC-Go's adaptive throttler keeps its lookback), so it slides in steps of a
//! hundredth of its length and holds constant memory.

use crate::engine::SimTime;

/// Bins of the window.
const BINS: usize = 100;

/// One client's adaptive throttler.
#[derive(Clone, Debug)]
pub(crate) struct Throttle {
    k: f64,
    /// Length of one bin (at least 1 ns).
    width: SimTime,
    /// (requests, accepts) per bin; the bin of time t is (t / width) mod BINS.
    bins: Vec<(u32, u32)>,
    /// The newest bin's number, t / width.
    newest: u64,
    /// Sums over the bins.
    requests: u64,
    accepts: u64,
}

impl Throttle {
    pub(crate) fn new(k: f64, window: SimTime) -> Self {
        let width = (window / BINS as u64).max(1);
        Throttle { k, width, bins: vec![(0, 0); BINS], newest: 0, requests: 0, accepts: 0 }
    }

    /// Moves the window to `now`: bins that fell out of it are emptied.
    fn advance(&mut self, now: SimTime) -> usize {
        let bin = now / self.width;
        let stale = bin.saturating_sub(self.newest).min(BINS as u64);
        for k in 1..=stale {
            let (requests, accepts) = std::mem::take(&mut self.bins[((self.newest + k) % BINS as u64) as usize]);
            self.requests -= requests as u64;
            self.accepts -= accepts as u64;
        }
        self.newest = self.newest.max(bin);
        (self.newest % BINS as u64) as usize
    }

    /// The probability of rejecting a request asked for at `now` (before it is counted).
    pub(crate) fn rejection(&mut self, now: SimTime) -> f64 {
        self.advance(now);
        let (requests, accepts) = (self.requests as f64, self.accepts as f64);
        ((requests - self.k * accepts) / (requests + 1.0)).max(0.0)
    }

    /// The application asked for a request at `now` (sent or rejected locally).
    pub(crate) fn requested(&mut self, now: SimTime) {
        let bin = self.advance(now);
        self.bins[bin].0 += 1;
        self.requests += 1;
    }

    /// The backend accepted a request (its answer reached the client at `now`).
    pub(crate) fn accepted(&mut self, now: SimTime) {
        let bin = self.advance(now);
        self.bins[bin].1 += 1;
        self.accepts += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10 requests and 3 accepts in the window: (10 − 2·3)/(10 + 1) = 4/11; a window later
    /// they are gone and nothing is rejected.
    #[test]
    fn rejection_follows_the_window_counts() {
        let mut t = Throttle::new(2.0, 1_000);
        (0..10).for_each(|_| t.requested(5));
        (0..3).for_each(|_| t.accepted(7));
        assert_eq!(t.rejection(990), 4.0 / 11.0);
        assert_eq!(t.rejection(1_000), 0.0, "the bin of time 0..10 left the window");
        (0..5).for_each(|_| t.accepted(1_500));
        (0..5).for_each(|_| t.requested(1_500));
        assert_eq!(t.rejection(1_600), 0.0, "accepts × K above requests: no rejection");
    }
}
