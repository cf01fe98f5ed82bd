//! Request values on the wire, both ways.
//!
//! Every parameter of an RPC operation travels as one or more `name=value` pairs. The metadata's
//! `style` says how an array or object is spread over pairs. [`Params::put`] encodes every style
//! and [`take`] decodes it again: the client uses the first, the emulator the second, and both
//! live here so they cannot drift apart.
//!
//! Longer than 500 lines on purpose: every wire style is put and taken back here, so that the
//! encoder and its inverse cannot drift apart; ROA paths and bodies are in `wire/rest.rs`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use crate::json::ToJson;
use serde_json::{Map, Value};

mod rest;

pub use rest::{decode_json_body, decode_response_body, decode_text_body, fill_path, json_sorted, json_value, match_path, JsonObject};

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
    /// One parameter holding the array's items joined with a space.
    SpaceDelimited,
    /// One parameter holding the array's items joined with `|`.
    PipeDelimited,
}

/// Every style: its variant's name as generated code spells it, and its name in the metadata
/// (`None` for [`Style::Plain`], a parameter without a `style`). The one table both directions
/// read.
const STYLES: [(Style, &str, Option<&str>); 7] = [
    (Style::Plain, "Plain", None),
    (Style::RepeatList, "RepeatList", Some("repeatList")),
    (Style::Flat, "Flat", Some("flat")),
    (Style::Json, "Json", Some("json")),
    (Style::Simple, "Simple", Some("simple")),
    (Style::SpaceDelimited, "SpaceDelimited", Some("spaceDelimited")),
    (Style::PipeDelimited, "PipeDelimited", Some("pipeDelimited")),
];

impl Style {
    fn entry(self) -> &'static (Style, &'static str, Option<&'static str>) {
        STYLES.iter().find(|(style, _, _)| *style == self).expect("every style is in the table")
    }

    /// The variant's name (`RepeatList`), as generated code spells it.
    pub fn variant_name(self) -> &'static str {
        self.entry().1
    }

    /// What a joined style (`simple`, `spaceDelimited`, `pipeDelimited`) puts between items.
    pub fn delimiter(self) -> Option<char> {
        match self {
            Style::Simple => Some(','),
            Style::SpaceDelimited => Some(' '),
            Style::PipeDelimited => Some('|'),
            _ => None,
        }
    }

    /// The style as the metadata writes it (`repeatList`); `None` for [`Style::Plain`].
    pub fn spec_name(self) -> Option<&'static str> {
        self.entry().2
    }

    /// The style of a metadata `style` value; `None` for one this runtime cannot put on the wire.
    pub fn from_spec(name: Option<&str>) -> Option<Self> {
        STYLES.iter().find(|(_, _, spec)| *spec == name).map(|(style, _, _)| *style)
    }
}

pub use crate::json::Explicit;

/// The wire form of an empty collection set on purpose in `style`, as the official SDKs write
/// it: `[]` or `{}` in a json-style parameter, an empty string in a joined style, and nothing
/// where the style spreads items over pairs (`Name.1`, `Name.Key`).
fn empty_form(style: Style, object: bool) -> Option<&'static str> {
    match style {
        Style::Json if object => Some("{}"),
        Style::Json => Some("[]"),
        Style::Simple | Style::SpaceDelimited | Style::PipeDelimited => Some(""),
        Style::Plain | Style::RepeatList | Style::Flat => None,
    }
}

/// `name.n`, without `fmt` (this is on every list parameter's path).
fn indexed(name: &str, n: usize) -> String {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n);
    let mut out = String::with_capacity(name.len() + 1 + digits.len());
    out.push_str(name);
    out.push('.');
    out.push_str(digits);
    out
}

/// An ordered list of wire parameters (`name`, `value`), both unencoded.
///
/// The order is the order of the operation's parameters in the spec; signing sorts them
/// itself, so the order only matters for readability and stable test output.
///
/// Names are mostly the spec's wire names, fixed text, and string values are the request's
/// own fields, so both are borrowed rather than allocated per request; only list and object
/// members (`InstanceIds.1`) own their names, and numbers and JSON their values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params<'a>(Vec<(Cow<'static, str>, Cow<'a, str>)>);

impl<'a> Params<'a> {
    /// An empty parameter list.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty parameter list with room for `n` pairs (generated code passes its parameter
    /// count, so the list is sized once).
    #[doc(hidden)]
    pub fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }

    /// Appends one pair as is.
    #[doc(hidden)]
    pub fn push(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<Cow<'a, str>>) {
        self.0.push((name.into(), value.into()));
    }

    /// Appends the pairs for one parameter value laid out in `style`.
    ///
    /// `None`/`null` values add nothing; an empty string is kept as `Name=`.
    #[doc(hidden)]
    pub fn put(&mut self, name: &'static str, style: Style, value: &dyn ToJson) {
        self.put_value(name, style, &Value::from(value.to_json()));
    }

    /// A string parameter (the fast path for the commonest field).
    #[doc(hidden)]
    pub fn put_str(&mut self, name: &'static str, value: &'a str) {
        self.0.push((name.into(), value.into()));
    }

    /// A number or boolean, in its shortest exact form (`0.165` for an `f32` 0.165, as the
    /// official SDKs send it, not the widened `0.16500000655651093`).
    #[doc(hidden)]
    pub fn put_display(&mut self, name: &'static str, value: &dyn fmt::Display) {
        self.0.push((name.into(), value.to_string().into()));
    }

    /// A string, number or boolean parameter, or nothing for `None`: the one call generated code
    /// makes for every scalar field, required or optional (numbers in their shortest exact form).
    #[doc(hidden)]
    pub fn put_scalar<T: Scalar + ?Sized>(&mut self, name: &'static str, value: &'a T) {
        value.put_into(self, name);
    }

    /// A list of strings laid out in `style` (the fast path for ID lists).
    #[doc(hidden)]
    pub fn put_strs(&mut self, name: &'static str, style: Style, values: &'a [String]) {
        // An empty list is an unset one: nothing goes out, as the official SDKs send nothing
        // for a list they were not given (not `[]`, not an empty string).
        if values.is_empty() {
            return;
        }
        match style {
            Style::Json => self.push(name, serde_json::to_string(values).unwrap_or_default()),
            Style::Simple | Style::SpaceDelimited | Style::PipeDelimited => {
                let mut joined = String::new();
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        joined.push(style.delimiter().unwrap_or(','));
                    }
                    joined.push_str(value);
                }
                self.push(name, joined)
            }
            _ => {
                for (i, value) in values.iter().enumerate() {
                    self.0.push((indexed(name, i + 1).into(), value.as_str().into()));
                }
            }
        }
    }

    /// [`Params::put_strs`] for a list the caller may have set to empty on purpose (`explicit`),
    /// which then goes out in its empty form (see [`Explicit`]).
    #[doc(hidden)]
    pub fn put_strs_set(&mut self, name: &'static str, style: Style, values: &'a [String], explicit: bool) {
        if values.is_empty() && explicit {
            self.put_empty(name, style, false);
        } else {
            self.put_strs(name, style, values);
        }
    }

    /// [`Params::put`] for a collection the caller may have set to empty on purpose
    /// (`explicit`), which then goes out in its empty form (see [`Explicit`]).
    #[doc(hidden)]
    pub fn put_set(&mut self, name: &'static str, style: Style, value: &dyn ToJson, explicit: bool) {
        match Value::from(value.to_json()) {
            Value::Array(items) if items.is_empty() && explicit => self.put_empty(name, style, false),
            Value::Object(fields) if fields.is_empty() && explicit => self.put_empty(name, style, true),
            value => self.put_value(name, style, &value),
        }
    }

    fn put_empty(&mut self, name: &'static str, style: Style, object: bool) {
        if let Some(form) = empty_form(style, object) {
            self.push(name, form);
        }
    }

    /// [`Params::put`] for a value that is already JSON.
    #[doc(hidden)]
    pub fn put_value(&mut self, name: &'static str, style: Style, value: &Value) {
        match (style, value) {
            (_, Value::Null) => {}
            // Empty collections are unset ones (see `put_strs`).
            (_, Value::Array(items)) if items.is_empty() => {}
            (_, Value::Object(fields)) if fields.is_empty() => {}
            (Style::Json, Value::String(text)) => self.push(name, text.clone()),
            (Style::Json, other) => self.push(name, json_sorted(other)),
            (Style::Simple | Style::SpaceDelimited | Style::PipeDelimited, Value::Array(items)) => {
                let joined: Vec<String> = items.iter().filter_map(scalar_text).collect();
                self.push(name, joined.join(&style.delimiter().unwrap_or(',').to_string()));
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
                    self.0.push((path.into(), text.into()));
                }
            }
        }
    }

    /// The value of the first pair called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_ref())
    }

    /// Iterates over `(name, value)` pairs.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
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
        self.0.into_iter().map(|(n, v)| (n.into_owned(), v.into_owned())).collect()
    }
}

impl From<Vec<(String, String)>> for Params<'_> {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Self(pairs.into_iter().map(|(n, v)| (n.into(), v.into())).collect())
    }
}

/// Decodes a query string or form body as servers do: pairs split on `&` and `=`, `+` read as a
/// space (the Python SDKs' form encoding) and `%XX` decoded (RFC 3986), so both spellings of a
/// space arrive alike. Order and repeats are kept.
pub fn decode_query(raw: &str) -> Vec<(String, String)> {
    pairs(raw, false).unwrap_or_default()
}

/// Decodes like [`decode_query`], refusing what a strict server refuses: a `%` without two hex
/// digits after it, and bytes that are not UTF-8 once decoded. The error names the first bad
/// pair's position and never echoes more than a few characters of it.
pub fn decode_query_strict(raw: &str) -> Result<Vec<(String, String)>, String> {
    pairs(raw, true)
}

/// The one query decoder: pairs split on `&` and `=`, `+` a space, `%XX` a byte. Strict, a `%`
/// without two hex digits or bytes that are not UTF-8 are an error naming the pair; lenient,
/// the `%` stays as it is and bad bytes become U+FFFD.
fn pairs(raw: &str, strict: bool) -> Result<Vec<(String, String)>, String> {
    let decode = |s: &str, at: usize| -> Result<String, String> {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'%' => {
                    // Two hex digits exactly (`from_str_radix` alone would also take "+5").
                    let hex = bytes
                        .get(i + 1..i + 3)
                        .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match hex {
                        Some(byte) => {
                            out.push(byte);
                            i += 3;
                        }
                        None if strict => return Err(format!("parameter {at}: '%' is not followed by two hex digits")),
                        None => {
                            out.push(b'%');
                            i += 1;
                        }
                    }
                }
                b'+' => {
                    out.push(b' ');
                    i += 1;
                }
                b => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        match String::from_utf8(out) {
            Ok(text) => Ok(text),
            Err(_) if strict => Err(format!("parameter {at}: the percent-encoded bytes are not UTF-8")),
            Err(e) => Ok(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        }
    };
    raw.split('&')
        .filter(|p| !p.is_empty())
        .enumerate()
        .map(|(i, p)| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            Ok((decode(n, i + 1)?, decode(v, i + 1)?))
        })
        .collect()
}

/// A scalar request field: strings as they are, numbers and booleans in their shortest exact
/// form (`0.165` for an `f32` 0.165, as the official SDKs send it), `None` as nothing.
pub trait Scalar {
    /// Appends this value under `name`.
    fn put_into<'a>(&'a self, params: &mut Params<'a>, name: &'static str);
}

impl Scalar for str {
    fn put_into<'a>(&'a self, params: &mut Params<'a>, name: &'static str) {
        params.put_str(name, self);
    }
}

impl Scalar for String {
    fn put_into<'a>(&'a self, params: &mut Params<'a>, name: &'static str) {
        params.put_str(name, self);
    }
}

macro_rules! display_scalars {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            fn put_into<'a>(&'a self, params: &mut Params<'a>, name: &'static str) {
                params.put_display(name, self);
            }
        }
    )*};
}
display_scalars!(i32, i64, f32, f64, bool);

impl<T: Scalar> Scalar for Option<T> {
    fn put_into<'a>(&'a self, params: &mut Params<'a>, name: &'static str) {
        if let Some(value) = self {
            value.put_into(params, name);
        }
    }
}

/// What a parameter's value is, which decides how [`take`] reads it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Shape {
    /// One string, number or boolean (also a `json`-style value the spec types as a string).
    Scalar,
    /// A list, object or map: `Name.…` pairs, one JSON text, or one comma-joined list.
    Composite,
}

/// How many `.`-separated segments a decoded name may have below its parameter. Real metadata
/// nests three deep (`Tag.1.Key`, `DataDisk.1.Encrypted.KMSKeyId`); the limit keeps a hostile
/// name from driving the decoder's work.
pub const MAX_DEPTH: usize = 8;

/// A parameter whose pairs do not form a value of its shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    /// The parameter's wire name.
    pub parameter: String,
    /// What is wrong, briefly (never echoing a whole structure).
    pub message: String,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.parameter, self.message)
    }
}

impl std::error::Error for WireError {}

/// Reads the parameter `name` back from the request's pairs: the inverse of [`Params::put`].
///
/// `Ok(None)` when it was not sent. Scalars come back as JSON strings (the wire has no types);
/// `Name.1.Key` pairs come back as nested objects, with objects whose keys are all positive
/// integers turned into lists in index order; `json` values are parsed; `simple` lists are split.
pub fn take(pairs: &BTreeMap<String, String>, name: &str, style: Style, shape: Shape) -> Result<Option<Value>, WireError> {
    let error = |message: String| WireError { parameter: name.to_owned(), message };
    let single = pairs.get(name);
    Ok(match (style, shape) {
        (_, Shape::Scalar) => single.map(|s| Value::String(s.clone())),
        (Style::Json, Shape::Composite) => match single {
            Some(text) => Some(serde_json::from_str(text).map_err(|e| error(format!("is not valid JSON: {e}")))?),
            None => None,
        },
        (Style::Simple | Style::SpaceDelimited | Style::PipeDelimited, Shape::Composite) => single.map(|s| {
            let delimiter = style.delimiter().unwrap_or(',');
            Value::Array(s.split(delimiter).filter(|p| !p.is_empty()).map(|p| Value::String(p.to_owned())).collect())
        }),
        (_, Shape::Composite) => match unflatten(name, pairs).map_err(error)? {
            Some(value) => Some(value),
            None => single.map(|s| Value::String(s.clone())),
        },
    })
}

/// Rebuilds a nested value from `Name.1.Key=…` pairs, without recursion on the input's depth.
fn unflatten(prefix: &str, pairs: &BTreeMap<String, String>) -> Result<Option<Value>, String> {
    let start = format!("{prefix}.");
    let mut root = Map::new();
    for (name, value) in pairs.range(start.clone()..).take_while(|(n, _)| n.starts_with(&start)) {
        let segments: Vec<&str> = name[start.len()..].split('.').collect();
        if segments.len() > MAX_DEPTH {
            return Err(format!("is nested more than {MAX_DEPTH} levels deep"));
        }
        if segments.iter().any(|s| s.is_empty()) {
            return Err(format!("has an empty segment in {:?}", shorten(name)));
        }
        let (last, parents) = segments.split_last().expect("split yields at least one segment");
        let mut node = &mut root;
        for segment in parents {
            node = match node.entry((*segment).to_owned()).or_insert_with(|| Value::Object(Map::new())) {
                Value::Object(child) => child,
                _ => return Err(format!("has both a value and fields at {:?}", shorten(name))),
            };
        }
        if node.insert((*last).to_owned(), Value::String(value.clone())).is_some() {
            return Err(format!("has both a value and fields at {:?}", shorten(name)));
        }
    }
    Ok((!root.is_empty()).then(|| listify(Value::Object(root))))
}

/// A list position as the SDKs write it: a positive integer in decimal, no sign, no leading zero.
fn is_position(key: &str) -> bool {
    !key.is_empty() && !key.starts_with('0') && key.len() <= 9 && key.bytes().all(|b| b.is_ascii_digit())
}

/// Objects whose keys are all positive integers become lists, in index order. Recursion here is
/// bounded by [`MAX_DEPTH`].
fn listify(value: Value) -> Value {
    match value {
        // Only canonical positions (`1`, `12`): `01` and `+1` are not the list's first item.
        Value::Object(map) if map.keys().all(|k| is_position(k)) => {
            let mut items: Vec<(u32, Value)> = map.into_iter().map(|(k, v)| (k.parse().unwrap_or(0), listify(v))).collect();
            items.sort_by_key(|(n, _)| *n);
            Value::Array(items.into_iter().map(|(_, v)| v).collect())
        }
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, listify(v))).collect()),
        other => other,
    }
}

/// At most 64 characters of a name, for messages.
fn shorten(name: &str) -> String {
    let mut out: String = name.chars().take(64).collect();
    if name.chars().count() > 64 {
        out.push('…');
    }
    out
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
    #[test]
    fn numbers_go_out_in_their_shortest_exact_form() {
        let mut p = Params::new();
        p.put_display("F32", &0.165f32);
        p.put_display("F64", &0.1f64);
        p.put_display("I32", &i32::MIN);
        p.put_display("I64", &i64::MAX);
        p.put_display("Bool", &true);
        p.put_scalar("Opt", &Some(0.165f32));
        p.put_scalar("None", &None::<i32>);
        p.put("G32", Style::Plain, &Some(0.165f32));
        p.put("G64", Style::Plain, &1e-7f64);
        struct Spot {
            price: f32,
        }
        impl ToJson for Spot {
            fn to_json(&self) -> crate::json::Json {
                let mut w = crate::json::ObjectWriter::new();
                w.required("Price", &self.price);
                w.finish()
            }
        }
        p.put("Spot", Style::Flat, &Spot { price: 0.165 });
        p.put("SpotJson", Style::Json, &Spot { price: 0.165 });
        p.put("Prices", Style::RepeatList, &vec![0.165f32, 2.5]);
        let got: Vec<(&str, &str)> = p.iter().collect();
        assert_eq!(
            got,
            vec![
                ("F32", "0.165"),
                ("F64", "0.1"),
                ("I32", "-2147483648"),
                ("I64", "9223372036854775807"),
                ("Bool", "true"),
                ("Opt", "0.165"),
                ("G32", "0.165"),
                ("G64", "1e-7"),
                ("Spot.Price", "0.165"),
                ("SpotJson", "{\"Price\":0.165}"),
                ("Prices.1", "0.165"),
                ("Prices.2", "2.5"),
            ]
        );
        let mut body = JsonObject::new();
        body.put("Price", &0.165f32);
        assert_eq!(json_sorted(&body.finish()), "{\"Price\":0.165}");
    }

    #[test]
    fn string_lists_in_every_style() {
        // Twelve members, so numbering past one digit is compared too.
        let mut ids: Vec<String> = (1..=12).map(|i| format!("i-{i}")).collect();
        ids[1] = "b,c".to_owned();
        let mut p = Params::new();
        for style in [Style::Plain, Style::RepeatList, Style::Flat, Style::Json, Style::Simple, Style::SpaceDelimited, Style::PipeDelimited]
        {
            p.put_strs("L", style, &ids);
            let mut generic = Params::new();
            generic.put("L", style, &ids);
            let fast = p.clone().into_vec();
            assert_eq!(fast, generic.into_vec(), "{style:?}");
            p = Params::new();
        }
    }

    #[test]
    fn every_style_reads_back_from_its_metadata_name() {
        for (style, variant, spec) in STYLES {
            assert_eq!(Style::from_spec(spec), Some(style));
            assert_eq!((style.spec_name(), style.variant_name()), (spec, variant));
            assert_eq!(format!("{style:?}"), variant);
        }
        assert_eq!(Style::from_spec(Some("xml")), None);
    }

    #[test]
    fn a_collection_set_empty_on_purpose_goes_out_as_the_sdks_send_it() {
        let none: Vec<String> = Vec::new();
        let map: BTreeMap<String, String> = BTreeMap::new();
        // (style, what an empty list set on purpose sends, what an empty map does)
        let expected = [
            (Style::Json, Some("[]"), Some("{}")),
            (Style::Simple, Some(""), Some("")),
            (Style::SpaceDelimited, Some(""), Some("")),
            (Style::PipeDelimited, Some(""), Some("")),
            (Style::RepeatList, None, None),
            (Style::Flat, None, None),
            (Style::Plain, None, None),
        ];
        for (style, list, object) in expected {
            let mut p = Params::new();
            p.put_strs_set("L", style, &none, true);
            p.put_set("G", style, &none, true);
            p.put_set("M", style, &map, true);
            // Unset: nothing, in every style.
            p.put_strs_set("U", style, &none, false);
            p.put_set("V", style, &map, false);
            assert_eq!(p.get("L"), list, "{style:?}");
            assert_eq!(p.get("G"), list, "{style:?}");
            assert_eq!(p.get("M"), object, "{style:?}");
            assert_eq!(p.len(), usize::from(list.is_some()) * 2 + usize::from(object.is_some()), "{style:?}");
            // What the emulator reads back is an empty value, not a list of one empty string.
            if let Some(sent) = list {
                let pairs = BTreeMap::from([("L".to_owned(), sent.to_owned())]);
                assert_eq!(take(&pairs, "L", style, Shape::Composite).unwrap(), Some(serde_json::json!([])), "{style:?}");
            }
        }
        // Not empty: exactly what the plain puts send.
        let ids = vec!["a".to_owned(), "b".to_owned()];
        for style in [Style::Json, Style::Simple, Style::RepeatList] {
            let (mut set, mut plain) = (Params::new(), Params::new());
            set.put_strs_set("L", style, &ids, true);
            plain.put_strs("L", style, &ids);
            assert_eq!(set, plain);
        }
        let mut marks = Explicit::default();
        assert!(!marks.has(3));
        marks.mark(3);
        marks.mark(3);
        assert!(marks.has(3) && !marks.has(4));
        let mut body = JsonObject::new();
        body.put_set("Set", &none, true);
        body.put_set("Unset", &none, false);
        body.put_set("Null", &None::<Vec<String>>, true);
        assert_eq!(json_sorted(&body.finish()), "{\"Set\":[]}");
    }

    #[test]
    fn strict_decoding_refuses_bad_escapes_and_non_utf8() {
        assert_eq!(
            decode_query_strict("a=b%20c+d&e=%E4%B8%AD&f").unwrap(),
            vec![("a".into(), "b c d".into()), ("e".into(), "中".into()), ("f".into(), String::new())]
        );
        assert_eq!(decode_query_strict("a=1&b=%FF").unwrap_err(), "parameter 2: the percent-encoded bytes are not UTF-8");
        assert_eq!(decode_query_strict("a=%G1").unwrap_err(), "parameter 1: '%' is not followed by two hex digits");
        assert_eq!(decode_query_strict("a=%4").unwrap_err(), "parameter 1: '%' is not followed by two hex digits");
        assert!(decode_query_strict("a=%+5").is_err(), "found by the wire fuzz target");
        assert!(decode_query_strict("%C3%A9=x").is_ok());
    }

    use super::*;
    use serde_json::json;

    fn pairs<'a>(p: &'a Params<'_>) -> Vec<(&'a str, &'a str)> {
        p.iter().collect()
    }

    #[test]
    fn repeat_list_numbers_from_one_and_nests_objects() {
        let mut p = Params::new();
        p.put("InstanceIds", Style::RepeatList, &vec!["a", "b"]);
        p.put_value("Tag", Style::RepeatList, &json!([{"Key": "k", "Value": "v"}]));
        assert_eq!(pairs(&p), [("InstanceIds.1", "a"), ("InstanceIds.2", "b"), ("Tag.1.Key", "k"), ("Tag.1.Value", "v")]);
    }

    #[test]
    fn flat_json_simple_and_plain() {
        let mut p = Params::new();
        p.put_value("LoginCredentials", Style::Flat, &json!({"KeyPairName": "kp"}));
        p.put_value("Parameters", Style::Json, &json!({"b": 1, "a": "x"}));
        p.put_value("Ids", Style::Json, &json!("[\"kept\"]"));
        p.put_value("RuleIds", Style::Simple, &json!(["r1", "r2"]));
        p.put_value("Spaced", Style::SpaceDelimited, &json!(["r1", 2]));
        p.put_value("Piped", Style::PipeDelimited, &json!(["r1", "r2"]));
        p.put("Flag", Style::Plain, &true);
        p.put("Size", Style::Plain, &40_i64);
        p.put("Empty", Style::Plain, &"");
        p.put("Unset", Style::Plain, &None::<String>);
        assert_eq!(
            pairs(&p),
            [
                ("LoginCredentials.KeyPairName", "kp"),
                ("Parameters", r#"{"a":"x","b":1}"#),
                ("Ids", r#"["kept"]"#),
                ("RuleIds", "r1,r2"),
                ("Spaced", "r1 2"),
                ("Piped", "r1|r2"),
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
            [("A", "a b"), ("B", "a b"), ("C", "中"), ("Empty", ""), ("Bare", ""), ("Plus", "+")]
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn take_reads_back_what_put_wrote_in_every_style() {
        let cases = [
            ("InstanceIds", Style::RepeatList, Shape::Composite, json!(["a", "b"])),
            ("Tag", Style::RepeatList, Shape::Composite, json!([{"Key": "k", "Value": "v"}])),
            ("Login", Style::Flat, Shape::Composite, json!({"KeyPairName": "kp", "Disks": ["d1", "d2"]})),
            ("Parameters", Style::Json, Shape::Composite, json!({"a": "x", "b": [1, 2]})),
            ("Ids", Style::Simple, Shape::Composite, json!(["r1", "r2"])),
            ("Ids", Style::SpaceDelimited, Shape::Composite, json!(["r1", "r2"])),
            ("Ids", Style::PipeDelimited, Shape::Composite, json!(["r1", "r2"])),
            ("Name", Style::Plain, Shape::Scalar, json!("a b")),
            ("Raw", Style::Json, Shape::Scalar, json!("[\"kept\"]")),
        ];
        for (name, style, shape, value) in cases {
            let mut p = Params::new();
            p.put_value(name, style, &value);
            let pairs: BTreeMap<String, String> = p.into_vec().into_iter().collect();
            assert_eq!(take(&pairs, name, style, shape).unwrap(), Some(value), "{name}");
        }
        assert_eq!(take(&BTreeMap::new(), "Absent", Style::RepeatList, Shape::Composite).unwrap(), None);
    }

    #[test]
    fn hostile_names_are_refused_briefly() {
        let deep = format!("Ids{}", ".1".repeat(1500));
        let pairs: BTreeMap<String, String> = [(deep, "x".to_owned())].into_iter().collect();
        let err = take(&pairs, "Ids", Style::RepeatList, Shape::Composite).unwrap_err();
        assert_eq!(err.to_string(), "Ids is nested more than 8 levels deep");
        let pairs: BTreeMap<String, String> =
            [("A.1".to_owned(), "x".to_owned()), ("A.1.B".to_owned(), "y".to_owned())].into_iter().collect();
        assert!(take(&pairs, "A", Style::RepeatList, Shape::Composite).unwrap_err().message.contains("both a value and fields"));
    }

    #[test]
    fn empty_repeat_list_sends_nothing() {
        let mut p = Params::new();
        p.put("InstanceIds", Style::RepeatList, &Vec::<String>::new());
        assert!(p.is_empty());
    }
}
