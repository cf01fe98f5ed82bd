//! `acs-emulator`: serve a spec's operations on loopback, verifying requests like the real
//! service. Prints the base URL as the first line on stdout; stops on SIGINT or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use acs_emulator::state::State;
use acs_emulator::{Emulator, Faults};
use clap::Parser;

/// A local Alibaba Cloud RPC endpoint for tests.
#[derive(Parser, Debug)]
#[command(name = "acs-emulator", version)]
struct Args {
    /// The api-docs.json whose operations to serve.
    #[arg(long, default_value = "spec/swas-open/2020-06-01/api-docs.json")]
    spec: PathBuf,
    /// Address to listen on (loopback; port 0 picks a free one). Another address is refused
    /// unless --allow-remote: the emulator issues working keys to whoever asks.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// Serve on a --listen address that is not loopback (with a warning).
    #[arg(long)]
    allow_remote: bool,
    /// The state file (access keys, servers, key pairs).
    #[arg(long)]
    state: PathBuf,
    /// Fraction of requests that get a fault (503, throttling, a slow answer, a dropped connection).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Seed of the fault sequence.
    #[arg(long, default_value_t = 0)]
    fault_seed: u64,
    /// How long a slow answer is held, in milliseconds (beyond the SDKs' 10 s read timeout by default).
    #[arg(long, default_value_t = 12_000)]
    fault_delay_ms: u64,
    /// The faults drawn, comma-separated: unavailable, throttling, delay, drop (default: all).
    #[arg(long, value_delimiter = ',', value_parser = acs_emulator::FaultKind::parse)]
    fault_kinds: Vec<acs_emulator::FaultKind>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match acs_emulator::check_listen(&args.listen, args.allow_remote) {
        Ok(None) => {}
        Ok(Some(warning)) => eprintln!("{warning}"),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let spec = match std::fs::read_to_string(&args.spec) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: {}: cannot read the spec: {e}", args.spec.display());
            return ExitCode::from(2);
        }
    };
    let state = match State::load(&args.state) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if !(0.0..=1.0).contains(&args.fault_rate) {
        eprintln!("error: --fault-rate {} is not a number from 0 to 1", args.fault_rate);
        return ExitCode::from(2);
    }
    let faults = (args.fault_rate > 0.0).then_some(Faults {
        rate: args.fault_rate,
        seed: args.fault_seed,
        delay: Duration::from_millis(args.fault_delay_ms),
        kinds: args.fault_kinds.clone(),
    });
    let emulator = match Emulator::new(&spec, &args.spec.display().to_string(), state, faults) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let running = match emulator.start(&args.listen).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.listen);
            return ExitCode::from(1);
        }
    };
    // The handlers are in place before the URL is printed: whoever reads it may signal at once,
    // and a signal that arrives before its handler would kill the process without a clean stop.
    let stop = match ShutdownSignal::install() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot install the signal handlers: {e}");
            return ExitCode::from(1);
        }
    };
    println!("{}", running.url);
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    stop.recv().await;
    eprintln!("acs-emulator: shutting down");
    running.stop().await;
    ExitCode::SUCCESS
}

/// SIGINT and SIGTERM, registered when installed (not on first poll).
struct ShutdownSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignal {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    async fn recv(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
