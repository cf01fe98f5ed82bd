//! `cargo xtask bench calls`: client CPU per call, ours against the official Python SDK.
//!
//! Both clients call AttachKeyPair on the same emulator (release build) over loopback, one call
//! after another on a kept-alive connection, and each reports the CPU its own process spent in
//! the loop, so the emulator's share is not counted. The figure is the ratio of the two. Three
//! rows below decompose our figure with the same presigned requests: the default transport
//! alone, one bare hyper connection (the least a client on tokio and hyper costs), and the floor,
//! the same bytes exchanged over a raw socket (no HTTP library, no signing), which is the kernel's
//! share of a loopback call that every client pays.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

#[derive(Debug)]
struct Loop {
    calls: f64,
    cpu_s: f64,
    wall_s: f64,
    /// User and system CPU, where the loop reports them.
    split: Option<(f64, f64)>,
}

fn parse(output: &[u8], who: &str) -> Result<Loop> {
    let text = String::from_utf8_lossy(output);
    let line = text.lines().last().with_context(|| format!("{who} printed nothing"))?;
    let v: serde_json::Value = serde_json::from_str(line).with_context(|| format!("{who}: {line}"))?;
    let get = |k: &str| v[k].as_f64().with_context(|| format!("{who}: no {k} in {line}"));
    let split = v["user_s"].as_f64().zip(v["system_s"].as_f64());
    Ok(Loop { calls: get("calls")?, cpu_s: get("cpu_s")?, wall_s: get("wall_s")?, split })
}

pub(crate) fn calls(ours_calls: u32, python_calls: u32, rounds: u32) -> Result<()> {
    let root = crate::project_root();
    let python = root.join(".venv/bin/python");
    if !python.is_file() {
        bail!("{} is missing: python3 -m venv .venv && .venv/bin/pip install -r tests/interop/requirements.txt", python.display());
    }
    let status = Command::new("cargo")
        .args(["build", "--release", "--quiet", "-p", "acs-emulator", "-p", "acs-tests", "--example", "call_loop", "--bin", "acs-emulator"])
        .current_dir(&root)
        .status()?;
    if !status.success() {
        bail!("the emulator or the call loop does not build");
    }
    let dir = tempfile::tempdir()?;
    let state = dir.path().join("state.json");
    std::fs::write(
        &state,
        r#"{"access_keys":[{"id":"testid","secret":"testsecret"}],"instances":[{"id":"i-1","region":"cn-hangzhou"}],"key_pairs":[{"name":"test","region":"cn-hangzhou"}]}"#,
    )?;
    let mut emulator = Command::new(root.join("target/release/acs-emulator"))
        .arg("--spec")
        .arg(root.join("spec/swas-open/2020-06-01/api-docs.json"))
        .arg("--state")
        .arg(&state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let url = std::io::BufReader::new(emulator.stdout.take().context("emulator stdout")?).lines().next().context("no URL")??;
    let result = run_both(&root, &python, &url, ours_calls, python_calls, rounds);
    let _ = emulator.kill();
    let _ = emulator.wait();
    result
}

fn run_both(root: &Path, python: &Path, url: &str, ours_calls: u32, python_calls: u32, rounds: u32) -> Result<()> {
    let ours_loop = |mode: &str| -> Result<Loop> {
        let out = Command::new(root.join("target/release/examples/call_loop")).args([url, &ours_calls.to_string(), mode]).output()?;
        if !out.status.success() {
            bail!("our call loop ({mode}) failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        parse(&out.stdout, "our client")
    };
    let python_loop = |version: &str| -> Result<Loop> {
        let theirs = Command::new(python)
            .arg(root.join("tests/interop/call_loop.py"))
            .args([url.trim_start_matches("http://"), &python_calls.to_string(), version])
            .output()?;
        if !theirs.status.success() {
            bail!("the Python loop failed: {}", String::from_utf8_lossy(&theirs.stderr));
        }
        parse(&theirs.stdout, "the Python SDK")
    };
    // Every loop of a round one after the other, round after round: a VM's speed moves from one
    // second to the next, so each ratio is taken within a round and the table shows the median
    // over the rounds (each row's figures are from its median round).
    const OURS: [&str; 5] = ["v3", "rpc", "transport", "hyper", "floor"];
    const PYTHON: [&str; 2] = ["v3", "rpc"];
    let mut ours: Vec<Vec<Loop>> = OURS.iter().map(|_| Vec::new()).collect();
    let mut theirs: Vec<Vec<Loop>> = PYTHON.iter().map(|_| Vec::new()).collect();
    for _ in 0..rounds.max(1) {
        for (mode, runs) in OURS.iter().zip(&mut ours) {
            runs.push(ours_loop(mode)?);
        }
        for (version, runs) in PYTHON.iter().zip(&mut theirs) {
            runs.push(python_loop(version)?);
        }
    }
    let per_call = |l: &Loop| l.cpu_s / l.calls * 1e6;
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let median_run = |runs: &[Loop]| -> usize {
        let mut order: Vec<usize> = (0..runs.len()).collect();
        order.sort_by(|&a, &b| per_call(&runs[a]).total_cmp(&per_call(&runs[b])));
        order[order.len() / 2]
    };
    // Per round: a row against another row of the same round.
    let ratio = |row: &[Loop], base: &[Loop]| median(row.iter().zip(base).map(|(r, b)| per_call(r) / per_call(b)).collect());
    let hyper = &ours[3];
    let mut rows: Vec<(String, &Loop, Option<f64>, Option<f64>)> = Vec::new();
    for (i, version) in PYTHON.iter().enumerate() {
        let (python_runs, our_runs) = (&theirs[i], &ours[i]);
        rows.push((format!("official Python SDK ({version})"), &python_runs[median_run(python_runs)], Some(1.0), None));
        let vs_python = ratio(python_runs, our_runs);
        rows.push((format!("acs-swas-open ({version})"), &our_runs[median_run(our_runs)], Some(vs_python), Some(ratio(our_runs, hyper))));
    }
    for (i, label) in
        [(2, "its transport alone, same requests"), (3, "hyper alone, same requests"), (4, "raw socket, same requests (floor)")]
    {
        rows.push((label.to_owned(), &ours[i][median_run(&ours[i])], None, Some(ratio(&ours[i], hyper))));
    }
    println!(
        "machine: {} logical CPUs; loopback; emulator in release; medians of {} rounds, ratios within a round",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        rounds.max(1)
    );
    println!(
        "{:<34} {:>8} {:>14} {:>20} {:>14} {:>10} {:>9}",
        "client", "calls", "CPU µs/call", "≈ user + system", "wall µs/call", "vs Python", "vs hyper"
    );
    // CPU per call is exact (each process's CPU clock); its user/system split is the kernel's
    // tick sampling, scaled, and only approximate over a few hundred milliseconds.
    for (label, l, vs_python, vs_hyper) in &rows {
        let per = |seconds: f64| seconds / l.calls * 1e6;
        let split = l.split.map_or_else(|| "-".to_owned(), |(u, s)| format!("{:.1} + {:.1}", per(u), per(s)));
        let vs_python = vs_python.map_or_else(|| "-".to_owned(), |r| format!("{r:.1}×"));
        let vs_hyper = vs_hyper.map_or_else(|| "-".to_owned(), |r| format!("{r:.2}×"));
        println!("{label:<34} {:>8} {:>14.1} {split:>20} {:>14.1} {vs_python:>10} {vs_hyper:>9}", l.calls, per(l.cpu_s), per(l.wall_s));
    }
    Ok(())
}

/// `cargo xtask bench compile`: generated ECS and SWAS (from `../shared/meta`), each built alone
/// (debug, library only, not incremental, dependencies already built), with seconds per
/// operation and peak RSS; with `against_aws`, aws-sdk-lightsail 1.135.0 built the same way in
/// the same run, and the ratio.
pub(crate) fn compile(against_aws: bool) -> Result<()> {
    let root = crate::project_root();
    let ws = root.join("target/bench-compile");
    std::fs::create_dir_all(&ws)?;
    let products = [("acs-bench-ecs", "ecs/2014-05-26/api-docs.json"), ("acs-bench-swas", "swas-open/2020-06-01/api-docs.json")];
    let mut members: Vec<String> = Vec::new();
    let mut operations = Vec::new();
    for (name, spec) in products {
        let generated = generate_bench_crate("cargo xtask bench compile", name, spec, &ws.join(name))?;
        let ops = generated.files.keys().filter(|p| p.starts_with("src") && !p.starts_with("src/bin")).count() - 6;
        operations.push((name.to_owned(), ops));
        members.push(format!("{name:?}"));
    }
    if against_aws {
        let probe = ws.join("aws-probe");
        std::fs::create_dir_all(probe.join("src"))?;
        std::fs::write(
            probe.join("Cargo.toml"),
            "[package]\nname = \"aws-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\naws-sdk-lightsail = \"=1.135.0\"\n",
        )?;
        std::fs::write(probe.join("src/lib.rs"), "")?;
        members.push("\"aws-probe\"".into());
    }
    std::fs::write(ws.join("Cargo.toml"), format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", members.join(", ")))?;
    let cargo = |args: &[&str]| {
        let mut c = Command::new("cargo");
        c.args(args).current_dir(&ws).env("CARGO_INCREMENTAL", "0").env_remove("RUSTFLAGS");
        c
    };
    // Dependencies first, so each timed build is the crate alone. Each crate and variant is
    // warmed by itself, exactly as it is timed: the runtime's features differ between crates
    // (`patterns` only where a spec has patterns) and with the CLI (an opt-in feature), and a
    // build of two crates together would unify them into a runtime neither timed build uses.
    let variants_of = |name: &str| -> &'static [(&'static str, &'static [&'static str])] {
        if name.starts_with("acs-") {
            &[("", &[]), (" +cli", &["--features", "cli"])]
        } else {
            &[("", &[])]
        }
    };
    for (name, _) in &products {
        for (_, features) in variants_of(name) {
            let mut warm = vec!["build", "--lib", "--quiet", "-p", name];
            warm.extend_from_slice(features);
            if !cargo(&warm).status()?.success() {
                bail!("{name} does not build{}", if features.is_empty() { "" } else { " with its CLI" });
            }
        }
    }
    // Through the probe that depends on it: the registry crate is not in the lock file yet.
    if against_aws && !cargo(&["build", "--lib", "--quiet", "-p", "aws-probe"]).status()?.success() {
        bail!("aws-sdk-lightsail does not build");
    }
    let mut crates: Vec<(String, usize)> = operations;
    if against_aws {
        crates.push(("aws-sdk-lightsail".into(), lightsail_operations()?));
    }
    println!(
        "machine: {} logical CPUs; debug, --lib, CARGO_INCREMENTAL=0, each crate alone",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("{:<24} {:>10} {:>10} {:>10} {:>12} {:>10}", "crate", "operations", "build s", "s/op", "peak RSS", "vs aws");
    let mut rows = Vec::new();
    for (name, ops) in &crates {
        // Ours without the CLI feature (the library alone, like the AWS crate), then with it.
        for (label, features) in variants_of(name) {
            if !cargo(&["clean", "--quiet", "-p", name]).status()?.success() {
                bail!("cargo clean -p {name} failed");
            }
            let mut args = vec!["build", "--lib", "--quiet", "-p", name];
            args.extend_from_slice(features);
            let (seconds, rss_kb) = measure(cargo(&args))?;
            rows.push((format!("{name}{label}"), *ops, seconds, rss_kb));
        }
    }
    let aws = rows.iter().find(|r| r.0 == "aws-sdk-lightsail").map(|r| r.2 / r.1 as f64);
    for (name, ops, seconds, rss_kb) in rows {
        let per = seconds / ops as f64;
        let ratio = aws.map_or_else(|| "-".to_owned(), |a| format!("{:.2}×", per / a));
        println!("{name:<24} {ops:>10} {seconds:>10.1} {per:>10.3} {:>9.2} GB {ratio:>10}", rss_kb as f64 / 1_048_576.0);
    }
    Ok(())
}

/// Generates crate `name` (its binary named alike) from `../shared/meta/<spec>` into `out`,
/// against this checkout's runtime, with `command` in its header: what each bench builds.
pub(crate) fn generate_bench_crate(command: &str, name: &str, spec: &str, out: &Path) -> Result<acs_codegen::Generated> {
    let root = crate::project_root();
    let shared = root.join("../shared/meta");
    if !shared.is_dir() {
        bail!("{} is missing: the bench generates from the real metadata", shared.display());
    }
    let runtime = root.join("runtime").canonicalize()?;
    let settings = acs_codegen::Settings::new(runtime.display().to_string(), command, spec).with_crate_name(name).with_cli_name(name);
    let generated = acs_codegen::generate_file(&shared.join(spec), &settings).map_err(|e| anyhow::anyhow!("{spec}: {e}"))?;
    let plan = acs_codegen::write::plan(out, &generated.files, true)?;
    acs_codegen::write::apply(out, &plan)?;
    Ok(generated)
}

/// Wall seconds and peak RSS (KiB) of the largest process `command` ran. A fresh
/// `xtask bench-probe` process runs it, so the peak is of this build alone.
pub(crate) fn measure(command: Command) -> Result<(f64, i64)> {
    let exe = std::env::current_exe()?;
    let mut probe = Command::new(exe);
    probe.arg("bench-probe").arg("--").arg(command.get_program());
    probe.args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        probe.current_dir(dir);
    }
    for (k, v) in command.get_envs() {
        match v {
            Some(v) => probe.env(k, v),
            None => probe.env_remove(k),
        };
    }
    let output = probe.output()?;
    if !output.status.success() {
        bail!("build failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut parts = text.split_whitespace();
    let seconds: f64 = parts.next().context("probe output")?.parse()?;
    let rss: i64 = parts.next().context("probe output")?.parse()?;
    Ok((seconds, rss))
}

/// Runs `args` and prints its wall seconds and the peak RSS (KiB) of its largest descendant.
pub(crate) fn probe(args: &[String]) -> Result<()> {
    let (program, rest) = args.split_first().context("bench-probe needs a command")?;
    let start = std::time::Instant::now();
    let status = Command::new(program).args(rest).status()?;
    let seconds = start.elapsed().as_secs_f64();
    if !status.success() {
        bail!("{program} failed");
    }
    // SAFETY: getrusage writes into the struct it is given; a zeroed rusage is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_CHILDREN with a valid pointer has no other requirement.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    println!("{seconds:.2} {}", usage.ru_maxrss);
    Ok(())
}

/// Operations of aws-sdk-lightsail 1.135.0: its `src/operation/` modules, from the registry's
/// unpacked source.
fn lightsail_operations() -> Result<usize> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let registry = home.context("no CARGO_HOME")?.join("registry/src");
    for index in std::fs::read_dir(&registry)? {
        let dir = index?.path().join("aws-sdk-lightsail-1.135.0/src/operation");
        if dir.is_dir() {
            return Ok(std::fs::read_dir(dir)?.filter_map(Result::ok).filter(|e| e.path().is_dir()).count());
        }
    }
    bail!("aws-sdk-lightsail 1.135.0 is not in {}", registry.display())
}
