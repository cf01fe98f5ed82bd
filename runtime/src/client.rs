//! The client: validation, endpoint, signing, transport, retries and decoding for any
//! generated operation.
//!
//! Everything here is written once, non-generic, around the [`Operation`] constants and wire
//! parameters; the only generic piece is the thin [`Client::call`] that decodes the typed
//! response. Generated crates wrap this client with one method per operation.
//!
//! The request of one attempt, signed in each algorithm, is built in `client/signing.rs`, one
//! function per algorithm; `Client::sign` chooses.
//!
//! Longer than 500 lines on purpose: the attempt loop (extras, interceptors, signing, sending,
//! the retry budget, back-off) is one function whose steps share its state; the signers and the
//! budget's arithmetic are apart in `client/signing.rs` and `client/retry.rs`.

use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

pub use crate::config::{CallOptions, Clock, Config, NonceSource, RetryBudget, RetryMode, RetryPolicy, SignatureVersion, DEFAULT_DEADLINE};
use crate::credentials::{Credentials, ProvideCredentials};
use crate::endpoint::{self, ResolvedEndpoint};
use crate::error::{snippet, Error, TransportErrorKind};
use crate::service::{ApiStyle, HttpMethod, Operation, ServiceInfo};
use crate::service_error::ServiceError;
use crate::sign::{self, V3Input};
use crate::transport::{HeaderText, HttpRequest, HttpResponse, HttpTransport, Transport};
use crate::wire::{self, Params};

pub mod any;
mod retry;
mod signing;

use any::{AnyRequest, OperationInfo};

/// Why an extra header (the client's, the call's or an interceptor's) cannot join `headers`:
/// one the signer sets, one HTTP cannot carry, or one the request already sets.
fn extra_header(name: &str, value: &str, headers: &Params<'_>) -> Result<(), String> {
    crate::interceptor::check_header(name, value)?;
    if headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
        return Err(format!("extra header {name}: the request sets it"));
    }
    Ok(())
}

/// A client for one product version.
#[derive(Clone)]
pub struct Client {
    service: &'static ServiceInfo,
    credentials: Arc<dyn ProvideCredentials>,
    config: Config,
    transport: Arc<dyn Transport>,
    /// The retry budget, shared by this client's clones.
    bucket: Option<Arc<retry::Bucket>>,
    /// The adaptive mode's rate limiter, shared by this client's clones.
    limiter: Option<Arc<retry::RateLimiter>>,
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

/// A request's parameters, by where they travel.
/// Parameters borrow the request's strings: the request outlives them within the call.
struct Wire<'r> {
    query: Params<'r>,
    body: Params<'r>,
    headers: Params<'r>,
    path: Params<'r>,
    json: Option<serde_json::Value>,
    binary: Option<&'r [u8]>,
}

/// What the non-generic core needs of an operation.
#[derive(Clone, Copy)]
struct Call<'a> {
    action: &'static str,
    method: HttpMethod,
    query: &'a Params<'a>,
    body: &'a Params<'a>,
    headers: &'a Params<'a>,
    path: &'static str,
    path_params: &'a Params<'a>,
    json_body: Option<&'a serde_json::Value>,
    binary_body: Option<&'a [u8]>,
    /// Sent to its path template (ROA), or to `/` (RPC).
    roa: bool,
    /// Takes no credentials: sent unsigned.
    anonymous: bool,
    idempotent: bool,
    https_only: bool,
}

impl<'a> Call<'a> {
    fn new(info: &OperationInfo, wire: &'a Wire<'a>, service: &ServiceInfo) -> Self {
        Self {
            action: info.action,
            method: info.method,
            query: &wire.query,
            body: &wire.body,
            headers: &wire.headers,
            path: info.path,
            path_params: &wire.path,
            json_body: wire.json.as_ref(),
            binary_body: wire.binary,
            roa: info.style.unwrap_or(service.style) == ApiStyle::Roa,
            anonymous: info.anonymous,
            idempotent: info.idempotency_token.is_some(),
            https_only: info.https_only,
        }
    }
}

impl Client {
    /// A client for `service`. Without a provider of your own, the default chain is built now
    /// (files read, so a malformed one fails here) and shared by every client of this config;
    /// credentials are fetched at the first call.
    pub fn new(service: &'static ServiceInfo, mut config: Config) -> Result<Self, Error> {
        config.build_transports()?;
        let credentials = config.shared_provider()?;
        config.user_agent = config.effective_user_agent();
        config.user_agent_set = true;
        let transport = config.transport.clone().or_else(|| config.built.as_ref().map(|b| b.client.clone())).unwrap_or_else(|| {
            Arc::new(HttpTransport::new().max_response_bytes(config.max_response_bytes).min_throughput(config.min_throughput))
        });
        let bucket = config.retry_budget.map(|budget| Arc::new(retry::Bucket::new(budget)));
        let limiter = (config.retry_mode == RetryMode::Adaptive).then(|| Arc::new(retry::RateLimiter::new()));
        Ok(Self { service, credentials, config, transport, bucket, limiter })
    }

    /// The credentials provider in use.
    pub fn credentials_provider(&self) -> &Arc<dyn ProvideCredentials> {
        &self.credentials
    }

    /// Validates `request` (unless disabled), fills an unset idempotency token and adds the
    /// extra headers and query parameters: the wire parameters of one call, borrowing the
    /// request's strings. The typed and the erased paths both prepare a request here.
    fn ready<'r>(&'r self, request: &'r mut dyn AnyRequest, options: &'r CallOptions) -> Result<(OperationInfo, Wire<'r>), Error> {
        let info = request.info();
        if self.config.validate {
            request.validate()?;
        }
        if info.idempotency_token.is_some() && request.idempotency_token().is_none() {
            // Once per call, before the first attempt: every retry carries the same token, so
            // the service applies the change at most once.
            request.set_idempotency_token(sign::new_uuid());
        }
        let request = &*request;
        let mut wire = Wire {
            query: request.to_params(),
            body: request.to_body_params(),
            headers: request.to_header_params(),
            path: request.to_path_params(),
            json: request.to_json_body(),
            binary: request.to_binary_body(),
        };
        self.add_extras(&mut wire, options)?;
        Ok((info, wire))
    }

    /// Adds the client's and the call's extra headers and query parameters, each checked: not
    /// one the signer sets, not one the request sets, one that can be sent.
    fn add_extras<'r>(&'r self, wire: &mut Wire<'r>, options: &'r CallOptions) -> Result<(), Error> {
        for (name, value) in self.config.extra_headers.iter().chain(&options.headers) {
            extra_header(name, value, &wire.headers).map_err(Error::Config)?;
            wire.headers.push(name.clone(), value.as_str());
        }
        for (name, value) in self.config.extra_query.iter().chain(&options.query) {
            crate::interceptor::check_param(name).map_err(Error::Config)?;
            if wire.query.iter().chain(wire.body.iter()).any(|(n, _)| n == name) {
                return Err(Error::Config(format!("extra query parameter {name}: the request sets it")));
            }
            wire.query.push(name.clone(), value.as_str());
        }
        Ok(())
    }

    /// The headers the interceptors add to an attempt, checked as extra headers are.
    fn intercepted_headers(&self, call: &Call<'_>, info: &crate::interceptor::AttemptInfo<'_>) -> Result<Vec<(String, String)>, Error> {
        let mut added = Vec::new();
        for interceptor in &self.config.interceptors {
            interceptor.modify_before_signing(info, &mut added);
        }
        for (name, value) in &added {
            extra_header(name, value, call.headers).map_err(|e| Error::Config(format!("an interceptor's {e}")))?;
        }
        Ok(added)
    }

    /// Calls the operation and decodes its response.
    pub async fn call<O: Operation>(&self, request: O, options: &CallOptions) -> Result<O::Response, Error> {
        Ok(self.call_with_body(request, options).await?.0)
    }

    /// [`Client::call`] with owned options and the error typed by a product's codes: what each
    /// generated per-operation method returns. Being a plain function returning this future
    /// (not an `async fn` of its own), a generated method adds no state machine to its crate.
    pub async fn call_typed<O: Operation, E: From<Error>>(&self, request: O, options: CallOptions) -> Result<O::Response, E> {
        self.call(request, &options).await.map_err(E::from)
    }

    /// Calls the operation; returns the decoded response and the body as received (which keeps
    /// fields the spec does not describe).
    pub async fn call_with_body<O: Operation>(&self, request: O, options: &CallOptions) -> Result<(O::Response, Vec<u8>), Error> {
        let mut request = any::Plain(request);
        let (info, wire) = self.ready(&mut request, options)?;
        let response = self.execute(&Call::new(&info, &wire, self.service), options).await?;
        match O::decode_response(&response.body) {
            Ok(decoded) => Ok((decoded, response.body)),
            Err(message) => {
                Err(Error::Decode { operation: O::ACTION, status: response.status, message, snippet: snippet(&response.body, 200) })
            }
        }
    }

    /// Calls an operation whose request type is erased ([`any::erase`]); returns the response's
    /// status and body as received, not decoded. The same path as [`Client::call`] in every
    /// other respect: what the generated command line calls, compiled once for every operation.
    pub async fn call_any(&self, request: &mut (dyn AnyRequest + Send + Sync), options: &CallOptions) -> Result<(u16, Vec<u8>), Error> {
        let (info, wire) = self.ready(request, options)?;
        let response = self.execute(&Call::new(&info, &wire, self.service), options).await?;
        Ok((response.status, response.body))
    }

    /// The signed request the first attempt would send, without sending it (`--dry-run`).
    pub async fn signed_request<O: Operation>(&self, request: O) -> Result<HttpRequest, Error> {
        let mut request = any::Plain(request);
        let defaults = CallOptions::default();
        let (info, wire) = self.ready(&mut request, &defaults)?;
        self.sign_first_attempt(&Call::new(&info, &wire, self.service)).await
    }

    /// [`Client::signed_request`] for a request whose type is erased.
    pub async fn signed_request_any(&self, request: &mut (dyn AnyRequest + Send + Sync)) -> Result<HttpRequest, Error> {
        let defaults = CallOptions::default();
        let (info, wire) = self.ready(request, &defaults)?;
        self.sign_first_attempt(&Call::new(&info, &wire, self.service)).await
    }

    /// The first attempt of `call`, signed.
    async fn sign_first_attempt(&self, call: &Call<'_>) -> Result<HttpRequest, Error> {
        let endpoint = self.endpoint(call)?;
        if call.anonymous {
            return Ok(self.unsigned(call, &endpoint));
        }
        // Within the call's deadline, as a call's own fetch is: a credentials endpoint that
        // trickles cannot hold `--dry-run` for ever. Keys that are ready (static ones, a fresh
        // cache) need no timer, so signing alone runs on any executor, tokio's or not.
        let mut provide = self.credentials.provide();
        let credentials = match (futures_util::FutureExt::now_or_never(&mut provide), self.config.deadline) {
            (Some(ready), _) => ready?,
            (None, None) => provide.await?,
            (None, Some(deadline)) => tokio::time::timeout(deadline, provide).await.map_err(|_| Error::Transport {
                operation: call.action,
                kind: TransportErrorKind::Timeout,
                message: format!("no credentials within the call's deadline of {deadline:?}"),
                attempts: 0,
            })??,
        };
        credentials.check_usable()?;
        Ok(self.sign(call, &endpoint, &credentials))
    }

    fn endpoint(&self, call: &Call<'_>) -> Result<ResolvedEndpoint, Error> {
        let region = self.config.region.as_deref().or_else(|| call.query.get("RegionId"));
        let endpoint =
            endpoint::resolve(self.config.endpoint.as_deref(), region, self.config.network.as_deref(), &self.service.endpoints())?;
        endpoint.check_https(call.action, call.https_only, self.config.allow_http)?;
        Ok(endpoint)
    }

    async fn execute(&self, call: &Call<'_>, options: &CallOptions) -> Result<HttpResponse, Error> {
        let endpoint = self.endpoint(call)?;
        let retry = options.retry.unwrap_or(self.config.retry);
        let timeouts = options.timeouts.unwrap_or(self.config.timeouts);
        let span = tracing::info_span!("acs.call", operation = call.action, product = self.service.product, host = %endpoint.host, attempts = tracing::field::Empty, request_id = tracing::field::Empty);
        let call_span = span.clone();
        let deadline = options.deadline.or(self.config.deadline);
        // Attempts so far, readable when the deadline cuts the call short.
        let attempts = std::sync::atomic::AtomicU32::new(0);
        // What the latest failed attempt met, for the deadline's message.
        let last_failure: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
        let call_future = async {
            let mut attempt = 0;
            // What this call's retries took from the budget, given back if it succeeds.
            let mut spent = 0u32;
            loop {
                attempt += 1;
                attempts.store(attempt, std::sync::atomic::Ordering::Relaxed);
                let info = crate::interceptor::AttemptInfo {
                    product: self.service.product,
                    operation: call.action,
                    attempt,
                    host: &endpoint.host,
                };
                let intercepted = !self.config.interceptors.is_empty();
                // Headers the interceptors add, signed with the rest.
                let added = if intercepted { self.intercepted_headers(call, &info)? } else { Vec::new() };
                let attempt_headers;
                let attempt_call;
                let this = if added.is_empty() {
                    call
                } else {
                    attempt_headers = {
                        let mut headers = call.headers.clone();
                        for (name, value) in added {
                            headers.push(name, value);
                        }
                        headers
                    };
                    attempt_call = Call { headers: &attempt_headers, ..*call };
                    &attempt_call
                };
                // Signed anew each time: fresh credentials (a provider may have refreshed them),
                // date and nonce per attempt.
                let (request, credentials) = if this.anonymous {
                    (self.unsigned(this, &endpoint), None)
                } else {
                    let credentials = self.credentials.provide().await?;
                    // A key with a line break would split the request: a configuration error,
                    // never sent and never retried.
                    credentials.check_usable()?;
                    (self.sign(this, &endpoint, &credentials), Some(credentials))
                };
                if intercepted {
                    let shown = request.redacted();
                    for interceptor in &self.config.interceptors {
                        interceptor.read_before_transmit(&info, &shown);
                    }
                }
                if let Some(limiter) = &self.limiter {
                    limiter.acquire().await;
                }
                let outcome = self.transport.send(request, timeouts).instrument(tracing::debug_span!("acs.attempt", attempt)).await;
                if intercepted {
                    let token = credentials.as_ref().and_then(|c| c.security_token()).map(|t| t.expose());
                    let shown = outcome.as_ref().map(|r| crate::interceptor::redacted_response(r, token));
                    for interceptor in &self.config.interceptors {
                        interceptor.read_after_attempt(&info, shown.as_ref().map_err(|e| *e));
                    }
                }
                let last = attempt >= retry.max_attempts.max(1);
                call_span.record("attempts", attempt);
                // Without a subscriber that wants the span, the body is not scanned for the id.
                if let (Ok(response), false) = (&outcome, call_span.is_disabled()) {
                    if let Some(id) = request_id(response) {
                        call_span.record("request_id", id.as_str());
                    }
                }
                match outcome {
                    Ok(response) if (200..300).contains(&response.status) => {
                        if let Some(limiter) = &self.limiter {
                            limiter.record(false);
                        }
                        if let Some(bucket) = &self.bucket {
                            bucket.succeeded(spent);
                        }
                        tracing::debug!(
                            attempt,
                            status = response.status,
                            request_id = request_id(&response).as_deref(),
                            "acs call succeeded"
                        );
                        return Ok(response);
                    }
                    Ok(response) => {
                        let service_error =
                            ServiceError::from_body(response.status, &String::from_utf8_lossy(&response.body)).map(|mut e| {
                                // Some products leave the request id out of the error body; the gateway's header has it.
                                if e.request_id.is_none() {
                                    e.request_id = response.header(crate::sign::headers::REQUEST_ID).map(str::to_owned);
                                }
                                // A wrong signature's answer echoes the string-to-sign, STS token included.
                                if let Some(token) = credentials.as_ref().and_then(|c| c.security_token()) {
                                    e.redact(token.expose());
                                }
                                e
                            });
                        let throttled = response.status == 429 || service_error.as_ref().is_some_and(|e| is_throttling(&e.code));
                        if let Some(limiter) = &self.limiter {
                            limiter.record(throttled);
                        }
                        let retryable = response.status >= 500 || throttled;
                        tracing::info!(
                            attempt,
                            status = response.status,
                            code = service_error.as_ref().map(|e| e.code.as_str()),
                            request_id = service_error.as_ref().and_then(|e| e.request_id.as_deref()),
                            retryable,
                            "acs call failed"
                        );
                        if retryable && !last && self.budget_allows(&mut spent, false) {
                            let what = service_error
                                .as_ref()
                                .map_or_else(|| format!("HTTP {}", response.status), |e| format!("HTTP {} {}", response.status, e.code));
                            *last_failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(what);
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
                        let retryable = e.kind == TransportErrorKind::Connect
                            || (call.idempotent && matches!(e.kind, TransportErrorKind::Timeout | TransportErrorKind::Io));
                        tracing::info!(attempt, kind = %e.kind, retryable, "acs transport error: {}", e.message);
                        if retryable && !last && self.budget_allows(&mut spent, e.kind == TransportErrorKind::Timeout) {
                            *last_failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.message.clone());
                            tokio::time::sleep(self.delay(&retry, attempt, None)).await;
                            continue;
                        }
                        return Err(Error::Transport { operation: call.action, kind: e.kind, message: e.message, attempts: attempt });
                    }
                }
            }
        }
        .instrument(span);
        match deadline {
            None => call_future.await,
            Some(deadline) => match tokio::time::timeout(deadline, call_future).await {
                Ok(outcome) => outcome,
                Err(_) => Err(Error::Transport {
                    operation: call.action,
                    kind: TransportErrorKind::Timeout,
                    message: match last_failure.lock().unwrap_or_else(|e| e.into_inner()).take() {
                        Some(failure) => format!(
                            "no answer within the call's deadline of {deadline:?}, retries included; an earlier attempt failed: {failure}"
                        ),
                        None => format!("no answer within the call's deadline of {deadline:?}, retries included"),
                    },
                    attempts: attempts.load(std::sync::atomic::Ordering::Relaxed),
                }),
            },
        }
    }

    /// Whether the retry budget pays for one more retry (always, without a budget); adds its
    /// cost to `spent`.
    fn budget_allows(&self, spent: &mut u32, after_timeout: bool) -> bool {
        let Some(bucket) = &self.bucket else { return true };
        match bucket.withdraw(after_timeout) {
            Some(cost) => {
                *spent += cost;
                true
            }
            None => {
                tracing::info!("retry budget exhausted: no retry");
                false
            }
        }
    }

    /// Tokens left in this client's retry budget (`None` without one).
    pub fn retry_tokens(&self) -> Option<u32> {
        self.bucket.as_ref().map(|b| b.tokens())
    }

    fn delay(&self, retry: &RetryPolicy, attempt: u32, response: Option<&HttpResponse>) -> Duration {
        let asked = response
            .and_then(|r| r.header(crate::sign::headers::RETRY_AFTER))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|ms| *ms > 0);
        match asked {
            Some(ms) => Duration::from_millis(ms).min(retry.max_delay),
            None => retry.backoff(attempt - 1),
        }
    }

    /// The request of one attempt of an operation that takes no credentials (security
    /// `Anonymous`, as STS `AssumeRoleWithOIDC`), as the official SDK sends it: RPC-shaped with
    /// `Action`, `Format`, `Version`, `Timestamp` and `SignatureNonce` in the query and no
    /// signature; ROA with the `x-acs-*` headers and no `Authorization`.
    fn unsigned(&self, call: &Call<'_>, endpoint: &ResolvedEndpoint) -> HttpRequest {
        let date = sign::format_timestamp((self.config.clock)());
        let nonce = (self.config.nonce)();
        let (path, query): (String, String) = if call.roa {
            let query: Vec<(&str, &str)> = call.query.iter().collect();
            (wire::fill_path(call.path, call.path_params), sign::canonical_query(query))
        } else {
            let mut pairs: Vec<(&str, &str)> =
                crate::sign::rpc_common(call.action, crate::sign::RPC_FORMAT_API, self.service.version, &date, &nonce).to_vec();
            pairs.extend(call.query.iter());
            ("/".to_owned(), sign::canonical_query(pairs))
        };
        let (body, content_type) = body_of(call);
        let mut headers: Vec<(HeaderText, HeaderText)> = vec![
            ("host".into(), endpoint.host.clone()),
            (crate::sign::headers::ACTION.into(), call.action.into()),
            (crate::sign::headers::VERSION.into(), self.service.version.into()),
            (crate::sign::headers::DATE.into(), date.clone().into()),
            (crate::sign::headers::SIGNATURE_NONCE.into(), nonce.clone().into()),
            ("user-agent".into(), self.config.user_agent.clone()),
            ("accept".into(), "application/json".into()),
        ];
        if let Some(content_type) = content_type {
            headers.push((crate::sign::headers::CONTENT_TYPE.into(), content_type.into()));
        }
        headers.extend(call.headers.iter().map(|(n, v)| (n.to_owned().into(), v.to_owned().into())));
        HttpRequest { method: call.method, url: url(endpoint, &path, &query), headers, body }
    }

    /// Builds the signed request of one attempt.
    fn sign(&self, call: &Call<'_>, endpoint: &ResolvedEndpoint, c: &Credentials) -> HttpRequest {
        let now = (self.config.clock)();
        let date = sign::format_timestamp(now);
        let nonce = (self.config.nonce)();
        let roa = call.roa;
        let path: std::borrow::Cow<'_, str> = if roa { wire::fill_path(call.path, call.path_params).into() } else { "/".into() };
        let (body, content_type) = body_of(call);
        // Raw bytes, and a JSON body on an RPC-shaped operation, are signed with ACS3 whatever
        // the configured signature: the official SDK sends them only that way.
        let signature = match self.config.signature {
            SignatureVersion::Rpc if call.binary_body.is_some() || (call.json_body.is_some() && !roa) => SignatureVersion::V3,
            chosen => chosen,
        };
        let attempt = signing::Attempt {
            call,
            endpoint,
            version: self.service.version,
            user_agent: &self.config.user_agent,
            now,
            date,
            nonce,
            path,
            body,
            content_type,
        };
        match (signature, roa) {
            (SignatureVersion::V3, _) => signing::v3(attempt, c),
            (SignatureVersion::Rpc, false) => signing::rpc(attempt, c),
            (SignatureVersion::Rpc, true) => signing::roa_legacy(attempt, c),
        }
    }
}

fn url(endpoint: &ResolvedEndpoint, path: &str, query: &str) -> String {
    let mut url = url_prefix(endpoint, path, !query.is_empty(), query.len());
    url.push_str(query);
    url
}

/// `scheme://host/path`, and `?` when a query follows, with room for `room` more bytes.
fn url_prefix(endpoint: &ResolvedEndpoint, path: &str, query: bool, room: usize) -> String {
    let mut url = String::with_capacity(endpoint.scheme.len() + 4 + endpoint.host.len() + path.len() + room);
    url.push_str(endpoint.scheme);
    url.push_str("://");
    url.push_str(&endpoint.host);
    url.push_str(path);
    if query {
        url.push('?');
    }
    url
}

/// The request body and its content type: raw bytes, a JSON body, a form, or none.
fn body_of(call: &Call<'_>) -> (Vec<u8>, Option<&'static str>) {
    match (&call.json_body, call.binary_body) {
        (_, Some(bytes)) => (bytes.to_vec(), Some("application/octet-stream")),
        (Some(json), None) => (wire::json_sorted(json).into_bytes(), Some("application/json; charset=utf-8")),
        (None, None) if !call.body.is_empty() => (form_body(call.body).into_bytes(), Some("application/x-www-form-urlencoded")),
        (None, None) => (Vec::new(), None),
    }
}

fn form_body(params: &Params<'_>) -> String {
    sign::encode_pairs(params.iter())
}

fn is_throttling(code: &str) -> bool {
    code.starts_with("Throttling") || code == "ServiceUnavailable"
}

/// The request id: from the `x-acs-request-id` header the gateway sends, else from the body
/// (which the body is then scanned for; the header spares that second pass).
fn request_id(response: &HttpResponse) -> Option<String> {
    if let Some(id) = response.header(crate::sign::headers::REQUEST_ID) {
        return Some(id.to_owned());
    }
    let mut id = [None];
    let text = std::str::from_utf8(&response.body).ok()?;
    crate::json::string_members(text, &[&["RequestId", "requestId", "request_id"]], &mut id);
    id[0].take()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_id_comes_from_the_header_before_the_body() {
        let response =
            |headers: Vec<(String, String)>| HttpResponse { status: 200, headers, body: br#"{"RequestId":"FROM-BODY"}"#.to_vec() };
        assert_eq!(
            request_id(&response(vec![(crate::sign::headers::REQUEST_ID.into(), "FROM-HEADER".into())])).as_deref(),
            Some("FROM-HEADER")
        );
        assert_eq!(request_id(&response(vec![])).as_deref(), Some("FROM-BODY"));
        let cs = HttpResponse { status: 200, headers: vec![], body: br#"{"request_id":"CS-STYLE"}"#.to_vec() };
        assert_eq!(request_id(&cs).as_deref(), Some("CS-STYLE"), "ROA products spell it their own way");
    }
}
