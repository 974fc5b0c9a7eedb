//! A results folder is input when it is read back: arbitrary edits of its journal (sealed
//! again, so they reach the parser and the checks behind the checksum), manifest and CSV files
//! never make `--resume`/`merge`'s reading, the exporters that follow it, `plot` or `compare`
//! panic or hang. (In-process, for speed: the same functions the binary calls.)

use discosim::output::journal;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A finished two-point sweep with an expectation, made once by the real binary.
fn template() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("discosim-fuzz-results-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let scenario = dir.join("s.toml");
        std::fs::write(
            &scenario,
            "name = \"fuzz\"\nhorizon = \"10s\"\nreplications = 2\n[cluster]\ninstances = 3\n\
             failure = { model = \"crash-recover\", mttf = { dist = \"exponential\", mean = \"3s\" }, mttr = { dist = \"constant\", value = \"1s\" } }\n\
             [detector]\nkind = \"heartbeat\"\ninterval = \"200ms\"\n\
             [sweep]\n\"detector.interval\" = [\"100ms\", \"200ms\"]\n\
             [[expect]]\nmetric = \"detection_time.mean\"\nformula = \"2 * interval\"\nholds = \"upper-bound\"\n",
        )
        .unwrap();
        let out = dir.join("out");
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_discosim"))
            .args(["run", scenario.to_str().unwrap(), "--quiet", "--trace", "--out", out.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        out
    })
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// One edit of a byte string: replace, insert or delete at a position (taken modulo length).
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let digit_or_any = prop_oneof![(b'0'..=b'9'), any::<u8>(), Just(b'-'), Just(b'"'), Just(b',')];
    prop_oneof![
        (any::<usize>(), digit_or_any).prop_map(|(at, b)| Edit::Replace(at, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8)).prop_map(|(at, b)| Edit::Insert(at, b)),
        (any::<usize>(), 1..40usize).prop_map(|(at, n)| Edit::Delete(at, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let len = bytes.len().max(1);
    match edit {
        Edit::Replace(at, b) if !bytes.is_empty() => bytes[at % len] = *b,
        Edit::Insert(at, new) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, new.iter().copied());
        }
        Edit::Delete(at, n) if !bytes.is_empty() => {
            let at = at % len;
            bytes.drain(at..(at + n).min(bytes.len()));
        }
        _ => {}
    }
}

/// Edits the body of journal line `line` and seals it again with a valid checksum.
fn edit_journal_line(dir: &Path, line: usize, edits: &[Edit]) {
    let text = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let index = line % lines.len();
    let (prefix, kind) = if index == 0 { ("", "header") } else { ("", "record") };
    let opening = format!("\",\"{kind}\":");
    let body_start = lines[index].find(&opening).map(|i| i + opening.len()).unwrap();
    let mut body = lines[index].as_bytes()[body_start..lines[index].len() - 1].to_vec();
    for e in edits {
        apply(&mut body, e);
    }
    let body = String::from_utf8_lossy(&body).replace('\n', " ");
    lines[index] = format!("{prefix}{{\"fnv64\":\"{:016x}\",\"{kind}\":{body}}}", fnv1a(body.as_bytes()));
    std::fs::write(dir.join("journal.jsonl"), lines.join("\n") + "\n").unwrap();
}

fn copy_template() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(template()).unwrap().flatten() {
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    dir
}

/// A copy of the template with `edits` applied to `file`.
fn copy_edited(file: &str, edits: &[Edit]) -> tempfile::TempDir {
    let dir = copy_template();
    let path = dir.path().join(file);
    let mut bytes = std::fs::read(&path).unwrap();
    for e in edits {
        apply(&mut bytes, e);
    }
    std::fs::write(&path, bytes).unwrap();
    dir
}

/// What `--resume` and `merge` do with a journal: read it, then write every results file.
fn read_and_export(dir: &Path) {
    if let Ok(contents) = journal::read(dir) {
        let mut records = contents.records;
        discosim::results::canonical_order(&mut records);
        let out = tempfile::tempdir().unwrap();
        let provenance = serde_json::json!({});
        discosim::output::write_results(out.path(), &contents.header.layout, &records, &provenance).unwrap();
    }
}

/// Draws the folder's charts on a thread and fails if that takes a minute (an infinite axis
/// range never finishes laying out its ticks).
fn draw_within_a_minute(dir: PathBuf) {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = discosim::chart::draw_all(&dir);
        let _ = done.send(());
    });
    let outcome = finished.recv_timeout(std::time::Duration::from_secs(60));
    assert!(!matches!(outcome, Err(std::sync::mpsc::RecvTimeoutError::Timeout)), "plot hung");
    assert!(outcome.is_ok(), "plot panicked");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn edited_journal_lines_never_panic(line in 0..6usize, edits in prop::collection::vec(edit(), 1..4)) {
        let dir = copy_template();
        edit_journal_line(dir.path(), line, &edits);
        read_and_export(dir.path());
    }

    #[test]
    fn edited_results_files_never_make_plot_panic(
        file in prop::sample::select(vec!["manifest.json", "summary.csv", "cdf.csv", "checks.csv", "trace.csv"]),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let dir = copy_edited(file, &edits);
        draw_within_a_minute(dir.path().to_path_buf());
    }

    /// `compare` (the real binary) of the intact folder with an edited copy exits 0, 1 or 2:
    /// never a panic (101).
    #[test]
    fn edited_results_files_never_make_compare_panic(
        file in prop::sample::select(vec!["manifest.json", "runs.csv"]),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let dir = copy_edited(file, &edits);
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_discosim"))
            .args(["compare", template().to_str().unwrap(), dir.path().to_str().unwrap()])
            .output()
            .unwrap();
        prop_assert!(matches!(output.status.code(), Some(0..=2)), "{:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
    }

    /// `report` (the real binary) of an edited folder writes its page (0) or refuses the
    /// folder (2): never a panic (101).
    #[test]
    fn edited_results_files_never_make_report_panic(
        file in prop::sample::select(vec!["manifest.json", "summary.csv", "checks.csv"]),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let dir = copy_edited(file, &edits);
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_discosim"))
            .args(["report", dir.path().to_str().unwrap()])
            .output()
            .unwrap();
        prop_assert!(matches!(output.status.code(), Some(0 | 2)), "{:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
    }
}
