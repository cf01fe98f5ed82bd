//! The structs of requests and responses: fields with their docs and JSON impls,
//! constructors and setters for request types, lenient decoding for response types; and
//! `src/types.rs`, the crate's object types, each once.

use acs_ir::{rules, Field, Location, ObjectType, Service, Side, Type};
use acs_runtime::__private::rules::code;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};

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
            Location::Body if field.ty == Type::Binary => "the raw body, `application/octet-stream`",
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
    if is_param && field.empty_is_sent() {
        let empty = match (field.style, &field.ty) {
            (acs_ir::Style::Simple | acs_ir::Style::SpaceDelimited | acs_ir::Style::PipeDelimited, _)
                if field.location != Location::BodyField && field.location != Location::Body =>
            {
                "an empty value"
            }
            (_, Type::Map(_)) => "`{}`",
            _ => "`[]`",
        };
        facts.push(format!("Set to empty on purpose (with its setter), it is sent as {empty}; left unset, it is not sent."));
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

/// The derives of every struct (`Default` where no field is required), and `Debug` and
/// `PartialEq` through the JSON form: one runtime call each instead of a derive per type, which
/// cost a third of a large crate's build.
fn derives(name: &str, fields: &[Field]) -> (TokenStream, TokenStream) {
    let default = if fields.iter().all(|f| !f.required) { quote!(, Default) } else { quote!() };
    let type_ident = ident(name);
    let name = super::bare(name);
    (
        quote!(#[derive(Clone #default)]),
        quote! {
            impl ::std::fmt::Debug for #type_ident {
                #[inline]
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    ::acs_runtime::__private::json::debug(#name, self, f)
                }
            }

            impl PartialEq for #type_ident {
                #[inline]
                fn eq(&self, other: &Self) -> bool {
                    ::acs_runtime::__private::json::same(self, other)
                }
            }
        },
    )
}

/// The position under which a request marks this parameter as set on purpose
/// ([`acs_runtime::__private::Explicit`]), for an operation's parameter whose empty value has a wire form.
pub fn explicit_index(field: &Field, position: usize, is_param: bool) -> Option<proc_macro2::Literal> {
    if is_param && field.empty_is_sent() {
        u16::try_from(position).ok().map(proc_macro2::Literal::u16_unsuffixed)
    } else {
        None
    }
}

/// `FromJson` and `ToJson` for a struct: the wire names in a table, one match arm with one
/// runtime call per field to read, one call per field to write. A request's (`Side::Request`)
/// required fields must be present and its scalars come in their own JSON form; a response's
/// fields are all optional and its scalars lenient (the reader's mode).
fn json_impls(name: &str, fields: &[Field], side: Side, key_of: impl Fn(&Field) -> &str, is_param: bool) -> TokenStream {
    json_impls_with(name, fields, side, key_of, false, is_param)
}

/// [`json_impls`]; `collect` also moves the values of the wrong shape met while reading into
/// the `mismatched` field (an operation's response); `is_param` reads and writes the marks of
/// collections set on purpose (an operation's request).
fn json_impls_with(
    name: &str,
    fields: &[Field],
    side: Side,
    key_of: impl Fn(&Field) -> &str,
    collect: bool,
    is_param: bool,
) -> TokenStream {
    let name = ident(name);
    let keys: Vec<&str> = fields.iter().map(&key_of).collect();
    let mut locals = Vec::new();
    let mut arms = Vec::new();
    let mut inits = Vec::new();
    let mut writes = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let field = ident(&f.rust_name);
        let key = key_of(f);
        // The last arm is `_`, so the match needs no unreachable fallback.
        let pattern = if i + 1 == fields.len() { quote!(_) } else { proc_macro2::Literal::usize_unsuffixed(i).into_token_stream() };
        match side {
            Side::Response => arms.push(quote!(#pattern => r.set(&mut out.#field),)),
            // Locals take a prefix so that no field name can shadow `r`.
            Side::Request => {
                let local = format_ident!("f_{}", super::bare(&f.rust_name));
                arms.push(match explicit_index(f, i, is_param) {
                    Some(index) => quote!(#pattern => r.set_marking(&mut #local, &mut explicit, #index),),
                    None => quote!(#pattern => r.set(&mut #local),),
                });
                if f.required {
                    locals.push(quote!(let mut #local = None;));
                    inits.push(quote!(#field: r.required(#local, #key)?));
                } else {
                    locals.push(quote!(let mut #local = Default::default();));
                    inits.push(quote!(#field: #local));
                }
            }
        }
        writes.push(match explicit_index(f, i, is_param) {
            _ if f.required => quote!(w.required(#key, &self.#field);),
            Some(index) => quote!(w.field_set(#key, &self.#field, self.explicit.has(#index));),
            None => quote!(w.field(#key, &self.#field);),
        });
    }
    // Locals are `f_`-prefixed, so `explicit` cannot clash with one.
    let tracked = fields.iter().enumerate().any(|(i, f)| explicit_index(f, i, is_param).is_some());
    if tracked {
        locals.push(quote!(let mut explicit = ::acs_runtime::__private::Explicit::default();));
        inits.push(quote!(explicit));
    }
    let read = if fields.is_empty() {
        quote!(r.object(&[], &mut |_, _| {})?;)
    } else {
        quote!(r.object(&[#(#keys),*], &mut |r, i| match i { #(#arms)* })?;)
    };
    let body = match side {
        Side::Response if collect => quote! {
            let mut out = Self::default();
            #read
            out.mismatched = r.take_mismatches();
            Ok(out)
        },
        Side::Response => quote! {
            let mut out = Self::default();
            #read
            Ok(out)
        },
        Side::Request => quote! {
            #(#locals)*
            #read
            Ok(Self { #(#inits),* })
        },
    };
    let writer = if fields.is_empty() { quote!(let w) } else { quote!(let mut w) };
    quote! {
        impl ::acs_runtime::__private::json::FromJson for #name {
            #[inline]
            fn from_json(r: &mut ::acs_runtime::__private::json::Reader<'_>) -> ::acs_runtime::__private::json::Result<Self> {
                #body
            }
        }

        impl ::acs_runtime::__private::json::ToJson for #name {
            #[inline]
            fn to_json(&self) -> ::acs_runtime::__private::json::Json {
                #writer = ::acs_runtime::__private::json::ObjectWriter::new();
                #(#writes)*
                w.finish()
            }
        }
    }
}

/// A request struct (the operation's own, or an object one of its parameters holds).
pub fn request_struct(name: &str, docs: &str, fields: &[Field], is_param: bool) -> TokenStream {
    let name_ident = ident(name);
    let d = doc(docs);
    let (derives, traits) = derives(name, fields);
    let members = fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let ty = field_type(f, Site::Module);
        let d = doc(&field_doc(f, is_param));
        quote! { #d pub #field: #ty }
    });
    let tracked = fields.iter().enumerate().any(|(i, f)| explicit_index(f, i, is_param).is_some());
    // Private: only the setters and the JSON reader mark a collection as set on purpose.
    let explicit = if tracked { quote!(explicit: ::acs_runtime::__private::Explicit,) } else { quote!() };
    let constructors = constructors(name, fields, is_param);
    let validate = super::checks::validate_impl(name, fields, is_param);
    let json = json_impls(name, fields, Side::Request, |f| &f.key, is_param);
    // Operation requests also offer serde (through JSON), for callers that store or load them.
    let serde = if is_param { quote!(::acs_runtime::__private::serde_via_json!(#name_ident, Strict);) } else { quote!() };
    quote! {
        #d
        #derives
        #[non_exhaustive]
        pub struct #name_ident {
            #(#members,)*
            #explicit
        }

        #traits

        #constructors

        #validate

        #json

        #serde
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
fn constructors(type_name: &str, fields: &[Field], is_param: bool) -> TokenStream {
    let mut args = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    for (i, f) in fields.iter().enumerate() {
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
            // A `Vec<u8>`, a `&'static [u8]` or `Bytes`, without a copy.
            Type::Binary => (quote!(impl Into<::acs_runtime::bytes::Bytes>), quote!(#name.into())),
            other => (rust_type(other, Site::Module), quote!(#name)),
        };
        if f.required {
            args.push(quote!(#name: #arg_ty));
            inits.push(quote!(#name: #convert));
        } else {
            let value = if f.ty.absent_is_empty() { convert } else { quote!(Some(#convert)) };
            let (d, mark) = match explicit_index(f, i, is_param) {
                Some(index) => (
                    doc(&format!("Sets `{}`; set to empty, it is sent empty (to clear it), where unset it is not sent.", f.wire_name)),
                    quote!(self.explicit.mark(#index);),
                ),
                None => (doc(&format!("Sets `{}`.", f.wire_name)), quote!()),
            };
            setters.push(quote! {
                #d
                #[inline]
                pub fn #name(mut self, #name: #arg_ty) -> Self {
                    self.#name = #value;
                    #mark
                    self
                }
            });
            inits.push(if f.ty.absent_is_empty() { quote!(#name: Default::default()) } else { quote!(#name: None) });
        }
    }
    if fields.iter().enumerate().any(|(i, f)| explicit_index(f, i, is_param).is_some()) {
        inits.push(quote!(explicit: ::acs_runtime::__private::Explicit::default()));
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
            #[inline]
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }
            #(#setters)*
        }
    }
}

/// A response struct: every field optional, scalars decoded leniently. `operation` is true for
/// an operation's own response, which also offers serde (through JSON).
pub fn response_struct(name: &str, docs: &str, fields: &[Field], operation: bool) -> TokenStream {
    let name_ident = ident(name);
    let d = doc(docs);
    let members = fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let ty = field_type(f, Site::Module);
        let d = doc(&field_doc(f, false));
        quote! { #d pub #field: #ty }
    });
    let json = json_impls_with(name, fields, Side::Response, |f| &f.wire_name, operation, false);
    let serde = if operation { quote!(::acs_runtime::__private::serde_via_json!(#name_ident, Lenient);) } else { quote!() };
    let mismatched = if operation {
        let d = doc("Parts of the response whose shape disagrees with the spec (an object where it says a list, …), \
             kept as received under their JSON paths; the fields they belong to are left unset. Empty when \
             the response matches the spec.");
        quote! { #d pub mismatched: Vec<::acs_runtime::Mismatch>, }
    } else {
        quote!()
    };
    let (derives, traits) = derives(name, fields);
    quote! {
        #d
        #derives
        #[non_exhaustive]
        pub struct #name_ident {
            #(#members,)*
            #mismatched
        }

        #traits

        #json

        #serde
    }
}

/// A response object type.
pub fn response_object(t: &ObjectType) -> TokenStream {
    let docs = t.description.clone().unwrap_or_else(|| format!("An item of the response field at `{}`.", t.wire_path));
    response_struct(&t.name, &docs, &t.fields, false)
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
            #[inline]
            pub fn #method(&self) -> impl Iterator<Item = &#item_ident> {
                self.#list.iter().filter(|item| #test)
            }
        });
    }
    helpers
}
