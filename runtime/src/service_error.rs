//! The error body the service returns with a non-2xx status.

use std::fmt;

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

/// The error body, in every spelling the products use (roa.md §3): `Code`/`code`/`ErrorCode`,
/// `Message`/`message`/`ErrorMessage`, `RequestId`/`requestId`/`request_id`.
struct Body {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    host_id: Option<String>,
    recommend: Option<String>,
}

impl ServiceError {
    /// Removes `secret` from everything the service said, in the forms a service echoes it:
    /// as is, percent-encoded, and encoded twice (inside an echoed RPC string-to-sign, which
    /// carries the `SecurityToken` sent). The gateway echoes what it was sent, and the caller's
    /// error message, logs and terminal must not carry it.
    pub fn redact(&mut self, secret: &str) {
        // A real STS token runs to hundreds of characters; a short string would match ordinary
        // words of the answer, so it is left alone. The code is an identifier, never an echo.
        if secret.len() < 8 {
            return;
        }
        let once = crate::sign::percent_encode(secret);
        let twice = crate::sign::percent_encode(&once);
        for field in [&mut self.message, &mut self.body].into_iter().chain(self.recommend.as_mut()) {
            for form in [secret, once.as_str(), twice.as_str()] {
                if field.contains(form) {
                    *field = field.replace(form, "**redacted**");
                }
            }
        }
    }

    /// Parses an error body. `None` when the body is not a JSON error object with a `Code`
    /// (an HTML page from a proxy, say): the caller keeps status and body instead.
    pub fn from_body(status: u16, body: &str) -> Option<Self> {
        let parsed = match Body::from_json(body) {
            Some(parsed) => parsed,
            None if body.trim_start().starts_with('<') => Body::from_xml(body)?,
            None => return None,
        };
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

impl Body {
    /// The JSON error body; `None` when `body` is not one JSON object.
    fn from_json(body: &str) -> Option<Self> {
        const SPELLINGS: [&[&str]; 5] = [
            &["Code", "code", "ErrorCode"],
            &["Message", "message", "ErrorMessage"],
            &["RequestId", "requestId", "request_id", "requestid"],
            &["HostId", "hostId"],
            &["Recommend", "recommend"],
        ];
        let mut fields: [Option<String>; 5] = Default::default();
        if !crate::json::string_members(body, &SPELLINGS, &mut fields) {
            return None;
        }
        let [code, message, request_id, host_id, recommend] = fields;
        Some(Self { code, message, request_id, host_id, recommend })
    }

    /// The XML error body some gateways send (`<Error><Code>…</Code><Message>…</Message>…`),
    /// read as the official SDKs read it. `None` without a `Code` (an HTML page, say).
    fn from_xml(body: &str) -> Option<Self> {
        let element = |name: &str| -> Option<String> {
            let open = format!("<{name}>");
            let start = body.find(&open)? + open.len();
            let end = start + body[start..].find(&format!("</{name}>"))?;
            let text = body[start..end].trim();
            let text = text.strip_prefix("<![CDATA[").and_then(|t| t.strip_suffix("]]>")).unwrap_or(text);
            let unescaped =
                text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&");
            Some(unescaped)
        };
        Some(Self {
            code: Some(element("Code")?),
            message: element("Message"),
            request_id: element("RequestId"),
            host_id: element("HostId"),
            recommend: element("Recommend"),
        })
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Service text, shown without control characters (no terminal escape sequences).
        let clean = |text: &str| crate::text::printable(text, 4096);
        write!(f, "{} (HTTP {}): {}", clean(&self.code), self.status, clean(&self.message))?;
        if let Some(id) = &self.request_id {
            write!(f, " [request id {}]", clean(id))?;
        }
        Ok(())
    }
}

impl std::error::Error for ServiceError {}

/// A product's error codes: the generated `ErrorCode` enum, one variant per code its spec
/// documents, plus an opaque one for the rest.
pub trait ErrorCodes: Sized {
    /// The code for `code` as sent on the wire; an undocumented code becomes the opaque variant.
    fn from_code(code: &str) -> Self;
    /// The code as sent on the wire.
    fn as_str(&self) -> &str;
}

/// An error code the spec does not document, kept as sent.
///
/// It cannot be built or matched by value outside this crate: code that wants one particular
/// undocumented code compares [`ErrorCodes::as_str`], which keeps working when a later spec
/// documents the code and it gets a variant of its own (smithy-rs RFC-0039).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnknownCode(String);

impl UnknownCode {
    /// Keeps `code`. For generated `ErrorCode::from_code` only.
    #[doc(hidden)]
    pub fn new(code: &str) -> Self {
        Self(code.to_owned())
    }

    /// The code as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redact_removes_a_secret_in_every_echoed_form() {
        let body = r#"{"Code":"SignatureDoesNotMatch","Message":"string to sign is:GET&%2F&SecurityToken%3Dab%252Bc%253Dxyz1%26X%3D1 raw ab+c=xyz1 once ab%2Bc%3Dxyz1","RequestId":"R"}"#;
        let mut e = ServiceError::from_body(400, body).unwrap();
        e.redact("ab+c=xyz1");
        assert_eq!(e.message, "string to sign is:GET&%2F&SecurityToken%3D**redacted**%26X%3D1 raw **redacted** once **redacted**");
        assert!(!e.body.contains("xyz1"), "{e:?}");
        let mut short = ServiceError::from_body(400, body).unwrap();
        short.redact("t");
        assert_eq!(short.code, "SignatureDoesNotMatch", "a short string is not redacted out of ordinary words");
    }

    use super::*;

    #[test]
    fn parses_both_key_cases_and_refuses_html() {
        let e = ServiceError::from_body(404, r#"{"RequestId":"R1","HostId":"h","Code":"InvalidInstanceId.NotFound","Message":"The specified Instance Id does not exist.","Recommend":"https://x"}"#).unwrap();
        assert_eq!(e.code, "InvalidInstanceId.NotFound");
        assert_eq!(e.to_string(), "InvalidInstanceId.NotFound (HTTP 404): The specified Instance Id does not exist. [request id R1]");
        let e = ServiceError::from_body(400, r#"{"requestId":"r","code":"Throttling","message":"slow down"}"#).unwrap();
        assert_eq!((e.code.as_str(), e.request_id.as_deref()), ("Throttling", Some("r")));
        assert!(ServiceError::from_body(502, "<html>Bad Gateway</html>").is_none());
        let xml = "<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>R3</RequestId><HostId>h</HostId><Code>Forbidden.RAM</Code><Message>User not authorized &amp; more</Message></Error>";
        let e = ServiceError::from_body(403, xml).unwrap();
        assert_eq!(
            (e.code.as_str(), e.message.as_str(), e.request_id.as_deref()),
            ("Forbidden.RAM", "User not authorized & more", Some("R3"))
        );
        let e = ServiceError::from_body(400, r#"{"ErrorCode":"Bad.Thing","ErrorMessage":"no","request_id":"r2"}"#).unwrap();
        assert_eq!((e.code.as_str(), e.message.as_str(), e.request_id.as_deref()), ("Bad.Thing", "no", Some("r2")));
    }

    #[test]
    fn reads_a_numeric_code_skips_nested_members_and_refuses_what_is_not_one_object() {
        let e = ServiceError::from_body(400, r#"{"Data":{"Code":"inner"},"Code":400,"Message":null,"AccessDeniedDetail":[1]}"#).unwrap();
        assert_eq!((e.code.as_str(), e.message.as_str()), ("400", ""), "a numeric code as written; a nested Code is not the error's");
        let e = ServiceError::from_body(400, r#"{"code":null,"Code":"Second.Spelling"}"#).unwrap();
        assert_eq!(e.code, "Second.Spelling", "a null spelling leaves the member to the next");
        assert!(ServiceError::from_body(400, r#"{"Code":"A"} trailing"#).is_none());
        assert!(ServiceError::from_body(400, r#"{"Message":"no code"}"#).is_none());
        assert!(ServiceError::from_body(400, r#"["Code"]"#).is_none());
    }
}
