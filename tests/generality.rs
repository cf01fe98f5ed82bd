//! The generator over Alibaba's real metadata in ../shared/meta: every product generates, the
//! crates (library, client, CLI) compile without warnings, and the wire parameters match the
//! official SDK's.
//!
//! The crates go to a scratch workspace under the target directory (rewritten only where the
//! output changed, so reruns are incremental), built offline with this workspace's lock file
//! into the same target directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use acs_codegen::{write, Settings};
use acs_tests::{project_root, shared_dir};

struct Product {
    crate_name: &'static str,
    /// Below `../shared`, or below the project for its own fixtures (`tests/…`).
    spec: &'static str,
    operations: usize,
}

impl Product {
    fn path(&self, shared: &Path) -> PathBuf {
        if self.spec.starts_with("tests/") {
            project_root().join(self.spec)
        } else {
            shared.join(self.spec)
        }
    }
}

const PRODUCTS: &[Product] = &[
    Product { crate_name: "acs-swas", spec: "meta/swas-open/2020-06-01/api-docs.json", operations: 95 },
    Product { crate_name: "acs-swas25", spec: "meta/swas-open/2020-06-01/api-docs.2025-05-17.stripped.json", operations: 98 },
    Product { crate_name: "acs-sts", spec: "meta/sts/2015-04-01/api-docs.json", operations: 4 },
    Product { crate_name: "acs-ecs", spec: "meta/ecs/2014-05-26/api-docs.json", operations: 347 },
    // ROA: path templates, JSON bodies, array and text responses.
    Product { crate_name: "acs-cs", spec: "meta/cs/2015-12-15/api-docs.json", operations: 117 },
    // `type: any` in a request parameter and in a response.
    Product { crate_name: "acs-eflo", spec: "meta/eflo-controller/2022-12-15/api-docs.json", operations: 24 },
    // V3 without paths (sent as RPC), binary request bodies.
    Product { crate_name: "acs-ocr", spec: "meta/ocr-api/2021-07-07/api-docs.json", operations: 74 },
    // What the shipped metadata lacks: form bodies, $ref, maps, keyword names, exclusive bounds,
    // a recursive type, a header parameter, DELETE, and an operation that is skipped.
    Product { crate_name: "acs-synthetic", spec: "tests/fixtures/synthetic-api-docs.json", operations: 3 },
    // Quirks of the public metadata that must cost at most their own operation: bounds outside
    // the type, look-around, CR and bidi text, nesting at the limit, a JSON body and a binary one
    // on path-less V3 operations; and the constructs that skip (gateway-only, broken, too deep).
    Product { crate_name: "acs-quirks", spec: "tests/fixtures/quirks-api-docs.json", operations: 10 },
];

fn write_file(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        write::write_atomically(path, contents).unwrap();
    }
}

/// Runs cargo in the scratch workspace, sharing this build's target directory so dependencies
/// built for the project are reused. Warnings of the generated crates (path dependencies) are
/// always printed, so the callers find them on stderr without `-D warnings`, which would force
/// every dependency to be rebuilt.
fn cargo(workspace: &Path, args: &[&str]) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let exe = std::env::current_exe().unwrap();
    let target = exe.parent().and_then(Path::parent).and_then(Path::parent).expect("tests run from <target>/<profile>/deps");
    Command::new(cargo)
        .arg(args[0])
        .arg("--offline")
        .args(&args[1..])
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs")
}

/// Generates every product into the scratch workspace, once per test process (the tests run in
/// parallel and share it), and returns its root.
fn generate_all(shared: &Path) -> PathBuf {
    static WORKSPACE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    WORKSPACE.get_or_init(|| generate_workspace(shared)).clone()
}

fn generate_workspace(shared: &Path) -> PathBuf {
    let ws = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("generality");
    let runtime = project_root().join("runtime").canonicalize().unwrap();
    for product in PRODUCTS {
        let spec = product.path(shared);
        let settings = Settings::new(runtime.display().to_string(), "tests/generality.rs", product.spec)
            .with_crate_name(product.crate_name)
            .with_cli_name(product.crate_name);
        let generated = acs_codegen::generate_file(&spec, &settings).unwrap_or_else(|e| panic!("{e}"));
        let shared_files =
            ["src/lib.rs", "src/endpoints.rs", "src/errors.rs", "src/types.rs", "src/client.rs", "src/cli.rs"].map(PathBuf::from);
        let modules =
            generated.files.keys().filter(|p| p.starts_with("src") && !p.starts_with("src/bin") && !shared_files.contains(p)).count();
        assert_eq!(modules, product.operations, "{}: one module per operation", product.spec);
        let out = ws.join(product.crate_name);
        // The test's own scratch directory, reused between runs: adopted.
        let plan = write::plan(&out, &generated.files, true).unwrap();
        write::apply(&out, &plan).unwrap();
    }
    let members: Vec<String> = PRODUCTS
        .iter()
        .map(|p| format!("{:?}", p.crate_name))
        .chain(["\"wire-check\"".to_owned(), "\"verdict-check\"".to_owned()])
        .collect();
    write_file(&ws.join("Cargo.toml"), &format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", members.join(", ")));
    write_file(
        &ws.join("wire-check/Cargo.toml"),
        &format!(
            "[package]\nname = \"wire-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[[bin]]\nname = \"wire-check\"\npath = \"main.rs\"\n\n[dependencies]\nacs-runtime = {{ path = {:?} }}\nacs-swas25 = {{ path = \"../acs-swas25\", features = [\"cli\"] }}\nserde = \"1\"\nserde_json = \"1\"\ntokio = {{ version = \"1\", features = [\"rt\"] }}\n",
            runtime.display().to_string()
        ),
    );
    write_file(&ws.join("wire-check/main.rs"), &std::fs::read_to_string(project_root().join("tests/wire-check/main.rs")).unwrap());
    write_verdict_check(&ws, shared);
    write_file(&ws.join("Cargo.lock"), &std::fs::read_to_string(project_root().join("Cargo.lock")).unwrap());
    ws
}

/// The client/emulator agreement checker (`tests/verdict-check`), with its table of every
/// product and every operation's request type, from the IR.
fn write_verdict_check(ws: &Path, shared: &Path) {
    let root = project_root();
    let path = |crate_dir: &str| format!("{:?}", root.join(crate_dir).canonicalize().unwrap().display().to_string());
    let mut manifest = format!(
        "[package]\nname = \"verdict-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[[bin]]\nname = \"verdict-check\"\npath = \"main.rs\"\n\n\
         [dependencies]\nacs-runtime = {{ path = {} }}\nacs-ir = {{ path = {} }}\nacs-emulator = {{ path = {} }}\nbase64 = \"0.22\"\npercent-encoding = \"2\"\nserde = \"1\"\nserde_json = \"1\"\ntokio = {{ version = \"1\", features = [\"rt\"] }}\n",
        path("runtime"),
        path("ir"),
        path("emulator")
    );
    let mut products = String::new();
    let mut operations = String::new();
    let mut clis = String::new();
    let mut decoders = String::new();
    for product in PRODUCTS {
        manifest.push_str(&format!("{} = {{ path = \"../{}\", features = [\"cli\"] }}\n", product.crate_name, product.crate_name));
        let spec = product.path(shared);
        let krate = product.crate_name.replace('-', "_");
        products.push_str(&format!("    ({:?}, {:?}, &{krate}::SERVICE),\n", product.spec, spec.display().to_string()));
        clis.push_str(&format!(
            "    ({:?}, |args, env| Box::pin(async move {{ let (mut out, mut err) = (Vec::new(), Vec::new()); let status = {krate}::cli::run(args, env, &mut out, &mut err).await; (status, out, err) }})),\n",
            product.spec
        ));
        let service = acs_ir::load(&std::fs::read_to_string(&spec).unwrap(), &acs_ir::Options::default()).unwrap().service;
        for op in &service.operations {
            let module = &op.module;
            let request = format!("{krate}::{module}::{}", op.request_type);
            operations.push_str(&format!("    ({:?}, {:?}, check::<{request}>, call::<{request}>),\n", product.spec, op.name));
            decoders.push_str(&format!("    ({:?}, {:?}, decode::<{request}>),\n", product.spec, op.name));
        }
    }
    write_file(&ws.join("verdict-check/Cargo.toml"), &manifest);
    for file in ["main.rs", "diff.rs", "runs.rs"] {
        write_file(&ws.join("verdict-check").join(file), &std::fs::read_to_string(root.join("tests/verdict-check").join(file)).unwrap());
    }
    write_file(
        &ws.join("verdict-check/ops.rs"),
        &format!(
            "//! Written by tests/generality.rs: every product and every operation's request type.\n\n\
             use crate::{{call, check, decode, Caller, Checker, Cli, Decoder}};\n\n\
             pub const PRODUCTS: &[(&str, &str, &acs_runtime::ServiceInfo)] = &[\n{products}];\n\n\
             pub const CLIS: &[(&str, Cli)] = &[\n{clis}];\n\n\
             pub const OPERATIONS: &[(&str, &str, Checker, Caller)] = &[\n{operations}];\n\n\
             pub const DECODERS: &[(&str, &str, Decoder)] = &[\n{decoders}];\n"
        ),
    );
}

#[test]
fn real_metadata_generates_builds_without_warnings_and_matches_the_sdk_wire() {
    let Some(shared) = shared_dir("generality") else { return };
    let ws = generate_all(&shared);

    // Type-checking every crate (library, client and CLI binary) finds every error and warning
    // rustc can report; only the wire checker needs machine code, built below.
    let check = cargo(&ws, &["check", "--workspace", "--lib", "--bins", "--quiet"]);
    assert!(check.status.success(), "generated crates do not compile cleanly:\n{}", String::from_utf8_lossy(&check.stderr));
    assert!(!String::from_utf8_lossy(&check.stderr).contains("warning"), "warnings:\n{}", String::from_utf8_lossy(&check.stderr));
    // Built together, the crates share one runtime with every feature any of them asks for; a
    // crate built alone gets only the pattern engine its own manifest names: none (STS), the
    // linear one (ECS) or the full one (the quirks' look-around).
    for (name, feature) in [("acs-sts", None), ("acs-ecs", Some("\"patterns\"")), ("acs-quirks", Some("\"patterns-full\""))] {
        let manifest = std::fs::read_to_string(ws.join(name).join("Cargo.toml")).unwrap();
        let runtime = manifest.lines().find(|l| l.starts_with("acs-runtime")).unwrap();
        match feature {
            Some(feature) => assert!(runtime.contains(&format!("features = [{feature}]")), "{name}: {runtime}"),
            None => assert!(!runtime.contains("features"), "{name}: {runtime}"),
        }
        let alone = cargo(&ws, &["check", "-p", name, "--lib", "--quiet"]);
        assert!(alone.status.success(), "{name} alone does not compile:\n{}", String::from_utf8_lossy(&alone.stderr));
    }

    let golden = shared.join("meta/swas-open/2020-06-01/sdk-wire-golden.json");
    let run = cargo(&ws, &["run", "--quiet", "-p", "wire-check", "--", golden.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    println!("{stdout}");
    assert!(run.status.success(), "wire parameters differ from the official SDK's:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.lines().any(|l| l == "11 passed, 0 failed"), "{stdout}");
}

/// The generated clients and the emulator give every request built from the real metadata the
/// same verdict: the client's `validate` on the typed request, the emulator's checks on the
/// client's own wire encoding of it. Valid requests, and requests breaking each rule in turn.
/// Runs `verdict-check` with `args` in the scratch workspace; it must end with
/// "N passed, 0 failed" for some N of at least `at_least`. Returns what it printed.
fn verdict_check(ws: &Path, args: &[&str], at_least: usize) -> String {
    let run = cargo(ws, &[&["run", "--quiet", "-p", "verdict-check", "--"], args].concat());
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    println!("{stdout}");
    assert!(run.status.success(), "verdict-check {args:?} failed:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    let summary = stdout.lines().last().unwrap_or_default();
    let passed: usize = summary.split(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(summary.ends_with(" passed, 0 failed") && passed >= at_least, "{stdout}");
    stdout
}

#[test]
fn clients_and_emulator_agree_on_every_operation() {
    let Some(shared) = shared_dir("generality") else { return };
    let ws = generate_all(&shared);
    verdict_check(&ws, &[], 2_500);
}

#[test]
fn generation_is_deterministic_on_real_metadata() {
    let Some(shared) = shared_dir("generality") else { return };
    for product in PRODUCTS {
        let settings = Settings::new("../runtime", "test", product.spec);
        let a = acs_codegen::generate_file(&product.path(&shared), &settings).unwrap();
        let b = acs_codegen::generate_file(&product.path(&shared), &settings).unwrap();
        assert!(a.files == b.files, "{}: two runs differ", product.spec);
    }
}

/// The generated ROA client (cs) puts on the wire what the official SDK does for the five
/// `roa_v3.json` vectors: method, encoded path, query and JSON body, byte for byte (booleans in
/// the metadata's lower case, where the Python SDK writes `False`).
#[test]
fn roa_requests_match_the_official_sdks_wire() {
    let Some(shared) = shared_dir("generality") else { return };
    let ws = generate_all(&shared);
    let vectors = shared.join("vectors/roa_v3.json");
    verdict_check(&ws, &["--vectors", vectors.to_str().unwrap()], 5);
    // And the same five requests, sent by the generated types through the client (both
    // signatures) and by the generated command line, to an emulator loaded with cs.
    verdict_check(&ws, &["--emulate", vectors.to_str().unwrap()], 5);
}

/// The official ocr-api SDK and the generated ocr-api client send one recognition call with an
/// image to the emulator: a V3 operation without a path, its image a raw body. Both are
/// authenticated there (ACS3 over the body's SHA-256), and the service reads the same method,
/// path, action, parameters, content type and body from each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocr_recognition_with_an_image_matches_the_official_sdk() {
    let Some(shared) = shared_dir("generality") else { return };
    let Some(python) = acs_tests::sdk_python("generality") else { return };
    let ws = tokio::task::spawn_blocking({
        let shared = shared.clone();
        move || generate_all(&shared)
    })
    .await
    .unwrap();
    let label = "meta/ocr-api/2021-07-07/api-docs.json";
    let spec = std::fs::read_to_string(shared.join(label)).unwrap();
    let state = acs_emulator::state::State::parse(r#"{"access_keys": [{"id": "testid", "secret": "testsecret"}]}"#).unwrap();
    let emulator = acs_emulator::Emulator::new(&spec, "ocr", state, None).unwrap();
    let running = emulator.start("127.0.0.1:0").await.unwrap();

    // An image: a PNG signature, then every byte value (not UTF-8, not text).
    let mut image = b"\x89PNG\r\n\x1a\n".to_vec();
    image.extend((0..=255u8).cycle().take(3000));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.png");
    std::fs::write(&path, &image).unwrap();

    let script = acs_tests::project_root().join("tests/interop/ocr_call.py");
    let host = running.url.trim_start_matches("http://").to_owned();
    let sdk = Command::new(&python)
        .arg(&script)
        .args(["--endpoint", &host, "--image", path.to_str().unwrap(), "--type", "Advanced", "--output-coordinate", "points"])
        .args(["--page-no", "2"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&sdk.stdout);
    assert!(sdk.status.success() && said.contains(r#""ok": true"#), "official SDK: {said}\n{}", String::from_utf8_lossy(&sdk.stderr));

    let body = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &image);
    let request = serde_json::json!({"Type": "Advanced", "OutputCoordinate": "points", "PageNo": 2, "body": body}).to_string();
    let ours = {
        let (ws, url) = (ws.clone(), running.url.clone());
        tokio::task::spawn_blocking(move || {
            cargo(&ws, &["run", "--quiet", "-p", "verdict-check", "--", "--call", label, "RecognizeAllText", &url, &request])
        })
        .await
        .unwrap()
    };
    let said = String::from_utf8_lossy(&ours.stdout);
    assert!(ours.status.success() && said.trim() == "ok", "generated client: {said}\n{}", String::from_utf8_lossy(&ours.stderr));

    let state = emulator.state();
    let calls = state["recent_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2, "{state}");
    let (theirs, ours) = (&calls[0], &calls[1]);
    for key in ["action", "signature", "method", "path", "params", "content_type", "body_bytes", "body_sha256"] {
        assert_eq!(theirs[key], ours[key], "{key} differs:\n  official SDK: {theirs}\n  generated:    {ours}");
    }
    assert_eq!(ours["action"], "RecognizeAllText");
    assert_eq!((ours["method"].as_str(), ours["path"].as_str()), (Some("POST"), Some("/")));
    assert_eq!(ours["content_type"], "application/octet-stream");
    assert_eq!(ours["body_bytes"], image.len());
    assert_eq!(ours["params"], serde_json::json!({"OutputCoordinate": "points", "PageNo": "2", "Type": "Advanced"}));
    assert_eq!(state["recent_errors"].as_array().unwrap().len(), 0, "{state}");
}

/// Every operation of every product through its generated command line, against an emulator:
/// the parameters the service reads are exactly those the typed request encodes, with every
/// parameter set and with only the required ones. Parameters named like the global flags
/// (`DryRun`, `Endpoint`, `Region`, `Profile`, `Output`, … of every type, in the quirks fixture)
/// neither take nor give a global's value, and never move the request.
#[test]
fn every_operation_through_the_cli_sends_what_the_typed_request_encodes() {
    let Some(shared) = shared_dir("generality") else { return };
    let ws = generate_all(&shared);
    verdict_check(&ws, &["--cli-all", "all"], 1_400);
}

/// Every operation of every product in `../shared/meta` built by its official Python SDK
/// (pinned in tests/interop/requirements.txt; requests captured in-process) and by the generated
/// client, in both signature versions, with every parameter, only the required ones and awkward
/// characters: what the service reads is the same. A mutated run must find a difference, so
/// the comparison is shown to be able to fail.
#[test]
fn every_operation_matches_the_official_sdk_on_the_wire() {
    let Some(shared) = shared_dir("generality") else { return };
    let Some(python) = acs_tests::sdk_python("generality") else { return };
    let ws = generate_all(&shared);
    let script = acs_tests::project_root().join("tests/interop/sdk_capture.py");
    let args = ["--diff", python.to_str().unwrap(), script.to_str().unwrap()];
    verdict_check(&ws, &args, 3_000);

    let mutated = cargo(&ws, &[&["run", "--quiet", "-p", "verdict-check", "--"][..], &args, &["--mutate"]].concat());
    let stdout = String::from_utf8_lossy(&mutated.stdout);
    assert!(!mutated.status.success() && stdout.lines().last().is_some_and(|l| l.ends_with(" passed, 1 failed")), "{stdout}");
}

/// Every documented example response of every operation decodes with the generated response
/// type (a part of the wrong shape is kept raw, as cs `DescribeClusters`' own example needs).
#[test]
fn every_documented_example_response_decodes() {
    let Some(shared) = shared_dir("generality") else { return };
    let ws = generate_all(&shared);
    let stdout = verdict_check(&ws, &["--examples", "all"], 580);
    assert!(stdout.contains("meta/cs/2015-12-15/api-docs.json DescribeClusters: kept raw"), "{stdout}");
}
