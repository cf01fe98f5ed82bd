//! `src/errors.rs`: the product's error codes, once for the whole crate, and its `Error`.
//!
//! One `ErrorCode` variant per code any operation documents; each variant's docs name those
//! operations. An undocumented code is kept in an opaque variant that cannot be matched by value
//! (smithy-rs RFC-0039): code that matched it would silently stop matching once a later spec
//! documents the code.

use acs_ir::Service;
use proc_macro2::TokenStream;
use quote::quote;

use super::{bare, doc, ident, inner_doc};

/// The `errors` module.
pub fn module(service: &Service) -> TokenStream {
    let docs = inner_doc(&format!(
        "Errors of `{}` `{}`: [`ErrorCode`], one variant per error code the spec documents, and [`Error`], \
         what every call of the [`Client`](crate::Client) fails with.",
        service.product, service.version
    ));
    let variants = service.errors.iter().map(|e| {
        let v = ident(&e.variant);
        let statuses = e.statuses.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ");
        let status = if statuses.is_empty() { String::new() } else { format!(" (HTTP {statuses})") };
        let message = if e.messages.is_empty() { String::new() } else { format!(": {}", e.messages.join(" / ")) };
        let operations: Vec<String> = e
            .operations
            .iter()
            .filter_map(|name| service.operations.iter().find(|o| &o.name == name))
            .map(|o| format!("[`{}`](crate::{})", o.name, bare(&o.module)))
            .collect();
        let d = doc(&format!("`{}`{status}{message}\n\nDocumented by {}.", e.code, operations.join(", ")));
        quote! { #d #v }
    });
    let from_arms = service.errors.iter().map(|e| {
        let v = ident(&e.variant);
        let code = &e.code;
        quote!(#code => Self::#v,)
    });
    let as_str_arms = service.errors.iter().map(|e| {
        let v = ident(&e.variant);
        let code = &e.code;
        quote!(Self::#v => #code,)
    });
    quote! {
        #docs

        /// What a call fails with: [`acs_runtime::Error`] (validation, credentials, endpoint,
        /// transport, service, decoding; see [`kind`](acs_runtime::TypedError::kind)) with the
        /// service's code typed as [`ErrorCode`] by [`code`](acs_runtime::TypedError::code).
        pub type Error = ::acs_runtime::TypedError<ErrorCode>;

        /// The error codes the spec documents, for matching on [`Error::code`](acs_runtime::TypedError::code).
        ///
        /// A code the spec does not document (a gateway code such as `Throttling.User`, or one
        /// the service added later) is kept, opaque: compare [`ErrorCode::as_str`] for such a
        /// code, which keeps working when a later version of this crate gives it a variant.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            #(#variants,)*
            /// A code the spec does not document, as sent.
            #[deprecated(note = "Matching `Unknown` is not forward compatible: a later spec may document the code, and it would then stop matching. Match with `_` and compare `code.as_str()` instead.")]
            Unknown(::acs_runtime::UnknownCode),
        }

        #[allow(deprecated)]
        impl ErrorCode {
            /// The variant for an error code as sent on the wire.
            #[inline]
            pub fn from_code(code: &str) -> Self {
                match code {
                    #(#from_arms)*
                    other => Self::Unknown(::acs_runtime::UnknownCode::new(other)),
                }
            }

            /// The code as sent on the wire.
            #[inline]
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str_arms)*
                    Self::Unknown(code) => code.as_str(),
                }
            }
        }

        impl ::acs_runtime::ErrorCodes for ErrorCode {
            #[inline]
            fn from_code(code: &str) -> Self {
                Self::from_code(code)
            }

            #[inline]
            fn as_str(&self) -> &str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for ErrorCode {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}
