//! Emit: the IR as Rust tokens, one module per kind of output file; which module writes which
//! file is in ARCHITECTURE.md ("`acs-codegen`"), the one map of the tree.
//!
//! Every function here is a pure function of the IR. Emitted code names what it uses by full
//! path (`::acs_runtime::Params`, `::serde_json::Value`; the runtime's plumbing through
//! `::acs_runtime::__private`) except the Rust prelude (`Option`, `String`, `Vec`), whose names
//! lowering keeps free, so no import list is tracked anywhere. Behaviour lives in the runtime:
//! emitted code is declarations plus one call per parameter.

pub mod checks;
pub mod cli;
pub mod client;
pub mod endpoints;
pub mod errors;
pub mod manifest;
pub mod operation;
pub mod root;
pub mod types;

use acs_ir::{Field, Service, Type};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// The crate's own modules (and its roots and `bin` folder): lowering keeps operation modules
/// off these names.
pub const CRATE_MODULES: &[&str] = &["lib", "main", "bin", "client", "cli", "endpoints", "errors", "types"];

/// Every Rust file of the crate, by path below the crate root: the one list of outputs.
pub fn files(service: &Service, names: &Names<'_>) -> Vec<(String, TokenStream)> {
    let mut files = vec![
        ("src/lib.rs".to_owned(), root::lib(service)),
        ("src/endpoints.rs".to_owned(), endpoints::module(service)),
        ("src/errors.rs".to_owned(), errors::module(service)),
        ("src/types.rs".to_owned(), types::module(service)),
        ("src/client.rs".to_owned(), client::module(service)),
        ("src/cli.rs".to_owned(), cli::module(service, names)),
        (format!("src/bin/{}.rs", names.cli_name), cli::binary(names)),
    ];
    files.extend(service.operations.iter().map(|op| (format!("src/{}.rs", bare(&op.module)), operation::module(service, op))));
    files
}

/// What every output needs besides the IR: names the settings decide.
pub struct Names<'a> {
    /// The crate's name as a Rust identifier (`acs_swas_open`).
    pub crate_ident: &'a str,
    /// The package name (`acs-swas-open`).
    pub crate_name: &'a str,
    /// The command-line binary's name.
    pub cli_name: &'a str,
}

/// An identifier, raw when the IR name is `r#…`.
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// A name without its raw prefix, for file names and links.
pub fn bare(name: &str) -> &str {
    name.trim_start_matches("r#")
}

/// `#[doc]` attributes, one per line, so they print as `///` comments. Every comment the
/// generator writes passes here, so no text from a spec reaches Rust source unmade safe.
pub fn doc(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote! { #( #[doc = #lines] )* }
}

/// Inner `#![doc]` attributes (`//!`).
pub fn inner_doc(text: &str) -> TokenStream {
    let lines = doc_lines(text);
    quote! { #( #![doc = #lines] )* }
}

fn doc_lines(text: &str) -> Vec<String> {
    acs_ir::safe_text(text).lines().map(|line| if line.is_empty() { String::new() } else { format!(" {line}") }).collect()
}

/// Joins paragraphs with blank lines, skipping empty ones.
pub fn paragraphs(parts: impl IntoIterator<Item = String>) -> String {
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect::<Vec<_>>().join("\n\n")
}

/// Where a type is named from: inside its operation's module, or elsewhere in the crate.
#[derive(Clone, Copy)]
pub enum Site<'a> {
    /// The operation's own module: its types by their bare names.
    Module,
    /// Another module: the operation's types as `crate::<module>::<Type>`.
    Crate(&'a str),
}

/// The Rust type of a value, without `Option`: the one type renderer.
pub fn rust_type(ty: &Type, site: Site<'_>) -> TokenStream {
    match ty {
        Type::String => quote!(String),
        Type::StringBool => quote!(::acs_runtime::StringBool),
        Type::I32 => quote!(i32),
        Type::I64 => quote!(i64),
        Type::F32 => quote!(f32),
        Type::F64 => quote!(f64),
        Type::Bool => quote!(bool),
        Type::List(item) => {
            let item = rust_type(item, site);
            quote!(Vec<#item>)
        }
        Type::Object(name) => {
            let name = ident(name);
            match site {
                Site::Module => quote!(#name),
                Site::Crate(module) => {
                    let module = ident(module);
                    quote!(crate::#module::#name)
                }
            }
        }
        Type::Map(value) => {
            let value = rust_type(value, site);
            quote!(::std::collections::BTreeMap<String, #value>)
        }
        Type::Any => quote!(::serde_json::Value),
        Type::Binary => quote!(::acs_runtime::bytes::Bytes),
        Type::Boxed(inner) => {
            let inner = rust_type(inner, site);
            quote!(Box<#inner>)
        }
    }
}

/// The declared type of a field: required fields and collections as they are, the rest in `Option`.
pub fn field_type(field: &Field, site: Site<'_>) -> TokenStream {
    let ty = rust_type(&field.ty, site);
    if field.required || field.ty.absent_is_empty() {
        ty
    } else {
        quote!(Option<#ty>)
    }
}

/// The first sentence of a description, shortened, for one-line help.
pub fn help_line(text: Option<&String>, fallback: &str) -> String {
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

/// A literal of any `i64`, negative ones as a negated literal (a token cannot hold the sign).
pub fn int_literal(n: i64) -> TokenStream {
    let magnitude = proc_macro2::Literal::u64_unsuffixed(n.unsigned_abs());
    if n < 0 {
        quote!(-#magnitude)
    } else {
        quote!(#magnitude)
    }
}

/// A literal of any finite `f64`, as [`int_literal`].
pub fn float_literal(x: f64) -> TokenStream {
    let magnitude = proc_macro2::Literal::f64_unsuffixed(x.abs());
    if x.is_sign_negative() {
        quote!(-#magnitude)
    } else {
        quote!(#magnitude)
    }
}
