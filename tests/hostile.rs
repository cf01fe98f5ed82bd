//! The emulator under hostile and clumsy clients: half-sent requests, trickled bodies, huge
//! bodies, bad percent-encoding, duplicated parameters, deep names, oversized or empty nonces,
//! a stop while clients hang, nonsense flags. Each gets a bounded, clear answer in the service's
//! error shape, and nothing takes the emulator down.

use std::time::{Duration, Instant};

use acs_emulator::{Emulator, Limits};
use acs_runtime::sign;
use acs_tests::emu;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn start(limits: Limits) -> (Emulator, acs_emulator::Running) {
    let spec = std::fs::read_to_string(acs_tests::project_root().join("spec/swas-open/2020-06-01/api-docs.json")).unwrap();
    let emulator = Emulator::new(&spec, "swas", emu::state(2), None).unwrap().with_limits(limits).unwrap();
    let running = emulator.start("127.0.0.1:0").await.unwrap();
    (emulator, running)
}

fn fast() -> Limits {
    Limits {
        header_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(1),
        shutdown_grace: Duration::from_millis(500),
        ..Limits::default()
    }
}

fn host(url: &str) -> &str {
    url.trim_start_matches("http://")
}

/// Sends `request` as is and reads the whole answer: status and JSON body.
async fn send(url: &str, request: &[u8]) -> (u16, Value) {
    let mut stream = TcpStream::connect(host(url)).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8_lossy(&raw);
    let status = raw.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned())))
}

async fn post(url: &str, query: &str, body: &[u8]) -> (u16, Value) {
    let mut request =
        format!("POST /?{query} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", host(url), body.len())
            .into_bytes();
    request.extend_from_slice(body);
    send(url, &request).await
}

fn attach(instance: &str) -> Vec<(&'static str, String)> {
    vec![("RegionId", "cn-hangzhou".into()), ("KeyPairName", "test".into()), ("InstanceIds.1", instance.to_owned())]
}

fn with<'a>(params: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    params.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

/// Raises this process's open-file limit as far as allowed, and returns how many half-sent
/// connections the test can hold (each costs two descriptors here: client and server side).
fn connections_allowed(wanted: usize) -> usize {
    // SAFETY: getrlimit/setrlimit read and write the struct they are given.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 400;
        }
        limit.rlim_cur = limit.rlim_max.min(16_384);
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        wanted.min((limit.rlim_cur as usize).saturating_sub(256) / 2)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn half_sent_requests_neither_starve_clients_nor_live_forever() {
    let (emulator, running) = start(fast()).await;
    let count = connections_allowed(1100);
    assert!(count >= 300, "only {count} connections fit under this machine's open-file limit");
    let mut hanging = Vec::new();
    for _ in 0..count {
        let mut s = TcpStream::connect(host(&running.url)).await.unwrap();
        s.write_all(b"POST / HTTP/1.1\r\nhost: x\r\n").await.unwrap();
        hanging.push(s);
    }
    // A normal client is served at once.
    let started = Instant::now();
    let (status, body) = post(&running.url, &emu::rpc_query(&with(&attach("i-1")), &sign::new_nonce()), b"").await;
    assert_eq!(status, 200, "{body}");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // And the half-sent ones are closed once the header timeout passes.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for s in hanging.iter_mut().take(20) {
        let mut buf = [0u8; 256];
        let n = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await.expect("closed, not hanging").unwrap_or(0);
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(n == 0 || text.starts_with("HTTP/1.1 408"), "{text}");
    }
    assert_eq!(emulator.state()["requests"], 1);
}

#[tokio::test]
async fn a_trickled_body_gets_408_in_the_service_shape() {
    let (_emulator, running) = start(fast()).await;
    let mut s = TcpStream::connect(host(&running.url)).await.unwrap();
    let query = emu::rpc_query(&with(&attach("i-1")), &sign::new_nonce());
    s.write_all(format!("POST /?{query} HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n0123456789").as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut raw)).await.expect("answered in time").unwrap();
    let raw = String::from_utf8_lossy(&raw);
    assert!(raw.starts_with("HTTP/1.1 408"), "{raw}");
    assert!(raw.contains("\"Code\":\"RequestTimeout\""), "{raw}");
}

#[tokio::test]
async fn stopping_does_not_wait_for_hanging_clients() {
    let (_emulator, running) = start(fast()).await;
    let mut s = TcpStream::connect(host(&running.url)).await.unwrap();
    s.write_all(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n12").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    running.stop().await;
    assert!(started.elapsed() < Duration::from_secs(2), "stopped in {:?}", started.elapsed());
}

#[tokio::test]
async fn a_huge_body_is_413_in_the_service_shape() {
    let (_emulator, running) = start(Limits::default()).await;
    let body = vec![b'a'; 3 << 20];
    let (status, answer) = post(&running.url, &emu::rpc_query(&with(&attach("i-1")), &sign::new_nonce()), &body).await;
    assert_eq!(status, 413);
    assert_eq!(answer["Code"], "RequestEntityTooLarge");
    assert!(answer["RequestId"].is_string());
}

#[tokio::test]
async fn bad_encoding_duplicates_and_deep_names_are_short_400s() {
    let (emulator, running) = start(Limits::default()).await;
    let signed = emu::rpc_query(&with(&attach("i-1")), &sign::new_nonce());
    for (tail, expected) in [
        ("&KeyPairName=%FF", "not UTF-8"),
        ("&Extra=%G1", "'%' is not followed by two hex digits"),
        ("&RegionId=cn-hangzhou", "\"RegionId\" appears more than once"),
        // A second signature, whichever of the two a lenient reader would check.
        ("&Signature=00", "\"Signature\" appears more than once"),
    ] {
        let (status, body) = post(&running.url, &format!("{signed}{tail}"), b"").await;
        assert_eq!((status, body["Code"].as_str()), (400, Some("InvalidParameter")), "{tail}: {body}");
        assert!(body["Message"].as_str().unwrap().contains(expected), "{tail}: {body}");
    }
    // A signature over U+FFFD (what a lossy decoder reads %FF as) does not get through either.
    let lossy = emu::rpc_query(&[("RegionId", "cn-hangzhou"), ("KeyPairName", "\u{fffd}"), ("InstanceIds.1", "i-1")], &sign::new_nonce());
    let (status, _) = post(&running.url, &lossy.replace("%EF%BF%BD", "%FF"), b"").await;
    assert_eq!(status, 400);

    // List positions as the SDKs write them only: `.01` and `.+1` are not the first item.
    for index in ["01", "+1", "0"] {
        let name = format!("InstanceIds.{index}");
        let query = emu::rpc_query(&[("RegionId", "cn-hangzhou"), ("KeyPairName", "test"), (&name, "i-1")], &sign::new_nonce());
        let (status, body) = post(&running.url, &query, b"").await;
        assert_eq!((status, body["Code"].as_str()), (400, Some("InvalidParameter")), "{name}: {body}");
    }

    // A name 1,500 levels deep: a short 400, and the emulator lives on.
    let deep = format!("InstanceIds{}", ".1".repeat(1500));
    let (status, body) = post(
        &running.url,
        &emu::rpc_query(&[("RegionId", "cn-hangzhou"), ("KeyPairName", "test"), (&deep, "i-1")], &sign::new_nonce()),
        b"",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["Message"].as_str().unwrap().len() < 400, "the message does not echo the name: {body}");
    let (status, _) = post(&running.url, &emu::rpc_query(&with(&attach("i-1")), &sign::new_nonce()), b"").await;
    assert_eq!(status, 200);
    assert!(emulator.state()["recent_errors"].as_array().unwrap().len() >= 5);
}

#[tokio::test]
async fn nonces_must_be_present_short_and_single_use() {
    let (_emulator, running) = start(Limits::default()).await;
    let nonce = sign::new_nonce();
    let ok = emu::rpc_query(&with(&attach("i-1")), &nonce);
    assert_eq!(post(&running.url, &ok, b"").await.0, 200);
    let (status, body) = post(&running.url, &ok, b"").await;
    assert_eq!((status, body["Code"].as_str()), (400, Some("SignatureNonceUsed")));
    let (_, body) = post(&running.url, &emu::rpc_query(&with(&attach("i-1")), &"n".repeat(2000)), b"").await;
    assert_eq!(body["Code"], "InvalidSignatureNonce");
    let (_, body) = post(&running.url, &emu::rpc_query(&with(&attach("i-1")), ""), b"").await;
    assert_eq!(body["Code"], "MissingSignatureNonce");
}

#[test]
fn the_binary_refuses_a_fault_rate_that_is_not_a_fraction() {
    let binary = acs_tests::built_binary("acs-emulator", "acs-emulator").expect("acs-emulator builds");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, format!(r#"{{"access_keys":{}}}"#, emu::KEYS)).unwrap();
    let spec = acs_tests::project_root().join("spec/swas-open/2020-06-01/api-docs.json");
    for rate in ["NaN", "-0.5", "1.5", "inf"] {
        let out = std::process::Command::new(&binary)
            .args(["--spec", spec.to_str().unwrap(), "--state", state.to_str().unwrap(), &format!("--fault-rate={rate}")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{rate}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is not a number from 0 to 1"), "{rate}");
    }
}

#[tokio::test]
async fn the_binary_stops_on_sigterm_while_a_client_hangs() {
    let binary = acs_tests::built_binary("acs-emulator", "acs-emulator").expect("acs-emulator builds");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, format!(r#"{{"access_keys":{}}}"#, emu::KEYS)).unwrap();
    let spec = acs_tests::project_root().join("spec/swas-open/2020-06-01/api-docs.json");
    let mut child = tokio::process::Command::new(&binary)
        .args(["--spec", spec.to_str().unwrap(), "--state", state.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    use tokio::io::AsyncBufReadExt;
    let url = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines().next_line().await.unwrap().unwrap();
    let mut s = TcpStream::connect(host(&url)).await.unwrap();
    s.write_all(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n1").await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(8), child.wait()).await.expect("stops within the grace period").unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_emulator_serves_the_network_only_when_told_and_then_warns() {
    assert_eq!(acs_emulator::check_listen("127.0.0.1:0", false), Ok(None));
    assert_eq!(acs_emulator::check_listen("[::1]:0", false), Ok(None));
    let refused = acs_emulator::check_listen("0.0.0.0:0", false).unwrap_err();
    assert!(
        refused.contains("issues working keys to anyone who asks") && refused.ends_with("pass --allow-remote to serve the network anyway"),
        "{refused}"
    );
    let warned = acs_emulator::check_listen("0.0.0.0:0", true).unwrap().unwrap();
    assert!(warned.starts_with("warning: --listen 0.0.0.0:0 is reachable from the network"), "{warned}");
    assert!(acs_emulator::check_listen("not an address", false).unwrap_err().contains("is not an address to listen on"));
    // The binary: refused with status 2, before it listens.
    let binary = acs_tests::built_binary("acs-emulator", "acs-emulator").expect("acs-emulator builds");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, format!(r#"{{"access_keys":{}}}"#, emu::KEYS)).unwrap();
    let spec = acs_tests::project_root().join("spec/swas-open/2020-06-01/api-docs.json");
    let out = std::process::Command::new(binary)
        .args(["--spec", spec.to_str().unwrap(), "--state", state.to_str().unwrap(), "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --allow-remote"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "no URL printed: nothing listens");
}
