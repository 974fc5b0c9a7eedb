//! Finds where a dotted key path (`fault[0].at`) is written in a TOML text.

use toml::de::{DeTable, DeValue};

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits `a.b[2]."c.d"` into keys and indices; a quoted part is one key, dots and all.
fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        rest = rest.trim_start_matches('.');
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push(Segment::Key(&quoted[..end]));
            rest = quoted.get(end + 1..).unwrap_or("");
        } else if let Some(index) = rest.strip_prefix('[') {
            let end = index.find(']').unwrap_or(index.len());
            if let Ok(i) = index[..end].parse() {
                out.push(Segment::Index(i));
            }
            rest = index.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end > 0 {
                out.push(Segment::Key(&rest[..end]));
            }
            rest = &rest[end..];
        }
    }
    out
}

/// The byte range of the deepest part of `path` that exists in `text` (the key's value if the
/// whole path exists), or None if the text does not parse or nothing of the path is there.
pub(crate) fn span_of(text: &str, path: &str) -> Option<std::ops::Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let mut current: &DeValue = &DeValue::Table(root.get_ref().clone());
    let mut best = None;
    for segment in segments(path) {
        let next = match (segment, current) {
            (Segment::Key(key), DeValue::Table(table)) => {
                table.iter().find(|(k, _)| k.get_ref() == key).map(|(k, v)| (k.span(), v))
            }
            (Segment::Index(i), DeValue::Array(array)) => array.get(i).map(|v| (v.span(), v)),
            _ => None,
        };
        let Some((key_span, value)) = next else { break };
        best = Some(if value.span().is_empty() { key_span } else { value.span() });
        current = value.get_ref();
    }
    best
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\n[detector]\nkind = \"heartbeat\"\nintervl = \"1s\"\n\n[[fault]]\nat = \"1s\"\n\n[[fault]]\nat = \"2s\"\n";

    fn at(path: &str) -> (usize, usize) {
        line_column(TEXT, span_of(TEXT, path).unwrap().start)
    }

    #[test]
    fn finds_keys_tables_and_array_elements() {
        assert_eq!(at("detector.intervl"), (4, 11));
        assert_eq!(at("fault[1].at"), (10, 6));
        assert_eq!(at("name"), (1, 8));
        let swept = "[sweep]\n\"detector.interval\" = [\"1s\"]\n";
        let span = span_of(swept, "sweep.\"detector.interval\"").unwrap();
        assert_eq!(line_column(swept, span.start), (2, 23));
    }

    #[test]
    fn missing_leaf_falls_back_to_its_table() {
        let (line, _) = at("detector.timeout");
        assert!((2..=4).contains(&line), "line {line}");
        assert!(span_of(TEXT, "nothing.here").is_none());
        assert!(span_of("not = = toml", "not").is_none());
    }
}
