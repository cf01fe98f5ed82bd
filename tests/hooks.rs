//! Hooks: extra headers and query parameters per client and per call, signed with the rest, and
//! interceptors that add a header before signing and see every attempt's signed request and
//! answer, never a secret in clear. Against a server that verifies both signatures.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use acs_runtime::transport::{HttpRequest, HttpResponse, TransportError};
use acs_runtime::{AttemptInfo, CallOptions, Client, Config, Credentials, Error, Interceptor, RetryPolicy, SignatureVersion};
use acs_swas_open::attach_key_pair::AttachKeyPairRequest;
use acs_tests::server::{Answer, Server, SUCCESS};

const TOKEN: &str = "tok+en/with=chars";

fn config(server: &Server, version: SignatureVersion) -> Config {
    Config::new()
        .endpoint(&server.url)
        .signature_version(version)
        .credentials(Credentials::new("STS.tmp", "stssecret").with_security_token(TOKEN))
        .retry(RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(1), max_delay: Duration::from_millis(5) })
}

fn request() -> AttachKeyPairRequest {
    AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")
}

#[tokio::test]
async fn extra_headers_and_query_per_client_and_per_call_are_sent_and_signed() {
    for version in [SignatureVersion::V3, SignatureVersion::Rpc] {
        let server = Server::start(vec![]).await;
        let client = Client::new(
            &acs_swas_open::SERVICE,
            config(&server, version).header("x-acs-resourcegroupid", "rg-1").query("ClientTag", "a b"),
        )
        .unwrap();
        let options = CallOptions::default().header("x-trace-id", "t-1").query("CallTag", "c");
        client.call(request(), &options).await.unwrap();
        let seen = &server.seen()[0];
        assert_eq!(seen.signature, Ok(if version == SignatureVersion::V3 { "v3" } else { "rpc" }), "{version:?}: the extras are signed");
        assert_eq!(seen.header("x-acs-resourcegroupid"), Some("rg-1"));
        assert_eq!(seen.header("x-trace-id"), Some("t-1"));
        let query = |name: &str| seen.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!((query("ClientTag"), query("CallTag")), (Some("a b"), Some("c")), "{version:?}");
    }
}

#[tokio::test]
async fn extras_the_signer_or_the_request_owns_are_refused_before_sending() {
    let server = Server::start(vec![]).await;
    let cases: [(Config, &str); 5] = [
        (
            config(&server, SignatureVersion::V3).header("Authorization", "x"),
            "configuration: extra header Authorization: the signer sets it",
        ),
        (
            config(&server, SignatureVersion::V3).header("x-acs-security-token", "x"),
            "configuration: extra header x-acs-security-token: the signer sets it",
        ),
        (
            config(&server, SignatureVersion::V3).header("x-ok", "a\r\nb"),
            "configuration: extra header x-ok: its value must be printable ASCII, without line breaks",
        ),
        (
            config(&server, SignatureVersion::Rpc).query("Signature", "x"),
            "configuration: extra query parameter Signature: the signer sets it",
        ),
        (
            config(&server, SignatureVersion::Rpc).query("RegionId", "cn-beijing"),
            "configuration: extra query parameter RegionId: the request sets it",
        ),
    ];
    for (config, message) in cases {
        let err = Client::new(&acs_swas_open::SERVICE, config).unwrap().call(request(), &CallOptions::default()).await.unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert_eq!(err.to_string(), message);
    }
    assert!(server.seen().is_empty(), "nothing was sent");
}

/// What an interceptor saw of each attempt.
#[derive(Default)]
struct Watcher {
    sent: Mutex<Vec<(u32, String)>>,
    answers: Mutex<Vec<(u32, u16, String)>>,
}

impl Interceptor for Watcher {
    fn modify_before_signing(&self, attempt: &AttemptInfo<'_>, headers: &mut Vec<(String, String)>) {
        headers.push(("x-acs-trace-id".into(), format!("attempt-{}", attempt.attempt)));
    }

    fn read_before_transmit(&self, attempt: &AttemptInfo<'_>, request: &HttpRequest) {
        self.sent.lock().unwrap().push((attempt.attempt, request.to_http_text()));
    }

    fn read_after_attempt(&self, attempt: &AttemptInfo<'_>, outcome: Result<&HttpResponse, &TransportError>) {
        let (status, body) = match outcome {
            Ok(r) => (r.status, String::from_utf8_lossy(&r.body).into_owned()),
            Err(e) => (0, e.message.clone()),
        };
        self.answers.lock().unwrap().push((attempt.attempt, status, body));
    }
}

#[tokio::test]
async fn interceptors_add_signed_headers_and_see_every_attempt_without_secrets() {
    for version in [SignatureVersion::V3, SignatureVersion::Rpc] {
        // A first answer that echoes the token (as a wrong signature's answer echoes the
        // string-to-sign), then a success after a retry.
        let echo = format!(
            r#"{{"RequestId":"R1","Code":"ServiceUnavailable","Message":"echo {TOKEN} and {}"}}"#,
            acs_runtime::sign::percent_encode(TOKEN)
        );
        let server = Server::start(vec![Answer::json(503, &echo), Answer::json(200, SUCCESS)]).await;
        let watcher = Arc::new(Watcher::default());
        let client = Client::new(&acs_swas_open::SERVICE, config(&server, version).interceptor(watcher.clone())).unwrap();
        client.call(request(), &CallOptions::default()).await.unwrap();

        let seen = server.seen();
        assert_eq!(seen.len(), 2);
        for (i, request) in seen.iter().enumerate() {
            assert!(request.signature.is_ok(), "{version:?}: the added header is signed: {:?}", request.signature);
            assert_eq!(request.header("x-acs-trace-id"), Some(format!("attempt-{}", i + 1).as_str()));
        }
        let sent = watcher.sent.lock().unwrap();
        assert_eq!(sent.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 2]);
        for (_, text) in sent.iter() {
            assert!(text.contains("x-acs-trace-id: attempt-"), "{text}");
            assert!(text.contains("redacted"), "{text}");
            assert!(!text.contains("tok+en") && !text.contains("tok%2Ben") && !text.contains("stssecret"), "{version:?}: {text}");
        }
        let answers = watcher.answers.lock().unwrap();
        assert_eq!(answers.iter().map(|(n, s, _)| (*n, *s)).collect::<Vec<_>>(), [(1, 503), (2, 200)]);
        assert!(answers[0].2.contains("echo **redacted** and **redacted**"), "{}", answers[0].2);
    }
}
