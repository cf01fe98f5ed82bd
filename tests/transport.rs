//! The default transport against servers that misbehave at the byte level: an endless chunked
//! body stops at the size limit, a body that stalls hits the read timeout, garbage and early
//! closes are I/O errors, a body delimited by the connection's close is read whole; connections
//! are kept alive, and one the server closed is replaced.

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

/// A server that sends the head, then `pieces` one-byte pieces `gap` apart (a trickle the read
/// timeout never sees), then the rest of a 64-byte body at once.
async fn trickling(gap: Duration, pieces: usize) -> String {
    raw_server(move |mut conn| async move {
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 64\r\n\r\n").await;
        for _ in 0..pieces {
            tokio::time::sleep(gap).await;
            if conn.write_all(b"x").await.is_err() {
                return;
            }
        }
        let _ = conn.write_all(&[b'y'; 64][pieces..]).await;
    })
    .await
}

#[tokio::test]
async fn a_trickled_body_is_cut_by_the_minimum_throughput_not_left_to_the_read_timeout() {
    let floor = acs_runtime::MinThroughput { bytes_per_second: 20, grace: Duration::from_millis(500) };
    // 10 bytes per second: each byte well within the 5 s read timeout, the whole far too slow.
    let url = trickling(Duration::from_millis(100), 60).await;
    let transport = HttpTransport::new().without_proxy().min_throughput(Some(floor));
    let start = Instant::now();
    let err = transport.send(request(&url), timeouts(5000)).await.unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Timeout, "{}", err.message);
    assert!(err.message.starts_with("the response body stalled: "), "{}", err.message);
    assert!(err.message.contains("under the minimum of 20 byte(s) per second"), "{}", err.message);
    assert!(start.elapsed() < Duration::from_secs(3), "took {:?}", start.elapsed());
    // The same trickle is read whole with the protection off, and a body brisk enough passes it.
    let transport = HttpTransport::new().without_proxy().min_throughput(None);
    assert_eq!(transport.send(request(&url), timeouts(5000)).await.unwrap().body.len(), 64);
    let brisk = trickling(Duration::from_millis(10), 30).await;
    let transport = HttpTransport::new().without_proxy().min_throughput(Some(floor));
    assert_eq!(transport.send(request(&brisk), timeouts(5000)).await.unwrap().body.len(), 64);
    assert_eq!(acs_runtime::MinThroughput::DEFAULT, acs_runtime::MinThroughput { bytes_per_second: 1, grace: Duration::from_secs(20) });
}

#[tokio::test]
async fn a_url_too_long_for_http_says_so() {
    let mut long = request("http://127.0.0.1:9");
    long.url.push_str(&format!("&InstanceId={}", "i".repeat(100_000)));
    let err = HttpTransport::new().without_proxy().send(long, timeouts(1000)).await.unwrap_err();
    assert_eq!(err.kind, TransportErrorKind::Invalid);
    assert!(err.message.starts_with("the request URL is 100040 bytes, more than HTTP carries here (65534)"), "{}", err.message);
}

/// A keep-alive server: every connection answers requests until it has answered `per_connection`
/// of them, the last with `connection: close` when `say_close`, else closed without a word. It
/// returns its URL, the connections it accepted and the request heads it read.
async fn keep_alive_server(per_connection: usize, say_close: bool) -> (String, std::sync::Arc<std::sync::Mutex<(usize, Vec<String>)>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new((0, Vec::new())));
    let shared = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            shared.lock().unwrap().0 += 1;
            let shared = shared.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                for answered in 1..=per_connection {
                    let Some(end) = acs_tests::server::read_head(&mut conn, &mut buffer).await else { return };
                    shared.lock().unwrap().1.push(String::from_utf8_lossy(&buffer[..end]).into_owned());
                    buffer.drain(..end);
                    let close = if answered == per_connection && say_close { "connection: close\r\n" } else { "" };
                    let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n{close}\r\n{{}}");
                    if conn.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn connections_are_kept_alive_and_one_the_server_closes_is_replaced() {
    for say_close in [true, false] {
        let (url, seen) = keep_alive_server(2, say_close).await;
        let transport = HttpTransport::new().without_proxy();
        for _ in 0..5 {
            let response = transport.send(request(&url), timeouts(2000)).await.unwrap();
            assert_eq!((response.status, response.body.as_slice()), (200, &b"{}"[..]));
            // Time for the connection's task to see a silent close before the next request.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (connections, heads) = seen.lock().unwrap().clone();
        assert_eq!(connections, 3, "two requests per connection, say_close {say_close}");
        let host = url.trim_start_matches("http://");
        for head in heads {
            // The path and query on the request line (not the absolute URL), and the Host header
            // HTTP/1.1 requires, from the URL when the request has none.
            assert!(head.starts_with("GET /?Action=X HTTP/1.1\r\n"), "{head}");
            assert!(head.to_ascii_lowercase().contains(&format!("\r\nhost: {host}\r\n")), "{head}");
        }
    }
}
