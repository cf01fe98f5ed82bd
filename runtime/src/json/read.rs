//! Reading: the pull [`Reader`] over JSON text, its lenient and strict scalar rules, and
//! `FromJson` for the standard types.
//!
//! Longer than 500 lines on purpose: the reader is one state machine over the text (position,
//! path, mode, the first error, the values kept raw), and its methods share that state.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;

use super::*;

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

    pub(crate) fn error_at(&self, pos: usize, message: String) -> JsonError {
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
