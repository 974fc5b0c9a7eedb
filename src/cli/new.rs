//! `discosim new NAME [--from PRESET]`: writes a commented starting scenario, `NAME.toml`, in
//! the current folder — the keys a first study needs, each with what it means, valid as
//! written (`discosim validate NAME.toml`). With `--from`, the scenario takes a preset's
//! detector and registry, and the preset's keys are shown as comments to override.
// A module that reads input: nothing here may panic on what it reads (checked by clippy).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use crate::exit::Exit;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub(super) struct NewArgs {
    /// The scenario's name: letters, digits, - and _ (the file is NAME.toml).
    name: String,
    /// Start from a production system's preset (`discosim list` shows them).
    #[arg(long, value_name = "PRESET")]
    from: Option<String>,
}

pub(super) fn new(args: &NewArgs) -> ExitCode {
    match write(args) {
        Ok(path) => {
            println!("wrote {} — try `discosim validate {0}`, then `discosim run {0}`", path.display());
            ExitCode::SUCCESS
        }
        Err((message, code)) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
    }
}

fn write(args: &NewArgs) -> Result<PathBuf, (String, Exit)> {
    let simple = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if args.name.is_empty() || !args.name.chars().all(simple) {
        let message = format!("`{}` is not a scenario name (letters, digits, - and _)", args.name);
        return Err((message, Exit::BadInput));
    }
    let preset = match &args.from {
        Some(name) => Some(crate::presets::find(name, "--from").map_err(|e| (describe(&e), Exit::BadInput))?),
        None => None,
    };
    let path = PathBuf::from(format!("{}.toml", args.name));
    let text = scenario_text(&args.name, preset);
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::AlreadyExists { Exit::BadInput } else { Exit::CannotWrite };
        (format!("cannot create {}: {e} (it is never overwritten)", path.display()), code)
    })?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .map_err(|e| (format!("cannot write {}: {e}", path.display()), Exit::CannotWrite))?;
    Ok(path)
}

fn describe(error: &crate::params::KeyError) -> String {
    let mut text = format!("{}: {}", error.key, error.message);
    if let Some(allowed) = &error.allowed {
        text.push_str(&format!("\n  allowed: {allowed}"));
    }
    if let Some(suggestion) = &error.suggestion {
        text.push_str(&format!("\n  did you mean `{suggestion}`?"));
    }
    text
}

/// The starting scenario: its top-level keys, the preset (with its keys as comments) or a
/// detector, then the tables. `preset` is a top-level key, so it comes before any table.
fn scenario_text(name: &str, preset: Option<&crate::presets::Preset>) -> String {
    let mut text = HEAD.replace("NAME", name);
    match preset {
        Some(p) => {
            text.push_str(&format!(
                "\n# The {} preset's keys (its detector, registry, caches), each overridable\n",
                p.name
            ));
            text.push_str("# by writing that table in this file:\n");
            text.extend(p.text.lines().map(|line| format!("#   {line}\n")));
            text.push_str(&format!("preset = \"{}\"\n", p.name));
        }
        None => text.push_str(DETECTOR),
    }
    text.push_str(TABLES);
    text
}

const HEAD: &str = r#"# NAME: a starting scenario written by `discosim new`. The README walks through a
# scenario ("A scenario, walked through"); docs/reference.md lists every key. Run it with `discosim run NAME.toml`;
# results go to results/NAME/.
name = "NAME"
description = "what this scenario asks"
seed = 1
horizon = "3600s"                  # simulated time of one run
replications = 5                   # independent runs, for confidence intervals
"#;

const TABLES: &str = r#"
[cluster]
instances = 50
# Each instance fails and recovers: time to failure and time to repair.
failure = { model = "crash-recover", mttf = { dist = "exponential", mean = "3600s" }, mttr = { dist = "constant", value = "60s" } }

[network]
delay = { dist = "exponential", mean = "2ms" }   # one way, every message
loss = 0.01                                      # probability a message is lost

# Clients that send requests (remove [workload] to study detection alone):
[workload]
clients = 10
rate = 10.0                        # requests per second per client

[recovery]
timeout = "1s"                     # per attempt
# [recovery.retry]
# max_attempts = 3

# Compare the effect of one key (every point shares the seed):
[sweep]
"network.loss" = [0.0, 0.01, 0.05]
"#;

const DETECTOR: &str = r#"
# How the registry learns that an instance is down (`discosim list` shows every detector):
[detector]
kind = "heartbeat"
interval = "1s"
timeout = "3s"
"#;
