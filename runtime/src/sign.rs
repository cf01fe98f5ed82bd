//! Request signing, exactly as `shared/reference/protocol.md` §3–§5 specify it.
//!
//! Both algorithms are pure functions of their inputs (no clock, no randomness), so the
//! conformance vectors and the emulator can recompute every intermediate value. The client
//! supplies date and nonce.
//!
//! One file per algorithm (`sign/v3.rs`, `sign/rpc.rs`, `sign/roa.rs`) over the encoding they
//! share (`sign/encode.rs`) and the protocol's time formats (`sign/dates.rs`); the tests of all of
//! them, against the protocol's worked examples, are here.

use std::borrow::Cow;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

mod dates;
mod encode;
mod roa;
mod rpc;
mod v3;

pub use dates::*;
pub use encode::*;
pub use roa::*;
pub use rpc::*;
pub use v3::*;

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

    /// Whether a signer sets the header called `name` (lower case).
    pub fn is_signer_header(name: &str) -> bool {
        [
            ACTION,
            VERSION,
            DATE,
            SIGNATURE_NONCE,
            CONTENT_SHA256,
            SECURITY_TOKEN,
            SIGNATURE_METHOD,
            SIGNATURE_VERSION,
            AUTHORIZATION,
            CONTENT_TYPE,
        ]
        .contains(&name)
    }
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

    #[test]
    fn http_dates_and_rfc_3339_agree_with_the_time_crate() {
        use time::format_description::well_known::Rfc3339;
        let http = time::macros::format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
        for secs in (-2_208_988_800i64..=10_413_792_000).step_by(86_400 * 41 + 3_601) {
            let expected = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
            let t = std::time::SystemTime::from(expected);
            let text = format_http_date(t);
            assert_eq!(text, expected.format(&http).unwrap(), "{secs}");
            assert_eq!(parse_http_date(&text), Some(t), "{text}");
            let rfc = expected.format(&Rfc3339).unwrap();
            assert_eq!(parse_rfc3339(&rfc), Some(t), "{rfc}");
        }
        // Fractions and offsets, as the official libraries' answers never have them but RFC 3339 does.
        for text in ["2024-01-02T12:04:05.5+08:00", "2024-01-02t04:04:05.123456789z", "2024-01-01T23:34:05-04:30"] {
            let expected = time::OffsetDateTime::parse(text, &Rfc3339).unwrap();
            assert_eq!(parse_rfc3339(text), Some(std::time::SystemTime::from(expected)), "{text}");
        }
        for bad in [
            "2024-02-30T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+8:00",
            "２024-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
            assert!(time::OffsetDateTime::parse(bad, &Rfc3339).is_err(), "{bad}");
        }
        // A weekday that is not the date's, a month that is no month, another zone: refused.
        for bad in [
            "Wed, 02 Jan 2024 03:04:05 GMT",
            "Tue, 02 Foo 2024 03:04:05 GMT",
            "Tue, 02 Jan 2024 03:04:05 UTC",
            "Tue, 2 Jan 2024 03:04:05 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
        assert_eq!(parse_timestamp("2024-02-29T00:00:00Z").map(format_timestamp).as_deref(), Some("2024-02-29T00:00:00Z"));
        assert_eq!(parse_timestamp("2023-02-29T00:00:00Z"), None);
    }

    #[test]
    fn nonces_and_tokens_are_random_version_4_uuids_never_repeated() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let nonce = new_nonce();
            assert!(nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_hexdigit()) && nonce.as_bytes()[12] == b'4', "{nonce}");
            assert!(seen.insert(nonce));
        }
        let token = new_uuid();
        let parsed = uuid::Uuid::parse_str(&token).unwrap();
        assert_eq!((parsed.get_version_num(), parsed.get_variant()), (4, uuid::Variant::RFC4122));
        // Across threads, each with its own pool: still distinct.
        let others: Vec<String> =
            std::thread::scope(|s| (0..4).map(|_| s.spawn(new_nonce)).collect::<Vec<_>>().into_iter().map(|h| h.join().unwrap()).collect());
        for nonce in others {
            assert!(seen.insert(nonce));
        }
    }
}
