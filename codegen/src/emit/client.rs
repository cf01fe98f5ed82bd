//! `src/client.rs`: the product's client, one method per operation returning the runtime's
//! call future (a plain function, not an `async fn`: no state machine per operation).

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
        let paging = op.pagination.as_ref().map(|p| {
            let (pages, items) = (ident(&p.pages_method), ident(&p.items_method));
            let item = super::rust_type(&p.item, super::Site::Crate(&op.module));
            let pages_doc = doc(&format!(
                "Every page of `{}`, from the request's own page on, as a stream; it ends after the last page, and a \
                 page-size field the request sets is kept on every page.",
                op.name
            ));
            let items_doc = doc(&format!("Every item of every page of `{}`, as a stream.", op.name));
            quote! {
                #pages_doc
                #[inline]
                pub fn #pages(&self, request: crate::#module::#request) -> ::acs_runtime::PageStream<'_, crate::#module::#response, crate::Error> {
                    self.inner.pages(request, ::acs_runtime::CallOptions::default())
                }

                #items_doc
                #[inline]
                pub fn #items(&self, request: crate::#module::#request) -> ::acs_runtime::PageStream<'_, #item, crate::Error> {
                    self.inner.items(request, ::acs_runtime::CallOptions::default())
                }
            }
        });
        quote! {
            #d
            #[inline]
            pub fn #name(&self, request: crate::#module::#request) -> impl ::std::future::Future<Output = Result<crate::#module::#response, crate::Error>> + '_ {
                self.inner.call_typed(request, ::acs_runtime::CallOptions::default())
            }
            #paging
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

        /// A blocking client (feature `blocking`), for programs without an async runtime: one
        /// generic `call` for every operation. It refuses to run inside an async runtime, with
        /// an error, rather than stall it.
        #[cfg(feature = "blocking")]
        pub mod blocking {
            /// A blocking client for the product.
            #[derive(Debug)]
            pub struct Client {
                inner: ::acs_runtime::blocking::Client,
            }

            impl Client {
                /// A blocking client from `config`.
                #[inline]
                pub fn new(config: ::acs_runtime::Config) -> Result<Self, crate::Error> {
                    Ok(Self { inner: ::acs_runtime::blocking::Client::new(&crate::SERVICE, config)? })
                }

                /// Calls an operation (any request type of this crate) and waits for the answer.
                pub fn call<O: ::acs_runtime::Operation>(&self, request: O) -> Result<O::Response, crate::Error> {
                    Ok(self.inner.call(request, &::acs_runtime::CallOptions::default())?)
                }

                /// Calls an operation with options for this call only (timeouts, retries, deadline).
                pub fn call_with<O: ::acs_runtime::Operation>(&self, request: O, options: &::acs_runtime::CallOptions) -> Result<O::Response, crate::Error> {
                    Ok(self.inner.call(request, options)?)
                }
            }
        }

        impl Client {
            /// A client from `config`. Files are read here, so a malformed one fails early;
            /// credentials are fetched at the first call.
            #[inline]
            pub fn new(config: ::acs_runtime::Config) -> Result<Self, crate::Error> {
                Ok(Self { inner: ::acs_runtime::Client::new(&crate::SERVICE, config)? })
            }

            /// A client with the default configuration: credentials from the default chain,
            /// endpoints from each request's `RegionId`.
            #[inline]
            pub fn from_env() -> Result<Self, crate::Error> {
                Self::new(::acs_runtime::Config::new())
            }

            /// Calls any operation with options for this call only (timeouts, retries).
            #[inline]
            pub async fn call<O: ::acs_runtime::Operation>(&self, request: O, options: &::acs_runtime::CallOptions) -> Result<O::Response, crate::Error> {
                Ok(self.inner.call(request, options).await?)
            }

            /// The signed HTTP request the call would send, without sending it.
            #[inline]
            pub async fn signed_request<O: ::acs_runtime::Operation>(&self, request: O) -> Result<::acs_runtime::HttpRequest, crate::Error> {
                Ok(self.inner.signed_request(request).await?)
            }

            /// Calls any operation until `condition` holds on its response, paced and bounded by
            /// `policy` (every 5 s for at most 180 s by default). A failed call ends the wait;
            /// so does the policy's maximum wait, with the last response.
            #[inline]
            pub fn wait_until<'a, O: ::acs_runtime::Operation + Clone + 'a>(
                &'a self,
                request: O,
                condition: impl FnMut(&O::Response) -> bool + 'a,
                policy: &'a ::acs_runtime::WaitPolicy,
            ) -> impl ::std::future::Future<Output = Result<O::Response, ::acs_runtime::WaitError<O::Response, crate::Error>>> + 'a {
                self.inner.wait_until(request, condition, policy)
            }

            #(#methods)*
        }
    }
}
