use std::collections::BTreeMap;

use super::*;

/// A hand-written impl in the shape generated response types have.
#[derive(Debug, Default, PartialEq)]
struct Sample {
    code: Option<String>,
    count: Option<i32>,
    flag: Option<bool>,
    ratio: Option<f64>,
    items: Vec<Sample>,
    tags: BTreeMap<String, String>,
    extra: Value,
    ok: Option<crate::StringBool>,
}

impl FromJson for Sample {
    fn from_json(r: &mut Reader<'_>) -> Result<Self> {
        let mut out = Self::default();
        r.object(&["code", "count", "flag", "ratio", "items", "tags", "extra", "ok"], &mut |r, i| match i {
            0 => r.set(&mut out.code),
            1 => r.set(&mut out.count),
            2 => r.set(&mut out.flag),
            3 => r.set(&mut out.ratio),
            4 => r.set(&mut out.items),
            5 => r.set(&mut out.tags),
            6 => r.set(&mut out.extra),
            _ => r.set(&mut out.ok),
        })?;
        Ok(out)
    }
}

impl ToJson for Sample {
    fn to_json(&self) -> Json {
        let mut w = ObjectWriter::new();
        w.field("code", &self.code);
        w.field("count", &self.count);
        w.field("flag", &self.flag);
        w.field("ratio", &self.ratio);
        w.field("items", &self.items);
        w.field("tags", &self.tags);
        w.field("extra", &self.extra);
        w.field("ok", &self.ok);
        w.finish()
    }
}

/// A request-side type (a required field), read with the reader's lower-level calls.
#[derive(Debug, PartialEq)]
struct Tag {
    key: String,
    value: Option<String>,
}

impl FromJson for Tag {
    fn from_json(r: &mut Reader<'_>) -> Result<Self> {
        let mut key = None;
        let mut value = None;
        r.begin_object()?;
        while let Some(k) = r.key()? {
            match k {
                "Key" => key = Some(r.read()?),
                "Value" => value = r.read()?,
                _ => r.skip()?,
            }
        }
        Ok(Self { key: r.required(key, "Key")?, value })
    }
}

fn lenient(text: &str) -> Result<Sample> {
    from_str(text, Mode::Lenient)
}

#[test]
fn accepts_neighbouring_types() {
    let s = lenient(r#"{"code":200,"count":"2","flag":"True","ratio":"1.5"}"#).unwrap();
    assert_eq!((s.code.as_deref(), s.count, s.flag, s.ratio), (Some("200"), Some(2), Some(true), Some(1.5)));
    let s = lenient(r#"{"code":1.50,"count":2.0,"flag":1,"ratio":3}"#).unwrap();
    assert_eq!((s.code.as_deref(), s.count, s.flag, s.ratio), (Some("1.5"), Some(2), Some(true), Some(3.0)));
    let s = lenient(r#"{"code":null,"count":"","flag":null,"ratio":" ","items":null,"tags":null}"#).unwrap();
    assert_eq!(s, Sample::default());
    let s = lenient(r#"{"code":true,"count":" 7 ","flag":"FALSE","ratio":-2.5e-3}"#).unwrap();
    assert_eq!((s.code.as_deref(), s.count, s.flag, s.ratio), (Some("true"), Some(7), Some(false), Some(-0.0025)));
}

/// Decodes leniently, returning the values kept raw for their shape.
fn lenient_with_mismatches(text: &str) -> (Sample, Vec<Mismatch>) {
    let mut r = Reader::new(text, Mode::Lenient);
    let sample = Sample::from_json(&mut r).unwrap();
    r.finish().unwrap();
    (sample, r.take_mismatches())
}

#[test]
fn a_value_of_the_wrong_shape_is_kept_raw_with_its_path_and_the_rest_decodes() {
    let (s, m) = lenient_with_mismatches(r#"{"code":"ok","count":"many","flag":true}"#);
    assert_eq!((s.code.as_deref(), s.count, s.flag), (Some("ok"), None, Some(true)));
    assert_eq!(
        m,
        [Mismatch { path: "count".into(), message: r#"expected an integer, found the string "many""#.into(), value: Value::from("many") }]
    );
    let (_, m) = lenient_with_mismatches(r#"{"count":4294967296}"#);
    assert!(m[0].message.contains("integer 4294967296 does not fit in 32 bits"), "{m:?}");
    // Deep inside a list: only that member, with its path.
    let (s, m) = lenient_with_mismatches("{\"items\":[{},\n {\"flag\":\"maybe\",\"code\":\"x\"}]}");
    assert_eq!((s.items.len(), s.items[1].code.as_deref(), s.items[1].flag), (2, Some("x"), None));
    assert_eq!((m[0].path.as_str(), &m[0].value), ("items[1].flag", &Value::from("maybe")));
    // The shapes a service gets wrong: an object for a list, a list for a string, a scalar for
    // an object or a map.
    let (s, m) = lenient_with_mismatches(r#"{"items":{"a":{"code":"x"}},"code":["a",{"b":1}],"tags":7,"ok":"yes","ratio":1}"#);
    assert_eq!((s.items.len(), s.code, s.ratio), (0, None, Some(1.0)));
    let paths: Vec<&str> = m.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(paths, ["items", "code", "tags", "ok"]);
    assert_eq!(m[0].value, serde_json::json!({"a": {"code": "x"}}));
    assert_eq!(m[1].value, serde_json::json!(["a", {"b": 1}]));
    // Text that is not JSON is still an error, with its position.
    let err = lenient(r#"{"count": ,}"#).unwrap_err();
    assert!(err.to_string().contains("line 1"), "{err}");
}

#[test]
fn strict_mode_takes_each_type_only_in_its_own_form() {
    let strict = |text: &str| from_str::<Sample>(text, Mode::Strict);
    assert!(strict(r#"{"code":"x","count":2,"flag":true,"ratio":1}"#).is_ok());
    for (text, message) in [
        (r#"{"count":"2"}"#, r#"expected an integer, found the string "2""#),
        (r#"{"code":2}"#, "expected a string, found 2"),
        (r#"{"flag":"true"}"#, r#"expected a boolean, found the string "true""#),
        (r#"{"count":2.0}"#, "expected an integer, found 2.0"),
    ] {
        let err = strict(text).unwrap_err();
        assert!(err.message().contains(message), "{text}: {err}");
    }
    let tags: Vec<Tag> = from_str(r#"[{"Key":"a"},{"Key":"b","Value":"c"}]"#, Mode::Strict).unwrap();
    assert_eq!(tags, [Tag { key: "a".into(), value: None }, Tag { key: "b".into(), value: Some("c".into()) }]);
    let err = from_str::<Vec<Tag>>(r#"[{"Value":"c"}]"#, Mode::Strict).unwrap_err();
    assert!(err.to_string().contains("missing field `Key`"), "{err}");
}

#[test]
fn unknown_members_of_any_shape_are_skipped_and_escapes_decoded() {
    let s = lenient(
        r#" { "x" : [1, {"a": [true, false, null, "\"]"]}, -0.5e+3], "co\u0064e" : "\u00e9\ud83d\ude00\n\/", "y": {} , "count" : 3 } "#,
    )
    .unwrap();
    assert_eq!(s.code.as_deref(), Some("é😀\n/"));
    assert_eq!(s.count, Some(3));
    let s = lenient(r#"{"extra":{"b":[1,2],"a":"x"},"tags":{"k":"v"}}"#).unwrap();
    assert_eq!(s.extra, serde_json::json!({"a":"x","b":[1,2]}));
    assert_eq!(s.tags.get("k").map(String::as_str), Some("v"));
}

#[test]
fn malformed_json_is_an_error_not_a_panic() {
    for text in [
        "",
        "{",
        "{\"code\"",
        "{\"code\":",
        "{\"code\":\"x",
        "{\"code\":\"\\x\"}",
        "{\"code\":\"\\ud800\"}",
        "{\"code\":\"\\u12\"}",
        "{\"count\":01}",
        "{\"count\":1.}",
        "{\"count\":-}",
        "{\"count\":1e}",
        "{\"count\":+1}",
        "{\"count\":.5}",
        "{,}",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{\"items\":[1 2]}",
        "{\"items\":[,]}",
        "{} {}",
        "[]",
        "nul",
        "{\"code\":tru}",
        "{\"code\":\"a\u{1}b\"}",
        "{\"code\":\"x\"}x",
    ] {
        assert!(lenient(text).is_err(), "{text:?} decoded");
    }
    let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
    let err = from_str::<Value>(&deep, Mode::Lenient).unwrap_err();
    assert!(err.message().contains("nested more than"), "{err}");
    let deep = format!("{{\"extra\":{}}}", "[".repeat(100_000));
    assert!(lenient(&deep).is_err());
    assert!(from_slice::<Sample>(b"{\"code\":\"\xff\"}", Mode::Lenient).unwrap_err().to_string().contains("UTF-8"));
}

#[test]
fn writes_back_what_it_read_leaving_unset_fields_out() {
    let text = r#"{"code":"200","count":2,"flag":false,"items":[{"ok":"true"},{"ok":false}],"tags":{"k":"v"}}"#;
    let s = lenient(text).unwrap();
    assert_eq!(serde_json::to_string(&s.to_json()).unwrap(), text, "members in declaration order");
    assert_eq!(Value::from(s.to_json()), serde_json::from_str::<Value>(text).unwrap());
    assert_eq!(Sample::default().to_json(), Json::Object(Vec::new()));
}

#[test]
fn numbers_are_written_in_their_shortest_exact_form() {
    let text = |v: &dyn ToJson| Value::from(v.to_json()).to_string();
    assert_eq!(text(&0.165f32), "0.165");
    assert_eq!(text(&0.1f64), "0.1");
    assert_eq!(text(&1e-7f32), "1e-7");
    assert_eq!(text(&f64::NAN), "null");
    assert_eq!(text(&i64::MIN), "-9223372036854775808");
    assert_eq!(text(&-7i32), "-7");
}

#[test]
fn untyped_responses_keep_every_member() {
    let r: UntypedResponse = from_str(r#"{"RequestId":"r-1","Data":{"x":[1]},"N":2}"#, Mode::Lenient).unwrap();
    assert_eq!(r.request_id.as_deref(), Some("r-1"));
    assert_eq!(r.fields.len(), 2);
    assert_eq!(Value::from(r.to_json()), serde_json::json!({"RequestId":"r-1","Data":{"x":[1]},"N":2}));
    let via_serde: UntypedResponse = serde_json::from_str(r#"{"RequestId":"r-2"}"#).unwrap();
    assert_eq!(serde_json::to_string(&via_serde).unwrap(), r#"{"RequestId":"r-2"}"#);
}

#[test]
fn debug_and_equality_go_through_the_json_form() {
    struct Wrapper(Sample);
    impl ToJson for Wrapper {
        fn to_json(&self) -> Json {
            self.0.to_json()
        }
    }
    impl fmt::Debug for Wrapper {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            debug("Wrapper", self, f)
        }
    }
    let a = Wrapper(lenient(r#"{"code":"x","count":"2"}"#).unwrap());
    let b = Wrapper(lenient(r#"{"count":2,"code":"x"}"#).unwrap());
    assert_eq!(format!("{a:?}"), r#"Wrapper {"code":"x","count":2}"#);
    assert_eq!(format!("{a:#?}"), "Wrapper {\n  \"code\": \"x\",\n  \"count\": 2\n}");
    assert!(same(&a, &b));
    assert!(!same(&a, &Wrapper(Sample::default())));
}
