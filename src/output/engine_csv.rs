//! `engine.csv`: the engine's work per run — events, wall seconds, events per second. Kept
//! apart from `runs.csv` because wall time differs from run to run (it is not part of the
//! reproducible output).

use super::csv_bytes;
use crate::results::{Layout, RunRecord};

pub(crate) fn render(layout: &Layout, records: &[RunRecord]) -> Vec<u8> {
    let mut header = layout.swept_keys.clone();
    header.extend(["replication", "events", "wall_seconds", "events_per_second"].map(String::from));
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let mut row: Vec<String> = layout.param_cells(r.point).collect();
            row.push(r.replication.to_string());
            row.push(r.work.events.to_string());
            row.push(format!("{:.6}", r.work.wall_seconds));
            row.push(format!("{:.0}", r.work.events_per_second()));
            row
        })
        .collect();
    csv_bytes(&header, &rows)
}
