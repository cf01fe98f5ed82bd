//! `src/client.rs`: the product's client, one async method per operation.

use acs_ir::Service;
use proc_macro2::TokenStream;
use quote::quote;

use super::{bare, doc, help_line, ident, inner_doc};

/// The `client` module.
pub fn module(service: &Service) -> TokenStream {
    let docs = inner_doc(&format!("The client for `{}` `{}`: one async method per operation.", service.product, service.version));
    let methods = service.operations.iter().map(|op| {
        let name = ident(&op.module);
        let module = ident(&op.module);
        let request = ident(&op.request_type);
        let response = ident(&op.response_type);
        let summary = help_line(op.docs.summary.as_ref().or(op.docs.title.as_ref()), &op.name);
        let d = doc(&format!(
            "`{}`: {summary}\n\nValidates the request, signs it and sends it, retrying as configured. See [`crate::{}`].",
            op.name,
            bare(&op.module)
        ));
        quote! {
            #d
            pub async fn #name(&self, request: crate::#module::#request) -> Result<crate::#module::#response, crate::Error> {
                self.call(request, &::acs_runtime::CallOptions::default()).await
            }
        }
    });
    quote! {
        #docs

        /// A client for the product. Cheap to clone; clones share connections.
        ///
        /// Built from a [`Config`](acs_runtime::Config): credentials (the provider chain by
        /// default), region or endpoint, signature version, timeouts and retries.
        #[derive(Clone, Debug)]
        pub struct Client {
            inner: ::acs_runtime::Client,
        }

        impl Client {
            /// A client from `config`. Credentials are resolved here, so missing ones fail early.
            pub fn new(config: ::acs_runtime::Config) -> Result<Self, crate::Error> {
                Ok(Self { inner: ::acs_runtime::Client::new(&crate::SERVICE, config)? })
            }

            /// A client with the default configuration: credentials from the environment or
            /// the credentials files, endpoints from each request's `RegionId`.
            pub fn from_env() -> Result<Self, crate::Error> {
                Self::new(::acs_runtime::Config::new())
            }

            /// Calls any operation with options for this call only (timeouts, retries).
            pub async fn call<O: ::acs_runtime::Operation>(&self, request: O, options: &::acs_runtime::CallOptions) -> Result<O::Response, crate::Error> {
                Ok(self.inner.call(request, options).await?)
            }

            /// The signed HTTP request the call would send, without sending it.
            pub async fn signed_request<O: ::acs_runtime::Operation>(&self, request: O) -> Result<::acs_runtime::HttpRequest, crate::Error> {
                Ok(self.inner.signed_request(request).await?)
            }

            #(#methods)*
        }
    }
}
