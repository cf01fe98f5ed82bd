//! Constraints, in one place: what a spec states about a value ([`Constraints`], read from the
//! schema and checked for sense when lowering) and which checks a field gets ([`of`]).
//!
//! [`of`] turns a field's IR into the runtime's rule values. The emitter writes those values into
//! the generated `validate` (as `const fn` builder calls), and the emulator hands them to the same
//! [`acs_runtime::__private::Validator`] methods for the values it decodes from the wire. A rule added here
//! reaches both, and nothing else decides what a field is checked for. Adding a constraint kind
//! takes this file and `runtime/src/rules.rs`.

use acs_runtime::__private::{IntRules, ListRules, NumRules, Pattern, StrRules};

use crate::ir::{Field, Type};
use crate::parse::Schema;
use crate::LowerError;

/// Constraints on a value (for lists: on the list; item constraints sit on `items`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// `minLength`
    pub min_length: Option<u64>,
    /// `maxLength`
    pub max_length: Option<u64>,
    /// `pattern` (checked to compile when lowering)
    pub pattern: Option<Pattern>,
    /// `enum` of a string
    pub allowed: Vec<String>,
    /// `enum` of an integer
    pub allowed_integers: Vec<i64>,
    /// `x-acs-charset: ascii`
    pub ascii_only: bool,
    /// `x-acs-forbidden-prefixes`
    pub forbidden_prefixes: Vec<String>,
    /// `minimum` and whether it is exclusive
    pub minimum: Option<(Number, bool)>,
    /// `maximum` and whether it is exclusive
    pub maximum: Option<(Number, bool)>,
    /// `minItems`
    pub min_items: Option<u64>,
    /// `maxItems`
    pub max_items: Option<u64>,
    /// Constraints on each item of a list of scalars.
    pub items: Option<Box<Constraints>>,
}

impl Constraints {
    /// No constraint at all.
    pub const NONE: Self = Self {
        min_length: None,
        max_length: None,
        pattern: None,
        allowed: Vec::new(),
        allowed_integers: Vec::new(),
        ascii_only: false,
        forbidden_prefixes: Vec::new(),
        minimum: None,
        maximum: None,
        min_items: None,
        max_items: None,
        items: None,
    };

    /// True when there is nothing to check.
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

/// A numeric bound, typed like the field it bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// For integer fields.
    Int(i64),
    /// For number fields.
    Float(f64),
}

/// The checks of one value: a field, or each item of a list.
#[derive(Clone, Debug, PartialEq)]
pub enum Check<'a> {
    /// Nothing to check (a boolean, a map, free-form JSON, or no constraint).
    None,
    /// A string.
    Str(StrRules<'a>),
    /// An integer; `i32` fields are checked as `i64`.
    Int(IntRules<'a>),
    /// A floating-point number; `f32` fields are checked as `f64`.
    Num(NumRules),
    /// An object, which checks its own fields (the named type's).
    Object(&'a str),
    /// A list: rules of the list, and the check of each item.
    List(ListRules, Box<Check<'a>>),
}

impl Check<'_> {
    /// True when nothing is checked, so no code need be emitted for it.
    pub fn is_none(&self) -> bool {
        match self {
            Check::None => true,
            Check::Str(r) => r.is_empty(),
            Check::Int(r) => r.is_empty(),
            Check::Num(r) => r.is_empty(),
            Check::Object(_) => false,
            Check::List(r, item) => r.is_empty() && item.is_none(),
        }
    }

    /// The rules in words (`2 to 64 characters`, `each item: at most 128 characters`), for docs
    /// and command-line help.
    pub fn describe(&self) -> Vec<String> {
        match self {
            Check::None | Check::Object(_) => Vec::new(),
            Check::Str(r) => r.describe(),
            Check::Int(r) => r.describe(),
            Check::Num(r) => r.describe(),
            Check::List(r, item) => {
                r.describe().into_iter().chain(item.describe().into_iter().map(|rule| format!("each item: {rule}"))).collect()
            }
        }
    }
}

/// The checks of `field`, from its type, its required flag and its constraints.
pub fn of(field: &Field) -> Check<'_> {
    value(&field.ty, &field.constraints, field.required)
}

fn value<'a>(ty: &'a Type, c: &'a Constraints, required: bool) -> Check<'a> {
    match ty {
        Type::String => {
            let mut r = StrRules::new();
            if required {
                r = r.required();
            }
            if let Some(n) = c.min_length {
                r = r.min_length(n);
            }
            if let Some(n) = c.max_length {
                r = r.max_length(n);
            }
            if c.ascii_only {
                r = r.ascii();
            }
            if let Some(p) = &c.pattern {
                r = r.pattern(p);
            }
            if !c.forbidden_prefixes.is_empty() {
                r = r.forbidden_prefixes_owned(&c.forbidden_prefixes);
            }
            if !c.allowed.is_empty() {
                r = r.allowed_owned(&c.allowed);
            }
            Check::Str(r)
        }
        Type::I32 | Type::I64 => {
            let int = |n: Number| match n {
                Number::Int(i) => i,
                // Lowering types the bounds of integer fields as integers.
                Number::Float(f) => f as i64,
            };
            let mut r = IntRules::new();
            r = match c.minimum {
                Some((n, false)) => r.minimum(int(n)),
                Some((n, true)) => r.exclusive_minimum(int(n)),
                None => r,
            };
            r = match c.maximum {
                Some((n, false)) => r.maximum(int(n)),
                Some((n, true)) => r.exclusive_maximum(int(n)),
                None => r,
            };
            if !c.allowed_integers.is_empty() {
                r = r.allowed(&c.allowed_integers);
            }
            Check::Int(r)
        }
        Type::F32 | Type::F64 => {
            let float = |n: Number| match n {
                Number::Int(i) => i as f64,
                Number::Float(f) => f,
            };
            let mut r = NumRules::new();
            r = match c.minimum {
                Some((n, false)) => r.minimum(float(n)),
                Some((n, true)) => r.exclusive_minimum(float(n)),
                None => r,
            };
            r = match c.maximum {
                Some((n, false)) => r.maximum(float(n)),
                Some((n, true)) => r.exclusive_maximum(float(n)),
                None => r,
            };
            Check::Num(r)
        }
        Type::Object(name) => Check::Object(name),
        Type::Boxed(inner) => value(inner, c, required),
        Type::List(item) => {
            let mut r = ListRules::new();
            if required {
                r = r.required();
            }
            if let Some(n) = c.min_items {
                r = r.min_items(n);
            }
            if let Some(n) = c.max_items {
                r = r.max_items(n);
            }
            let item_check = match item.as_ref() {
                // Only one level of list is checked item by item (the wire has no deeper lists
                // with constraints in any metadata seen).
                Type::List(_) => Check::None,
                item => value(item, c.items.as_deref().unwrap_or(&NO_CONSTRAINTS), false),
            };
            Check::List(r, Box::new(item_check))
        }
        Type::StringBool | Type::Bool | Type::Map(_) | Type::Any | Type::Binary => Check::None,
    }
}

static NO_CONSTRAINTS: Constraints = Constraints::NONE;

/// Reads what `schema` states about a value of type `ty` at JSON path `path`, typed and checked
/// for sense. `fail(path, message)` makes the error for a value that cannot be used; a constraint
/// the runtime cannot check is noted in `unenforced` instead.
pub(crate) fn read(
    schema: &Schema,
    ty: &Type,
    path: &str,
    fail: &dyn Fn(String, String) -> LowerError,
    unenforced: &mut Vec<String>,
) -> Result<Constraints, LowerError> {
    let err = |key: &str, message: String| fail(format!("{path}.{key}"), message);
    let count = |key: &str, raw: &Option<String>| -> Result<Option<u64>, LowerError> {
        raw.as_deref()
            .map(|text| {
                let text = text.trim();
                text.parse::<u64>()
                    .ok()
                    .or_else(|| text.parse::<f64>().ok().filter(|f| f.fract() == 0.0 && (0.0..1.8e19).contains(f)).map(|f| f as u64))
                    .ok_or_else(|| err(key, format!("{key} must be a non-negative integer, found {text:?}")))
            })
            .transpose()
    };
    let mut c = Constraints::default();
    match ty {
        Type::String => {
            c.min_length = count("minLength", &schema.min_length)?;
            c.max_length = count("maxLength", &schema.max_length)?;
            if let Some(pattern) = &schema.pattern {
                // Checked by whichever engine runs it (look-around goes to the backtracking
                // one); a pattern neither compiles is left out, and the docs and warning say so.
                match Pattern::check(pattern) {
                    Ok(_) => c.pattern = Some(Pattern::owned(pattern.clone())),
                    Err(e) => unenforced.push(format!("pattern {pattern:?} is not checked: it does not compile ({e})")),
                }
            }
            match schema.charset.as_deref() {
                None => {}
                Some(cs) if cs.eq_ignore_ascii_case("ascii") => c.ascii_only = true,
                Some(cs) => unenforced.push(format!("x-acs-charset {cs:?} is not enforced (only ascii is known)")),
            }
            c.forbidden_prefixes = schema.forbidden_prefixes.clone();
            if let Some(values) = &schema.enum_values {
                c.allowed = values.iter().map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())).collect();
            }
            if schema.minimum.is_some() || schema.maximum.is_some() {
                unenforced.push("minimum/maximum on a string is not enforced".into());
            }
        }
        Type::I32 | Type::I64 | Type::F32 | Type::F64 => {
            let integer = matches!(ty, Type::I32 | Type::I64);
            let (lowest, highest) = match ty {
                Type::I32 => (i64::from(i32::MIN), i64::from(i32::MAX)),
                _ => (i64::MIN, i64::MAX),
            };
            // A bound is read as the field's type reads it. One outside the type's range
            // excludes no value of the type (`maximum: 9223372036854775807` on an `int32`): it
            // says nothing and is dropped. One that excludes every value is refused below.
            let bound = |key: &str, raw: &Option<String>, exclusive: bool, upper: bool| -> Result<Option<(Number, bool)>, LowerError> {
                let Some(text) = raw.as_deref().map(str::trim) else { return Ok(None) };
                let x = text.parse::<f64>().ok().filter(|x| x.is_finite());
                if !integer {
                    return match x {
                        Some(x) => Ok(Some((Number::Float(x), exclusive))),
                        None => Err(err(key, format!("{key} must be a finite number, found {text:?}"))),
                    };
                }
                // Exact for every integer text; a fraction rounds toward the values it admits.
                let n: i128 = match text.parse::<i128>() {
                    Ok(n) => n,
                    Err(_) => match x {
                        Some(x) if x.abs() < 1e30 => (if upper { x.floor() } else { x.ceil() }) as i128,
                        Some(x) => {
                            if x > 0.0 {
                                i128::MAX
                            } else {
                                i128::MIN
                            }
                        }
                        None => return Err(err(key, format!("{key} must be a number, found {text:?}"))),
                    },
                };
                let (lo, hi) = (i128::from(lowest), i128::from(highest));
                // The least (greatest) value the bound admits.
                let admits = match (upper, exclusive) {
                    (false, true) => n.saturating_add(1),
                    (true, true) => n.saturating_sub(1),
                    _ => n,
                };
                if (upper && admits >= hi) || (!upper && admits <= lo) {
                    return Ok(None);
                }
                if (upper && admits < lo) || (!upper && admits > hi) {
                    return Err(err(
                        key,
                        format!("{key} {text} leaves no value of the field's type ({lowest} to {highest}): no value can satisfy it"),
                    ));
                }
                Ok(Some(match i64::try_from(n) {
                    Ok(n) => (Number::Int(n), exclusive),
                    Err(_) => (Number::Int(admits as i64), false),
                }))
            };
            c.minimum = bound("minimum", &schema.minimum, schema.exclusive_minimum.unwrap_or(false), false)?;
            c.maximum = bound("maximum", &schema.maximum, schema.exclusive_maximum.unwrap_or(false), true)?;
            if let Some(values) = &schema.enum_values {
                let integers: Option<Vec<i64>> =
                    values.iter().map(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))).collect();
                match integers {
                    Some(allowed) if integer => c.allowed_integers = allowed,
                    _ => unenforced.push(format!("enum {} on a number is not enforced", serde_json::Value::Array(values.clone()))),
                }
            }
        }
        Type::List(item) => {
            c.min_items = count("minItems", &schema.min_items)?;
            c.max_items = count("maxItems", &schema.max_items)?;
            if let (Some(items), Type::String | Type::I32 | Type::I64 | Type::F32 | Type::F64) = (&schema.items, item.as_ref()) {
                let item_constraints = read(items, item, &format!("{path}.items"), fail, unenforced)?;
                if !item_constraints.is_empty() {
                    c.items = Some(Box::new(item_constraints));
                }
            }
        }
        _ => {}
    }
    contradictions(&c, path, fail)?;
    Ok(c)
}

/// Bounds that no value can meet: a client built from them would refuse every request.
fn contradictions(c: &Constraints, path: &str, fail: &dyn Fn(String, String) -> LowerError) -> Result<(), LowerError> {
    let refuse = |what: String| Err(fail(path.to_owned(), format!("{what}: no value can satisfy it")));
    if let (Some(min), Some(max)) = (c.min_length, c.max_length) {
        if min > max {
            return refuse(format!("minLength {min} is greater than maxLength {max}"));
        }
    }
    if let (Some(min), Some(max)) = (c.min_items, c.max_items) {
        if min > max {
            return refuse(format!("minItems {min} is greater than maxItems {max}"));
        }
    }
    if let (Some((min, min_excl)), Some((max, max_excl))) = (c.minimum, c.maximum) {
        let as_f64 = |n: Number| match n {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        };
        let empty = match (min, max) {
            (Number::Int(a), Number::Int(b)) => {
                a > b || (a == b && (min_excl || max_excl)) || (min_excl && max_excl && i128::from(b) - i128::from(a) <= 1)
            }
            _ => as_f64(min) > as_f64(max) || (as_f64(min) == as_f64(max) && (min_excl || max_excl)),
        };
        if empty {
            let show = |n: Number, excl: bool, word: &str| {
                format!(
                    "{word}{} {}",
                    if excl { " (exclusive)" } else { "" },
                    match n {
                        Number::Int(i) => i.to_string(),
                        Number::Float(f) => f.to_string(),
                    }
                )
            };
            return refuse(format!("{} and {}", show(min, min_excl, "minimum"), show(max, max_excl, "maximum")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{FieldDocs, Location, Style};

    fn field(ty: Type, required: bool, constraints: Constraints) -> Field {
        Field {
            wire_name: "F".into(),
            key: "F".into(),
            rust_name: "f".into(),
            location: Location::Query,
            style: Style::Plain,
            flag: None,
            ty,
            required,
            constraints,
            docs: FieldDocs::default(),
        }
    }

    #[test]
    fn each_type_gets_its_rules() {
        let c = Constraints { min_length: Some(2), max_length: Some(64), allowed: vec!["a".into()], ..Default::default() };
        let f = field(Type::String, true, c);
        assert_eq!(of(&f), Check::Str(StrRules::new().required().min_length(2).max_length(64).allowed(&["a"])));

        let c = Constraints {
            minimum: Some((Number::Int(1), false)),
            maximum: Some((Number::Int(36), true)),
            allowed_integers: vec![1, 12],
            ..Default::default()
        };
        let f = field(Type::I32, false, c);
        assert_eq!(of(&f), Check::Int(IntRules::new().minimum(1).exclusive_maximum(36).allowed(&[1, 12])));

        let items = Constraints { max_length: Some(3), ..Default::default() };
        let c = Constraints { max_items: Some(5), items: Some(Box::new(items)), ..Default::default() };
        let f = field(Type::List(Box::new(Type::String)), true, c);
        let check = of(&f);
        assert_eq!(check, Check::List(ListRules::new().required().max_items(5), Box::new(Check::Str(StrRules::new().max_length(3)))));
        assert_eq!(check.describe(), ["at most 5 items", "each item: at most 3 characters"]);

        assert!(of(&field(Type::Bool, true, Constraints::default())).is_none());
        assert!(!of(&field(Type::Object("Tag".into()), false, Constraints::default())).is_none());
    }
}
