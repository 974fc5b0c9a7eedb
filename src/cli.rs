//! The command line (commands and options: docs/reference.md): parses arguments and dispatches to the commands. Exit codes:
//! 0 fine, 2 bad input, 3 results could not be written, 4 a determinism check failed.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod bench;
mod merge;
mod new;
mod run;
mod tune;

use crate::exit::Exit;
use crate::preflight;
use crate::scenario::{self, LoadedScenario, Override, ScenarioError};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "discosim",
    version = env!("DISCOSIM_VERSION_LONG"),
    about = "Deterministic discrete-event simulator of service discovery and fault tolerance"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios (sweep and replications included) and write their results.
    Run(run::RunArgs),
    /// Run scenarios and evaluate every [[expect]]; exit 1 if one fails.
    Check(run::RunArgs),
    /// The source document's formulas: assumptions, the scenario that tests each, verdicts.
    Formulas,
    /// Every detector, balancer, distribution, recovery part and fault action with its parameters.
    List {
        /// Print the documentation's tables (README.md and docs/*.md: Markdown between their marker comments) instead.
        #[arg(long)]
        markdown: bool,
    },
    /// Check scenario files without running them.
    Validate(ScenarioArgs),
    /// Join the results folders of shards (`run --shard I/N`) into one.
    Merge(merge::MergeArgs),
    /// Redraw the charts of results folders from their CSV files (no simulation).
    Plot {
        /// Results folders written by `run`, `check` or `merge`
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// Write report.html into results folders: one self-contained page with the scenario, its
    /// provenance, every chart, the summary and the verdicts (no simulation).
    Report {
        /// Results folders written by `run`, `check` or `merge`
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// Measure the engine against the floor of a heap-driven engine.
    Bench(bench::BenchArgs),
    /// Compare results folders metric by metric (t-tests on the replications); exit 1 if some
    /// metric differs significantly.
    Compare(CompareArgs),
    /// Search a scenario's [tune] knobs for the setting that meets every requirement with the
    /// smallest objective; exit 1 if none in the ranges does.
    Tune(tune::TuneArgs),
    /// Write a commented starting scenario, NAME.toml, in the current folder.
    New(new::NewArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Args)]
struct CompareArgs {
    /// Results folders written by `run`, `check` or `merge`: every folder after the first is
    /// compared with the first.
    #[arg(required = true, num_args = 2..)]
    dirs: Vec<PathBuf>,
    /// Compare only this metric, a column of runs.csv (repeatable; default: every metric).
    #[arg(long = "metric", value_name = "NAME")]
    metrics: Vec<String>,
    /// Significance level: a difference is significant when its p-value is below it.
    #[arg(long, default_value_t = 0.05, value_parser = parse_alpha)]
    alpha: f64,
}

fn parse_alpha(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(alpha) if alpha > 0.0 && alpha < 1.0 => Ok(alpha),
        _ => Err(format!("`{text}` is not a level between 0 and 1 (exclusive), e.g. 0.05")),
    }
}

fn compare(args: &CompareArgs) -> ExitCode {
    let options = crate::compare::Options { metrics: args.metrics.clone(), alpha: args.alpha };
    match crate::compare::compare(&args.dirs, &options) {
        Ok((table, differs)) => {
            print!("{table}");
            ExitCode::from(if differs { Exit::DIFFERS } else { Exit::Fine })
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(Exit::BadInput)
        }
    }
}

#[derive(Args)]
pub(crate) struct ScenarioArgs {
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
    /// Go ahead despite preflight refusals (estimated memory, events or jobs beyond the caps);
    /// for `run`/`check`, also clear a results folder that holds another scenario's results.
    #[arg(long)]
    force: bool,
}

/// Runs the `discosim` command line and returns its exit code.
pub fn main() -> ExitCode {
    ignore_file_size_signal();
    let cli = Cli::parse();
    match cli.command {
        Command::Validate(args) => validate(&args),
        Command::Run(args) => run::run(&args, false),
        Command::Check(args) => run::run(&args, true),
        Command::Plot { dirs } => plot(&dirs),
        Command::Report { dirs } => report(&dirs),
        Command::Formulas => {
            print!("{}", crate::formulas::catalog());
            ExitCode::SUCCESS
        }
        Command::List { markdown } => {
            print!("{}", if markdown { crate::strategies::markdown() } else { crate::strategies::list() });
            ExitCode::SUCCESS
        }
        Command::Merge(args) => merge::merge(&args),
        Command::Bench(args) => bench::bench(&args),
        Command::Compare(args) => compare(&args),
        Command::Tune(args) => tune::tune(&args),
        Command::New(args) => new::new(&args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "discosim",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
    }
}

/// Past a file-size limit (RLIMIT_FSIZE) a write raises SIGXFSZ, which kills the process by
/// default; ignored, the write fails with EFBIG instead, so the error is reported (exit 3) and
/// the temporaries are removed like after any other write failure.
fn ignore_file_size_signal() {
    #[cfg(unix)]
    // SAFETY: installs the "ignore" disposition for one signal, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

fn overrides(args: &ScenarioArgs) -> Result<Vec<Override>, String> {
    overrides_from(&args.set, args.seed, args.replications)
}

/// The overrides of `--set`, `--seed` and `--replications`, in that order.
pub(crate) fn overrides_from(
    set: &[String],
    seed: Option<u64>,
    replications: Option<u32>,
) -> Result<Vec<Override>, String> {
    let mut list: Vec<Override> = set.iter().map(|s| Override::parse(s)).collect::<Result<_, _>>()?;
    if let Some(seed) = seed {
        let seed = i64::try_from(seed).map_err(|_| format!("--seed {seed} is above {}", i64::MAX))?;
        list.push(Override::from_option("seed", toml::Value::Integer(seed), format!("--seed {seed}")));
    }
    if let Some(replications) = replications {
        let value = toml::Value::Integer(replications as i64);
        list.push(Override::from_option("replications", value, format!("--replications {replications}")));
    }
    Ok(list)
}

/// Loads every scenario; prints every error (not just the first) and fails if any.
fn load_all(args: &ScenarioArgs) -> Result<Vec<LoadedScenario>, ExitCode> {
    let overrides = overrides(args).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(Exit::BadInput)
    })?;
    let files = match scenario_files(&args.scenarios) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return Err(ExitCode::from(Exit::BadInput));
        }
    };
    let results: Vec<Result<LoadedScenario, ScenarioError>> =
        files.iter().map(|p| scenario::load(p, &overrides)).collect();
    let errors: Vec<&ScenarioError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    if !errors.is_empty() {
        for error in errors {
            eprintln!("error: {error}");
        }
        return Err(ExitCode::from(Exit::BadInput));
    }
    Ok(results.into_iter().filter_map(Result::ok).collect())
}

fn validate(args: &ScenarioArgs) -> ExitCode {
    let loaded = match load_all(args) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let memory = machine_memory_bytes();
    if let Err(note) = &memory {
        eprintln!("note: {note}");
    }
    let threads = rayon::current_num_threads();
    let mut refused = false;
    for s in loaded {
        let estimate = preflight::estimate(&s, threads, 1);
        let refusals = preflight::refusals(&estimate, memory.as_ref().ok().copied());
        let verdict = match (refusals.is_empty(), args.force) {
            (true, _) => "ok",
            (false, true) => "ok (--force)",
            (false, false) => "refused",
        };
        let (points, jobs) = (s.points.len(), estimate.jobs);
        let runs = if estimate.sequential { format!("up to {jobs} run(s)") } else { format!("{jobs} run(s)") };
        let summary = preflight::summary(&estimate);
        println!("{}: {verdict} — `{}`, {points} sweep point(s), {runs}; {summary}", s.file.display(), s.name);
        refused |= report_refusals(&s.file, &refusals, args.force);
    }
    if refused { ExitCode::from(Exit::BadInput) } else { ExitCode::SUCCESS }
}

/// Prints why the estimate refuses a scenario file (as errors), or, with `--force`, that it
/// goes ahead anyway (as warnings); true when it refuses.
pub(crate) fn report_refusals(file: &Path, refusals: &[String], force: bool) -> bool {
    let label = if force { "warning: going ahead (--force) although" } else { "error:" };
    for refusal in refusals {
        eprintln!("{label} {}: {refusal}", file.display());
    }
    !force && !refusals.is_empty()
}

/// The machine's memory (`MemTotal` of /proc/meminfo), or why it cannot be read.
pub(crate) fn machine_memory_bytes() -> Result<u64, String> {
    let why = |e: String| format!("cannot read the machine's memory from /proc/meminfo ({e}), so it is not checked");
    let text = std::fs::read_to_string("/proc/meminfo").map_err(|e| why(e.to_string()))?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:")).ok_or_else(|| why("no MemTotal line".into()))?;
    let kib = line.split_whitespace().nth(1).and_then(|n| n.parse::<u64>().ok());
    kib.map(|k| k.saturating_mul(1024)).ok_or_else(|| why(format!("cannot read `{line}`")))
}

fn plot(dirs: &[PathBuf]) -> ExitCode {
    for dir in dirs {
        if !dir.is_dir() {
            eprintln!("error: {}: not a results folder", dir.display());
            return ExitCode::from(Exit::BadInput);
        }
        let _lock = match crate::output::folder::lock(dir) {
            Ok(lock) => lock,
            Err(e) => {
                eprintln!("error: {}", e.message);
                return ExitCode::from(e.code);
            }
        };
        match crate::chart::draw_all(dir) {
            Ok(files) => println!("{}: {} chart file(s)", dir.display(), files.len()),
            Err(message) => {
                eprintln!("error: {}: {message}", dir.display());
                return ExitCode::from(Exit::BadInput);
            }
        }
    }
    ExitCode::SUCCESS
}

fn report(dirs: &[PathBuf]) -> ExitCode {
    for dir in dirs {
        if let Err((code, message)) = write_report(dir) {
            eprintln!("error: {message}");
            return ExitCode::from(code);
        }
    }
    ExitCode::SUCCESS
}

/// Writes one folder's report under the folder's lock, and says where it is.
pub(crate) fn write_report(dir: &Path) -> Result<(), (Exit, String)> {
    if !dir.is_dir() {
        return Err((Exit::BadInput, format!("{}: not a results folder (no such folder)", dir.display())));
    }
    let _lock = crate::output::folder::lock(dir).map_err(|e| (e.code, e.message))?;
    let path = crate::report::write(dir).map_err(|e| (e.code, e.message))?;
    println!("report: {}", path.display());
    Ok(())
}

/// The scenario files named: files as given, folders as every `.toml` file in them, sorted.
fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let entries = std::fs::read_dir(path).map_err(|e| format!("cannot read the folder {}: {e}", path.display()))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        if found.is_empty() {
            return Err(format!("{} holds no scenario (.toml) file", path.display()));
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// The results folder of a scenario: `--out` itself for one scenario, a folder per scenario
/// inside it for several, `results/<name>` by default.
fn results_dir(out: Option<&Path>, name: &str, scenarios: usize) -> PathBuf {
    match out {
        Some(dir) if scenarios == 1 => dir.to_path_buf(),
        Some(dir) => dir.join(name),
        None => Path::new("results").join(name),
    }
}
