//! No secret leaks: every error path of the CLI, the client, the credentials providers and the
//! emulator that a test can reach runs with a known AccessKey secret and a known STS token, and
//! neither appears in stdout, stderr, logs (every tracing event and span field, at TRACE) or
//! `Debug` output.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use acs_runtime::credentials::{Cached, CredentialsUri, Environment, ProvideCredentials, RamRoleArn, StsEndpoint};
use acs_runtime::testing::Replay;
use acs_swas_open::attach_key_pair::AttachKeyPairRequest;
use acs_swas_open::{CallOptions, Client, Config, Credentials, RetryPolicy, SignatureVersion};
use acs_tests::emu;

const SECRET: &str = "SeCrEtXq7Lm2Zp9Wd4";
const TOKEN: &str = "ToKeNvB3nR8sK1yH6";

/// Everything the program said: outputs, errors, logs, Debug forms.
fn said() -> &'static Mutex<String> {
    static SAID: OnceLock<Mutex<String>> = OnceLock::new();
    SAID.get_or_init(Mutex::default)
}

fn note(text: impl AsRef<str>) {
    let mut said = said().lock().unwrap();
    said.push_str(text.as_ref());
    said.push('\n');
}

/// Records every event and span field, at every level.
struct Recorder;

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={value:?} ", field.name()));
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut fields = Fields(String::new());
        attrs.record(&mut fields);
        note(fields.0);
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut fields = Fields(String::new());
        values.record(&mut fields);
        note(fields.0);
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        note(fields.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

use acs_tests::home_with;

async fn cli(args: &[&str], env: Environment) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = acs_swas_open::cli::run(std::iter::once("swas-open").chain(args.iter().copied()), env, &mut out, &mut err).await;
    note(format!("exit {code}\n{}\n{}", String::from_utf8_lossy(&out), String::from_utf8_lossy(&err)));
}

fn keys(secret: &str, token: Option<&str>) -> Environment {
    let mut vars = vec![
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.leak".to_owned()),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret.to_owned()),
        ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true".to_owned()),
    ];
    if let Some(t) = token {
        vars.push(("ALIBABA_CLOUD_SECURITY_TOKEN", t.to_owned()));
    }
    Environment::new(vars, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_error_path_shows_the_secret_or_the_token() {
    let _ = tracing::subscriber::set_global_default(Recorder);
    let mut state = emu::state(2);
    state
        .access_keys
        .push(serde_json::from_value(serde_json::json!({"id": "STS.leak", "secret": SECRET, "security_token": TOKEN})).unwrap());
    let mut faulty = state.clone();
    let (emulator, running) = emu::start(state, None).await;
    let url = running.url.clone();
    let attach = ["--endpoint", url.as_str(), "attach-key-pair", "--region-id", "cn-hangzhou", "--key-pair-name", "test", "--instance-ids"];

    // The CLI: success, service errors, validation, dry runs, transport failures, both versions.
    for version in ["v3", "rpc"] {
        let with = |extra: &[&'static str]| -> Vec<String> {
            let mut a: Vec<String> = vec!["--signature-version".into(), version.into()];
            a.extend(attach.iter().map(|s| (*s).to_owned()));
            a.extend(extra.iter().map(|s| (*s).to_owned()));
            a
        };
        for (extra, env) in [
            (&["i-1"][..], keys(SECRET, Some(TOKEN))),
            (&["i-404"][..], keys(SECRET, Some(TOKEN))),
            (&["i-1"][..], keys(SECRET, Some("wrong-token"))),
            (&["i-1"][..], keys(SECRET, None)),
            (&["i-1"][..], keys("wrong-secret", Some(TOKEN))),
            (&["i-1", "--dry-run"][..], keys(SECRET, Some(TOKEN))),
            (&["i-1", "--key-pair-name", "1bad"][..], keys(SECRET, Some(TOKEN))),
        ] {
            let args = with(extra);
            cli(&args.iter().map(String::as_str).collect::<Vec<_>>(), env).await;
        }
        let refused = with(&["i-1", "--max-attempts", "2"]);
        let mut refused: Vec<&str> = refused.iter().map(String::as_str).collect();
        refused[3] = "http://127.0.0.1:9";
        cli(&refused, keys(SECRET, Some(TOKEN))).await;
    }
    // A key with a line break in it.
    cli(&[attach.as_slice(), &["i-1"]].concat(), keys(&format!("{SECRET}\r\nX: y"), Some(TOKEN))).await;

    // The client: errors and Debug forms, with a deadline, a decode failure and a replay.
    let creds = Credentials::new("STS.leak", SECRET).with_security_token(TOKEN);
    for version in [SignatureVersion::V3, SignatureVersion::Rpc] {
        let config = Config::new().endpoint(&url).credentials(creds.clone()).signature_version(version);
        let client = Client::new(config.clone()).unwrap();
        note(format!("{client:?} {config:?}"));
        for ids in [["i-1"], ["i-404"]] {
            let outcome = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ids, "test")).await;
            note(format!("{outcome:?}"));
            if let Err(e) = outcome {
                note(e.to_string());
            }
        }
        let signed = client.signed_request(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await.unwrap();
        note(format!("{signed:?}\n{}", signed.to_http_text()));
        let dead = Client::new(config.clone().endpoint("http://127.0.0.1:9").retry(RetryPolicy::none())).unwrap();
        let err = dead.call(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test"), &CallOptions::default()).await.unwrap_err();
        note(format!("{err} {err:?}"));
        let replay = Arc::new(Replay::new([Replay::json(200, "<html>not json</html>"), Replay::json(500, "oops")]));
        let junk = Client::new(config.clone().transport(replay.clone()).retry(RetryPolicy::none())).unwrap();
        for _ in 0..2 {
            let err = junk.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await.unwrap_err();
            note(format!("{err} {err:?}"));
        }
        note(format!("{:?}", replay.requests()));
    }
    let slow = Client::new(Config::new().endpoint(&url).credentials(creds.clone()).deadline(Duration::from_millis(1))).unwrap();
    if let Err(e) = slow.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await {
        note(format!("{e} {e:?}"));
    }

    // Credentials: malformed files holding the secret, a failing role, a failing URI, Debug forms.
    let cli_json = format!(
        r#"{{"current":"x","profiles":[{{"name":"x","mode":"RamRoleArn","access_key_id":"a","access_key_secret":"{SECRET}","sts_token":"{TOKEN}"}}]"#
    );
    let ini = format!("[default]\naccess_key_id = a\naccess_key_secret = {SECRET}\nsecurity_token {TOKEN}\n");
    for files in [
        vec![(".aliyun/config.json", cli_json.clone())],
        vec![(".alibabacloud/credentials.ini", ini)],
        vec![(".aliyun/config.json", format!("{cli_json}}}"))],
        vec![(".alibabacloud/credentials.ini", format!("[default]\ntype = rsa_key_pair\naccess_key_secret = {SECRET}\n"))],
    ] {
        let home = home_with(&files);
        let env = Environment::new([("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")], Some(home.path().into()));
        match Client::new(Config::new().environment(env)) {
            Ok(client) => {
                let outcome = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await;
                note(format!("{outcome:?}"));
            }
            Err(e) => note(format!("{e} {e:?}")),
        }
    }
    let role = RamRoleArn::new(Arc::new(creds.clone()), "acs:ram::1:role/r").sts_endpoint(StsEndpoint::custom(&url).unwrap());
    let cached = Cached::new(Arc::new(role));
    note(format!("{cached:?}"));
    let outcome = cached.provide().await;
    note(format!("{outcome:?}"));
    let ok_role = RamRoleArn::new(Arc::new(creds.clone()), "acs:ram::1:role/r").sts_endpoint(StsEndpoint::custom(&url).unwrap());
    let assumed = ok_role.provide().await;
    note(format!("{ok_role:?} {:?}", assumed.as_ref().map(|c| c.access_key_id().to_owned())));
    let uri = CredentialsUri::new(&format!("{url}/nothing")).unwrap();
    note(format!("{uri:?} {:?}", uri.provide().await));

    // The emulator: its view, its recent errors, and a faulty one.
    note(emulator.state().to_string());
    faulty.sts.max_lifetime_seconds = Some(1);
    let (faulty_emulator, faulty_running) =
        emu::start(faulty, Some(acs_emulator::Faults { rate: 1.0, seed: 7, delay: Duration::from_millis(10), kinds: vec![] })).await;
    let flaky = Client::new(Config::new().endpoint(&faulty_running.url).credentials(creds.clone())).unwrap();
    for _ in 0..4 {
        let outcome = flaky.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test")).await;
        note(format!("{outcome:?}"));
    }
    note(faulty_emulator.state().to_string());

    let said = said().lock().unwrap().clone();
    assert!(said.len() > 10_000, "the test saw little: {} bytes", said.len());
    for seen in [
        "STS.leak",
        "SignatureDoesNotMatch",
        "InvalidSecurityToken",
        "operation=",
        "no credentials found",
        "ram_role_arn",
        "** redacted **",
    ] {
        assert!(said.contains(seen), "the test never reached {seen:?}");
    }
    for (what, secret) in [("the secret", SECRET), ("the token", TOKEN)] {
        if let Some(at) = said.find(secret) {
            let start = said[..at].char_indices().rev().nth(300).map_or(0, |(i, _)| i);
            panic!("{what} leaked:\n…{}…", &said[start..(at + 100).min(said.len())]);
        }
    }
}
