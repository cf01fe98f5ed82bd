//! Format and write: prettyplease, then rustfmt, then files written atomically and only when
//! their content changed (after prost-build's `write_file_if_changed` and rust-analyzer's
//! `ensure_file_contents`), so unchanged output keeps its timestamp and nothing rebuilds.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;

/// The marker every generated file carries in its first line.
pub const MARKER: &str = "@generated";

/// Formats one Rust source file, with `header` as its first line.
pub fn format_rust(tokens: TokenStream, header: &str) -> Result<String, syn::Error> {
    let file: syn::File = syn::parse2(tokens)?;
    Ok(format!("// {header}\n{}", space_items(&prettyplease::unparse(&file))))
}

/// What starts an item (or an item's docs and attributes) on a line.
const ITEM_STARTS: &[&str] =
    &["///", "#[", "#![", "pub ", "pub(", "fn ", "impl ", "impl<", "const ", "type ", "static ", "mod ", "use ", "struct ", "enum "];

/// prettyplease prints items back to back; a person separates them with a blank line. Adds one
/// between items (and between groups of `use`, `const` or `mod` lines and what follows them),
/// never inside an expression or a run of attributes and docs.
fn space_items(code: &str) -> String {
    fn kind(line: &str) -> &str {
        let t = line.trim_start();
        ["use ", "pub use ", "const ", "type ", "pub mod ", "mod "].into_iter().find(|k| t.starts_with(k)).unwrap_or("")
    }
    let lines: Vec<&str> = code.lines().collect();
    let mut out = String::with_capacity(code.len() + code.len() / 20);
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            let prev = lines[i - 1];
            let (p, n) = (prev.trim(), line.trim_start());
            let indent = |l: &str| l.len() - l.trim_start().len();
            let starts_item = ITEM_STARTS.iter().any(|s| n.starts_with(s));
            let after_inner_docs = p.starts_with("//!") && !n.starts_with("//!");
            let after_inner_attr = p.starts_with("#![") && !n.starts_with("#![");
            let closes_use = p == "};" && kind(line) == "use ";
            let after_block = p.ends_with('}') || (p == "};" && !closes_use);
            let after_block = after_block && !p.starts_with("//") && indent(prev) == indent(line);
            let after_statement_group =
                p.ends_with(';') && indent(prev) == indent(line) && kind(prev) != kind(line) && !kind(prev).is_empty();
            if !n.is_empty() && (after_inner_docs || after_inner_attr || (starts_item && (after_block || after_statement_group))) {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Why `rustfmt` did not format the output.
#[derive(Debug)]
pub enum RustfmtError {
    /// It could not be started.
    NotFound(String),
    /// It ran and failed.
    Failed(String),
}

impl std::fmt::Display for RustfmtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RustfmtError::NotFound(why) => write!(f, "cannot run rustfmt: {why}"),
            RustfmtError::Failed(why) => write!(f, "rustfmt failed: {why}"),
        }
    }
}

/// Formats every Rust file of a crate with one `rustfmt` run (`$RUSTFMT`, else `rustfmt`), as
/// `cargo fmt` would with `config`, so that `cargo fmt --check` accepts the committed output.
/// The files go through a scratch directory; `files` is updated in place.
pub fn rustfmt(files: &mut BTreeMap<PathBuf, String>, config: Option<&Path>) -> Result<(), RustfmtError> {
    let scratch = tempfile::tempdir().map_err(|e| RustfmtError::NotFound(format!("no scratch directory: {e}")))?;
    let rust: Vec<&PathBuf> = files.keys().filter(|p| p.extension().is_some_and(|e| e == "rs")).collect();
    for relative in &rust {
        let path = scratch.path().join(relative);
        fs::create_dir_all(path.parent().expect("below the scratch dir")).map_err(|e| RustfmtError::NotFound(e.to_string()))?;
        fs::write(&path, &files[*relative]).map_err(|e| RustfmtError::NotFound(e.to_string()))?;
    }
    let program = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let mut command = std::process::Command::new(&program);
    command.args(["--edition", "2021"]);
    if let Some(config) = config {
        command.arg("--config-path").arg(config);
    }
    // Each file by name: rustfmt would otherwise also follow `mod` items, formatting files twice.
    command.args(rust.iter().map(|r| scratch.path().join(r)));
    let output = command.output().map_err(|e| RustfmtError::NotFound(format!("{}: {e}", Path::new(&program).display())))?;
    if !output.status.success() {
        return Err(RustfmtError::Failed(String::from_utf8_lossy(&output.stderr).trim().to_owned()));
    }
    for relative in rust.into_iter().cloned().collect::<Vec<_>>() {
        let text = fs::read_to_string(scratch.path().join(&relative)).map_err(|e| RustfmtError::Failed(e.to_string()))?;
        files.insert(relative, text);
    }
    Ok(())
}

/// What happened (or, under `--check`, would happen) to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new file.
    Created,
    /// New content for an existing file; `old` is what was there.
    Updated {
        /// The previous content.
        old: String,
    },
    /// A generated file the new output no longer has.
    Removed,
}

/// Compares `files` (paths relative to `root`) with the disk. Stale files are generated files
/// (carrying [`MARKER`] in their first line) under `root/src` that `files` does not contain.
pub fn plan(root: &Path, files: &BTreeMap<PathBuf, String>) -> io::Result<Vec<(PathBuf, Change)>> {
    let mut changes = Vec::new();
    for (relative, contents) in files {
        match fs::read_to_string(root.join(relative)) {
            Ok(old) if normalize(&old) == *contents => {}
            Ok(old) => changes.push((relative.clone(), Change::Updated { old })),
            Err(e) if e.kind() == io::ErrorKind::NotFound => changes.push((relative.clone(), Change::Created)),
            Err(e) => return Err(with_path(e, &root.join(relative))),
        }
    }
    let src = root.join("src");
    if src.is_dir() {
        for path in walk(&src)? {
            let relative = path.strip_prefix(root).expect("walked below root").to_path_buf();
            if !files.contains_key(&relative) && is_generated(&path)? {
                changes.push((relative, Change::Removed));
            }
        }
    }
    changes.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(changes)
}

/// Carries out a plan made by [`plan`].
pub fn apply(root: &Path, files: &BTreeMap<PathBuf, String>, changes: &[(PathBuf, Change)]) -> io::Result<()> {
    for (relative, change) in changes {
        let path = root.join(relative);
        match change {
            Change::Removed => fs::remove_file(&path).map_err(|e| with_path(e, &path))?,
            Change::Created | Change::Updated { .. } => write_atomically(&path, &files[relative])?,
        }
    }
    Ok(())
}

/// Writes `contents` to a temporary file beside `path`, then renames it over `path`, so a
/// reader never sees half a file.
pub fn write_atomically(path: &Path, contents: &str) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| with_path(e, dir))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| with_path(e, path))
}

/// Line endings as generated (`\n`), so a checkout with `\r\n` is not reported as stale.
fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n")
}

fn is_generated(path: &Path) -> io::Result<bool> {
    let text = fs::read_to_string(path).map_err(|e| with_path(e, path))?;
    Ok(text.lines().next().is_some_and(|line| line.contains(MARKER)))
}

fn walk(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = fs::read_dir(dir).map_err(|e| with_path(e, dir))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(out)
}

fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_items_but_not_statements() {
        let code = "//! Docs.\nuse a::b;\nuse c::d;\n/// S.\npub struct S {}\nimpl S {\n    const A: u8 = 1;\n    fn f() {\n        if x {\n        }\n        g();\n    }\n    fn h() {}\n}\n";
        assert_eq!(
            space_items(code),
            "//! Docs.\n\nuse a::b;\nuse c::d;\n\n/// S.\npub struct S {}\n\nimpl S {\n    const A: u8 = 1;\n\n    fn f() {\n        if x {\n        }\n        g();\n    }\n\n    fn h() {}\n}\n"
        );
    }

    #[test]
    fn writes_only_changes_and_removes_stale_generated_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut files = BTreeMap::new();
        files.insert(PathBuf::from("src/lib.rs"), "// @generated\nA\n".to_owned());
        files.insert(PathBuf::from("src/a.rs"), "// @generated\nB\n".to_owned());
        let changes = plan(root, &files).unwrap();
        assert_eq!(changes.len(), 2);
        apply(root, &files, &changes).unwrap();
        assert!(plan(root, &files).unwrap().is_empty());

        fs::write(root.join("src/hand.rs"), "// written by a person\n").unwrap();
        files.remove(&PathBuf::from("src/a.rs"));
        files.insert(PathBuf::from("src/lib.rs"), "// @generated\nC\n".to_owned());
        let changes = plan(root, &files).unwrap();
        assert_eq!(
            changes,
            vec![
                (PathBuf::from("src/a.rs"), Change::Removed),
                (PathBuf::from("src/lib.rs"), Change::Updated { old: "// @generated\nA\n".into() }),
            ]
        );
        apply(root, &files, &changes).unwrap();
        assert!(!root.join("src/a.rs").exists());
        assert!(root.join("src/hand.rs").exists(), "files without the marker are never touched");
        assert_eq!(fs::read_to_string(root.join("src/lib.rs")).unwrap(), "// @generated\nC\n");
    }
}
