//! Turning wire parameters back into values and checking them against the spec.
//!
//! The checks are the ones the generated clients run: the same IR (from `acs_codegen::lower`)
//! drives them, and the same `acs_runtime::Validator` functions produce the same violations,
//! so a request our client refuses is one the emulator refuses too, with the same words.

use std::cell::RefCell;
use std::collections::BTreeMap;

use acs_codegen::ir::{Constraints, Field, Number, ObjectType, Operation, Style, Type};
use acs_runtime::{IntRules, ListRules, NumRules, StrRules, Validate, Validator};
use serde_json::{Map, Value};

use crate::reply::Fault;

/// Parameters the RPC protocol adds to every call; they are not the operation's.
pub const COMMON_RPC: &[&str] = &["Action", "Version", "Format", "Timestamp", "SignatureNonce", "SignatureMethod", "SignatureVersion", "SignatureType", "AccessKeyId", "Signature", "SecurityToken"];

/// Rebuilds a nested value from `Name.1.Key=…` pairs (list indexes are 1-based on the wire).
fn unflatten(prefix: &str, pairs: &BTreeMap<String, String>) -> Option<Value> {
    fn insert(node: &mut Map<String, Value>, segments: &[&str], value: &str) {
        match segments {
            [last] => {
                node.insert((*last).to_owned(), Value::String(value.to_owned()));
            }
            [first, rest @ ..] => {
                if let Value::Object(child) = node.entry((*first).to_owned()).or_insert_with(|| Value::Object(Map::new())) {
                    insert(child, rest, value);
                }
            }
            [] => {}
        }
    }
    let start = format!("{prefix}.");
    let mut root = Map::new();
    for (name, value) in pairs.range(start.clone()..).take_while(|(n, _)| n.starts_with(&start)) {
        let segments: Vec<&str> = name[start.len()..].split('.').collect();
        insert(&mut root, &segments, value);
    }
    (!root.is_empty()).then(|| listify(Value::Object(root)))
}

/// Objects whose keys are all positive integers become lists, in index order.
fn listify(value: Value) -> Value {
    match value {
        Value::Object(map) if !map.is_empty() && map.keys().all(|k| k.parse::<usize>().is_ok_and(|n| n > 0)) => {
            let mut items: Vec<(usize, Value)> = map.into_iter().map(|(k, v)| (k.parse().expect("checked"), listify(v))).collect();
            items.sort_by_key(|(n, _)| *n);
            Value::Array(items.into_iter().map(|(_, v)| v).collect())
        }
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, listify(v))).collect()),
        other => other,
    }
}

/// The value of one parameter as it arrived, if it did.
fn gather(field: &Field, pairs: &BTreeMap<String, String>) -> Result<Option<Value>, String> {
    let name = &field.wire_name;
    let single = pairs.get(name);
    Ok(match (field.style, &field.ty) {
        (Style::Json, Type::String) => single.map(|s| Value::String(s.clone())),
        (Style::Json, _) => match single {
            Some(text) => Some(serde_json::from_str(text).map_err(|e| format!("{name} is not valid JSON: {e}"))?),
            None => None,
        },
        (Style::Simple, Type::List(_)) => single.map(|s| Value::Array(s.split(',').filter(|p| !p.is_empty()).map(|p| Value::String(p.to_owned())).collect())),
        (_, Type::List(_) | Type::Object(_) | Type::Map(_)) => unflatten(name, pairs),
        _ => single.map(|s| Value::String(s.clone())),
    })
}

/// A value and the IR fields that describe it, validated through the runtime's `Validator`.
struct Node<'a> {
    fields: &'a [Field],
    values: &'a Map<String, Value>,
    types: &'a [ObjectType],
    type_errors: &'a RefCell<Vec<String>>,
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
        self.type_errors.borrow_mut().push(format!("{at} must be {expected}, found {value}"));
    }

    fn scalar(&self, v: &mut Validator, field: &str, ty: &Type, c: &Constraints, required: bool, value: &Value) {
        let (prefixes, allowed) = (strs(&c.forbidden_prefixes), strs(&c.allowed));
        match ty {
            Type::String | Type::StringBool => {
                let Some(s) = text(value) else { return self.type_error(field, "a string", value) };
                let rules = StrRules {
                    required,
                    min_length: c.min_length,
                    max_length: c.max_length,
                    ascii: c.ascii_only,
                    pattern: c.pattern.as_deref(),
                    forbidden_prefixes: &prefixes,
                    allowed: &allowed,
                };
                v.string(field, &s, &rules);
            }
            Type::I32 | Type::I64 => {
                let Some(n) = text(value).and_then(|s| s.trim().parse::<i64>().ok()) else { return self.type_error(field, "an integer", value) };
                if *ty == Type::I32 && i32::try_from(n).is_err() {
                    return self.type_error(field, "a 32-bit integer", value);
                }
                let bound = |b: Option<(Number, bool)>| b.map(|(n, e)| (match n { Number::Int(i) => i, Number::Float(f) => f as i64 }, e));
                v.integer(field, n, &IntRules { minimum: bound(c.minimum), maximum: bound(c.maximum), allowed: &allowed });
            }
            Type::F32 | Type::F64 => {
                let Some(x) = text(value).and_then(|s| s.trim().parse::<f64>().ok()) else { return self.type_error(field, "a number", value) };
                let bound = |b: Option<(Number, bool)>| b.map(|(n, e)| (match n { Number::Int(i) => i as f64, Number::Float(f) => f }, e));
                v.number(field, x, &NumRules { minimum: bound(c.minimum), maximum: bound(c.maximum) });
            }
            Type::Bool => {
                if !text(value).is_some_and(|s| s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false")) {
                    self.type_error(field, "true or false", value);
                }
            }
            Type::Object(name) => match (self.types.iter().find(|t| &t.name == name), value) {
                (Some(t), Value::Object(values)) => {
                    let child = Node { fields: &t.fields, values, types: self.types, type_errors: self.type_errors, path: join(&self.path, field) };
                    v.object(field, &child);
                }
                _ => self.type_error(field, "an object", value),
            },
            Type::List(_) | Type::Map(_) | Type::Any => {}
        }
    }
}

fn strs(items: &[String]) -> Vec<&str> {
    items.iter().map(String::as_str).collect()
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() { field.to_owned() } else { format!("{path}.{field}") }
}

impl Validate for Node<'_> {
    fn validate_into(&self, v: &mut Validator) {
        for f in self.fields {
            let value = self.values.get(&f.wire_name);
            let c = &f.constraints;
            match (&f.ty, value) {
                (_, None) | (_, Some(Value::Null)) => {
                    if f.required {
                        v.missing(&f.wire_name);
                    }
                }
                (Type::List(item_ty), Some(Value::Array(items))) => {
                    v.list(&f.wire_name, items.len(), &ListRules { required: f.required, min_items: c.min_items, max_items: c.max_items });
                    let item_c = c.items.as_deref().cloned().unwrap_or_default();
                    for (i, item) in items.iter().enumerate() {
                        self.scalar(v, &format!("{}.{}", f.wire_name, i + 1), item_ty, &item_c, false, item);
                    }
                }
                (Type::List(_), Some(other)) => self.type_error(&f.wire_name, "a list", other),
                (ty, Some(value)) => self.scalar(v, &f.wire_name, ty, c, f.required, value),
            }
        }
    }
}

/// Checks the operation's parameters. `Missing<Name>` for an absent required parameter (as the
/// service answers), `InvalidParameter` listing every other problem.
pub fn check(op: &Operation, business: &BTreeMap<String, String>) -> Result<(), Fault> {
    let mut values = Map::new();
    for field in &op.params {
        match gather(field, business) {
            Ok(Some(value)) => {
                values.insert(field.wire_name.clone(), value);
            }
            Ok(None) if field.required => return Err(Fault::new(400, format!("Missing{}", field.wire_name), format!("{} is mandatory for this action.", field.wire_name))),
            Ok(None) => {}
            Err(message) => return Err(Fault::new(400, "InvalidParameter", message)),
        }
    }
    let type_errors = RefCell::new(Vec::new());
    let node = Node { fields: &op.params, values: &values, types: &op.request_types, type_errors: &type_errors, path: String::new() };
    let mut v = Validator::new();
    node.validate_into(&mut v);
    let mut problems = type_errors.into_inner();
    problems.extend(v.violations().iter().map(ToString::to_string));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Fault::new(400, "InvalidParameter", format!("The specified parameter is invalid: {}", problems.join("; "))))
    }
}
