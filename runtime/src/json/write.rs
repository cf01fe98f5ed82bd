//! Writing: [`Json`] (a value whose objects keep their members in order), [`ObjectWriter`], and
//! `ToJson` for the standard types.

use std::collections::BTreeMap;

use serde_json::{Number, Value};

use super::*;

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
