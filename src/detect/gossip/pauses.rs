//! Degraded members' periodic pauses (GC-style stop-the-world): pauses alternate with gaps,
//! an alternating renewal process started in its stationary state; a message that arrives
//! during a pause is handled when the pause ends (in arrival order: held messages share the
//! pause's end, and events at one time run in the order queued).

use crate::engine::{SimTime, Stream};

/// The shape of both the pause and the gap durations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Shape {
    /// Every pause and every gap lasts its mean: strictly periodic pauses.
    Constant,
    /// Exponential with the mean.
    Exponential,
}

/// The pause process: mean pause and mean gap between pauses (ns), and their shape.
#[derive(Clone, Copy, Debug)]
pub(super) struct PauseSettings {
    pub(super) pause: SimTime,
    pub(super) gap: SimTime,
    pub(super) shape: Shape,
}

impl PauseSettings {
    /// A duration of mean `mean`.
    fn draw(&self, mean: SimTime, rng: &mut Stream) -> SimTime {
        match self.shape {
            Shape::Constant => mean,
            Shape::Exponential => (-(mean as f64) * rng.uniform_open0().ln()) as SimTime,
        }
    }

    /// What is left of a duration of mean `mean` seen at a random time (its equilibrium
    /// distribution): uniform over a constant one, exponential again for an exponential one.
    fn residual(&self, mean: SimTime, rng: &mut Stream) -> SimTime {
        match self.shape {
            Shape::Constant => (mean as f64 * rng.uniform()) as SimTime,
            Shape::Exponential => self.draw(mean, rng),
        }
    }
}

/// One member's current or next pause, [start, end).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Schedule {
    start: SimTime,
    end: SimTime,
}

impl Schedule {
    /// The process seen at `now`, a random time in its stationary regime (renewal-reward):
    /// paused with probability E[pause] / (E[pause] + E[gap]), and then for the residual of a
    /// pause; otherwise the next pause starts after the residual of a gap.
    pub(super) fn stationary(now: SimTime, s: &PauseSettings, rng: &mut Stream) -> Schedule {
        let paused = rng.uniform() * ((s.pause + s.gap) as f64) < (s.pause as f64);
        if paused {
            return Schedule { start: now, end: now + s.residual(s.pause, rng) };
        }
        let start = now + s.residual(s.gap, rng);
        Schedule { start, end: start + s.draw(s.pause, rng) }
    }

    /// When a message arriving at `at` (never earlier than the last one asked about) is
    /// handled: at the end of the pause it falls in, else at once.
    pub(super) fn release(&mut self, at: SimTime, s: &PauseSettings, rng: &mut Stream) -> SimTime {
        while self.end <= at {
            self.start = self.end + s.draw(s.gap, rng);
            self.end = self.start + s.draw(s.pause, rng);
        }
        if self.start <= at { self.end } else { at }
    }

    /// The time in pauses over [from, to) that this schedule knows of, advancing it to `to`.
    #[cfg(test)]
    fn paused_until(&mut self, from: SimTime, to: SimTime, s: &PauseSettings, rng: &mut Stream) -> SimTime {
        let mut total = 0;
        let mut cursor = from;
        while cursor < to {
            let end = self.release(cursor, s, rng);
            total += end.min(to) - cursor;
            cursor = if end > cursor { end } else { self.start.min(to) };
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;
    use crate::model::StreamKind;

    const SECOND: SimTime = 1_000_000_000;

    /// Means of `batches` batches of `f`, and a 99.9 % normal interval for the mean over them.
    fn interval(batches: u64, mut f: impl FnMut(u64) -> f64) -> (f64, f64) {
        let values: Vec<f64> = (0..batches).map(&mut f).collect();
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let half = 3.29 * (var / n).sqrt();
        (mean - half, mean + half)
    }

    fn settings(shape: Shape) -> PauseSettings {
        PauseSettings { pause: 2 * SECOND, gap: 8 * SECOND, shape }
    }

    /// Renewal-reward: the long-run fraction of time paused is E[P] / (E[P] + E[G]) = 2 / 10
    /// for either shape (any distributions with these means; the stationary start makes it
    /// hold over every window, not only in the limit: a window of 1003 s is not a whole number
    /// of constant 10 s cycles). Batches of 1003 s, each from a fresh stationary start.
    #[test]
    fn the_fraction_of_time_paused_is_the_renewal_reward_ratio() {
        for shape in [Shape::Constant, Shape::Exponential] {
            let s = settings(shape);
            let (lo, hi) = interval(200, |batch| {
                let mut rng = RandomStreams::new(batch).stream(StreamKind::Detector, 0);
                let mut schedule = Schedule::stationary(0, &s, &mut rng);
                schedule.paused_until(0, 1003 * SECOND, &s, &mut rng) as f64 / (1003 * SECOND) as f64
            });
            assert!(lo - 1e-12 <= 0.2 && 0.2 <= hi + 1e-12, "{shape:?}: [{lo}, {hi}]");
            eprintln!("paused fraction, {shape:?}: [{lo:.5}, {hi:.5}] vs 0.2");
        }
    }

    /// A message arriving at a random time (Poisson arrivals, independent of the pauses: PASTA)
    /// waits, on average, E[P²] / (2 (E[P] + E[G])) — the chance of landing in a pause, E[P] /
    /// (E[P] + E[G]), times the mean residual of the pause it lands in, E[P²] / (2 E[P])
    /// (length-biased sampling; Ross, Stochastic Processes, §3.4). Constant P = 2 s, mean gap
    /// 8 s: 4 / 20 = 0.2 s; exponential P of mean 2 s (E[P²] = 8 s²): 0.4 s.
    #[test]
    fn a_random_arrival_waits_the_residual_life_of_the_pause() {
        for (shape, expected) in [(Shape::Constant, 0.2), (Shape::Exponential, 0.4)] {
            let s = settings(shape);
            let (lo, hi) = interval(100, |batch| {
                let streams = RandomStreams::new(batch);
                let (mut rng, mut arrivals) = (streams.stream(StreamKind::Detector, 0), streams.stream(1u64, 0));
                let mut schedule = Schedule::stationary(0, &s, &mut rng);
                let (mut at, mut waited) = (0, 0.0);
                for _ in 0..2000 {
                    at += (-1e9 * arrivals.uniform_open0().ln()) as SimTime;
                    waited += (schedule.release(at, &s, &mut rng) - at) as f64 / 1e9;
                }
                waited / 2000.0
            });
            assert!(lo <= expected && expected <= hi, "{shape:?}: [{lo}, {hi}] vs {expected}");
            eprintln!("mean wait, {shape:?}: [{lo:.5}, {hi:.5}] s vs {expected}");
        }
    }
}
