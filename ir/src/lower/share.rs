//! The crate's object types: every operation's types, with identical shapes shared.
//!
//! Operations are lowered one by one, each naming its types within itself (`RunInstancesTag`).
//! Here two types are one when they are on the same side, carry the same base name (`Tag`: the
//! `$ref`, or the wire name without the operation's prefix) and have the same fields: the same
//! wire names, types (nested types compared the same way), required flags and constraints.
//! A shape that several operations share, or that a `$ref` names, takes its base name; the rest
//! keep their operation's prefix. Every name ends up unique in the crate.

use std::collections::{BTreeMap, HashMap};

use crate::ident::{self, Scope};
use crate::ir::*;

/// What makes two object types the same type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct TypeKey {
    side: Side,
    base: String,
    fields: Vec<String>,
}

struct Sharing<'a> {
    per_operation: &'a [Vec<ObjectType>],
    /// (operation, local name) → shape id.
    ids: HashMap<(usize, String), usize>,
    shapes: HashMap<TypeKey, usize>,
    /// Types whose shape is being computed: a type that contains itself is never shared.
    computing: Vec<(usize, String)>,
    next_unique: usize,
}

impl Sharing<'_> {
    fn id(&mut self, op: usize, name: &str) -> usize {
        if let Some(id) = self.ids.get(&(op, name.to_owned())) {
            return *id;
        }
        let key = (op, name.to_owned());
        if self.computing.contains(&key) {
            // Recursive: a shape of its own, never equal to another's.
            self.next_unique += 1;
            return usize::MAX - self.next_unique;
        }
        let Some(t) = self.per_operation[op].iter().find(|t| t.name == name) else { return usize::MAX };
        self.computing.push(key.clone());
        let fields = t
            .fields
            .iter()
            .map(|f| format!("{}|{}|{}|{:?}", f.wire_name, f.required, self.type_signature(op, &f.ty), f.constraints))
            .collect();
        self.computing.pop();
        let shape = TypeKey { side: t.side, base: t.base.clone(), fields };
        let next = self.shapes.len();
        let id = *self.shapes.entry(shape).or_insert(next);
        self.ids.insert(key, id);
        id
    }

    fn type_signature(&mut self, op: usize, ty: &Type) -> String {
        match ty {
            Type::Object(name) => format!("#{}", self.id(op, name)),
            Type::List(inner) => format!("[{}]", self.type_signature(op, inner)),
            Type::Map(inner) => format!("{{{}}}", self.type_signature(op, inner)),
            Type::Boxed(inner) => format!("box {}", self.type_signature(op, inner)),
            other => format!("{other:?}"),
        }
    }
}

fn rename(ty: &mut Type, names: &HashMap<String, String>) {
    match ty {
        Type::Object(name) => {
            if let Some(new) = names.get(name) {
                *name = new.clone();
            }
        }
        Type::List(inner) | Type::Map(inner) | Type::Boxed(inner) => rename(inner, names),
        _ => {}
    }
}

/// Gives every operation's object types their crate-wide names, rewrites the operations to use
/// them, and returns the types, each once, sorted by name.
pub(super) fn share(operations: &mut [Operation], per_operation: Vec<Vec<ObjectType>>) -> Vec<ObjectType> {
    let mut sharing =
        Sharing { per_operation: &per_operation, ids: HashMap::new(), shapes: HashMap::new(), computing: Vec::new(), next_unique: 0 };
    // TypeKey id → its members, in operation order.
    let mut groups: BTreeMap<usize, Vec<(usize, &ObjectType)>> = BTreeMap::new();
    for (op, types) in per_operation.iter().enumerate() {
        for t in types {
            let id = sharing.id(op, &t.name);
            groups.entry(id).or_default().push((op, t));
        }
    }
    // Names: request types first, then by base name, so the common names go to the common shapes.
    let mut ordered: Vec<&Vec<(usize, &ObjectType)>> = groups.values().collect();
    ordered.sort_by_key(|members| {
        let (op, t) = members[0];
        (t.side, std::cmp::Reverse(members.len()), t.base.clone(), operations[op].name.clone())
    });
    let mut scope = Scope::with_reserved(ident::PRELUDE);
    for op in operations.iter() {
        scope.reserve(&op.request_type);
        scope.reserve(&op.response_type);
    }
    let mut names: Vec<HashMap<String, String>> = vec![HashMap::new(); operations.len()];
    let mut types = Vec::new();
    for members in ordered {
        let (first_op, first) = members[0];
        let shared = members.len() > 1 || first.name == first.base;
        let name = scope.claim(if shared { first.base.clone() } else { first.name.clone() });
        for (op, t) in members {
            names[*op].insert(t.name.clone(), name.clone());
        }
        let mut kept = first.clone();
        kept.name = name;
        types.push((first_op, kept));
    }
    for (op, t) in &mut types {
        for f in &mut t.fields {
            rename(&mut f.ty, &names[*op]);
        }
    }
    for (op, operation) in operations.iter_mut().enumerate() {
        for p in &mut operation.params {
            rename(&mut p.ty, &names[op]);
        }
        match &mut operation.response {
            ResponseShape::Typed { fields } => fields.iter_mut().for_each(|f| rename(&mut f.ty, &names[op])),
            ResponseShape::List { item } => rename(item, &names[op]),
            ResponseShape::Untyped | ResponseShape::Text => {}
        }
    }
    let mut types: Vec<ObjectType> = types.into_iter().map(|(_, t)| t).collect();
    types.sort_by(|a, b| a.name.cmp(&b.name));
    types
}
