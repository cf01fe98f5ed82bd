//! Generates typed, validated Rust clients from Alibaba Cloud `api-docs.json` metadata.
//!
//! The pipeline has one module per layer:
//!
//! 1. [`model`] — parse: a serde model that tolerates the format's quirks;
//! 2. [`lower`] — lower into the [`ir`]: operations, parameters (wire and Rust names, location,
//!    style, type, constraints), shapes, errors, endpoints;
//! 3. [`emit`] — tokens with `quote`;
//! 4. [`mod@write`] — `prettyplease`, then atomic writes of changed files only.
//!
//! [`generate`] runs layers 1–3 and the formatting in memory: either every file of the crate is
//! produced, or nothing is and the error says why. Front ends (`acs-codegen`, `cargo xtask
//! codegen`, tests) decide where the files go.

pub mod docs;
pub mod emit;
pub mod ident;
pub mod ir;
pub mod lower;
pub mod model;
pub mod write;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

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
}

impl Settings {
    /// Settings with the given runtime path and header labels, all operations, default name.
    pub fn new(runtime_path: impl Into<String>, command: impl Into<String>, spec_label: impl Into<String>) -> Self {
        Self { crate_name: None, operations: None, runtime_path: runtime_path.into(), command: command.into(), spec_label: spec_label.into(), cli_name: None }
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
    /// The spec is not valid JSON or does not fit the format.
    Parse {
        /// The file.
        file: String,
        /// Where and what.
        error: model::ParseError,
    },
    /// The spec fits the format but describes something the generator cannot represent.
    Lower {
        /// The file.
        file: String,
        /// Where and what.
        error: lower::LowerError,
    },
    /// The generator produced tokens that do not parse: a bug in the generator.
    Emit {
        /// The file being emitted.
        file: String,
        /// What syn said.
        message: String,
    },
    /// A setting is unusable.
    Settings(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read { file, source } => write!(f, "{}: cannot read the spec: {source}", file.display()),
            Error::Parse { file, error } => write!(f, "{file}: not a valid api-docs.json {error}"),
            Error::Lower { file, error } => write!(f, "{file}: {error}"),
            Error::Emit { file, message } => write!(f, "internal error: generated {file} does not parse ({message}); please report this with the spec"),
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
    let doc = model::parse(text).map_err(|error| Error::Parse { file: file.clone(), error })?;
    let (service, warnings) = lower::lower(&doc, settings.operations.as_deref()).map_err(|error| Error::Lower { file: file.clone(), error })?;
    let crate_name = match &settings.crate_name {
        Some(name) => name.clone(),
        None => format!("acs-{}", service.product.to_ascii_lowercase()),
    };
    let valid = |name: &str| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') && !name.starts_with(|c: char| c.is_ascii_digit());
    if !valid(&crate_name) {
        return Err(Error::Settings(format!("crate name {crate_name:?} is not a valid package name (letters, digits, - and _)")));
    }
    let cli_name = settings.cli_name.clone().unwrap_or_else(|| service.product.to_ascii_lowercase());
    if !valid(&cli_name) {
        return Err(Error::Settings(format!("command name {cli_name:?} is not valid (letters, digits, - and _)")));
    }

    let header = format!("{} by `{}` from {}. Do not edit; regenerate instead.", write::MARKER, settings.command, settings.spec_label);
    let emitter = emit::Emitter { service: &service, crate_ident: crate_name.replace('-', "_"), used: Default::default() };
    let mut files = BTreeMap::new();
    let mut rust = |name: String, tokens: proc_macro2::TokenStream| -> Result<(), Error> {
        let text = write::format_rust(tokens, &header).map_err(|e| Error::Emit { file: name.clone(), message: e.to_string() })?;
        files.insert(PathBuf::from(name), text);
        Ok(())
    };
    rust("src/lib.rs".into(), emitter.lib())?;
    rust("src/endpoints.rs".into(), emitter.endpoints())?;
    rust("src/client.rs".into(), emitter.client())?;
    rust("src/cli.rs".into(), emitter.cli(&cli_name))?;
    rust(format!("src/bin/{cli_name}.rs"), emitter.binary(&cli_name))?;
    for op in &service.operations {
        rust(format!("src/{}.rs", op.module.trim_start_matches("r#")), emitter.operation(op))?;
    }
    files.insert(PathBuf::from("Cargo.toml"), cargo_toml(&crate_name, &cli_name, &service, settings, &header));
    Ok(Generated { crate_name, files, warnings })
}

fn cargo_toml(name: &str, cli_name: &str, service: &ir::Service, settings: &Settings, header: &str) -> String {
    let title = service.title.clone().unwrap_or_else(|| service.product.clone());
    let description = format!("Typed, validated client types for Alibaba Cloud {title} ({} {})", service.product, service.version);
    format!(
        "# {header}\n\
         [package]\n\
         name = {name:?}\n\
         version = \"0.1.0\"\n\
         edition = \"2021\"\n\
         description = {description:?}\n\
         license = \"MIT OR Apache-2.0\"\n\
         publish = false\n\
         \n\
         [features]\n\
         default = [\"cli\"]\n\
         # The `{cli_name}` command-line front end.\n\
         cli = [\"acs-runtime/cli\", \"dep:clap\"]\n\
         \n\
         [[bin]]\n\
         name = {cli_name:?}\n\
         path = \"src/bin/{cli_name}.rs\"\n\
         required-features = [\"cli\"]\n\
         \n\
         [dependencies]\n\
         acs-runtime = {{ path = {runtime:?} }}\n\
         clap = {{ version = \"4\", features = [\"derive\"], optional = true }}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\n\
         serde_json = \"1\"\n",
        runtime = settings.runtime_path,
    )
}
