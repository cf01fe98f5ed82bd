//! Turning request values into RPC wire parameters.
//!
//! Every parameter of an RPC operation travels as one or more `name=value` pairs. The metadata's
//! `style` says how an array or object is spread over pairs; [`Params::put`] implements all of
//! them once, here, so generated code only names the parameter, its style and its value.

use serde::Serialize;
use serde_json::Value;

/// How a parameter's value is laid out on the wire (the metadata's `style`, next to `in`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Style {
    /// No style: a scalar sent as its string form. Arrays and objects without a style are
    /// flattened like [`Style::RepeatList`], which is what the official SDKs do.
    Plain,
    /// `Name.1=a&Name.2=b`; objects inside continue the path: `Name.1.Key=…`.
    RepeatList,
    /// `Name.Prop=…`, recursively (arrays inside are numbered from 1).
    Flat,
    /// One parameter holding the value as compact JSON (object keys in byte order).
    Json,
    /// One parameter holding the array's items joined with `,`.
    Simple,
}

/// An ordered list of wire parameters (`name`, `value`), both unencoded.
///
/// The order is the order of the operation's parameters in the spec; signing sorts them
/// itself, so the order only matters for readability and stable test output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// An empty parameter list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one pair as is.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// Appends the pairs for one parameter value laid out in `style`.
    ///
    /// `None`/`null` values add nothing; an empty string is kept as `Name=`.
    pub fn put<T: Serialize + ?Sized>(&mut self, name: &str, style: Style, value: &T) {
        // Request types are plain data (strings, numbers, maps with string keys), for which
        // serde_json cannot fail.
        let value = serde_json::to_value(value).expect("request values are representable as JSON");
        self.put_value(name, style, &value);
    }

    /// [`Params::put`] for a value that is already JSON.
    pub fn put_value(&mut self, name: &str, style: Style, value: &Value) {
        match (style, value) {
            (_, Value::Null) => {}
            (Style::Json, Value::String(text)) => self.push(name, text.as_str()),
            (Style::Json, other) => self.push(name, other.to_string()),
            (Style::Simple, Value::Array(items)) => {
                let joined: Vec<String> = items.iter().filter_map(scalar_text).collect();
                self.push(name, joined.join(","));
            }
            (_, value) => self.flatten(name.to_owned(), value),
        }
    }

    fn flatten(&mut self, path: String, value: &Value) {
        match value {
            Value::Null => {}
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.flatten(format!("{path}.{}", index + 1), item);
                }
            }
            Value::Object(fields) => {
                for (key, item) in fields {
                    self.flatten(format!("{path}.{key}"), item);
                }
            }
            scalar => {
                if let Some(text) = scalar_text(scalar) {
                    self.0.push((path, text));
                }
            }
        }
    }

    /// The value of the first pair called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The pairs, in order.
    pub fn as_slice(&self) -> &[(String, String)] {
        &self.0
    }

    /// Iterates over `(name, value)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs, by value.
    pub fn into_vec(self) -> Vec<(String, String)> {
        self.0
    }
}

impl From<Vec<(String, String)>> for Params {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }
}

/// Decodes a query string or form body as servers do: pairs split on `&` and `=`, `+` read as a
/// space (the Python SDKs' form encoding) and `%XX` decoded (RFC 3986), so both spellings of a
/// space arrive alike. Order and repeats are kept.
pub fn decode_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            let decode = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
            (decode(n), decode(v))
        })
        .collect()
}

/// The string form of a scalar as the SDKs send it (booleans in lower case).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => None,
        nested => Some(nested.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(p: &Params) -> Vec<(&str, &str)> {
        p.iter().collect()
    }

    #[test]
    fn repeat_list_numbers_from_one_and_nests_objects() {
        let mut p = Params::new();
        p.put("InstanceIds", Style::RepeatList, &vec!["a", "b"]);
        p.put_value("Tag", Style::RepeatList, &json!([{"Key": "k", "Value": "v"}]));
        assert_eq!(
            pairs(&p),
            [("InstanceIds.1", "a"), ("InstanceIds.2", "b"), ("Tag.1.Key", "k"), ("Tag.1.Value", "v")]
        );
    }

    #[test]
    fn flat_json_simple_and_plain() {
        let mut p = Params::new();
        p.put_value("LoginCredentials", Style::Flat, &json!({"KeyPairName": "kp"}));
        p.put_value("Parameters", Style::Json, &json!({"b": 1, "a": "x"}));
        p.put_value("Ids", Style::Json, &json!("[\"kept\"]"));
        p.put_value("RuleIds", Style::Simple, &json!(["r1", "r2"]));
        p.put("Flag", Style::Plain, &true);
        p.put("Size", Style::Plain, &40_i64);
        p.put("Empty", Style::Plain, "");
        p.put::<Option<String>>("Unset", Style::Plain, &None);
        assert_eq!(
            pairs(&p),
            [
                ("LoginCredentials.KeyPairName", "kp"),
                ("Parameters", r#"{"a":"x","b":1}"#),
                ("Ids", r#"["kept"]"#),
                ("RuleIds", "r1,r2"),
                ("Flag", "true"),
                ("Size", "40"),
                ("Empty", ""),
            ]
        );
    }

    #[test]
    fn decodes_both_spellings_of_a_space() {
        assert_eq!(
            decode_query("A=a+b&B=a%20b&C=%E4%B8%AD&Empty=&Bare&Plus=%2B"),
            [("A", "a b"), ("B", "a b"), ("C", "中"), ("Empty", ""), ("Bare", ""), ("Plus", "+")].map(|(n, v)| (n.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn empty_repeat_list_sends_nothing() {
        let mut p = Params::new();
        p.put::<Vec<String>>("InstanceIds", Style::RepeatList, &Vec::new());
        assert!(p.is_empty());
    }
}
