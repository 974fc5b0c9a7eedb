//! Errors in scenario input: where (file, line, column, key), what is wrong, what is allowed.
//!
//! All of them are fatal for the scenario they concern and map to exit code 2.

use std::fmt;

pub use crate::params::error::{KeyError, closest};

/// Where an error is in the input.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// A line and column (1-based) in the scenario file.
    Position {
        /// The line, from 1.
        line: usize,
        /// The column, from 1.
        column: usize,
    },
    /// An override on the command line: the option as written (`--set key=value`).
    CommandLine {
        /// The option as written.
        option: String,
    },
    /// The key is missing or could not be placed; the file as a whole.
    File,
}

/// A scenario input error, ready to print.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    /// The scenario file's path, as given.
    pub file: String,
    /// Where the error is.
    pub origin: Origin,
    /// Boxed to keep `Result<_, ScenarioError>` small on the success path.
    pub error: Box<KeyError>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Origin::Position { line, column } => write!(f, "{}:{line}:{column}: ", self.file)?,
            Origin::CommandLine { option } => write!(f, "{} ({option}): ", self.file)?,
            Origin::File => write!(f, "{}: ", self.file)?,
        }
        if !self.error.key.is_empty() {
            write!(f, "key `{}`: ", self.error.key)?;
        }
        write!(f, "{}", self.error.message)?;
        if let Some(allowed) = &self.error.allowed {
            write!(f, "\n  allowed: {allowed}")?;
        }
        if let Some(suggestion) = &self.error.suggestion {
            write!(f, "\n  did you mean `{suggestion}`?")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Turns serde's messages into a `KeyError`, lifting out unknown names so that they get the
/// allowed list and a suggestion. Serde words these messages in a fixed way
/// ("unknown field `x`, expected one of `a`, `b`"), which is what is parsed here.
pub(crate) fn from_serde_message(key: String, message: &str) -> KeyError {
    for what in ["field", "variant"] {
        let prefix = format!("unknown {what} `");
        let Some(rest) = message.strip_prefix(&prefix) else {
            continue;
        };
        let Some((given, tail)) = rest.split_once('`') else {
            continue;
        };
        let valid: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
        let noun = if what == "field" { "key" } else { "value" };
        // serde_path_to_error's path already ends with the unknown field's name.
        let mut error = KeyError::unknown_name(key, noun, given, &valid);
        if valid.is_empty() {
            error.allowed = Some("nothing here".into());
        }
        return error;
    }
    if let Some(field) = message.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
        let key = if key.is_empty() || key == "." { field.to_string() } else { format!("{key}.{field}") };
        return KeyError::new(key, "is required but missing");
    }
    KeyError::new(key, message.trim().to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_gets_allowed_list_and_suggestion() {
        let e = from_serde_message(
            "detector.intervl".into(),
            "unknown field `intervl`, expected one of `kind`, `interval`, `timeout`",
        );
        assert_eq!(e.key, "detector.intervl");
        assert_eq!(e.allowed.as_deref(), Some("kind, interval, timeout"));
        assert_eq!(e.suggestion.as_deref(), Some("interval"));
    }

    #[test]
    fn far_off_names_get_no_suggestion() {
        assert_eq!(closest("zzz", ["interval", "timeout"].into_iter()), None);
    }

    #[test]
    fn missing_field_names_the_full_key() {
        let e = from_serde_message("cluster".into(), "missing field `instances`");
        assert_eq!(e.key, "cluster.instances");
    }

    #[test]
    fn display_names_file_line_column_key() {
        let error = ScenarioError {
            file: "a.toml".into(),
            origin: Origin::Position { line: 3, column: 1 },
            error: Box::new(KeyError::unknown_name("detector.kind", "detector", "hartbeat", &["heartbeat"])),
        };
        let text = error.to_string();
        assert!(text.starts_with("a.toml:3:1: key `detector.kind`: unknown detector `hartbeat`"));
        assert!(text.contains("allowed: heartbeat") && text.contains("did you mean `heartbeat`?"));
    }
}
