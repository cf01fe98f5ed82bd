//! The two configuration files: the aliyun CLI's `config.json` and `credentials.ini`. Each
//! profile reads into a [`Source`], which the chain turns into a provider.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Credentials, CredentialsError};

/// What a profile describes, before anything is fetched.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    Static(Credentials),
    /// `AssumeRole` over another source.
    RamRole {
        source: Box<Source>,
        role: Role,
        external_id: Option<String>,
    },
    /// `AssumeRoleWithOIDC`.
    Oidc {
        role: Role,
        provider_arn: String,
        token_file: PathBuf,
    },
    /// The ECS instance role.
    Ecs {
        role_name: Option<String>,
    },
    /// A credentials URI.
    Uri(String),
}

/// Role settings shared by `AssumeRole` and `AssumeRoleWithOIDC`; `None` falls back to the
/// environment, then to the defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct Role {
    pub arn: String,
    pub session_name: Option<String>,
    pub duration: Option<u32>,
    pub policy: Option<String>,
    pub sts_endpoint: Option<String>,
    pub sts_region: Option<String>,
    pub vpc: Option<bool>,
}

/// A profile that exists but that this client does not use, and why: the chain moves on.
pub(crate) type Unsupported = String;

fn malformed(file: &Path, problem: impl Into<String>) -> CredentialsError {
    CredentialsError::Malformed { file: file.to_path_buf(), problem: problem.into() }
}

/// The aliyun CLI's `config.json`.
pub(crate) struct CliConfig {
    path: PathBuf,
    pub current: Option<String>,
    profiles: Vec<serde_json::Map<String, serde_json::Value>>,
}

impl CliConfig {
    pub(super) fn read(path: &Path) -> Result<Self, CredentialsError> {
        let text =
            super::read_small_file(path, super::MAX_CREDENTIALS_FILE_BYTES).map_err(|e| malformed(path, format!("cannot read: {e}")))?;
        Self::parse(path, &text)
    }

    /// Parses the text of the file at `path` (named in errors).
    pub(super) fn parse(path: &Path, text: &str) -> Result<Self, CredentialsError> {
        // serde_json's messages name line and column, never the values.
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| malformed(path, format!("not a valid aliyun CLI config: {e}")))?;
        let current = value.get("current").and_then(|c| c.as_str()).filter(|c| !c.is_empty()).map(str::to_owned);
        let profiles = match value.get("profiles") {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, p)| p.as_object().cloned().ok_or_else(|| malformed(path, format!("profiles[{i}] is not an object"))))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(malformed(path, "`profiles` is not a list")),
        };
        Ok(Self { path: path.to_path_buf(), current, profiles })
    }

    /// The names of its profiles, in file order.
    pub(super) fn names(&self) -> Vec<String> {
        self.profiles.iter().filter_map(|p| p.get("name").and_then(|n| n.as_str()).map(str::to_owned)).collect()
    }

    fn find(&self, name: &str) -> Option<&serde_json::Map<String, serde_json::Value>> {
        self.profiles.iter().find(|p| p.get("name").and_then(|n| n.as_str()) == Some(name))
    }

    /// Profile `name`: `None` when absent, `Err(Ok(reason))` when unsupported.
    pub(super) fn source(&self, name: &str) -> Result<Option<Result<Source, Unsupported>>, CredentialsError> {
        self.source_at(name, &mut Vec::new())
    }

    fn source_at(&self, name: &str, seen: &mut Vec<String>) -> Result<Option<Result<Source, Unsupported>>, CredentialsError> {
        let Some(p) = self.find(name) else { return Ok(None) };
        if seen.iter().any(|s| s == name) || seen.len() > 8 {
            seen.push(name.to_owned());
            return Err(malformed(&self.path, format!("source_profile chain {} loops or is too long", seen.join(" → "))));
        }
        seen.push(name.to_owned());
        let path = &self.path;
        let text = |key: &str| -> Result<Option<String>, CredentialsError> {
            match p.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
                Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
                Some(serde_json::Value::Bool(b)) => Ok(Some(b.to_string())),
                Some(_) => Err(malformed(path, format!("profile {name:?}: {key} is not text"))),
            }
        };
        let need = |key: &str| text(key)?.ok_or_else(|| malformed(path, format!("profile {name:?} has no {key}")));
        let ak = || -> Result<Credentials, CredentialsError> {
            Ok(Credentials::new(need("access_key_id")?, need("access_key_secret")?)
                .with_source(format!("{} profile {name:?}", path.display())))
        };
        let role = || -> Result<Role, CredentialsError> {
            let duration = match text("expired_seconds")? {
                None => None,
                Some(s) if s == "0" => None,
                Some(s) => {
                    Some(s.parse().map_err(|_| malformed(path, format!("profile {name:?}: expired_seconds {s:?} is not a number")))?)
                }
            };
            Ok(Role {
                arn: need("ram_role_arn")?,
                // The CLI writes ram_session_name; Python reads role_session_name. Both count.
                session_name: text("ram_session_name")?.or(text("role_session_name")?),
                duration,
                policy: text("policy")?,
                sts_endpoint: text("sts_endpoint")?,
                sts_region: text("sts_region")?,
                vpc: text("enable_vpc")?.map(|v| v.eq_ignore_ascii_case("true")),
            })
        };
        let mode = text("mode")?.unwrap_or_else(|| "AK".into());
        let source = match mode.to_ascii_lowercase().as_str() {
            "ak" => Source::Static(ak()?),
            "ststoken" => Source::Static(ak()?.with_security_token(need("sts_token")?)),
            "ramrolearn" => Source::RamRole { source: Box::new(Source::Static(ak()?)), role: role()?, external_id: text("external_id")? },
            "chainableramrolearn" => {
                let from = need("source_profile")?;
                let inner = match self.source_at(&from, seen)? {
                    Some(Ok(inner)) => inner,
                    Some(Err(why)) => return Ok(Some(Err(format!("its source_profile {from:?}: {why}")))),
                    None => return Err(malformed(path, format!("profile {name:?}: source_profile {from:?} does not exist"))),
                };
                Source::RamRole { source: Box::new(inner), role: role()?, external_id: text("external_id")? }
            }
            "ecsramrole" => Source::Ecs { role_name: text("ram_role_name")? },
            "ramrolearnwithrolename" => Source::RamRole {
                source: Box::new(Source::Ecs { role_name: text("ram_role_name")? }),
                role: role()?,
                external_id: text("external_id")?,
            },
            "oidc" => Source::Oidc { role: role()?, provider_arn: need("oidc_provider_arn")?, token_file: need("oidc_token_file")?.into() },
            "credentialsuri" => Source::Uri(need("credentials_uri")?),
            _ => return Ok(Some(Err(format!("mode {mode:?} is an interactive or external flow this client does not run")))),
        };
        Ok(Some(Ok(source)))
    }
}

/// `credentials.ini`: sections of `key = value`.
pub(crate) struct IniFile {
    path: PathBuf,
    sections: BTreeMap<String, BTreeMap<String, String>>,
}

impl IniFile {
    pub(super) fn read(path: &Path) -> Result<Self, CredentialsError> {
        let text =
            super::read_small_file(path, super::MAX_CREDENTIALS_FILE_BYTES).map_err(|e| malformed(path, format!("cannot read: {e}")))?;
        Self::parse(path, &text)
    }

    /// The names of its sections.
    pub(super) fn names(&self) -> Vec<String> {
        self.sections.keys().cloned().collect()
    }

    /// Parses the text of the file at `path` (named in errors).
    pub(super) fn parse(path: &Path, text: &str) -> Result<Self, CredentialsError> {
        let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut current: Option<String> = None;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            // Only whole lines are comments: Python also cuts values at `#`, which truncates a
            // secret that contains one.
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
            if let Some(values) = sections.get_mut(section) {
                values.insert(key.trim().to_owned(), value.trim().to_owned());
            }
        }
        Ok(Self { path: path.to_path_buf(), sections })
    }

    /// Section `profile`: `None` when absent, `Err(Ok(reason))` when its type is unsupported.
    pub(super) fn source(&self, profile: &str) -> Result<Option<Result<Source, Unsupported>>, CredentialsError> {
        let Some(values) = self.sections.get(profile) else { return Ok(None) };
        let path = &self.path;
        let get = |key: &str| values.get(key).filter(|v| !v.is_empty()).cloned();
        let need = |key: &str| get(key).ok_or_else(|| malformed(path, format!("profile [{profile}] has no {key}")));
        let ak = || -> Result<Credentials, CredentialsError> {
            Ok(Credentials::new(need("access_key_id")?, need("access_key_secret")?).with_source(format!("{} [{profile}]", path.display())))
        };
        let kind = get("type").unwrap_or_else(|| "access_key".into());
        let source = match kind.as_str() {
            "access_key" => Source::Static(ak()?),
            // Not an INI type of the official libraries (they refuse it), but unambiguous.
            "sts" => Source::Static(ak()?.with_security_token(need("security_token")?)),
            "ram_role_arn" => Source::RamRole {
                source: Box::new(Source::Static(ak()?)),
                role: Role {
                    arn: need("role_arn")?,
                    session_name: get("role_session_name"),
                    policy: get("policy"),
                    sts_region: get("sts_region"),
                    ..Role::default()
                },
                external_id: get("external_id"),
            },
            "oidc_role_arn" => Source::Oidc {
                role: Role { arn: need("role_arn")?, session_name: get("role_session_name"), policy: get("policy"), ..Role::default() },
                provider_arn: need("oidc_provider_arn")?,
                token_file: need("oidc_token_file_path")?.into(),
            },
            "ecs_ram_role" => Source::Ecs { role_name: get("role_name") },
            "rsa_key_pair" => {
                return Ok(Some(Err(format!(
                    "type {kind:?} uses the retired STS GenerateSessionAccessKey, which this client does not call"
                ))))
            }
            other => return Ok(Some(Err(format!("type {other:?} is not a credentials.ini type")))),
        };
        Ok(Some(Ok(source)))
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}
