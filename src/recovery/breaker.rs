//! The circuit breaker of one (client, instance) pair: closed while the failure fraction of the
//! current window stays below the threshold; open for `open_for` once it reaches it (with at
//! least `min_requests` attempts in the window); then half-open, letting one probe through:
//! its success closes the breaker, its failure opens it again.

use super::Breaker as Policy;
use crate::engine::SimTime;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum State {
    Closed { window_start: SimTime, attempts: u32, failures: u32 },
    Open { until: SimTime },
    HalfOpen { probing: bool },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Breaker {
    pub state: State,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker { state: State::Closed { window_start: 0, attempts: 0, failures: 0 } }
    }
}

/// What the caller must do after recording an outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    None,
    /// The breaker opened until this time (schedule its half-open moment).
    Opened(SimTime),
    Closed,
}

impl Breaker {
    /// Whether an attempt may go to this instance now.
    pub(crate) fn allows(&self) -> bool {
        matches!(self.state, State::Closed { .. } | State::HalfOpen { probing: false })
    }

    /// The open period is over: let one probe through.
    pub(crate) fn half_open(&mut self, now: SimTime) {
        if matches!(self.state, State::Open { until } if until <= now) {
            self.state = State::HalfOpen { probing: false };
        }
    }

    /// An attempt is being sent (a half-open breaker lets no second probe through).
    pub(crate) fn on_send(&mut self) {
        if let State::HalfOpen { probing } = &mut self.state {
            *probing = true;
        }
    }

    /// Records an attempt's outcome.
    pub(crate) fn record(&mut self, policy: &Policy, now: SimTime, ok: bool) -> Change {
        match &mut self.state {
            State::HalfOpen { .. } if ok => {
                *self = Breaker::default();
                self.state = State::Closed { window_start: now, attempts: 0, failures: 0 };
                Change::Closed
            }
            State::HalfOpen { .. } => self.open(policy, now),
            State::Open { .. } => Change::None,
            State::Closed { window_start, attempts, failures } => {
                if now >= *window_start + policy.window {
                    (*window_start, *attempts, *failures) = (now, 0, 0);
                }
                *attempts += 1;
                *failures += !ok as u32;
                let tripped =
                    *attempts >= policy.min_requests && *failures as f64 >= policy.failure_rate * *attempts as f64;
                if tripped { self.open(policy, now) } else { Change::None }
            }
        }
    }

    fn open(&mut self, policy: &Policy, now: SimTime) -> Change {
        let until = now + policy.open_for;
        self.state = State::Open { until };
        Change::Opened(until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy { failure_rate: 0.5, window: 1_000, min_requests: 4, open_for: 500 };

    #[test]
    fn opens_on_a_failing_window_then_probes_and_closes() {
        let mut b = Breaker::default();
        assert_eq!(b.record(&POLICY, 10, false), Change::None);
        assert_eq!(b.record(&POLICY, 20, true), Change::None);
        assert_eq!(b.record(&POLICY, 30, false), Change::None);
        assert_eq!(b.record(&POLICY, 40, true), Change::Opened(540), "2 of 4 failed: 50 %");
        assert!(!b.allows());
        b.half_open(539);
        assert!(!b.allows(), "not before its time");
        b.half_open(540);
        assert!(b.allows());
        b.on_send();
        assert!(!b.allows(), "one probe at a time");
        assert_eq!(b.record(&POLICY, 600, false), Change::Opened(1100), "a failed probe reopens");
        b.half_open(1100);
        b.on_send();
        assert_eq!(b.record(&POLICY, 1150, true), Change::Closed);
        assert!(b.allows());
    }

    #[test]
    fn windows_reset_so_old_failures_are_forgotten() {
        let mut b = Breaker::default();
        for t in 0..3 {
            b.record(&POLICY, t, false);
        }
        assert_eq!(b.record(&POLICY, 2_000, false), Change::None, "a new window: 1 attempt, below min_requests");
    }
}
