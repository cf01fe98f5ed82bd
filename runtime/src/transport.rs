//! The HTTP layer, behind a trait so tests and users can plug in their own.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
#[cfg(feature = "client")]
use std::sync::Mutex;
use std::time::Duration;

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

    /// A copy with STS tokens redacted in the headers, the query and a form body: what an
    /// [`Interceptor`](crate::interceptor::Interceptor) sees.
    pub fn redacted(&self) -> HttpRequest {
        let headers = self
            .headers
            .iter()
            .map(|(name, value)| {
                let secret = SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s));
                (name.clone(), if secret { HeaderText::from("** redacted **") } else { value.clone() })
            })
            .collect();
        let body = match std::str::from_utf8(&self.body) {
            Ok(text) if SECRET_PARAMS.iter().any(|p| text.contains(p)) => redact_query(text).into_bytes(),
            _ => self.body.clone(),
        };
        HttpRequest { method: self.method, url: redact_query(&self.url), headers, body }
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

/// What went wrong in a transport attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection was made; the request never reached the service.
    Connect,
    /// Connecting or waiting for the response took longer than allowed.
    Timeout,
    /// The connection failed after the request may have been sent (reset, dropped, bad framing).
    Io,
    /// The response body is larger than the configured limit; not retried.
    TooLarge,
    /// The request cannot be sent as built (a header value with a line break, a URL HTTP cannot
    /// carry) or the transport is set up wrongly (a proxy URL that is not `http://`): nothing
    /// was sent; not retried.
    Invalid,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connection",
            Self::Timeout => "timeout",
            Self::Io => "I/O",
            Self::TooLarge => "response size",
            Self::Invalid => "invalid request",
        })
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
/// of kept-alive connections per distinct connect timeout (at most [`MAX_POOLS`]), so per-call
/// timeouts are real connect and read limits.
///
/// It is a thin layer on hyper's HTTP/1.1 connections: a URL is parsed once (no IDNA: endpoints
/// are ASCII host names), header names and values are checked, never copied when they are fixed
/// text, no redirect or retry layer runs (the client decides about retries itself), and idle
/// connections are kept for [`IDLE_TIMEOUT`], at most [`MAX_IDLE_CONNECTIONS`] of them.
#[cfg(feature = "client")]
pub struct HttpTransport {
    /// One pool per connect timeout (the read timeout is the exchange's, not the connection's),
    /// at most [`MAX_POOLS`], the oldest dropped first.
    pools: Mutex<Vec<(Duration, std::sync::Arc<pool::Pool>)>>,
    max_response_bytes: usize,
    min_throughput: Option<MinThroughput>,
    proxies: Option<std::sync::Arc<http_client::Matcher>>,
    /// The TLS configuration, or why the settings it came from cannot be used (every request
    /// then fails with that reason).
    tls: Result<std::sync::Arc<rustls::ClientConfig>, String>,
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
            pools: Mutex::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            min_throughput: Some(MinThroughput::DEFAULT),
            proxies: Some(std::sync::Arc::new(http_client::Matcher::from_env())),
            tls: tls::default_config(),
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

    /// Sends every request through the proxy at `proxy`, except to hosts `no_proxy` names (the
    /// `NO_PROXY` syntax: comma-separated hosts, domains, IP addresses or networks, `*` for all).
    /// An HTTP proxy, `http://[user:password@]host:port`, gets plain HTTP and tunnels HTTPS with
    /// `CONNECT`; a SOCKS5 proxy, `socks5://` (names resolved here) or `socks5h://` (by the
    /// proxy), with an optional `user:password@`, carries both. Without this, the environment's
    /// proxies apply (`ALL_PROXY=socks5h://…` included).
    pub fn with_proxy(mut self, proxy: &str, no_proxy: &str) -> Result<Self, TransportError> {
        let invalid = |problem: &str| TransportError { kind: TransportErrorKind::Invalid, message: format!("proxy {problem}") };
        let uri: http::Uri = proxy.parse().map_err(|_| invalid("is not a URL such as http://host:port"))?;
        if !matches!(uri.scheme_str(), Some("http" | "socks5" | "socks5h")) || uri.host().is_none() {
            return Err(invalid("must be an http://, socks5:// or socks5h:// URL with a host"));
        }
        self.proxies = Some(std::sync::Arc::new(http_client::Matcher::builder().all(proxy.to_owned()).no(no_proxy.to_owned()).build()));
        Ok(self)
    }

    /// With these TLS settings instead of the environment's: files are read and checked now, and
    /// a problem is an error naming the file.
    ///
    /// ```no_run
    /// use acs_runtime::transport::{HttpTransport, TlsSettings, TlsVersion};
    /// let transport = HttpTransport::new().tls(
    ///     &TlsSettings::new().ca_bundle("/etc/company/ca.pem").client_certificate("me.pem", "me.key").min_version(TlsVersion::Tls13),
    /// )?;
    /// # Ok::<(), acs_runtime::transport::TransportError>(())
    /// ```
    pub fn tls(mut self, settings: &TlsSettings) -> Result<Self, TransportError> {
        let config = settings.client_config().map_err(|message| TransportError { kind: TransportErrorKind::Invalid, message })?;
        self.tls = Ok(std::sync::Arc::new(config));
        Ok(self)
    }

    fn pool(&self, timeouts: Timeouts, tls: &std::sync::Arc<rustls::ClientConfig>) -> std::sync::Arc<pool::Pool> {
        let mut pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, pool)) = pools.iter().find(|(connect, _)| *connect == timeouts.connect) {
            return pool.clone();
        }
        if pools.len() >= MAX_POOLS {
            // Its idle connections close; requests still using them finish.
            pools.remove(0);
        }
        let pool = http_client::pool(timeouts.connect, self.proxies.clone(), tls);
        pools.push((timeouts.connect, pool.clone()));
        pool
    }
}

#[cfg(feature = "client")]
impl Transport for HttpTransport {
    fn send(&self, request: HttpRequest, timeouts: Timeouts) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            // TLS settings that cannot be used are a setting to fix: no request goes out.
            let tls =
                self.tls.as_ref().map_err(|message| TransportError { kind: TransportErrorKind::Invalid, message: message.clone() })?;
            let pool = self.pool(timeouts, tls);
            let request = http_client::build(request, self.proxies.as_deref())?;
            http_client::exchange(&pool, request, timeouts, self.max_response_bytes, self.min_throughput).await
        })
    }
}

/// The default transport's parts over hyper: the connector (direct, tunnelled or proxied TCP,
/// then TLS), request building and the exchange with its limits.
#[cfg(feature = "client")]
mod http_client;
/// Kept-alive connections, lent to one request at a time.
#[cfg(feature = "client")]
mod pool;
#[cfg(feature = "client")]
pub use pool::{IDLE_TIMEOUT, MAX_IDLE_CONNECTIONS};

/// The most connection pools one [`HttpTransport`] keeps, one per distinct connect timeout its
/// calls ask for; past it, the pool made first is dropped with its idle connections.
#[cfg(feature = "client")]
pub const MAX_POOLS: usize = 8;
#[cfg(feature = "client")]
mod tls;
#[cfg(feature = "client")]
pub use tls::{TlsSettings, TlsVersion, MAX_PEM_FILE_BYTES};

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "client")]
    #[test]
    fn pools_are_one_per_connect_timeout_and_bounded() {
        let transport = HttpTransport::new().without_proxy();
        let tls = tls::default_config().unwrap();
        let timeouts =
            |connect_ms: u64, read_ms: u64| Timeouts { connect: Duration::from_millis(connect_ms), read: Duration::from_millis(read_ms) };
        // The read timeout is the exchange's: calls that differ only in it share connections.
        let first = transport.pool(timeouts(100, 1000), &tls);
        assert!(std::sync::Arc::ptr_eq(&first, &transport.pool(timeouts(100, 2000), &tls)));
        for connect_ms in 101..101 + MAX_POOLS as u64 {
            transport.pool(timeouts(connect_ms, 1000), &tls);
        }
        let pools = transport.pools.lock().unwrap();
        assert_eq!(pools.len(), MAX_POOLS);
        assert!(pools.iter().all(|(connect, _)| *connect != Duration::from_millis(100)), "the oldest pool went first");
    }

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
