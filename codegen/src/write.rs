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
    // One line: a line break in the header (from a spec label) would end the comment.
    let header: String = header.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
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
    /// A file this generator wrote before and the new output no longer has.
    Removed,
}

/// The list of files the generator owns in an output directory, written with the output. Only
/// the files it lists are ever updated or removed; nothing else in the directory is touched.
pub const OWNED_FILES: &str = ".acs-codegen-files";

/// Why the output cannot be written (or checked).
#[derive(Debug)]
pub enum WriteError {
    /// Reading or writing failed; the message names the path.
    Io(io::Error),
    /// Writing would touch something the generator does not own; the message says what and how
    /// to proceed.
    Refused(String),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Io(e) => write!(f, "{e}"),
            WriteError::Refused(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for WriteError {}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> Self {
        WriteError::Io(e)
    }
}

/// What writing the output will do: every file to write (the owned-files list included) and
/// the changes against the disk.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every file of the output, relative to the root, with its content.
    pub files: BTreeMap<PathBuf, String>,
    /// What changes on disk, sorted by path.
    pub changes: Vec<(PathBuf, Change)>,
}

/// Compares `files` (paths relative to `root`) with the disk.
///
/// The root must be missing, empty, or a directory this generator wrote (it has
/// [`OWNED_FILES`]); with `adopt`, any directory is accepted, and files already there are
/// overwritten only where the output has a file of the same name. Stale files are those the
/// owned list names and the output no longer has. A symbolic link below the root is never
/// followed or replaced, and a file the generator does not own is never overwritten (without
/// `adopt`) nor removed.
pub fn plan(root: &Path, files: &BTreeMap<PathBuf, String>, adopt: bool) -> Result<Plan, WriteError> {
    let owned = read_owned(root)?;
    if owned.is_none() && !adopt && is_non_empty_dir(root)? {
        return Err(WriteError::Refused(format!(
            "{} is not empty and has no {OWNED_FILES}, so acs-codegen did not generate it; it writes only into an empty directory \
             or one it generated. Pass --adopt to generate into it anyway (files of the same name are overwritten, others are left alone)",
            root.display()
        )));
    }
    let owned = owned.unwrap_or_default();
    let mut all = files.clone();
    let mut list =
        format!("# {MARKER} by acs-codegen: the files it owns in this directory; it removes them when it no longer generates them.\n");
    for path in files.keys() {
        list.push_str(&path.to_string_lossy().replace('\\', "/"));
        list.push('\n');
    }
    all.insert(PathBuf::from(OWNED_FILES), list);

    let mut changes = Vec::new();
    for (relative, contents) in &all {
        let path = root.join(relative);
        no_links_below(root, relative)?;
        match fs::read_to_string(&path) {
            Ok(old) if normalize(&old) == *contents => {}
            Ok(old) => {
                let ours = owned.contains(relative) || relative.as_os_str() == OWNED_FILES || adopt;
                if !ours {
                    return Err(WriteError::Refused(format!(
                        "{} exists and acs-codegen did not write it (it is not in {OWNED_FILES}); move it away, or pass --adopt to overwrite it",
                        path.display()
                    )));
                }
                changes.push((relative.clone(), Change::Updated { old }));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => changes.push((relative.clone(), Change::Created)),
            Err(e) => return Err(with_path(e, &path).into()),
        }
    }
    for relative in owned.iter().filter(|p| !all.contains_key(*p)) {
        no_links_below(root, relative)?;
        match fs::symlink_metadata(root.join(relative)) {
            Ok(meta) if meta.is_file() => changes.push((relative.clone(), Change::Removed)),
            Ok(_) => {
                return Err(WriteError::Refused(format!("{} is listed in {OWNED_FILES} but is not a file", root.join(relative).display())))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(with_path(e, &root.join(relative)).into()),
        }
    }
    changes.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Plan { files: all, changes })
}

/// Carries out a plan made by [`plan`], checking again that no path goes through a link.
pub fn apply(root: &Path, plan: &Plan) -> Result<(), WriteError> {
    for (relative, change) in &plan.changes {
        no_links_below(root, relative)?;
        let path = root.join(relative);
        match change {
            Change::Removed => fs::remove_file(&path).map_err(|e| with_path(e, &path))?,
            Change::Created | Change::Updated { .. } => write_atomically(&path, &plan.files[relative])?,
        }
    }
    Ok(())
}

/// The owned list of `root`, if it has one. Every entry must be a plain relative path.
fn read_owned(root: &Path) -> Result<Option<std::collections::BTreeSet<PathBuf>>, WriteError> {
    let path = root.join(OWNED_FILES);
    match fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Err(WriteError::Refused(format!("{} is not a regular file", path.display()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(with_path(e, &path).into()),
    }
    let text = fs::read_to_string(&path).map_err(|e| with_path(e, &path))?;
    let mut owned = std::collections::BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let entry = PathBuf::from(line);
        if !entry.components().all(|c| matches!(c, std::path::Component::Normal(_))) {
            return Err(WriteError::Refused(format!(
                "{}: line {}: {line:?} is not a plain relative path; the list was not written by acs-codegen",
                path.display(),
                i + 1
            )));
        }
        owned.insert(entry);
    }
    Ok(Some(owned))
}

fn is_non_empty_dir(root: &Path) -> Result<bool, WriteError> {
    match fs::read_dir(root) {
        Ok(mut entries) => Ok(entries.next().is_some()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => Err(WriteError::Refused(format!("{} is not a directory", root.display()))),
        Err(e) => Err(with_path(e, root).into()),
    }
}

/// Refuses a path below `root` that goes through (or is) a symbolic link: writing or removing
/// there would touch something outside the output.
fn no_links_below(root: &Path, relative: &Path) -> Result<(), WriteError> {
    let mut path = root.to_path_buf();
    for component in relative.components() {
        path.push(component);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(WriteError::Refused(format!("{} is a symbolic link; acs-codegen does not write through links", path.display())))
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(with_path(e, &path).into()),
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

    fn files(entries: &[(&str, &str)]) -> BTreeMap<PathBuf, String> {
        entries.iter().map(|(p, c)| (PathBuf::from(p), (*c).to_owned())).collect()
    }

    #[test]
    fn writes_only_changes_and_removes_only_what_it_owns() {
        let dir = tempfile::tempdir().unwrap();
        let root = &dir.path().join("out");
        let mut output = files(&[("src/lib.rs", "// @generated\nA\n"), ("src/a.rs", "// @generated\nB\n")]);
        let plan1 = plan(root, &output, false).unwrap();
        assert_eq!(plan1.changes.len(), 3, "two files and the owned list");
        apply(root, &plan1).unwrap();
        assert!(plan(root, &output, false).unwrap().changes.is_empty());

        // A hand-written file, even one with the marker (as prost writes), is not ours.
        fs::write(root.join("src/hand.rs"), "// @generated by prost\n").unwrap();
        output.remove(&PathBuf::from("src/a.rs"));
        output.insert(PathBuf::from("src/lib.rs"), "// @generated\nC\n".to_owned());
        let plan2 = plan(root, &output, false).unwrap();
        let paths: Vec<(&Path, &Change)> = plan2.changes.iter().map(|(p, c)| (p.as_path(), c)).collect();
        assert_eq!(paths[0].0, Path::new(OWNED_FILES));
        assert_eq!(
            &paths[1..],
            &[(Path::new("src/a.rs"), &Change::Removed), (Path::new("src/lib.rs"), &Change::Updated { old: "// @generated\nA\n".into() })]
        );
        apply(root, &plan2).unwrap();
        assert!(!root.join("src/a.rs").exists());
        assert!(root.join("src/hand.rs").exists(), "files it does not own are never touched");

        // A new output file where a hand-written one exists: refused, unless adopted.
        output.insert(PathBuf::from("src/hand.rs"), "// @generated\nD\n".to_owned());
        let err = plan(root, &output, false).unwrap_err().to_string();
        assert!(err.contains("src/hand.rs exists and acs-codegen did not write it"), "{err}");
        assert_eq!(fs::read_to_string(root.join("src/hand.rs")).unwrap(), "// @generated by prost\n");
        assert!(plan(root, &output, true).is_ok());
    }

    #[test]
    fn refuses_a_foreign_directory_unless_adopted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("Cargo.toml"), "[package]\nname = \"mine\"\n").unwrap();
        let output = files(&[("Cargo.toml", "# @generated\n"), ("src/lib.rs", "// @generated\n")]);
        let err = plan(root, &output, false).unwrap_err().to_string();
        assert!(err.contains("is not empty and has no .acs-codegen-files"), "{err}");
        assert_eq!(fs::read_to_string(root.join("Cargo.toml")).unwrap(), "[package]\nname = \"mine\"\n");
        let adopted = plan(root, &output, true).unwrap();
        apply(root, &adopted).unwrap();
        assert!(plan(root, &output, false).unwrap().changes.is_empty(), "adopted once, owned from then on");
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_or_removes_through_a_symbolic_link() {
        let dir = tempfile::tempdir().unwrap();
        let (root, elsewhere) = (&dir.path().join("out"), &dir.path().join("elsewhere"));
        fs::create_dir_all(elsewhere).unwrap();
        fs::write(elsewhere.join("keep.rs"), "// @generated\nprecious\n").unwrap();
        let output = files(&[("src/lib.rs", "// @generated\n"), ("src/vendor/keep.rs", "// @generated\nnew\n")]);
        apply(root, &plan(root, &files(&[("src/lib.rs", "// @generated\n")]), false).unwrap()).unwrap();
        std::os::unix::fs::symlink(elsewhere, root.join("src/vendor")).unwrap();
        let err = plan(root, &output, false).unwrap_err().to_string();
        assert!(err.contains("src/vendor is a symbolic link"), "{err}");
        let err = plan(root, &output, true).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "--adopt does not follow links either: {err}");
        assert_eq!(fs::read_to_string(elsewhere.join("keep.rs")).unwrap(), "// @generated\nprecious\n");

        // A forged owned list cannot reach outside the output.
        fs::write(root.join(OWNED_FILES), "../elsewhere/keep.rs\n").unwrap();
        let err = plan(root, &files(&[]), false).unwrap_err().to_string();
        assert!(err.contains("is not a plain relative path"), "{err}");
        fs::write(root.join(OWNED_FILES), "src/vendor/keep.rs\n").unwrap();
        assert!(plan(root, &files(&[]), false).is_err(), "removing through the link is refused");
        assert!(elsewhere.join("keep.rs").exists());
    }
}
