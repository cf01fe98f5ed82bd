//! `cargo xtask vectors` over every file in ../shared/vectors, and over edited copies that keep
//! the schema (must still pass) or break a value (must fail, naming it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn shared_vectors() -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors");
    if !dir.is_dir() {
        let message = format!("{} is missing", dir.display());
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
            panic!("{message} (CI is set, so this is a failure)");
        }
        eprintln!("SKIPPED: {message}");
        return None;
    }
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    files.sort();
    assert!(!files.is_empty(), "no vector files in {}", dir.display());
    Some(files)
}

fn run(files: &[PathBuf]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask")).arg("vectors").args(files).output().unwrap()
}

fn count_vectors(files: &[PathBuf]) -> usize {
    files
        .iter()
        .map(|f| serde_json::from_str::<Value>(&std::fs::read_to_string(f).unwrap()).unwrap()["vectors"].as_array().unwrap().len())
        .sum()
}

#[test]
fn every_shared_vector_passes() {
    let Some(files) = shared_vectors() else { return };
    let out = run(&files);
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let total = count_vectors(&files);
    assert!(total >= 11);
    assert_eq!(stdout.lines().last(), Some(format!("{total} passed, 0 failed").as_str()));
    assert_eq!(stdout.lines().filter(|l| l.starts_with("ok   ")).count(), total);
}

/// Rewrites a copy of each file with `edit` and returns the copies.
fn edited(files: &[PathBuf], dir: &Path, edit: impl Fn(&mut Value)) -> Vec<PathBuf> {
    files
        .iter()
        .map(|f| {
            let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            edit(&mut doc);
            let path = dir.join(f.file_name().unwrap());
            std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
            path
        })
        .collect()
}

#[test]
fn reordered_pairs_and_unknown_keys_still_pass() {
    let Some(files) = shared_vectors() else { return };
    let dir = tempfile::tempdir().unwrap();
    let copies = edited(&files, dir.path(), |doc| {
        doc["some_future_key"] = Value::from("ignored");
        for v in doc["vectors"].as_array_mut().unwrap() {
            v["unknown"] = serde_json::json!({"nested": true});
            v.as_object_mut().unwrap().remove("documented_values");
            v.as_object_mut().unwrap().remove("wire");
            for key in ["query", "params", "headers"] {
                if let Some(list) = v["inputs"][key].as_array_mut() {
                    list.reverse();
                }
            }
        }
    });
    let out = run(&copies);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).ends_with(&format!("{} passed, 0 failed\n", count_vectors(&files))));
}

#[test]
fn a_tampered_value_fails_and_is_named() {
    let Some(files) = shared_vectors() else { return };
    let dir = tempfile::tempdir().unwrap();
    let copies = edited(&files, dir.path(), |doc| {
        let first = &mut doc["vectors"][0];
        let sig = first["expected"]["signature"].as_str().unwrap().to_owned();
        let flipped = match sig.strip_prefix('a') {
            Some(rest) => format!("b{rest}"),
            None => format!("a{}", &sig[1..]),
        };
        first["expected"]["signature"] = Value::from(flipped);
    });
    let out = run(&copies);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("FAIL ") && l.contains("expected.signature: expected")).count(),
        files.len(),
        "{stdout}"
    );
    assert!(stdout.lines().last().unwrap().ends_with(&format!("{} failed", files.len())), "{stdout}");
}

#[test]
fn a_file_of_another_schema_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.json");
    std::fs::write(&path, r#"{"algorithm":"MD5","vectors":[]}"#).unwrap();
    let out = run(&[path]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown algorithm \"MD5\""));
}
