//! The generated client: exact signed requests under a fixed clock and nonce (compared with the
//! official SDK vectors v3-02 and rpc-05), and every path against a local HTTP endpoint that
//! verifies signatures: success, STS, per-instance failure, service errors, undecodable bodies,
//! retries (5xx, throttling with x-acs-retry-after, timeouts, refused connections), validation,
//! endpoint and credential errors.
//!
//! Longer than 500 lines on purpose: each test is one behaviour of the client against a local
//! signature-checking server, and they share its setup; splitting them would scatter it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, UNIX_EPOCH};

use acs_runtime::credentials::Environment;
use acs_runtime::transport::{BoxFuture, HttpResponse, TransportError};
use acs_runtime::Error;
use acs_runtime::{HttpRequest, Transport, TransportErrorKind};
use acs_swas_open::attach_key_pair::AttachKeyPairRequest;
use acs_swas_open::{CallOptions, Client, Config, Credentials, ErrorCode, RetryPolicy, SignatureVersion, Timeouts};
use acs_tests::server::{Answer, Server};
use acs_tests::shared_dir;
use serde_json::Value;

const NONCE: &str = "c6ab0a8e0f2d4a5b9e7f1a2b3c4d5e6f";

/// The vector requests: the documented call with two instances.
fn vector_request() -> AttachKeyPairRequest {
    AttachKeyPairRequest::new("cn-hangzhou", ["2ad1ae67295445f598017499dc1", "i-abc"], "test")
        .client_token("123e4567-e89b-12d3-a456-426655440000")
}

fn fixed(config: Config) -> Config {
    config
        .credentials(Credentials::new("testid", "testsecret"))
        .environment(Environment::new(Vec::<(String, String)>::new(), None))
        .clock(Arc::new(|| UNIX_EPOCH + Duration::from_secs(1_704_164_645)))
        .nonce_source(Arc::new(|| NONCE.to_owned()))
}

fn vector(file: &str, id_prefix: &str) -> Option<Value> {
    let shared = shared_dir("client vectors")?;
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(shared.join("vectors").join(file)).unwrap()).unwrap();
    doc["vectors"].as_array().unwrap().iter().find(|v| v["id"].as_str().unwrap().starts_with(id_prefix)).cloned()
}

/// A transport that records what it is given and answers the documented success body.
#[derive(Default)]
struct Recorder(Mutex<Vec<HttpRequest>>);

impl Transport for Recorder {
    fn send(&self, request: HttpRequest, _: Timeouts) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        self.0.lock().unwrap().push(request);
        Box::pin(async { Ok(HttpResponse { status: 200, headers: vec![], body: acs_tests::server::SUCCESS.as_bytes().to_vec() }) })
    }
}

#[tokio::test]
async fn v3_signed_request_is_exactly_vector_v3_02() {
    let recorder = Arc::new(Recorder::default());
    let client = Client::new(fixed(Config::new()).transport(recorder.clone())).unwrap();
    client.attach_key_pair(vector_request()).await.unwrap();
    let sent = recorder.0.lock().unwrap().pop().unwrap();
    assert_eq!(sent, client.signed_request(vector_request()).await.unwrap(), "dry run and send build the same request");
    assert_eq!(sent.method.as_str(), "POST");
    assert_eq!(sent.url, "https://swas.cn-hangzhou.aliyuncs.com/?ClientToken=123e4567-e89b-12d3-a456-426655440000&InstanceIds.1=2ad1ae67295445f598017499dc1&InstanceIds.2=i-abc&KeyPairName=test&RegionId=cn-hangzhou");
    let expected_auth = "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=247a4bd05e97dbdd7936ff078607b8b7b11acf493f8ea972c39b75b7ba97f5b7";
    let headers: Vec<(&str, &str)> = sent.headers.iter().map(|(n, v)| (n.as_ref(), v.as_ref())).collect();
    assert_eq!(
        headers,
        [
            ("host", "swas.cn-hangzhou.aliyuncs.com"),
            ("x-acs-action", "AttachKeyPair"),
            ("x-acs-version", "2020-06-01"),
            ("x-acs-date", "2024-01-02T03:04:05Z"),
            ("x-acs-signature-nonce", NONCE),
            ("x-acs-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("authorization", expected_auth),
            ("user-agent", "acs-rust/0.1.0"),
            ("accept", "application/json"),
        ]
    );
    assert!(sent.body.is_empty());
    if let Some(v) = vector("v3.json", "v3-02") {
        assert_eq!(expected_auth, v["expected"]["authorization"].as_str().unwrap(), "the official SDK's value");
    }
}

#[tokio::test]
async fn rpc_signed_request_is_exactly_vector_rpc_05() {
    let client = Client::new(fixed(Config::new()).signature_version(SignatureVersion::Rpc)).unwrap();
    let sent = client.signed_request(vector_request()).await.unwrap();
    assert_eq!(sent.method.as_str(), "POST");
    assert_eq!(
        sent.url,
        "https://swas.cn-hangzhou.aliyuncs.com/?Action=AttachKeyPair&Format=json&Version=2020-06-01&Timestamp=2024-01-02T03%3A04%3A05Z&SignatureNonce=c6ab0a8e0f2d4a5b9e7f1a2b3c4d5e6f&RegionId=cn-hangzhou&ClientToken=123e4567-e89b-12d3-a456-426655440000&InstanceIds.1=2ad1ae67295445f598017499dc1&InstanceIds.2=i-abc&KeyPairName=test&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&AccessKeyId=testid&Signature=tsw70dULnR4WeZ%2BLEB6%2BAQHJTkk%3D"
    );
    let names: Vec<&str> = sent.headers.iter().map(|(n, _)| n.as_ref()).collect();
    assert_eq!(names, ["host", "x-acs-action", "x-acs-version", "user-agent", "accept"]);
    assert!(sent.header("authorization").is_none());
    if let Some(v) = vector("rpc_v1.json", "rpc-05") {
        let expected = v["expected"]["signature_query_param_as_sent"].as_str().unwrap();
        assert!(sent.url.ends_with(&format!("&{expected}")), "the official SDK's value {expected}");
        let wire: Vec<(String, String)> = v["inputs"]["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_str().unwrap().to_owned()))
            .collect();
        let mut ours: Vec<(String, String)> = sent
            .url
            .split_once('?')
            .unwrap()
            .1
            .split('&')
            .filter(|p| !p.starts_with("Signature="))
            .map(|p| {
                let (n, v) = p.split_once('=').unwrap();
                (n.to_owned(), percent_encoding::percent_decode_str(v).decode_utf8().unwrap().into_owned())
            })
            .collect();
        let mut theirs = wire;
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "the same signed parameters as the official SDK");
    }
}

#[tokio::test]
async fn sts_tokens_are_sent_and_signed_in_both_versions() {
    let server = Server::start(vec![]).await;
    for version in [SignatureVersion::V3, SignatureVersion::Rpc] {
        let client = Client::new(
            Config::new()
                .endpoint(&server.url)
                .signature_version(version)
                .credentials(Credentials::new("STS.tmp", "stssecret").with_security_token("tok+en/with=chars")),
        )
        .unwrap();
        client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap();
    }
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.signature.is_ok()), "{seen:?}");
    assert_eq!(seen[0].header("x-acs-security-token"), Some("tok+en/with=chars"));
    assert!(seen[0].header("authorization").unwrap().contains("x-acs-security-token"), "the token header is signed");
    assert_eq!(seen[1].param("SecurityToken"), Some("tok+en/with=chars"));
}

fn client_for(server: &Server, version: SignatureVersion) -> Client {
    Client::new(
        Config::new()
            .endpoint(&server.url)
            .signature_version(version)
            .credentials(Credentials::new("testid", "testsecret"))
            .retry(RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(50) })
            .timeouts(Timeouts { connect: Duration::from_secs(2), read: Duration::from_millis(500) }),
    )
    .unwrap()
}

#[tokio::test]
async fn success_over_real_http_in_both_versions() {
    let server = Server::start(vec![]).await;
    for version in [SignatureVersion::V3, SignatureVersion::Rpc] {
        let response =
            client_for(&server, version).attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1", "i-2"], "kp")).await.unwrap();
        assert_eq!(response.request_id.as_deref(), Some("30637AD6-D977-4833-A54C-CC89483E****"));
    }
    let seen = server.seen();
    assert_eq!(seen.iter().map(|s| s.signature.clone()).collect::<Vec<_>>(), [Ok("v3"), Ok("rpc")]);
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!((s.param("InstanceIds.1"), s.param("InstanceIds.2"), s.param("KeyPairName")), (Some("i-1"), Some("i-2"), Some("kp")));
        let token = s.param("ClientToken").expect("the client fills an unset ClientToken");
        assert_eq!(token.len(), 36);
        assert_eq!(s.header("host"), Some(server.url.trim_start_matches("http://")));
    }
    assert_ne!(seen[0].param("ClientToken"), seen[1].param("ClientToken"), "a fresh token per call");
}

#[tokio::test]
async fn per_instance_failure_in_a_200() {
    let server = Server::start(vec![Answer::json(200, r#"{"RequestId":"R2","TotalCount":2,"FailCount":1,"Results":[{"Code":"200","Message":"success","Success":"true","InstanceId":"i-1"},{"Code":"InvalidInstanceId.NotFound","Message":"no such server","Success":"false","InstanceId":"i-2"}]}"#)]).await;
    let response = client_for(&server, SignatureVersion::V3)
        .attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1", "i-2"], "kp"))
        .await
        .unwrap();
    assert_eq!(response.fail_count, Some(1));
    let failed: Vec<_> = response.failed_results().map(|r| r.instance_id.clone().unwrap()).collect();
    assert_eq!(failed, ["i-2"]);
}

#[tokio::test]
async fn documented_404_is_a_typed_service_error() {
    let server = Server::start(vec![Answer::error(404, "InvalidInstanceId.NotFound", "The specified Instance Id does not exist.")]).await;
    let err = client_for(&server, SignatureVersion::V3)
        .attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-x"], "kp"))
        .await
        .unwrap_err();
    let service = err.service_error().expect("a service error");
    assert_eq!(err.code(), Some(ErrorCode::InvalidInstanceIdNotFound));
    assert_eq!((service.status, service.host_id.as_deref()), (404, Some("swas.cn-hangzhou.aliyuncs.com")));
    assert_eq!(service.recommend.as_deref(), Some("https://api.aliyun.com/troubleshoot?q=InvalidInstanceId.NotFound"));
    assert_eq!(err.to_string(), "AttachKeyPair: InvalidInstanceId.NotFound (HTTP 404): The specified Instance Id does not exist. [request id REQ-InvalidInstanceId.NotFound]");
    assert_eq!(server.seen().len(), 1, "a 404 is not retried");
}

#[tokio::test]
async fn wrong_secret_is_signature_does_not_match() {
    let server = Server::start(vec![]).await;
    let client = Client::new(Config::new().endpoint(&server.url).credentials(Credentials::new("testid", "not-the-secret"))).unwrap();
    let err = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap_err();
    assert_eq!(err.kind().code(), Some("SignatureDoesNotMatch"));
    assert!(!err.to_string().contains("not-the-secret"));
}

#[tokio::test]
async fn html_502_from_a_proxy_is_a_decode_error_with_status_and_snippet() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let answers = vec![Answer::json(502, html), Answer::json(502, html), Answer::json(502, html)];
    let server = Server::start(answers).await;
    let err = client_for(&server, SignatureVersion::V3)
        .attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp"))
        .await
        .unwrap_err();
    match err.kind() {
        Error::Decode { status, snippet, .. } => assert_eq!((*status, snippet.as_str()), (502, html)),
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(server.seen().len(), 3, "a 5xx is retried up to the attempt limit");
}

#[tokio::test]
async fn an_empty_200_is_no_content_and_a_non_json_200_is_a_decode_error() {
    let server = Server::start(vec![Answer::json(200, ""), Answer::json(200, "not json")]).await;
    let client = client_for(&server, SignatureVersion::V3);
    let empty = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap();
    assert_eq!((empty.request_id, empty.results.len()), (None, 0));
    let err = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap_err();
    assert!(matches!(err.kind(), Error::Decode { status: 200, snippet, .. } if snippet == "not json"), "{err:?}");
    assert!(err.to_string().contains("cannot decode the HTTP 200 response"), "{err}");
}

#[tokio::test]
async fn server_errors_are_retried_with_a_fresh_signature_and_the_same_token() {
    let server = Server::start(vec![Answer::error(503, "ServiceUnavailable", "busy"), Answer::error(500, "InternalError", "oops")]).await;
    client_for(&server, SignatureVersion::V3).attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    let nonces: std::collections::BTreeSet<_> = seen.iter().map(|s| s.header("x-acs-signature-nonce").unwrap().to_owned()).collect();
    assert_eq!(nonces.len(), 3, "each attempt is signed anew");
    let tokens: std::collections::BTreeSet<_> = seen.iter().map(|s| s.param("ClientToken").unwrap().to_owned()).collect();
    assert_eq!(tokens.len(), 1, "one ClientToken for all attempts");
    assert!(seen.iter().all(|s| s.signature.is_ok()));
}

#[tokio::test]
async fn throttling_honours_retry_after() {
    let server = Server::start(vec![Answer::error(400, "Throttling.User", "slow down").header("x-acs-retry-after", "300")]).await;
    let client =
        Client::new(Config::new().endpoint(&server.url).credentials(Credentials::new("testid", "testsecret")).retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_secs(5),
        }))
        .unwrap();
    let start = Instant::now();
    client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(300), "waited {:?}", start.elapsed());
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn throttling_that_never_ends_surfaces_after_the_attempts() {
    let answers = (0..3).map(|_| Answer::error(429, "Throttling", "slow down")).collect();
    let server = Server::start(answers).await;
    let err = client_for(&server, SignatureVersion::Rpc)
        .attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp"))
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), Error::Service { attempts: 3, .. }), "{err:?}");
    assert_eq!(err.kind().code(), Some("Throttling"));
}

#[tokio::test]
async fn a_timeout_is_retried_when_the_client_token_makes_it_safe() {
    let server = Server::start(vec![Answer::json(200, acs_tests::server::SUCCESS).after(Duration::from_secs(2))]).await;
    let response = client_for(&server, SignatureVersion::V3)
        .attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp").client_token("my-token"))
        .await
        .unwrap();
    assert!(response.request_id.is_some());
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.param("ClientToken") == Some("my-token")), "the caller's token is kept on retries");
}

#[tokio::test]
async fn per_call_timeouts_override_the_clients() {
    let server = Server::start(vec![Answer::json(200, acs_tests::server::SUCCESS).after(Duration::from_millis(300))]).await;
    let client = client_for(&server, SignatureVersion::V3);
    let options = CallOptions {
        deadline: None,
        timeouts: Some(Timeouts { connect: Duration::from_secs(1), read: Duration::from_millis(100) }),
        retry: Some(RetryPolicy::none()),
        ..CallOptions::default()
    };
    let err = client.call(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp"), &options).await.unwrap_err();
    assert!(matches!(err.kind(), Error::Transport { kind: TransportErrorKind::Timeout, attempts: 1, .. }), "{err:?}");
}

#[tokio::test]
async fn refused_connections_are_retried_then_reported() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = Client::new(
        Config::new()
            .endpoint(format!("http://127.0.0.1:{port}"))
            .credentials(Credentials::new("testid", "testsecret"))
            .retry(RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(1), max_delay: Duration::from_millis(5) }),
    )
    .unwrap();
    let err = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap_err();
    assert!(matches!(err.kind(), Error::Transport { kind: TransportErrorKind::Connect, attempts: 3, .. }), "{err:?}");
    assert!(err.to_string().starts_with("AttachKeyPair: connection error after 3 attempt(s):"), "{err}");
}

#[tokio::test]
async fn transport_errors_never_show_the_sts_token_from_an_rpc_url() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = Client::new(
        Config::new()
            .endpoint(format!("http://127.0.0.1:{port}"))
            .signature_version(SignatureVersion::Rpc)
            .credentials(Credentials::new("STS.tmp", "stssecret").with_security_token("secret-sts-token"))
            .retry(RetryPolicy::none()),
    )
    .unwrap();
    let err = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap_err();
    assert!(matches!(err.kind(), Error::Transport { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("secret-sts-token") && !shown.contains("SecurityToken"), "{shown}");
}

#[tokio::test]
async fn invalid_requests_are_not_sent_unless_validation_is_off() {
    let server = Server::start(vec![]).await;
    let bad = || AttachKeyPairRequest::new("cn-hangzhou", (0..51).map(|i| format!("i-{i}")), "kp");
    let err = client_for(&server, SignatureVersion::V3).attach_key_pair(bad()).await.unwrap_err();
    assert!(matches!(err.kind(), Error::Validation(v) if v.violations.len() == 1), "{err:?}");
    assert!(server.seen().is_empty(), "nothing was sent");
    let relaxed =
        Client::new(Config::new().endpoint(&server.url).credentials(Credentials::new("testid", "testsecret")).without_validation())
            .unwrap();
    relaxed.attach_key_pair(bad()).await.unwrap();
    assert_eq!(server.seen()[0].param("InstanceIds.51"), Some("i-50"));
}

#[tokio::test]
async fn endpoints_come_from_the_region_the_rule_and_the_network() {
    let client = Client::new(fixed(Config::new())).unwrap();
    let sent = client.signed_request(AttachKeyPairRequest::new("eu-central-1", ["i-1"], "kp")).await.unwrap();
    assert!(sent.url.starts_with("https://swas.eu-central-1.aliyuncs.com/?"));
    let by_config = Client::new(fixed(Config::new()).region("us-west-1"))
        .unwrap()
        .signed_request(AttachKeyPairRequest::new("eu-central-1", ["i-1"], "kp"))
        .await
        .unwrap();
    assert!(by_config.url.starts_with("https://swas.us-west-1.aliyuncs.com/?"));
    // A region the metadata lacks: the product's rule, inferred from its list.
    let unlisted = client.signed_request(AttachKeyPairRequest::new("mars-north-1", ["i-1"], "kp")).await.unwrap();
    assert!(unlisted.url.starts_with("https://swas.mars-north-1.aliyuncs.com/?"), "{}", unlisted.url);
    let vpc = Client::new(fixed(Config::new()).network("vpc")).unwrap();
    for region in ["cn-hangzhou", "mars-north-1"] {
        let sent = vpc.signed_request(AttachKeyPairRequest::new(region, ["i-1"], "kp")).await.unwrap();
        assert!(sent.url.starts_with(&format!("https://swas-vpc.{region}.aliyuncs.com/?")), "{}", sent.url);
    }
    // A region no host can carry is refused before anything is signed.
    let err = client.signed_request(AttachKeyPairRequest::new("cn-hangzhou.evil.com", ["i-1"], "kp")).await.unwrap_err();
    assert!(err.to_string().starts_with("endpoint: region \"cn-hangzhou.evil.com\" is not a region id"), "{err}");
}

#[test]
fn missing_credentials_fail_when_the_client_is_built() {
    // With no provider configured at all (not even the instance role), there is nothing to try
    // at the first call: the client cannot be built.
    let home = tempfile::tempdir().unwrap();
    let env = Environment::new([("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")], Some(home.path().into()));
    let err = Client::new(Config::new().environment(env)).unwrap_err();
    assert!(matches!(err.kind(), Error::Credentials(_)));
    assert!(err.to_string().starts_with("credentials: no credentials found; tried: environment"), "{err}");
}

#[test]
fn client_debug_never_shows_secrets() {
    let client =
        Client::new(fixed(Config::new()).credentials(Credentials::new("testid", "super-secret").with_security_token("sts-secret")))
            .unwrap();
    let shown = format!("{client:?}");
    assert!(shown.contains("testid"));
    assert!(!shown.contains("super-secret") && !shown.contains("sts-secret"), "{shown}");
}

/// A span's name and the `(field, value)` pairs recorded on it.
type RecordedSpan = (String, Vec<(String, String)>);

/// Records span names and the fields recorded on them.
#[derive(Default)]
struct SpanRecorder(Mutex<Vec<RecordedSpan>>);

struct FieldVisitor<'a>(&'a mut Vec<(String, String)>);

impl tracing::field::Visit for FieldVisitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}").trim_matches('"').to_owned()));
    }
}

impl tracing::Subscriber for SpanRecorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut spans = self.0.lock().unwrap();
        let mut fields = Vec::new();
        attrs.record(&mut FieldVisitor(&mut fields));
        spans.push((attrs.metadata().name().to_owned(), fields));
        tracing::span::Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut spans = self.0.lock().unwrap();
        values.record(&mut FieldVisitor(&mut spans[span.into_u64() as usize - 1].1));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn each_call_has_a_span_with_operation_attempts_and_request_id() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let server = runtime.block_on(Server::start(vec![Answer::error(503, "ServiceUnavailable", "busy")]));
    let recorder = Arc::new(SpanRecorder::default());
    tracing::subscriber::with_default(recorder.clone(), || {
        runtime
            .block_on(client_for(&server, SignatureVersion::V3).attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")))
            .unwrap();
    });
    let spans = recorder.0.lock().unwrap();
    let call = spans.iter().find(|(name, _)| name == "acs.call").expect("an acs.call span");
    let field = |name: &str| call.1.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    assert_eq!(field("operation"), Some("AttachKeyPair"));
    assert_eq!(field("attempts"), Some("2"));
    assert_eq!(field("request_id"), Some("30637AD6-D977-4833-A54C-CC89483E****"));
    let attempts: Vec<_> = spans.iter().filter(|(name, _)| name == "acs.attempt").map(|(_, f)| f[0].1.clone()).collect();
    assert_eq!(attempts, ["1", "2"]);
}

/// Counts the attempts it sees.
#[derive(Default)]
struct CountAttempts(std::sync::atomic::AtomicU32);

impl acs_runtime::Interceptor for CountAttempts {
    fn read_after_attempt(
        &self,
        _: &acs_runtime::AttemptInfo<'_>,
        _: Result<&acs_runtime::HttpResponse, &acs_runtime::transport::TransportError>,
    ) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn interceptors_keep_the_calls_spans() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let server = runtime.block_on(Server::start(vec![Answer::error(503, "ServiceUnavailable", "busy")]));
    let recorder = Arc::new(SpanRecorder::default());
    let counter = Arc::new(CountAttempts::default());
    let config = Config::new().endpoint(&server.url).credentials(Credentials::new("testid", "testsecret")).interceptor(counter.clone());
    tracing::subscriber::with_default(recorder.clone(), || {
        runtime.block_on(Client::new(config).unwrap().attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp"))).unwrap();
    });
    assert_eq!(counter.0.load(std::sync::atomic::Ordering::SeqCst), 2);
    let spans = recorder.0.lock().unwrap();
    assert_eq!(spans.iter().filter(|(name, _)| name == "acs.call").count(), 1);
    assert_eq!(spans.iter().filter(|(name, _)| name == "acs.attempt").count(), 2);
}

#[tokio::test]
async fn https_only_operations_refuse_plain_http_to_another_machine() {
    let request = || AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp");
    let config = || Config::new().credentials(Credentials::new("testid", "testsecret"));
    // AttachKeyPair is HTTPS-only in its spec: refused before anything is sent.
    let err = Client::new(config().endpoint("http://192.0.2.10:8080")).unwrap().signed_request(request()).await.unwrap_err();
    assert!(matches!(err.kind(), Error::Endpoint(acs_runtime::endpoint::EndpointError::HttpsOnly { .. })), "{err:?}");
    assert_eq!(
        err.to_string(),
        "endpoint: AttachKeyPair allows only HTTPS, and http://192.0.2.10:8080 is plain HTTP to another machine; use https://, or Config::allow_insecure_http to override"
    );
    // Loopback (the emulator) and the documented opt-in are allowed.
    let local = Client::new(config().endpoint("http://127.0.0.1:8080")).unwrap().signed_request(request()).await.unwrap();
    assert!(local.url.starts_with("http://127.0.0.1:8080/?"));
    let opted_in =
        Client::new(config().endpoint("http://192.0.2.10:8080").allow_insecure_http()).unwrap().signed_request(request()).await.unwrap();
    assert!(opted_in.url.starts_with("http://192.0.2.10:8080/?"));
}

/// A provider of our own: hands out the two known keys in turn, counting the calls.
#[derive(Debug, Default)]
struct Rotating {
    calls: std::sync::atomic::AtomicUsize,
}

impl acs_runtime::credentials::ProvideCredentials for Rotating {
    fn provide(&self) -> acs_runtime::credentials::ProvideFuture<'_> {
        let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let credentials = if n % 2 == 0 {
            Credentials::new("testid", "testsecret")
        } else {
            Credentials::new("STS.tmp", "stssecret").with_security_token("tok+en/with=chars")
        };
        Box::pin(std::future::ready(Ok(credentials)))
    }
}

#[tokio::test]
async fn a_credentials_provider_is_asked_before_every_attempt() {
    let server = Server::start(vec![Answer::error(503, "ServiceUnavailable", "busy")]).await;
    let provider = std::sync::Arc::new(Rotating::default());
    let client = Client::new(Config::new().endpoint(&server.url).credentials_provider(provider.clone()).retry(RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    }))
    .unwrap();
    client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.signature.is_ok()), "each attempt verifies with the key it was signed with");
    let keys: Vec<bool> = seen.iter().map(|s| s.header("authorization").unwrap().contains("Credential=STS.tmp,")).collect();
    assert_eq!(keys, [false, true], "the retry used the provider's fresh credentials");
    assert_eq!(seen[1].header("x-acs-security-token"), Some("tok+en/with=chars"));
    assert_eq!(provider.calls.load(std::sync::atomic::Ordering::SeqCst), 2);
}

/// A token-paged list operation, written out as the generator writes one.
#[derive(Debug, Clone)]
struct ListThings {
    next_token: Option<String>,
    max_results: Option<i32>,
}

#[derive(Debug, Default)]
struct ListThingsResponse {
    things: Vec<String>,
    next_token: Option<String>,
}

impl acs_runtime::json::FromJson for ListThingsResponse {
    fn from_json(r: &mut acs_runtime::json::Reader<'_>) -> acs_runtime::json::Result<Self> {
        let mut out = Self::default();
        r.begin_object()?;
        while let Some(key) = r.key()? {
            match key {
                "Things" => out.things = r.read()?,
                "NextToken" => out.next_token = r.read()?,
                _ => r.skip()?,
            }
        }
        Ok(out)
    }
}

impl acs_runtime::__private::Validate for ListThings {
    fn validate_into(&self, _v: &mut acs_runtime::__private::Validator) {}
}

impl acs_runtime::Operation for ListThings {
    const ACTION: &'static str = "ListThings";
    const METHOD: acs_runtime::HttpMethod = acs_runtime::HttpMethod::Get;
    const HTTPS_ONLY: bool = false;
    const IDEMPOTENCY_TOKEN: Option<&'static str> = None;
    type Response = ListThingsResponse;

    fn to_params(&self) -> acs_runtime::Params<'_> {
        let mut params = acs_runtime::Params::new();
        params.put_str("RegionId", "cn-hangzhou");
        params.put("NextToken", acs_runtime::__private::Style::Plain, &self.next_token);
        params.put("MaxResults", acs_runtime::__private::Style::Plain, &self.max_results);
        params
    }
}

impl acs_runtime::Paginated for ListThings {
    type Item = String;

    fn cursor(&self) -> acs_runtime::Cursor {
        acs_runtime::Cursor::Token(self.next_token.clone())
    }

    fn page_size(&self) -> Option<i64> {
        self.max_results.map(i64::from)
    }

    fn set_cursor(&mut self, cursor: &acs_runtime::Cursor) {
        if let acs_runtime::Cursor::Token(token) = cursor {
            self.next_token = token.clone();
        }
    }

    fn page_info(response: &Self::Response) -> acs_runtime::PageInfo {
        acs_runtime::PageInfo::new(response.things.len(), None, response.next_token.clone())
    }

    fn into_items(response: Self::Response) -> Vec<String> {
        response.things
    }
}

#[tokio::test]
async fn token_paging_follows_tokens_keeps_the_page_size_and_refuses_a_repeated_token() {
    use futures_util::StreamExt;
    let page = |things: &str, token: Option<&str>| {
        let token = token.map_or(String::new(), |t| format!(r#","NextToken":"{t}""#));
        Answer::json(200, &format!(r#"{{"RequestId":"R","Things":[{things}]{token}}}"#))
    };
    let server = Server::start(vec![page(r#""a","b""#, Some("t1")), page(r#""c","d""#, Some("t2")), page(r#""e""#, None)]).await;
    let client = acs_runtime::Client::new(&acs_swas_open::SERVICE, fixed(Config::new().endpoint(&server.url))).unwrap();
    let items: Vec<Result<String, Error>> =
        client.items(ListThings { next_token: None, max_results: Some(2) }, CallOptions::default()).collect().await;
    assert_eq!(items.into_iter().map(Result::unwrap).collect::<Vec<_>>(), ["a", "b", "c", "d", "e"]);
    let seen = server.seen();
    assert_eq!(seen.iter().map(|s| s.param("NextToken")).collect::<Vec<_>>(), [None, Some("t1"), Some("t2")]);
    assert!(seen.iter().all(|s| s.param("MaxResults") == Some("2")), "the caller's page size on every page");

    // A server that sends a token it sent before: the page comes, then an error, then the end.
    let server = Server::start(vec![page(r#""a""#, Some("t1")), page(r#""b""#, Some("t2")), page(r#""c""#, Some("t1"))]).await;
    let client = acs_runtime::Client::new(&acs_swas_open::SERVICE, fixed(Config::new().endpoint(&server.url))).unwrap();
    let pages: Vec<Result<ListThingsResponse, Error>> =
        client.pages(ListThings { next_token: None, max_results: None }, CallOptions::default()).collect().await;
    assert_eq!(pages.len(), 4);
    assert_eq!(pages[2].as_ref().unwrap().things, ["c"]);
    let err = pages[3].as_ref().unwrap_err();
    assert_eq!(err.to_string(), "ListThings: the service repeated the page token \"t1\"; stopped instead of looping");
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn a_deadline_bounds_the_whole_call_across_retries() {
    // Each answer comes after 2 s; each attempt would wait for it (read timeout 10 s), and a
    // ClientToken makes retrying safe: without a deadline the call would take over 4 s.
    let slow = || Answer::json(200, acs_tests::server::SUCCESS).after(Duration::from_secs(2));
    let server = Server::start(vec![slow(), slow(), slow()]).await;
    let retry = RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(1), max_delay: Duration::from_millis(5) };
    let client = Client::new(fixed(Config::new().endpoint(&server.url)).retry(retry).deadline(Duration::from_millis(700))).unwrap();
    let start = Instant::now();
    let err = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp").client_token("t")).await.unwrap_err();
    assert!(start.elapsed() < Duration::from_millis(1500), "took {:?}", start.elapsed());
    assert!(matches!(err.kind(), Error::Transport { kind: TransportErrorKind::Timeout, attempts: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("deadline of 700ms"), "{err}");
    // Per call, too.
    let options = CallOptions { deadline: Some(Duration::from_millis(300)), ..CallOptions::default() };
    let start = Instant::now();
    let unlimited = Client::new(fixed(Config::new().endpoint(&server.url)).retry(retry)).unwrap();
    let err = unlimited.call(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp"), &options).await.unwrap_err();
    assert!(
        start.elapsed() < Duration::from_millis(1000) && err.to_string().contains("deadline of 300ms"),
        "{err} after {:?}",
        start.elapsed()
    );
}

/// Credentials that never come: a credentials endpoint that trickles, or hangs.
#[derive(Debug)]
struct Never;

impl acs_runtime::credentials::ProvideCredentials for Never {
    fn provide(&self) -> acs_runtime::credentials::ProvideFuture<'_> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn every_call_is_bounded_by_default_credentials_and_dry_run_included() {
    assert_eq!(acs_runtime::DEFAULT_DEADLINE, Duration::from_secs(60));
    assert!(format!("{:?}", Config::new()).contains("deadline: Some(60s)"), "{:?}", Config::new());
    let never = || Config::new().endpoint("http://127.0.0.1:9").credentials_provider(Arc::new(Never)).deadline(Duration::from_millis(300));
    let client = Client::new(never()).unwrap();
    let start = Instant::now();
    let err = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(2) && err.to_string().contains("deadline of 300ms"), "{err}");
    // The signed request of --dry-run fetches credentials within the deadline too.
    let start = Instant::now();
    let err = client.signed_request(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(2) && err.to_string().contains("no credentials within the call's deadline of 300ms"),
        "{err}"
    );
}

#[tokio::test]
async fn a_response_over_the_size_limit_is_refused_and_not_retried() {
    let big = format!(r#"{{"RequestId":"R","Padding":"{}"}}"#, "x".repeat(200_000));
    let server = Server::start(vec![Answer::json(200, &big), Answer::json(200, &big)]).await;
    let client = Client::new(fixed(Config::new().endpoint(&server.url)).max_response_bytes(100_000)).unwrap();
    let err = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap_err();
    assert!(matches!(err.kind(), Error::Transport { kind: TransportErrorKind::TooLarge, attempts: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("larger than the limit of 100000 bytes"), "{err}");
    assert_eq!(server.seen().len(), 1, "not retried, though a ClientToken would make it safe");
    let roomy = Client::new(fixed(Config::new().endpoint(&server.url))).unwrap();
    roomy.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap();
}

#[test]
fn the_blocking_client_works_without_a_runtime_and_refuses_inside_one() {
    use acs_swas_open::attach_key_pair::AttachKeyPairRequest;
    let server_runtime = tokio::runtime::Runtime::new().unwrap();
    let (_emulator, running) = server_runtime.block_on(acs_tests::emu::start(acs_tests::emu::state(2), None));
    let config = || Config::new().endpoint(&running.url).credentials(Credentials::new("testid", "testsecret"));

    // A plain thread, no runtime: it just works.
    let client = acs_swas_open::client::blocking::Client::new(config()).unwrap();
    let response = client.call(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).unwrap();
    assert_eq!(response.results[0].instance_id.as_deref(), Some("i-1"));
    let err = client.call(AttachKeyPairRequest::new("cn-hangzhou", ["i-404"], "test")).unwrap_err();
    assert_eq!(err.code(), Some(acs_swas_open::ErrorCode::InvalidInstanceIdNotFound), "{err}");

    // Inside a runtime: a clear error, no panic, no deadlock; from a thread of its own: fine.
    let client = std::sync::Arc::new(client);
    server_runtime.block_on(async {
        let err = client.call(AttachKeyPairRequest::new("cn-hangzhou", ["i-2"], "test")).unwrap_err();
        assert!(matches!(err.kind(), Error::Blocking(_)), "{err}");
        assert!(err.to_string().contains("use the async Client there"), "{err}");
        let err = acs_swas_open::client::blocking::Client::new(config()).unwrap_err();
        assert!(matches!(err.kind(), Error::Blocking(_)), "{err}");
        let on_its_own = client.clone();
        let answer = std::thread::spawn(move || on_its_own.call(AttachKeyPairRequest::new("cn-hangzhou", ["i-2"], "test")).map(|_| ()))
            .join()
            .unwrap();
        assert!(answer.is_ok(), "{answer:?}");
    });
    // Dropped inside a runtime: no panic either.
    server_runtime.block_on(async move { drop(client) });
}

#[tokio::test]
async fn a_header_http_cannot_carry_is_refused_once_and_nothing_is_sent() {
    let server = Server::start(vec![]).await;
    let client = Client::new(
        Config::new()
            .endpoint(&server.url)
            .credentials(Credentials::new("testid", "testsecret"))
            .user_agent("my-app/1.0\r\nX-Injected: yes"),
    )
    .unwrap();
    let err = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp").client_token("t-1")).await.unwrap_err();
    assert!(matches!(err.kind(), Error::Transport { kind: TransportErrorKind::Invalid, attempts: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("user-agent"), "{err}");
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn alibaba_cloud_user_agent_is_appended_as_the_official_sdks_do() {
    let server = Server::start(vec![]).await;
    let user_agent = |config: Config| {
        let url = server.url.clone();
        async move {
            let client = Client::new(config.endpoint(&url)).unwrap();
            client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap();
        }
    };
    let with_env = |vars: Vec<(&str, &str)>| {
        fixed(Config::new()).environment(Environment::new(vars.into_iter().map(|(n, v)| (n.to_owned(), v.to_owned())), None))
    };
    user_agent(with_env(vec![("ALIBABA_CLOUD_USER_AGENT", "my-app/2.0")])).await;
    user_agent(with_env(vec![])).await;
    // A user agent set in the config is the whole header; the variable does not add to it.
    user_agent(with_env(vec![("ALIBABA_CLOUD_USER_AGENT", "my-app/2.0")]).user_agent("mine/1")).await;
    let sent: Vec<String> = server
        .seen()
        .iter()
        .map(|s| s.headers.iter().find(|(n, _)| n == "user-agent").map(|(_, v)| v.clone()).unwrap_or_default())
        .collect();
    let default = format!("acs-rust/{}", acs_runtime::__private::VERSION);
    assert_eq!(sent, [format!("{default} my-app/2.0"), default, "mine/1".to_owned()]);
}

#[test]
fn signing_alone_needs_no_tokio_runtime_when_the_keys_are_ready() {
    // Static keys answer at once: `signed_request` sets no timer, so it runs on any executor
    // (the request-path bench polls it once, outside tokio).
    let client = Client::new(fixed(Config::new().endpoint("https://swas.cn-hangzhou.aliyuncs.com"))).unwrap();
    let signed = futures_util::FutureExt::now_or_never(client.signed_request(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")));
    let request = signed.expect("ready at once").unwrap();
    assert!(request.header("authorization").is_some_and(|a| a.starts_with("ACS3-HMAC-SHA256 Credential=testid,")), "{request:?}");
}
