//! Legacy ROA HMAC-SHA1 (roa.md): the string-to-sign over headers and resource, and
//! `Content-MD5`.

use super::*;

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
    let signature = hmac_sha1_base64(access_key_secret.as_bytes(), string_to_sign.as_bytes());
    let authorization = format!("acs {access_key_id}:{signature}");
    RoaLegacySignature { string_to_sign, signature, authorization }
}

/// `Content-MD5` of a body: base64 of its MD5 digest.
pub fn content_md5(body: &[u8]) -> String {
    use md5::Digest as _;
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(body))
}
