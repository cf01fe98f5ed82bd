//! `cargo xtask codegen`: every `spec/<product>/<version>/api-docs.json` becomes the crate
//! `generated/<product>` (package `acs-<product>`).
//!
//! As in rust-analyzer's `ensure_file_contents`: locally the files are rewritten and the
//! command reports what changed; with `--check`, or when `CI` is set, nothing is written and a
//! stale file is an error that shows the diff and the command to run. A `#[test]` calls the
//! same function, so `cargo test` alone catches drift.

use std::fs;
use std::path::{Path, PathBuf};

use acs_codegen::write::{self, Change};
use acs_codegen::{Rustfmt, Settings};
use anyhow::{bail, Context, Result};

/// The command named in generated files' headers.
const COMMAND: &str = "cargo xtask codegen";

/// A spec the generator refused (exit status 2, as for `acs-codegen`).
#[derive(Debug)]
pub(crate) struct SpecError(pub acs_codegen::Error);

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SpecError {}

/// One spec and where its crate goes.
struct Job {
    spec: PathBuf,
    label: String,
    out: PathBuf,
}

fn jobs(root: &Path) -> Result<Vec<Job>> {
    let spec_dir = root.join("spec");
    let mut jobs = Vec::new();
    for product in sorted_dirs(&spec_dir)? {
        let versions = sorted_dirs(&product)?;
        let name = product.file_name().unwrap().to_string_lossy().into_owned();
        if versions.len() > 1 {
            bail!("spec/{name} has {} versions; one crate per product is supported, remove all but one", versions.len());
        }
        for version in versions {
            let spec = version.join("api-docs.json");
            if !spec.is_file() {
                bail!("{} is missing", spec.display());
            }
            let label = spec.strip_prefix(root).unwrap_or(&spec).to_string_lossy().replace('\\', "/");
            jobs.push(Job { spec, label, out: root.join("generated").join(&name) });
        }
    }
    if jobs.is_empty() {
        bail!("no spec/<product>/<version>/api-docs.json found under {}", spec_dir.display());
    }
    Ok(jobs)
}

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// How the project's crates are generated: formatted by rustfmt with the project's
/// `rustfmt.toml`, so `cargo fmt --all` leaves generated/ as it is.
fn settings(root: &Path, job: &Job) -> Settings {
    Settings::new("../../runtime", COMMAND, &job.label).with_rustfmt(Rustfmt::Required, Some(root.join("rustfmt.toml"))).with_strict(true)
}

/// Regenerates every crate; with `check` (or in CI), fails on any difference instead.
pub(crate) fn run(check: bool) -> Result<()> {
    let check = check || std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    let root = crate::project_root();
    let mut stale = Vec::new();
    for job in jobs(&root)? {
        let settings = settings(&root, &job);
        let generated = acs_codegen::generate_file(&job.spec, &settings).map_err(SpecError)?;
        for w in &generated.warnings {
            eprintln!("warning: {}: {w}", job.label);
        }
        let plan = write::plan(&job.out, &generated.files, false)?;
        let changes = &plan.changes;
        if check {
            for (path, change) in changes {
                let shown = job.out.join(path);
                let shown = shown.strip_prefix(&root).unwrap_or(&shown).display().to_string();
                let new = plan.files.get(path).map(String::as_str).unwrap_or("");
                let old = match change {
                    Change::Updated { old } => old.as_str(),
                    Change::Created => "",
                    Change::Removed => &fs::read_to_string(job.out.join(path)).unwrap_or_default(),
                };
                let diff = similar::TextDiff::from_lines(old, new)
                    .unified_diff()
                    .context_radius(2)
                    .header(&format!("a/{shown}"), &format!("b/{shown}"))
                    .to_string();
                stale.push(format!("{shown} is stale:\n{diff}"));
            }
        } else {
            write::apply(&job.out, &plan)?;
            for (path, change) in changes {
                let verb = match change {
                    Change::Created => "created",
                    Change::Updated { .. } => "updated",
                    Change::Removed => "removed",
                };
                eprintln!("{verb} {}", job.out.join(path).strip_prefix(&root).unwrap_or(path).display());
            }
            eprintln!("{}: {} files, {} changed", generated.crate_name, plan.files.len(), changes.len());
        }
    }
    if !stale.is_empty() {
        bail!("{}\ngenerated/ is not up to date with spec/: run `cargo xtask codegen` and commit the result", stale.join("\n"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// generated/ must be exactly what the generator makes from spec/ today.
    #[test]
    fn generated_crates_are_fresh() {
        if let Err(e) = super::run(true) {
            panic!("{e:#}");
        }
    }

    /// Generating twice gives identical bytes.
    #[test]
    fn generation_is_deterministic() {
        let root = crate::project_root();
        for job in super::jobs(&root).unwrap() {
            let settings = super::settings(&root, &job);
            let a = acs_codegen::generate_file(&job.spec, &settings).unwrap();
            let b = acs_codegen::generate_file(&job.spec, &settings).unwrap();
            assert_eq!(a.files, b.files);
        }
    }
}
