//! The default chain, in the official order (`credentials.md` §1).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::profile::{CliConfig, IniFile, Role, Source, Unsupported};
use super::{
    Cached, Credentials, CredentialsError, CredentialsUri, EcsRamRole, Environment, HttpContext, OidcRoleArn, RamRoleArn, StsEndpoint,
};
use super::{ProvideCredentials, ProvideFuture};

/// Where a client's credentials come from.
///
/// Without explicit credentials or a profile, [`Chain::build`] makes the official default
/// chain; the first of these that is configured and answers is kept for the client's
/// lifetime (later failures of it reach the caller, as officially):
///
/// 1. environment: `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, optional
///    `ALIBABA_CLOUD_SECURITY_TOKEN`;
/// 2. OIDC role, when `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` and
///    `ALIBABA_CLOUD_OIDC_TOKEN_FILE` are all set;
/// 3. the aliyun CLI's `~/.aliyun/config.json` (or `ALIBABA_CLOUD_CONFIG_FILE`), profile
///    `ALIBABA_CLOUD_PROFILE` or its `current`, unless `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`:
///    modes `AK`, `StsToken`, `RamRoleArn`, `ChainableRamRoleArn`, `EcsRamRole`,
///    `RamRoleArnWithRoleName`, `OIDC`, `CredentialsURI`;
/// 4. `~/.alibabacloud/credentials.ini` (or `ALIBABA_CLOUD_CREDENTIALS_FILE`), section
///    `ALIBABA_CLOUD_PROFILE` or `default`: types `access_key`, `sts`, `ram_role_arn`,
///    `oidc_role_arn`, `ecs_ram_role`;
/// 5. the ECS instance role, unless `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` (role name from
///    `ALIBABA_CLOUD_ECS_METADATA`, tokenless fallback off with `ALIBABA_CLOUD_IMDSV1_DISABLED`);
/// 6. `ALIBABA_CLOUD_CREDENTIALS_URI`.
///
/// STS calls go to `ALIBABA_CLOUD_STS_ENDPOINT` if set (as in the aliyun CLI), else to
/// `sts[-vpc].<ALIBABA_CLOUD_STS_REGION>.aliyuncs.com` (VPC with
/// `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true`), else `sts.aliyuncs.com`; a profile's own
/// `sts_endpoint`, `sts_region` and `enable_vpc` win. `ALIBABA_CLOUD_ECS_METADATA_ENDPOINT`
/// moves the metadata service (for tests; not read by the official libraries).
///
/// Where this differs from the official libraries: a file that exists but is malformed, a
/// profile that lacks a key its mode needs, or half an AccessKey in the environment is an
/// error at once, naming the file and key, instead of a silent step to the next provider
/// (which could end up on an instance role nobody meant). A profile chosen explicitly
/// ([`Chain::with_profile`], `--profile`) is used alone, as the aliyun CLI does.
#[derive(Debug, Clone, Default)]
pub struct Chain {
    explicit: Option<Credentials>,
    profile: Option<String>,
}

/// One step of a built chain: a provider, or why a provider is not there.
enum Step {
    Provider(String, Arc<dyn ProvideCredentials>),
    Absent(String),
}

struct DefaultChain {
    steps: Vec<Step>,
    chosen: OnceLock<usize>,
    walk: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for DefaultChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Provider(name, _) => Some(name.as_str()),
                Step::Absent(_) => None,
            })
            .collect();
        f.debug_struct("Chain").field("providers", &names).field("chosen", &self.chosen.get().map(|&i| self.name(i))).finish()
    }
}

impl DefaultChain {
    fn name(&self, i: usize) -> &str {
        match &self.steps[i] {
            Step::Provider(name, _) => name,
            Step::Absent(why) => why,
        }
    }

    fn provider(&self, i: usize) -> &Arc<dyn ProvideCredentials> {
        match &self.steps[i] {
            Step::Provider(_, p) => p,
            Step::Absent(_) => unreachable!("only providers are chosen"),
        }
    }

    async fn get(&self) -> Result<Credentials, CredentialsError> {
        if let Some(&i) = self.chosen.get() {
            return self.provider(i).provide().await;
        }
        // The first calls walk the chain once, together.
        let _walk = self.walk.lock().await;
        if let Some(&i) = self.chosen.get() {
            return self.provider(i).provide().await;
        }
        let mut tried = Vec::new();
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                Step::Absent(why) => tried.push(why.clone()),
                Step::Provider(name, provider) => match provider.provide().await {
                    Ok(credentials) => {
                        tracing::debug!(provider = %name, "credentials chain settled");
                        let _ = self.chosen.set(i);
                        return Ok(credentials);
                    }
                    Err(CredentialsError::Provider { message, .. }) => tried.push(format!("{name}: {message}")),
                    Err(e) => tried.push(format!("{name}: {e}")),
                },
            }
        }
        Err(CredentialsError::NotFound { tried })
    }
}

impl ProvideCredentials for DefaultChain {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(self.get())
    }
}

impl Chain {
    /// The default chain, profile from the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Static credentials, which win over every other source.
    pub fn with_static(mut self, credentials: Credentials) -> Self {
        self.explicit = Some(credentials);
        self
    }

    /// Uses this profile alone: of `config.json`, else of `credentials.ini`.
    pub fn with_profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Builds the provider. Files are read now, so a malformed one fails here; nothing is
    /// fetched until the first call. Fails with [`CredentialsError::NotFound`] when no
    /// provider is configured at all.
    pub fn build(&self, env: &Environment, http: &HttpContext) -> Result<Arc<dyn ProvideCredentials>, CredentialsError> {
        if let Some(c) = &self.explicit {
            c.check_usable()?;
            return Ok(Arc::new(c.clone()));
        }
        let files = Files::locate(env)?;
        if let Some(profile) = &self.profile {
            return files.named(profile, env, http);
        }

        match (env.var("ALIBABA_CLOUD_ACCESS_KEY_ID"), env.var("ALIBABA_CLOUD_ACCESS_KEY_SECRET")) {
            (Some(id), Some(secret)) => {
                let mut c = Credentials::new(id, secret).with_source("environment");
                if let Some(token) = env.var("ALIBABA_CLOUD_SECURITY_TOKEN") {
                    c = c.with_security_token(token);
                }
                c.check_usable()?;
                return Ok(Arc::new(c));
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
            (None, None) => {}
        }
        let mut steps = vec![Step::Absent("environment: ALIBABA_CLOUD_ACCESS_KEY_ID is not set".into())];

        let oidc_vars = ["ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE"];
        match oidc_vars.iter().find(|v| env.var(v).is_none()) {
            Some(missing) => steps.push(Step::Absent(format!("oidc_role_arn: {missing} is not set"))),
            None => {
                let [role, provider, file] = oidc_vars.map(|v| env.var(v).unwrap_or_default().to_owned());
                let source = Source::Oidc { role: Role { arn: role, ..Role::default() }, provider_arn: provider, token_file: file.into() };
                steps.push(Step::Provider("oidc_role_arn (environment)".into(), provider_for(source, env, http)?));
            }
        }

        let profile = env.var("ALIBABA_CLOUD_PROFILE");
        steps.push(match &files.cli {
            Err(why) => Step::Absent(format!("cli_profile: {why}")),
            Ok(config) => {
                let name = profile.or(config.current.as_deref()).unwrap_or("default");
                let label = format!("cli_profile: {} profile {name:?}", files.cli_path.display());
                match config.source(name)? {
                    None => Step::Absent(format!("{label}: no such profile")),
                    Some(Err(why)) => Step::Absent(format!("{label}: {why}")),
                    Some(Ok(source)) => Step::Provider(label, provider_for(source, env, http)?),
                }
            }
        });

        steps.push(match &files.ini {
            Err(why) => Step::Absent(format!("profile: {why}")),
            Ok(ini) => {
                let name = profile.unwrap_or("default");
                let label = format!("profile: {} [{name}]", ini.path().display());
                match ini.source(name)? {
                    None => Step::Absent(format!("{label}: no such section")),
                    Some(Err(why)) => Step::Absent(format!("{label}: {why}")),
                    Some(Ok(source)) => Step::Provider(label, provider_for(source, env, http)?),
                }
            }
        });

        steps.push(if env.is_true("ALIBABA_CLOUD_ECS_METADATA_DISABLED") {
            Step::Absent("ecs_ram_role: disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED".into())
        } else {
            Step::Provider("ecs_ram_role".into(), provider_for(Source::Ecs { role_name: None }, env, http)?)
        });

        steps.push(match env.var("ALIBABA_CLOUD_CREDENTIALS_URI") {
            None => Step::Absent("credentials_uri: ALIBABA_CLOUD_CREDENTIALS_URI is not set".into()),
            Some(uri) => Step::Provider("credentials_uri".into(), provider_for(Source::Uri(uri.into()), env, http)?),
        });

        if !steps.iter().any(|s| matches!(s, Step::Provider(..))) {
            let tried = steps
                .into_iter()
                .map(|s| match s {
                    Step::Absent(why) => why,
                    Step::Provider(name, _) => name,
                })
                .collect();
            return Err(CredentialsError::NotFound { tried });
        }
        Ok(Arc::new(DefaultChain { steps, chosen: OnceLock::new(), walk: tokio::sync::Mutex::new(()) }))
    }
}

/// The two files, located and read (or why not).
struct Files {
    cli_path: PathBuf,
    cli: Result<CliConfig, String>,
    ini: Result<IniFile, String>,
}

impl Files {
    fn locate(env: &Environment) -> Result<Self, CredentialsError> {
        let home = env.home();
        let cli_path = match env.var("ALIBABA_CLOUD_CONFIG_FILE") {
            Some(p) => PathBuf::from(p),
            None => home.map(|h| h.join(".aliyun/config.json")).unwrap_or_default(),
        };
        let named = |variable: &str, path: &PathBuf, problem: String| CredentialsError::Malformed {
            file: path.clone(),
            problem: format!("{variable} names a file that {problem}"),
        };
        let cli = if env.is_true("ALIBABA_CLOUD_CLI_PROFILE_DISABLED") {
            Err("disabled by ALIBABA_CLOUD_CLI_PROFILE_DISABLED".to_owned())
        } else {
            match (presence(&cli_path), env.var("ALIBABA_CLOUD_CONFIG_FILE").is_some()) {
                (Ok(()), _) => Ok(CliConfig::read(&cli_path)?),
                (Err(problem), true) => return Err(named("ALIBABA_CLOUD_CONFIG_FILE", &cli_path, problem)),
                (Err(problem), false) => Err(format!("{} {problem}", cli_path.display())),
            }
        };
        let ini = match env.var("ALIBABA_CLOUD_CREDENTIALS_FILE") {
            Some(path) => {
                let path = PathBuf::from(path);
                presence(&path).map_err(|problem| named("ALIBABA_CLOUD_CREDENTIALS_FILE", &path, problem))?;
                Ok(IniFile::read(&path)?)
            }
            None => {
                let dir = home.map(|h| h.join(".alibabacloud")).unwrap_or_default();
                let first = dir.join("credentials.ini");
                match [first.clone(), dir.join("credentials")].into_iter().map(|p| (presence(&p), p)).find(|(found, _)| found.is_ok()) {
                    Some((_, path)) => Ok(IniFile::read(&path)?),
                    None => Err(format!("{} {}", first.display(), presence(&first).err().unwrap_or_default())),
                }
            }
        };
        Ok(Self { cli_path, cli, ini })
    }

    /// An explicitly named profile: of `config.json` first, else of `credentials.ini`.
    fn named(&self, profile: &str, env: &Environment, http: &HttpContext) -> Result<Arc<dyn ProvideCredentials>, CredentialsError> {
        let mut tried = Vec::new();
        let unsupported = |file: String, why: Unsupported| CredentialsError::Invalid(format!("{file} profile {profile:?}: {why}"));
        match &self.cli {
            Ok(config) => match config.source(profile)? {
                Some(Ok(source)) => return provider_for(source, env, http),
                Some(Err(why)) => return Err(unsupported(self.cli_path.display().to_string(), why)),
                None => tried.push(format!("{}: no profile {profile:?}", self.cli_path.display())),
            },
            Err(why) => tried.push(format!("cli_profile: {why}")),
        }
        match &self.ini {
            Ok(ini) => match ini.source(profile)? {
                Some(Ok(source)) => return provider_for(source, env, http),
                Some(Err(why)) => return Err(unsupported(ini.path().display().to_string(), why)),
                None => tried.push(format!("{}: no section [{profile}]", ini.path().display())),
            },
            Err(why) => tried.push(format!("profile: {why}")),
        }
        Err(CredentialsError::NotFound { tried })
    }
}

/// The provider a source describes, configured from the environment where the source is
/// silent, and cached unless it is static.
/// Whether `path` is a file to read: `Err` says what it is instead, in words for a message
/// ("does not exist", "is not a regular file (a FIFO, a device or a folder)", "cannot be read:
/// too many levels of symbolic links"), so a FIFO is never said not to exist.
fn presence(path: &std::path::Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => Err("is not a regular file (a FIFO, a device or a folder)".into()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err("does not exist".into()),
        Err(e) => Err(format!("cannot be read: {e}")),
    }
}

fn provider_for(source: Source, env: &Environment, http: &HttpContext) -> Result<Arc<dyn ProvideCredentials>, CredentialsError> {
    let cached = |p: Arc<dyn ProvideCredentials>| -> Arc<dyn ProvideCredentials> { Arc::new(Cached::with_clock(p, http.clock.clone())) };
    Ok(match source {
        Source::Static(c) => {
            c.check_usable()?;
            Arc::new(c)
        }
        Source::RamRole { source, role, external_id } => {
            let inner = provider_for(*source, env, http)?;
            let (endpoint, session, duration) = role_settings(&role, env)?;
            let mut p = RamRoleArn::new(inner, role.arn).sts_endpoint(endpoint).duration(duration).http(http.clone());
            if let Some(name) = session {
                p = p.session_name(name);
            }
            if let Some(policy) = role.policy {
                p = p.policy(policy);
            }
            if let Some(id) = external_id {
                p = p.external_id(id);
            }
            p.check()?;
            cached(Arc::new(p))
        }
        Source::Oidc { role, provider_arn, token_file } => {
            let (endpoint, session, duration) = role_settings(&role, env)?;
            let mut p = OidcRoleArn::new(role.arn, provider_arn, token_file).sts_endpoint(endpoint).duration(duration).http(http.clone());
            if let Some(name) = session {
                p = p.session_name(name);
            }
            if let Some(policy) = role.policy {
                p = p.policy(policy);
            }
            p.check()?;
            cached(Arc::new(p))
        }
        Source::Ecs { role_name } => {
            let mut p = EcsRamRole::new(role_name.or_else(|| env.var("ALIBABA_CLOUD_ECS_METADATA").map(str::to_owned)))
                .hardened_only(env.is_true("ALIBABA_CLOUD_IMDSV1_DISABLED"))
                .http(http.clone());
            if let Some(endpoint) = env.var("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT") {
                p = p.endpoint(endpoint)?;
            }
            cached(Arc::new(p))
        }
        Source::Uri(uri) => cached(Arc::new(CredentialsUri::new(&uri)?.http(http.clone()))),
    })
}

/// A role's STS endpoint, session name and duration: the profile's, else the environment's,
/// else the defaults.
fn role_settings(role: &Role, env: &Environment) -> Result<(StsEndpoint, Option<String>, Duration), CredentialsError> {
    let endpoint = StsEndpoint::resolve(
        role.sts_endpoint.as_deref().or(env.var("ALIBABA_CLOUD_STS_ENDPOINT")),
        role.sts_region.as_deref().or(env.var("ALIBABA_CLOUD_STS_REGION")),
        role.vpc.unwrap_or_else(|| env.is_true("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED")),
    )?;
    let session = role.session_name.clone().or_else(|| env.var("ALIBABA_CLOUD_ROLE_SESSION_NAME").map(str::to_owned));
    Ok((endpoint, session, Duration::from_secs(u64::from(role.duration.unwrap_or(3600)))))
}

/// Reads the texts of a `config.json` and a `credentials.ini` as the chain would, and builds
/// every profile they name, without any request: each profile's provider (its `Debug` form)
/// or the error. For fuzzing the file readers; not a stable API.
#[doc(hidden)]
pub fn build_every_profile(cli_json: &str, ini: &str) -> Vec<Result<String, CredentialsError>> {
    let (env, http) = (Environment::default(), HttpContext::default());
    let build = |found: Result<Option<Result<Source, Unsupported>>, CredentialsError>| {
        found.and_then(|found| match found {
            Some(Ok(source)) => provider_for(source, &env, &http).map(|p| format!("{p:?}")),
            Some(Err(why)) => Ok(why),
            None => Ok(String::new()),
        })
    };
    let mut out = Vec::new();
    match CliConfig::parse(std::path::Path::new("config.json"), cli_json) {
        Ok(config) => out.extend(config.names().iter().map(|name| build(config.source(name)))),
        Err(e) => out.push(Err(e)),
    }
    match IniFile::parse(std::path::Path::new("credentials.ini"), ini) {
        Ok(file) => out.extend(file.names().iter().map(|name| build(file.source(name)))),
        Err(e) => out.push(Err(e)),
    }
    out
}
