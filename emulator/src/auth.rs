//! Authentication as the gateway does it: ACS3-HMAC-SHA256 (`Authorization` header, over the
//! path as sent), RPC HMAC-SHA1 (`Signature` parameter) or the legacy ROA HMAC-SHA1
//! (`Authorization: acs <id>:<signature>`), STS tokens, a 15-minute clock window, and nonces
//! that may not be reused.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime};

use acs_runtime::sign;

use crate::reply::Fault;
use crate::state::{AccessKey, Keys};

/// How far a request's date may be from the emulator's clock.
pub const SKEW: Duration = Duration::from_secs(15 * 60);

/// What a verified request told us.
#[derive(Debug, Clone)]
pub struct Caller {
    /// AccessKeyId.
    pub access_key_id: String,
    /// `v3`, `rpc` or `roa` (the legacy ROA signature).
    pub signature: &'static str,
}

/// The raw request, as the handler received it.
pub struct Incoming<'a> {
    /// Method, upper case.
    pub method: &'a str,
    /// The path as received, still percent-encoded.
    pub path: &'a str,
    /// Query pairs, decoded (`+` and `%20` both a space).
    pub query: &'a [(String, String)],
    /// Headers, names lower case.
    pub headers: &'a [(String, String)],
    /// Form-body pairs, decoded.
    pub form: &'a [(String, String)],
    /// Body bytes.
    pub body: &'a [u8],
}

impl Incoming<'_> {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// A query parameter's value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().chain(self.form).find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Nonces seen within the clock window, per key, each kept as 128 bits of the SHA-256 of the key
/// and the nonce (about 50 bytes a nonce, whatever its length; two distinct ones collide with a
/// chance of 2⁻¹²⁸).
#[derive(Default)]
pub struct Nonces {
    seen: HashMap<u128, SystemTime>,
    order: VecDeque<(SystemTime, u128)>,
}

/// The longest nonce accepted (UUIDs are 36 characters).
pub const MAX_NONCE_LEN: usize = 128;
/// Nonces remembered at most; beyond that the oldest are forgotten first (a replay of one of
/// those within the clock window would pass, a bounded trade for bounded memory: about 5 MB).
pub const MAX_NONCES: usize = 100_000;

/// The digest a nonce is remembered by: the key's length first, so no split collides.
fn nonce_digest(key: &str, nonce: &str) -> u128 {
    let mut bytes = Vec::with_capacity(8 + key.len() + nonce.len());
    bytes.extend_from_slice(&(key.len() as u64).to_le_bytes());
    bytes.extend_from_slice(key.as_bytes());
    bytes.extend_from_slice(nonce.as_bytes());
    let hex = sign::sha256_hex(&bytes);
    u128::from_str_radix(&hex[..32], 16).expect("SHA-256 in hex")
}

impl Nonces {
    /// Records a nonce: refused if missing, empty, too long, or already used within the window.
    fn check(&mut self, key: &str, nonce: Option<&str>, now: SystemTime) -> Result<(), Fault> {
        let nonce = nonce
            .filter(|n| !n.is_empty())
            .ok_or_else(|| Fault::new(400, "MissingSignatureNonce", "SignatureNonce is mandatory for this action."))?;
        if nonce.len() > MAX_NONCE_LEN {
            return Err(Fault::new(
                400,
                "InvalidSignatureNonce",
                format!("The signature nonce is longer than {MAX_NONCE_LEN} characters."),
            ));
        }
        while let Some((at, _)) = self.order.front() {
            if now.duration_since(*at).unwrap_or_default() > SKEW * 2 || self.order.len() >= MAX_NONCES {
                let (_, k) = self.order.pop_front().expect("front exists");
                self.seen.remove(&k);
            } else {
                break;
            }
        }
        let k = nonce_digest(key, nonce);
        if self.seen.contains_key(&k) {
            return Err(Fault::new(400, "SignatureNonceUsed", "Specified signature nonce was used already."));
        }
        self.seen.insert(k, now);
        self.order.push_back((now, k));
        Ok(())
    }

    /// Nonces remembered now.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether none is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// The gateway's answer to a wrong signature: it shows its string-to-sign, so a client can see
/// where the two differ (the legacy core SDK compares it with its own).
fn mismatch(string_to_sign: &str) -> Fault {
    Fault::new(
        400,
        "SignatureDoesNotMatch",
        format!("The request signature does not match our calculation. server StringToSign is [{string_to_sign}]"),
    )
}

fn incomplete(message: impl Into<String>) -> Fault {
    Fault::new(400, "IncompleteSignature", message)
}

pub(crate) fn check_time(text: Option<&str>, name: &str, now: SystemTime) -> Result<(), Fault> {
    let text = text.ok_or_else(|| Fault::new(400, "MissingTimestamp", format!("{name} is mandatory for this action.")))?;
    let at = sign::parse_timestamp(text).ok_or_else(|| {
        Fault::new(400, "InvalidTimeStamp.Format", format!("Specified time stamp or date value is not well formatted: {text:?}."))
    })?;
    let skew = now.duration_since(at).or_else(|e| Ok::<_, ()>(e.duration())).unwrap_or_default();
    if skew > SKEW {
        return Err(Fault::new(
            400,
            "InvalidTimeStamp.Expired",
            format!(
                "Specified time stamp or date value is expired: {text} is more than 15 minutes from the server time {}.",
                sign::format_timestamp(now)
            ),
        ));
    }
    Ok(())
}

fn find_key<'k>(keys: Keys<'k>, id: &str) -> Result<&'k AccessKey, Fault> {
    keys.get(id).ok_or_else(|| Fault::new(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."))
}

fn check_token(key: &AccessKey, sent: Option<&str>, now: SystemTime) -> Result<(), Fault> {
    if key.expiration.as_deref().and_then(sign::parse_timestamp).is_some_and(|expiry| now >= expiry) {
        return Err(Fault::new(400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired."));
    }
    match (&key.security_token, sent) {
        (None, _) => Ok(()),
        (Some(expected), Some(sent)) if expected == sent => Ok(()),
        (Some(_), None) => Err(Fault::new(400, "MissingSecurityToken", "SecurityToken is mandatory for this temporary AccessKeyId.")),
        (Some(_), Some(_)) => {
            Err(Fault::new(400, "InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey."))
        }
    }
}

/// Verifies the request's signature; the `Fault` is the gateway's answer when it fails.
pub fn verify(req: &Incoming<'_>, keys: Keys<'_>, nonces: &mut Nonces, now: SystemTime) -> Result<Caller, Fault> {
    match req.header(sign::headers::AUTHORIZATION) {
        Some(auth) if auth.starts_with("acs ") => verify_roa_legacy(req, auth, keys, nonces, now),
        Some(auth) => verify_v3(req, auth, keys, nonces, now),
        None if req.param("Signature").is_some() => verify_rpc(req, keys, nonces, now),
        None => Err(incomplete("The request has neither an Authorization header nor a Signature parameter.")),
    }
}

fn verify_v3(req: &Incoming<'_>, auth: &str, keys: Keys<'_>, nonces: &mut Nonces, now: SystemTime) -> Result<Caller, Fault> {
    let rest = auth.strip_prefix("ACS3-HMAC-SHA256 ").ok_or_else(|| {
        incomplete(format!("Unsupported signature algorithm in Authorization: {:?}.", auth.split(' ').next().unwrap_or("")))
    })?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => return Err(incomplete(format!("Malformed Authorization component {part:?}."))),
        }
    }
    let (Some(id), Some(signed), Some(signature)) = (credential, signed, signature) else {
        return Err(incomplete("Authorization must carry Credential, SignedHeaders and Signature."));
    };
    let signed: Vec<String> = signed.split(';').map(str::to_owned).collect();
    let key = find_key(keys, id)?;
    for name in [
        "host",
        sign::headers::ACTION,
        sign::headers::VERSION,
        sign::headers::DATE,
        sign::headers::SIGNATURE_NONCE,
        sign::headers::CONTENT_SHA256,
    ] {
        if req.header(name).is_none() {
            return Err(incomplete(format!("The required header {name} is missing.")));
        }
        if !signed.iter().any(|s| s == name) {
            return Err(incomplete(format!("The header {name} must be signed.")));
        }
    }
    for (name, _) in req.headers.iter().filter(|(n, _)| n.starts_with("x-acs-")) {
        if !signed.iter().any(|s| s == name) {
            return Err(incomplete(format!("The header {name} must be signed.")));
        }
    }
    for name in &signed {
        if req.header(name).is_none() {
            return Err(incomplete(format!("The signed header {name} is not in the request.")));
        }
    }
    if req.header(sign::headers::CONTENT_SHA256) != Some(sign::sha256_hex(req.body).as_str()) {
        return Err(incomplete("x-acs-content-sha256 is not the SHA-256 of the body."));
    }
    check_time(req.header(sign::headers::DATE), sign::headers::DATE, now)?;
    let computed = sign::sign_v3(&sign::V3Input {
        method: req.method,
        canonical_uri: req.path,
        query: &sign::borrow_pairs(req.query),
        headers: &sign::borrow_pairs(req.headers),
        signed_headers: &signed,
        body: req.body,
        access_key_id: id,
        access_key_secret: &key.secret,
    });
    if computed.signature != signature {
        return Err(mismatch(&computed.string_to_sign));
    }
    check_token(key, req.header(sign::headers::SECURITY_TOKEN), now)?;
    nonces.check(id, req.header(sign::headers::SIGNATURE_NONCE), now)?;
    Ok(Caller { access_key_id: id.to_owned(), signature: "v3" })
}

fn verify_roa_legacy(req: &Incoming<'_>, auth: &str, keys: Keys<'_>, nonces: &mut Nonces, now: SystemTime) -> Result<Caller, Fault> {
    let (id, signature) =
        auth["acs ".len()..].split_once(':').ok_or_else(|| incomplete("Authorization must be \"acs <AccessKeyId>:<Signature>\"."))?;
    let key = find_key(keys, id)?;
    match req.header(sign::headers::SIGNATURE_METHOD) {
        None | Some("HMAC-SHA1") => {}
        Some(other) => return Err(incomplete(format!("Unsupported x-acs-signature-method {other:?}; HMAC-SHA1 is supported."))),
    }
    let date = req.header("date").ok_or_else(|| Fault::new(400, "MissingDate", "The Date header is mandatory for this signature."))?;
    let at = sign::parse_http_date(date).ok_or_else(|| {
        Fault::new(400, "InvalidTimeStamp.Format", format!("Specified time stamp or date value is not well formatted: {date:?}."))
    })?;
    check_time(Some(&sign::format_timestamp(at)), "Date", now)?;
    if let Some(md5) = req.header("content-md5") {
        if md5 != sign::content_md5(req.body) {
            return Err(Fault::new(400, "InvalidContentMD5", "Content-MD5 is not the MD5 of the body."));
        }
    }
    let computed = sign::sign_roa_legacy(req.method, req.path, req.query, req.headers, id, &key.secret);
    if computed.signature != signature {
        return Err(mismatch(&computed.string_to_sign));
    }
    check_token(key, req.header(sign::headers::SECURITY_TOKEN), now)?;
    // The legacy core SDK sends no nonce; when one is sent, it is single-use.
    if let Some(nonce) = req.header(sign::headers::SIGNATURE_NONCE) {
        nonces.check(id, Some(nonce), now)?;
    }
    Ok(Caller { access_key_id: id.to_owned(), signature: "roa" })
}

fn verify_rpc(req: &Incoming<'_>, keys: Keys<'_>, nonces: &mut Nonces, now: SystemTime) -> Result<Caller, Fault> {
    let id = req.param("AccessKeyId").ok_or_else(|| Fault::new(400, "MissingAccessKeyId", "AccessKeyId is mandatory for this action."))?;
    let key = find_key(keys, id)?;
    match req.param("SignatureMethod") {
        Some("HMAC-SHA1") => {}
        other => return Err(incomplete(format!("Unsupported SignatureMethod {other:?}; HMAC-SHA1 is supported."))),
    }
    if req.param("SignatureVersion") != Some("1.0") {
        return Err(incomplete("SignatureVersion must be 1.0."));
    }
    check_time(req.param("Timestamp"), "Timestamp", now)?;
    let nonce = req
        .param("SignatureNonce")
        .ok_or_else(|| Fault::new(400, "MissingSignatureNonce", "SignatureNonce is mandatory for this action."))?;
    let params: Vec<(String, String)> = req.query.iter().chain(req.form).filter(|(n, _)| n != "Signature").cloned().collect();
    let computed = sign::sign_rpc(req.method, "/", &params, &key.secret);
    if Some(computed.signature.as_str()) != req.param("Signature") {
        return Err(Fault::new(
            400,
            "SignatureDoesNotMatch",
            format!("Specified signature is not matched with our calculation. server string to sign is:{}", computed.string_to_sign),
        ));
    }
    check_token(key, req.param("SecurityToken"), now)?;
    nonces.check(id, Some(nonce), now)?;
    Ok(Caller { access_key_id: id.to_owned(), signature: "rpc" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_store_is_bounded() {
        let mut nonces = Nonces::default();
        let now = SystemTime::now();
        for i in 0..MAX_NONCES + 10 {
            nonces.check("k", Some(&i.to_string()), now).unwrap();
        }
        assert_eq!(nonces.len(), MAX_NONCES);
        assert!(nonces.check("k", Some(&(MAX_NONCES + 9).to_string()), now).is_err(), "recent nonces are still remembered");
        assert!(nonces.check("k", Some(&"x".repeat(MAX_NONCE_LEN + 1)), now).is_err());
        assert!(nonces.check("k", Some(""), now).is_err());
    }
}
