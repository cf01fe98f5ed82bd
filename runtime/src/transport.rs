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

/// The default transport: HTTP/1.1 by hyper, TLS by rustls (Mozilla's roots, no OpenSSL),
/// proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY` as curl reads them. One pool
/// of kept-alive connections per distinct pair of timeouts, so per-call timeouts are real
/// connect and read limits.
///
/// It is a thin layer on hyper's pooled client: a URL is parsed once (no IDNA: endpoints are
/// ASCII host names), header names and values are checked, never copied when they are fixed
/// text, and no redirect or retry layer runs (the client decides about retries itself).
#[cfg(feature = "client")]
pub struct HttpTransport {
    clients: Mutex<HashMap<Timeouts, http_client::Pool>>,
    max_response_bytes: usize,
    min_throughput: Option<MinThroughput>,
    proxies: Option<std::sync::Arc<http_client::Matcher>>,
}

/// The largest response body the default transport reads: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 << 20;

/// Stalled-stream protection: the slowest a response body may arrive.
///
/// The read timeout restarts at every piece of the body, so a server that trickles a byte now
/// and then never trips it. With this, over every stretch of `grace` the body must bring at
/// least `bytes_per_second × grace` bytes, or the attempt fails as a timeout that says so. The
/// default, [`MinThroughput::DEFAULT`], is the AWS SDK for Rust's: 1 byte per second over 20 s.
/// The whole-call deadline ([`DEFAULT_DEADLINE`](crate::DEFAULT_DEADLINE), 60 s) bounds a call
/// as well; this ends a stalled one sooner, and still guards a call with no deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MinThroughput {
    /// Bytes per second, averaged over `grace`.
    pub bytes_per_second: u64,
    /// How long a stretch is measured: the body may pause for this long at the start, or
    /// between bursts, without failing.
    pub grace: Duration,
}

impl MinThroughput {
    /// 1 byte per second over 20 s.
    pub const DEFAULT: Self = Self { bytes_per_second: 1, grace: Duration::from_secs(20) };
}

/// The running measure of one body against a [`MinThroughput`].
#[cfg(feature = "client")]
#[derive(Debug)]
struct Throughput {
    floor: MinThroughput,
    since: std::time::Instant,
    bytes: u64,
}

#[cfg(feature = "client")]
impl Throughput {
    fn new(floor: MinThroughput) -> Self {
        Self { floor, since: std::time::Instant::now(), bytes: 0 }
    }

    /// Counts `n` bytes just received; an error when the stretch that ends now was too slow.
    fn add(&mut self, n: usize) -> Result<(), String> {
        self.bytes = self.bytes.saturating_add(n as u64);
        let elapsed = self.since.elapsed();
        if elapsed < self.floor.grace {
            return Ok(());
        }
        let wanted = self.floor.bytes_per_second as f64 * elapsed.as_secs_f64();
        if (self.bytes as f64) < wanted {
            return Err(format!(
                "the response body stalled: {} bytes in {:.1} s, under the minimum of {} byte(s) per second",
                self.bytes,
                elapsed.as_secs_f64(),
                self.floor.bytes_per_second
            ));
        }
        *self = Self::new(self.floor);
        Ok(())
    }
}

#[cfg(feature = "client")]
impl Default for HttpTransport {
    fn default() -> Self {
        Self {
            clients: Mutex::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            min_throughput: Some(MinThroughput::DEFAULT),
            proxies: Some(std::sync::Arc::new(http_client::Matcher::from_env())),
        }
    }
}

#[cfg(feature = "client")]
impl HttpTransport {
    /// A transport with no connections yet, with the environment's proxies.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refuses a response body larger than `bytes` (read no further than that).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The slowest a response body may arrive ([`MinThroughput::DEFAULT`] unless set); `None`
    /// turns stalled-stream protection off (the read timeout and the call's deadline still apply).
    pub fn min_throughput(mut self, floor: Option<MinThroughput>) -> Self {
        self.min_throughput = floor;
        self
    }

    /// Ignores `HTTP_PROXY`/`HTTPS_PROXY` (for the instance metadata service, which only the
    /// instance itself can reach).
    pub fn without_proxy(mut self) -> Self {
        self.proxies = None;
        self
    }

    /// Sends every request through the HTTP proxy at `proxy` (`http://[user:password@]host:port`;
    /// HTTPS goes through a `CONNECT` tunnel), except to hosts `no_proxy` names (the `NO_PROXY`
    /// syntax: comma-separated hosts, domains, IP addresses or networks, `*` for all). Without
    /// this, the environment's proxies apply.
    pub fn with_proxy(mut self, proxy: &str, no_proxy: &str) -> Result<Self, TransportError> {
        let invalid = |problem: &str| TransportError { kind: TransportErrorKind::Invalid, message: format!("proxy {problem}") };
        let uri: http::Uri = proxy.parse().map_err(|_| invalid("is not a URL such as http://host:port"))?;
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            return Err(invalid("must be an http:// URL with a host (HTTPS is tunnelled through it with CONNECT)"));
        }
        self.proxies = Some(std::sync::Arc::new(http_client::Matcher::builder().all(proxy.to_owned()).no(no_proxy.to_owned()).build()));
        Ok(self)
    }

    fn pool(&self, timeouts: Timeouts) -> http_client::Pool {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients.entry(timeouts).or_insert_with(|| http_client::pool(timeouts.connect, self.proxies.clone())).clone()
    }
}

#[cfg(feature = "client")]
impl Transport for HttpTransport {
    fn send(&self, request: HttpRequest, timeouts: Timeouts) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let pool = self.pool(timeouts);
            let request = http_client::build(request, self.proxies.as_deref())?;
            http_client::exchange(&pool, request, timeouts, self.max_response_bytes, self.min_throughput).await
        })
    }
}

/// The default transport's parts over hyper: the connector (direct, tunnelled or proxied TCP,
/// then TLS), request building and the exchange with its limits.
#[cfg(feature = "client")]
mod http_client {
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};
    use std::time::Duration;

    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper::rt::{Read, ReadBufCursor, Write};
    use hyper_util::client::legacy::connect::proxy::Tunnel;
    use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
    use hyper_util::rt::{TokioExecutor, TokioIo};

    pub(super) use hyper_util::client::proxy::matcher::Matcher;

    use super::{BoxFuture, HttpRequest, HttpResponse, MinThroughput, Throughput, Timeouts, TransportError};
    use crate::error::TransportErrorKind;
    use crate::service::HttpMethod;

    type BoxError = Box<dyn std::error::Error + Send + Sync>;

    /// A pooled client; cloning shares the pool.
    pub(super) type Pool = hyper_util::client::legacy::Client<hyper_rustls::HttpsConnector<Connector>, Full<Bytes>>;

    /// A pool whose connections are made within `connect`, through `proxies` when they match.
    pub(super) fn pool(connect: Duration, proxies: Option<Arc<Matcher>>) -> Pool {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(connect));
        // ring, deprecated by rustls 0.23.48 for want of post-quantum key exchange: its
        // replacement, aws-lc-rs, needs a C toolchain (cmake, and NASM on Windows) and adds about
        // a minute to a first build, and Alibaba Cloud's endpoints offer no post-quantum groups
        // to use. Allowed on purpose; `.ci/run` builds a generated crate against the newest
        // versions with warnings denied, so the next change of this kind shows the day it lands.
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() })
            .with_no_client_auth();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(Connector { http, proxies });
        hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(https)
    }

    /// Makes the TCP connection of a request: to the host itself, through a `CONNECT` tunnel
    /// (HTTPS through a proxy), or to the proxy (plain HTTP through a proxy, which then gets the
    /// absolute URL).
    #[derive(Clone)]
    pub(super) struct Connector {
        http: HttpConnector,
        proxies: Option<Arc<Matcher>>,
    }

    impl tower_service::Service<http::Uri> for Connector {
        type Response = Stream;
        type Error = BoxError;
        type Future = BoxFuture<'static, Result<Stream, BoxError>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, dst: http::Uri) -> Self::Future {
            let mut http = self.http.clone();
            let proxy = self.proxies.as_ref().and_then(|m| m.intercept(&dst));
            Box::pin(async move {
                let Some(proxy) = proxy else {
                    return Ok(Stream { io: http.call(dst).await?, proxied: false });
                };
                if proxy.uri().scheme_str() != Some("http") {
                    return Err(Box::new(UnsupportedProxy) as BoxError);
                }
                if dst.scheme_str() == Some("https") {
                    let mut tunnel = Tunnel::new(proxy.uri().clone(), http);
                    if let Some(auth) = proxy.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    Ok(Stream { io: tunnel.call(dst).await?, proxied: false })
                } else {
                    Ok(Stream { io: http.call(proxy.uri().clone()).await?, proxied: true })
                }
            })
        }
    }

    /// A proxy from the environment that is not `http://` (SOCKS, HTTPS): a setting to fix, so
    /// the request fails as [`TransportErrorKind::Invalid`], not as a connection to retry.
    #[derive(Debug)]
    struct UnsupportedProxy;

    impl std::fmt::Display for UnsupportedProxy {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(
                "the proxy for this URL is not an http:// proxy; only HTTP proxies are supported (HTTPS goes through them with CONNECT)",
            )
        }
    }

    impl std::error::Error for UnsupportedProxy {}

    /// A TCP connection, marked when it goes to a proxy that expects absolute URLs.
    pub(super) struct Stream {
        io: TokioIo<tokio::net::TcpStream>,
        proxied: bool,
    }

    impl Connection for Stream {
        fn connected(&self) -> Connected {
            self.io.connected().proxy(self.proxied)
        }
    }

    impl Read for Stream {
        fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: ReadBufCursor<'_>) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.io).poll_read(cx, buf)
        }
    }

    impl Write for Stream {
        fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
            Pin::new(&mut self.io).poll_write(cx, buf)
        }
        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.io).poll_flush(cx)
        }
        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.io).poll_shutdown(cx)
        }
        fn is_write_vectored(&self) -> bool {
            self.io.is_write_vectored()
        }
        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[std::io::IoSlice<'_>],
        ) -> Poll<std::io::Result<usize>> {
            Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
        }
    }

    /// The longest URL the `http` crate takes, plus one.
    const MAX_URL_BYTES: usize = u16::MAX as usize - 1;

    fn invalid(message: String) -> TransportError {
        TransportError { kind: TransportErrorKind::Invalid, message }
    }

    /// The hyper request for `request`. A URL or header that HTTP cannot carry is refused
    /// before any I/O (named, value not shown: it may be a secret).
    pub(super) fn build(request: HttpRequest, proxies: Option<&Matcher>) -> Result<http::Request<Full<Bytes>>, TransportError> {
        let method = match request.method {
            HttpMethod::Get => http::Method::GET,
            HttpMethod::Post => http::Method::POST,
            HttpMethod::Put => http::Method::PUT,
            HttpMethod::Delete => http::Method::DELETE,
            HttpMethod::Patch => http::Method::PATCH,
        };
        // `http` refuses a URI of 65,534 bytes or more: a parameter too long for the query.
        let length = request.url.len();
        let uri = http::Uri::try_from(request.url).map_err(|_| {
            invalid(if length >= MAX_URL_BYTES {
                format!("the request URL is {length} bytes, more than HTTP carries here ({MAX_URL_BYTES}): a query parameter is too long")
            } else {
                "the request URL is not a valid URL".into()
            })
        })?;
        let proxy_auth = match proxies {
            // Plain HTTP through a proxy carries the proxy's credentials itself (a tunnel sends
            // them in its CONNECT).
            Some(m) if uri.scheme_str() == Some("http") => m.intercept(&uri).and_then(|p| p.basic_auth().cloned()),
            _ => None,
        };
        let mut headers = http::HeaderMap::with_capacity(request.headers.len() + 1);
        for (name, value) in request.headers {
            let header_name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(format!("the header name {:?} is not valid in HTTP", crate::credentials::printable(&name, 64))))?;
            let header_value = match value {
                std::borrow::Cow::Borrowed(text) => http::HeaderValue::from_maybe_shared(Bytes::from_static(text.as_bytes())).ok(),
                std::borrow::Cow::Owned(text) => http::HeaderValue::try_from(text).ok(),
            }
            .ok_or_else(|| invalid(format!("the value of header {name} is not valid in HTTP (a line break or control character)")))?;
            headers.append(header_name, header_value);
        }
        if let Some(auth) = proxy_auth {
            headers.insert(http::header::PROXY_AUTHORIZATION, auth);
        }
        let mut out = http::Request::new(Full::new(Bytes::from(request.body)));
        *out.method_mut() = method;
        *out.uri_mut() = uri;
        *out.headers_mut() = headers;
        Ok(out)
    }

    fn failed(kind: TransportErrorKind, e: &dyn std::error::Error) -> TransportError {
        // The error and its causes; none of them carries the URL (an RPC URL holds the STS token).
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        TransportError { kind, message }
    }

    fn timed_out(what: &str, limit: Duration) -> TransportError {
        TransportError { kind: TransportErrorKind::Timeout, message: format!("no {what} within the read timeout of {limit:?}") }
    }

    /// Sends `request` and reads the whole answer: the head within the read timeout of sending
    /// (a new connection's connect included, as reqwest counts it, and limited by the connect
    /// timeout itself), each piece of the body within the read timeout and the whole body no
    /// slower than `floor`, the body no larger than `limit` bytes.
    pub(super) async fn exchange(
        pool: &Pool,
        request: http::Request<Full<Bytes>>,
        timeouts: Timeouts,
        limit: usize,
        floor: Option<MinThroughput>,
    ) -> Result<HttpResponse, TransportError> {
        let head = match tokio::time::timeout(timeouts.read, pool.request(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => {
                let mut kind = if e.is_connect() { TransportErrorKind::Connect } else { TransportErrorKind::Io };
                let mut source = std::error::Error::source(&e);
                while let Some(cause) = source {
                    if cause.is::<UnsupportedProxy>() {
                        kind = TransportErrorKind::Invalid;
                    }
                    source = cause.source();
                }
                return Err(failed(kind, &e));
            }
            Err(_) => return Err(timed_out("response", timeouts.read)),
        };
        let status = head.status().as_u16();
        let headers =
            head.headers().iter().map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
        let too_large = || TransportError {
            kind: TransportErrorKind::TooLarge,
            message: format!("the response body is larger than the limit of {limit} bytes"),
        };
        let declared = head.headers().get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(declared.map_or(0, |n| n as usize));
        let mut incoming = head.into_body();
        let mut throughput = floor.map(Throughput::new);
        loop {
            let frame = match tokio::time::timeout(timeouts.read, incoming.frame()).await {
                Ok(Some(Ok(frame))) => frame,
                Ok(Some(Err(e))) => return Err(failed(TransportErrorKind::Io, &e)),
                Ok(None) => break,
                Err(_) => return Err(timed_out("body", timeouts.read)),
            };
            if let Ok(data) = frame.into_data() {
                if body.len() + data.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&data);
                if let Some(Err(message)) = throughput.as_mut().map(|t| t.add(data.len())) {
                    return Err(TransportError { kind: TransportErrorKind::Timeout, message });
                }
            }
        }
        Ok(HttpResponse { status, headers, body })
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
