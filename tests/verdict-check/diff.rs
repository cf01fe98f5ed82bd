//! `--diff PYTHON SCRIPT [--mutate]`: every operation of every product that has an official
//! Python SDK, built by that SDK (`tests/interop/sdk_capture.py`, which captures what the SDK
//! hands its HTTP layer, in-process) and by the generated client (through a recording transport),
//! in both signature versions, with four value sets: every parameter, only the required ones,
//! awkward characters, and every optional collection set to empty on purpose. The two requests are compared on what the service reads; every
//! accepted difference is in [`ACCEPTED`] with the reason it is harmless.
//!
//! `--mutate` changes one value on our side of the first case, so the comparison is shown to be
//! able to fail: the run must then report a difference.
//!
//! Longer than 500 lines on purpose: what "the same request" means (the normal forms, the
//! accepted differences) and the run that applies it are one argument, read top to bottom.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::sync::Arc;

use acs_ir::{Location, Type};
use acs_runtime::__private::Validator;
use acs_runtime::Violation;
use serde_json::{json, Map, Value};

use crate::{checker_of, empties, ops, requests, services};

/// Differences that are not differences to the service, each with the reason.
pub const ACCEPTED: &[(&str, &str)] = &[
    (
        "a parameter the pinned SDK does not have",
        "the metadata in ../shared/meta and the pinned SDK were generated from different revisions; a parameter the SDK's model has no field for is sent by this client and not by the SDK, so it is left out of the comparison (and counted in the table)",
    ),
    (
        "ClientToken filled",
        "this client fills an unset ClientToken with a fresh UUID, the same on every retry, so a retried call cannot apply a change twice; the SDK sends none. Compared without it when the case leaves it unset",
    ),
    (
        "header x-acs-credentials-provider",
        "sent by the Python SDK alone, naming its credentials provider (static_ak); the service reads no parameter from it and it is not needed to verify the signature, which covers it only when sent",
    ),
    (
        "boolean spelling",
        "the Python SDK writes a boolean in a query or form as Python's True/False, and an integral float as 0.0; the metadata and this client write true/false and 0, which the service reads alike",
    ),
    (
        "JSON values, and the empty lists inside them",
        "a json-style parameter and a JSON body are compared as values; the SDK's models write every unset list inside an object as [], which this client leaves out, and the service reads both as no items",
    ),
    (
        "an empty body's content type",
        "when every form (or JSON body) parameter is unset, the SDK still sends the content type (and {} as a JSON body); this client sends no body; the service reads no parameter from either",
    ),
    (
        "a body under signature v2",
        "with signature v2 the SDK's RPC path drops a binary body and turns a JSON body into a form, requests the service cannot serve as documented; this client signs such an operation with ACS3 whatever the setting, so those cases are compared under v3 only",
    ),
    (
        "JSON body bytes",
        "JSON bodies are compared as values: the SDK keeps its model's key order, this client sorts keys (so x-acs-content-sha256 differs with the bytes, and each is the SHA-256 of its own body)",
    ),
];

/// Headers that carry no request content: transport, signature and per-call values.
const VOLATILE_HEADERS: &[&str] =
    &["host", "user-agent", "accept", "authorization", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256", "x-acs-credentials-provider", "content-length", "date", "x-acs-signature-method", "x-acs-signature-version"];

/// RPC query parameters that are per call (the signature, its nonce and time).
const VOLATILE_QUERY: &[&str] = &["Signature", "SignatureNonce", "Timestamp"];

/// What the service reads of a request.
#[derive(Debug, PartialEq, Default)]
struct Seen {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    json: Option<Value>,
    binary: Option<String>,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    /// Whether the JSON body's own members are kept when empty: they are parameters, which the
    /// SDK sends empty only when set so. A whole body that is one model (`in: body`) is not: its
    /// model writes unset lists as `[]` (see ACCEPTED). Not compared.
    body_members: bool,
}

/// Python's spellings of a boolean (`True`) and of an integral float (`0.0`), as the metadata
/// and this client write them (see ACCEPTED).
fn boolean(v: &str) -> String {
    match v {
        "True" => "true".into(),
        "False" => "false".into(),
        other => match other.strip_suffix(".0") {
            Some(integral) if !integral.is_empty() && integral.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()) => integral.to_owned(),
            _ => other.to_owned(),
        },
    }
}

/// A JSON value with object keys sorted and empty lists and objects inside objects removed.
fn normal_json(value: Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k, normal_json(v)))
                .filter(|(_, v)| !matches!(v, Value::Array(a) if a.is_empty()) && !matches!(v, Value::Object(o) if o.is_empty()))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(normal_json).collect()),
        other => other,
    }
}

/// A JSON body: [`normal_json`], keeping the body's own empty members when they are parameters
/// (`members`), so that a collection set to empty on purpose is compared too.
fn normal_body(value: Value, members: bool) -> Value {
    match value {
        Value::Object(fields) if members => Value::Object(fields.into_iter().map(|(k, v)| (k, normal_json(v))).collect()),
        other => normal_json(other),
    }
}

/// A wire value: a JSON object or list (a json-style parameter) compared as a value.
fn normal_value(v: &str) -> String {
    match serde_json::from_str::<Value>(v) {
        Ok(json @ (Value::Object(_) | Value::Array(_))) => acs_runtime::wire::json_sorted(&normal_json(json)),
        _ => boolean(v),
    }
}

fn seen(method: &str, path: &str, query: Vec<(String, String)>, headers: &[(String, String)], body: &[u8], body_members: bool) -> Seen {
    let header = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    let content_type = header("content-type").map(|t| t.to_ascii_lowercase().replace(' ', ""));
    let mut out = Seen {
        method: method.to_ascii_uppercase(),
        path: percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned(),
        content_type: content_type.clone(),
        body_members,
        ..Seen::default()
    };
    out.query = query.into_iter().filter(|(n, _)| !VOLATILE_QUERY.contains(&n.as_str())).map(|(n, v)| (n, normal_value(&v))).collect();
    out.query.sort();
    match content_type.as_deref() {
        Some(t) if t.starts_with("application/x-www-form-urlencoded") => {
            out.form = acs_runtime::wire::decode_query(&String::from_utf8_lossy(body)).into_iter().map(|(n, v)| (n, normal_value(&v))).collect();
            out.form.sort();
        }
        Some(t) if t.starts_with("application/json") => out.json = serde_json::from_slice(body).ok().map(|v| normal_body(v, body_members)),
        _ if !body.is_empty() => out.binary = Some(acs_runtime::sign::sha256_hex(body)),
        _ => {}
    }
    // An empty body: its content type says nothing (see ACCEPTED).
    if body.is_empty() || out.json.as_ref().is_some_and(|j| j.as_object().is_some_and(|o| o.is_empty())) {
        if out.form.is_empty() && out.binary.is_none() {
            out.content_type = None;
            out.json = None;
        }
    }
    out.headers = headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .filter(|(n, _)| !VOLATILE_HEADERS.contains(&n.as_str()) && n != "content-type")
        .collect();
    out.headers.sort();
    out
}

/// The awkward characters every free string parameter is tried with.
const AWKWARD: &str = "a b+c&d/e%f~g*h'i\"j中文😀";

/// Every free-text string parameter (no enum, pattern or length rule that refuses it) set to
/// [`AWKWARD`]; `None` when the operation has none.
fn awkward(op: &acs_ir::Operation, all: &Map<String, Value>) -> Option<Map<String, Value>> {
    let mut out = all.clone();
    let mut changed = false;
    for p in op.params.iter().filter(|p| p.ty == Type::String) {
        if let acs_ir::rules::Check::Str(r) = acs_ir::rules::of(p) {
            let mut v = Validator::new();
            v.string(&p.wire_name, AWKWARD, &r);
            let violations: &[Violation] = v.violations();
            if violations.is_empty() {
                out.insert(p.key.clone(), json!(AWKWARD));
                changed = true;
            }
        }
    }
    changed.then_some(out)
}

/// The official SDK's package for a product label (`meta/ecs/2014-05-26/…`).
fn package(label: &str) -> Option<String> {
    let mut parts = label.strip_prefix("meta/")?.split('/');
    let (product, version) = (parts.next()?, parts.next()?);
    Some(format!("alibabacloud_{}{}", product.replace('-', "_"), version.replace('-', "")))
}

struct Case {
    id: usize,
    label: &'static str,
    op: String,
    set: &'static str,
    signature: &'static str,
    body_members: bool,
    ours: Result<Seen, String>,
}

pub fn run(python: &str, script: &str, mutate: bool) -> (usize, usize) {
    let products = services();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut cases = Vec::new();
    let mut lines = Vec::new();
    for (label, service) in &products {
        let Some(package) = package(label) else { continue };
        let info = ops::PRODUCTS.iter().find(|(l, _, _)| l == label).unwrap().2;
        for op in &service.operations {
            let (check, call) = checker_of(label, &op.name);
            let built = requests(service, op);
            let mut sets: Vec<(&'static str, Map<String, Value>)> = Vec::new();
            for (set, request) in [("all", &built[0]), ("required", &built[1])] {
                if let Value::Object(m) = request {
                    sets.push((set, m.clone()));
                }
            }
            if let Some(m) = awkward(op, &sets[0].1) {
                sets.push(("awkward", m));
            }
            if let Some(m) = empties(op, &sets[1].1, true) {
                sets.push(("empty", m));
            }
            let body_members = !op.params.iter().any(|p| p.location == Location::Body);
            for (set, request) in sets {
                // Only requests the client sends (a value the typed request refuses never leaves).
                match check(Value::Object(request.clone())) {
                    Ok(client) if client.violations.is_empty() => {}
                    _ => continue,
                }
                // The SDK's request model is keyed by wire names.
                // Path parameters are the SDK method's positional arguments, apart: a path and a
                // body member may share a wire name (cs `cluster_id`).
                let mut values = Map::new();
                let mut path_values = Map::new();
                let mut binary = Vec::new();
                for p in &op.params {
                    if let Some(v) = request.get(&p.key) {
                        if p.location == Location::Path {
                            path_values.insert(p.wire_name.clone(), v.clone());
                            continue;
                        }
                        values.insert(p.wire_name.clone(), v.clone());
                        if p.ty == Type::Binary {
                            binary.push(p.wire_name.clone());
                        }
                    }
                }
                // A binary body, or a JSON body on an RPC-shaped operation, is signed with ACS3
                // whatever the setting (see ACCEPTED): compared under v3 only.
                let v3_only = op.params.iter().any(|p| {
                    values.contains_key(&p.wire_name)
                        && (p.ty == Type::Binary || (op.style == acs_ir::ApiStyle::Rpc && matches!(p.location, Location::Body | Location::BodyField)))
                });
                let signatures: &[(&str, acs_runtime::SignatureVersion)] = if v3_only {
                    &[("v3", acs_runtime::SignatureVersion::V3)]
                } else {
                    &[("v3", acs_runtime::SignatureVersion::V3), ("v2", acs_runtime::SignatureVersion::Rpc)]
                };
                for &(signature, version) in signatures {
                    let replay = Arc::new(acs_runtime::testing::Replay::new([acs_runtime::testing::Replay::json(200, "{}")]));
                    let config = acs_runtime::Config::new()
                        .endpoint("https://sdk.test")
                        .signature_version(version)
                        .credentials(acs_runtime::Credentials::new("testid", "testsecret"))
                        .transport(replay.clone());
                    let mut sent = Value::Object(request.clone());
                    if mutate && cases.is_empty() {
                        mutate_one(op, &mut sent);
                    }
                    let _ = runtime.block_on(call(sent, info, config));
                    let ours = replay.requests().first().map(|r| {
                        let (path, query) = r.url.split_once("://").map(|(_, rest)| rest).and_then(|rest| rest.find('/').map(|i| &rest[i..])).map(|pq| pq.split_once('?').unwrap_or((pq, ""))).unwrap_or(("/", ""));
                        let headers: Vec<(String, String)> = r.headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
                        seen(r.method.as_str(), path, acs_runtime::wire::decode_query(query), &headers, &r.body, body_members)
                    });
                    // The accepted difference: a filled idempotency token.
                    let ours = ours.map(|mut seen| {
                        if let Some(token) = op.idempotency_token.map(|i| &op.params[i]) {
                            if !values.contains_key(&token.wire_name) {
                                seen.query.retain(|(n, _)| n != &token.wire_name);
                                seen.form.retain(|(n, _)| n != &token.wire_name);
                            }
                        }
                        seen
                    });
                    let id = cases.len();
                    lines.push(
                        json!({"id": id, "package": package, "action": op.name, "signature": signature, "values": values, "path_values": path_values, "binary": binary})
                            .to_string(),
                    );
                    cases.push(Case { id, label, op: op.name.clone(), set, signature, body_members, ours: ours.ok_or_else(|| "the client sent nothing".to_owned()) });
                }
            }
        }
    }
    let answers = sdk_answers(python, script, &lines);
    compare(&cases, &answers)
}

/// `seen` without the parameters named in `names` (and their members, `Name.1`, `Name.Key`).
fn without(seen: &Seen, names: &[&str]) -> Seen {
    let keep = |n: &String| !names.iter().any(|x| n == x || n.strip_prefix(x).is_some_and(|rest| rest.starts_with('.')));
    // A member inside a json-style parameter's value or the JSON body, by its dotted path.
    let prune = |name: &str, value: &mut Value| {
        for path in names.iter().filter_map(|x| x.strip_prefix(name)).filter_map(|rest| rest.strip_prefix('.')) {
            remove_path(value, &path.split('.').collect::<Vec<_>>());
        }
    };
    let pairs = |pairs: &[(String, String)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .filter(|(n, _)| keep(n))
            .map(|(n, v)| match serde_json::from_str::<Value>(v) {
                Ok(mut json @ (Value::Object(_) | Value::Array(_))) => {
                    prune(n, &mut json);
                    (n.clone(), acs_runtime::wire::json_sorted(&normal_json(json)))
                }
                _ => (n.clone(), v.clone()),
            })
            .collect()
    };
    Seen {
        method: seen.method.clone(),
        path: seen.path.clone(),
        query: pairs(&seen.query),
        form: pairs(&seen.form),
        json: seen.json.clone().map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                o.retain(|k, _| keep(k));
                for (k, member) in o.iter_mut() {
                    prune(k, member);
                }
            }
            normal_body(v, seen.body_members)
        }),
        binary: seen.binary.clone(),
        content_type: seen.content_type.clone(),
        headers: seen.headers.iter().filter(|(n, _)| !names.iter().any(|x| x.eq_ignore_ascii_case(n))).cloned().collect(),
        body_members: seen.body_members,
    }
}

/// Removes the member at `path` (object keys, list positions from 1) from `value`.
fn remove_path(value: &mut Value, path: &[&str]) {
    match (value, path) {
        (Value::Object(o), [last]) => drop(o.remove(*last)),
        (Value::Object(o), [first, rest @ ..]) => {
            if let Some(v) = o.get_mut(*first) {
                remove_path(v, rest);
            }
        }
        (Value::Array(items), [index, rest @ ..]) => {
            if let Some(v) = index.parse::<usize>().ok().and_then(|i| items.get_mut(i.wrapping_sub(1))) {
                if rest.is_empty() {
                    *v = Value::Null;
                } else {
                    remove_path(v, rest);
                }
            }
        }
        _ => {}
    }
}

/// Changes one value of `request` (the first string parameter set), for `--mutate`.
fn mutate_one(op: &acs_ir::Operation, request: &mut Value) {
    for p in op.params.iter().filter(|p| p.ty == Type::String && p.location != Location::Path) {
        if let Some(Value::String(s)) = request.get_mut(&p.key) {
            s.push('x');
            return;
        }
    }
}

fn sdk_answers(python: &str, script: &str, lines: &[String]) -> BTreeMap<usize, Value> {
    let mut child = std::process::Command::new(python)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = lines.join("\n") + "\n";
    let writer = std::thread::spawn(move || {
        stdin.write_all(input.as_bytes()).unwrap();
    });
    let mut answers = BTreeMap::new();
    for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
        let value: Value = serde_json::from_str(&line.unwrap()).expect("the driver prints JSON");
        answers.insert(value["id"].as_u64().unwrap() as usize, value);
    }
    writer.join().unwrap();
    assert!(child.wait().unwrap().success(), "the SDK driver failed");
    answers
}

fn theirs(answer: &Value, body_members: bool) -> Result<Seen, String> {
    if let Some(e) = answer["error"].as_str() {
        return Err(e.to_owned());
    }
    let pairs = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .map(|a| a.iter().map(|p| (p[0].as_str().unwrap_or_default().to_owned(), p[1].as_str().unwrap_or_default().to_owned())).collect())
            .unwrap_or_default()
    };
    let body = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, answer["body_b64"].as_str().unwrap_or_default()).unwrap_or_default();
    Ok(seen(answer["method"].as_str().unwrap_or_default(), answer["path"].as_str().unwrap_or_default(), pairs(&answer["query"]), &pairs(&answer["headers"]), &body, body_members))
}

fn compare(cases: &[Case], answers: &BTreeMap<usize, Value>) -> (usize, usize) {
    // label → (operations, cases, same, differences by kind, SDK refusals)
    // label → (operations, cases, same, differences by kind, SDK refusals, cases with a
    // parameter the SDK lacks)
    let mut table: BTreeMap<&str, (std::collections::BTreeSet<&str>, usize, usize, BTreeMap<String, usize>, usize, usize)> = BTreeMap::new();
    let (mut same, mut differ) = (0, 0);
    let mut shown = 0;
    // Operations the SDK would not build a request for, with its first reason.
    let mut refusals: BTreeMap<(&str, &str), String> = BTreeMap::new();
    for case in cases {
        let row = table.entry(case.label).or_default();
        row.0.insert(&case.op);
        row.1 += 1;
        let Some(answer) = answers.get(&case.id) else { panic!("no SDK answer for case {}", case.id) };
        let (ours, theirs) = match (&case.ours, theirs(answer, case.body_members)) {
            (Ok(o), Ok(t)) => {
                let ignored: Vec<&str> = answer["ignored"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                if !ignored.is_empty() {
                    row.5 += 1;
                }
                (without(o, &ignored), t)
            }
            (_, Err(e)) => {
                // The SDK refused to build the request (its own checks): no wire to compare.
                row.4 += 1;
                refusals.entry((case.label, case.op.as_str())).or_insert_with(|| e.chars().take(160).collect::<String>());
                continue;
            }
            (Err(e), Ok(_)) => {
                differ += 1;
                *row.3.entry("client sent nothing".into()).or_default() += 1;
                println!("DIFF {} {} [{} {}]: {e}", case.label, case.op, case.set, case.signature);
                continue;
            }
        };
        let mut kinds = Vec::new();
        for (kind, differs) in [
            ("method", ours.method != theirs.method),
            ("path", ours.path != theirs.path),
            ("query", ours.query != theirs.query),
            ("form", ours.form != theirs.form),
            ("json body", ours.json != theirs.json),
            ("binary body", ours.binary != theirs.binary),
            ("content type", ours.content_type != theirs.content_type),
            ("headers", ours.headers != theirs.headers),
        ] {
            if differs {
                kinds.push(kind);
            }
        }
        if kinds.is_empty() {
            same += 1;
            row.2 += 1;
        } else {
            differ += 1;
            for kind in &kinds {
                *row.3.entry((*kind).to_owned()).or_default() += 1;
            }
            let first = kinds.iter().any(|k| row.3.get(*k) == Some(&1));
            if first || shown < 5 {
                shown += 1;
                let only = |a: &[(String, String)], b: &[(String, String)]| a.iter().filter(|p| !b.contains(p)).cloned().collect::<Vec<_>>();
                println!(
                    "DIFF {} {} [{} {}] in {kinds:?}:\n  query only ours {:?}, only theirs {:?}; form only ours {:?}, only theirs {:?}\n  ours:   {ours:?}\n  theirs: {theirs:?}",
                    case.label,
                    case.op,
                    case.set,
                    case.signature,
                    only(&ours.query, &theirs.query),
                    only(&theirs.query, &ours.query),
                    only(&ours.form, &theirs.form),
                    only(&theirs.form, &ours.form)
                );
            }
        }
    }
    println!("{:<52} {:>10} {:>6} {:>6} {:>11} {:>12}  differences", "product", "operations", "cases", "same", "SDK refused", "SDK lacks a");
    for (label, (ops, n, same, kinds, refused, lacks)) in &table {
        println!("{label:<52} {:>10} {n:>6} {same:>6} {refused:>11} {lacks:>12}  {kinds:?}", ops.len());
    }
    println!("operations the SDK does not build (no wire to compare):");
    for ((label, op), why) in &refusals {
        println!("  {label} {op}: {why}");
    }
    println!("accepted differences:");
    for (what, why) in ACCEPTED {
        println!("  {what}: {why}");
    }
    (same, differ)
}
