//! The crate's modules form layers (ARCHITECTURE.md, *Layers*): a module may use modules of its
//! own layer or below, never above. This test reads every `crate::…` and `super::super::…` path
//! in the code of `src/` (comments and unit tests aside) and fails on any upward import, and on a
//! module that has no layer.

use std::collections::BTreeSet;
use std::path::Path;

/// Bottom to top. A module of layer k may import modules of layers 0..=k.
const LAYERS: &[&[&str]] = &[
    &["engine", "exit", "input"],
    &["dist", "params", "ids"],
    &["metrics", "stats"],
    &["detect", "balance", "recovery"],
    &["model", "cluster"],
    &["traffic", "contention"],
    &["world"],
    &["run", "bench", "results", "presets"],
    &["expect", "preflight", "formulas", "strategies"],
    &["output", "chart", "compare", "report"],
    &["scenario"],
    &["tune"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level module a source file belongs to: `src/detect/phi.rs` → `detect`.
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix("src").unwrap_or(path);
    let first = relative.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned());
    first.unwrap_or_default().trim_end_matches(".rs").to_string()
}

/// The top-level modules a file names through `crate::` (and `super::super::`, which from
/// `src/a/b.rs` reaches the crate root).
fn imports(text: &str, nested: bool) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut prefixes = vec!["crate::"];
    if nested {
        prefixes.push("super::super::");
    }
    for prefix in prefixes {
        for (at, _) in text.match_indices(prefix) {
            let name: String =
                text[at + prefix.len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            found.insert(name);
        }
    }
    found
}

fn source_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every (from, to) module import of the crate, and every module that has no layer.
fn edges() -> (BTreeSet<(String, String)>, BTreeSet<String>) {
    let mut files = Vec::new();
    source_files(Path::new("src"), &mut files);
    let (mut edges, mut unlayered) = (BTreeSet::new(), BTreeSet::new());
    for file in files {
        let from = module_of(&file);
        if from == "lib" || from == "main" {
            continue;
        }
        let nested = file.components().count() == 3; // `src/a/b.rs`: `super::super` is the root
        if file.file_name().is_some_and(|n| n == "tests.rs") {
            continue; // unit tests may build a scenario from text
        }
        let text = std::fs::read_to_string(&file).unwrap();
        // The unit tests at the end of a file, likewise; comments name modules without using them.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let code: String = code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        for to in imports(&code, nested) {
            if to == from || layer_of(&to).is_none() && !Path::new("src").join(format!("{to}.rs")).exists() {
                continue; // an item of the crate root or a local path, not a module
            }
            for module in [&from, &to] {
                if layer_of(module).is_none() {
                    unlayered.insert(module.clone());
                }
            }
            edges.insert((from.clone(), to));
        }
    }
    (edges, unlayered)
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let (edges, unlayered) = edges();
    assert!(unlayered.is_empty(), "modules without a layer (add them to LAYERS and ARCHITECTURE.md): {unlayered:?}");
    let upward: BTreeSet<(String, String)> =
        edges.into_iter().filter(|(from, to)| layer_of(from) < layer_of(to)).collect();
    assert!(upward.is_empty(), "imports from a layer above (move the code, or the item, down a layer): {upward:?}");
}

#[test]
fn the_layers_in_the_test_are_the_layers_in_architecture_md() {
    let architecture = std::fs::read_to_string("ARCHITECTURE.md").unwrap();
    for (index, layer) in LAYERS.iter().enumerate() {
        let line = format!("{index}. {}", layer.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "));
        assert!(architecture.contains(&line), "ARCHITECTURE.md lacks the line `{line}`");
    }
}
