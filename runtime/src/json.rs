//! JSON for generated types without serde derives: [`FromJson`] reads a value straight from
//! the text through a [`Reader`], [`ToJson`] writes it as a [`serde_json::Value`].
//!
//! Generated crates implement both with one runtime call per field; everything else (the lenient
//! scalar rules, skipping unknown fields, unset fields left out, error paths) lives here once.
//! This is what keeps a generated crate cheap to compile: derived `Deserialize` with
//! `deserialize_with` helpers made up most of a crate's build time
//! (see `docs/design/performance.md`).
//!
//! Two modes: [`Mode::Lenient`] for responses (the wire's `"2"` for 2, `"true"` for true, numbers
//! for strings, `""` for an absent number) and [`Mode::Strict`] for requests given as JSON (CLI
//! flags, `Deserialize`), which accepts each type only in its own JSON form and requires
//! required fields.
//!
//! The reader is in `json/read.rs`, the writer in `json/write.rs`, their tests in
//! `json/tests.rs`.

use std::fmt;

use serde_json::{Map, Value};

/// How scalars are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Responses: scalars also from their string, number or boolean forms.
    Lenient,
    /// Requests: each type only from its own JSON form.
    Strict,
}

/// Nesting deeper than this is refused (as `serde_json` does), so hostile input cannot
/// exhaust the stack.
pub const MAX_DEPTH: usize = 128;

/// A value that does not decode: what was wrong, where (a JSON path such as
/// `Results[0].Success`) and at which line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    message: String,
    path: String,
    line: usize,
    column: usize,
}

impl JsonError {
    /// What was wrong, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON path of the value (`Results[0].Success`), empty at the top level.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{} at line {} column {}", self.message, self.line, self.column)
    }
}

impl std::error::Error for JsonError {}

/// The result of decoding.
pub type Result<T> = std::result::Result<T, JsonError>;

/// A part of a response whose shape disagrees with the spec (an object where it says array, an
/// array where it says a string, …): kept as it came, under its JSON path, while the rest of the
/// response decodes. An operation's response holds them in its `mismatched` field.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// The JSON path of the value (`clusters`, `Results[0].Tags`).
    pub path: String,
    /// What the spec's type expected, as the decoder said it.
    pub message: String,
    /// The value as received.
    pub value: Value,
}

/// A type read from JSON text.
pub trait FromJson: Sized {
    /// Reads one value at the reader's position.
    fn from_json(r: &mut Reader<'_>) -> Result<Self>;

    /// Reads one value that may be absent: `null` (and, in lenient mode, what a scalar type
    /// reads as absent, such as `""` for a number) is `None`.
    fn from_json_opt(r: &mut Reader<'_>) -> Result<Option<Self>> {
        if r.null()? {
            Ok(None)
        } else {
            Self::from_json(r).map(Some)
        }
    }
}

/// A type written as JSON.
pub trait ToJson {
    /// The value as JSON, object members in declaration order; `Value::from` converts it.
    fn to_json(&self) -> Json;

    /// True when an optional field holding this is left out: `None`, an empty list or map, `null`.
    fn is_unset(&self) -> bool {
        false
    }
}

/// Which of a request's optional collections the caller set, even to empty.
///
/// An empty `Vec` (or map) is an unset one, and nothing goes out for it. Where an empty value has
/// a wire form of its own (`[]` or `{}` in a json-style parameter or a JSON body, an empty string
/// in a joined style), the official SDKs send it when the caller set the field to empty, to
/// clear a list say, and nothing when the caller left it alone. A request keeps this set to do
/// the same: its setters and its JSON reader mark the parameter (by its position in the
/// operation), and [`Params::put_set`](crate::Params::put_set) and its kin read the mark. Empty until a setter is called,
/// so it costs nothing otherwise.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Explicit(Vec<u16>);

impl Explicit {
    /// Records that the parameter at `index` was set.
    pub fn mark(&mut self, index: u16) {
        if !self.0.contains(&index) {
            self.0.push(index);
        }
    }

    /// Whether the parameter at `index` was set.
    pub fn has(&self, index: u16) -> bool {
        self.0.contains(&index)
    }
}

/// Decodes a whole text as `T`; anything but whitespace after the value is an error.
pub fn from_str<T: FromJson>(text: &str, mode: Mode) -> Result<T> {
    let mut r = Reader::new(text, mode);
    let value = T::from_json(&mut r)?;
    r.finish()?;
    Ok(value)
}

/// [`from_str`] for bytes, which must be UTF-8.
pub fn from_slice<T: FromJson>(bytes: &[u8], mode: Mode) -> Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => from_str(text, mode),
        Err(e) => {
            let r = Reader::new(std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(), mode);
            Err(r.error_at(e.valid_up_to(), "the body is not valid UTF-8".into()))
        }
    }
}

/// The members of the JSON object `text` that `wanted` names, each by any of its spellings (the
/// first member in the body, of any of them, that has a value wins), as text: a number or boolean as written, any
/// other value as `None`. Other members are skipped. False when `text` is not one JSON object;
/// `out` then holds what was read before the fault.
pub(crate) fn string_members(text: &str, wanted: &[&[&str]], out: &mut [Option<String>]) -> bool {
    let mut r = Reader::new(text, Mode::Lenient);
    let mut read = || -> Result<()> {
        r.begin_object()?;
        loop {
            let slot = match r.key()? {
                None => break,
                Some(key) => wanted.iter().position(|spellings| spellings.contains(&key)),
            };
            match slot.and_then(|i| out.get_mut(i)).filter(|slot| slot.is_none()) {
                Some(slot) => {
                    *slot = match r.value()? {
                        Value::String(s) => Some(s),
                        Value::Number(n) => Some(n.to_string()),
                        Value::Bool(b) => Some(b.to_string()),
                        _ => None,
                    }
                }
                None => r.skip()?,
            }
        }
        r.finish()
    };
    read().is_ok()
}

/// `Serialize` through [`ToJson`], for the one-line impls generated types carry.
pub fn serialize<T: ToJson + ?Sized, S: serde::Serializer>(value: &T, s: S) -> std::result::Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&value.to_json(), s)
}

/// `Deserialize` through [`FromJson`] in `mode`, for the one-line impls generated types carry.
pub fn deserialize<'de, T: FromJson, D: serde::Deserializer<'de>>(d: D, mode: Mode) -> std::result::Result<T, D::Error> {
    let value = <Value as serde::Deserialize>::deserialize(d)?;
    from_str(&value.to_string(), mode).map_err(|e| serde::de::Error::custom(e.message_and_path()))
}

impl JsonError {
    fn message_and_path(&self) -> String {
        if self.path.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.path, self.message)
        }
    }
}

/// `Serialize` and `Deserialize` for a generated type through its [`ToJson`] and [`FromJson`]
/// impls: `serde_via_json!(Type, Strict)` for requests, `Lenient` for responses.
#[macro_export]
#[doc(hidden)]
macro_rules! serde_via_json {
    ($t:ty, $mode:ident) => {
        impl $crate::json::serde::Serialize for $t {
            fn serialize<S: $crate::json::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                $crate::json::serialize(self, s)
            }
        }
        impl<'de> $crate::json::serde::Deserialize<'de> for $t {
            fn deserialize<D: $crate::json::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                $crate::json::deserialize(d, $crate::json::Mode::$mode)
            }
        }
    };
}

#[doc(hidden)]
pub use serde;

mod read;
mod write;

pub use read::Reader;
pub use write::{Json, ObjectWriter};

/// The response of an operation whose spec describes no fields: `RequestId` and every other
/// member as JSON.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct UntypedResponse {
    /// The ID of the request. Wire name: `RequestId`.
    pub request_id: Option<String>,
    /// Every other field of the body, by wire name.
    pub fields: Map<String, Value>,
}

impl FromJson for UntypedResponse {
    fn from_json(r: &mut Reader<'_>) -> Result<Self> {
        let mut out = Self::default();
        r.begin_object()?;
        while let Some(key) = r.key()? {
            if key == "RequestId" {
                out.request_id = r.read()?;
            } else {
                let key = key.to_owned();
                let value = r.value()?;
                out.fields.insert(key, value);
            }
        }
        Ok(out)
    }
}

/// `Debug` of a generated type: its name and its JSON form (`AttachKeyPairRequest
/// {"RegionId":"cn-hangzhou",…}`). One non-generic function instead of a derive per type.
pub fn debug(name: &str, value: &dyn ToJson, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let json = value.to_json();
    let text = if f.alternate() { serde_json::to_string_pretty(&json) } else { serde_json::to_string(&json) };
    let text = text.map_err(|_| fmt::Error)?;
    write!(f, "{name} {text}")
}

/// `PartialEq` of a generated type: equal JSON forms.
pub fn same(a: &dyn ToJson, b: &dyn ToJson) -> bool {
    a.to_json() == b.to_json()
}

impl ToJson for UntypedResponse {
    fn to_json(&self) -> Json {
        let mut w = ObjectWriter::new();
        w.field("RequestId", &self.request_id);
        for (k, v) in &self.fields {
            w.required(k, v);
        }
        w.finish()
    }
}

crate::serde_via_json!(UntypedResponse, Lenient);

#[cfg(test)]
mod tests;
