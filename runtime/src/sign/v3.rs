//! ACS3-HMAC-SHA256 (protocol.md §4): the canonical request, its hash and the signature.

use super::*;

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
    pub query: &'a [(&'a str, &'a str)],
    /// Request headers (any case, values untrimmed).
    pub headers: &'a [(&'a str, &'a str)],
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
    pub hashed_payload: Cow<'static, str>,
    /// The canonical request.
    pub canonical_request: String,
    /// `ACS3-HMAC-SHA256\n<hex sha256 of the canonical request>`.
    pub string_to_sign: String,
    /// Hex HMAC-SHA256.
    pub signature: String,
    /// The `Authorization` header value.
    pub authorization: String,
    /// The canonical query string (also the request's query, as sent).
    pub canonical_query: String,
}

/// Signs with ACS3-HMAC-SHA256 (protocol.md §4).
pub fn sign_v3(input: &V3Input<'_>) -> V3Signature {
    sign_v3_names(input, Some(input.signed_headers), body_sha256(input.body), v3_key(input.access_key_secret))
}

/// [`sign_v3`] signing every header of `input.headers` (`signed_headers` is not read), with the
/// body's hash already computed (`hashed_payload`, the `x-acs-content-sha256` value) and the
/// HMAC already keyed with `input.access_key_secret`: the client's path, which signs every
/// header it sets, has hashed the body for that header, and keeps one key per set of
/// credentials (keying costs two of the hash's blocks).
#[cfg(feature = "client")]
pub(crate) fn sign_v3_keyed(input: &V3Input<'_>, hashed_payload: Cow<'static, str>, key: V3Key) -> V3Signature {
    sign_v3_names(input, None, hashed_payload, key)
}

/// HMAC-SHA256 keyed with an AccessKeySecret, before any message.
pub type V3Key = Hmac<Sha256>;

/// The V3 HMAC keyed with `access_key_secret`.
pub fn v3_key(access_key_secret: &str) -> V3Key {
    Hmac::new_from_slice(access_key_secret.as_bytes()).expect("HMAC takes keys of any length")
}

/// A header name in lower case, borrowed when it already is (the client's are).
pub(super) fn lower(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        name.to_ascii_lowercase().into()
    } else {
        name.into()
    }
}

/// The V3 signature over the headers named in `signed` (any case), or over every header when
/// `signed` is `None`.
pub(super) fn sign_v3_names(input: &V3Input<'_>, signed: Option<&[String]>, hashed_payload: Cow<'static, str>, key: V3Key) -> V3Signature {
    let canonical_query = canonical_query(input.query.iter().copied());
    // Every header once, by lower-case name and trimmed value, sorted: each signed name's values
    // are then one run, in the order the SDK joins them (sorted, `,`-separated).
    let mut entries: Vec<(Cow<'_, str>, &str)> = input.headers.iter().map(|(n, v)| (lower(n), v.trim())).collect();
    entries.sort_unstable();
    let names: Vec<Cow<'_, str>> = match signed {
        Some(signed) => {
            let mut names: Vec<Cow<'_, str>> = signed.iter().map(|n| lower(n)).collect();
            names.sort_unstable();
            names.dedup();
            names
        }
        None => Vec::new(),
    };
    // Calls `f` with each signed name, in order; with every header signed, the names are the
    // entries' own, each once.
    let each_name = |f: &mut dyn FnMut(&str)| match signed {
        Some(_) => names.iter().for_each(|n| f(n)),
        None => {
            let mut previous: Option<&str> = None;
            for (name, _) in &entries {
                if previous != Some(name.as_ref()) {
                    previous = Some(name.as_ref());
                    f(name);
                }
            }
        }
    };
    let mut canonical_request = String::with_capacity(
        input.method.len()
            + input.canonical_uri.len()
            + canonical_query.len()
            + input.headers.iter().map(|(n, v)| n.len() + v.len() + 2).sum::<usize>() * 2
            + 100,
    );
    canonical_request.push_str(input.method);
    canonical_request.push('\n');
    canonical_request.push_str(input.canonical_uri);
    canonical_request.push('\n');
    canonical_request.push_str(&canonical_query);
    canonical_request.push('\n');
    let mut next = 0;
    each_name(&mut |name| {
        canonical_request.push_str(name);
        canonical_request.push(':');
        while next < entries.len() && entries[next].0.as_ref() < name {
            next += 1;
        }
        let mut first = true;
        while next < entries.len() && entries[next].0 == name {
            if !first {
                canonical_request.push(',');
            }
            canonical_request.push_str(entries[next].1);
            first = false;
            next += 1;
        }
        canonical_request.push('\n');
    });
    canonical_request.push('\n');
    let signed_start = canonical_request.len();
    let mut first = true;
    each_name(&mut |name| {
        if !first {
            canonical_request.push(';');
        }
        canonical_request.push_str(name);
        first = false;
    });
    let signed_end = canonical_request.len();
    canonical_request.push('\n');
    canonical_request.push_str(&hashed_payload);
    let mut string_to_sign = String::with_capacity(V3_ALGORITHM.len() + 65);
    string_to_sign.push_str(V3_ALGORITHM);
    string_to_sign.push('\n');
    push_hex(&mut string_to_sign, &Sha256::digest(canonical_request.as_bytes()));
    let mut mac = key;
    mac.update(string_to_sign.as_bytes());
    let signature = hex_lower(&mac.finalize().into_bytes());
    let signed_headers = &canonical_request[signed_start..signed_end];
    let mut authorization =
        String::with_capacity(V3_ALGORITHM.len() + input.access_key_id.len() + signed_headers.len() + signature.len() + 40);
    for part in [V3_ALGORITHM, " Credential=", input.access_key_id, ",SignedHeaders=", signed_headers, ",Signature=", &signature] {
        authorization.push_str(part);
    }
    V3Signature { hashed_payload, canonical_request, string_to_sign, signature, authorization, canonical_query }
}
