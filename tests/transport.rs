//! The default transport against servers that misbehave at the byte level: an endless chunked
//! body stops at the size limit, a body that stalls hits the read timeout, garbage and early
//! closes are I/O errors, a body delimited by the connection's close is read whole.

use std::time::{Duration, Instant};

use acs_runtime::transport::{HttpTransport, Timeouts, Transport};
use acs_runtime::{HttpMethod, HttpRequest, TransportErrorKind};
use tokio::io::AsyncWriteExt;

/// A server that reads one request head per connection and then runs `answer` on the socket.
async fn raw_server<F, Fut>(answer: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let answer = std::sync::Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                if acs_tests::server::read_head(&mut conn, &mut Vec::new()).await.is_some() {
                    answer(conn).await;
                }
            });
        }
    });
    url
}

fn request(url: &str) -> HttpRequest {
    HttpRequest {
        method: HttpMethod::Get,
        url: format!("{url}/?Action=X"),
        headers: vec![("accept".into(), "application/json".into())],
        body: Vec::new(),
    }
}

fn timeouts(read_ms: u64) -> Timeouts {
    Timeouts { connect: Duration::from_secs(2), read: Duration::from_millis(read_ms) }
}

#[tokio::test]
async fn an_endless_chunked_body_stops_at_the_size_limit() {
    let url = raw_server(|mut conn| async move {
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").await;
        let chunk = format!("{:x}\r\n{}\r\n", 4096, "x".repeat(4096));
        while conn.write_all(chunk.as_bytes()).await.is_ok() {}
    })
    .await;
    let transport = HttpTransport::new().without_proxy().max_response_bytes(100_000);
    let err = transport.send(request(&url), timeouts(5000)).await.unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::TooLarge, "{}", err.message);
    assert!(err.message.contains("100000"), "{}", err.message);
}

#[tokio::test]
async fn a_body_that_stalls_times_out_within_the_read_timeout() {
    let url = raw_server(|mut conn| async move {
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"partial\":").await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let start = Instant::now();
    let err = HttpTransport::new().without_proxy().send(request(&url), timeouts(300)).await.unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Timeout, "{}", err.message);
    assert!(start.elapsed() < Duration::from_secs(3), "took {:?}", start.elapsed());
}

#[tokio::test]
async fn garbage_and_early_closes_are_io_errors_and_name_no_url() {
    let garbage = raw_server(|mut conn| async move {
        let _ = conn.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n").await;
    })
    .await;
    let closed = raw_server(|conn| async move { drop(conn) }).await;
    for url in [garbage, closed] {
        let mut sent = request(&url);
        sent.url.push_str("&SecurityToken=secret-token");
        let err = HttpTransport::new().without_proxy().send(sent, timeouts(2000)).await.unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::Io, "{url}: {}", err.message);
        assert!(!err.message.contains("secret-token") && !err.message.contains(&url), "{}", err.message);
    }
}

#[tokio::test]
async fn a_body_ended_by_the_close_of_the_connection_is_read_whole() {
    let url = raw_server(|mut conn| async move {
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{\"RequestId\":\"R\"}").await;
        let _ = conn.shutdown().await;
    })
    .await;
    let response = HttpTransport::new().without_proxy().send(request(&url), timeouts(2000)).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"{\"RequestId\":\"R\"}");
    assert_eq!(response.header("Connection"), Some("close"));
}
