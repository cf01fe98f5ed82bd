//! `cargo xtask bench calls`: client CPU per call, ours against the official Python SDK.
//!
//! Both clients call AttachKeyPair on the same emulator (release build) over loopback, one call
//! after another on a kept-alive connection, and each reports the CPU its own process spent in
//! the loop, so the emulator's share is not counted. The figure is the ratio of the two.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

#[derive(Debug)]
struct Loop {
    calls: f64,
    cpu_s: f64,
    wall_s: f64,
}

fn parse(output: &[u8], who: &str) -> Result<Loop> {
    let text = String::from_utf8_lossy(output);
    let line = text.lines().last().with_context(|| format!("{who} printed nothing"))?;
    let v: serde_json::Value = serde_json::from_str(line).with_context(|| format!("{who}: {line}"))?;
    let get = |k: &str| v[k].as_f64().with_context(|| format!("{who}: no {k} in {line}"));
    Ok(Loop { calls: get("calls")?, cpu_s: get("cpu_s")?, wall_s: get("wall_s")? })
}

pub fn calls(ours_calls: u32, python_calls: u32) -> Result<()> {
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
    let result = run_both(&root, &python, &url, ours_calls, python_calls);
    let _ = emulator.kill();
    let _ = emulator.wait();
    result
}

fn run_both(root: &Path, python: &Path, url: &str, ours_calls: u32, python_calls: u32) -> Result<()> {
    println!("machine: {} logical CPUs; loopback; emulator in release", std::thread::available_parallelism().map_or(0, |n| n.get()));
    println!("{:<34} {:>8} {:>14} {:>14} {:>8}", "client", "calls", "CPU µs/call", "wall µs/call", "ratio");
    for version in ["v3", "rpc"] {
        let ours = Command::new(root.join("target/release/examples/call_loop")).args([url, &ours_calls.to_string(), version]).output()?;
        if !ours.status.success() {
            bail!("our call loop failed: {}", String::from_utf8_lossy(&ours.stderr));
        }
        let ours = parse(&ours.stdout, "our client")?;
        let theirs = Command::new(python)
            .arg(root.join("tests/interop/call_loop.py"))
            .args([url.trim_start_matches("http://"), &python_calls.to_string(), version])
            .output()?;
        if !theirs.status.success() {
            bail!("the Python loop failed: {}", String::from_utf8_lossy(&theirs.stderr));
        }
        let theirs = parse(&theirs.stdout, "the Python SDK")?;
        let per = |l: &Loop| (l.cpu_s / l.calls * 1e6, l.wall_s / l.calls * 1e6);
        let ((oc, ow), (tc, tw)) = (per(&ours), per(&theirs));
        println!("{:<34} {:>8} {:>14.1} {:>14.1} {:>8}", format!("official Python SDK ({version})"), theirs.calls, tc, tw, "1.00×");
        println!("{:<34} {:>8} {:>14.1} {:>14.1} {:>7.1}×", format!("acs-swas-open ({version})"), ours.calls, oc, ow, tc / oc);
    }
    Ok(())
}
