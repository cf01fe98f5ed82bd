//! The client: validation, endpoint, signing, transport, retries and decoding for any
//! generated operation.
//!
//! Everything here is written once, non-generic, around the [`Operation`] constants and wire
//! parameters; the only generic piece is the thin [`Client::call`] that decodes the typed
//! response. Generated crates wrap this client with one method per operation.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tracing::Instrument;

use crate::credentials::{Chain, Credentials, Environment};
use crate::endpoint::{self, ResolvedEndpoint};
use crate::error::{snippet, Error, TransportErrorKind};
use crate::service::{HttpMethod, Operation, ServiceInfo};
use crate::service_error::ServiceError;
use crate::sign::{self, V3Input};
use crate::transport::{HttpRequest, HttpResponse, ReqwestTransport, Timeouts, Transport};
use crate::wire::Params;

/// Which signature the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureVersion {
    /// ACS3-HMAC-SHA256: `Authorization` header, business parameters only in the query.
    #[default]
    V3,
    /// RPC HMAC-SHA1, SignatureVersion 1.0: common parameters and `Signature` in the query.
    Rpc,
}

/// When and how often a failed attempt is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retries). Default 3.
    pub max_attempts: u32,
    /// Back-off before the second attempt; doubled each time, with jitter. Default 100 ms.
    pub base_delay: Duration,
    /// Longest wait between attempts, also for `x-acs-retry-after`. Default 20 s.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 3, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(20) }
    }
}

impl RetryPolicy {
    /// One attempt only.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// Exponential back-off with "equal jitter": half the step, plus up to the other half.
    fn backoff(&self, retry: u32) -> Duration {
        let step = self.base_delay.saturating_mul(1u32 << retry.min(20)).min(self.max_delay);
        let half = step / 2;
        half + Duration::from_nanos(fastrand::u64(0..=half.as_nanos().min(u64::MAX as u128) as u64))
    }
}

/// A source of `x-acs-date`/`Timestamp`.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;
/// A source of nonces.
pub type NonceSource = Arc<dyn Fn() -> String + Send + Sync>;

/// How a client is set up. Every setting has a working default except where calls go: a region
/// (or each request's `RegionId`) or an explicit endpoint.
#[derive(Clone)]
pub struct Config {
    chain: Chain,
    environment: Option<Environment>,
    region: Option<String>,
    endpoint: Option<String>,
    signature: SignatureVersion,
    timeouts: Timeouts,
    retry: RetryPolicy,
    validate: bool,
    allow_http: bool,
    transport: Option<Arc<dyn Transport>>,
    clock: Clock,
    nonce: NonceSource,
    user_agent: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            chain: Chain::new(),
            environment: None,
            region: None,
            endpoint: None,
            signature: SignatureVersion::V3,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            validate: true,
            allow_http: false,
            transport: None,
            clock: Arc::new(SystemTime::now),
            nonce: Arc::new(sign::new_nonce),
            user_agent: format!("acs-rust/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("credentials", &self.chain)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("signature", &self.signature)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("validate", &self.validate)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The defaults: credentials from the chain, V3 signatures, 5 s / 10 s timeouts, 3 attempts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Static credentials (skips the rest of the chain).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.chain = self.chain.with_static(credentials);
        self
    }

    /// The profile the chain reads from the credentials files.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.chain = self.chain.with_profile(profile);
        self
    }

    /// The environment the chain reads (default: this process's).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// The region whose endpoint to call (default: each request's `RegionId`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// An explicit endpoint: a host, `host:port`, or a URL such as `http://127.0.0.1:8080`.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The signature version.
    pub fn signature_version(mut self, version: SignatureVersion) -> Self {
        self.signature = version;
        self
    }

    /// Connect and read timeouts of each attempt.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sends requests without checking the spec's constraints: the opt-out for a caller who
    /// knows the service accepts what the spec forbids.
    pub fn without_validation(mut self) -> Self {
        self.validate = false;
        self
    }

    /// Lets operations whose spec allows only HTTPS go over plain HTTP to another machine (a
    /// proxy or test gateway you trust). Loopback endpoints never need this.
    pub fn allow_insecure_http(mut self) -> Self {
        self.allow_http = true;
        self
    }

    /// A custom HTTP layer.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// A custom clock (for reproducible signatures in tests).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// A custom nonce source (for reproducible signatures in tests).
    pub fn nonce_source(mut self, nonce: NonceSource) -> Self {
        self.nonce = nonce;
        self
    }

    /// The `user-agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }
}

/// Settings of one call that override the client's.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    /// Timeouts for this call.
    pub timeouts: Option<Timeouts>,
    /// Retry policy for this call.
    pub retry: Option<RetryPolicy>,
}

/// A client for one product version.
#[derive(Clone)]
pub struct Client {
    service: &'static ServiceInfo,
    credentials: Credentials,
    config: Config,
    transport: Arc<dyn Transport>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("product", &self.service.product)
            .field("credentials", &self.credentials)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What the non-generic core needs of an operation.
struct Call<'a> {
    action: &'static str,
    method: HttpMethod,
    query: &'a Params,
    body: &'a Params,
    idempotent: bool,
    https_only: bool,
}

impl<'a> Call<'a> {
    fn of<O: Operation>(query: &'a Params, body: &'a Params) -> Self {
        Self { action: O::ACTION, method: O::METHOD, query, body, idempotent: O::IDEMPOTENCY_TOKEN.is_some(), https_only: O::HTTPS_ONLY }
    }
}

impl Client {
    /// A client for `service`; resolves credentials now, so a missing key fails here.
    pub fn new(service: &'static ServiceInfo, config: Config) -> Result<Self, Error> {
        let environment = config.environment.clone().unwrap_or_else(Environment::process);
        let credentials = config.chain.resolve(&environment)?;
        let transport = config.transport.clone().unwrap_or_else(|| Arc::new(ReqwestTransport::new()));
        Ok(Self { service, credentials, config, transport })
    }

    /// The credentials in use.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Validates (unless disabled), fills an unset idempotency token, and returns the parameters.
    fn prepare_params<O: Operation>(&self, request: &mut O) -> Result<(Params, Params), Error> {
        if self.config.validate {
            request.validate()?;
        }
        if O::IDEMPOTENCY_TOKEN.is_some() && request.idempotency_token().is_none() {
            // Once per call, before the first attempt: every retry carries the same token, so
            // the service applies the change at most once.
            request.set_idempotency_token(uuid::Uuid::new_v4().to_string());
        }
        Ok((request.to_params(), request.to_body_params()))
    }

    /// Calls the operation and decodes its response.
    pub async fn call<O: Operation>(&self, request: O, options: &CallOptions) -> Result<O::Response, Error> {
        Ok(self.call_with_body(request, options).await?.0)
    }

    /// Calls the operation; returns the decoded response and the body as received (which keeps
    /// fields the spec does not describe).
    pub async fn call_with_body<O: Operation>(&self, mut request: O, options: &CallOptions) -> Result<(O::Response, Vec<u8>), Error> {
        let (query, body) = self.prepare_params(&mut request)?;
        let call = Call::of::<O>(&query, &body);
        let response = self.execute(&call, options).await?;
        match serde_json::from_slice(&response.body) {
            Ok(decoded) => Ok((decoded, response.body)),
            Err(e) => Err(Error::Decode {
                operation: O::ACTION,
                status: response.status,
                message: e.to_string(),
                snippet: snippet(&response.body, 200),
            }),
        }
    }

    /// The signed request the first attempt would send, without sending it (`--dry-run`).
    pub fn signed_request<O: Operation>(&self, mut request: O) -> Result<HttpRequest, Error> {
        let (query, body) = self.prepare_params(&mut request)?;
        let call = Call::of::<O>(&query, &body);
        let endpoint = self.endpoint(&call)?;
        Ok(self.sign(&call, &endpoint))
    }

    fn endpoint(&self, call: &Call<'_>) -> Result<ResolvedEndpoint, Error> {
        let region = self.config.region.as_deref().or_else(|| call.query.get("RegionId"));
        let endpoint = endpoint::resolve(self.config.endpoint.as_deref(), region, self.service.product, self.service.endpoints)?;
        endpoint.check_https(call.action, call.https_only, self.config.allow_http)?;
        Ok(endpoint)
    }

    async fn execute(&self, call: &Call<'_>, options: &CallOptions) -> Result<HttpResponse, Error> {
        let endpoint = self.endpoint(call)?;
        let retry = options.retry.unwrap_or(self.config.retry);
        let timeouts = options.timeouts.unwrap_or(self.config.timeouts);
        let span = tracing::info_span!("acs.call", operation = call.action, product = self.service.product, host = %endpoint.host, attempts = tracing::field::Empty, request_id = tracing::field::Empty);
        let call_span = span.clone();
        async {
            let mut attempt = 0;
            loop {
                attempt += 1;
                // Signed anew each time: a fresh date and nonce per attempt.
                let request = self.sign(call, &endpoint);
                let outcome = self.transport.send(request, timeouts).instrument(tracing::debug_span!("acs.attempt", attempt)).await;
                let last = attempt >= retry.max_attempts.max(1);
                call_span.record("attempts", attempt);
                if let Ok(response) = &outcome {
                    if let Some(id) = request_id(response) {
                        call_span.record("request_id", id.as_str());
                    }
                }
                match outcome {
                    Ok(response) if (200..300).contains(&response.status) => {
                        tracing::debug!(
                            attempt,
                            status = response.status,
                            request_id = request_id(&response).as_deref(),
                            "acs call succeeded"
                        );
                        return Ok(response);
                    }
                    Ok(response) => {
                        let service_error = ServiceError::from_body(response.status, &String::from_utf8_lossy(&response.body));
                        let retryable = response.status >= 500
                            || response.status == 429
                            || service_error.as_ref().is_some_and(|e| is_throttling(&e.code));
                        tracing::info!(
                            attempt,
                            status = response.status,
                            code = service_error.as_ref().map(|e| e.code.as_str()),
                            request_id = service_error.as_ref().and_then(|e| e.request_id.as_deref()),
                            retryable,
                            "acs call failed"
                        );
                        if retryable && !last {
                            tokio::time::sleep(self.delay(&retry, attempt, Some(&response))).await;
                            continue;
                        }
                        return Err(match service_error {
                            Some(error) => Error::Service { operation: call.action, error: Box::new(error), attempts: attempt },
                            None => Error::Decode {
                                operation: call.action,
                                status: response.status,
                                message: "not a JSON error body".into(),
                                snippet: snippet(&response.body, 200),
                            },
                        });
                    }
                    Err(e) => {
                        // A request that may have reached the service is repeated only when an
                        // idempotency token makes a second delivery harmless.
                        let retryable = e.kind == TransportErrorKind::Connect || call.idempotent;
                        tracing::info!(attempt, kind = %e.kind, retryable, "acs transport error: {}", e.message);
                        if retryable && !last {
                            tokio::time::sleep(self.delay(&retry, attempt, None)).await;
                            continue;
                        }
                        return Err(Error::Transport { operation: call.action, kind: e.kind, message: e.message, attempts: attempt });
                    }
                }
            }
        }
        .instrument(span)
        .await
    }

    fn delay(&self, retry: &RetryPolicy, attempt: u32, response: Option<&HttpResponse>) -> Duration {
        let asked = response.and_then(|r| r.header("x-acs-retry-after")).and_then(|v| v.trim().parse::<u64>().ok()).filter(|ms| *ms > 0);
        match asked {
            Some(ms) => Duration::from_millis(ms).min(retry.max_delay),
            None => retry.backoff(attempt - 1),
        }
    }

    /// Builds the signed request of one attempt.
    fn sign(&self, call: &Call<'_>, endpoint: &ResolvedEndpoint) -> HttpRequest {
        let date = sign::format_timestamp((self.config.clock)());
        let nonce = (self.config.nonce)();
        let c = &self.credentials;
        let body = form_body(call.body);
        match self.config.signature {
            SignatureVersion::V3 => {
                let query: Vec<(String, String)> = call.query.as_slice().to_vec();
                let mut headers = vec![
                    ("host".to_owned(), endpoint.host.clone()),
                    ("x-acs-action".to_owned(), call.action.to_owned()),
                    ("x-acs-version".to_owned(), self.service.version.to_owned()),
                    ("x-acs-date".to_owned(), date),
                    ("x-acs-signature-nonce".to_owned(), nonce),
                    ("x-acs-content-sha256".to_owned(), sign::sha256_hex(body.as_bytes())),
                ];
                if let Some(token) = c.security_token() {
                    headers.push(("x-acs-security-token".to_owned(), token.expose().to_owned()));
                }
                if !body.is_empty() {
                    headers.push(("content-type".to_owned(), "application/x-www-form-urlencoded".to_owned()));
                }
                let signed: Vec<String> = headers.iter().map(|(n, _)| n.clone()).collect();
                let signature = sign::sign_v3(&V3Input {
                    method: call.method.as_str(),
                    canonical_uri: "/",
                    query: &query,
                    headers: &headers,
                    signed_headers: &signed,
                    body: body.as_bytes(),
                    access_key_id: c.access_key_id(),
                    access_key_secret: c.access_key_secret().expose(),
                });
                headers.push(("authorization".to_owned(), signature.authorization));
                headers.push(("user-agent".to_owned(), self.config.user_agent.clone()));
                headers.push(("accept".to_owned(), "application/json".to_owned()));
                let query_string = sign::canonical_query(query.iter().map(|(n, v)| (n.as_str(), v.as_str())));
                HttpRequest { method: call.method, url: url(endpoint, &query_string), headers, body: body.into_bytes() }
            }
            SignatureVersion::Rpc => {
                // The current SDK's order and spelling (vector rpc-05): `Format=json`, no
                // `SignatureType`; the order is cosmetic, the signature sorts.
                let mut params: Vec<(String, String)> = vec![
                    ("Action".into(), call.action.into()),
                    ("Format".into(), "json".into()),
                    ("Version".into(), self.service.version.into()),
                    ("Timestamp".into(), date),
                    ("SignatureNonce".into(), nonce),
                ];
                params.extend(call.query.as_slice().iter().cloned());
                if let Some(token) = c.security_token() {
                    params.push(("SecurityToken".into(), token.expose().into()));
                }
                params.push(("SignatureMethod".into(), "HMAC-SHA1".into()));
                params.push(("SignatureVersion".into(), "1.0".into()));
                params.push(("AccessKeyId".into(), c.access_key_id().into()));
                let mut signed_set = params.clone();
                signed_set.extend(call.body.as_slice().iter().cloned());
                let signature = sign::sign_rpc(call.method.as_str(), "/", &signed_set, c.access_key_secret().expose());
                params.push(("Signature".into(), signature.signature));
                let query_string = params
                    .iter()
                    .map(|(n, v)| format!("{}={}", sign::percent_encode(n), sign::percent_encode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                let mut headers = vec![
                    ("host".to_owned(), endpoint.host.clone()),
                    ("x-acs-action".to_owned(), call.action.to_owned()),
                    ("x-acs-version".to_owned(), self.service.version.to_owned()),
                    ("user-agent".to_owned(), self.config.user_agent.clone()),
                    ("accept".to_owned(), "application/json".to_owned()),
                ];
                if !body.is_empty() {
                    headers.push(("content-type".to_owned(), "application/x-www-form-urlencoded".to_owned()));
                }
                HttpRequest { method: call.method, url: url(endpoint, &query_string), headers, body: body.into_bytes() }
            }
        }
    }
}

fn url(endpoint: &ResolvedEndpoint, query: &str) -> String {
    if query.is_empty() {
        format!("{}/", endpoint.base_url())
    } else {
        format!("{}/?{query}", endpoint.base_url())
    }
}

fn form_body(params: &Params) -> String {
    params.iter().map(|(n, v)| format!("{}={}", sign::percent_encode(n), sign::percent_encode(v))).collect::<Vec<_>>().join("&")
}

fn is_throttling(code: &str) -> bool {
    code.starts_with("Throttling") || code == "ServiceUnavailable"
}

/// The request id: from the `x-acs-request-id` header the gateway sends, else from the body
/// (which the body is then scanned for; the header spares that second pass).
fn request_id(response: &HttpResponse) -> Option<String> {
    if let Some(id) = response.header("x-acs-request-id") {
        return Some(id.to_owned());
    }
    #[derive(serde::Deserialize)]
    struct WithId {
        #[serde(rename = "RequestId", alias = "requestId")]
        request_id: Option<String>,
    }
    serde_json::from_slice::<WithId>(&response.body).ok().and_then(|w| w.request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_official_sdks_timeouts_and_three_attempts() {
        assert_eq!(Timeouts::default(), Timeouts { connect: Duration::from_secs(5), read: Duration::from_secs(10) });
        let retry = RetryPolicy::default();
        assert_eq!((retry.max_attempts, retry.base_delay, retry.max_delay), (3, Duration::from_millis(100), Duration::from_secs(20)));
        let config = Config::new();
        assert_eq!((config.signature, config.validate), (SignatureVersion::V3, true));
    }

    #[test]
    fn request_id_comes_from_the_header_before_the_body() {
        let response =
            |headers: Vec<(String, String)>| HttpResponse { status: 200, headers, body: br#"{"RequestId":"FROM-BODY"}"#.to_vec() };
        assert_eq!(request_id(&response(vec![("x-acs-request-id".into(), "FROM-HEADER".into())])).as_deref(), Some("FROM-HEADER"));
        assert_eq!(request_id(&response(vec![])).as_deref(), Some("FROM-BODY"));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stays_under_the_cap() {
        let retry = RetryPolicy { max_attempts: 10, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
        for _ in 0..100 {
            let first = retry.backoff(0);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100), "{first:?}");
            let third = retry.backoff(2);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400), "{third:?}");
            assert!(retry.backoff(30) <= Duration::from_secs(1));
        }
    }
}
