//! The HTTP layer, behind a trait so tests and users can plug in their own.

use std::borrow::Cow;
#[cfg(feature = "client")]
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
#[cfg(feature = "client")]
use std::sync::Mutex;
use std::time::Duration;

use crate::error::TransportErrorKind;
use crate::service::HttpMethod;

/// Header names whose values are secrets, redacted when a request is shown.
const SECRET_HEADERS: &[&str] = &["x-acs-security-token"];
/// Query parameters whose values are secrets.
const SECRET_PARAMS: &[&str] = &["SecurityToken"];

/// A header name or value: most are fixed text (`host`, `accept`, an action's name), so they
/// are borrowed, not allocated per request.
pub type HeaderText = Cow<'static, str>;

/// A request ready to send: signed, with every header it will carry.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method.
    pub method: HttpMethod,
    /// Absolute URL, query already encoded.
    pub url: String,
    /// Headers in send order, `host` first.
    pub headers: Vec<(HeaderText, HeaderText)>,
    /// Body bytes (empty for most RPC calls).
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The value of the first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_ref())
    }

    /// The request as HTTP/1.1 text (request line, headers, blank line, body), with STS tokens
    /// redacted. For `--dry-run` and logs.
    pub fn to_http_text(&self) -> String {
        let after_scheme = self.url.split_once("://").map_or(self.url.as_str(), |(_, rest)| rest);
        let target = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method.as_str(), redact_query(target));
        for (name, value) in &self.headers {
            let shown = if SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s)) { "** redacted **" } else { value.as_ref() };
            out.push_str(&format!("{name}: {shown}\r\n"));
        }
        out.push_str(&format!("content-length: {}\r\n\r\n", self.body.len()));
        out.push_str(&redact_query(&String::from_utf8_lossy(&self.body)));
        out
    }
}

fn redact_query(text: &str) -> String {
    let mut out = text.to_owned();
    for name in SECRET_PARAMS {
        let key = format!("{name}=");
        let mut start = 0;
        while let Some(found) = out[start..].find(&key) {
            let at = start + found;
            let boundary = at == 0 || matches!(out.as_bytes()[at - 1], b'?' | b'&');
            let value_start = at + key.len();
            let value_end = out[value_start..].find('&').map_or(out.len(), |i| value_start + i);
            if boundary {
                out.replace_range(value_start..value_end, "**redacted**");
            }
            start = value_start;
        }
    }
    out
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_http_text())
    }
}

/// A response as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers (names lower case).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The value of the first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Connect and read time limits of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timeouts {
    /// Limit for establishing the connection (default 5 s, as the official SDKs).
    pub connect: Duration,
    /// Limit for the response, once connected (default 10 s, as the official SDKs).
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { connect: Duration::from_secs(5), read: Duration::from_secs(10) }
    }
}

/// A failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// What failed; decides whether a retry is safe.
    pub kind: TransportErrorKind,
    /// Details.
    pub message: String,
}

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one request and returns the response, honouring `timeouts`.
pub trait Transport: Send + Sync {
    /// Sends `request`.
    fn send(&self, request: HttpRequest, timeouts: Timeouts) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;
}

/// The default transport: reqwest over rustls (no OpenSSL). One pooled client per distinct pair
/// of timeouts, so per-call timeouts are real connect and read limits.
#[cfg(feature = "client")]
pub struct ReqwestTransport {
    clients: Mutex<HashMap<Timeouts, reqwest::Client>>,
    max_response_bytes: usize,
    no_proxy: bool,
}

/// The largest response body the default transport reads: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 << 20;

#[cfg(feature = "client")]
impl Default for ReqwestTransport {
    fn default() -> Self {
        Self { clients: Mutex::default(), max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES, no_proxy: false }
    }
}

#[cfg(feature = "client")]
impl ReqwestTransport {
    /// A transport with no connections yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuses a response body larger than `bytes` (read no further than that).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Ignores `HTTP_PROXY`/`HTTPS_PROXY` (for the instance metadata service, which only the
    /// instance itself can reach).
    pub fn without_proxy(mut self) -> Self {
        self.no_proxy = true;
        self
    }

    fn client(&self, timeouts: Timeouts) -> Result<reqwest::Client, TransportError> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(&timeouts) {
            return Ok(c.clone());
        }
        let mut builder = reqwest::Client::builder();
        if self.no_proxy {
            builder = builder.no_proxy();
        }
        let client = builder
            .connect_timeout(timeouts.connect)
            .read_timeout(timeouts.read)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| TransportError { kind: TransportErrorKind::Connect, message: format!("cannot build the HTTP client: {e}") })?;
        clients.insert(timeouts, client.clone());
        Ok(client)
    }
}

#[cfg(feature = "client")]
fn classify(e: &reqwest::Error) -> TransportErrorKind {
    if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_timeout() {
        TransportErrorKind::Timeout
    } else {
        TransportErrorKind::Io
    }
}

/// The error and its causes, without the URL: an RPC URL carries `SecurityToken`, which must
/// never reach an error message or a log.
#[cfg(feature = "client")]
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

#[cfg(feature = "client")]
impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest, timeouts: Timeouts) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let client = self.client(timeouts)?;
            let method = match request.method {
                HttpMethod::Get => reqwest::Method::GET,
                HttpMethod::Post => reqwest::Method::POST,
                HttpMethod::Put => reqwest::Method::PUT,
                HttpMethod::Delete => reqwest::Method::DELETE,
                HttpMethod::Patch => reqwest::Method::PATCH,
            };
            let mut builder = client.request(method, &request.url);
            for (name, value) in &request.headers {
                builder = builder.header(name.as_ref(), value.as_ref());
            }
            let fail = |e: reqwest::Error| TransportError { kind: classify(&e), message: describe(e) };
            let response = builder.body(request.body).send().await.map_err(fail)?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            // Read in chunks, so an endless or oversized body stops at the limit.
            let limit = self.max_response_bytes;
            let too_large = || TransportError {
                kind: TransportErrorKind::TooLarge,
                message: format!("the response body is larger than the limit of {limit} bytes"),
            };
            if response.content_length().is_some_and(|n| n > limit as u64) {
                return Err(too_large());
            }
            let mut response = response;
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(fail)? {
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(HttpResponse { status, headers, body })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_text_redacts_sts_tokens() {
        let request = HttpRequest {
            method: HttpMethod::Post,
            url: "http://127.0.0.1:1/?A=1&SecurityToken=abc%2Bdef&B=2".into(),
            headers: vec![("host".into(), "127.0.0.1:1".into()), ("x-acs-security-token".into(), "abc+def".into())],
            body: Vec::new(),
        };
        let text = request.to_http_text();
        assert_eq!(text, "POST /?A=1&SecurityToken=**redacted**&B=2 HTTP/1.1\r\nhost: 127.0.0.1:1\r\nx-acs-security-token: ** redacted **\r\ncontent-length: 0\r\n\r\n");
        assert!(!format!("{request:?}").contains("abc"));
    }
}
