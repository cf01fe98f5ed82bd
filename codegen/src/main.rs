//! `acs-codegen`: generate a client crate from an `api-docs.json` file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use acs_codegen::{fetch, generate_file, write, Error, Settings};
use clap::Parser;

/// Generate a typed, validated Rust client crate from Alibaba Cloud API metadata.
#[derive(Parser, Debug)]
#[command(name = "acs-codegen", disable_version_flag = true)]
struct Args {
    /// The api-docs.json file.
    #[arg(long, required_unless_present = "product", conflicts_with = "product")]
    spec: Option<PathBuf>,
    /// A product code (`cs`, `Ecs`): its metadata is downloaded (once; then cached) and generated.
    #[arg(long, requires = "api_version")]
    product: Option<String>,
    /// The product's API version, with --product (`2015-12-15`).
    #[arg(long = "version", requires = "product", value_name = "VERSION")]
    api_version: Option<String>,
    /// Where --product downloads from [default: https://api.aliyun.com/meta/v1].
    #[arg(long, requires = "product", value_name = "URL")]
    meta_url: Option<String>,
    /// The metadata cache [default: $XDG_CACHE_HOME/acs-codegen or ~/.cache/acs-codegen].
    #[arg(long, requires = "product", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Download --product's metadata again even when it is cached.
    #[arg(long, requires = "product")]
    refresh: bool,
    /// Directory of the crate to write (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Package name (default: acs-<product>).
    #[arg(long)]
    crate_name: Option<String>,
    /// Name of the command-line binary (default: the product code in lower case).
    #[arg(long)]
    cli_name: Option<String>,
    /// Only these operations, comma-separated.
    #[arg(long, value_delimiter = ',')]
    operations: Option<Vec<String>>,
    /// Path of the acs-runtime crate for the generated Cargo.toml (default: this build's runtime,
    /// relative to --out).
    #[arg(long)]
    runtime_path: Option<String>,
    /// Report what would change and exit 1 if anything would, writing nothing.
    #[arg(long)]
    check: bool,
    /// Generate into a directory acs-codegen did not create (it refuses one that is not empty
    /// and has no list of the files it owns): files of the same name are overwritten, others
    /// are left alone, and from then on it owns what it wrote.
    #[arg(long)]
    adopt: bool,
    /// Exit 2 (writing nothing) if any operation would be skipped, instead of a warning.
    #[arg(long)]
    strict: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let (spec, mut command) = match (&args.spec, &args.product, &args.api_version) {
        (Some(spec), _, _) => (spec.clone(), format!("acs-codegen --spec {}", spec.display())),
        (None, Some(product), Some(version)) => {
            let mut fetch = fetch::Fetch::new();
            if let Some(url) = &args.meta_url {
                fetch.meta_url = url.clone();
            }
            if let Some(dir) = &args.cache_dir {
                fetch.cache_dir = dir.clone();
            }
            fetch.refresh = args.refresh;
            match fetch::spec_path(product, version, &fetch) {
                Ok(path) => (path, format!("acs-codegen --product {product} --version {version}")),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(match e {
                        fetch::FetchError::BadName(_) | fetch::FetchError::NotASpec { .. } => 2,
                        _ => 1,
                    });
                }
            }
        }
        _ => unreachable!("clap requires --spec, or --product with --version"),
    };
    let runtime = args.runtime_path.clone().unwrap_or_else(|| default_runtime_path(&args.out));
    if let Some(ops) = &args.operations {
        command.push_str(&format!(" --operations {}", ops.join(",")));
    }
    let mut settings = Settings::new(runtime, command, spec.display().to_string());
    if let Some(name) = &args.crate_name {
        settings = settings.with_crate_name(name);
    }
    if let Some(name) = &args.cli_name {
        settings = settings.with_cli_name(name);
    }
    if let Some(ops) = args.operations.clone() {
        settings = settings.with_operations(ops);
    }
    settings = settings.with_rustfmt(acs_codegen::Rustfmt::IfAvailable, rustfmt_config(&args.out)).with_strict(args.strict);
    let generated = match generate_file(&spec, &settings) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(match e {
                Error::Emit { .. } => 1,
                _ => 2,
            });
        }
    };
    for w in &generated.warnings {
        eprintln!("warning: {w}");
    }
    let fail = |e: write::WriteError| {
        eprintln!("error: {e}");
        ExitCode::from(match e {
            write::WriteError::Refused(_) => 2,
            write::WriteError::Io(_) => 1,
        })
    };
    let plan = match write::plan(&args.out, &generated.files, args.adopt) {
        Ok(plan) => plan,
        Err(e) => return fail(e),
    };
    if args.check {
        for (path, _) in &plan.changes {
            eprintln!("stale: {}", args.out.join(path).display());
        }
        return if plan.changes.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) };
    }
    if let Err(e) = write::apply(&args.out, &plan) {
        return fail(e);
    }
    println!("{}: {} files, {} changed, in {}", generated.crate_name, plan.files.len(), plan.changes.len(), args.out.display());
    ExitCode::SUCCESS
}

/// The `rustfmt.toml` (or `.rustfmt.toml`) that `cargo fmt` would use for files in `out`: the
/// first one found in `out` or a folder above it.
fn rustfmt_config(out: &Path) -> Option<PathBuf> {
    let start = if out.is_absolute() { out.to_path_buf() } else { std::env::current_dir().ok()?.join(out) };
    start.ancestors().flat_map(|dir| ["rustfmt.toml", ".rustfmt.toml"].map(|name| dir.join(name))).find(|path| path.is_file())
}

/// The runtime crate of this source tree, relative to `out` when both are on the same tree.
fn default_runtime_path(out: &Path) -> String {
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    let runtime = runtime.canonicalize().unwrap_or(runtime);
    let out_abs = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(out)).unwrap_or_else(|_| out.to_path_buf())
    };
    relative(&out_abs, &runtime).unwrap_or_else(|| runtime.display().to_string())
}

/// `to` relative to `from`, both absolute.
fn relative(from: &Path, to: &Path) -> Option<String> {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(to[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    Some(parts.join("/"))
}
