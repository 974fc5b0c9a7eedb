//! `docs/reference.md` stays true to the code: its generated blocks (every command's help,
//! every metric column, the declared recovery keys, fault actions and distributions) are
//! rebuilt here from clap, `discosim::metrics::catalog()` and the declarations and must equal
//! the file; every metric has a definition there. After changing a command, an option, a
//! metric or a declaration, rewrite the blocks with
//! `DISCOSIM_BLESS=1 cargo test --release --test reference_doc` and write the new definitions.

mod common;
use common::binary::discosim;
use discosim::metrics::{FRACTIONS, SAMPLED, catalog};

const PATH: &str = "docs/reference.md";

/// The registries whose tables (`discosim::strategies::table`) are generated blocks here.
const DECLARED: &[&str] = &["recovery", "fault-actions", "distributions", "registry", "presets"];

fn help(args: &[&str]) -> String {
    let out = discosim(args);
    assert!(out.status.success(), "discosim {args:?} failed");
    String::from_utf8(out.stdout).unwrap().trim_end().to_string()
}

/// The commands listed by `discosim --help`, `help` aside.
fn commands(top: &str) -> Vec<String> {
    top.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect()
}

fn commands_block() -> String {
    let top = help(&["--help"]);
    let mut out = format!("```text\n$ discosim --help\n{top}\n```\n");
    for command in commands(&top) {
        let text = help(&[&command, "--help"]);
        out.push_str(&format!("\n### `discosim {command}`\n\n```text\n$ discosim {command} --help\n{text}\n```\n"));
    }
    out
}

/// The base names of the catalog's metrics, in column order (a sampled metric once).
fn base_metrics() -> Vec<String> {
    let mut bases: Vec<String> = Vec::new();
    for name in catalog() {
        let base = match name.rsplit_once('.') {
            Some((b, _)) if SAMPLED.contains(&b) => b.to_string(),
            _ => name,
        };
        if !bases.contains(&base) {
            bases.push(base);
        }
    }
    bases
}

fn metrics_block() -> String {
    let catalog = catalog();
    let mut out = String::from("| metric | columns | kind | range |\n| --- | --- | --- | --- |\n");
    for base in base_metrics() {
        let (columns, kind) = if SAMPLED.contains(&base.as_str()) {
            let suffixes: Vec<String> =
                catalog.iter().filter_map(|n| n.strip_prefix(&format!("{base}.")).map(|s| format!("`.{s}`"))).collect();
            (suffixes.join(" "), "sampled (seconds)")
        } else if FRACTIONS.contains(&base.as_str()) {
            (format!("`{base}`"), "fraction")
        } else {
            (format!("`{base}`"), "value")
        };
        let (low, high) = discosim::metrics::range(&base);
        let range = if high.is_finite() { format!("[{low}, {high}]") } else { format!("≥ {low}") };
        out.push_str(&format!("| `{base}` | {columns} | {kind} | {range} |\n"));
    }
    out
}

/// Replaces the text between `<!-- BEGIN generated: NAME -->` and `<!-- END generated: NAME -->`.
fn splice(doc: &str, name: &str, block: &str) -> String {
    let (begin, end) = (format!("<!-- BEGIN generated: {name} -->\n"), format!("<!-- END generated: {name} -->"));
    let start = doc.find(&begin).unwrap_or_else(|| panic!("{PATH} has no `{begin}`")) + begin.len();
    let stop = doc.find(&end).unwrap_or_else(|| panic!("{PATH} has no `{end}`"));
    format!("{}{block}{}", &doc[..start], &doc[stop..])
}

#[test]
fn generated_blocks_match_the_code() {
    let doc = std::fs::read_to_string(PATH).unwrap();
    let mut fresh = splice(&splice(&doc, "commands", &commands_block()), "metrics", &metrics_block());
    for name in DECLARED {
        let table = discosim::strategies::table(name).unwrap_or_else(|| panic!("no registry `{name}`"));
        fresh = splice(&fresh, name, &table);
    }
    if std::env::var_os("DISCOSIM_BLESS").is_some() {
        std::fs::write(PATH, &fresh).unwrap();
        return;
    }
    assert!(
        doc == fresh,
        "{PATH}'s generated blocks differ from the code: run `DISCOSIM_BLESS=1 cargo test --release --test reference_doc`"
    );
}

#[test]
fn every_metric_is_defined() {
    let doc = std::fs::read_to_string(PATH).unwrap();
    let definitions = doc.split("<!-- BEGIN generated: metrics -->").next().unwrap();
    let definitions = definitions.rsplit("## Metrics").next().unwrap();
    for base in base_metrics() {
        assert!(
            definitions.contains(&format!("`{base}`")),
            "{PATH}: metric `{base}` has no definition under ## Metrics"
        );
    }
}
