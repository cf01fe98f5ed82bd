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
    /// `~/.cache/acs-codegen`). Never a shared folder: with neither variable set, the cache folder
    /// is empty and a download asks for `--cache-dir`.
    pub fn new() -> Self {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".cache")))
            .map(|dir| dir.join("acs-codegen"))
            .unwrap_or_default();
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
    /// The cache folder is not private to this user (or there is none).
    Untrusted(String),
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
            FetchError::Untrusted(why) => write!(f, "the metadata cache is not used: {why}"),
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
    private_folder(&fetch.cache_dir, false)?;
    let cached = fetch.cache_dir.join(product).join(version).join("api-docs.json");
    if cached.is_file() && !fetch.refresh {
        return Ok(cached);
    }
    let url = format!("{}/products/{product}/versions/{version}/api-docs.json", fetch.meta_url.trim_end_matches('/'));
    let text = download(&url)?;
    check(&text, product, version).map_err(|message| FetchError::NotASpec { url: url.clone(), message })?;
    // Cached only once it generates: a download that a later run would refuse is not kept.
    acs_ir::load(&text, &acs_ir::Options::default()).map_err(|e| FetchError::NotASpec { url: url.clone(), message: e.to_string() })?;
    private_folder(&fetch.cache_dir, true)?;
    crate::write::write_atomically(&cached, &text).map_err(FetchError::Cache)?;
    Ok(cached)
}

fn download(url: &str) -> Result<String, FetchError> {
    let started = std::time::Instant::now();
    // A timeout says so, in words, instead of reqwest's "error sending request".
    let network = |e: reqwest::Error| FetchError::Network {
        url: url.to_owned(),
        message: if e.is_timeout() || started.elapsed() >= DOWNLOAD_LIMIT {
            format!("no complete answer within the download limit of {DOWNLOAD_LIMIT:?}")
        } else {
            e.without_url().to_string()
        },
    };
    let client =
        reqwest::blocking::Client::builder().connect_timeout(Duration::from_secs(10)).timeout(DOWNLOAD_LIMIT).build().map_err(network)?;
    let mut response = client.get(url).header("accept", "application/json").send().map_err(network)?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(FetchError::Status { url: url.to_owned(), status });
    }
    // Bounded in size, time and pace, and UTF-8 by the same rule as --spec (never replaced with
    // U+FFFD).
    let failed = |message: String| FetchError::Network { url: url.to_owned(), message };
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    let (mut window, mut window_bytes) = (std::time::Instant::now(), 0u64);
    loop {
        let n = match std::io::Read::read(&mut response, &mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) if started.elapsed() >= DOWNLOAD_LIMIT => {
                return Err(failed(format!("the download did not finish within the limit of {DOWNLOAD_LIMIT:?}")))
            }
            Err(e) => return Err(failed(format!("the download failed: {e}"))),
        };
        if (bytes.len() + n) as u64 > MAX_DOWNLOAD_BYTES {
            return Err(FetchError::NotASpec { url: url.to_owned(), message: format!("larger than {MAX_DOWNLOAD_BYTES} bytes") });
        }
        bytes.extend_from_slice(&chunk[..n]);
        window_bytes += n as u64;
        let elapsed = window.elapsed();
        if elapsed >= STALL_WINDOW {
            if (window_bytes as f64) < MIN_DOWNLOAD_BYTES_PER_SECOND as f64 * elapsed.as_secs_f64() {
                return Err(failed(format!(
                    "the download stalled: {window_bytes} bytes in {:.1} s, under the minimum of {MIN_DOWNLOAD_BYTES_PER_SECOND} bytes per second",
                    elapsed.as_secs_f64()
                )));
            }
            (window, window_bytes) = (std::time::Instant::now(), 0);
        }
    }
    String::from_utf8(bytes)
        .map_err(|e| FetchError::NotASpec { url: url.to_owned(), message: format!("not UTF-8 (at byte {})", e.utf8_error().valid_up_to()) })
}

/// The longest a metadata download may take, connection included.
pub const DOWNLOAD_LIMIT: Duration = Duration::from_secs(60);
/// The slowest a metadata download may arrive, over each stretch of [`STALL_WINDOW`]: 1 KiB per
/// second, far below any working network; it ends a trickle in seconds instead of at the limit.
pub const MIN_DOWNLOAD_BYTES_PER_SECOND: u64 = 1024;
/// How long each stretch measured against [`MIN_DOWNLOAD_BYTES_PER_SECOND`] is.
pub const STALL_WINDOW: Duration = Duration::from_secs(10);

/// The largest metadata download (the largest product, ECS, is about 9 MB).
pub const MAX_DOWNLOAD_BYTES: u64 = 64 << 20;

/// Refuses a cache folder that others may write to or that another user owns (a spec planted
/// there would be generated from without a download); with `create`, makes a missing one
/// owner-only first.
fn private_folder(dir: &std::path::Path, create: bool) -> Result<(), FetchError> {
    if dir.as_os_str().is_empty() {
        return Err(FetchError::Untrusted("neither XDG_CACHE_HOME nor HOME is set; pass --cache-dir".into()));
    }
    if !dir.exists() {
        if !create {
            return Ok(());
        }
        std::fs::create_dir_all(dir).map_err(FetchError::Cache)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(FetchError::Cache)?;
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(dir).map_err(FetchError::Cache)?;
        let shown = dir.display();
        if !meta.is_dir() {
            return Err(FetchError::Untrusted(format!("{shown} is not a folder")));
        }
        // Owned by whoever owns a file this process creates.
        let probe = tempfile::NamedTempFile::new_in(dir).map_err(FetchError::Cache)?;
        let me = probe.as_file().metadata().map_err(FetchError::Cache)?.uid();
        if meta.uid() != me {
            return Err(FetchError::Untrusted(format!("{shown} belongs to another user")));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(FetchError::Untrusted(format!(
                "{shown} may be written by others (mode {:o}); make it owner-only",
                meta.mode() & 0o777
            )));
        }
    }
    Ok(())
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
