//! `discosim merge DIR...`: joins the results folders of shards into one folder whose CSV
//! files are identical to those of a single-machine run.

use super::run::same_jobs;
use crate::output::journal::{self, Header, Journal};
use crate::output::write_results;
use crate::results::{RunRecord, canonical_order};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

#[derive(Args)]
pub struct MergeArgs {
    /// Results folders of the shards (each holds a journal.jsonl).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Where to write the merged results (default results/<scenario name>/).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn merge(args: &MergeArgs) -> ExitCode {
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

fn try_merge(args: &MergeArgs) -> Result<PathBuf, (u8, String)> {
    let mut journals = Vec::new();
    for dir in &args.dirs {
        journals.push(journal::read(dir).map_err(|e| (2, e.to_string()))?);
    }
    let first = journals[0].0.clone();
    check_shards(&journals.iter().map(|(h, _)| h.clone()).collect::<Vec<_>>(), &args.dirs)?;
    let mut records: Vec<RunRecord> = journals.into_iter().flat_map(|(_, r)| r).collect();
    canonical_order(&mut records);
    check_complete(&first, &records)?;
    let layout = first.layout.clone();
    let dir = args.out.clone().unwrap_or_else(|| Path::new("results").join(&layout.name));
    let io = |e: std::io::Error| (3, format!("cannot write to {}: {e}", dir.display()));
    let mut merged = Journal::create(&dir, &Header::new(layout.clone(), None)).map_err(io)?;
    for record in &records {
        merged.append(record).map_err(io)?;
    }
    let provenance = serde_json::json!({
        "command_line": std::env::args().collect::<Vec<_>>(),
        "finished": humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        "merged_from": args.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
    });
    write_results(&dir, &layout, &records, &provenance).map_err(io)?;
    crate::chart::draw_all(&dir).map_err(|e| (3, format!("cannot draw the charts in {}: {e}", dir.display())))?;
    Ok(dir)
}

/// All folders must hold the same scenario; shards must be of one N and cover 1..=N once.
fn check_shards(headers: &[Header], dirs: &[PathBuf]) -> Result<(), (u8, String)> {
    let unsharded = |h: &Header| Header { shard: None, ..h.clone() };
    for (header, dir) in headers.iter().zip(dirs) {
        if !same_jobs(&unsharded(header), &unsharded(&headers[0])) {
            return Err((
                2,
                format!(
                    "{} holds another scenario (hash {}) than {} (hash {})",
                    dir.display(),
                    header.layout.scenario_hash,
                    dirs[0].display(),
                    headers[0].layout.scenario_hash
                ),
            ));
        }
    }
    let Some((_, count)) = headers[0].shard else {
        return Ok(());
    };
    let mut seen = vec![false; count as usize];
    for (header, dir) in headers.iter().zip(dirs) {
        match header.shard {
            Some((index, n)) if n == count && !seen[(index - 1) as usize] => seen[(index - 1) as usize] = true,
            Some((index, n)) if n == count => {
                return Err((2, format!("shard {index}/{n} is given twice ({})", dir.display())));
            }
            other => {
                return Err((2, format!("{} is shard {other:?}, not one of {count}", dir.display())));
            }
        }
    }
    let missing: Vec<String> =
        seen.iter().enumerate().filter(|(_, s)| !**s).map(|(i, _)| format!("{}/{count}", i + 1)).collect();
    if !missing.is_empty() {
        return Err((2, format!("missing shard(s): {}", missing.join(", "))));
    }
    Ok(())
}

/// Every point must have its replications (at least the first batch, under sequential stopping).
fn check_complete(header: &Header, records: &[RunRecord]) -> Result<(), (u8, String)> {
    for point in 0..header.layout.points.len() {
        let have = records.iter().filter(|r| r.point == point).count();
        if have < header.layout.replications as usize {
            return Err((
                2,
                format!(
                    "point {point} has {have} of {} replications: a shard did not finish (rerun it with --resume)",
                    header.layout.replications
                ),
            ));
        }
    }
    Ok(())
}
