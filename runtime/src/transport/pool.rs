//! The default transport's connection pool: kept-alive HTTP/1.1 connections, lent to one
//! request at a time and given back once its answer has been read whole.
//!
//! hyper-util's legacy client, which this replaces, hashes a key per request, races a connect
//! against the checkout, and spawns a task per answer to put the connection back. A client of
//! this crate talks to a handful of hosts, so the idle connections are a short list searched
//! from its newest end, a connection goes back when the exchange that read its answer ends, and
//! readiness is checked at the next checkout (`SendRequest::ready`, as hyper's own
//! documentation does), all within the request's read timeout.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::SendRequest;
use hyper_util::client::legacy::connect::Connection as _;

use super::http_client::Connector;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The most idle connections one pool keeps; past it, the one idle longest is closed.
pub const MAX_IDLE_CONNECTIONS: usize = 32;

/// How long an idle connection is kept (hyper-util's default): servers close theirs sooner or
/// later, and a connection kept past that would fail its next request.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Where a connection goes: the scheme (`https` or not) and the authority, as the URL says them.
#[derive(Clone, PartialEq, Eq)]
struct Destination {
    https: bool,
    authority: http::uri::Authority,
}

/// A connection, lent to one request or idle.
pub(super) struct Lent {
    to: Destination,
    sender: SendRequest<Full<Bytes>>,
    /// It goes to a proxy that wants absolute URLs (plain HTTP through an HTTP proxy).
    proxied: bool,
    /// When it went idle (or was made).
    since: Instant,
}

/// Why an exchange did not get its answer's head.
pub(super) enum Failure {
    /// The request cannot be sent anywhere (a URL without a host): a setting to fix.
    Invalid(&'static str),
    /// No connection could be made (TCP, proxy, TLS).
    Connect(BoxError),
    /// The connection failed while the request was sent or the answer awaited.
    Send(hyper::Error),
}

/// Kept-alive connections and how to make new ones. Shared by every request with the same
/// connect timeout.
pub(super) struct Pool {
    connector: hyper_rustls::HttpsConnector<Connector>,
    idle: Mutex<Vec<Lent>>,
}

impl Pool {
    pub(super) fn new(connector: hyper_rustls::HttpsConnector<Connector>) -> Self {
        Self { connector, idle: Mutex::new(Vec::new()) }
    }

    /// Sends `request` (an absolute URL) on an idle connection to its destination, or on a new
    /// one; the answer's head, and the connection to [`give_back`](Self::give_back) once the
    /// body has been read. A request that a kept-alive connection closed before writing it
    /// goes again on a new connection, as hyper-util's client retries it.
    pub(super) async fn send(
        &self,
        mut request: http::Request<Full<Bytes>>,
    ) -> Result<(http::Response<hyper::body::Incoming>, Lent), Failure> {
        let uri = request.uri().clone();
        let to = Destination {
            https: uri.scheme_str() == Some("https"),
            authority: uri.authority().cloned().ok_or(Failure::Invalid("the request URL has no host"))?,
        };
        if !request.headers().contains_key(http::header::HOST) {
            // HTTP/1.1 requires it; the URL's authority, as written.
            let host =
                http::HeaderValue::from_str(to.authority.as_str()).map_err(|_| Failure::Invalid("the URL's host is not a Host header"))?;
            request.headers_mut().insert(http::header::HOST, host);
        }
        let origin_form = {
            let mut parts = http::uri::Parts::default();
            parts.path_and_query = uri.path_and_query().cloned();
            http::Uri::from_parts(parts).unwrap_or_default()
        };
        loop {
            let (mut lent, reused) = match self.checkout(&to).await {
                Some(lent) => (lent, true),
                None => (self.connect(&uri, to.clone()).await.map_err(Failure::Connect)?, false),
            };
            // A proxy gets the absolute URL, a server the path and query.
            *request.uri_mut() = if lent.proxied { uri.clone() } else { origin_form.clone() };
            match lent.sender.try_send_request(request).await {
                Ok(response) => return Ok((response, lent)),
                Err(mut e) => match e.take_message() {
                    Some(unsent) if reused => request = unsent,
                    _ => return Err(Failure::Send(e.into_error())),
                },
            }
        }
    }

    /// Puts a connection whose answer has been read whole back among the idle ones.
    pub(super) fn give_back(&self, mut lent: Lent) {
        if lent.sender.is_closed() {
            return;
        }
        lent.since = Instant::now();
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() >= MAX_IDLE_CONNECTIONS {
            idle.remove(0);
        }
        idle.push(lent);
    }

    /// The newest idle connection to `to` that is ready for a request; closed and expired ones
    /// are dropped on the way.
    async fn checkout(&self, to: &Destination) -> Option<Lent> {
        loop {
            let mut lent = {
                let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                idle.retain(|c| !c.sender.is_closed() && now.duration_since(c.since) < IDLE_TIMEOUT);
                let at = idle.iter().rposition(|c| c.to == *to)?;
                idle.remove(at)
            };
            // Ready once its connection task has finished the previous exchange; an error when
            // the server closed it meanwhile.
            if lent.sender.ready().await.is_ok() {
                return Some(lent);
            }
        }
    }

    /// A new connection to `to` (through a proxy when one matches), its task spawned.
    async fn connect(&self, uri: &http::Uri, to: Destination) -> Result<Lent, BoxError> {
        use tower_service::Service as _;
        let mut connector = self.connector.clone();
        std::future::poll_fn(|cx| connector.poll_ready(cx)).await?;
        let io = connector.call(uri.clone()).await?;
        let proxied = io.connected().is_proxied();
        let (sender, connection) = hyper::client::conn::http1::handshake(io).await?;
        tokio::spawn(async move {
            // Its errors reach the request that was using it.
            let _ = connection.await;
        });
        Ok(Lent { to, sender, proxied, since: Instant::now() })
    }

    /// How many connections are idle.
    #[cfg(test)]
    pub(super) fn idle_count(&self) -> usize {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{http_client, tls, Timeouts};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    #[tokio::test]
    async fn idle_connections_are_bounded() {
        // A server that holds each answer a moment, so that concurrent requests each need a
        // connection of their own.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                tokio::spawn(async move {
                    // Every request on the connection, each answer held a moment.
                    let mut head = Vec::new();
                    let mut chunk = [0u8; 1024];
                    loop {
                        while let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                            head.drain(..end + 4);
                            tokio::time::sleep(Duration::from_millis(200)).await;
                            if conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await.is_err() {
                                return;
                            }
                        }
                        match conn.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&chunk[..n]),
                        }
                    }
                });
            }
        });
        let pool = http_client::pool(Duration::from_secs(2), None, &tls::default_config().unwrap());
        let timeouts = Timeouts { connect: Duration::from_secs(2), read: Duration::from_secs(5) };
        let sends = (0..MAX_IDLE_CONNECTIONS + 8).map(|_| {
            let request = crate::HttpRequest { method: crate::HttpMethod::Get, url: url.clone(), headers: Vec::new(), body: Vec::new() };
            let request = http_client::build(request, None).unwrap();
            http_client::exchange(&pool, request, timeouts, 1024, None)
        });
        for answer in futures_util::future::join_all(sends).await {
            assert_eq!(answer.unwrap().status, 200);
        }
        assert_eq!(pool.idle_count(), MAX_IDLE_CONNECTIONS);
        // The idle ones carry the next requests: no new connection is needed.
        let request =
            http_client::build(crate::HttpRequest { method: crate::HttpMethod::Get, url, headers: Vec::new(), body: Vec::new() }, None)
                .unwrap();
        assert_eq!(http_client::exchange(&pool, request, timeouts, 1024, None).await.unwrap().status, 200);
        assert_eq!(pool.idle_count(), MAX_IDLE_CONNECTIONS);
    }
}
