//! `journal.jsonl`: every finished job, appended as it finishes, so an interrupted sweep loses
//! nothing and `--resume` skips what is done. The first line identifies the scenario (its
//! layout and hash) and the shard; each further line is one `RunRecord` in JSON, whose numbers
//! read back bit for bit. A line cut short by a kill is ignored on reading.

use crate::results::{Layout, RunRecord};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

pub const FILE: &str = "journal.jsonl";
const FORMAT: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub journal: u32,
    pub layout: Layout,
    /// `[index, count]` of the shard this journal belongs to, 1-based.
    pub shard: Option<(u32, u32)>,
}

impl Header {
    pub fn new(layout: Layout, shard: Option<(u32, u32)>) -> Self {
        Header { journal: FORMAT, layout, shard }
    }
}

/// An open journal, appended to line by line.
pub struct Journal {
    file: File,
}

impl Journal {
    /// Starts a new journal in `dir` (replacing any old one).
    pub fn create(dir: &Path, header: &Header) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut journal = Journal { file: File::create(dir.join(FILE))? };
        journal.write_line(&serde_json::to_string(header)?)?;
        Ok(journal)
    }

    /// Reopens an existing journal to append to it.
    pub fn append_to(dir: &Path) -> io::Result<Self> {
        let mut file = OpenOptions::new().append(true).open(dir.join(FILE))?;
        // Close a line cut short by a kill, so the next record starts on its own line.
        let text = std::fs::read(dir.join(FILE))?;
        if text.last().is_some_and(|&b| b != b'\n') {
            file.write_all(b"\n")?;
        }
        Ok(Journal { file })
    }

    pub fn append(&mut self, record: &RunRecord) -> io::Result<()> {
        self.write_line(&serde_json::to_string(record)?)
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

/// Why a journal could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("no journal in {0} (nothing to resume or merge there)")]
    Missing(String),
    #[error("cannot read {path}: {error}")]
    Io { path: String, error: io::Error },
    #[error("{path} is not a discosim journal: {why}")]
    Malformed { path: String, why: String },
}

/// Reads a journal: its header and every complete record.
pub fn read(dir: &Path) -> Result<(Header, Vec<RunRecord>), ReadError> {
    let path = dir.join(FILE);
    let shown = path.display().to_string();
    if !path.exists() {
        return Err(ReadError::Missing(dir.display().to_string()));
    }
    let text = std::fs::read_to_string(&path).map_err(|error| ReadError::Io { path: shown.clone(), error })?;
    let mut lines = text.split_inclusive('\n');
    let malformed = |why: String| ReadError::Malformed { path: shown.clone(), why };
    let header: Header = lines
        .next()
        .filter(|l| l.ends_with('\n'))
        .ok_or_else(|| malformed("no header line".into()))
        .and_then(|l| serde_json::from_str(l).map_err(|e| malformed(format!("header: {e}"))))?;
    if header.journal != FORMAT {
        return Err(malformed(format!("journal format {} (this discosim reads {FORMAT})", header.journal)));
    }
    let mut records = Vec::new();
    for line in lines {
        // An incomplete last line is what a kill mid-write leaves: skip it, the job reruns.
        if !line.ends_with('\n') || line.trim().is_empty() {
            continue;
        }
        records.push(serde_json::from_str(line).map_err(|e| malformed(format!("record: {e}")))?);
    }
    Ok((header, records))
}
