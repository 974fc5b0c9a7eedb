//! `observer`: the source document's observation model. At each tick of length `tick` the
//! registry notices a pending state change with probability `p`. It is an oracle: it reads the
//! true state, never errs, and is blind to the network.
//!
//! Rather than waking every instance at every tick, a state change draws the number of ticks
//! until it is noticed from the geometric distribution (the first success of independent
//! Bernoulli(p) trials) and schedules one event: the same law, one event per change.

use super::DetectorCtx;
use super::{Cost, Detector, DetectorEvent, DetectorFactory, Load, random_phase};
use crate::engine::{SimTime, Stream};
use crate::ids::{InstanceId, PerInstance};
use crate::params::DefaultValue::Required;
use crate::params::KeyError;
use crate::params::{Param, Strategy, Type, Values};
use std::sync::Arc;

const NOTICE: u8 = 0;

pub(super) const STRATEGY: Strategy<dyn DetectorFactory> = Strategy {
    name: "observer",
    doc: "the source document's oracle: a change is noticed at each tick with probability p",
    params: &[
        Param { name: "tick", ty: Type::PositiveDuration, default: Required, doc: "length of an observation tick" },
        Param { name: "p", ty: Type::Probability, default: Required, doc: "probability that a tick notices a change" },
    ],
    derived: &[],
    build,
};

#[derive(Clone, Copy, Debug)]
struct Factory {
    tick: SimTime,
    p: f64,
}

fn build(values: &mut Values) -> Result<Arc<dyn DetectorFactory>, KeyError> {
    let tick = values.required_duration("tick")?;
    let p = values.required_number("p")?;
    Ok(Arc::new(Factory { tick, p }))
}

impl DetectorFactory for Factory {
    /// One notice per change of state (a crash, its repair): no messages.
    fn estimate(&self, load: &Load) -> Cost {
        Cost { queue_events: 2.0 * load.crashes, drawn_events: 0.0, bytes: 16.0 * load.instances }
    }

    fn build(&self, instances: u32) -> Box<dyn Detector> {
        Box::new(Observer { config: *self, offset: PerInstance::new(instances, 0) })
    }
}

struct Observer {
    config: Factory,
    /// Each instance's tick grid is offset by a random phase in [0, tick).
    offset: PerInstance<SimTime>,
}

/// Ticks until the first success of Bernoulli(p) trials: 1, 2, 3, ... with mean 1/p.
fn geometric(p: f64, rng: &mut Stream) -> u64 {
    if p >= 1.0 {
        return 1;
    }
    let trials = libm::floor(libm::log(rng.uniform_open0()) / libm::log1p(-p));
    if trials >= u32::MAX as f64 { u32::MAX as u64 } else { trials as u64 + 1 }
}

impl Observer {
    /// A state change just happened: schedule the tick at which it will be noticed.
    fn schedule_notice(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        let (tick, offset) = (self.config.tick, self.offset[instance]);
        let now = ctx.now();
        // Index of the first tick strictly after now on this instance's grid.
        let first = if now < offset { 0 } else { (now - offset) / tick + 1 };
        let ticks = geometric(self.config.p, ctx.rng(instance));
        let at = offset.saturating_add((first + ticks - 1).saturating_mul(tick));
        let tag = ctx.instance_epoch(instance);
        ctx.schedule_at(at, DetectorEvent { instance, kind: NOTICE, tag });
    }
}

impl Detector for Observer {
    fn start(&mut self, ctx: &mut dyn DetectorCtx) {
        for instance in InstanceId::all(self.offset.len() as u32) {
            self.offset[instance] = random_phase(self.config.tick, ctx.rng(instance));
        }
    }

    fn on_instance_up(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        self.schedule_notice(instance, ctx);
    }

    fn on_instance_down(&mut self, instance: InstanceId, ctx: &mut dyn DetectorCtx) {
        self.schedule_notice(instance, ctx);
    }

    /// A notice counts only if no further change happened since it was drawn.
    fn on_event(&mut self, event: DetectorEvent, ctx: &mut dyn DetectorCtx) {
        if event.tag != ctx.instance_epoch(event.instance) {
            return;
        }
        if ctx.instance_is_up(event.instance) {
            ctx.mark_up(event.instance);
        } else {
            ctx.mark_down(event.instance);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RandomStreams;
    use crate::model::StreamKind;

    /// Geometric(p) on {1, 2, ...} has mean 1/p and variance (1-p)/p²; the sample mean over
    /// n draws must lie within 3.3 standard errors.
    #[test]
    fn geometric_has_mean_one_over_p() {
        let mut rng = RandomStreams::new(4).stream(StreamKind::Detector, 0);
        for p in [0.05, 0.3, 0.9, 1.0] {
            let n = 100_000;
            let mean = (0..n).map(|_| geometric(p, &mut rng) as f64).sum::<f64>() / n as f64;
            let se = ((1.0 - p) / (p * p) / n as f64).sqrt();
            assert!((mean - 1.0 / p).abs() <= 3.3 * se + 1e-12, "p={p}: mean {mean}");
        }
    }
}
