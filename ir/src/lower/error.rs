//! Why a spec, or one of its operations, cannot be lowered; and the construct a skip is about.

use std::fmt;

/// A spec the generator cannot turn into a correct client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowerError {
    /// Whether the spec is wrong, or only uses what this generator cannot represent yet.
    pub kind: LowerErrorKind,
    /// JSON path of the offending value.
    pub path: String,
    /// The operation, if the problem is inside one.
    pub operation: Option<String>,
    /// The parameter, if the problem is inside one.
    pub parameter: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// Why a spec (or one of its operations) cannot be lowered.
///
/// Either kind inside an operation skips that operation only, with a warning; the rest is
/// generated. Only what concerns the whole file (no `info`, no operations, an unknown product
/// style) refuses the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LowerErrorKind {
    /// The spec contradicts itself or the format (a bound that is not a number, a `$ref` to
    /// nothing, bounds no value can meet).
    Invalid,
    /// A construct this generator cannot represent (a parameter location, a style, a type, a
    /// gateway-only construct).
    Unsupported,
}

/// The construct a skip is about, for grouping skips: the last key of its JSON path in words
/// (`parameters[3].in` → `parameter location`), with the location or style it names.
pub(super) fn construct(e: &LowerError) -> String {
    let last = e.path.rsplit('.').next().unwrap_or_default();
    let key = last.split('[').next().unwrap_or_default();
    let quoted = e.message.split('"').nth(1).map(|v| format!(" {v:?}")).unwrap_or_default();
    match key {
        "in" => format!("parameter location{quoted}"),
        "style" => format!("parameter style{quoted}"),
        "methods" => "method".into(),
        "path" => "path template".into(),
        "$ref" => "$ref".into(),
        "name" => "parameter name".into(),
        "pattern" => "pattern".into(),
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => "numeric bound".into(),
        "minLength" | "maxLength" | "minItems" | "maxItems" => "length bound".into(),
        _ if e.message.contains("no value can satisfy") => "contradictory bounds".into(),
        _ if e.message.contains("nested more than") => "nesting depth".into(),
        _ if e.operation.is_some() && e.path.matches('.').count() <= 1 => "operation definition".into(),
        _ => "schema".into(),
    }
}

impl fmt::Display for LowerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.operation, &self.parameter) {
            (Some(op), Some(param)) => write!(f, "operation {op}, parameter {param}")?,
            (Some(op), None) => write!(f, "operation {op}")?,
            _ => f.write_str("spec")?,
        }
        write!(f, " (at {}): {}", self.path, self.message)
    }
}
