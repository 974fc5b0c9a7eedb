//! Unit tests of the preflight estimate: the arithmetic, the caps, the wording.

use super::*;

fn loaded(text: &str) -> LoadedScenario {
    crate::scenario::parse(text, "t.toml", std::path::Path::new("."), &[]).unwrap()
}

const HEARTBEAT: &str = r#"
name = "t"
horizon = "1000s"
replications = 2
[cluster]
instances = 100
failure = { model = "crash-recover", mttf = { dist = "exponential", mean = "90s" }, mttr = { dist = "constant", value = "10s" } }
[detector]
kind = "heartbeat"
interval = "1s"
"#;

#[test]
fn heartbeats_are_drawn_ahead_and_crashes_are_queued() {
    let e = estimate(&loaded(HEARTBEAT), 1, 1);
    let run = e.runs[0];
    // 100 instances × 1000 s / 100 s per cycle = 1000 crashes: 2 world + 4 detector events each.
    assert_eq!(run.queue_events, 100.0 + 6.0 * 1000.0);
    assert_eq!(run.drawn_events, 100.0 * 1000.0 * 0.9);
    assert_eq!(e.jobs, 2);
    assert_eq!(e.jobs_in_flight, 1);
    assert_eq!(e.total_events, 2.0 * run.events());
    let shard = estimate(&loaded(HEARTBEAT), 1, 2);
    assert_eq!((shard.jobs, shard.total_events), (1, run.events()), "a shard of two gets half the jobs");
}

#[test]
fn costs_grow_with_the_horizon_and_the_instances() {
    let short = run_estimate(&loaded(HEARTBEAT).points[0].scenario);
    let long = run_estimate(&loaded(&HEARTBEAT.replace("1000s", "2000s")).points[0].scenario);
    assert_eq!(long.drawn_events, 2.0 * short.drawn_events);
    let wide = run_estimate(&loaded(&HEARTBEAT.replace("= 100\n", "= 1000\n")).points[0].scenario);
    assert!(wide.bytes > 2.0 * short.bytes, "{} vs {}", wide.bytes, short.bytes);
}

#[test]
fn nanosecond_failures_and_polls_are_counted_not_run() {
    let text = HEARTBEAT.replace("\"90s\"", "\"1ns\"").replace("\"10s\"", "\"1ns\"");
    let e = estimate(&loaded(&text), 1, 1);
    assert!(e.total_events > MAX_TOTAL_EVENTS, "{}", e.total_events);
    let text =
        format!("{HEARTBEAT}[workload]\nclients = 10\nrate = 1.0\n[discovery]\nmode = \"poll\"\nrefresh = \"1ns\"\n");
    assert!(estimate(&loaded(&text), 1, 1).total_events > MAX_TOTAL_EVENTS);
}

#[test]
fn each_cap_refuses_with_its_numbers_and_a_way_out() {
    let mut e = estimate(&loaded(HEARTBEAT), 2, 1);
    assert!(refusals(&e, Some(u64::MAX)).is_empty());
    assert!(refusals(&e, None).is_empty(), "an unknown memory size checks nothing");
    e.jobs = MAX_JOBS + 1;
    e.total_events = 2.0 * MAX_TOTAL_EVENTS;
    let all = refusals(&e, Some(1000));
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(all[0].contains("1.0 M jobs") && all[0].contains("--force"), "{}", all[0]);
    assert!(all[1].contains("200 G events") && all[1].contains("horizon"), "{}", all[1]);
    assert!(all[2].contains("memory, 1.0 KB") && all[2].contains("--threads"), "{}", all[2]);
}

#[test]
fn numbers_read_as_people_write_them() {
    assert_eq!(count_text(950.0), "950");
    assert_eq!(count_text(2_100_000.0), "2.1 M");
    assert_eq!(count_text(35e9), "35 G");
    assert_eq!(count_text(1.7e15), "1.7e15");
    assert_eq!(count_text(f64::INFINITY), "inf");
    assert_eq!(bytes_text(512.0), "512 B");
    assert_eq!(bytes_text(35e6), "35 MB");
    assert_eq!(bytes_text(6.5e9), "6.5 GB");
}
