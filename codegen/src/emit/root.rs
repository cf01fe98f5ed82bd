//! `src/lib.rs`: the crate's docs, its modules and what it re-exports.

use acs_ir::Service;
use proc_macro2::TokenStream;
use quote::quote;

use super::{bare, doc, ident, inner_doc};

/// The crate root.
pub fn lib(service: &Service) -> TokenStream {
    let title = service.title.clone().unwrap_or_else(|| service.product.clone());
    let mut text = format!(
        "Typed, validated client types for Alibaba Cloud {title} (product `{}`, API version `{}`).\n\n\
         Generated from the product's API metadata. Each operation has a module with its request type \
         (required parameters are constructor arguments, optional ones have setters) and its response type. \
         Requests implement [`Operation`]: `validate` checks every constraint of \
         the spec and reports all violations before anything is sent; `encode` validates and returns the wire \
         parameters; `to_params` encodes without validating, for a caller who knows the service has relaxed a limit.\n\n\
         [`Client`] sends them: it signs (ACS3-HMAC-SHA256 by default, or RPC HMAC-SHA1), retries \
         throttling, server errors and failed connections, and decodes the response. Calls fail with [`Error`], \
         whose [`code`](acs_runtime::TypedError::code) is an [`ErrorCode`]. Regional endpoints are in \
         [`endpoints`]; the `cli` feature (off by default, so a library user compiles none of it) adds the command-line front end.",
        service.product, service.version
    );
    if !service.operations.is_empty() {
        let list: Vec<String> = service.operations.iter().map(|o| format!("[`{}`]({})", o.name, bare(&o.module))).collect();
        text.push_str(&format!("\n\nOperations: {}.", list.join(", ")));
    }
    if !service.skipped.is_empty() {
        text.push_str("\n\n# Not generated\n\nThese operations of the spec use what this generator cannot represent yet:\n");
        for s in &service.skipped {
            text.push_str(&format!("\n- `{}`: {} (at `{}`)", s.operation, s.reason, s.path));
        }
    }
    let docs = inner_doc(&text);
    let modules = service.operations.iter().map(|op| {
        let m = ident(&op.module);
        let summary = op.docs.summary.clone().or_else(|| op.docs.title.clone()).unwrap_or_else(|| format!("The `{}` operation.", op.name));
        let d = doc(&format!("`{}`: {}", op.name, summary.lines().next().unwrap_or_default()));
        quote! { #d pub mod #m; }
    });
    quote! {
        #docs
        #![warn(missing_docs)]

        pub use ::acs_runtime::{
            CallOptions, Config, Credentials, Operation, Params, RetryPolicy, ServiceError, SignatureVersion, Timeouts,
            RetryBudget, RetryMode, ValidationError, Violation, ViolationKind, WaitError, WaitPolicy,
        };
        pub use client::Client;
        pub use endpoints::{endpoint, SERVICE};
        pub use errors::{Error, ErrorCode};

        #[cfg(feature = "cli")]
        pub mod cli;
        pub mod client;
        pub mod endpoints;
        pub mod errors;
        pub mod types;
        #(#modules)*
    }
}
