//! A product's metadata by name: downloaded from Alibaba's public metadata endpoint once, then
//! read from a cache.
//!
//! `{meta_url}/products/{product}/versions/{version}/api-docs.json`, with `meta_url`
//! `https://api.aliyun.com/meta/v1` unless set. A download is checked to be a spec of that product
//! before it is cached, atomically; a failure writes nothing.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Alibaba's public metadata endpoint.
pub const DEFAULT_META_URL: &str = "https://api.aliyun.com/meta/v1";

/// Where to fetch from and where to keep it.
#[derive(Debug, Clone)]
pub struct Fetch {
    /// The endpoint, without a trailing `/`.
    pub meta_url: String,
    /// The cache folder: `<cache>/<product>/<version>/api-docs.json`.
    pub cache_dir: PathBuf,
    /// Download even when the cache has the file.
    pub refresh: bool,
}

impl Fetch {
    /// The default endpoint, and the cache in `$XDG_CACHE_HOME/acs-codegen` (else
    /// `~/.cache/acs-codegen`, else the system's temporary folder).
    pub fn new() -> Self {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir)
            .join("acs-codegen");
        Self { meta_url: DEFAULT_META_URL.to_owned(), cache_dir: cache, refresh: false }
    }
}

impl Default for Fetch {
    fn default() -> Self {
        Self::new()
    }
}

/// Why the metadata could not be had.
#[derive(Debug)]
pub enum FetchError {
    /// The product or version is not a plain name (it would leave the URL's path or the cache).
    BadName(String),
    /// No connection, a timeout, a broken answer.
    Network {
        /// The URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// The endpoint answered with an error status.
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The answer is not a spec of this product.
    NotASpec {
        /// The URL.
        url: String,
        /// Why.
        message: String,
    },
    /// The cache cannot be written.
    Cache(std::io::Error),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::BadName(name) => write!(f, "{name:?} is not a product code or version (letters, digits, '-', '_' and '.')"),
            FetchError::Network { url, message } => write!(f, "cannot download {url}: {message}"),
            FetchError::Status { url, status: 404 } => write!(f, "{url}: HTTP 404, no such product or version"),
            FetchError::Status { url, status } => write!(f, "{url}: HTTP {status}"),
            FetchError::NotASpec { url, message } => write!(f, "{url} did not return the product's api-docs.json: {message}"),
            FetchError::Cache(e) => write!(f, "cannot write the metadata cache: {e}"),
        }
    }
}

impl std::error::Error for FetchError {}

fn plain(name: &str) -> Result<&str, FetchError> {
    let ok =
        !name.is_empty() && name != "." && name != ".." && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then_some(name).ok_or_else(|| FetchError::BadName(name.to_owned()))
}

/// The path of `product` `version`'s `api-docs.json`: from the cache, or downloaded into it.
pub fn spec_path(product: &str, version: &str, fetch: &Fetch) -> Result<PathBuf, FetchError> {
    let (product, version) = (plain(product)?, plain(version)?);
    let cached = fetch.cache_dir.join(product).join(version).join("api-docs.json");
    if cached.is_file() && !fetch.refresh {
        return Ok(cached);
    }
    let url = format!("{}/products/{product}/versions/{version}/api-docs.json", fetch.meta_url.trim_end_matches('/'));
    let text = download(&url)?;
    check(&text, product, version).map_err(|message| FetchError::NotASpec { url: url.clone(), message })?;
    crate::write::write_atomically(&cached, &text).map_err(FetchError::Cache)?;
    Ok(cached)
}

fn download(url: &str) -> Result<String, FetchError> {
    let network = |e: reqwest::Error| FetchError::Network { url: url.to_owned(), message: e.without_url().to_string() };
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .build()
        .map_err(network)?;
    let response = client.get(url).header("accept", "application/json").send().map_err(network)?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(FetchError::Status { url: url.to_owned(), status });
    }
    response.text().map_err(network)
}

/// The downloaded text is a spec of `product` `version` (case aside: codes are written both ways).
fn check(text: &str, product: &str, version: &str) -> Result<(), String> {
    #[derive(serde::Deserialize)]
    struct Head {
        info: Info,
    }
    #[derive(serde::Deserialize)]
    struct Info {
        product: String,
        version: String,
    }
    let head: Head = serde_json::from_str(text).map_err(|e| format!("not a spec ({e})"))?;
    if !head.info.product.eq_ignore_ascii_case(product) || head.info.version != version {
        return Err(format!("it describes {} {}", head.info.product, head.info.version));
    }
    Ok(())
}
