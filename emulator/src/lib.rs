//! A local endpoint that answers like Alibaba Cloud's RPC gateway, driven by a spec.
//!
//! For every request: optional fault injection, then authentication (ACS3-HMAC-SHA256 or RPC
//! HMAC-SHA1, STS tokens, a 15-minute clock window, single-use nonces), then the operation and
//! version, then the parameters against the spec (the same checks the generated clients run),
//! then the operation itself: AttachKeyPair changes the state, with an idempotency ledger keyed by
//! `ClientToken`; other operations answer their documented example. Errors use the service's
//! body shape and codes.
//!
//! STS `AssumeRole` and `AssumeRoleWithOIDC` (version 2015-04-01) are answered whatever the
//! spec, and so are the ECS instance metadata service (`/latest/api/token`,
//! `/latest/meta-data/ram/security-credentials/…`) and a credentials URI
//! (`/_emulator/credentials`): the keys they issue are accepted until they expire.
//!
//! `GET /_emulator/state` shows the live state (secrets redacted), the idempotency ledger and
//! the STS sessions issued.
//!
//! The HTTP front (the accept loop and one handler per route) is `routes.rs`.
//!
//! Longer than 500 lines on purpose: the request path after HTTP (decode, route, authenticate,
//! check, record, answer) is one sequence read top to bottom; the parts with a life of their own
//! (auth, params, ops, state, sts, reply) are modules.

pub mod auth;
pub mod ops;
pub mod params;
pub mod reply;
mod routes;
pub mod state;
pub mod sts;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use acs_ir::Service;
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use crate::auth::{Incoming, Nonces};
use crate::reply::{new_request_id, Fault};
use crate::routes::{api, credentials_uri, metadata_credentials, metadata_role, metadata_token, serve, state_view};
use crate::state::{Ledger, LedgerEntry, State};

/// Fault injection settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Fraction of API requests that get a fault (0 to 1).
    pub rate: f64,
    /// Seed of the fault sequence.
    pub seed: u64,
    /// How long a "slow" fault holds the response (meant to exceed the client's read timeout).
    pub delay: Duration,
    /// The kinds drawn from, evenly; all four when empty.
    pub kinds: Vec<FaultKind>,
}

impl FaultKind {
    /// Reads `unavailable`, `throttling`, `delay` or `drop`.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name.trim() {
            "unavailable" => Ok(Self::Unavailable),
            "throttling" => Ok(Self::Throttling),
            "delay" => Ok(Self::Delay),
            "drop" => Ok(Self::Drop),
            other => Err(format!("{other:?} is not a fault kind: unavailable, throttling, delay or drop")),
        }
    }
}

/// The faults a request can get. `Unavailable` and `Throttling` are answered before anything
/// is done; `Delay` and `Drop` happen after the operation's change is committed (and recorded
/// in the ledger), so a retry with the same ClientToken gets the stored answer: no fault ever
/// leaves a change half-applied or applies it twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// 503 ServiceUnavailable.
    Unavailable,
    /// 400 Throttling.User with `x-acs-retry-after`.
    Throttling,
    /// The answer comes after [`Faults::delay`].
    Delay,
    /// The connection is dropped instead of answering.
    Drop,
}

struct World {
    state: State,
    ledger: Ledger,
    nonces: Nonces,
    /// API requests received (faults included).
    requests: u64,
    /// The latest error answers, newest last: what the emulator said, whatever an SDK made of it.
    recent_errors: std::collections::VecDeque<Value>,
    /// STS sessions issued, oldest first (the latest [`RECENT_ERRORS`]).
    sts_sessions: std::collections::VecDeque<Value>,
    /// The latest accepted API calls, newest last (the latest [`RECENT_ERRORS`]): what the
    /// service read of each (parameters, body digest), for tests that compare clients.
    recent_calls: std::collections::VecDeque<Value>,
    metadata_tokens: sts::metadata::Tokens,
    /// Requests to the metadata service and the credentials URI, by path.
    credential_requests: BTreeMap<String, u64>,
}

/// The longest parameter value `recent_calls` keeps as it came.
const RECORDED_VALUE_CHARS: usize = 1024;

/// How many error answers `GET /_emulator/state` shows.
const RECENT_ERRORS: usize = 100;

impl World {
    fn view(&self) -> Value {
        let mut view = self.state.view(&self.ledger);
        view["requests"] = Value::from(self.requests);
        view["recent_errors"] = Value::Array(self.recent_errors.iter().cloned().collect());
        view["sts_sessions"] = Value::Array(self.sts_sessions.iter().cloned().collect());
        view["recent_calls"] = Value::Array(self.recent_calls.iter().cloned().collect());
        view["credential_requests"] = serde_json::to_value(&self.credential_requests).unwrap_or_default();
        view["metadata_tokens"] = Value::from(self.metadata_tokens.len());
        view
    }
}

/// What one client can hold, and for how long: the emulator's defences against clients that
/// send slowly or never finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A request's headers must arrive within this (default 5 s); else the connection closes.
    pub header_timeout: Duration,
    /// A whole request, body and answer included, within this (default 30 s, or the fault delay
    /// plus 5 s); else 408 `RequestTimeout`.
    pub request_timeout: Duration,
    /// Open connections at most (default 4096); more wait to be accepted.
    pub max_connections: usize,
    /// The largest body read (default 2 MiB); larger is 413 in the service's error shape.
    pub max_body_bytes: usize,
    /// On stop, how long open connections get to finish (default 5 s) before they are closed.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_connections: 4096,
            max_body_bytes: 2 << 20,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

struct Inner {
    service: Service,
    world: Mutex<World>,
    faults: Option<(Faults, Mutex<fastrand::Rng>)>,
    limits: Limits,
}

/// The emulator; cheap to clone.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

/// A running emulator; stops when [`Running::stop`] is called or it is dropped.
pub struct Running {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops serving and waits for open connections to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

impl Emulator {
    /// An emulator for the spec `spec_text` (named `spec_label` in errors) with `state`.
    pub fn new(spec_text: &str, spec_label: &str, state: State, faults: Option<Faults>) -> Result<Self, String> {
        let service = acs_ir::load(spec_text, &acs_ir::Options::default()).map_err(|e| format!("{spec_label}: {e}"))?.service;
        if let Some(f) = &faults {
            if !(0.0..=1.0).contains(&f.rate) {
                return Err(format!("fault rate {} is not between 0 and 1", f.rate));
            }
        }
        Ok(Self {
            inner: Arc::new(Inner {
                service,
                world: Mutex::new(World {
                    state,
                    ledger: Ledger::default(),
                    nonces: Nonces::default(),
                    requests: 0,
                    recent_errors: Default::default(),
                    sts_sessions: Default::default(),
                    recent_calls: Default::default(),
                    metadata_tokens: Default::default(),
                    credential_requests: BTreeMap::new(),
                }),
                limits: Limits {
                    request_timeout: Limits::default()
                        .request_timeout
                        .max(faults.as_ref().map_or(Duration::ZERO, |f| f.delay + Duration::from_secs(5))),
                    ..Limits::default()
                },
                faults: faults.map(|f| {
                    let rng = Mutex::new(fastrand::Rng::with_seed(f.seed));
                    (f, rng)
                }),
            }),
        })
    }

    /// Other limits than the defaults (before [`Emulator::start`]; a clone made earlier keeps
    /// the old ones).
    pub fn with_limits(self, limits: Limits) -> Result<Self, String> {
        if limits.max_connections == 0 {
            return Err("max_connections must be at least 1".into());
        }
        let inner = Arc::try_unwrap(self.inner).map_err(|_| "set limits before the emulator is shared".to_owned())?;
        Ok(Self { inner: Arc::new(Inner { limits, ..inner }) })
    }

    /// The HTTP routes.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/_emulator/state", get(state_view))
            .route("/_emulator/credentials", get(credentials_uri))
            .route("/latest/api/token", axum::routing::put(metadata_token))
            .route("/latest/meta-data/ram/security-credentials/", get(metadata_role))
            .route("/latest/meta-data/ram/security-credentials/{role}", get(metadata_credentials))
            .fallback(api)
            .with_state(self.inner.clone())
    }

    /// Answers one request without HTTP (no faults, no limits): status and JSON body, as the
    /// HTTP front would send them. For fuzzing and for tests that build raw requests.
    pub fn answer_raw(&self, method: &str, path_and_query: &str, headers: &[(String, String)], body: &[u8]) -> (u16, Value) {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let request_id = new_request_id();
        let host = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("host")).map_or("", |(_, v)| v.as_str());
        // The HTTP front gets names in lower case from its parser; raw callers may not.
        let headers: Vec<(String, String)> = headers.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.clone())).collect();
        match self.inner.answer(method, path, query, &headers, body, host, &request_id) {
            Ok(body) => (200, body),
            Err(fault) => (fault.status, fault.body(&request_id, host, &self.inner.service.product)),
        }
    }

    /// The live state as `GET /_emulator/state` shows it.
    pub fn state(&self) -> Value {
        self.inner.world.lock().unwrap_or_else(|e| e.into_inner()).view()
    }

    /// Serves on `addr` (e.g. `127.0.0.1:0`) until stopped, within [`Limits`].
    pub async fn start(&self, addr: &str) -> std::io::Result<Running> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(serve(listener, self.router(), self.inner.limits, rx));
        Ok(Running { url, shutdown: Some(tx), task: Some(task) })
    }
}

/// Checks an address to serve on: every address it names must be loopback, unless
/// `allow_remote`, because the emulator hands working keys to whoever asks
/// (`/_emulator/credentials`, the metadata service). With `allow_remote`, a non-loopback
/// address is served and the warning to print is returned.
pub fn check_listen(addr: &str, allow_remote: bool) -> Result<Option<String>, String> {
    use std::net::ToSocketAddrs as _;
    let resolved: Vec<std::net::SocketAddr> =
        addr.to_socket_addrs().map_err(|e| format!("--listen {addr:?} is not an address to listen on (host:port): {e}"))?.collect();
    if resolved.is_empty() {
        return Err(format!("--listen {addr:?} names no address"));
    }
    if resolved.iter().all(|a| a.ip().is_loopback()) {
        return Ok(None);
    }
    let warning = format!(
        "--listen {addr} is reachable from the network, and the emulator issues working keys to anyone who asks \
         (GET /_emulator/credentials, the metadata service)"
    );
    if allow_remote {
        Ok(Some(format!("warning: {warning}")))
    } else {
        Err(format!("{warning}; listen on 127.0.0.1, or pass --allow-remote to serve the network anyway"))
    }
}

impl Inner {
    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a request to the metadata service or the credentials URI.
    fn count(&self, path: &str) -> std::sync::MutexGuard<'_, World> {
        let mut world = self.world();
        *world.credential_requests.entry(path.to_owned()).or_default() += 1;
        world
    }
}

impl Inner {
    /// Decodes one request strictly and carries it out: the whole request path after HTTP.
    /// Header names are lower case.
    #[allow(clippy::too_many_arguments)]
    fn answer(
        &self,
        method: &str,
        path: &str,
        raw_query: &str,
        headers: &[(String, String)],
        body: &[u8],
        host: &str,
        request_id: &str,
    ) -> Result<Value, Fault> {
        // Strict decoding (a bad escape or non-UTF-8 bytes would otherwise be read as U+FFFD, and
        // a signature over that would verify), and one rule for a name sent twice: refused.
        let bad = |message: String| Fault::new(400, "InvalidParameter", message);
        let query = acs_runtime::wire::decode_query_strict(raw_query)
            .map_err(|why| bad(format!("The query is not valid percent-encoding: {why}.")))?;
        let is_form =
            headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("content-type") && v.starts_with("application/x-www-form-urlencoded"));
        let form = if is_form {
            let text = std::str::from_utf8(body).map_err(|_| bad("The form body is not UTF-8.".into()))?;
            acs_runtime::wire::decode_query_strict(text)
                .map_err(|why| bad(format!("The form body is not valid percent-encoding: {why}.")))?
        } else {
            Vec::new()
        };
        let mut names = std::collections::HashSet::new();
        if let Some((name, _)) = query.iter().chain(&form).find(|(n, _)| !names.insert(n.as_str())) {
            let shown: String = name.chars().take(64).collect();
            return Err(bad(format!("The parameter {shown:?} appears more than once.")));
        }
        let incoming = Incoming { method, path, query: &query, headers, form: &form, body };
        self.handle(&incoming, host, request_id)
    }

    fn draw_fault(&self) -> Option<FaultKind> {
        let (settings, rng) = self.faults.as_ref()?;
        let mut rng = rng.lock().unwrap_or_else(|e| e.into_inner());
        if rng.f64() >= settings.rate {
            return None;
        }
        const ALL: [FaultKind; 4] = [FaultKind::Unavailable, FaultKind::Throttling, FaultKind::Delay, FaultKind::Drop];
        let kinds: &[FaultKind] = if settings.kinds.is_empty() { &ALL } else { &settings.kinds };
        Some(kinds[rng.usize(0..kinds.len())])
    }

    /// Authenticates, checks and carries out one API request.
    fn handle(&self, incoming: &Incoming<'_>, host: &str, request_id: &str) -> Result<Value, Fault> {
        if sts::is_sts(incoming) {
            let mut world = self.world();
            let params: BTreeMap<&str, &str> = incoming
                .query
                .iter()
                .chain(incoming.form)
                .filter(|(n, _)| !params::COMMON_RPC.contains(&n.as_str()))
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            record_call(&mut world, incoming, incoming.param("Action").unwrap_or_default(), "sts", &params);
            let World { state, nonces, sts_sessions, .. } = &mut *world;
            let now = SystemTime::now();
            let (body, record) = if incoming.param("Action") == Some("AssumeRole") {
                sts::assume_role(state, nonces, incoming, now, request_id)?
            } else {
                sts::assume_role_with_oidc(state, incoming, now, request_id)?
            };
            if sts_sessions.len() == RECENT_ERRORS {
                sts_sessions.pop_front();
            }
            sts_sessions.push_back(record);
            return Ok(body);
        }
        let (query, form) = (incoming.query, incoming.form);
        // An operation that takes no credentials (security `Anonymous`) comes unsigned.
        let unsigned = incoming.header("authorization").is_none() && incoming.param("Signature").is_none();
        let named = incoming.param("Action").or(incoming.header("x-acs-action")).unwrap_or_default();
        let anonymous = unsigned && self.service.operations.iter().any(|o| o.name == named && o.anonymous);
        let caller = if anonymous {
            auth::Caller { access_key_id: String::new(), signature: "anonymous" }
        } else {
            let mut world = self.world.lock().unwrap_or_else(|e| e.into_inner());
            let World { state, nonces, .. } = &mut *world;
            auth::verify(incoming, state.keys(), nonces, SystemTime::now())?
        };
        let rpc_params = caller.signature == "rpc" || (anonymous && incoming.param("Action").is_some());
        let (action, version) = if rpc_params {
            (incoming.param("Action"), incoming.param("Version"))
        } else {
            (incoming.header("x-acs-action"), incoming.header("x-acs-version"))
        };
        let action = action.unwrap_or_default();
        let not_found = || {
            Fault::new(404, "InvalidApi.NotFound", format!("Specified api {action:?} of version {:?} is not found.", version.unwrap_or("")))
        };
        if version != Some(self.service.version.as_str()) {
            return Err(not_found());
        }
        // RPC routes by Action; ROA by method and path template (the action header, which every
        // SDK sends, breaks a tie between templates that match the same path). A V3 product's
        // path-less operations are RPC-shaped: `/`, routed by action.
        let rpc_shaped = self.service.operations.iter().find(|o| o.name == action && o.style == acs_ir::ApiStyle::Rpc);
        let (op, path_params) = if let Some(op) = rpc_shaped.filter(|_| incoming.path == "/") {
            (op, Vec::new())
        } else if self.service.style == acs_ir::ApiStyle::Roa {
            let mut matches: Vec<(&acs_ir::Operation, Vec<(String, String)>)> = self
                .service
                .operations
                .iter()
                .filter(|o| o.style == acs_ir::ApiStyle::Roa && o.method.as_str() == incoming.method)
                .filter_map(|o| acs_runtime::wire::match_path(&o.path, incoming.path).map(|p| (o, p)))
                .collect();
            matches.sort_by_key(|(o, p)| (o.name != action, p.len()));
            matches.into_iter().next().ok_or_else(|| {
                Fault::new(
                    404,
                    "InvalidApi.NotFound",
                    format!("No operation of this product answers {} {}.", incoming.method, incoming.path),
                )
            })?
        } else {
            (self.service.operations.iter().find(|o| o.name == action).ok_or_else(not_found)?, Vec::new())
        };
        let mut business: BTreeMap<String, String> =
            query.iter().chain(form).filter(|(n, _)| !rpc_params || !params::COMMON_RPC.contains(&n.as_str())).cloned().collect();
        // Header parameters arrive as headers (names in any case), under their wire names.
        for p in op.params.iter().filter(|p| p.location == acs_ir::Location::Header) {
            if let Some((_, value)) = incoming.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(&p.wire_name)) {
                business.insert(p.wire_name.clone(), value.clone());
            }
        }
        business.extend(path_params);
        let is_json = incoming.header("content-type").is_some_and(|t| t.starts_with("application/json"));
        let body: Option<Value> = match (is_json, incoming.body.is_empty()) {
            (true, false) => Some(
                serde_json::from_slice(incoming.body)
                    .map_err(|e| Fault::new(400, "InvalidParameter", format!("The body is not valid JSON: {e}")))?,
            ),
            _ => None,
        };
        // A raw body (`format: binary`) is read as the client's JSON form of it: base64.
        let is_binary = incoming.header("content-type").is_some_and(|t| t.starts_with("application/octet-stream"));
        let body = match (body, is_binary && !incoming.body.is_empty()) {
            (None, true) if op.params.iter().any(|p| p.ty == acs_ir::Type::Binary) => {
                use base64::Engine as _;
                Some(Value::String(base64::engine::general_purpose::STANDARD.encode(incoming.body)))
            }
            (body, _) => body,
        };
        params::check(&self.service, op, &business, body.as_ref())?;
        record_call(&mut self.world(), incoming, &op.name, caller.signature, &business);
        if let (Some(region), Some(host_region)) = (
            business.get("RegionId"),
            host.split(':').next().and_then(|h| h.strip_prefix("swas.")).and_then(|h| h.strip_suffix(".aliyuncs.com")),
        ) {
            if region != host_region {
                return Err(Fault::new(400, "RegionIdNotMatchHost", "The parameter regionId does not match the endpoint host."));
            }
        }
        if op.name == "ListInstances" && self.service.product == "SWAS-OPEN" {
            let world = self.world.lock().unwrap_or_else(|e| e.into_inner());
            return Ok(ops::list_instances(&world.state, &business, request_id));
        }
        if op.name == "AttachKeyPair" && self.service.product == "SWAS-OPEN" {
            let mut world = self.world.lock().unwrap_or_else(|e| e.into_inner());
            let token = business.get("ClientToken").filter(|t| !t.is_empty()).cloned();
            let fingerprint = state::fingerprint(business.iter().filter(|(n, _)| *n != "ClientToken"));
            let key = token.as_ref().map(|t| (caller.access_key_id.clone(), op.name.clone(), t.clone()));
            if let Some(entry) = key.as_ref().and_then(|k| world.ledger.get_mut(k)) {
                if entry.fingerprint != fingerprint {
                    return Err(Fault::new(
                        400,
                        "IdempotentParameterMismatch",
                        "The request uses the same client token as a previous, but non-identical request.",
                    ));
                }
                entry.replays += 1;
                let (status, stored) = entry.response.clone();
                let stored: Value = serde_json::from_str(&stored).expect("stored as JSON");
                return if status == 200 {
                    Ok(stored)
                } else {
                    Err(Fault::new(status, stored["Code"].as_str().unwrap_or_default(), stored["Message"].as_str().unwrap_or_default()))
                };
            }
            let outcome = ops::attach_key_pair(&mut world.state, &business, request_id);
            if let (Some(key), Some(token)) = (key, token) {
                let response = match &outcome {
                    Ok(body) => (200, body.to_string()),
                    Err(f) => (f.status, serde_json::json!({"Code": f.code, "Message": f.message}).to_string()),
                };
                let applied = u32::from(outcome.is_ok());
                world.ledger.insert(
                    key,
                    LedgerEntry {
                        access_key_id: caller.access_key_id,
                        action: op.name.clone(),
                        client_token: token,
                        fingerprint,
                        applied,
                        replays: 0,
                        response,
                    },
                );
            }
            return outcome;
        }
        Ok(ops::example(op.docs.response_demo.as_deref(), request_id))
    }
}

/// Keeps what the emulator read of one call (the latest [`RECENT_ERRORS`]), numbered by the
/// request count, for `recent_calls` in the state view.
///
/// Bounded in bytes too: a parameter value over [`RECORDED_VALUE_CHARS`] characters is kept as
/// its digest and length, so 100 calls with megabyte parameters cost kilobytes.
fn record_call(world: &mut World, incoming: &Incoming<'_>, action: &str, signature: &str, params: &impl serde::Serialize) {
    if world.recent_calls.len() == RECENT_ERRORS {
        world.recent_calls.pop_front();
    }
    let mut params = serde_json::to_value(params).unwrap_or_default();
    if let Some(fields) = params.as_object_mut() {
        for value in fields.values_mut() {
            if let Some(text) = value.as_str().filter(|t| t.chars().count() > RECORDED_VALUE_CHARS) {
                *value = Value::String(format!("sha256:{} ({} bytes)", acs_runtime::sign::sha256_hex(text.as_bytes()), text.len()));
            }
        }
    }
    let seq = world.requests;
    world.recent_calls.push_back(serde_json::json!({
        "seq": seq,
        "action": action,
        "signature": signature,
        "method": incoming.method,
        "path": incoming.path,
        "params": params,
        "content_type": incoming.header("content-type"),
        "body_bytes": incoming.body.len(),
        "body_sha256": acs_runtime::sign::sha256_hex(incoming.body),
    }));
}
