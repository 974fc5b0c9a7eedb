//! `discosim run`: plans the jobs, runs them in parallel while journaling each as it finishes,
//! then writes the results folder from the complete set of records.

use super::{ScenarioArgs, load_all, machine_memory_bytes, report_refusals, results_dir};
use crate::exit::Exit;
use crate::output::folder::{self, FolderError};
use crate::output::journal::{self, Header, Journal};
use crate::output::write_results;
use crate::preflight::{self, Estimate};
use crate::results::{RunRecord, canonical_order};
use crate::run::{self, Job, Shard};
use crate::scenario::LoadedScenario;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

#[derive(Args)]
pub(super) struct RunArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Results folder (default results/<scenario name>/; with several scenarios, a folder
    /// per scenario inside it).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores; at most 4096). Results do not depend on it.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=4096))]
    threads: u16,
    /// Run only the I-th of N slices of the jobs (1-based), e.g. --shard 2/8; join the slices
    /// with `discosim merge`.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Skip jobs already in the results folder's journal (after an interruption).
    #[arg(long)]
    resume: bool,
    /// Re-run a sample of jobs and compare fingerprints of their event streams.
    #[arg(long)]
    check_determinism: bool,
    /// Also write trace.csv (and a timeline chart): every change of state in the first
    /// replication of the first sweep point.
    #[arg(long)]
    trace: bool,
    /// Trace this job instead (implies --trace): the sweep point's index in summary.csv's row
    /// order and the replication, both from 0, e.g. --trace-job 3/0.
    #[arg(long, value_name = "POINT/REPLICATION")]
    trace_job: Option<Job>,
    /// No progress bar on stderr.
    #[arg(long)]
    quiet: bool,
    /// A name for this run (e.g. `baseline`, `candidate`), recorded in the manifest and as a
    /// first column `label` of runs.csv, summary.csv and summary_long.csv; shown by `compare`.
    #[arg(long, value_name = "TEXT", value_parser = parse_label)]
    label: Option<String>,
    /// Also write report.html into the results folder (as `discosim report DIR` does): one
    /// self-contained page with the scenario, provenance, charts, summary and verdicts.
    #[arg(long)]
    report: bool,
}

fn parse_label(text: &str) -> Result<String, String> {
    crate::results::check_label(text).map(|()| text.to_string())
}

/// The job to trace, if any: `--trace-job`, or point 0 replication 0 with `--trace`.
fn traced_job(s: &LoadedScenario, args: &RunArgs) -> Result<Option<Job>, Failure> {
    let Some(job) = args.trace_job.or(args.trace.then_some(Job { point: 0, replication: 0 })) else {
        return Ok(None);
    };
    let Some(point) = s.points.get(job.point) else {
        let message = format!(
            "--trace-job {}/{}: the scenario has {} sweep point(s), numbered from 0",
            job.point,
            job.replication,
            s.points.len()
        );
        return Err(Failure(Exit::BadInput, message));
    };
    // With sequential stopping a point may run up to max_replications.
    let stopping = point.scenario.stopping.as_ref();
    let replications = stopping.map_or(point.scenario.replications, |s| s.max_replications);
    if job.replication >= replications {
        let message = format!(
            "--trace-job {}/{}: the point has {replications} replication(s), numbered from 0",
            job.point, job.replication
        );
        return Err(Failure(Exit::BadInput, message));
    }
    Ok(Some(job))
}

/// Why a run stopped early, with its exit code.
struct Failure(Exit, String);

/// `run` (`strict` false) and `check` (`strict` true: exit 1 when an expectation fails).
pub(super) fn run(args: &RunArgs, strict: bool) -> ExitCode {
    let loaded = match load_all(&args.scenario) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if let Err(message) = distinct_names(&loaded) {
        eprintln!("error: {message}");
        return ExitCode::from(Exit::BadInput);
    }
    let Some(estimates) = preflight_all(&loaded, args) else {
        return ExitCode::from(Exit::BadInput);
    };
    let mut failed = Vec::new();
    for (s, estimate) in loaded.iter().zip(&estimates) {
        let dir = results_dir(args.out.as_deref(), &s.name, loaded.len());
        match run_scenario(s, &dir, args, estimate) {
            Ok(names) => failed.extend(names.into_iter().map(|n| format!("{}: {n}", s.name))),
            Err(Failure(code, message)) => {
                eprintln!("error: {message}");
                return ExitCode::from(code);
            }
        }
    }
    failed.dedup();
    if failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    eprintln!("{} expectation(s) failed at some sweep point:", failed.len());
    for name in &failed {
        eprintln!("  FAILED {name}");
    }
    if strict { ExitCode::from(Exit::ExpectationFailed) } else { ExitCode::SUCCESS }
}

/// Several scenarios in one invocation each get the folder of their name: two of one name
/// would write into one folder.
fn distinct_names(loaded: &[LoadedScenario]) -> Result<(), String> {
    for (index, s) in loaded.iter().enumerate() {
        if let Some(other) = loaded.iter().take(index).find(|o| o.name == s.name) {
            return Err(format!(
                "{} and {} are both named `{}`, so their results would share a folder; rename one",
                other.file.display(),
                s.file.display(),
                s.name
            ));
        }
    }
    Ok(())
}

/// Estimates every scenario before any runs, prints each estimate (unless `--quiet`), and
/// refuses all of them (None) if one exceeds a cap without `--force`.
fn preflight_all(loaded: &[LoadedScenario], args: &RunArgs) -> Option<Vec<Estimate>> {
    let threads = if args.threads == 0 { rayon::current_num_threads() } else { args.threads.into() };
    let memory = machine_memory_bytes();
    if let (Err(note), false) = (&memory, args.quiet) {
        eprintln!("note: {note}");
    }
    let mut refused = false;
    let mut estimates = Vec::new();
    for s in loaded {
        let estimate = preflight::estimate(s, threads, args.shard.map_or(1, |sh| sh.count));
        if !args.quiet {
            eprintln!("{}: {}", s.name, preflight::summary(&estimate));
        }
        let refusals = preflight::refusals(&estimate, memory.as_ref().ok().copied());
        refused |= report_refusals(&s.file, &refusals, args.scenario.force);
        estimates.push(estimate);
    }
    (!refused).then_some(estimates)
}

/// Runs one scenario and writes its results; returns the names of failed expectations.
fn run_scenario(s: &LoadedScenario, dir: &Path, args: &RunArgs, estimate: &Estimate) -> Result<Vec<String>, Failure> {
    let started = SystemTime::now();
    let traced = traced_job(s, args)?;
    let mut header = Header::new(s.layout(), args.shard.map(|sh| (sh.index, sh.count)));
    header.layout.label.clone_from(&args.label);
    let _lock = folder::lock(dir)?;
    // The old journal is read and checked before anything is cleared: a refused resume
    // leaves the folder as it was.
    let previous = if args.resume { read_previous(dir, &mut header)? } else { None };
    folder::prepare(dir, &header.layout.scenario_hash, args.resume, args.scenario.force)?;
    let (journal, previous) = open_journal(dir, &header, previous)?;
    let progress = progress_bar(&s.name, args.quiet);
    let records = run_until_done(s, args, journal, previous, &progress)?;
    progress.finish_and_clear();
    if args.check_determinism {
        check_determinism(s, &records)?;
    }
    let provenance = Provenance {
        command_line: std::env::args().collect(),
        started,
        threads: args.threads.into(),
        shard: header.shard,
        estimate: preflight::json(estimate),
    };
    let cannot = |e: String| Failure(Exit::CannotWrite, format!("cannot write results to {}: {e}", dir.display()));
    write_results(dir, &header.layout, &records, &provenance.json()).map_err(|e| cannot(e.to_string()))?;
    if let Some(job) = traced {
        let trace = run::run_traced(s, job);
        crate::output::write_atomic(&dir.join("trace.csv"), &crate::output::trace_csv::render(&trace))
            .map_err(|e| cannot(e.to_string()))?;
    }
    crate::chart::draw_all(dir).map_err(cannot)?;
    // Again, now that the charts are drawn: its peak memory is then the whole command's.
    let manifest = crate::output::manifest::render(&header.layout, &records, &provenance.json());
    crate::output::write_atomic(&dir.join("manifest.json"), &manifest).map_err(|e| cannot(e.to_string()))?;
    let estimates = crate::output::summary_csv::estimates(&header.layout, &records);
    print!("{}", crate::output::table::render(&header.layout, &estimates, records.len()));
    let checks = crate::expect::evaluate(&header.layout, &records);
    if !checks.is_empty() {
        print!("{}", crate::output::checks_csv::table(&header.layout, &checks));
    }
    println!("\nresults: {}", dir.display());
    if args.report {
        // The folder's lock is still held (`_lock`): the report is written under it.
        let path = crate::report::write(dir).map_err(|e| Failure(e.code, e.message))?;
        println!("report: {}", path.display());
    }
    let failed = checks.iter().filter(|c| !c.holds).filter_map(|c| header.layout.expectations.get(c.expectation));
    Ok(failed.map(|e| e.name.clone()).collect())
}

/// With `--resume`: the records of the folder's journal (None if it has none), refused if it
/// belongs to another scenario or shard or fails its checks. The header keeps the higher
/// replication ceiling of the old and the new run.
fn read_previous(dir: &Path, header: &mut Header) -> Result<Option<Vec<RunRecord>>, Failure> {
    match journal::read(dir) {
        Ok(old) => {
            check_same_jobs(dir, &old.header, header)?;
            warn_torn(dir, &old);
            let ceiling = &mut header.layout.replication_ceiling;
            *ceiling = (*ceiling).max(old.header.layout.replication_ceiling);
            Ok(Some(old.records))
        }
        Err(journal::ReadError::Missing(_)) => Ok(None),
        Err(e) => Err(Failure(Exit::BadInput, format!("cannot resume: {e}"))),
    }
}

/// The journal to append to: the previous records rewritten (a torn last line goes), or a
/// fresh journal.
fn open_journal(
    dir: &Path,
    header: &Header,
    previous: Option<Vec<RunRecord>>,
) -> Result<(Journal, Vec<RunRecord>), Failure> {
    let io =
        |e: std::io::Error| Failure(Exit::CannotWrite, format!("cannot write the journal in {}: {e}", dir.display()));
    let records = previous.unwrap_or_default();
    Ok((Journal::rewrite(dir, header, &records).map_err(io)?, records))
}

fn check_same_jobs(dir: &Path, old: &Header, new: &Header) -> Result<(), Failure> {
    if same_jobs(old, new) {
        return Ok(());
    }
    Err(Failure(
        Exit::BadInput,
        format!(
            "cannot resume in {}: its journal was written for another scenario or shard (scenario hash {} and shard {:?}, now {} and {:?}); use another --out or run without --resume",
            dir.display(),
            old.layout.scenario_hash,
            old.shard,
            new.layout.scenario_hash,
            new.shard
        ),
    ))
}

/// The warning for a journal whose last line a kill cut short.
pub(super) fn warn_torn(dir: &Path, contents: &journal::Contents) {
    if contents.dropped_torn_line {
        eprintln!(
            "warning: {}: its last line was cut short (an interrupted write) and is dropped; that job runs again",
            dir.join(journal::FILE).display()
        );
    }
}

impl From<FolderError> for Failure {
    fn from(e: FolderError) -> Self {
        Failure(e.code, e.message)
    }
}

/// Whether two journals describe the same jobs (replication counts may differ: adding
/// replications later keeps the earlier ones).
pub(super) fn same_jobs(a: &Header, b: &Header) -> bool {
    a.layout.scenario_hash == b.layout.scenario_hash && a.layout.points == b.layout.points && a.shard == b.shard
}

/// Runs rounds of jobs until no more are needed (one round unless sequential stopping adds
/// replications), journaling each record as it finishes.
fn run_until_done(
    s: &LoadedScenario,
    args: &RunArgs,
    journal: Journal,
    previous: Vec<RunRecord>,
    progress: &ProgressBar,
) -> Result<Vec<RunRecord>, Failure> {
    let stopping = s.points.iter().any(|p| p.scenario.stopping.is_some());
    let mut targets = run::initial_targets(s);
    let state = Mutex::new(RunState { journal, records: previous, error: None, events: 0 });
    loop {
        let done: HashSet<Job> =
            lock(&state).records.iter().map(|r| Job { point: r.point, replication: r.replication }).collect();
        let jobs = run::pending_jobs(&targets, args.shard, stopping, &done);
        progress.inc_length(jobs.len() as u64);
        run::run_jobs(s, &jobs, args.threads.into(), |record| lock(&state).finish(record, progress));
        let mut state = lock(&state);
        if let Some(e) = state.error.take() {
            return Err(Failure(Exit::CannotWrite, format!("cannot append to the journal: {e}")));
        }
        if !run::extend_targets(s, &mut targets, &state.records) {
            break;
        }
    }
    let mut records = state.into_inner().unwrap_or_else(PoisonError::into_inner).records;
    records.retain(|r| targets.get(r.point).is_some_and(|&target| r.replication < target));
    canonical_order(&mut records);
    Ok(records)
}

/// The run's shared state. Only a panicking worker (a bug, which rayon re-raises here anyway)
/// poisons the mutex, and the records behind it are still whole: no second panic for it.
fn lock(state: &Mutex<RunState>) -> MutexGuard<'_, RunState> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

struct RunState {
    journal: Journal,
    records: Vec<RunRecord>,
    error: Option<std::io::Error>,
    events: u64,
}

impl RunState {
    fn finish(&mut self, record: RunRecord, progress: &ProgressBar) {
        if let Err(e) = self.journal.append(&record) {
            self.error.get_or_insert(e);
        }
        self.events += record.work.events;
        let rate = self.events as f64 / progress.elapsed().as_secs_f64().max(1e-9);
        progress.set_message(format!("{:.1} M events/s", rate / 1e6));
        progress.inc(1);
        self.records.push(record);
    }
}

/// A progress bar on stderr: jobs done, ETA, events per second; hidden with `--quiet` or when
/// stderr is not a terminal.
fn progress_bar(name: &str, quiet: bool) -> ProgressBar {
    let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
    let bar = ProgressBar::with_draw_target(Some(0), target);
    let style =
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} runs, {elapsed} elapsed, ETA {eta}, {msg}");
    if let Ok(style) = style {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(name.to_string());
    bar
}

/// Re-runs up to four jobs (first replication of points spread over the sweep) twice each,
/// fingerprinting every event, and compares with each other and with the recorded metrics.
fn check_determinism(s: &LoadedScenario, records: &[RunRecord]) -> Result<(), Failure> {
    let firsts: Vec<&RunRecord> = records.iter().filter(|r| r.replication == 0).collect();
    let step = firsts.len().div_ceil(4).max(1);
    for recorded in firsts.iter().step_by(step) {
        let job = Job { point: recorded.point, replication: recorded.replication };
        let (first, hash_a) = run::run_fingerprinted(s, job);
        let (_, hash_b) = run::run_fingerprinted(s, job);
        if hash_a != hash_b || first.metrics != recorded.metrics {
            return Err(Failure(
                Exit::NotDeterministic,
                format!(
                    "determinism check FAILED for point {} replication {}: event fingerprints {hash_a:016x} and {hash_b:016x}, metrics {}",
                    job.point,
                    job.replication,
                    if first.metrics == recorded.metrics { "equal" } else { "differ" }
                ),
            ));
        }
        eprintln!(
            "determinism check: point {} replication {}: event stream {hash_a:016x} reproduced",
            job.point, job.replication
        );
    }
    Ok(())
}

/// What produced a results folder, for its manifest.
pub(super) struct Provenance {
    pub command_line: Vec<String>,
    pub started: SystemTime,
    pub threads: usize,
    pub shard: Option<(u32, u32)>,
    /// The preflight estimate (`preflight::json`), to compare with `peak_rss_bytes` and
    /// `engine.csv`.
    pub estimate: serde_json::Value,
}

impl Provenance {
    pub(super) fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "command_line": self.command_line,
            "started": humantime::format_rfc3339_seconds(self.started).to_string(),
            "finished": humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            "threads": if self.threads == 0 { rayon::current_num_threads() } else { self.threads },
            "shard": self.shard,
            "estimate": self.estimate,
            "peak_rss_bytes": peak_rss_bytes(),
        })
    }
}

/// The process's peak resident memory so far (`VmHWM` of /proc/self/status); None where that
/// cannot be read (not Linux).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}
