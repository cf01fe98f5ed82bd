//! The default transport's parts over hyper: the connector (direct, tunnelled or proxied TCP,
//! then TLS), request building and the exchange with its limits.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;

pub(super) use hyper_util::client::proxy::matcher::Matcher;

use super::pool::{Failure, Pool};
use super::TransportErrorKind;
use super::{BoxFuture, HttpRequest, HttpResponse, MinThroughput, Throughput, Timeouts, TransportError};
use crate::service::HttpMethod;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A pool whose connections are made within `connect`, through `proxies` when they match, with
/// TLS as `tls` says.
pub(super) fn pool(connect: Duration, proxies: Option<Arc<Matcher>>, tls: &Arc<rustls::ClientConfig>) -> Arc<Pool> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(connect));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(rustls::ClientConfig::clone(tls))
        .https_or_http()
        .enable_http1()
        .wrap_connector(Connector { http, proxies });
    Arc::new(Pool::new(https))
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
            let scheme = proxy.uri().scheme_str().unwrap_or_default();
            if matches!(scheme, "socks5" | "socks5h") {
                // `socks5` resolves names here, `socks5h` lets the proxy resolve them.
                let mut socks = SocksV5::new(proxy.uri().clone(), http).local_dns(scheme == "socks5");
                if let Some((user, password)) = proxy.raw_auth() {
                    socks = socks.with_auth(user.to_owned(), password.to_owned());
                }
                return Ok(Stream { io: socks.call(with_port(dst)?).await?, proxied: false });
            }
            if scheme != "http" {
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

/// `dst` with its port spelled out (80 for `http`, 443 for `https`): a SOCKS proxy is told the
/// port, and would otherwise assume 443.
fn with_port(dst: http::Uri) -> Result<http::Uri, BoxError> {
    if dst.port().is_some() {
        return Ok(dst);
    }
    let port = if dst.scheme_str() == Some("http") { 80 } else { 443 };
    let host = dst.host().ok_or("the URL has no host")?;
    let mut parts = dst.clone().into_parts();
    parts.authority = Some(format!("{host}:{port}").parse()?);
    Ok(http::Uri::from_parts(parts)?)
}

/// A proxy from the environment that is neither `http://` nor SOCKS5 (an HTTPS or SOCKS4 proxy):
/// a setting to fix, so the request fails as [`TransportErrorKind::Invalid`], not as a
/// connection to retry.
#[derive(Debug)]
struct UnsupportedProxy;

impl std::fmt::Display for UnsupportedProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the proxy for this URL is neither an http:// nor a socks5:// (socks5h://) proxy, the kinds supported")
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
    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[std::io::IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
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
        let header_name = match &name {
            // The protocol's own names (`x-acs-signature-nonce`, …) are fixed text: taken as they
            // are, without the copy `from_bytes` makes of each custom name. `from_static` panics
            // on what it cannot take, so only names of lower-case letters, digits and `-` go there.
            std::borrow::Cow::Borrowed(fixed)
                if !fixed.is_empty() && fixed.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
            {
                http::HeaderName::from_static(fixed)
            }
            _ => http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(format!("the header name {:?} is not valid in HTTP", crate::text::printable(&name, 64))))?,
        };
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
    let (head, connection) = match tokio::time::timeout(timeouts.read, pool.send(request)).await {
        Ok(Ok(exchange)) => exchange,
        Ok(Err(Failure::Connect(e))) => {
            let mut kind = TransportErrorKind::Connect;
            let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*e);
            while let Some(c) = cause {
                if c.is::<UnsupportedProxy>() {
                    kind = TransportErrorKind::Invalid;
                }
                cause = c.source();
            }
            return Err(failed(kind, &*e));
        }
        Ok(Err(Failure::Send(e))) => return Err(failed(TransportErrorKind::Io, &e)),
        Ok(Err(Failure::Invalid(message))) => return Err(invalid(message.into())),
        Err(_) => return Err(timed_out("response", timeouts.read)),
    };
    let status = head.status().as_u16();
    let headers = head.headers().iter().map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
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
    // Read whole: the connection can carry the next request.
    pool.give_back(connection);
    Ok(HttpResponse { status, headers, body })
}
