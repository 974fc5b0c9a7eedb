//! What a scenario declares about its results, beside the runs: the charts to draw and the
//! predictions to check. Plain data, so that `results` (and the journal) need not know how
//! charts are drawn or formulas evaluated.

use serde::{Deserialize, Serialize};

/// One chart to draw, as declared by `[[plot]]` (or chosen by default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlotSpec {
    /// File stem of the chart (`<name>.png`, `<name>.svg`).
    pub name: String,
    pub kind: Kind,
    pub title: String,
    /// The swept key on the x axis (line, bar).
    pub x: Option<String>,
    /// Metrics on the y axis (line, bar); the sampled metric (cdf).
    pub y: Vec<String>,
    /// A second swept key: one line (or bar colour) per value.
    pub series: Option<String>,
    pub log_x: bool,
    pub log_y: bool,
}

impl PlotSpec {
    /// Checks a chart read back from a manifest: a usable file name, swept keys that exist,
    /// the axes its kind needs.
    pub fn check(&self, swept_keys: &[String]) -> Result<(), String> {
        crate::input::check_name(&self.name)?;
        for key in self.x.iter().chain(&self.series) {
            if !swept_keys.contains(key) {
                return Err(format!("`{key}` is not a swept key"));
            }
        }
        if matches!(self.kind, Kind::Line | Kind::Bar) && self.x.is_none() {
            return Err("a line or bar chart needs `x`".into());
        }
        if self.kind != Kind::Timeline && self.y.is_empty() {
            return Err("it names no metric".into());
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Line,
    Bar,
    Cdf,
    Timeline,
}

impl Kind {
    pub const NAMES: &'static [&'static str] = &["line", "bar", "cdf", "timeline"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "line" => Some(Kind::Line),
            "bar" => Some(Kind::Bar),
            "cdf" => Some(Kind::Cdf),
            "timeline" => Some(Kind::Timeline),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Holds {
    #[serde(rename = "mean")]
    Mean,
    #[serde(rename = "upper-bound")]
    UpperBound,
    #[serde(rename = "lower-bound")]
    LowerBound,
}

impl Holds {
    pub const NAMES: &'static [&'static str] = &["mean", "upper-bound", "lower-bound"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "mean" => Some(Holds::Mean),
            "upper-bound" => Some(Holds::UpperBound),
            "lower-bound" => Some(Holds::LowerBound),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Holds::Mean => "mean",
            Holds::UpperBound => "upper-bound",
            Holds::LowerBound => "lower-bound",
        }
    }
}

/// One `[[expect]]`, checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    pub name: String,
    pub metric: String,
    pub formula: String,
    pub holds: Holds,
    pub tolerance: f64,
}
