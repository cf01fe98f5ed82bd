//! Lowering types: `$ref`s, schemas to Rust types, object types named once per side.

use crate::docs;
use crate::ident::{self, Scope};
use crate::ir::*;
use crate::parse::{AdditionalProperties, Schema};

use super::{LowerError, OperationLowering, Types, RESERVED_FIELD_NAMES};

/// How deep types may nest (objects, lists and maps inside each other). Real metadata nests a
/// few levels. The limit turns a hostile chain of `$ref`s into an error naming its path instead
/// of exhausting the stack, and keeps every generated crate within what rustc compiles: types
/// nested about 60 deep overflow its query depth, so the limit is half that.
pub(crate) const MAX_NESTING: usize = 32;

impl<'a> OperationLowering<'a> {
    /// Follows `$ref` to a component schema.
    pub(super) fn resolve(&self, schema: &'a Schema, path: &str) -> Result<&'a Schema, LowerError> {
        let Some(reference) = &schema.reference else { return Ok(schema) };
        let name = reference.strip_prefix("#/components/schemas/").ok_or_else(|| {
            self.err(format!("{path}.$ref"), None, format!("unsupported $ref {reference:?} (only #/components/schemas/<Name>)"))
        })?;
        if let Some(broken) = self.doc.components.broken.get(name) {
            return Err(self.err(format!("{path}.$ref"), None, format!("$ref to {name:?}, which cannot be read ({broken})")));
        }
        self.doc
            .components
            .schemas
            .get(name)
            .ok_or_else(|| self.err(format!("{path}.$ref"), None, format!("$ref to {name:?}, which components.schemas does not define")))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn field(
        &self,
        wire_name: &str,
        schema: &'a Schema,
        path: &str,
        side: Side,
        types: &mut Types,
        names: &mut Scope,
        param: Option<&str>,
    ) -> Result<Field, LowerError> {
        let ref_name = schema.reference.as_deref().and_then(|r| r.rsplit('/').next()).map(str::to_owned);
        let resolved = self.resolve(schema, path)?;
        let ty = self.ty(wire_name, resolved, ref_name, path, side, types, param)?;
        let mut unenforced = Vec::new();
        let constraints = if side == Side::Request {
            crate::rules::read(resolved, &ty, path, &|at, message| self.err(at, param, message), &mut unenforced)?
        } else {
            Constraints::default()
        };
        for note in &unenforced {
            self.warnings.borrow_mut().push(format!("{path}: {note}"));
        }
        Ok(Field {
            wire_name: wire_name.to_owned(),
            key: wire_name.to_owned(),
            rust_name: names.claim(ident::snake(wire_name)),
            location: Location::Query,
            style: Style::Plain,
            flag: None,
            ty,
            required: side == Side::Request && resolved.required.unwrap_or(false),
            constraints,
            docs: FieldDocs {
                title: schema.title.as_deref().or(resolved.title.as_deref()).map(docs::clean),
                description: schema.description.as_deref().or(resolved.description.as_deref()).map(docs::clean).filter(|d| !d.is_empty()),
                example: resolved.example.clone().filter(|e| !e.is_empty()),
                default: resolved.default.clone().filter(|d| !d.is_empty()),
                deprecated: resolved.deprecated.unwrap_or(false),
                unenforced,
            },
        })
    }

    /// The Rust type of `schema`, within [`MAX_NESTING`] levels of containers.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn ty(
        &self,
        wire_name: &str,
        schema: &'a Schema,
        ref_name: Option<String>,
        path: &str,
        side: Side,
        types: &mut Types,
        param: Option<&str>,
    ) -> Result<Type, LowerError> {
        if types.depth >= MAX_NESTING {
            return Err(self.err(path.to_owned(), param, format!("types are nested more than {MAX_NESTING} levels deep")));
        }
        types.depth += 1;
        let ty = self.ty_at_depth(wire_name, schema, ref_name, path, side, types, param);
        types.depth -= 1;
        ty
    }

    #[allow(clippy::too_many_arguments)]
    fn ty_at_depth(
        &self,
        wire_name: &str,
        schema: &'a Schema,
        ref_name: Option<String>,
        path: &str,
        side: Side,
        types: &mut Types,
        param: Option<&str>,
    ) -> Result<Type, LowerError> {
        let kind = match schema.ty.as_deref() {
            Some(t) => t.to_ascii_lowercase(),
            None if !schema.properties.is_empty() => "object".into(),
            None if schema.items.is_some() => "array".into(),
            None => return Ok(Type::Any),
        };
        Ok(match kind.as_str() {
            "string" if side == Side::Response && schema.value_type.as_deref() == Some("boolean") => Type::StringBool,
            // Raw bytes: only a whole request body can carry them (checked where it is placed).
            "string" if side == Side::Request && schema.format.as_deref() == Some("binary") => Type::Binary,
            "string" => Type::String,
            "integer" | "long" => match schema.format.as_deref() {
                Some("int32") => Type::I32,
                _ => Type::I64,
            },
            "number" | "double" | "float" => match schema.format.as_deref() {
                Some("float") => Type::F32,
                _ => Type::F64,
            },
            "boolean" => Type::Bool,
            // Free-form JSON, in requests and responses (eflo-controller has both).
            "any" => Type::Any,
            "array" => {
                let item_path = format!("{path}.items");
                let item = match &schema.items {
                    None => Type::Any,
                    Some(items) => {
                        let item_ref = items.reference.as_deref().and_then(|r| r.rsplit('/').next()).map(str::to_owned);
                        let resolved = self.resolve(items, &item_path)?;
                        self.ty(&ident::singular(wire_name), resolved, item_ref, &item_path, side, types, param)?
                    }
                };
                // A list already holds its items on the heap: a recursive item needs no box.
                Type::List(Box::new(item.unboxed()))
            }
            "object" if !schema.properties.is_empty() => {
                if let Some(r) = &ref_name {
                    if let Some(existing) = types.by_ref.get(&(r.clone(), side == Side::Request)) {
                        return Ok(Type::Object(existing.clone()));
                    }
                    // A type that contains itself (directly or through others) holds itself in
                    // a box, so the struct has a size.
                    if let Some((_, name)) = types.resolving.iter().find(|(pending, _)| pending == r) {
                        return Ok(Type::Boxed(Box::new(Type::Object(name.clone()))));
                    }
                }
                let base = match &ref_name {
                    Some(r) => ident::pascal(r),
                    None => ident::pascal(wire_name),
                };
                let wanted = if ref_name.is_some() { base.clone() } else { format!("{}{base}", ident::pascal(self.op)) };
                let name = types.scope.claim(wanted);
                types.resolving.push((ref_name.clone().unwrap_or_default(), name.clone()));
                let mut names = Scope::with_reserved(if side == Side::Request { RESERVED_FIELD_NAMES } else { &[] });
                let mut fields = Vec::new();
                for (prop_name, prop) in &schema.properties {
                    let mut field =
                        self.field(prop_name, prop, &format!("{path}.properties.{prop_name}"), side, types, &mut names, param)?;
                    if side == Side::Response {
                        field.required = false;
                    }
                    fields.push(field);
                }
                types.resolving.pop();
                if let Some(r) = &ref_name {
                    // Registered only now: a reference to itself inside its fields is found in
                    // `resolving` above and boxed.
                    types.by_ref.insert((r.clone(), side == Side::Request), name.clone());
                }
                let object = ObjectType {
                    name: name.clone(),
                    base,
                    side,
                    wire_path: path.to_owned(),
                    description: schema.description.as_deref().map(docs::clean).filter(|d| !d.is_empty()),
                    fields,
                };
                match side {
                    Side::Request => types.request.push(object),
                    Side::Response => types.response.push(object),
                }
                Type::Object(name)
            }
            "object" => match &schema.additional_properties {
                Some(AdditionalProperties::Schema(values)) => {
                    let values_path = format!("{path}.additionalProperties");
                    let values_ref = values.reference.as_deref().and_then(|r| r.rsplit('/').next()).map(str::to_owned);
                    let resolved = self.resolve(values, &values_path)?;
                    Type::Map(Box::new(
                        self.ty(&format!("{wire_name}Value"), resolved, values_ref, &values_path, side, types, param)?.unboxed(),
                    ))
                }
                _ => Type::Map(Box::new(Type::Any)),
            },
            other => {
                return Err(self.unsupported(
                    format!("{path}.type"),
                    param,
                    format!("type {other:?} is not supported (string, integer, number, boolean, array and object are)"),
                ))
            }
        })
    }
}
