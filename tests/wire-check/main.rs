//! Checks a crate generated from the real SWAS metadata against the official SDK's wire
//! captures (`../shared/meta/swas-open/2020-06-01/sdk-wire-golden.json`).
//!
//! Not a workspace member: `tests/generality.rs` copies it into a scratch workspace next to
//! the generated crate `acs-swas25` and runs it. For each case:
//! - the library: its `request_model` (wire-named JSON, as given to the SDK) is decoded into the
//!   generated request type and encoded; the result must equal the SDK's `query` exactly;
//! - the generated CLI: the same model becomes command-line flags (scalars as values, lists of
//!   scalars as repeated flags, objects as JSON) and runs with `--dry-run`; the signed request's
//!   query and method must equal the SDK's (less a `ClientToken` the CLI fills in itself).
//! Prints one line per case and `N passed, M failed`; exits 1 if any failed.

use std::collections::BTreeMap;
use std::process::ExitCode;

use acs_runtime::{HttpMethod, Operation};
use acs_swas25::*;
use serde_json::Value;

fn encode<R: Operation + serde::de::DeserializeOwned>(model: &Value) -> Result<(BTreeMap<String, String>, HttpMethod), String> {
    let request: R = serde_json::from_value(model.clone()).map_err(|e| format!("request_model does not decode: {e}"))?;
    Ok((request.to_params().into_vec().into_iter().collect(), R::METHOD))
}

macro_rules! dispatch {
    ($action:expr, $model:expr, { $($name:literal => $ty:ty),* $(,)? }) => {
        match $action {
            $($name => encode::<$ty>($model),)*
            other => Err(format!("no generated operation {other}")),
        }
    };
}

/// `InstanceIds` → `instance-ids`, as the generator names flags.
fn flag(wire: &str) -> String {
    let mut out = String::new();
    for (i, c) in wire.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The model as `swas-open`-style arguments.
fn cli_args(action: &str, model: &Value) -> Vec<String> {
    let mut args = vec!["acs-swas25".to_owned(), "--dry-run".to_owned(), flag(action)];
    for (name, value) in model.as_object().expect("request_model is an object") {
        let f = format!("--{}", flag(name));
        match value {
            Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
                for item in items {
                    args.push(f.clone());
                    args.push(item.as_str().map(str::to_owned).unwrap_or_else(|| item.to_string()));
                }
            }
            Value::String(s) => args.extend([f, s.clone()]),
            other if other.is_object() || other.is_array() => args.extend([f, other.to_string()]),
            other => args.extend([f, other.to_string()]),
        }
    }
    args
}

/// Runs the generated CLI in dry-run mode; returns the method and query of the signed request.
fn cli_dry_run(action: &str, model: &Value) -> Result<(String, BTreeMap<String, String>), String> {
    let env = acs_runtime::credentials::Environment::new([("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")], None);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args = cli_args(action, model);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let code = runtime.block_on(acs_swas25::cli::run(args.clone(), env, &mut out, &mut err));
    if code != 0 {
        return Err(format!("`{}` exited {code}: {}", args.join(" "), String::from_utf8_lossy(&err)));
    }
    let text = String::from_utf8_lossy(&out);
    let line = text.lines().next().unwrap_or_default();
    let (method, rest) = line.split_once(' ').ok_or("no request line")?;
    let target = rest.strip_suffix(" HTTP/1.1").ok_or("no HTTP version")?;
    let query = target.split_once('?').map_or("", |(_, q)| q);
    Ok((method.to_owned(), acs_runtime::wire::decode_query(query).into_iter().collect()))
}

fn main() -> ExitCode {
    let path = std::env::args().nth(1).expect("usage: wire-check <sdk-wire-golden.json>");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let golden: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (mut passed, mut failed) = (0, 0);
    for case in golden["cases"].as_array().expect("cases") {
        let action = case["action"].as_str().expect("action");
        let model = &case["request_model"];
        let result = dispatch!(action, model, {
            "AttachKeyPair" => attach_key_pair::AttachKeyPairRequest,
            "DetachKeyPair" => detach_key_pair::DetachKeyPairRequest,
            "InstallCloudAssistant" => install_cloud_assistant::InstallCloudAssistantRequest,
            "DeleteFirewallRules" => delete_firewall_rules::DeleteFirewallRulesRequest,
            "ResetSystem" => reset_system::ResetSystemRequest,
            "CreateFirewallRules" => create_firewall_rules::CreateFirewallRulesRequest,
            "InvokeCommand" => invoke_command::InvokeCommandRequest,
            "TagResources" => tag_resources::TagResourcesRequest,
            "AddCustomImageShareAccount" => add_custom_image_share_account::AddCustomImageShareAccountRequest,
            "ListKeyPairs" => list_key_pairs::ListKeyPairsRequest,
            "StartInstances" => start_instances::StartInstancesRequest,
        });
        let expected: BTreeMap<String, String> = serde_json::from_value(case["query"].clone()).expect("query is a string map");
        let expected_method = case["method"].as_str().unwrap_or("");
        let cli = cli_dry_run(action, model).map(|(method, mut query)| {
            if !expected.contains_key("ClientToken") {
                query.remove("ClientToken");
            }
            (method, query)
        });
        match (&result, &cli) {
            (_, Err(e)) => {
                failed += 1;
                println!("FAIL {action} (CLI): {e}");
                continue;
            }
            (_, Ok((method, query))) if *query != expected || method != expected_method => {
                failed += 1;
                println!("FAIL {action} (CLI): sent {method} {query:?}, the SDK sent {expected_method} {expected:?}");
                continue;
            }
            _ => {}
        }
        match result {
            Ok((params, method)) if params == expected && method.as_str() == expected_method => {
                passed += 1;
                println!("ok   {action}: {} parameters, {expected_method}, library and CLI", params.len());
            }
            Ok((params, method)) => {
                failed += 1;
                println!("FAIL {action}: got {} {params:?}, the SDK sent {expected_method} {expected:?}", method.as_str());
            }
            Err(e) => {
                failed += 1;
                println!("FAIL {action}: {e}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 && passed > 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
