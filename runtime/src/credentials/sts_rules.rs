//! What STS documents for the parameters of `AssumeRole` and `AssumeRoleWithOIDC`
//! (`../meta/sts`): checked by the client before it calls, and by the emulator when it answers,
//! from these same functions.

use std::ops::RangeInclusive;

/// `DurationSeconds`: 15 minutes to 12 hours.
pub const DURATION_SECONDS: RangeInclusive<u64> = 900..=43200;

/// `acs:ram::<account>:<kind><name>`, `kind` being `role/` or `oidc-provider/`; the account is
/// digits (masked accounts may carry `*`).
pub fn is_arn(arn: &str, kind: &str) -> bool {
    arn.strip_prefix("acs:ram::").and_then(|rest| rest.split_once(':')).is_some_and(|(account, rest)| {
        !account.is_empty()
            && account.bytes().all(|b| b.is_ascii_digit() || b == b'*')
            && rest
                .strip_prefix(kind)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"._@-/".contains(&b)))
    })
}

/// `RoleSessionName`: 2 to 64 of `A–Z a–z 0–9 . @ - _`.
pub fn is_session_name(name: &str) -> bool {
    (2..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b))
}

/// `Policy`: a JSON object of 1 to 2048 characters.
pub fn is_policy(policy: &str) -> bool {
    (1..=2048).contains(&policy.chars().count()) && serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(policy).is_ok()
}

/// `ExternalId`: 2 to 1224 of `A–Z a–z 0–9 _ + = , . @ : / -`.
pub fn is_external_id(id: &str) -> bool {
    (2..=1224).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+=,.@:/-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_forms() {
        assert!(is_arn("acs:ram::123456789012****:role/test-role", "role/"));
        assert!(is_arn("acs:ram::1:oidc-provider/ack-rrsa-c0123", "oidc-provider/"));
        for bad in ["r", "acs:ram::1:role/", "acs:ram::x:role/r", "acs:ram::1:user/r", "acs:ram:::role/r"] {
            assert!(!is_arn(bad, "role/"), "{bad}");
        }
        assert!(is_session_name("ci-job@x.y") && !is_session_name("a") && !is_session_name("a b"));
        assert!(is_policy(r#"{"Version": "1"}"#) && !is_policy("") && !is_policy("[1]") && !is_policy("{"));
        assert!(is_external_id("abcd1234") && !is_external_id("x") && !is_external_id("a b"));
        assert!(DURATION_SECONDS.contains(&900) && !DURATION_SECONDS.contains(&899));
    }
}
