//! The module picture of docs/architecture.md, checked: the crate's top-level modules import
//! each other without a circle, the leaf modules import nothing of the crate's, and the walls
//! of DESIGN.md hold (the service never sees the scenario, the model or the clock; the engine
//! never names a strategy). The graph is read from the sources, so that `cargo test
//! architecture` fails the moment a change adds a circle, and says which.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::util::repo;

/// Modules every layer may use, which use nothing of the crate's.
const LEAVES: [&str; 3] = ["ids", "seed", "tier"];

/// The `crate::` paths of one file: for each, the module path after `crate::` (as far as it
/// names modules, lower-case words), groups `{a, b::c}` expanded.
fn crate_paths(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        let preceded = rest[..i].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[i + "crate::".len()..];
        if preceded {
            continue;
        }
        expand("", rest, &mut out);
    }
    out
}

/// Reads a path (or a `{...}` group of paths) at the start of `text`, prefixed by `prefix`.
fn expand(prefix: &str, text: &str, out: &mut Vec<String>) {
    let text = text.trim_start();
    if let Some(group) = text.strip_prefix('{') {
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    expand(prefix, &group[start..i], out);
                    return;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(prefix, &group[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        return;
    }
    let word: String = text.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_').collect();
    if word.is_empty() || word == "self" {
        if !prefix.is_empty() {
            out.push(prefix.to_owned());
        }
        return;
    }
    let path = if prefix.is_empty() { word.clone() } else { format!("{prefix}::{word}") };
    match text[word.len()..].strip_prefix("::") {
        Some(more) => expand(&path, more, out),
        None => out.push(path),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ lists") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Per top-level module (a file or folder of src/, main.rs and lib.rs aside): the module paths
/// it names under `crate::`, with the file naming each.
fn imports() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let src = repo("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src/");
        let first = rel.components().next().expect("a component").as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "main" || module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("a source file reads");
        let entry = graph.entry(module.clone()).or_default();
        for path in crate_paths(&text) {
            entry.entry(path).or_default().insert(rel.display().to_string());
        }
    }
    graph
}

/// Who imports whom, between top-level modules.
fn edges(graph: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>) -> BTreeMap<String, BTreeSet<String>> {
    graph
        .iter()
        .map(|(m, paths)| {
            let to = paths.keys().filter_map(|p| p.split("::").next()).filter(|t| *t != m && graph.contains_key(*t));
            (m.clone(), to.map(str::to_owned).collect())
        })
        .collect()
}

/// A circle in `edges`, as the modules along it, if there is one.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(m.to_owned(), 1);
        stack.push(m.to_owned());
        for to in edges.get(m).into_iter().flatten() {
            match state.get(to.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| s == to).expect("on the stack");
                    let mut c = stack[from..].to_vec();
                    c.push(to.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(to, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in edges.keys() {
        if state.get(m.as_str()).copied().unwrap_or(0) == 0
            && let Some(c) = visit(m, edges, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

fn picture(edges: &BTreeMap<String, BTreeSet<String>>) -> String {
    edges.iter().map(|(m, to)| format!("  {m} -> {}\n", to.iter().cloned().collect::<Vec<_>>().join(", "))).collect()
}

#[test]
fn the_modules_import_each_other_without_a_circle() {
    let edges = edges(&imports());
    assert!(edges.len() >= 15, "the crate's modules were found:\n{}", picture(&edges));
    if let Some(c) = circle(&edges) {
        panic!("an import circle: {}\nthe module graph:\n{}", c.join(" -> "), picture(&edges));
    }
}

#[test]
fn leaf_modules_import_nothing_of_the_crate() {
    let graph = imports();
    for leaf in LEAVES {
        let paths = graph.get(leaf).unwrap_or_else(|| panic!("no module {leaf}"));
        assert!(paths.is_empty(), "{leaf} is a leaf but imports {paths:?}");
    }
}

/// The paths `module` names that start with one of `forbidden`, with the files naming them.
fn crossings(module: &str, forbidden: &[&str]) -> Vec<String> {
    let graph = imports();
    let paths = graph.get(module).unwrap_or_else(|| panic!("no module {module}"));
    paths
        .iter()
        .filter(|(p, _)| forbidden.iter().any(|f| *p == f || p.starts_with(&format!("{f}::"))))
        .map(|(p, files)| format!("crate::{p} in {}", files.iter().cloned().collect::<Vec<_>>().join(", ")))
        .collect()
}

#[test]
fn the_walls_of_the_design_hold() {
    // The service never knows which mode drives it, nor the scenario it was built from.
    let service = crossings("service", &["scenario", "workload", "sim", "harness", "metrics", "assembly", "run"]);
    assert!(service.is_empty(), "the service reaches past its wall: {service:?}");
    // The engine never names a strategy: it is handed its balancers.
    let engine = crossings(
        "sim",
        &["strategy::partition", "strategy::fanout", "strategy::cache", "strategy::balance::build", "assembly"],
    );
    assert!(engine.is_empty(), "the engine names a strategy: {engine:?}");
    // Strategies never know about time, the scenario or the service.
    let strategy = crossings("strategy", &["scenario", "service", "sim", "harness", "workload", "metrics"]);
    assert!(strategy.is_empty(), "a strategy reaches past its wall: {strategy:?}");
    // The live harness builds through assembly, never through the engine.
    let harness = crossings("harness", &["sim", "run"]);
    assert!(harness.is_empty(), "the harness reaches into the engine: {harness:?}");
}

#[test]
fn the_reader_finds_paths_in_groups_and_ignores_comments() {
    let text = "use crate::{a::b, c::{d, e::f}, g};\n// crate::ignored\nlet x = crate::h::i(1); notcrate::j;";
    assert_eq!(crate_paths(text), ["a::b", "c::d", "c::e::f", "g", "h::i"]);
    let mut e = BTreeMap::new();
    e.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    e.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(circle(&e), Some(vec!["a".to_owned(), "b".to_owned(), "a".to_owned()]));
    e.insert("b".to_owned(), BTreeSet::new());
    assert_eq!(circle(&e), None);
}
