//! Request-side metrics: requests, success ratio, latency, attempts per request,
//! retry time, time-weighted availability, offered load, and the discovery-path metrics
//! (propagation time, stale route time, keys moved, load spread; the cache stages' times, each
//! only with its stage), and outlier detection's (ejections, time to ejection, ejection
//! lengths; reported only when the scenario has it).

use super::cache::CacheMetrics;
use super::load_spread::LoadSpread;
use super::{Groups, MetricValues, Sampled};
use crate::engine::SimTime;
use crate::engine::time::to_seconds;
use crate::ids::InstanceId;
use crate::metrics::Phase;

/// Request counts inside one phase: requests by issue time, outcomes by completion time,
/// arrivals at instances by arrival time.
struct PhaseStats {
    phase: Phase,
    requests: u64,
    successes: u64,
    failures: u64,
    arrivals: u64,
    latency_sum: u128,
    /// Sum of the success ratios of the availability bins that start in the phase, and their
    /// count (for `availability@<phase>`).
    ratio_sum: f64,
    ratio_bins: u64,
    /// Cache hits and lookups by lookup time (reported only with a cache).
    cache_hits: u64,
    cache_lookups: u64,
}

impl PhaseStats {
    fn contains(&self, t: SimTime) -> bool {
        self.phase.from <= t && t < self.phase.to
    }

    fn report(&self, cache: bool, out: &mut MetricValues) {
        let name = &self.phase.name;
        let seconds = to_seconds(self.phase.to - self.phase.from);
        let completed = (self.successes + self.failures) as f64;
        out.push(format!("requests@{name}"), self.requests as f64);
        out.push(format!("success_ratio@{name}"), ratio(self.successes as f64, completed));
        out.push(format!("goodput@{name}"), self.successes as f64 / seconds);
        out.push(format!("offered_load@{name}"), self.arrivals as f64 / seconds);
        out.push(format!("latency.mean@{name}"), ratio(self.latency_sum as f64 / 1e9, self.successes as f64));
        out.push(format!("availability@{name}"), ratio(self.ratio_sum, self.ratio_bins as f64));
        if cache {
            out.push(format!("cache_hit_ratio@{name}"), super::cache::ratio(self.cache_hits, self.cache_lookups));
            let misses = self.cache_lookups - self.cache_hits;
            out.push(format!("backend_request_rate@{name}"), misses as f64 / seconds);
        }
    }
}

/// Counts per time bin, finalised as time moves past them (constant memory).
#[derive(Default)]
struct Bins {
    width: SimTime,
    current: u64,
    hits: u64,
    total: u64,
    /// Sum of the per-bin ratios hits/total over finished bins with total > 0, and their count.
    ratio_sum: f64,
    ratio_bins: u64,
    max_total: u64,
    /// The current bin's times, [start, end): an event inside it needs no division (two per
    /// request on the request path, about 10 M instructions of its 1.8 G).
    start: SimTime,
    end: SimTime,
}

impl Bins {
    fn new(width: SimTime) -> Self {
        Bins { width, ..Default::default() }
    }

    /// Counts one event at `now`; returns the bin this closes, if any (see `close`).
    fn add(&mut self, now: SimTime, hit: bool) -> Option<(SimTime, f64)> {
        let mut closed = None;
        if !(self.start..self.end).contains(&now) {
            let index = now / self.width;
            if index != self.current {
                closed = self.close();
            }
            self.current = index;
            self.start = index * self.width;
            self.end = self.start.saturating_add(self.width);
        }
        self.total += 1;
        self.hits += hit as u64;
        closed
    }

    /// Finishes the current bin: its start and success ratio, unless it is empty.
    fn close(&mut self) -> Option<(SimTime, f64)> {
        let closed = (self.total > 0).then(|| (self.current * self.width, self.hits as f64 / self.total as f64));
        if let Some((_, ratio)) = closed {
            self.ratio_sum += ratio;
            self.ratio_bins += 1;
        }
        self.max_total = self.max_total.max(self.total);
        (self.hits, self.total) = (0, 0);
        closed
    }
}

pub(crate) struct RequestMetrics {
    requests: u64,
    phases: Vec<PhaseStats>,
    successes: u64,
    failures: u64,
    attempts_of_completed: u64,
    latency: Sampled,
    retry_time: Sampled,
    /// Sum of all retry times, for the mean over every request (retried or not).
    retry_time_total: u128,
    /// Completions by bin, for availability.
    outcomes: Bins,
    /// Attempt arrivals at instances by bin, for peak offered load.
    arrivals: Bins,
    pub arrivals_per_instance: Vec<u64>,
    pub counters: Counters,
    keys_moved: (f64, u64),
    pub propagation_time: Sampled,
    pub stale_route_time: Sampled,
    /// A registry change until the response cache holds it (with `discovery.server_cache`).
    pub server_cache_time: Option<Sampled>,
    /// A registry change until every client's cache holds it, before its balancer's list
    /// refresh (with `discovery.balancer_refresh`).
    pub client_cache_time: Option<Sampled>,
    /// Outlier detection's metrics, only when the scenario has it (so that the columns of every
    /// other scenario stay as they were).
    pub outlier: Option<OutlierMetrics>,
    /// The load-spread metrics, only when asked for (`[metrics] load_spread`).
    pub load_spread: Option<LoadSpread>,
    /// Whether the scenario throttles (reports `throttled` and `retry_throttled`).
    throttling: bool,
    /// The look-aside cache's metrics, only with `[cache]`.
    pub cache: Option<CacheMetrics>,
    /// The tail metrics, only when asked for (`[metrics] slow`).
    tail: Option<TailMetrics>,
}

/// The tail metrics (`[metrics] slow`): how many requests and fan-out leaves were slower than
/// the threshold, the leaves' latency and outcomes, and the extra work of tied copies.
#[derive(Default)]
struct TailMetrics {
    /// Latency above which a request or a leaf is slow, in nanoseconds.
    slow: SimTime,
    /// Successful requests slower than `slow`.
    slow_requests: u64,
    leaf_latency: Sampled,
    leaf_slow: u64,
    leaf_failures: u64,
}

impl TailMetrics {
    fn report(&self, successes: u64, completed: u64, executions: u64, cancelled: u64, out: &mut MetricValues) {
        let leaves = self.leaf_latency.count();
        out.push("slow_fraction", ratio(self.slow_requests as f64, successes as f64));
        self.leaf_latency.report("leaf_latency", out);
        out.push("leaf_slow_fraction", ratio(self.leaf_slow as f64, leaves as f64));
        out.push("leaf_success_ratio", ratio(leaves as f64, (leaves + self.leaf_failures) as f64));
        out.push("executions_per_request", ratio(executions as f64, completed as f64));
        out.push("tied_cancelled", cancelled as f64);
    }
}

/// What the clients' outlier detectors did.
#[derive(Default)]
pub(crate) struct OutlierMetrics {
    ejections: u64,
    /// The most instances one client held ejected at once.
    ejected_peak: u32,
    /// From an instance's crash to a client's first ejection of it since.
    ejection_time: Sampled,
    /// From an ejection to the sweep that returned the instance.
    pub ejected_for: Sampled,
}

impl OutlierMetrics {
    /// A client ejected an instance, now holding `ejected` ejected; `since_crash`: the time
    /// from the instance's crash, if this is the client's first ejection of it since.
    pub(crate) fn ejected(&mut self, ejected: u32, since_crash: Option<SimTime>) {
        self.ejections += 1;
        self.ejected_peak = self.ejected_peak.max(ejected);
        if let Some(t) = since_crash {
            self.ejection_time.record(t);
        }
    }

    fn report(&self, out: &mut MetricValues) {
        out.push("ejections", self.ejections as f64);
        out.push("ejected_peak", self.ejected_peak as f64);
        self.ejection_time.report("ejection_time", out);
        self.ejected_for.report("ejected_for", out);
    }
}

/// Events worth counting on the request path.
#[derive(Default)]
pub(crate) struct Counters {
    pub executions: u64,
    pub rejected: u64,
    pub expired_dropped: u64,
    pub duplicates_suppressed: u64,
    pub timeouts: u64,
    pub hedges: u64,
    pub budget_denied: u64,
    pub breaker_opens: u64,
    pub no_instance: u64,
    /// Requests (attempts) rejected locally by adaptive throttling.
    pub throttled: u64,
    /// Retries and hedges withheld by gRPC's retry throttling.
    pub retry_throttled: u64,
    /// Tied copies dropped from a queue by their twin's cancel.
    pub tied_cancelled: u64,
}

impl RequestMetrics {
    /// The names of the request metrics a run with these phases reports, in column order.
    pub(crate) fn names(phases: &[Phase], groups: Groups) -> Vec<String> {
        let mut out = MetricValues::default();
        RequestMetrics::new(0, 1, phases, groups).report(1, &mut out);
        out.names().map(str::to_string).collect()
    }

    /// Empty metrics for `instances`, availability bins of `bin`, these phases, and the
    /// optional groups in `groups` (the others are not reported).
    pub(crate) fn new(instances: u32, bin: SimTime, phases: &[Phase], groups: Groups) -> Self {
        let phases = phases
            .iter()
            .map(|p| PhaseStats {
                phase: p.clone(),
                requests: 0,
                successes: 0,
                failures: 0,
                arrivals: 0,
                latency_sum: 0,
                ratio_sum: 0.0,
                ratio_bins: 0,
                cache_hits: 0,
                cache_lookups: 0,
            })
            .collect();
        RequestMetrics {
            requests: 0,
            phases,
            successes: 0,
            failures: 0,
            attempts_of_completed: 0,
            latency: Sampled::default(),
            retry_time: Sampled::default(),
            retry_time_total: 0,
            outcomes: Bins::new(bin),
            arrivals: Bins::new(bin),
            arrivals_per_instance: vec![0; instances as usize],
            counters: Counters::default(),
            keys_moved: (0.0, 0),
            propagation_time: Sampled::default(),
            stale_route_time: Sampled::default(),
            server_cache_time: groups.server_cache.then(Sampled::default),
            client_cache_time: groups.client_cache.then(Sampled::default),
            outlier: groups.outlier.then(OutlierMetrics::default),
            load_spread: groups.load_spread.then(|| LoadSpread::new(instances, None)),
            throttling: groups.throttling,
            cache: groups.cache.then(|| CacheMetrics::new(bin, 1.0)),
            tail: groups.tail.then(TailMetrics::default),
        }
    }

    /// The latency above which a request or leaf is slow (with the tail metrics).
    pub(crate) fn set_slow(&mut self, slow: Option<SimTime>) {
        if let (Some(tail), Some(slow)) = (&mut self.tail, slow) {
            tail.slow = slow;
        }
    }

    /// A request looked its key up in the cache at `now`.
    pub(crate) fn cache_lookup(&mut self, now: SimTime, hit: bool) {
        for p in self.phases.iter_mut().filter(|p| p.contains(now)) {
            p.cache_hits += hit as u64;
            p.cache_lookups += 1;
        }
        if let Some(m) = &mut self.cache {
            m.lookup(now, hit);
        }
    }

    /// Requests issued so far.
    pub(crate) fn requests(&self) -> u64 {
        self.requests
    }

    // Inlined, as `arrival`: once per request, and nearly nothing without phases.
    #[inline]
    pub(crate) fn issue(&mut self, now: SimTime) {
        self.requests += 1;
        self.phases.iter_mut().filter(|p| p.contains(now)).for_each(|p| p.requests += 1);
    }

    /// A request finished: `success` within its deadline or not, after `attempts` attempts
    /// (the first sent at `first_sent`).
    #[inline]
    pub(crate) fn complete(
        &mut self,
        now: SimTime,
        issued: SimTime,
        first_sent: SimTime,
        attempts: u32,
        success: bool,
    ) {
        self.outcome(now, issued, success);
        self.attempts_done(now, first_sent, attempts);
    }

    /// A request's outcome (a fan-out request's, once its quorum answered or can no longer).
    #[inline(always)]
    pub(crate) fn outcome(&mut self, now: SimTime, issued: SimTime, success: bool) {
        for p in self.phases.iter_mut().filter(|p| p.contains(now)) {
            if success {
                p.successes += 1;
                p.latency_sum += (now - issued) as u128;
            } else {
                p.failures += 1;
            }
        }
        if success {
            self.successes += 1;
            self.latency.record(now - issued);
            if let Some(tail) = &mut self.tail {
                tail.slow_requests += (now - issued > tail.slow) as u64;
            }
        } else {
            self.failures += 1;
        }
        let closed = self.outcomes.add(now, success);
        self.bin_closed(closed);
    }

    /// The attempts of a request (or of a fan-out leaf) that ended: `attempts_per_request`
    /// counts them, `retry_time` the time from the first when there were several.
    #[inline]
    fn attempts_done(&mut self, now: SimTime, first_sent: SimTime, attempts: u32) {
        self.attempts_of_completed += attempts as u64;
        if attempts > 1 {
            self.retry_time.record(now - first_sent);
            self.retry_time_total += (now - first_sent) as u128;
        }
    }

    /// A fan-out leaf ended: its attempts count as its request's, its latency and outcome in
    /// the leaf metrics (when reported).
    pub(crate) fn leaf(&mut self, now: SimTime, issued: SimTime, first_sent: SimTime, attempts: u32, success: bool) {
        self.attempts_done(now, first_sent, attempts);
        let Some(tail) = &mut self.tail else { return };
        if success {
            tail.leaf_latency.record(now - issued);
            tail.leaf_slow += (now - issued > tail.slow) as u64;
        } else {
            tail.leaf_failures += 1;
        }
    }

    /// An availability bin closed: its ratio counts in the phases its start lies in.
    fn bin_closed(&mut self, closed: Option<(SimTime, f64)>) {
        let Some((start, ratio)) = closed else { return };
        for p in self.phases.iter_mut().filter(|p| p.contains(start)) {
            p.ratio_sum += ratio;
            p.ratio_bins += 1;
        }
    }

    #[inline]
    pub(crate) fn arrival(&mut self, now: SimTime, instance: InstanceId) {
        self.phases.iter_mut().filter(|p| p.contains(now)).for_each(|p| p.arrivals += 1);
        // Only the busiest bin's count matters for arrivals, not which bin closed.
        let _ = self.arrivals.add(now, true);
        self.arrivals_per_instance[instance.index()] += 1;
    }

    /// An attempt was sent to `instance` (counted by the load-spread metrics, when on).
    /// Inlined: it is on every attempt's path and does nothing without them.
    #[inline]
    pub(crate) fn attempt_started(&mut self, now: SimTime, instance: InstanceId) {
        if let Some(m) = &mut self.load_spread {
            m.started(now, instance);
        }
    }

    /// An attempt to `instance` ended on the client.
    #[inline]
    pub(crate) fn attempt_ended(&mut self, now: SimTime, instance: InstanceId) {
        if let Some(m) = &mut self.load_spread {
            m.ended(now, instance);
        }
    }

    pub(crate) fn keys_moved(&mut self, fraction: f64) {
        self.keys_moved.0 += fraction;
        self.keys_moved.1 += 1;
    }

    pub(crate) fn report(&mut self, horizon: SimTime, out: &mut MetricValues) {
        let closed = self.outcomes.close();
        self.bin_closed(closed);
        self.arrivals.close();
        let seconds = to_seconds(horizon);
        let completed = self.successes + self.failures;
        out.push("requests", self.requests as f64);
        out.push("successes", self.successes as f64);
        out.push("failures", self.failures as f64);
        out.push("success_ratio", ratio(self.successes as f64, completed as f64));
        self.latency.report("latency", out);
        out.push("attempts_per_request", ratio(self.attempts_of_completed as f64, completed as f64));
        self.retry_time.report("retry_time", out);
        out.push("retry_time_per_request", ratio(self.retry_time_total as f64 / 1e9, completed as f64));
        out.push("availability", ratio(self.outcomes.ratio_sum, self.outcomes.ratio_bins as f64));
        out.push("goodput", self.successes as f64 / seconds);
        out.push("offered_load", self.arrivals_per_instance.iter().sum::<u64>() as f64 / seconds);
        out.push("peak_offered_load", self.arrivals.max_total as f64 / to_seconds(self.arrivals.width));
        out.push("load_max_over_mean", max_over_mean(&self.arrivals_per_instance));
        if let Some(m) = &mut self.load_spread {
            m.report(horizon, out);
        }
        out.push("keys_moved_fraction", ratio(self.keys_moved.0, self.keys_moved.1 as f64));
        self.propagation_time.report("propagation_time", out);
        self.stale_route_time.report("stale_route_time", out);
        if let Some(m) = &self.server_cache_time {
            m.report("server_cache_time", out);
        }
        if let Some(m) = &self.client_cache_time {
            m.report("client_cache_time", out);
        }
        self.report_counters(out);
        if let Some(m) = &self.outlier {
            m.report(out);
        }
        if let Some(m) = &mut self.cache {
            m.report(horizon, out);
        }
        if let Some(m) = &self.tail {
            let c = &self.counters;
            m.report(self.successes, completed, c.executions, c.tied_cancelled, out);
        }
        for p in &self.phases {
            p.report(self.cache.is_some(), out);
        }
    }

    fn report_counters(&self, out: &mut MetricValues) {
        let c = &self.counters;
        for (name, value) in [
            ("executions", c.executions),
            ("rejected", c.rejected),
            ("expired_dropped", c.expired_dropped),
            ("duplicates_suppressed", c.duplicates_suppressed),
            ("timeouts", c.timeouts),
            ("hedges", c.hedges),
            ("budget_denied", c.budget_denied),
            ("breaker_opens", c.breaker_opens),
            ("no_instance", c.no_instance),
        ] {
            out.push(name, value as f64);
        }
        if self.throttling {
            out.push("throttled", c.throttled as f64);
            out.push("retry_throttled", c.retry_throttled as f64);
        }
    }
}

fn ratio(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { f64::NAN }
}

/// The most-loaded instance's share over the mean share.
fn max_over_mean(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    let max = counts.iter().copied().max().unwrap_or(0);
    ratio(max as f64 * counts.len() as f64, total as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_is_the_mean_of_bin_success_ratios() {
        let late = Phase { name: "late".into(), from: 1_000, to: 2_000 };
        let early = Phase { name: "early".into(), from: 0, to: 1_000 };
        let mut m = RequestMetrics::new(2, 1_000, &[late, early], Groups::default());
        m.complete(100, 0, 0, 1, true);
        m.complete(200, 0, 0, 1, false);
        m.complete(1_500, 1_000, 1_000, 2, true);
        m.arrival(10, InstanceId(0));
        m.arrival(20, InstanceId(0));
        m.arrival(30, InstanceId(1));
        let mut out = MetricValues::default();
        m.report(2_000, &mut out);
        assert_eq!(out.get("availability"), Some(0.75), "bins: 1/2 and 1/1");
        assert_eq!(out.get("availability@early"), Some(0.5), "the bin starting at 0");
        assert_eq!(out.get("availability@late"), Some(1.0), "the bin starting at 1000, closed by the report");
        assert_eq!(out.get("success_ratio"), Some(2.0 / 3.0));
        assert_eq!(out.get("attempts_per_request"), Some(4.0 / 3.0));
        assert_eq!(out.get("retry_time.count"), Some(1.0));
        assert_eq!(out.get("load_max_over_mean"), Some(2.0 * 2.0 / 3.0));
        assert_eq!(out.get("peak_offered_load"), Some(3.0 / 1e-6));
        assert_eq!(out.get("success_ratio@late"), Some(1.0));
        assert_eq!(out.get("goodput@late"), Some(1.0 / 1e-6));
        assert_eq!(out.get("offered_load@late"), Some(0.0));
    }

    /// `Bins::add` skips the division while an event falls in the current bin: the bins it
    /// closes are those of the plain rule (index = now / width, a change of index closes the
    /// bin), for times in order, repeated, at bin edges, and out of order.
    #[test]
    fn bins_close_as_with_a_division_per_event() {
        let times = [0, 5, 9, 10, 10, 19, 35, 36, 12, 13, 40, 39, 100, 1_000, 1_009, 1_010];
        let mut bins = Bins::new(10);
        let (mut current, mut total) = (0, 0);
        for (k, &now) in times.iter().enumerate() {
            let index = now / 10;
            let expected = (index != current && total > 0).then_some(current * 10);
            (current, total) = if index != current { (index, 1) } else { (current, total + 1) };
            assert_eq!(bins.add(now, k % 3 > 0).map(|(start, _)| start), expected, "event {k} at {now}");
        }
    }
}
