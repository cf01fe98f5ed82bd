//! Which checks a field gets: decided here, once.
//!
//! [`of`] turns a field's IR into the runtime's rule values. The emitter writes those values into
//! the generated `validate` (as `const fn` builder calls), and the emulator hands them to the same
//! [`acs_runtime::Validator`] methods for the values it decodes from the wire. A rule added here
//! reaches both, and nothing else decides what a field is checked for.

use acs_runtime::{IntRules, ListRules, NumRules, StrRules};

use crate::ir::{Constraints, Field, Number, Type};

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
        Type::StringBool | Type::Bool | Type::Map(_) | Type::Any => Check::None,
    }
}

static NO_CONSTRAINTS: Constraints = Constraints::NONE;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{FieldDocs, Location, Style};

    fn field(ty: Type, required: bool, constraints: Constraints) -> Field {
        Field {
            wire_name: "F".into(),
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
