//! `runs.csv`: one row per sweep point and replication — swept parameters, replication, seed,
//! then every metric.

use super::{csv_bytes, format_number};
use crate::results::{Layout, RunRecord};

pub(crate) fn render(layout: &Layout, records: &[RunRecord]) -> Vec<u8> {
    let mut header = layout.leading_header();
    header.extend(["replication".to_string(), "seed".to_string()]);
    if let Some(first) = records.first() {
        header.extend(first.metrics.names().map(str::to_string));
    }
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let mut row: Vec<String> = layout.leading_cells(r.point).collect();
            row.push(r.replication.to_string());
            row.push(r.seed.to_string());
            row.extend(r.metrics.entries.iter().map(|(_, v)| format_number(*v)));
            row
        })
        .collect();
    csv_bytes(&header, &rows)
}
