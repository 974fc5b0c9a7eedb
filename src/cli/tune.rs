//! `discosim tune FILE`: reads the scenario's `[tune]` table, runs the search, prints the
//! chosen setting and writes `tune.csv` into the results folder. Exit 0 when a setting meets
//! every requirement, 1 when none in the ranges does, 2 on bad input, 3 when the file cannot
//! be written.

use super::{machine_memory_bytes, overrides_from, report_refusals};
use crate::exit::Exit;
use crate::output::{folder, write_atomic};
use crate::scenario::{self, ScenarioError};
use crate::tune::search::{Outcome, search};
use crate::tune::{Evaluation, Tuner, report, setting_text};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub(super) struct TuneArgs {
    /// Scenario file (TOML) with a [tune] table.
    scenario: PathBuf,
    /// Override any scenario key, e.g. --set network.loss=0.05 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Results folder for tune.csv (default results/<scenario name>-tune/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores; at most 4096). Results do not depend on it.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=4096))]
    threads: u16,
    /// Do not print each candidate on stderr as it is decided.
    #[arg(long)]
    quiet: bool,
    /// Go ahead although the preflight refuses the scenario at an end of the knobs' ranges.
    #[arg(long)]
    force: bool,
}

/// Runs `discosim tune`.
pub(super) fn tune(args: &TuneArgs) -> ExitCode {
    match try_tune(args) {
        Ok(code) => code,
        Err((code, message)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

fn try_tune(args: &TuneArgs) -> Result<ExitCode, (Exit, String)> {
    let bad = |e: ScenarioError| (Exit::BadInput, e.to_string());
    let overrides = overrides_from(&args.set, args.seed, None).map_err(|e| (Exit::BadInput, e))?;
    let tuned = scenario::load_tuned(&args.scenario, &overrides).map_err(bad)?;
    let Some(spec) = tuned.spec else {
        let message = format!(
            "{}: has no [tune] table, so there is nothing to tune (see docs/studies.md, Tuning)",
            args.scenario.display()
        );
        return Err((Exit::BadInput, message));
    };
    let threads = if args.threads == 0 { rayon::current_num_threads() } else { args.threads.into() };
    let tuner = Tuner { spec: &spec, text: &tuned.text, file: &args.scenario, overrides: &overrides, threads };
    preflight(&tuner, args.force)?;
    let dir = args.out.clone().unwrap_or_else(|| Path::new("results").join(format!("{}-tune", tuned.loaded.name)));
    let _lock = folder::lock(&dir).map_err(|e| (e.code, e.message))?;
    let outcome = search(&tuner, |e| progress(&spec, e, args.quiet)).map_err(bad)?;
    write(&dir, &spec, &outcome)?;
    print!("{}", report::table(&spec, &outcome));
    Ok(ExitCode::from(if outcome.best.is_some() { Exit::Fine } else { Exit::UNMET }))
}

/// Loads the scenario at both ends of every range and estimates a run there before anything
/// runs: a knob value the scenario refuses is reported at once, and a run too large for the
/// machine is refused as `run` refuses it (unless `--force`), not after minutes of runs.
fn preflight(tuner: &Tuner, force: bool) -> Result<(), (Exit, String)> {
    let memory = machine_memory_bytes().ok();
    let ends = [tuner.spec.knobs.iter().map(|k| k.low).collect(), tuner.spec.knobs.iter().map(|k| k.high).collect()];
    for values in ends {
        let values: Vec<f64> = values;
        let loaded = tuner.load(&values).map_err(|e| (Exit::BadInput, e.to_string()))?;
        let refusals = crate::preflight::refusals(&crate::preflight::estimate(&loaded, tuner.threads, 1), memory);
        if report_refusals(&loaded.file, &refusals, force) {
            let message = format!(
                "the preflight refuses a candidate at {}; --force goes ahead",
                setting_text(tuner.spec, &values)
            );
            return Err((Exit::BadInput, message));
        }
    }
    Ok(())
}

fn write(dir: &Path, spec: &crate::scenario::tune::TuneSpec, outcome: &Outcome) -> Result<(), (Exit, String)> {
    let path = dir.join("tune.csv");
    write_atomic(&path, &report::csv(spec, outcome))
        .map_err(|e| (Exit::CannotWrite, format!("cannot write {}: {e}", path.display())))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn progress(spec: &crate::scenario::tune::TuneSpec, e: &Evaluation, quiet: bool) {
    if quiet {
        return;
    }
    let verdict = if e.feasible() { "meets every requirement" } else { "does not meet them" };
    eprintln!("{} {}: {} replication(s), {verdict}", e.stage, setting_text(spec, &e.values), e.replications);
}
