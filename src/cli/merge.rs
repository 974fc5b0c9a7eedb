//! `discosim merge DIR...`: joins the results folders of shards into one folder whose CSV
//! files are identical to those of a single-machine run.

use super::run::same_jobs;
use crate::exit::Exit;
use crate::output::folder;
use crate::output::journal::{self, Header, Journal};
use crate::output::write_results;
use crate::results::{RunRecord, canonical_order};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

#[derive(Args)]
pub(super) struct MergeArgs {
    /// Results folders of the shards (each holds a journal.jsonl).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Where to write the merged results (default results/<scenario name>/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Clear the output folder if it holds another scenario's results.
    #[arg(long)]
    force: bool,
}

pub(super) fn merge(args: &MergeArgs) -> ExitCode {
    match try_merge(args) {
        Ok(dir) => {
            println!("merged {} folder(s) into {}", args.dirs.len(), dir.display());
            ExitCode::SUCCESS
        }
        Err((code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

fn try_merge(args: &MergeArgs) -> Result<PathBuf, (Exit, String)> {
    let mut journals = Vec::new();
    for dir in &args.dirs {
        if !dir.is_dir() {
            return Err((Exit::BadInput, format!("{}: not a results folder", dir.display())));
        }
        // Read under the folder's lock: a shard still running is refused, not half-read.
        let _lock = folder::lock(dir).map_err(|e| (e.code, e.message))?;
        let contents = journal::read(dir).map_err(|e| (Exit::BadInput, e.to_string()))?;
        super::run::warn_torn(dir, &contents);
        journals.push(contents);
    }
    let headers: Vec<Header> = journals.iter().map(|j| j.header.clone()).collect();
    let Some(first) = headers.first() else {
        return Err((Exit::BadInput, "name at least one folder to merge".into()));
    };
    check_shards(&headers, &args.dirs)?;
    let mut records: Vec<RunRecord> = journals.into_iter().flat_map(|j| j.records).collect();
    canonical_order(&mut records);
    check_complete(first, &records)?;
    let mut layout = first.layout.clone();
    layout.replication_ceiling = headers.iter().map(|h| h.layout.replication_ceiling).max().unwrap_or(1);
    let dir = args.out.clone().unwrap_or_else(|| Path::new("results").join(&layout.name));
    let _lock = folder::lock(&dir).map_err(|e| (e.code, e.message))?;
    folder::prepare(&dir, &layout.scenario_hash, false, args.force).map_err(|e| (e.code, e.message))?;
    let io = |e: std::io::Error| (Exit::CannotWrite, format!("cannot write to {}: {e}", dir.display()));
    Journal::rewrite(&dir, &Header::new(layout.clone(), None), &records).map_err(io)?;
    let provenance = serde_json::json!({
        "command_line": std::env::args().collect::<Vec<_>>(),
        "finished": humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        "merged_from": args.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
    });
    write_results(&dir, &layout, &records, &provenance).map_err(io)?;
    crate::chart::draw_all(&dir)
        .map_err(|e| (Exit::CannotWrite, format!("cannot draw the charts in {}: {e}", dir.display())))?;
    Ok(dir)
}

/// All folders must hold the same scenario; shards must be of one N and cover 1..=N once.
fn check_shards(headers: &[Header], dirs: &[PathBuf]) -> Result<(), (Exit, String)> {
    let unsharded = |h: &Header| Header { shard: None, ..h.clone() };
    let (Some(first), Some(first_dir)) = (headers.first(), dirs.first()) else {
        return Ok(());
    };
    for (header, dir) in headers.iter().zip(dirs) {
        if !same_jobs(&unsharded(header), &unsharded(first)) {
            return Err((
                Exit::BadInput,
                format!(
                    "{} holds another scenario (hash {}) than {} (hash {})",
                    dir.display(),
                    header.layout.scenario_hash,
                    first_dir.display(),
                    first.layout.scenario_hash
                ),
            ));
        }
    }
    if let Some((header, dir)) = headers.iter().zip(dirs).find(|(h, _)| h.layout.label != first.layout.label) {
        return Err((
            Exit::BadInput,
            format!(
                "{} was run with label {:?}, {} with {:?}: shards of one run share its --label",
                dir.display(),
                header.layout.label,
                first_dir.display(),
                first.layout.label
            ),
        ));
    }
    let Some((_, count)) = first.shard else {
        return Ok(());
    };
    // Shards were checked on reading: 1 ≤ index ≤ count ≤ run::MAX_SHARDS.
    let mut seen = vec![false; count as usize];
    for (header, dir) in headers.iter().zip(dirs) {
        let slot = header.shard.and_then(|(index, _)| (index as usize).checked_sub(1)).and_then(|i| seen.get_mut(i));
        match (header.shard, slot) {
            (Some((_, n)), Some(slot)) if n == count && !*slot => *slot = true,
            (Some((index, n)), _) if n == count => {
                return Err((Exit::BadInput, format!("shard {index}/{n} is given twice ({})", dir.display())));
            }
            (other, _) => {
                return Err((Exit::BadInput, format!("{} is shard {other:?}, not one of {count}", dir.display())));
            }
        }
    }
    let missing: Vec<String> =
        seen.iter().enumerate().filter(|(_, s)| !**s).map(|(i, _)| format!("{}/{count}", i + 1)).collect();
    if !missing.is_empty() {
        return Err((Exit::BadInput, format!("missing shard(s): {}", missing.join(", "))));
    }
    Ok(())
}

/// Every point must have its replications (at least the first batch, under sequential stopping).
fn check_complete(header: &Header, records: &[RunRecord]) -> Result<(), (Exit, String)> {
    for point in 0..header.layout.points.len() {
        let have = records.iter().filter(|r| r.point == point).count();
        if have < header.layout.replications as usize {
            return Err((
                Exit::BadInput,
                format!(
                    "point {point} has {have} of {} replications: a shard did not finish (rerun it with --resume)",
                    header.layout.replications
                ),
            ));
        }
    }
    Ok(())
}
