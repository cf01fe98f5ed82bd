//! Test doubles for code that uses a generated client: no network, no account.
//!
//! * [`Replay`] is a [`Transport`] that answers from recorded answers, in order, and keeps the
//!   signed requests it was given for the test to inspect.
//! * [`Recorder`] wraps a real transport and keeps its answers, so a session against the
//!   emulator or the service can be saved ([`Recorder::to_json`]) and replayed later
//!   ([`Replay::from_json`]).
//!
//! For a live endpoint instead, start `acs-emulator` in-process (`Emulator::start`), which
//! checks signatures and parameters like the gateway and stops when its handle is dropped.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::error::TransportErrorKind;
use crate::json::{self, FromJson, Json, ObjectWriter, Reader, ToJson};
use crate::transport::{BoxFuture, HttpRequest, HttpResponse, Timeouts, Transport, TransportError};

/// One recorded answer, as [`Recorder::to_json`] writes it and [`Replay::from_json`] reads it:
/// `{"status": 200, "headers": [["content-type", "application/json"]], "body": "…"}`.
///
/// It is `serde`-serializable in that form too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// HTTP status.
    pub status: u16,
    /// Headers (absent in the JSON form: none).
    pub headers: Vec<(String, String)>,
    /// Body (text; absent in the JSON form: empty).
    pub body: String,
}

impl FromJson for Recorded {
    fn from_json(r: &mut Reader<'_>) -> json::Result<Self> {
        let (mut status, mut headers, mut body) = (None, Vec::new(), String::new());
        r.begin_object()?;
        while let Some(key) = r.key()? {
            match key {
                "status" => {
                    let code = r.i64()?.ok_or_else(|| r.error("`status` is null".into()))?;
                    status = Some(u16::try_from(code).map_err(|_| r.error(format!("`status` {code} is not an HTTP status")))?);
                }
                "headers" => {
                    for pair in Vec::<Vec<String>>::from_json(r)? {
                        let Ok([name, value]) = <[String; 2]>::try_from(pair) else {
                            return Err(r.error("a header is a pair [name, value]".into()));
                        };
                        headers.push((name, value));
                    }
                }
                "body" => body = r.string()?.unwrap_or_default(),
                _ => r.skip()?,
            }
        }
        Ok(Self { status: r.required(status, "status")?, headers, body })
    }
}

impl ToJson for Recorded {
    fn to_json(&self) -> Json {
        let mut w = ObjectWriter::new();
        w.required("status", &i32::from(self.status));
        let headers: Vec<Vec<&str>> = self.headers.iter().map(|(name, value)| vec![name.as_str(), value.as_str()]).collect();
        w.required("headers", &headers);
        w.required("body", &self.body);
        w.finish()
    }
}

crate::serde_via_json!(Recorded, Strict);

impl From<Recorded> for HttpResponse {
    fn from(r: Recorded) -> Self {
        HttpResponse { status: r.status, headers: r.headers, body: r.body.into_bytes() }
    }
}

/// Answers each request with the next recorded answer.
///
/// When the answers run out, a request fails with a transport error that says so (not
/// retried), so a test that makes one call too many fails clearly.
#[derive(Debug, Default)]
pub struct Replay {
    answers: Mutex<VecDeque<HttpResponse>>,
    requests: Mutex<Vec<HttpRequest>>,
}

impl Replay {
    /// Replays `answers` in order.
    pub fn new(answers: impl IntoIterator<Item = HttpResponse>) -> Self {
        Self { answers: Mutex::new(answers.into_iter().collect()), requests: Mutex::default() }
    }

    /// A JSON answer with status `status`.
    pub fn json(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), "application/json;charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Replays answers saved by [`Recorder::to_json`]; the error names the JSON path.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let recorded: Vec<Recorded> =
            json::from_str(text, json::Mode::Strict).map_err(|e| format!("not a list of recorded answers: {e}"))?;
        Ok(Self::new(recorded.into_iter().map(HttpResponse::from)))
    }

    /// The requests received so far, signed, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many answers are left.
    pub fn remaining(&self) -> usize {
        self.answers.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl Transport for Replay {
    fn send(&self, request: HttpRequest, _: Timeouts) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        requests.push(request);
        let answer = self.answers.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
        let outcome = answer.ok_or_else(|| TransportError {
            kind: TransportErrorKind::Io,
            message: format!("the replay has no recorded answer for request {}", requests.len()),
        });
        Box::pin(std::future::ready(outcome))
    }
}

/// Sends through another transport and keeps every answer.
pub struct Recorder {
    inner: Arc<dyn Transport>,
    answers: Mutex<Vec<Recorded>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").field("answers", &self.answers.lock().map(|a| a.len()).unwrap_or(0)).finish_non_exhaustive()
    }
}

impl Recorder {
    /// Records what `inner` answers.
    pub fn new(inner: Arc<dyn Transport>) -> Self {
        Self { inner, answers: Mutex::default() }
    }

    /// The answers so far as JSON, for [`Replay::from_json`]. Answers carry no credentials
    /// (requests, which do, are not recorded).
    pub fn to_json(&self) -> String {
        let answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        serde_json::to_string_pretty(&answers.to_json()).unwrap_or_else(|_| "[]".into())
    }
}

impl Transport for Recorder {
    fn send(&self, request: HttpRequest, timeouts: Timeouts) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let response = self.inner.send(request, timeouts).await?;
            self.answers.lock().unwrap_or_else(|e| e.into_inner()).push(Recorded {
                status: response.status,
                headers: response.headers.clone(),
                body: String::from_utf8_lossy(&response.body).into_owned(),
            });
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_answers_round_trip_through_json_and_serde() {
        let answers = vec![
            Recorded {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: r#"{"RequestId":"R"}"#.into(),
            },
            Recorded { status: 503, headers: vec![], body: String::new() },
        ];
        let text = serde_json::to_string(&answers).unwrap();
        assert_eq!(serde_json::from_str::<Vec<Recorded>>(&text).unwrap(), answers);
        assert_eq!(json::from_str::<Vec<Recorded>>(&text, json::Mode::Strict).unwrap(), answers);
        let minimal: Vec<Recorded> = json::from_str(r#"[{"status":404}]"#, json::Mode::Strict).unwrap();
        assert_eq!(minimal, [Recorded { status: 404, headers: vec![], body: String::new() }], "headers and body may be left out");
    }

    #[test]
    fn a_malformed_recording_is_refused_with_its_path() {
        for (text, expected) in [
            (r#"[{"status":200,"headers":[["a"]]}]"#, "pair"),
            (r#"[{"status":200,"headers":[["a","b","c"]]}]"#, "pair"),
            (r#"[{"status":70000}]"#, "not an HTTP status"),
            (r#"[{"body":"x"}]"#, "missing field `status`"),
        ] {
            let Err(error) = Replay::from_json(text) else { panic!("{text} was accepted") };
            assert!(error.contains(expected) && error.contains("[0]"), "{text}: {error}");
        }
    }
}
