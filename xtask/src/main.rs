//! Project tasks: `cargo xtask codegen [--check]`, `cargo xtask corpus DIR`, `cargo xtask vectors <file>...`,
//! `cargo xtask fuzz [--seconds N]`.

mod bench;
mod codegen;
mod corpus;
mod fuzz;
mod scratch;
mod vectors;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate generated/ from spec/ (with --check: fail if generated/ is stale, write nothing).
    Codegen {
        /// Fail with a diff instead of writing.
        #[arg(long)]
        check: bool,
    },
    /// Benchmarks: `compile` (compile cost per operation), `calls` (client CPU per call against
    /// the official Python SDK).
    Bench {
        #[command(subcommand)]
        what: BenchTask,
    },
    /// (internal) Runs a command and prints its wall time and peak RSS.
    #[command(hide = true)]
    BenchProbe {
        /// The command.
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// Run every fuzz target (needs nightly and cargo-fuzz) and report executions and crashes.
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Only this target.
        #[arg(long)]
        target: Option<String>,
        /// Targets run at once.
        #[arg(long, default_value_t = 1)]
        parallel: usize,
    },
    /// Generate every api-docs*.json under DIR in memory and report, per product version, what
    /// was generated, skipped or refused and why; totals; skips grouped by construct.
    Corpus {
        /// A folder of metadata (e.g. ../shared/meta).
        dir: PathBuf,
    },
    /// Recompute signing test vectors (shared/vectors schema) with the runtime's signer.
    Vectors {
        /// Vector files.
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BenchTask {
    /// Compile cost per operation: generated ECS and SWAS, each built alone; with
    /// `--from-scratch`, a one-call program built from an empty target directory.
    Compile {
        /// Also build aws-sdk-lightsail 1.135.0 (or, from scratch, a one-call program on
        /// aws-config and it) in the same run and print the ratio.
        #[arg(long)]
        against_aws: bool,
        /// A one-call program built from scratch, as a user first waits for it: build time, peak
        /// RSS, binary sizes and the slowest crates.
        #[arg(long)]
        from_scratch: bool,
    },
    /// Client CPU per call against the emulator: ours and the official Python SDK, as a ratio.
    Calls {
        /// Calls our client makes.
        #[arg(long, default_value_t = 5000)]
        calls: u32,
        /// Calls the Python SDK makes (it is slower).
        #[arg(long, default_value_t = 500)]
        python_calls: u32,
        /// Rounds of every loop; the table shows medians, each ratio taken within a round.
        #[arg(long, default_value_t = 5)]
        rounds: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Codegen { check } => codegen::run(check),
        Task::Vectors { files } => vectors::run(&files),
        Task::Corpus { dir } => corpus::run(&dir),
        Task::Fuzz { seconds, target, parallel } => fuzz::run(seconds, target.as_deref(), parallel),
        Task::Bench { what: BenchTask::Calls { calls, python_calls, rounds } } => bench::calls(calls, python_calls, rounds),
        Task::Bench { what: BenchTask::Compile { against_aws, from_scratch: true } } => scratch::run(against_aws),
        Task::Bench { what: BenchTask::Compile { against_aws, from_scratch: false } } => bench::compile(against_aws),
        Task::BenchProbe { command } => bench::probe(&command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(e.downcast_ref::<codegen::SpecError>().map_or(1, |_| 2))
        }
    }
}

/// The workspace root.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace root").to_path_buf()
}
