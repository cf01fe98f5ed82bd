//! What every generated command-line front end shares: global flags, client setup, `--dry-run`,
//! output and exit statuses. The generated part only declares one row per operation
//! (`cli/table.rs`): its flags, and the function that reads its typed request.
//!
//! Longer than 500 lines on purpose: every global flag, its parsing and the one run path all
//! generated CLIs share (execute, `--pager`, `--waiter`, printing) read as one; how an answer is
//! shaped (queries, tables, merged pages) is apart in `cli/shape.rs`.
//!
//! Exit statuses: 0 success; 2 for requests that are invalid before anything is sent (bad flags,
//! bad JSON in a flag, a broken constraint); 1 for everything else (credentials, endpoint,
//! transport, service errors).

use std::io::Write;
use std::time::Duration;

use crate::client::any::BoxedRequest;
use crate::client::{CallOptions, Client, Config, SignatureVersion};
use crate::credentials::Environment;
use crate::error::Error;
use crate::paging::PageWire;
use crate::service::ServiceInfo;
use crate::wait::{WaitError, WaitPolicy};

pub mod shape;
pub mod table;

pub use shape::{join_flag_words, Output, Waiter};
pub use table::{paged_request, request, run, Flag, Kind, Program, Request, Scalar, Subcommand};

/// Signature version flag values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SignatureArg {
    /// ACS3-HMAC-SHA256.
    V3,
    /// RPC HMAC-SHA1.
    Rpc,
}

/// Retry mode flag values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RetryModeArg {
    /// Retries within the attempts and the retry budget.
    Standard,
    /// Standard, and a send rate that throttling slows.
    Adaptive,
}

/// Flags every generated command has, before or after the subcommand.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Endpoint: host, host:port or URL (e.g. http://127.0.0.1:8080). Default: the region's.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Region whose endpoint to call (default: the request's RegionId).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Network whose endpoints to call, as aliyun-cli's: vpc (PRODUCT-vpc.REGION.aliyuncs.com,
    /// from inside a VPC) or public (the default). --endpoint wins.
    #[arg(long, global = true, value_name = "TYPE")]
    pub endpoint_type: Option<String>,
    /// Profile of ~/.alibabacloud/credentials.ini or ~/.aliyun/config.json.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Signature version.
    #[arg(long, global = true, value_enum, default_value = "v3")]
    pub signature_version: SignatureArg,
    /// A header sent and signed with the call, as aliyun-cli's `--header`: NAME=VALUE, repeatable.
    #[arg(long, global = true, value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub header: Vec<(String, String)>,
    /// A query parameter sent and signed with the call, beyond the operation's: NAME=VALUE,
    /// repeatable.
    #[arg(long, global = true, value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub extra_query: Vec<(String, String)>,
    /// A proxy for every call: http://, socks5:// or socks5h:// (the proxy resolves names), with
    /// an optional user:password@. Default: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY.
    #[arg(long, global = true, value_name = "URL")]
    pub proxy: Option<String>,
    /// PEM certificates to trust besides Mozilla's roots. Default: SSL_CERT_FILE or
    /// REQUESTS_CA_BUNDLE.
    #[arg(long, global = true, value_name = "PATH")]
    pub ca_bundle: Option<std::path::PathBuf>,
    /// A PEM client certificate chain, for servers that ask for one (with --client-key).
    #[arg(long, global = true, value_name = "PATH", requires = "client_key")]
    pub client_cert: Option<std::path::PathBuf>,
    /// The PEM private key of --client-cert.
    #[arg(long, global = true, value_name = "PATH", requires = "client_cert")]
    pub client_key: Option<std::path::PathBuf>,
    /// The lowest TLS version accepted: TLSv1.2 (the default) or TLSv1.3.
    #[arg(long, global = true, value_name = "VERSION", value_parser = crate::transport::TlsVersion::parse)]
    pub tls_min_version: Option<crate::transport::TlsVersion>,
    /// Validate and sign, print the HTTP request that would be sent, send nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Connect timeout in milliseconds.
    #[arg(long, global = true, value_name = "MS")]
    pub connect_timeout_ms: Option<u64>,
    /// Read timeout in milliseconds.
    #[arg(long, global = true, value_name = "MS")]
    pub read_timeout_ms: Option<u64>,
    /// Attempts in all, retries included.
    #[arg(long, global = true, value_name = "N")]
    pub max_attempts: Option<u32>,
    /// Retry mode: standard (attempts within the client's retry budget), or adaptive (also
    /// slows sending after throttling).
    #[arg(long, global = true, value_enum, default_value = "standard")]
    pub retry_mode: RetryModeArg,
    /// A limit on the whole call, retries included, in milliseconds.
    #[arg(long, global = true, value_name = "MS")]
    pub deadline_ms: Option<u64>,
    /// How to print the response: auto (pretty on a terminal, compact when piped), pretty,
    /// compact, or a table: `table`, or aliyun-cli's `cols=InstanceId,Status [rows=Instances[]]`
    /// (columns and rows are JMESPath). JSON keeps the service's key order, unless --query or
    /// --pager reshaped it.
    #[arg(long, global = true, value_name = "FORMAT", default_value = "auto", value_parser = shape::parse_output, overrides_with = "output")]
    pub output: Output,
    /// Filters the answer with a JMESPath expression before printing it, e.g.
    /// `Instances[?Status=='Running'].InstanceId`.
    #[arg(long, visible_alias = "cli-query", global = true, value_name = "JMESPATH", value_parser = parse_query)]
    pub query: Option<String>,
    /// Calls every page of a list operation and prints their items merged into one answer,
    /// stopping as the library's paginator does.
    #[arg(long, global = true)]
    pub pager: bool,
    /// Calls the operation again until a JMESPath expression on the answer reaches a value:
    /// `--waiter expr=Instances[0].Status to=Running`.
    #[arg(long, global = true, value_name = "expr=JMESPATH to=VALUE", value_parser = shape::parse_waiter, conflicts_with = "pager")]
    pub waiter: Option<Waiter>,
    /// The longest --waiter polls, in seconds.
    #[arg(long, global = true, value_name = "SECONDS", default_value = "180", value_parser = parse_seconds)]
    pub waiter_timeout: Duration,
    /// The pause between --waiter's polls, in seconds (at least 0.1).
    #[arg(long, global = true, value_name = "SECONDS", default_value = "5", value_parser = parse_seconds)]
    pub waiter_interval: Duration,
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_owned(), value.to_owned())),
        _ => Err(format!("{:?} is not NAME=VALUE", crate::text::printable(text, 100))),
    }
}

fn parse_query(text: &str) -> Result<String, String> {
    shape::check("--query", text).map(|()| text.to_owned())
}

/// Seconds, fractions allowed, from 0.1 to a day.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if (0.1..=86_400.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!("{text:?} is not a number of seconds from 0.1 to 86400")),
    }
}

pub use crate::service::CLI_GLOBAL_FLAGS;

impl GlobalArgs {
    /// The client configuration these flags describe.
    pub fn config(&self, environment: Environment) -> Config {
        let mut config = Config::new().environment(environment).signature_version(match self.signature_version {
            SignatureArg::V3 => SignatureVersion::V3,
            SignatureArg::Rpc => SignatureVersion::Rpc,
        });
        if let Some(e) = &self.endpoint {
            config = config.endpoint(e);
        }
        if let Some(r) = &self.region {
            config = config.region(r);
        }
        if let Some(n) = &self.endpoint_type {
            config = config.network(n);
        }
        for (name, value) in &self.header {
            config = config.header(name, value);
        }
        if let Some(proxy) = &self.proxy {
            config = config.proxy(proxy);
        }
        if self.ca_bundle.is_some() || self.client_cert.is_some() || self.tls_min_version.is_some() {
            let mut tls = crate::transport::TlsSettings::from_env();
            if let Some(path) = &self.ca_bundle {
                tls = tls.ca_bundle(path);
            }
            if let (Some(cert), Some(key)) = (&self.client_cert, &self.client_key) {
                tls = tls.client_certificate(cert, key);
            }
            if let Some(version) = self.tls_min_version {
                tls = tls.min_version(version);
            }
            config = config.tls(tls);
        }
        for (name, value) in &self.extra_query {
            config = config.query(name, value);
        }
        if let Some(p) = &self.profile {
            config = config.profile(p);
        }
        let mut timeouts = crate::transport::Timeouts::default();
        if let Some(ms) = self.connect_timeout_ms {
            timeouts.connect = std::time::Duration::from_millis(ms);
        }
        if let Some(ms) = self.read_timeout_ms {
            timeouts.read = std::time::Duration::from_millis(ms);
        }
        config = config.timeouts(timeouts);
        if let Some(ms) = self.deadline_ms {
            config = config.deadline(std::time::Duration::from_millis(ms));
        }
        if self.retry_mode == RetryModeArg::Adaptive {
            config = config.retry_mode(crate::client::RetryMode::Adaptive);
        }
        if let Some(n) = self.max_attempts {
            config = config.retry(crate::client::RetryPolicy { max_attempts: n.max(1), ..Default::default() });
        }
        config
    }
}

/// The largest file a binary-body flag (`--body-file`) reads: 64 MiB, far above what any
/// product documents (OCR takes 10 MB). A larger file is refused before it is read.
pub const MAX_BODY_FILE_BYTES: u64 = 64 << 20;

/// Reads a binary-body flag's file: a regular file (so a FIFO or a device cannot block or
/// stream without end) of at most [`MAX_BODY_FILE_BYTES`], naming the flag and the file when not.
pub fn body_file(flag: &str, path: &std::path::Path) -> Result<crate::bytes::Bytes, String> {
    use std::io::Read as _;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("--{flag} {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("--{flag} {shown}: not a regular file"));
    }
    if meta.len() > MAX_BODY_FILE_BYTES {
        return Err(format!("--{flag} {shown}: {} bytes, more than the limit of {MAX_BODY_FILE_BYTES}", meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("--{flag} {shown}: {e}"))?;
    // Bounded again while reading: the file may grow after it was measured.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_BODY_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("--{flag} {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_BODY_FILE_BYTES {
        return Err(format!("--{flag} {shown}: grew past the limit of {MAX_BODY_FILE_BYTES} bytes while read"));
    }
    Ok(bytes.into())
}

/// Prints a clap parse error (help and version go to `out` with status 0).
pub fn parse_error(error: clap::Error, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let text = error.render().to_string();
    if error.use_stderr() {
        let _ = write!(err, "{text}");
        2
    } else {
        let _ = write!(out, "{text}");
        0
    }
}

/// Reports a flag that could not become a request (status 2).
pub fn usage_error(message: &str, err: &mut dyn Write) -> i32 {
    let _ = writeln!(err, "error: {message}");
    2
}

/// The most that `--pager` gathers: 256 MiB of pages. A list that large is refused, not merged
/// until memory runs out.
pub const MAX_PAGER_BYTES: usize = 256 << 20;

/// Runs one operation whose flags became `request` (or a usage error, status 2): sets up the
/// client, then prints the signed request (`--dry-run`), or calls the service (again and again
/// with `--waiter`, page after page with `--pager`) and prints the answer as `--query` and
/// `--output` shape it. Returns the exit status. One path for every operation: the request's
/// type is erased, and its answer printed as received.
async fn execute(
    global: &GlobalArgs,
    service: &'static ServiceInfo,
    environment: Environment,
    op: &Subcommand,
    request: Result<(BoxedRequest, String), String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let (mut request, json) = match request {
        Ok(ready) => ready,
        Err(message) => return usage_error(&message, err),
    };
    let paging = match (global.pager, &op.request.paging) {
        (false, _) => None,
        (true, Some(paging)) => Some(paging),
        (true, None) => return usage_error(&format!("--pager: {} is not a list operation", request.info().action), err),
    };
    let client = match Client::new(service, global.config(environment)) {
        Ok(client) => client,
        Err(e) => return report(&e, err),
    };
    if global.dry_run {
        return match client.signed_request_any(&mut *request).await {
            Ok(signed) => {
                let _ = write!(out, "{}", signed.to_http_text());
                0
            }
            Err(e) => report(&e, err),
        };
    }
    if let Some(waiter) = &global.waiter {
        return wait(global, &client, op, &json, waiter, out, err).await;
    }
    if let Some(paging) = paging {
        return pager(global, &client, request, paging, out, err).await;
    }
    match client.call_any(&mut *request, &CallOptions::default()).await {
        Ok((_, body)) => print(global, &body, out, err),
        Err(e) => report(&e, err),
    }
}

/// `--pager`: every page, from the request's position on, merged under the items' path
/// (aliyun-cli's shape); pages follow one another and stop by the library's paginator's rules
/// ([`crate::paging::next_cursor`]), read from each body where the operation's facts are.
async fn pager(
    global: &GlobalArgs,
    client: &Client,
    mut request: BoxedRequest,
    paging: &PageWire,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let options = CallOptions::default();
    let (mut bodies, mut gathered, mut seen, mut tokens) = (Vec::new(), 0usize, 0u64, std::collections::HashSet::new());
    loop {
        let body = match client.call_any(&mut *request, &options).await {
            Ok((_, body)) => body,
            Err(e) => return report(&e, err),
        };
        gathered += body.len();
        if gathered > MAX_PAGER_BYTES {
            let _ = writeln!(
                err,
                "error: --pager: the pages passed {MAX_PAGER_BYTES} bytes after {} pages; narrow the list or page by hand",
                bodies.len() + 1
            );
            return 1;
        }
        let info = match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(value) => paging.page_info(&value),
            Err(e) => {
                let _ = writeln!(err, "error: --pager: page {} is not JSON ({e})", bodies.len() + 1);
                return 1;
            }
        };
        bodies.push(body);
        seen += info.items as u64;
        let Some(cursor) = request.cursor() else { break };
        match crate::paging::next_cursor(&cursor, request.page_size(), &info, seen, &mut tokens) {
            Ok(Some(next)) => request.set_cursor(&next),
            Ok(None) => break,
            Err(error) => return report(&Error::Paging { operation: request.info().action, error }, err),
        }
    }
    match shape::merge_pages(paging.items, &bodies) {
        Ok(merged) => print_value(global, merged, out, err),
        Err(message) => {
            let _ = writeln!(err, "error: --pager: {}", crate::text::printable(&message, 1000));
            1
        }
    }
}

/// `--waiter`: polls until the expression reaches the value, then prints that answer. Past
/// `--waiter-timeout`, status 1 with the last answer printed. Each poll is a new request read
/// from the same flags, so it is prepared (an idempotency token filled) as a first call is.
async fn wait(
    global: &GlobalArgs,
    client: &Client,
    op: &Subcommand,
    json: &str,
    waiter: &Waiter,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let policy = WaitPolicy::default().interval(global.waiter_interval).max_wait(global.waiter_timeout);
    let options = CallOptions::default();
    let polled = crate::wait::poll_until(
        &policy,
        || async {
            let mut request = (op.request.read)(json).map_err(|e| Error::Config(format!("the request's flags: {e}")))?;
            client.call_any(&mut *request, &options).await.map(|(_, body)| body)
        },
        |body| waiter.reached(body),
    )
    .await;
    match polled {
        Ok(body) => print(global, &body, out, err),
        Err(WaitError::Failed(e)) => report(&e, err),
        Err(WaitError::TimedOut { last, polls, waited }) => {
            let _ = writeln!(
                err,
                "error: --waiter: {} did not reach {:?} within {:.1} s ({polls} polls){}",
                crate::text::printable(&waiter.expr, 500),
                crate::text::printable(&waiter.to, 500),
                waited.as_secs_f64(),
                if last.is_some() { "; the last answer follows" } else { "" }
            );
            if let Some(last) = last {
                print(global, &last, out, err);
            }
            1
        }
    }
}

/// Prints an answer's body as `--query` and `--output` ask.
fn print(global: &GlobalArgs, body: &[u8], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    if global.query.is_none() && !matches!(global.output, Output::Table { .. }) {
        let text = match reformat_json(body, pretty(global)) {
            Some(json) => json,
            // Not JSON (a text response): shown without control characters, line breaks kept.
            None => String::from_utf8_lossy(body).lines().map(|l| crate::text::printable(l, usize::MAX)).collect::<Vec<_>>().join("\n"),
        };
        let _ = writeln!(out, "{}", text.trim_end_matches('\n'));
        return 0;
    }
    match serde_json::from_slice(body) {
        Ok(value) => print_value(global, value, out, err),
        Err(e) => {
            let _ = writeln!(err, "error: the answer is not JSON ({e}), so --query and tables cannot read it");
            1
        }
    }
}

/// Prints a JSON value as `--query` and `--output` ask.
fn print_value(global: &GlobalArgs, value: serde_json::Value, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let value = match &global.query {
        Some(query) => match shape::search(query, &value) {
            Ok(found) => found,
            Err(message) => {
                let _ = writeln!(err, "error: --query {message}");
                return 1;
            }
        },
        None => value,
    };
    let text = match &global.output {
        Output::Table { cols, rows } => match shape::table(&value, cols, rows.as_deref()) {
            Ok(table) => table,
            Err(message) => {
                let _ = writeln!(err, "error: --output {message}");
                return 1;
            }
        },
        _ => reformat_json(value.to_string().as_bytes(), pretty(global)).unwrap_or_default(),
    };
    let _ = writeln!(out, "{}", text.trim_end_matches('\n'));
    0
}

fn pretty(global: &GlobalArgs) -> bool {
    match global.output {
        Output::Pretty => true,
        Output::Compact => false,
        _ => std::io::IsTerminal::is_terminal(&std::io::stdout()),
    }
}

/// Rewrites a JSON document with indentation (`pretty`) or without any whitespace, keeping its
/// keys in the order sent (a `serde_json::Value` would sort them). JSON escapes every control
/// character inside strings, so the output carries none to the terminal. `None` if `body` is not
/// JSON.
pub fn reformat_json(body: &[u8], pretty: bool) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        if pretty {
            out.push('\n');
            out.extend(std::iter::repeat_n("  ", depth));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            out.push(c);
                            out.extend(chars.next());
                        }
                        '"' => {
                            out.push(c);
                            break;
                        }
                        // JSON allows C1 controls (U+0080–U+009F, 8-bit CSI among them) raw in
                        // strings; a terminal must not see them.
                        // Nor bidi and zero-width characters, which reorder or hide text: as
                        // escapes, the JSON means the same.
                        c if c.is_control() || crate::text::is_hidden_format(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
            }
            '{' | '[' => {
                out.push(c);
                // An empty container stays on one line.
                while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.extend(chars.next());
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(if pretty { ": " } else { ":" }),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// A binary's `main`: runs `command` (the generated `run` with the process's arguments,
/// environment, stdout and stderr) to completion and turns its status into the exit code.
pub fn main(command: impl std::future::Future<Output = i32>) -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let code = runtime.block_on(command);
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Prints an error with its code and request id; returns 2 for validation errors, else 1.
/// Text that came from the service (code, message, ids) is printed without control characters,
/// so an answer cannot move the cursor, recolour or rewrite the user's terminal.
pub fn report(error: &Error, err: &mut dyn Write) -> i32 {
    let clean = |text: &str| crate::text::printable(text, 4096);
    let _ = writeln!(err, "error: {}", clean(&error.to_string()));
    if let Some(service) = error.service_error() {
        let _ = writeln!(err, "code: {}", clean(&service.code));
        let _ = writeln!(err, "http status: {}", service.status);
        if let Some(id) = &service.request_id {
            let _ = writeln!(err, "request id: {}", clean(id));
        }
        if let Some(link) = &service.recommend {
            let _ = writeln!(err, "recommend: {}", clean(link));
        }
    }
    match error {
        Error::Validation(_) => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_body_file_is_a_bounded_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("image.png");
        std::fs::write(&image, b"\x89PNG\x00\xff").unwrap();
        assert_eq!(&super::body_file("body-file", &image).unwrap()[..], b"\x89PNG\x00\xff");
        // A device or a directory never blocks or streams: refused before any read.
        for path in [std::path::Path::new("/dev/zero"), dir.path()] {
            let err = super::body_file("body-file", path).unwrap_err();
            assert!(err.starts_with("--body-file ") && err.ends_with("not a regular file"), "{err}");
        }
        let big = dir.path().join("big");
        std::fs::File::create(&big).unwrap().set_len(super::MAX_BODY_FILE_BYTES + 1).unwrap();
        let err = super::body_file("body-file", &big).unwrap_err();
        assert!(err.contains("more than the limit of 67108864"), "{err}");
        assert!(super::body_file("body-file", &dir.path().join("missing")).unwrap_err().contains("No such file"));
    }

    #[test]
    fn bidi_and_zero_width_characters_from_the_service_never_reach_the_terminal_raw() {
        let hostile = "a\u{202e}b\u{2066}c\u{200b}d\u{feff}e";
        // In a JSON body: escaped, so the JSON means the same and the terminal sees no override.
        let body = serde_json::json!({"Code": "X", "Name": hostile}).to_string();
        let shown = super::reformat_json(body.as_bytes(), false).unwrap();
        assert_eq!(shown, r#"{"Code":"X","Name":"a\u202eb\u2066c\u200bd\ufeffe"}"#);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&shown).unwrap()["Name"], hostile);
        // In an error's code, message and request id: shown as escapes.
        let error = crate::Error::Service {
            operation: "Op",
            error: Box::new(crate::ServiceError {
                status: 400,
                code: format!("Bad{hostile}"),
                message: hostile.to_owned(),
                request_id: Some(format!("R{hostile}")),
                host_id: None,
                recommend: None,
                body: String::new(),
            }),
            attempts: 1,
        };
        let mut err = Vec::new();
        super::report(&error, &mut err);
        let err = String::from_utf8(err).unwrap();
        assert!(!err.chars().any(crate::text::is_hidden_format), "{err:?}");
        assert!(err.contains("code: Bada\\u{202e}b\\u{2066}c\\u{200b}d\\u{feff}e"), "{err}");
        assert!(err.contains("request id: Ra\\u{202e}"), "{err}");
    }

    use clap::CommandFactory;

    #[test]
    fn json_is_reformatted_in_the_order_sent() {
        let body = br#" {"Zeta": 1, "Alpha": {"b": [1, 2, {}], "a": "x, y: {\"z\"}"}, "E": [], "U": "\u001b[31m"} "#;
        assert_eq!(
            super::reformat_json(body, false).unwrap(),
            r#"{"Zeta":1,"Alpha":{"b":[1,2,{}],"a":"x, y: {\"z\"}"},"E":[],"U":"\u001b[31m"}"#
        );
        assert_eq!(
            super::reformat_json(body, true).unwrap(),
            "{\n  \"Zeta\": 1,\n  \"Alpha\": {\n    \"b\": [\n      1,\n      2,\n      {}\n    ],\n    \"a\": \"x, y: {\\\"z\\\"}\"\n  },\n  \"E\": [],\n  \"U\": \"\\u001b[31m\"\n}"
        );
        assert_eq!(super::reformat_json(b"not json", true), None);
        assert_eq!(super::reformat_json("[\"a\u{9b}31mb\"]".as_bytes(), false).unwrap(), "[\"a\\u009b31mb\"]");
        assert_eq!(super::reformat_json(b"{\"a\": \"\x1b\"}", true), None, "raw control characters are not JSON");
    }

    #[derive(clap::Parser)]
    struct Probe {
        #[command(flatten)]
        global: super::GlobalArgs,
    }

    #[test]
    fn every_global_flag_is_reserved_for_the_generator() {
        for arg in Probe::command().get_arguments() {
            if let Some(long) = arg.get_long() {
                assert!(super::CLI_GLOBAL_FLAGS.contains(&long), "--{long} is missing from CLI_GLOBAL_FLAGS");
            }
        }
    }
}
