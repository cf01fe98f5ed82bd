//! The structs of requests and responses: fields with their docs and serde attributes,
//! constructors and setters for request types, lenient decoding for response types; and
//! `src/types.rs`, the crate's object types, each once.

use acs_ir::{rules, Field, Location, ObjectType, Service, Side, Type};
use acs_runtime::rules::code;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc, field_type, ident, paragraphs, rust_type, Site};

/// A field's doc comment: description, wire facts, constraints, example.
pub fn field_doc(field: &Field, is_param: bool) -> String {
    let d = &field.docs;
    let mut facts = Vec::new();
    let wire = match (field.style, &field.ty) {
        (acs_ir::Style::RepeatList, Type::List(item)) if matches!(**item, Type::Object(_)) => format!("`{0}.N.<field>`", field.wire_name),
        (acs_ir::Style::RepeatList, _) => format!("`{0}.1`, `{0}.2`, …", field.wire_name),
        (acs_ir::Style::Flat, _) => format!("`{}.<field>`", field.wire_name),
        _ => format!("`{}`", field.wire_name),
    };
    if is_param {
        let location = match field.location {
            Location::Query => "query",
            Location::Form => "form body",
            Location::Header => "header",
            Location::Path => "path",
            Location::BodyField => "JSON body field",
            Location::Body => "the JSON body",
        };
        let style = field.style.spec_name().map(|s| format!(", style `{s}`")).unwrap_or_default();
        facts.push(format!("Wire: {wire} ({location}{style})."));
    } else {
        facts.push(format!("Wire name: {wire}."));
    }
    if field.required {
        facts.push("Required.".into());
    }
    let rules = rules::of(field).describe();
    if !rules.is_empty() {
        facts.push(format!("Constraints: {}.", rules.join("; ")));
    }
    if let Some(example) = &d.example {
        facts.push(format!("Example: {}.", code(example)));
    }
    if let Some(default) = &d.default {
        facts.push(format!("Default: {}.", code(default)));
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

/// The `skip_serializing_if` test of an optional field: an unset field is not written, so a
/// request sends nothing for it and a response re-serializes to what was received.
fn skip_if_unset(ty: &Type) -> &'static str {
    match ty {
        Type::List(_) => "Vec::is_empty",
        Type::Map(_) => "::std::collections::BTreeMap::is_empty",
        Type::Any => "::serde_json::Value::is_null",
        _ => "Option::is_none",
    }
}

/// The `acs_runtime::lenient` decoder of a response scalar.
fn lenient_decoder(ty: &Type) -> Option<&'static str> {
    match ty {
        Type::String => Some("::acs_runtime::lenient::string"),
        Type::I32 => Some("::acs_runtime::lenient::i32"),
        Type::I64 => Some("::acs_runtime::lenient::i64"),
        Type::F32 => Some("::acs_runtime::lenient::f32"),
        Type::F64 => Some("::acs_runtime::lenient::f64"),
        Type::Bool => Some("::acs_runtime::lenient::bool"),
        _ => None,
    }
}

/// The derives of every struct; `Default` where no field is required.
fn derives(fields: &[Field]) -> TokenStream {
    let default = if fields.iter().all(|f| !f.required) { quote!(Default,) } else { quote!() };
    quote!(#[derive(Clone, Debug, #default PartialEq, ::serde::Serialize, ::serde::Deserialize)])
}

/// A request struct (the operation's own, or an object one of its parameters holds).
pub fn request_struct(name: &str, docs: &str, fields: &[Field], is_param: bool) -> TokenStream {
    let name_ident = ident(name);
    let d = doc(docs);
    let derives = derives(fields);
    let members = fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let wire = &f.key;
        let ty = field_type(f, Site::Module);
        let d = doc(&field_doc(f, is_param));
        let serde = if f.required {
            quote!(#[serde(rename = #wire)])
        } else {
            let skip = skip_if_unset(&f.ty);
            quote!(#[serde(rename = #wire, default, skip_serializing_if = #skip)])
        };
        quote! { #d #serde pub #field: #ty }
    });
    let constructors = constructors(name, fields);
    let validate = super::checks::validate_impl(name, fields);
    quote! {
        #d
        #derives
        #[non_exhaustive]
        pub struct #name_ident {
            #(#members,)*
        }

        #constructors

        #validate
    }
}

/// `src/types.rs`: every object type of the crate, once; operations that use the same shape
/// share it.
pub fn module(service: &Service) -> TokenStream {
    let docs = super::inner_doc(&format!(
        "The object types of `{}` `{}`: the values request parameters hold and the items responses carry. \
         A shape several operations use is one type here; each operation's module re-exports the ones it uses.",
        service.product, service.version
    ));
    let types = service.types.iter().map(|t| match t.side {
        Side::Request => request_object(t),
        Side::Response => response_object(t),
    });
    quote! {
        #docs
        #(#types)*
    }
}

/// A request object type.
pub fn request_object(t: &ObjectType) -> TokenStream {
    let docs = t.description.clone().unwrap_or_else(|| format!("A value of the request parameter at `{}`.", t.wire_path));
    request_struct(&t.name, &docs, &t.fields, false)
}

/// `new(required…)` and one setter per optional field.
fn constructors(type_name: &str, fields: &[Field]) -> TokenStream {
    let mut args = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    for f in fields {
        let name = ident(&f.rust_name);
        let (arg_ty, convert) = match &f.ty {
            Type::String => (quote!(impl Into<String>), quote!(#name.into())),
            Type::List(item) if **item == Type::String => {
                (quote!(impl IntoIterator<Item = impl Into<String>>), quote!(#name.into_iter().map(Into::into).collect()))
            }
            Type::List(item) => {
                let item = rust_type(item, Site::Module);
                (quote!(impl IntoIterator<Item = #item>), quote!(#name.into_iter().collect()))
            }
            Type::Boxed(inner) => {
                let inner = rust_type(inner, Site::Module);
                (quote!(impl Into<Box<#inner>>), quote!(#name.into()))
            }
            other => (rust_type(other, Site::Module), quote!(#name)),
        };
        if f.required {
            args.push(quote!(#name: #arg_ty));
            inits.push(quote!(#name: #convert));
        } else {
            let value = if f.ty.absent_is_empty() { convert } else { quote!(Some(#convert)) };
            let d = doc(&format!("Sets `{}`.", f.wire_name));
            setters.push(quote! {
                #d
                pub fn #name(mut self, #name: #arg_ty) -> Self {
                    self.#name = #value;
                    self
                }
            });
            inits.push(if f.ty.absent_is_empty() { quote!(#name: Default::default()) } else { quote!(#name: None) });
        }
    }
    let type_ident = ident(type_name);
    let new_doc = if args.is_empty() {
        doc("Creates a value with every field unset.")
    } else {
        doc("Creates a value from the required fields; set optional ones with the methods below.")
    };
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

/// A response struct: every field optional, scalars decoded leniently.
pub fn response_struct(name: &str, docs: &str, fields: &[Field]) -> TokenStream {
    let name_ident = ident(name);
    let d = doc(docs);
    let members = fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let wire = &f.wire_name;
        let ty = field_type(f, Site::Module);
        let d = doc(&field_doc(f, false));
        let skip = skip_if_unset(&f.ty);
        let serde = match lenient_decoder(&f.ty) {
            Some(with) => quote!(#[serde(rename = #wire, default, deserialize_with = #with, skip_serializing_if = #skip)]),
            None => quote!(#[serde(rename = #wire, default, skip_serializing_if = #skip)]),
        };
        quote! { #d #serde pub #field: #ty }
    });
    quote! {
        #d
        #[derive(Clone, Debug, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[non_exhaustive]
        pub struct #name_ident {
            #(#members,)*
        }
    }
}

/// A response object type.
pub fn response_object(t: &ObjectType) -> TokenStream {
    let docs = t.description.clone().unwrap_or_else(|| format!("An item of the response field at `{}`.", t.wire_path));
    response_struct(&t.name, &docs, &t.fields)
}

/// For each list of results that carry a `Success` flag, `failed_<list>()`: a 200 response can
/// still report per-item failures.
pub fn failure_helpers(fields: &[Field], types: &[ObjectType]) -> Vec<TokenStream> {
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
        let method = format_ident!("failed_{}", super::bare(&f.rust_name));
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
    helpers
}
