//! `src/endpoints.rs`: the product, its API version and its regional endpoints.

use acs_ir::Service;
use proc_macro2::TokenStream;
use quote::quote;

use super::inner_doc;

/// The `endpoints` module.
pub fn module(service: &Service) -> TokenStream {
    let docs = inner_doc(&format!(
        "Regional endpoints of `{}` `{}`, from the spec's `endpoints` list, and the rule for a region it lacks.",
        service.product, service.version
    ));
    let (product, version) = (&service.product, &service.version);
    let style = quote::format_ident!("{}", service.style.variant_name());
    let prefix = &service.endpoint_rule.prefix;
    let rule = if service.endpoint_rule.regional {
        quote! { ::acs_runtime::EndpointRule::regional(#prefix) }
    } else {
        quote! { ::acs_runtime::EndpointRule::central(#prefix) }
    };
    let entries = service.endpoints.iter().map(|(region, host)| quote! { ::acs_runtime::RegionEndpoint::new(#region, #host) });
    quote! {
        #docs

        /// The product, its API version, its endpoints and the rule for a region they lack.
        pub static SERVICE: ::acs_runtime::ServiceInfo = ::acs_runtime::ServiceInfo::new(#product, #version, ::acs_runtime::ApiStyle::#style, ENDPOINTS).rule(#rule);

        /// Region → host, sorted by region id.
        pub const ENDPOINTS: &[::acs_runtime::RegionEndpoint] = &[#(#entries),*];

        /// The host serving `region`, if the spec lists one.
        #[inline]
        pub fn endpoint(region: &str) -> Option<&'static str> {
            SERVICE.endpoint(region)
        }
    }
}
