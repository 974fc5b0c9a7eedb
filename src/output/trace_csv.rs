//! `trace.csv` (with `--trace`): every change of state in one run (the first replication of
//! the first sweep point): time in seconds, event, instance, client, detail.

use super::{csv_bytes, format_number};
use crate::engine::time::to_seconds;
use crate::metrics::TraceRecord;

pub(crate) fn render(trace: &[TraceRecord]) -> Vec<u8> {
    let header: Vec<String> = ["time", "event", "instance", "client", "detail"].map(String::from).to_vec();
    let rows: Vec<Vec<String>> = trace
        .iter()
        .map(|r| {
            vec![
                format_number(to_seconds(r.time)),
                r.event.to_string(),
                r.instance.to_string(),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    csv_bytes(&header, &rows)
}
