//! Request signing, exactly as `shared/reference/protocol.md` §3–§5 specify it.
//!
//! Both algorithms are pure functions of their inputs (no clock, no randomness), so the
//! conformance vectors and the emulator can recompute every intermediate value. The client
//! supplies date and nonce.
//!
//! Longer than 500 lines on purpose: the three signatures share their canonical forms and
//! percent-encoding, which are the protocol and are kept together with their tests.

use std::borrow::Cow;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// `Format` of an API call, as the current SDKs spell it (vector rpc-05).
pub const RPC_FORMAT_API: &str = "json";
/// `Format` of an STS call, as the official credentials library spells it (the fixtures in
/// `shared/fixtures/credentials`); the service reads both spellings alike.
pub const RPC_FORMAT_STS: &str = "JSON";

/// The parameters every RPC request carries besides its own, in the official SDKs' order:
/// `Action`, `Format` (see [`RPC_FORMAT_API`] and [`RPC_FORMAT_STS`]), `Version`, `Timestamp`,
/// `SignatureNonce`. The one builder of them, for API calls and for the STS calls credentials
/// make.
pub fn rpc_common<'a>(action: &'a str, format: &'a str, version: &'a str, timestamp: &'a str, nonce: &'a str) -> [(&'a str, &'a str); 5] {
    [("Action", action), ("Format", format), ("Version", version), ("Timestamp", timestamp), ("SignatureNonce", nonce)]
}

/// The header names the protocol uses, lower case as signed: one spelling for the client, the
/// emulator and anyone signing by hand.
pub mod headers {
    /// The operation (ACS3 and legacy ROA).
    pub const ACTION: &str = "x-acs-action";
    /// The API version (ACS3 and legacy ROA).
    pub const VERSION: &str = "x-acs-version";
    /// The request time, ISO 8601 in UTC (ACS3).
    pub const DATE: &str = "x-acs-date";
    /// A value never sent twice, against replay.
    pub const SIGNATURE_NONCE: &str = "x-acs-signature-nonce";
    /// The body's SHA-256 in lower-case hex (ACS3).
    pub const CONTENT_SHA256: &str = "x-acs-content-sha256";
    /// The STS token of temporary credentials.
    pub const SECURITY_TOKEN: &str = "x-acs-security-token";
    /// `HMAC-SHA1` (legacy ROA).
    pub const SIGNATURE_METHOD: &str = "x-acs-signature-method";
    /// `1.0` (legacy ROA).
    pub const SIGNATURE_VERSION: &str = "x-acs-signature-version";
    /// The gateway's id of a request, in its answer.
    pub const REQUEST_ID: &str = "x-acs-request-id";
    /// How long to wait before a retry, in milliseconds, in a throttling answer.
    pub const RETRY_AFTER: &str = "x-acs-retry-after";
    /// The signature (ACS3 and legacy ROA).
    pub const AUTHORIZATION: &str = "authorization";
    /// The body's media type.
    pub const CONTENT_TYPE: &str = "content-type";
}

/// Percent-encodes the UTF-8 bytes of `text` (RFC 3986: space → `%20`, `*` → `%2A`, `~` kept).
pub fn percent_encode(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + text.len() / 2);
    encode_into(&mut out, text);
    ascii_string(out)
}

/// `%XX` for every byte, upper-case hex, made at compile time.
static ESCAPES: [[u8; 3]; 256] = {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut table = [[0u8; 3]; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = [b'%', HEX[i >> 4], HEX[i & 15]];
        i += 1;
    }
    table
};

/// Whether a byte stays literal: `A–Z a–z 0–9 - _ . ~`.
static UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || b == b'~';
        i += 1;
    }
    table
};

/// [`percent_encode`] into a byte buffer: runs of literal bytes are copied at once, every other
/// byte as one fixed-size three-byte escape. The request path encodes every parameter twice
/// (RPC), so this is one of its hot loops. What it appends is ASCII.
pub(crate) fn encode_into(out: &mut Vec<u8>, text: &str) {
    let mut rest = text.as_bytes();
    out.reserve(rest.len() + 8);
    while !rest.is_empty() {
        let run = literal_run(rest);
        out.extend_from_slice(&rest[..run]);
        if let Some((&b, tail)) = rest[run..].split_first() {
            out.extend_from_slice(&ESCAPES[usize::from(b)]);
            rest = tail;
        } else {
            break;
        }
    }
}

/// Byte-wise tests on eight bytes at once, held as one little-endian integer.
const ONES: u64 = 0x0101_0101_0101_0101;
const LOWS: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// How many bytes at the start of `bytes` lie in whole eight-byte words that all pass `ok`.
fn leading_words(bytes: &[u8], ok: impl Fn(u64) -> bool) -> usize {
    let mut at = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if !ok(u64::from_le_bytes(word)) {
            break;
        }
        at += 8;
    }
    at
}

/// The high bit of each byte of the result is set where that byte of `x` equals `c` (exact:
/// no carry between bytes).
fn equal_bytes(x: u64, c: u8) -> u64 {
    let y = x ^ (ONES * u64::from(c));
    !(((y & LOWS) + LOWS) | y) & HIGHS
}

/// How many bytes at the start of `bytes` stay literal (`A–Z a–z 0–9 - _ . ~`): eight at a time
/// while a whole word does, then byte by byte.
fn literal_run(bytes: &[u8]) -> usize {
    // The high bit of each byte of the result is set where that byte of `x` (all below 0x80)
    // lies in `lo..=hi`.
    let in_range = |x: u64, lo: u8, hi: u8| (x + ONES * u64::from(0x80 - lo)) & !(x + ONES * u64::from(0x7f - hi)) & HIGHS;
    let at = leading_words(bytes, |x| {
        x & HIGHS == 0
            && in_range(x, b'0', b'9')
                | in_range(x, b'A', b'Z')
                | in_range(x, b'a', b'z')
                | equal_bytes(x, b'-')
                | equal_bytes(x, b'_')
                | equal_bytes(x, b'.')
                | equal_bytes(x, b'~')
                == HIGHS
    });
    at + bytes[at..].iter().position(|&b| !UNRESERVED[usize::from(b)]).unwrap_or(bytes.len() - at)
}

/// A buffer [`encode_into`] filled (and other ASCII) as a `String`.
pub(crate) fn ascii_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `enc(name)=enc(value)` joined with `&`, in the order given, in one buffer (a query or form
/// body as sent).
pub fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = Vec::with_capacity(256);
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push(b'&');
        }
        encode_into(&mut out, name);
        out.push(b'=');
        encode_into(&mut out, value);
    }
    ascii_string(out)
}

/// `enc(name)=enc(value)` pairs sorted by name (byte order, then value), joined with `&`.
/// `InstanceIds.10` sorts before `InstanceIds.2`; empty values stay as `Name=`.
pub fn canonical_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(u128, &str, &str)> = pairs.into_iter().map(|(n, v)| (prefix_key(n), n, v)).collect();
    pairs.sort_unstable_by(|a, b| signing_order(*a, *b));
    let mut out = Vec::with_capacity(pairs.iter().map(|(_, n, v)| n.len() + v.len() + 2).sum::<usize>() * 5 / 4);
    for (i, (_, name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        encode_into(&mut out, name);
        out.push(b'=');
        encode_into(&mut out, value);
    }
    ascii_string(out)
}

/// The first 16 bytes of `name` as one big-endian integer (zero-padded): comparing two keys
/// orders two names as their bytes do, unless both keys are equal, which only then needs the
/// full comparison. Sorting parameters by it decides most comparisons at once.
fn prefix_key(name: &str) -> u128 {
    let mut key = [0u8; 16];
    let n = name.len().min(16);
    key[..n].copy_from_slice(&name.as_bytes()[..n]);
    u128::from_be_bytes(key)
}

/// The order parameters are signed in (protocol.md §5): by name, then value, in byte order;
/// each pair comes with its name's [`prefix_key`], which decides most comparisons alone.
fn signing_order(a: (u128, &str, &str), b: (u128, &str, &str)) -> std::cmp::Ordering {
    a.0.cmp(&b.0).then_with(|| a.1.as_bytes().cmp(b.1.as_bytes())).then_with(|| a.2.as_bytes().cmp(b.2.as_bytes()))
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    body_sha256(bytes).into_owned()
}

/// Lower-case hex SHA-256 of a body (`x-acs-content-sha256`): the hash of the empty body, which
/// most requests have, is a constant, borrowed.
pub fn body_sha256(bytes: &[u8]) -> Cow<'static, str> {
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    if bytes.is_empty() {
        return EMPTY.into();
    }
    hex_lower(&Sha256::digest(bytes)).into()
}

/// Appends lower-case hex of `bytes` to `out`.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
}

/// Lower-case hex, by table (the `hex` crate's iterator costs more than the hash it prints).
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    out
}

/// Owned pairs borrowed, as [`V3Input`] takes them.
pub fn borrow_pairs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
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

/// HMAC-SHA1 keyed with `AccessKeySecret&`, before any message.
pub type RpcKey = Hmac<Sha1>;

/// The V3 HMAC keyed with `access_key_secret`.
pub fn v3_key(access_key_secret: &str) -> V3Key {
    Hmac::new_from_slice(access_key_secret.as_bytes()).expect("HMAC takes keys of any length")
}

/// The RPC HMAC keyed with `access_key_secret&`.
pub fn rpc_key(access_key_secret: &str) -> RpcKey {
    // The key is `secret&`, built on the stack when it fits (it always does for real keys).
    let mut stack = [0u8; 128];
    let key: Cow<'_, [u8]> = if access_key_secret.len() < stack.len() {
        stack[..access_key_secret.len()].copy_from_slice(access_key_secret.as_bytes());
        stack[access_key_secret.len()] = b'&';
        Cow::Borrowed(&stack[..=access_key_secret.len()])
    } else {
        Cow::Owned(format!("{access_key_secret}&").into_bytes())
    };
    Hmac::new_from_slice(&key).expect("HMAC takes keys of any length")
}

/// A header name in lower case, borrowed when it already is (the client's are).
fn lower(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        name.to_ascii_lowercase().into()
    } else {
        name.into()
    }
}

/// The V3 signature over the headers named in `signed` (any case), or over every header when
/// `signed` is `None`.
fn sign_v3_names(input: &V3Input<'_>, signed: Option<&[String]>, hashed_payload: Cow<'static, str>, key: V3Key) -> V3Signature {
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
    sign_rpc_pairs(method, path, params.iter().map(|(n, v)| (n.as_str(), v.as_str())), access_key_secret)
}

/// [`sign_rpc`] over borrowed pairs.
pub(crate) fn sign_rpc_pairs<'a>(
    method: &str,
    path: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    access_key_secret: &str,
) -> RpcSignature {
    let pairs: Vec<(&str, &str)> = params.into_iter().collect();
    let mut encoded = Vec::with_capacity(encoded_size(&pairs));
    let core = rpc_core(&mut encoded, 0, method, path, &pairs, pairs.len(), rpc_key(access_key_secret));
    let mut canonical = Vec::with_capacity(encoded.len());
    for (k, Sorted { span, .. }) in core.sorted.iter().enumerate() {
        if k > 0 {
            canonical.push(b'&');
        }
        canonical.extend_from_slice(&encoded[span.start..span.end]);
    }
    RpcSignature {
        canonicalized_query_string: ascii_string(canonical),
        string_to_sign: ascii_string(core.string_to_sign),
        signature: core.signature,
    }
}

/// The client's RPC path: appends `enc(name)=enc(value)` for each of `sent`, in order, then
/// `&Signature=…`, to `url` (which ends with `?`), signing `sent` and `also_signed` (the form
/// body) together. Each parameter is percent-encoded once: the canonical query is the sorted
/// encoded pairs, and its encoding inside the string-to-sign re-escapes only their `%`.
pub fn sign_rpc_url(
    url: &mut String,
    method: &str,
    path: &str,
    sent: &[(&str, &str)],
    also_signed: &[(&str, &str)],
    access_key_secret: &str,
) {
    sign_rpc_url_keyed(url, method, path, sent, also_signed, rpc_key(access_key_secret));
}

/// [`sign_rpc_url`] with the HMAC already keyed ([`rpc_key`]; the client keeps one per set of
/// credentials).
pub(crate) fn sign_rpc_url_keyed(
    url: &mut String,
    method: &str,
    path: &str,
    sent: &[(&str, &str)],
    also_signed: &[(&str, &str)],
    key: RpcKey,
) {
    let prefix = url.len();
    let mut buffer = std::mem::take(url).into_bytes();
    let all: Cow<'_, [(&str, &str)]> =
        if also_signed.is_empty() { sent.into() } else { sent.iter().chain(also_signed).copied().collect::<Vec<_>>().into() };
    buffer.reserve(encoded_size(&all) + 48);
    let core = rpc_core(&mut buffer, prefix, method, path, &all, sent.len(), key);
    buffer.truncate(core.sent_end);
    if buffer.len() > prefix {
        buffer.push(b'&');
    }
    buffer.extend_from_slice(b"Signature=");
    encode_into(&mut buffer, &core.signature);
    *url = ascii_string(buffer);
}

/// An upper bound guess of the encoded size of `pairs`, so buffers are sized once.
fn encoded_size(pairs: &[(&str, &str)]) -> usize {
    pairs.iter().map(|(n, v)| n.len() + v.len() + 2).sum::<usize>() * 5 / 4 + 16
}

/// One encoded pair in the buffer: `enc(name)` is `start..eq`, `enc(value)` is `eq + 1..end`.
struct Span {
    start: usize,
    eq: usize,
    end: usize,
}

/// A pair's place in the signing order: its name's sort key, its index, its spans.
struct Sorted {
    key: u128,
    index: usize,
    span: Span,
}

struct RpcCore {
    /// The pairs in signing order (sorted by name, then value).
    sorted: Vec<Sorted>,
    /// Where the first `sent` pairs end in the buffer (the rest are signed, not sent).
    sent_end: usize,
    string_to_sign: Vec<u8>,
    signature: String,
}

/// Encodes `pairs` into `encoded` after `prefix` (joined with `&`), then signs them; the first
/// `sent` of them are the ones a URL carries.
fn rpc_core(encoded: &mut Vec<u8>, prefix: usize, method: &str, path: &str, pairs: &[(&str, &str)], sent: usize, key: RpcKey) -> RpcCore {
    // Each pair's spans, with its name's sort key.
    let mut sorted: Vec<Sorted> = Vec::with_capacity(pairs.len());
    let mut sent_end = prefix;
    for (i, (name, value)) in pairs.iter().enumerate() {
        if encoded.len() > prefix {
            encoded.push(b'&');
        }
        let start = encoded.len();
        encode_into(encoded, name);
        let eq = encoded.len();
        encoded.push(b'=');
        encode_into(encoded, value);
        if i < sent {
            sent_end = encoded.len();
        }
        sorted.push(Sorted { key: prefix_key(name), index: i, span: Span { start, eq, end: encoded.len() } });
    }
    // Sorted by the unencoded name, then value.
    let entry = |s: &Sorted| (s.key, pairs[s.index].0, pairs[s.index].1);
    sorted.sort_unstable_by(|a, b| signing_order(entry(a), entry(b)));
    let mut to_sign = Vec::with_capacity(method.len() + path.len() * 3 + (encoded.len() - prefix) * 5 / 4 + 16);
    to_sign.extend_from_slice(method.as_bytes());
    to_sign.push(b'&');
    encode_into(&mut to_sign, path);
    to_sign.push(b'&');
    for (k, Sorted { span, .. }) in sorted.iter().enumerate() {
        if k > 0 {
            to_sign.extend_from_slice(b"%26");
        }
        reencode(&mut to_sign, &encoded[span.start..span.eq]);
        to_sign.extend_from_slice(b"%3D");
        reencode(&mut to_sign, &encoded[span.eq + 1..span.end]);
    }
    let signature = mac_base64(key, &to_sign);
    RpcCore { sorted, sent_end, string_to_sign: to_sign, signature }
}

/// Percent-encodes text that is already percent-encoded: only its `%` needs escaping.
fn reencode(out: &mut Vec<u8>, mut encoded: &[u8]) {
    while let Some(i) = find_percent(encoded) {
        out.extend_from_slice(&encoded[..i]);
        out.extend_from_slice(b"%25");
        encoded = &encoded[i + 1..];
    }
    out.extend_from_slice(encoded);
}

/// The index of the first `%` in `bytes`, eight bytes at a time (most encoded values have none:
/// IDs, names, dates).
fn find_percent(bytes: &[u8]) -> Option<usize> {
    let at = leading_words(bytes, |x| equal_bytes(x, b'%') == 0);
    bytes[at..].iter().position(|&b| b == b'%').map(|i| at + i)
}

/// Base64 HMAC-SHA1: the RPC and legacy ROA signatures.
fn hmac_sha1_base64(key: &[u8], message: &[u8]) -> String {
    mac_base64(Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes keys of any length"), message)
}

/// Base64 of a keyed HMAC-SHA1 over `message`.
fn mac_base64(mut key: RpcKey, message: &[u8]) -> String {
    key.update(message);
    base64::engine::general_purpose::STANDARD.encode(key.finalize().into_bytes())
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
    let signature = hmac_sha1_base64(access_key_secret.as_bytes(), string_to_sign.as_bytes());
    let authorization = format!("acs {access_key_id}:{signature}");
    RoaLegacySignature { string_to_sign, signature, authorization }
}

/// A 32-character lower-case hex nonce, as the SDKs send (`x-acs-signature-nonce`,
/// `SignatureNonce`).
pub fn new_nonce() -> String {
    let mut buffer = [0u8; uuid::fmt::Simple::LENGTH];
    uuid::Uuid::new_v4().simple().encode_lower(&mut buffer).to_owned()
}

/// A random UUID in its hyphenated form (an idempotency token), without `fmt`.
pub fn new_uuid() -> String {
    let mut buffer = [0u8; uuid::fmt::Hyphenated::LENGTH];
    uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer).to_owned()
}

/// `YYYY-MM-DDTHH:MM:SSZ` in UTC (`x-acs-date`, `Timestamp`). Computed directly from the Unix
/// time (days to civil date, H. Hinnant's algorithm): it is on every request's path.
pub fn format_timestamp(time: std::time::SystemTime) -> String {
    let secs = match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs_f64().ceil() as i64),
    };
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        return format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60);
    }
    // Digits written directly: `format!` costs more than the rest of this function.
    let digit = |n: i64| b'0' + n as u8;
    let two = |n: i64| [digit(n / 10), digit(n % 10)];
    let (y, mo, d, h, mi, se) = (year, two(month), two(day), two(rem / 3600), two(rem % 3600 / 60), two(rem % 60));
    let text = [
        digit(y / 1000),
        digit(y / 100 % 10),
        digit(y / 10 % 10),
        digit(y % 10),
        b'-',
        mo[0],
        mo[1],
        b'-',
        d[0],
        d[1],
        b'T',
        h[0],
        h[1],
        b':',
        mi[0],
        mi[1],
        b':',
        se[0],
        se[1],
        b'Z',
    ];
    ascii_string(text.to_vec())
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
    fn the_client_url_signs_sent_and_body_parameters_and_carries_only_the_sent_ones() {
        let sent = [("Action", "Run"), ("Name", "a b*~"), ("InstanceIds.10", "i-10"), ("InstanceIds.2", "é/&=")];
        let body = [("Data", "x%y"), ("Action2", "")];
        let all: Vec<(&str, &str)> = sent.iter().chain(&body).copied().collect();
        let reference = sign_rpc_pairs("POST", "/", all.iter().copied(), "secret");
        let mut url = "http://h/?".to_owned();
        sign_rpc_url(&mut url, "POST", "/", &sent, &body, "secret");
        let expected = format!("http://h/?{}&Signature={}", encode_pairs(sent.iter().copied()), percent_encode(&reference.signature));
        assert_eq!(url, expected);
        // Without body parameters, the same as signing the sent ones alone.
        let mut url = "http://h/?".to_owned();
        sign_rpc_url(&mut url, "GET", "/", &sent, &[], "secret");
        let alone = sign_rpc_pairs("GET", "/", sent.iter().copied(), "secret");
        assert!(url.ends_with(&format!("&Signature={}", percent_encode(&alone.signature))), "{url}");
        assert_eq!(alone.canonicalized_query_string, canonical_query(sent.iter().copied()));
    }

    #[test]
    fn literal_runs_end_at_the_first_byte_to_escape() {
        // Every byte value at every offset of a run of literals, which are every literal.
        let literals: Vec<u8> = (0..=255u8).filter(|&b| UNRESERVED[usize::from(b)]).collect();
        for len in 0..24 {
            let run: Vec<u8> = (0..len).map(|i| literals[(i * 7) % literals.len()]).collect();
            assert_eq!(literal_run(&run), len);
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut bytes = run.clone();
                    bytes[at] = b;
                    let expected = if UNRESERVED[usize::from(b)] { len } else { at };
                    assert_eq!(literal_run(&bytes), expected, "byte {b:#x} at {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn find_percent_finds_the_first_percent_wherever_it_is() {
        // Neighbours of `%` (0x25) in value and in the carry of the word test, at every offset.
        for fill in [b'a', 0x24, 0x26, 0xa5, 0x00, 0xff, b'5'] {
            for len in 0..40 {
                let plain = vec![fill; len];
                assert_eq!(find_percent(&plain), None, "fill {fill:#x}, len {len}");
                for at in 0..len {
                    for second in at..len {
                        let mut bytes = plain.clone();
                        bytes[second] = b'%';
                        bytes[at] = b'%';
                        assert_eq!(find_percent(&bytes), Some(at), "fill {fill:#x}, len {len}, at {at}");
                    }
                }
            }
        }
    }

    #[test]
    fn keyed_hmacs_are_the_hmacs_of_the_secret_however_long() {
        for secret in ["s", "ExampleSecretValue0123456789", &"x".repeat(63), &"y".repeat(64), &"z".repeat(300)] {
            let message = b"POST&%2F&Action%3DX";
            let expected = hmac_sha1_base64(format!("{secret}&").as_bytes(), message);
            assert_eq!(mac_base64(rpc_key(secret), message), expected, "{} bytes", secret.len());
            let mut v3 = v3_key(secret);
            v3.update(message);
            let mut fresh = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            fresh.update(message);
            assert_eq!(v3.finalize().into_bytes(), fresh.finalize().into_bytes());
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
        // The direct civil-date computation agrees with the time crate over four centuries.
        for secs in (-2_208_988_800i64..=10_413_792_000).step_by(86_400 * 37 + 3_607) {
            let t = if secs >= 0 {
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64)
            } else {
                std::time::UNIX_EPOCH - std::time::Duration::from_secs(secs.unsigned_abs())
            };
            let expected = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let expected = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                expected.year(),
                u8::from(expected.month()),
                expected.day(),
                expected.hour(),
                expected.minute(),
                expected.second()
            );
            assert_eq!(format_timestamp(t), expected, "{secs}");
        }
        assert_eq!(new_nonce().len(), 32);
    }
}
