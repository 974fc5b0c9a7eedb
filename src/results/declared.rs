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
    /// The swept key on the x axis (line, bar); the metric on the x axis (tradeoff).
    pub x: Option<String>,
    /// Metrics on the y axis (line, bar; one for tradeoff); the sampled metric (cdf).
    pub y: Vec<String>,
    /// A second swept key: one line (or bar colour) per value.
    pub series: Option<String>,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// Trade-off curves: the swept key that moves along each curve (its values label the
    /// points). Absent from other charts' manifests, which therefore read as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub along: Option<String>,
    /// Trade-off curves: which points to mark as Pareto-optimal; None marks none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pareto: Option<Pareto>,
}

/// How a trade-off chart marks its Pareto-optimal points: those no other point beats on one
/// axis without losing on the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pareto {
    /// Compare the points of all curves together (the series are choices), not each curve's
    /// own (the series are conditions, such as a loss rate, that nobody chooses).
    pub across_curves: bool,
    /// Larger x values are better (by default smaller ones are).
    pub higher_x: bool,
    /// Larger y values are better (by default smaller ones are).
    pub higher_y: bool,
}

impl PlotSpec {
    /// Checks a chart read back from a manifest: a usable file name, swept keys that exist,
    /// the axes its kind needs.
    pub fn check(&self, swept_keys: &[String]) -> Result<(), String> {
        crate::input::check_name(&self.name)?;
        // A trade-off chart's x is a metric; its curve moves along a swept key.
        let x = self.x.iter().filter(|_| self.kind != Kind::Tradeoff);
        for key in x.chain(&self.series).chain(&self.along) {
            if !swept_keys.contains(key) {
                return Err(format!("`{key}` is not a swept key"));
            }
        }
        if matches!(self.kind, Kind::Line | Kind::Bar | Kind::Tradeoff) && self.x.is_none() {
            return Err("a line, bar or trade-off chart needs `x`".into());
        }
        if self.kind == Kind::Tradeoff && (self.along.is_none() || self.y.len() != 1) {
            return Err("a trade-off chart needs `along` and one metric in `y`".into());
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
    /// Metrics across the values of a swept key (grouped bars), with 95 % CI whiskers.
    Bar,
    /// The distribution of a sampled metric, one curve per sweep point.
    Cdf,
    /// One traced run: per instance, when it was down, held down by the registry, and avoided by clients.
    Timeline,
    /// One metric against another as a swept key moves, one curve per value of the other swept
    /// keys, CI bars on both axes, Pareto-optimal points marked.
    Tradeoff,
}

impl Kind {
    /// The kinds' names, as written in `[[plot]]`.
    pub const NAMES: &'static [&'static str] = &["line", "bar", "cdf", "timeline", "tradeoff"];

    /// The kind named `name`; `None` for an unknown name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "line" => Some(Kind::Line),
            "bar" => Some(Kind::Bar),
            "cdf" => Some(Kind::Cdf),
            "timeline" => Some(Kind::Timeline),
            "tradeoff" => Some(Kind::Tradeoff),
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
