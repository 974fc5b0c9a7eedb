//! `degraded_pause_timers`: a GC-style pause stops the whole process, so a degraded member's
//! timers (probe and gossip ticks, probe, nack and suspicion timeouts, push-pull ticks) that
//! fall in one of its pauses fire when it ends, as its held messages do. A periodic loop
//! reschedules from when its tick is handled, so a tick deferred to a pause's end moves the
//! loop's phase there (Go's `time.Ticker`, which memberlist's loops use, keeps its grid and
//! drops the ticks missed: the two differ by less than a period per pause).

use super::{GOSSIP_TICK, Gossip, NACK_TIMER, PROBE_TIMEOUT, PUSH_PULL_TICK, Pool, SUSPICION, TICK};
use crate::detect::{DetectorCtx, DetectorEvent};

/// The detector's timer events (the others are messages).
const TIMERS: [u8; 6] = [TICK, PROBE_TIMEOUT, GOSSIP_TICK, SUSPICION, NACK_TIMER, PUSH_PULL_TICK];

impl Gossip {
    /// With `degraded_pause_timers`: whether timer event `e` fell in its degraded member's
    /// pause, and was queued again at the pause's end (the pause schedule is asked in time
    /// order, as `pauses::Schedule::release` needs: events come in time order).
    pub(super) fn defer_timer(&mut self, e: DetectorEvent, ctx: &mut dyn DetectorCtx) -> bool {
        let member = e.instance.0;
        let Some(pauses) = self.settings.pauses.filter(|_| self.settings.pause_timers) else { return false };
        if !TIMERS.contains(&e.kind) || !self.members[member as usize].degraded {
            return false;
        }
        let mut schedule = self.members[member as usize].pause;
        let at = schedule.release(ctx.now(), &pauses, self.rng(member, ctx));
        self.members[member as usize].pause = schedule;
        if at == ctx.now() {
            return false;
        }
        ctx.schedule_at(at, e);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::pauses::{PauseSettings, Shape};
    use super::super::settings::Settings;
    use super::super::{Gossip, bare};
    use crate::engine::SimTime;

    const SECOND: SimTime = 1_000_000_000;

    /// Member 0's probe periods handled in `horizon`: one instance (degraded) and the agent,
    /// constant pauses of `pause` every `gap` (end to start), probes every second, no
    /// awareness (nothing else stretches a period).
    fn probes(pause: SimTime, gap: SimTime, timers: bool, horizon: SimTime, seed: u64) -> u32 {
        let pauses = PauseSettings { pause, gap, shape: Shape::Constant };
        let settings = Settings {
            awareness: false,
            degraded: 1.0,
            degraded_delay: 0,
            pauses: Some(pauses),
            pause_timers: timers,
            ..super::super::tests::settings()
        };
        let mut gossip = Gossip::new(settings, 1);
        bare::run(&mut gossip, 1, horizon, seed);
        gossip.members[0].probe
    }

    /// A probe loop of period T whose ticks wait out pauses P ≥ T that come every G (end to
    /// start): after a pause's end e it ticks at e, e + T, …, e + (m − 1)T with m = ⌈G/T⌉ (all
    /// before the next pause at e + G), and its next tick, e + mT ∈ [e + G, e + G + T) ⊂
    /// [e + G, e + G + P), waits for that pause's end: exactly m probes per cycle of P + G, so
    /// horizon · ⌈G/T⌉ / (P + G) in all, give or take the first and last cycles (at most m + 1).
    /// P = 2.5 s, G = 7.5 s: 8 per 10 s (not the 7.5 of "the time not paused over T"); P = 3 s,
    /// G = 6.5 s: 7 per 9.5 s. Without `degraded_pause_timers` the loop runs on time: horizon / T.
    #[test]
    fn a_paused_members_probe_loop_loses_the_ticks_its_pauses_cover() {
        let horizon = 1000 * SECOND;
        for (pause, gap, per_cycle) in [(2_500, 7_500, 8.0), (3_000, 6_500, 7.0)] {
            let (pause, gap) = (pause * SECOND / 1000, gap * SECOND / 1000);
            let expected = 1000.0 * per_cycle / ((pause + gap) as f64 / 1e9);
            for seed in 0..5 {
                let count = f64::from(probes(pause, gap, true, horizon, seed));
                assert!(
                    (count - expected).abs() <= per_cycle + 1.0,
                    "seed {seed}: {count} probes, {expected} expected"
                );
                eprintln!("P = {pause} ns, G = {gap} ns, seed {seed}: {count} probes, {expected:.1} expected");
                let on_time = probes(pause, gap, false, horizon, seed);
                assert!(on_time.abs_diff(1000) <= 1, "timers on time: {on_time} probes in 1000 s");
            }
        }
    }
}
