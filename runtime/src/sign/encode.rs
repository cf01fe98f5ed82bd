//! Percent-encoding and canonical forms (RFC 3986, as the gateway expects them), hex and
//! SHA-256: what every algorithm below shares.

use super::*;

/// Percent-encodes the UTF-8 bytes of `text` (RFC 3986: space → `%20`, `*` → `%2A`, `~` kept).
pub fn percent_encode(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + text.len() / 2);
    encode_into(&mut out, text);
    ascii_string(out)
}

/// `%XX` for every byte, upper-case hex, made at compile time.
pub(super) static ESCAPES: [[u8; 3]; 256] = {
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
pub(super) static UNRESERVED: [bool; 256] = {
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
pub(super) const ONES: u64 = 0x0101_0101_0101_0101;
pub(super) const LOWS: u64 = 0x7f7f_7f7f_7f7f_7f7f;
pub(super) const HIGHS: u64 = 0x8080_8080_8080_8080;

/// How many bytes at the start of `bytes` lie in whole eight-byte words that all pass `ok`.
pub(super) fn leading_words(bytes: &[u8], ok: impl Fn(u64) -> bool) -> usize {
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
pub(super) fn equal_bytes(x: u64, c: u8) -> u64 {
    let y = x ^ (ONES * u64::from(c));
    !(((y & LOWS) + LOWS) | y) & HIGHS
}

/// How many bytes at the start of `bytes` stay literal (`A–Z a–z 0–9 - _ . ~`): eight at a time
/// while a whole word does, then byte by byte.
pub(super) fn literal_run(bytes: &[u8]) -> usize {
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
pub(super) fn prefix_key(name: &str) -> u128 {
    let mut key = [0u8; 16];
    let n = name.len().min(16);
    key[..n].copy_from_slice(&name.as_bytes()[..n]);
    u128::from_be_bytes(key)
}

/// The order parameters are signed in (protocol.md §5): by name, then value, in byte order;
/// each pair comes with its name's [`prefix_key`], which decides most comparisons alone.
pub(super) fn signing_order(a: (u128, &str, &str), b: (u128, &str, &str)) -> std::cmp::Ordering {
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
pub(super) fn push_hex(out: &mut String, bytes: &[u8]) {
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
