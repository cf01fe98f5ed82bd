//! Hooks into every attempt of a call, as the AWS SDK's interceptors and the official SDKs'
//! `globalParameters`: extra headers and query parameters per client ([`Config::header`],
//! [`Config::query`]) or per call ([`CallOptions`](crate::CallOptions)), and an [`Interceptor`]
//! that may add headers before each attempt is signed and sees each signed request and its
//! answer, with every secret redacted.
//!
//! [`Config::header`]: crate::Config::header
//! [`Config::query`]: crate::Config::query

use crate::transport::{HttpRequest, HttpResponse, TransportError};

/// One attempt of a call, as an interceptor sees it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AttemptInfo<'a> {
    /// The product code, e.g. `SWAS-OPEN`.
    pub product: &'static str,
    /// The operation, e.g. `AttachKeyPair`.
    pub operation: &'static str,
    /// The attempt's number (the first is 1).
    pub attempt: u32,
    /// Where it goes: `host[:port]`.
    pub host: &'a str,
}

/// Code run at each attempt of every call of a client ([`Config::interceptor`]). Every method
/// has an empty default; implement those you need. An interceptor never sees a secret in clear:
/// the requests and answers it reads have STS tokens redacted (in headers, query, form bodies and
/// answers that echo them), and it cannot read the credentials.
///
/// [`Config::interceptor`]: crate::Config::interceptor
pub trait Interceptor: Send + Sync {
    /// Before the attempt is signed: headers pushed onto `headers` are sent and signed with the
    /// rest (a header the signer sets, or one that cannot be sent, fails the call with
    /// [`Error::Config`](crate::Error::Config)).
    fn modify_before_signing(&self, attempt: &AttemptInfo<'_>, headers: &mut Vec<(String, String)>) {
        let _ = (attempt, headers);
    }

    /// The signed request, as it is about to be sent (secrets redacted).
    fn read_before_transmit(&self, attempt: &AttemptInfo<'_>, request: &HttpRequest) {
        let _ = (attempt, request);
    }

    /// What the attempt got: an answer (any status; secrets redacted) or a transport error.
    fn read_after_attempt(&self, attempt: &AttemptInfo<'_>, outcome: Result<&HttpResponse, &TransportError>) {
        let _ = (attempt, outcome);
    }
}

/// Headers the signer or the transport sets: an extra header may not take these names.
const SIGNER_HEADERS: &[&str] =
    &["host", "authorization", "content-type", "content-length", "date", "user-agent", "accept", "transfer-encoding", "connection"];

/// Why an extra header cannot be sent, if it cannot.
pub(crate) fn check_header(name: &str, value: &str) -> Result<(), String> {
    let token = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return Err(format!("extra header {:?}: not a header name", crate::text::printable(name, 100)));
    }
    let lower = name.to_ascii_lowercase();
    if SIGNER_HEADERS.contains(&lower.as_str()) || (lower.starts_with("x-acs-") && crate::sign::headers::is_signer_header(&lower)) {
        return Err(format!("extra header {name}: the signer sets it"));
    }
    if !value.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)) {
        return Err(format!("extra header {name}: its value must be printable ASCII, without line breaks"));
    }
    Ok(())
}

/// Why an extra query parameter cannot be sent, if it cannot.
pub(crate) fn check_param(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(format!("extra query parameter {:?}: not a parameter name", crate::text::printable(name, 100)));
    }
    if crate::sign::RPC_COMMON_PARAMS.contains(&name) {
        return Err(format!("extra query parameter {name}: the signer sets it"));
    }
    Ok(())
}

/// A copy of `response` with `secret` taken out of its body in the forms a service echoes it.
pub(crate) fn redacted_response(response: &HttpResponse, secret: Option<&str>) -> HttpResponse {
    let mut copy = response.clone();
    if let Some(secret) = secret.filter(|s| s.len() >= 8) {
        if let Ok(text) = std::str::from_utf8(&copy.body) {
            let once = crate::sign::percent_encode(secret);
            let twice = crate::sign::percent_encode(&once);
            let mut text = text.to_owned();
            for form in [secret, once.as_str(), twice.as_str()] {
                text = text.replace(form, "**redacted**");
            }
            copy.body = text.into_bytes();
        }
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_names_the_signer_owns_or_that_cannot_be_sent_are_refused() {
        assert_eq!(check_header("x-acs-resourcegroupid", "rg-1"), Ok(()));
        assert_eq!(check_header("X-Trace-Id", "abc 123"), Ok(()));
        for (name, value) in [
            ("Authorization", "x"),
            ("x-acs-date", "x"),
            ("x-acs-security-token", "x"),
            ("host", "x"),
            ("a b", "x"),
            ("x-ok", "a\r\nb"),
            ("x-ok", "é"),
        ] {
            assert!(check_header(name, value).is_err(), "{name}: {value:?}");
        }
        assert_eq!(check_param("ResourceGroupId"), Ok(()));
        for name in ["Signature", "SecurityToken", "AccessKeyId", "", "a\nb"] {
            assert!(check_param(name).is_err(), "{name:?}");
        }
    }

    #[test]
    fn answers_echoing_a_token_are_redacted_in_every_form() {
        let token = "tok+en/with=chars";
        let body = format!(
            "raw {token} once {} twice {}",
            crate::sign::percent_encode(token),
            crate::sign::percent_encode(&crate::sign::percent_encode(token))
        );
        let response = HttpResponse { status: 400, headers: vec![], body: body.into_bytes() };
        let shown = redacted_response(&response, Some(token));
        assert_eq!(String::from_utf8(shown.body).unwrap(), "raw **redacted** once **redacted** twice **redacted**");
    }
}
