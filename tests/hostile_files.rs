//! Hostile input and faults around files (and on the command line),
//! through the real binary: a scenario name that is a path, results folders whose journal,
//! manifest or CSV files were tampered with, two writers, symbolic links planted in a results
//! folder, files named by a scenario that are not regular files, write failures.
//!
//! Every case is a small function returning what went wrong, if anything; each test runs one
//! class and fails listing every case that did not hold. Set `DISCOSIM_BIN` to another build
//! (e.g. an older version) and run with `--nocapture` to print how many cases it holds.
//! (Classes that held before and are tested elsewhere: kill -9 and resume byte-identically,
//! shards and merge — `tests/sweeps.rs`; thread counts — `tests/determinism.rs`; bad keys —
//! `tests/cli.rs`; arbitrary scenario bytes — `tests/fuzz_input.rs`.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test: this build, or `DISCOSIM_BIN`.
fn binary() -> String {
    std::env::var("DISCOSIM_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_discosim").to_string())
}

/// Runs the binary in `cwd` with a time limit; a run past it is killed and reported as a hang.
fn discosim_in(cwd: &Path, args: &[&str], limit: Duration) -> Result<Output, String> {
    let mut child = Command::new(binary())
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{args:?} hung (killed after {limit:?})"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().map_err(|e| e.to_string())
}

fn discosim(cwd: &Path, args: &[&str]) -> Result<Output, String> {
    discosim_in(cwd, args, Duration::from_secs(60))
}

/// Requires exit code `code` and, in stderr, every one of `needles`.
fn expect(output: &Output, code: i32, needles: &[&str]) -> Result<(), String> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() != Some(code) {
        return Err(format!("exit {:?} (wanted {code}); stderr: {}", output.status, stderr.trim()));
    }
    match needles.iter().find(|n| !stderr.contains(*n)) {
        Some(missing) => Err(format!("stderr lacks `{missing}`: {}", stderr.trim())),
        None => Ok(()),
    }
}

fn run_expect(cwd: &Path, args: &[&str], code: i32, needles: &[&str]) -> Result<(), String> {
    expect(&discosim(cwd, args)?, code, needles)
}

/// A small, fast scenario (about 0.1 s a run); `extra` is appended as TOML.
fn scenario_text(name: &str, extra: &str) -> String {
    format!(
        "name = \"{name}\"\nhorizon = \"20s\"\nreplications = 2\n[cluster]\ninstances = 5\n\
         failure = {{ model = \"crash-recover\", mttf = {{ dist = \"exponential\", mean = \"5s\" }}, mttr = {{ dist = \"constant\", value = \"1s\" }} }}\n\
         [detector]\nkind = \"heartbeat\"\ninterval = \"200ms\"\n{extra}"
    )
}

const SWEEP: &str = "[sweep]\n\"detector.interval\" = [\"100ms\", \"200ms\"]\n";
const EXPECT: &str =
    "[[expect]]\nmetric = \"detection_time.mean\"\nformula = \"2 * interval\"\nholds = \"upper-bound\"\n";

fn write(path: &Path, text: &str) -> String {
    std::fs::write(path, text).unwrap();
    path.display().to_string()
}

/// A temporary workspace with a scenario file `s.toml`.
struct Space {
    dir: tempfile::TempDir,
}

impl Space {
    fn new(scenario: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("s.toml"), scenario);
        Space { dir }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn at(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn s(&self, name: &str) -> String {
        self.at(name).display().to_string()
    }
    /// Runs `s.toml` into `out` (extra arguments after) and requires success.
    fn run_ok(&self, out: &str, extra: &[&str]) -> Result<(), String> {
        let out = self.s(out);
        let mut args = vec!["run", "s.toml", "--quiet", "--out", &out];
        args.extend_from_slice(extra);
        run_expect(self.path(), &args, 0, &[])
    }
    /// Every entry of the workspace, recursively, except inside `skip`.
    fn entries(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![self.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(path.clone());
                }
                found.push(path);
            }
        }
        found.sort();
        found
    }
}

/// Runs every case of a class, prints "held N of M", and fails listing those that did not.
/// A named case: Ok if it held, else what went wrong.
type Case = (&'static str, fn() -> Result<(), String>);

fn class(name: &str, cases: &[Case]) {
    let outcome = |f: &fn() -> Result<(), String>| match std::panic::catch_unwind(f) {
        Ok(result) => result,
        Err(_) => Err("the test case itself panicked (see above)".into()),
    };
    let failures: Vec<String> =
        cases.iter().filter_map(|(case, f)| outcome(f).err().map(|why| format!("  {case}: {why}"))).collect();
    println!("class {name}: held {} of {} cases", cases.len() - failures.len(), cases.len());
    assert!(failures.is_empty(), "class {name}: {} case(s) did not hold:\n{}", failures.len(), failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Journal editing: lines are sealed `{"fnv64":"…","record":…}` (older builds: bare JSON).

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// (kind, body) of a sealed line, or ("", line) for a bare one.
fn unseal(line: &str) -> (&str, &str) {
    let Some(rest) = line.strip_prefix("{\"fnv64\":\"").and_then(|r| r.get(16..)) else {
        return ("", line);
    };
    for kind in ["header", "record"] {
        if let Some(body) = rest.strip_prefix(&format!("\",\"{kind}\":")).and_then(|r| r.strip_suffix('}')) {
            return (kind, body);
        }
    }
    ("", line)
}

fn seal(kind: &str, body: &str) -> String {
    if kind.is_empty() {
        return body.to_string();
    }
    format!("{{\"fnv64\":\"{:016x}\",\"{kind}\":{body}}}", fnv1a(body.as_bytes()))
}

fn journal_lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("journal.jsonl")).unwrap().lines().map(String::from).collect()
}

fn write_journal(dir: &Path, lines: &[String]) {
    std::fs::write(dir.join("journal.jsonl"), lines.join("\n") + "\n").unwrap();
}

/// Edits line `index` of a journal as JSON and seals it again (a forger's edit).
fn edit_line(dir: &Path, index: usize, edit: impl Fn(&mut serde_json::Value)) {
    let mut lines = journal_lines(dir);
    let (kind, body) = unseal(&lines[index]);
    let mut value: serde_json::Value = serde_json::from_str(body).unwrap();
    edit(&mut value);
    lines[index] = seal(kind, &serde_json::to_string(&value).unwrap());
    write_journal(dir, &lines);
}

/// A finished run of a two-point sweep in `out`, ready to be tampered with.
fn finished(out: &str) -> Result<Space, String> {
    let space = Space::new(&scenario_text("tamper", SWEEP));
    space.run_ok(out, &[])?;
    Ok(space)
}

/// `--resume` and `merge` on a tampered folder both refuse it with exit 2, naming the journal
/// and the line.
fn refused_on_read(space: &Space, out: &str, needles: &[&str]) -> Result<(), String> {
    let (o, merged) = (space.s(out), space.s("merged"));
    let mut with_place = vec!["journal.jsonl:"];
    with_place.extend_from_slice(needles);
    run_expect(space.path(), &["run", "s.toml", "--quiet", "--resume", "--out", &o], 2, &with_place)
        .map_err(|e| format!("resume: {e}"))?;
    run_expect(space.path(), &["merge", &o, "--out", &merged], 2, &with_place).map_err(|e| format!("merge: {e}"))
}

// ---------------------------------------------------------------------------------------------
// 1. A scenario name is not a path.

fn name_case(name_toml: &str) -> Result<(), String> {
    let space = Space::new(&scenario_text("x", "").replacen("name = \"x\"", &format!("name = {name_toml}"), 1));
    run_expect(space.path(), &["validate", "s.toml"], 2, &["s.toml", "name", "a name is"])?;
    let before = space.entries();
    run_expect(space.path(), &["run", "s.toml", "--quiet"], 2, &["name"])?;
    if space.entries() != before {
        return Err(format!("run created files: {:?}", space.entries()));
    }
    Ok(())
}

#[test]
fn class_1_a_scenario_name_is_one_safe_path_component() {
    class(
        "1 names",
        &[
            ("absolute path", || name_case("\"/tmp/discosim-hostile-name\"")),
            ("parent path", || name_case("\"../../x\"")),
            ("dot-dot", || name_case("\"..\"")),
            ("sub-folder", || name_case("\"a/b\"")),
            ("dot", || name_case("\".\"")),
            ("empty", || name_case("\"\"")),
            ("NUL", || name_case("\"a\\u0000b\"")),
            ("300 bytes", || name_case(&format!("\"{}\"", "n".repeat(300)))),
            ("hidden", || name_case("\".hidden\"")),
            ("backslash", || name_case("\"a\\\\b\"")),
            ("chart name is a path", || {
                let plot = "[[plot]]\nname = \"../escape\"\nkind = \"cdf\"\ny = [\"detection_time\"]\n";
                let space = Space::new(&scenario_text("ok", plot));
                run_expect(space.path(), &["validate", "s.toml"], 2, &["plot[0].name", "a name is"])
            }),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Every file discosim reads back is untrusted input.

fn plot_refuses(edit: impl Fn(&Path), needles: &[&str]) -> Result<(), String> {
    let space = finished("out")?;
    let out = space.at("out");
    edit(&out);
    let before = space.entries();
    run_expect(space.path(), &["plot", &space.s("out")], 2, needles)?;
    let after: Vec<PathBuf> = space.entries().into_iter().filter(|p| !before.contains(p)).collect();
    if !after.is_empty() {
        return Err(format!("plot wrote {after:?}"));
    }
    Ok(())
}

fn edit_manifest(out: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let path = out.join("manifest.json");
    let mut value: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut value);
    std::fs::write(&path, serde_json::to_vec(&value).unwrap()).unwrap();
}

fn shard_header(shard: serde_json::Value) -> Result<(), String> {
    let space = finished("out")?;
    let out = space.at("out");
    edit_line(&out, 0, |h| h["shard"] = shard.clone());
    let (o, merged) = (space.s("out"), space.s("merged"));
    run_expect(space.path(), &["merge", &o, "--out", &merged], 2, &["journal.jsonl:1", "shard"])
}

#[test]
fn class_2_files_read_back_are_checked_like_a_scenario() {
    class("2 read-back", READ_BACK);
}

const READ_BACK: &[Case] = &[
    ("plot name in the manifest escapes the folder", || {
        let target = std::env::temp_dir().join(format!("discosim-escape-{}", std::process::id()));
        let name = format!("/../../../../../..{}", target.display());
        let result = plot_refuses(
            |out| edit_manifest(out, |m| m["plots"][0]["name"] = name.clone().into()),
            &["manifest.json", "a name is"],
        );
        let escaped = target.with_extension("png").exists();
        let _ = std::fs::remove_file(target.with_extension("png"));
        let _ = std::fs::remove_file(target.with_extension("svg"));
        if escaped { Err("plot wrote outside the folder".into()) } else { result }
    }),
    ("plot name `..` in the manifest", || {
        plot_refuses(|out| edit_manifest(out, |m| m["plots"][0]["name"] = "..".into()), &["a name is"])
    }),
    ("more swept keys than summary columns", || {
        let keys = serde_json::json!(["detector.interval", "a", "b", "c", "d", "e", "f", "g", "h", "i"]);
        plot_refuses(|out| edit_manifest(out, |m| m["swept_keys"] = keys.clone()), &["summary.csv", "swept keys"])
    }),
    ("chart of an unknown swept key", || {
        plot_refuses(|out| edit_manifest(out, |m| m["plots"][0]["x"] = "nope".into()), &["not a swept key"])
    }),
    ("manifest is not JSON", || {
        plot_refuses(|out| std::fs::write(out.join("manifest.json"), [0xff, 0, 1]).unwrap(), &["manifest.json"])
    }),
    ("manifest is a JSON array", || {
        plot_refuses(|out| std::fs::write(out.join("manifest.json"), "[1]").unwrap(), &["manifest.json"])
    }),
    ("summary.csv is ragged", || {
        plot_refuses(
            |out| std::fs::write(out.join("summary.csv"), "detector.interval,x\n1s\n2s,3,4\n").unwrap(),
            &["summary.csv"],
        )
    }),
    ("cdf.csv lacks the swept key", || {
        plot_refuses(|out| std::fs::write(out.join("cdf.csv"), "metric,level\nx,1\n").unwrap(), &["cdf.csv"])
    }),
    ("point index out of range", || {
        let space = finished("out")?;
        edit_line(&space.at("out"), 1, |r| r["point"] = 99.into());
        refused_on_read(&space, "out", &["point 99 is out of range"])
    }),
    ("replication index out of range", || {
        let space = finished("out")?;
        edit_line(&space.at("out"), 1, |r| r["replication"] = 4_000_000_000u32.into());
        refused_on_read(&space, "out", &["replication 4000000000 is out of range"])
    }),
    ("record with no metrics", || {
        let space = finished("out")?;
        edit_line(&space.at("out"), 1, |r| r["metrics"]["values"] = serde_json::json!([]));
        refused_on_read(&space, "out", &["no metric"])
    }),
    ("record with a short CDF", || {
        let space = finished("out")?;
        edit_line(&space.at("out"), 1, |r| r["metrics"]["cdfs"][0][1] = serde_json::json!([1.0]));
        refused_on_read(&space, "out", &["levels"])
    }),
    ("record with other metrics", || {
        let space = finished("out")?;
        edit_line(&space.at("out"), 2, |r| r["metrics"]["values"][0][0] = "other".into());
        refused_on_read(&space, "out", &["metrics are not those"])
    }),
    ("two different records of one job", || {
        let space = finished("out")?;
        let mut lines = journal_lines(&space.at("out"));
        lines.push(lines[1].clone());
        write_journal(&space.at("out"), &lines);
        edit_line(&space.at("out"), lines.len() - 1, |r| r["work"]["events"] = 1.into());
        refused_on_read(&space, "out", &["a second, different record"])
    }),
    ("shard [0,2]", || shard_header(serde_json::json!([0, 2]))),
    ("shard [5,2]", || shard_header(serde_json::json!([5, 2]))),
    ("shard [1,4000000000]", || shard_header(serde_json::json!([1, 4_000_000_000u32]))),
    ("scenario name in the journal is a path", || {
        let space = finished("out")?;
        edit_line(&space.at("out"), 0, |h| h["layout"]["name"] = "../../x".into());
        let (o, merged) = (space.s("out"), space.s("merged"));
        run_expect(space.path(), &["merge", &o, "--out", &merged], 2, &["journal.jsonl:1", "a name is"])
    }),
    ("label in the journal holds a newline", || {
        let space = finished("out")?;
        edit_line(&space.at("out"), 0, |h| h["layout"]["label"] = "two\nlines".into());
        let (o, merged) = (space.s("out"), space.s("merged"));
        run_expect(space.path(), &["merge", &o, "--out", &merged], 2, &["journal.jsonl:1", "a label holds no control"])
    }),
    ("journal of random bytes", || {
        let space = finished("out")?;
        std::fs::write(space.at("out/journal.jsonl"), [0x7b, 0xff, 0x0a, 0x00, 0x0a]).unwrap();
        let o = space.s("out");
        run_expect(space.path(), &["run", "s.toml", "--quiet", "--resume", "--out", &o], 2, &["journal.jsonl"])
    }),
];

/// `compare` of a finished folder `a` with a copy `b` damaged by `damage`: exit 2 with every
/// one of `needles`, and nothing written.
fn compare_refuses(damage: impl Fn(&Path), needles: &[&str]) -> Result<(), String> {
    let space = finished("a")?;
    space.run_ok("b", &[])?;
    damage(&space.at("b"));
    let before = space.entries();
    run_expect(space.path(), &["compare", &space.s("a"), &space.s("b")], 2, needles)?;
    if space.entries() != before {
        return Err(format!("compare wrote {:?}", space.entries()));
    }
    Ok(())
}

/// Replaces line `index` (from 0: the header) of `runs.csv` in `dir` by `edit` of it.
fn edit_runs(dir: &Path, index: usize, edit: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[index] = edit(&lines[index]);
    std::fs::write(dir.join("runs.csv"), lines.join("\n") + "\n").unwrap();
}

/// Line `line` with its cell `column` (from 0) replaced by `cell`.
fn with_cell(line: &str, column: usize, cell: &str) -> String {
    let mut cells: Vec<&str> = line.split(',').collect();
    cells[column] = cell;
    cells.join(",")
}

#[test]
fn class_2b_compare_reads_results_folders_as_input() {
    class("2b compare", COMPARE);
}

const COMPARE: &[Case] = &[
    ("runs.csv missing", || compare_refuses(|b| std::fs::remove_file(b.join("runs.csv")).unwrap(), &["runs.csv"])),
    ("runs.csv is a folder", || {
        compare_refuses(
            |b| {
                std::fs::remove_file(b.join("runs.csv")).unwrap();
                std::fs::create_dir(b.join("runs.csv")).unwrap();
            },
            &["runs.csv", "not a regular file"],
        )
    }),
    ("a metric cell is text", || {
        compare_refuses(
            |b| edit_runs(b, 2, |l| with_cell(l, 3, "abc")),
            &["runs.csv:3", "column `crashes`", "not a number"],
        )
    }),
    ("a metric cell is infinite", || {
        compare_refuses(|b| edit_runs(b, 3, |l| with_cell(l, 4, "inf")), &["runs.csv:4", "not a finite number"])
    }),
    ("a replication is negative", || {
        compare_refuses(|b| edit_runs(b, 2, |l| with_cell(l, 1, "-1")), &["runs.csv:3", "column `replication`"])
    }),
    ("a ragged row", || compare_refuses(|b| edit_runs(b, 4, |_| "200ms,1".into()), &["runs.csv:5"])),
    ("a replication given twice", || {
        compare_refuses(|b| edit_runs(b, 2, |l| with_cell(l, 1, "0")), &["runs.csv:3", "a second row of replication 0"])
    }),
    ("header without the swept key", || {
        compare_refuses(|b| edit_runs(b, 0, |l| with_cell(l, 0, "other")), &["runs.csv:1", "swept keys"])
    }),
    ("header only", || {
        compare_refuses(
            |b| std::fs::write(b.join("runs.csv"), "detector.interval,replication,seed,x\n").unwrap(),
            &["holds no replication"],
        )
    }),
    ("a point that A lacks", || {
        compare_refuses(
            |b| edit_runs(b, 4, |l| l.replacen("200ms", "300ms", 1)),
            &["[detector.interval = 300ms] is not in"],
        )
    }),
    ("manifest without swept keys", || {
        compare_refuses(|b| edit_manifest(b, |m| m["swept_keys"] = 3.into()), &["manifest.json", "swept_keys"])
    }),
    ("manifest is not JSON", || {
        compare_refuses(|b| std::fs::write(b.join("manifest.json"), [0xff, 0, 1]).unwrap(), &["manifest.json"])
    }),
    ("manifest's label is a number", || {
        compare_refuses(|b| edit_manifest(b, |m| m["label"] = 3.into()), &["manifest.json", "label"])
    }),
    ("a missing folder", || compare_refuses(|b| std::fs::remove_dir_all(b).unwrap(), &["not a results folder"])),
    ("an unknown --metric, with a suggestion", || {
        let space = finished("a")?;
        let a = space.s("a");
        run_expect(
            space.path(),
            &["compare", &a, &a, "--metric", "crashs"],
            2,
            &["--metric crashs", "did you mean `crashes`"],
        )
    }),
    ("--alpha 2", || {
        let space = finished("a")?;
        let a = space.s("a");
        run_expect(space.path(), &["compare", &a, &a, "--alpha", "2"], 2, &["--alpha", "between 0 and 1"])
    }),
    ("one folder", || {
        let space = finished("a")?;
        run_expect(space.path(), &["compare", &space.s("a")], 2, &["compare"])
    }),
];

// ---------------------------------------------------------------------------------------------
// 3. Integrity: a checksum on every journal line.

/// Changes one character of line `index` in place, as a careless edit or a bit flip would.
fn flip(dir: &Path, index: usize, from: &str, to: &str) {
    let mut lines = journal_lines(dir);
    lines[index] = lines[index].replacen(from, to, 1);
    write_journal(dir, &lines);
}

#[test]
fn class_3_every_journal_line_carries_a_checksum() {
    class(
        "3 integrity",
        &[
            ("one digit of a metric changed", || {
                let space = finished("out")?;
                flip(&space.at("out"), 1, "[\"crashes\",", "[\"crashes\",1");
                refused_on_read(&space, "out", &["checksum"])
            }),
            ("one digit of the seed changed", || {
                let space = finished("out")?;
                let line = &journal_lines(&space.at("out"))[1];
                let seed = line.split("\"seed\":").nth(1).unwrap_or("").chars().next().unwrap_or('0');
                let other = if seed == '9' { '8' } else { (seed as u8 + 1) as char };
                flip(&space.at("out"), 1, &format!("\"seed\":{seed}"), &format!("\"seed\":{other}"));
                refused_on_read(&space, "out", &["checksum"])
            }),
            ("a forged seed, sealed again", || {
                let space = finished("out")?;
                edit_line(&space.at("out"), 1, |r| r["seed"] = 12345.into());
                refused_on_read(&space, "out", &["seed 12345 is not replication"])
            }),
            ("the header changed", || {
                let space = finished("out")?;
                flip(&space.at("out"), 0, "\"replications\":2", "\"replications\":3");
                refused_on_read(&space, "out", &["journal.jsonl:1", "checksum"])
            }),
            ("a torn last line is dropped with a warning", || {
                let space = finished("whole")?;
                space.run_ok("out", &[])?;
                let out = space.at("out");
                let mut text = std::fs::read_to_string(out.join("journal.jsonl")).unwrap();
                let last = journal_lines(&out).pop().unwrap_or_default();
                text.truncate(text.len() - last.len() / 2 - 1);
                std::fs::write(out.join("journal.jsonl"), text).unwrap();
                let o = space.s("out");
                run_expect(
                    space.path(),
                    &["run", "s.toml", "--quiet", "--resume", "--out", &o],
                    0,
                    &["warning", "cut short"],
                )?;
                same_files(&space.at("whole"), &out, &["runs.csv", "summary.csv"])?;
                let (whole, resumed) = (journal_lines(&space.at("whole")), journal_lines(&out));
                if whole.len() == resumed.len() { Ok(()) } else { Err("the resumed journal lacks a record".into()) }
            }),
            ("a format-1 journal is refused by name", || {
                let space = finished("out")?;
                let lines: Vec<String> =
                    journal_lines(&space.at("out")).iter().map(|l| unseal(l).1.to_string()).collect();
                write_journal(&space.at("out"), &lines);
                refused_on_read(&space, "out", &["format 1"])
            }),
        ],
    );
}

fn same_files(a: &Path, b: &Path, files: &[&str]) -> Result<(), String> {
    for file in files {
        let (x, y) = (std::fs::read(a.join(file)), std::fs::read(b.join(file)));
        if x.as_ref().ok() != y.as_ref().ok() || x.is_err() {
            return Err(format!("{file} differs between {} and {}", a.display(), b.display()));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 4. One writer per results folder.

#[test]
fn class_4_one_writer_and_one_scenario_per_folder() {
    class("4 one writer", ONE_WRITER);
}

const ONE_WRITER: &[Case] = &[
    ("a second writer while the lock is held", || {
        let space = Space::new(&scenario_text("locked", ""));
        std::fs::create_dir(space.at("out")).unwrap();
        let lock = std::fs::File::create(space.at("out/.discosim.lock")).unwrap();
        lock.try_lock().map_err(|e| e.to_string())?;
        std::fs::write(space.at("out/.discosim.lock"), "process 4242 (discosim run other.toml)").unwrap();
        let o = space.s("out");
        run_expect(space.path(), &["run", "s.toml", "--quiet", "--out", &o], 2, &["process 4242", "another discosim"])?;
        if space.at("out/journal.jsonl").exists() {
            return Err("the second writer wrote a journal".into());
        }
        Ok(())
    }),
    ("two runs at once: the second is refused while the first runs", two_runs_at_once),
    ("merge of a shard that is still being written", || {
        let space = finished("out")?;
        let lock = std::fs::File::options().write(true).open(space.at("out/.discosim.lock")).unwrap();
        lock.try_lock().map_err(|e| e.to_string())?;
        let (o, merged) = (space.s("out"), space.s("merged"));
        run_expect(space.path(), &["merge", &o, "--out", &merged], 2, &["another discosim"])
    }),
    ("a refused resume leaves the folder as it was", || {
        let space = finished("out")?;
        let mut lines = journal_lines(&space.at("out"));
        lines[1] = lines[1].replacen("\"crashes\",", "\"crashes\",1", 1);
        write_journal(&space.at("out"), &lines);
        let before = space.entries();
        let o = space.s("out");
        run_expect(space.path(), &["run", "s.toml", "--quiet", "--resume", "--out", &o], 2, &["checksum"])?;
        if space.entries() == before { Ok(()) } else { Err(format!("files changed: {:?}", space.entries())) }
    }),
    ("--out into a folder of other files deletes none of them", || {
        let space = Space::new(&scenario_text("guest", ""));
        let mine = ["timeline.png", "latency-cdf.svg", ".config.tmp-1", "notes.txt", ".runs.csv.tmp-x"];
        std::fs::create_dir_all(space.at("home/.notes.tmp-keep")).unwrap();
        std::fs::write(space.at("home/.notes.tmp-keep/inner"), "keep").unwrap();
        for f in mine {
            std::fs::write(space.at("home").join(f), "mine").unwrap();
        }
        space.run_ok("home", &[])?;
        let gone: Vec<&str> = mine.into_iter().filter(|f| !space.at("home").join(f).exists()).collect();
        if gone.is_empty() && space.at("home/.notes.tmp-keep/inner").exists() {
            Ok(())
        } else {
            Err(format!("deleted: {gone:?}"))
        }
    }),
    ("another scenario's folder is refused", || {
        let space = Space::new(&scenario_text("first", EXPECT));
        space.run_ok("out", &[])?;
        write(&space.at("s.toml"), &scenario_text("second", ""));
        let o = space.s("out");
        run_expect(space.path(), &["run", "s.toml", "--quiet", "--out", &o], 2, &["another scenario", "--force"])?;
        let runs = std::fs::read_to_string(space.at("out/runs.csv")).unwrap_or_default();
        if !space.at("out/checks.csv").exists() || runs.is_empty() {
            return Err("the refused run touched the old results".into());
        }
        Ok(())
    }),
    ("--force clears another scenario's results", || {
        let space = Space::new(&scenario_text("first", EXPECT));
        space.run_ok("out", &[])?;
        write(&space.at("s.toml"), &scenario_text("second", ""));
        space.run_ok("out", &["--force"])?;
        if space.at("out/checks.csv").exists() {
            return Err("checks.csv of the first scenario survived".into());
        }
        let manifest = std::fs::read_to_string(space.at("out/manifest.json")).unwrap_or_default();
        if manifest.contains("\"first\"") { Err("the manifest is the first scenario's".into()) } else { Ok(()) }
    }),
    ("an older run's trace and timeline do not survive", || {
        let space = Space::new(&scenario_text("traced", ""));
        space.run_ok("out", &["--trace"])?;
        if !space.at("out/timeline.png").exists() {
            return Err("the traced run drew no timeline".into());
        }
        space.run_ok("out", &[])?;
        match ["trace.csv", "timeline.png", "timeline.svg"].iter().find(|f| space.at("out").join(f).exists()) {
            Some(f) => Err(format!("{f} of the older run survived")),
            None => Ok(()),
        }
    }),
    ("resume into another scenario's folder", || {
        let space = Space::new(&scenario_text("first", ""));
        space.run_ok("out", &[])?;
        write(&space.at("s.toml"), &scenario_text("second", ""));
        let o = space.s("out");
        run_expect(space.path(), &["run", "s.toml", "--quiet", "--resume", "--out", &o], 2, &["cannot resume"])
    }),
    ("a folder with a damaged journal and manifest is refused", || {
        let space = Space::new(&scenario_text("first", ""));
        space.run_ok("out", &[])?;
        std::fs::write(space.at("out/journal.jsonl"), "garbage\n").unwrap();
        std::fs::write(space.at("out/manifest.json"), "garbage\n").unwrap();
        let o = space.s("out");
        run_expect(space.path(), &["run", "s.toml", "--quiet", "--out", &o], 2, &["cannot be told", "--force"])
    }),
    ("a damaged journal of this scenario is replaced by a fresh run", || {
        let space = Space::new(&scenario_text("first", ""));
        space.run_ok("out", &[])?;
        std::fs::write(space.at("out/journal.jsonl"), "garbage\n").unwrap();
        space.run_ok("out", &[])
    }),
    ("two scenario files of one name", || {
        let space = Space::new(&scenario_text("twin", ""));
        write(&space.at("t.toml"), &scenario_text("twin", "seed = 2\n").replacen("seed = 2\n", "", 1));
        let o = space.s("out");
        run_expect(space.path(), &["run", "s.toml", "t.toml", "--quiet", "--out", &o], 2, &["both named `twin`"])
    }),
    ("merge into another scenario's folder", || {
        let space = finished("out")?;
        write(&space.at("o.toml"), &scenario_text("other", ""));
        let other = space.s("other");
        run_expect(space.path(), &["run", "o.toml", "--quiet", "--out", &other], 0, &[])?;
        let o = space.s("out");
        run_expect(space.path(), &["merge", &o, "--out", &other], 2, &["another scenario"])
    }),
];

/// Starts a long run, and while it holds the folder starts a second: the second exits 2 and
/// names the first; the first finishes untouched.
fn two_runs_at_once() -> Result<(), String> {
    let space = Space::new(&scenario_text("long", "").replace("horizon = \"20s\"", "horizon = \"2000s\""));
    let out = space.s("out");
    let mut first = Command::new(binary())
        .args(["run", "s.toml", "--quiet", "--threads", "1", "--replications", "40", "--out", &out])
        .current_dir(space.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    while !space.at("out/journal.jsonl").exists() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = discosim(space.path(), &["run", "s.toml", "--quiet", "--out", &out]);
    let first_status = first.wait().map_err(|e| e.to_string())?;
    expect(&second?, 2, &[&format!("process {}", first.id())])?;
    if !first_status.success() {
        return Err(format!("the first run failed: {first_status}"));
    }
    let rows = std::fs::read_to_string(space.at("out/runs.csv")).unwrap_or_default().lines().count();
    if rows == 41 { Ok(()) } else { Err(format!("runs.csv has {rows} lines, not 41")) }
}

// ---------------------------------------------------------------------------------------------
// 5. No writing through symbolic links.

/// Plants `name -> precious` in a folder of finished results, reruns (or resumes) into it, and
/// requires the precious file untouched.
fn planted(name: &str, extra: &[&str], code: i32) -> Result<(), String> {
    let space = Space::new(&scenario_text("links", EXPECT));
    space.run_ok("out", &[])?;
    let precious = space.at("precious");
    std::fs::write(&precious, "precious\n").unwrap();
    let link = space.at("out").join(name);
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&precious, &link).unwrap();
    let o = space.s("out");
    let mut args = vec!["run", "s.toml", "--quiet", "--out", &o];
    args.extend_from_slice(extra);
    let needles: &[&str] = if code == 0 { &[] } else { &[name, "symbolic link"] };
    run_expect(space.path(), &args, code, needles)?;
    match std::fs::read_to_string(&precious) {
        Ok(text) if text == "precious\n" => Ok(()),
        other => Err(format!("the link's target was written: {other:?}")),
    }
}

#[test]
fn class_5_symbolic_links_in_the_results_folder_are_never_written_through() {
    class(
        "5 symlinks",
        &[
            ("journal.jsonl", || planted("journal.jsonl", &[], 0)),
            ("journal.jsonl, resuming", || planted("journal.jsonl", &["--resume"], 2)),
            ("runs.csv", || planted("runs.csv", &[], 0)),
            ("checks.csv", || planted("checks.csv", &[], 0)),
            ("manifest.json", || planted("manifest.json", &[], 0)),
            ("a chart", || planted("chart.png", &[], 0)),
            ("the old temporary name of a chart (png)", || planted(".chart.tmp.png", &[], 0)),
            ("the old temporary name of a chart (svg)", || planted(".chart.tmp.svg", &[], 0)),
            ("the lock file", || planted(".discosim.lock", &[], 3)),
            ("the lock file as a hard link", || {
                let space = Space::new(&scenario_text("hard", ""));
                space.run_ok("out", &[])?;
                std::fs::write(space.at("precious"), "precious\n").unwrap();
                std::fs::remove_file(space.at("out/.discosim.lock")).unwrap();
                std::fs::hard_link(space.at("precious"), space.at("out/.discosim.lock")).unwrap();
                let o = space.s("out");
                run_expect(space.path(), &["run", "s.toml", "--quiet", "--out", &o], 3, &["hard link"])?;
                let text = std::fs::read_to_string(space.at("precious")).unwrap_or_default();
                if text == "precious\n" { Ok(()) } else { Err("the hard link's file was written".into()) }
            }),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 8. Files named by a scenario are regular files of bounded size.

fn empirical_case(prepare: impl Fn(&Path) -> String, needles: &[&str]) -> Result<(), String> {
    let space = Space::new("");
    let file = prepare(space.path());
    let delay = format!("[network]\ndelay = {{ dist = \"empirical\", file = \"{}\" }}\n", file.escape_default());
    write(&space.at("s.toml"), &scenario_text("emp", &delay));
    let output = discosim_in(space.path(), &["validate", "s.toml"], Duration::from_secs(20))?;
    expect(&output, 2, needles)
}

fn fifo(dir: &Path) -> String {
    let path = dir.join("fifo");
    let status = Command::new("mkfifo").arg(&path).status();
    assert!(status.is_ok_and(|s| s.success()), "mkfifo");
    path.display().to_string()
}

#[test]
fn class_8_files_named_by_a_scenario_are_regular_and_bounded() {
    class(
        "8 named files",
        &[
            ("empirical file is a FIFO", || empirical_case(fifo, &["network.delay.file", "FIFO"])),
            ("empirical file is /dev/zero", || empirical_case(|_| "/dev/zero".into(), &["a device"])),
            ("empirical file is a folder", || empirical_case(|d| d.display().to_string(), &["a folder"])),
            ("empirical file is huge (sparse, 1 GiB)", || {
                empirical_case(
                    |d| {
                        let path = d.join("huge.csv");
                        std::fs::File::create(&path).unwrap().set_len(1 << 30).unwrap();
                        path.display().to_string()
                    },
                    &["more than"],
                )
            }),
            ("scenario file is a FIFO", || {
                let space = Space::new("");
                let path = fifo(space.path());
                let output = discosim_in(space.path(), &["validate", &path], Duration::from_secs(20))?;
                expect(&output, 2, &["FIFO"])
            }),
            ("scenario file is /dev/zero", || {
                let output = discosim_in(Path::new("."), &["validate", "/dev/zero"], Duration::from_secs(20))?;
                expect(&output, 2, &["a device"])
            }),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 9. Write failures leave nothing behind.

/// Temporaries (of this version or older ones) left in a folder.
fn temporaries(dir: &Path) -> Vec<String> {
    let names = std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()));
    names.into_iter().flatten().filter(|n| n.starts_with(".discosim-tmp") || n.contains(".tmp")).collect()
}

/// Runs with a file-size limit of `limit_bytes`: the write fails, and the run must exit 3 (not
/// die of SIGXFSZ) and leave no temporary; a resume without the limit then completes.
fn file_size_limit(limit_bytes: u64) -> Result<(), String> {
    let space = Space::new(&scenario_text("limited", &format!("{SWEEP}{EXPECT}")));
    space.run_ok("whole", &[])?;
    let out = space.s("out");
    let mut command = Command::new(binary());
    command.args(["run", "s.toml", "--quiet", "--out", &out]).current_dir(space.path());
    set_file_size_limit(&mut command, limit_bytes);
    let output = command.output().map_err(|e| e.to_string())?;
    expect(&output, 3, &["cannot"])?;
    let left = temporaries(&space.at("out"));
    if !left.is_empty() {
        return Err(format!("temporaries left after the failure: {left:?}"));
    }
    space.run_ok("out", &["--resume"])?;
    let left = temporaries(&space.at("out"));
    if !left.is_empty() {
        return Err(format!("temporaries left after the resume: {left:?}"));
    }
    same_files(&space.at("whole"), &space.at("out"), &["runs.csv", "summary.csv", "checks.csv"])
}

fn set_file_size_limit(command: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe and touches only the child's own limits.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
        });
    }
}

#[test]
fn class_9_write_failures_leave_nothing_behind() {
    class(
        "9 write failures",
        &[
            ("file-size limit hit by runs.csv or cdf.csv", || file_size_limit(20_000)),
            ("file-size limit hit by a chart", || file_size_limit(120_000)),
            ("temporaries of an interrupted run are removed by the next", || {
                let space = Space::new(&scenario_text("leftovers", ""));
                space.run_ok("out", &[])?;
                for name in [".runs.csv.tmp-99999", ".chart.tmp.png", ".discosim-tmp-abc"] {
                    std::fs::write(space.at("out").join(name), "x").unwrap();
                }
                std::fs::create_dir(space.at("out/.discosim-tmp-dir")).unwrap();
                space.run_ok("out", &["--resume"])?;
                let left = temporaries(&space.at("out"));
                if left.is_empty() { Ok(()) } else { Err(format!("left: {left:?}")) }
            }),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// The command line.

#[test]
fn command_line_abuse_is_an_error_not_a_crash() {
    class(
        "command line",
        &[
            ("--shard 0/2", || cli_case(&["--shard", "0/2"], &["shard"])),
            ("--shard 3/2", || cli_case(&["--shard", "3/2"], &["shard"])),
            ("--shard 1/0", || cli_case(&["--shard", "1/0"], &["shard"])),
            ("--trace-job 99/0", || cli_case(&["--trace-job", "99/0"], &["trace-job"])),
            ("--replications 0", || cli_case(&["--replications", "0"], &["replications"])),
            ("--seed -1", || cli_case(&["--seed", "-1"], &["-1"])),
            ("--threads 100000", || cli_case(&["--threads", "100000"], &["threads"])),
            ("--set without =", || cli_case(&["--set", "detector.interval"], &["key=value"])),
            ("--shard 1/2000000 (more than a journal may name)", || cli_case(&["--shard", "1/2000000"], &["shards"])),
            ("--shard 3/4 of a sweep with fewer jobs than shards' share", || {
                let space = Space::new(&scenario_text("shard", SWEEP));
                space.run_ok("out", &["--shard", "3/4"])?;
                space.run_ok("other", &["--shard", "1/1000"])
            }),
            ("plot of a missing folder", || {
                let space = Space::new("");
                run_expect(space.path(), &["plot", "nowhere"], 2, &["nowhere"])
            }),
            ("merge of a folder without a journal", || {
                let space = Space::new("");
                std::fs::create_dir(space.at("empty")).unwrap();
                run_expect(space.path(), &["merge", "empty", "--out", "m"], 2, &["no journal"])
            }),
        ],
    );
}

fn cli_case(extra: &[&str], needles: &[&str]) -> Result<(), String> {
    let space = Space::new(&scenario_text("cli", ""));
    let mut args = vec!["run", "s.toml", "--quiet", "--out", "out"];
    args.extend_from_slice(extra);
    run_expect(space.path(), &args, 2, needles)
}
