//! The HTTP front: the accept loop with its limits, and one handler per route (the metadata
//! service, the credentials URI, the state view, and every API call).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::State as Shared;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::Value;

use super::*;

/// The accept loop: one task per connection, at most `max_connections`, each with a header
/// timeout and every request with an overall timeout; on stop, open connections get
/// `shutdown_grace` to finish and are then closed, so a stop never waits on a client.
pub(super) async fn serve(listener: tokio::net::TcpListener, router: Router, limits: Limits, mut stop: tokio::sync::oneshot::Receiver<()>) {
    use tower::ServiceExt as _;
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let (close_tx, close_rx) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let permit = tokio::select! {
            _ = &mut stop => break,
            permit = permits.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => break },
        };
        let stream = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it was accepted.
                Err(_) => { tokio::time::sleep(Duration::from_millis(20)).await; continue; }
            },
        };
        while connections.try_join_next().is_some() {}
        let router = router.clone();
        let service = hyper::service::service_fn(move |request: axum::http::Request<hyper::body::Incoming>| {
            let router = router.clone();
            async move {
                let answer = tokio::time::timeout(limits.request_timeout, router.oneshot(request.map(Body::new))).await;
                Ok::<_, std::convert::Infallible>(match answer {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
                    Err(_) => json_response(
                        408,
                        &serde_json::json!({"RequestId": new_request_id(), "Code": "RequestTimeout",
                            "Message": format!("The request was not completed within {:?}.", limits.request_timeout)}),
                        &[],
                    ),
                })
            }
        });
        let mut close = close_rx.clone();
        connections.spawn(async move {
            let _permit = permit;
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = close.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    drop(listener);
    let _ = close_tx.send(true);
    let _ = tokio::time::timeout(limits.shutdown_grace, async { while connections.join_next().await.is_some() {} }).await;
    connections.abort_all();
}

pub(super) fn plain(status: u16, text: String) -> Response {
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), text).into_response()
}

pub(super) const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";

pub(super) async fn metadata_token(Shared(inner): Shared<Arc<Inner>>, headers: HeaderMap) -> Response {
    let ttl = headers.get("x-aliyun-ecs-metadata-token-ttl-seconds").and_then(|v| v.to_str().ok());
    let mut world = inner.count("PUT /latest/api/token");
    match sts::metadata::token(&mut world.metadata_tokens, ttl, SystemTime::now()) {
        Ok(token) => plain(200, token),
        Err((status, message)) => plain(status, message),
    }
}

pub(super) fn metadata_admit(world: &World, headers: &HeaderMap) -> Result<(), (u16, String)> {
    let sent = headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok());
    sts::metadata::admit(&world.metadata_tokens, &world.state, sent, SystemTime::now())
}

pub(super) async fn metadata_role(Shared(inner): Shared<Arc<Inner>>, headers: HeaderMap) -> Response {
    let world = inner.count("GET /latest/meta-data/ram/security-credentials/");
    if let Err((status, message)) = metadata_admit(&world, &headers) {
        return plain(status, message);
    }
    match sts::metadata::role_name(&world.state) {
        Ok(name) => plain(200, name),
        Err((status, message)) => plain(status, message),
    }
}

pub(super) async fn metadata_credentials(
    Shared(inner): Shared<Arc<Inner>>,
    axum::extract::Path(role): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut world = inner.count("GET /latest/meta-data/ram/security-credentials/<role>");
    if let Err((status, message)) = metadata_admit(&world, &headers) {
        return plain(status, message);
    }
    match sts::metadata::credentials(&mut world.state, &role, SystemTime::now()) {
        Ok(body) => json_response(200, &body, &[]),
        Err((status, message)) => plain(status, message),
    }
}

pub(super) async fn credentials_uri(Shared(inner): Shared<Arc<Inner>>) -> Response {
    let mut world = inner.count("GET /_emulator/credentials");
    let body = sts::credentials_uri(&mut world.state, SystemTime::now());
    json_response(200, &body, &[])
}

pub(super) async fn state_view(Shared(inner): Shared<Arc<Inner>>) -> Response {
    let view = inner.world.lock().unwrap_or_else(|e| e.into_inner()).view();
    json_response(200, &view, &[])
}

pub(super) fn json_response(status: u16, body: &Value, headers: &[(&'static str, String)]) -> Response {
    let mut response = (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=utf-8"));
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            response.headers_mut().insert(*name, v);
        }
    }
    response
}

pub(super) async fn api(Shared(inner): Shared<Arc<Inner>>, method: Method, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    let request_id = new_request_id();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("").to_owned();
    let error = |fault: Fault, extra: &[(&'static str, String)]| {
        let mut world = inner.world.lock().unwrap_or_else(|e| e.into_inner());
        if world.recent_errors.len() == RECENT_ERRORS {
            world.recent_errors.pop_front();
        }
        world.recent_errors.push_back(serde_json::json!({"request_id": request_id, "status": fault.status, "code": fault.code}));
        drop(world);
        json_response(fault.status, &fault.body(&request_id, &host, &inner.service.product), extra)
    };
    inner.world.lock().unwrap_or_else(|e| e.into_inner()).requests += 1;
    let fault = inner.draw_fault();
    match fault {
        Some(FaultKind::Unavailable) => {
            return error(Fault::new(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."), &[])
        }
        Some(FaultKind::Throttling) => {
            return error(
                Fault::new(400, "Throttling.User", "Request was denied due to user flow control."),
                &[("x-acs-retry-after", "20".into())],
            )
        }
        _ => {}
    }
    let limit = inner.limits.max_body_bytes;
    let body = match axum::body::to_bytes(body, limit).await {
        Ok(body) => body,
        Err(e) if format!("{e:?}").contains("LengthLimit") => {
            return error(Fault::new(413, "RequestEntityTooLarge", format!("The request body is larger than {limit} bytes.")), &[])
        }
        Err(_) => return error(Fault::new(400, "InvalidRequest", "The request body could not be read to its end."), &[]),
    };
    let header_pairs: Vec<(String, String)> =
        headers.iter().map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
    let outcome = inner.answer(method.as_str(), uri.path(), uri.query().unwrap_or(""), &header_pairs, &body, &host, &request_id);
    let response = match outcome {
        Ok(body) => json_response(200, &body, &[("x-acs-request-id", body["RequestId"].as_str().unwrap_or(&request_id).to_owned())]),
        Err(fault) => error(fault, &[("x-acs-request-id", request_id.clone())]),
    };
    match fault {
        Some(FaultKind::Delay) => {
            tokio::time::sleep(inner.faults.as_ref().map(|(f, _)| f.delay).unwrap_or_default()).await;
            response
        }
        Some(FaultKind::Drop) => {
            // Headers go out, then the body fails: the server closes the connection mid-answer.
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "fault injection: connection dropped",
                ))
            });
            let (parts, _) = response.into_parts();
            Response::from_parts(parts, Body::from_stream(broken))
        }
        _ => response,
    }
}
