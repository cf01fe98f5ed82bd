//! The generated `swas-open` command against a local endpoint that verifies signatures:
//! output on stdout, errors on stderr with code and request id, exit statuses 0/1/2, dry runs
//! that send nothing, both signature versions, credentials from the environment, files and
//! profiles.

use acs_runtime::credentials::Environment;
use acs_tests::server::{Answer, Server};

struct Run {
    code: i32,
    out: String,
    err: String,
}

async fn swas_open(args: &[&str], env: Environment) -> Run {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let argv = std::iter::once("swas-open").chain(args.iter().copied());
    let code = acs_swas_open::cli::run(argv, env, &mut out, &mut err).await;
    Run { code, out: String::from_utf8(out).unwrap(), err: String::from_utf8(err).unwrap() }
}

fn keys() -> Environment {
    Environment::new([("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")], None)
}

const ATTACH: &[&str] =
    &["attach-key-pair", "--region-id", "cn-hangzhou", "--instance-ids", "i-1", "--instance-ids", "i-2", "--key-pair-name", "test"];

fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(extra).copied().collect()
}

#[tokio::test]
async fn prints_the_response_body_in_both_signature_versions() {
    let server = Server::start(vec![]).await;
    for version in ["v3", "rpc"] {
        let run = swas_open(&with(ATTACH, &["--endpoint", &server.url, "--signature-version", version]), keys()).await;
        assert_eq!(run.code, 0, "{}", run.err);
        let body: serde_json::Value = serde_json::from_str(&run.out).unwrap();
        assert_eq!(body["RequestId"], "30637AD6-D977-4833-A54C-CC89483E****");
        assert!(run.err.is_empty());
    }
    let seen = server.seen();
    assert_eq!(seen.iter().map(|s| s.signature.clone()).collect::<Vec<_>>(), [Ok("v3"), Ok("rpc")]);
    assert_eq!((seen[0].param("InstanceIds.1"), seen[0].param("InstanceIds.2")), (Some("i-1"), Some("i-2")));
}

#[tokio::test]
async fn global_flags_work_before_the_subcommand_and_the_token_flag_is_sent() {
    let server = Server::start(vec![]).await;
    let args = with(&["--endpoint", &server.url, "--signature-version", "rpc"], &with(ATTACH, &["--client-token", "tok-1"]));
    let run = swas_open(&args, keys()).await;
    assert_eq!(run.code, 0, "{}", run.err);
    assert_eq!(server.seen()[0].param("ClientToken"), Some("tok-1"));
}

#[tokio::test]
async fn service_errors_exit_1_with_code_and_request_id() {
    let server = Server::start(vec![Answer::error(404, "InvalidInstanceId.NotFound", "The specified Instance Id does not exist.")]).await;
    let run = swas_open(&with(ATTACH, &["--endpoint", &server.url]), keys()).await;
    assert_eq!(run.code, 1);
    assert!(run.out.is_empty());
    assert_eq!(
        run.err,
        "error: AttachKeyPair: InvalidInstanceId.NotFound (HTTP 404): The specified Instance Id does not exist. [request id REQ-InvalidInstanceId.NotFound]\n\
         code: InvalidInstanceId.NotFound\nhttp status: 404\nrequest id: REQ-InvalidInstanceId.NotFound\n\
         recommend: https://api.aliyun.com/troubleshoot?q=InvalidInstanceId.NotFound\n"
    );
}

#[tokio::test]
async fn validation_errors_exit_2_and_send_nothing() {
    let server = Server::start(vec![]).await;
    let run = swas_open(
        &[
            "attach-key-pair",
            "--endpoint",
            &server.url,
            "--region-id",
            "cn-hangzhou",
            "--instance-ids",
            "i-1",
            "--key-pair-name",
            "http://x",
        ],
        keys(),
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(run.err.starts_with("error: invalid AttachKeyPair request: KeyPairName does not match the pattern"), "{}", run.err);
    assert!(run.err.contains("KeyPairName must not start with \"http://\""), "{}", run.err);
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn missing_flags_exit_2_with_usage() {
    let run = swas_open(&["attach-key-pair", "--region-id", "cn-hangzhou", "--key-pair-name", "kp"], keys()).await;
    assert_eq!(run.code, 2);
    assert!(run.err.contains("--instance-ids <INSTANCE_IDS>"), "{}", run.err);
    let run = swas_open(&["no-such-operation"], keys()).await;
    assert_eq!(run.code, 2);
    let run = swas_open(&["--help"], keys()).await;
    assert_eq!(run.code, 0);
    assert!(run.out.contains("attach-key-pair") && run.out.contains("Global options"), "{}", run.out);
}

#[tokio::test]
async fn dry_run_prints_the_signed_request_and_sends_nothing() {
    let server = Server::start(vec![]).await;
    for (version, marker) in [("v3", "authorization: ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature="), ("rpc", "&Signature=")] {
        let run = swas_open(&with(ATTACH, &["--endpoint", &server.url, "--signature-version", version, "--dry-run"]), keys()).await;
        assert_eq!(run.code, 0, "{}", run.err);
        let first = run.out.lines().next().unwrap();
        assert!(first.starts_with("POST /?") && first.ends_with(" HTTP/1.1"), "{first}");
        assert!(run.out.contains(&format!("host: {}\r\n", server.url.trim_start_matches("http://"))), "{}", run.out);
        assert!(run.out.contains(marker), "{}", run.out);
        assert!(run.out.contains("InstanceIds.2=i-2"), "{}", run.out);
    }
    assert!(server.seen().is_empty(), "a dry run sends nothing");
}

#[tokio::test]
async fn endpoint_type_vpc_calls_the_vpc_host_and_an_unlisted_region_the_rule() {
    let host = |run: &Run| run.out.lines().find_map(|l| l.strip_prefix("host: ")).map(|h| h.trim_end().to_owned());
    let cases = [
        (vec!["--endpoint-type", "vpc"], "cn-hangzhou", Some("swas-vpc.cn-hangzhou.aliyuncs.com")),
        (vec!["--endpoint-type", "public"], "cn-hangzhou", Some("swas.cn-hangzhou.aliyuncs.com")),
        (vec![], "me-central-1", Some("swas.me-central-1.aliyuncs.com")),
        (vec!["--endpoint-type", "vpc"], "me-central-1", Some("swas-vpc.me-central-1.aliyuncs.com")),
        (vec!["--endpoint-type", "vpc", "--endpoint", "127.0.0.1:9"], "cn-hangzhou", Some("127.0.0.1:9")),
        (vec!["--endpoint-type", "vpc.evil.com"], "cn-hangzhou", None),
    ];
    for (flags, region, expected) in cases {
        let mut args = vec!["attach-key-pair", "--region-id", region, "--instance-ids", "i-1", "--key-pair-name", "test", "--dry-run"];
        args.extend(flags.iter().copied());
        let run = swas_open(&args, keys()).await;
        match expected {
            Some(expected) => {
                assert_eq!(run.code, 0, "{flags:?}: {}", run.err);
                assert_eq!(host(&run).as_deref(), Some(expected), "{flags:?} in {region}");
            }
            None => {
                assert_eq!(run.code, 1, "{}", run.out);
                assert!(run.err.contains("network type \"vpc.evil.com\" is not one"), "{}", run.err);
            }
        }
    }
}

#[tokio::test]
async fn dry_run_redacts_sts_tokens() {
    let env = Environment::new(
        [
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.tmp"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "stssecret"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "tok+en/with=chars"),
        ],
        None,
    );
    for version in ["v3", "rpc"] {
        let run = swas_open(&with(ATTACH, &["--signature-version", version, "--dry-run"]), env.clone()).await;
        assert_eq!(run.code, 0, "{}", run.err);
        assert!(!run.out.contains("tok+en") && !run.out.contains("tok%2Ben"), "{}", run.out);
        assert!(run.out.contains("redacted"));
        assert!(run.out.contains("host: swas.cn-hangzhou.aliyuncs.com"), "the region's endpoint by default");
    }
}

#[tokio::test]
async fn sts_credentials_and_profiles_from_files() {
    let server = Server::start(vec![]).await;
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".alibabacloud")).unwrap();
    std::fs::write(home.path().join(".alibabacloud/credentials.ini"), "[default]\ntype = access_key\naccess_key_id = testid\naccess_key_secret = wrong\n\n[sts]\ntype = sts\naccess_key_id = STS.tmp\naccess_key_secret = stssecret\nsecurity_token = tok+en/with=chars\n").unwrap();
    let env = Environment::new(Vec::<(String, String)>::new(), Some(home.path().into()));
    let run = swas_open(&with(ATTACH, &["--endpoint", &server.url, "--profile", "sts"]), env.clone()).await;
    assert_eq!(run.code, 0, "{}", run.err);
    let run = swas_open(&with(ATTACH, &["--endpoint", &server.url]), env).await;
    assert_eq!(run.code, 1, "the default profile's secret is wrong");
    assert!(run.err.contains("code: SignatureDoesNotMatch"), "{}", run.err);
    assert!(!run.err.contains("wrong\n"), "{}", run.err);
}

#[tokio::test]
async fn transport_errors_exit_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let run = swas_open(&with(ATTACH, &["--endpoint", &endpoint, "--max-attempts", "1"]), keys()).await;
    assert_eq!(run.code, 1);
    assert!(run.err.starts_with("error: AttachKeyPair: connection error after 1 attempt(s)"), "{}", run.err);
}

#[tokio::test]
async fn missing_credentials_exit_1() {
    let home = tempfile::tempdir().unwrap();
    let run = swas_open(ATTACH, Environment::new(Vec::<(String, String)>::new(), Some(home.path().into()))).await;
    assert_eq!(run.code, 1);
    assert!(run.err.starts_with("error: credentials: no credentials found"), "{}", run.err);
}

fn binary() -> Option<std::path::PathBuf> {
    acs_tests::built_binary("acs-swas-open", "swas-open")
}

#[tokio::test]
async fn the_binary_calls_a_local_endpoint_and_sets_its_exit_status() {
    let Some(binary) = binary() else {
        panic!("could not build the swas-open binary");
    };
    let server = Server::start(vec![Answer::error(404, "InvalidInstanceId.NotFound", "The specified Instance Id does not exist.")]).await;
    let run = |args: Vec<String>| {
        let binary = binary.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(binary)
                .args(args)
                .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
                .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
                .env("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
                .output()
                .unwrap()
        })
    };
    let args: Vec<String> = with(ATTACH, &["--endpoint", &server.url]).into_iter().map(String::from).collect();
    let failed = run(args.clone()).await.unwrap();
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("request id: REQ-InvalidInstanceId.NotFound"));
    let ok = run(args).await.unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("\"RequestId\""));
    let invalid = run(vec![
        "attach-key-pair".into(),
        "--region-id".into(),
        "cn-hangzhou".into(),
        "--instance-ids".into(),
        "i-1".into(),
        "--key-pair-name".into(),
        "1".into(),
    ])
    .await
    .unwrap();
    assert_eq!(invalid.status.code(), Some(2));
    assert_eq!(server.seen().len(), 2);
}

#[cfg(unix)]
#[test]
fn a_non_utf8_environment_variable_neither_panics_nor_leaks() {
    use std::os::unix::ffi::OsStrExt;
    let Some(binary) = binary() else {
        panic!("could not build the swas-open binary");
    };
    // A value that is not UTF-8, holding something secret-looking.
    let value = std::ffi::OsStr::from_bytes(b"very-secret-\xff\xfe-value");
    let out = std::process::Command::new(binary)
        .args(with(ATTACH, &["--dry-run"]))
        .env("SOME_VARIABLE", value)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
        .env("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked") && !err.contains("very-secret"), "{err}");
}

#[tokio::test]
async fn subcommand_help_shows_each_parameters_wire_name_and_constraints() {
    let run = swas_open(&["attach-key-pair", "--help"], keys()).await;
    assert_eq!(run.code, 0);
    for expected in [
        "[KeyPairName; 2 to 64 characters; matches `^[A-Za-z][A-Za-z0-9:_-]*$`; must not start with `http://` or `https://`]",
        "[InstanceIds; 1 to 50 items]",
        "[ClientToken; at most 64 characters; ASCII characters only]",
    ] {
        assert!(run.out.contains(expected), "{expected:?} not in:\n{}", run.out);
    }
}
