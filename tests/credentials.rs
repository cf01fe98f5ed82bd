//! Credentials providers against real local parts.
//!
//! * Captures: each case of `shared/fixtures/credentials/captures.json` is replayed by a local
//!   HTTP server answering what the official library was answered; our provider, configured as
//!   the case describes, talks to it over real HTTP, and what it sent is compared with what the
//!   official library sent: method, host, path, parameters (signature included, byte for byte,
//!   where the inputs are the same) and the headers that matter.
//! * The emulator: STS `AssumeRole` and `AssumeRoleWithOIDC`, the instance metadata service and a
//!   credentials URI issue keys that expire; clients and the generated CLI use them through the
//!   default chain and every profile mode, and keep working across expiry.
//!
//! Longer than 500 lines on purpose: each test is one provider or mode of the official chain
//! against its captured fixture.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use acs_runtime::credentials::{Chain, Environment, HttpContext, ProvideCredentials, RamRoleArn, StsEndpoint};
use acs_runtime::transport::{BoxFuture, HttpTransport, TransportError};
use acs_runtime::{Credentials, HttpRequest, HttpResponse, Timeouts, Transport};
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::Value;

/// The capture clock's start, `2024-01-02T03:04:05Z`, and its nonce.
const T0: u64 = 1_704_164_645;
const NONCE: &str = "c6ab0a8e-0f2d-4a5b-9e7f-1a2b3c4d5e6f";

fn captures() -> Option<Vec<Value>> {
    let dir = acs_tests::shared_dir("credentials captures")?;
    let text = std::fs::read_to_string(dir.join("fixtures/credentials/captures.json")).unwrap();
    Some(serde_json::from_str(&text).unwrap())
}

/// What the replay server received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    host: String,
    path: String,
    raw_query: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Query and form parameters, decoded.
    fn params(&self) -> Vec<(String, String)> {
        let mut all = acs_runtime::wire::decode_query(&self.raw_query);
        if self.header("content-type").is_some_and(|t| t.starts_with("application/x-www-form-urlencoded")) {
            all.extend(acs_runtime::wire::decode_query(&self.body));
        }
        all
    }
}

/// A server that answers each request with the captured answer to the same request (method,
/// path, and whether it carried a metadata token), each captured exchange used once.
struct Replay {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    /// The serving task, aborted when the set is dropped.
    _task: tokio::task::JoinSet<()>,
}

fn token_key(headers: &[(String, String)]) -> bool {
    headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("x-aliyun-ecs-metadata-token"))
}

impl Replay {
    async fn start(exchanges: Vec<Value>) -> Self {
        let unused = Arc::new(Mutex::new(exchanges));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (u, r) = (unused.clone(), received.clone());
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (unused, received) = (u.clone(), r.clone());
            async move {
                let headers: Vec<(String, String)> =
                    headers.iter().map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect();
                let got = Received {
                    method: method.to_string(),
                    host: headers.iter().find(|(n, _)| n == "host").map(|(_, v)| v.clone()).unwrap_or_default(),
                    path: uri.path().to_owned(),
                    raw_query: uri.query().unwrap_or("").to_owned(),
                    headers: headers.clone(),
                    body: String::from_utf8_lossy(&body).into_owned(),
                };
                received.lock().unwrap().push(got.clone());
                let mut unused = unused.lock().unwrap();
                let position = unused.iter().position(|e| {
                    let r = &e["request"];
                    let captured_headers: Vec<(String, String)> = serde_json::from_value(r["headers"].clone()).unwrap_or_default();
                    // The OIDC call is a POST here (the token stays out of the URL); it answers the GET.
                    let method_ok = r["method"] == got.method.as_str() || r["path"] == "/" && got.method == "POST";
                    method_ok && r["path"] == got.path.as_str() && token_key(&captured_headers) == token_key(&got.headers)
                });
                match position {
                    Some(i) => {
                        let answer = unused.remove(i)["response"].clone();
                        let status = StatusCode::from_u16(answer["status"].as_u64().unwrap() as u16).unwrap();
                        (status, answer["body"].as_str().unwrap().to_owned()).into_response()
                    }
                    None => (StatusCode::IM_A_TEAPOT, format!("no captured exchange for {} {}", got.method, got.path)).into_response(),
                }
            }
        });
        let (url, task) = acs_tests::server::serve(app).await;
        Self { url, received, _task: task }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// Sends every request to the replay server over real HTTP, keeping its real host in `Host`
/// (as the proxies of the recording did).
struct Redirect {
    to: String,
    inner: HttpTransport,
}

impl Transport for Redirect {
    fn send(&self, mut request: HttpRequest, timeouts: Timeouts) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        let after_scheme = request.url.split_once("://").map(|(_, rest)| rest.to_owned()).unwrap();
        let (host, rest) = after_scheme.split_at(after_scheme.find('/').unwrap_or(after_scheme.len()));
        request.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("host"));
        request.headers.insert(0, ("host".into(), host.to_owned().into()));
        request.url = format!("{}{}", self.to, if rest.is_empty() { "/" } else { rest });
        self.inner.send(request, timeouts)
    }
}

/// Transport to `replay`, the capture clock (`T0 + offset`, adjustable) and nonce.
fn http_to(replay: &Replay, offset: Arc<Mutex<u64>>) -> HttpContext {
    HttpContext::default()
        .transport(Arc::new(Redirect { to: replay.url.clone(), inner: HttpTransport::new() }))
        .clock(Arc::new(move || SystemTime::UNIX_EPOCH + Duration::from_secs(T0 + *offset.lock().unwrap())))
        .nonce_source(Arc::new(|| NONCE.to_owned()))
}

/// Compares what we sent with what the official library sent. `renamed` maps a parameter to
/// the value we send on purpose (a default session name); `Signature` is then checked by
/// recomputing it, otherwise it must be the captured one byte for byte (unless a value has a
/// space: Python signs a space as `+`, the documented form is `%20`).
fn assert_same_request(case: &str, ours: &Received, captured: &Value, renamed: &[(&str, &str)]) {
    let r = &captured["request"];
    let captured_headers: Vec<(String, String)> = serde_json::from_value(r["headers"].clone()).unwrap();
    let captured_host = captured_headers.iter().find(|(n, _)| n == "host").map(|(_, v)| v.as_str()).unwrap();
    // Python drops the port from Host; the URI case ran on port 8080 of the recording's host.
    assert_eq!(ours.host.split(':').next(), Some(captured_host), "{case}: host");
    assert_eq!(ours.path, r["path"].as_str().unwrap(), "{case}: path");
    let is_oidc = r["query"].as_array().unwrap().iter().any(|p| p[0] == "Action" && p[1] == "AssumeRoleWithOIDC");
    if is_oidc {
        assert_eq!(ours.method, "POST", "{case}: AssumeRoleWithOIDC is sent as a form POST");
        assert!(!ours.raw_query.contains("OIDCToken"), "{case}: the token stays out of the URL");
    } else {
        assert_eq!(ours.method, r["method"].as_str().unwrap(), "{case}: method");
    }
    let mut expected: BTreeMap<String, String> =
        serde_json::from_value::<Vec<(String, String)>>(r["query"].clone()).unwrap().into_iter().collect();
    for (name, value) in renamed {
        expected.insert((*name).to_owned(), (*value).to_owned());
    }
    let ours_params: BTreeMap<String, String> = ours.params().into_iter().collect();
    let strip = |m: &BTreeMap<String, String>| {
        m.iter().filter(|(n, _)| *n != "Signature").map(|(n, v)| (n.clone(), v.clone())).collect::<BTreeMap<_, _>>()
    };
    assert_eq!(strip(&ours_params), strip(&expected), "{case}: parameters");
    if let Some(signature) = ours_params.get("Signature") {
        let unsigned: Vec<(String, String)> = ours.params().into_iter().filter(|(n, _)| n != "Signature").collect();
        let secret = "testsecret";
        assert_eq!(
            signature,
            &acs_runtime::sign::sign_rpc(&ours.method, "/", &unsigned, secret).signature,
            "{case}: our signature verifies"
        );
        if renamed.is_empty() && !expected.values().any(|v| v.contains(' ')) {
            assert_eq!(Some(signature), expected.get("Signature"), "{case}: the official library's signature, byte for byte");
        }
    }
    let ttl = "X-aliyun-ecs-metadata-token-ttl-seconds";
    let theirs = captured_headers.iter().find(|(n, _)| n == ttl).map(|(_, v)| v.as_str());
    assert_eq!(ours.header(ttl), theirs, "{case}: header {ttl}");
    assert_eq!(token_key(&ours.headers), token_key(&captured_headers), "{case}: metadata token header");
    if r["method"] == "PUT" {
        assert_eq!(ours.header("content-length"), Some("0"), "{case}: empty PUT");
    }
}

fn case<'a>(all: &'a [Value], name: &str) -> Vec<&'a Value> {
    all.iter().filter(|e| e["case"] == name).collect()
}

use acs_tests::home_with;

/// Runs the chain for a case: `vars` and `files` as the recording had them.
async fn chain_case(
    all: &[Value],
    name: &str,
    vars: &[(&str, &str)],
    files: &[(&str, &str)],
) -> (Result<Credentials, acs_runtime::credentials::CredentialsError>, Vec<Received>, Vec<Value>) {
    let exchanges: Vec<Value> = case(all, name).into_iter().cloned().collect();
    let replay = Replay::start(exchanges.clone()).await;
    let home = home_with(files);
    let env = Environment::new(vars.iter().copied(), Some(home.path().into()));
    let provider = Chain::new().build(&env, &http_to(&replay, Arc::new(Mutex::new(0)))).unwrap();
    let outcome = provider.provide().await;
    (outcome, replay.received(), exchanges)
}

const ROLE: &str = "acs:ram::123456789012****:role/test-role";
const POLICY: &str = r#"{"Statement":[{"Action":["ecs:Describe*"],"Effect":"Allow","Resource":["*"]}],"Version":"1"}"#;

#[tokio::test]
async fn assume_role_requests_match_the_official_library() {
    let Some(all) = captures() else { return };
    let clock = Arc::new(Mutex::new(0));
    let run = |name: &'static str, source: Credentials, configure: fn(RamRoleArn) -> RamRoleArn| {
        let all = all.clone();
        let clock = clock.clone();
        async move {
            let exchanges: Vec<Value> = case(&all, name).into_iter().cloned().collect();
            let replay = Replay::start(exchanges.clone()).await;
            let provider = configure(RamRoleArn::new(Arc::new(source), ROLE).http(http_to(&replay, clock)));
            let outcome = provider.provide().await;
            (outcome, replay.received(), exchanges)
        }
    };
    let ak = || Credentials::new("testid", "testsecret");

    let (outcome, ours, theirs) = run("assume_role", ak(), |p| p.session_name("test-session").policy(POLICY).external_id("abcd1234")).await;
    let c = outcome.unwrap();
    assert_eq!((c.access_key_id(), c.security_token().unwrap().expose()), ("STS.NUgYrLnoC37mZZCNnAbe1", "CAIS1testSecurityToken+/="));
    assert_eq!(acs_runtime::sign::format_timestamp(c.expiry().unwrap()), "2024-01-02T04:04:05Z");
    assert_same_request("assume_role", &ours[0], &theirs[0], &[]);

    let sts_source = Credentials::new("STS.testid", "testsecret").with_security_token("testtoken+/=");
    let (outcome, ours, theirs) =
        run("assume_role_sts_source_regional_vpc", sts_source, |p| p.sts_endpoint(StsEndpoint::regional("cn-hangzhou", true).unwrap()))
            .await;
    outcome.unwrap();
    let session = format!("acs-rust-{T0}");
    assert_same_request("assume_role_sts_source_regional_vpc", &ours[0], &theirs[0], &[("RoleSessionName", &session)]);

    let (outcome, ours, theirs) = run("assume_role_policy_with_spaces", ak(), |p| {
        p.session_name("test-session")
            .policy(r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}]}"#)
    })
    .await;
    outcome.unwrap();
    assert_same_request("assume_role_policy_with_spaces", &ours[0], &theirs[0], &[]);

    let (outcome, ours, theirs) = run("assume_role_error", ak(), |p| p.session_name("test-session")).await;
    let err = outcome.unwrap_err().to_string();
    assert_eq!(
        err,
        "ram_role_arn: HTTP 403: NoPermission: You are not authorized to do this action. You should be authorized by RAM. (RequestId A1B2C3D4-0000-4000-8000-00000000F403)"
    );
    assert_same_request("assume_role_error", &ours[0], &theirs[0], &[]);
}

#[tokio::test]
async fn profiles_that_assume_roles_send_what_the_official_library_sends() {
    let Some(all) = captures() else { return };
    let token = home_with(&[("token", "")]);
    let token_path = token.path().join("token");
    let oidc_capture = &case(&all, "cli_profile_oidc")[0]["request"]["query"];
    let token_text = oidc_capture.as_array().unwrap().iter().find(|p| p[0] == "OIDCToken").unwrap()[1].as_str().unwrap().to_owned();
    std::fs::write(&token_path, &token_text).unwrap();

    let cli = serde_json::json!({"current": "role", "profiles": [
        {"name": "role", "mode": "RamRoleArn", "access_key_id": "testid", "access_key_secret": "testsecret", "ram_role_arn": ROLE,
         "ram_session_name": "cli-session", "expired_seconds": 900, "policy": POLICY, "external_id": "ext-1",
         "sts_region": "ap-southeast-1", "enable_vpc": true},
        {"name": "sts", "mode": "StsToken", "access_key_id": "STS.testid", "access_key_secret": "testsecret", "sts_token": "testtoken"},
        {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "sts", "ram_role_arn": ROLE, "ram_session_name": "chained-session"},
        {"name": "oidc", "mode": "OIDC", "ram_role_arn": ROLE, "oidc_provider_arn": "acs:ram::123456789012****:oidc-provider/ack-rrsa-c0123456789abcdef",
         "oidc_token_file": token_path, "ram_session_name": "cli-oidc-session"}
    ]})
    .to_string();
    let off = [("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")];
    let files = [(".aliyun/config.json", cli.as_str())];

    let (outcome, ours, theirs) = chain_case(&all, "cli_profile_ram_role_arn", &off, &files).await;
    outcome.unwrap();
    assert_same_request("cli_profile_ram_role_arn", &ours[0], &theirs[0], &[]);

    let chained = [("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"), ("ALIBABA_CLOUD_PROFILE", "chained")];
    let (outcome, ours, theirs) = chain_case(&all, "cli_profile_chainable_sts_source", &chained, &files).await;
    outcome.unwrap();
    assert_same_request("cli_profile_chainable_sts_source", &ours[0], &theirs[0], &[]);

    // Python reads the session name from role_session_name, so it ignored the CLI's key; we
    // send what the profile says.
    let oidc = [("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"), ("ALIBABA_CLOUD_PROFILE", "oidc")];
    let (outcome, ours, theirs) = chain_case(&all, "cli_profile_oidc", &oidc, &files).await;
    outcome.unwrap();
    assert_same_request("cli_profile_oidc", &ours[0], &theirs[0], &[("RoleSessionName", "cli-oidc-session")]);

    let ini = format!("[default]\ntype = ram_role_arn\naccess_key_id = testid\naccess_key_secret = testsecret\nrole_arn = {ROLE}\nrole_session_name = ini-session\n");
    let (outcome, ours, theirs) = chain_case(&all, "ini_ram_role_arn", &off, &[(".alibabacloud/credentials.ini", &ini)]).await;
    outcome.unwrap();
    assert_same_request("ini_ram_role_arn", &ours[0], &theirs[0], &[]);
}

#[tokio::test]
async fn oidc_from_the_environment_rereads_the_token_when_it_refreshes() {
    let Some(all) = captures() else { return };
    let exchanges: Vec<Value> = case(&all, "assume_role_with_oidc").into_iter().cloned().collect();
    let token_of =
        |e: &Value| e["request"]["query"].as_array().unwrap().iter().find(|p| p[0] == "OIDCToken").unwrap()[1].as_str().unwrap().to_owned();
    let dir = home_with(&[("token", &token_of(&exchanges[0]))]);
    let replay = Replay::start(exchanges.clone()).await;
    let env = Environment::new(
        [
            ("ALIBABA_CLOUD_ROLE_ARN", ROLE.to_owned()),
            ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::123456789012****:oidc-provider/ack-rrsa-c0123456789abcdef".to_owned()),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", dir.path().join("token").display().to_string()),
            ("ALIBABA_CLOUD_ROLE_SESSION_NAME", "test-oidc-session".to_owned()),
            ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true".to_owned()),
        ],
        Some(dir.path().into()),
    );
    let clock = Arc::new(Mutex::new(0));
    let provider = Chain::new().build(&env, &http_to(&replay, clock.clone())).unwrap();
    assert_eq!(provider.provide().await.unwrap().access_key_id(), "STS.NUgYrLnoC37mZZCNnAbe1");
    std::fs::write(dir.path().join("token"), token_of(&exchanges[1])).unwrap();
    // One second before Expiration − 15 min: the cached keys; at it: a refresh with the new token.
    *clock.lock().unwrap() = 2699;
    assert_eq!(provider.provide().await.unwrap().access_key_id(), "STS.NUgYrLnoC37mZZCNnAbe1");
    assert_eq!(replay.received().len(), 1);
    *clock.lock().unwrap() = 2700;
    assert_eq!(provider.provide().await.unwrap().access_key_id(), "STS.NUgYrLnoC37mZZCNnAbe2");
    let ours = replay.received();
    assert_eq!(ours.len(), 2);
    assert_same_request("assume_role_with_oidc 1", &ours[0], &exchanges[0], &[]);
    assert_same_request("assume_role_with_oidc 2", &ours[1], &exchanges[1], &[]);
}

#[tokio::test]
async fn the_metadata_service_is_asked_as_the_official_library_asks_it() {
    let Some(all) = captures() else { return };
    // (case, environment, requests we send: the captured ones less the repeated token PUT)
    /// A case, its environment, how many requests we send, and the error expected.
    type Case = (&'static str, Vec<(&'static str, &'static str)>, usize, Option<&'static str>);
    let cases: [Case; 5] = [
        ("ecs_imdsv2_discover_role", vec![], 3, None),
        ("ecs_default_chain_role_from_env", vec![("ALIBABA_CLOUD_ECS_METADATA", "EcsRamRoleTest")], 2, None),
        ("ecs_token_refused_fallback_v1", vec![], 3, None),
        ("ecs_token_ok_get_rejected_retry_v1", vec![], 5, None),
        (
            "ecs_imdsv1_disabled_token_refused",
            vec![("ALIBABA_CLOUD_IMDSV1_DISABLED", "true")],
            1,
            Some("ecs_ram_role: the metadata service refused a session token: HTTP 403"),
        ),
    ];
    for (name, vars, count, error) in cases {
        let (outcome, ours, theirs) = chain_case(&all, name, &vars, &[]).await;
        match error {
            None => {
                let c = outcome.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(c.access_key_id().starts_with("STS."), "{name}");
                assert!(c.expiry().is_some(), "{name}");
            }
            Some(expected) => {
                let err = outcome.unwrap_err().to_string();
                assert!(err.contains(expected), "{name}: {err}");
            }
        }
        assert_eq!(ours.len(), count, "{name}: {ours:#?}");
        // Each of our requests is one the official library made, in the same order.
        let mut remaining: Vec<&Value> = theirs.iter().collect();
        for request in &ours {
            let i = remaining
                .iter()
                .position(|e| {
                    e["request"]["method"] == request.method.as_str() && e["request"]["path"] == request.path.as_str() && {
                        let h: Vec<(String, String)> = serde_json::from_value(e["request"]["headers"].clone()).unwrap();
                        token_key(&h) == token_key(&request.headers)
                    }
                })
                .unwrap_or_else(|| panic!("{name}: the official library never sent {} {}", request.method, request.path));
            assert!(remaining[..i].iter().all(|e| e["request"]["method"] == "PUT"), "{name}: order");
            assert_same_request(name, request, remaining[i], &[]);
            remaining.remove(i);
        }
    }
}

#[tokio::test]
async fn the_credentials_uri_and_the_fall_through_from_the_metadata_service() {
    let Some(all) = captures() else { return };
    let uri = [
        ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"),
        ("ALIBABA_CLOUD_CREDENTIALS_URI", "http://127.0.0.1:8080/v1/credentials?role=test-role&scope=a+b"),
    ];
    let (outcome, ours, theirs) = chain_case(&all, "credentials_uri", &uri, &[]).await;
    assert_eq!(outcome.unwrap().access_key_id(), "STS.uriTestAccessKeyId1");
    assert_eq!(ours.len(), 1);
    assert_same_request("credentials_uri", &ours[0], &theirs[0], &[]);
    assert_eq!(ours[0].raw_query, theirs[0]["request"]["raw_query"].as_str().unwrap());

    let fall = [("ALIBABA_CLOUD_CREDENTIALS_URI", "http://127.0.0.1:8080/v1/credentials")];
    let (outcome, ours, theirs) = chain_case(&all, "chain_fallthrough_ecs_to_uri", &fall, &[]).await;
    assert_eq!(outcome.unwrap().access_key_id(), "STS.uriTestAccessKeyId1");
    assert_eq!(ours.len(), 3);
    for (o, t) in ours.iter().zip(&theirs) {
        assert_same_request("chain_fallthrough_ecs_to_uri", o, t, &[]);
    }
}

// ---------------------------------------------------------------------------------------------
// Against the emulator: keys issued by STS, the metadata service and a URI, used for real calls.

use acs_swas_open::attach_key_pair::AttachKeyPairRequest;
use acs_swas_open::{Client, Config, RetryPolicy, SignatureVersion};
use acs_tests::emu;

/// An OIDC token shaped like the platform's (three base64url parts).
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpkZW1vIn0.c2lnbmF0dXJl";
const OIDC_PROVIDER: &str = "acs:ram::123456789012:oidc-provider/ack-rrsa-demo";
const EMU_ROLE: &str = "acs:ram::123456789012:role/test-role";

async fn emulator(max_lifetime: Option<u64>, instance_role: Option<&str>) -> (acs_emulator::Emulator, acs_emulator::Running) {
    let mut state = emu::state(4);
    state.sts.max_lifetime_seconds = max_lifetime;
    state.sts.instance_role = instance_role.map(str::to_owned);
    state.sts.metadata_hardened_only = true;
    emu::start(state, None).await
}

/// The environment a workload would have, with STS and the metadata service moved to `url`.
fn workload_env(url: &str, home: &std::path::Path, vars: &[(&str, String)]) -> Environment {
    let mut all =
        vec![("ALIBABA_CLOUD_STS_ENDPOINT".to_owned(), url.to_owned()), ("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT".to_owned(), url.to_owned())];
    all.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    Environment::new(all, Some(home.into()))
}

fn attach(instance: &str) -> AttachKeyPairRequest {
    AttachKeyPairRequest::new("cn-hangzhou", [instance], "test")
}

fn client_in(url: &str, env: Environment) -> Client {
    Client::new(Config::new().endpoint(url).environment(env).signature_version(SignatureVersion::Rpc).retry(RetryPolicy::none())).unwrap()
}

fn sessions(emulator: &acs_emulator::Emulator) -> Vec<Value> {
    emulator.state()["sts_sessions"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_on_a_two_second_role_keeps_working_across_expiry() {
    let (emulator, running) = emulator(Some(2), None).await;
    let home = home_with(&[(
        ".aliyun/config.json",
        &serde_json::json!({"current": "role", "profiles": [{"name": "role", "mode": "RamRoleArn", "access_key_id": "testid",
            "access_key_secret": "testsecret", "ram_role_arn": EMU_ROLE, "ram_session_name": "ci-job"}]})
        .to_string(),
    )]);
    let client = client_in(&running.url, workload_env(&running.url, home.path(), &[]));
    let started = std::time::Instant::now();
    let mut calls = 0;
    while started.elapsed() < Duration::from_secs(5) {
        client.attach_key_pair(attach("i-1")).await.unwrap_or_else(|e| panic!("call {calls}: {e}"));
        calls += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sessions = sessions(&emulator);
    assert!(sessions.len() >= 3, "the role was assumed again as its keys expired: {sessions:#?}");
    assert!(calls >= 20);
    for s in &sessions {
        assert_eq!(
            (s["action"].as_str(), s["caller"].as_str(), s["session_name"].as_str()),
            (Some("AssumeRole"), Some("testid"), Some("ci-job"))
        );
    }
    // An expired key is refused by the emulator, as by the service.
    let expired = sessions[0]["issued"].as_str().unwrap().to_owned();
    let view = emulator.state();
    assert!(view["access_keys"].as_array().unwrap().iter().any(|k| k["id"] == expired.as_str()));
}

#[tokio::test]
async fn the_emulator_refuses_an_expired_sts_key() {
    let mut state = emu::state(1);
    state.access_keys.push(
        serde_json::from_value(
            serde_json::json!({"id": "STS.old", "secret": "s", "security_token": "t", "expiration": "2024-01-02T04:04:05Z"}),
        )
        .unwrap(),
    );
    let (_emulator, running) = emu::start(state, None).await;
    let client = Client::new(
        Config::new()
            .endpoint(&running.url)
            .credentials(Credentials::new("STS.old", "s").with_security_token("t"))
            .retry(RetryPolicy::none()),
    )
    .unwrap();
    let err = client.attach_key_pair(attach("i-1")).await.unwrap_err();
    assert_eq!(err.service_error().map(|e| e.code.as_str()), Some("InvalidSecurityToken.Expired"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_ecs_and_uri_keys_from_the_emulator_sign_real_calls() {
    let (emulator, running) = emulator(None, Some("EcsRamRoleTest")).await;
    let home = home_with(&[("token", JWT)]);
    let token = home.path().join("token").display().to_string();

    // OIDC (RRSA) from the environment.
    let env = workload_env(
        &running.url,
        home.path(),
        &[
            ("ALIBABA_CLOUD_ROLE_ARN", EMU_ROLE.into()),
            ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", OIDC_PROVIDER.into()),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token.clone()),
        ],
    );
    client_in(&running.url, env).attach_key_pair(attach("i-1")).await.unwrap();
    let s = sessions(&emulator);
    assert_eq!((s.len(), s[0]["action"].as_str(), s[0]["token_in_query"].as_bool()), (1, Some("AssumeRoleWithOIDC"), Some(false)));
    assert_eq!(s[0]["oidc_token_sha256"], acs_runtime::sign::sha256_hex(JWT.as_bytes()));

    // The instance role, hardened mode (the emulator refuses reads without a session token).
    let env = workload_env(&running.url, home.path(), &[]);
    client_in(&running.url, env).attach_key_pair(attach("i-2")).await.unwrap();
    let asked = &emulator.state()["credential_requests"];
    assert_eq!(asked["PUT /latest/api/token"], 1);
    assert_eq!(asked["GET /latest/meta-data/ram/security-credentials/"], 1);
    assert_eq!(asked["GET /latest/meta-data/ram/security-credentials/<role>"], 1);

    // The credentials URI.
    let env = workload_env(
        &running.url,
        home.path(),
        &[
            ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true".into()),
            ("ALIBABA_CLOUD_CREDENTIALS_URI", format!("{}/_emulator/credentials", running.url)),
        ],
    );
    client_in(&running.url, env).attach_key_pair(attach("i-3")).await.unwrap();
    assert_eq!(emulator.state()["credential_requests"]["GET /_emulator/credentials"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_falls_through_in_order_and_sticks_to_what_answered() {
    // No role attached: the metadata service answers 404, and the chain moves on to the URI.
    let (emulator, running) = emulator(None, None).await;
    let home = home_with::<&str>(&[]);
    let uri = format!("{}/_emulator/credentials", running.url);
    let env = workload_env(&running.url, home.path(), &[("ALIBABA_CLOUD_CREDENTIALS_URI", uri.clone())]);
    let client = client_in(&running.url, env);
    client.attach_key_pair(attach("i-1")).await.unwrap();
    let first = emulator.state()["credential_requests"].clone();
    // With the token, then without it (the documented fallback): 404 both times.
    assert_eq!(first["GET /latest/meta-data/ram/security-credentials/"], 2);
    client.attach_key_pair(attach("i-2")).await.unwrap();
    assert_eq!(emulator.state()["credential_requests"], first, "the chain sticks to the URI, and its keys are cached");
    assert_eq!(first["GET /_emulator/credentials"], 1);
    assert!(format!("{client:?}").contains("chosen: Some(\"credentials_uri\")"), "{client:?}");

    // The environment's keys beat a configured OIDC role: STS is never called.
    let env = workload_env(
        &running.url,
        home.path(),
        &[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid".into()),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret".into()),
            ("ALIBABA_CLOUD_ROLE_ARN", EMU_ROLE.into()),
            ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", OIDC_PROVIDER.into()),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "/nonexistent".into()),
        ],
    );
    client_in(&running.url, env).attach_key_pair(attach("i-3")).await.unwrap();
    assert!(sessions(&emulator).is_empty());

    // Everything fails: one error that names every provider and why, and no secret.
    let ini = "[default]\ntype = ram_role_arn\naccess_key_id = testid\naccess_key_secret = hush-hush\nrole_arn = acs:ram::1:role/missing-from-nowhere\n";
    let home = home_with(&[(".alibabacloud/credentials.ini", ini)]);
    let env = workload_env(
        "http://127.0.0.1:9",
        home.path(),
        &[
            ("ALIBABA_CLOUD_ROLE_ARN", EMU_ROLE.into()),
            ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", OIDC_PROVIDER.into()),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "/nonexistent/token".into()),
            ("ALIBABA_CLOUD_CREDENTIALS_URI", format!("{}/nothing-here", running.url)),
        ],
    );
    let err = client_in(&running.url, env).attach_key_pair(attach("i-1")).await.unwrap_err().to_string();
    for expected in [
        "credentials: no credentials found; tried: environment: ALIBABA_CLOUD_ACCESS_KEY_ID is not set; ",
        "oidc_role_arn (environment): cannot read the OIDC token file /nonexistent/token: ",
        "cli_profile: ",
        "config.json does not exist; profile: ",
        "credentials.ini [default]: request failed: ",
        "ecs_ram_role: request failed",
        "credentials_uri: HTTP 400: IncompleteSignature",
    ] {
        assert!(err.contains(expected), "{expected:?} not in {err}");
    }
    assert!(!err.contains("hush-hush"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_profile_flag_works_with_every_mode() {
    let (emulator, running) = emulator(None, Some("EcsRamRoleTest")).await;
    let home = home_with(&[("token", JWT)]);
    let token = home.path().join("token");
    let uri = format!("{}/_emulator/credentials", running.url);
    let cli = serde_json::json!({"current": "ak", "profiles": [
        {"name": "ak", "mode": "AK", "access_key_id": "testid", "access_key_secret": "testsecret"},
        {"name": "sts", "mode": "StsToken", "access_key_id": "STS.tmp", "access_key_secret": "stssecret", "sts_token": "tok+en/with=chars"},
        {"name": "role", "mode": "RamRoleArn", "access_key_id": "testid", "access_key_secret": "testsecret", "ram_role_arn": EMU_ROLE,
         "expired_seconds": 900, "external_id": "ext-1", "policy": POLICY},
        {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "role", "ram_role_arn": EMU_ROLE},
        {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "EcsRamRoleTest"},
        {"name": "ecs-discover", "mode": "EcsRamRole"},
        {"name": "ecs-role", "mode": "RamRoleArnWithRoleName", "ram_role_name": "EcsRamRoleTest", "ram_role_arn": EMU_ROLE},
        {"name": "oidc", "mode": "OIDC", "ram_role_arn": EMU_ROLE, "oidc_provider_arn": OIDC_PROVIDER, "oidc_token_file": token},
        {"name": "uri", "mode": "CredentialsURI", "credentials_uri": uri}
    ]});
    let ini = format!(
        "[ini-ak]\naccess_key_id = testid\naccess_key_secret = testsecret\n\
         [ini-role]\ntype = ram_role_arn\naccess_key_id = testid\naccess_key_secret = testsecret\nrole_arn = {EMU_ROLE}\n\
         [ini-oidc]\ntype = oidc_role_arn\nrole_arn = {EMU_ROLE}\noidc_provider_arn = {OIDC_PROVIDER}\noidc_token_file_path = {}\n\
         [ini-ecs]\ntype = ecs_ram_role\nrole_name = EcsRamRoleTest\n",
        token.display()
    );
    std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
    std::fs::write(home.path().join(".aliyun/config.json"), cli.to_string()).unwrap();
    std::fs::create_dir_all(home.path().join(".alibabacloud")).unwrap();
    std::fs::write(home.path().join(".alibabacloud/credentials.ini"), ini).unwrap();

    // The CLI with `--profile <profile>`: its exit status and stderr.
    let attach_as = |profile: &'static str| {
        let (url, env) = (running.url.clone(), workload_env(&running.url, home.path(), &[]));
        async move {
            let args = ["swas-open", "--profile", profile, "--endpoint", &url, "attach-key-pair", "--region-id", "cn-hangzhou"];
            let args = args.into_iter().chain(["--key-pair-name", "test", "--instance-ids", "i-1"]);
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let code = acs_swas_open::cli::run(args, env, &mut out, &mut err).await;
            (code, String::from_utf8(err).unwrap())
        }
    };
    let profiles =
        ["ak", "sts", "role", "chained", "ecs", "ecs-discover", "ecs-role", "oidc", "uri", "ini-ak", "ini-role", "ini-oidc", "ini-ecs"];
    for (i, profile) in profiles.into_iter().enumerate() {
        let before = sessions(&emulator).len();
        let (code, err) = attach_as(profile).await;
        assert_eq!(code, 0, "--profile {profile}: {err}");
        let assumed = sessions(&emulator).len() - before;
        let expected = match profile {
            "role" | "ecs-role" | "oidc" | "ini-role" | "ini-oidc" => 1,
            "chained" => 2,
            _ => 0,
        };
        assert_eq!(assumed, expected, "--profile {profile} (#{i}): STS sessions");
    }
    let (code, err) = attach_as("nope").await;
    assert_eq!(code, 1);
    assert!(err.contains("no profile \"nope\"") && err.contains("no section [nope]"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_of_one_config_shares_one_provider_and_one_refresh() {
    let (emulator, running) = emulator(None, None).await;
    let home = home_with(&[(
        ".aliyun/config.json",
        &serde_json::json!({"current": "role", "profiles": [{"name": "role", "mode": "RamRoleArn", "access_key_id": "testid",
            "access_key_secret": "testsecret", "ram_role_arn": EMU_ROLE}]})
        .to_string(),
    )]);
    let config = Config::new().endpoint(&running.url).environment(workload_env(&running.url, home.path(), &[]));
    let clients: Vec<Client> = (0..4).map(|_| Client::new(config.clone()).unwrap()).collect();
    let calls: Vec<_> = (0..200)
        .map(|i| {
            let client = clients[i % 4].clone();
            tokio::spawn(async move { client.attach_key_pair(attach(["i-1", "i-2", "i-3", "i-4"][i % 4])).await.map(|_| ()) })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(sessions(&emulator).len(), 1, "200 concurrent calls on 4 clients of one config assume the role once");
    // A config changed afterwards builds its own.
    let other = Client::new(config.clone().profile("role")).unwrap();
    other.attach_key_pair(attach("i-1")).await.unwrap();
    assert_eq!(sessions(&emulator).len(), 2);
}

#[tokio::test]
async fn keys_with_a_line_break_are_a_configuration_error_and_nothing_is_sent() {
    #[derive(Debug)]
    struct Broken;
    impl ProvideCredentials for Broken {
        fn provide(&self) -> acs_runtime::credentials::ProvideFuture<'_> {
            Box::pin(std::future::ready(Ok(Credentials::new("id", "sec\r\nX-Injected: 1").with_source("a test provider"))))
        }
    }
    let replay = Arc::new(acs_runtime::testing::Replay::new([]));
    let config = Config::new().region("cn-hangzhou").credentials_provider(Arc::new(Broken)).transport(replay.clone());
    let err = Client::new(config).unwrap().attach_key_pair(attach("i-1")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "credentials: invalid credentials configuration: the AccessKeySecret from a test provider contains a control character (such as CR or LF)"
    );
    assert!(replay.requests().is_empty(), "nothing was sent, nothing retried");
    // And an endpoint with one is refused before anything is sent.
    let config = Config::new().endpoint("exa\r\nmple.com").credentials(Credentials::new("id", "secret")).transport(replay.clone());
    let err = Client::new(config).unwrap().attach_key_pair(attach("i-1")).await.unwrap_err();
    assert!(matches!(err.kind(), acs_runtime::Error::Endpoint(_)), "{err}");
    assert!(replay.requests().is_empty());
}

#[tokio::test]
async fn the_instance_role_name_is_discovered_once() {
    let (emulator, running) = emulator(None, Some("EcsRamRoleTest")).await;
    let role = acs_runtime::credentials::EcsRamRole::new(None).endpoint(&running.url).unwrap();
    role.provide().await.unwrap();
    role.provide().await.unwrap();
    let asked = &emulator.state()["credential_requests"];
    // Two refreshes: a token each, the role name once (Python asks for both every time: 4 each).
    assert_eq!(asked["PUT /latest/api/token"], 2);
    assert_eq!(asked["GET /latest/meta-data/ram/security-credentials/"], 1);
    assert_eq!(asked["GET /latest/meta-data/ram/security-credentials/<role>"], 2);
}
