//! Helpers for tests that drive the real binary: run it, read its messages, write a scenario.

use std::path::Path;
use std::process::{Command, Output};

pub fn discosim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_discosim")).args(args).output().unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Writes `text` to `s.toml` in `dir` and returns its path.
pub fn scenario_file(dir: &Path, text: &str) -> String {
    let path = dir.join("s.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}
