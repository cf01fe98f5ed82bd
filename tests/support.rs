//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace").to_path_buf()
}

/// `../shared` beside the project, where the real metadata and vectors live.
///
/// When it is missing, a test cannot run: it says so, and fails if `CI` is set (CI always has
/// it), so a missing checkout never passes silently there.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    let dir = project_root().join("../shared");
    if dir.join("meta").is_dir() {
        return Some(dir.canonicalize().unwrap_or(dir));
    }
    let message = format!("{test}: {} is missing; it holds the real metadata this test reads", dir.display());
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
        panic!("{message} (CI is set, so this is a failure)");
    }
    eprintln!("SKIPPED {message}");
    None
}

/// Panics with a unified diff when `actual` differs from the golden file at `path` (relative to
/// `tests/golden`).
pub fn assert_golden(path: &str, actual: &str) {
    let file = project_root().join("tests/golden").join(path);
    let expected = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual).unified_diff().header("golden", "actual").to_string();
        panic!("{} differs from the output:\n{diff}", file.display());
    }
}

/// The README's examples, compiled and run as doctests so the README stays true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
