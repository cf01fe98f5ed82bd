//! Helpers shared by the integration tests.
//!
//! Longer than 500 lines on purpose: one module per kind of double (a signature-checking
//! server, the emulator in-process, the fuzz entry points), each short, kept in the one file the
//! test crates and the fuzz workspace link as their library.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace").to_path_buf()
}

/// `../shared` beside the project, where the real metadata and vectors live.
///
/// When it is missing, a test cannot run: it says so, and fails if `CI` is set (CI always has
/// it), so a missing checkout never passes silently there.
pub fn shared_dir(test: &str) -> Option<PathBuf> {
    let dir = project_root().join("../shared");
    if dir.join("meta").is_dir() {
        return Some(dir.canonicalize().unwrap_or(dir));
    }
    let message = format!("{test}: {} is missing; it holds the real metadata this test reads", dir.display());
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
        panic!("{message} (CI is set, so this is a failure)");
    }
    eprintln!("SKIPPED {message}");
    None
}

/// Panics with a unified diff when `actual` differs from the golden file at `path` (relative to
/// `tests/golden`).
pub fn assert_golden(path: &str, actual: &str) {
    let file = project_root().join("tests/golden").join(path);
    let expected = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual).unified_diff().header("golden", "actual").to_string();
        panic!("{} differs from the output:\n{diff}", file.display());
    }
}

/// A temporary home directory holding `files` (path relative to it, content).
pub fn home_with<T: AsRef<str>>(files: &[(&str, T)]) -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("a temporary directory");
    for (path, text) in files {
        let p = home.path().join(path);
        std::fs::create_dir_all(p.parent().expect("below the home")).expect("directories");
        std::fs::write(p, text.as_ref()).expect("a file");
    }
    home
}

/// A binary of a workspace package. `cargo test` builds a package's binaries only for that
/// package's own integration tests, so this builds it (a no-op when it is up to date) into the
/// target directory the running test lives in.
pub fn built_binary(package: &str, bin: &str) -> Option<PathBuf> {
    let dir = std::env::current_exe().ok()?.parent()?.parent()?.to_path_buf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        // Every feature: a generated crate's binary needs its opt-in `cli` feature.
        .args(["build", "--quiet", "-p", package, "--all-features", "--bin", bin])
        .env("CARGO_TARGET_DIR", dir.parent()?)
        .current_dir(project_root())
        .status()
        .ok()?;
    let path = dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    (status.success() && path.is_file()).then_some(path)
}

/// The Python with the official SDKs: `ACS_PYTHON`, else `.venv/bin/python` in the project (which
/// `.ci/run` creates). Missing: the test says so, and fails when `CI` is set.
pub fn sdk_python(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("ACS_PYTHON").map(PathBuf::from).unwrap_or_else(|| project_root().join(".venv/bin/python"));
    if path.is_file() {
        return Some(path);
    }
    let message = format!(
        "{test}: {} is missing; create it with `python3 -m venv .venv && .venv/bin/pip install -r tests/interop/requirements.txt`",
        path.display()
    );
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") {
        panic!("{message} (CI is set, so this is a failure)");
    }
    eprintln!("SKIPPED {message}");
    None
}

/// The README's examples, compiled and run as doctests so the README stays true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub mod server {
    //! A local HTTP endpoint for client and CLI tests: it checks each request's signature
    //! (both versions) from the raw request it received, records it, and answers from a script.

    use std::collections::VecDeque;
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use acs_runtime::sign;
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method, StatusCode, Uri};
    use axum::response::{IntoResponse, Response};

    /// The documented success body.
    pub const SUCCESS: &str = include_str!("golden/attach_key_pair/response.json");

    /// One scripted answer.
    #[derive(Clone, Debug)]
    pub struct Answer {
        /// Status.
        pub status: u16,
        /// Extra headers.
        pub headers: Vec<(&'static str, String)>,
        /// Body.
        pub body: String,
        /// Wait before answering.
        pub delay: Duration,
    }

    impl Answer {
        /// A JSON answer.
        pub fn json(status: u16, body: &str) -> Self {
            Self { status, headers: vec![("content-type", "application/json".into())], body: body.into(), delay: Duration::ZERO }
        }

        /// A service error body in the real shape.
        pub fn error(status: u16, code: &str, message: &str) -> Self {
            Self::json(
                status,
                &format!(
                    r#"{{"RequestId":"REQ-{code}","HostId":"swas.cn-hangzhou.aliyuncs.com","Code":"{code}","Message":"{message}","Recommend":"https://api.aliyun.com/troubleshoot?q={code}"}}"#
                ),
            )
        }

        /// Adds a header.
        pub fn header(mut self, name: &'static str, value: &str) -> Self {
            self.headers.push((name, value.into()));
            self
        }

        /// Waits before answering.
        pub fn after(mut self, delay: Duration) -> Self {
            self.delay = delay;
            self
        }
    }

    /// A request as the server saw it.
    #[derive(Clone, Debug)]
    pub struct Seen {
        /// Method.
        pub method: String,
        /// Decoded query pairs, in order.
        pub query: Vec<(String, String)>,
        /// Headers, names lower case.
        pub headers: Vec<(String, String)>,
        /// Whether the signature verified, or why not.
        pub signature: Result<&'static str, String>,
    }

    impl Seen {
        /// A query parameter.
        pub fn param(&self, name: &str) -> Option<&str> {
            self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
        }

        /// A header.
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
        }
    }

    #[derive(Default)]
    struct State {
        script: Mutex<VecDeque<Answer>>,
        seen: Mutex<Vec<Seen>>,
    }

    /// A running server; stops when dropped.
    pub struct Server {
        /// `http://127.0.0.1:PORT`.
        pub url: String,
        state: Arc<State>,
        /// The serving task, aborted when the set is dropped.
        _task: tokio::task::JoinSet<()>,
    }

    /// Serves `app` on a free loopback port: its `http://127.0.0.1:PORT`, and the serving task,
    /// which stops when the returned set is dropped (a test double lives as long as its owner).
    pub async fn serve(app: axum::Router) -> (String, tokio::task::JoinSet<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let mut task = tokio::task::JoinSet::new();
        task.spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        (format!("http://{addr}"), task)
    }

    /// Reads until the end of a request head; its length (with the blank line), or `None` at EOF.
    pub async fn read_head(conn: &mut (impl tokio::io::AsyncRead + Unpin), buffer: &mut Vec<u8>) -> Option<usize> {
        loop {
            if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                return Some(i + 4);
            }
            let mut chunk = [0u8; 4096];
            match tokio::io::AsyncReadExt::read(conn, &mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Access keys the server knows: id → (secret, security token).
    pub const KEYS: &[(&str, &str, Option<&str>)] = &[("testid", "testsecret", None), ("STS.tmp", "stssecret", Some("tok+en/with=chars"))];

    impl Server {
        /// Starts a server on a free loopback port; answers `script` in order, then `SUCCESS`.
        pub async fn start(script: Vec<Answer>) -> Self {
            let state = Arc::new(State { script: Mutex::new(script.into()), seen: Mutex::default() });
            let shared = state.clone();
            let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = shared.clone();
                async move { handle(state, method, uri, headers, body).await }
            });
            let (url, task) = serve(app).await;
            Self { url, state, _task: task }
        }

        /// Requests received so far.
        pub fn seen(&self) -> Vec<Seen> {
            self.state.seen.lock().unwrap().clone()
        }
    }

    fn verify(method: &str, query: &[(String, String)], headers: &[(String, String)], body: &[u8]) -> Result<&'static str, String> {
        let header = |n: &str| headers.iter().find(|(h, _)| h == n).map(|(_, v)| v.as_str());
        if let Some(auth) = header("authorization") {
            let rest = auth.strip_prefix("ACS3-HMAC-SHA256 ").ok_or("not ACS3")?;
            let mut id = "";
            let mut signed = Vec::new();
            let mut signature = "";
            for part in rest.split(',') {
                match part.split_once('=') {
                    Some(("Credential", v)) => id = v,
                    Some(("SignedHeaders", v)) => signed = v.split(';').map(str::to_owned).collect(),
                    Some(("Signature", v)) => signature = v,
                    _ => return Err(format!("bad Authorization part {part:?}")),
                }
            }
            let (_, secret, token) = KEYS.iter().find(|k| k.0 == id).ok_or(format!("unknown key {id}"))?;
            if token.is_some() && header("x-acs-security-token") != *token {
                return Err("missing or wrong x-acs-security-token".into());
            }
            for required in ["host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"] {
                if !signed.iter().any(|s| s == required) {
                    return Err(format!("{required} is not signed"));
                }
            }
            let computed = sign::sign_v3(&sign::V3Input {
                method,
                canonical_uri: "/",
                query: &sign::borrow_pairs(query),
                headers: &sign::borrow_pairs(headers),
                signed_headers: &signed,
                body,
                access_key_id: id,
                access_key_secret: secret,
            });
            if computed.signature == signature {
                Ok("v3")
            } else {
                Err(format!("V3 mismatch; server string to sign {:?}", computed.string_to_sign))
            }
        } else {
            let get = |n: &str| query.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
            let id = get("AccessKeyId").ok_or("no Authorization and no AccessKeyId")?;
            let (_, secret, token) = KEYS.iter().find(|k| k.0 == id).ok_or(format!("unknown key {id}"))?;
            if token.is_some() && get("SecurityToken") != *token {
                return Err("missing or wrong SecurityToken".into());
            }
            let signature = get("Signature").ok_or("no Signature")?;
            let params: Vec<(String, String)> = query.iter().filter(|(n, _)| n != "Signature").cloned().collect();
            let computed = sign::sign_rpc(method, "/", &params, secret);
            if computed.signature == signature {
                Ok("rpc")
            } else {
                Err(format!("RPC mismatch; server string to sign {:?}", computed.string_to_sign))
            }
        }
    }

    async fn handle(state: Arc<State>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
        let query = acs_runtime::wire::decode_query(uri.query().unwrap_or(""));
        let headers: Vec<(String, String)> =
            headers.iter().map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect();
        let signature = verify(method.as_str(), &query, &headers, &body);
        let verified = signature.is_ok();
        state.seen.lock().unwrap().push(Seen { method: method.to_string(), query, headers, signature: signature.clone() });
        let answer = if verified {
            state.script.lock().unwrap().pop_front().unwrap_or_else(|| Answer::json(200, SUCCESS))
        } else {
            Answer::error(400, "SignatureDoesNotMatch", &signature.unwrap_err().replace('"', "'"))
        };
        tokio::time::sleep(answer.delay).await;
        let mut response = (StatusCode::from_u16(answer.status).unwrap(), answer.body).into_response();
        for (name, value) in answer.headers {
            response.headers_mut().insert(name, value.parse().unwrap());
        }
        response
    }
}

pub mod emu {
    //! Starting the emulator in-process for tests.

    use acs_emulator::state::State;
    use acs_emulator::{Emulator, Faults, Running};

    /// Access keys every test state has: a plain key and an STS key.
    pub const KEYS: &str = r#"[{"id":"testid","secret":"testsecret","security_token":null},{"id":"STS.tmp","secret":"stssecret","security_token":"tok+en/with=chars"}]"#;

    /// A state with `instances` servers `i-1`… in cn-hangzhou, one in cn-beijing (`i-bj`), and the
    /// key pairs `test` and `other` in cn-hangzhou.
    pub fn state(instances: usize) -> State {
        let mut list: Vec<String> =
            (1..=instances).map(|i| format!(r#"{{"id":"i-{i}","region":"cn-hangzhou","key_pair":null}}"#)).collect();
        list.push(r#"{"id":"i-bj","region":"cn-beijing","key_pair":null}"#.into());
        State::parse(&format!(
            r#"{{"access_keys":{KEYS},"instances":[{}],"key_pairs":[{{"name":"test","region":"cn-hangzhou"}},{{"name":"other","region":"cn-hangzhou"}}]}}"#,
            list.join(",")
        ))
        .unwrap()
    }

    /// A signed RPC AttachKeyPair query, with `extra` business parameters (names and values as
    /// given, encoded) and the nonce given, signed by `testid` with RPC HMAC-SHA1.
    pub fn rpc_query(extra: &[(&str, &str)], nonce: &str) -> String {
        let date = acs_runtime::sign::format_timestamp(std::time::SystemTime::now());
        let mut params: Vec<(String, String)> = [
            ("Action", "AttachKeyPair"),
            ("Version", "2020-06-01"),
            ("Format", "JSON"),
            ("Timestamp", date.as_str()),
            ("SignatureNonce", nonce),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("AccessKeyId", "testid"),
        ]
        .iter()
        .chain(extra)
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
        let signature = acs_runtime::sign::sign_rpc("POST", "/", &params, "testsecret").signature;
        params.push(("Signature".into(), signature));
        acs_runtime::sign::encode_pairs(params.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }

    /// Starts an emulator for the project's SWAS spec.
    pub async fn start(state: State, faults: Option<Faults>) -> (Emulator, Running) {
        let spec_path = crate::project_root().join("spec/swas-open/2020-06-01/api-docs.json");
        let spec = std::fs::read_to_string(&spec_path).unwrap();
        let emulator = Emulator::new(&spec, "spec/swas-open/2020-06-01/api-docs.json", state, faults).unwrap();
        let running = emulator.start("127.0.0.1:0").await.unwrap();
        (emulator, running)
    }
}

pub mod fuzzing {
    //! The bodies of the fuzz targets (`fuzz/fuzz_targets/*.rs`), here so that the committed
    //! corpora also run as an ordinary test on stable (`tests/fuzz_corpus.rs`). Each takes any
    //! bytes; none may panic, and each checks what must hold for every input.

    use std::collections::BTreeMap;
    use std::sync::OnceLock;

    use acs_runtime::wire::{self, Shape, Style};
    use acs_runtime::Operation;

    /// A target's body.
    pub type Target = fn(&[u8]);

    /// The targets, by name: what `cargo xtask fuzz` runs and the corpus test replays.
    pub const TARGETS: &[(&str, Target)] =
        &[("spec", spec), ("wire", wire), ("emulator", emulator), ("response", response), ("credential_files", credential_files)];

    /// A spec: parsed, lowered and emitted. A spec the IR accepts must emit valid Rust.
    pub fn spec(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else { return };
        let settings = acs_codegen::Settings::new("../runtime", "fuzz", "fuzz").with_rustfmt(acs_codegen::Rustfmt::Off, None);
        if let Err(acs_codegen::Error::Emit { .. }) = acs_codegen::generate(text, &settings) {
            panic!("the IR accepted a spec whose output does not parse");
        }
    }

    /// A query or form body: decoded leniently and strictly (which must agree when the strict
    /// one accepts), then every parameter read back in every style and shape.
    pub fn wire(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let lenient = wire::decode_query(&text);
        if let Ok(strict) = wire::decode_query_strict(&text) {
            assert_eq!(strict, lenient, "strict and lenient decoding disagree on input the strict one accepts");
        }
        let pairs: BTreeMap<String, String> = lenient.into_iter().collect();
        let mut names: Vec<&str> = pairs.keys().map(|k| k.split('.').next().unwrap_or(k)).collect();
        names.dedup();
        for name in names.into_iter().take(8) {
            for style in [Style::Plain, Style::RepeatList, Style::Flat, Style::Json, Style::Simple] {
                for shape in [Shape::Scalar, Shape::Composite] {
                    let _ = wire::take(&pairs, name, style, shape);
                }
            }
        }
    }

    fn the_emulator() -> &'static acs_emulator::Emulator {
        static EMULATOR: OnceLock<acs_emulator::Emulator> = OnceLock::new();
        EMULATOR.get_or_init(|| {
            let spec = include_str!("../spec/swas-open/2020-06-01/api-docs.json");
            acs_emulator::Emulator::new(spec, "swas", crate::emu::state(3), None).expect("the project's spec loads")
        })
    }

    /// A request to the emulator: `METHOD path?query`, header lines, a blank line, the body. With
    /// the first byte odd, the harness signs the query (RPC, key `testid`), so the parameter
    /// checks and the operations are reached, not only authentication. Every answer must be a
    /// JSON object with a status the gateway uses, and an error must say `Code` and `Message`.
    pub fn emulator(data: &[u8]) {
        let Some((&first, rest)) = data.split_first() else { return };
        let text = String::from_utf8_lossy(rest);
        let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let request_line = lines.next().unwrap_or("");
        let (method, target) = request_line.split_once(' ').unwrap_or(("POST", request_line));
        let headers: Vec<(String, String)> =
            lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())).collect();
        let target = if first & 1 == 1 {
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            let mut params = wire::decode_query(query);
            params.retain(|(n, _)| !matches!(n.as_str(), "Signature" | "AccessKeyId" | "SignatureMethod" | "SignatureVersion"));
            params.extend([
                ("AccessKeyId".to_owned(), "testid".to_owned()),
                ("SignatureMethod".to_owned(), "HMAC-SHA1".to_owned()),
                ("SignatureVersion".to_owned(), "1.0".to_owned()),
                ("Timestamp".to_owned(), acs_runtime::sign::format_timestamp(std::time::SystemTime::now())),
                ("SignatureNonce".to_owned(), acs_runtime::sign::new_nonce()),
            ]);
            params.retain({
                let mut seen = std::collections::HashSet::new();
                move |(n, _)| seen.insert(n.clone())
            });
            let signature = acs_runtime::sign::sign_rpc(method, "/", &params, "testsecret").signature;
            params.push(("Signature".into(), signature));
            let query = acs_runtime::sign::encode_pairs(params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
            format!("{path}?{query}")
        } else {
            target.to_owned()
        };
        let (status, answer) = the_emulator().answer_raw(method, &target, &headers, body.as_bytes());
        assert!(matches!(status, 200 | 400 | 403 | 404 | 409 | 413 | 500), "status {status}");
        assert!(answer.is_object(), "{answer}");
        if status != 200 {
            assert!(answer["Code"].is_string() && answer["Message"].is_string(), "{answer}");
            // Short, except the echo of a wrong signature's string-to-sign, which the gateway sends
            // in full (SDKs compare it with their own): never more than the encoding of the input.
            let message = answer["Message"].as_str().unwrap_or("");
            let bound = 4096 + 4 * data.len();
            assert!(
                message.len() <= bound,
                "an error message of {} bytes for {} bytes of input: {}…",
                message.len(),
                data.len(),
                message.chars().take(300).collect::<String>()
            );
        }
    }

    /// A response body: decoded as each operation's response and as an error body, and
    /// reformatted for the CLI (which must give back the same JSON).
    pub fn response(data: &[u8]) {
        let _ = <acs_swas_open::attach_key_pair::AttachKeyPairRequest as Operation>::decode_response(data);
        let _ = <acs_swas_open::list_instances::ListInstancesRequest as Operation>::decode_response(data);
        let text = String::from_utf8_lossy(data);
        let _ = acs_runtime::ServiceError::from_body(400, &text);
        for pretty in [true, false] {
            if let Some(out) = acs_runtime::cli::reformat_json(data, pretty) {
                // serde_json's Value refuses numbers beyond f64 (1e400) that JSON allows and the
                // printer keeps as written; where Value can hold the document, it must be unchanged.
                if let Ok(a) = serde_json::from_slice::<serde_json::Value>(data) {
                    let b: serde_json::Value = serde_json::from_str(&out).expect("reformatted JSON is JSON");
                    assert_eq!(a, b, "reformatting changed the document");
                }
                serde_json::from_str::<serde::de::IgnoredAny>(&out).expect("reformatted JSON is JSON");
                assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "control characters reach the terminal");
            }
        }
    }

    /// The two credentials files: `config.json` text, a NUL byte, `credentials.ini` text. Every
    /// profile they name is built (no request is made).
    pub fn credential_files(data: &[u8]) {
        let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
        let cli = String::from_utf8_lossy(&data[..split]);
        let ini = String::from_utf8_lossy(data.get(split + 1..).unwrap_or_default());
        for outcome in acs_runtime::credentials::build_every_profile(&cli, &ini) {
            if let Err(e) = outcome {
                let _ = e.to_string();
            }
        }
    }
}
