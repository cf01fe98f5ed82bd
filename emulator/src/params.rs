//! Turning wire parameters back into values and checking them against the spec.
//!
//! Nothing here decides what a parameter means: the wire is read back with the runtime's
//! decoder (`acs_runtime::wire::take`, the inverse of the encoder the clients use), and each
//! field's checks come from `acs_ir::rules::of`, the function the generator writes into every
//! generated `validate`. The same `acs_runtime::__private::Validator` methods then produce the same
//! violations, so a request a generated client refuses is one the emulator refuses too, with the
//! same words. This module only walks decoded values alongside the IR.

use std::collections::BTreeMap;

use acs_ir::rules::{self, Check};
use acs_ir::{Field, Location, ObjectType, Operation, Service, Type};
use acs_runtime::__private::{Validate, Validator};
use acs_runtime::Violation;
use serde_json::{Map, Value};

use crate::reply::Fault;

/// Parameters the RPC protocol adds to every call; they are not the operation's.
pub const COMMON_RPC: &[&str] = acs_runtime::sign::RPC_COMMON_PARAMS;

/// What checking a request's parameters found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// A required parameter that was not sent, if any (the service answers `Missing<Name>`).
    pub missing: Option<String>,
    /// Values that are not of their parameter's type (`Period must be an integer, found "x"`).
    pub type_errors: Vec<String>,
    /// Broken constraints, as the generated clients report them.
    pub violations: Vec<Violation>,
}

impl Verdict {
    /// True when the request may proceed.
    pub fn is_ok(&self) -> bool {
        self.missing.is_none() && self.type_errors.is_empty() && self.violations.is_empty()
    }
}

/// Reads and checks the operation's parameters: `business` holds the query, form, header and
/// path parameters (decoded), `body` the JSON body of a ROA request.
pub fn verdict(service: &Service, op: &Operation, business: &BTreeMap<String, String>, body: Option<&Value>) -> Verdict {
    let mut verdict = Verdict::default();
    let mut values = Map::new();
    for field in &op.params {
        let value = match field.location {
            Location::BodyField => Ok(body.and_then(|b| b.get(&field.wire_name)).filter(|v| !v.is_null()).cloned()),
            Location::Body => Ok(body.cloned()),
            _ => acs_runtime::wire::take(business, &field.wire_name, field.style, field.ty.shape()),
        };
        match value {
            // Keyed like the request's fields: two parameters may share a wire name in different
            // locations (a ROA path parameter and a body property).
            Ok(Some(value)) => {
                values.insert(field.key.clone(), value);
            }
            Ok(None) if field.required && verdict.missing.is_none() => verdict.missing = Some(field.wire_name.clone()),
            Ok(None) => {}
            Err(e) => verdict.type_errors.push(e.to_string()),
        }
    }
    let node = Node {
        fields: &op.params,
        values: &values,
        types: &service.types,
        type_errors: std::cell::RefCell::new(Vec::new()),
        path: String::new(),
    };
    let mut v = Validator::new();
    node.validate_into(&mut v);
    verdict.type_errors.extend(node.type_errors.into_inner());
    verdict.violations = v.violations().to_vec();
    verdict
}

/// Checks the operation's parameters: `Missing<Name>` for an absent required parameter (as the
/// service answers), `InvalidParameter` listing every other problem.
pub fn check(service: &Service, op: &Operation, business: &BTreeMap<String, String>, body: Option<&Value>) -> Result<(), Fault> {
    let verdict = verdict(service, op, business, body);
    if let Some(name) = verdict.missing {
        return Err(Fault::new(400, format!("Missing{name}"), format!("{name} is mandatory for this action.")));
    }
    let mut problems = verdict.type_errors;
    problems.extend(verdict.violations.iter().map(ToString::to_string));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Fault::new(400, "InvalidParameter", format!("The specified parameter is invalid: {}", problems.join("; "))))
    }
}

/// A decoded object and the IR fields that describe it, validated through the runtime's
/// `Validator` like a generated request.
struct Node<'a> {
    fields: &'a [Field],
    values: &'a Map<String, Value>,
    types: &'a [ObjectType],
    type_errors: std::cell::RefCell<Vec<String>>,
    path: String,
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Node<'_> {
    fn type_error(&self, field: &str, expected: &str, value: &Value) {
        let at = if self.path.is_empty() { field.to_owned() } else { format!("{}.{field}", self.path) };
        let mut shown = value.to_string();
        if shown.chars().count() > 80 {
            shown = shown.chars().take(80).chain(['…']).collect();
        }
        self.type_errors.borrow_mut().push(format!("{at} must be {expected}, found {shown}"));
    }

    /// Checks one value of type `ty` with `check` (from `rules::of`), as generated code does.
    fn value(&self, v: &mut Validator, field: &str, ty: &Type, check: &Check<'_>, value: &Value) {
        match ty {
            Type::String | Type::StringBool => {
                let Some(s) = text(value) else { return self.type_error(field, "a string", value) };
                if let Check::Str(r) = check {
                    v.string(field, &s, r);
                }
            }
            Type::I32 | Type::I64 => {
                let Some(n) = text(value).and_then(|s| s.trim().parse::<i64>().ok()) else {
                    return self.type_error(field, "an integer", value);
                };
                if *ty == Type::I32 && i32::try_from(n).is_err() {
                    return self.type_error(field, "a 32-bit integer", value);
                }
                if let Check::Int(r) = check {
                    v.integer(field, n, r);
                }
            }
            Type::F32 | Type::F64 => {
                let Some(x) = text(value).and_then(|s| s.trim().parse::<f64>().ok()).filter(|x| x.is_finite()) else {
                    return self.type_error(field, "a number", value);
                };
                if let Check::Num(r) = check {
                    v.number(field, x, r);
                }
            }
            Type::Bool => {
                if !text(value).is_some_and(|s| s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false")) {
                    self.type_error(field, "true or false", value);
                }
            }
            Type::Object(name) => match (self.types.iter().find(|t| &t.name == name), value) {
                (Some(t), Value::Object(values)) => {
                    let path = if self.path.is_empty() { field.to_owned() } else { format!("{}.{field}", self.path) };
                    let child =
                        Node { fields: &t.fields, values, types: self.types, type_errors: std::cell::RefCell::new(Vec::new()), path };
                    v.object(field, &child);
                    self.type_errors.borrow_mut().extend(child.type_errors.into_inner());
                }
                _ => self.type_error(field, "an object", value),
            },
            Type::List(item_ty) => match (value, check) {
                (Value::Array(items), Check::List(list, item_check)) => {
                    v.list(field, items.len(), list);
                    for (i, item) in items.iter().enumerate() {
                        self.value(v, &format!("{field}.{}", i + 1), item_ty, item_check, item);
                    }
                }
                _ => self.type_error(field, "a list", value),
            },
            Type::Boxed(inner) => self.value(v, field, inner, check, value),
            Type::Map(_) | Type::Any => {}
            // Raw bytes carry no constraint; they arrive as their base64 JSON form.
            Type::Binary => {
                if !value.is_string() {
                    self.type_error(field, "bytes", value);
                }
            }
        }
    }
}

impl Validate for Node<'_> {
    fn validate_into(&self, v: &mut Validator) {
        for f in self.fields {
            match (self.values.get(&f.key), &f.ty) {
                // An empty list puts nothing on the wire: absent is empty, as for the client.
                (None | Some(Value::Null), Type::List(_)) => self.value(v, &f.wire_name, &f.ty, &rules::of(f), &Value::Array(Vec::new())),
                (None | Some(Value::Null), _) => {
                    if f.required {
                        v.missing(&f.wire_name);
                    }
                }
                (Some(value), _) => self.value(v, &f.wire_name, &f.ty, &rules::of(f), value),
            }
        }
    }
}
