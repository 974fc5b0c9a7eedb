//! The error of one configuration key, before it is placed in a file: which key, what is
//! wrong, what is allowed, and a likely intended spelling. Strategies and the scenario reader
//! both produce it; `scenario::ScenarioError` places it (file, line, column).

/// A problem with one key, before it is placed in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyError {
    /// Dotted key path, arrays as `fault[0].at`; empty for the whole file.
    pub key: String,
    /// What is wrong with the value.
    pub message: String,
    /// What the key accepts (names, a range), when that helps.
    pub allowed: Option<String>,
    /// A likely intended spelling.
    pub suggestion: Option<String>,
}

impl KeyError {
    /// An error about `key`.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        KeyError { key: key.into(), message: message.into(), allowed: None, suggestion: None }
    }

    /// Adds what the key accepts.
    pub fn allowed(mut self, allowed: impl Into<String>) -> Self {
        self.allowed = Some(allowed.into());
        self
    }

    /// An unknown name among `valid` ones: lists them and suggests the closest.
    pub fn unknown_name(key: impl Into<String>, what: &str, given: &str, valid: &[&str]) -> Self {
        KeyError {
            key: key.into(),
            message: format!("unknown {what} `{given}`"),
            allowed: Some(valid.join(", ")),
            suggestion: closest(given, valid.iter().copied()),
        }
    }
}

/// The closest candidate by Jaro–Winkler similarity, if it is close enough to be a typo.
pub fn closest<'a>(given: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    candidates
        .map(|c| (strsim::jaro_winkler(given, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}
