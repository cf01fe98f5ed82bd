//! Our client and CLI against the emulator, in both signature versions, and the emulator's own
//! behaviour: authentication errors, validation from the spec, AttachKeyPair semantics,
//! idempotency, documented examples for other operations, fault injection, the binary.
//!
//! Longer than 500 lines on purpose: each test is one behaviour of the emulator seen through our
//! own client, and they share one setup; splitting them by topic would scatter that setup.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use acs_emulator::Faults;
use acs_runtime::__private::{Style, Validate, Validator};
use acs_runtime::credentials::Environment;
use acs_runtime::Error;
use acs_runtime::{HttpMethod, Operation, Params};
use acs_swas_open::attach_key_pair::AttachKeyPairRequest;
use acs_swas_open::{Client, Config, Credentials, ErrorCode, RetryPolicy, SignatureVersion, Timeouts};
use acs_tests::emu;
use serde_json::Value;

const VERSIONS: [SignatureVersion; 2] = [SignatureVersion::V3, SignatureVersion::Rpc];

fn client(url: &str, version: SignatureVersion) -> Client {
    Client::new(
        Config::new()
            .endpoint(url)
            .signature_version(version)
            .credentials(Credentials::new("testid", "testsecret"))
            .retry(RetryPolicy::none()),
    )
    .unwrap()
}

fn binding(state: &Value, id: &str) -> Option<String> {
    state["instances"].as_array().unwrap().iter().find(|i| i["id"] == id).and_then(|i| i["key_pair"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn attach_binds_and_overwrites_in_both_versions() {
    let (emulator, running) = emu::start(emu::state(3), None).await;
    for (version, name) in VERSIONS.into_iter().zip(["test", "other"]) {
        let response =
            client(&running.url, version).attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1", "i-2"], name)).await.unwrap();
        assert_eq!((response.total_count, response.fail_count), (Some(2), Some(0)));
        assert!(response.results.iter().all(|r| r.success.unwrap().get() && r.code.as_deref() == Some("200")));
        let state = emulator.state();
        assert_eq!(binding(&state, "i-1").as_deref(), Some(name), "a new key pair replaces the old one");
        assert_eq!(binding(&state, "i-3"), None);
    }
}

#[tokio::test]
async fn unknown_and_other_region_servers_fail_per_instance() {
    let (emulator, running) = emu::start(emu::state(1), None).await;
    let response = client(&running.url, SignatureVersion::V3)
        .attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1", "i-9", "i-bj"], "test"))
        .await
        .unwrap();
    assert_eq!((response.total_count, response.fail_count), (Some(3), Some(2)));
    let failed: Vec<_> = response.failed_results().map(|r| (r.instance_id.clone().unwrap(), r.code.clone().unwrap())).collect();
    assert_eq!(
        failed,
        [("i-9".to_owned(), "InvalidInstanceId.NotFound".to_owned()), ("i-bj".to_owned(), "InvalidInstanceId.NotFound".to_owned())]
    );
    assert_eq!(binding(&emulator.state(), "i-bj"), None);
}

#[tokio::test]
async fn no_known_server_is_the_documented_404_and_an_unknown_key_pair_is_refused() {
    let (emulator, running) = emu::start(emu::state(1), None).await;
    for version in VERSIONS {
        let err =
            client(&running.url, version).attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-404"], "test")).await.unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::InvalidInstanceIdNotFound));
        assert_eq!(err.service_error().unwrap().status, 404);
        assert!(err.request_id().is_some());
    }
    let err = client(&running.url, SignatureVersion::V3)
        .attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "nokey"))
        .await
        .unwrap_err();
    assert_eq!((err.kind().code(), err.service_error().unwrap().status), (Some("InvalidKeyPairName.NotFound"), 404));
    assert_eq!(binding(&emulator.state(), "i-1"), None, "nothing changes");
}

#[tokio::test]
async fn sts_credentials_work_and_a_wrong_token_is_refused() {
    let (_emulator, running) = emu::start(emu::state(1), None).await;
    for version in VERSIONS {
        let sts = Client::new(
            Config::new()
                .endpoint(&running.url)
                .signature_version(version)
                .credentials(Credentials::new("STS.tmp", "stssecret").with_security_token("tok+en/with=chars")),
        )
        .unwrap();
        sts.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await.unwrap();
        let wrong = Client::new(
            Config::new()
                .endpoint(&running.url)
                .signature_version(version)
                .credentials(Credentials::new("STS.tmp", "stssecret").with_security_token("stale")),
        )
        .unwrap();
        let err = wrong.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await.unwrap_err();
        assert_eq!(err.kind().code(), Some("InvalidSecurityToken.MismatchWithAccessKey"));
        let missing = Client::new(
            Config::new().endpoint(&running.url).signature_version(version).credentials(Credentials::new("STS.tmp", "stssecret")),
        )
        .unwrap();
        let err = missing.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await.unwrap_err();
        assert_eq!(err.kind().code(), Some("MissingSecurityToken"));
    }
}

#[tokio::test]
async fn wrong_secret_gets_the_servers_string_to_sign_and_unknown_keys_are_not_found() {
    let (_emulator, running) = emu::start(emu::state(1), None).await;
    for (version, marker) in VERSIONS.into_iter().zip([
        "server StringToSign is [ACS3-HMAC-SHA256\n",
        "server string to sign is:POST&%2F&AccessKeyId%3Dtestid%26Action%3DAttachKeyPair",
    ]) {
        let c =
            Client::new(Config::new().endpoint(&running.url).signature_version(version).credentials(Credentials::new("testid", "wrong")))
                .unwrap();
        let err = c.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await.unwrap_err();
        let service = err.service_error().unwrap();
        assert_eq!((service.code.as_str(), service.status), ("SignatureDoesNotMatch", 400));
        assert!(service.message.contains(marker), "{}", service.message);
        let c = Client::new(Config::new().endpoint(&running.url).signature_version(version).credentials(Credentials::new("nobody", "x")))
            .unwrap();
        let err = c.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await.unwrap_err();
        assert_eq!((err.kind().code(), err.service_error().unwrap().status), (Some("InvalidAccessKeyId.NotFound"), 404));
    }
}

#[tokio::test]
async fn stale_timestamps_and_reused_nonces_are_refused() {
    let (_emulator, running) = emu::start(emu::state(1), None).await;
    for version in VERSIONS {
        let old = Client::new(
            Config::new()
                .endpoint(&running.url)
                .signature_version(version)
                .credentials(Credentials::new("testid", "testsecret"))
                .clock(Arc::new(|| UNIX_EPOCH + Duration::from_secs(1_704_164_645))),
        )
        .unwrap();
        let err = old.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await.unwrap_err();
        assert_eq!(err.kind().code(), Some("InvalidTimeStamp.Expired"), "{err}");
        let nonce = format!("fixed-{version:?}");
        let replaying = Client::new(
            Config::new()
                .endpoint(&running.url)
                .signature_version(version)
                .credentials(Credentials::new("testid", "testsecret"))
                .retry(RetryPolicy::none())
                .nonce_source(Arc::new(move || nonce.clone())),
        )
        .unwrap();
        replaying.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await.unwrap();
        let err = replaying.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await.unwrap_err();
        assert_eq!(err.kind().code(), Some("SignatureNonceUsed"));
    }
}

#[tokio::test]
async fn unsigned_requests_are_incomplete() {
    let (_emulator, running) = emu::start(emu::state(1), None).await;
    let http = bare_post(&running.url, "/?Action=AttachKeyPair&Version=2020-06-01").await;
    assert_eq!(http.0, 400);
    assert_eq!(http.1["Code"], "IncompleteSignature");
    assert!(http.1["RequestId"].is_string() && http.1["HostId"].is_string() && http.1["Recommend"].is_string());
}

/// A bare HTTP POST, to send what no client of ours would.
async fn bare_post(base: &str, path: &str) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream
        .write_all(format!("POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
    let body = raw.split("\r\n\r\n").nth(1).unwrap();
    (status, serde_json::from_str(body).unwrap())
}

/// Declares an operation by hand, for requests our generated types never produce: an action the
/// spec lacks, or a required parameter left out. It signs and sends through the same client.
macro_rules! raw_operation {
    ($name:ident, $action:literal, $method:ident, [$(($param:literal, $value:literal)),*]) => {
        struct $name;
        impl Validate for $name {
            fn validate_into(&self, _: &mut Validator) {}
        }
        impl Operation for $name {
            const ACTION: &'static str = $action;
            const METHOD: HttpMethod = HttpMethod::$method;
            const HTTPS_ONLY: bool = false;
            const IDEMPOTENCY_TOKEN: Option<&'static str> = None;
            type Response = Value;
            fn to_params(&self) -> Params<'_> {
                let mut p = Params::new();
                $(p.put_str($param, $value);)*
                p
            }
        }
    };
}

#[tokio::test]
async fn unknown_operations_and_missing_parameters_answer_like_the_service() {
    let (_emulator, running) = emu::start(emu::state(1), None).await;
    raw_operation!(DescribeNothing, "DescribeNothing", Post, [("RegionId", "cn-hangzhou")]);
    let err = client(&running.url, SignatureVersion::Rpc).call(DescribeNothing, &Default::default()).await.unwrap_err();
    assert_eq!((err.kind().code(), err.service_error().unwrap().status), (Some("InvalidApi.NotFound"), 404));
}

#[tokio::test]
async fn the_emulator_validates_with_the_clients_checks() {
    let (emulator, running) = emu::start(emu::state(1), None).await;
    let relaxed = |v| {
        Client::new(
            Config::new()
                .endpoint(&running.url)
                .signature_version(v)
                .credentials(Credentials::new("testid", "testsecret"))
                .without_validation()
                .retry(RetryPolicy::none()),
        )
        .unwrap()
    };
    let bad = AttachKeyPairRequest::new("cn-hangzhou", (1..=51).map(|i| format!("i-{i}")), "1").client_token("é");
    let client_side = bad.validate().unwrap_err().to_string();
    for version in VERSIONS {
        let err = relaxed(version).attach_key_pair(bad.clone()).await.unwrap_err();
        let service = err.service_error().unwrap();
        assert_eq!((service.code.as_str(), service.status), ("InvalidParameter", 400));
        let violations = client_side.trim_start_matches("invalid AttachKeyPair request: ");
        assert_eq!(service.message, format!("The specified parameter is invalid: {violations}"), "the same words as the client");
        let err = relaxed(version).attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "")).await.unwrap_err();
        assert_eq!(err.kind().code(), Some("InvalidParameter"));
    }
    let before = emulator.state()["requests"].as_u64().unwrap();
    let strict = client(&running.url, SignatureVersion::V3);
    assert!(matches!(strict.attach_key_pair(bad).await.map_err(acs_swas_open::Error::into_inner), Err(Error::Validation(_))));
    assert_eq!(emulator.state()["requests"].as_u64().unwrap(), before, "a validation error sends nothing");
}

#[tokio::test]
async fn missing_required_parameters_are_missing_param() {
    let (_emulator, running) = emu::start(emu::state(1), None).await;
    // AttachKeyPair's wire form without KeyPairName, through the same signer.
    raw_operation!(NoName, "AttachKeyPair", Post, [("RegionId", "cn-hangzhou"), ("InstanceIds.1", "i-1")]);
    for version in VERSIONS {
        let err = client(&running.url, version).call(NoName, &Default::default()).await.unwrap_err();
        let service = err.service_error().unwrap();
        assert_eq!(
            (service.code.as_str(), service.status, service.message.as_str()),
            ("MissingKeyPairName", 400, "KeyPairName is mandatory for this action.")
        );
    }
}

#[tokio::test]
async fn the_same_client_token_replays_and_a_changed_request_is_a_mismatch() {
    let (emulator, running) = emu::start(emu::state(2), None).await;
    let c = client(&running.url, SignatureVersion::V3);
    let first = c.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test").client_token("tok-1")).await.unwrap();
    let again = client(&running.url, SignatureVersion::Rpc)
        .attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test").client_token("tok-1"))
        .await
        .unwrap();
    assert_eq!(first, again, "the first response, request id included");
    let err = c.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-2"], "test").client_token("tok-1")).await.unwrap_err();
    assert_eq!((err.kind().code(), err.service_error().unwrap().status), (Some("IdempotentParameterMismatch"), 400));
    let state = emulator.state();
    let ledger = state["idempotency_ledger"].as_array().unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(
        (ledger[0]["applied"].as_u64(), ledger[0]["replays"].as_u64(), ledger[0]["client_token"].as_str()),
        (Some(1), Some(1), Some("tok-1"))
    );
    assert_eq!(binding(&state, "i-2"), None, "the mismatched request changed nothing");
}

#[tokio::test]
async fn operations_without_semantics_answer_their_documented_example() {
    let Some(shared) = acs_tests::shared_dir("emulator examples") else { return };
    let spec = std::fs::read_to_string(shared.join("meta/swas-open/2020-06-01/api-docs.json")).unwrap();
    let emulator = acs_emulator::Emulator::new(&spec, "api-docs.json", emu::state(1), None).unwrap();
    let running = emulator.start("127.0.0.1:0").await.unwrap();
    raw_operation!(ListKeyPairs, "ListKeyPairs", Get, [("RegionId", "cn-hangzhou")]);
    let body = client(&running.url, SignatureVersion::V3).call(ListKeyPairs, &Default::default()).await.unwrap();
    let doc: Value = serde_json::from_str(&spec).unwrap();
    let demos: Value = serde_json::from_str(doc["apis"]["ListKeyPairs"]["responseDemo"].as_str().unwrap()).unwrap();
    let mut expected: Value = serde_json::from_str(demos[0]["example"].as_str().unwrap()).unwrap();
    expected["RequestId"] = body["RequestId"].clone();
    assert_eq!(body, expected);
    assert_ne!(body["RequestId"], demos[0]["example"].as_str().unwrap(), "a fresh request id");
}

async fn swas_open(args: &[&str], env: Environment) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = acs_swas_open::cli::run(std::iter::once("swas-open").chain(args.iter().copied()), env, &mut out, &mut err).await;
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

fn env_keys(id: &str, secret: &str, token: Option<&str>) -> Environment {
    let mut vars = vec![("ALIBABA_CLOUD_ACCESS_KEY_ID", id.to_owned()), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret.to_owned())];
    if let Some(t) = token {
        vars.push(("ALIBABA_CLOUD_SECURITY_TOKEN", t.to_owned()));
    }
    Environment::new(vars, None)
}

#[tokio::test]
async fn the_cli_against_the_emulator_in_both_versions() {
    let (emulator, running) = emu::start(emu::state(4), None).await;
    let keys = env_keys("testid", "testsecret", None);
    for (version, id, other) in [("v3", "i-1", "i-3"), ("rpc", "i-2", "i-4")] {
        let attach = |ids: &[&'static str], name: &'static str| -> Vec<String> {
            let mut a: Vec<String> = [
                "--endpoint",
                &running.url,
                "--signature-version",
                version,
                "attach-key-pair",
                "--region-id",
                "cn-hangzhou",
                "--key-pair-name",
                name,
            ]
            .map(String::from)
            .to_vec();
            for id in ids {
                a.extend(["--instance-ids".to_owned(), (*id).to_owned()]);
            }
            a
        };
        let run =
            |args: Vec<String>, env: Environment| async move { swas_open(&args.iter().map(String::as_str).collect::<Vec<_>>(), env).await };

        let (code, out, err) = run(attach(&[id], "test"), keys.clone()).await;
        assert_eq!(code, 0, "{err}");
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["Results"][0]["InstanceId"], id);
        assert_eq!(binding(&emulator.state(), id).as_deref(), Some("test"));

        let (code, out, _) = run(attach(&[other, "i-404"], "test"), keys.clone()).await;
        assert_eq!(code, 0, "per-instance failures are a successful call");
        let body: Value = serde_json::from_str(&out).unwrap();
        assert_eq!((body["FailCount"].as_i64(), body["Results"][1]["Success"].as_str()), (Some(1), Some("false")));

        let (code, _, err) = run(attach(&["i-404"], "test"), keys.clone()).await;
        assert_eq!(code, 1);
        assert!(err.contains("code: InvalidInstanceId.NotFound") && err.contains("request id: "), "{err}");

        let before = emulator.state()["requests"].clone();
        let (code, _, err) = run(attach(&[id], "1bad"), keys.clone()).await;
        assert_eq!(code, 2, "{err}");
        assert_eq!(emulator.state()["requests"], before, "a validation error sends nothing");

        let (code, _, err) = run(attach(&[id], "test"), env_keys("testid", "wrong", None)).await;
        assert_eq!(code, 1);
        assert!(err.contains("code: SignatureDoesNotMatch"), "{err}");

        let (code, _, err) = run(attach(&[id], "other"), env_keys("STS.tmp", "stssecret", Some("tok+en/with=chars"))).await;
        assert_eq!(code, 0, "{err}");
        assert_eq!(binding(&emulator.state(), id).as_deref(), Some("other"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_retries_through_faults() {
    let faults = Faults { rate: 0.3, seed: 11, delay: Duration::from_millis(800), kinds: vec![] };
    let (emulator, running) = emu::start(emu::state(20), Some(faults)).await;
    for i in 1..=20 {
        let id = format!("i-{i}");
        let version = if i % 2 == 0 { "v3" } else { "rpc" };
        let args = [
            "--endpoint",
            &running.url,
            "--signature-version",
            version,
            "--read-timeout-ms",
            "300",
            "--max-attempts",
            "12",
            "attach-key-pair",
            "--region-id",
            "cn-hangzhou",
            "--instance-ids",
            &id,
            "--key-pair-name",
            "test",
        ];
        let (code, _, err) = swas_open(&args, env_keys("testid", "testsecret", None)).await;
        assert_eq!(code, 0, "call {i}: {err}");
    }
    let state = emulator.state();
    assert!(state["idempotency_ledger"].as_array().unwrap().iter().all(|e| e["applied"] == 1));
    assert_eq!(state["idempotency_ledger"].as_array().unwrap().len(), 20);
    assert!(state["requests"].as_u64().unwrap() > 20, "faults forced retries");
}

/// 200 concurrent calls, 30% of requests faulted (503, throttling, answers past the client's
/// timeout, dropped connections): every call succeeds, and every binding is applied exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_through_faults_all_succeed_exactly_once() {
    const CALLS: usize = 200;
    let faults = Faults { rate: 0.3, seed: 7, delay: Duration::from_millis(800), kinds: vec![] };
    let (emulator, running) = emu::start(emu::state(CALLS), Some(faults)).await;
    let client = Client::new(
        Config::new()
            .endpoint(&running.url)
            .credentials(Credentials::new("testid", "testsecret"))
            .timeouts(Timeouts { connect: Duration::from_secs(2), read: Duration::from_millis(300) })
            .retry(RetryPolicy { max_attempts: 12, base_delay: Duration::from_millis(10), max_delay: Duration::from_millis(200) }),
    )
    .unwrap();
    let calls = (1..=CALLS).map(|i| {
        let client = client.clone();
        let version_client = if i % 2 == 0 {
            client
        } else {
            Client::new(
                Config::new()
                    .endpoint(&running.url)
                    .signature_version(SignatureVersion::Rpc)
                    .credentials(Credentials::new("testid", "testsecret"))
                    .timeouts(Timeouts { connect: Duration::from_secs(2), read: Duration::from_millis(300) })
                    .retry(RetryPolicy { max_attempts: 12, base_delay: Duration::from_millis(10), max_delay: Duration::from_millis(200) }),
            )
            .unwrap()
        };
        tokio::spawn(
            async move { version_client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", [format!("i-{i}")], "test")).await },
        )
    });
    let results = futures_join(calls.collect()).await;
    let failures: Vec<String> = results.iter().filter_map(|r| r.as_ref().err().map(ToString::to_string)).collect();
    assert!(failures.is_empty(), "{} calls failed: {failures:?}", failures.len());
    let state = emulator.state();
    let ledger = state["idempotency_ledger"].as_array().unwrap();
    assert_eq!(ledger.len(), CALLS, "one ledger entry per call: none lost");
    assert!(ledger.iter().all(|e| e["applied"] == 1), "every change applied exactly once");
    for i in 1..=CALLS {
        assert_eq!(binding(&state, &format!("i-{i}")).as_deref(), Some("test"), "i-{i}");
    }
    let requests = state["requests"].as_u64().unwrap();
    let replays: u64 = ledger.iter().map(|e| e["replays"].as_u64().unwrap()).sum();
    assert!(requests > CALLS as u64, "faults forced retries ({requests} requests)");
    eprintln!("{CALLS} calls, {requests} requests, {replays} answered from the ledger");
}

async fn futures_join<T: Send + 'static>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// Sends `query` for `action`, signed with `version` by hand (no generated type involved), and
/// returns the status and body.
async fn signed_raw(base: &str, method: &str, action: &str, version: SignatureVersion, query: &[(String, String)]) -> (u16, Value) {
    use acs_runtime::sign;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://").to_owned();
    let date = sign::format_timestamp(std::time::SystemTime::now());
    let nonce = sign::new_nonce();
    let (query, headers) = match version {
        SignatureVersion::V3 => {
            let mut headers = vec![
                ("host".to_owned(), host.clone()),
                ("x-acs-action".to_owned(), action.to_owned()),
                ("x-acs-version".to_owned(), "2020-06-01".to_owned()),
                ("x-acs-date".to_owned(), date),
                ("x-acs-signature-nonce".to_owned(), nonce),
                ("x-acs-content-sha256".to_owned(), sign::sha256_hex(b"")),
            ];
            let signed: Vec<String> = headers.iter().map(|(n, _)| n.clone()).collect();
            let v3 = sign::sign_v3(&sign::V3Input {
                method,
                canonical_uri: "/",
                query: &sign::borrow_pairs(query),
                headers: &sign::borrow_pairs(&headers),
                signed_headers: &signed,
                body: b"",
                access_key_id: "testid",
                access_key_secret: "testsecret",
            });
            headers.push(("authorization".to_owned(), v3.authorization));
            (query.to_vec(), headers)
        }
        _ => {
            let mut params: Vec<(String, String)> = [
                ("Action", action),
                ("Version", "2020-06-01"),
                ("Format", "JSON"),
                ("Timestamp", &date),
                ("SignatureNonce", &nonce),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureVersion", "1.0"),
                ("AccessKeyId", "testid"),
            ]
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .to_vec();
            params.extend(query.iter().cloned());
            let rpc = sign::sign_rpc(method, "/", &params, "testsecret");
            params.push(("Signature".to_owned(), rpc.signature));
            (params, vec![("host".to_owned(), host.clone())])
        }
    };
    // Form-style encoding, as the Python SDK sends it: spaces as `+`.
    let encoded: Vec<String> =
        query.iter().map(|(n, v)| format!("{}={}", sign::percent_encode(n), sign::percent_encode(v).replace("%20", "+"))).collect();
    let mut request = format!("{method} /?{} HTTP/1.1\r\n", encoded.join("&"));
    for (n, v) in &headers {
        request.push_str(&format!("{n}: {v}\r\n"));
    }
    request.push_str("content-length: 0\r\nconnection: close\r\n\r\n");
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(raw.split("\r\n\r\n").nth(1).unwrap()).unwrap())
}

/// What the official SDK puts on the wire for 11 operations (every style: repeatList of scalars
/// and objects, flat, json, simple, int64 lists) is accepted by an emulator serving the real
/// SWAS-25 spec, in both signature versions: its decoding and validation match the SDK's encoding.
#[tokio::test]
async fn the_emulator_accepts_what_the_official_sdk_sends() {
    let Some(shared) = acs_tests::shared_dir("emulator wire") else { return };
    let spec = std::fs::read_to_string(shared.join("meta/swas-open/2020-06-01/api-docs.2025-05-17.stripped.json")).unwrap();
    let state = acs_emulator::state::State::parse(&format!(
        r#"{{"access_keys":{},"instances":[{{"id":"ins-1","region":"cn-hangzhou","key_pair":null}},{{"id":"ins-2","region":"cn-hangzhou","key_pair":null}}],"key_pairs":[{{"name":"kp","region":"cn-hangzhou"}}]}}"#,
        emu::KEYS
    ))
    .unwrap();
    let emulator = acs_emulator::Emulator::new(&spec, "api-docs.2025-05-17.stripped.json", state, None).unwrap();
    let running = emulator.start("127.0.0.1:0").await.unwrap();
    let golden: Value =
        serde_json::from_str(&std::fs::read_to_string(shared.join("meta/swas-open/2020-06-01/sdk-wire-golden.json")).unwrap()).unwrap();
    let cases = golden["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 11);
    for case in cases {
        let action = case["action"].as_str().unwrap();
        let method = case["method"].as_str().unwrap();
        let query: Vec<(String, String)> =
            case["query"].as_object().unwrap().iter().map(|(n, v)| (n.clone(), v.as_str().unwrap().to_owned())).collect();
        for version in VERSIONS {
            let (status, body) = signed_raw(&running.url, method, action, version, &query).await;
            assert_eq!(status, 200, "{action} ({version:?}): {body}");
            assert!(body["RequestId"].is_string(), "{action}: {body}");
        }
    }
    assert_eq!(binding(&emulator.state(), "ins-2").as_deref(), Some("kp"), "AttachKeyPair took effect");
}

/// What a generated request of the synthetic spec's `DeleteTree` is, written out: a DELETE
/// operation whose `x-acs-tenant` parameter travels as a header. Validation is left to the
/// emulator here, to see it check the header.
#[derive(Debug)]
struct DeleteTree {
    tenant: Option<String>,
}

impl Validate for DeleteTree {
    fn validate_into(&self, _v: &mut Validator) {}
}

impl Operation for DeleteTree {
    const ACTION: &'static str = "DeleteTree";
    const METHOD: HttpMethod = HttpMethod::Delete;
    const HTTPS_ONLY: bool = false;
    const IDEMPOTENCY_TOKEN: Option<&'static str> = None;
    type Response = Value;

    fn to_params(&self) -> Params<'_> {
        Params::new()
    }

    fn to_header_params(&self) -> Params<'_> {
        let mut params = Params::new();
        params.put("x-acs-tenant", Style::Plain, &self.tenant);
        params
    }
}

static SYNTHETIC: acs_runtime::ServiceInfo = acs_runtime::ServiceInfo::new("SYNTHETIC", "2026-01-01", acs_runtime::ApiStyle::Rpc, &[]);

#[tokio::test]
async fn delete_operations_and_header_parameters_reach_the_emulator_checked() {
    let spec = std::fs::read_to_string(acs_tests::project_root().join("tests/fixtures/synthetic-api-docs.json")).unwrap();
    let emulator = acs_emulator::Emulator::new(&spec, "synthetic", emu::state(1), None).unwrap();
    let running = emulator.start("127.0.0.1:0").await.unwrap();
    for version in VERSIONS {
        let client = acs_runtime::Client::new(
            &SYNTHETIC,
            Config::new()
                .endpoint(&running.url)
                .signature_version(version)
                .credentials(Credentials::new("testid", "testsecret"))
                .retry(RetryPolicy::none()),
        )
        .unwrap();
        let sent = client.signed_request(DeleteTree { tenant: Some("acme".into()) }).await.unwrap();
        assert_eq!((sent.method, sent.header("x-acs-tenant")), (HttpMethod::Delete, Some("acme")));
        let body = client.call(DeleteTree { tenant: Some("acme".into()) }, &Default::default()).await.unwrap();
        assert!(body["RequestId"].is_string(), "{body}");
        let err = client.call(DeleteTree { tenant: Some("t".repeat(40)) }, &Default::default()).await.unwrap_err();
        assert_eq!(err.code(), Some("InvalidParameter"), "{err}");
        assert!(err.to_string().contains("x-acs-tenant has 40 characters, more than the maximum of 32"), "{err}");
        let err = client.call(DeleteTree { tenant: None }, &Default::default()).await.unwrap_err();
        assert_eq!(err.code(), Some("Missingx-acs-tenant"), "{err}");
    }
}

/// cs `ModifyCluster` (PUT /api/v2/clusters/{ClusterId}, JSON body), written out as the
/// generator writes it, for the emulator's ROA path.
#[derive(Debug)]
struct ModifyCluster {
    cluster_id: String,
    cluster_name: Option<String>,
}

impl Validate for ModifyCluster {
    fn validate_into(&self, _v: &mut Validator) {}
}

impl Operation for ModifyCluster {
    const ACTION: &'static str = "ModifyCluster";
    const METHOD: HttpMethod = HttpMethod::Put;
    const HTTPS_ONLY: bool = false;
    const IDEMPOTENCY_TOKEN: Option<&'static str> = None;
    const PATH: &'static str = "/api/v2/clusters/{ClusterId}";
    type Response = Value;

    fn to_params(&self) -> Params<'_> {
        Params::new()
    }

    fn to_path_params(&self) -> Params<'_> {
        let mut params = Params::new();
        params.put("ClusterId", Style::Plain, &self.cluster_id);
        params
    }

    fn to_json_body(&self) -> Option<Value> {
        let mut body = acs_runtime::wire::JsonObject::new();
        body.put("cluster_name", &self.cluster_name);
        Some(body.finish())
    }
}

static CS: acs_runtime::ServiceInfo = acs_runtime::ServiceInfo::new("CS", "2015-12-15", acs_runtime::ApiStyle::Roa, &[]);

#[tokio::test]
async fn the_emulator_serves_roa_operations_by_path_in_both_signatures() {
    let Some(shared) = acs_tests::shared_dir("emulator") else { return };
    let spec = std::fs::read_to_string(shared.join("meta/cs/2015-12-15/api-docs.json")).unwrap();
    let emulator = acs_emulator::Emulator::new(&spec, "cs", emu::state(1), None).unwrap();
    let running = emulator.start("127.0.0.1:0").await.unwrap();
    let client = |version, secret: &str| {
        acs_runtime::Client::new(
            &CS,
            Config::new()
                .endpoint(&running.url)
                .signature_version(version)
                .credentials(Credentials::new("testid", secret))
                .retry(RetryPolicy::none()),
        )
        .unwrap()
    };
    // V3 over the encoded path, and the legacy `acs id:signature` (SignatureVersion::Rpc for ROA).
    for version in VERSIONS {
        let request = || ModifyCluster { cluster_id: "c-测试 a/b?c#d%e+f~g*h".into(), cluster_name: Some("生产 \"q\" 😀".into()) };
        let sent = client(version, "testsecret").signed_request(request()).await.unwrap();
        assert!(sent.url.ends_with("/api/v2/clusters/c-%E6%B5%8B%E8%AF%95%20a%2Fb%3Fc%23d%25e%2Bf~g%2Ah"), "{}", sent.url);
        assert_eq!(String::from_utf8(sent.body).unwrap(), r#"{"cluster_name":"生产 \"q\" 😀"}"#);
        let body = client(version, "testsecret").call(request(), &Default::default()).await.unwrap();
        assert!(body["request_id"].is_string() || body["RequestId"].is_string(), "{body}");
        let err = client(version, "wrong").call(request(), &Default::default()).await.unwrap_err();
        assert_eq!(err.code(), Some("SignatureDoesNotMatch"), "{err}");
    }
    let recent = emulator.state()["recent_errors"].as_array().unwrap().len();
    assert_eq!(recent, 2, "one refusal per signature version");
}

#[tokio::test]
async fn paginators_read_every_page_of_the_emulators_servers_and_stop_at_the_last() {
    use acs_swas_open::list_instances::ListInstancesRequest;
    use futures_util::TryStreamExt;
    // 23 servers in cn-hangzhou, and i-bj in cn-beijing, which must never appear.
    let (emulator, running) = emu::start(emu::state(23), None).await;
    let requests = || emulator.state()["requests"].as_u64().unwrap();
    for version in VERSIONS {
        let client = client(&running.url, version);
        let before = requests();
        let pages: Vec<_> = client.list_instances_pages(ListInstancesRequest::new("cn-hangzhou").page_size(5)).try_collect().await.unwrap();
        let shape: Vec<(Option<i32>, usize)> = pages.iter().map(|p| (p.page_number, p.instances.len())).collect();
        assert_eq!(shape, [(Some(1), 5), (Some(2), 5), (Some(3), 5), (Some(4), 5), (Some(5), 3)], "the caller's page size on every page");
        assert_eq!(requests() - before, 5, "no request after the last page");

        let ids: Vec<String> = client
            .list_instances_items(ListInstancesRequest::new("cn-hangzhou"))
            .map_ok(|i| i.instance_id.unwrap())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids, (1..=23).map(|i| format!("i-{i}")).collect::<Vec<_>>(), "the service's default page size (10): three pages");

        let rest: Vec<_> =
            client.list_instances_pages(ListInstancesRequest::new("cn-hangzhou").page_number(3)).try_collect().await.unwrap();
        assert_eq!(rest.iter().map(|p| p.instances.len()).collect::<Vec<_>>(), [3], "from the request's own page on");

        let err =
            client.list_instances_pages(ListInstancesRequest::new("cn-hangzhou").page_size(500)).try_collect::<Vec<_>>().await.unwrap_err();
        assert!(matches!(err.kind(), Error::Validation(_)), "{err:?}");
    }
}

#[tokio::test]
async fn the_cli_prints_pretty_or_compact_json_as_asked() {
    let (_emulator, running) = emu::start(emu::state(1), None).await;
    let args = |output: Option<&'static str>| {
        let mut a = vec!["--endpoint", running.url.as_str()];
        if let Some(o) = output {
            a.extend(["--output", o]);
        }
        a.extend(["attach-key-pair", "--region-id", "cn-hangzhou", "--key-pair-name", "test", "--instance-ids", "i-1"]);
        a
    };
    let keys = env_keys("testid", "testsecret", None);
    let (code, pretty, err) = swas_open(&args(Some("pretty")), keys.clone()).await;
    assert_eq!(code, 0, "{err}");
    assert!(pretty.starts_with("{\n  \"") && pretty.lines().count() > 5, "{pretty}");
    let (_, compact, _) = swas_open(&args(Some("compact")), keys.clone()).await;
    assert_eq!(compact.lines().count(), 1, "{compact}");
    // The test's stdout is not a terminal: auto is compact.
    let (_, auto, _) = swas_open(&args(None), keys).await;
    assert_eq!(auto.lines().count(), 1, "{auto}");
    let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let (p, c): (Value, Value) = (serde_json::from_str(&pretty).unwrap(), serde_json::from_str(&compact).unwrap());
    assert_eq!(p["Results"], c["Results"]);
    assert_eq!(strip(&pretty).len(), strip(&compact).len());
}
