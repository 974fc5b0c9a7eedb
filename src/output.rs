//! The results folder: one small exporter per file, each written atomically (a temporary file
//! renamed into place), so a reader never sees half a file. Exporters read run records and the
//! resolved scenario, never the simulation's internals.

pub(crate) mod cdf_csv;
pub(crate) mod checks_csv;
pub(crate) mod engine_csv;
pub(crate) mod folder;
pub mod journal;
pub(crate) mod manifest;
pub(crate) mod runs_csv;
pub(crate) mod summary_csv;
pub(crate) mod summary_long_csv;
pub(crate) mod table;
pub(crate) mod trace_csv;

use crate::results::{Layout, RunRecord};
use std::io;
use std::path::Path;

/// Writes every results file of a folder from the complete, canonically ordered records.
pub fn write_results(
    dir: &Path,
    layout: &Layout,
    records: &[RunRecord],
    provenance: &serde_json::Value,
) -> io::Result<()> {
    let estimates = summary_csv::estimates(layout, records);
    write_atomic(&dir.join("runs.csv"), &runs_csv::render(layout, records))?;
    write_atomic(&dir.join("summary.csv"), &summary_csv::render(layout, &estimates))?;
    write_atomic(&dir.join("summary_long.csv"), &summary_long_csv::render(layout, records, &estimates))?;
    write_atomic(&dir.join("engine.csv"), &engine_csv::render(layout, records))?;
    write_atomic(&dir.join("cdf.csv"), &cdf_csv::render(layout, records))?;
    if !layout.expectations.is_empty() {
        let checks = crate::expect::evaluate(layout, records);
        write_atomic(&dir.join("checks.csv"), &checks_csv::render(layout, &checks))?;
    }
    write_atomic(&dir.join("manifest.json"), &manifest::render(layout, records, provenance))
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename. The
/// temporary has a fresh random name and is created exclusively, so a symbolic link planted in
/// the folder is never written through; the rename replaces a link at `path` itself, never its
/// target. On any error the temporary is removed.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(folder::TEMPORARY_PREFIX);
    // Results are ordinary files: created 0666 less the umask, as `File::create` would (a
    // temporary file is otherwise private, 0600).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temporary = builder.tempfile_in(dir)?;
    io::Write::write_all(&mut temporary, bytes)?;
    temporary.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A number as written in CSV: empty when undefined, else rounded to 10 significant digits.
/// The rounding keeps the last-bit noise of floating-point library functions (which may differ
/// between machines) out of the files, so they stay byte-identical.
pub(crate) fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return String::new();
    }
    let rounded: f64 = format!("{value:.9e}").parse().unwrap_or(value);
    format!("{rounded}")
}

/// Serializes rows into CSV bytes.
pub(crate) fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail; any error here would be a csv crate bug.
    writer.write_record(header).expect("in-memory CSV write");
    for row in rows {
        writer.write_record(row).expect("in-memory CSV write");
    }
    writer.into_inner().expect("in-memory CSV flush")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_rounded_and_blank_when_undefined() {
        assert_eq!(format_number(1.0), "1");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(1.4923456789123), "1.492345679");
        assert_eq!(format_number(f64::NAN), "");
        assert_eq!(format_number(1e-9), "0.000000001");
    }

    #[test]
    fn atomic_write_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/a.csv");
        write_atomic(&path, b"x\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x\n");
        let names: Vec<_> =
            std::fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1);
    }
}
