//! The generated client and the emulator agree on every generated request: one verdict
//! (valid or not) from the client's `validate`, one from the emulator's checks on the client's
//! own wire encoding. The fixed-case agreement test covers every operation of every product;
//! this one throws generated values, including hostile ones, at the project's operations.
//! Every pattern of the real metadata means for `Pattern` what it means for regex-lite, whichever
//! way `Pattern` runs it.

use std::collections::BTreeMap;

use acs_runtime::__private::Validate;
use acs_runtime::Operation;
use acs_swas_open::attach_key_pair::AttachKeyPairRequest;
use acs_swas_open::list_instances::ListInstancesRequest;
use proptest::prelude::*;

fn service() -> &'static acs_ir::Service {
    static SERVICE: std::sync::OnceLock<acs_ir::Service> = std::sync::OnceLock::new();
    SERVICE.get_or_init(|| {
        let spec = std::fs::read_to_string(acs_tests::project_root().join("spec/swas-open/2020-06-01/api-docs.json")).unwrap();
        acs_ir::load(&spec, &acs_ir::Options::default()).unwrap().service
    })
}

/// The client's verdict and the emulator's, on the client's wire encoding of `request`.
fn verdicts<O: Operation + Validate>(request: &O) -> (bool, bool, String) {
    let op = service().operations.iter().find(|o| o.name == O::ACTION).unwrap();
    let business: BTreeMap<String, String> = request.to_params().into_vec().into_iter().collect();
    let emulator = acs_emulator::params::check(service(), op, &business, None);
    let client = request.validate();
    let why = format!("client: {client:?}\nemulator: {emulator:?}\nwire: {business:?}");
    (client.is_ok(), emulator.is_ok(), why)
}

/// Text that is sometimes valid, sometimes just outside a rule, sometimes hostile.
fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[A-Za-z][A-Za-z0-9:_-]{0,70}", "https?://[a-z]{0,10}", Just(String::new()), any::<String>(), "[ -~]{0,80}",]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn attach_key_pair_verdicts_agree(
        region in prop_oneof![Just("cn-hangzhou".to_owned()), text()],
        ids in proptest::collection::vec(text(), 0..60),
        name in text(),
        token in proptest::option::of(text()),
    ) {
        let mut request = AttachKeyPairRequest::new(region, ids, name);
        if let Some(t) = token {
            request = request.client_token(t);
        }
        let (client, emulator, why) = verdicts(&request);
        prop_assert_eq!(client, emulator, "{}", why);
    }

    #[test]
    fn list_instances_verdicts_agree(
        region in prop_oneof![Just("cn-hangzhou".to_owned()), text()],
        page in proptest::option::of(any::<i32>()),
        size in proptest::option::of(prop_oneof![0..120i32, any::<i32>()]),
    ) {
        let mut request = ListInstancesRequest::new(region);
        if let Some(p) = page {
            request = request.page_number(p);
        }
        if let Some(s) = size {
            request = request.page_size(s);
        }
        let (client, emulator, why) = verdicts(&request);
        prop_assert_eq!(client, emulator, "{}", why);
    }
}

#[test]
fn the_generated_requests_are_both_valid_and_invalid() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (prop_oneof![Just("cn-hangzhou".to_owned()), text()], proptest::collection::vec(text(), 0..60), text());
    let mut valid = 0;
    for _ in 0..500 {
        let (region, ids, name) = strategy.new_tree(&mut runner).unwrap().current();
        valid += usize::from(verdicts(&AttachKeyPairRequest::new(region, ids, name)).0);
    }
    assert!((25..=475).contains(&valid), "{valid} of 500 valid: the property would test little");
}

/// Every `pattern` string in `value`.
fn patterns_in(value: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, member) in map {
                match member {
                    serde_json::Value::String(p) if key == "pattern" => {
                        out.insert(p.clone());
                    }
                    _ => patterns_in(member, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| patterns_in(item, out)),
        _ => {}
    }
}

#[test]
fn every_pattern_of_the_real_metadata_means_what_regex_lite_says() {
    let Some(shared) = acs_tests::shared_dir("every_pattern_of_the_real_metadata_means_what_regex_lite_says") else { return };
    // The patterns of the real metadata, the project's spec and the test fixtures, and shapes
    // common in Alibaba's public metadata beyond them.
    let mut patterns: std::collections::BTreeSet<String> = [
        r"^[a-zA-Z][a-zA-Z0-9_-]{1,127}$",
        r"^[\u4e00-\u9fa5a-zA-Z0-9_-]{2,128}$",
        r"^[0-9a-zA-Z\-_]{1,64}$",
        r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
        r"^sg-[a-z0-9]{10,30}$",
        r"^\S{1,256}$",
        r"^[^\s]+$",
        r"^\w+[\w.-]*@\w+\.\w+$",
        r"^.{0,256}$",
        r"^[A-Za-z0-9.:/_+=-]*$",
        r"^(http|https)://.+",
        r"[a-z]+",
    ]
    .map(str::to_owned)
    .into();
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    let mut dirs = vec![shared.join("meta"), acs_tests::project_root().join("spec"), acs_tests::project_root().join("tests/fixtures")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    for file in files {
        // Fixtures include files that are not JSON on purpose.
        if let Ok(json) = serde_json::from_slice(&std::fs::read(&file).unwrap()) {
            patterns_in(&json, &mut patterns);
        }
    }
    // Values near every rule a pattern states: lengths at common bounds, each kind of
    // character, the pattern's own characters.
    let mut values: Vec<String> = [
        "",
        "a",
        "A1",
        "1abc",
        "_x",
        "-",
        "my-key_1:x",
        "12345",
        "a.b",
        "a b",
        "a\n",
        "x\ny",
        "中文",
        "ñandú",
        "http://x.y/z",
        "sg-bp1",
        "i-123",
        "Tag:Key",
        "a/b",
    ]
    .map(str::to_owned)
    .to_vec();
    for n in [2, 63, 64, 65, 127, 128, 129, 255, 256] {
        values.extend(["x", "9", "中", "-"].map(|c| c.repeat(n)));
    }
    let mut checked = 0;
    for pattern in &patterns {
        let Ok(reference) = regex_lite::Regex::new(pattern) else { continue };
        let own: String = pattern.chars().filter(|c| !"^$[]{}()\\".contains(*c)).collect();
        let ours = acs_runtime::__private::Pattern::owned(pattern.clone());
        for value in values.iter().chain([&own, &format!("a{own}"), &own.repeat(3)]) {
            assert_eq!(ours.is_match(value), Some(reference.is_match(value)), "pattern {pattern:?}, value {value:?}");
        }
        checked += 1;
    }
    assert!(checked >= 15, "{checked} patterns checked");
}
