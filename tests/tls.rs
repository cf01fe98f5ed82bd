//! TLS settings of the default transport against local TLS servers whose certificates are made
//! here (rcgen): a CA bundle (explicit, and from `SSL_CERT_FILE` / `REQUESTS_CA_BUNDLE` as the
//! official SDKs' HTTP stacks read them), a client certificate for a server that asks for one,
//! and the lowest TLS version; `Config::tls` for the client, and the CLI's flags.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use acs_runtime::transport::{HttpTransport, TlsSettings, TlsVersion};
use acs_runtime::{Error, RetryPolicy, TransportErrorKind};
use acs_swas_open::attach_key_pair::AttachKeyPairRequest;
use acs_swas_open::{Client, Config, Credentials};

type CallError = acs_swas_open::Error;
use acs_tests::server::{read_head, SUCCESS};
use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use tokio::io::AsyncWriteExt;

/// A CA, a server certificate for `localhost` and a client certificate it signed, as PEM files.
struct Pki {
    dir: tempfile::TempDir,
    server: (Vec<rustls::pki_types::CertificateDer<'static>>, rustls::pki_types::PrivateKeyDer<'static>),
    ca: rustls::pki_types::CertificateDer<'static>,
}

impl Pki {
    fn new() -> Self {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "acs test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().unwrap();
        let server_cert = CertificateParams::new(vec!["localhost".to_owned()]).unwrap().signed_by(&server_key, &issuer).unwrap();
        let client_key = KeyPair::generate().unwrap();
        let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_cert = client_params.signed_by(&client_key, &issuer).unwrap();

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(dir.path().join("client.pem"), client_cert.pem()).unwrap();
        std::fs::write(dir.path().join("client.key"), client_key.serialize_pem()).unwrap();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into());
        Self { dir, server: (vec![server_cert.der().clone()], key), ca: ca_cert.der().clone() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// A TLS server on loopback that answers every request with the success body: only TLS 1.2
/// when `tls12_only`, and asking for a client certificate signed by the CA when `client_auth`.
async fn serve(pki: &Pki, tls12_only: bool, client_auth: bool) -> (String, tokio::task::JoinHandle<()>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions: &[&rustls::SupportedProtocolVersion] =
        if tls12_only { &[&rustls::version::TLS12] } else { &[&rustls::version::TLS13, &rustls::version::TLS12] };
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone()).with_protocol_versions(versions).unwrap();
    let builder = if client_auth {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca.clone()).unwrap();
        builder.with_client_cert_verifier(
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().unwrap(),
        )
    } else {
        builder.with_no_client_auth()
    };
    let config = builder.with_single_cert(pki.server.0.clone(), pki.server.1.clone_key()).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://localhost:{}", listener.local_addr().unwrap().port());
    let task = tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let mut buffer = Vec::new();
                if read_head(&mut tls, &mut buffer).await.is_some() {
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SUCCESS}",
                        SUCCESS.len()
                    );
                    let _ = tls.write_all(answer.as_bytes()).await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    (url, task)
}

async fn call(url: &str, transport: HttpTransport) -> Result<(), CallError> {
    let config = Config::new()
        .endpoint(url)
        .credentials(Credentials::new("testid", "testsecret"))
        .retry(RetryPolicy::none())
        .transport(Arc::new(transport.without_proxy()));
    Client::new(config).unwrap().attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.map(drop)
}

fn is_connect_error(result: Result<(), CallError>) -> bool {
    matches!(result, Err(ref e) if matches!(e.kind(), Error::Transport { kind: TransportErrorKind::Connect, .. }))
}

#[tokio::test]
async fn a_ca_bundle_makes_a_private_server_trusted() {
    let pki = Pki::new();
    let (url, _server) = serve(&pki, false, false).await;
    assert!(
        is_connect_error(call(&url, HttpTransport::new().tls(&TlsSettings::new()).unwrap()).await),
        "Mozilla's roots alone do not know the CA"
    );
    let trusted = HttpTransport::new().tls(&TlsSettings::new().ca_bundle(pki.path("ca.pem"))).unwrap();
    call(&url, trusted).await.unwrap();
}

#[tokio::test]
async fn a_client_certificate_is_presented_when_the_server_asks() {
    let pki = Pki::new();
    let (url, _server) = serve(&pki, false, true).await;
    let without = TlsSettings::new().ca_bundle(pki.path("ca.pem"));
    assert!(call(&url, HttpTransport::new().tls(&without).unwrap()).await.is_err(), "the server wants a certificate");
    let with = without.client_certificate(pki.path("client.pem"), pki.path("client.key"));
    call(&url, HttpTransport::new().tls(&with).unwrap()).await.unwrap();
}

#[tokio::test]
async fn the_lowest_tls_version_is_enforced() {
    let pki = Pki::new();
    let (old, _a) = serve(&pki, true, false).await;
    let (new, _b) = serve(&pki, false, false).await;
    let settings = |v| TlsSettings::new().ca_bundle(pki.path("ca.pem")).min_version(v);
    call(&old, HttpTransport::new().tls(&settings(TlsVersion::Tls12)).unwrap()).await.unwrap();
    assert!(
        is_connect_error(call(&old, HttpTransport::new().tls(&settings(TlsVersion::Tls13)).unwrap()).await),
        "a TLS 1.2 server is refused"
    );
    call(&new, HttpTransport::new().tls(&settings(TlsVersion::Tls13)).unwrap()).await.unwrap();
}

#[tokio::test]
async fn config_tls_reaches_the_client_and_a_bad_file_fails_its_construction() {
    let pki = Pki::new();
    let (url, _server) = serve(&pki, false, true).await;
    let base = || Config::new().endpoint(&url).credentials(Credentials::new("testid", "testsecret")).retry(RetryPolicy::none());
    let tls = TlsSettings::new().ca_bundle(pki.path("ca.pem")).client_certificate(pki.path("client.pem"), pki.path("client.key"));
    let client = Client::new(base().tls(tls)).unwrap();
    client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap();
    let err = Client::new(base().tls(TlsSettings::new().ca_bundle(pki.path("missing.pem")))).unwrap_err();
    assert!(matches!(err.kind(), Error::Config(_)), "{err:?}");
    assert!(err.to_string().starts_with(&format!("configuration: CA bundle {}: ", pki.path("missing.pem").display())), "{err}");
}

fn swas_open(args: &[&str], env: &[(&str, &Path)]) -> std::process::Output {
    let binary = acs_tests::built_binary("acs-swas-open", "swas-open").expect("the swas-open binary builds");
    let mut command = std::process::Command::new(binary);
    command
        .args(["attach-key-pair", "--region-id", "cn-hangzhou", "--instance-ids", "i-1", "--key-pair-name", "kp"])
        .args(args)
        .env_remove("SSL_CERT_FILE")
        .env_remove("REQUESTS_CA_BUNDLE")
        .env("NO_PROXY", "*")
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
        .env("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

#[tokio::test]
async fn the_cli_reads_the_environments_bundle_and_its_own_flags() {
    let pki = Pki::new();
    let (url, _server) = serve(&pki, false, true).await;
    let (ca, cert, key) = (pki.path("ca.pem"), pki.path("client.pem"), pki.path("client.key"));
    let run = |args: Vec<String>, env: Vec<(&'static str, PathBuf)>| {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let env: Vec<(&str, &Path)> = env.iter().map(|(n, p)| (*n, p.as_path())).collect();
            swas_open(&args, &env)
        })
    };
    let client_flags = |extra: &[&str]| {
        let mut args = vec![
            "--endpoint".to_owned(),
            url.clone(),
            "--client-cert".into(),
            cert.display().to_string(),
            "--client-key".into(),
            key.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    for variable in ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"] {
        let out = run(client_flags(&[]), vec![(variable, ca.clone())]).await.unwrap();
        assert_eq!(out.status.code(), Some(0), "{variable}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let out = run(client_flags(&["--ca-bundle", &ca.display().to_string(), "--tls-min-version", "TLSv1.3"]), vec![]).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // Without the bundle: the server is not trusted.
    let out = run(client_flags(&[]), vec![]).await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    // A bundle that cannot be read: a clear error naming the variable and the file.
    let out = run(client_flags(&[]), vec![("SSL_CERT_FILE", pki.path("missing.pem"))]).await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("SSL_CERT_FILE: CA bundle ") && err.contains("missing.pem"), "{err}");
}
