//! RPC HMAC-SHA1 (protocol.md §5): the common parameters, the string-to-sign over the sorted
//! query, and the signed URL.

use super::*;

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

/// Every parameter the RPC protocol adds to a call, signature and credentials included: none
/// is an operation's own, and no extra parameter may take one of these names.
pub const RPC_COMMON_PARAMS: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "Timestamp",
    "SignatureNonce",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureType",
    "AccessKeyId",
    "Signature",
    "SecurityToken",
];

/// HMAC-SHA1 keyed with `AccessKeySecret&`, before any message.
pub type RpcKey = Hmac<Sha1>;

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
pub(super) fn encoded_size(pairs: &[(&str, &str)]) -> usize {
    pairs.iter().map(|(n, v)| n.len() + v.len() + 2).sum::<usize>() * 5 / 4 + 16
}

/// One encoded pair in the buffer: `enc(name)` is `start..eq`, `enc(value)` is `eq + 1..end`.
pub(super) struct Span {
    start: usize,
    eq: usize,
    end: usize,
}

/// A pair's place in the signing order: its name's sort key, its index, its spans.
pub(super) struct Sorted {
    key: u128,
    index: usize,
    span: Span,
}

pub(super) struct RpcCore {
    /// The pairs in signing order (sorted by name, then value).
    sorted: Vec<Sorted>,
    /// Where the first `sent` pairs end in the buffer (the rest are signed, not sent).
    sent_end: usize,
    string_to_sign: Vec<u8>,
    signature: String,
}

/// Encodes `pairs` into `encoded` after `prefix` (joined with `&`), then signs them; the first
/// `sent` of them are the ones a URL carries.
pub(super) fn rpc_core(
    encoded: &mut Vec<u8>,
    prefix: usize,
    method: &str,
    path: &str,
    pairs: &[(&str, &str)],
    sent: usize,
    key: RpcKey,
) -> RpcCore {
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
pub(super) fn reencode(out: &mut Vec<u8>, mut encoded: &[u8]) {
    while let Some(i) = find_percent(encoded) {
        out.extend_from_slice(&encoded[..i]);
        out.extend_from_slice(b"%25");
        encoded = &encoded[i + 1..];
    }
    out.extend_from_slice(encoded);
}

/// The index of the first `%` in `bytes`, eight bytes at a time (most encoded values have none:
/// IDs, names, dates).
pub(super) fn find_percent(bytes: &[u8]) -> Option<usize> {
    let at = leading_words(bytes, |x| equal_bytes(x, b'%') == 0);
    bytes[at..].iter().position(|&b| b == b'%').map(|i| at + i)
}

/// Base64 HMAC-SHA1: the RPC and legacy ROA signatures.
pub(super) fn hmac_sha1_base64(key: &[u8], message: &[u8]) -> String {
    mac_base64(Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes keys of any length"), message)
}

/// Base64 of a keyed HMAC-SHA1 over `message`.
pub(super) fn mac_base64(mut key: RpcKey, message: &[u8]) -> String {
    key.update(message);
    base64::engine::general_purpose::STANDARD.encode(key.finalize().into_bytes())
}
