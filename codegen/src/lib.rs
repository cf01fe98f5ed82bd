//! Generates typed, validated Rust clients from Alibaba Cloud `api-docs.json` metadata.
//!
//! The meaning of a spec (parse → lower → IR) is [`acs_ir`]'s; this crate turns the IR into a
//! crate:
//!
//! 1. [`emit`]: tokens with `quote`, one module per kind of output file;
//! 2. [`mod@write`]: `prettyplease`, then `rustfmt` (so `cargo fmt` changes nothing), then atomic
//!    writes of changed files only.
//!
//! [`generate`] runs everything but the writing in memory: either every file of the crate is
//! produced, or nothing is and the error says why. Front ends (`acs-codegen`, `cargo xtask
//! codegen`, tests) decide where the files go.

pub mod emit;
pub mod fetch;
pub mod write;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use acs_ir::SpecError;

/// Whether generated Rust goes through `rustfmt` after `prettyplease`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rustfmt {
    /// Never: `prettyplease` output only.
    Off,
    /// When a `rustfmt` can be run (`$RUSTFMT`, else `rustfmt` on the `PATH`); otherwise a
    /// warning says the output is not rustfmt's.
    IfAvailable,
    /// Always: a `rustfmt` that cannot be run is an error (for committed output, which
    /// `cargo fmt --check` must accept).
    Required,
}

/// How to generate a crate.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Crate name; `acs-<product>` when unset.
    pub crate_name: Option<String>,
    /// Only these operations (all when unset).
    pub operations: Option<Vec<String>>,
    /// Path of the runtime crate, as written into the generated `Cargo.toml`.
    pub runtime_path: String,
    /// The command named in each file's `@generated` header.
    pub command: String,
    /// The spec as named in each file's `@generated` header.
    pub spec_label: String,
    /// Name of the command-line binary; the product code in lower case when unset.
    pub cli_name: Option<String>,
    /// Whether to run `rustfmt`.
    pub rustfmt: Rustfmt,
    /// The `rustfmt.toml` to format with (default: rustfmt's defaults).
    pub rustfmt_config: Option<PathBuf>,
    /// Refuse the spec if any operation would be skipped.
    pub strict: bool,
}

impl Settings {
    /// Settings with the given runtime path and header labels, all operations, default name.
    pub fn new(runtime_path: impl Into<String>, command: impl Into<String>, spec_label: impl Into<String>) -> Self {
        Self {
            crate_name: None,
            operations: None,
            runtime_path: runtime_path.into(),
            command: command.into(),
            spec_label: spec_label.into(),
            cli_name: None,
            rustfmt: Rustfmt::IfAvailable,
            rustfmt_config: None,
            strict: false,
        }
    }

    /// Refuses the spec (instead of skipping with a warning) when an operation uses what the
    /// generator cannot represent.
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Formats with `rustfmt` as `mode` says, with `config` (a `rustfmt.toml`) if given.
    pub fn with_rustfmt(mut self, mode: Rustfmt, config: Option<PathBuf>) -> Self {
        self.rustfmt = mode;
        self.rustfmt_config = config;
        self
    }

    /// Sets the crate name.
    pub fn with_crate_name(mut self, name: impl Into<String>) -> Self {
        self.crate_name = Some(name.into());
        self
    }

    /// Names the command-line binary.
    pub fn with_cli_name(mut self, name: impl Into<String>) -> Self {
        self.cli_name = Some(name.into());
        self
    }

    /// Restricts generation to these operations.
    pub fn with_operations(mut self, operations: Vec<String>) -> Self {
        self.operations = Some(operations);
        self
    }
}

/// A generated crate, in memory.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Crate name.
    pub crate_name: String,
    /// Path below the crate root → content.
    pub files: BTreeMap<PathBuf, String>,
    /// What the spec states that the client cannot enforce.
    pub warnings: Vec<String>,
    /// Product code and API version, from the spec.
    pub product: (String, String),
    /// Operations generated.
    pub operations: usize,
    /// Operations left out, and why.
    pub skipped: Vec<acs_ir::Skipped>,
}

/// Why a spec could not be generated.
#[derive(Debug)]
pub enum Error {
    /// The spec file could not be read.
    Read {
        /// The file.
        file: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The spec does not fit the format, or describes what cannot be represented.
    Spec {
        /// The file.
        file: String,
        /// Where and what (boxed: it is large, and every `Result` of the generator carries it).
        error: Box<SpecError>,
    },
    /// The generator produced tokens that do not parse: a bug in the generator.
    Emit {
        /// The file being emitted.
        file: String,
        /// What syn said.
        message: String,
    },
    /// `rustfmt` could not format the output.
    Format(String),
    /// Operations would be skipped, and the settings are strict.
    Strict {
        /// The file.
        file: String,
        /// What would be skipped.
        skipped: Vec<acs_ir::Skipped>,
    },
    /// A setting is unusable.
    Settings(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read { file, source } => write!(f, "{}: cannot read the spec: {source}", file.display()),
            Error::Spec { file, error } => write!(f, "{file}: {error}"),
            Error::Emit { file, message } => {
                write!(f, "internal error: generated {file} does not parse ({message}); please report this with the spec")
            }
            Error::Format(message) => write!(f, "rustfmt: {message}"),
            Error::Strict { file, skipped } => {
                write!(f, "{file}: {} operation(s) use what the generator cannot represent (--strict):", skipped.len())?;
                for s in skipped {
                    write!(f, "\n  {} (at {}): {}", s.operation, s.path, s.reason)?;
                }
                Ok(())
            }
            Error::Settings(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

/// Generates a crate from a spec file.
pub fn generate_file(spec: &Path, settings: &Settings) -> Result<Generated, Error> {
    let text = std::fs::read_to_string(spec).map_err(|source| Error::Read { file: spec.to_path_buf(), source })?;
    generate(&text, settings)
}

/// Generates a crate from a spec's text. Nothing is written.
pub fn generate(text: &str, settings: &Settings) -> Result<Generated, Error> {
    let file = settings.spec_label.clone();
    let acs_ir::Lowered { service, mut warnings } =
        acs_ir::load(text, &acs_ir::Options { operations: settings.operations.as_deref(), reserved_modules: emit::CRATE_MODULES })
            .map_err(|error| Error::Spec { file: file.clone(), error: Box::new(error) })?;
    if settings.strict && !service.skipped.is_empty() {
        return Err(Error::Strict { file, skipped: service.skipped });
    }
    let crate_name = match &settings.crate_name {
        Some(name) => name.clone(),
        None => format!("acs-{}", service.product.to_ascii_lowercase()),
    };
    let valid = |name: &str| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    };
    if !valid(&crate_name) {
        return Err(Error::Settings(format!("crate name {crate_name:?} is not a valid package name (letters, digits, - and _)")));
    }
    let cli_name = settings.cli_name.clone().unwrap_or_else(|| service.product.to_ascii_lowercase());
    if !valid(&cli_name) {
        return Err(Error::Settings(format!("command name {cli_name:?} is not valid (letters, digits, - and _)")));
    }
    let crate_ident = crate_name.replace('-', "_");
    let names = emit::Names { crate_ident: &crate_ident, crate_name: &crate_name, cli_name: &cli_name };

    let header = format!("{} by `{}` from {}. Do not edit; regenerate instead.", write::MARKER, settings.command, settings.spec_label);
    let mut files = BTreeMap::new();
    for (name, tokens) in emit::files(&service, &names) {
        let text = write::format_rust(tokens, &header).map_err(|e| Error::Emit { file: name.clone(), message: e.to_string() })?;
        files.insert(PathBuf::from(name), text);
    }
    match settings.rustfmt {
        Rustfmt::Off => {}
        Rustfmt::IfAvailable | Rustfmt::Required => match write::rustfmt(&mut files, settings.rustfmt_config.as_deref()) {
            Ok(()) => {}
            Err(write::RustfmtError::NotFound(why)) if settings.rustfmt == Rustfmt::IfAvailable => {
                warnings.push(format!("rustfmt cannot be run ({why}); the output is formatted by prettyplease only"));
            }
            Err(e) => return Err(Error::Format(e.to_string())),
        },
    }
    files.insert(PathBuf::from("Cargo.toml"), emit::manifest::cargo_toml(&service, &names, &settings.runtime_path, &header));
    Ok(Generated {
        crate_name,
        files,
        warnings,
        product: (service.product.clone(), service.version.clone()),
        operations: service.operations.len(),
        skipped: service.skipped,
    })
}
