//! `cargo xtask fuzz`: runs every fuzz target (cargo-fuzz, nightly) for a while and reports
//! executions and crashes.
//!
//! Each target reads its committed seeds (`fuzz/corpus/<target>`) and writes what it discovers
//! to `target/fuzz-corpus/<target>` (not committed). A crash leaves its input in
//! `fuzz/artifacts/<target>/`; once fixed, copy it to `fuzz/regressions/<target>/`, where the
//! `fuzz_corpus` test replays it on stable from then on.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// The targets, as `fuzz/Cargo.toml` declares them.
pub(crate) const TARGETS: &[&str] = &["spec", "wire", "emulator", "response", "credential_files"];

/// What one run found.
struct Outcome {
    target: String,
    executions: Option<u64>,
    crashed: bool,
    artifact: Option<String>,
}

pub(crate) fn run(seconds: u64, only: Option<&str>, parallel: usize) -> Result<()> {
    let root = crate::project_root();
    let fuzz = root.join("fuzz");
    let version = Command::new("cargo").args(["+nightly", "fuzz", "--version"]).output();
    if !version.is_ok_and(|o| o.status.success()) {
        bail!("cargo-fuzz on the nightly toolchain is needed: `rustup toolchain install nightly` and `cargo install cargo-fuzz`");
    }
    let targets: Vec<&str> = match only {
        Some(t) if TARGETS.contains(&t) => vec![t],
        Some(t) => bail!("no fuzz target {t:?}; the targets are {}", TARGETS.join(", ")),
        None => TARGETS.to_vec(),
    };
    let status = Command::new("cargo").args(["+nightly", "fuzz", "build"]).current_dir(&fuzz).status().context("cargo fuzz build")?;
    if !status.success() {
        bail!("the fuzz targets do not build");
    }
    let mut outcomes = Vec::new();
    for group in targets.chunks(parallel.max(1)) {
        let children: Vec<_> = group.iter().map(|t| (t, start(&root, &fuzz, t, seconds))).collect();
        for (target, child) in children {
            let output = child?.wait_with_output().with_context(|| format!("fuzz target {target}"))?;
            let log = String::from_utf8_lossy(&output.stderr);
            std::fs::write(root.join(format!("target/fuzz-{target}.log")), log.as_bytes())?;
            outcomes.push(Outcome {
                target: (*target).to_owned(),
                executions: log.lines().rev().find_map(|l| l.strip_prefix("Done ")?.split(' ').next()?.parse().ok()),
                crashed: !output.status.success(),
                artifact: log.lines().find_map(|l| l.split("Test unit written to ").nth(1)).map(str::to_owned),
            });
        }
    }
    println!("{:<18} {:>14} {:>8}  crash input", "target", "executions", "crashed");
    for o in &outcomes {
        let executions = o.executions.map_or_else(|| "?".to_owned(), |n| n.to_string());
        println!(
            "{:<18} {:>14} {:>8}  {}",
            o.target,
            executions,
            if o.crashed { "yes" } else { "no" },
            o.artifact.as_deref().unwrap_or("-")
        );
    }
    let crashed: Vec<&str> = outcomes.iter().filter(|o| o.crashed).map(|o| o.target.as_str()).collect();
    if !crashed.is_empty() {
        bail!("{} crashed; logs in target/fuzz-<target>.log", crashed.join(", "));
    }
    Ok(())
}

fn start(root: &Path, fuzz: &Path, target: &str, seconds: u64) -> Result<std::process::Child> {
    let found = root.join("target/fuzz-corpus").join(target);
    std::fs::create_dir_all(&found)?;
    Command::new("cargo")
        .args(["+nightly", "fuzz", "run", target])
        .arg(&found)
        .arg(fuzz.join("corpus").join(target))
        .args(["--", &format!("-max_total_time={seconds}"), "-rss_limit_mb=4096", "-max_len=65536", "-print_final_stats=1"])
        .current_dir(fuzz)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting fuzz target {target}"))
}
