//! What a generated crate tells the runtime about its product and operations.

use crate::endpoint::{EndpointRule, Endpoints, RegionEndpoint};
use crate::validate::{Validate, ValidationError};
use crate::wire::Params;

/// API style of a product, from the metadata's `info.style`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiStyle {
    /// Action-based RPC: every call is `POST /` (or `GET /`) with its parameters in the query.
    Rpc,
    /// Resource-oriented ("REST"): a path template per operation, parameters in the path, the
    /// query, headers and a JSON (or form) body.
    Roa,
}

impl ApiStyle {
    /// The variant's name (`Roa`), as generated code spells it.
    pub fn variant_name(self) -> &'static str {
        match self {
            Self::Rpc => "Rpc",
            Self::Roa => "Roa",
        }
    }
}

/// A product version (`SWAS-OPEN` `2020-06-01`) and its endpoints.
///
/// Generated crates build theirs with [`ServiceInfo::new`]; a field added later breaks none of
/// them.
#[derive(Debug)]
#[non_exhaustive]
pub struct ServiceInfo {
    /// Product code, e.g. `SWAS-OPEN`.
    pub product: &'static str,
    /// API version, e.g. `2020-06-01`; sent as `Version` / `x-acs-version`.
    pub version: &'static str,
    /// API style.
    pub style: ApiStyle,
    /// Region → host, sorted by region id.
    pub endpoints: &'static [RegionEndpoint],
    /// The host for a region `endpoints` lacks, and on networks other than the public one. Unless
    /// set ([`ServiceInfo::rule`]), central: `<product>.aliyuncs.com`, as the official SDKs
    /// build it for a product without a rule.
    pub rule: EndpointRule,
}

impl ServiceInfo {
    /// A product version, its API style and its endpoints (sorted by region id).
    pub const fn new(product: &'static str, version: &'static str, style: ApiStyle, endpoints: &'static [RegionEndpoint]) -> Self {
        Self { product, version, style, endpoints, rule: EndpointRule::central(product) }
    }

    /// With `rule` for the regions the list lacks.
    pub const fn rule(self, rule: EndpointRule) -> Self {
        Self { rule, ..self }
    }

    /// The endpoints and the rule, as [`crate::endpoint::resolve`] reads them.
    pub fn endpoints(&self) -> Endpoints {
        Endpoints { table: self.endpoints, rule: self.rule }
    }

    /// The host serving `region`, if the metadata lists one.
    pub fn endpoint(&self, region: &str) -> Option<&'static str> {
        crate::endpoint::lookup(self.endpoints, region)
    }

    /// The region ids the metadata lists, in order.
    pub fn regions(&self) -> impl Iterator<Item = &'static str> {
        self.endpoints.iter().map(|e| e.region)
    }
}

/// HTTP method of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `PATCH`
    Patch,
}

impl HttpMethod {
    /// The method's name, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
            Self::Patch => "PATCH",
        }
    }

    /// The variant's name (`Delete`), as generated code spells it.
    pub fn variant_name(self) -> &'static str {
        match self {
            Self::Get => "Get",
            Self::Post => "Post",
            Self::Put => "Put",
            Self::Delete => "Delete",
            Self::Patch => "Patch",
        }
    }

    /// The method the official SDKs use for an operation whose spec lists `methods` (lower or
    /// upper case): POST when listed (or when none is), else GET, else the first listed of PUT,
    /// DELETE and PATCH. `None` when methods are listed and none is one of these. The
    /// generator's (lowering picks each operation's method with it), not user API.
    #[doc(hidden)]
    pub fn choose<'a>(methods: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let mut any = false;
        let listed: Vec<Self> = methods
            .into_iter()
            .inspect(|_| any = true)
            .filter_map(|m| match m.to_ascii_lowercase().as_str() {
                "get" => Some(Self::Get),
                "post" => Some(Self::Post),
                "put" => Some(Self::Put),
                "delete" => Some(Self::Delete),
                "patch" => Some(Self::Patch),
                _ => None,
            })
            .collect();
        if !any || listed.contains(&Self::Post) {
            return Some(Self::Post);
        }
        if listed.contains(&Self::Get) {
            return Some(Self::Get);
        }
        listed.first().copied()
    }
}

/// A request of one operation: how to check it and put it on the wire.
///
/// Generated request types implement this; the client is written against it once.
pub trait Operation: Validate + Sized {
    /// The operation's name, sent as `Action` / `x-acs-action`.
    const ACTION: &'static str;
    /// The method the official SDKs use ([`HttpMethod::choose`]).
    const METHOD: HttpMethod;
    /// The path template (`/clusters/{ClusterId}`); `/` for RPC operations.
    const PATH: &'static str = "/";
    /// How this operation is sent, when not as its product's style says: a V3 product's
    /// operation without a path is sent as RPC (`POST /`, routed by `x-acs-action`).
    const STYLE: Option<ApiStyle> = None;
    /// True when the spec allows only HTTPS.
    const HTTPS_ONLY: bool;
    /// True when the operation takes no credentials (its spec's security is `Anonymous` alone,
    /// as STS `AssumeRoleWithOIDC`): it is sent unsigned, and works without credentials.
    const ANONYMOUS: bool = false;
    /// Wire name of the idempotency-token parameter (`ClientToken`), if the operation has one.
    const IDEMPOTENCY_TOKEN: Option<&'static str>;
    /// The decoded 2xx response.
    type Response: crate::json::FromJson + Default;

    /// Checks every constraint of the spec; `Err` lists all violations.
    fn validate(&self) -> Result<(), ValidationError> {
        crate::validate::check(Self::ACTION, self)
    }

    /// The query parameters, without validation.
    ///
    /// This is the documented opt-out for callers who know the service accepts a value the
    /// spec forbids (a limit relaxed after the spec was written). Prefer [`Operation::encode`].
    fn to_params(&self) -> Params<'_>;

    /// The form-body parameters (`in: formData`), without validation; empty for most operations.
    fn to_body_params(&self) -> Params<'_> {
        Params::new()
    }

    /// The header parameters (`in: header`), without validation; sent as request headers under
    /// their wire names. Empty for most operations.
    fn to_header_params(&self) -> Params<'_> {
        Params::new()
    }

    /// The path parameters (`in: path`, ROA), unencoded; each replaces its `{Name}` in
    /// [`Operation::PATH`].
    fn to_path_params(&self) -> Params<'_> {
        Params::new()
    }

    /// The JSON body (`in: body`, ROA), without validation; `None` when the operation has none.
    fn to_json_body(&self) -> Option<serde_json::Value> {
        None
    }

    /// The raw request body (`format: binary`), without validation; `None` when the operation
    /// has none, or it is unset. Sent as `application/octet-stream`, always signed with
    /// ACS3-HMAC-SHA256 over its SHA-256 (the only signature the service accepts a stream with).
    fn to_binary_body(&self) -> Option<&[u8]> {
        None
    }

    /// Decodes a 2xx body. JSON by default, an empty body read as `{}` (no content);
    /// operations whose response is text override this.
    fn decode_response(body: &[u8]) -> Result<Self::Response, String> {
        crate::wire::decode_response_body(body)
    }

    /// Validates, then returns the query parameters.
    fn encode(&self) -> Result<Params<'_>, ValidationError> {
        self.validate()?;
        Ok(self.to_params())
    }
    /// The idempotency token, for operations that have one.
    fn idempotency_token(&self) -> Option<&str> {
        None
    }
    /// Sets the idempotency token (no effect for operations without one).
    fn set_idempotency_token(&mut self, _token: String) {}
}

/// Where a request starts reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// Page-number paging: this page (the first is 1).
    Page(i64),
    /// Token paging: this token (`None` for the first page).
    Token(Option<String>),
}

/// Subcommands every generated command-line front end has; operations take other names.
#[doc(hidden)]
pub const CLI_COMMANDS: &[&str] = &["help", "completions"];

/// Flags every generated command-line front end has; per-operation flags must take other names.
#[doc(hidden)]
pub const CLI_GLOBAL_FLAGS: &[&str] = &[
    "endpoint",
    "region",
    "endpoint-type",
    "profile",
    "signature-version",
    "header",
    "extra-query",
    "proxy",
    "ca-bundle",
    "client-cert",
    "client-key",
    "tls-min-version",
    "dry-run",
    "connect-timeout-ms",
    "read-timeout-ms",
    "max-attempts",
    "retry-mode",
    "deadline-ms",
    "output",
    "query",
    "cli-query",
    "pager",
    "waiter",
    "waiter-timeout",
    "waiter-interval",
    "help",
    "version",
];

#[cfg(test)]
mod tests {
    use super::HttpMethod;

    #[test]
    fn methods_are_chosen_as_the_sdks_choose_them() {
        assert_eq!(HttpMethod::choose([]), Some(HttpMethod::Post));
        assert_eq!(HttpMethod::choose(["get", "post"]), Some(HttpMethod::Post));
        assert_eq!(HttpMethod::choose(["GET"]), Some(HttpMethod::Get));
        assert_eq!(HttpMethod::choose(["delete"]), Some(HttpMethod::Delete));
        assert_eq!(HttpMethod::choose(["put", "delete"]), Some(HttpMethod::Put));
        assert_eq!(HttpMethod::choose(["head", "patch"]), Some(HttpMethod::Patch));
        assert_eq!(HttpMethod::choose(["options"]), None);
    }
}
