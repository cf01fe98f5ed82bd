//! The runtime's modules form layers, with no circle among them: the protocol (text, sign, json,
//! wire, rules, validate, endpoint, service) below credentials and transport, below the client,
//! below paging, the CLI and the blocking client. This reads each module's `crate::<module>`
//! references (outside comments and its test module) and fails on any cycle, naming it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// `module → modules it names`, from `runtime/src` (`credentials/*.rs` count as `credentials`).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            for inner in std::fs::read_dir(&path).unwrap().flatten() {
                files.push((path.file_name().unwrap().to_string_lossy().into_owned(), inner.path()));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push((path.file_stem().unwrap().to_string_lossy().into_owned(), path));
        }
    }
    for (module, path) in files {
        if module == "lib" || path.file_stem().is_some_and(|s| s == "tests") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // The module's own tests may reach anything.
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
        let names = graph.entry(module.clone()).or_default();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                let tail = &rest[at + "crate::".len()..];
                let end = tail.find(|c: char| !(c.is_ascii_lowercase() || c == '_')).unwrap_or(tail.len());
                let name = &tail[..end];
                if !name.is_empty() && name != module && name != "__private" {
                    names.insert(name.to_owned());
                }
                rest = &tail[end..];
            }
        }
    }
    graph
}

/// A cycle through `start`, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        at: &str,
        path: &mut Vec<String>,
        start: &str,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, next, path, start, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_owned()];
    walk(graph, start, &mut path, start, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn the_runtime_modules_form_layers_without_a_circle() {
    let graph = imports();
    assert!(graph.len() >= 15, "read the modules: {graph:?}");
    assert!(graph["client"].contains("transport") && graph["paging"].contains("client"), "the reader sees imports: {graph:?}");
    let cycles: Vec<String> = graph.keys().filter_map(|m| cycle(&graph, m)).map(|c| c.join(" → ")).collect();
    assert!(cycles.is_empty(), "modules that import each other: {cycles:#?}");
    // The protocol layer names nothing above it.
    for low in ["text", "sign", "json", "wire", "rules", "validate", "endpoint", "service"] {
        for high in ["credentials", "transport", "client", "config", "error", "interceptor", "paging", "wait", "cli", "blocking"] {
            assert!(!graph.get(low).is_some_and(|n| n.contains(high)), "{low} (protocol) imports {high}");
        }
    }
}
