//! What the refreshing providers share: how they reach the network, and how they read an
//! answer that carries session credentials.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{printable, Credentials, CredentialsError};
use crate::credentials::{Clock, NonceSource};
use crate::transport::{HttpRequest, HttpResponse, HttpTransport, Timeouts, Transport};

/// The largest answer a credentials source may give: 1 MiB.
pub(crate) const MAX_ANSWER_BYTES: usize = 1 << 20;

/// How the refreshing providers reach the network: the transport (and a separate one for the
/// instance metadata service, which must not go through a proxy), the clock and nonces they
/// sign with, and the `user-agent`. A client builds one from its [`Config`](crate::Config), so
/// a custom transport or clock there reaches the providers too.
#[derive(Clone)]
pub struct HttpContext {
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) metadata_transport: Arc<dyn Transport>,
    pub(crate) clock: Clock,
    pub(crate) nonce: NonceSource,
    pub(crate) user_agent: crate::transport::HeaderText,
}

impl std::fmt::Debug for HttpContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpContext").field("user_agent", &self.user_agent).finish_non_exhaustive()
    }
}

impl Default for HttpContext {
    /// hyper over rustls (proxies from the environment, except for the metadata service), the
    /// system clock, random nonces.
    fn default() -> Self {
        Self {
            transport: Arc::new(HttpTransport::new().max_response_bytes(MAX_ANSWER_BYTES)),
            metadata_transport: Arc::new(HttpTransport::new().max_response_bytes(MAX_ANSWER_BYTES).without_proxy()),
            // The default clock: the one place the providers read the system's.
            #[allow(clippy::disallowed_methods)]
            clock: Arc::new(SystemTime::now),
            nonce: Arc::new(crate::sign::new_nonce),
            user_agent: crate::credentials::DEFAULT_USER_AGENT.into(),
        }
    }
}

impl HttpContext {
    /// One transport for everything (a test double, or your own HTTP stack).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.metadata_transport = transport.clone();
        self.transport = transport;
        self
    }

    /// The clock that stamps requests (`Timestamp`).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The nonce source (`SignatureNonce`).
    pub fn nonce_source(mut self, nonce: NonceSource) -> Self {
        self.nonce = nonce;
        self
    }

    /// The `user-agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into().into();
        self
    }

    pub(crate) fn now(&self) -> SystemTime {
        (self.clock)()
    }

    /// Sends `request`; a transport failure becomes a provider error. The whole exchange is
    /// bounded by the connect and read timeouts together (15 s for STS and a credentials URI,
    /// 2 s for the metadata service), whatever the server does: the read timeout alone restarts
    /// at every byte a trickling server sends.
    pub(crate) async fn send(
        &self,
        provider: &str,
        metadata: bool,
        request: HttpRequest,
        timeouts: Timeouts,
    ) -> Result<HttpResponse, CredentialsError> {
        let transport = if metadata { &self.metadata_transport } else { &self.transport };
        let limit = timeouts.connect + timeouts.read;
        match tokio::time::timeout(limit, transport.send(request, timeouts)).await {
            Ok(answer) => answer.map_err(|e| failed(provider, format!("request failed: {}", e.message))),
            Err(_) => Err(failed(provider, format!("no complete answer within {limit:?}"))),
        }
    }
}

/// The official libraries' timeouts for STS and a credentials URI.
pub(crate) const STS_TIMEOUTS: Timeouts = Timeouts { connect: Duration::from_secs(5), read: Duration::from_secs(10) };
/// …and for the instance metadata service.
pub(crate) const METADATA_TIMEOUTS: Timeouts = Timeouts { connect: Duration::from_secs(1), read: Duration::from_secs(1) };

pub(crate) fn failed(provider: &str, message: impl Into<String>) -> CredentialsError {
    CredentialsError::Provider { provider: provider.to_owned(), message: message.into() }
}

/// A non-200 answer, described by its `Code` and `Message` when it has them, else by the start
/// of its body; control characters stripped.
pub(crate) fn refused(provider: &str, response: &HttpResponse) -> CredentialsError {
    let body = String::from_utf8_lossy(&response.body);
    let detail = match serde_json::from_str::<serde_json::Value>(&body) {
        Ok(v) if v.get("Code").is_some() => {
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(|s| printable(s, 300)).unwrap_or_default();
            let request_id =
                v.get("RequestId").and_then(|x| x.as_str()).map(|r| format!(" (RequestId {})", printable(r, 80))).unwrap_or_default();
            format!("{}: {}{request_id}", field("Code"), field("Message"))
        }
        _ => printable(body.trim(), 200),
    };
    failed(provider, format!("HTTP {}: {detail}", response.status))
}

/// Reads `AccessKeyId`, `AccessKeySecret`, `SecurityToken` and `Expiration` from `object`. The
/// error names what is missing, never a value.
pub(crate) fn session_credentials(provider: &str, object: &serde_json::Value) -> Result<Credentials, CredentialsError> {
    let field = |name: &str| {
        object
            .get(name)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| failed(provider, format!("the answer has no {name}")))
    };
    let expiration = field("Expiration")?;
    let expiry = parse_expiration(expiration)
        .ok_or_else(|| failed(provider, format!("the answer's Expiration {:?} is not a UTC time", printable(expiration, 40))))?;
    let credentials = Credentials::new(field("AccessKeyId")?, field("AccessKeySecret")?)
        .with_security_token(field("SecurityToken")?)
        .with_expiry(expiry)
        .with_source(provider);
    credentials.check_usable()?;
    Ok(credentials)
}

/// `2024-01-02T04:04:05Z`, as every source writes it; also RFC 3339 with fractions or an offset,
/// which the official libraries reject.
fn parse_expiration(text: &str) -> Option<SystemTime> {
    crate::sign::parse_timestamp(text).or_else(|| crate::sign::parse_rfc3339(text))
}

/// The body of a 200 answer as JSON.
pub(crate) fn json_body(provider: &str, response: &HttpResponse) -> Result<serde_json::Value, CredentialsError> {
    if response.status != 200 {
        return Err(refused(provider, response));
    }
    serde_json::from_slice(&response.body).map_err(|e| failed(provider, format!("the answer is not JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expirations_parse_strictly_or_as_rfc_3339() {
        let t = parse_expiration("2024-01-02T04:04:05Z").unwrap();
        assert_eq!(crate::sign::format_timestamp(t), "2024-01-02T04:04:05Z");
        assert_eq!(
            parse_expiration("2024-01-02T12:04:05.5+08:00").map(crate::sign::format_timestamp).as_deref(),
            Some("2024-01-02T04:04:05Z")
        );
        assert_eq!(parse_expiration("tomorrow"), None);
    }

    #[test]
    fn answers_missing_a_field_name_it_not_the_values() {
        let v = serde_json::json!({"AccessKeyId": "STS.x", "AccessKeySecret": "hush", "Expiration": "2024-01-02T04:04:05Z"});
        let err = session_credentials("ecs_ram_role", &v).unwrap_err().to_string();
        assert_eq!(err, "ecs_ram_role: the answer has no SecurityToken");
        let v = serde_json::json!({"AccessKeyId": "STS.x", "AccessKeySecret": "hu\r\nsh", "SecurityToken": "t", "Expiration": "2024-01-02T04:04:05Z"});
        let err = session_credentials("ecs_ram_role", &v).unwrap_err().to_string();
        assert!(err.contains("AccessKeySecret from ecs_ram_role contains a control character") && !err.contains("hu"), "{err}");
    }

    #[test]
    fn refusals_strip_terminal_control_sequences() {
        let response = HttpResponse {
            status: 403,
            headers: Vec::new(),
            body: br#"{"Code":"NoPermission","Message":"\u001b[31mdenied\u001b[0m\r\nx","RequestId":"R1"}"#.to_vec(),
        };
        assert_eq!(
            refused("ram_role_arn", &response).to_string(),
            "ram_role_arn: HTTP 403: NoPermission:  [31mdenied [0m  x (RequestId R1)"
        );
    }
}
