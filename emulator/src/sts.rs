//! Where temporary keys come from: STS `AssumeRole` and `AssumeRoleWithOIDC`, the ECS instance
//! metadata service, and a credentials URI. Every key issued is added to the accepted keys
//! with its token and expiry, and refused once it has expired.

use std::time::{Duration, SystemTime};

use acs_runtime::credentials::sts_rules;
use acs_runtime::sign;
use serde_json::{json, Value};

use crate::auth::{self, Incoming, Nonces};
use crate::reply::Fault;
use crate::state::{AccessKey, State};

/// The STS API version these actions belong to.
pub const VERSION: &str = "2015-04-01";

/// Whether a request is an STS call this module answers.
pub fn is_sts(incoming: &Incoming<'_>) -> bool {
    incoming.param("Version") == Some(VERSION) && matches!(incoming.param("Action"), Some("AssumeRole" | "AssumeRoleWithOIDC"))
}

fn random(n: usize) -> String {
    std::iter::repeat_with(fastrand::alphanumeric).take(n).collect()
}

/// Issues a temporary key living `lifetime` (capped by the state's `max_lifetime_seconds`) and
/// adds it to the accepted keys.
pub fn issue(state: &mut State, lifetime: Duration, now: SystemTime, origin: &str) -> AccessKey {
    let lifetime = state.sts.max_lifetime_seconds.map_or(lifetime, |max| lifetime.min(Duration::from_secs(max)));
    let key = AccessKey {
        id: format!("STS.{}", random(21)),
        secret: random(30),
        security_token: Some(format!("CAIS{}", random(60))),
        expiration: Some(sign::format_timestamp(now + lifetime)),
        extra: [("issued_by".to_owned(), Value::from(origin))].into_iter().collect(),
    };
    // Kept apart from the file's keys, capped, and forgotten once long expired (no scan).
    state.issued.insert(key.clone(), now + lifetime, now);
    key
}

fn credentials_json(key: &AccessKey) -> Value {
    json!({
        "AccessKeyId": key.id,
        "AccessKeySecret": key.secret,
        "SecurityToken": key.security_token,
        "Expiration": key.expiration,
    })
}

fn invalid(code: &str, message: impl Into<String>) -> Fault {
    Fault::new(400, code, message)
}

fn role_arn(incoming: &Incoming<'_>, name: &str, kind: &str) -> Result<String, Fault> {
    let arn = incoming
        .param(name)
        .ok_or_else(|| invalid(&format!("MissingParameter.{name}"), format!("{name} is mandatory for this action.")))?;
    if !sts_rules::is_arn(arn, kind) {
        return Err(invalid(&format!("InvalidParameter.{name}"), format!("The parameter {name} is invalid.")));
    }
    Ok(arn.to_owned())
}

/// The checks `AssumeRole` and `AssumeRoleWithOIDC` share; the session's lifetime.
fn session(incoming: &Incoming<'_>) -> Result<(String, String, Duration), Fault> {
    let arn = role_arn(incoming, "RoleArn", "role/")?;
    let name = incoming
        .param("RoleSessionName")
        .ok_or_else(|| invalid("MissingParameter.RoleSessionName", "RoleSessionName is mandatory for this action."))?;
    if !sts_rules::is_session_name(name) {
        return Err(invalid("InvalidParameter.RoleSessionName", "The parameter RoleSessionName is invalid."));
    }
    let duration = match incoming.param("DurationSeconds") {
        None => 3600,
        Some(d) => d
            .parse::<u64>()
            .ok()
            .filter(|d| (900..=43200).contains(d))
            .ok_or_else(|| invalid("InvalidParameter.DurationSeconds", "The Min/Max value of DurationSeconds is 15min/12hr."))?,
    };
    if let Some(policy) = incoming.param("Policy") {
        if !sts_rules::is_policy(policy) {
            return Err(invalid("InvalidParameter.PolicyGrammar", "The parameter Policy has not passed grammar check."));
        }
    }
    Ok((arn, name.to_owned(), Duration::from_secs(duration)))
}

/// `AssumeRole`: RPC-signed by the source key (an STS key may assume a role too).
pub fn assume_role(
    state: &mut State,
    nonces: &mut Nonces,
    incoming: &Incoming<'_>,
    now: SystemTime,
    request_id: &str,
) -> Result<(Value, Value), Fault> {
    let caller = auth::verify(incoming, state.keys(), nonces, now)?;
    let (arn, name, lifetime) = session(incoming)?;
    if let Some(id) = incoming.param("ExternalId") {
        if !sts_rules::is_external_id(id) {
            return Err(invalid("InvalidParameter.ExternalId", "The parameter ExternalId is invalid."));
        }
    }
    let key = issue(state, lifetime, now, "AssumeRole");
    let record = json!({"action": "AssumeRole", "caller": caller.access_key_id, "role_arn": arn, "session_name": name,
        "duration_seconds": lifetime.as_secs(), "policy": incoming.param("Policy").is_some(), "external_id": incoming.param("ExternalId"),
        "issued": key.id, "expiration": key.expiration});
    Ok((answer(&key, &arn, &name, request_id), record))
}

/// `AssumeRoleWithOIDC`: anonymous; the OIDC token is the proof. The emulator checks its shape
/// (three base64url parts), not its issuer's signature.
pub fn assume_role_with_oidc(
    state: &mut State,
    incoming: &Incoming<'_>,
    now: SystemTime,
    request_id: &str,
) -> Result<(Value, Value), Fault> {
    if incoming.param("Timestamp").is_some() {
        auth::check_time(incoming.param("Timestamp"), "Timestamp", now)?;
    }
    let provider = role_arn(incoming, "OIDCProviderArn", "oidc-provider/")?;
    let token =
        incoming.param("OIDCToken").ok_or_else(|| invalid("MissingParameter.OIDCToken", "OIDCToken is mandatory for this action."))?;
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')) {
        return Err(invalid("InvalidParameter.OIDCToken", "The OIDC token is not a JWT."));
    }
    let (arn, name, lifetime) = session(incoming)?;
    let key = issue(state, lifetime, now, "AssumeRoleWithOIDC");
    let record = json!({"action": "AssumeRoleWithOIDC", "role_arn": arn, "oidc_provider_arn": provider, "session_name": name,
        "duration_seconds": lifetime.as_secs(), "oidc_token_sha256": sign::sha256_hex(token.as_bytes()),
        "token_in_query": incoming.query.iter().any(|(n, _)| n == "OIDCToken"), "issued": key.id, "expiration": key.expiration});
    let mut body = answer(&key, &arn, &name, request_id);
    body["OIDCTokenInfo"] =
        json!({"Subject": "system:serviceaccount:default:demo", "Issuer": "https://oidc-ack.emulator", "ClientIds": "sts.aliyuncs.com"});
    Ok((body, record))
}

fn answer(key: &AccessKey, arn: &str, name: &str, request_id: &str) -> Value {
    json!({
        "RequestId": request_id,
        "AssumedRoleUser": {"AssumedRoleId": format!("300000000000000000:{name}"), "Arn": format!("{arn}/{name}")},
        "Credentials": credentials_json(key),
    })
}

/// The instance metadata service.
pub mod metadata {
    use super::*;

    /// How long a metadata session token lives, at most (the service's limit).
    const MAX_TOKEN_TTL: u64 = 21600;

    /// The most session tokens kept at once; beyond that the oldest is forgotten (its holder
    /// gets 401 and asks again, as after expiry).
    pub const MAX_TOKENS: usize = 1_000;

    /// Session tokens handed out, by token and in the order they were issued: a read is a hash
    /// lookup, and each issuance forgets from the oldest end only what has expired (or is over
    /// [`MAX_TOKENS`]), so nothing scans them all under the world's lock.
    #[derive(Default)]
    pub struct Tokens {
        expiry: std::collections::HashMap<String, SystemTime>,
        order: std::collections::VecDeque<(SystemTime, String)>,
    }

    impl Tokens {
        /// How many are kept.
        pub fn len(&self) -> usize {
            self.expiry.len()
        }

        /// Whether none is kept.
        pub fn is_empty(&self) -> bool {
            self.expiry.is_empty()
        }
    }

    /// `PUT /latest/api/token`: a session token for `X-aliyun-ecs-metadata-token-ttl-seconds`.
    pub fn token(tokens: &mut Tokens, ttl: Option<&str>, now: SystemTime) -> Result<String, (u16, String)> {
        let ttl = ttl
            .and_then(|t| t.trim().parse::<u64>().ok())
            .filter(|t| (1..=MAX_TOKEN_TTL).contains(t))
            .ok_or((400, format!("X-aliyun-ecs-metadata-token-ttl-seconds must be 1…{MAX_TOKEN_TTL}")))?;
        while let Some((at, _)) = tokens.order.front() {
            if *at <= now || tokens.order.len() >= MAX_TOKENS {
                let (_, old) = tokens.order.pop_front().expect("front exists");
                tokens.expiry.remove(&old);
            } else {
                break;
            }
        }
        let token = random(56);
        let expiry = now + Duration::from_secs(ttl);
        tokens.order.push_back((expiry, token.clone()));
        tokens.expiry.insert(token.clone(), expiry);
        Ok(token)
    }

    /// Checks a read's token: a token sent must be valid; none at all is refused in hardened-only
    /// mode.
    pub fn admit(tokens: &Tokens, state: &State, sent: Option<&str>, now: SystemTime) -> Result<(), (u16, String)> {
        match sent {
            Some(t) if tokens.expiry.get(t).is_some_and(|e| *e > now) => Ok(()),
            Some(_) => Err((401, "the metadata session token is invalid or expired".into())),
            None if state.sts.metadata_hardened_only => Err((401, "a metadata session token is required".into())),
            None => Ok(()),
        }
    }

    /// `GET /latest/meta-data/ram/security-credentials/`: the attached role's name.
    pub fn role_name(state: &State) -> Result<String, (u16, String)> {
        state.sts.instance_role.clone().ok_or((404, "no RAM role is attached to this instance".into()))
    }

    /// `GET /latest/meta-data/ram/security-credentials/<role>`: credentials for 6 hours.
    pub fn credentials(state: &mut State, role: &str, now: SystemTime) -> Result<Value, (u16, String)> {
        if state.sts.instance_role.as_deref() != Some(role) {
            return Err((404, format!("no RAM role {role:?} is attached to this instance")));
        }
        let key = issue(state, Duration::from_secs(MAX_TOKEN_TTL), now, "ecs_metadata");
        let mut body = credentials_json(&key);
        body["Code"] = Value::from("Success");
        body["LastUpdated"] = Value::from(sign::format_timestamp(now));
        Ok(body)
    }
}

/// `GET /_emulator/credentials`: a credentials URI answering for one hour.
pub fn credentials_uri(state: &mut State, now: SystemTime) -> Value {
    let key = issue(state, Duration::from_secs(3600), now, "credentials_uri");
    let mut body = credentials_json(&key);
    body["Code"] = Value::from("Success");
    body
}
