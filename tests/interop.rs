//! Interop with the official Alibaba Cloud Python SDKs, in both directions of trust: real
//! clients nobody here wrote call the emulator, and the emulator's state shows what they did.
//!
//! - the current SDK (alibabacloud-swas-open20200601 on alibabacloud-tea-openapi), default V3;
//! - the same with `signature_algorithm='v2'` (RPC HMAC-SHA1);
//! - the legacy core SDK (aliyun-python-sdk-swas-open on aliyun-python-sdk-core), RPC with
//!   `Format=JSON`, `SignatureType=` and RFC 3986 query encoding;
//!
//! each with a plain key and an STS key, a wrong secret and an unknown server.

use std::process::Command;

use acs_tests::{emu, sdk_python};
use serde_json::Value;

const SDKS: [&str; 3] = ["current", "current-v2", "core"];

fn call(python: &std::path::Path, sdk: &str, endpoint: &str, key: (&str, &str, Option<&str>), ids: &[&str], name: &str) -> Value {
    let script = acs_tests::project_root().join("tests/interop/sdk_call.py");
    let mut cmd = Command::new(python);
    cmd.arg(&script)
        .args([
            "--sdk",
            sdk,
            "--endpoint",
            endpoint.trim_start_matches("http://"),
            "--access-key-id",
            key.0,
            "--access-key-secret",
            key.1,
            "--key-pair-name",
            name,
            "--instance-ids",
        ])
        .args(ids);
    if let Some(token) = key.2 {
        cmd.args(["--security-token", token]);
    }
    let out = cmd.output().expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{sdk}: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{sdk}: not JSON ({e}): {stdout}"))
}

fn binding(state: &Value, id: &str) -> Option<String> {
    state["instances"].as_array().unwrap().iter().find(|i| i["id"] == id).and_then(|i| i["key_pair"].as_str().map(str::to_owned))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_sdks_bind_key_pairs_through_the_emulator() {
    let Some(python) = sdk_python("interop") else { return };
    let (emulator, running) = emu::start(emu::state(12), None).await;
    let url = running.url.clone();
    let mut next = 0;
    for sdk in SDKS {
        for key in [("testid", "testsecret", None), ("STS.tmp", "stssecret", Some("tok+en/with=chars"))] {
            next += 2;
            let ids = [format!("i-{}", next - 1), format!("i-{next}")];
            let (python, url, sdk2) = (python.clone(), url.clone(), sdk.to_owned());
            let ids2 = ids.clone();
            let result = tokio::task::spawn_blocking(move || call(&python, &sdk2, &url, key, &[&ids2[0], &ids2[1]], "test")).await.unwrap();
            assert_eq!(result["ok"], true, "{sdk} with {}: {result}", key.0);
            let body = &result["body"];
            assert_eq!((body["TotalCount"].as_i64(), body["FailCount"].as_i64()), (Some(2), Some(0)), "{sdk}: {body}");
            assert_eq!(body["Results"][0]["Success"], "true");
            let state = emulator.state();
            for id in &ids {
                assert_eq!(binding(&state, id).as_deref(), Some("test"), "{sdk} with {}: {id} is bound", key.0);
            }
        }
    }
    assert_eq!(emulator.state()["recent_errors"].as_array().unwrap().len(), 0, "no request was refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_sdks_see_signature_errors_and_unknown_servers() {
    let Some(python) = sdk_python("interop") else { return };
    let (emulator, running) = emu::start(emu::state(1), None).await;
    for sdk in SDKS {
        let (p, u) = (python.clone(), running.url.clone());
        let wrong =
            tokio::task::spawn_blocking(move || call(&p, sdk, &u, ("testid", "not-the-secret", None), &["i-1"], "test")).await.unwrap();
        assert_eq!(wrong["ok"], false);
        assert_eq!(wrong["status"], 400, "{sdk}: {wrong}");
        // What the emulator answered, whatever the SDK made of it.
        let state = emulator.state();
        let answered = state["recent_errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["request_id"] == wrong["request_id"])
            .cloned()
            .unwrap_or_else(|| panic!("{sdk}: request id {} not in the emulator's recent errors", wrong["request_id"]));
        assert_eq!(answered["code"], "SignatureDoesNotMatch", "{sdk}");
        if sdk == "core" {
            // The core SDK rewrites a 400 SignatureDoesNotMatch into InvalidAccessKeySecret when the
            // server's string-to-sign equals its own (aliyunsdkcore/client.py; protocol.md §6.1):
            // this code proves the emulator's string-to-sign matched the SDK's byte for byte.
            assert_eq!(wrong["code"], "InvalidAccessKeySecret", "{wrong}");
        } else {
            assert_eq!(wrong["code"], "SignatureDoesNotMatch", "{sdk}: {wrong}");
            assert!(wrong["message"].as_str().unwrap().contains("server"), "{wrong}");
        }

        let (p, u) = (python.clone(), running.url.clone());
        let missing =
            tokio::task::spawn_blocking(move || call(&p, sdk, &u, ("testid", "testsecret", None), &["i-404"], "test")).await.unwrap();
        assert_eq!(
            (missing["ok"].as_bool(), missing["code"].as_str(), missing["status"].as_i64()),
            (Some(false), Some("InvalidInstanceId.NotFound"), Some(404)),
            "{sdk}: {missing}"
        );
        assert!(missing["request_id"].is_string(), "{sdk}: {missing}");
    }
    assert_eq!(binding(&emulator.state(), "i-1"), None, "nothing was applied");
}

/// A value with a space travels as `+` (current SDK) or `%20` (core SDK). The emulator must read
/// both as a space to verify the signature; it then refuses the name for its space, with the
/// same check the Rust client runs: InvalidParameter, not SignatureDoesNotMatch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spaces_in_either_encoding_verify_and_then_fail_validation() {
    let Some(python) = sdk_python("interop") else { return };
    let (_emulator, running) = emu::start(emu::state(1), None).await;
    for sdk in SDKS {
        let (p, u) = (python.clone(), running.url.clone());
        let result =
            tokio::task::spawn_blocking(move || call(&p, sdk, &u, ("testid", "testsecret", None), &["i-1"], "my key")).await.unwrap();
        assert_eq!((result["code"].as_str(), result["status"].as_i64()), (Some("InvalidParameter"), Some(400)), "{sdk}: {result}");
        assert!(result["message"].as_str().unwrap().contains("KeyPairName does not match the pattern"), "{sdk}: {result}");
    }
}

#[tokio::test]
async fn the_emulator_binary_prints_its_url_and_stops_on_sigterm_and_sigint() {
    for signal in ["-TERM", "-INT"] {
        run_and_stop(signal).await;
    }
}

async fn run_and_stop(signal: &str) {
    let binary = acs_tests::built_binary("acs-emulator", "acs-emulator").expect("acs-emulator builds");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, format!(r#"{{"access_keys":{},"instances":[{{"id":"i-1","region":"cn-hangzhou","key_pair":null}}],"key_pairs":[{{"name":"test","region":"cn-hangzhou"}}]}}"#, emu::KEYS)).unwrap();
    let spec = acs_tests::project_root().join("spec/swas-open/2020-06-01/api-docs.json");
    let mut child = tokio::process::Command::new(&binary)
        .args(["--spec", spec.to_str().unwrap(), "--listen", "127.0.0.1:0", "--state", state.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines.next_line().await.unwrap().expect("a first line");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let client = acs_swas_open::Client::new(
        acs_swas_open::Config::new().endpoint(&url).credentials(acs_swas_open::Credentials::new("testid", "testsecret")),
    )
    .unwrap();
    client.attach_key_pair(acs_swas_open::attach_key_pair::AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await.unwrap();

    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args([signal, &pid]).status().unwrap().success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait()).await.expect("stops within 10 s").unwrap();
    assert_eq!(status.code(), Some(0), "exit after {signal}");
}

#[test]
fn the_emulator_binary_refuses_a_malformed_state_file() {
    let binary = acs_tests::built_binary("acs-emulator", "acs-emulator").expect("acs-emulator builds");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(
        &state,
        r#"{"access_keys":[{"id":"k","secret":"s"}],"instances":[{"id":"i-1","region":"cn-hangzhou","key_pair":"ghost"}]}"#,
    )
    .unwrap();
    let spec = acs_tests::project_root().join("spec/swas-open/2020-06-01/api-docs.json");
    let out =
        std::process::Command::new(binary).args(["--spec", spec.to_str().unwrap(), "--state", state.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("state.json: instances[0]: key_pair \"ghost\" is not a key pair of region cn-hangzhou"), "{err}");
    assert!(out.stdout.is_empty());
}

/// The official cs SDKs against the emulator loaded with the real cs metadata: the current SDK
/// (V3) on the five operations of roa.md §2.2, the legacy core SDK (legacy ROA signature) on a
/// GET, a POST and a PUT; with a wrong secret, every call is `SignatureDoesNotMatch`.
#[tokio::test]
async fn official_cs_sdks_call_roa_operations_through_the_emulator() {
    let Some(python) = sdk_python("interop") else { return };
    let Some(shared) = acs_tests::shared_dir("interop") else { return };
    let spec = std::fs::read_to_string(shared.join("meta/cs/2015-12-15/api-docs.json")).unwrap();
    let emulator = acs_emulator::Emulator::new(&spec, "cs", emu::state(0), None).unwrap();
    let running = emulator.start("127.0.0.1:0").await.unwrap();
    let run = |secret: &'static str| {
        let (python, endpoint) = (python.clone(), running.url.trim_start_matches("http://").to_owned());
        tokio::task::spawn_blocking(move || {
            let script = acs_tests::project_root().join("tests/interop/cs_calls.py");
            let out = Command::new(python)
                .arg(script)
                .args(["--endpoint", &endpoint, "--access-key-id", "testid", "--access-key-secret", secret])
                .output()
                .expect("python runs");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).collect::<Vec<Value>>()
        })
    };
    let results = run("testsecret").await.unwrap();
    let calls: Vec<String> =
        results.iter().map(|r| format!("{} {}", r["sdk"].as_str().unwrap(), r["operation"].as_str().unwrap())).collect();
    assert_eq!(
        calls,
        [
            "current DescribeClusterDetail",
            "current DescribeClustersV1",
            "current CreateCluster",
            "current DeleteCluster",
            "current ModifyCluster",
            "core DescribeClusterDetail",
            "core CreateCluster",
            "core ModifyCluster"
        ]
    );
    assert!(results.iter().all(|r| r["ok"] == true), "{results:#?}");
    let refused = run("not-the-secret").await.unwrap();
    assert_eq!(refused.len(), 8);
    assert!(refused.iter().all(|r| r["code"] == "SignatureDoesNotMatch"), "{refused:#?}");
}
