//! The providers that fetch temporary credentials: STS `AssumeRole` and `AssumeRoleWithOIDC`,
//! the ECS instance metadata service, and a credentials URI (`credentials.md` §3–§6).
//!
//! Each fetches on every [`provide`](ProvideCredentials::provide); put it behind
//! [`Cached`](super::Cached) (the chain does) to share and refresh what it fetches.
//!
//! Longer than 500 lines on purpose: each provider of the official chain (RAM role, OIDC, ECS
//! metadata, credentials URI) with its request and its checks, side by side.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::fetch::{failed, json_body, refused, session_credentials, HttpContext, METADATA_TIMEOUTS, STS_TIMEOUTS};
use super::{sts_rules, Credentials, CredentialsError, ProvideCredentials, ProvideFuture};
use crate::service::HttpMethod;
use crate::sign::{format_timestamp, percent_encode, sign_rpc};
use crate::transport::HttpRequest;

const STS_VERSION: &str = "2015-04-01";
const DEFAULT_DURATION: u32 = 3600;

fn invalid(message: impl Into<String>) -> CredentialsError {
    CredentialsError::Invalid(message.into())
}

/// Where STS calls go: `https://sts.aliyuncs.com`, a regional or VPC endpoint, or your own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsEndpoint {
    base: String,
}

impl Default for StsEndpoint {
    fn default() -> Self {
        Self::global()
    }
}

impl StsEndpoint {
    /// `sts.aliyuncs.com`.
    pub fn global() -> Self {
        Self { base: "https://sts.aliyuncs.com".into() }
    }

    /// `sts.<region>.aliyuncs.com`, or `sts-vpc.<region>.aliyuncs.com` from inside a VPC.
    pub fn regional(region: &str, vpc: bool) -> Result<Self, CredentialsError> {
        if region.is_empty() || !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(invalid(format!("STS region {:?} is not a region id such as cn-hangzhou", super::printable(region, 64))));
        }
        let prefix = if vpc { "sts-vpc" } else { "sts" };
        Ok(Self { base: format!("https://{prefix}.{region}.aliyuncs.com") })
    }

    /// An endpoint of your own: `host`, `host:port` (HTTPS), or a URL. Plain `http://` is
    /// accepted only for loopback hosts (a local emulator): STS answers carry secrets.
    pub fn custom(endpoint: &str) -> Result<Self, CredentialsError> {
        let with_scheme = if endpoint.contains("://") { endpoint.to_owned() } else { format!("https://{endpoint}") };
        let bad = |why: &str| invalid(format!("STS endpoint {:?} {why}", super::printable(endpoint, 200)));
        let url = Url::parse(&with_scheme).map_err(|e| bad(&format!("is not a host or URL: {e}")))?;
        if !matches!(url.path(), "" | "/") || url.query().is_some() || url.has_user() {
            return Err(bad("must be a host, host:port or scheme://host:port, without path, query or user"));
        }
        let host = url.host().ok_or_else(|| bad("has no host"))?;
        match url.scheme_str().unwrap_or_default() {
            "https" => {}
            "http" if crate::endpoint::is_loopback_host(host) => {}
            "http" => return Err(bad("uses plain http to a host that is not loopback")),
            other => return Err(bad(&format!("has scheme {other:?}; use https"))),
        }
        Ok(Self { base: with_scheme.trim_end_matches('/').to_owned() })
    }

    /// From a profile's or the environment's settings: an explicit endpoint wins, then a region
    /// (with VPC), then the global endpoint. (VPC without a region is ignored, as officially.)
    pub(crate) fn resolve(explicit: Option<&str>, region: Option<&str>, vpc: bool) -> Result<Self, CredentialsError> {
        match (explicit, region) {
            (Some(endpoint), _) => Self::custom(endpoint),
            (None, Some(region)) => Self::regional(region, vpc),
            (None, None) => Ok(Self::global()),
        }
    }

    /// The base URL, `https://host[:port]`.
    pub fn url(&self) -> &str {
        &self.base
    }
}

/// What `AssumeRole` and `AssumeRoleWithOIDC` share: the role, session, duration, policy and
/// endpoint, and the checks STS documents for them.
#[derive(Debug, Clone)]
struct RoleSession {
    role_arn: String,
    session_name: Option<String>,
    duration: u32,
    policy: Option<String>,
    endpoint: StsEndpoint,
    http: HttpContext,
}

impl RoleSession {
    fn new(role_arn: String) -> Self {
        Self {
            role_arn,
            session_name: None,
            duration: DEFAULT_DURATION,
            policy: None,
            endpoint: StsEndpoint::global(),
            http: HttpContext::default(),
        }
    }

    fn check(&self, provider: &str) -> Result<(), CredentialsError> {
        let bad = |what: String| invalid(format!("{provider}: {what}"));
        if !sts_rules::is_arn(&self.role_arn, "role/") {
            return Err(bad(format!(
                "role ARN {:?} is not of the form acs:ram::<account>:role/<name>",
                super::printable(&self.role_arn, 200)
            )));
        }
        if !sts_rules::DURATION_SECONDS.contains(&u64::from(self.duration)) {
            return Err(bad(format!("duration {} s is outside 900…43200 s", self.duration)));
        }
        if let Some(name) = self.session_name.as_deref().filter(|n| !sts_rules::is_session_name(n)) {
            return Err(bad(format!("session name {:?} must be 2–64 of A–Z a–z 0–9 . @ - _", super::printable(name, 80))));
        }
        if self.policy.as_deref().is_some_and(|p| !sts_rules::is_policy(p)) {
            return Err(bad("policy must be a JSON object of 1–2048 characters".into()));
        }
        Ok(())
    }

    /// The session name, or `acs-rust-<unix seconds>` (the official libraries use
    /// `credentials-<language>-<time>`).
    fn session_name(&self) -> String {
        self.session_name.clone().unwrap_or_else(|| {
            let secs = self.http.now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
            format!("acs-rust-{secs}")
        })
    }

    async fn call(
        &self,
        provider: &str,
        method: HttpMethod,
        query: &[(String, String)],
        form: &[(String, String)],
    ) -> Result<Credentials, CredentialsError> {
        let mut headers: Vec<(crate::transport::HeaderText, crate::transport::HeaderText)> =
            vec![("user-agent".into(), self.http.user_agent.clone())];
        let body = if form.is_empty() {
            Vec::new()
        } else {
            headers.push(("content-type".into(), "application/x-www-form-urlencoded".into()));
            encode_pairs(form).into_bytes()
        };
        let request = HttpRequest { method, url: format!("{}/?{}", self.endpoint.url(), encode_pairs(query)), headers, body };
        let response = self.http.send(provider, false, request, STS_TIMEOUTS).await?;
        let answer = json_body(provider, &response)?;
        let credentials = answer.get("Credentials").ok_or_else(|| failed(provider, "the answer has no Credentials"))?;
        session_credentials(provider, credentials)
    }
}

/// The setters `AssumeRole` and `AssumeRoleWithOIDC` share (both keep them in `session`).
macro_rules! role_setters {
    () => {
        /// `RoleSessionName` (default `acs-rust-<unix seconds>`).
        pub fn session_name(mut self, name: impl Into<String>) -> Self {
            self.session.session_name = Some(name.into());
            self
        }

        /// `DurationSeconds` (default 3600; 900 up to the role's maximum session duration).
        pub fn duration(mut self, duration: Duration) -> Self {
            self.session.duration = u32::try_from(duration.as_secs()).unwrap_or(u32::MAX);
            self
        }

        /// A policy (JSON) that narrows what the session may do.
        pub fn policy(mut self, policy: impl Into<String>) -> Self {
            self.session.policy = Some(policy.into());
            self
        }

        /// Where STS is (default `sts.aliyuncs.com`).
        pub fn sts_endpoint(mut self, endpoint: StsEndpoint) -> Self {
            self.session.endpoint = endpoint;
            self
        }

        /// Transport, clock, nonces and user agent.
        pub fn http(mut self, http: HttpContext) -> Self {
            self.session.http = http;
            self
        }
    };
}

fn encode_pairs(pairs: &[(String, String)]) -> String {
    crate::sign::encode_pairs(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

fn pair(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_owned(), value.into())
}

/// Credentials of a RAM role, assumed with STS `AssumeRole` over source credentials (an
/// AccessKey, an STS token, or any provider).
///
/// The request is the one the official Python and Java libraries send: `GET /` with every
/// parameter in the query, RPC HMAC-SHA1 signed with the source secret (`SecurityToken` added
/// for an STS source).
#[derive(Debug, Clone)]
pub struct RamRoleArn {
    source: Arc<dyn ProvideCredentials>,
    session: RoleSession,
    external_id: Option<String>,
}

impl RamRoleArn {
    /// Assumes `role_arn` (`acs:ram::<account>:role/<name>`) with the credentials of `source`.
    pub fn new(source: Arc<dyn ProvideCredentials>, role_arn: impl Into<String>) -> Self {
        Self { source, session: RoleSession::new(role_arn.into()), external_id: None }
    }

    role_setters!();

    /// `ExternalId`, for roles that require one.
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// The checks STS documents for these settings, without a request.
    pub fn check(&self) -> Result<(), CredentialsError> {
        self.session.check("ram_role_arn")?;
        if self.external_id.as_deref().is_some_and(|id| !sts_rules::is_external_id(id)) {
            return Err(invalid("ram_role_arn: external id must be 2–1224 of A–Z a–z 0–9 _ + = , . @ : / -"));
        }
        Ok(())
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        const PROVIDER: &str = "ram_role_arn";
        self.check()?;
        let source = self.source.provide().await.map_err(|e| failed(PROVIDER, format!("the source credentials: {e}")))?;
        source.check_usable()?;
        let s = &self.session;
        let (timestamp, nonce) = (format_timestamp(s.http.now()), (s.http.nonce)());
        let mut params: Vec<(String, String)> =
            crate::sign::rpc_common("AssumeRole", crate::sign::RPC_FORMAT_STS, STS_VERSION, &timestamp, &nonce)
                .iter()
                .map(|(n, v)| pair(n, *v))
                .collect();
        params.extend([
            pair("DurationSeconds", s.duration.to_string()),
            pair("RoleArn", s.role_arn.as_str()),
            pair("RoleSessionName", s.session_name()),
            pair("SignatureMethod", "HMAC-SHA1"),
            pair("SignatureVersion", "1.0"),
        ]);
        if let Some(policy) = &s.policy {
            params.push(pair("Policy", policy.as_str()));
        }
        if let Some(id) = &self.external_id {
            params.push(pair("ExternalId", id.as_str()));
        }
        params.push(pair("AccessKeyId", source.access_key_id()));
        if let Some(token) = source.security_token() {
            params.push(pair("SecurityToken", token.expose()));
        }
        let signature = sign_rpc("GET", "/", &params, source.access_key_secret().expose()).signature;
        params.push(pair("Signature", signature));
        s.call(PROVIDER, HttpMethod::Get, &params, &[]).await
    }
}

impl ProvideCredentials for RamRoleArn {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(self.fetch())
    }
}

/// Credentials of a RAM role assumed with an OIDC token (RRSA on ACK): STS
/// `AssumeRoleWithOIDC`, unsigned.
///
/// The token file is read anew for every fetch (the platform rotates it). The request is a
/// `POST` with the token in a form body, as the Go and Java libraries send it, not in the query
/// as Python does: tokens run to thousands of characters and URLs end up in logs.
#[derive(Debug, Clone)]
pub struct OidcRoleArn {
    session: RoleSession,
    provider_arn: String,
    token_file: PathBuf,
}

impl OidcRoleArn {
    /// Assumes `role_arn` as the identity provider `provider_arn` with the token in `token_file`.
    pub fn new(role_arn: impl Into<String>, provider_arn: impl Into<String>, token_file: impl Into<PathBuf>) -> Self {
        Self { session: RoleSession::new(role_arn.into()), provider_arn: provider_arn.into(), token_file: token_file.into() }
    }

    role_setters!();

    /// The checks STS documents for these settings, without a request.
    pub fn check(&self) -> Result<(), CredentialsError> {
        self.session.check("oidc_role_arn")?;
        if !sts_rules::is_arn(&self.provider_arn, "oidc-provider/") {
            return Err(invalid(format!(
                "oidc_role_arn: OIDC provider ARN {:?} is not of the form acs:ram::<account>:oidc-provider/<name>",
                super::printable(&self.provider_arn, 200)
            )));
        }
        if self.token_file.as_os_str().is_empty() {
            return Err(invalid("oidc_role_arn: no OIDC token file"));
        }
        Ok(())
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        const PROVIDER: &str = "oidc_role_arn";
        self.check()?;
        // Off the async runtime's threads, bounded, regular files only: a FIFO, a device or an
        // endless file cannot stall or exhaust the caller.
        let path = self.token_file.clone();
        let token = tokio::task::spawn_blocking(move || super::read_small_file(&path, super::MAX_TOKEN_FILE_BYTES))
            .await
            .map_err(|e| failed(PROVIDER, format!("cannot read the OIDC token file: {e}")))?
            .map_err(|e| failed(PROVIDER, format!("cannot read the OIDC token file {}: {e}", self.token_file.display())))?;
        if token.trim().is_empty() {
            return Err(failed(PROVIDER, format!("the OIDC token file {} is empty", self.token_file.display())));
        }
        let s = &self.session;
        // The common parameters but the nonce: the call is unsigned, and the official library
        // sends none.
        let timestamp = format_timestamp(s.http.now());
        let query: Vec<(String, String)> =
            crate::sign::rpc_common("AssumeRoleWithOIDC", crate::sign::RPC_FORMAT_STS, STS_VERSION, &timestamp, "")[..4]
                .iter()
                .map(|(n, v)| pair(n, *v))
                .collect();
        let mut form = vec![
            pair("DurationSeconds", s.duration.to_string()),
            pair("RoleArn", s.role_arn.as_str()),
            pair("OIDCProviderArn", self.provider_arn.as_str()),
            pair("OIDCToken", token),
            pair("RoleSessionName", s.session_name()),
        ];
        if let Some(policy) = &s.policy {
            form.push(pair("Policy", policy.as_str()));
        }
        s.call(PROVIDER, HttpMethod::Post, &query, &form).await
    }
}

impl ProvideCredentials for OidcRoleArn {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(self.fetch())
    }
}

const TOKEN_HEADER: &str = "X-aliyun-ecs-metadata-token";
const TOKEN_TTL_HEADER: &str = "X-aliyun-ecs-metadata-token-ttl-seconds";
const CREDENTIALS_PATH: &str = "/latest/meta-data/ram/security-credentials/";

/// The RAM role of this ECS instance, from the instance metadata service (`100.100.100.200`,
/// plain HTTP, never through a proxy).
///
/// Hardened mode first: a session token (`PUT /latest/api/token`) accompanies the reads. If the
/// token cannot be had, or a read with it is refused, the read is repeated without it, unless
/// [`EcsRamRole::hardened_only`] (`ALIBABA_CLOUD_IMDSV1_DISABLED=true`) forbids that. Without a
/// role name, the name is discovered once and kept.
#[derive(Debug)]
pub struct EcsRamRole {
    role_name: Option<String>,
    endpoint: String,
    hardened_only: bool,
    http: HttpContext,
    discovered: Mutex<Option<String>>,
}

impl EcsRamRole {
    /// The instance's role; `role_name` skips discovering it.
    pub fn new(role_name: Option<String>) -> Self {
        Self {
            role_name: role_name.filter(|n| !n.is_empty()),
            endpoint: "http://100.100.100.200".into(),
            hardened_only: false,
            http: HttpContext::default(),
            discovered: Mutex::new(None),
        }
    }

    /// Never read the metadata without a session token.
    pub fn hardened_only(mut self, yes: bool) -> Self {
        self.hardened_only = yes;
        self
    }

    /// Another metadata service (a test double): `http://host:port`.
    pub fn endpoint(mut self, endpoint: &str) -> Result<Self, CredentialsError> {
        let url = Url::parse(endpoint)
            .map_err(|e| invalid(format!("ECS metadata endpoint {:?} is not a URL: {e}", super::printable(endpoint, 200))))?;
        if !matches!(url.scheme_str(), Some("http" | "https"))
            || url.host().is_none()
            || !matches!(url.path(), "" | "/")
            || url.query().is_some()
            || url.has_user()
        {
            return Err(invalid(format!("ECS metadata endpoint {:?} must be http(s)://host[:port]", super::printable(endpoint, 200))));
        }
        self.endpoint = endpoint.trim_end_matches('/').to_owned();
        Ok(self)
    }

    /// Transport and user agent.
    pub fn http(mut self, http: HttpContext) -> Self {
        self.http = http;
        self
    }

    const PROVIDER: &'static str = "ecs_ram_role";

    async fn send(&self, method: HttpMethod, path: &str, headers: Vec<(String, String)>) -> Result<crate::HttpResponse, CredentialsError> {
        let mut all: Vec<(crate::transport::HeaderText, crate::transport::HeaderText)> =
            vec![("user-agent".into(), self.http.user_agent.clone())];
        all.extend(headers.into_iter().map(|(n, v)| (n.into(), v.into())));
        let request = HttpRequest { method, url: format!("{}{path}", self.endpoint), headers: all, body: Vec::new() };
        self.http.send(Self::PROVIDER, true, request, METADATA_TIMEOUTS).await
    }

    async fn token(&self) -> Result<String, CredentialsError> {
        // `Content-Length: 0` spelled out, as the official libraries send it: some HTTP stacks
        // omit it for an empty PUT, and a metadata service may insist on it.
        let headers = vec![(TOKEN_TTL_HEADER.into(), "21600".into()), ("content-length".into(), "0".into())];
        let response = self.send(HttpMethod::Put, "/latest/api/token", headers).await?;
        if response.status != 200 {
            return Err(failed(Self::PROVIDER, format!("the metadata service refused a session token: HTTP {}", response.status)));
        }
        String::from_utf8(response.body).map_err(|_| failed(Self::PROVIDER, "the metadata session token is not text"))
    }

    /// `GET path`, with the token if there is one; without it once more if that is refused and
    /// allowed.
    async fn read(&self, path: &str, token: Option<&str>) -> Result<Vec<u8>, CredentialsError> {
        let with_token = match token {
            Some(token) => Some(self.send(HttpMethod::Get, path, vec![(TOKEN_HEADER.into(), token.into())]).await),
            None => None,
        };
        let response = match with_token {
            Some(Ok(r)) if r.status == 200 => r,
            Some(outcome) if self.hardened_only => return Err(self.read_failed(outcome)),
            _ => self.send(HttpMethod::Get, path, Vec::new()).await?,
        };
        if response.status != 200 {
            return Err(self.read_failed(Ok(response)));
        }
        Ok(response.body)
    }

    fn read_failed(&self, outcome: Result<crate::HttpResponse, CredentialsError>) -> CredentialsError {
        match outcome {
            Ok(r) => failed(Self::PROVIDER, format!("the metadata service answered HTTP {} for the role credentials", r.status)),
            Err(e) => e,
        }
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let token = match self.token().await {
            Ok(token) => Some(token),
            Err(e) if self.hardened_only => return Err(e),
            Err(_) => None,
        };
        let known = self.role_name.clone().or_else(|| self.discovered.lock().unwrap_or_else(|e| e.into_inner()).clone());
        let role = match known {
            Some(role) => role,
            None => {
                let body = self.read(CREDENTIALS_PATH, token.as_deref()).await?;
                let name = String::from_utf8_lossy(&body).trim().to_owned();
                if name.is_empty() || name.contains(['/', '\n']) {
                    return Err(failed(Self::PROVIDER, "this instance has no RAM role attached"));
                }
                *self.discovered.lock().unwrap_or_else(|e| e.into_inner()) = Some(name.clone());
                name
            }
        };
        let body = self.read(&format!("{CREDENTIALS_PATH}{}", percent_encode(&role)), token.as_deref()).await.inspect_err(|_| {
            // A role detached or renamed since it was discovered is found again next time.
            *self.discovered.lock().unwrap_or_else(|e| e.into_inner()) = None;
        })?;
        let answer: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| failed(Self::PROVIDER, format!("the answer is not JSON: {e}")))?;
        if answer.get("Code").and_then(|c| c.as_str()) != Some("Success") {
            let code = answer.get("Code").and_then(|c| c.as_str()).unwrap_or("(none)");
            return Err(failed(Self::PROVIDER, format!("the metadata service answered Code {:?}", super::printable(code, 80))));
        }
        session_credentials(Self::PROVIDER, &answer)
    }
}

impl ProvideCredentials for EcsRamRole {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(self.fetch())
    }
}

/// Credentials from a URI of your own: `GET <uri>` answers `{"Code": "Success", "AccessKeyId",
/// "AccessKeySecret", "SecurityToken", "Expiration"}`.
#[derive(Debug, Clone)]
pub struct CredentialsUri {
    uri: String,
    http: HttpContext,
}

impl CredentialsUri {
    /// `uri` is `http(s)://host[:port]/path?query`, or without a scheme for `http`.
    pub fn new(uri: &str) -> Result<Self, CredentialsError> {
        let uri = if uri.contains("://") { uri.to_owned() } else { format!("http://{uri}") };
        let url = Url::parse(&uri).map_err(|e| {
            invalid(format!("credentials URI {:?} is not a URL: {e}", super::printable(&super::without_userinfo(&uri), 200)))
        })?;
        if !matches!(url.scheme_str(), Some("http" | "https")) || url.host().is_none() || url.has_user() {
            return Err(invalid(format!(
                "credentials URI {:?} must be http(s)://host… (without user information)",
                super::printable(&super::without_userinfo(&uri), 200)
            )));
        }
        Ok(Self { uri, http: HttpContext::default() })
    }

    /// Transport and user agent.
    pub fn http(mut self, http: HttpContext) -> Self {
        self.http = http;
        self
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        const PROVIDER: &str = "credentials_uri";
        let request = HttpRequest {
            method: HttpMethod::Get,
            url: self.uri.clone(),
            headers: vec![("user-agent".into(), self.http.user_agent.clone())],
            body: Vec::new(),
        };
        let response = self.http.send(PROVIDER, false, request, STS_TIMEOUTS).await?;
        let answer = json_body(PROVIDER, &response)?;
        if answer.get("Code").and_then(|c| c.as_str()) != Some("Success") {
            return Err(refused(PROVIDER, &response));
        }
        session_credentials(PROVIDER, &answer)
    }
}

impl ProvideCredentials for CredentialsUri {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(self.fetch())
    }
}

/// An absolute `http(s)://` URL as the providers check it: the `http` crate's parser (which
/// the transport uses too), so what passes here is what the transport can send.
struct Url(http::Uri);

impl Url {
    fn parse(text: &str) -> Result<Self, String> {
        let uri: http::Uri = text.parse().map_err(|e: http::uri::InvalidUri| e.to_string())?;
        if uri.scheme().is_none() || uri.authority().is_none() {
            return Err("not an absolute URL".into());
        }
        Ok(Self(uri))
    }

    fn scheme_str(&self) -> Option<&str> {
        self.0.scheme_str()
    }

    fn host(&self) -> Option<&str> {
        self.0.host().filter(|h| !h.is_empty())
    }

    fn path(&self) -> &str {
        self.0.path()
    }

    fn query(&self) -> Option<&str> {
        self.0.query()
    }

    /// `user[:password]@` before the host.
    fn has_user(&self) -> bool {
        self.0.authority().is_some_and(|a| a.as_str().contains('@'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sts_endpoints_follow_region_vpc_and_refuse_plain_http_off_loopback() {
        assert_eq!(StsEndpoint::resolve(None, None, true).unwrap().url(), "https://sts.aliyuncs.com");
        assert_eq!(StsEndpoint::resolve(None, Some("cn-hangzhou"), true).unwrap().url(), "https://sts-vpc.cn-hangzhou.aliyuncs.com");
        assert_eq!(StsEndpoint::resolve(None, Some("cn-hangzhou"), false).unwrap().url(), "https://sts.cn-hangzhou.aliyuncs.com");
        assert_eq!(StsEndpoint::resolve(Some("sts.example.com:8443"), Some("x"), false).unwrap().url(), "https://sts.example.com:8443");
        assert_eq!(StsEndpoint::custom("http://127.0.0.1:9000/").unwrap().url(), "http://127.0.0.1:9000");
        for bad in ["http://sts.example.com", "ftp://x", "https://x/path", "a b", "https://u:p@x"] {
            let err = StsEndpoint::custom(bad).unwrap_err();
            assert!(matches!(err, CredentialsError::Invalid(_)), "{bad}: {err}");
        }
        assert!(StsEndpoint::regional("cn-hangzhou.evil.com/", false).is_err());
    }

    #[test]
    fn metadata_and_credentials_uris_are_checked_with_the_transports_parser() {
        for good in ["http://127.0.0.1:8080", "http://100.100.100.200/", "https://[::1]:9"] {
            assert!(EcsRamRole::new(None).endpoint(good).is_ok(), "{good}");
        }
        for bad in ["127.0.0.1", "ftp://x", "http://x/latest", "http://x/?a=1", "http://u:p@x", "http://", "not a url"] {
            assert!(matches!(EcsRamRole::new(None).endpoint(bad), Err(CredentialsError::Invalid(_))), "{bad}");
        }
        for good in ["http://127.0.0.1:8080/credentials?role=a", "localhost:8080/c", "https://creds.example.com/x"] {
            assert!(CredentialsUri::new(good).is_ok(), "{good}");
        }
        for bad in ["ftp://x/c", "http://u:p@x/c", "http:///c", "http://a b/c"] {
            assert!(matches!(CredentialsUri::new(bad), Err(CredentialsError::Invalid(_))), "{bad}");
        }
    }

    #[test]
    fn role_settings_are_checked_before_any_request() {
        let source: Arc<dyn ProvideCredentials> = Arc::new(Credentials::new("id", "secret"));
        let role = || RamRoleArn::new(source.clone(), "acs:ram::123:role/r");
        role().check().unwrap();
        assert!(role().duration(Duration::from_secs(899)).check().unwrap_err().to_string().contains("duration 899 s"));
        assert!(RamRoleArn::new(source.clone(), "r").check().unwrap_err().to_string().contains("not of the form"));
        assert!(role().session_name("a b").check().is_err());
        assert!(role().external_id("x").check().is_err());
        assert!(role().policy("").check().is_err());
        let oidc = OidcRoleArn::new("acs:ram::1:role/r", "acs:ram::1:role/p", "/t");
        assert!(oidc.check().unwrap_err().to_string().contains("oidc-provider"));
    }
}
