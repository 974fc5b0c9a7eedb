//! The `gossip` detector's declaration (its parameters, memberlist's names and defaults) and
//! checked settings: the suspicion timeout and retransmit limit formulas, and the preflight
//! estimate.

use super::super::{Cost, Detector, DetectorFactory, Load};
use super::pauses::{PauseSettings, Shape};
use crate::engine::SimTime;
use crate::params::DefaultValue::Fixed;
use crate::params::KeyError;
use crate::params::{Param, Strategy, Type, Values};
use std::sync::Arc;

pub(in crate::detect) const STRATEGY: Strategy<dyn DetectorFactory> = Strategy {
    name: "gossip",
    doc: "memberlist's SWIM: every member probes and gossips, each holds its own view; the registry follows one member's",
    params: &[
        Param { name: "probe_interval", ty: Type::PositiveDuration, default: Fixed("1s"), doc: "ProbeInterval" },
        Param { name: "probe_timeout", ty: Type::PositiveDuration, default: Fixed("500ms"), doc: "ProbeTimeout" },
        Param { name: "indirect_checks", ty: COUNT_0_16, default: Fixed("3"), doc: "IndirectChecks" },
        Param { name: "suspicion_mult", ty: COUNT_1_100, default: Fixed("4"), doc: "SuspicionMult" },
        Param {
            name: "suspicion_max_timeout_mult",
            ty: COUNT_1_100,
            default: Fixed("6"),
            doc: "SuspicionMaxTimeoutMult",
        },
        Param { name: "retransmit_mult", ty: COUNT_1_100, default: Fixed("4"), doc: "RetransmitMult" },
        Param { name: "gossip_interval", ty: Type::PositiveDuration, default: Fixed("200ms"), doc: "GossipInterval" },
        Param {
            name: "gossip_nodes",
            ty: Type::Count { min: 0, max: 100 },
            default: Fixed("3"),
            doc: "GossipNodes (0: updates ride only on pings and acks, as in the SWIM paper)",
        },
        Param {
            name: "max_piggyback",
            ty: Type::Count { min: 0, max: 100 },
            default: Fixed("20"),
            doc: "updates per message at most (memberlist fills a 1400-byte packet; 0: none, with gossip_nodes = 0 updates spread only by push-pull)",
        },
        Param {
            name: "push_pull_interval",
            ty: Type::Duration,
            default: Fixed("0s"),
            doc: "PushPullInterval: every interval each live member exchanges its whole view with a random member (0: never, but on re-joining)",
        },
        Param {
            name: "probe_order",
            ty: Type::Choice(&["round-robin", "random"]),
            default: Fixed("round-robin"),
            doc: "shuffled round robin (memberlist) or a random member each period (the SWIM paper)",
        },
        Param {
            name: "aligned",
            ty: Type::Flag,
            default: Fixed("false"),
            doc: "every member's periods on multiples of probe_interval (synchronous rounds) instead of random phases",
        },
        Param {
            name: "dynamic_suspicion",
            ty: Type::Flag,
            default: Fixed("true"),
            doc: "Lifeguard's suspicion timeout, falling from max to min with confirmations (false: always min, SWIM's)",
        },
        Param {
            name: "suspicion_arithmetic",
            ty: Type::Choice(&["real", "memberlist"]),
            default: Fixed("real"),
            doc: "the suspicion timeout in real numbers, or in memberlist's arithmetic (log10 n truncated to thousandths, a lowered timeout floored to the millisecond)",
        },
        Param {
            name: "report_suspicion_timeouts",
            ty: Type::Flag,
            default: Fixed("false"),
            doc: "report `suspicion_timeout_c0` … `_c<k>`: a suspicion's start until its timer declared the suspect dead, by the confirmations then (k = suspicion_mult − 2 ≤ 7)",
        },
        Param {
            name: "nacks",
            ty: Type::Flag,
            default: Fixed("true"),
            doc: "Lifeguard: an indirect helper that gets no ack within probe_timeout sends the prober a nack",
        },
        Param {
            name: "awareness",
            ty: Type::Flag,
            default: Fixed("true"),
            doc: "Lifeguard's local health: a score that stretches the member's probe interval (× score + 1)",
        },
        Param {
            name: "awareness_max_multiplier",
            ty: COUNT_1_100,
            default: Fixed("8"),
            doc: "AwarenessMaxMultiplier: the score stays below it",
        },
        Param {
            name: "degraded",
            ty: Type::Number { min: 0.0, open_min: false, max: 1.0 },
            default: Fixed("0"),
            doc: "fraction of the instances that are degraded (chosen at random per run): alive, but each message they receive waits before they handle it",
        },
        Param {
            name: "degraded_delay",
            ty: Type::Duration,
            default: Fixed("1s"),
            doc: "a degraded member's wait per received message: exponential with this mean (0: none, pauses only)",
        },
        Param {
            name: "degraded_pause",
            ty: Type::Duration,
            default: Fixed("0s"),
            doc: "mean length of a degraded member's periodic pauses (GC-style): a message arriving during one is handled when it ends (0: no pauses)",
        },
        Param {
            name: "degraded_pause_every",
            ty: Type::PositiveDuration,
            default: Fixed("30s"),
            doc: "mean time from the end of one pause to the start of the next (a random phase per member)",
        },
        Param {
            name: "degraded_pause_timers",
            ty: Type::Flag,
            default: Fixed("false"),
            doc: "a pause stops the member's timers too (probe and gossip ticks, probe and suspicion timeouts): one that falls in a pause fires at its end (false: timers run on time)",
        },
        Param {
            name: "degraded_pause_shape",
            ty: Type::Choice(&["constant", "exponential"]),
            default: Fixed("constant"),
            doc: "the pauses' and the gaps' distribution: each lasts its mean (strictly periodic), or exponential",
        },
    ],
    derived: &[],
    build,
};

const COUNT_0_16: Type = Type::Count { min: 0, max: 16 };
const COUNT_1_100: Type = Type::Count { min: 1, max: 100 };

/// The checked settings.
#[derive(Clone, Copy, Debug)]
pub(super) struct Settings {
    pub(super) probe_interval: SimTime,
    pub(super) probe_timeout: SimTime,
    pub(super) indirect_checks: u32,
    pub(super) suspicion_mult: u32,
    pub(super) suspicion_max_timeout_mult: u32,
    pub(super) retransmit_mult: u32,
    pub(super) gossip_interval: SimTime,
    pub(super) gossip_nodes: u32,
    pub(super) max_piggyback: u32,
    pub(super) random_order: bool,
    pub(super) aligned: bool,
    pub(super) dynamic_suspicion: bool,
    /// The suspicion timeout in memberlist's integer arithmetic (`suspicion_arithmetic`).
    pub(super) memberlist_arithmetic: bool,
    /// Report the suspicion timeouts that applied, by confirmations (0: not; else k + 1 columns).
    pub(super) timeout_columns: u8,
    pub(super) nacks: bool,
    pub(super) awareness: bool,
    pub(super) awareness_max: u32,
    pub(super) degraded: f64,
    pub(super) degraded_delay: SimTime,
    /// Degraded members' periodic pauses, if any.
    pub(super) pauses: Option<PauseSettings>,
    /// A pause stops the member's timers too (`degraded_pause_timers`).
    pub(super) pause_timers: bool,
    /// Push-pull anti-entropy's period (0: off).
    pub(super) push_pull_interval: SimTime,
}

fn build(values: &mut Values) -> Result<Arc<dyn DetectorFactory>, KeyError> {
    let probe_interval = values.required_duration("probe_interval")?;
    let probe_timeout = values.required_duration("probe_timeout")?;
    if probe_timeout >= probe_interval {
        return Err(KeyError::new(values.key_of("probe_timeout"), "must be shorter than the probe interval")
            .allowed("0 < probe_timeout < probe_interval"));
    }
    Ok(Arc::new(Settings {
        probe_interval,
        probe_timeout,
        indirect_checks: values.required_u32("indirect_checks")?,
        suspicion_mult: values.required_u32("suspicion_mult")?,
        suspicion_max_timeout_mult: values.required_u32("suspicion_max_timeout_mult")?,
        retransmit_mult: values.required_u32("retransmit_mult")?,
        gossip_interval: values.required_duration("gossip_interval")?,
        gossip_nodes: values.required_u32("gossip_nodes")?,
        max_piggyback: values.required_u32("max_piggyback")?,
        random_order: values.choice("probe_order") == Some("random"),
        aligned: values.flag("aligned").unwrap_or(false),
        dynamic_suspicion: values.flag("dynamic_suspicion").unwrap_or(true),
        memberlist_arithmetic: values.choice("suspicion_arithmetic") == Some("memberlist"),
        timeout_columns: timeout_columns(values)?,
        nacks: values.flag("nacks").unwrap_or(true),
        awareness: values.flag("awareness").unwrap_or(true),
        awareness_max: values.required_u32("awareness_max_multiplier")?,
        degraded: values.required_number("degraded")?,
        degraded_delay: values.required_duration("degraded_delay")?,
        pauses: pauses(values)?,
        pause_timers: values.flag("degraded_pause_timers").unwrap_or(false),
        push_pull_interval: values.required_duration("push_pull_interval")?,
    }))
}

/// Go's `Duration.Seconds`: whole seconds plus the nanoseconds' fraction, each as a float.
fn go_seconds(nanos: SimTime) -> f64 {
    (nanos / 1_000_000_000) as f64 + (nanos % 1_000_000_000) as f64 / 1e9
}

/// With `report_suspicion_timeouts`: a column per confirmation count 0..=k (k =
/// `suspicion_mult` − 2), at most `metrics::SUSPICION_TIMEOUT_COLUMNS`.
fn timeout_columns(values: &mut Values) -> Result<u8, KeyError> {
    if !values.flag("report_suspicion_timeouts").unwrap_or(false) {
        return Ok(0);
    }
    let columns = values.required_u32("suspicion_mult")?.saturating_sub(2) + 1;
    let most = crate::metrics::SUSPICION_TIMEOUT_COLUMNS as u32;
    if columns > most {
        return Err(KeyError::new(
            values.key_of("report_suspicion_timeouts"),
            format!("reports at most {most} confirmation counts"),
        )
        .allowed(format!("suspicion_mult ≤ {} with report_suspicion_timeouts", most + 1)));
    }
    Ok(columns as u8)
}

/// The pause process, unless `degraded_pause` is 0.
fn pauses(values: &mut Values) -> Result<Option<PauseSettings>, KeyError> {
    let pause = values.required_duration("degraded_pause")?;
    let gap = values.required_duration("degraded_pause_every")?;
    let shape = match values.choice("degraded_pause_shape") {
        Some("exponential") => Shape::Exponential,
        _ => Shape::Constant,
    };
    Ok((pause > 0).then_some(PauseSettings { pause, gap, shape }))
}

impl Settings {
    /// Memberlist's `suspicionTimeout` bounds for `n` members: (min, max, k). In memberlist's
    /// arithmetic (`util.go`), min = mult · ⌊1000 · max(1, log10 n)⌋ · interval / 1000 in
    /// integer nanoseconds.
    pub(super) fn suspicion_bounds(&self, n: u32) -> (f64, f64, u32) {
        let scale = (f64::from(n.max(1))).log10().max(1.0);
        let min = if self.memberlist_arithmetic {
            let thousandths = u128::from((scale * 1000.0) as u64);
            (u128::from(self.suspicion_mult) * thousandths * u128::from(self.probe_interval) / 1000) as f64
        } else {
            f64::from(self.suspicion_mult) * scale * self.probe_interval as f64
        };
        let max = f64::from(self.suspicion_max_timeout_mult) * min;
        let k = self.suspicion_mult.saturating_sub(2);
        (min, max, if n.saturating_sub(2) < k { 0 } else { k })
    }

    /// The suspicion timeout after `confirmations` independent confirmations, in ns. In
    /// memberlist's arithmetic (`suspicion.go`): the timer starts at max (min when k < 1), and
    /// each confirmation resets it to ⌊1000 · (max − (max − min) · ln(c + 1)/ln(k + 1))⌋ ms
    /// in seconds, at least min, from the suspicion's start (`remainingSuspicionTime`).
    pub(super) fn suspicion_timeout(&self, n: u32, confirmations: u32) -> SimTime {
        let (min, max, k) = self.suspicion_bounds(n);
        if k < 1 || !self.dynamic_suspicion {
            return min as SimTime;
        }
        let fraction = f64::from(confirmations + 1).ln() / f64::from(k + 1).ln();
        if !self.memberlist_arithmetic {
            return (max - (max - min) * fraction).max(min) as SimTime;
        }
        if confirmations == 0 {
            return max as SimTime;
        }
        let (min, max) = (min as SimTime, max as SimTime);
        let raw = go_seconds(max) - fraction * (go_seconds(max) - go_seconds(min));
        ((1000.0 * raw).floor() as SimTime * 1_000_000).max(min)
    }

    /// For the estimate: the fraction of a degraded member's probes that fail, and of the
    /// messages it receives that it holds back. With the per-message delay, about all; with
    /// pauses only, the probes whose ack lands in a pause with more than a period left, (P −
    /// T)⁺ / (P + G), and the messages that land in a pause, P / (P + G).
    fn degraded_activity(&self) -> (f64, f64) {
        match self.pauses {
            Some(p) if self.degraded_delay == 0 => {
                let cycle = (p.pause + p.gap) as f64;
                (p.pause.saturating_sub(self.probe_interval) as f64 / cycle, p.pause as f64 / cycle)
            }
            _ => (1.0, 1.0),
        }
    }

    /// Push-pull: a tick and two messages per live member per interval.
    fn push_pull_events(&self, load: &Load) -> f64 {
        if self.push_pull_interval == 0 { 0.0 } else { 3.0 * load.up_periods(self.push_pull_interval) }
    }

    /// How many times one update is sent at most (`retransmitLimit`).
    pub(super) fn retransmit_limit(&self, n: u32) -> u32 {
        self.retransmit_mult * (f64::from(n) + 1.0).log10().ceil() as u32
    }
}

impl DetectorFactory for Settings {
    /// Per probe period of a member: the tick, the ping's and ack's arrivals, the probe
    /// timeout. Gossip: while a member's queue holds updates it ticks every gossip interval and
    /// sends `gossip_nodes` messages; an update stays queued for about `limit` sends at the rate
    /// the member sends (gossip, pings, acks), and updates come at about three per crash and,
    /// with degraded members, two per degraded member per period (its false accusation and the
    /// refutation), so the queues are busy that fraction of the time. A degraded member's
    /// messages each wait once more.
    fn estimate(&self, load: &Load) -> Cost {
        let n = load.instances + 1.0;
        let seconds = |t: SimTime| crate::engine::time::to_seconds(t.max(1));
        let (period_s, gossip_s) = (seconds(self.probe_interval), seconds(self.gossip_interval));
        let sends_per_s = f64::from(self.gossip_nodes) / gossip_s + 2.0 / period_s;
        let residence_s = f64::from(self.retransmit_limit(n as u32)) / sends_per_s;
        let (accusing, held) = self.degraded_activity();
        let updates_per_s =
            3.0 * load.crashes / load.horizon_s.max(1e-9) + 2.0 * accusing * self.degraded * load.instances / period_s;
        let busy = (updates_per_s * residence_s).min(1.0);
        let gossip = n * busy * (1.0 + f64::from(self.gossip_nodes)) * load.horizon_s / gossip_s;
        let probes = 4.0 * load.up_periods(self.probe_interval);
        let queue_events = (probes + gossip) * (1.0 + held * self.degraded) + self.push_pull_events(load);
        Cost { queue_events, drawn_events: 0.0, bytes: 600.0 * n }
    }

    fn reports_dissemination(&self) -> bool {
        true
    }

    fn suspicion_timeout_columns(&self) -> u8 {
        self.timeout_columns
    }

    fn build(&self, instances: u32) -> Box<dyn Detector> {
        Box::new(super::Gossip::new(*self, instances))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: SimTime = 1_000_000_000;

    /// memberlist's arithmetic (`util.go` `suspicionTimeout`, `suspicion.go`
    /// `remainingSuspicionTime`), worked by hand: min = mult · ⌊1000 · max(1, log10 n)⌋ ·
    /// interval / 1000 in integer ns, max = 6 · min, k = mult − 2; T(0) = max; T(c) = ⌊1000 ·
    /// (max − (max − min) · ln(c + 1)/ln(k + 1))⌋ ms, at least min. LAN defaults at n = 101:
    /// ⌊2004.32⌋ = 2004, min = 8.016 s, max = 48.096 s, T(1) = ⌊48 096 − 40 080 · ln 2/ln 3⌋ =
    /// 22 808 ms (in real numbers, min = 4 · log10 101 s = 8.017 29 s: 22.811 99 s). SuspicionMult 5 at n = 100 (the shipped
    /// scenario): min 10 s, 60, 35, ⌊20 375.94⌋ = 20 375 ms, 10 s. SuspicionMult 6 at n = 1000:
    /// min 18 s, max 108 s, T(1..3) = ⌊108 000 − 90 000 · log5(c + 1)⌋ = 69 239, 46 565, 30 478 ms.
    #[test]
    fn the_suspicion_timeout_in_memberlists_arithmetic_at_every_confirmation_count() {
        let exact = Settings { memberlist_arithmetic: true, ..super::super::tests::settings() };
        let ms = |s: Settings, n, c| s.suspicion_timeout(n, c) / 1_000_000;
        let lan: Vec<SimTime> = (0..=3).map(|c| ms(exact, 101, c)).collect();
        assert_eq!(lan, [48_096, 22_808, 8_016, 8_016], "c = k and beyond: min");
        let five = Settings { suspicion_mult: 5, ..exact };
        let at_100: Vec<SimTime> = (0..=4).map(|c| ms(five, 100, c)).collect();
        assert_eq!(at_100, [60_000, 35_000, 20_375, 10_000, 10_000]);
        let six = Settings { suspicion_mult: 6, ..exact };
        let at_1000: Vec<SimTime> = (0..=5).map(|c| ms(six, 1000, c)).collect();
        assert_eq!(at_1000, [108_000, 69_239, 46_565, 30_478, 18_000, 18_000]);
        assert_eq!(exact.suspicion_timeout(3, 0), 4 * SECOND, "n − 2 < k: k = 0, the timer starts at min");
        let fixed = Settings { dynamic_suspicion: false, ..exact };
        assert_eq!(fixed.suspicion_timeout(101, 0), 8_016_000_000, "SWIM's fixed timeout: min");
        assert_eq!(super::super::tests::settings().suspicion_timeout(101, 1), 22_811_993_162, "real numbers");
    }
}
