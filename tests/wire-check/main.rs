//! Checks a crate generated from the real SWAS metadata against the official SDK's wire
//! captures (`../shared/meta/swas-open/2020-06-01/sdk-wire-golden.json`).
//!
//! Not a workspace member: `tests/generality.rs` copies it into a scratch workspace next to
//! the generated crate `acs-swas25` and runs it. Each case's `request_model` (wire-named JSON,
//! as given to the SDK) is decoded into the generated request type and encoded; the result must
//! equal the SDK's `query` map exactly, and the method must match.
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
        match result {
            Ok((params, method)) if params == expected && method.as_str() == expected_method => {
                passed += 1;
                println!("ok   {action}: {} parameters, {expected_method}", params.len());
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
