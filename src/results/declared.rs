//! What a scenario declares about its results, beside the runs: the charts to draw and the
//! predictions to check. Plain data, so that `results` (and the journal) need not know how
//! charts are drawn or formulas evaluated.

use serde::{Deserialize, Serialize};

/// One chart to draw, as declared by `[[plot]]` (or chosen by default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlotSpec {
    /// File stem of the chart (`<name>.png`, `<name>.svg`).
    pub name: String,
    /// What the chart shows.
    pub kind: Kind,
    /// Title printed above the chart.
    pub title: String,
    /// The swept key on the x axis (line, bar).
    pub x: Option<String>,
    /// Metrics on the y axis (line, bar); the sampled metric (cdf).
    pub y: Vec<String>,
    /// A second swept key: one line (or bar colour) per value.
    pub series: Option<String>,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
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

/// The kind of a chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Metrics against a swept key, with 95 % CI error bars and the expectations' formulas.
    Line,
    /// One metric across the values of a swept key, with 95 % CI whiskers.
    Bar,
    /// The distribution of a sampled metric, one curve per sweep point.
    Cdf,
    /// One traced run: per instance, when it was down, held down by the registry, and avoided by clients.
    Timeline,
}

impl Kind {
    /// The kinds' names, as written in `[[plot]]`.
    pub const NAMES: &'static [&'static str] = &["line", "bar", "cdf", "timeline"];

    /// The kind named `name`; `None` for an unknown name.
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

/// How an expectation's prediction must relate to the simulated metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Holds {
    /// The prediction lies in the mean's 95 % CI, widened by `tolerance` × |mean|.
    #[serde(rename = "mean")]
    Mean,
    /// No replication's value exceeds the prediction (beyond `tolerance` × |predicted|).
    #[serde(rename = "upper-bound")]
    UpperBound,
    /// No replication's value falls below the prediction (beyond `tolerance` × |predicted|).
    #[serde(rename = "lower-bound")]
    LowerBound,
}

impl Holds {
    /// The relations' names, as written in `holds`.
    pub const NAMES: &'static [&'static str] = &["mean", "upper-bound", "lower-bound"];

    /// The relation named `name`; `None` for an unknown name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "mean" => Some(Holds::Mean),
            "upper-bound" => Some(Holds::UpperBound),
            "lower-bound" => Some(Holds::LowerBound),
            _ => None,
        }
    }

    /// The relation's name, as written in `holds`.
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
    /// Its name, printed with its verdicts.
    pub name: String,
    /// The metric it predicts.
    pub metric: String,
    /// The formula of the prediction, over the sweep point's variables.
    pub formula: String,
    /// How the prediction must relate to the metric.
    pub holds: Holds,
    /// Relative slack on the verdict (0: exact).
    pub tolerance: f64,
}
