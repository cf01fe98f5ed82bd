//! Deserializers for response fields that tolerate the service's weak typing.
//!
//! Alibaba responses often send numbers as strings (`"2"`), flags as strings (`"true"`) and
//! codes as numbers. Generated response types route scalar fields through these functions so a
//! neighbouring JSON type still decodes; a value that cannot mean the declared type is an error
//! that names what was found.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// The scalar a field held on the wire, whatever its JSON type.
enum Scalar {
    Str(String),
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
    Null,
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::UInt(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

/// A string, also from a number or boolean.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match scalar(d)? {
        Scalar::Str(s) => Some(s),
        Scalar::Int(i) => Some(i.to_string()),
        Scalar::UInt(u) => Some(u.to_string()),
        Scalar::Float(x) => Some(x.to_string()),
        Scalar::Bool(b) => Some(b.to_string()),
        Scalar::Null => None,
    })
}

/// A 64-bit integer, also from a numeric string or an integral float.
pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match scalar(d)? {
        Scalar::Int(i) => Ok(Some(i)),
        Scalar::UInt(u) => i64::try_from(u).map(Some).map_err(|_| de::Error::custom(format!("integer {u} is out of range"))),
        Scalar::Float(x) if x.fract() == 0.0 && x.abs() < 9.2e18 => Ok(Some(x as i64)),
        Scalar::Str(s) if s.trim().is_empty() => Ok(None),
        Scalar::Str(s) => s.trim().parse().map(Some).map_err(|_| de::Error::custom(format!("expected an integer, found the string {s:?}"))),
        Scalar::Null => Ok(None),
        Scalar::Float(x) => Err(de::Error::custom(format!("expected an integer, found {x}"))),
        Scalar::Bool(b) => Err(de::Error::custom(format!("expected an integer, found {b}"))),
    }
}

/// A 32-bit integer, as [`i64()`] with a range check.
pub fn i32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    match i64(d)? {
        Some(v) => i32::try_from(v).map(Some).map_err(|_| de::Error::custom(format!("integer {v} does not fit in 32 bits"))),
        None => Ok(None),
    }
}

/// A floating-point number, also from a numeric string.
pub fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match scalar(d)? {
        Scalar::Float(x) => Ok(Some(x)),
        Scalar::Int(i) => Ok(Some(i as f64)),
        Scalar::UInt(u) => Ok(Some(u as f64)),
        Scalar::Str(s) if s.trim().is_empty() => Ok(None),
        Scalar::Str(s) => s.trim().parse().map(Some).map_err(|_| de::Error::custom(format!("expected a number, found the string {s:?}"))),
        Scalar::Null => Ok(None),
        Scalar::Bool(b) => Err(de::Error::custom(format!("expected a number, found {b}"))),
    }
}

/// A 32-bit float, as [`f64()`].
pub fn f32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
    Ok(f64(d)?.map(|x| x as f32))
}

/// A boolean, also from `"true"`/`"false"` (any case) or `1`/`0`.
pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match scalar(d)? {
        Scalar::Bool(b) => Ok(Some(b)),
        Scalar::Str(s) => parse_bool(&s).map(Some).ok_or_else(|| de::Error::custom(format!("expected a boolean, found the string {s:?}"))),
        Scalar::Int(0) | Scalar::UInt(0) => Ok(Some(false)),
        Scalar::Int(1) | Scalar::UInt(1) => Ok(Some(true)),
        Scalar::Null => Ok(None),
        _ => Err(de::Error::custom("expected a boolean")),
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

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Sample {
        #[serde(default, deserialize_with = "super::string")]
        code: Option<String>,
        #[serde(default, deserialize_with = "super::i32")]
        count: Option<i32>,
        #[serde(default, deserialize_with = "super::bool")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "super::f64")]
        ratio: Option<f64>,
    }

    #[test]
    fn accepts_neighbouring_types() {
        let s: Sample = serde_json::from_str(r#"{"code":200,"count":"2","flag":"True","ratio":"1.5"}"#).unwrap();
        assert_eq!(s, Sample { code: Some("200".into()), count: Some(2), flag: Some(true), ratio: Some(1.5) });
        let s: Sample = serde_json::from_str(r#"{"code":null}"#).unwrap();
        assert_eq!(s, Sample { code: None, count: None, flag: None, ratio: None });
    }

    #[test]
    fn rejects_nonsense_with_the_value() {
        let err = serde_json::from_str::<Sample>(r#"{"count":"many"}"#).unwrap_err();
        assert!(err.to_string().contains(r#"expected an integer, found the string "many""#), "{err}");
        let err = serde_json::from_str::<Sample>(r#"{"count":4294967296}"#).unwrap_err();
        assert!(err.to_string().contains("does not fit in 32 bits"), "{err}");
    }
}
