//! Layer 3, emit: the IR as Rust tokens, one `syn::File` per generated source file.
//!
//! The emitted code is declarations plus one call per constraint and per wire parameter into
//! `acs_runtime`; behaviour lives in the runtime, not here. Docs come from the spec.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::docs;
use crate::ir::*;

/// An identifier, raw when the IR name is `r#…`.
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// `#[doc]` attributes, one per line, so they print as `///` comments.
fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| if line.is_empty() { String::new() } else { format!(" {line}") });
    quote! { #( #[doc = #lines] )* }
}

/// Inner `#![doc]` attributes (`//!`).
fn inner_doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| if line.is_empty() { String::new() } else { format!(" {line}") });
    quote! { #( #![doc = #lines] )* }
}

/// Joins paragraphs with blank lines, skipping empty ones.
fn paragraphs(parts: impl IntoIterator<Item = String>) -> String {
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect::<Vec<_>>().join("\n\n")
}

fn style_path(style: Style) -> TokenStream {
    match style {
        Style::Plain => quote!(Style::Plain),
        Style::RepeatList => quote!(Style::RepeatList),
        Style::Flat => quote!(Style::Flat),
        Style::Json => quote!(Style::Json),
        Style::Simple => quote!(Style::Simple),
    }
}

fn style_name(style: Style) -> &'static str {
    match style {
        Style::Plain => "plain",
        Style::RepeatList => "repeatList",
        Style::Flat => "flat",
        Style::Json => "json",
        Style::Simple => "simple",
    }
}

/// The Rust type of a value (without `Option`).
fn rust_type(ty: &Type) -> TokenStream {
    match ty {
        Type::String => quote!(String),
        Type::StringBool => quote!(StringBool),
        Type::I32 => quote!(i32),
        Type::I64 => quote!(i64),
        Type::F32 => quote!(f32),
        Type::F64 => quote!(f64),
        Type::Bool => quote!(bool),
        Type::List(item) => {
            let item = rust_type(item);
            quote!(Vec<#item>)
        }
        Type::Object(name) => {
            let name = ident(name);
            quote!(#name)
        }
        Type::Map(value) => {
            let value = rust_type(value);
            quote!(BTreeMap<String, #value>)
        }
        Type::Any => quote!(Value),
    }
}

/// The declared type of a field: required and collections as is, the rest in `Option`.
fn field_type(field: &Field) -> TokenStream {
    let ty = rust_type(&field.ty);
    if field.required || field.ty.is_collection() || field.ty == Type::Any {
        ty
    } else {
        quote!(Option<#ty>)
    }
}

fn uses(ty: &Type, f: &dyn Fn(&Type) -> bool) -> bool {
    f(ty)
        || match ty {
            Type::List(inner) | Type::Map(inner) => uses(inner, f),
            _ => false,
        }
}

/// What the code of one module needs imported.
#[derive(Default)]
struct Needs {
    map: bool,
    value: bool,
    string_bool: bool,
    lenient: bool,
}

impl Needs {
    fn scan(&mut self, fields: &[Field]) {
        for field in fields {
            self.map |= uses(&field.ty, &|t| matches!(t, Type::Map(_)));
            self.value |= uses(&field.ty, &|t| matches!(t, Type::Any));
            self.string_bool |= uses(&field.ty, &|t| matches!(t, Type::StringBool));
        }
    }

    fn scan_response(&mut self, fields: &[Field]) {
        self.scan(fields);
        self.lenient |= fields.iter().any(|f| lenient_kind(&f.ty).is_some());
    }
}

/// The `skip_serializing_if` test of an optional field: an unset field is not written, so a
/// request sends nothing for it and a response re-serializes to what was received.
fn skip_if_unset(ty: &Type) -> &'static str {
    match ty {
        Type::List(_) => "Vec::is_empty",
        Type::Map(_) => "BTreeMap::is_empty",
        Type::Any => "Value::is_null",
        _ => "Option::is_none",
    }
}

/// The `acs_runtime::lenient` decoder of a response scalar.
fn lenient_kind(ty: &Type) -> Option<&'static str> {
    match ty {
        Type::String => Some("string"),
        Type::I32 => Some("i32"),
        Type::I64 => Some("i64"),
        Type::F32 => Some("f32"),
        Type::F64 => Some("f64"),
        Type::Bool => Some("bool"),
        _ => None,
    }
}

fn describe_number(n: Number) -> String {
    match n {
        Number::Int(i) => i.to_string(),
        Number::Float(f) => f.to_string(),
    }
}

/// Human-readable constraints for a field's docs.
fn describe_constraints(c: &Constraints) -> Vec<String> {
    let mut out = Vec::new();
    match (c.min_length, c.max_length) {
        (Some(min), Some(max)) => out.push(format!("{min} to {max} characters")),
        (Some(min), None) => out.push(format!("at least {min} characters")),
        (None, Some(max)) => out.push(format!("at most {max} characters")),
        (None, None) => {}
    }
    if c.ascii_only {
        out.push("ASCII characters only".into());
    }
    if let Some(p) = &c.pattern {
        out.push(format!("matches {}", docs::code(p)));
    }
    if !c.forbidden_prefixes.is_empty() {
        let list: Vec<String> = c.forbidden_prefixes.iter().map(|p| docs::code(p)).collect();
        out.push(format!("must not start with {}", list.join(" or ")));
    }
    if !c.allowed.is_empty() {
        let list: Vec<String> = c.allowed.iter().map(|p| docs::code(p)).collect();
        out.push(format!("one of {}", list.join(", ")));
    }
    let bound = |(n, exclusive): (Number, bool), word: &str, strict: &str| {
        if exclusive {
            format!("{strict} {}", describe_number(n))
        } else {
            format!("{word} {}", describe_number(n))
        }
    };
    if let Some(min) = c.minimum {
        out.push(bound(min, "at least", "greater than"));
    }
    if let Some(max) = c.maximum {
        out.push(bound(max, "at most", "less than"));
    }
    match (c.min_items, c.max_items) {
        (Some(min), Some(max)) => out.push(format!("{min} to {max} items")),
        (Some(min), None) => out.push(format!("at least {min} items")),
        (None, Some(max)) => out.push(format!("at most {max} items")),
        (None, None) => {}
    }
    if let Some(items) = &c.items {
        for rule in describe_constraints(items) {
            out.push(format!("each item: {rule}"));
        }
    }
    out
}

/// A field's doc comment: description, wire facts, constraints, example.
fn field_doc(field: &Field, is_param: bool) -> String {
    let d = &field.docs;
    let mut facts = Vec::new();
    let wire = match (field.style, &field.ty) {
        (Style::RepeatList, Type::List(item)) if matches!(**item, Type::Object(_)) => format!("`{0}.N.<field>`", field.wire_name),
        (Style::RepeatList, _) => format!("`{0}.1`, `{0}.2`, …", field.wire_name),
        (Style::Flat, _) => format!("`{}.<field>`", field.wire_name),
        _ => format!("`{}`", field.wire_name),
    };
    if is_param {
        let location = match field.location {
            Location::Query => "query",
            Location::Body => "form body",
        };
        let style = if field.style == Style::Plain { String::new() } else { format!(", style `{}`", style_name(field.style)) };
        facts.push(format!("Wire: {wire} ({location}{style})."));
    } else {
        facts.push(format!("Wire name: {wire}."));
    }
    if field.required {
        facts.push("Required.".into());
    }
    let rules = describe_constraints(&field.constraints);
    if !rules.is_empty() {
        facts.push(format!("Constraints: {}.", rules.join("; ")));
    }
    if let Some(example) = &d.example {
        facts.push(format!("Example: {}.", docs::code(example)));
    }
    if let Some(default) = &d.default {
        facts.push(format!("Default: {}.", docs::code(default)));
    }
    if d.deprecated {
        facts.push("Deprecated by the service.".into());
    }
    for note in &d.unenforced {
        facts.push(format!("Not checked by this client: {note}."));
    }
    let description = d.description.clone().or_else(|| d.title.clone()).unwrap_or_else(|| format!("The `{}` field.", field.wire_name));
    paragraphs([description, facts.join(" ")])
}

/// Emits the source files of a generated crate, as token streams keyed by path below `src/`.
pub struct Emitter<'a> {
    /// The service.
    pub service: &'a Service,
    /// The crate's name as a Rust identifier (`acs_swas_open`).
    pub crate_ident: String,
    /// Rule types (`StrRules`, …) the operation being emitted uses, for its imports.
    pub used: std::cell::RefCell<std::collections::BTreeSet<&'static str>>,
}

impl Emitter<'_> {
    /// `src/lib.rs`.
    pub fn lib(&self) -> TokenStream {
        let s = self.service;
        let title = s.title.clone().unwrap_or_else(|| s.product.clone());
        let mut text = format!(
            "Typed, validated client types for Alibaba Cloud {title} (product `{}`, API version `{}`).\n\n\
             Generated from the product's API metadata. Each operation has a module with its request type \
             (required parameters are constructor arguments, optional ones have setters), its response type and \
             the error codes it documents. Requests implement [`Operation`]: `validate` checks every constraint of \
             the spec and reports all violations before anything is sent; `encode` validates and returns the wire \
             parameters; `to_params` encodes without validating, for a caller who knows the service has relaxed a limit.\n\n\
             [`Client`] sends them: it signs (ACS3-HMAC-SHA256 by default, or RPC HMAC-SHA1), retries \
             throttling, server errors and failed connections, and decodes the response. Regional endpoints are in \
             [`endpoints`]; the `cli` feature (on by default) adds the command-line front end.",
            s.product, s.version
        );
        if !s.operations.is_empty() {
            let list: Vec<String> = s.operations.iter().map(|o| format!("[`{}`]({})", o.name, o.module.trim_start_matches("r#"))).collect();
            text.push_str(&format!("\n\nOperations: {}.", list.join(", ")));
        }
        let docs = inner_doc(&text);
        let modules = s.operations.iter().map(|op| {
            let m = ident(&op.module);
            let summary = op.docs.summary.clone().or_else(|| op.docs.title.clone()).unwrap_or_else(|| format!("The `{}` operation.", op.name));
            let d = doc(&format!("`{}`: {}", op.name, summary.lines().next().unwrap_or_default()));
            quote! { #d pub mod #m; }
        });
        quote! {
            #docs
            #![warn(missing_docs)]

            pub use acs_runtime::{
                CallOptions, Config, Credentials, Error, Operation, Params, RetryPolicy, ServiceError, SignatureVersion,
                Timeouts, ValidationError, Violation, ViolationKind,
            };
            pub use client::Client;
            pub use endpoints::{endpoint, SERVICE};

            #[cfg(feature = "cli")]
            pub mod cli;
            pub mod client;
            pub mod endpoints;
            #(#modules)*
        }
    }

    /// `src/endpoints.rs`.
    pub fn endpoints(&self) -> TokenStream {
        let s = self.service;
        let docs = inner_doc(&format!("Regional endpoints of `{}` `{}`, from the spec's `endpoints` list.", s.product, s.version));
        let (product, version) = (&s.product, &s.version);
        let entries = s.endpoints.iter().map(|(region, host)| quote! { RegionEndpoint { region: #region, host: #host } });
        quote! {
            #docs
            use acs_runtime::{ApiStyle, RegionEndpoint, ServiceInfo};

            /// The product, its API version and its endpoints.
            pub static SERVICE: ServiceInfo = ServiceInfo {
                product: #product,
                version: #version,
                style: ApiStyle::Rpc,
                endpoints: ENDPOINTS,
            };

            /// Region → host, sorted by region id.
            pub const ENDPOINTS: &[RegionEndpoint] = &[#(#entries),*];

            /// The host serving `region`, if the spec lists one.
            pub fn endpoint(region: &str) -> Option<&'static str> {
                SERVICE.endpoint(region)
            }
        }
    }

    /// `src/<operation>.rs`.
    pub fn operation(&self, op: &Operation) -> TokenStream {
        let docs = inner_doc(&self.operation_doc(op));
        let mut needs = Needs::default();
        needs.scan(&op.params);
        for t in &op.request_types {
            needs.scan(&t.fields);
        }
        match &op.response {
            ResponseShape::Typed { fields, types } => {
                needs.scan_response(fields);
                for t in types {
                    needs.scan_response(&t.fields);
                }
            }
            ResponseShape::Untyped => needs.value = true,
        }
        let mut imports = Vec::new();
        if needs.map {
            imports.push(quote!(use std::collections::BTreeMap;));
        }
        self.used.borrow_mut().clear();
        let request = self.request(op);
        let request_types: Vec<TokenStream> = op.request_types.iter().map(|t| self.request_object(t)).collect();
        let response = self.response(op);
        let errors = self.errors(op);

        let mut runtime: Vec<&str> = vec!["HttpMethod", "Operation", "Params", "ServiceError", "Validate", "Validator"];
        if !op.params.is_empty() {
            runtime.push("Style");
        }
        if needs.string_bool {
            runtime.push("StringBool");
        }
        if needs.lenient {
            runtime.push("lenient");
        }
        runtime.extend(self.used.borrow().iter().copied());
        runtime.sort_by_key(|name| name.to_ascii_lowercase());
        let runtime = runtime.into_iter().map(|name| format_ident!("{name}"));
        imports.push(quote!(use acs_runtime::{#(#runtime),*};));
        imports.push(quote!(use serde::{Deserialize, Serialize};));
        if needs.value {
            imports.push(quote!(use serde_json::Value;));
        }

        quote! {
            #docs
            #(#imports)*
            #request
            #(#request_types)*
            #response
            #errors
        }
    }

    fn operation_doc(&self, op: &Operation) -> String {
        let d = &op.docs;
        let heading = d.title.clone().or_else(|| d.summary.clone()).unwrap_or_else(|| op.name.clone());
        let mut facts = vec![format!(
            "Action `{}`, `{}` `{}`. Sent as `{}`{}.",
            op.name,
            self.service.product,
            self.service.version,
            match op.method {
                Method::Post => "POST",
                Method::Get => "GET",
            },
            if op.https_only { " over HTTPS only" } else { "" }
        )];
        if let Some((action, level, resources)) = &d.ram_action {
            let mut ram = format!("RAM action `{action}`");
            if let Some(level) = level {
                ram.push_str(&format!(", access level `{level}`"));
            }
            if let Some(resources) = resources {
                ram.push_str(&format!(", resources `{resources}`"));
            }
            facts.push(format!("{ram}."));
        }
        if !op.security.is_empty() && op.security != ["AK"] {
            facts.push(format!("Authentication: {}.", op.security.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")));
        }
        if op.deprecated {
            facts.push("Deprecated by the service.".into());
        }
        let summary = if d.title.is_some() { d.summary.clone() } else { None };
        paragraphs([format!("# {}", heading.lines().next().unwrap_or_default()), summary.unwrap_or_default(), d.description.clone().unwrap_or_default(), facts.join(" ")])
    }

    /// Struct fields with docs and serde attributes (request side).
    fn request_fields(&self, fields: &[Field], is_param: bool) -> Vec<TokenStream> {
        fields
            .iter()
            .map(|f| {
                let name = ident(&f.rust_name);
                let wire = &f.wire_name;
                let ty = field_type(f);
                let d = doc(&field_doc(f, is_param));
                let serde = if f.required {
                    quote!(#[serde(rename = #wire)])
                } else {
                    let skip = skip_if_unset(&f.ty);
                    quote!(#[serde(rename = #wire, default, skip_serializing_if = #skip)])
                };
                quote! { #d #serde pub #name: #ty }
            })
            .collect()
    }

    /// `new(required…)` and one setter per optional field.
    fn constructors(&self, type_name: &str, fields: &[Field]) -> TokenStream {
        let mut args = Vec::new();
        let mut inits = Vec::new();
        let mut setters = Vec::new();
        for f in fields {
            let name = ident(&f.rust_name);
            let (arg_ty, convert) = match &f.ty {
                Type::String => (quote!(impl Into<String>), quote!(#name.into())),
                Type::List(item) if **item == Type::String => (quote!(impl IntoIterator<Item = impl Into<String>>), quote!(#name.into_iter().map(Into::into).collect())),
                Type::List(item) => {
                    let item = rust_type(item);
                    (quote!(impl IntoIterator<Item = #item>), quote!(#name.into_iter().collect()))
                }
                other => (rust_type(other), quote!(#name)),
            };
            if f.required {
                args.push(quote!(#name: #arg_ty));
                inits.push(quote!(#name: #convert));
            } else {
                let value = if f.ty.is_collection() || f.ty == Type::Any { convert } else { quote!(Some(#convert)) };
                let d = doc(&format!("Sets `{}`.", f.wire_name));
                setters.push(quote! {
                    #d
                    pub fn #name(mut self, #name: #arg_ty) -> Self {
                        self.#name = #value;
                        self
                    }
                });
                inits.push(if f.ty.is_collection() || f.ty == Type::Any { quote!(#name: Default::default()) } else { quote!(#name: None) });
            }
        }
        let type_ident = ident(type_name);
        let new_doc = if args.is_empty() { doc("Creates a value with every field unset.") } else { doc("Creates a value from the required fields; set optional ones with the methods below.") };
        quote! {
            impl #type_ident {
                #new_doc
                pub fn new(#(#args),*) -> Self {
                    Self { #(#inits),* }
                }
                #(#setters)*
            }
        }
    }

    /// Notes a name the operation's module must import from `acs_runtime`.
    fn uses(&self, name: &'static str) {
        self.used.borrow_mut().insert(name);
    }

    /// `&StrRules { … }` for a string's constraints, or `None` when no rule applies.
    fn str_rules(&self, c: &Constraints, required: bool) -> Option<TokenStream> {
        let mut fields = Vec::new();
        if required {
            fields.push(quote!(required: true));
        }
        if let Some(n) = c.min_length.map(Literal::u64_unsuffixed) {
            fields.push(quote!(min_length: Some(#n)));
        }
        if let Some(n) = c.max_length.map(Literal::u64_unsuffixed) {
            fields.push(quote!(max_length: Some(#n)));
        }
        if c.ascii_only {
            fields.push(quote!(ascii: true));
        }
        if let Some(pattern) = &c.pattern {
            fields.push(quote!(pattern: Some(#pattern)));
        }
        if !c.forbidden_prefixes.is_empty() {
            let prefixes = &c.forbidden_prefixes;
            fields.push(quote!(forbidden_prefixes: &[#(#prefixes),*]));
        }
        if !c.allowed.is_empty() {
            let allowed = &c.allowed;
            fields.push(quote!(allowed: &[#(#allowed),*]));
        }
        if fields.is_empty() {
            return None;
        }
        self.uses("StrRules");
        Some(quote!(&StrRules { #(#fields,)* ..StrRules::NONE }))
    }

    /// `&IntRules { … }` for an integer's constraints, or `None`.
    fn int_rules(&self, c: &Constraints) -> Option<TokenStream> {
        let bound = |b: Option<(Number, bool)>| {
            b.map(|(n, exclusive)| {
                let n = Literal::i64_unsuffixed(match n {
                    Number::Int(i) => i,
                    Number::Float(f) => f as i64,
                });
                quote!(Some((#n, #exclusive)))
            })
        };
        let mut fields = Vec::new();
        if let Some(min) = bound(c.minimum) {
            fields.push(quote!(minimum: #min));
        }
        if let Some(max) = bound(c.maximum) {
            fields.push(quote!(maximum: #max));
        }
        if !c.allowed.is_empty() {
            let allowed = &c.allowed;
            fields.push(quote!(allowed: &[#(#allowed),*]));
        }
        if fields.is_empty() {
            return None;
        }
        self.uses("IntRules");
        Some(quote!(&IntRules { #(#fields,)* ..IntRules::NONE }))
    }

    /// `&NumRules { … }` for a float's constraints, or `None`.
    fn num_rules(&self, c: &Constraints) -> Option<TokenStream> {
        if c.minimum.is_none() && c.maximum.is_none() {
            return None;
        }
        let bound = |b: Option<(Number, bool)>| match b {
            Some((n, exclusive)) => {
                let x = Literal::f64_unsuffixed(match n {
                    Number::Int(i) => i as f64,
                    Number::Float(f) => f,
                });
                quote!(Some((#x, #exclusive)))
            }
            None => quote!(None),
        };
        let (min, max) = (bound(c.minimum), bound(c.maximum));
        self.uses("NumRules");
        Some(quote!(&NumRules { minimum: #min, maximum: #max }))
    }

    /// The check of one scalar or object `value` (a reference) under `field`, if it has rules.
    fn value_check(&self, ty: &Type, c: &Constraints, required: bool, field: TokenStream, value: TokenStream) -> Option<TokenStream> {
        match ty {
            Type::String => self.str_rules(c, required).map(|r| quote!(v.string(#field, #value, #r);)),
            Type::I32 => self.int_rules(c).map(|r| quote!(v.integer(#field, i64::from(*#value), #r);)),
            Type::I64 => self.int_rules(c).map(|r| quote!(v.integer(#field, *#value, #r);)),
            Type::F32 => self.num_rules(c).map(|r| quote!(v.number(#field, f64::from(*#value), #r);)),
            Type::F64 => self.num_rules(c).map(|r| quote!(v.number(#field, *#value, #r);)),
            Type::Object(_) => Some(quote!(v.object(#field, #value);)),
            _ => None,
        }
    }

    /// The checks of one field: one `Validator` call with the field's rules, which the runtime
    /// applies (the same call the emulator makes).
    fn checks(&self, f: &Field) -> TokenStream {
        let wire = &f.wire_name;
        let name = ident(&f.rust_name);
        let c = &f.constraints;
        let checks: Vec<TokenStream> = match &f.ty {
            Type::List(item) => {
                let mut out = Vec::new();
                if f.required || c.min_items.is_some() || c.max_items.is_some() {
                    let (required, min, max) = (f.required, c.min_items.map(Literal::u64_unsuffixed), c.max_items.map(Literal::u64_unsuffixed));
                    let (min, max) = (min.map_or(quote!(None), |n| quote!(Some(#n))), max.map_or(quote!(None), |n| quote!(Some(#n))));
                    self.uses("ListRules");
                    out.push(quote!(v.list(#wire, self.#name.len(), &ListRules { required: #required, min_items: #min, max_items: #max });));
                }
                let items = c.items.as_deref();
                let each = match (&**item, items) {
                    (Type::Object(_), _) => Some(quote!(v.each(#wire, &self.#name);)),
                    (Type::String, Some(ic)) => self.str_rules(ic, false).map(|r| quote!(v.strings(#wire, &self.#name, #r);)),
                    (Type::I32, Some(ic)) => self.int_rules(ic).map(|r| quote!(v.integers(#wire, self.#name.iter().map(|&n| i64::from(n)), #r);)),
                    (Type::I64, Some(ic)) => self.int_rules(ic).map(|r| quote!(v.integers(#wire, self.#name.iter().copied(), #r);)),
                    (Type::F32, Some(ic)) => self.num_rules(ic).map(|r| quote!(v.numbers(#wire, self.#name.iter().map(|&x| f64::from(x)), #r);)),
                    (Type::F64, Some(ic)) => self.num_rules(ic).map(|r| quote!(v.numbers(#wire, self.#name.iter().copied(), #r);)),
                    _ => None,
                };
                out.extend(each);
                out
            }
            ty if f.required => self.value_check(ty, c, true, quote!(#wire), quote!(&self.#name)).into_iter().collect(),
            ty if ty.is_collection() || *ty == Type::Any => Vec::new(),
            ty => self.value_check(ty, c, false, quote!(#wire), quote!(#name)).map(|check| quote! { if let Some(#name) = &self.#name { #check } }).into_iter().collect(),
        };
        quote!(#(#checks)*)
    }

    fn validate_impl(&self, type_name: &str, fields: &[Field]) -> TokenStream {
        let type_ident = ident(type_name);
        let checks: Vec<TokenStream> = fields.iter().map(|f| self.checks(f)).filter(|t| !t.is_empty()).collect();
        let v = if checks.is_empty() { quote!(_v) } else { quote!(v) };
        quote! {
            impl Validate for #type_ident {
                fn validate_into(&self, #v: &mut Validator) {
                    #(#checks)*
                }
            }
        }
    }

    fn request(&self, op: &Operation) -> TokenStream {
        let name = ident(&op.request_type);
        let response = ident(&op.response_type);
        let fields = self.request_fields(&op.params, true);
        let all_optional = op.params.iter().all(|p| !p.required);
        let derive_default = if all_optional { quote!(Default,) } else { quote!() };
        let request_doc = doc(&format!(
            "Request of `{}`.\n\nBuild it with [`{}::new`], which takes the required parameters, and the setters for optional ones. \
             [`Operation::validate`] checks it against every constraint of the spec.",
            op.name, op.request_type
        ));
        let constructors = self.constructors(&op.request_type, &op.params);
        let validate = self.validate_impl(&op.request_type, &op.params);
        let action = &op.name;
        let method = match op.method {
            Method::Post => quote!(HttpMethod::Post),
            Method::Get => quote!(HttpMethod::Get),
        };
        let https_only = op.https_only;
        let put = |location: Location| -> Vec<TokenStream> {
            op.params
                .iter()
                .filter(|p| p.location == location)
                .map(|p| {
                    let wire = &p.wire_name;
                    let style = style_path(p.style);
                    let field = ident(&p.rust_name);
                    quote!(params.put(#wire, #style, &self.#field);)
                })
                .collect()
        };
        let query = put(Location::Query);
        let body = put(Location::Body);
        let params_binding = if query.is_empty() { quote!(let params = Params::new();) } else { quote!(let mut params = Params::new();) };
        let body_fn = if body.is_empty() {
            quote!()
        } else {
            quote! {
                fn to_body_params(&self) -> Params {
                    let mut params = Params::new();
                    #(#body)*
                    params
                }
            }
        };
        let (token_const, token_fns) = match op.idempotency_token {
            Some(i) => {
                let wire = &op.params[i].wire_name;
                let field = ident(&op.params[i].rust_name);
                (
                    quote!(Some(#wire)),
                    quote! {
                        fn idempotency_token(&self) -> Option<&str> {
                            self.#field.as_deref()
                        }

                        fn set_idempotency_token(&mut self, token: String) {
                            self.#field = Some(token);
                        }
                    },
                )
            }
            None => (quote!(None), quote!()),
        };
        quote! {
            #request_doc
            #[derive(Clone, Debug, #derive_default PartialEq, Serialize, Deserialize)]
            #[non_exhaustive]
            pub struct #name {
                #(#fields,)*
            }

            #constructors

            #validate

            impl Operation for #name {
                const ACTION: &'static str = #action;
                const METHOD: HttpMethod = #method;
                const HTTPS_ONLY: bool = #https_only;
                const IDEMPOTENCY_TOKEN: Option<&'static str> = #token_const;
                type Response = #response;

                fn to_params(&self) -> Params {
                    #params_binding
                    #(#query)*
                    params
                }

                #body_fn
                #token_fns
            }
        }
    }

    fn request_object(&self, t: &ObjectType) -> TokenStream {
        let name = ident(&t.name);
        let fields = self.request_fields(&t.fields, false);
        let all_optional = t.fields.iter().all(|p| !p.required);
        let derive_default = if all_optional { quote!(Default,) } else { quote!() };
        let d = doc(&t.description.clone().unwrap_or_else(|| format!("A value of the request parameter at `{}`.", t.wire_path)));
        let constructors = self.constructors(&t.name, &t.fields);
        let validate = self.validate_impl(&t.name, &t.fields);
        quote! {
            #d
            #[derive(Clone, Debug, #derive_default PartialEq, Serialize, Deserialize)]
            #[non_exhaustive]
            pub struct #name {
                #(#fields,)*
            }

            #constructors

            #validate
        }
    }

    /// Fields of a response struct: everything optional, scalars decoded leniently.
    fn response_fields(&self, fields: &[Field]) -> Vec<TokenStream> {
        fields
            .iter()
            .map(|f| {
                let name = ident(&f.rust_name);
                let wire = &f.wire_name;
                let ty = field_type(f);
                let d = doc(&field_doc(f, false));
                let lenient = lenient_kind(&f.ty);
                let skip = skip_if_unset(&f.ty);
                let serde = match lenient {
                    Some(kind) => {
                        let with = format!("lenient::{kind}");
                        quote!(#[serde(rename = #wire, default, deserialize_with = #with, skip_serializing_if = #skip)])
                    }
                    None => quote!(#[serde(rename = #wire, default, skip_serializing_if = #skip)]),
                };
                quote! { #d #serde pub #name: #ty }
            })
            .collect()
    }

    fn response(&self, op: &Operation) -> TokenStream {
        let name = ident(&op.response_type);
        let demo = op.docs.response_demo.as_ref().map(|demo| format!("\n\nExample from the spec:\n\n```json\n{demo}\n```")).unwrap_or_default();
        match &op.response {
            ResponseShape::Untyped => {
                let d = doc(&format!("Response of `{}`.\n\nThe spec describes no response fields, so every field is kept as JSON in `fields`.{demo}", op.name));
                quote! {
                    #d
                    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
                    #[non_exhaustive]
                    pub struct #name {
                        /// The ID of the request. Wire name: `RequestId`.
                        #[serde(rename = "RequestId", default, skip_serializing_if = "Option::is_none")]
                        pub request_id: Option<String>,
                        /// Every other field of the body, by wire name.
                        #[serde(flatten)]
                        pub fields: serde_json::Map<String, Value>,
                    }
                }
            }
            ResponseShape::Typed { fields, types } => {
                let d = doc(&format!(
                    "Response of `{}`.\n\nEvery field is optional, unknown fields are ignored, and scalars also decode from their string, number or boolean forms.{demo}",
                    op.name
                ));
                let body = self.response_fields(fields);
                let helpers = self.failure_helpers(fields, types);
                let helpers = if helpers.is_empty() { quote!() } else { quote!(impl #name { #helpers }) };
                let nested = types.iter().map(|t| {
                    let n = ident(&t.name);
                    let d = doc(&t.description.clone().unwrap_or_else(|| format!("An item of the response field at `{}`.", t.wire_path)));
                    let fs = self.response_fields(&t.fields);
                    quote! {
                        #d
                        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
                        #[non_exhaustive]
                        pub struct #n {
                            #(#fs,)*
                        }
                    }
                });
                quote! {
                    #d
                    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
                    #[non_exhaustive]
                    pub struct #name {
                        #(#body,)*
                    }

                    #helpers

                    #(#nested)*
                }
            }
        }
    }

    /// For each list of results that carry a `Success` flag, `failed_<list>()`: a 200 response
    /// can still report per-item failures.
    fn failure_helpers(&self, fields: &[Field], types: &[ObjectType]) -> TokenStream {
        let mut helpers = Vec::new();
        for f in fields {
            let Type::List(item) = &f.ty else { continue };
            let Type::Object(item_name) = &**item else { continue };
            let Some(item_type) = types.iter().find(|t| &t.name == item_name) else { continue };
            let Some(flag) = item_type.fields.iter().find(|x| x.wire_name.eq_ignore_ascii_case("Success")) else { continue };
            let flag_name = ident(&flag.rust_name);
            let test = match flag.ty {
                Type::StringBool => quote!(item.#flag_name.is_some_and(|ok| !ok.get())),
                Type::Bool => quote!(item.#flag_name == Some(false)),
                _ => continue,
            };
            let list = ident(&f.rust_name);
            let method = format_ident!("failed_{}", f.rust_name.trim_start_matches("r#"));
            let item_ident = ident(item_name);
            let d = doc(&format!(
                "The entries of `{}` whose `{}` is false. The call as a whole can succeed (HTTP 200) while some entries fail; \
                 entries without the flag are not counted as failed.",
                f.wire_name, flag.wire_name
            ));
            helpers.push(quote! {
                #d
                pub fn #method(&self) -> impl Iterator<Item = &#item_ident> {
                    self.#list.iter().filter(|item| #test)
                }
            });
        }
        if helpers.is_empty() {
            return quote!();
        }
        quote!(#(#helpers)*)
    }

    fn errors(&self, op: &Operation) -> TokenStream {
        let name = ident(&op.error_type);
        let d = doc(&format!(
            "Error codes that the spec documents for `{}`.\n\nConvert a [`ServiceError`] with `From` (or a code with [`{}::from_code`]) and match; \
             codes the spec does not list for this operation, such as gateway errors like `Throttling`, are kept in `Other`.",
            op.name, op.error_type
        ));
        let variants = op.errors.iter().map(|e| {
            let v = ident(&e.variant);
            let statuses = e.statuses.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ");
            let status = if statuses.is_empty() { String::new() } else { format!(" (HTTP {statuses})") };
            let message = if e.messages.is_empty() { String::new() } else { format!(": {}", e.messages.join(" / ")) };
            let d = doc(&format!("`{}`{status}{message}", e.code));
            quote! { #d #v }
        });
        let from_arms = op.errors.iter().map(|e| {
            let v = ident(&e.variant);
            let code = &e.code;
            quote!(#code => Self::#v,)
        });
        let as_str_arms = op.errors.iter().map(|e| {
            let v = ident(&e.variant);
            let code = &e.code;
            quote!(Self::#v => #code,)
        });
        quote! {
            #d
            #[derive(Clone, Debug, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #name {
                #(#variants,)*
                /// A code the spec does not document for this operation, as sent.
                Other(String),
            }

            impl #name {
                /// The variant for an error code.
                pub fn from_code(code: &str) -> Self {
                    match code {
                        #(#from_arms)*
                        other => Self::Other(other.to_owned()),
                    }
                }

                /// The code as sent on the wire.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(#as_str_arms)*
                        Self::Other(code) => code,
                    }
                }
            }

            impl From<&ServiceError> for #name {
                fn from(error: &ServiceError) -> Self {
                    Self::from_code(&error.code)
                }
            }
        }
    }
}

/// A flag's value kind in the generated CLI.
enum FlagKind {
    /// A scalar flag of this type.
    Scalar(TokenStream),
    /// A repeated flag of this item type.
    Repeated(TokenStream),
    /// JSON text, parsed into the field's type.
    Json,
}

fn flag_kind(ty: &Type) -> FlagKind {
    let scalar = |t: &Type| match t {
        Type::String => Some(quote!(String)),
        Type::I32 => Some(quote!(i32)),
        Type::I64 => Some(quote!(i64)),
        Type::F32 => Some(quote!(f32)),
        Type::F64 => Some(quote!(f64)),
        Type::Bool => Some(quote!(bool)),
        _ => None,
    };
    match ty {
        Type::List(item) => match scalar(item) {
            Some(t) => FlagKind::Repeated(t),
            None => FlagKind::Json,
        },
        t => match scalar(t) {
            Some(t) => FlagKind::Scalar(t),
            None => FlagKind::Json,
        },
    }
}

/// The type of a field, with the operation's own types qualified by `module`.
fn qualified_type(ty: &Type, module: &TokenStream) -> TokenStream {
    match ty {
        Type::Object(name) => {
            let name = ident(name);
            quote!(#module::#name)
        }
        Type::List(item) => {
            let item = qualified_type(item, module);
            quote!(Vec<#item>)
        }
        Type::Map(value) => {
            let value = qualified_type(value, module);
            quote!(std::collections::BTreeMap<String, #value>)
        }
        Type::Any => quote!(serde_json::Value),
        other => rust_type(other),
    }
}

/// The first line of a description, shortened, for `--help`.
fn help_line(text: Option<&String>, fallback: &str) -> String {
    let line = text.and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty())).unwrap_or(fallback);
    // The first sentence, in English or Chinese punctuation.
    let first = match line.find(". ").map(|i| i + 1).or_else(|| line.find('。').map(|i| i + '。'.len_utf8())) {
        Some(end) => &line[..end],
        None => line,
    };
    let mut line: String = first.chars().take(160).collect();
    if first.chars().count() > 160 {
        line.push('…');
    }
    line
}

impl Emitter<'_> {
    /// `src/client.rs`.
    pub fn client(&self) -> TokenStream {
        let s = self.service;
        let docs = inner_doc(&format!("The client for `{}` `{}`: one async method per operation.", s.product, s.version));
        let methods = s.operations.iter().map(|op| {
            let name = ident(&op.module);
            let module = ident(&op.module);
            let request = ident(&op.request_type);
            let response = ident(&op.response_type);
            let summary = help_line(op.docs.summary.as_ref().or(op.docs.title.as_ref()), &op.name);
            let d = doc(&format!("`{}`: {summary}\n\nValidates the request, signs it and sends it, retrying as configured. See [`crate::{}`].", op.name, op.module.trim_start_matches("r#")));
            quote! {
                #d
                pub async fn #name(&self, request: crate::#module::#request) -> Result<crate::#module::#response, Error> {
                    self.inner.call(request, &CallOptions::default()).await
                }
            }
        });
        quote! {
            #docs
            use acs_runtime::{CallOptions, Config, Error, HttpRequest, Operation};

            /// A client for the product. Cheap to clone; clones share connections.
            ///
            /// Built from a [`Config`]: credentials (the provider chain by default), region or
            /// endpoint, signature version, timeouts and retries.
            #[derive(Clone, Debug)]
            pub struct Client {
                inner: acs_runtime::Client,
            }

            impl Client {
                /// A client from `config`. Credentials are resolved here, so missing ones fail early.
                pub fn new(config: Config) -> Result<Self, Error> {
                    Ok(Self { inner: acs_runtime::Client::new(&crate::SERVICE, config)? })
                }

                /// A client with the default configuration: credentials from the environment or
                /// the credentials files, endpoints from each request's `RegionId`.
                pub fn from_env() -> Result<Self, Error> {
                    Self::new(Config::new())
                }

                /// Calls any operation with options for this call only (timeouts, retries).
                pub async fn call<O: Operation>(&self, request: O, options: &CallOptions) -> Result<O::Response, Error> {
                    self.inner.call(request, options).await
                }

                /// The signed HTTP request the call would send, without sending it.
                pub fn signed_request<O: Operation>(&self, request: O) -> Result<HttpRequest, Error> {
                    self.inner.signed_request(request)
                }

                #(#methods)*
            }
        }
    }

    /// `src/bin/<binary>.rs`.
    pub fn binary(&self, binary: &str) -> TokenStream {
        let docs = inner_doc(&format!("The `{binary}` command; see the crate's `cli` module."));
        let krate = ident(&self.crate_ident);
        quote! {
            #docs
            fn main() -> std::process::ExitCode {
                #krate::cli::main()
            }
        }
    }

    /// `src/cli.rs`.
    pub fn cli(&self, binary: &str) -> TokenStream {
        let s = self.service;
        let title = s.title.clone().unwrap_or_else(|| s.product.clone());
        let docs = inner_doc(&format!(
            "The `{binary}` command: one subcommand per operation, one flag per parameter.\n\n\
             Scalars are plain flags, lists of scalars repeat their flag, objects and maps take JSON. \
             Global flags: `--endpoint`, `--region`, `--profile`, `--signature-version v3|rpc`, `--dry-run`. \
             The response body goes to stdout; errors go to stderr with status 2 for invalid requests \
             (nothing sent) and 1 for everything else."
        ));
        let about = format!("Alibaba Cloud {title} ({} {})", s.product, s.version);
        let mut variants = Vec::new();
        let mut arg_structs = Vec::new();
        let mut arms = Vec::new();
        for op in &s.operations {
            let variant = ident(&crate::ident::pascal(&op.name));
            let args_name = format_ident!("{}Args", crate::ident::pascal(&op.name).trim_start_matches("r#"));
            let module = ident(&op.module);
            let module_path = quote!(crate::#module);
            let request = ident(&op.request_type);
            let help = doc(&help_line(op.docs.summary.as_ref().or(op.docs.title.as_ref()), &op.name));
            variants.push(quote! { #help #variant(#args_name) });

            let mut flags = crate::ident::Scope::with_reserved(acs_runtime::service::CLI_GLOBAL_FLAGS);
            let mut fields = Vec::new();
            let mut new_args = Vec::new();
            let mut sets = Vec::new();
            for p in &op.params {
                let name = ident(&p.rust_name);
                let flag = flags.claim(heck::ToKebabCase::to_kebab_case(p.wire_name.replace('.', "-").as_str()));
                let mut help = help_line(p.docs.description.as_ref().or(p.docs.title.as_ref()), &p.wire_name);
                help = format!("{help} [{}]", p.wire_name);
                let kind = flag_kind(&p.ty);
                let (field_ty, attrs) = match (&kind, p.required) {
                    (FlagKind::Scalar(t), true) if p.ty == Type::Bool => (quote!(#t), quote!(#[arg(long = #flag, action = clap::ArgAction::Set)])),
                    (FlagKind::Scalar(t), true) => (quote!(#t), quote!(#[arg(long = #flag)])),
                    (FlagKind::Scalar(t), false) => (quote!(Option<#t>), quote!(#[arg(long = #flag)])),
                    (FlagKind::Repeated(t), required) => (quote!(Vec<#t>), quote!(#[arg(long = #flag, required = #required)])),
                    (FlagKind::Json, true) => (quote!(String), quote!(#[arg(long = #flag, value_name = "JSON")])),
                    (FlagKind::Json, false) => (quote!(Option<String>), quote!(#[arg(long = #flag, value_name = "JSON")])),
                };
                let help_doc = doc(&help);
                fields.push(quote! { #help_doc #attrs #name: #field_ty });
                let ty = qualified_type(&p.ty, &module_path);
                match (&kind, p.required) {
                    (FlagKind::Json, true) => new_args.push(quote!(acs_runtime::cli::json_flag::<#ty>(#flag, &self.#name)?)),
                    (_, true) => new_args.push(quote!(self.#name)),
                    (FlagKind::Json, false) if p.ty.is_collection() || p.ty == Type::Any => sets.push(quote! {
                        if let Some(text) = &self.#name {
                            request.#name = acs_runtime::cli::json_flag::<#ty>(#flag, text)?;
                        }
                    }),
                    (FlagKind::Json, false) => sets.push(quote! {
                        if let Some(text) = &self.#name {
                            request.#name = Some(acs_runtime::cli::json_flag::<#ty>(#flag, text)?);
                        }
                    }),
                    (_, false) => sets.push(quote!(request.#name = self.#name;)),
                }
            }
            let binding = if sets.is_empty() { quote!(let request) } else { quote!(let mut request) };
            let struct_doc = doc(&format!("Flags of `{}`.", op.name));
            arg_structs.push(quote! {
                #struct_doc
                #[derive(Debug, clap::Args)]
                struct #args_name {
                    #(#fields,)*
                }

                impl #args_name {
                    fn into_request(self) -> Result<#module_path::#request, String> {
                        #binding = #module_path::#request::new(#(#new_args),*);
                        #(#sets)*
                        Ok(request)
                    }
                }
            });
            arms.push(quote! {
                Command::#variant(args) => execute(global, &crate::SERVICE, environment, args.into_request(), out, err).await,
            });
        }
        quote! {
            #docs
            use std::ffi::OsString;
            use std::io::Write;

            use acs_runtime::cli::{execute, GlobalArgs};
            use acs_runtime::credentials::Environment;
            use clap::Parser;

            #[derive(Debug, Parser)]
            #[command(name = #binary, about = #about, version)]
            struct Cli {
                #[command(flatten)]
                global: GlobalArgs,
                #[command(subcommand)]
                command: Command,
            }

            #[derive(Debug, clap::Subcommand)]
            enum Command {
                #(#variants,)*
            }

            #(#arg_structs)*

            /// Runs the command with `args` (the first is the program name) against `environment`,
            /// writing to `out` and `err`; returns the exit status.
            pub async fn run<I, T>(args: I, environment: Environment, out: &mut dyn Write, err: &mut dyn Write) -> i32
            where
                I: IntoIterator<Item = T>,
                T: Into<OsString> + Clone,
            {
                let cli = match Cli::try_parse_from(args) {
                    Ok(cli) => cli,
                    Err(e) => return acs_runtime::cli::parse_error(e, out, err),
                };
                let global = &cli.global;
                match cli.command {
                    #(#arms)*
                }
            }

            /// The binary's entry point: process arguments, environment, stdout and stderr.
            pub fn main() -> std::process::ExitCode {
                acs_runtime::cli::main(run(std::env::args_os(), Environment::process(), &mut std::io::stdout(), &mut std::io::stderr()))
            }
        }
    }
}
