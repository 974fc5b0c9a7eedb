//! The command line (SPEC §4): parses arguments, loads scenarios, runs them and writes the
//! results folder. Exit codes: 0 fine, 2 bad input, 3 results could not be written.

use crate::output::{self, write_atomic};
use crate::run::{self, RunRecord};
use crate::scenario::{self, LoadedScenario, Override, ScenarioError};
use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "discosim",
    version,
    about = "Deterministic discrete-event simulator of service discovery and fault tolerance"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios (sweep and replications included) and write their results.
    Run(RunArgs),
    /// Check scenario files without running them.
    Validate(ScenarioArgs),
}

#[derive(Args)]
struct ScenarioArgs {
    /// Scenario files (TOML).
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// Override any scenario key, e.g. --set detector.interval=2s (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override the number of replications.
    #[arg(long)]
    replications: Option<u32>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Results folder (default results/<scenario name>/; with several scenarios, a folder
    /// per scenario inside it).
    #[arg(long)]
    out: Option<PathBuf>,
    /// No progress on stderr.
    #[arg(long)]
    quiet: bool,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate(args) => validate(&args),
        Command::Run(args) => run(&args),
    }
}

fn overrides(args: &ScenarioArgs) -> Result<Vec<Override>, String> {
    let mut list: Vec<Override> = args
        .set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<_, _>>()?;
    if let Some(seed) = args.seed {
        list.push(Override {
            key: "seed".into(),
            value: toml::Value::Integer(seed as i64),
        });
    }
    if let Some(replications) = args.replications {
        list.push(Override {
            key: "replications".into(),
            value: toml::Value::Integer(replications as i64),
        });
    }
    Ok(list)
}

/// Loads every scenario; prints every error (not just the first) and fails if any.
fn load_all(args: &ScenarioArgs) -> Result<Vec<LoadedScenario>, ExitCode> {
    let overrides = overrides(args).map_err(|e| {
        eprintln!("error: --set {e}");
        ExitCode::from(2)
    })?;
    let results: Vec<Result<LoadedScenario, ScenarioError>> = args
        .scenarios
        .iter()
        .map(|p| scenario::load(p, &overrides))
        .collect();
    let errors: Vec<&ScenarioError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    if !errors.is_empty() {
        for error in errors {
            eprintln!("error: {error}");
        }
        return Err(ExitCode::from(2));
    }
    Ok(results.into_iter().filter_map(Result::ok).collect())
}

fn validate(args: &ScenarioArgs) -> ExitCode {
    match load_all(args) {
        Ok(loaded) => {
            for s in loaded {
                let runs: u32 = s.points.iter().map(|p| p.scenario.replications).sum();
                println!(
                    "{}: ok — `{}`, {} sweep point(s), {runs} run(s)",
                    s.file.display(),
                    s.name,
                    s.points.len()
                );
            }
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn run(args: &RunArgs) -> ExitCode {
    let loaded = match load_all(&args.scenario) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let command_line: Vec<String> = std::env::args().collect();
    for s in &loaded {
        let dir = results_dir(args.out.as_deref(), &s.name, loaded.len());
        let records = run::run_all(s, progress(s, args.quiet));
        if let Err(e) = write_results(&dir, s, &records, &command_line) {
            eprintln!("error: cannot write results to {}: {e}", dir.display());
            return ExitCode::from(3);
        }
    }
    ExitCode::SUCCESS
}

fn results_dir(out: Option<&Path>, name: &str, scenarios: usize) -> PathBuf {
    match out {
        Some(dir) if scenarios == 1 => dir.to_path_buf(),
        Some(dir) => dir.join(name),
        None => Path::new("results").join(name),
    }
}

/// A one-line progress counter on stderr, shown only on a terminal and without `--quiet`.
fn progress(s: &LoadedScenario, quiet: bool) -> impl FnMut(&RunRecord) + use<> {
    let total: u32 = s.points.iter().map(|p| p.scenario.replications).sum();
    let show = !quiet && std::io::stderr().is_terminal();
    let name = s.name.clone();
    let mut done = 0;
    move |record: &RunRecord| {
        done += 1;
        if show {
            let rate = record.work.events_per_second() / 1e6;
            eprint!("\r{name}: {done}/{total} runs ({rate:.1} M events/s)");
            if done == total {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        }
    }
}

fn write_results(
    dir: &Path,
    s: &LoadedScenario,
    records: &[RunRecord],
    command_line: &[String],
) -> std::io::Result<()> {
    let estimates = output::summary_csv::estimates(s, records);
    write_atomic(&dir.join("runs.csv"), &output::runs_csv::render(s, records))?;
    write_atomic(
        &dir.join("summary.csv"),
        &output::summary_csv::render(s, &estimates),
    )?;
    write_atomic(
        &dir.join("engine.csv"),
        &output::engine_csv::render(s, records),
    )?;
    write_atomic(
        &dir.join("manifest.json"),
        &output::manifest::render(s, records, command_line),
    )?;
    let replications = s.points.first().map_or(0, |p| p.scenario.replications);
    print!("{}", output::table::render(s, &estimates, replications));
    println!("\nresults: {}", dir.display());
    Ok(())
}
