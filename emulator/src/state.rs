//! The emulator's world: access keys, servers, key pairs, and the idempotency ledger.
//!
//! The state file is JSON in this shape (extra fields anywhere are kept and shown back):
//!
//! ```json
//! {"access_keys": [{"id": "testid", "secret": "testsecret", "security_token": null}],
//!  "instances": [{"id": "i-1", "region": "cn-hangzhou", "key_pair": null}],
//!  "key_pairs": [{"name": "test", "region": "cn-hangzhou"}]}
//! ```
//!
//! A server's `status` is `Running` unless set; with `"becomes": {"status": "Running",
//! "after_ms": 1500}` it changes that long after the state was loaded, as a server that is
//! starting does: what a waiter polls for.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An access key the emulator accepts. With a `security_token`, it is an STS key: every request
/// must carry that token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessKey {
    /// AccessKeyId.
    pub id: String,
    /// AccessKeySecret.
    pub secret: String,
    /// STS token, for temporary keys.
    #[serde(default)]
    pub security_token: Option<String>,
    /// Until when a temporary key is accepted (`YYYY-MM-DDTHH:MM:SSZ`); none for long-lived keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<String>,
    /// Other fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A simple application server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instance {
    /// Server id.
    pub id: String,
    /// Region it lives in.
    pub region: String,
    /// The key pair bound to it.
    #[serde(default)]
    pub key_pair: Option<String>,
    /// Its status (`Running` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The status it takes, and how long after the state was loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub becomes: Option<Becomes>,
    /// When the state was loaded: the clock `becomes` runs on.
    #[serde(skip, default = "std::time::Instant::now")]
    pub loaded: std::time::Instant,
    /// Other fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A status change that shows after a delay.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Becomes {
    /// The status shown once the delay is over.
    pub status: String,
    /// The delay, in milliseconds after the state was loaded.
    pub after_ms: u64,
}

impl Instance {
    /// The status it shows now.
    pub fn status_now(&self) -> &str {
        match &self.becomes {
            Some(b) if self.loaded.elapsed() >= Duration::from_millis(b.after_ms) => &b.status,
            _ => self.status.as_deref().unwrap_or("Running"),
        }
    }
}

/// A key pair.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyPair {
    /// Name.
    pub name: String,
    /// Region it lives in.
    pub region: String,
    /// Other fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// How temporary keys are issued (`"sts"` in the state file).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StsSettings {
    /// Issued keys live at most this long, whatever was asked (to test expiry in seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_lifetime_seconds: Option<u64>,
    /// The RAM role attached to the emulated ECS instance; none means the metadata service
    /// says no role is attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_role: Option<String>,
    /// The metadata service refuses reads without a session token (hardened mode only).
    #[serde(default)]
    pub metadata_hardened_only: bool,
    /// Other fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The state file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    /// Accepted keys.
    pub access_keys: Vec<AccessKey>,
    /// Servers.
    #[serde(default)]
    pub instances: Vec<Instance>,
    /// Key pairs.
    #[serde(default)]
    pub key_pairs: Vec<KeyPair>,
    /// How STS, the instance metadata service and the credentials URI issue temporary keys.
    #[serde(default)]
    pub sts: StsSettings,
    /// Other fields, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// Keys the emulator issued (STS, the metadata service, the credentials URI).
    #[serde(skip)]
    pub issued: Issued,
}

/// The most issued keys kept at once; beyond that the oldest is forgotten (its holder then gets
/// `InvalidAccessKeyId.NotFound` and asks again). A thousand live sessions is far more than a
/// test needs, and costs about half a megabyte.
pub const MAX_ISSUED: usize = 1_000;
/// How long an issued key is kept after it expires, so that it is refused as expired (as the
/// service does) rather than as unknown.
pub const KEEP_EXPIRED: Duration = Duration::from_secs(3600);

/// Issued keys by id, and in the order they were issued: a lookup is a hash, and each issuance
/// forgets from the oldest end only what has expired (or is over [`MAX_ISSUED`]), so no call
/// scans them all under the world's lock.
#[derive(Debug, Clone, Default)]
pub struct Issued {
    by_id: HashMap<String, AccessKey>,
    order: VecDeque<(SystemTime, String)>,
}

impl Issued {
    /// Adds `key`, which expires at `expiry`, first forgetting what has gone stale at `now`.
    pub fn insert(&mut self, key: AccessKey, expiry: SystemTime, now: SystemTime) {
        while let Some((at, _)) = self.order.front() {
            if *at + KEEP_EXPIRED <= now || self.order.len() >= MAX_ISSUED {
                let (_, id) = self.order.pop_front().expect("front exists");
                self.by_id.remove(&id);
            } else {
                break;
            }
        }
        self.order.push_back((expiry, key.id.clone()));
        self.by_id.insert(key.id.clone(), key);
    }

    /// The issued key `id`.
    pub fn get(&self, id: &str) -> Option<&AccessKey> {
        self.by_id.get(id)
    }

    /// How many are kept.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The latest `n`, newest last.
    pub fn latest(&self, n: usize) -> impl Iterator<Item = &AccessKey> {
        self.order.iter().skip(self.order.len().saturating_sub(n)).filter_map(|(_, id)| self.by_id.get(id))
    }
}

/// The keys a request may be signed with: the state file's and the issued ones.
#[derive(Clone, Copy)]
pub struct Keys<'a> {
    /// The state file's keys (a handful: looked through in order).
    pub configured: &'a [AccessKey],
    /// The issued keys.
    pub issued: &'a Issued,
}

impl<'a> Keys<'a> {
    /// The key `id`.
    pub fn get(&self, id: &str) -> Option<&'a AccessKey> {
        self.configured.iter().find(|k| k.id == id).or_else(|| self.issued.get(id))
    }
}

/// How many idempotency ledger entries are kept; beyond that the oldest is forgotten (a retry
/// that late is then applied as new, as after the service's own token window). Retries come
/// within seconds; a thousand calls later is far past any.
pub const MAX_LEDGER: usize = 1_000;

/// The idempotency ledger: entries by (AccessKeyId, action, ClientToken), forgotten oldest first
/// beyond [`MAX_LEDGER`]. Each keeps a digest of the parameters, not their values.
#[derive(Debug, Default)]
pub struct Ledger {
    entries: BTreeMap<(String, String, String), LedgerEntry>,
    order: VecDeque<(String, String, String)>,
}

impl Ledger {
    /// The entry for `key`.
    pub fn get_mut(&mut self, key: &(String, String, String)) -> Option<&mut LedgerEntry> {
        self.entries.get_mut(key)
    }

    /// Records `entry` under `key`, forgetting the oldest beyond [`MAX_LEDGER`].
    pub fn insert(&mut self, key: (String, String, String), entry: LedgerEntry) {
        while self.order.len() >= MAX_LEDGER {
            if let Some(old) = self.order.pop_front() {
                self.entries.remove(&old);
            }
        }
        if self.entries.insert(key.clone(), entry).is_none() {
            self.order.push_back(key);
        }
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in key order.
    pub fn values(&self) -> impl Iterator<Item = &LedgerEntry> {
        self.entries.values()
    }
}

/// The digest the ledger keeps of a request's parameters (sorted `name=value` lines): equal
/// parameters, equal digests; a megabyte of parameters costs 64 characters.
pub fn fingerprint<'a>(params: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    let mut bytes = Vec::new();
    for (name, value) in params {
        // Lengths first, so that no split of the same bytes into name and value collides.
        bytes.extend_from_slice(&(name.len() as u64).to_le_bytes());
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(&(value.len() as u64).to_le_bytes());
        bytes.extend_from_slice(value.as_bytes());
    }
    acs_runtime::sign::sha256_hex(&bytes)
}

/// One idempotent change: the token that made it and how often it was applied and replayed.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerEntry {
    /// AccessKeyId of the caller.
    pub access_key_id: String,
    /// Operation.
    pub action: String,
    /// The caller's ClientToken.
    pub client_token: String,
    /// The digest of the business parameters the token was first used with ([`fingerprint`]).
    #[serde(skip)]
    pub fingerprint: String,
    /// Times the change was applied: 1, or the emulator is wrong.
    pub applied: u32,
    /// Times the stored response was returned for a repeat of the same request.
    pub replays: u32,
    /// The stored response.
    #[serde(skip)]
    pub response: (u16, String),
}

impl State {
    /// Reads and checks a state file; errors name the file and the problem.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read the state file: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses and checks state JSON.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut de = serde_json::Deserializer::from_str(text);
        let state: State = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            if path == "." {
                format!("not a valid state file: {}", e.inner())
            } else {
                format!("not a valid state file at {path}: {}", e.inner())
            }
        })?;
        de.end().map_err(|e| format!("not a valid state file: {e} after the state"))?;
        state.check()?;
        Ok(state)
    }

    fn check(&self) -> Result<(), String> {
        if self.access_keys.is_empty() {
            return Err("access_keys is empty: no request could ever authenticate".into());
        }
        let mut ids = BTreeSet::new();
        for (i, k) in self.access_keys.iter().enumerate() {
            if k.id.is_empty() || k.secret.is_empty() {
                return Err(format!("access_keys[{i}]: id and secret must not be empty"));
            }
            if !ids.insert(&k.id) {
                return Err(format!("access_keys[{i}]: id {:?} appears twice", k.id));
            }
            if let Some(e) = &k.expiration {
                if acs_runtime::sign::parse_timestamp(e).is_none() {
                    return Err(format!("access_keys[{i}]: expiration {e:?} is not YYYY-MM-DDTHH:MM:SSZ"));
                }
            }
        }
        let mut pairs = BTreeSet::new();
        for (i, p) in self.key_pairs.iter().enumerate() {
            if p.name.is_empty() || p.region.is_empty() {
                return Err(format!("key_pairs[{i}]: name and region must not be empty"));
            }
            if !pairs.insert((&p.region, &p.name)) {
                return Err(format!("key_pairs[{i}]: {:?} appears twice in {}", p.name, p.region));
            }
        }
        let mut instances = BTreeSet::new();
        for (i, inst) in self.instances.iter().enumerate() {
            if inst.id.is_empty() || inst.region.is_empty() {
                return Err(format!("instances[{i}]: id and region must not be empty"));
            }
            if !instances.insert(&inst.id) {
                return Err(format!("instances[{i}]: id {:?} appears twice", inst.id));
            }
            if let Some(kp) = &inst.key_pair {
                if !pairs.contains(&(&inst.region, kp)) {
                    return Err(format!("instances[{i}]: key_pair {kp:?} is not a key pair of region {}", inst.region));
                }
            }
        }
        Ok(())
    }

    /// The keys a request may be signed with.
    pub fn keys(&self) -> Keys<'_> {
        Keys { configured: &self.access_keys, issued: &self.issued }
    }

    /// The state in the file's shape with live bindings, secrets and tokens redacted, plus the
    /// idempotency ledger (`GET /_emulator/state` adds request counts and recent errors).
    pub fn view(&self, ledger: &Ledger) -> Value {
        let mut value = serde_json::to_value(self).expect("state is JSON");
        // The latest issued keys (all of them would be megabytes), after the file's.
        const SHOWN_ISSUED: usize = 100;
        if let Some(keys) = value["access_keys"].as_array_mut() {
            keys.extend(self.issued.latest(SHOWN_ISSUED).map(|k| serde_json::to_value(k).expect("a key is JSON")));
        }
        value["issued_keys"] = Value::from(self.issued.len());
        value["idempotency_ledger_entries"] = Value::from(ledger.len());
        if let Some(keys) = value["access_keys"].as_array_mut() {
            for k in keys {
                k["secret"] = Value::from("** redacted **");
                if !k["security_token"].is_null() {
                    k["security_token"] = Value::from("** redacted **");
                }
            }
        }
        value["idempotency_ledger"] = serde_json::to_value(ledger.values().collect::<Vec<_>>()).expect("ledger is JSON");
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_shape_and_keeps_extra_fields() {
        let s = State::parse(
            r#"{"access_keys":[{"id":"testid","secret":"testsecret","security_token":null}],
            "instances":[{"id":"i-1","region":"cn-hangzhou","key_pair":null,"name":"web"}],
            "key_pairs":[{"name":"test","region":"cn-hangzhou"}],"note":"x"}"#,
        )
        .unwrap();
        let view = s.view(&Ledger::default());
        assert_eq!(view["instances"][0]["name"], "web");
        assert_eq!(view["note"], "x");
        assert_eq!(view["access_keys"][0]["secret"], "** redacted **");
    }

    #[test]
    fn refuses_malformed_state_naming_the_problem() {
        let cases = [
            (r#"{"access_keys":[]}"#, "access_keys is empty"),
            (r#"{"access_keys":[{"id":"a"}]}"#, "not a valid state file at access_keys[0]: missing field `secret`"),
            (r#"{"access_keys":[{"id":"a","secret":"s"},{"id":"a","secret":"t"}]}"#, "access_keys[1]: id \"a\" appears twice"),
            (
                r#"{"access_keys":[{"id":"a","secret":"s"}],"instances":[{"id":"i","region":"r","key_pair":"nope"}]}"#,
                "instances[0]: key_pair \"nope\" is not a key pair of region r",
            ),
            (
                r#"{"access_keys":[{"id":"a","secret":"s"}],"instances":[{"id":"i","region":7}]}"#,
                "at instances[0].region: invalid type: integer `7`, expected a string",
            ),
            ("[", "not a valid state file"),
            (
                r#"{"access_keys":[{"id":"a","secret":"s"}]} trailing"#,
                "not a valid state file: trailing characters at line 1 column 43 after the state",
            ),
        ];
        for (text, expected) in cases {
            let err = State::parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
