//! Parse: a serde model of Alibaba's `api-docs.json` format.
//!
//! The model accepts the format as it is found in the wild, not as it should be: numbers and
//! examples written as strings, `components.schemas` as `[]` instead of `{}`, flags written as
//! strings, unknown keys everywhere. Everything that can be absent defaults. Meaning is assigned
//! later, when lowering to the IR; this layer only keeps what the file says.

use std::collections::BTreeMap;
use std::fmt;

use indexmap::IndexMap;
use serde::de::{self, Deserializer};
use serde::Deserialize;
use serde_json::Value;

/// A whole `api-docs.json` document.
#[derive(Debug, Deserialize)]
pub struct ApiDocs {
    /// Product, version and style.
    pub info: Info,
    /// Named schemas referenced with `$ref`.
    #[serde(default)]
    pub components: Components,
    /// Operations by name. Key order carries no meaning; a sorted map keeps output stable. A name
    /// that appears twice is an error, not "the last one wins".
    #[serde(default, deserialize_with = "unique_keys")]
    pub apis: BTreeMap<String, Api>,
    /// Regional endpoints.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
}

/// `info`.
#[derive(Debug, Deserialize)]
pub struct Info {
    /// `RPC`, `ROA`, …
    pub style: String,
    /// Product code, e.g. `SWAS-OPEN`.
    pub product: String,
    /// API version, e.g. `2020-06-01`.
    pub version: String,
    /// Human-readable product name (an extension; absent in Alibaba's files).
    #[serde(default)]
    pub title: Option<String>,
}

/// `components`.
#[derive(Debug, Default, Deserialize)]
pub struct Components {
    /// Named schemas. An empty PHP array arrives as `[]`, so a list is accepted when empty.
    #[serde(default, deserialize_with = "map_or_empty_list")]
    pub schemas: BTreeMap<String, Schema>,
}

/// One operation, `apis.<Name>`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Api {
    /// One-line summary.
    pub summary: Option<String>,
    /// Short title.
    pub title: Option<String>,
    /// Longer description (Markdown).
    pub description: Option<String>,
    /// Allowed methods, lower case.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Path template of a ROA operation (`/clusters/{ClusterId}`).
    #[serde(default)]
    pub path: Option<String>,
    /// Allowed schemes.
    #[serde(default)]
    pub schemes: Vec<String>,
    /// Authentication schemes, e.g. `[{"AK": []}]`.
    #[serde(default)]
    pub security: Vec<BTreeMap<String, Value>>,
    /// Whether the operation is deprecated.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub deprecated: Option<bool>,
    /// Parameters, in order.
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    /// Status → response.
    #[serde(default)]
    pub responses: BTreeMap<String, Response>,
    /// Status → documented errors.
    #[serde(default)]
    pub error_codes: BTreeMap<String, Vec<ErrorCode>>,
    /// Demo responses, double-encoded (see [`decode_response_demo`]).
    #[serde(default, deserialize_with = "lenient_string")]
    pub response_demo: Option<String>,
    /// Extension: the RAM action that authorizes the call.
    #[serde(rename = "x-acs-ram-action")]
    pub ram_action: Option<RamAction>,
}

/// Extension `x-acs-ram-action`: the RAM authorization of an operation.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RamAction {
    /// RAM action, e.g. `swas-open:AttachKeyPair`.
    pub action: String,
    /// Access level: `read`, `list`, `create`, `update`, `delete`.
    #[serde(default)]
    pub access_level: Option<String>,
    /// Resources the action applies to, e.g. `*`.
    #[serde(default)]
    pub resources: Option<String>,
}

/// One request parameter.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameter {
    /// Wire name, used verbatim.
    pub name: String,
    /// Location: `query`, `formData`, `body`, `path`, `header`, `host`.
    #[serde(rename = "in", default)]
    pub location: Option<String>,
    /// Wire form of arrays and objects.
    #[serde(default)]
    pub style: Option<String>,
    /// Type and constraints.
    #[serde(default)]
    pub schema: Schema,
}

/// A JSON-schema-like type with the format's own quirks.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    /// `string`, `integer`, `number`, `boolean`, `array`, `object`.
    #[serde(rename = "type")]
    pub ty: Option<String>,
    /// `int32`, `int64`, `float`, `double`, …
    pub format: Option<String>,
    /// The flag that defines required-ness (not `docRequired`).
    #[serde(default, deserialize_with = "lenient_bool")]
    pub required: Option<bool>,
    /// Documentation.
    pub description: Option<String>,
    /// Short title.
    pub title: Option<String>,
    /// Example value, always kept as text.
    #[serde(default, deserialize_with = "lenient_string")]
    pub example: Option<String>,
    /// Default value, as text.
    #[serde(default, deserialize_with = "lenient_string")]
    pub default: Option<String>,
    /// Upper bound, as text (`"36"`).
    #[serde(default, deserialize_with = "lenient_string")]
    pub maximum: Option<String>,
    /// Lower bound, as text.
    #[serde(default, deserialize_with = "lenient_string")]
    pub minimum: Option<String>,
    /// Whether `maximum` itself is excluded.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub exclusive_maximum: Option<bool>,
    /// Whether `minimum` itself is excluded.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub exclusive_minimum: Option<bool>,
    /// Maximum characters, as text.
    #[serde(default, deserialize_with = "lenient_string")]
    pub max_length: Option<String>,
    /// Minimum characters, as text.
    #[serde(default, deserialize_with = "lenient_string")]
    pub min_length: Option<String>,
    /// Maximum items, as text.
    #[serde(default, deserialize_with = "lenient_string")]
    pub max_items: Option<String>,
    /// Minimum items, as text.
    #[serde(default, deserialize_with = "lenient_string")]
    pub min_items: Option<String>,
    /// Regular expression.
    pub pattern: Option<String>,
    /// Allowed values.
    #[serde(rename = "enum", default)]
    pub enum_values: Option<Vec<Value>>,
    /// Element schema of an array.
    pub items: Option<Box<Schema>>,
    /// Fields of an object, in declaration order.
    #[serde(default)]
    pub properties: IndexMap<String, Schema>,
    /// Value schema of a map (`true`/`{}` for any value).
    pub additional_properties: Option<AdditionalProperties>,
    /// `#/components/schemas/<Name>`.
    #[serde(rename = "$ref")]
    pub reference: Option<String>,
    /// Whether the field is deprecated.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub deprecated: Option<bool>,
    /// Extension: the character set a string is limited to (`ascii`).
    #[serde(rename = "x-acs-charset")]
    pub charset: Option<String>,
    /// Extension: prefixes a string must not start with.
    #[serde(rename = "x-acs-forbidden-prefixes", default)]
    pub forbidden_prefixes: Vec<String>,
    /// Extension: the type a string on the wire stands for (`boolean`).
    #[serde(rename = "x-acs-value-type")]
    pub value_type: Option<String>,
}

/// `additionalProperties`: a flag or a schema.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AdditionalProperties {
    /// `true` / `false`: any value, or none.
    Flag(#[allow(dead_code)] bool),
    /// The schema of every value.
    Schema(Box<Schema>),
}

/// `responses.<status>`.
#[derive(Debug, Default, Deserialize)]
pub struct Response {
    /// Body schema.
    #[serde(default)]
    pub schema: Option<Schema>,
}

/// One documented error.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorCode {
    /// Error code, e.g. `InvalidInstanceId.NotFound`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub error_code: Option<String>,
    /// Message the service sends.
    #[serde(default, deserialize_with = "lenient_string")]
    pub error_message: Option<String>,
}

/// `endpoints[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// Region id.
    pub region_id: String,
    /// Host name.
    pub endpoint: String,
}

/// One entry of a decoded `responseDemo`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseDemo {
    /// `json` or `xml`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The demo document, as text.
    #[serde(default)]
    pub example: String,
}

/// Decodes `responseDemo`, which is a JSON array held in a string. An empty string is common
/// (`ECS` has 72) and means no demo; anything else that does not decode is an error.
pub fn decode_response_demo(raw: &str) -> Result<Vec<ResponseDemo>, serde_json::Error> {
    if raw.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str(raw)
}

/// Parses a document, naming the JSON path of the first value that does not fit the model.
pub fn parse(text: &str) -> Result<ApiDocs, ParseError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let docs =
        serde_path_to_error::deserialize(&mut de).map_err(|e| ParseError { path: e.path().to_string(), message: e.inner().to_string() })?;
    // Anything after the document is an error, not ignored.
    de.end().map_err(|e| ParseError { path: ".".into(), message: format!("{e} after the document") })?;
    Ok(docs)
}

/// A JSON object as a sorted map, refusing a key that appears twice.
fn unique_keys<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Unique<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> de::Visitor<'de> for Unique<T> {
        type Value = BTreeMap<String, T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<String>()? {
                if out.contains_key(&key) {
                    return Err(de::Error::custom(format!("{key:?} appears twice")));
                }
                let value = map.next_value()?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique(std::marker::PhantomData))
}

/// A document that is not valid JSON or does not fit the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// JSON path of the offending value (`apis.AttachKeyPair.parameters[2].schema.items`).
    pub path: String,
    /// What serde said.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.path, self.message)
    }
}

fn map_or_empty_list<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum MapOrList<T> {
        Map(BTreeMap<String, T>),
        List(Vec<Value>),
    }
    match MapOrList::deserialize(d)? {
        MapOrList::Map(map) => Ok(map),
        MapOrList::List(list) if list.is_empty() => Ok(BTreeMap::new()),
        MapOrList::List(_) => Err(de::Error::custom("expected an object (or an empty list)")),
    }
}

/// Any scalar, kept as text: `"36"`, `36` and `36.0` all arrive as strings.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => return Err(de::Error::custom(format!("expected a scalar, found {other}"))),
    })
}

/// A boolean, also written as `"true"`/`"false"`.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Value::String(s) if s.eq_ignore_ascii_case("false") || s.is_empty() => Ok(Some(false)),
        other => Err(de::Error::custom(format!("expected a boolean, found {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerates_the_formats_quirks() {
        let doc = parse(
            r#"{"info":{"style":"RPC","product":"P","version":"v"},"components":{"schemas":[]},
                "apis":{"Op":{"unknownKey":1,"parameters":[{"name":"N","in":"query",
                "schema":{"type":"integer","maximum":"36","minimum":1,"example":"2","required":"true","maxItems":5}}],
                "responseDemo":""}}}"#,
        )
        .unwrap();
        let schema = &doc.apis["Op"].parameters[0].schema;
        assert_eq!(schema.maximum.as_deref(), Some("36"));
        assert_eq!(schema.minimum.as_deref(), Some("1"));
        assert_eq!(schema.max_items.as_deref(), Some("5"));
        assert_eq!(schema.required, Some(true));
        assert!(decode_response_demo("").unwrap().is_empty());
    }

    #[test]
    fn names_the_json_path_of_a_bad_value() {
        let err = parse(
            r#"{"info":{"style":"RPC","product":"P","version":"v"},"apis":{"Op":{"parameters":[{"name":"N","schema":{"maximum":[1]}}]}}}"#,
        )
        .unwrap_err();
        assert_eq!(err.path, "apis.Op.parameters[0].schema.maximum");
        assert!(err.message.contains("expected a scalar"), "{}", err.message);
    }
}
