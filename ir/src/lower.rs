//! Lower: from the parsed spec to the IR.
//!
//! All decisions about meaning are made here, once: which method the client uses, what Rust type
//! a schema becomes, what each constraint checks, what every item is called. Anything the
//! generator cannot represent faithfully is an error naming the operation, the parameter and the
//! JSON path; anything it can represent but not enforce is kept as a documented note.
//!
//! Longer than 500 lines on purpose: an operation is lowered in one pass (parameters, body and
//! path, the checks between them, the response) that reads in order; types, sharing, paging,
//! paths and errors are submodules.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use acs_runtime::__private::CLI_GLOBAL_FLAGS;

mod error;
mod paging;
mod parts;
mod share;
mod types;

use error::construct;
pub use error::{LowerError, LowerErrorKind};

use crate::docs;
use crate::ident::{self, Scope};
use crate::ir::*;
use crate::parse::{self as model, ApiDocs, Schema};

/// Lowers a parsed document. `only` restricts the operations (each must exist).
/// Returns the IR and warnings about what the spec states but the client cannot enforce.
pub(crate) fn lower(doc: &ApiDocs, only: Option<&[String]>, reserved_modules: &[&str]) -> Result<(Service, Vec<String>), LowerError> {
    let style = if doc.info.style.eq_ignore_ascii_case("RPC") {
        ApiStyle::Rpc
    } else if doc.info.style.eq_ignore_ascii_case("ROA") || doc.info.style.eq_ignore_ascii_case("V3") {
        // V3-style products describe each operation with a path, as ROA does, and are signed
        // with ACS3-HMAC-SHA256 like everything else: the same lowering serves both.
        ApiStyle::Roa
    } else {
        return Err(LowerError {
            kind: LowerErrorKind::Unsupported,
            path: "info.style".into(),
            operation: None,
            parameter: None,
            message: format!(
                "API style {:?} is not supported (RPC, ROA and V3 are; gateway styles such as OSS, SLS and FC have their own protocols)",
                doc.info.style
            ),
        });
    };
    for (key, value) in [("product", &doc.info.product), ("version", &doc.info.version)] {
        // A line break would reach headers and the manifest; other text is sent as written.
        if value.trim().is_empty() || value.chars().any(char::is_control) {
            return Err(LowerError {
                kind: LowerErrorKind::Invalid,
                path: format!("info.{key}"),
                operation: None,
                parameter: None,
                message: format!("{key} {:?} is empty or holds control characters", value.escape_debug().to_string()),
            });
        }
    }
    if doc.apis.is_empty() && doc.broken.is_empty() {
        return Err(LowerError {
            kind: LowerErrorKind::Invalid,
            path: "apis".into(),
            operation: None,
            parameter: None,
            message: "the spec describes no operation".into(),
        });
    }
    let all: BTreeSet<&String> = doc.apis.keys().chain(doc.broken.keys()).collect();
    let selected: Vec<&String> = match only {
        None => all.into_iter().collect(),
        Some(names) => {
            let mut picked = BTreeSet::new();
            for name in names {
                if !all.contains(name) {
                    return Err(LowerError {
                        kind: LowerErrorKind::Invalid,
                        path: "apis".into(),
                        operation: Some(name.clone()),
                        parameter: None,
                        message: format!(
                            "no such operation in the spec (it has {}: {})",
                            all.len(),
                            all.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    });
                }
                picked.insert(name);
            }
            picked.into_iter().collect()
        }
    };

    let mut warnings = Vec::new();
    let mut modules = Scope::with_reserved(reserved_modules);
    let mut commands = Scope::with_reserved(acs_runtime::__private::CLI_COMMANDS);
    let mut operations = Vec::new();
    let mut errors: BTreeMap<String, ErrorCase> = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut per_operation = Vec::new();
    warnings.extend(doc.warnings.iter().cloned());
    for name in selected {
        // The rule: a problem inside one operation (a value that does not fit the format, a
        // contradiction, a construct this generator cannot send) skips that operation only.
        let lowered = match doc.broken.get(name) {
            None if name.trim().is_empty() || name.chars().any(char::is_control) => Err(LowerError {
                kind: LowerErrorKind::Invalid,
                path: format!("apis.{name}"),
                operation: Some(name.clone()),
                parameter: None,
                message: "the operation's name is empty or holds control characters; it cannot be sent as an action".into(),
            }),
            Some(e) => Err(LowerError {
                kind: LowerErrorKind::Invalid,
                path: e.path.clone(),
                operation: Some(name.clone()),
                parameter: None,
                message: e.message.clone(),
            }),
            None => {
                let lowering = OperationLowering { doc, op: name, style, warnings: RefCell::new(Vec::new()) };
                lowering.run(&mut modules, &mut commands)
            }
        };
        let (mut operation, notes) = match lowered {
            Ok(lowered) => lowered,
            Err(e) => {
                warnings.push(format!("skipped operation {name} (at {}): {}", e.path, e.message));
                skipped.push(Skipped { operation: name.clone(), construct: construct(&e), path: e.path, reason: e.message, kind: e.kind });
                continue;
            }
        };
        for case in std::mem::take(&mut operation.errors_found) {
            let entry = errors.entry(case.code.clone()).or_insert_with(|| ErrorCase {
                operations: Vec::new(),
                statuses: Vec::new(),
                messages: Vec::new(),
                ..case.clone()
            });
            entry.operations.push(operation.operation.name.clone());
            for status in case.statuses {
                if !entry.statuses.contains(&status) {
                    entry.statuses.push(status);
                }
            }
            for message in case.messages {
                if !entry.messages.contains(&message) {
                    entry.messages.push(message);
                }
            }
        }
        per_operation.push(operation.types);
        operations.push(operation.operation);
        warnings.extend(notes);
    }
    // Object types become the crate's: identical shapes shared, every name unique.
    let types = share::share(&mut operations, per_operation);
    for op in &mut operations {
        op.pagination = paging::detect(&op.module, &op.params, &op.response, &types);
    }
    // One variant per code, named once for the whole product.
    let mut variants = Scope::with_reserved(&["Unknown"]);
    let errors: Vec<ErrorCase> = errors
        .into_values()
        .map(|mut case| {
            case.variant = variants.claim(ident::pascal(&case.code));
            case.statuses.sort_unstable();
            case.operations.sort();
            case
        })
        .collect();

    let mut endpoints: BTreeMap<String, String> = BTreeMap::new();
    for (i, e) in doc.endpoints.iter().enumerate() {
        let host_ok = !e.endpoint.is_empty() && e.endpoint.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
        if !host_ok || e.region_id.is_empty() || e.region_id.chars().any(|c| c.is_control() || c.is_whitespace()) {
            warnings.push(format!("endpoints[{i}]: {:?} for region {:?} is not a host name; left out", e.endpoint, e.region_id));
            continue;
        }
        if let Some(previous) = endpoints.insert(e.region_id.clone(), e.endpoint.clone()) {
            if previous != e.endpoint {
                warnings.push(format!("endpoints[{i}]: region {} listed twice; keeping {}", e.region_id, e.endpoint));
            }
        }
    }

    let endpoints: Vec<(String, String)> = endpoints.into_iter().collect();
    let service = Service {
        product: doc.info.product.clone(),
        version: doc.info.version.clone(),
        title: doc.info.title.clone(),
        style,
        endpoint_rule: EndpointRule::infer(&doc.info.product, &endpoints),
        endpoints,
        operations,
        errors,
        skipped,
        types,
    };
    Ok((service, warnings))
}

/// An operation with the error cases it documents and its object types (named within the
/// operation), before they are merged per product.
struct LoweredOperation {
    operation: Operation,
    errors_found: Vec<ErrorCase>,
    types: Vec<ObjectType>,
}

/// Methods a request or object type has, which no field setter may shadow, and the request's
/// private `explicit` field (which optional collections were set on purpose).
const RESERVED_FIELD_NAMES: &[&str] =
    &["new", "validate", "validate_into", "to_params", "encode", "idempotency_token", "set_idempotency_token", "explicit"];

struct OperationLowering<'a> {
    doc: &'a ApiDocs,
    op: &'a str,
    style: ApiStyle,
    warnings: RefCell<Vec<String>>,
}

/// Per-operation state while lowering types.
struct Types {
    scope: Scope,
    request: Vec<ObjectType>,
    response: Vec<ObjectType>,
    /// (`$ref` name, request side?) → Rust type, so one component becomes one type per side
    /// (request types carry constructors and checks, response types lenient decoding).
    by_ref: BTreeMap<(String, bool), String>,
    /// `$ref`s being lowered, to refuse recursion.
    resolving: Vec<(String, String)>,
    /// Containers entered so far (bounded by `types::MAX_NESTING`).
    depth: usize,
}

impl<'a> OperationLowering<'a> {
    fn err(&self, path: String, parameter: Option<&str>, message: String) -> LowerError {
        LowerError {
            kind: LowerErrorKind::Invalid,
            path,
            operation: Some(self.op.to_owned()),
            parameter: parameter.map(str::to_owned),
            message,
        }
    }

    /// A construct this generator cannot represent: the operation is skipped.
    fn unsupported(&self, path: String, parameter: Option<&str>, message: String) -> LowerError {
        LowerError { kind: LowerErrorKind::Unsupported, ..self.err(path, parameter, message) }
    }

    fn run(self, modules: &mut Scope, commands: &mut Scope) -> Result<(LoweredOperation, Vec<String>), LowerError> {
        let doc: &'a ApiDocs = self.doc;
        let api = &doc.apis[self.op];
        let base = format!("apis.{}", self.op);
        let pascal = ident::pascal(self.op);
        let request_type = format!("{pascal}Request");
        let response_type = format!("{pascal}Response");
        let cli = {
            // Kebab names have no `_`: the only one is the collision suffix, shown as `-2`.
            let command = commands.claim(ident::kebab(self.op)).replace('_', "-");
            CliNames { command }
        };

        let method = HttpMethod::choose(api.methods.iter().map(String::as_str)).ok_or_else(|| {
            self.unsupported(
                format!("{base}.methods"),
                None,
                format!("no supported method in {:?} (get, post, put, delete and patch are)", api.methods),
            )
        })?;
        let https_only = !api.schemes.is_empty() && api.schemes.iter().all(|s| s.eq_ignore_ascii_case("https"));

        let mut types = Types {
            scope: {
                let mut scope = Scope::with_reserved(ident::PRELUDE);
                scope.reserve(&request_type);
                scope.reserve(&response_type);
                scope
            },
            request: Vec::new(),
            response: Vec::new(),
            by_ref: BTreeMap::new(),
            resolving: Vec::new(),
            depth: 0,
        };

        // A V3 product describes most operations with a path, as ROA does; one without a path
        // is sent as the official SDK sends it: `POST /` with `x-acs-action`, like RPC.
        let op_style = match self.style {
            ApiStyle::Roa if api.path.is_none() && doc.info.style.eq_ignore_ascii_case("V3") => ApiStyle::Rpc,
            style => style,
        };
        let mut field_names = Scope::with_reserved(RESERVED_FIELD_NAMES);
        let mut flags = Scope::with_reserved(CLI_GLOBAL_FLAGS);
        let mut params: Vec<Field> = Vec::new();
        for (i, p) in api.parameters.iter().enumerate() {
            let path = format!("{base}.parameters[{i}]");
            if p.name.is_empty() {
                return Err(self.err(format!("{path}.name"), None, "parameter has an empty name".into()));
            }
            if let Some(first) = api.parameters[..i].iter().position(|q| q.name == p.name) {
                // ECS lists `RegionId` twice in 84 operations, identically: merge such repeats.
                let q = &api.parameters[first];
                let same =
                    q.location == p.location && q.style == p.style && q.schema.ty == p.schema.ty && q.schema.format == p.schema.format;
                if !same {
                    return Err(self.unsupported(
                        format!("{path}.name"),
                        Some(&p.name),
                        format!("parameter is declared twice with different types or locations (first at {base}.parameters[{first}])"),
                    ));
                }
                if p.schema.required == Some(true) {
                    if let Some(existing) = params.iter_mut().find(|f| f.wire_name == p.name) {
                        existing.required = true;
                    }
                }
                self.warnings.borrow_mut().push(format!("{path}: repeats parameter {} of {base}.parameters[{first}]; merged", p.name));
                continue;
            }
            let roa = op_style == ApiStyle::Roa;
            let location = match p.location.as_deref() {
                None | Some("query") => Location::Query,
                Some("formData") => Location::Form,
                Some("header") => Location::Header,
                Some("path") if roa => Location::Path,
                // A body on an RPC-shaped operation is sent as the official SDK sends it: a JSON
                // object (`rai`), or raw bytes (`ocr-api`), signed with ACS3.
                Some("body") => Location::Body,
                Some("host") => {
                    return Err(self.unsupported(
                        format!("{path}.in"),
                        Some(&p.name),
                        format!(
                            "parameter location \"host\" ({}) belongs to a gateway-only product such as SLS: the service takes \
                             its own gateway signature on a per-resource host, which the OpenAPI signature cannot replace",
                            p.name
                        ),
                    ));
                }
                Some(other) => {
                    let supported = if roa { "query, formData, header, path and body" } else { "query, formData, header and body" };
                    return Err(self.unsupported(
                        format!("{path}.in"),
                        Some(&p.name),
                        format!("parameter location {other:?} is not supported for {} operations ({supported} are)", doc.info.style),
                    ));
                }
            };
            if p.style.as_deref() == Some("xml") {
                return Err(self.unsupported(
                    format!("{path}.style"),
                    Some(&p.name),
                    "style \"xml\" is sent only through a product's own gateway (OSS, hcs-mgw), with its own signature; \
                     the OpenAPI signature cannot replace it"
                        .into(),
                ));
            }
            // A style the official SDK does not treat specially (`struct`) leaves the value to its
            // default flattening (`Name.Key`, `Name.1`), which is what `Style::Plain` does.
            let style = Style::from_spec(p.style.as_deref()).unwrap_or_else(|| {
                self.warnings.borrow_mut().push(format!(
                    "{path}.style: style {:?} is sent flattened (Name.Key, Name.1), as the official SDK sends a style it does not join or encode",
                    p.style.as_deref().unwrap_or_default()
                ));
                Style::Plain
            });
            // An object body's properties become fields of the request, as in the official SDKs;
            // they go back together into one JSON object (the style does not change the wire).
            if location == Location::Body && p.schema.reference.is_none() && !p.schema.properties.is_empty() {
                for (prop_name, prop) in &p.schema.properties {
                    let mut field = self.field(
                        prop_name,
                        prop,
                        &format!("{path}.schema.properties.{prop_name}"),
                        Side::Request,
                        &mut types,
                        &mut field_names,
                        Some(&p.name),
                    )?;
                    field.location = Location::BodyField;
                    field.flag = Some(claim_flag(&mut flags, ident::kebab(prop_name)));
                    params.push(field);
                }
                continue;
            }
            let mut field =
                self.field(&p.name, &p.schema, &format!("{path}.schema"), Side::Request, &mut types, &mut field_names, Some(&p.name))?;
            let scalar = field.ty.shape() == acs_runtime::__private::Shape::Scalar;
            match location {
                Location::Header if !scalar || style != Style::Plain => {
                    return Err(self.unsupported(
                        format!("{path}.schema"),
                        Some(&p.name),
                        "a header parameter must be a plain scalar".into(),
                    ));
                }
                Location::Path if !scalar => {
                    return Err(self.unsupported(format!("{path}.schema"), Some(&p.name), "a path parameter must be a scalar".into()));
                }
                // A path parameter is always required: the path cannot be built without it.
                Location::Path => field.required = true,
                _ => {}
            }
            field.location = location;
            field.style = if matches!(location, Location::Body | Location::Path) { Style::Plain } else { style };
            // Bytes come from a file on the command line: `--body-file PATH`.
            let flag = if field.ty == Type::Binary { format!("{}-file", ident::kebab(&p.name)) } else { ident::kebab(&p.name) };
            field.flag = Some(claim_flag(&mut flags, flag));
            params.push(field);
        }
        let binary_elsewhere = params
            .iter()
            .find(|p| p.ty != Type::Binary && p.ty.mentions(&Type::Binary))
            .map(|p| p.wire_name.clone())
            .or_else(|| params.iter().find(|p| p.ty == Type::Binary && p.location != Location::Body).map(|p| p.wire_name.clone()))
            .or_else(|| types.request.iter().find(|t| t.fields.iter().any(|f| f.ty.mentions(&Type::Binary))).map(|t| t.name.clone()));
        if let Some(name) = binary_elsewhere {
            return Err(self.unsupported(
                format!("{base}.parameters"),
                Some(&name),
                "binary data (format: binary) outside a whole request body: only a body can carry raw bytes".into(),
            ));
        }
        // ECS lists `DataDisk.1.Category` next to `DataDisk` (a list of objects that has a
        // `Category`): the dotted parameter is a spelling of part of the structured one, and
        // setting both would send a name twice. The official SDK's request has only the
        // structured one; so does this one.
        let covered: Vec<String> = params
            .iter()
            .filter(|p| {
                p.wire_name.split_once('.').is_some_and(|(head, _)| {
                    params.iter().any(|q| {
                        q.wire_name == head && q.location == p.location && q.ty.shape() == acs_runtime::__private::Shape::Composite
                    })
                })
            })
            .map(|p| p.wire_name.clone())
            .collect();
        if !covered.is_empty() {
            self.warnings.borrow_mut().push(format!(
                "{base}.parameters: {} spelled again by a structured parameter; left out, as the official SDK leaves them",
                covered.join(", ")
            ));
            params.retain(|p| !covered.contains(&p.wire_name));
        }
        let path = self.path_template(api, &base, &mut params, op_style)?;
        if let Some(extra) = params.iter().filter(|p| p.location == Location::Body).nth(1) {
            return Err(self.unsupported(
                format!("{base}.parameters"),
                Some(&extra.wire_name),
                "more than one whole-body parameter: a request has one body".into(),
            ));
        }
        if params.iter().any(|p| p.ty == Type::Binary) && params.iter().any(|p| matches!(p.location, Location::BodyField | Location::Form))
        {
            return Err(self.unsupported(
                format!("{base}.parameters"),
                None,
                "a binary body next to form or JSON body parameters: a request has one body".into(),
            ));
        }
        let mut keys = std::collections::HashSet::new();
        for field in &mut params {
            if !keys.insert(field.key.clone()) {
                let location = match field.location {
                    Location::Query => "query",
                    Location::Form => "form",
                    Location::Header => "header",
                    Location::Path => "path",
                    Location::BodyField | Location::Body => "body",
                };
                field.key = format!("{location}.{}", field.wire_name);
                keys.insert(field.key.clone());
            }
        }

        // Only an optional token can be filled in by the client; a required one is the caller's.
        let idempotency_token = params.iter().position(|p| p.wire_name == "ClientToken" && p.ty == Type::String && !p.required);

        let response = match success_schema(api) {
            Some((status, schema)) if schema.ty.as_deref() == Some("array") && schema.reference.is_none() => {
                let path = format!("{base}.responses.{status}.schema");
                let item = match &schema.items {
                    None => Type::Any,
                    Some(items) => {
                        let item_ref = items.reference.as_deref().and_then(|r| r.rsplit('/').next()).map(str::to_owned);
                        let resolved = self.resolve(items, &format!("{path}.items"))?;
                        self.ty("Item", resolved, item_ref, &format!("{path}.items"), Side::Response, &mut types, None)?.unboxed()
                    }
                };
                types.resolving.clear();
                ResponseShape::List { item }
            }
            Some((_, schema)) if schema.ty.as_deref() == Some("string") && schema.reference.is_none() => ResponseShape::Text,
            Some((status, schema)) if !schema.properties.is_empty() || schema.reference.is_some() => {
                let path = format!("{base}.responses.{status}.schema");
                let schema = self.resolve(schema, &path)?;
                // `mismatched` holds the parts of a response of the wrong shape (runtime `json::Mismatch`).
                let mut names = Scope::with_reserved(&["mismatched"]);
                let mut fields = Vec::new();
                for (name, prop) in &schema.properties {
                    fields.push(self.field(
                        name,
                        prop,
                        &format!("{path}.properties.{name}"),
                        Side::Response,
                        &mut types,
                        &mut names,
                        None,
                    )?);
                }
                types.resolving.clear();
                ResponseShape::Typed { fields }
            }
            _ => ResponseShape::Untyped,
        };

        let errors = self.errors(api);

        let response_demo = api.response_demo.as_deref().and_then(|raw| match model::decode_response_demo(raw) {
            Ok(demos) => demos
                .into_iter()
                .find(|d| d.kind.eq_ignore_ascii_case("json") && !d.example.trim().is_empty())
                .map(|d| d.example.trim().to_owned()),
            Err(e) => {
                self.warnings.borrow_mut().push(format!("{base}.responseDemo: not decodable ({e}); left out of the docs"));
                None
            }
        });

        let module = modules.claim(ident::snake(self.op));
        let operation = Operation {
            name: self.op.to_owned(),
            module,
            request_type,
            response_type,
            docs: OperationDocs {
                title: api.title.as_deref().map(docs::clean),
                summary: api.summary.as_deref().map(docs::clean),
                description: api.description.as_deref().map(docs::clean),
                ram_action: api.ram_action.as_ref().map(|r| (r.action.clone(), r.access_level.clone(), r.resources.clone())),
                response_demo,
            },
            method,
            path,
            style: op_style,
            https_only,
            security: api.security.iter().flat_map(|s| s.keys().cloned()).collect(),
            anonymous: !api.security.is_empty() && !api.security.iter().any(|s| s.contains_key("AK")),
            deprecated: api.deprecated.unwrap_or(false),
            params,
            response,
            errors: errors.iter().map(|e| e.code.clone()).collect(),
            idempotency_token,
            cli,
            pagination: None,
        };
        let mut local_types = types.request;
        local_types.extend(types.response);
        Ok((LoweredOperation { operation, errors_found: errors, types: local_types }, self.warnings.into_inner()))
    }
}

/// An operation's flag: its parameter's kebab name, or `<name>-param` where a global flag has
/// that name (`--dry-run-param` for a `DryRun` parameter), so a global can never be shadowed;
/// `_2`, `_3`, … where two parameters would share one.
fn claim_flag(flags: &mut Scope, wanted: String) -> String {
    let wanted = if CLI_GLOBAL_FLAGS.contains(&wanted.as_str()) { format!("{wanted}-param") } else { wanted };
    flags.claim(wanted).replace('_', "-")
}

/// The schema of the first 2xx response.
fn success_schema(api: &model::Api) -> Option<(&str, &Schema)> {
    api.responses.iter().find(|(status, _)| status.starts_with('2')).and_then(|(status, r)| r.schema.as_ref().map(|s| (status.as_str(), s)))
}

#[cfg(test)]
mod tests;
