//! `src/<operation>.rs`: an operation's request (with its `Operation` impl and object types)
//! and its response (with its object types).

use acs_ir::{Location, Operation, ResponseShape, Service, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{bare, doc, ident, inner_doc, paragraphs, types};

/// The module of one operation. The object types it uses live in `crate::types` (shared with
/// the other operations that use the same shapes) and are re-exported here.
pub fn module(service: &Service, op: &Operation) -> TokenStream {
    let docs = inner_doc(&module_doc(service, op));
    let request = request(op, service.style);
    let response = response(service, op);
    let paginated = paginated(op);
    let mut used = Vec::new();
    for p in &op.params {
        service.objects_in(&p.ty, &mut used);
    }
    match &op.response {
        ResponseShape::Typed { fields } => fields.iter().for_each(|f| service.objects_in(&f.ty, &mut used)),
        ResponseShape::List { item } => service.objects_in(item, &mut used),
        ResponseShape::Untyped | ResponseShape::Text => {}
    }
    let mut used: Vec<proc_macro2::Ident> = used.iter().map(|t| ident(&t.name)).collect();
    used.sort_by_key(|i| i.to_string());
    let reexport = if used.is_empty() { quote!() } else { quote!(pub use crate::types::{#(#used),*};) };
    quote! {
        #docs
        #reexport
        #request
        #paginated
        #response
    }
}

/// `impl Paginated` for a list operation: accessors only; the runtime decides when to stop.
fn paginated(op: &Operation) -> TokenStream {
    let Some(p) = &op.pagination else { return quote!() };
    let name = ident(&op.request_type);
    let item = super::rust_type(&p.item, super::Site::Module);
    let widen = |ty: &acs_ir::Type| if *ty == acs_ir::Type::I64 { quote!(|n| n) } else { quote!(i64::from) };
    let size_of = |size: &Option<(String, acs_ir::Type)>| match size {
        Some((field, ty)) => {
            let (field, widen) = (ident(field), widen(ty));
            quote!(self.#field.map(#widen))
        }
        None => quote!(None),
    };
    let count = |path: &Option<(Vec<String>, acs_ir::Type)>| match path {
        Some((path, ty)) if path.len() == 1 => {
            let (f, w) = (ident(&path[0]), widen(ty));
            quote!(response.#f.map(#w))
        }
        Some((path, ty)) => {
            let (o, f, w) = (ident(&path[0]), ident(&path[1]), widen(ty));
            quote!(response.#o.as_ref().and_then(|o| o.#f).map(#w))
        }
        None => quote!(None),
    };
    let (cursor, size, set, total, next, response_size) = match &p.kind {
        acs_ir::PageKind::Numbers { number, number_ty, size, total, response_size } => {
            let field = ident(number);
            let w = widen(number_ty);
            let set = if *number_ty == acs_ir::Type::I64 { quote!(Some(*n)) } else { quote!(i32::try_from(*n).ok()) };
            (
                quote!(::acs_runtime::Cursor::Page(self.#field.map_or(1, #w))),
                size_of(size),
                quote! {
                    if let ::acs_runtime::Cursor::Page(n) = cursor {
                        self.#field = #set;
                    }
                },
                count(total),
                quote!(None),
                count(response_size),
            )
        }
        acs_ir::PageKind::Token { token, size, next } => {
            let (field, next) = (ident(token), ident(next));
            (
                quote!(::acs_runtime::Cursor::Token(self.#field.clone())),
                size_of(size),
                quote! {
                    if let ::acs_runtime::Cursor::Token(token) = cursor {
                        self.#field = token.clone();
                    }
                },
                quote!(None),
                quote!(response.#next.clone()),
                quote!(None),
            )
        }
    };
    let (count, items) = match p.items.as_slice() {
        [list] => {
            let list = ident(list);
            (quote!(response.#list.len()), quote!(response.#list))
        }
        [object, list, ..] => {
            let (object, list) = (ident(object), ident(list));
            (quote!(response.#object.as_ref().map_or(0, |o| o.#list.len())), quote!(response.#object.map(|o| o.#list).unwrap_or_default()))
        }
        [] => unreachable!("lowering finds an item list for every paginated operation"),
    };
    let w = &p.wire;
    let (w_items, w_total, w_size, w_next) = (&w.items, &w.total, &w.page_size, &w.next_token);
    quote! {
        impl ::acs_runtime::Paginated for #name {
            type Item = #item;
            const WIRE: ::acs_runtime::PageWire =
                ::acs_runtime::PageWire { items: &[#(#w_items),*], total: &[#(#w_total),*], page_size: &[#(#w_size),*], next_token: &[#(#w_next),*] };

            #[inline]
            fn cursor(&self) -> ::acs_runtime::Cursor {
                #cursor
            }

            #[inline]
            fn page_size(&self) -> Option<i64> {
                #size
            }

            #[inline]
            fn set_cursor(&mut self, cursor: &::acs_runtime::Cursor) {
                #set
            }

            #[inline]
            fn page_info(response: &Self::Response) -> ::acs_runtime::PageInfo {
                ::acs_runtime::PageInfo::new(#count, #total, #next).page_size(#response_size)
            }

            #[inline]
            fn into_items(response: Self::Response) -> Vec<Self::Item> {
                #items
            }
        }
    }
}

fn module_doc(service: &Service, op: &Operation) -> String {
    let d = &op.docs;
    let heading = d.title.clone().or_else(|| d.summary.clone()).unwrap_or_else(|| op.name.clone());
    let mut facts = vec![format!(
        "Action `{}`, `{}` `{}`. Sent as `{}`{}.",
        op.name,
        service.product,
        service.version,
        op.method.as_str(),
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
    let errors = if op.errors.is_empty() {
        String::new()
    } else {
        let links: Vec<String> = op
            .errors
            .iter()
            .filter_map(|code| service.errors.iter().find(|e| &e.code == code))
            .map(|e| format!("[`{}`](crate::ErrorCode::{})", e.code, bare(&e.variant)))
            .collect();
        format!("Documented errors: {}.", links.join(", "))
    };
    let summary = if d.title.is_some() { d.summary.clone() } else { None };
    paragraphs([
        format!("# {}", heading.lines().next().unwrap_or_default()),
        summary.unwrap_or_default(),
        d.description.clone().unwrap_or_default(),
        facts.join(" "),
        errors,
    ])
}

fn request(op: &Operation, service_style: acs_ir::ApiStyle) -> TokenStream {
    let name = ident(&op.request_type);
    let response = ident(&op.response_type);
    let docs = format!(
        "Request of `{}`.\n\nBuild it with [`{}::new`], which takes the required parameters, and the setters for optional ones. \
         [`Operation::validate`](acs_runtime::Operation::validate) checks it against every constraint of the spec.",
        op.name, op.request_type
    );
    let declaration = types::request_struct(&op.request_type, &docs, &op.params, true);
    let action = &op.name;
    let method = format_ident!("{}", op.method.variant_name());
    let https_only = op.https_only;
    let explicit = |i: usize| types::explicit_index(&op.params[i], i, true);
    let put = |location: Location| -> Vec<TokenStream> {
        op.params
            .iter()
            .enumerate()
            .filter(|(_, p)| p.location == location)
            .map(|(i, p)| {
                let wire = &p.wire_name;
                let style = format_ident!("{}", p.style.variant_name());
                let field = ident(&p.rust_name);
                // Typed puts for scalars (required or optional, one call each) and string lists;
                // the generic put (through JSON) only for objects, maps and lists of them. A
                // collection whose empty value has a wire form goes out empty when set so.
                if let Some(index) = explicit(i) {
                    return match &p.ty {
                        Type::List(item) if **item == Type::String => {
                            quote!(params.put_strs_set(#wire, ::acs_runtime::__private::Style::#style, &self.#field, self.explicit.has(#index));)
                        }
                        _ => quote!(params.put_set(#wire, ::acs_runtime::__private::Style::#style, &self.#field, self.explicit.has(#index));),
                    };
                }
                match &p.ty {
                    Type::String | Type::I32 | Type::I64 | Type::F32 | Type::F64 | Type::Bool => {
                        quote!(params.put_scalar(#wire, &self.#field);)
                    }
                    Type::List(item) if **item == Type::String => {
                        quote!(params.put_strs(#wire, ::acs_runtime::__private::Style::#style, &self.#field);)
                    }
                    _ => quote!(params.put(#wire, ::acs_runtime::__private::Style::#style, &self.#field);),
                }
            })
            .collect()
    };
    let query = put(Location::Query);
    let body = put(Location::Form);
    let headers = put(Location::Header);
    let path_params = put(Location::Path);
    let path_fn = if path_params.is_empty() {
        quote!()
    } else {
        quote! {
            #[inline]
            fn to_path_params(&self) -> ::acs_runtime::Params<'_> {
                let mut params = ::acs_runtime::Params::new();
                #(#path_params)*
                params
            }
        }
    };
    let anonymous_const = if op.anonymous {
        quote!(
            const ANONYMOUS: bool = true;
        )
    } else {
        quote!()
    };
    let style_const = if op.style == service_style {
        quote!()
    } else {
        let style = format_ident!("{}", op.style.variant_name());
        quote!(const STYLE: Option<::acs_runtime::ApiStyle> = Some(::acs_runtime::ApiStyle::#style);)
    };
    let path_const = if op.path == "/" {
        quote!()
    } else {
        let path = &op.path;
        quote!(const PATH: &'static str = #path;)
    };
    let body_fields: Vec<TokenStream> = op
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.location == Location::BodyField)
        .map(|(i, p)| {
            let wire = &p.wire_name;
            let field = ident(&p.rust_name);
            match explicit(i) {
                Some(index) => quote!(body.put_set(#wire, &self.#field, self.explicit.has(#index));),
                None => quote!(body.put(#wire, &self.#field);),
            }
        })
        .collect();
    let whole_body = op.params.iter().position(|p| p.location == Location::Body).map(|i| (i, &op.params[i]));
    let json_fn = match (whole_body, body_fields.is_empty()) {
        (Some((_, p)), _) if p.ty == Type::Binary => {
            let field = ident(&p.rust_name);
            let value = if p.required { quote!(Some(&self.#field)) } else { quote!(self.#field.as_deref()) };
            quote! {
                #[inline]
                fn to_binary_body(&self) -> Option<&[u8]> {
                    #value
                }
            }
        }
        // A collection that is the whole body goes out even empty, as the SDKs send it.
        (Some((_, p)), _) => {
            let field = ident(&p.rust_name);
            quote! {
                #[inline]
                fn to_json_body(&self) -> Option<::serde_json::Value> {
                    ::acs_runtime::__private::wire::json_value(&self.#field)
                }
            }
        }
        (None, false) => quote! {
            #[inline]
            fn to_json_body(&self) -> Option<::serde_json::Value> {
                let mut body = ::acs_runtime::__private::wire::JsonObject::new();
                #(#body_fields)*
                Some(body.finish())
            }
        },
        (None, true) => quote!(),
    };
    let decode_fn = if matches!(op.response, ResponseShape::Text) {
        quote! {
            #[inline]
            fn decode_response(body: &[u8]) -> Result<String, String> {
                ::acs_runtime::__private::wire::decode_text_body(body)
            }
        }
    } else {
        quote!()
    };
    let params_binding = if query.is_empty() {
        quote!(let params = ::acs_runtime::Params::new();)
    } else {
        // Sized once: one pair per parameter (a list adds one per item; two are allowed for).
        let lists = op.params.iter().filter(|p| p.location == Location::Query && p.ty.is_collection()).count();
        let capacity = proc_macro2::Literal::usize_unsuffixed(query.len() + lists);
        quote!(let mut params = ::acs_runtime::Params::with_capacity(#capacity);)
    };
    let body_fn = if body.is_empty() {
        quote!()
    } else {
        quote! {
            #[inline]
            fn to_body_params(&self) -> ::acs_runtime::Params<'_> {
                let mut params = ::acs_runtime::Params::new();
                #(#body)*
                params
            }
        }
    };
    let headers_fn = if headers.is_empty() {
        quote!()
    } else {
        quote! {
            #[inline]
            fn to_header_params(&self) -> ::acs_runtime::Params<'_> {
                let mut params = ::acs_runtime::Params::new();
                #(#headers)*
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
                    #[inline]
                    fn idempotency_token(&self) -> Option<&str> {
                        self.#field.as_deref()
                    }

                    #[inline]
                    fn set_idempotency_token(&mut self, token: String) {
                        self.#field = Some(token);
                    }
                },
            )
        }
        None => (quote!(None), quote!()),
    };
    quote! {
        #declaration

        impl ::acs_runtime::Operation for #name {
            const ACTION: &'static str = #action;
            const METHOD: ::acs_runtime::HttpMethod = ::acs_runtime::HttpMethod::#method;
            const HTTPS_ONLY: bool = #https_only;
            const IDEMPOTENCY_TOKEN: Option<&'static str> = #token_const;
            #path_const
            #style_const
            #anonymous_const
            type Response = #response;

            #[inline]
            fn to_params(&self) -> ::acs_runtime::Params<'_> {
                #params_binding
                #(#query)*
                params
            }

            #body_fn
            #headers_fn
            #path_fn
            #json_fn
            #decode_fn
            #token_fns
        }
    }
}

fn response(service: &Service, op: &Operation) -> TokenStream {
    let name = ident(&op.response_type);
    let demo = op.docs.response_demo.as_ref().map(|demo| format!("\n\nExample from the spec:\n\n```json\n{demo}\n```")).unwrap_or_default();
    match &op.response {
        ResponseShape::Untyped => {
            let d = doc(&format!(
                "Response of `{}`.\n\nThe spec describes no response fields, so every field but `RequestId` is kept as JSON in `fields`.{demo}",
                op.name
            ));
            quote! {
                #d
                pub type #name = ::acs_runtime::UntypedResponse;
            }
        }
        ResponseShape::List { item } => {
            let d = doc(&format!("Response of `{}`: a JSON array.{demo}", op.name));
            let item = super::rust_type(item, super::Site::Module);
            quote! {
                #d
                pub type #name = Vec<#item>;
            }
        }
        ResponseShape::Text => {
            let d = doc(&format!("Response of `{}`: text, as sent.{demo}", op.name));
            quote! {
                #d
                pub type #name = String;
            }
        }
        ResponseShape::Typed { fields } => {
            let docs = format!(
                "Response of `{}`.\n\nEvery field is optional, unknown fields are ignored, and scalars also decode from their string, number or boolean forms.{demo}",
                op.name
            );
            let declaration = types::response_struct(&op.response_type, &docs, fields, true);
            let helpers = types::failure_helpers(fields, &service.types);
            let helpers = if helpers.is_empty() { quote!() } else { quote!(impl #name { #(#helpers)* }) };
            quote! {
                #declaration
                #helpers
            }
        }
    }
}
