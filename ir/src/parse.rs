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
use serde_json::value::RawValue;
use serde_json::Value;

/// A whole `api-docs.json` document.
///
/// Only what makes the file unusable as a whole refuses it: text that is not JSON, a document
/// without `info`, `apis` that is not an object. An operation (or a shared schema) that does not
/// fit the model is kept aside in [`ApiDocs::broken`] (or [`Components::broken`]) with its JSON
/// path, so lowering skips what depends on it and generates the rest.
#[derive(Debug)]
pub(crate) struct ApiDocs {
    /// Product, version and style.
    pub info: Info,
    /// Named schemas referenced with `$ref`.
    pub components: Components,
    /// Operations by name. Key order carries no meaning; a sorted map keeps output stable.
    pub apis: BTreeMap<String, Api>,
    /// Operations that could not be read: a value that does not fit the model, or a name that
    /// appears twice (no definition is more right than the other).
    pub broken: BTreeMap<String, ParseError>,
    /// Regional endpoints.
    pub endpoints: Vec<Endpoint>,
    /// Entries left out while reading (an endpoint that is not a region and a host).
    pub warnings: Vec<String>,
}

/// The document as first read: each operation and schema still raw, so that one that does not
/// fit the model costs only itself.
#[derive(Deserialize)]
struct RawDocs {
    info: Info,
    #[serde(default)]
    components: RawComponents,
    #[serde(default, deserialize_with = "entries")]
    apis: Vec<(String, Box<RawValue>)>,
    #[serde(default)]
    endpoints: Option<Vec<Box<RawValue>>>,
}

/// Parts are kept as their text (not as `Value`), so that object members keep their order.
#[derive(Default, Deserialize)]
struct RawComponents {
    #[serde(default, deserialize_with = "raw_map_or_empty_list")]
    schemas: BTreeMap<String, Box<RawValue>>,
}

/// `info`.
#[derive(Debug, Deserialize)]
pub(crate) struct Info {
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
#[derive(Debug, Default)]
pub(crate) struct Components {
    /// Named schemas. An empty PHP array arrives as `[]`, so a list is accepted when empty.
    pub schemas: BTreeMap<String, Schema>,
    /// Schemas that do not fit the model; a `$ref` to one skips the operation that makes it.
    pub broken: BTreeMap<String, ParseError>,
}

/// One operation, `apis.<Name>`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Api {
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
pub(crate) struct RamAction {
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
pub(crate) struct Parameter {
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
pub(crate) struct Schema {
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
pub(crate) enum AdditionalProperties {
    /// `true` / `false`: any value, or none.
    Flag(#[allow(dead_code)] bool),
    /// The schema of every value.
    Schema(Box<Schema>),
}

/// `responses.<status>`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Response {
    /// Body schema.
    #[serde(default)]
    pub schema: Option<Schema>,
}

/// One documented error.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorCode {
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
pub(crate) struct Endpoint {
    /// Region id.
    pub region_id: String,
    /// Host name.
    pub endpoint: String,
}

/// One entry of a decoded `responseDemo`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResponseDemo {
    /// `json` or `xml`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The demo document, as text.
    #[serde(default)]
    pub example: String,
}

/// Decodes `responseDemo`, which is a JSON array held in a string. An empty string is common
/// (`ECS` has 72) and means no demo; anything else that does not decode is an error.
pub(crate) fn decode_response_demo(raw: &str) -> Result<Vec<ResponseDemo>, serde_json::Error> {
    if raw.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str(raw)
}

/// Parses a document, naming the JSON path of the first value that does not fit the model.
pub(crate) fn parse(text: &str) -> Result<ApiDocs, ParseError> {
    let raw: RawDocs = from_text(text).map_err(|(path, message)| ParseError { path, message })?;
    let mut components = Components::default();
    for (name, value) in raw.components.schemas {
        match part::<Schema>(&value, &format!("components.schemas.{name}")) {
            Ok(schema) => drop(components.schemas.insert(name, schema)),
            Err(e) => drop(components.broken.insert(name, e)),
        }
    }
    let mut apis = BTreeMap::new();
    let mut broken = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for (name, value) in raw.apis {
        let path = format!("apis.{name}");
        if !seen.insert(name.clone()) {
            apis.remove(&name);
            broken.insert(name, ParseError { path, message: "the operation is defined twice".into() });
            continue;
        }
        match part::<Api>(&value, &path) {
            Ok(api) => drop(apis.insert(name, api)),
            Err(e) => drop(broken.insert(name, e)),
        }
    }
    let mut endpoints = Vec::new();
    let mut warnings = Vec::new();
    for (i, value) in raw.endpoints.unwrap_or_default().into_iter().enumerate() {
        match part::<Endpoint>(&value, &format!("endpoints[{i}]")) {
            Ok(e) => endpoints.push(e),
            Err(e) => warnings.push(format!("{e}; endpoint left out")),
        }
    }
    Ok(ApiDocs { info: raw.info, components, apis, broken, endpoints, warnings })
}

/// How many out-of-range numbers one document may have turned into text.
const MAX_QUOTED_NUMBERS: usize = 1000;

/// `text` with the number that ends near (`line`, `column`) (1-based, as serde_json reports it)
/// written as a string; `None` when no number is there.
fn quote_number_at(text: &str, line: usize, column: usize) -> Option<String> {
    let line_start = if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2)?.0 + 1 };
    let at = (line_start + column).min(text.len());
    let bytes = text.as_bytes();
    let is_num = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-');
    let mut start = at.min(bytes.len());
    while start > line_start && is_num(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = start;
    while end < bytes.len() && is_num(bytes[end]) {
        end += 1;
    }
    if start == end {
        return None;
    }
    Some(format!("{}\"{}\"{}", &text[..start], &text[start..end], &text[end..]))
}

/// One part of the document, read on its own; errors name its JSON path from the root.
fn part<T: de::DeserializeOwned>(raw: &RawValue, path: &str) -> Result<T, ParseError> {
    from_text(raw.get()).map_err(|(inner, message)| {
        let path = if inner == "." { path.to_owned() } else { format!("{path}.{inner}") };
        ParseError { path, message }
    })
}

/// Reads `text` as `T`, nothing after it; errors as (JSON path, message).
fn from_text<T: de::DeserializeOwned>(text: &str) -> Result<T, (String, String)> {
    let mut text = std::borrow::Cow::Borrowed(text);
    let mut quoted = 0;
    loop {
        let mut de = serde_json::Deserializer::from_str(&text);
        match serde_path_to_error::deserialize(&mut de) {
            Ok(value) => {
                // Anything after the document is an error, not ignored.
                de.end().map_err(|e| (".".to_owned(), format!("{e} after the document")))?;
                return Ok(value);
            }
            // A number no `f64` holds (`1e400`) is valid JSON; it is kept as text, as every
            // bound is, so that lowering skips only the operation it bounds.
            Err(e) if e.inner().to_string().starts_with("number out of range") && quoted < MAX_QUOTED_NUMBERS => {
                let Some(fixed) = quote_number_at(&text, e.inner().line(), e.inner().column()) else {
                    return Err((e.path().to_string(), e.inner().to_string()));
                };
                text = std::borrow::Cow::Owned(fixed);
                quoted += 1;
            }
            Err(e) => return Err((e.path().to_string(), e.inner().to_string())),
        }
    }
}

/// A JSON object's members in order, duplicates kept (the caller decides what a repeat means).
fn entries<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, Box<RawValue>)>, D::Error> {
    d.deserialize_any(Entries)
}

/// `components.schemas`: an object, or an empty list (an empty PHP array).
fn raw_map_or_empty_list<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Box<RawValue>>, D::Error> {
    Ok(d.deserialize_any(Entries)?.into_iter().collect())
}

struct Entries;

impl<'de> de::Visitor<'de> for Entries {
    type Value = Vec<(String, Box<RawValue>)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            out.push((key, map.next_value()?));
        }
        Ok(out)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        match seq.next_element::<de::IgnoredAny>()? {
            None => Ok(Vec::new()),
            Some(_) => Err(de::Error::custom("expected an object (or an empty list)")),
        }
    }
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
mod tests;
