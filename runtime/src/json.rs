//! JSON for generated types without serde derives: [`FromJson`] reads a value straight from
//! the text through a [`Reader`], [`ToJson`] writes it as a [`serde_json::Value`].
//!
//! Generated crates implement both with one runtime call per field; everything else (the lenient
//! scalar rules, skipping unknown fields, unset fields left out, error paths) lives here once.
//! This is what keeps a generated crate cheap to compile: derived `Deserialize` with
//! `deserialize_with` helpers made up most of a crate's build time
//! (see `ARCHITECTURE.md`, "Compile cost").
//!
//! Two modes: [`Mode::Lenient`] for responses (the wire's `"2"` for 2, `"true"` for true, numbers
//! for strings, `""` for an absent number) and [`Mode::Strict`] for requests given as JSON (CLI
//! flags, `Deserialize`), which accepts each type only in its own JSON form and requires
//! required fields.
//!
//! Longer than 500 lines on purpose: the reader, its lenient and strict scalar rules and the
//! writer are one format; their tests are in `json/tests.rs`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Number, Value};

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

/// One segment of the path to the value being read.
#[derive(Clone, Copy)]
enum Segment {
    /// An object's member, by the byte range of its key in the text (as written).
    Key(usize, usize),
    /// An array's item.
    Index(usize),
}

/// A scalar token, borrowed from the text where it can be.
enum Scalar<'t> {
    Str(Cow<'t, str>),
    /// A number, as written (already checked against the JSON grammar).
    Num(&'t str),
    Bool(bool),
    Null,
}

/// A pull reader over JSON text, for [`FromJson`] impls.
///
/// An object is read with [`Reader::begin_object`] and then [`Reader::key`] until it returns
/// `None`, reading or [skipping](Reader::skip) one value after each key; an array with
/// [`Reader::begin_array`] and [`Reader::next_item`].
pub struct Reader<'t> {
    text: &'t str,
    pos: usize,
    mode: Mode,
    /// True between `begin_object`/`begin_array` and the first key/item.
    first: bool,
    path: Vec<Segment>,
    scratch: String,
    /// The first error [`Reader::set`] met, reported by [`Reader::object`].
    failed: Option<JsonError>,
    /// Values of the wrong shape, kept raw (lenient mode).
    mismatches: Vec<Mismatch>,
}

impl<'t> Reader<'t> {
    /// A reader at the start of `text`.
    pub fn new(text: &'t str, mode: Mode) -> Self {
        Self { text, pos: 0, mode, first: false, path: Vec::new(), scratch: String::new(), failed: None, mismatches: Vec::new() }
    }

    fn bytes(&self) -> &'t [u8] {
        self.text.as_bytes()
    }

    fn peek(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(&b) = bytes.get(self.pos) {
            if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                return Some(b);
            }
        }
        None
    }

    /// An error at the current position.
    pub fn error(&self, message: String) -> JsonError {
        self.error_at(self.pos, message)
    }

    fn error_at(&self, pos: usize, message: String) -> JsonError {
        let before = &self.bytes()[..pos.min(self.text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = pos - before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        let mut path = String::new();
        for segment in &self.path {
            match *segment {
                Segment::Key(start, end) if end > start => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&self.text[start..end]);
                }
                Segment::Key(..) => {}
                Segment::Index(i) => {
                    path.push('[');
                    path.push_str(&i.to_string());
                    path.push(']');
                }
            }
        }
        JsonError { message, path, line, column }
    }

    fn unexpected(&mut self, expected: &str) -> JsonError {
        let found = match self.peek() {
            None => "the end of the text".to_owned(),
            Some(b) if b.is_ascii_graphic() => format!("`{}`", b as char),
            Some(b) => format!("byte 0x{b:02x}"),
        };
        self.error(format!("expected {expected}, found {found}"))
    }

    fn enter(&mut self, segment: Segment) -> Result<()> {
        if self.path.len() >= MAX_DEPTH {
            return Err(self.error(format!("nested more than {MAX_DEPTH} levels deep")));
        }
        self.path.push(segment);
        Ok(())
    }

    /// After the top-level value: only whitespace may follow.
    pub fn finish(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters after the JSON value".into())),
        }
    }

    /// Consumes `null` if it is next; true if it was.
    pub fn null(&mut self) -> Result<bool> {
        if self.peek() == Some(b'n') {
            self.literal("null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn literal(&mut self, word: &str) -> Result<()> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("expected a JSON value".into()))
        }
    }

    /// Consumes the `{` of an object.
    pub fn begin_object(&mut self) -> Result<()> {
        if self.peek() != Some(b'{') {
            return Err(self.unexpected("an object"));
        }
        self.pos += 1;
        self.enter(Segment::Key(0, 0))?;
        self.first = true;
        Ok(())
    }

    /// The next key of the object being read, positioned at its value; `None` after its `}`.
    pub fn key(&mut self) -> Result<Option<&str>> {
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                self.path.pop();
                self.first = false;
                return Ok(None);
            }
            Some(b',') if !self.first => {
                self.pos += 1;
                if self.peek() != Some(b'"') {
                    return Err(self.unexpected("a key"));
                }
            }
            Some(b'"') if self.first => {}
            _ => return Err(self.unexpected(if self.first { "a key or `}`" } else { "`,` or `}`" })),
        }
        self.first = false;
        let start = self.pos + 1;
        let key = self.string_token()?;
        let end = self.pos - 1;
        if let Some(top) = self.path.last_mut() {
            *top = Segment::Key(start, end);
        }
        if self.peek() != Some(b':') {
            return Err(self.unexpected("`:`"));
        }
        self.pos += 1;
        Ok(Some(match key {
            Cow::Borrowed(key) => key,
            Cow::Owned(key) => {
                self.scratch = key;
                &self.scratch
            }
        }))
    }

    /// Consumes the `[` of an array.
    pub fn begin_array(&mut self) -> Result<()> {
        if self.peek() != Some(b'[') {
            return Err(self.unexpected("an array"));
        }
        self.pos += 1;
        self.enter(Segment::Index(0))?;
        self.first = true;
        Ok(())
    }

    /// True when the array being read has another item (the reader is then at it); false after
    /// its `]`.
    pub fn next_item(&mut self) -> Result<bool> {
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                self.path.pop();
                self.first = false;
                Ok(false)
            }
            Some(b',') if !self.first => {
                self.pos += 1;
                if let Some(Segment::Index(i)) = self.path.last_mut() {
                    *i += 1;
                }
                Ok(true)
            }
            Some(_) if self.first => {
                self.first = false;
                Ok(true)
            }
            _ => Err(self.unexpected("`,` or `]`")),
        }
    }

    /// Skips one value of any kind (an unknown field), checking that it is well-formed.
    pub fn skip(&mut self) -> Result<()> {
        match self.peek() {
            Some(b'{') => {
                self.begin_object()?;
                while self.key()?.is_some() {
                    self.skip()?;
                }
                Ok(())
            }
            Some(b'[') => {
                self.begin_array()?;
                while self.next_item()? {
                    self.skip()?;
                }
                Ok(())
            }
            _ => self.scalar().map(drop),
        }
    }

    /// One value of any kind as a [`Value`].
    pub fn value(&mut self) -> Result<Value> {
        let start = match self.peek() {
            Some(_) => self.pos,
            None => return Err(self.unexpected("a JSON value")),
        };
        self.skip()?;
        serde_json::from_str(&self.text[start..self.pos]).map_err(|e| self.error_at(start, e.to_string()))
    }

    /// A string token; the reader is at its opening quote.
    fn string_token(&mut self) -> Result<Cow<'t, str>> {
        let text = self.text;
        let bytes = text.as_bytes();
        self.pos += 1;
        let start = self.pos;
        // The fast path: no escapes.
        while let Some(&b) = bytes.get(self.pos) {
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(Cow::Borrowed(&text[start..self.pos - 1]));
                }
                b'\\' => break,
                0..=0x1f => return Err(self.error("a control character in a string".into())),
                _ => self.pos += 1,
            }
        }
        let mut out = String::from(&text[start..self.pos]);
        loop {
            let Some(&b) = bytes.get(self.pos) else {
                return Err(self.error("an unterminated string".into()));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    let escape = bytes.get(self.pos + 1).copied();
                    self.pos += 2;
                    match escape {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let first = self.hex4()?;
                            let c = if (0xd800..0xdc00).contains(&first) {
                                if !text[self.pos..].starts_with("\\u") {
                                    return Err(self.error("a lone surrogate in a string".into()));
                                }
                                self.pos += 2;
                                let second = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&second) {
                                    return Err(self.error("a lone surrogate in a string".into()));
                                }
                                char::from_u32(0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00))
                            } else {
                                char::from_u32(first)
                            };
                            match c {
                                Some(c) => out.push(c),
                                None => return Err(self.error("a lone surrogate in a string".into())),
                            }
                        }
                        _ => return Err(self.error_at(self.pos - 2, "an invalid escape in a string".into())),
                    }
                }
                0..=0x1f => return Err(self.error("a control character in a string".into())),
                _ => {
                    // Copy the run up to the next quote, escape or control character at once.
                    let run = bytes[self.pos..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(bytes.len() - self.pos);
                    out.push_str(&text[self.pos..self.pos + run]);
                    self.pos += run;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self.text.get(self.pos..self.pos + 4).filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(n) => {
                self.pos += 4;
                Ok(n)
            }
            None => Err(self.error("an invalid \\u escape in a string".into())),
        }
    }

    /// A number token, checked against the JSON grammar.
    fn number_token(&mut self) -> Result<&'t str> {
        let text = self.text;
        let bytes = text.as_bytes();
        let start = self.pos;
        let mut i = start;
        let digits = |i: &mut usize| {
            let from = *i;
            while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - from
        };
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        let n = digits(&mut i);
        let valid_int = n == 1 || (n > 1 && bytes[int_start] != b'0');
        let mut valid = valid_int;
        if valid && bytes.get(i) == Some(&b'.') {
            i += 1;
            valid = digits(&mut i) > 0;
        }
        if valid && matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(bytes.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            valid = digits(&mut i) > 0;
        }
        if !valid {
            return Err(self.error_at(start, "an invalid number".into()));
        }
        self.pos = i;
        Ok(&text[start..i])
    }

    fn scalar(&mut self) -> Result<Scalar<'t>> {
        match self.peek() {
            Some(b'"') => self.string_token().map(Scalar::Str),
            Some(b'-' | b'0'..=b'9') => self.number_token().map(Scalar::Num),
            Some(b't') => self.literal("true").map(|()| Scalar::Bool(true)),
            Some(b'f') => self.literal("false").map(|()| Scalar::Bool(false)),
            Some(b'n') => self.literal("null").map(|()| Scalar::Null),
            Some(b'{') => Err(self.error("expected a string, number or boolean, found an object".into())),
            Some(b'[') => Err(self.error("expected a string, number or boolean, found an array".into())),
            _ => Err(self.unexpected("a JSON value")),
        }
    }

    /// A scalar, and where it started (for errors).
    fn scalar_at(&mut self) -> Result<(usize, Scalar<'t>)> {
        self.peek();
        let at = self.pos;
        self.scalar().map(|s| (at, s))
    }

    /// A string; in lenient mode also from a number or boolean.
    pub fn string(&mut self) -> Result<Option<String>> {
        let (at, token) = self.scalar_at()?;
        match (token, self.mode) {
            (Scalar::Str(s), _) => Ok(Some(s.into_owned())),
            (Scalar::Null, _) => Ok(None),
            (Scalar::Num(n), Mode::Lenient) => Ok(Some(number_text(n))),
            (Scalar::Bool(b), Mode::Lenient) => Ok(Some(b.to_string())),
            (token, Mode::Strict) => Err(self.error_at(at, format!("expected a string, found {}", token.describe()))),
        }
    }

    /// A 64-bit integer; in lenient mode also from a numeric string (`""` is absent) or an
    /// integral float.
    pub fn i64(&mut self) -> Result<Option<i64>> {
        let (at, token) = self.scalar_at()?;
        let lenient = self.mode == Mode::Lenient;
        let integer = |n: &str| -> std::result::Result<i64, String> {
            if let Ok(i) = n.parse::<i64>() {
                return Ok(i);
            }
            if !n.contains(['.', 'e', 'E']) && n.parse::<u64>().is_ok() {
                return Err(format!("integer {n} is out of range"));
            }
            match n.parse::<f64>() {
                Ok(x) if lenient && x.fract() == 0.0 && x.abs() < 9.2e18 => Ok(x as i64),
                _ => Err(format!("expected an integer, found {n}")),
            }
        };
        let result = match token {
            Scalar::Num(n) => integer(n).map(Some),
            Scalar::Null => Ok(None),
            Scalar::Str(s) if lenient && s.trim().is_empty() => Ok(None),
            Scalar::Str(s) if lenient => s.trim().parse().map(Some).map_err(|_| format!("expected an integer, found the string {s:?}")),
            token => Err(format!("expected an integer, found {}", token.describe())),
        };
        result.map_err(|message| self.error_at(at, message))
    }

    /// A 32-bit integer, as [`Reader::i64`] with a range check.
    pub fn i32(&mut self) -> Result<Option<i32>> {
        self.peek();
        let at = self.pos;
        match self.i64()? {
            Some(v) => i32::try_from(v).map(Some).map_err(|_| self.error_at(at, format!("integer {v} does not fit in 32 bits"))),
            None => Ok(None),
        }
    }

    /// A floating-point number; in lenient mode also from a numeric string (`""` is absent).
    pub fn f64(&mut self) -> Result<Option<f64>> {
        let (at, token) = self.scalar_at()?;
        let lenient = self.mode == Mode::Lenient;
        let result = match token {
            Scalar::Num(n) => n.parse::<f64>().map(Some).map_err(|_| format!("expected a number, found {n}")),
            Scalar::Null => Ok(None),
            Scalar::Str(s) if lenient && s.trim().is_empty() => Ok(None),
            Scalar::Str(s) if lenient => match s.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(format!("expected a number, found the string {s:?}")),
            },
            token => Err(format!("expected a number, found {}", token.describe())),
        };
        result.map_err(|message| self.error_at(at, message))
    }

    /// A 32-bit float, as [`Reader::f64`].
    pub fn f32(&mut self) -> Result<Option<f32>> {
        Ok(self.f64()?.map(|x| x as f32))
    }

    /// A boolean; in lenient mode also from `"true"`/`"false"` (any case) or `1`/`0`.
    pub fn bool(&mut self) -> Result<Option<bool>> {
        let (at, token) = self.scalar_at()?;
        let lenient = self.mode == Mode::Lenient;
        let result = match token {
            Scalar::Bool(b) => Ok(Some(b)),
            Scalar::Null => Ok(None),
            Scalar::Str(s) if lenient => parse_bool(&s).map(Some).ok_or_else(|| format!("expected a boolean, found the string {s:?}")),
            Scalar::Num("0") if lenient => Ok(Some(false)),
            Scalar::Num("1") if lenient => Ok(Some(true)),
            token => Err(format!("expected a boolean, found {}", token.describe())),
        };
        result.map_err(|message| self.error_at(at, message))
    }

    /// A flag sent as `"true"`/`"false"` (any case) or as a JSON boolean, in either mode.
    pub fn string_bool(&mut self) -> Result<Option<crate::StringBool>> {
        let (at, token) = self.scalar_at()?;
        match token {
            Scalar::Bool(b) => Ok(Some(crate::StringBool::json_bool(b))),
            Scalar::Null => Ok(None),
            Scalar::Str(s) => match parse_bool(&s) {
                Some(b) => Ok(Some(crate::StringBool::new(b))),
                None => Err(self.error_at(at, format!("expected \"true\" or \"false\", found {s:?}"))),
            },
            token => Err(self.error_at(at, format!("expected \"true\" or \"false\", found {}", token.describe()))),
        }
    }

    /// A required field's value, or an error naming it.
    pub fn required<T>(&self, value: Option<T>, key: &str) -> Result<T> {
        value.ok_or_else(|| self.error(format!("missing field `{key}`")))
    }

    /// Reads a `T` ([`FromJson`]).
    #[inline]
    pub fn read<T: FromJson>(&mut self) -> Result<T> {
        T::from_json(self)
    }

    /// Reads an object whose known members are `keys`: for the member `keys[i]`, `field(r, i)`
    /// reads its value (with one [`Reader::set`]); other members are skipped. This is the whole
    /// body of a generated `FromJson` impl, so the per-field code is one match arm and one call.
    pub fn object(&mut self, keys: &[&str], field: &mut dyn FnMut(&mut Reader<'t>, usize)) -> Result<()> {
        self.begin_object()?;
        // Members usually arrive in the spec's order: the key after the last one found is tried
        // first, so a long struct is read without scanning its table for every member.
        let mut expected = 0;
        while let Some(key) = self.key()? {
            let found = match keys.get(expected) {
                Some(k) if *k == key => Some(expected),
                _ => keys.iter().position(|k| *k == key),
            };
            match found {
                Some(i) => {
                    expected = i + 1;
                    field(self, i);
                    if let Some(e) = self.failed.take() {
                        return Err(e);
                    }
                }
                None => self.skip()?,
            }
        }
        Ok(())
    }

    /// Reads a `T` into `slot`; an error is kept for [`Reader::object`] to return (so the
    /// generated arm needs no `?`). Nothing is read after an error.
    ///
    /// In lenient mode (responses), a value of the wrong shape is not an error: `slot` keeps its
    /// default, the value is kept raw as a [`Mismatch`] (see [`Reader::take_mismatches`]) and a
    /// tracing event says so. Only text that is not JSON fails.
    pub fn set<T: FromJson>(&mut self, slot: &mut T) {
        if self.failed.is_some() {
            return;
        }
        self.peek();
        let (start, depth, first) = (self.pos, self.path.len(), self.first);
        match T::from_json(self) {
            Ok(value) => *slot = value,
            Err(e) if self.mode == Mode::Lenient => {
                self.pos = start;
                self.path.truncate(depth);
                self.first = first;
                match self.value() {
                    Ok(value) => {
                        tracing::warn!(path = %e.path, expected = %e.message, "a response value does not have the spec's shape; kept raw");
                        self.mismatches.push(Mismatch { path: e.path, message: e.message, value });
                    }
                    Err(malformed) => self.failed = Some(malformed),
                }
            }
            Err(e) => self.failed = Some(e),
        }
    }

    /// [`Reader::set`] for a request's optional collection: a value that is not `null`, even an
    /// empty one, also marks the parameter at `index` as set on purpose
    /// ([`Explicit`]), so that `[]` read back goes out as `[]` again.
    pub fn set_marking<T: FromJson>(&mut self, slot: &mut T, explicit: &mut Explicit, index: u16) {
        if self.failed.is_none() && self.peek() != Some(b'n') {
            explicit.mark(index);
        }
        self.set(slot);
    }

    /// The values of the wrong shape met so far (lenient mode), taken.
    pub fn take_mismatches(&mut self) -> Vec<Mismatch> {
        std::mem::take(&mut self.mismatches)
    }
}

impl Scalar<'_> {
    fn describe(&self) -> String {
        match self {
            Scalar::Str(s) => format!("the string {s:?}"),
            Scalar::Num(n) => (*n).to_owned(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Null => "null".to_owned(),
        }
    }
}

/// A number's text as a string field holds it: integers as written, other numbers in their
/// shortest form (as serde_json would print the `f64`).
fn number_text(n: &str) -> String {
    if let Ok(i) = n.parse::<i64>() {
        return i.to_string();
    }
    if let Ok(u) = n.parse::<u64>() {
        return u.to_string();
    }
    match n.parse::<f64>() {
        Ok(x) if x.is_finite() => x.to_string(),
        _ => n.to_owned(),
    }
}

pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

macro_rules! scalars {
    ($($t:ty => $read:ident, $what:literal;)*) => {$(
        impl FromJson for $t {
            fn from_json(r: &mut Reader<'_>) -> Result<Self> {
                r.peek();
                let at = r.pos;
                match r.$read()? {
                    Some(v) => Ok(v),
                    None => Err(r.error_at(at, concat!("expected ", $what, ", found nothing").into())),
                }
            }
            fn from_json_opt(r: &mut Reader<'_>) -> Result<Option<Self>> {
                r.$read()
            }
        }
    )*};
}

scalars! {
    String => string, "a string";
    i32 => i32, "an integer";
    i64 => i64, "an integer";
    f32 => f32, "a number";
    f64 => f64, "a number";
    bool => bool, "a boolean";
    crate::StringBool => string_bool, "\"true\" or \"false\"";
}

impl<T: FromJson> FromJson for Option<T> {
    #[inline]
    fn from_json(r: &mut Reader<'_>) -> Result<Self> {
        T::from_json_opt(r)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    /// An array; `null` reads as empty.
    fn from_json(r: &mut Reader<'_>) -> Result<Self> {
        let mut items = Vec::new();
        if r.null()? {
            return Ok(items);
        }
        r.begin_array()?;
        while r.next_item()? {
            items.push(T::from_json(r)?);
        }
        Ok(items)
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    /// An object; `null` reads as empty.
    fn from_json(r: &mut Reader<'_>) -> Result<Self> {
        let mut map = BTreeMap::new();
        if r.null()? {
            return Ok(map);
        }
        r.begin_object()?;
        while let Some(key) = r.key()? {
            let key = key.to_owned();
            map.insert(key, T::from_json(r)?);
        }
        Ok(map)
    }
}

impl<T: FromJson> FromJson for Box<T> {
    #[inline]
    fn from_json(r: &mut Reader<'_>) -> Result<Self> {
        T::from_json(r).map(Box::new)
    }
}

impl FromJson for Value {
    fn from_json(r: &mut Reader<'_>) -> Result<Self> {
        r.value()
    }
}

/// A JSON value as [`ToJson`] writes it: like [`Value`], but an object keeps its members in the
/// order they were written (a struct's declaration order, which is the spec's and the wire's),
/// whatever map type `serde_json` was built with.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, members in order.
    Object(Vec<(String, Json)>),
    /// A value held as JSON already (a free-form field).
    Value(Value),
}

impl From<Json> for Value {
    fn from(json: Json) -> Value {
        match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Number(n) => Value::Number(n),
            Json::String(s) => Value::String(s),
            Json::Array(items) => Value::Array(items.into_iter().map(Value::from).collect()),
            Json::Object(members) => Value::Object(members.into_iter().map(|(k, v)| (k, Value::from(v))).collect()),
            Json::Value(v) => v,
        }
    }
}

impl serde::Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(n) => n.serialize(s),
            Json::String(text) => s.serialize_str(text),
            Json::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Json::Value(v) => v.serialize(s),
        }
    }
}

/// An object's members as [`ToJson`] writes them, in order: [`ObjectWriter::field`] leaves
/// unset optional fields out, [`ObjectWriter::required`] always writes.
#[derive(Default)]
pub struct ObjectWriter(Vec<(String, Json)>);

impl ObjectWriter {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// An optional field: written unless [unset](ToJson::is_unset).
    pub fn field(&mut self, key: &str, value: &dyn ToJson) {
        if !value.is_unset() {
            self.0.push((key.to_owned(), value.to_json()));
        }
    }

    /// [`ObjectWriter::field`] for a collection the caller may have set to empty on purpose
    /// (`explicit`, see [`Explicit`]): then `[]` or `{}` is written.
    pub fn field_set(&mut self, key: &str, value: &dyn ToJson, explicit: bool) {
        let json = value.to_json();
        if !value.is_unset() || (explicit && !matches!(json, Json::Null)) {
            self.0.push((key.to_owned(), json));
        }
    }

    /// A required field: always written.
    pub fn required(&mut self, key: &str, value: &dyn ToJson) {
        self.0.push((key.to_owned(), value.to_json()));
    }

    /// The object.
    pub fn finish(self) -> Json {
        Json::Object(self.0)
    }
}

/// Bytes in JSON are base64 text (the standard alphabet, padded), as JSON protocols carry blobs.
impl ToJson for bytes::Bytes {
    fn to_json(&self) -> Json {
        use base64::Engine as _;
        Json::String(base64::engine::general_purpose::STANDARD.encode(self))
    }
}

impl FromJson for bytes::Bytes {
    fn from_json(r: &mut Reader<'_>) -> Result<Self> {
        r.peek();
        let at = r.pos;
        match Self::from_json_opt(r)? {
            Some(v) => Ok(v),
            None => Err(r.error_at(at, "expected base64 text, found nothing".into())),
        }
    }
    fn from_json_opt(r: &mut Reader<'_>) -> Result<Option<Self>> {
        use base64::Engine as _;
        r.peek();
        let at = r.pos;
        match r.string()? {
            None => Ok(None),
            Some(text) => match base64::engine::general_purpose::STANDARD.decode(text.as_bytes()) {
                Ok(bytes) => Ok(Some(bytes.into())),
                Err(e) => Err(r.error_at(at, format!("expected base64 text: {e}"))),
            },
        }
    }
}

impl ToJson for str {
    fn to_json(&self) -> Json {
        Json::String(self.to_owned())
    }
}

impl ToJson for String {
    fn to_json(&self) -> Json {
        Json::String(self.clone())
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Json {
        Json::Bool(*self)
    }
}

impl ToJson for i32 {
    fn to_json(&self) -> Json {
        Json::Number((*self).into())
    }
}

impl ToJson for i64 {
    fn to_json(&self) -> Json {
        Json::Number((*self).into())
    }
}

impl ToJson for f64 {
    fn to_json(&self) -> Json {
        Number::from_f64(*self).map_or(Json::Null, Json::Number)
    }
}

impl ToJson for f32 {
    /// The `f32`'s own shortest digits (0.165, not the widened 0.16500000655651093), as the
    /// official SDKs send it.
    fn to_json(&self) -> Json {
        let shortest: f64 = self.to_string().parse().unwrap_or(f64::NAN);
        Number::from_f64(shortest).map_or(Json::Null, Json::Number)
    }
}

impl ToJson for crate::StringBool {
    fn to_json(&self) -> Json {
        if self.is_json_bool() {
            Json::Bool(self.get())
        } else {
            Json::String(self.get().to_string())
        }
    }
}

impl ToJson for Value {
    fn to_json(&self) -> Json {
        Json::Value(self.clone())
    }
    fn is_unset(&self) -> bool {
        self.is_null()
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Json {
        self.as_ref().map_or(Json::Null, T::to_json)
    }
    fn is_unset(&self) -> bool {
        self.is_none()
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Json {
        self.as_slice().to_json()
    }
    fn is_unset(&self) -> bool {
        self.is_empty()
    }
}

impl<T: ToJson> ToJson for [T] {
    fn to_json(&self) -> Json {
        Json::Array(self.iter().map(T::to_json).collect())
    }
    fn is_unset(&self) -> bool {
        self.is_empty()
    }
}

impl<T: ToJson> ToJson for BTreeMap<String, T> {
    fn to_json(&self) -> Json {
        Json::Object(self.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
    }
    fn is_unset(&self) -> bool {
        self.is_empty()
    }
}

impl<T: ToJson + ?Sized> ToJson for Box<T> {
    fn to_json(&self) -> Json {
        (**self).to_json()
    }
    fn is_unset(&self) -> bool {
        (**self).is_unset()
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn to_json(&self) -> Json {
        (**self).to_json()
    }
    fn is_unset(&self) -> bool {
        (**self).is_unset()
    }
}

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
