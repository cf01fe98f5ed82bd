//! The default transport through a proxy: plain HTTP goes to an HTTP proxy in absolute form
//! with the proxy's credentials, HTTPS through a `CONNECT` tunnel, both through a SOCKS5 proxy
//! (with or without a password, names resolved here or by the proxy), `NO_PROXY` hosts directly,
//! and the environment's `HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY` are read as curl reads them;
//! `https://` is TLS.

use std::sync::{Arc, Mutex};

use acs_runtime::transport::HttpTransport;
use acs_runtime::{Error, RetryPolicy, TransportErrorKind};
use acs_swas_open::attach_key_pair::AttachKeyPairRequest;
use acs_swas_open::{Client, Config, Credentials};
use acs_tests::server::{read_head, Server, SUCCESS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A forward proxy double: records the head of every request it receives; answers `CONNECT`
/// with `connect_answer` and closes, anything else as the origin would (the success body).
struct Proxy {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
    /// The accepting task, aborted when the set is dropped.
    _task: tokio::task::JoinSet<()>,
}

impl Proxy {
    async fn start(connect_answer: &'static str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let mut task = tokio::task::JoinSet::new();
        task.spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let record = record.clone();
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    loop {
                        let Some(end) = read_head(&mut conn, &mut buffer).await else { return };
                        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
                        record.lock().unwrap().push(head.clone());
                        if head.starts_with("CONNECT ") {
                            let _ = conn.write_all(connect_answer.as_bytes()).await;
                            return;
                        }
                        let length = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        while buffer.len() < end + length {
                            let mut chunk = [0u8; 4096];
                            match conn.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                            }
                        }
                        buffer.drain(..end + length);
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{SUCCESS}",
                            SUCCESS.len()
                        );
                        if conn.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { url, seen, _task: task }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// A SOCKS5 proxy double (RFC 1928, and RFC 1929 passwords when `login` is set): records each
/// destination as `host:port` (a name, or an address when the client resolved it) and splices
/// the connection to it.
struct Socks {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
    _task: tokio::task::JoinSet<()>,
}

impl Socks {
    async fn start(login: Option<(&'static str, &'static str)>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("socks5://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let mut task = tokio::task::JoinSet::new();
        task.spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let record = record.clone();
                tokio::spawn(async move {
                    let _ = Self::serve(conn, login, record).await;
                });
            }
        });
        Self { url, seen, _task: task }
    }

    async fn serve(mut conn: tokio::net::TcpStream, login: Option<(&str, &str)>, seen: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
        let mut head = [0u8; 2];
        conn.read_exact(&mut head).await?;
        let mut methods = vec![0u8; head[1] as usize];
        conn.read_exact(&mut methods).await?;
        let wanted = if login.is_some() { 2 } else { 0 };
        if !methods.contains(&wanted) {
            return conn.write_all(&[5, 0xff]).await;
        }
        conn.write_all(&[5, wanted]).await?;
        if let Some((user, password)) = login {
            let mut version_and_length = [0u8; 2];
            conn.read_exact(&mut version_and_length).await?;
            let mut given_user = vec![0u8; version_and_length[1] as usize];
            conn.read_exact(&mut given_user).await?;
            let mut length = [0u8; 1];
            conn.read_exact(&mut length).await?;
            let mut given_password = vec![0u8; length[0] as usize];
            conn.read_exact(&mut given_password).await?;
            let ok = given_user == user.as_bytes() && given_password == password.as_bytes();
            conn.write_all(&[1, if ok { 0 } else { 1 }]).await?;
            if !ok {
                return Ok(());
            }
        }
        let mut request = [0u8; 4];
        conn.read_exact(&mut request).await?;
        let host = match request[3] {
            1 => {
                let mut ip = [0u8; 4];
                conn.read_exact(&mut ip).await?;
                std::net::Ipv4Addr::from(ip).to_string()
            }
            3 => {
                let mut length = [0u8; 1];
                conn.read_exact(&mut length).await?;
                let mut name = vec![0u8; length[0] as usize];
                conn.read_exact(&mut name).await?;
                String::from_utf8_lossy(&name).into_owned()
            }
            _ => return conn.write_all(&[5, 8, 0, 1, 0, 0, 0, 0, 0, 0]).await,
        };
        let mut port = [0u8; 2];
        conn.read_exact(&mut port).await?;
        let port = u16::from_be_bytes(port);
        seen.lock().unwrap().push(format!("{host}:{port}"));
        // Every name this double is asked for is this machine.
        let target = if host == "localhost" || host.parse::<std::net::IpAddr>().is_ok() {
            format!("{host}:{port}")
        } else {
            format!("127.0.0.1:{port}")
        };
        let mut upstream = match tokio::net::TcpStream::connect(target).await {
            Ok(upstream) => upstream,
            Err(_) => return conn.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await,
        };
        conn.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).await?;
        tokio::io::copy_bidirectional(&mut conn, &mut upstream).await.map(drop)
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn client(endpoint: &str, transport: HttpTransport) -> Client {
    let config = Config::new()
        .endpoint(endpoint)
        .credentials(Credentials::new("testid", "testsecret"))
        .retry(RetryPolicy::none())
        .transport(Arc::new(transport));
    Client::new(config).unwrap()
}

/// The `swas-open` binary attaching a key pair at `endpoint`, with `env` set: its output.
async fn swas_open(endpoint: String, env: Vec<(&'static str, String)>) -> std::process::Output {
    let binary = acs_tests::built_binary("acs-swas-open", "swas-open").expect("the swas-open binary builds");
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(binary)
            .args(["attach-key-pair", "--region-id", "cn-hangzhou", "--instance-ids", "i-1", "--key-pair-name", "kp"])
            .args(["--endpoint", &endpoint])
            .env_remove("NO_PROXY")
            .envs(env)
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
            .env("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// A loopback port nothing listens on: reaching it directly would fail.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn plain_http_goes_to_the_proxy_in_absolute_form_with_its_credentials() {
    let proxy = Proxy::start("").await;
    let origin = format!("http://127.0.0.1:{}", closed_port());
    let with_user = proxy.url.replace("http://", "http://user:pa%20ss@");
    let client = client(&origin, HttpTransport::new().with_proxy(&with_user, "").unwrap());
    let response = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap();
    assert_eq!(response.request_id.as_deref(), Some("30637AD6-D977-4833-A54C-CC89483E****"));
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].starts_with(&format!("POST {origin}/?")), "{}", seen[0]);
    // `user:pa ss`, Basic.
    assert!(seen[0].to_ascii_lowercase().contains("proxy-authorization: basic dxnlcjpwysbzcw=="), "{}", seen[0]);
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel_and_a_refusal_is_a_connect_error() {
    let proxy = Proxy::start("HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n").await;
    let with_user = proxy.url.replace("http://", "http://user:secret@");
    let client = client("https://swas.cn-hangzhou.aliyuncs.com", HttpTransport::new().with_proxy(&with_user, "").unwrap());
    let err = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap_err();
    assert!(matches!(err.kind(), Error::Transport { kind: TransportErrorKind::Connect, attempts: 1, .. }), "{err:?}");
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].starts_with("CONNECT swas.cn-hangzhou.aliyuncs.com:443 HTTP/1.1\r\n"), "{}", seen[0]);
    assert!(seen[0].to_ascii_lowercase().contains("proxy-authorization: basic dxnlcjpzzwnyzxq="), "{}", seen[0]);
    assert!(!err.to_string().contains("secret"), "{err}");
}

#[tokio::test]
async fn no_proxy_hosts_are_reached_directly() {
    let proxy = Proxy::start("").await;
    let server = Server::start(vec![]).await;
    let client = client(&server.url, HttpTransport::new().with_proxy(&proxy.url, "localhost,127.0.0.1").unwrap());
    client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap();
    assert_eq!(server.seen().len(), 1);
    assert!(proxy.seen().is_empty());
}

#[tokio::test]
async fn socks5_proxies_carry_calls_with_a_password_and_names_resolved_where_asked() {
    let server = Server::start(vec![]).await;
    let port = server.url.rsplit(':').next().unwrap().to_owned();
    // socks5h: the proxy resolves the name.
    let socks = Socks::start(Some(("user", "pa ss"))).await;
    let proxy = socks.url.replace("socks5://", "socks5h://user:pa%20ss@");
    let named = format!("http://localhost:{port}");
    let through = |proxy: &str| client_for_socks(&named, proxy);
    through(&proxy).attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap();
    assert_eq!(socks.seen(), [format!("localhost:{port}")]);
    assert_eq!(server.seen().len(), 1, "the origin got the call through the proxy");
    // socks5: resolved here, the proxy gets an address.
    let plain = Socks::start(None).await;
    through(&plain.url).attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap();
    assert_eq!(plain.seen(), [format!("127.0.0.1:{port}")]);
    // A wrong password: a connection error, the password in no message.
    let wrong = socks.url.replace("socks5://", "socks5h://user:wrong-password@");
    let err = through(&wrong).attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap_err();
    assert!(matches!(err.kind(), Error::Transport { kind: TransportErrorKind::Connect, .. }), "{err:?}");
    assert!(!err.to_string().contains("wrong-password"), "{err}");
    assert_eq!(server.seen().len(), 2);
}

fn client_for_socks(endpoint: &str, proxy: &str) -> Client {
    client(endpoint, HttpTransport::new().with_proxy(proxy, "").unwrap())
}

#[tokio::test]
async fn a_socks5_proxy_from_the_environment_applies() {
    let socks = Socks::start(None).await;
    let server = Server::start(vec![]).await;
    let endpoint = server.url.replace("127.0.0.1", "localhost");
    let out = swas_open(endpoint, vec![("ALL_PROXY", socks.url.replace("socks5://", "socks5h://"))]).await;
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(socks.seen().len(), 1, "through the proxy: {:?}", socks.seen());
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn a_proxy_that_is_not_an_http_or_socks5_url_is_refused() {
    assert!(HttpTransport::new().with_proxy("socks5h://user:pw@127.0.0.1:1080", "").is_ok());
    for bad in ["socks4://127.0.0.1:1080", "not a url", "https://proxy:443", "http://"] {
        let err = HttpTransport::new().with_proxy(bad, "").err().unwrap_or_else(|| panic!("{bad} accepted"));
        assert!(err.message.starts_with("proxy "), "{bad}: {}", err.message);
        assert_eq!(err.kind, TransportErrorKind::Invalid);
    }
}

#[tokio::test]
async fn the_environment_proxy_and_no_proxy_apply() {
    let proxy = Proxy::start("").await;
    let server = Server::start(vec![]).await;
    let run =
        |endpoint: String, no_proxy: &str| swas_open(endpoint, vec![("HTTP_PROXY", proxy.url.clone()), ("NO_PROXY", no_proxy.to_owned())]);
    // Through the proxy: the origin itself is closed.
    let origin = format!("http://127.0.0.1:{}", closed_port());
    let out = run(origin.clone(), "").await;
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(proxy.seen().iter().any(|head| head.starts_with(&format!("POST {origin}/?"))), "{:?}", proxy.seen());
    // Directly, when NO_PROXY names the host.
    let before = proxy.seen().len();
    let out = run(server.url.clone(), "127.0.0.1").await;
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(server.seen().len(), 1);
    assert_eq!(proxy.seen().len(), before);
}

#[tokio::test]
async fn https_endpoints_speak_tls_and_a_failed_handshake_is_a_connect_error() {
    // A plain-HTTP server behind an https:// endpoint: the TLS handshake fails, nothing is sent
    // in clear text.
    let server = Server::start(vec![]).await;
    let endpoint = server.url.replace("http://", "https://");
    let client = client(&endpoint, HttpTransport::new().without_proxy());
    let err = client.attach_key_pair(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "kp")).await.unwrap_err();
    assert!(matches!(err.kind(), Error::Transport { kind: TransportErrorKind::Connect, .. }), "{err:?}");
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn an_environment_proxy_of_another_kind_fails_once_with_a_clear_error() {
    let origin = format!("http://127.0.0.1:{}", closed_port());
    let out = swas_open(origin, vec![("HTTP_PROXY", "socks4://127.0.0.1:1080".to_owned())]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("neither an http:// nor a socks5://") && err.contains("after 1 attempt"), "{err}");
}
