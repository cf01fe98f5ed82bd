//! `cargo xtask corpus DIR`: generates every `api-docs*.json` under `DIR` in memory and reports,
//! per product version, what was generated, skipped or refused and why; then totals, and the
//! skips grouped by construct. Nothing is written.
//!
//! Bounded by default: at most [`MAX_FILES`] files, each at most [`MAX_FILE_BYTES`], folders at
//! most [`MAX_DEPTH`] deep, symbolic links not followed; a generator panic is reported as that
//! file's refusal, never the end of the run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use acs_codegen::{Rustfmt, Settings};
use anyhow::{bail, Context, Result};

/// Files looked at, at most.
pub(crate) const MAX_FILES: usize = 10_000;
/// The largest spec read (ECS, the largest product, is about 9 MB).
pub(crate) const MAX_FILE_BYTES: u64 = 64 << 20;
/// Folder depth below `DIR`.
pub(crate) const MAX_DEPTH: usize = 16;

/// What one file came to.
enum Outcome {
    Generated { product: String, version: String, operations: usize, skipped: Vec<acs_ir::Skipped> },
    Refused(String),
}

/// A group of skips: operations, product versions, and one example.
#[derive(Default)]
struct Group {
    operations: usize,
    files: std::collections::BTreeSet<String>,
    example: String,
}

pub(crate) fn run(dir: &Path) -> Result<()> {
    let mut files = Vec::new();
    collect(dir, 0, &mut files).with_context(|| format!("reading {}", dir.display()))?;
    if files.is_empty() {
        bail!("no api-docs*.json under {}", dir.display());
    }
    files.sort();
    let (mut generated, mut refused, mut ops_generated, mut ops_skipped) = (0usize, 0usize, 0usize, 0usize);
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for file in &files {
        let shown = file.strip_prefix(dir).unwrap_or(file).display().to_string();
        match outcome(file) {
            Outcome::Generated { product, version, operations, skipped } => {
                generated += 1;
                ops_generated += operations;
                ops_skipped += skipped.len();
                println!("generated {product} {version} ({shown}): {operations} operations, {} skipped", skipped.len());
                for s in &skipped {
                    println!("    skipped {} (at {}): {}", s.operation, s.path, s.reason);
                    let group = groups.entry(s.construct.clone()).or_default();
                    group.operations += 1;
                    group.files.insert(shown.clone());
                    if group.example.is_empty() {
                        group.example = format!("{product} {version} {}: {}", s.operation, s.reason);
                    }
                }
            }
            Outcome::Refused(why) => {
                refused += 1;
                println!("refused {shown}: {why}");
            }
        }
    }
    let total = ops_generated + ops_skipped;
    let share = |n: usize| if total == 0 { 0.0 } else { 100.0 * n as f64 / total as f64 };
    println!();
    println!(
        "totals: {} files, {generated} generated, {refused} refused; {total} operations, {ops_generated} generated ({:.2}%), {ops_skipped} skipped ({:.2}%)",
        files.len(),
        share(ops_generated),
        share(ops_skipped)
    );
    if !groups.is_empty() {
        println!("skips by construct:");
        let mut ordered: Vec<_> = groups.into_iter().collect();
        ordered.sort_by(|a, b| b.1.operations.cmp(&a.1.operations).then_with(|| a.0.cmp(&b.0)));
        for (construct, group) in ordered {
            println!("  {construct}: {} operations in {} files; e.g. {}", group.operations, group.files.len(), group.example);
        }
    }
    if refused > 0 {
        bail!("{refused} of {} files refused", files.len());
    }
    Ok(())
}

fn collect(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if out.len() >= MAX_FILES {
            bail!("more than {MAX_FILES} spec files; name a smaller folder");
        }
        // Not followed: a link loop cannot make the walk endless.
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            collect(&path, depth + 1, out)?;
        } else if kind.is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("api-docs") && name.ends_with(".json") {
                out.push(path);
            }
        }
    }
    Ok(())
}

fn outcome(file: &Path) -> Outcome {
    let text = match read_bounded(file) {
        Ok(text) => text,
        Err(why) => return Outcome::Refused(why),
    };
    let settings = Settings::new("../runtime", "cargo xtask corpus", file.display().to_string()).with_rustfmt(Rustfmt::Off, None);
    match std::panic::catch_unwind(|| acs_codegen::generate(&text, &settings)) {
        Ok(Ok(generated)) => Outcome::Generated {
            product: generated.product.0,
            version: generated.product.1,
            operations: generated.operations,
            skipped: generated.skipped,
        },
        Ok(Err(e)) => Outcome::Refused(e.to_string()),
        Err(_) => Outcome::Refused("internal error: the generator panicked (please report this with the spec)".into()),
    }
}

fn read_bounded(file: &Path) -> Result<String, String> {
    use std::io::Read as _;
    let f = std::fs::File::open(file).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("larger than {MAX_FILE_BYTES} bytes"));
    }
    String::from_utf8(bytes).map_err(|e| format!("not UTF-8 (at byte {})", e.utf8_error().valid_up_to()))
}
