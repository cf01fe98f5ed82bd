//! AttachKeyPair, as generated from spec/swas-open/2020-06-01/api-docs.json: the documented
//! example response and request as golden files, and both sides of every documented bound.

use acs_runtime::{Operation, ValidationError, Violation, ViolationKind};
use acs_swas_open::attach_key_pair::{AttachKeyPairRequest, AttachKeyPairResponse};
use acs_swas_open::ErrorCode;
use acs_tests::{assert_golden, project_root};

const GOLDEN_RESPONSE: &str = include_str!("golden/attach_key_pair/response.json");

fn documented_request() -> AttachKeyPairRequest {
    AttachKeyPairRequest::new("cn-hangzhou", ["2ad1ae67295445f598017499dc****"], "test")
        .client_token("123e4567-e89b-12d3-a456-426655440000")
}

fn violations(request: &AttachKeyPairRequest) -> Vec<Violation> {
    match request.validate() {
        Ok(()) => Vec::new(),
        Err(ValidationError { operation, violations }) => {
            assert_eq!(operation, "AttachKeyPair");
            violations
        }
    }
}

fn violation(field: &str, kind: ViolationKind, value: Option<&str>) -> Violation {
    Violation { field: field.into(), kind, value: value.map(Into::into) }
}

fn ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("i-{i}")).collect()
}

#[test]
fn documented_response_decodes_with_every_field() {
    let response: AttachKeyPairResponse = serde_json::from_str(GOLDEN_RESPONSE).unwrap();
    assert_eq!(response.request_id.as_deref(), Some("30637AD6-D977-4833-A54C-CC89483E****"));
    assert_eq!(response.total_count, Some(2));
    assert_eq!(response.fail_count, Some(2));
    assert_eq!(response.results.len(), 1);
    let result = &response.results[0];
    assert_eq!(result.code.as_deref(), Some("200"));
    assert_eq!(result.message.as_deref(), Some("success"));
    assert_eq!(result.success.map(|s| s.get()), Some(true));
    assert_eq!(result.instance_id.as_deref(), Some("aa6e71ddb35c46679bc4753d6219d604"));
    assert_eq!(response.failed_results().count(), 0);
}

#[test]
fn documented_response_serializes_back_to_the_same_json() {
    let response: AttachKeyPairResponse = serde_json::from_str(GOLDEN_RESPONSE).unwrap();
    let again = serde_json::to_string_pretty(&response).unwrap() + "\n";
    assert_golden("attach_key_pair/response.json", &again);
    let as_value: serde_json::Value = serde_json::from_str(GOLDEN_RESPONSE).unwrap();
    assert_eq!(serde_json::to_value(&response).unwrap(), as_value);
}

#[test]
fn golden_response_is_the_specs_response_demo() {
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project_root().join("spec/swas-open/2020-06-01/api-docs.json")).unwrap()).unwrap();
    let demo_list: serde_json::Value = serde_json::from_str(spec["apis"]["AttachKeyPair"]["responseDemo"].as_str().unwrap()).unwrap();
    let demo = demo_list[0]["example"].as_str().unwrap();
    assert_eq!(format!("{demo}\n"), GOLDEN_RESPONSE);
}

#[test]
fn per_instance_failures_are_listed_and_unknown_fields_ignored() {
    let body = r#"{"RequestId":"R","TotalCount":"3","FailCount":1,"NewField":{"x":1},
        "Results":[{"Code":200,"Success":"true","InstanceId":"i-1"},
                   {"Code":"404","Message":"not found","Success":"false","InstanceId":"i-2"},
                   {"InstanceId":"i-3"}]}"#;
    let response: AttachKeyPairResponse = serde_json::from_str(body).unwrap();
    assert_eq!(response.total_count, Some(3), "a count sent as a string still decodes");
    assert_eq!(response.results[0].code.as_deref(), Some("200"), "a code sent as a number still decodes");
    let failed: Vec<_> = response.failed_results().map(|r| r.instance_id.as_deref().unwrap()).collect();
    assert_eq!(failed, ["i-2"]);
}

#[test]
fn a_response_value_of_the_wrong_shape_is_kept_raw_and_the_rest_decodes() {
    let body = r#"{"RequestId":"R1","TotalCount":{"n":1},"Results":[{"Success":"maybe","InstanceId":"i-1"}]}"#;
    let response: AttachKeyPairResponse = serde_json::from_str(body).unwrap();
    assert_eq!((response.request_id.as_deref(), response.total_count), (Some("R1"), None));
    assert_eq!((response.results[0].instance_id.as_deref(), &response.results[0].success), (Some("i-1"), &None));
    let kept: Vec<(&str, String)> = response.mismatched.iter().map(|m| (m.path.as_str(), m.value.to_string())).collect();
    // In the order read (serde hands the body over with its keys sorted).
    assert_eq!(kept, [("Results[0].Success", r#""maybe""#.to_owned()), ("TotalCount", r#"{"n":1}"#.to_owned())]);
    assert!(response.mismatched[0].message.contains(r#"expected "true" or "false", found "maybe""#), "{:?}", response.mismatched);
    // Text that is not JSON is still an error.
    assert!(serde_json::from_str::<AttachKeyPairResponse>(r#"{"Results":[{"Success":]}"#).is_err());
}

#[test]
fn documented_request_encodes_to_the_golden_wire_parameters() {
    let request = documented_request();
    let params = request.encode().expect("the documented request is valid");
    let pairs: Vec<[&str; 2]> = params.iter().map(|(n, v)| [n, v]).collect();
    let mut text = String::from("[\n");
    for (i, [n, v]) in pairs.iter().enumerate() {
        let sep = if i + 1 < pairs.len() { "," } else { "" };
        text.push_str(&format!("  [{}, {}]{sep}\n", serde_json::to_string(n).unwrap(), serde_json::to_string(v).unwrap()));
    }
    text.push_str("]\n");
    assert_golden("attach_key_pair/request-params.json", &text);
}

#[test]
fn optional_token_is_omitted_and_ids_are_numbered_from_one() {
    let request = AttachKeyPairRequest::new("cn-hangzhou", ids(12), "kp");
    let params = request.encode().unwrap();
    let names: Vec<&str> = params.iter().map(|(n, _)| n).collect();
    assert!(!names.contains(&"ClientToken"));
    assert_eq!(params.get("InstanceIds.1"), Some("i-1"));
    assert_eq!(params.get("InstanceIds.12"), Some("i-12"));
    assert_eq!(names.len(), 14);
}

// The spec allows only HTTPS for AttachKeyPair; checked when this file compiles.
const _: () = assert!(AttachKeyPairRequest::HTTPS_ONLY);

#[test]
fn request_metadata_matches_the_spec() {
    assert_eq!(AttachKeyPairRequest::ACTION, "AttachKeyPair");
    assert_eq!(AttachKeyPairRequest::METHOD, acs_runtime::HttpMethod::Post);
    assert_eq!(AttachKeyPairRequest::IDEMPOTENCY_TOKEN, Some("ClientToken"));
    let mut request = AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp");
    assert_eq!(request.idempotency_token(), None);
    request.set_idempotency_token("t-1".into());
    assert_eq!(request.client_token.as_deref(), Some("t-1"));
}

#[test]
fn instance_ids_between_1_and_50_pass() {
    for n in [1, 50] {
        assert_eq!(violations(&AttachKeyPairRequest::new("cn-hangzhou", ids(n), "kp")), [], "{n} ids");
    }
}

#[test]
fn zero_instance_ids_fail() {
    assert_eq!(
        violations(&AttachKeyPairRequest::new("cn-hangzhou", ids(0), "kp")),
        [violation("InstanceIds", ViolationKind::TooFewItems { min: 1, actual: 0 }, None)]
    );
}

#[test]
fn fifty_one_instance_ids_fail() {
    assert_eq!(
        violations(&AttachKeyPairRequest::new("cn-hangzhou", ids(51), "kp")),
        [violation("InstanceIds", ViolationKind::TooManyItems { max: 50, actual: 51 }, None)]
    );
}

#[test]
fn key_pair_names_of_2_and_64_characters_pass() {
    for name in ["ab".to_owned(), format!("k{}", "x".repeat(63)), "a1:_-".to_owned()] {
        assert_eq!(violations(&AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], name.as_str())), [], "{name}");
    }
}

#[test]
fn key_pair_name_of_1_character_fails() {
    assert_eq!(
        violations(&AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "a")),
        [violation("KeyPairName", ViolationKind::TooShort { min: 2, actual: 1 }, Some("a"))]
    );
}

#[test]
fn key_pair_name_of_65_characters_fails() {
    let name = format!("k{}", "x".repeat(64));
    assert_eq!(
        violations(&AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], name.as_str())),
        [violation("KeyPairName", ViolationKind::TooLong { max: 64, actual: 65 }, Some(&name))]
    );
}

const NAME_PATTERN: &str = "^[A-Za-z][A-Za-z0-9:_-]*$";

#[test]
fn key_pair_name_with_a_leading_digit_fails() {
    assert_eq!(
        violations(&AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "1key")),
        [violation("KeyPairName", ViolationKind::PatternMismatch { pattern: NAME_PATTERN.into() }, Some("1key"))]
    );
}

#[test]
fn key_pair_name_starting_with_http_fails() {
    for (name, prefix) in [("http://x", "http://"), ("https://x", "https://")] {
        assert_eq!(
            violations(&AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], name)),
            [
                violation("KeyPairName", ViolationKind::PatternMismatch { pattern: NAME_PATTERN.into() }, Some(name)),
                violation("KeyPairName", ViolationKind::ForbiddenPrefix { prefix: prefix.into() }, Some(name)),
            ]
        );
    }
}

#[test]
fn key_pair_name_with_a_space_fails() {
    assert_eq!(
        violations(&AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "my key")),
        [violation("KeyPairName", ViolationKind::PatternMismatch { pattern: NAME_PATTERN.into() }, Some("my key"))]
    );
}

#[test]
fn non_ascii_client_token_fails() {
    let request = AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp").client_token("tökén");
    assert_eq!(violations(&request), [violation("ClientToken", ViolationKind::NotAscii, Some("tökén"))]);
}

#[test]
fn client_token_of_64_passes_and_65_fails() {
    let ok = AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp").client_token("t".repeat(64));
    assert_eq!(violations(&ok), []);
    let long = "t".repeat(65);
    let request = AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp").client_token(long.as_str());
    assert_eq!(violations(&request), [violation("ClientToken", ViolationKind::TooLong { max: 64, actual: 65 }, Some(&long))]);
}

#[test]
fn empty_region_is_missing() {
    assert_eq!(violations(&AttachKeyPairRequest::new("", ["i-1"], "kp")), [violation("RegionId", ViolationKind::Missing, None)]);
}

#[test]
fn every_violation_is_reported_with_a_readable_message() {
    let request = AttachKeyPairRequest::new("", ids(51), "1").client_token("é");
    let err = request.encode().unwrap_err();
    assert_eq!(err.violations.len(), 5);
    assert_eq!(
        err.to_string(),
        "invalid AttachKeyPair request: RegionId is required; \
         ClientToken must contain ASCII characters only (value \"é\"); \
         InstanceIds has 51 items, more than the maximum of 50; \
         KeyPairName has 1 characters, fewer than the minimum of 2 (value \"1\"); \
         KeyPairName does not match the pattern ^[A-Za-z][A-Za-z0-9:_-]*$ (value \"1\")"
    );
}

#[test]
fn to_params_is_the_documented_opt_out() {
    let request = AttachKeyPairRequest::new("cn-hangzhou", ids(51), "kp");
    assert!(request.encode().is_err());
    let params = request.to_params();
    assert_eq!(params.get("InstanceIds.51"), Some("i-51"), "a caller who knows the limit was raised can still send 51");
}

#[test]
fn request_round_trips_through_its_wire_named_json() {
    let request = documented_request();
    let json = serde_json::to_value(&request).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"RegionId":"cn-hangzhou","ClientToken":"123e4567-e89b-12d3-a456-426655440000","InstanceIds":["2ad1ae67295445f598017499dc****"],"KeyPairName":"test"})
    );
    assert_eq!(serde_json::from_value::<AttachKeyPairRequest>(json).unwrap(), request);
    let err = serde_json::from_value::<AttachKeyPairRequest>(serde_json::json!({"RegionId":"r","InstanceIds":["i"]})).unwrap_err();
    assert!(err.to_string().contains("missing field `KeyPairName`"), "{err}");
}

#[test]
fn documented_error_code_is_typed_and_others_are_kept_opaque() {
    assert_eq!(ErrorCode::from_code("InvalidInstanceId.NotFound"), ErrorCode::InvalidInstanceIdNotFound);
    assert_eq!(ErrorCode::InvalidInstanceIdNotFound.as_str(), "InvalidInstanceId.NotFound");
    assert_eq!(ErrorCode::InvalidInstanceIdNotFound.to_string(), "InvalidInstanceId.NotFound");
    // An undocumented code is kept as sent, and reachable only through `as_str`.
    let other = ErrorCode::from_code("Throttling.User");
    assert_eq!(other.as_str(), "Throttling.User");
    assert_ne!(other, ErrorCode::InvalidInstanceIdNotFound);
    assert_eq!(other, ErrorCode::from_code("Throttling.User"));
}

#[test]
fn endpoints_come_from_the_spec() {
    use acs_swas_open::{endpoint, endpoints::ENDPOINTS, SERVICE};
    assert_eq!(endpoint("cn-hangzhou"), Some("swas.cn-hangzhou.aliyuncs.com"));
    assert_eq!(endpoint("xx-nowhere-1"), None);
    assert_eq!(ENDPOINTS.len(), 28);
    assert!(ENDPOINTS.iter().all(|e| e.host == format!("swas.{}.aliyuncs.com", e.region)));
    assert!(ENDPOINTS.windows(2).all(|w| w[0].region < w[1].region), "sorted, for binary search");
    assert_eq!((SERVICE.product, SERVICE.version), ("SWAS-OPEN", "2020-06-01"));
}
