//! Answers in the service's shape.

use serde_json::{json, Value};

/// An error answer: HTTP status, code, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// HTTP status.
    pub status: u16,
    /// Error code.
    pub code: String,
    /// Message.
    pub message: String,
}

impl Fault {
    /// A fault.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { status, code: code.into(), message: message.into() }
    }

    /// The error body the gateway sends: `RequestId`, `HostId`, `Code`, `Message`, `Recommend`.
    pub fn body(&self, request_id: &str, host: &str, product: &str) -> Value {
        json!({
            "RequestId": request_id,
            "HostId": host,
            "Code": self.code,
            "Message": self.message,
            "Recommend": format!("https://api.aliyun.com/troubleshoot?q={}&product={product}&requestId={request_id}", self.code),
        })
    }
}

/// A request id in the service's form (upper-case UUID).
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string().to_uppercase()
}
