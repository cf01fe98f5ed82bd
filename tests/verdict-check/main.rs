//! Client and emulator agree on every request: for every operation of every generated crate,
//! requests built from the spec (valid ones, and ones that break each rule in turn) get the same
//! verdict from the generated client's `validate` as from the emulator, which reads them back
//! from the client's own wire encoding.
//!
//! `tests/generality.rs` builds this binary in its scratch workspace, next to the generated
//! crates, and writes `ops.rs`: the products, and one `check::<Request>` per operation. Prints one
//! line per product, the first disagreements, then `N passed, M failed` (one per request).

mod ops;

use std::collections::BTreeMap;

use acs_ir::rules::{self, Check};
use acs_ir::{Field, ObjectType, Operation as IrOperation, Type};
use acs_runtime::{Operation, Validator, Violation};
use serde_json::{json, Map, Value};

/// What the client side makes of one request: its violations and its wire parameters.
pub struct ClientSide {
    violations: Vec<Violation>,
    pairs: Vec<(String, String)>,
}

/// Decodes `json` (wire names) into the typed request, validates it and encodes it.
pub fn check<O: Operation + serde::de::DeserializeOwned>(json: Value) -> Result<ClientSide, String> {
    let request: O = serde_json::from_value(json).map_err(|e| e.to_string())?;
    let violations = match request.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e.violations,
    };
    let mut pairs = request.to_params().into_vec();
    pairs.extend(request.to_body_params().into_vec());
    pairs.extend(request.to_header_params().into_vec());
    Ok(ClientSide { violations, pairs })
}

/// A function that runs [`check`] for one operation's request type.
pub type Checker = fn(Value) -> Result<ClientSide, String>;

/// How deep objects are built inside objects.
const DEPTH: usize = 3;

/// Values for one operation's types.
struct Values<'a> {
    types: &'a [ObjectType],
}

impl Values<'_> {
    fn object_type(&self, name: &str) -> Option<&ObjectType> {
        self.types.iter().find(|t| t.name == name)
    }

    /// A value of `field` that its rules accept, where one can be found.
    fn valid(&self, field: &Field, depth: usize) -> Value {
        self.valid_of(&field.ty, &rules::of(field), field.docs.example.as_deref(), depth)
    }

    fn valid_of(&self, ty: &Type, check: &Check<'_>, example: Option<&str>, depth: usize) -> Value {
        match (ty, check) {
            (Type::String, Check::Str(r)) => {
                let sized = "a".repeat(r.min_length.unwrap_or(1).max(1).min(r.max_length.unwrap_or(u64::MAX)) as usize);
                let candidates = r.allowed.iter().map(str::to_owned).chain(example.map(str::to_owned)).chain([sized, "test".into(), "i-123".into(), "1".into(), "cn-hangzhou".into()]);
                let mut first = None;
                for candidate in candidates {
                    let mut v = Validator::new();
                    v.string("x", &candidate, r);
                    if v.violations().is_empty() {
                        return Value::String(candidate);
                    }
                    first.get_or_insert(candidate);
                }
                Value::String(first.unwrap_or_default())
            }
            (Type::I32 | Type::I64, Check::Int(r)) => {
                let n = r.allowed.first().copied().or_else(|| r.minimum.map(|(n, excl)| n.saturating_add(i64::from(excl)))).or_else(|| r.maximum.map(|(n, excl)| n.saturating_sub(i64::from(excl)))).unwrap_or(1);
                json!(n)
            }
            (Type::F32 | Type::F64, Check::Num(r)) => {
                let x = r.minimum.map(|(x, excl)| if excl { x + 0.5 } else { x }).or_else(|| r.maximum.map(|(x, excl)| if excl { x - 0.5 } else { x })).unwrap_or(1.5);
                json!(x)
            }
            (Type::Bool, _) => json!(true),
            // Below the depth limit, only the required fields (a recursive type ends there).
            (Type::Object(name), _) => match self.object_type(name) {
                Some(t) => Value::Object(
                    t.fields.iter().filter(|f| depth > 0 || f.required).map(|f| (f.wire_name.clone(), self.valid(f, depth.saturating_sub(1)))).collect(),
                ),
                None => json!({}),
            },
            (Type::List(_), Check::List(r, _)) if depth == 0 && !r.required => json!([]),
            (Type::List(item), Check::List(r, item_check)) => {
                let n = r.min_items.unwrap_or(1).max(1).min(r.max_items.unwrap_or(2)).min(3);
                Value::Array((0..n).map(|_| self.valid_of(item, item_check, None, depth)).collect())
            }
            (Type::Boxed(inner), _) => self.valid_of(inner, check, example, depth),
            (Type::Map(value), _) => json!({ "k": self.valid_of(value, &Check::None, None, depth) }),
            (Type::Any, _) => json!({"k": "v"}),
            (Type::String | Type::StringBool, _) => json!("v"),
            (Type::I32 | Type::I64, _) => json!(1),
            (Type::F32 | Type::F64, _) => json!(1.5),
            (Type::List(_), _) => json!([]),
        }
    }

    /// Values of `field` that break one of its rules each (or nested ones, in objects and lists).
    fn invalid(&self, field: &Field, depth: usize) -> Vec<Value> {
        self.invalid_of(&field.ty, &rules::of(field), depth)
    }

    fn invalid_of(&self, ty: &Type, check: &Check<'_>, depth: usize) -> Vec<Value> {
        let mut out = Vec::new();
        match (ty, check) {
            (Type::Boxed(inner), _) => return self.invalid_of(inner, check, depth),
            (Type::String, Check::Str(r)) => {
                if r.required {
                    out.push(json!(""));
                }
                if let Some(min) = r.min_length.filter(|&m| m > 0) {
                    out.push(Value::String("a".repeat(min as usize - 1)));
                }
                if let Some(max) = r.max_length.filter(|&m| m < 10_000) {
                    out.push(Value::String("a".repeat(max as usize + 1)));
                }
                if r.ascii {
                    out.push(json!("é"));
                }
                if r.pattern.is_some() {
                    out.push(json!("!~ not matching ~!"));
                }
                out.extend(r.forbidden_prefixes.iter().map(|p| Value::String(format!("{p}x"))));
                if !r.allowed.is_empty() {
                    out.push(json!("__not_one_of_them__"));
                }
            }
            (Type::I32 | Type::I64, Check::Int(r)) => {
                if let Some((n, excl)) = r.minimum {
                    out.push(json!(if excl { n } else { n.saturating_sub(1) }));
                }
                if let Some((n, excl)) = r.maximum {
                    out.push(json!(if excl { n } else { n.saturating_add(1) }));
                }
                if let Some(max) = r.allowed.iter().max() {
                    out.push(json!(max.saturating_add(1)));
                }
            }
            (Type::F32 | Type::F64, Check::Num(r)) => {
                if let Some((x, excl)) = r.minimum {
                    out.push(json!(if excl { x } else { x - 1.0 }));
                }
                if let Some((x, excl)) = r.maximum {
                    out.push(json!(if excl { x } else { x + 1.0 }));
                }
            }
            (Type::Object(name), _) if depth > 0 => {
                if let Some(t) = self.object_type(name) {
                    let base: Map<String, Value> = t.fields.iter().map(|f| (f.wire_name.clone(), self.valid(f, depth - 1))).collect();
                    for f in &t.fields {
                        for bad in self.invalid(f, depth - 1) {
                            let mut object = base.clone();
                            object.insert(f.wire_name.clone(), bad);
                            out.push(Value::Object(object));
                        }
                    }
                }
            }
            (Type::List(item), Check::List(r, item_check)) => {
                let good = self.valid_of(item, item_check, None, depth);
                if r.required {
                    out.push(json!([]));
                }
                if let Some(min) = r.min_items.filter(|&m| m > 1) {
                    out.push(Value::Array(vec![good.clone(); min as usize - 1]));
                }
                if let Some(max) = r.max_items.filter(|&m| m < 200) {
                    out.push(Value::Array(vec![good.clone(); max as usize + 1]));
                }
                for bad in self.invalid_of(item, item_check, depth) {
                    out.push(Value::Array(vec![good.clone(), bad]));
                }
            }
            _ => {}
        }
        out
    }
}

/// The requests to try for one operation: all parameters valid, only the required ones, and
/// each rule of each parameter broken in turn.
fn requests(op: &IrOperation) -> Vec<Value> {
    let values = Values { types: &op.request_types };
    let all: Map<String, Value> = op.params.iter().map(|p| (p.wire_name.clone(), values.valid(p, DEPTH))).collect();
    let required: Map<String, Value> = op.params.iter().filter(|p| p.required).map(|p| (p.wire_name.clone(), values.valid(p, DEPTH))).collect();
    let mut out = vec![Value::Object(all.clone()), Value::Object(required)];
    for p in &op.params {
        for bad in values.invalid(p, DEPTH) {
            let mut request = all.clone();
            request.insert(p.wire_name.clone(), bad);
            out.push(Value::Object(request));
        }
    }
    out
}

fn main() {
    let mut passed = 0usize;
    let mut failed = 0usize;
    let mut shown = 0usize;
    for (label, path) in ops::PRODUCTS {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let service = acs_ir::load(&text, &acs_ir::Options::default()).unwrap_or_else(|e| panic!("{label}: {e}")).service;
        let checkers: BTreeMap<&str, Checker> = ops::OPERATIONS.iter().filter(|(l, _, _)| l == label).map(|(_, op, c)| (*op, *c)).collect();
        let (mut cases, mut invalid, mut skipped) = (0usize, 0usize, 0usize);
        for op in &service.operations {
            let checker = checkers.get(op.name.as_str()).unwrap_or_else(|| panic!("{label}: no checker for {}", op.name));
            for request in requests(op) {
                let client = match checker(request.clone()) {
                    Ok(client) => client,
                    // A value the typed request cannot hold (an integer beyond i32): nothing to send.
                    Err(_) => {
                        skipped += 1;
                        continue;
                    }
                };
                cases += 1;
                let pairs: BTreeMap<String, String> = client.pairs.into_iter().collect();
                let emulator = acs_emulator::params::verdict(op, &pairs);
                let agree = emulator.type_errors.is_empty() && emulator.violations == client.violations && (!client.violations.is_empty() || emulator.missing.is_none());
                if !client.violations.is_empty() {
                    invalid += 1;
                }
                if agree {
                    passed += 1;
                } else {
                    failed += 1;
                    if shown < 10 {
                        shown += 1;
                        eprintln!("DISAGREE {label} {}: request {request}\n  client:   {:?}\n  emulator: {emulator:?}", op.name, client.violations);
                    }
                }
            }
        }
        println!("{label}: {} operations, {cases} requests ({invalid} invalid, {skipped} not representable)", service.operations.len());
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}
