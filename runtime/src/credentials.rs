//! Credentials, the provider abstraction and the default chain.
//!
//! The client asks a [`ProvideCredentials`] for credentials before every attempt, so a source
//! that refreshes (an STS role, an instance's metadata service) plugs in by implementing that
//! trait, and nothing else in the client changes. [`Credentials`] themselves are one such
//! provider: the keys they hold, forever.
//!
//! The chain, first hit wins: explicit static credentials → environment
//! (`ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, optional
//! `ALIBABA_CLOUD_SECURITY_TOKEN`) → the credentials file (`~/.alibabacloud/credentials.ini`,
//! or `credentials` without the extension, or `ALIBABA_CLOUD_CREDENTIALS_FILE`; profile from
//! `ALIBABA_CLOUD_PROFILE`, default `default`) → the aliyun CLI config (`~/.aliyun/config.json`,
//! its `current` profile; `AK` and `StsToken` modes). A source that exists but is malformed
//! is an error naming the file and the problem, not a silent skip.
//!
//! Secrets never appear in `Debug` output, `Display` output or error messages.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
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

/// An AccessKey pair, with an STS token when temporary.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    access_key_secret: Secret,
    security_token: Option<Secret>,
    expiry: Option<SystemTime>,
    source: String,
}

impl Credentials {
    /// Static AccessKey credentials.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: Secret::new(access_key_secret),
            security_token: None,
            expiry: None,
            source: "static".into(),
        }
    }

    /// Marks these credentials as valid until `expiry` (temporary STS credentials).
    pub fn with_expiry(mut self, expiry: SystemTime) -> Self {
        self.expiry = Some(expiry);
        self
    }

    /// Until when these credentials are valid; `None` for long-lived keys.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expiry
    }

    /// Adds an STS security token (temporary credentials).
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(Secret::new(token));
        self
    }

    /// Names where these credentials came from (`environment`, a file), as shown in `Debug`.
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = source.into();
        self
    }

    /// The AccessKeyId (not secret; it is sent with every request).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The AccessKeySecret.
    pub fn access_key_secret(&self) -> &Secret {
        &self.access_key_secret
    }

    /// The STS token, if any.
    pub fn security_token(&self) -> Option<&Secret> {
        self.security_token.as_ref()
    }

    /// Where the chain found these credentials (`static`, `environment`, a file and profile).
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &self.access_key_secret)
            .field("security_token", &self.security_token)
            .field("expiry", &self.expiry)
            .field("source", &self.source)
            .finish()
    }
}

/// Why no credentials could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// No source had credentials.
    #[error("no credentials found; tried: {}", tried.join("; "))]
    NotFound {
        /// Each source and why it gave nothing.
        tried: Vec<String>,
    },
    /// The environment has half of a pair.
    #[error("incomplete credentials in the environment: {0}")]
    IncompleteEnvironment(String),
    /// A file exists but cannot be used.
    #[error("{}: {problem}", file.display())]
    Malformed {
        /// The file.
        file: PathBuf,
        /// What is wrong (never a secret).
        problem: String,
    },
}

/// The process environment as the chain sees it: variables and the home directory.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    vars: BTreeMap<String, String>,
    home: Option<PathBuf>,
}

impl Environment {
    /// This process's environment.
    ///
    /// A variable whose name or value is not UTF-8 is left out: `std::env::vars` would panic on
    /// it, and the panic would print the value, which can be a secret.
    pub fn process() -> Self {
        let vars = std::env::vars_os().filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?))).collect();
        let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from);
        Self { vars, home }
    }

    /// A given environment (for tests, or to isolate a client from the process).
    pub fn new(vars: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>, home: Option<PathBuf>) -> Self {
        Self { vars: vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect(), home }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// The provider chain.
#[derive(Debug, Clone, Default)]
pub struct Chain {
    explicit: Option<Credentials>,
    profile: Option<String>,
}

impl Chain {
    /// A chain with no explicit credentials and the profile from the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Static credentials, which win over every other source.
    pub fn with_static(mut self, credentials: Credentials) -> Self {
        self.explicit = Some(credentials);
        self
    }

    /// The profile to read from the files (beats `ALIBABA_CLOUD_PROFILE`).
    pub fn with_profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Resolves credentials against `env`.
    pub fn resolve(&self, env: &Environment) -> Result<Credentials, CredentialsError> {
        if let Some(c) = &self.explicit {
            return Ok(c.clone());
        }
        let mut tried = Vec::new();

        match (env.var("ALIBABA_CLOUD_ACCESS_KEY_ID"), env.var("ALIBABA_CLOUD_ACCESS_KEY_SECRET")) {
            (Some(id), Some(secret)) => {
                let mut c = Credentials::new(id, secret).with_source("environment");
                if let Some(token) = env.var("ALIBABA_CLOUD_SECURITY_TOKEN") {
                    c = c.with_security_token(token);
                }
                return Ok(c);
            }
            (Some(_), None) => {
                return Err(CredentialsError::IncompleteEnvironment(
                    "ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is not".into(),
                ))
            }
            (None, Some(_)) => {
                return Err(CredentialsError::IncompleteEnvironment(
                    "ALIBABA_CLOUD_ACCESS_KEY_SECRET is set but ALIBABA_CLOUD_ACCESS_KEY_ID is not".into(),
                ))
            }
            (None, None) => tried.push("environment: ALIBABA_CLOUD_ACCESS_KEY_ID is not set".to_owned()),
        }

        let explicit_profile = self.profile.as_deref().or_else(|| env.var("ALIBABA_CLOUD_PROFILE"));

        let ini = match env.var("ALIBABA_CLOUD_CREDENTIALS_FILE") {
            Some(path) => Some(PathBuf::from(path)),
            None => env.home.as_ref().and_then(|home| {
                let dir = home.join(".alibabacloud");
                [dir.join("credentials.ini"), dir.join("credentials")].into_iter().find(|p| p.is_file())
            }),
        };
        match ini {
            Some(path) if path.is_file() => {
                let profile = explicit_profile.unwrap_or("default");
                match from_ini(&path, profile)? {
                    Some(c) => return Ok(c),
                    None => tried.push(format!("{}: no [{profile}] section", path.display())),
                }
            }
            Some(path) => {
                return Err(CredentialsError::Malformed {
                    file: path,
                    problem: "ALIBABA_CLOUD_CREDENTIALS_FILE names a file that does not exist".into(),
                })
            }
            None => tried.push("credentials file: ~/.alibabacloud/credentials.ini does not exist".into()),
        }

        if env.var("ALIBABA_CLOUD_CLI_PROFILE_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            tried.push("aliyun CLI config: disabled by ALIBABA_CLOUD_CLI_PROFILE_DISABLED".into());
        } else if let Some(path) = env.home.as_ref().map(|h| h.join(".aliyun/config.json")).filter(|p| p.is_file()) {
            match from_cli_config(&path, explicit_profile)? {
                Some(c) => return Ok(c),
                None => tried.push(format!("{}: no such profile", path.display())),
            }
        } else {
            tried.push("aliyun CLI config: ~/.aliyun/config.json does not exist".into());
        }
        Err(CredentialsError::NotFound { tried })
    }
}

fn malformed(file: &Path, problem: impl Into<String>) -> CredentialsError {
    CredentialsError::Malformed { file: file.to_path_buf(), problem: problem.into() }
}

/// Reads one profile of an INI credentials file; `None` when the section is absent.
fn from_ini(path: &Path, profile: &str) -> Result<Option<Credentials>, CredentialsError> {
    let text = std::fs::read_to_string(path).map_err(|e| malformed(path, format!("cannot read: {e}")))?;
    let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[') {
            let name =
                name.strip_suffix(']').ok_or_else(|| malformed(path, format!("line {}: a section header must end with ']'", i + 1)))?;
            current = Some(name.trim().to_owned());
            sections.entry(name.trim().to_owned()).or_default();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .or_else(|| line.split_once(':'))
            .ok_or_else(|| malformed(path, format!("line {}: expected `key = value`", i + 1)))?;
        let section =
            current.as_ref().ok_or_else(|| malformed(path, format!("line {}: `{}` comes before any [section]", i + 1, key.trim())))?;
        sections.get_mut(section).expect("created with its header").insert(key.trim().to_owned(), value.trim().to_owned());
    }
    let Some(values) = sections.get(profile) else { return Ok(None) };
    let get = |key: &str| values.get(key).map(String::as_str).filter(|v| !v.is_empty());
    let need = |key: &str| get(key).ok_or_else(|| malformed(path, format!("profile [{profile}] has no {key}")));
    let source = format!("{} [{profile}]", path.display());
    match get("type").unwrap_or("access_key") {
        "access_key" => Ok(Some(Credentials::new(need("access_key_id")?, need("access_key_secret")?).with_source(source))),
        "sts" => Ok(Some(
            Credentials::new(need("access_key_id")?, need("access_key_secret")?)
                .with_security_token(need("security_token")?)
                .with_source(source),
        )),
        other => Err(malformed(path, format!("profile [{profile}] has type {other:?}; this client supports access_key and sts"))),
    }
}

/// Reads a profile of the aliyun CLI config; `None` when there is no such profile.
fn from_cli_config(path: &Path, profile: Option<&str>) -> Result<Option<Credentials>, CredentialsError> {
    #[derive(serde::Deserialize)]
    struct Config {
        #[serde(default)]
        current: Option<String>,
        #[serde(default)]
        profiles: Vec<Profile>,
    }
    #[derive(serde::Deserialize)]
    struct Profile {
        name: String,
        #[serde(default)]
        mode: Option<String>,
        #[serde(default)]
        access_key_id: Option<String>,
        #[serde(default)]
        access_key_secret: Option<String>,
        #[serde(default)]
        sts_token: Option<String>,
    }
    let text = std::fs::read_to_string(path).map_err(|e| malformed(path, format!("cannot read: {e}")))?;
    // serde_json's message names line and column, never the secret values.
    let config: Config = serde_json::from_str(&text).map_err(|e| malformed(path, format!("not a valid aliyun CLI config: {e}")))?;
    let name = profile.or(config.current.as_deref()).unwrap_or("default");
    let Some(p) = config.profiles.iter().find(|p| p.name == name) else { return Ok(None) };
    let need = |value: &Option<String>, key: &str| {
        value.clone().filter(|v| !v.is_empty()).ok_or_else(|| malformed(path, format!("profile {name:?} has no {key}")))
    };
    let source = format!("{} profile {name:?}", path.display());
    match p.mode.as_deref().unwrap_or("AK") {
        "AK" => Ok(Some(
            Credentials::new(need(&p.access_key_id, "access_key_id")?, need(&p.access_key_secret, "access_key_secret")?)
                .with_source(source),
        )),
        "StsToken" => Ok(Some(
            Credentials::new(need(&p.access_key_id, "access_key_id")?, need(&p.access_key_secret, "access_key_secret")?)
                .with_security_token(need(&p.sts_token, "sts_token")?)
                .with_source(source),
        )),
        other => Err(malformed(path, format!("profile {name:?} uses mode {other:?}; this client supports AK and StsToken"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let home = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = home.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        home
    }

    const INI: &str = "# comment\n[default]\ntype = access_key\naccess_key_id = ini-id\naccess_key_secret = ini-secret\n\n[temp]\ntype = sts\naccess_key_id = STS.x\naccess_key_secret = s\nsecurity_token = tok\n";
    const CLI: &str = r#"{"current":"work","profiles":[{"name":"work","mode":"AK","access_key_id":"cli-id","access_key_secret":"cli-secret","region_id":"cn-hangzhou"},
        {"name":"sts","mode":"StsToken","access_key_id":"STS.c","access_key_secret":"cs","sts_token":"ct"},{"name":"role","mode":"RamRoleArn"}]}"#;

    #[test]
    fn explicit_beats_environment_beats_files() {
        let home = home_with(&[(".alibabacloud/credentials.ini", INI), (".aliyun/config.json", CLI)]);
        let env = Environment::new(
            [
                ("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id"),
                ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
                ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token"),
            ],
            Some(home.path().into()),
        );
        let c = Chain::new().with_static(Credentials::new("id", "secret")).resolve(&env).unwrap();
        assert_eq!((c.access_key_id(), c.source()), ("id", "static"));
        let c = Chain::new().resolve(&env).unwrap();
        assert_eq!(
            (c.access_key_id(), c.access_key_secret().expose(), c.security_token().map(Secret::expose)),
            ("env-id", "env-secret", Some("env-token"))
        );
    }

    #[test]
    fn ini_file_beats_cli_config_and_profiles_select() {
        let home = home_with(&[(".alibabacloud/credentials.ini", INI), (".aliyun/config.json", CLI)]);
        let env = Environment::new(Vec::<(String, String)>::new(), Some(home.path().into()));
        let c = Chain::new().resolve(&env).unwrap();
        assert_eq!(c.access_key_id(), "ini-id");
        assert!(c.source().ends_with("credentials.ini [default]"), "{}", c.source());
        let env = Environment::new([("ALIBABA_CLOUD_PROFILE", "temp")], Some(home.path().into()));
        let c = Chain::new().resolve(&env).unwrap();
        assert_eq!((c.access_key_id(), c.security_token().map(Secret::expose)), ("STS.x", Some("tok")));
        // A profile the INI file lacks falls through to the CLI config.
        let c = Chain::new().with_profile("sts").resolve(&env).unwrap();
        assert_eq!((c.access_key_id(), c.security_token().map(Secret::expose)), ("STS.c", Some("ct")));
    }

    #[test]
    fn cli_config_current_profile_and_file_without_extension() {
        let home = home_with(&[(".aliyun/config.json", CLI)]);
        let env = Environment::new(Vec::<(String, String)>::new(), Some(home.path().into()));
        assert_eq!(Chain::new().resolve(&env).unwrap().access_key_id(), "cli-id");
        let home = home_with(&[(".alibabacloud/credentials", INI)]);
        let env = Environment::new(Vec::<(String, String)>::new(), Some(home.path().into()));
        assert_eq!(Chain::new().resolve(&env).unwrap().access_key_id(), "ini-id");
    }

    #[test]
    fn malformed_and_unsupported_sources_name_the_file_and_problem() {
        let home = home_with(&[(".aliyun/config.json", "{\"profiles\": [")]);
        let env = Environment::new(Vec::<(String, String)>::new(), Some(home.path().into()));
        let err = Chain::new().resolve(&env).unwrap_err().to_string();
        assert!(err.contains(".aliyun/config.json: not a valid aliyun CLI config: EOF while parsing"), "{err}");

        let home = home_with(&[(".aliyun/config.json", CLI)]);
        let env = Environment::new([("ALIBABA_CLOUD_PROFILE", "role")], Some(home.path().into()));
        let err = Chain::new().resolve(&env).unwrap_err().to_string();
        assert!(err.ends_with("config.json: profile \"role\" uses mode \"RamRoleArn\"; this client supports AK and StsToken"), "{err}");

        let home = home_with(&[(".alibabacloud/credentials.ini", "[default]\naccess_key_id = x\nsecret-without-equals\n")]);
        let env = Environment::new(Vec::<(String, String)>::new(), Some(home.path().into()));
        let err = Chain::new().resolve(&env).unwrap_err().to_string();
        assert!(err.ends_with("credentials.ini: line 3: expected `key = value`"), "{err}");

        let home = home_with(&[(".alibabacloud/credentials.ini", "[default]\naccess_key_id = x\n")]);
        let env = Environment::new(Vec::<(String, String)>::new(), Some(home.path().into()));
        let err = Chain::new().resolve(&env).unwrap_err().to_string();
        assert!(err.ends_with("credentials.ini: profile [default] has no access_key_secret"), "{err}");

        let env = Environment::new([("ALIBABA_CLOUD_ACCESS_KEY_ID", "x")], None);
        assert!(matches!(Chain::new().resolve(&env), Err(CredentialsError::IncompleteEnvironment(_))));
    }

    #[test]
    fn nothing_found_lists_what_was_tried() {
        let home = tempfile::tempdir().unwrap();
        let env = Environment::new(Vec::<(String, String)>::new(), Some(home.path().into()));
        let err = Chain::new().resolve(&env).unwrap_err().to_string();
        assert!(
            err.starts_with("no credentials found; tried: environment: ALIBABA_CLOUD_ACCESS_KEY_ID is not set; credentials file"),
            "{err}"
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let c = Credentials::new("LTAIid", "very-secret").with_security_token("token-secret");
        let shown = format!("{c:?}");
        assert!(shown.contains("LTAIid"));
        assert!(!shown.contains("very-secret") && !shown.contains("token-secret"), "{shown}");
        let home = home_with(&[(".alibabacloud/credentials.ini", "[default]\ntype = weird\naccess_key_secret = hush\n")]);
        let env = Environment::new(Vec::<(String, String)>::new(), Some(home.path().into()));
        let err = Chain::new().resolve(&env).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("hush"));
    }
}
