//! The meaning of an Alibaba Cloud `api-docs.json` spec, in one place.
//!
//! ```text
//! spec text ──parse──▶ serde model ──lower──▶ IR (Service) ──▶ acs-codegen (emit, write)
//!                                                       └────▶ acs-emulator (serve, verify)
//! ```
//!
//! [`load`] parses a spec (tolerating the format's quirks, naming the JSON path of anything that
//! does not fit) and lowers it into the [`Service`] IR, where every name is final and every
//! constraint typed. [`rules::of`] derives the checks of a field; the generator and the emulator
//! both call it, so a generated client and the emulator cannot disagree about what is valid.

mod docs;
mod ident;
mod ir;
mod lower;
mod parse;
pub mod rules;

use std::fmt;

pub use docs::safe_text;
pub use ir::*;
pub use lower::{LowerError, LowerErrorKind};
pub use parse::ParseError;

/// A spec, lowered.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// The product and its operations.
    pub service: Service,
    /// What the spec states that a client cannot enforce, and repairs made to the spec (a
    /// parameter listed twice, say), each naming its JSON path.
    pub warnings: Vec<String>,
}

/// Why a spec could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecError {
    /// Not valid JSON, or not of the format.
    Parse(ParseError),
    /// Of the format, but describing something that cannot be represented faithfully.
    Lower(LowerError),
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::Parse(e) => write!(f, "not a valid api-docs.json {e}"),
            SpecError::Lower(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SpecError {}

/// What to load of a spec, and which names its consumer has taken already.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Only these operations (each must exist); all when `None`.
    pub operations: Option<&'a [String]>,
    /// Module names no operation may take: the generated crate's own modules (`lib`, `client`, …).
    pub reserved_modules: &'a [&'a str],
}

/// Parses and lowers a spec's text.
pub fn load(text: &str, options: &Options<'_>) -> Result<Lowered, SpecError> {
    let doc = parse::parse(text).map_err(SpecError::Parse)?;
    let (service, warnings) = lower::lower(&doc, options.operations, options.reserved_modules).map_err(SpecError::Lower)?;
    Ok(Lowered { service, warnings })
}
