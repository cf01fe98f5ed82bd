//! The error body the service returns with a non-2xx status.

use std::fmt;

use serde::Deserialize;

/// An error answered by the service: HTTP status plus the fields of its JSON error body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceError {
    /// HTTP status code.
    pub status: u16,
    /// Error code, e.g. `InvalidInstanceId.NotFound`.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Request id, for support.
    pub request_id: Option<String>,
    /// The endpoint host that answered.
    pub host_id: Option<String>,
    /// Troubleshooting link.
    pub recommend: Option<String>,
    /// The raw body, for fields not modelled here (`AccessDeniedDetail`, …).
    pub body: String,
}

#[derive(Deserialize)]
struct Body {
    #[serde(alias = "code", default)]
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(alias = "message", default)]
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(alias = "requestId", default)]
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
    #[serde(alias = "hostId", default)]
    #[serde(rename = "HostId")]
    host_id: Option<String>,
    #[serde(alias = "recommend", default)]
    #[serde(rename = "Recommend")]
    recommend: Option<String>,
}

impl ServiceError {
    /// Parses an error body. `None` when the body is not a JSON error object with a `Code`
    /// (an HTML page from a proxy, say): the caller keeps status and body instead.
    pub fn from_body(status: u16, body: &str) -> Option<Self> {
        let parsed: Body = serde_json::from_str(body).ok()?;
        Some(Self {
            status,
            code: parsed.code?,
            message: parsed.message.unwrap_or_default(),
            request_id: parsed.request_id,
            host_id: parsed.host_id,
            recommend: parsed.recommend,
            body: body.to_owned(),
        })
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {}): {}", self.code, self.status, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServiceError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_key_cases_and_refuses_html() {
        let e = ServiceError::from_body(404, r#"{"RequestId":"R1","HostId":"h","Code":"InvalidInstanceId.NotFound","Message":"The specified Instance Id does not exist.","Recommend":"https://x"}"#).unwrap();
        assert_eq!(e.code, "InvalidInstanceId.NotFound");
        assert_eq!(e.to_string(), "InvalidInstanceId.NotFound (HTTP 404): The specified Instance Id does not exist. [request id R1]");
        let e = ServiceError::from_body(400, r#"{"requestId":"r","code":"Throttling","message":"slow down"}"#).unwrap();
        assert_eq!((e.code.as_str(), e.request_id.as_deref()), ("Throttling", Some("r")));
        assert!(ServiceError::from_body(502, "<html>Bad Gateway</html>").is_none());
    }
}
