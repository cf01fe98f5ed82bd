//! Client and emulator agree on every request: for every operation of every generated crate,
//! requests built from the spec (valid ones, and ones that break each rule in turn) get the same
//! verdict from the generated client's `validate` as from the emulator, which reads them back
//! from the client's own wire encoding.
//!
//! `tests/generality.rs` builds this binary in its scratch workspace, next to the generated
//! crates, and writes `ops.rs`: the products, and one `check::<Request>` per operation. Prints one
//! line per product, the first disagreements, then `N passed, M failed` (one per request).
//!
//! With `--vectors FILE` (a `roa_v3.json`), it rebuilds each vector's request through the
//! generated typed request instead, and checks that method, path, query and body are what the
//! official SDK sent, byte for byte.
//!
//! Long (over 500 lines) because its three modes share the table of operations, the typed
//! values built from the IR and the requests built from the vectors.
//!
//! Longer than 500 lines on purpose: the value builders (valid and rule-breaking values per
//! type) and the checks that use them belong together; whole runs are in `runs.rs`, the SDK
//! comparison in `diff.rs`.

mod diff;
mod ops;
mod runs;

use std::collections::BTreeMap;

use acs_ir::rules::{self, Check};
use acs_ir::{Field, ObjectType, Operation as IrOperation, Type};
use acs_runtime::__private::Validator;
use acs_runtime::{Operation, Violation};
use serde_json::{json, Map, Value};

/// What the client side makes of one request: its violations and its wire parameters.
pub struct ClientSide {
    violations: Vec<Violation>,
    pairs: Vec<(String, String)>,
    body: Option<Value>,
    method: &'static str,
    path: String,
    query: Vec<(String, String)>,
    body_text: String,
}

/// Decodes `json` (wire names) into the typed request, validates it and encodes it.
pub fn check<O: Operation + serde::de::DeserializeOwned>(json: Value) -> Result<ClientSide, String> {
    let request: O = serde_json::from_value(json).map_err(|e| e.to_string())?;
    let violations = match request.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e.violations,
    };
    let mut pairs = request.to_params().into_vec();
    pairs.extend(request.to_body_params().into_vec());
    pairs.extend(request.to_header_params().into_vec());
    pairs.extend(request.to_path_params().into_vec());
    // The body as the server receives it: the bytes the client sends, parsed.
    let body_text = request.to_json_body().map(|b| acs_runtime::wire::json_sorted(&b)).unwrap_or_default();
    let body = match request.to_binary_body() {
        // The emulator reads raw bytes in their JSON form, base64.
        Some(bytes) => Some(Value::String(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes))),
        None => (!body_text.is_empty()).then(|| serde_json::from_str(&body_text).expect("the client sends valid JSON")),
    };
    let path = acs_runtime::wire::fill_path(O::PATH, &request.to_path_params());
    Ok(ClientSide { violations, pairs, body, method: O::METHOD.as_str(), path, query: request.to_params().into_vec(), body_text })
}

/// Decodes a documented example response with the operation's response type: the JSON paths
/// of the parts kept raw for their shape.
pub fn decode<O: Operation>(body: &[u8]) -> Result<Vec<String>, String> {
    O::decode_response(body)?;
    // The same decoding through a reader, to see what was kept raw (the typed response holds
    // it in `mismatched`, which a generic function cannot name).
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let mut reader = acs_runtime::json::Reader::new(text, acs_runtime::json::Mode::Lenient);
    match <O::Response as acs_runtime::json::FromJson>::from_json(&mut reader) {
        // The whole response of the wrong shape: decoded as empty, the body kept as received.
        Err(_) => Ok(vec!["(the whole response)".to_owned()]),
        Ok(_) => Ok(reader.take_mismatches().into_iter().map(|m| m.path).collect()),
    }
}

/// A function that runs [`decode`] for one operation's response type.
pub type Decoder = fn(&[u8]) -> Result<Vec<String>, String>;

/// A function that runs [`check`] for one operation's request type.
pub type Checker = fn(Value) -> Result<ClientSide, String>;

/// A future of the harness.
pub type Boxed<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T>>>;

/// A function that runs [`call`] for one operation's request type.
pub type Caller = fn(Value, &'static acs_runtime::ServiceInfo, acs_runtime::Config) -> Boxed<Result<(), String>>;

/// Sends `json` (as the typed request) with a client of `service` built from `config`.
pub fn call<O: Operation + serde::de::DeserializeOwned + 'static>(
    json: Value,
    service: &'static acs_runtime::ServiceInfo,
    config: acs_runtime::Config,
) -> Boxed<Result<(), String>> {
    Box::pin(async move {
        let request: O = serde_json::from_value(json).map_err(|e| e.to_string())?;
        let client = acs_runtime::Client::new(service, config).map_err(|e| e.to_string())?;
        client.call(request, &Default::default()).await.map(drop).map_err(|e| e.to_string())
    })
}

/// A generated crate's `cli::run`: exit status, stdout and stderr.
pub type Cli = fn(Vec<String>, acs_runtime::credentials::Environment) -> Boxed<(i32, Vec<u8>, Vec<u8>)>;

/// How deep objects are built inside objects.
const DEPTH: usize = 3;

/// Values for one operation's types.
struct Values<'a> {
    types: &'a [ObjectType],
}

impl Values<'_> {
    fn object_type(&self, name: &str) -> Option<&ObjectType> {
        self.types.iter().find(|t| t.name == name)
    }

    /// A value of `field` that its rules accept, where one can be found.
    fn valid(&self, field: &Field, depth: usize) -> Value {
        self.valid_of(&field.ty, &rules::of(field), field.docs.example.as_deref(), depth)
    }

    fn valid_of(&self, ty: &Type, check: &Check<'_>, example: Option<&str>, depth: usize) -> Value {
        match (ty, check) {
            (Type::String, Check::Str(r)) => {
                let sized = "a".repeat(r.min_length.unwrap_or(1).max(1).min(r.max_length.unwrap_or(u64::MAX)) as usize);
                let candidates = r.allowed.iter().map(str::to_owned).chain(example.map(str::to_owned)).chain([sized, "test".into(), "i-123".into(), "1".into(), "cn-hangzhou".into()]);
                let mut first = None;
                for candidate in candidates {
                    let mut v = Validator::new();
                    v.string("x", &candidate, r);
                    if v.violations().is_empty() {
                        return Value::String(candidate);
                    }
                    first.get_or_insert(candidate);
                }
                Value::String(first.unwrap_or_default())
            }
            (Type::I32 | Type::I64, Check::Int(r)) => {
                let n = r.allowed.first().copied().or_else(|| r.minimum.map(|(n, excl)| n.saturating_add(i64::from(excl)))).or_else(|| r.maximum.map(|(n, excl)| n.saturating_sub(i64::from(excl)))).unwrap_or(1);
                json!(n)
            }
            (Type::F32 | Type::F64, Check::Num(r)) => {
                let x = r.minimum.map(|(x, excl)| if excl { x + 0.5 } else { x }).or_else(|| r.maximum.map(|(x, excl)| if excl { x - 0.5 } else { x })).unwrap_or(1.5);
                json!(x)
            }
            (Type::Bool, _) => json!(true),
            // Below the depth limit, only the required fields (a recursive type ends there).
            (Type::Object(name), _) => match self.object_type(name) {
                Some(t) => Value::Object(
                    t.fields.iter().filter(|f| depth > 0 || f.required).map(|f| (f.wire_name.clone(), self.valid(f, depth.saturating_sub(1)))).collect(),
                ),
                None => json!({}),
            },
            (Type::List(_), Check::List(r, _)) if depth == 0 && !r.required => json!([]),
            (Type::List(item), Check::List(r, item_check)) => {
                let n = r.min_items.unwrap_or(1).max(1).min(r.max_items.unwrap_or(2)).min(3);
                Value::Array((0..n).map(|_| self.valid_of(item, item_check, None, depth)).collect())
            }
            (Type::Boxed(inner), _) => self.valid_of(inner, check, example, depth),
            (Type::Map(value), _) => json!({ "k": self.valid_of(value, &Check::None, None, depth) }),
            (Type::Any, _) => json!({"k": "v"}),
            // Bytes in their JSON form, base64 ("image").
            (Type::Binary, _) => json!("aW1hZ2U="),
            (Type::String | Type::StringBool, _) => json!("v"),
            (Type::I32 | Type::I64, _) => json!(1),
            (Type::F32 | Type::F64, _) => json!(1.5),
            (Type::List(_), _) => json!([]),
        }
    }

    /// Values of `field` that break one of its rules each (or nested ones, in objects and lists).
    fn invalid(&self, field: &Field, depth: usize) -> Vec<Value> {
        self.invalid_of(&field.ty, &rules::of(field), depth)
    }

    fn invalid_of(&self, ty: &Type, check: &Check<'_>, depth: usize) -> Vec<Value> {
        let mut out = Vec::new();
        match (ty, check) {
            (Type::Boxed(inner), _) => return self.invalid_of(inner, check, depth),
            (Type::String, Check::Str(r)) => {
                if r.required {
                    out.push(json!(""));
                }
                if let Some(min) = r.min_length.filter(|&m| m > 0) {
                    out.push(Value::String("a".repeat(min as usize - 1)));
                }
                if let Some(max) = r.max_length.filter(|&m| m < 10_000) {
                    out.push(Value::String("a".repeat(max as usize + 1)));
                }
                if r.ascii {
                    out.push(json!("é"));
                }
                if r.pattern.is_some() {
                    out.push(json!("!~ not matching ~!"));
                }
                out.extend(r.forbidden_prefixes.iter().map(|p| Value::String(format!("{p}x"))));
                if !r.allowed.is_empty() {
                    out.push(json!("__not_one_of_them__"));
                }
            }
            (Type::I32 | Type::I64, Check::Int(r)) => {
                if let Some((n, excl)) = r.minimum {
                    out.push(json!(if excl { n } else { n.saturating_sub(1) }));
                }
                if let Some((n, excl)) = r.maximum {
                    out.push(json!(if excl { n } else { n.saturating_add(1) }));
                }
                if let Some(max) = r.allowed.iter().max() {
                    out.push(json!(max.saturating_add(1)));
                }
            }
            (Type::F32 | Type::F64, Check::Num(r)) => {
                if let Some((x, excl)) = r.minimum {
                    out.push(json!(if excl { x } else { x - 1.0 }));
                }
                if let Some((x, excl)) = r.maximum {
                    out.push(json!(if excl { x } else { x + 1.0 }));
                }
            }
            (Type::Object(name), _) if depth > 0 => {
                if let Some(t) = self.object_type(name) {
                    let base: Map<String, Value> = t.fields.iter().map(|f| (f.wire_name.clone(), self.valid(f, depth - 1))).collect();
                    for f in &t.fields {
                        for bad in self.invalid(f, depth - 1) {
                            let mut object = base.clone();
                            object.insert(f.wire_name.clone(), bad);
                            out.push(Value::Object(object));
                        }
                    }
                }
            }
            (Type::List(item), Check::List(r, item_check)) => {
                let good = self.valid_of(item, item_check, None, depth);
                if r.required {
                    out.push(json!([]));
                }
                if let Some(min) = r.min_items.filter(|&m| m > 1) {
                    out.push(Value::Array(vec![good.clone(); min as usize - 1]));
                }
                if let Some(max) = r.max_items.filter(|&m| m < 200) {
                    out.push(Value::Array(vec![good.clone(); max as usize + 1]));
                }
                for bad in self.invalid_of(item, item_check, depth) {
                    out.push(Value::Array(vec![good.clone(), bad]));
                }
            }
            _ => {}
        }
        out
    }
}

/// The requests to try for one operation: all parameters valid, only the required ones, and
/// each rule of each parameter broken in turn.
fn requests(service: &acs_ir::Service, op: &IrOperation) -> Vec<Value> {
    let values = Values { types: &service.types };
    let all: Map<String, Value> = op.params.iter().map(|p| (p.key.clone(), values.valid(p, DEPTH))).collect();
    let required: Map<String, Value> = op.params.iter().filter(|p| p.required).map(|p| (p.key.clone(), values.valid(p, DEPTH))).collect();
    let mut out = vec![Value::Object(all.clone()), Value::Object(required)];
    for p in &op.params {
        for bad in values.invalid(p, DEPTH) {
            let mut request = all.clone();
            request.insert(p.key.clone(), bad);
            out.push(Value::Object(request));
        }
    }
    out
}

/// The required parameters, and every optional collection set to empty on purpose (`[]`, `{}`):
/// the SDK sends each in its empty form where the style has one, and nothing where it spreads
/// items over pairs. `scalar_lists: false` leaves out lists of scalars (a repeated flag on the
/// command line, which cannot be given empty). `None` when no collection is set.
fn empties(op: &IrOperation, required: &Map<String, Value>, scalar_lists: bool) -> Option<Map<String, Value>> {
    let mut out = required.clone();
    let mut changed = false;
    for p in op.params.iter().filter(|p| !p.required && p.location != acs_ir::Location::Path) {
        let empty = match &p.ty {
            Type::List(item) if !scalar_lists && item.shape() == acs_runtime::__private::Shape::Scalar => continue,
            Type::List(_) => json!([]),
            Type::Map(_) | Type::Any => json!({}),
            _ => continue,
        };
        out.insert(p.key.clone(), empty);
        changed = true;
    }
    changed.then_some(out)
}

/// The typed value of one wire text, as the field's type reads it.
fn typed(field: &Field, text: &str) -> Value {
    match (&field.ty, field.style) {
        (_, acs_ir::Style::Json) => serde_json::from_str(text).unwrap_or_else(|_| json!(text)),
        (Type::Bool, _) => json!(text.eq_ignore_ascii_case("true")),
        (Type::I32 | Type::I64, _) => text.parse::<i64>().map(|n| json!(n)).unwrap_or_else(|_| json!(text)),
        _ => json!(text),
    }
}

/// The products, loaded.
fn services() -> Vec<(&'static str, acs_ir::Service)> {
    ops::PRODUCTS
        .iter()
        .map(|(label, path, _)| (*label, acs_ir::load(&std::fs::read_to_string(path).unwrap(), &acs_ir::Options::default()).unwrap().service))
        .collect()
}

/// A ROA V3 vector's request as the typed request's JSON: the operation it is (found by method
/// and path), the request, the body it should send and the body members the spec lacks.
struct VectorRequest<'a> {
    label: &'static str,
    op: &'a acs_ir::Operation,
    request: Map<String, Value>,
    query: Vec<(String, String)>,
    body: String,
    not_in_spec: Vec<String>,
}

fn vector_request<'a>(products: &'a [(&'static str, acs_ir::Service)], vector: &Value) -> Result<VectorRequest<'a>, String> {
    let inputs = &vector["inputs"];
    let (method, uri) = (inputs["method"].as_str().unwrap_or(""), inputs["canonical_uri"].as_str().unwrap_or(""));
    let (label, op, path_params) = products
        .iter()
        .filter(|(_, s)| s.style == acs_ir::ApiStyle::Roa)
        .find_map(|(label, s)| {
            s.operations.iter().filter(|op| op.method.as_str() == method).find_map(|op| acs_runtime::wire::match_path(&op.path, uri).map(|p| (*label, op, p)))
        })
        .ok_or_else(|| format!("no operation has {method} {uri}"))?;
    let mut request = Map::new();
    for (name, value) in &path_params {
        let field = op.params.iter().find(|p| &p.wire_name == name && p.location == acs_ir::Location::Path).unwrap();
        request.insert(field.key.clone(), typed(field, value));
    }
    let query: Vec<(String, String)> =
        inputs["query"].as_array().into_iter().flatten().map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_str().unwrap().to_owned())).collect();
    for (name, value) in &query {
        let field = op.params.iter().find(|p| &p.wire_name == name && p.location == acs_ir::Location::Query).ok_or_else(|| format!("no parameter {name}"))?;
        request.insert(field.key.clone(), typed(field, value));
    }
    let mut body = inputs["body_utf8"].as_str().unwrap_or("").to_owned();
    // Members the spec does not describe (metadata older than the SDK) cannot be sent by a
    // client generated from it: named, and left out of the comparison.
    let mut not_in_spec = Vec::new();
    if let Ok(Value::Object(mut fields)) = serde_json::from_str::<Value>(&body) {
        fields.retain(|key, _| {
            let known = op.params.iter().any(|p| p.location == acs_ir::Location::BodyField && &p.wire_name == key);
            if !known {
                not_in_spec.push(key.clone());
            }
            known
        });
        if !not_in_spec.is_empty() {
            body = acs_runtime::wire::json_sorted(&Value::Object(fields.clone()));
        }
        request.extend(fields.into_iter().map(|(k, v)| (op.params.iter().find(|p| p.wire_name == k).map_or(k, |p| p.key.clone()), v)));
    }
    Ok(VectorRequest { label, op, request, query, body, not_in_spec })
}

fn checker_of(label: &str, op: &str) -> (Checker, Caller) {
    let (_, _, check, call) = ops::OPERATIONS.iter().find(|(l, o, _, _)| *l == label && *o == op).unwrap();
    (*check, *call)
}

/// `--vectors FILE`: each ROA V3 vector's request, rebuilt through the generated typed request.
fn vectors(file: &str) -> (usize, usize) {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let (mut passed, mut failed) = (0, 0);
    let products = services();
    for vector in doc["vectors"].as_array().unwrap() {
        let id = vector["id"].as_str().unwrap_or("?");
        let method = vector["inputs"]["method"].as_str().unwrap_or("");
        let uri = vector["inputs"]["canonical_uri"].as_str().unwrap_or("");
        let v = match vector_request(&products, vector) {
            Ok(v) => v,
            Err(e) => {
                failed += 1;
                println!("FAIL {id}: {e}");
                continue;
            }
        };
        let sent = match checker_of(v.label, &v.op.name).0(Value::Object(v.request.clone())) {
            Ok(sent) => sent,
            Err(e) => {
                failed += 1;
                println!("FAIL {id}: the typed request does not take the vector's values: {e}");
                continue;
            }
        };
        // Booleans go out in lower case (the metadata's spelling); the Python SDK writes `False`.
        let normalize = |pairs: &[(String, String)]| {
            let mut pairs: Vec<(String, String)> =
                pairs.iter().map(|(n, v)| (n.clone(), if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false") { v.to_ascii_lowercase() } else { v.clone() })).collect();
            pairs.sort();
            pairs
        };
        let mut problems = Vec::new();
        if sent.method != method {
            problems.push(format!("method {} instead of {method}", sent.method));
        }
        if sent.path != uri {
            problems.push(format!("path {} instead of {uri}", sent.path));
        }
        if normalize(&sent.query) != normalize(&v.query) {
            problems.push(format!("query {:?} instead of {:?}", sent.query, v.query));
        }
        if sent.body_text != v.body {
            problems.push(format!("body {} instead of {}", sent.body_text, v.body));
        }
        if problems.is_empty() {
            passed += 1;
            let note = if v.not_in_spec.is_empty() { String::new() } else { format!("; not in the spec, so not sent: {}", v.not_in_spec.join(", ")) };
            println!("ok   {id} ({} {}{note})", v.op.name, sent.method);
        } else {
            failed += 1;
            println!("FAIL {id}: {}", problems.join("; "));
        }
    }
    (passed, failed)
}

/// The command line that makes `request` (keyed as the typed request's JSON) with the flags the
/// IR names: scalars as values, lists of scalars as repeated flags, everything else as JSON.
fn cli_args(op: &acs_ir::Operation, request: &Map<String, Value>) -> Vec<String> {
    let mut args = vec![op.cli.command.clone()];
    for p in &op.params {
        let Some(value) = request.get(&p.key) else { continue };
        let flag = format!("--{}", p.flag.as_deref().unwrap());
        let scalar = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
            _ => None,
        };
        match (&p.ty, value) {
            (Type::List(item), Value::Array(items)) if item.shape() == acs_runtime::__private::Shape::Scalar => {
                for item in items {
                    args.extend([flag.clone(), scalar(item).unwrap()]);
                }
            }
            (_, v) => args.extend([flag, scalar(v).filter(|_| p.ty.shape() == acs_runtime::__private::Shape::Scalar).unwrap_or_else(|| v.to_string())]),
        }
    }
    args
}

/// `--emulate FILE`: each ROA V3 vector's request sent, through the generated types and the
/// client and through the generated command line, to an emulator loaded with the same spec.
fn emulate(file: &str) -> (usize, usize) {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let products = services();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (mut passed, mut failed) = (0, 0);
    runtime.block_on(async {
        let mut running = Vec::new();
        for vector in doc["vectors"].as_array().unwrap() {
            let id = vector["id"].as_str().unwrap_or("?");
            let v = match vector_request(&products, vector) {
                Ok(v) => v,
                Err(e) => {
                    failed += 1;
                    println!("FAIL {id}: {e}");
                    continue;
                }
            };
            let (_, path, service) = ops::PRODUCTS.iter().find(|(l, _, _)| *l == v.label).unwrap();
            let spec = std::fs::read_to_string(path).unwrap();
            let state = acs_emulator::state::State::parse(r#"{"access_keys":[{"id":"testid","secret":"testsecret","security_token":null}],"instances":[],"key_pairs":[]}"#).unwrap();
            let emulator = acs_emulator::Emulator::new(&spec, v.label, state, None).unwrap();
            let server = emulator.start("127.0.0.1:0").await.unwrap();
            let (_, call) = checker_of(v.label, &v.op.name);
            let cli = ops::CLIS.iter().find(|(l, _)| *l == v.label).unwrap().1;
            let mut problems = Vec::new();
            for version in [acs_runtime::SignatureVersion::V3, acs_runtime::SignatureVersion::Rpc] {
                let config = acs_runtime::Config::new().endpoint(&server.url).signature_version(version).credentials(acs_runtime::Credentials::new("testid", "testsecret"));
                if let Err(e) = call(Value::Object(v.request.clone()), service, config).await {
                    problems.push(format!("client ({version:?}): {e}"));
                }
            }
            let mut args = vec!["cli".to_owned(), "--endpoint".to_owned(), server.url.clone()];
            args.extend(cli_args(v.op, &v.request));
            let environment = acs_runtime::credentials::Environment::new([("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")], None);
            let (status, _out, err) = cli(args.clone(), environment).await;
            if status != 0 {
                problems.push(format!("CLI {args:?} exited {status}: {}", String::from_utf8_lossy(&err)));
            }
            if problems.is_empty() {
                passed += 1;
                println!("ok   {id} ({}: client in both signatures, CLI)", v.op.name);
            } else {
                failed += 1;
                println!("FAIL {id}: {}", problems.join("; "));
            }
            running.push(server);
        }
    });
    (passed, failed)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--diff") {
        let mutate = args.iter().any(|a| a == "--mutate");
        let (passed, failed) = diff::run(&args[2], &args[3], mutate);
        println!("{passed} passed, {failed} failed");
        std::process::exit(i32::from(failed > 0));
    }
    if let [_, flag, label, op, url, json] = args.as_slice() {
        assert_eq!(flag, "--call");
        std::process::exit(i32::from(!runs::call_one(label, op, url, json)));
    }
    if let [_, flag, file] = args.as_slice() {
        let (passed, failed) = match flag.as_str() {
            "--vectors" => vectors(file),
            "--emulate" => emulate(file),
            "--cli-all" => runs::cli_all(),
            "--examples" => runs::examples(),
            other => panic!("unknown flag {other}"),
        };
        println!("{passed} passed, {failed} failed");
        std::process::exit(i32::from(failed > 0));
    }
    let mut passed = 0usize;
    let mut failed = 0usize;
    let mut shown = 0usize;
    for (label, path, _) in ops::PRODUCTS {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let service = acs_ir::load(&text, &acs_ir::Options::default()).unwrap_or_else(|e| panic!("{label}: {e}")).service;
        let checkers: BTreeMap<&str, Checker> = ops::OPERATIONS.iter().filter(|(l, _, _, _)| l == label).map(|(_, op, c, _)| (*op, *c)).collect();
        let (mut cases, mut invalid, mut skipped) = (0usize, 0usize, 0usize);
        for op in &service.operations {
            let checker = checkers.get(op.name.as_str()).unwrap_or_else(|| panic!("{label}: no checker for {}", op.name));
            for request in requests(&service, op) {
                let client = match checker(request.clone()) {
                    Ok(client) => client,
                    // A value the typed request cannot hold (an integer beyond i32): nothing to send.
                    Err(_) => {
                        skipped += 1;
                        continue;
                    }
                };
                cases += 1;
                let pairs: BTreeMap<String, String> = client.pairs.into_iter().collect();
                let emulator = acs_emulator::params::verdict(&service, op, &pairs, client.body.as_ref());
                let agree = emulator.type_errors.is_empty() && emulator.violations == client.violations && (!client.violations.is_empty() || emulator.missing.is_none());
                if !client.violations.is_empty() {
                    invalid += 1;
                }
                if agree {
                    passed += 1;
                } else {
                    failed += 1;
                    if shown < 10 {
                        shown += 1;
                        eprintln!("DISAGREE {label} {}: request {request}\n  client:   {:?}\n  emulator: {emulator:?}", op.name, client.violations);
                    }
                }
            }
        }
        println!("{label}: {} operations, {cases} requests ({invalid} invalid, {skipped} not representable)", service.operations.len());
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}
