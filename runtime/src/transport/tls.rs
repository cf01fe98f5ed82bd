//! TLS settings of the default transport, as the official SDKs' runtime options have them
//! (`ca`, `cert`/`key`, `tlsMinVersion`): extra trusted roots, a client certificate, the lowest
//! protocol version. rustls does the TLS; it speaks TLS 1.2 and 1.3 only.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The largest PEM file read: 1 MiB, far above a bundle of every public root (about 250 KiB).
pub const MAX_PEM_FILE_BYTES: u64 = 1 << 20;

/// The lowest TLS version the default transport accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.2 (the default, and the lowest rustls speaks).
    #[default]
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

impl TlsVersion {
    /// Reads the official SDKs' `tlsMinVersion` (`TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`) or a
    /// bare `1.2`/`1.3`. Versions below 1.2 are met by 1.2, which rustls never goes below.
    pub fn parse(text: &str) -> Result<Self, String> {
        let version = text.trim();
        let number = version.strip_prefix("TLSv").or_else(|| version.strip_prefix("tlsv")).unwrap_or(version);
        match number {
            "1" | "1.0" | "1.1" | "1.2" => Ok(Self::Tls12),
            "1.3" => Ok(Self::Tls13),
            _ => Err(format!("{:?} is not a TLS version: TLSv1.2 or TLSv1.3", crate::text::printable(text, 40))),
        }
    }
}

/// TLS settings of the default transport ([`HttpTransport::tls`](super::HttpTransport::tls),
/// [`Config::tls`](crate::Config::tls)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsSettings {
    /// PEM certificates trusted as roots, besides Mozilla's (a company's proxy, a private
    /// endpoint).
    pub ca_bundle: Option<PathBuf>,
    /// A client certificate chain and its private key, both PEM, for servers that ask for one.
    pub client_certificate: Option<(PathBuf, PathBuf)>,
    /// The lowest version accepted.
    pub min_version: TlsVersion,
    /// The environment variable `ca_bundle` came from, named in errors.
    ca_bundle_from: Option<&'static str>,
}

impl TlsSettings {
    /// Mozilla's roots, no client certificate, TLS 1.2 and up.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also trusts the PEM certificates of `path`.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_bundle = Some(path.into());
        self.ca_bundle_from = None;
        self
    }

    /// Presents the PEM certificate chain of `cert` with the PEM private key of `key`.
    pub fn client_certificate(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.client_certificate = Some((cert.into(), key.into()));
        self
    }

    /// Accepts no version below `version`.
    pub fn min_version(mut self, version: TlsVersion) -> Self {
        self.min_version = version;
        self
    }

    /// The environment's settings: a CA bundle from `SSL_CERT_FILE` (what the official Go SDK
    /// and aliyun-cli read) or else `REQUESTS_CA_BUNDLE` (what the official Python SDK's HTTP
    /// library reads), added to Mozilla's roots.
    pub fn from_env() -> Self {
        let found = ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"]
            .into_iter()
            .find_map(|name| std::env::var_os(name).filter(|v| !v.is_empty()).map(|value| (name, PathBuf::from(value))));
        match found {
            Some((name, path)) => Self { ca_bundle: Some(path), ca_bundle_from: Some(name), ..Self::default() },
            None => Self::default(),
        }
    }

    /// The rustls configuration these settings make: files read (each a regular file of at most
    /// [`MAX_PEM_FILE_BYTES`]) and checked, every problem named with its file.
    pub(crate) fn client_config(&self) -> Result<rustls::ClientConfig, String> {
        let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        if let Some(path) = &self.ca_bundle {
            let what = match self.ca_bundle_from {
                Some(variable) => format!("{variable}: CA bundle"),
                None => "CA bundle".to_owned(),
            };
            let certificates = certificates(path, &what)?;
            for certificate in certificates {
                roots.add(certificate).map_err(|e| format!("{what} {}: a certificate cannot be a root: {e}", path.display()))?;
            }
        }
        // ring, deprecated by rustls 0.23.48 for want of post-quantum key exchange: its
        // replacement, aws-lc-rs, needs a C toolchain (cmake, and NASM on Windows) and adds about
        // a minute to a first build, and Alibaba Cloud's endpoints offer no post-quantum groups
        // to use. Allowed on purpose; `.ci/run` builds a generated crate against the newest
        // versions with warnings denied, so the next change of this kind shows the day it lands.
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let versions: &[&'static rustls::SupportedProtocolVersion] = match self.min_version {
            TlsVersion::Tls12 => &[&rustls::version::TLS13, &rustls::version::TLS12],
            TlsVersion::Tls13 => &[&rustls::version::TLS13],
        };
        let builder = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
            .with_protocol_versions(versions)
            .map_err(|e| format!("TLS versions: {e}"))?
            .with_root_certificates(roots);
        match &self.client_certificate {
            None => Ok(builder.with_no_client_auth()),
            Some((cert, key)) => {
                let chain = certificates(cert, "client certificate")?;
                let text = read(key, "client key")?;
                let key_der = PrivateKeyDer::from_pem_slice(text.as_bytes())
                    .map_err(|e| format!("client key {}: no PEM private key in it ({e})", key.display()))?;
                builder.with_client_auth_cert(chain, key_der).map_err(|e| format!("client certificate {}: {e}", cert.display()))
            }
        }
    }
}

fn read(path: &Path, what: &str) -> Result<String, String> {
    crate::text::read_small_file(path, MAX_PEM_FILE_BYTES).map_err(|e| format!("{what} {}: {e}", path.display()))
}

fn certificates(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let text = read(path, what)?;
    let certificates = CertificateDer::pem_slice_iter(text.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{what} {}: not PEM certificates ({e})", path.display()))?;
    if certificates.is_empty() {
        return Err(format!("{what} {}: no certificate in it", path.display()));
    }
    Ok(certificates)
}

/// The TLS configuration of a transport built with no settings of its own: the environment's
/// (read once per process), or why it cannot be used.
pub(crate) fn default_config() -> Result<Arc<rustls::ClientConfig>, String> {
    static DEFAULT: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    DEFAULT.get_or_init(|| TlsSettings::from_env().client_config().map(Arc::new)).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_as_the_official_sdks_spell_them() {
        for (text, version) in [
            ("TLSv1", TlsVersion::Tls12),
            ("TLSv1.1", TlsVersion::Tls12),
            ("TLSv1.2", TlsVersion::Tls12),
            ("1.3", TlsVersion::Tls13),
            ("TLSv1.3", TlsVersion::Tls13),
        ] {
            assert_eq!(TlsVersion::parse(text), Ok(version), "{text}");
        }
        assert!(TlsVersion::parse("SSLv3").unwrap_err().contains("not a TLS version"));
    }

    #[test]
    fn bad_files_are_named_with_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let err = TlsSettings::new().ca_bundle(&empty).client_config().unwrap_err();
        assert_eq!(err, format!("CA bundle {}: no certificate in it", empty.display()));
        let err = TlsSettings::new().ca_bundle(dir.path().join("missing.pem")).client_config().unwrap_err();
        assert!(err.starts_with("CA bundle ") && err.contains("No such file"), "{err}");
        let err = TlsSettings::new().ca_bundle("/dev/zero").client_config().unwrap_err();
        assert!(err.ends_with("not a regular file"), "{err}");
        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n").unwrap();
        assert!(TlsSettings::new().ca_bundle(&garbage).client_config().unwrap_err().contains("not PEM certificates"));
        assert!(TlsSettings::new().min_version(TlsVersion::Tls13).client_config().is_ok());
    }
}
