//! Request signing, exactly as `shared/reference/protocol.md` §3–§5 specify it.
//!
//! Both algorithms are pure functions of their inputs (no clock, no randomness), so the
//! conformance vectors and the emulator can recompute every intermediate value. The client
//! supplies date and nonce.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Bytes that stay literal: `A–Z a–z 0–9 - _ . ~`. Everything else is `%XX`, upper-case hex.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encodes the UTF-8 bytes of `text` (RFC 3986: space → `%20`, `*` → `%2A`, `~` kept).
pub fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, UNRESERVED).to_string()
}

/// `enc(name)=enc(value)` pairs sorted by name (byte order, then value), joined with `&`.
/// `InstanceIds.10` sorts before `InstanceIds.2`; empty values stay as `Name=`.
pub fn canonical_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then_with(|| a.1.as_bytes().cmp(b.1.as_bytes())));
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&percent_encode(name));
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The name of the V3 algorithm, first token of `Authorization`.
pub const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// What ACS3-HMAC-SHA256 signs.
#[derive(Debug, Clone, Copy)]
pub struct V3Input<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// Path, `/` for RPC-style APIs.
    pub canonical_uri: &'a str,
    /// Decoded query pairs.
    pub query: &'a [(String, String)],
    /// Request headers (any case, values untrimmed).
    pub headers: &'a [(String, String)],
    /// Lower-case names of the headers to sign; each must be in `headers`.
    pub signed_headers: &'a [String],
    /// Body bytes.
    pub body: &'a [u8],
    /// AccessKeyId.
    pub access_key_id: &'a str,
    /// AccessKeySecret (HMAC key as is).
    pub access_key_secret: &'a str,
}

/// Every intermediate value of a V3 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Signature {
    /// Hex SHA-256 of the body (`x-acs-content-sha256`).
    pub hashed_payload: String,
    /// The canonical request.
    pub canonical_request: String,
    /// `ACS3-HMAC-SHA256\n<hex sha256 of the canonical request>`.
    pub string_to_sign: String,
    /// Hex HMAC-SHA256.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
}

/// Signs with ACS3-HMAC-SHA256 (protocol.md §4).
pub fn sign_v3(input: &V3Input<'_>) -> V3Signature {
    let hashed_payload = sha256_hex(input.body);
    let canonical_query = canonical_query(input.query.iter().map(|(n, v)| (n.as_str(), v.as_str())));

    let mut names: Vec<String> = input.signed_headers.iter().map(|n| n.to_ascii_lowercase()).collect();
    names.sort();
    names.dedup();
    let mut canonical_headers = String::new();
    for name in &names {
        // Repeated headers: values trimmed, sorted, joined with `,` (as the SDK does).
        let mut values: Vec<&str> = input.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()).collect();
        values.sort_unstable();
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&values.join(","));
        canonical_headers.push('\n');
    }
    let signed_headers = names.join(";");
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        input.method, input.canonical_uri, canonical_query, canonical_headers, signed_headers, hashed_payload
    );
    let string_to_sign = format!("{V3_ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()));
    let mut mac = Hmac::<Sha256>::new_from_slice(input.access_key_secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let authorization = format!("{V3_ALGORITHM} Credential={},SignedHeaders={signed_headers},Signature={signature}", input.access_key_id);
    V3Signature { hashed_payload, canonical_request, string_to_sign, signature, authorization }
}

/// Every intermediate value of an RPC (HMAC-SHA1, SignatureVersion 1.0) signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcSignature {
    /// Sorted, encoded parameters.
    pub canonicalized_query_string: String,
    /// `METHOD&enc(path)&enc(canonicalized_query_string)`.
    pub string_to_sign: String,
    /// Base64 HMAC-SHA1 (not URL-encoded).
    pub signature: String,
}

/// Signs RPC parameters (protocol.md §5). `params` are all signed parameters (common and
/// business, without `Signature`); the key is `secret + "&"`.
pub fn sign_rpc(method: &str, path: &str, params: &[(String, String)], access_key_secret: &str) -> RpcSignature {
    let canonicalized_query_string = canonical_query(params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let string_to_sign = format!("{method}&{}&{}", percent_encode(path), percent_encode(&canonicalized_query_string));
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{access_key_secret}&").as_bytes()).expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    RpcSignature { canonicalized_query_string, string_to_sign, signature }
}

/// Every intermediate value of a legacy ROA signature (HMAC-SHA1, `Authorization: acs …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoaLegacySignature {
    /// The string-to-sign (roa.md §4).
    pub string_to_sign: String,
    /// Base64 HMAC-SHA1 keyed with the secret as is.
    pub signature: String,
    /// `acs <AccessKeyId>:<signature>`.
    pub authorization: String,
}

/// Signs a ROA request the legacy way (roa.md §4), as the legacy core SDK does: method, the
/// `Accept`, `Content-MD5`, `Content-Type` and `Date` headers (empty lines when absent), every
/// `x-acs-*` header by lower-cased name, then the path with the query sorted by name and not
/// percent-encoded. `headers` are matched by name without regard to case.
pub fn sign_roa_legacy(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    access_key_id: &str,
    access_key_secret: &str,
) -> RoaLegacySignature {
    let header = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map_or("", |(_, v)| v.as_str());
    let lines = [
        method.to_owned(),
        header("accept").to_owned(),
        header("content-md5").to_owned(),
        header("content-type").to_owned(),
        header("date").to_owned(),
    ];
    let mut acs: Vec<(String, &str)> = headers
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().starts_with("x-acs-"))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.as_str()))
        .collect();
    acs.sort();
    let mut string_to_sign = lines.join("\n");
    string_to_sign.push('\n');
    for (name, value) in acs {
        string_to_sign.push_str(&format!("{name}:{value}\n"));
    }
    string_to_sign.push_str(path);
    if !query.is_empty() {
        let mut sorted: Vec<&(String, String)> = query.iter().collect();
        sorted.sort();
        string_to_sign.push('?');
        string_to_sign.push_str(&sorted.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("&"));
    }
    let mut mac = Hmac::<Sha1>::new_from_slice(access_key_secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let authorization = format!("acs {access_key_id}:{signature}");
    RoaLegacySignature { string_to_sign, signature, authorization }
}

/// A 32-character lower-case hex nonce, as the SDKs send (`x-acs-signature-nonce`,
/// `SignatureNonce`).
pub fn new_nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// `YYYY-MM-DDTHH:MM:SSZ` in UTC (`x-acs-date`, `Timestamp`).
pub fn format_timestamp(time: std::time::SystemTime) -> String {
    let t = time::OffsetDateTime::from(time).to_offset(time::UtcOffset::UTC);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second())
}

/// An HTTP date (RFC 1123, GMT), as the legacy ROA signature's `Date` header:
/// `Tue, 02 Jan 2024 03:04:05 GMT`.
pub fn format_http_date(time: std::time::SystemTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let t = time::OffsetDateTime::from(time).to_offset(time::UtcOffset::UTC);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[t.weekday().number_days_from_monday() as usize],
        t.day(),
        MONTHS[u8::from(t.month()) as usize - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses an HTTP date written by [`format_http_date`] (RFC 1123, GMT).
pub fn parse_http_date(text: &str) -> Option<std::time::SystemTime> {
    let format = time::macros::format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    time::PrimitiveDateTime::parse(text.trim(), format).ok().map(|t| t.assume_utc().into())
}

/// `Content-MD5` of a body: base64 of its MD5 digest.
pub fn content_md5(body: &[u8]) -> String {
    use md5::Digest as _;
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(body))
}

/// Parses a timestamp written by [`format_timestamp`].
pub fn parse_timestamp(text: &str) -> Option<std::time::SystemTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::PrimitiveDateTime::parse(text, format).ok().map(|t| t.assume_utc().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_follows_the_reference() {
        for (raw, encoded) in [
            (" ", "%20"),
            ("*", "%2A"),
            ("~", "~"),
            ("/", "%2F"),
            ("+", "%2B"),
            ("=", "%3D"),
            (":", "%3A"),
            ("%", "%25"),
            ("中", "%E4%B8%AD"),
            ("😀", "%F0%9F%98%80"),
            ("aZ0-_.", "aZ0-_."),
        ] {
            assert_eq!(percent_encode(raw), encoded, "{raw}");
        }
    }

    #[test]
    fn canonical_query_sorts_bytes_and_keeps_empty_values() {
        let q = canonical_query([("InstanceIds.2", "b"), ("InstanceIds.10", "c"), ("InstanceIds.1", "a"), ("Empty", ""), ("Sp", "a b")]);
        assert_eq!(q, "Empty=&InstanceIds.1=a&InstanceIds.10=c&InstanceIds.2=b&Sp=a%20b");
    }

    #[test]
    fn http_dates_are_rfc_1123() {
        let t = parse_timestamp("2024-01-02T03:04:05Z").unwrap();
        assert_eq!(format_http_date(t), "Tue, 02 Jan 2024 03:04:05 GMT");
        assert_eq!(parse_http_date("Tue, 02 Jan 2024 03:04:05 GMT"), Some(t));
        assert_eq!(
            content_md5(br#"{"cluster_name":"k8s-demo-2","deletion_protection":true}"#),
            "6IeulXQKtvq5luFmNHi8/g==",
            "vector roa-legacy-02"
        );
    }

    #[test]
    fn timestamps_round_trip() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_704_164_645);
        assert_eq!(format_timestamp(t), "2024-01-02T03:04:05Z");
        assert_eq!(parse_timestamp("2024-01-02T03:04:05Z"), Some(t));
        assert_eq!(parse_timestamp("2024-01-02 03:04:05"), None);
        assert_eq!(new_nonce().len(), 32);
    }
}
