//! Bounded by default, at the process level: the binaries with no limit flag, against servers
//! that trickle one byte every 2 s or never stop sending, and token files that are a FIFO or
//! `/dev/zero`. Each case must end with a clear error within the documented default limit (at
//! most 60 s), and its peak resident memory (the child's own, from `wait4`) must stay under
//! 256 MiB. The cases run side by side, so the test takes as long as the slowest one; the
//! figures are printed (`--nocapture`).
//!
//! And the emulator under floods (in this test binary, apart from the others, so that no other
//! test's memory moves the figure): issued keys, metadata tokens and megabyte parameters leave
//! its resident memory flat.

#![cfg(unix)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use acs_tests::emu;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The documented ceiling every case must end within: the whole-call deadline.
const LIMIT: Duration = Duration::from_secs(60);
/// The peak resident memory every case must stay under.
const MAX_RSS_KIB: i64 = 256 * 1024;

/// A local server that answers every request with a head promising a large body, then sends
/// that body one byte every 2 s (`Trickle`) or as fast as it can, without end (`Endless`).
#[derive(Clone, Copy)]
enum Server {
    Trickle,
    Endless,
}

fn serve(kind: Server) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            std::thread::spawn(move || answer(conn, kind));
        }
    });
    url
}

fn answer(mut conn: TcpStream, kind: Server) {
    // The request head (a body, if any, is left unread: the answer does not depend on it).
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
        match conn.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    match kind {
        Server::Trickle => {
            if conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n").is_err() {
                return;
            }
            // At most ten minutes, so a client that never gives up cannot keep the thread.
            for _ in 0..300 {
                std::thread::sleep(Duration::from_secs(2));
                if conn.write_all(b" ").is_err() {
                    return;
                }
            }
        }
        Server::Endless => {
            if conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n").is_err() {
                return;
            }
            let chunk = format!("{:x}\r\n{}\r\n", 65536, " ".repeat(65536));
            // At most 16 GiB, so the thread ends even if the client reads forever.
            for _ in 0..(1 << 18) {
                if conn.write_all(chunk.as_bytes()).is_err() {
                    return;
                }
            }
        }
    }
}

/// How a process ended.
#[derive(Debug)]
struct Outcome {
    label: &'static str,
    code: Option<i32>,
    stderr: String,
    elapsed: Duration,
    max_rss_kib: i64,
}

/// Runs `binary` with `args` in an environment of only `env` (and a private `HOME`), killing it
/// at 2 × [`LIMIT`] so a failing case cannot hang the test; its peak RSS from `wait4`.
fn run(label: &'static str, binary: &Path, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let home = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(binary);
    command.args(args).env_clear().env("HOME", home.path()).env("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true");
    for (name, value) in env {
        command.env(name, value);
    }
    let started = Instant::now();
    // Reaped by `wait4` below, which also reports its peak memory (`Child::wait` cannot).
    #[allow(clippy::zombie_processes)]
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let pid = child.id() as libc::pid_t;
    let watchdog = std::thread::spawn(move || {
        let until = Instant::now() + 2 * LIMIT;
        while Instant::now() < until {
            std::thread::sleep(Duration::from_millis(200));
            // Signal 0 only asks whether the process is still there (not yet reaped).
            if unsafe { libc::kill(pid, 0) } != 0 {
                return;
            }
        }
        unsafe { libc::kill(pid, libc::SIGKILL) };
    });
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "{label}: wait4 failed");
    let elapsed = started.elapsed();
    let _ = watchdog.join();
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    // Linux reports ru_maxrss in KiB.
    Outcome { label, code, stderr: reader.join().unwrap(), elapsed, max_rss_kib: usage.ru_maxrss }
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
}

fn binaries() -> (PathBuf, PathBuf) {
    (
        acs_tests::built_binary("acs-swas-open", "swas-open").expect("the swas-open binary builds"),
        acs_tests::built_binary("acs-codegen", "acs-codegen").expect("the acs-codegen binary builds"),
    )
}

#[test]
fn every_wait_ends_within_the_default_limit_in_bounded_memory() {
    let (cli, codegen) = binaries();
    let trickle = serve(Server::Trickle);
    let endless = serve(Server::Endless);
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("token.fifo");
    mkfifo(&fifo);
    let attach = ["attach-key-pair", "--region-id", "cn-hangzhou", "--instance-ids", "i-1", "--key-pair-name", "test"];
    let keys = [("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")];
    let oidc = |file: &str| {
        vec![
            ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r".to_owned()),
            ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1:oidc-provider/p".to_owned()),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", file.to_owned()),
        ]
    };
    let fifo_text = fifo.display().to_string();
    let out = dir.path().join("out");
    let cache = dir.path().join("cache");
    let (out_text, cache_text) = (out.display().to_string(), cache.display().to_string());

    // (label, binary, args, environment, what the error must say)
    type Case = (&'static str, PathBuf, Vec<String>, Vec<(&'static str, String)>, &'static [&'static str]);
    let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let with_keys = keys.iter().map(|(n, v)| (*n, v.to_string())).collect::<Vec<_>>();
    let mut endpoint_args = owned(&attach);
    endpoint_args.extend(["--endpoint".to_owned(), trickle.clone()]);
    let mut dry_run = owned(&attach);
    dry_run.extend(["--endpoint".to_owned(), "http://127.0.0.1:9".to_owned(), "--dry-run".to_owned()]);
    let mut local = owned(&attach);
    local.extend(["--endpoint".to_owned(), "http://127.0.0.1:9".to_owned()]);
    let download = |meta_url: &str| {
        owned(&["--product", "Demo", "--version", "2020-01-01", "--meta-url", meta_url, "--cache-dir", &cache_text, "--out", &out_text])
    };
    let cases: Vec<Case> = vec![
        ("API answer trickles (H1)", cli.clone(), endpoint_args, with_keys.clone(), &["stalled"]),
        (
            "credentials URI trickles (H2)",
            cli.clone(),
            local.clone(),
            vec![("ALIBABA_CLOUD_CREDENTIALS_URI", format!("{trickle}/credentials"))],
            &["credentials_uri", "no complete answer within 15s"],
        ),
        (
            "credentials URI trickles under --dry-run (H2)",
            cli.clone(),
            dry_run,
            vec![("ALIBABA_CLOUD_CREDENTIALS_URI", format!("{trickle}/credentials"))],
            &["no complete answer within 15s"],
        ),
        (
            "ECS metadata trickles (H2)",
            cli.clone(),
            local.clone(),
            vec![("ALIBABA_CLOUD_ECS_METADATA", "role".to_owned()), ("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", trickle.clone())],
            &["ecs_ram_role"],
        ),
        ("OIDC token file is a FIFO (H3)", cli.clone(), local.clone(), oidc(&fifo_text), &["not a regular file"]),
        ("OIDC token file is /dev/zero (H3)", cli.clone(), local, oidc("/dev/zero"), &["not a regular file"]),
        ("metadata download trickles (M1)", codegen.clone(), download(&trickle), vec![], &["the download stalled"]),
        ("metadata download never ends (M1)", codegen, download(&endless), vec![], &["larger than 67108864 bytes"]),
    ];
    let running: Vec<_> = cases
        .into_iter()
        .map(|(label, binary, args, env, says)| {
            std::thread::spawn(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
                (run(label, &binary, &args, &env), says)
            })
        })
        .collect();
    let mut problems = Vec::new();
    println!("{:<48} {:>6} {:>9} {:>10}  error", "case", "exit", "seconds", "peak RSS");
    for handle in running {
        let (o, says) = handle.join().unwrap();
        let first_line = o.stderr.lines().next().unwrap_or_default().to_owned();
        println!(
            "{:<48} {:>6} {:>9.1} {:>7} MiB  {first_line}",
            o.label,
            format!("{:?}", o.code),
            o.elapsed.as_secs_f64(),
            o.max_rss_kib / 1024
        );
        if o.code != Some(1) && o.code != Some(2) {
            problems.push(format!("{}: exit {:?}, wanted an error exit: {}", o.label, o.code, o.stderr));
        }
        if o.elapsed > LIMIT + Duration::from_secs(5) {
            problems.push(format!("{}: took {:?}, over the {LIMIT:?} limit", o.label, o.elapsed));
        }
        if o.max_rss_kib >= MAX_RSS_KIB {
            problems.push(format!("{}: peak RSS {} KiB, over {MAX_RSS_KIB} KiB", o.label, o.max_rss_kib));
        }
        for needle in says {
            if !o.stderr.contains(needle) {
                problems.push(format!("{}: the error does not say {needle:?}: {}", o.label, o.stderr));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// This process's resident memory, in KiB (Linux's `/proc/self/status`).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}

/// How many calls each flood makes: `ACS_FLOOD_CALLS`, else 10,000 credential requests and 200
/// megabyte-parameter calls (each of those signs and verifies 3 MB, 0.2 s in a debug build;
/// before the ledger kept digests, 60 of them grew the emulator by 200 MB). The closing figures
/// come from `ACS_FLOOD_CALLS=10000 cargo test --release … floods`.
fn flood_calls(megabyte: bool) -> usize {
    std::env::var("ACS_FLOOD_CALLS").ok().and_then(|n| n.parse().ok()).unwrap_or(if megabyte { 200 } else { 10_000 })
}

/// Sends `count` keep-alive `request_line` requests (`GET /path`) with `headers` (each ending in
/// CRLF) on one connection; their statuses.
async fn many(url: &str, request_line: &str, headers: &str, count: usize) -> Vec<u16> {
    let mut stream = tokio::net::TcpStream::connect(url.trim_start_matches("http://")).await.unwrap();
    let request = format!("{request_line} HTTP/1.1\r\nhost: {}\r\n{headers}\r\n", url.trim_start_matches("http://"));
    let mut statuses = Vec::with_capacity(count);
    let mut buffer = Vec::new();
    for _ in 0..count {
        stream.write_all(request.as_bytes()).await.unwrap();
        // One answer: the head, then content-length bytes.
        let (head_end, length) = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                let length = head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
                statuses.push(head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0));
                break (end + 4, length);
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the emulator closed the connection");
            buffer.extend_from_slice(&chunk[..n]);
        };
        while buffer.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the emulator closed the connection");
            buffer.extend_from_slice(&chunk[..n]);
        }
        buffer.drain(..head_end + length);
    }
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn floods_of_issued_keys_tokens_and_megabyte_parameters_leave_memory_flat() {
    let (emulator, running) = emu::start(emu::state(2), None).await;
    let calls = flood_calls(false);
    // Warm up: allocator pools and the first of everything, then the baseline.
    let token_put = "x-aliyun-ecs-metadata-token-ttl-seconds: 21600\r\n";
    many(&running.url, "GET /_emulator/credentials", "", 200).await;
    many(&running.url, "PUT /latest/api/token", token_put, 200).await;
    let before = rss_kib();
    let started = Instant::now();
    let statuses = many(&running.url, "GET /_emulator/credentials", "", calls).await;
    assert!(statuses.iter().all(|s| *s == 200));
    let statuses = many(&running.url, "PUT /latest/api/token", token_put, calls).await;
    assert!(statuses.iter().all(|s| *s == 200));
    let after_keys = rss_kib();
    let issuing = started.elapsed();
    let view = emulator.state();
    assert_eq!(view["issued_keys"].as_u64(), Some(acs_emulator::state::MAX_ISSUED.min(calls + 200) as u64), "capped");
    assert_eq!(view["metadata_tokens"].as_u64(), Some(acs_emulator::sts::metadata::MAX_TOKENS.min(calls + 200) as u64), "capped");
    assert!(view["access_keys"].as_array().unwrap().len() <= 100 + emu::KEYS.matches("\"id\"").count(), "the view shows the latest only");

    // Distinct-token calls with a megabyte of junk each: the ledger keeps a digest, recent_calls
    // a digest, nothing keeps the value.
    let junk = "j".repeat(1 << 20);
    let megabyte_calls = flood_calls(true);
    let send = |i: usize| {
        let token = format!("token-{i}");
        let params =
            [("RegionId", "cn-hangzhou"), ("KeyPairName", "test"), ("InstanceIds.1", "i-1"), ("ClientToken", &token), ("Junk", &junk)];
        let query = emu::rpc_query(&params, &format!("flood-{i}"));
        emulator.answer_raw("POST", &format!("/?{query}"), &[("host".into(), "x".into())], b"")
    };
    for i in 0..20 {
        assert_eq!(send(i).0, 200);
    }
    let before_junk = rss_kib();
    let started = Instant::now();
    for i in 20..20 + megabyte_calls {
        let (status, body) = send(i);
        assert_eq!(status, 200, "{body}");
    }
    let after_junk = rss_kib();
    println!(
        "{calls} credential requests and {calls} metadata tokens in {:.1} s: RSS {before} KiB -> {after_keys} KiB ({:.2}x); \
         {megabyte_calls} distinct-token calls with 1 MiB parameters in {:.1} s: RSS {before_junk} KiB -> {after_junk} KiB ({:.2}x)",
        issuing.as_secs_f64(),
        after_keys as f64 / before as f64,
        started.elapsed().as_secs_f64(),
        after_junk as f64 / before_junk as f64,
    );
    assert!(after_keys < before * 2, "issued keys grew RSS from {before} KiB to {after_keys} KiB");
    assert!(after_junk < before_junk * 2, "megabyte parameters grew RSS from {before_junk} KiB to {after_junk} KiB");
    assert_eq!(
        emulator.state()["idempotency_ledger_entries"].as_u64(),
        Some((megabyte_calls + 20).min(acs_emulator::state::MAX_LEDGER) as u64)
    );
}
