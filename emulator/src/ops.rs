//! What operations do. AttachKeyPair and ListInstances have real semantics; every other
//! operation of the spec answers with its documented example once authentication and
//! validation pass.
//!
//! ListInstances pages over the servers of the request's region in the state's order:
//! `PageNumber` (default 1) and `PageSize` (default 10, as the service documents), with
//! `TotalCount`; a page past the end is empty.
//!
//! AttachKeyPair, as the emulator models it:
//! - the key pair must exist in the request's region, else 404 `InvalidKeyPairName.NotFound`
//!   and nothing changes (the documentation names no code; this follows the product's
//!   `Invalid<Thing>.NotFound` pattern, like `InvalidInstanceId.NotFound`);
//! - a server is looked up in the request's region, so a server of another region is "not found"
//!   like an unknown one (the service scopes every call to its region);
//! - if no server is found, 404 `InvalidInstanceId.NotFound` (documented) and nothing changes;
//! - otherwise each found server gets the key pair (replacing any previous one) and each
//!   missing one gets a failed entry: HTTP 200 with per-server `Results`, `TotalCount` and
//!   `FailCount`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::reply::Fault;
use crate::state::State;

/// The request's `Name.1`, `Name.2`, … values in index order.
pub fn repeat_list(params: &BTreeMap<String, String>, name: &str) -> Vec<String> {
    let prefix = format!("{name}.");
    let mut items: Vec<(usize, String)> =
        params.iter().filter_map(|(k, v)| k.strip_prefix(&prefix).and_then(|i| i.parse().ok()).map(|i: usize| (i, v.clone()))).collect();
    items.sort_by_key(|(i, _)| *i);
    items.into_iter().map(|(_, v)| v).collect()
}

/// Applies AttachKeyPair to `state`; all or nothing for a given request.
pub fn attach_key_pair(state: &mut State, params: &BTreeMap<String, String>, request_id: &str) -> Result<Value, Fault> {
    let region = params.get("RegionId").map(String::as_str).unwrap_or_default();
    let name = params.get("KeyPairName").map(String::as_str).unwrap_or_default();
    let ids = repeat_list(params, "InstanceIds");
    if !state.key_pairs.iter().any(|k| k.name == name && k.region == region) {
        return Err(Fault::new(404, "InvalidKeyPairName.NotFound", "The specified key pair does not exist."));
    }
    let found: Vec<bool> = ids.iter().map(|id| state.instances.iter().any(|i| &i.id == id && i.region == region)).collect();
    if !found.iter().any(|f| *f) {
        return Err(Fault::new(404, "InvalidInstanceId.NotFound", "The specified Instance Id does not exist."));
    }
    let mut results = Vec::new();
    for (id, found) in ids.iter().zip(found) {
        if found {
            let instance = state.instances.iter_mut().find(|i| &i.id == id && i.region == region).expect("found above");
            instance.key_pair = Some(name.to_owned());
            results.push(json!({"Code": "200", "Message": "success", "Success": "true", "InstanceId": id}));
        } else {
            results.push(json!({"Code": "InvalidInstanceId.NotFound", "Message": "The specified Instance Id does not exist.", "Success": "false", "InstanceId": id}));
        }
    }
    let fail = results.iter().filter(|r| r["Success"] == "false").count();
    Ok(json!({"RequestId": request_id, "TotalCount": ids.len(), "FailCount": fail, "Results": results}))
}

/// One page of the servers of the request's region.
pub fn list_instances(state: &State, params: &BTreeMap<String, String>, request_id: &str) -> Value {
    let region = params.get("RegionId").map(String::as_str).unwrap_or_default();
    let number = params.get("PageNumber").and_then(|n| n.parse::<usize>().ok()).unwrap_or(1).max(1);
    let size = params.get("PageSize").and_then(|n| n.parse::<usize>().ok()).unwrap_or(10).max(1);
    let servers: Vec<_> = state.instances.iter().filter(|i| i.region == region).collect();
    let page: Vec<Value> = servers
        .iter()
        .skip((number - 1).saturating_mul(size))
        .take(size)
        .map(|i| json!({"InstanceId": i.id, "InstanceName": i.id, "RegionId": i.region, "Status": i.status_now()}))
        .collect();
    json!({"RequestId": request_id, "TotalCount": servers.len(), "PageNumber": number, "PageSize": size, "Instances": page})
}

/// The documented example response of an operation, with a fresh request id under the
/// product's own spelling of it (`RequestId`, `requestId`, `request_id`; `RequestId` when the
/// example has none). An example that is not an object (a ROA array) is answered as it is.
pub fn example(demo: Option<&str>, request_id: &str) -> Value {
    let mut body = demo.and_then(|d| serde_json::from_str::<Value>(d).ok()).unwrap_or_else(|| json!({}));
    if let Value::Object(fields) = &mut body {
        let key = ["RequestId", "requestId", "request_id"].into_iter().find(|k| fields.contains_key(*k)).unwrap_or("RequestId");
        fields.insert(key.to_owned(), Value::from(request_id));
    }
    body
}
