//! Metrics: ground-truth scoring of the registry's view, streamed into fixed-size histograms,
//! and the named values a run reports (SPEC §3).

pub mod detection;
pub mod sampled;

pub use detection::DetectionScore;
pub use sampled::Sampled;

/// One run's reported values, in a fixed order; names are the CSV column names.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricValues {
    pub entries: Vec<(String, f64)>,
}

impl MetricValues {
    pub fn push(&mut self, name: impl Into<String>, value: f64) {
        self.entries.push((name.into(), value));
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }
}

/// Engine work of one run: not reproducible output (wall time varies), reported apart.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EngineWork {
    pub events: u64,
    pub wall_seconds: f64,
}

impl EngineWork {
    pub fn events_per_second(&self) -> f64 {
        if self.wall_seconds > 0.0 {
            self.events as f64 / self.wall_seconds
        } else {
            0.0
        }
    }
}
