//! One function per signature algorithm: the request of one attempt, signed, as the official
//! SDKs send it. `Client::sign` chooses which.

use super::*;

/// What every algorithm signs: the call, where it goes, and this attempt's time and nonce.
pub(super) struct Attempt<'a> {
    pub(super) call: &'a Call<'a>,
    pub(super) endpoint: &'a ResolvedEndpoint,
    pub(super) version: &'static str,
    pub(super) user_agent: &'a HeaderText,
    pub(super) now: std::time::SystemTime,
    pub(super) date: String,
    pub(super) nonce: String,
    pub(super) path: std::borrow::Cow<'a, str>,
    pub(super) body: Vec<u8>,
    pub(super) content_type: Option<&'static str>,
}

/// ACS3-HMAC-SHA256: every header it sets signed, the body's hash in `x-acs-content-sha256`.
pub(super) fn v3(a: Attempt<'_>, c: &Credentials) -> HttpRequest {
    let hashed_payload = sign::body_sha256(&a.body);
    let mut headers: Vec<(HeaderText, HeaderText)> = Vec::with_capacity(10 + a.call.headers.len());
    headers.extend([
        ("host".into(), a.endpoint.host.clone()),
        (crate::sign::headers::ACTION.into(), a.call.action.into()),
        (crate::sign::headers::VERSION.into(), a.version.into()),
        (crate::sign::headers::DATE.into(), a.date.into()),
        (crate::sign::headers::SIGNATURE_NONCE.into(), a.nonce.into()),
        (crate::sign::headers::CONTENT_SHA256.into(), hashed_payload.clone()),
    ]);
    if let Some(token) = c.security_token() {
        headers.push((crate::sign::headers::SECURITY_TOKEN.into(), token.expose().to_owned().into()));
    }
    if let Some(content_type) = a.content_type {
        headers.push((crate::sign::headers::CONTENT_TYPE.into(), content_type.into()));
    }
    // Header parameters are signed, as the SDK signs every header it sets.
    headers.extend(a.call.headers.iter().map(|(n, v)| (n.to_ascii_lowercase().into(), v.to_owned().into())));
    let signature = {
        let query: Vec<(&str, &str)> = a.call.query.iter().collect();
        let signed: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_ref(), v.as_ref())).collect();
        sign::sign_v3_keyed(
            &V3Input {
                method: a.call.method.as_str(),
                canonical_uri: &a.path,
                query: &query,
                headers: &signed,
                signed_headers: &[],
                body: &a.body,
                access_key_id: c.access_key_id(),
                access_key_secret: c.access_key_secret().expose(),
            },
            hashed_payload,
            c.v3_key(),
        )
    };
    headers.push((crate::sign::headers::AUTHORIZATION.into(), signature.authorization.into()));
    headers.push(("user-agent".into(), a.user_agent.clone()));
    headers.push(("accept".into(), "application/json".into()));
    // The query goes out in its canonical form, computed once for the signature.
    HttpRequest { method: a.call.method, url: url(a.endpoint, &a.path, &signature.canonical_query), headers, body: a.body }
}

/// RPC HMAC-SHA1: the common parameters and the call's in the query, signed over the sorted
/// parameters (body ones included); header parameters travel unsigned.
pub(super) fn rpc(a: Attempt<'_>, c: &Credentials) -> HttpRequest {
    // The current SDK's order and spelling (vector rpc-05): `Format=json`, no
    // `SignatureType`; the order is cosmetic, the signature sorts.
    // Borrowed, not copied: the signed set is only read.
    let mut params: Vec<(&str, &str)> = Vec::with_capacity(a.call.query.len() + 9);
    params.extend(crate::sign::rpc_common(a.call.action, crate::sign::RPC_FORMAT_API, a.version, &a.date, &a.nonce));
    params.extend(a.call.query.iter());
    if let Some(token) = c.security_token() {
        params.push(("SecurityToken", token.expose()));
    }
    params.extend([("SignatureMethod", "HMAC-SHA1"), ("SignatureVersion", "1.0"), ("AccessKeyId", c.access_key_id())]);
    let body_params: Vec<(&str, &str)> = a.call.body.iter().collect();
    // In the official SDK's order (vector rpc-05), byte for byte, encoded once into
    // the URL, which `sign_rpc_url_keyed` sizes for the query itself.
    let mut url = url_prefix(a.endpoint, "/", true, 0);
    sign::sign_rpc_url_keyed(&mut url, a.call.method.as_str(), "/", &params, &body_params, c.rpc_key());
    let mut headers: Vec<(HeaderText, HeaderText)> = Vec::with_capacity(6 + a.call.headers.len());
    headers.extend([
        ("host".into(), a.endpoint.host.clone()),
        (crate::sign::headers::ACTION.into(), a.call.action.into()),
        (crate::sign::headers::VERSION.into(), a.version.into()),
        ("user-agent".into(), a.user_agent.clone()),
        ("accept".into(), "application/json".into()),
    ]);
    if let Some(content_type) = a.content_type {
        headers.push((crate::sign::headers::CONTENT_TYPE.into(), content_type.into()));
    }
    // The RPC signature covers parameters only; header parameters travel unsigned.
    headers.extend(a.call.headers.iter().map(|(n, v)| (n.to_owned().into(), v.to_owned().into())));
    HttpRequest { method: a.call.method, url, headers, body: a.body }
}

/// Legacy ROA HMAC-SHA1 (roa.md §4), as the current SDK sends it with `v2`.
pub(super) fn roa_legacy(a: Attempt<'_>, c: &Credentials) -> HttpRequest {
    // The legacy ROA signature (roa.md §4), as the current SDK sends it with `v2`.
    let query: Vec<(String, String)> = a.call.query.clone().into_vec();
    let mut headers = vec![
        ("accept".to_owned(), "application/json".to_owned()),
        ("date".to_owned(), sign::format_http_date(a.now)),
        ("host".to_owned(), a.endpoint.host.to_string()),
        (crate::sign::headers::ACTION.to_owned(), a.call.action.to_owned()),
        (crate::sign::headers::VERSION.to_owned(), a.version.to_owned()),
        (crate::sign::headers::SIGNATURE_METHOD.to_owned(), "HMAC-SHA1".to_owned()),
        (crate::sign::headers::SIGNATURE_VERSION.to_owned(), "1.0".to_owned()),
        (crate::sign::headers::SIGNATURE_NONCE.to_owned(), a.nonce),
    ];
    if let Some(token) = c.security_token() {
        headers.push((crate::sign::headers::SECURITY_TOKEN.to_owned(), token.expose().to_owned()));
    }
    if let Some(content_type) = a.content_type {
        headers.push((crate::sign::headers::CONTENT_TYPE.to_owned(), content_type.to_owned()));
    }
    headers.extend(a.call.headers.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned())));
    let signature =
        sign::sign_roa_legacy(a.call.method.as_str(), &a.path, &query, &headers, c.access_key_id(), c.access_key_secret().expose());
    headers.push((crate::sign::headers::AUTHORIZATION.to_owned(), signature.authorization));
    let mut headers: Vec<(HeaderText, HeaderText)> = headers.into_iter().map(|(n, v)| (n.into(), v.into())).collect();
    headers.push(("user-agent".into(), a.user_agent.clone()));
    let query_string = sign::canonical_query(query.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    HttpRequest { method: a.call.method, url: url(a.endpoint, &a.path, &query_string), headers, body: a.body }
}
