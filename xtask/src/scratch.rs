//! `cargo xtask bench compile --from-scratch [--against-aws]`: the build a user waits for. A
//! one-call program (`#[tokio::main]`, one call, its answer printed) on generated ECS, with and
//! without the `cli` feature, and with `--against-aws` the same program on aws-config and
//! aws-sdk-lightsail, each in a workspace of its own built from an empty target directory
//! (dependencies fetched beforehand): debug build time, peak RSS, debug and release binary
//! sizes, ratios against the AWS program, and the five crates that took longest.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// One program built from scratch.
struct Program {
    label: &'static str,
    dir: PathBuf,
    binary: &'static str,
    features: &'static [&'static str],
}

/// What one from-scratch build measured.
struct Measured {
    label: &'static str,
    seconds: f64,
    rss_kb: i64,
    debug_bytes: u64,
    release_bytes: u64,
    slowest: Vec<(String, f64)>,
}

const OUR_MAIN: &str = r#"//! One call: the regions ECS serves (credentials from the default chain).
#[tokio::main]
async fn main() {
    let client = acs_bench_ecs::Client::new(acs_bench_ecs::Config::new().region("cn-hangzhou")).expect("a client");
    let answer = client.describe_regions(acs_bench_ecs::describe_regions::DescribeRegionsRequest::new()).await;
    println!("{answer:?}");
}
"#;

const AWS_MAIN: &str = r#"//! One call: the regions Lightsail serves (credentials from the default chain).
#[tokio::main]
async fn main() {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_lightsail::Client::new(&config);
    let answer = client.get_regions().send().await;
    println!("{answer:?}");
}
"#;

pub(crate) fn run(against_aws: bool) -> Result<()> {
    let root = crate::project_root();
    let ws = root.join("target/bench-scratch");
    std::fs::create_dir_all(&ws)?;
    let ecs = ws.join("acs-bench-ecs");
    crate::bench::generate_bench_crate("cargo xtask bench compile --from-scratch", "acs-bench-ecs", "ecs/2014-05-26/api-docs.json", &ecs)?;

    let ours = ws.join("acs-first");
    program(
        &ours,
        "acs-first",
        &format!(
            "acs-bench-ecs = {{ path = {:?} }}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n\n[features]\ncli = [\"acs-bench-ecs/cli\"]\n",
            ecs.display().to_string()
        ),
        OUR_MAIN,
    )?;
    let mut programs = vec![
        Program { label: "generated ECS (default features)", dir: ours.clone(), binary: "acs-first", features: &[] },
        Program { label: "generated ECS, --features cli", dir: ours, binary: "acs-first", features: &["--features", "cli"] },
    ];
    if against_aws {
        let aws = ws.join("aws-first");
        program(
            &aws,
            "aws-first",
            "aws-config = \"1\"\naws-sdk-lightsail = \"=1.135.0\"\ntokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n",
            AWS_MAIN,
        )?;
        programs.insert(0, Program { label: "aws-config + aws-sdk-lightsail", dir: aws, binary: "aws-first", features: &[] });
    }
    for p in &programs {
        // Resolved and downloaded first: the timed builds compile, they do not fetch.
        if !Command::new("cargo").arg("fetch").current_dir(&p.dir).status()?.success() {
            bail!("cargo fetch failed in {}", p.dir.display());
        }
    }
    println!(
        "machine: {} logical CPUs; debug (not incremental, as registry crates are built), empty target directory, dependencies fetched; one program per workspace",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut rows = Vec::new();
    for p in &programs {
        rows.push(measure(p)?);
    }
    report(&rows);
    Ok(())
}

/// A binary crate of its own workspace at `dir`.
fn program(dir: &Path, name: &str, dependencies: &str, main: &str) -> Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{dependencies}\n[workspace]\n"),
    )?;
    std::fs::write(dir.join("src/main.rs"), main)?;
    Ok(())
}

fn measure(p: &Program) -> Result<Measured> {
    let target = p.dir.join("target-scratch");
    let build = |release: bool| -> Result<(f64, i64)> {
        if target.exists() {
            std::fs::remove_dir_all(&target)?;
        }
        let mut command = Command::new("cargo");
        command.args(["build", "--quiet", "--timings"]).args(p.features).current_dir(&p.dir).env("CARGO_TARGET_DIR", &target);
        // Cargo's own defaults, as a user gets them, but for one thing: a user's `cargo add`
        // brings the generated crate and the runtime from a registry, which cargo builds without
        // incremental compilation; here they are path dependencies, which it would build
        // incrementally (more time and memory for the largest crates). So no program is built
        // incrementally: on the AWS side that changes only its `main`, its one local crate.
        command.env_remove("RUSTFLAGS").env_remove("CARGO_BUILD_JOBS").env("CARGO_INCREMENTAL", "0");
        if release {
            command.arg("--release");
        }
        crate::bench::measure(command)
    };
    let (seconds, rss_kb) = build(false)?;
    let debug_bytes = std::fs::metadata(target.join("debug").join(p.binary)).context("the debug binary")?.len();
    let slowest = slowest_units(&target.join("cargo-timings/cargo-timing.html"))?;
    eprintln!("{}: debug build {seconds:.1} s, peak RSS {} KiB", p.label, rss_kb);
    let (release_seconds, _) = build(true)?;
    let release_bytes = std::fs::metadata(target.join("release").join(p.binary)).context("the release binary")?.len();
    eprintln!("{}: release build {release_seconds:.0} s", p.label);
    Ok(Measured { label: p.label, seconds, rss_kb, debug_bytes, release_bytes, slowest })
}

/// The five crates whose compilation took longest, build scripts included, from the HTML
/// report of `cargo build --timings` (its `UNIT_DATA` array, a JSON array over many lines).
fn slowest_units(report: &Path) -> Result<Vec<(String, f64)>> {
    let html = std::fs::read_to_string(report).with_context(|| format!("{}", report.display()))?;
    let start = html.find("const UNIT_DATA = ").context("no UNIT_DATA in the timings report")? + "const UNIT_DATA = ".len();
    let end = start + html[start..].find("\n];").context("UNIT_DATA does not end")? + 2;
    let units: Vec<serde_json::Value> = serde_json::from_str(&html[start..end]).context("UNIT_DATA is not JSON")?;
    let mut by_crate: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
    for unit in units {
        let name = unit["name"].as_str().unwrap_or("?").to_owned();
        *by_crate.entry(name).or_default() += unit["duration"].as_f64().unwrap_or(0.0);
    }
    let mut list: Vec<(String, f64)> = by_crate.into_iter().collect();
    list.sort_by(|a, b| b.1.total_cmp(&a.1));
    list.truncate(5);
    Ok(list)
}

fn report(rows: &[Measured]) {
    let aws = rows.iter().find(|r| r.label.starts_with("aws"));
    println!(
        "{:<34} {:>9} {:>9} {:>10} {:>12} {:>14}",
        "program (one call, #[tokio::main])", "build s", "vs aws", "peak RSS", "debug binary", "release binary"
    );
    for r in rows {
        let ratio = aws.map_or_else(|| "-".to_owned(), |a| format!("{:.2}×", r.seconds / a.seconds));
        println!(
            "{:<34} {:>9.1} {:>9} {:>7.2} GB {:>9.1} MB {:>11.1} MB",
            r.label,
            r.seconds,
            ratio,
            r.rss_kb as f64 / 1_048_576.0,
            r.debug_bytes as f64 / 1_048_576.0,
            r.release_bytes as f64 / 1_048_576.0
        );
    }
    for r in rows {
        let slowest: Vec<String> = r.slowest.iter().map(|(name, s)| format!("{name} {s:.1} s")).collect();
        println!("slowest crates, {}: {}", r.label, slowest.join(", "));
    }
}
