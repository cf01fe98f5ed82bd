//! How a client is set up: [`Config`] per client, [`CallOptions`] per call, the retry policy
//! and the signature version.
//!
//! Longer than 500 lines on purpose: every setting of a client is one documented builder method
//! here, with its default, so a reader finds them all in one place.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub(crate) use crate::credentials::DEFAULT_USER_AGENT;
use crate::credentials::{Chain, Credentials, Environment, ProvideCredentials};
pub use crate::credentials::{Clock, NonceSource};
use crate::sign;
use crate::transport::{Timeouts, Transport};

/// Which signature the client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureVersion {
    /// ACS3-HMAC-SHA256: `Authorization` header, business parameters only in the query.
    #[default]
    V3,
    /// RPC HMAC-SHA1, SignatureVersion 1.0: common parameters and `Signature` in the query.
    Rpc,
}

/// When and how often a failed attempt is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retries). Default 3.
    pub max_attempts: u32,
    /// Back-off before the second attempt; doubled each time, with jitter. Default 100 ms.
    pub base_delay: Duration,
    /// Longest wait between attempts, also for `x-acs-retry-after`. Default 20 s.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 3, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(20) }
    }
}

impl RetryPolicy {
    /// One attempt only.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// Exponential back-off with "equal jitter": half the step, plus up to the other half.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let step = self.base_delay.saturating_mul(1u32 << retry.min(20)).min(self.max_delay);
        let half = step / 2;
        half + Duration::from_nanos(fastrand::u64(0..=half.as_nanos().min(u64::MAX as u128) as u64))
    }
}

/// The retry budget: each retry costs tokens, each success gives some back, so a service that
/// keeps failing gets fewer retries instead of more. The defaults are the AWS SDKs': 500 tokens,
/// 5 a retry, 10 a retry after a timeout, 1 back for a first-attempt success and the retry's
/// cost back for a retried success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryBudget {
    /// Tokens a client starts with, and the most it holds.
    pub capacity: u32,
    /// What a retry costs.
    pub retry_cost: u32,
    /// What a retry after a timeout costs (a timeout burdens the service more).
    pub timeout_retry_cost: u32,
    /// What a call that succeeded at its first attempt gives back.
    pub success_refund: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self { capacity: 500, retry_cost: 5, timeout_retry_cost: 10, success_refund: 1 }
    }
}

impl RetryBudget {
    /// A budget of `capacity` tokens with the default costs.
    pub fn with_capacity(capacity: u32) -> Self {
        Self { capacity, ..Self::default() }
    }
}

/// How a client paces its retries and sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RetryMode {
    /// Retries within the policy's attempts and the client's budget.
    #[default]
    Standard,
    /// Standard, and after the first throttling answer every attempt waits for the client's
    /// send rate, which throttling halves (roughly) and successes grow back (CUBIC).
    Adaptive,
}

/// How a client is set up. Every setting has a working default except where calls go: a region
/// (or each request's `RegionId`) or an explicit endpoint.
#[derive(Clone)]
pub struct Config {
    pub(crate) chain: Chain,
    pub(crate) provider: Option<Arc<dyn ProvideCredentials>>,
    pub(crate) environment: Option<Environment>,
    pub(crate) region: Option<String>,
    pub(crate) endpoint: Option<String>,
    pub(crate) network: Option<String>,
    pub(crate) signature: SignatureVersion,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryPolicy,
    pub(crate) retry_budget: Option<RetryBudget>,
    pub(crate) retry_mode: RetryMode,
    pub(crate) validate: bool,
    pub(crate) allow_http: bool,
    pub(crate) deadline: Option<Duration>,
    pub(crate) max_response_bytes: usize,
    pub(crate) min_throughput: Option<crate::transport::MinThroughput>,
    pub(crate) transport: Option<Arc<dyn Transport>>,
    pub(crate) clock: Clock,
    pub(crate) nonce: NonceSource,
    pub(crate) user_agent: std::borrow::Cow<'static, str>,
    pub(crate) extra_headers: Vec<(String, String)>,
    pub(crate) extra_query: Vec<(String, String)>,
    pub(crate) interceptors: Vec<Arc<dyn crate::interceptor::Interceptor>>,
    pub(crate) tls: Option<crate::transport::TlsSettings>,
    pub(crate) proxy: Option<String>,
    /// The default transports built with `tls` and `proxy` ([`Config::build_transports`]).
    pub(crate) built: Option<BuiltTransports>,
    /// Whether `user_agent` was set ([`Config::user_agent`]); if not, `ALIBABA_CLOUD_USER_AGENT`
    /// is appended to the default.
    pub(crate) user_agent_set: bool,
    /// The provider the chain built for the first client of this config, shared by every later
    /// client (and clones of the config), so they share one cache and one refresh. A setter that
    /// changes what the chain is built from starts a new one.
    pub(crate) shared: Arc<std::sync::Mutex<Option<Arc<dyn ProvideCredentials>>>>,
}

/// The default limit on a whole call, retries and credentials included ([`Config::deadline`]).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

impl Default for Config {
    fn default() -> Self {
        Self {
            chain: Chain::new(),
            provider: None,
            environment: None,
            region: None,
            endpoint: None,
            network: None,
            signature: SignatureVersion::V3,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            retry_budget: Some(RetryBudget::default()),
            retry_mode: RetryMode::Standard,
            validate: true,
            allow_http: false,
            deadline: Some(DEFAULT_DEADLINE),
            max_response_bytes: crate::transport::DEFAULT_MAX_RESPONSE_BYTES,
            min_throughput: Some(crate::transport::MinThroughput::DEFAULT),
            transport: None,
            // The default clock: the one place a client reads the system's.
            #[allow(clippy::disallowed_methods)]
            clock: Arc::new(SystemTime::now),
            nonce: Arc::new(sign::new_nonce),
            user_agent: DEFAULT_USER_AGENT.into(),
            extra_headers: Vec::new(),
            extra_query: Vec::new(),
            interceptors: Vec::new(),
            tls: None,
            proxy: None,
            built: None,
            user_agent_set: false,
            shared: Arc::default(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("credentials", &self.chain)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("network", &self.network)
            .field("signature", &self.signature)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("retry_budget", &self.retry_budget)
            .field("retry_mode", &self.retry_mode)
            .field("validate", &self.validate)
            .field("deadline", &self.deadline)
            .field("extra_headers", &self.extra_headers)
            .field("extra_query", &self.extra_query)
            .field("interceptors", &self.interceptors.len())
            .field("tls", &self.tls)
            .field("proxy", &self.proxy.as_deref().map(crate::text::without_userinfo))
            .finish_non_exhaustive()
    }
}

/// The default transports of a config with TLS or proxy settings: the client's, and the
/// credentials providers' (the metadata service's never through a proxy).
#[derive(Clone)]
pub(crate) struct BuiltTransports {
    pub(crate) client: Arc<dyn Transport>,
    sts: Arc<dyn Transport>,
    metadata: Arc<dyn Transport>,
}

impl Config {
    /// Builds the default transports when TLS or proxy settings ask for other ones than the
    /// defaults (and no transport of the caller's replaces them): files read and checked here,
    /// so a bad one fails the client's construction, naming the file.
    pub(crate) fn build_transports(&mut self) -> Result<(), crate::Error> {
        if self.transport.is_some() || (self.tls.is_none() && self.proxy.is_none()) || self.built.is_some() {
            return Ok(());
        }
        let make = |limit: usize, proxied: bool| -> Result<crate::transport::HttpTransport, crate::Error> {
            let mut transport = crate::transport::HttpTransport::new().max_response_bytes(limit);
            if let Some(tls) = &self.tls {
                transport = transport.tls(tls).map_err(|e| crate::Error::Config(e.message))?;
            }
            match (&self.proxy, proxied) {
                (_, false) => transport = transport.without_proxy(),
                (Some(proxy), true) => transport = transport.with_proxy(proxy, "").map_err(|e| crate::Error::Config(e.message))?,
                (None, true) => {}
            }
            Ok(transport)
        };
        let answers = crate::credentials::MAX_ANSWER_BYTES;
        self.built = Some(BuiltTransports {
            client: Arc::new(make(self.max_response_bytes, true)?.min_throughput(self.min_throughput)),
            sts: Arc::new(make(answers, true)?),
            metadata: Arc::new(make(answers, false)?),
        });
        Ok(())
    }

    /// The credentials provider of this config: built by the chain once, then shared.
    pub(crate) fn shared_provider(&self) -> Result<Arc<dyn ProvideCredentials>, crate::credentials::CredentialsError> {
        let environment = self.environment.clone().unwrap_or_else(Environment::process);
        // A variable this client reads that is not UTF-8 is an error, never "unset".
        environment.check_utf8()?;
        if let Some(provider) = &self.provider {
            return Ok(provider.clone());
        }
        let mut slot = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(provider) = &*slot {
            return Ok(provider.clone());
        }
        let provider = self.chain.build(&environment, &self.credentials_http())?;
        *slot = Some(provider.clone());
        Ok(provider)
    }

    /// A fresh slot for the shared provider: what it is built from has changed.
    fn rebuilt(mut self) -> Self {
        self.shared = Arc::default();
        self
    }

    /// How the credentials providers reach the network: this config's transport (if any),
    /// clock, nonces and user agent.
    pub(crate) fn credentials_http(&self) -> crate::credentials::HttpContext {
        let mut http = crate::credentials::HttpContext::default()
            .clock(self.clock.clone())
            .nonce_source(self.nonce.clone())
            .user_agent(self.effective_user_agent());
        if let Some(transport) = &self.transport {
            http = http.transport(transport.clone());
        } else if let Some(built) = &self.built {
            http.transport = built.sts.clone();
            http.metadata_transport = built.metadata.clone();
        }
        http
    }

    /// The defaults: credentials from the chain, V3 signatures, 5 s / 10 s timeouts, 3 attempts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Static credentials (skips the rest of the chain).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.chain = self.chain.with_static(credentials);
        self.rebuilt()
    }

    /// A credentials provider of your own (or one that refreshes), asked before every attempt;
    /// replaces the default chain.
    pub fn credentials_provider(mut self, provider: Arc<dyn ProvideCredentials>) -> Self {
        self.provider = Some(provider);
        self
    }

    /// The profile the chain reads from the credentials files.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.chain = self.chain.with_profile(profile);
        self.rebuilt()
    }

    /// The environment the chain reads (default: this process's).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self.rebuilt()
    }

    /// The region whose endpoint to call (default: each request's `RegionId`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// An explicit endpoint: a host, `host:port`, or a URL such as `http://127.0.0.1:8080`. It
    /// wins over the region and the network.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// A header sent (and signed) with every call of this client, as the official SDKs'
    /// `globalParameters`; add it again for several. A header the signer sets, or one that cannot
    /// be sent, fails each call with [`crate::Error::Config`], as does one the request also sets.
    ///
    /// ```
    /// let config = acs_runtime::Config::new().header("x-acs-resourcegroupid", "rg-123").query("ClientIp", "10.0.0.1");
    /// # let _ = config;
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.into(), value.into()));
        self
    }

    /// A query parameter sent (and signed) with every call of this client; the same rules as
    /// [`Config::header`].
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_query.push((name.into(), value.into()));
        self
    }

    /// Runs `interceptor` at every attempt of every call: it may add headers before signing
    /// and sees each signed request and its answer, secrets redacted. Interceptors run in the
    /// order added.
    pub fn interceptor(mut self, interceptor: Arc<dyn crate::interceptor::Interceptor>) -> Self {
        self.interceptors.push(interceptor);
        self
    }

    /// TLS settings of the default transport, and of the credentials providers' ([`TlsSettings`](crate::transport::TlsSettings):
    /// a CA bundle, a client certificate, the lowest TLS version). Without them, the
    /// environment's (`SSL_CERT_FILE`, `REQUESTS_CA_BUNDLE`) apply. A file that cannot be used
    /// fails [`Client::new`](crate::Client::new) with [`crate::Error::Config`], naming it.
    /// Ignored with a transport of your own ([`Config::transport`]).
    pub fn tls(mut self, settings: crate::transport::TlsSettings) -> Self {
        self.tls = Some(settings);
        self.built = None;
        self.rebuilt()
    }

    /// Sends every call, and the credentials providers' requests but the metadata service's,
    /// through `proxy`: `http://`, `socks5://` or `socks5h://`, with an optional
    /// `user:password@` (see [`HttpTransport::with_proxy`](crate::transport::HttpTransport::with_proxy)).
    /// Without it, the environment's proxies apply. Ignored with a transport of your own.
    pub fn proxy(mut self, proxy: impl Into<String>) -> Self {
        self.proxy = Some(proxy.into());
        self.built = None;
        self.rebuilt()
    }

    /// The network type whose endpoints to call, as the official SDKs' `network` and
    /// aliyun-cli's `--endpoint-type`: `vpc` calls `<product>-vpc.<region>.aliyuncs.com` from
    /// inside a VPC (`public`, the default, the public endpoints). A host the metadata lists
    /// off the product's rule is used on every network, as the official SDKs do; an explicit
    /// [`Config::endpoint`] wins. A value that cannot be part of a host name fails each call
    /// with [`crate::endpoint::EndpointError::Network`].
    ///
    /// ```
    /// let config = acs_runtime::Config::new().region("cn-beijing").network("vpc");
    /// # let _ = config;
    /// ```
    pub fn network(mut self, network: impl Into<String>) -> Self {
        self.network = Some(network.into());
        self
    }

    /// The signature version.
    pub fn signature_version(mut self, version: SignatureVersion) -> Self {
        self.signature = version;
        self
    }

    /// Connect and read timeouts of each attempt.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The retry budget each client holds (shared by its clones): a retry costs tokens, a
    /// success gives some back, so a failing service gets fewer retries instead of more. Default
    /// [`RetryBudget::default`] (500 tokens, 5 a retry, 10 after a
    /// timeout); `None` retries as the policy alone says.
    pub fn retry_budget(mut self, budget: Option<RetryBudget>) -> Self {
        self.retry_budget = budget;
        self
    }

    /// [`RetryMode::Adaptive`] also slows the client's send rate after
    /// throttling, as the AWS SDKs' adaptive mode does. Default standard.
    pub fn retry_mode(mut self, mode: RetryMode) -> Self {
        self.retry_mode = mode;
        self
    }

    /// Sends requests without checking the spec's constraints: the opt-out for a caller who
    /// knows the service accepts what the spec forbids.
    pub fn without_validation(mut self) -> Self {
        self.validate = false;
        self
    }

    /// Lets operations whose spec allows only HTTPS go over plain HTTP to another machine (a
    /// proxy or test gateway you trust). Loopback endpoints never need this.
    pub fn allow_insecure_http(mut self) -> Self {
        self.allow_http = true;
        self
    }

    /// A limit on each whole call: fetching credentials, every attempt and back-off included
    /// (default [`DEFAULT_DEADLINE`], 60 s, so a server that trickles its answer cannot hold a
    /// call for ever: the read timeout restarts at every byte). A call that runs past it fails
    /// with a timeout error.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// No limit on a whole call (each attempt keeps its connect and read timeouts): for a
    /// caller that bounds calls itself.
    pub fn no_deadline(mut self) -> Self {
        self.deadline = None;
        self
    }

    /// The largest response body the default transport reads (default 64 MiB); a larger one is
    /// an error, not retried.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The slowest a response body may arrive through the default transport (stalled-stream
    /// protection; default [`MinThroughput::DEFAULT`](crate::transport::MinThroughput::DEFAULT),
    /// 1 byte per second over 20 s). `None` turns it off; the read timeout and the deadline
    /// still apply.
    pub fn min_throughput(mut self, floor: Option<crate::transport::MinThroughput>) -> Self {
        self.min_throughput = floor;
        self
    }

    /// A custom HTTP layer.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self.rebuilt()
    }

    /// A custom clock (for reproducible signatures in tests).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self.rebuilt()
    }

    /// A custom nonce source (for reproducible signatures in tests).
    pub fn nonce_source(mut self, nonce: NonceSource) -> Self {
        self.nonce = nonce;
        self.rebuilt()
    }

    /// The `user-agent` header, whole. Unless this is called, the header is this runtime's
    /// (`acs-rust/<version>`) followed by a space and `ALIBABA_CLOUD_USER_AGENT` when that is
    /// set, as the official SDKs append it.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into().into();
        self.user_agent_set = true;
        self.rebuilt()
    }

    /// The `user-agent` header requests carry: [`Config::user_agent`]'s, or the default with
    /// `ALIBABA_CLOUD_USER_AGENT` (from this config's environment) appended. A value HTTP cannot
    /// carry is refused when a request is sent, naming the header.
    pub(crate) fn effective_user_agent(&self) -> std::borrow::Cow<'static, str> {
        if self.user_agent_set {
            return self.user_agent.clone();
        }
        let environment = self.environment.clone().unwrap_or_else(Environment::process);
        match environment.var("ALIBABA_CLOUD_USER_AGENT") {
            Some(suffix) => format!("{} {suffix}", self.user_agent).into(),
            None => self.user_agent.clone(),
        }
    }
}

/// Settings of one call that override the client's.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    /// Timeouts for this call.
    pub timeouts: Option<Timeouts>,
    /// Retry policy for this call.
    pub retry: Option<RetryPolicy>,
    /// Deadline of this whole call, attempts and back-off included.
    pub deadline: Option<Duration>,
    /// Headers for this call only, after the client's ([`Config::header`]).
    pub headers: Vec<(String, String)>,
    /// Query parameters for this call only, after the client's ([`Config::query`]).
    pub query: Vec<(String, String)>,
}

impl CallOptions {
    /// With a header for this call only (see [`Config::header`]).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// With a query parameter for this call only (see [`Config::query`]).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_official_sdks_timeouts_and_three_attempts() {
        assert_eq!(Timeouts::default(), Timeouts { connect: Duration::from_secs(5), read: Duration::from_secs(10) });
        let retry = RetryPolicy::default();
        assert_eq!((retry.max_attempts, retry.base_delay, retry.max_delay), (3, Duration::from_millis(100), Duration::from_secs(20)));
        let config = Config::new();
        assert_eq!((config.signature, config.validate), (SignatureVersion::V3, true));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stays_under_the_cap() {
        let retry = RetryPolicy { max_attempts: 10, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
        for _ in 0..100 {
            let first = retry.backoff(0);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100), "{first:?}");
            let third = retry.backoff(2);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400), "{third:?}");
            assert!(retry.backoff(30) <= Duration::from_secs(1));
        }
    }
}
