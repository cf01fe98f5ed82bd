//! The generated client and the emulator agree on every generated request: one verdict
//! (valid or not) from the client's `validate`, one from the emulator's checks on the client's
//! own wire encoding. The fixed-case agreement test covers every operation of every product;
//! this one throws generated values, including hostile ones, at the project's operations.

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
