//! Each request struct's `Validate` impl: one `Validator` call per field, with the rules that
//! [`acs_ir::rules::of`] derives for it, written as `const fn` builder calls.
//!
//! This module only spells those rule values as Rust; which rules a field gets is decided in
//! `acs_ir::rules`, where the emulator gets them too.

use acs_ir::rules::{self, Check};
use acs_ir::{Field, Service, Side, Type};
use acs_runtime::__private::rules::{BuilderArg, BuilderCall};
use acs_runtime::__private::{IntRules, ListRules, NumRules, Pattern, PatternEngine, StrRules};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{float_literal, ident, int_literal};

/// `impl Validate for <type_name>`.
pub fn validate_impl(type_name: &str, fields: &[Field], is_param: bool) -> TokenStream {
    let type_ident = ident(type_name);
    let checks: Vec<TokenStream> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| field_checks(f, super::types::explicit_index(f, i, is_param)))
        .filter(|t| !t.is_empty())
        .collect();
    let v = if checks.is_empty() { quote!(_v) } else { quote!(v) };
    quote! {
        impl ::acs_runtime::__private::Validate for #type_ident {
            #[inline]
            fn validate_into(&self, #v: &mut ::acs_runtime::__private::Validator) {
                #(#checks)*
            }
        }
    }
}

/// The pattern engine the crate's checks need, if any (the full one when one pattern needs it):
/// the runtime feature its manifest turns on ([`PatternEngine::feature`]). Walks the fields
/// [`validate_impl`] checks: every operation's request and the request-side object types.
pub fn pattern_engine(service: &Service) -> Option<PatternEngine> {
    fn engine(check: &Check<'_>) -> Option<PatternEngine> {
        match check {
            Check::Str(r) => r.pattern.and_then(|p| Pattern::check(p.as_str()).ok()),
            Check::List(_, item) => engine(item),
            _ => None,
        }
    }
    let fields = service
        .operations
        .iter()
        .flat_map(|op| &op.params)
        .chain(service.types.iter().filter(|t| t.side == Side::Request).flat_map(|t| &t.fields));
    fields.filter_map(|f| engine(&rules::of(f))).max_by_key(|e| *e == PatternEngine::Full)
}

/// A rule value as its builder expression (`::acs_runtime::__private::StrRules::new().required()`), from
/// the value's own [`BuilderCall`]s, and the `static` its pattern needs, if any (a pattern is
/// compiled once, in its `static`). Knows no rule by name: a rule added to the runtime is spelled
/// here without a change.
fn rules_expr(type_name: &str, calls: &[BuilderCall<'_>]) -> (TokenStream, Option<TokenStream>) {
    let ty = format_ident!("{type_name}");
    let mut expr = quote!(::acs_runtime::__private::#ty::new());
    let mut pattern_static = None;
    for call in calls {
        let method = format_ident!("{}", call.method);
        let arg = match &call.arg {
            BuilderArg::None => quote!(),
            BuilderArg::Count(n) => {
                let n = proc_macro2::Literal::u64_unsuffixed(*n);
                quote!(#n)
            }
            BuilderArg::Int(n) => int_literal(*n),
            BuilderArg::Float(x) => float_literal(*x),
            BuilderArg::Pattern(p) => {
                let source = p.as_str();
                // Lowering kept only patterns that compile; the full engine's need its feature,
                // which the manifest turns on ([`pattern_engine`]), and a constructor that does
                // not exist without it.
                let constructor = match Pattern::check(source) {
                    Ok(PatternEngine::Full) => quote!(full),
                    _ => quote!(new),
                };
                pattern_static = Some(
                    quote!(static PATTERN: ::acs_runtime::__private::Pattern = ::acs_runtime::__private::Pattern::#constructor(#source);),
                );
                quote!(&PATTERN)
            }
            BuilderArg::Texts(texts) => quote!(&[#(#texts),*]),
            BuilderArg::Ints(ints) => {
                let ints = ints.iter().map(|&n| int_literal(n));
                quote!(&[#(#ints),*])
            }
            other => unreachable!("a builder argument this generator cannot spell: {other:?}"),
        };
        expr = quote!(#expr.#method(#arg));
    }
    (expr, pattern_static)
}

fn str_rules(r: &StrRules<'_>) -> (TokenStream, Option<TokenStream>) {
    rules_expr("StrRules", &r.builder_calls())
}

fn int_rules(r: &IntRules<'_>) -> TokenStream {
    rules_expr("IntRules", &r.builder_calls()).0
}

fn num_rules(r: &NumRules) -> TokenStream {
    rules_expr("NumRules", &r.builder_calls()).0
}

fn list_rules(r: &ListRules) -> TokenStream {
    rules_expr("ListRules", &r.builder_calls()).0
}

/// A call with the `static` it needs: in a block of its own, so one call's `PATTERN` cannot
/// clash with another's.
struct CheckCall {
    needs: Option<TokenStream>,
    call: TokenStream,
}

impl CheckCall {
    fn plain(call: TokenStream) -> Self {
        Self { needs: None, call }
    }

    /// The call as a statement.
    fn statement(self) -> TokenStream {
        let CheckCall { needs, call } = self;
        match needs {
            Some(needs) => quote!({ #needs #call }),
            None => call,
        }
    }

    /// The call inside `if let Some(value) = &self.<field>`.
    fn if_set(self, field: &proc_macro2::Ident) -> TokenStream {
        let CheckCall { needs, call } = self;
        quote! { if let Some(value) = &self.#field { #needs #call } }
    }
}

/// The call that checks one value (`value` is a reference to it) under the wire name `wire`.
fn value_call(check: &Check<'_>, ty: &Type, wire: &str, value: TokenStream) -> Option<CheckCall> {
    if check.is_none() {
        return None;
    }
    Some(match check {
        Check::Str(r) => {
            let (rules, pattern) = str_rules(r);
            CheckCall { needs: pattern, call: quote! { v.string(#wire, #value, &#rules); } }
        }
        Check::Int(r) => {
            let rules = int_rules(r);
            let n = if *ty == Type::I32 { quote!(i64::from(*#value)) } else { quote!(*#value) };
            CheckCall::plain(quote! { v.integer(#wire, #n, &#rules); })
        }
        Check::Num(r) => {
            let rules = num_rules(r);
            let x = if *ty == Type::F32 { quote!(f64::from(*#value)) } else { quote!(*#value) };
            CheckCall::plain(quote! { v.number(#wire, #x, &#rules); })
        }
        Check::Object(_) => CheckCall::plain(quote! { v.object(#wire, #value); }),
        Check::None | Check::List(..) => return None,
    })
}

/// The checks of one field, or nothing when it has no rule. `explicit` is the position under
/// which the request marks the field as set on purpose (an empty list then is sent and checked).
fn field_checks(f: &Field, explicit: Option<proc_macro2::Literal>) -> TokenStream {
    let wire = f.wire_name.as_str();
    let name = ident(&f.rust_name);
    let check = rules::of(f);
    match (&check, &f.ty) {
        (Check::List(list, item_check), Type::List(item_ty)) => {
            let mut out = Vec::new();
            if !list.is_empty() {
                let rules = list_rules(list);
                out.push(match explicit {
                    Some(index) => quote! { v.list_set(#wire, self.#name.len(), &#rules, self.explicit.has(#index)); },
                    None => quote! { v.list(#wire, self.#name.len(), &#rules); },
                });
            }
            if !item_check.is_none() {
                out.push(match (item_check.as_ref(), item_ty.as_ref()) {
                    (Check::Str(r), _) => {
                        let (rules, pattern) = str_rules(r);
                        CheckCall { needs: pattern, call: quote! { v.strings(#wire, &self.#name, &#rules); } }.statement()
                    }
                    (Check::Int(r), Type::I32) => {
                        let rules = int_rules(r);
                        quote! { v.integers(#wire, self.#name.iter().map(|&n| i64::from(n)), &#rules); }
                    }
                    (Check::Int(r), _) => {
                        let rules = int_rules(r);
                        quote! { v.integers(#wire, self.#name.iter().copied(), &#rules); }
                    }
                    (Check::Num(r), Type::F32) => {
                        let rules = num_rules(r);
                        quote! { v.numbers(#wire, self.#name.iter().map(|&x| f64::from(x)), &#rules); }
                    }
                    (Check::Num(r), _) => {
                        let rules = num_rules(r);
                        quote! { v.numbers(#wire, self.#name.iter().copied(), &#rules); }
                    }
                    (Check::Object(_), _) => quote! { v.each(#wire, &self.#name); },
                    (Check::None | Check::List(..), _) => quote!(),
                });
            }
            out.into_iter().collect()
        }
        (check, ty) if f.required => value_call(check, ty, wire, quote!(&self.#name)).map(CheckCall::statement).unwrap_or_default(),
        (_, ty) if ty.absent_is_empty() => quote!(),
        (check, ty) => value_call(check, ty, wire, quote!(value)).map(|call| call.if_set(&name)).unwrap_or_default(),
    }
}
