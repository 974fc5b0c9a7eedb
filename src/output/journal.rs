//! `journal.jsonl`: every finished job, appended as it finishes, so an interrupted sweep loses
//! nothing and `--resume` skips what is done. The first line identifies the scenario (its
//! layout and hash) and the shard; each further line is one `RunRecord` in JSON, whose numbers
//! read back bit for bit.
//!
//! Every line is sealed with a checksum of its own bytes: `{"fnv64":"<16 hex>","record":…}`
//! (`"header"` on the first line). The journal is input when it is read back, so a line that
//! fails its checksum or does not describe a job of this layout stops `--resume` and `merge`
//! (exit 2) instead of flowing into the results. Only a last line without its newline — what
//! a kill mid-write leaves — is dropped, with a warning: its job simply runs again.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::folder::{describe_io, open_no_follow};
use crate::input::{MAX_JOURNAL_BYTES, read_text};
use crate::results::{Layout, RunRecord, fnv1a};
use crate::run::MAX_SHARDS;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

pub(crate) const FILE: &str = "journal.jsonl";
/// Format 2 seals each line with a checksum; format 1 had none.
const FORMAT: u32 = 2;

/// A journal's first line: what the records belong to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The journal format's version.
    pub journal: u32,
    /// The layout of the results folder the journal belongs to.
    pub layout: Layout,
    /// `[index, count]` of the shard this journal belongs to, 1-based.
    pub shard: Option<(u32, u32)>,
}

impl Header {
    pub(crate) fn new(layout: Layout, shard: Option<(u32, u32)>) -> Self {
        Header { journal: FORMAT, layout, shard }
    }
}

/// `{"fnv64":"<checksum of body>","<kind>":<body>}`
fn seal(kind: &str, body: &str) -> String {
    format!("{{\"fnv64\":\"{:016x}\",\"{kind}\":{body}}}", fnv1a(body.as_bytes()))
}

/// The body of a sealed line (without its newline), if its checksum holds.
fn unseal<'a>(line: &'a str, kind: &str) -> Result<&'a str, String> {
    let not_sealed = || format!("is not a sealed `{kind}` line of a discosim journal (format {FORMAT})");
    let rest = line.strip_prefix("{\"fnv64\":\"").ok_or_else(not_sealed)?;
    let (hex, rest) = rest.split_at_checked(16).ok_or_else(not_sealed)?;
    let body =
        rest.strip_prefix(&format!("\",\"{kind}\":")).and_then(|r| r.strip_suffix('}')).ok_or_else(not_sealed)?;
    let sum = u64::from_str_radix(hex, 16).map_err(|_| not_sealed())?;
    if fnv1a(body.as_bytes()) != sum {
        return Err("fails its checksum: it was changed after discosim wrote it".into());
    }
    Ok(body)
}

/// An open journal, appended to line by line.
pub(crate) struct Journal {
    file: File,
}

impl Journal {
    /// Writes a journal of `header` and `records` (none: a new journal) in one atomic
    /// replacement of any old one — a symbolic link is replaced, not followed — and opens it
    /// for appending. This is also how `--resume` continues a journal: dropping a torn last
    /// line, and recording a raised replication ceiling in the header.
    pub(crate) fn rewrite(dir: &Path, header: &Header, records: &[RunRecord]) -> io::Result<Self> {
        let mut text = format!("{}\n", seal("header", &serde_json::to_string(header)?));
        for record in records {
            text.push_str(&seal("record", &serde_json::to_string(record)?));
            text.push('\n');
        }
        let path = dir.join(FILE);
        super::write_atomic(&path, text.as_bytes())?;
        let file = open_no_follow(&path, OpenOptions::new().append(true))
            .map_err(|e| io::Error::new(e.kind(), describe_io(&path, e)))?;
        Ok(Journal { file })
    }

    pub(crate) fn append(&mut self, record: &RunRecord) -> io::Result<()> {
        let line = seal("record", &serde_json::to_string(record)?);
        self.write_line(&line)
    }

    /// One write per line, then flush: a kill leaves whole lines and at most one partial one.
    fn write_line(&mut self, line: &str) -> io::Result<()> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.file.write_all(&bytes)?;
        self.file.flush()
    }
}

/// Why a journal could not be read. Every kind is bad input (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No journal in the folder.
    #[error("no journal in {0} (nothing to resume or merge there)")]
    Missing(String),
    /// The journal could not be read.
    #[error("cannot read {path}: {why}")]
    Unreadable {
        /// The journal file.
        path: String,
        /// What went wrong.
        why: String,
    },
    /// A line is not a sealed, well-formed journal line.
    #[error("{path}:{line}: {why}")]
    Bad {
        /// The journal file.
        path: String,
        /// The line number, from 1.
        line: usize,
        /// What is wrong with the line.
        why: String,
    },
}

/// A journal as read back.
#[derive(Debug)]
pub struct Contents {
    /// The header line.
    pub header: Header,
    /// The records, in the order they were appended.
    pub records: Vec<RunRecord>,
    /// A last line without its newline (a kill mid-write) was dropped.
    pub dropped_torn_line: bool,
}

/// Reads and checks a journal: its header and every complete record.
pub fn read(dir: &Path) -> Result<Contents, ReadError> {
    let path = dir.join(FILE);
    let shown = path.display().to_string();
    match std::fs::symlink_metadata(&path) {
        Err(_) => return Err(ReadError::Missing(dir.display().to_string())),
        Ok(m) if m.is_symlink() => {
            let why = "is a symbolic link; discosim neither reads nor writes a journal through one (remove it)";
            return Err(ReadError::Unreadable { path: shown, why: why.into() });
        }
        Ok(_) => {}
    }
    let text = read_text(&path, MAX_JOURNAL_BYTES).map_err(|why| ReadError::Unreadable { path: shown.clone(), why })?;
    let bad = |line: usize, why: String| ReadError::Bad { path: shown.clone(), line, why };
    let mut lines = text.split_inclusive('\n');
    let header = parse_header(lines.next().unwrap_or("")).map_err(|why| bad(1, why))?;
    let mut contents = Contents { header, records: Vec::new(), dropped_torn_line: false };
    for (index, line) in lines.enumerate() {
        let Some(line) = line.strip_suffix('\n') else {
            contents.dropped_torn_line = true;
            break;
        };
        let record = parse_record(line, &contents).map_err(|why| bad(index + 2, why))?;
        contents.records.push(record);
    }
    super::super::results::check_distinct_jobs(&contents.records).map_err(|(i, why)| bad(i + 2, why))?;
    Ok(contents)
}

/// The header of `dir`'s journal: its first line only, checked (to tell which scenario a
/// folder holds without reading every record).
pub(crate) fn read_header(dir: &Path) -> Result<Header, ReadError> {
    let path = dir.join(FILE);
    let shown = path.display().to_string();
    let unreadable = |why: String| ReadError::Unreadable { path: shown.clone(), why };
    let file = crate::input::open_regular(&path).map_err(unreadable)?;
    let mut line = Vec::new();
    io::BufRead::read_until(&mut io::BufReader::new(file.take(MAX_JOURNAL_BYTES)), b'\n', &mut line)
        .map_err(|e| unreadable(e.to_string()))?;
    let line = String::from_utf8(line).map_err(|_| unreadable("is not UTF-8 text".into()))?;
    parse_header(&line).map_err(|why| ReadError::Bad { path: shown.clone(), line: 1, why })
}

fn parse_header(line: &str) -> Result<Header, String> {
    let Some(line) = line.strip_suffix('\n') else {
        return Err("the header line is missing or incomplete".into());
    };
    if line.starts_with("{\"journal\":") {
        return Err(format!(
            "written by an older discosim (journal format 1, without checksums; this one reads {FORMAT}): rerun without --resume"
        ));
    }
    let body = unseal(line, "header")?;
    let header: Header = serde_json::from_str(body).map_err(|e| format!("header: {e}"))?;
    if header.journal != FORMAT {
        return Err(format!("journal format {} (this discosim reads {FORMAT})", header.journal));
    }
    check_shard(header.shard)?;
    header.layout.check().map_err(|why| format!("header: {why}"))?;
    Ok(header)
}

fn check_shard(shard: Option<(u32, u32)>) -> Result<(), String> {
    match shard {
        Some((index, count)) if !(1..=MAX_SHARDS).contains(&count) || !(1..=count).contains(&index) => {
            Err(format!("header: shard [{index}, {count}] is not I/N with 1 ≤ I ≤ N ≤ {MAX_SHARDS}"))
        }
        _ => Ok(()),
    }
}

fn parse_record(line: &str, contents: &Contents) -> Result<RunRecord, String> {
    let body = unseal(line, "record")?;
    let record: RunRecord = serde_json::from_str(body).map_err(|e| format!("record: {e}"))?;
    let first = contents.records.first();
    contents.header.layout.check_record(&record, first).map_err(|why| format!("record: {why}"))?;
    Ok(record)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_line_opens_only_unchanged() {
        let line = seal("record", "{\"a\":1}");
        assert_eq!(unseal(&line, "record"), Ok("{\"a\":1}"));
        assert!(unseal(&line.replace("1}", "2}"), "record").unwrap_err().contains("checksum"));
        assert!(unseal(&line, "header").unwrap_err().contains("not a sealed"));
        assert!(unseal("{\"fnv64\":\"ab", "record").is_err());
        assert!(unseal("", "record").is_err());
    }

    #[test]
    fn shards_must_be_one_of_n() {
        for bad in [(0, 2), (5, 2), (1, 4_000_000_000), (0, 0)] {
            assert!(check_shard(Some(bad)).is_err(), "{bad:?}");
        }
        assert!(check_shard(Some((2, 2))).is_ok() && check_shard(None).is_ok());
    }
}
