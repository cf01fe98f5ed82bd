//! Properties of the wire layer over generated inputs: percent-encoding and canonicalisation
//! against the reference rules (`shared/reference/protocol.md` §3), and encode → decode round
//! trips for every wire style.

use std::collections::BTreeMap;

use acs_runtime::sign::{canonical_query, percent_encode};
use acs_runtime::wire::{self, decode_query_strict, Params, Shape, Style};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// The reference: every UTF-8 byte outside `A–Z a–z 0–9 - _ . ~` becomes `%XX`, upper-case hex.
fn reference_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn percent_encoding_is_the_reference_and_decodes_back(text in any::<String>()) {
        let encoded = percent_encode(&text);
        prop_assert_eq!(&encoded, &reference_encode(&text));
        let decoded = decode_query_strict(&format!("k={encoded}")).unwrap();
        prop_assert_eq!(&decoded[0].1, &text);
    }

    #[test]
    fn canonical_query_sorts_by_encoded_name_bytes(pairs in proptest::collection::vec((any::<String>(), any::<String>()), 0..12)) {
        let canonical = canonical_query(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let mut expected: Vec<(String, String)> = pairs.clone();
        expected.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then_with(|| a.1.as_bytes().cmp(b.1.as_bytes())));
        let expected: Vec<String> = expected.iter().map(|(n, v)| format!("{}={}", reference_encode(n), reference_encode(v))).collect();
        prop_assert_eq!(canonical, expected.join("&"));
    }
}

/// Names of object properties as specs have them.
fn key() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9]{0,6}"
}

/// A scalar as request types hold them.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null)
    ]
}

/// Lists and objects of scalars, three levels deep at most.
fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(key(), inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// What survives the flattened styles: scalars as text, nulls and empty containers gone.
fn flattened(value: &Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(Value::String(s.clone())),
        Value::Number(n) => Some(Value::String(n.to_string())),
        Value::Bool(b) => Some(Value::String(b.to_string())),
        Value::Array(items) => {
            let kept: Vec<Value> = items.iter().filter_map(flattened).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        Value::Object(fields) => {
            let kept: Map<String, Value> = fields.iter().filter_map(|(k, v)| Some((k.clone(), flattened(v)?))).collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
    }
}

/// Encodes `value` as a request would, puts the pairs through a real query string, and reads
/// the parameter back.
fn round_trip(style: Style, shape: Shape, value: &Value) -> Option<Value> {
    let mut params = Params::new();
    params.put_value("P", style, value);
    let query: Vec<String> = params.iter().map(|(n, v)| format!("{}={}", percent_encode(n), percent_encode(v))).collect();
    let pairs: BTreeMap<String, String> = decode_query_strict(&query.join("&")).unwrap().into_iter().collect();
    wire::take(&pairs, "P", style, shape).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn repeat_list_and_flat_round_trip(value in value()) {
        prop_assume!(!value.is_string() && !value.is_number() && !value.is_boolean());
        for style in [Style::RepeatList, Style::Flat] {
            prop_assert_eq!(round_trip(style, Shape::Composite, &value), flattened(&value), "{:?}", style);
        }
    }

    #[test]
    fn json_round_trips_exactly(value in value()) {
        prop_assume!(value.is_array() || value.is_object());
        // An empty list or object is an unset one: nothing goes out.
        let empty = value.as_array().is_some_and(Vec::is_empty) || value.as_object().is_some_and(serde_json::Map::is_empty);
        let expected = if empty { None } else { Some(value.clone()) };
        prop_assert_eq!(round_trip(Style::Json, Shape::Composite, &value), expected);
    }

    #[test]
    fn simple_lists_round_trip(items in proptest::collection::vec("[^,]{1,8}", 1..6)) {
        let value = Value::Array(items.iter().cloned().map(Value::from).collect());
        prop_assert_eq!(round_trip(Style::Simple, Shape::Composite, &value), Some(value));
    }

    #[test]
    fn scalars_round_trip_as_text(value in scalar()) {
        prop_assert_eq!(round_trip(Style::Plain, Shape::Scalar, &value), flattened(&value));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// The runtime's JSON reader accepts exactly the texts serde_json accepts, on texts built
    /// from JSON's own characters (where the grammar's edge cases are).
    #[test]
    fn the_json_reader_accepts_what_serde_json_accepts(text in "[\\[\\]{}:,\" \\\\/\\-+0-9.eEtrueflasnu\u{e9}\u{1}]{0,24}") {
        let ours = acs_runtime::json::from_str::<Value>(&text, acs_runtime::json::Mode::Lenient);
        let theirs = serde_json::from_str::<Value>(&text);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}: ours {:?}, serde_json {:?}", text, ours, theirs);
        if let (Ok(a), Ok(b)) = (ours, theirs) {
            prop_assert_eq!(a, b);
        }
    }

    /// Generated values read back as they were written.
    #[test]
    fn json_values_round_trip_through_the_reader(value in value()) {
        let text = value.to_string();
        let back = acs_runtime::json::from_str::<Value>(&text, acs_runtime::json::Mode::Strict).unwrap();
        prop_assert_eq!(back, value);
    }
}
