//! Whole runs over every product: `--cli-all` (every operation through its generated command
//! line, against the emulator), `--examples` (every documented example response decoded) and
//! `--call` (one request through a generated client, for the interop tests).

use std::collections::BTreeMap;

use acs_ir::Type;
use serde_json::{Map, Value};

use crate::{checker_of, cli_args, empties, ops, requests, services};

/// `--examples`: every operation's documented example response, decoded.
pub fn examples() -> (usize, usize) {
    let (mut passed, mut failed) = (0, 0);
    for (label, service) in services() {
        for op in &service.operations {
            let Some(example) = op.docs.response_demo.as_deref() else { continue };
            let (_, _, decode) = ops::DECODERS.iter().find(|(l, o, _)| *l == label && *o == op.name).unwrap();
            match decode(example.as_bytes()) {
                Ok(raw) => {
                    passed += 1;
                    if !raw.is_empty() {
                        println!("{label} {}: kept raw {raw:?}", op.name);
                    }
                }
                Err(e) => {
                    failed += 1;
                    println!("FAIL {label} {}: {e}", op.name);
                }
            }
        }
    }
    (passed, failed)
}

/// `--cli-all`: every operation of every product through its generated command line, up to three
/// times (every parameter set; only the required ones; every JSON-valued collection given empty), to an emulator loaded with the product. The
/// parameters the emulator reads must be exactly those the typed request encodes: no value
/// crosses between an operation's flag and a global one, an unset parameter is not sent, and
/// no flag (`--endpoint-param`) moves the request. A panic is a failure, not the end.
pub fn cli_all() -> (usize, usize) {
    let products = services();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let local = tokio::task::LocalSet::new();
    let (mut passed, mut failed) = (0usize, 0usize);
    let dir = std::env::temp_dir().join(format!("verdict-check-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    local.block_on(&runtime, async {
        for (label, service) in &products {
            let (_, path, _) = ops::PRODUCTS.iter().find(|(l, _, _)| l == label).unwrap();
            let spec = std::fs::read_to_string(path).unwrap();
            let state = acs_emulator::state::State::parse(r#"{"access_keys":[{"id":"testid","secret":"testsecret","security_token":null}],"instances":[],"key_pairs":[]}"#).unwrap();
            let emulator = acs_emulator::Emulator::new(&spec, label, state, None).unwrap();
            let server = emulator.start("127.0.0.1:0").await.unwrap();
            let cli = ops::CLIS.iter().find(|(l, _)| l == label).unwrap().1;
            let mut product_failed = 0;
            for op in &service.operations {
                let (check, _) = checker_of(label, &op.name);
                let mut sets: Vec<Map<String, Value>> =
                    requests(service, op).into_iter().take(2).filter_map(|r| if let Value::Object(r) = r { Some(r) } else { None }).collect();
                // Every JSON flag of a collection given empty (`'[]'`): sent empty where the
                // style has an empty form, as the typed request set so sends it.
                if let Some(empty) = sets.get(1).and_then(|required| empties(op, required, false)) {
                    sets.push(empty);
                }
                for request in sets {
                    // Only requests the client would send (the others never leave it).
                    let Ok(client) = check(Value::Object(request.clone())) else { continue };
                    if !client.violations.is_empty() {
                        continue;
                    }
                    let mut expected: BTreeMap<String, String> = client.pairs.into_iter().collect();
                    let token = op.idempotency_token.map(|i| op.params[i].wire_name.clone());
                    let mut args = vec!["cli".to_owned(), "--endpoint".to_owned(), server.url.clone()];
                    args.extend(cli_args_with_files(op, &request, &dir));
                    let environment = acs_runtime::credentials::Environment::new(
                        [("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")],
                        None,
                    );
                    // The emulator numbers requests; a call recorded after this one is the CLI's.
                    let before = emulator.state()["requests"].as_u64().unwrap_or(0);
                    let outcome = tokio::task::spawn_local(cli(args.clone(), environment)).await;
                    let problem = match outcome {
                        Err(e) => Some(format!("panicked: {e}")),
                        Ok((status, _, err)) => {
                            let state = emulator.state();
                            let calls = state["recent_calls"].as_array().cloned().unwrap_or_default();
                            match calls.last().filter(|call| call["seq"].as_u64().unwrap_or(0) > before) {
                                None => Some(format!("nothing reached the emulator (exit {status}: {})", String::from_utf8_lossy(&err).trim())),
                                Some(call) => {
                                    let read: BTreeMap<String, String> = serde_json::from_value(call["params"].clone()).unwrap_or_default();
                                    // The client fills an unset idempotency token, once per call.
                                    if let Some(token) = token.as_ref().filter(|t| !expected.contains_key(*t)) {
                                        if let Some(filled) = read.get(token).filter(|v| v.len() == 36) {
                                            expected.insert(token.clone(), filled.clone());
                                        }
                                    }
                                    (call["action"] != op.name.as_str() || read != expected)
                                        .then(|| format!("the emulator read {read:?} for {}, the typed request encodes {expected:?}", call["action"]))
                                }
                            }
                        }
                    };
                    match problem {
                        None => passed += 1,
                        Some(problem) => {
                            failed += 1;
                            product_failed += 1;
                            if product_failed <= 5 {
                                println!("FAIL {label} {} {args:?}: {problem}", op.name);
                            }
                        }
                    }
                }
            }
            println!("{label}: {} operations through the CLI, {product_failed} failed", service.operations.len());
            server.stop().await;
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    (passed, failed)
}

/// [`cli_args`], with each binary value written to a file under `dir` and passed by its path.
fn cli_args_with_files(op: &acs_ir::Operation, request: &Map<String, Value>, dir: &std::path::Path) -> Vec<String> {
    let mut request = request.clone();
    let mut files = Vec::new();
    for p in op.params.iter().filter(|p| p.ty == Type::Binary) {
        if let Some(Value::String(b64)) = request.remove(&p.key) {
            let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).unwrap();
            let path = dir.join(format!("{}-{}.bin", op.module, p.rust_name));
            std::fs::write(&path, bytes).unwrap();
            files.extend([format!("--{}", p.flag.as_deref().unwrap()), path.display().to_string()]);
        }
    }
    let mut args = cli_args(op, &request);
    args.extend(files);
    args
}

/// `--call LABEL OPERATION URL JSON`: sends one request (its JSON form, wire names) through the
/// generated types and the client, signed with ACS3 by `testid`, to `URL`; prints the outcome.
pub fn call_one(label: &str, op: &str, url: &str, json: &str) -> bool {
    let service = ops::PRODUCTS.iter().find(|(l, _, _)| *l == label).unwrap_or_else(|| panic!("no product {label}")).2;
    let (_, call) = checker_of(label, op);
    let request: Value = serde_json::from_str(json).expect("the request is JSON");
    let config = acs_runtime::Config::new()
        .endpoint(url)
        .signature_version(acs_runtime::SignatureVersion::V3)
        .credentials(acs_runtime::Credentials::new("testid", "testsecret"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    match runtime.block_on(call(request, service, config)) {
        Ok(()) => {
            println!("ok");
            true
        }
        Err(e) => {
            println!("error: {e}");
            false
        }
    }
}

