//! `cargo xtask bench calls` runs this: N AttachKeyPair calls through the generated client
//! against an endpoint (the emulator), then one JSON line with the CPU this process spent in
//! the loop (exactly, and split into user and system as the kernel samples them), so the
//! emulator's work is not counted.
//!
//! Usage: `call_loop <endpoint-url> <calls> <v3|rpc|transport|hyper|floor>`. `floor` is the
//! baseline: the same requests, signed before the timed loop, written and their answers read over
//! one kept-alive socket with blocking std I/O, no HTTP library: the CPU any client pays the
//! kernel for an exchange on loopback. `transport` sends those presigned requests through the
//! default transport alone: the HTTP stack's share, without signing, retries or decoding.
//! `hyper` sends them over one bare hyper HTTP/1.1 connection (no pool, no proxy, no timeouts),
//! each turned into a hyper request in the loop as a transport must: the least any client on
//! tokio and hyper can cost.

use acs_swas_open::attach_key_pair::AttachKeyPairRequest;
use acs_swas_open::{Client, Config, Credentials, SignatureVersion};

/// The CPU this process has used: the exact total (CLOCK_PROCESS_CPUTIME_ID, nanoseconds), and
/// its split into user and system time (getrusage), which the kernel apportions by tick
/// sampling, so the split is approximate where the total is not.
fn cpu_seconds() -> (f64, f64, f64) {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid, writable timespec; the clock id is a constant the kernel knows.
    let total = if unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) } == 0 {
        now.tv_sec as f64 + now.tv_nsec as f64 * 1e-9
    } else {
        f64::NAN
    };
    // SAFETY: `rusage` is plain data, valid when zeroed, and `getrusage` only writes to it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    // SAFETY: as above; RUSAGE_SELF is a constant the kernel knows.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return (total, f64::NAN, f64::NAN);
    }
    (total, seconds(usage.ru_utime), seconds(usage.ru_stime))
}

/// `calls + 1` requests signed ahead of the timed loop, each with its own nonce and token, so
/// the endpoint accepts and serves every one as it would a client's (a replayed request is
/// refused early, which is cheaper for both sides and would flatter the baseline).
fn presigned(url: &str, calls: u32) -> (tokio::runtime::Runtime, Vec<acs_runtime::HttpRequest>) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = Client::new(Config::new().endpoint(url).credentials(Credentials::new("testid", "testsecret"))).unwrap();
    let signed = (0..=calls)
        .map(|_| runtime.block_on(client.signed_request(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test"))).unwrap())
        .collect();
    (runtime, signed)
}

/// The floor: the same exchanges over a raw socket.
fn floor(url: &str, calls: u32) {
    use std::io::{Read, Write};
    let (_runtime, signed) = presigned(url, calls);
    let wire: Vec<Vec<u8>> = signed
        .iter()
        .map(|signed| {
            let target = signed.url.trim_start_matches("http://").split_once('/').unwrap().1;
            let mut head = format!("{} /{target} HTTP/1.1\r\n", signed.method.as_str());
            for (name, value) in &signed.headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str(&format!("content-length: {}\r\n\r\n", signed.body.len()));
            let mut bytes = head.into_bytes();
            bytes.extend_from_slice(&signed.body);
            bytes
        })
        .collect();
    let host_port = signed[0].url.trim_start_matches("http://").split_once('/').unwrap().0;
    let mut stream = std::net::TcpStream::connect(host_port).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut exchange = |stream: &mut std::net::TcpStream, bytes: &[u8]| {
        stream.write_all(bytes).unwrap();
        // Read the head, then as much body as its content-length says.
        let mut have = 0;
        loop {
            have += stream.read(&mut buffer[have..]).unwrap();
            let text = String::from_utf8_lossy(&buffer[..have]);
            if let Some(end) = text.find("\r\n\r\n") {
                assert!(text.starts_with("HTTP/1.1 200"), "{text}");
                let length = text[..end]
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap()))
                    .unwrap_or(0);
                if have >= end + 4 + length {
                    return;
                }
            }
        }
    };
    exchange(&mut stream, &wire[0]);
    let (cpu, wall) = (cpu_seconds(), std::time::Instant::now());
    for bytes in &wire[1..] {
        exchange(&mut stream, bytes);
    }
    report(calls, cpu, wall);
}

/// The default transport alone, sending the same requests.
fn transport(url: &str, calls: u32) {
    use acs_runtime::transport::{HttpTransport, Timeouts, Transport};
    let (runtime, mut signed) = presigned(url, calls);
    let transport = HttpTransport::new();
    runtime.block_on(async {
        let send = |request| async {
            let response = transport.send(request, Timeouts::default()).await.unwrap();
            assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
        };
        send(signed.remove(0)).await;
        let (cpu, wall) = (cpu_seconds(), std::time::Instant::now());
        for request in signed {
            send(request).await;
        }
        report(calls, cpu, wall);
    });
}

/// One bare hyper connection (the connection task spawned, as hyper's documentation does),
/// sending the same requests.
fn bare_hyper(url: &str, calls: u32) {
    use http_body_util::{BodyExt, Full};
    let (runtime, signed) = presigned(url, calls);
    let host_port = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let to_hyper = |signed: acs_runtime::HttpRequest| {
        let target = signed.url.trim_start_matches("http://").split_once('/').unwrap().1;
        let mut request = http::Request::builder().method(signed.method.as_str()).uri(format!("/{target}"));
        for (name, value) in &signed.headers {
            request = request.header(name.as_ref(), value.as_ref());
        }
        request.body(Full::new(bytes::Bytes::from(signed.body))).unwrap()
    };
    runtime.block_on(async move {
        let stream = tokio::net::TcpStream::connect(&host_port).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
        tokio::spawn(connection);
        let mut cpu = None;
        for (i, signed) in signed.into_iter().enumerate() {
            if i == 1 {
                cpu = Some((cpu_seconds(), std::time::Instant::now()));
            }
            sender.ready().await.unwrap();
            let response = sender.send_request(to_hyper(signed)).await.unwrap();
            assert_eq!(response.status(), 200);
            std::hint::black_box(response.into_body().collect().await.unwrap().to_bytes());
        }
        let (cpu, wall) = cpu.unwrap();
        report(calls, cpu, wall);
    });
}

fn report(calls: u32, cpu: (f64, f64, f64), wall: std::time::Instant) {
    let (total, user, system) = cpu_seconds();
    // A figure the kernel would not give is `null` (serde_json writes no NaN), which the bench
    // reports as missing.
    let line = serde_json::json!({
        "calls": calls,
        "cpu_s": total - cpu.0,
        "user_s": user - cpu.1,
        "system_s": system - cpu.2,
        "wall_s": wall.elapsed().as_secs_f64(),
    });
    println!("{line}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (url, calls, version) = (args[1].clone(), args[2].parse::<u32>().unwrap(), args[3].clone());
    match version.as_str() {
        "floor" => return floor(&url, calls),
        "transport" => return transport(&url, calls),
        "hyper" => return bare_hyper(&url, calls),
        _ => {}
    }
    let version = if version == "rpc" { SignatureVersion::Rpc } else { SignatureVersion::V3 };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client =
        Client::new(Config::new().endpoint(&url).credentials(Credentials::new("testid", "testsecret")).signature_version(version)).unwrap();
    let request = || AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test");
    // One task makes every call, as an async program does (and as the bare hyper row does):
    // the runtime is entered once, not once per call.
    runtime.block_on(async {
        // Warm up: connection, first-use initialisation.
        client.attach_key_pair(request()).await.unwrap();
        let (cpu, wall) = (cpu_seconds(), std::time::Instant::now());
        for _ in 0..calls {
            client.attach_key_pair(request()).await.unwrap();
        }
        report(calls, cpu, wall);
    });
}
