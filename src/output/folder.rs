//! The results folder as a whole: one writer at a time (an advisory lock held for the whole
//! run), the results of one scenario only (another scenario's are refused unless `--force`
//! clears them), no file of an older run left beside new results, no temporary left behind,
//! and never a write through a symbolic link.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::journal;
use crate::exit::Exit;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::Path;

/// Every temporary discosim creates in a results folder starts with this.
pub(crate) const TEMPORARY_PREFIX: &str = ".discosim-tmp-";
/// The lock file: holds the process id and command line of the writer.
pub(crate) const LOCK_FILE: &str = ".discosim.lock";
/// The files a run writes, charts aside.
const OUTPUTS: &[&str] = &[
    "runs.csv",
    "summary.csv",
    "summary_long.csv",
    "engine.csv",
    "cdf.csv",
    "checks.csv",
    "trace.csv",
    "manifest.json",
    "report.html",
];
/// Charts drawn without a `[[plot]]`, removed even when the old manifest cannot be read (with
/// the CDF of every sampled metric, `NAME-cdf`).
const DEFAULT_CHARTS: &[&str] = &["chart", "chart-2", "chart-3", "chart-4", "timeline"];

/// Why a folder cannot be used, with the exit code: 2 for another writer or another scenario's
/// results (a usage problem), 3 for what the file system refused.
#[derive(Debug)]
pub(crate) struct FolderError {
    pub code: Exit,
    pub message: String,
}

fn refused(message: String) -> FolderError {
    FolderError { code: Exit::BadInput, message }
}

fn io_error(path: &Path, e: io::Error) -> FolderError {
    FolderError { code: Exit::CannotWrite, message: describe_io(path, e) }
}

/// An exclusive lock on a results folder, released when dropped (or when the process ends).
/// None on a file system without `flock` (some cluster file systems): a warning was printed.
#[derive(Debug)]
pub(crate) struct FolderLock {
    _file: Option<File>,
}

/// Takes the folder's lock, or says which process holds it.
pub(crate) fn lock(dir: &Path) -> Result<FolderLock, FolderError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let path = dir.join(LOCK_FILE);
    let mut file = open_no_follow(&path, OpenOptions::new().read(true).write(true).create(true).truncate(false))
        .map_err(|e| io_error(&path, e))?;
    refuse_hard_link(&file).map_err(|e| io_error(&path, e))?;
    match file.try_lock() {
        Ok(()) => {
            let holder = format!("process {} ({})", std::process::id(), std::env::args().collect::<Vec<_>>().join(" "));
            file.set_len(0).and_then(|()| file.write_all(holder.as_bytes())).map_err(|e| io_error(&path, e))?;
            Ok(FolderLock { _file: Some(file) })
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.rewind().and_then(|()| (&mut file).take(4096).read_to_string(&mut holder));
            let holder = if holder.is_empty() { "another process".to_string() } else { holder };
            Err(refused(format!(
                "{} is being written by another discosim: {holder}; wait for it to finish or use another --out",
                dir.display()
            )))
        }
        Err(std::fs::TryLockError::Error(e)) if locks_unsupported(&e) => {
            eprintln!(
                "warning: {}: the file system does not support locks ({e}); nothing stops a second writer",
                path.display()
            );
            Ok(FolderLock { _file: None })
        }
        Err(std::fs::TryLockError::Error(e)) => Err(io_error(&path, e)),
    }
}

/// The lock file is truncated when taken: a hard link planted at its name would truncate
/// another file, which `O_NOFOLLOW` (symbolic links only) does not stop.
fn refuse_hard_link(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    if std::os::unix::fs::MetadataExt::nlink(&file.metadata()?) > 1 {
        return Err(io::Error::other("has another name (a hard link); discosim never writes through one; remove it"));
    }
    Ok(())
}

fn locks_unsupported(e: &io::Error) -> bool {
    #[cfg(unix)]
    if let Some(code) = e.raw_os_error() {
        return [libc::ENOSYS, libc::ENOLCK, libc::EOPNOTSUPP].contains(&code);
    }
    e.kind() == io::ErrorKind::Unsupported
}

/// What a results folder holds, judged by its journal (or, without one, its manifest).
#[derive(Debug, PartialEq)]
pub(crate) enum Holds {
    Nothing,
    /// Results of the scenario with this hash.
    Scenario(String),
    /// discosim's files whose scenario cannot be told: a damaged journal (why) or manifest.
    Unknown(String),
}

/// The journal tells first; a journal that cannot be read (damaged, of an older format) leaves
/// it to the manifest, so a fresh run may replace it when the manifest names this scenario.
/// (`--resume` reads the journal itself and reports what is wrong with it.)
pub(crate) fn holds(dir: &Path) -> Holds {
    // A planted link is no journal: it is replaced, or refused on resuming.
    let journal = if std::fs::symlink_metadata(dir.join(journal::FILE)).is_ok_and(|m| m.is_file()) {
        match journal::read_header(dir) {
            Ok(header) => return Holds::Scenario(header.layout.scenario_hash),
            Err(e) => Some(e.to_string()),
        }
    } else {
        None
    };
    let manifest = manifest_value(dir).and_then(|m| m.get("scenario_hash")?.as_str().map(String::from));
    match (manifest, journal) {
        (Some(hash), _) => Holds::Scenario(hash),
        (None, Some(why)) => Holds::Unknown(why),
        (None, None) if dir.join("manifest.json").exists() => Holds::Unknown("manifest.json is damaged".into()),
        (None, None) if OUTPUTS.iter().any(|f| dir.join(f).exists()) => {
            Holds::Unknown("it has results files but no journal or manifest".into())
        }
        (None, None) => Holds::Nothing,
    }
}

/// Makes a locked folder ready for a run of the scenario `hash`: refuses another scenario's
/// results (unless `force`), removes temporaries and every output of an older run (the journal
/// stays when resuming). A folder holding no results is left as it is, temporaries aside.
pub(crate) fn prepare(dir: &Path, hash: &str, resume: bool, force: bool) -> Result<(), FolderError> {
    let found = holds(dir);
    match &found {
        Holds::Nothing => {}
        Holds::Scenario(h) if h == hash => {}
        found if resume => {
            return Err(refused(format!(
                "cannot resume in {}: it holds {}, not this scenario's (hash {hash}); use another --out, or run without --resume (and with --force to clear it)",
                dir.display(),
                describe(found)
            )));
        }
        found if !force => {
            return Err(refused(format!(
                "{} holds {}, not this scenario's (hash {hash}); use another --out, or --force to clear it",
                dir.display(),
                describe(found)
            )));
        }
        _ => {}
    }
    let charts = chart_names(dir);
    remove_temporaries(dir, &charts).map_err(|e| io_error(dir, e))?;
    if found == Holds::Nothing {
        return Ok(());
    }
    clear_outputs(dir, &charts, resume).map_err(|e| io_error(dir, e))
}

fn describe(found: &Holds) -> String {
    match found {
        Holds::Scenario(hash) => format!("the results of another scenario (hash {hash})"),
        Holds::Unknown(why) => format!("results whose scenario cannot be told ({why})"),
        Holds::Nothing => "nothing".into(),
    }
}

/// The charts an older run may have drawn: those its manifest names, and the defaults.
fn chart_names(dir: &Path) -> Vec<String> {
    let mut charts: Vec<String> = DEFAULT_CHARTS.iter().map(|c| c.to_string()).collect();
    charts.extend(crate::metrics::SAMPLED.iter().map(|m| format!("{m}-cdf")));
    if let Some(manifest) = manifest_value(dir) {
        let plots = manifest.get("plots").and_then(|p| p.as_array()).into_iter().flatten();
        let names = plots.filter_map(|p| p.get("name")?.as_str());
        charts.extend(names.filter(|n| crate::input::check_name(n).is_ok()).map(String::from));
    }
    charts
}

/// Removes the outputs of an older run: its files, its charts, and (unless `keep_journal`)
/// its journal. Files discosim does not write are left alone.
fn clear_outputs(dir: &Path, charts: &[String], keep_journal: bool) -> io::Result<()> {
    let files = charts.iter().flat_map(|c| [format!("{c}.png"), format!("{c}.svg")]);
    let mut files: Vec<String> = files.chain(OUTPUTS.iter().map(|f| f.to_string())).collect();
    if !keep_journal {
        files.push(journal::FILE.into());
    }
    for file in files {
        remove_if_present(&dir.join(file))?;
    }
    Ok(())
}

/// Removes what an interrupted or failed writer may have left: discosim's temporaries
/// (`.discosim-tmp-*`, files or folders), and the temporary files of versions before this one
/// (`.runs.csv.tmp-PID` and the like, `.CHART.tmp.png`, `.CHART.tmp.svg`). Nothing else.
fn remove_temporaries(dir: &Path, charts: &[String]) -> io::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(TEMPORARY_PREFIX) {
            remove_if_present(&entry.path())?;
        } else if is_legacy_temporary(&name, charts) && !entry.file_type()?.is_dir() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// `.FILE.tmp-PID` for a file discosim writes, or `.CHART.tmp.png` / `.CHART.tmp.svg`.
fn is_legacy_temporary(name: &str, charts: &[String]) -> bool {
    let Some(name) = name.strip_prefix('.') else {
        return false;
    };
    let files = OUTPUTS.iter().copied().chain([journal::FILE]);
    let of_file = files.into_iter().any(|f| {
        name.strip_prefix(f)
            .and_then(|rest| rest.strip_prefix(".tmp-"))
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
    });
    let of_chart = charts
        .iter()
        .any(|c| name.strip_prefix(c.as_str()).is_some_and(|rest| rest == ".tmp.png" || rest == ".tmp.svg"));
    of_file || of_chart
}

/// Removes a file, a symbolic link (not its target) or a folder of discosim's temporaries.
fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
    }
}

fn manifest_value(dir: &Path) -> Option<serde_json::Value> {
    let bytes = crate::input::read_bytes(&dir.join("manifest.json"), crate::input::MAX_RESULTS_FILE_BYTES).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Opens a file for writing without following a symbolic link at its last component.
pub(crate) fn open_no_follow(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(options, libc::O_NOFOLLOW);
    options.open(path)
}

/// `ELOOP` from `O_NOFOLLOW` says "symbolic link" in a way a user would not guess.
fn no_follow_message(e: io::Error) -> String {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return "is a symbolic link, and discosim never writes through one; remove it".into();
    }
    e.to_string()
}

/// An error opening a file for writing, worded for a user.
pub(crate) fn describe_io(path: &Path, e: io::Error) -> String {
    format!("{}: {}", path.display(), no_follow_message(e))
}
