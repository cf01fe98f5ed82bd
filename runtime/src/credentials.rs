//! Credentials, the provider abstraction, every provider of the official default chain, and the
//! chain itself.
//!
//! The client asks a [`ProvideCredentials`] for credentials before every attempt, so a source
//! that refreshes plugs in by implementing that trait and nothing else in the client changes.
//! [`Credentials`] themselves are one such provider: the keys they hold, forever.
//!
//! With the `client` feature:
//! * [`Cached`] wraps any provider: shared, refreshed ahead of expiry by exactly one caller
//!   while the others keep using the current keys, and a failed refresh falls back to those keys
//!   (with a warning) while they are valid.
//! * Providers: [`RamRoleArn`] (STS `AssumeRole`), [`OidcRoleArn`] (STS `AssumeRoleWithOIDC`,
//!   RRSA), [`EcsRamRole`] (the instance metadata service, hardened mode first),
//!   [`CredentialsUri`].
//! * [`Chain`] builds the default chain in the official order: environment → OIDC role from the
//!   environment → `~/.aliyun/config.json` → `~/.alibabacloud/credentials.ini` → ECS instance
//!   role → credentials URI. The first provider that answers is kept for the client's lifetime.
//!
//! Secrets never appear in `Debug` output, `Display` output, logs or error messages.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::SystemTime;

/// A source of credentials, asked before every attempt of every call.
///
/// An implementation caches what it fetches and refreshes it before it expires; it is shared by
/// every client built from one [`Config`](crate::Config) (`Arc<dyn ProvideCredentials>`).
/// Plug one in with `Config::credentials_provider`. Errors must never carry a secret.
pub trait ProvideCredentials: fmt::Debug + Send + Sync {
    /// Credentials for the next request.
    fn provide(&self) -> ProvideFuture<'_>;
}

/// What [`ProvideCredentials::provide`] returns.
pub type ProvideFuture<'a> = Pin<Box<dyn Future<Output = Result<Credentials, CredentialsError>> + Send + 'a>>;

/// Fixed credentials provide themselves.
impl ProvideCredentials for Credentials {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(std::future::ready(Ok(self.clone())))
    }
}

/// A secret string: readable through [`Secret::expose`], redacted everywhere else.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for signing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"** redacted **\"")
    }
}

/// An AccessKey pair, with an STS token when temporary. Cheap to clone (shared), since the
/// client asks for them before every attempt.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials(std::sync::Arc<Keys>);

#[derive(Clone, PartialEq, Eq)]
struct Keys {
    access_key_id: String,
    access_key_secret: Secret,
    security_token: Option<Secret>,
    expiry: Option<SystemTime>,
    source: String,
    #[cfg(feature = "client")]
    keyed: Keyed,
}

/// The signatures' HMACs keyed with the secret, made at first use and kept with the keys they
/// come from (keying costs two hash blocks per request otherwise). A changed copy of the keys
/// starts without them; they take no part in comparisons.
#[cfg(feature = "client")]
#[derive(Default)]
struct Keyed {
    v3: std::sync::OnceLock<crate::sign::V3Key>,
    rpc: std::sync::OnceLock<crate::sign::RpcKey>,
}

#[cfg(feature = "client")]
impl Clone for Keyed {
    fn clone(&self) -> Self {
        Self::default()
    }
}

#[cfg(feature = "client")]
impl PartialEq for Keyed {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[cfg(feature = "client")]
impl Eq for Keyed {}

impl Credentials {
    /// Static AccessKey credentials.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self(std::sync::Arc::new(Keys {
            access_key_id: access_key_id.into(),
            access_key_secret: Secret::new(access_key_secret),
            security_token: None,
            expiry: None,
            source: "static".into(),
            #[cfg(feature = "client")]
            keyed: Keyed::default(),
        }))
    }

    fn keys(&mut self) -> &mut Keys {
        std::sync::Arc::make_mut(&mut self.0)
    }

    /// Marks these credentials as valid until `expiry` (temporary STS credentials).
    pub fn with_expiry(mut self, expiry: SystemTime) -> Self {
        self.keys().expiry = Some(expiry);
        self
    }

    /// Until when these credentials are valid; `None` for long-lived keys.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.0.expiry
    }

    /// Adds an STS security token (temporary credentials).
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.keys().security_token = Some(Secret::new(token));
        self
    }

    /// Names where these credentials came from (`environment`, a file), as shown in `Debug`.
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.keys().source = source.into();
        self
    }

    /// The AccessKeyId (not secret; it is sent with every request).
    pub fn access_key_id(&self) -> &str {
        &self.0.access_key_id
    }

    /// The AccessKeySecret.
    pub fn access_key_secret(&self) -> &Secret {
        &self.0.access_key_secret
    }

    /// The V3 signature's HMAC, keyed with the secret.
    #[cfg(feature = "client")]
    pub(crate) fn v3_key(&self) -> crate::sign::V3Key {
        self.0.keyed.v3.get_or_init(|| crate::sign::v3_key(self.0.access_key_secret.expose())).clone()
    }

    /// The RPC signature's HMAC, keyed with `secret&`.
    #[cfg(feature = "client")]
    pub(crate) fn rpc_key(&self) -> crate::sign::RpcKey {
        self.0.keyed.rpc.get_or_init(|| crate::sign::rpc_key(self.0.access_key_secret.expose())).clone()
    }

    /// The STS token, if any.
    pub fn security_token(&self) -> Option<&Secret> {
        self.0.security_token.as_ref()
    }

    /// Where the chain found these credentials (`static`, `environment`, a file and profile).
    pub fn source(&self) -> &str {
        &self.0.source
    }

    /// Refuses credentials that cannot go into a header or a signature: empty, or with a
    /// control character (a CR/LF would split the request). Names the field, never the value.
    pub fn check_usable(&self) -> Result<(), CredentialsError> {
        let fields = [
            ("AccessKeyId", Some(self.access_key_id())),
            ("AccessKeySecret", Some(self.access_key_secret().expose())),
            ("SecurityToken", self.security_token().map(Secret::expose)),
        ];
        for (field, value) in fields {
            let Some(value) = value else { continue };
            let problem = if value.is_empty() {
                "is empty"
            } else if value.bytes().any(|b| b < 0x20 || b == 0x7f) || (!value.is_ascii() && value.chars().any(char::is_control)) {
                "contains a control character (such as CR or LF)"
            } else {
                continue;
            };
            return Err(CredentialsError::Invalid(format!("the {field} from {} {problem}", self.source())));
        }
        Ok(())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.0.access_key_id)
            .field("access_key_secret", &self.0.access_key_secret)
            .field("security_token", &self.0.security_token)
            .field("expiry", &self.0.expiry)
            .field("source", &self.0.source)
            .finish()
    }
}

/// Why no credentials could be had. No variant ever carries a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsError {
    /// No provider of the chain had credentials.
    NotFound {
        /// Each provider and why it gave nothing.
        tried: Vec<String>,
    },
    /// The environment has half of a pair.
    IncompleteEnvironment(String),
    /// A file exists but cannot be used.
    Malformed {
        /// The file.
        file: PathBuf,
        /// What is wrong (never a secret).
        problem: String,
    },
    /// A provider is configured with values it cannot use (a duration under 900 s, an empty
    /// role ARN, an endpoint that is not a URL, a key with a line break).
    Invalid(String),
    /// A provider asked its source and failed (STS refused, the metadata service is not there).
    Provider {
        /// Which provider (`ram_role_arn`, `ecs_ram_role`, …).
        provider: String,
        /// What happened; service text is stripped of control characters.
        message: String,
    },
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::NotFound { tried } => write!(f, "no credentials found; tried: {}", tried.join("; ")),
            CredentialsError::IncompleteEnvironment(what) => write!(f, "incomplete credentials in the environment: {what}"),
            CredentialsError::Malformed { file, problem } => write!(f, "{}: {problem}", file.display()),
            CredentialsError::Invalid(what) => write!(f, "invalid credentials configuration: {what}"),
            CredentialsError::Provider { provider, message } => write!(f, "{provider}: {message}"),
        }
    }
}

impl std::error::Error for CredentialsError {}

/// The process environment as the chain sees it: variables and the home directory.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    vars: BTreeMap<String, String>,
    home: Option<PathBuf>,
    /// Variables whose value is not UTF-8 (by name; the value is never kept).
    not_utf8: Vec<String>,
}

impl Environment {
    /// This process's environment.
    ///
    /// A variable whose name or value is not UTF-8 is left out: `std::env::vars` would panic on
    /// it, and the panic would print the value, which can be a secret.
    pub fn process() -> Self {
        let mut vars = BTreeMap::new();
        let mut not_utf8 = Vec::new();
        for (name, value) in std::env::vars_os() {
            let Ok(name) = name.into_string() else { continue };
            match value.into_string() {
                Ok(value) => drop(vars.insert(name, value)),
                Err(_) => not_utf8.push(name),
            }
        }
        let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from);
        Self { vars, home, not_utf8 }
    }

    /// An error naming the first variable this client reads (`ALIBABA_CLOUD_*`, the proxy
    /// variables) whose value is not UTF-8: treated as unset, it would send a request without
    /// its token or around the proxy.
    pub fn check_utf8(&self) -> Result<(), CredentialsError> {
        const PROXY: &[&str] = &["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"];
        match self.not_utf8.iter().find(|n| n.starts_with("ALIBABA_CLOUD_") || PROXY.contains(&n.to_ascii_uppercase().as_str())) {
            Some(name) => {
                Err(CredentialsError::Invalid(format!("the environment variable {name} is not UTF-8; set it to UTF-8 text or unset it")))
            }
            None => Ok(()),
        }
    }

    /// The same environment, with `name` holding a value that is not UTF-8 (for tests).
    pub fn with_non_utf8(mut self, name: &str) -> Self {
        self.vars.remove(name);
        self.not_utf8.push(name.to_owned());
        self
    }

    /// A given environment (for tests, or to isolate a client from the process).
    pub fn new(vars: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>, home: Option<PathBuf>) -> Self {
        Self { vars: vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect(), home, not_utf8: Vec::new() }
    }

    /// A variable's value; unset and empty are the same.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// Whether a switch variable is `true` (any case).
    pub fn is_true(&self, name: &str) -> bool {
        self.var(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// The home directory.
    pub fn home(&self) -> Option<&std::path::Path> {
        self.home.as_deref()
    }
}

/// The largest credentials file read (`~/.aliyun/config.json`, `credentials.ini`): 1 MiB.
pub const MAX_CREDENTIALS_FILE_BYTES: u64 = 1 << 20;

/// The largest OIDC token file read: 64 KiB (a token is a few KB).
pub const MAX_TOKEN_FILE_BYTES: u64 = 64 << 10;

#[cfg(feature = "client")]
pub(crate) use crate::text::read_small_file;
#[cfg(feature = "client")]
pub(crate) use fetch::MAX_ANSWER_BYTES;

pub use crate::text::{is_hidden_format, printable, without_userinfo};

/// A source of `x-acs-date`/`Timestamp`.
pub type Clock = std::sync::Arc<dyn Fn() -> std::time::SystemTime + Send + Sync>;

/// A source of nonces.
pub type NonceSource = std::sync::Arc<dyn Fn() -> String + Send + Sync>;

/// The `user-agent` the client and its credentials providers send unless told otherwise.
#[cfg(feature = "client")]
pub(crate) const DEFAULT_USER_AGENT: &str = concat!("acs-rust/", env!("CARGO_PKG_VERSION"));

pub mod sts_rules;

#[cfg(feature = "client")]
mod cache;
#[cfg(feature = "client")]
mod chain;
#[cfg(feature = "client")]
mod fetch;
#[cfg(feature = "client")]
mod profile;
#[cfg(feature = "client")]
mod providers;

#[cfg(feature = "client")]
pub use cache::Cached;
#[cfg(feature = "client")]
#[doc(hidden)]
pub use chain::build_every_profile;
#[cfg(feature = "client")]
pub use chain::Chain;
#[cfg(feature = "client")]
pub use fetch::HttpContext;
#[cfg(feature = "client")]
pub use providers::{CredentialsUri, EcsRamRole, OidcRoleArn, RamRoleArn, StsEndpoint};

#[cfg(all(test, feature = "client"))]
mod tests;
