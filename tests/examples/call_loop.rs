//! `cargo xtask bench calls` runs this: N AttachKeyPair calls through the generated client
//! against an endpoint (the emulator), then one JSON line with the CPU this process spent in
//! the loop (user + system, from /proc/self/stat), so the emulator's work is not counted.
//!
//! Usage: `call_loop <endpoint-url> <calls> <v3|rpc>`

use acs_swas_open::attach_key_pair::AttachKeyPairRequest;
use acs_swas_open::{Client, Config, Credentials, SignatureVersion};

/// CPU seconds this process has used (Linux: utime + stime, in clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (url, calls, version) = (args[1].clone(), args[2].parse::<u32>().unwrap(), args[3].clone());
    let version = if version == "rpc" { SignatureVersion::Rpc } else { SignatureVersion::V3 };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client =
        Client::new(Config::new().endpoint(&url).credentials(Credentials::new("testid", "testsecret")).signature_version(version)).unwrap();
    let request = || AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test");
    // Warm up: connection, first-use initialisation.
    runtime.block_on(client.attach_key_pair(request())).unwrap();
    let (cpu, wall) = (cpu_seconds(), std::time::Instant::now());
    for _ in 0..calls {
        runtime.block_on(client.attach_key_pair(request())).unwrap();
    }
    println!(r#"{{"calls": {calls}, "cpu_s": {:.3}, "wall_s": {:.3}}}"#, cpu_seconds() - cpu, wall.elapsed().as_secs_f64());
}
