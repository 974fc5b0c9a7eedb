//! `discosim bench`: the engine's events per second on a scenario beside the floor of any
//! heap-driven engine (a bare `BinaryHeap` push/pop loop with the same pending count and
//! number of pops), and what the run models per second against that floor.

use crate::bench::{self, EngineFigures};
use crate::exit::Exit;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub(super) struct BenchArgs {
    /// Scenario to run (its first sweep point, replication 0).
    #[arg(default_value = "scenarios/baseline.toml")]
    scenario: PathBuf,
    /// Timed runs of each measurement; medians are reported.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Override any scenario key, e.g. --set detector.evaluation=eager (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

pub(super) fn bench(args: &BenchArgs) -> ExitCode {
    let overrides: Result<Vec<_>, _> = args.set.iter().map(|s| crate::scenario::Override::parse(s)).collect();
    let loaded = match overrides
        .map_err(|e| e.to_string())
        .and_then(|o| crate::scenario::load(&args.scenario, &o).map_err(|e| e.to_string()))
    {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(Exit::BadInput);
        }
    };
    let Some(scenario) = loaded.points.first().map(|p| &p.scenario) else {
        eprintln!("error: the scenario has no sweep point");
        return ExitCode::from(Exit::BadInput);
    };
    println!(
        "discosim bench: {} ({} instances, horizon {} s); medians of {} runs",
        args.scenario.display(),
        scenario.instances,
        scenario.horizon as f64 / 1e9,
        args.runs
    );
    let figures = bench::engine(scenario, args.runs);
    report_queue(&figures, args.runs);
    report_model(&figures, args.runs);
    ExitCode::SUCCESS
}

/// Queue events: the engine against the floor and against its own queue in the same loop.
fn report_queue(f: &EngineFigures, runs: usize) {
    let (pending, lookahead) = (f.peak_pending as usize, f.lookahead());
    let wall = bench::median(f.walls.clone());
    let floor = bench::median_of(runs, || bench::binary_heap_floor(pending, f.events, lookahead));
    let queue = bench::median_of(runs, || bench::event_queue_loop(pending, f.events, lookahead));
    let rate = |seconds: f64| f.events as f64 / seconds;
    println!("\nqueue events");
    println!(
        "  engine   {} events in {wall:.4} s, peak {} pending: {}",
        grouped(f.events),
        grouped(f.peak_pending),
        per_second(rate(wall))
    );
    println!("  floor    BinaryHeap push/pop, same pending and pops: {floor:.4} s, {}", per_second(rate(floor)));
    println!("  ratio    engine / floor: {:.1} % of the floor's events per second", 100.0 * floor / wall);
    println!(
        "  queue    discosim's EventQueue (radix heap) in the floor's loop: {}, {:.2}x the floor",
        per_second(rate(queue)),
        floor / queue
    );
}

/// Model work: what an engine with one event per message would pop, against the floor.
fn report_model(f: &EngineFigures, runs: usize) {
    let events = f.per_message_events();
    let wall = bench::median(f.walls.clone());
    let (pending, lookahead) = (f.peak_pending as usize, f.lookahead());
    let floor = bench::median_of(runs, || bench::binary_heap_floor(pending, events, lookahead));
    println!("\nmodel events");
    println!(
        "  modelled {} messages sent, {} delivered, {} crash and repair events",
        grouped(f.messages_sent),
        grouped(f.messages_delivered),
        grouped(f.failure_events)
    );
    println!(
        "  floor    one queue event per send, arrival, crash and repair: {} pops, {floor:.4} s, {}",
        grouped(events),
        per_second(events as f64 / floor)
    );
    println!(
        "  engine   the whole run in {wall:.4} s: {}, {:.2}x the floor",
        per_second(events as f64 / wall),
        floor / wall
    );
}

fn per_second(rate: f64) -> String {
    format!("{:.2} M events/s", rate / 1e6)
}

/// 1234567 as "1 234 567".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn grouped_separates_thousands() {
        assert_eq!(super::grouped(1_234_567), "1 234 567");
        assert_eq!(super::grouped(999), "999");
        assert_eq!(super::grouped(0), "0");
    }
}
