//! The rules a field must satisfy, as data: what a spec states about one string, integer,
//! number or list, how each is checked, and how each is spelled in generated code.
//!
//! Generated code builds these with `const fn` builders (`StrRules::new().required().max_length(64)`),
//! and the emulator builds the same values from the spec's IR; both hand them to
//! [`crate::validate::Validator`]. The types are `#[non_exhaustive]` with public fields to read: a rule
//! added here later breaks no generated crate.
//!
//! Longer than 500 lines on purpose: everything about a rule is in this one file (its field, its
//! builder, its check, its violation, its words, its spelling for the generator), so that adding
//! a constraint kind touches this file and `ir/src/rules.rs` only.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

/// One call of a rule type's builder: together, from `new()`, they rebuild a rule value. Code
/// generators spell rules with them (`StrRules::new().required().max_length(64)`), so a rule
/// added here reaches generated code without the generator naming it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BuilderCall<'a> {
    /// The builder method, e.g. `max_length`.
    pub method: &'static str,
    /// Its argument.
    pub arg: BuilderArg<'a>,
}

/// The argument of a [`BuilderCall`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum BuilderArg<'a> {
    /// No argument: `.required()`.
    None,
    /// A count: `.max_length(64)`.
    Count(u64),
    /// An integer: `.minimum(-5)`.
    Int(i64),
    /// A floating-point number: `.maximum(0.5)`.
    Float(f64),
    /// A pattern, which generated code keeps in a `static`: `.pattern(&PATTERN)`.
    Pattern(&'a Pattern),
    /// A slice of texts: `.allowed(&["a", "b"])`.
    Texts(Vec<&'a str>),
    /// A slice of integers: `.allowed(&[1, 12])`.
    Ints(&'a [i64]),
}

fn call<'a>(method: &'static str, arg: BuilderArg<'a>) -> BuilderCall<'a> {
    BuilderCall { method, arg }
}

/// The constraint a [`Violation`](crate::Violation) breaks, with its limit and what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ViolationKind {
    /// A required field is absent or empty.
    Missing,
    /// Fewer characters than `minLength`.
    TooShort {
        /// The minimum.
        min: u64,
        /// Characters found.
        actual: u64,
    },
    /// More characters than `maxLength`.
    TooLong {
        /// The maximum.
        max: u64,
        /// Characters found.
        actual: u64,
    },
    /// Fewer items than `minItems`.
    TooFewItems {
        /// The minimum.
        min: u64,
        /// Items found.
        actual: u64,
    },
    /// More items than `maxItems`.
    TooManyItems {
        /// The maximum.
        max: u64,
        /// Items found.
        actual: u64,
    },
    /// The value does not match `pattern`.
    PatternMismatch {
        /// The regular expression.
        pattern: String,
    },
    /// The pattern itself does not compile, so the value cannot be checked against it.
    UncheckablePattern {
        /// The regular expression.
        pattern: String,
    },
    /// The value would cost the (backtracking) pattern more than its step limit to check.
    PatternTooCostly {
        /// The regular expression.
        pattern: String,
    },
    /// The value starts with a forbidden prefix (`x-acs-forbidden-prefixes`).
    ForbiddenPrefix {
        /// The prefix found.
        prefix: String,
    },
    /// The value has a character outside ASCII (`x-acs-charset: ascii`).
    NotAscii,
    /// The number is below `minimum` (or equal to it, when exclusive).
    BelowMinimum {
        /// The bound, as written in the spec.
        minimum: String,
        /// Whether the bound itself is excluded.
        exclusive: bool,
    },
    /// The number is above `maximum` (or equal to it, when exclusive).
    AboveMaximum {
        /// The bound, as written in the spec.
        maximum: String,
        /// Whether the bound itself is excluded.
        exclusive: bool,
    },
    /// The value is not one of the `enum` values.
    NotAllowed {
        /// The allowed values.
        allowed: Vec<String>,
    },
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => write!(f, "is required"),
            Self::TooShort { min, actual } => {
                write!(f, "has {actual} characters, fewer than the minimum of {min}")
            }
            Self::TooLong { max, actual } => {
                write!(f, "has {actual} characters, more than the maximum of {max}")
            }
            Self::TooFewItems { min, actual } => {
                write!(f, "has {actual} items, fewer than the minimum of {min}")
            }
            Self::TooManyItems { max, actual } => {
                write!(f, "has {actual} items, more than the maximum of {max}")
            }
            Self::PatternMismatch { pattern } => write!(f, "does not match the pattern {pattern}"),
            Self::UncheckablePattern { pattern } => write!(f, "cannot be checked: the pattern {pattern} does not compile"),
            Self::PatternTooCostly { pattern } => {
                write!(f, "cannot be checked against the pattern {pattern} within {} backtracking steps", Pattern::BACKTRACK_LIMIT)
            }
            Self::ForbiddenPrefix { prefix } => write!(f, "must not start with {prefix:?}"),
            Self::NotAscii => write!(f, "must contain ASCII characters only"),
            Self::BelowMinimum { minimum, exclusive: false } => {
                write!(f, "is less than the minimum of {minimum}")
            }
            Self::BelowMinimum { minimum, exclusive: true } => {
                write!(f, "must be greater than {minimum}")
            }
            Self::AboveMaximum { maximum, exclusive: false } => {
                write!(f, "is greater than the maximum of {maximum}")
            }
            Self::AboveMaximum { maximum, exclusive: true } => {
                write!(f, "must be less than {maximum}")
            }
            Self::NotAllowed { allowed } => write!(f, "must be one of {}", allowed.join(", ")),
        }
    }
}

/// Patterns of classes with counts (`^[a-z][a-z0-9-]{1,63}$`), run without an engine.
#[cfg(feature = "patterns")]
mod classes;

/// A regular expression from a spec, compiled on first use and then kept.
///
/// Generated code holds each pattern in a `static`, so it is compiled once per process; the
/// emulator keeps one per parameter in its IR. No lock is taken after the first compilation,
/// and a pattern that does not compile is reported, never a panic.
///
/// Two engines, each behind a feature that the generated crates whose specs need it turn on,
/// so that a product without patterns compiles neither: `regex-lite` (`patterns`: linear time;
/// `\d`, `\w` and `\s` are ASCII, as the service's Java validator reads them) for every pattern it
/// compiles, and `fancy-regex` (`patterns-full`) for the rest: Unicode classes (`\p{Han}`),
/// look-around and back-references, stopped after [`Pattern::BACKTRACK_LIMIT`] steps so that no
/// value can make a hostile pattern hang the caller. Which engine runs a pattern depends on the
/// pattern alone ([`Pattern::check`]), never on the features a build happens to have. A pattern
/// regex-lite compiles that is only classes with counts between `^` and `$` (the shape of most
/// spec patterns) is then run without it, with the same meaning (129 ns where regex-lite took
/// 986 ns in the `request_path` bench).
pub struct Pattern {
    source: Cow<'static, str>,
    compiled: OnceLock<Option<Engine>>,
}

#[derive(Clone)]
enum Engine {
    /// A pattern of classes with counts between `^` and `$`, without an engine (`classes.rs`).
    #[cfg(feature = "patterns")]
    Classes(classes::Classes),
    #[cfg(feature = "patterns")]
    Linear(regex_lite::Regex),
    #[cfg(feature = "patterns-full")]
    Full(fancy_regex::Regex),
}

/// Which engine runs a pattern ([`Pattern::check`]), and so which feature of this crate a
/// generated crate needs for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternEngine {
    /// `regex-lite` (feature `patterns`): linear in the length of the value.
    Linear,
    /// `fancy-regex` (feature `patterns-full`): Unicode classes, look-around and back-references,
    /// bounded by [`Pattern::BACKTRACK_LIMIT`] steps per value.
    Full,
}

impl PatternEngine {
    /// The feature of this crate that builds the engine.
    pub const fn feature(self) -> &'static str {
        match self {
            PatternEngine::Linear => "patterns",
            PatternEngine::Full => "patterns-full",
        }
    }
}

impl Pattern {
    /// Backtracking steps one value may cost a pattern that needs the backtracking engine; a
    /// value that needs more is reported as uncheckable ([`ViolationKind::PatternTooCostly`]).
    /// About a few milliseconds of CPU.
    pub const BACKTRACK_LIMIT: usize = 1_000_000;

    /// A pattern from a literal that the linear engine runs (`static P: Pattern =
    /// Pattern::new("^a$");`): what generated code holds.
    #[cfg(feature = "patterns")]
    pub const fn new(source: &'static str) -> Self {
        Self { source: Cow::Borrowed(source), compiled: OnceLock::new() }
    }

    /// A pattern from a literal that needs the full engine ([`PatternEngine::Full`]).
    #[cfg(feature = "patterns-full")]
    pub const fn full(source: &'static str) -> Self {
        Self { source: Cow::Borrowed(source), compiled: OnceLock::new() }
    }

    /// A pattern from text known only at run time. Without the engine it needs, it is reported
    /// as one that cannot be checked.
    pub fn owned(source: String) -> Self {
        Self { source: Cow::Owned(source), compiled: OnceLock::new() }
    }

    #[cfg_attr(not(feature = "patterns"), allow(unused_variables))]
    fn compile(source: &str) -> Result<Engine, String> {
        #[cfg(feature = "patterns")]
        let linear = match regex_lite::Regex::new(source) {
            Ok(re) => return Ok(classes::Classes::parse(source).map_or(Engine::Linear(re), Engine::Classes)),
            Err(e) => e.to_string().lines().last().unwrap_or_default().to_owned(),
        };
        #[cfg(not(feature = "patterns"))]
        let linear = String::from("this build has no pattern engine (the runtime's `patterns` feature)");
        #[cfg(feature = "patterns-full")]
        return fancy_regex::RegexBuilder::new(source)
            .backtrack_limit(Self::BACKTRACK_LIMIT)
            .build()
            .map(Engine::Full)
            .map_err(|full| format!("{linear}; nor with the full engine: {full}"));
        #[cfg(not(feature = "patterns-full"))]
        Err(format!("{linear}; and this build has no full engine (the runtime's `patterns-full` feature)"))
    }

    /// Which engine runs `source`, or why neither can (then the generator leaves the check
    /// out and says so).
    pub fn check(source: &str) -> Result<PatternEngine, String> {
        Self::compile(source).map(|engine| match engine {
            #[cfg(feature = "patterns")]
            Engine::Linear(_) | Engine::Classes(_) => PatternEngine::Linear,
            #[cfg(feature = "patterns-full")]
            Engine::Full(_) => PatternEngine::Full,
        })
    }

    /// The pattern as written in the spec.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `value` matches (anywhere, as in JSON Schema: anchor with `^…$`); `None` when the
    /// pattern does not compile, or the value costs more than the step limit.
    #[cfg_attr(not(feature = "patterns"), allow(unused_variables))]
    pub fn is_match(&self, value: &str) -> Option<bool> {
        match *self.compiled.get_or_init(|| Self::compile(&self.source).ok()).as_ref()? {
            #[cfg(feature = "patterns")]
            Engine::Classes(ref classes) => Some(classes.is_match(value)),
            #[cfg(feature = "patterns")]
            Engine::Linear(ref re) => Some(re.is_match(value)),
            #[cfg(feature = "patterns-full")]
            Engine::Full(ref re) => re.is_match(value).ok(),
        }
    }

    /// Whether the pattern compiles (with either engine).
    pub fn compiles(&self) -> bool {
        self.compiled.get_or_init(|| Self::compile(&self.source).ok()).is_some()
    }
}

impl Clone for Pattern {
    fn clone(&self) -> Self {
        Self { source: self.source.clone(), compiled: self.compiled.clone() }
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// A list of texts: borrowed literals in generated code, owned strings in the emulator.
#[derive(Clone, Copy)]
pub struct Texts<'a>(TextsRepr<'a>);

#[derive(Clone, Copy)]
enum TextsRepr<'a> {
    Literal(&'a [&'a str]),
    Owned(&'a [String]),
}

impl<'a> Texts<'a> {
    /// No texts.
    pub const EMPTY: Self = Self(TextsRepr::Literal(&[]));

    /// The texts, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let (literal, owned): (&'a [&'a str], &'a [String]) = match self.0 {
            TextsRepr::Literal(items) => (items, &[]),
            TextsRepr::Owned(items) => (&[], items),
        };
        literal.iter().copied().chain(owned.iter().map(String::as_str))
    }

    /// True when there are none.
    pub const fn is_empty(&self) -> bool {
        match self.0 {
            TextsRepr::Literal(items) => items.is_empty(),
            TextsRepr::Owned(items) => items.is_empty(),
        }
    }

    pub(crate) fn contains(&self, value: &str) -> bool {
        self.iter().any(|t| t == value)
    }
}

impl fmt::Debug for Texts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Texts<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

/// The rules of a string field.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct StrRules<'a> {
    /// Required: an empty value is missing (unless `min_length` reports it).
    pub required: bool,
    /// `minLength`, in characters.
    pub min_length: Option<u64>,
    /// `maxLength`, in characters.
    pub max_length: Option<u64>,
    /// `x-acs-charset: ascii`.
    pub ascii: bool,
    /// `pattern`.
    pub pattern: Option<&'a Pattern>,
    /// `x-acs-forbidden-prefixes`.
    pub forbidden_prefixes: Texts<'a>,
    /// `enum`.
    pub allowed: Texts<'a>,
}

impl<'a> StrRules<'a> {
    /// No rule at all.
    pub const fn new() -> Self {
        Self {
            required: false,
            min_length: None,
            max_length: None,
            ascii: false,
            pattern: None,
            forbidden_prefixes: Texts::EMPTY,
            allowed: Texts::EMPTY,
        }
    }
    /// The value is required.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// At least `n` characters.
    pub const fn min_length(mut self, n: u64) -> Self {
        self.min_length = Some(n);
        self
    }
    /// At most `n` characters.
    pub const fn max_length(mut self, n: u64) -> Self {
        self.max_length = Some(n);
        self
    }
    /// ASCII characters only.
    pub const fn ascii(mut self) -> Self {
        self.ascii = true;
        self
    }
    /// Must match `pattern`.
    pub const fn pattern(mut self, pattern: &'a Pattern) -> Self {
        self.pattern = Some(pattern);
        self
    }
    /// Must not start with any of `prefixes`.
    pub const fn forbidden_prefixes(mut self, prefixes: &'a [&'a str]) -> Self {
        self.forbidden_prefixes = Texts(TextsRepr::Literal(prefixes));
        self
    }
    /// [`StrRules::forbidden_prefixes`] from owned strings.
    pub const fn forbidden_prefixes_owned(mut self, prefixes: &'a [String]) -> Self {
        self.forbidden_prefixes = Texts(TextsRepr::Owned(prefixes));
        self
    }
    /// Must be one of `allowed`.
    pub const fn allowed(mut self, allowed: &'a [&'a str]) -> Self {
        self.allowed = Texts(TextsRepr::Literal(allowed));
        self
    }
    /// [`StrRules::allowed`] from owned strings.
    pub const fn allowed_owned(mut self, allowed: &'a [String]) -> Self {
        self.allowed = Texts(TextsRepr::Owned(allowed));
        self
    }

    /// True when nothing is checked.
    pub fn is_empty(&self) -> bool {
        *self == Self::new()
    }

    /// The rules in words, one phrase each (`2 to 64 characters`), for docs and `--help`.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(range_phrase(self.min_length, self.max_length, "characters"));
        if self.ascii {
            out.push("ASCII characters only".into());
        }
        if let Some(p) = self.pattern {
            out.push(format!("matches {}", code(p.as_str())));
        }
        if !self.forbidden_prefixes.is_empty() {
            out.push(format!("must not start with {}", self.forbidden_prefixes.iter().map(code).collect::<Vec<_>>().join(" or ")));
        }
        if !self.allowed.is_empty() {
            out.push(format!("one of {}", self.allowed.iter().map(code).collect::<Vec<_>>().join(", ")));
        }
        out
    }

    /// The builder calls that rebuild this value from [`StrRules::new`].
    pub fn builder_calls(&self) -> Vec<BuilderCall<'a>> {
        let mut calls = Vec::new();
        if self.required {
            calls.push(call("required", BuilderArg::None));
        }
        calls.extend(self.min_length.map(|n| call("min_length", BuilderArg::Count(n))));
        calls.extend(self.max_length.map(|n| call("max_length", BuilderArg::Count(n))));
        if self.ascii {
            calls.push(call("ascii", BuilderArg::None));
        }
        calls.extend(self.pattern.map(|p| call("pattern", BuilderArg::Pattern(p))));
        if !self.forbidden_prefixes.is_empty() {
            calls.push(call("forbidden_prefixes", BuilderArg::Texts(self.forbidden_prefixes.iter().collect())));
        }
        if !self.allowed.is_empty() {
            calls.push(call("allowed", BuilderArg::Texts(self.allowed.iter().collect())));
        }
        calls
    }
}

impl Default for StrRules<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// A bound and whether the bound itself is excluded.
pub type Bound<T> = Option<(T, bool)>;

/// The rules of an integer field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IntRules<'a> {
    /// `minimum` and whether it is exclusive.
    pub minimum: Bound<i64>,
    /// `maximum` and whether it is exclusive.
    pub maximum: Bound<i64>,
    /// `enum`.
    pub allowed: &'a [i64],
}

impl<'a> IntRules<'a> {
    /// No rule at all.
    pub const fn new() -> Self {
        Self { minimum: None, maximum: None, allowed: &[] }
    }
    /// At least `n`.
    pub const fn minimum(mut self, n: i64) -> Self {
        self.minimum = Some((n, false));
        self
    }
    /// Greater than `n`.
    pub const fn exclusive_minimum(mut self, n: i64) -> Self {
        self.minimum = Some((n, true));
        self
    }
    /// At most `n`.
    pub const fn maximum(mut self, n: i64) -> Self {
        self.maximum = Some((n, false));
        self
    }
    /// Less than `n`.
    pub const fn exclusive_maximum(mut self, n: i64) -> Self {
        self.maximum = Some((n, true));
        self
    }
    /// Must be one of `allowed`.
    pub const fn allowed(mut self, allowed: &'a [i64]) -> Self {
        self.allowed = allowed;
        self
    }

    /// True when nothing is checked.
    pub fn is_empty(&self) -> bool {
        *self == Self::new()
    }

    /// The rules in words, for docs and `--help`.
    pub fn describe(&self) -> Vec<String> {
        let mut out = bound_phrases(self.minimum, self.maximum);
        if !self.allowed.is_empty() {
            out.push(format!("one of {}", self.allowed.iter().map(|n| code(&n.to_string())).collect::<Vec<_>>().join(", ")));
        }
        out
    }

    /// The builder calls that rebuild this value from [`IntRules::new`].
    pub fn builder_calls(&self) -> Vec<BuilderCall<'a>> {
        let mut calls = Vec::new();
        calls.extend(self.minimum.map(|(n, excl)| call(if excl { "exclusive_minimum" } else { "minimum" }, BuilderArg::Int(n))));
        calls.extend(self.maximum.map(|(n, excl)| call(if excl { "exclusive_maximum" } else { "maximum" }, BuilderArg::Int(n))));
        if !self.allowed.is_empty() {
            calls.push(call("allowed", BuilderArg::Ints(self.allowed)));
        }
        calls
    }
}

impl Default for IntRules<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// The rules of a floating-point field.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct NumRules {
    /// `minimum` and whether it is exclusive.
    pub minimum: Bound<f64>,
    /// `maximum` and whether it is exclusive.
    pub maximum: Bound<f64>,
}

impl NumRules {
    /// No rule at all.
    pub const fn new() -> Self {
        Self { minimum: None, maximum: None }
    }
    /// At least `x`.
    pub const fn minimum(mut self, x: f64) -> Self {
        self.minimum = Some((x, false));
        self
    }
    /// Greater than `x`.
    pub const fn exclusive_minimum(mut self, x: f64) -> Self {
        self.minimum = Some((x, true));
        self
    }
    /// At most `x`.
    pub const fn maximum(mut self, x: f64) -> Self {
        self.maximum = Some((x, false));
        self
    }
    /// Less than `x`.
    pub const fn exclusive_maximum(mut self, x: f64) -> Self {
        self.maximum = Some((x, true));
        self
    }

    /// True when nothing is checked.
    pub fn is_empty(&self) -> bool {
        *self == Self::new()
    }

    /// The rules in words, for docs and `--help`.
    pub fn describe(&self) -> Vec<String> {
        bound_phrases(self.minimum, self.maximum)
    }

    /// The builder calls that rebuild this value from [`NumRules::new`].
    pub fn builder_calls(&self) -> Vec<BuilderCall<'static>> {
        let mut calls = Vec::new();
        calls.extend(self.minimum.map(|(x, excl)| call(if excl { "exclusive_minimum" } else { "minimum" }, BuilderArg::Float(x))));
        calls.extend(self.maximum.map(|(x, excl)| call(if excl { "exclusive_maximum" } else { "maximum" }, BuilderArg::Float(x))));
        calls
    }
}

impl Default for NumRules {
    fn default() -> Self {
        Self::new()
    }
}

/// The rules of a list field (its items have rules of their own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListRules {
    /// Required: an empty list is missing (unless `min_items` reports it).
    pub required: bool,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
}

impl ListRules {
    /// No rule at all.
    pub const fn new() -> Self {
        Self { required: false, min_items: None, max_items: None }
    }
    /// The list is required (not empty).
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// At least `n` items.
    pub const fn min_items(mut self, n: u64) -> Self {
        self.min_items = Some(n);
        self
    }
    /// At most `n` items.
    pub const fn max_items(mut self, n: u64) -> Self {
        self.max_items = Some(n);
        self
    }

    /// True when nothing is checked.
    pub fn is_empty(&self) -> bool {
        *self == Self::new()
    }

    /// The rules in words, for docs and `--help`.
    pub fn describe(&self) -> Vec<String> {
        range_phrase(self.min_items, self.max_items, "items").into_iter().collect()
    }

    /// The builder calls that rebuild this value from [`ListRules::new`].
    pub fn builder_calls(&self) -> Vec<BuilderCall<'static>> {
        let mut calls = Vec::new();
        if self.required {
            calls.push(call("required", BuilderArg::None));
        }
        calls.extend(self.min_items.map(|n| call("min_items", BuilderArg::Count(n))));
        calls.extend(self.max_items.map(|n| call("max_items", BuilderArg::Count(n))));
        calls
    }
}

impl Default for ListRules {
    fn default() -> Self {
        Self::new()
    }
}

fn range_phrase(min: Option<u64>, max: Option<u64>, unit: &str) -> Option<String> {
    match (min, max) {
        (Some(min), Some(max)) => Some(format!("{min} to {max} {unit}")),
        (Some(min), None) => Some(format!("at least {min} {unit}")),
        (None, Some(max)) => Some(format!("at most {max} {unit}")),
        (None, None) => None,
    }
}

fn bound_phrases<T: fmt::Display>(min: Bound<T>, max: Bound<T>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((n, exclusive)) = min {
        out.push(if exclusive { format!("greater than {n}") } else { format!("at least {n}") });
    }
    if let Some((n, exclusive)) = max {
        out.push(if exclusive { format!("less than {n}") } else { format!("at most {n}") });
    }
    out
}

/// Markdown inline code for any text (a fence longer than any run of backticks inside it).
pub fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.trim() != text || text.is_empty() { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "patterns")]
    static NAME: Pattern = Pattern::new("^[a-z]+$");
    #[cfg(feature = "patterns")]
    const RULES: StrRules<'static> = StrRules::new().required().min_length(2).max_length(64).forbidden_prefixes(&["http://"]);

    #[cfg(feature = "patterns")]
    #[test]
    fn builders_are_const_and_describe_themselves() {
        assert!(RULES.required && RULES.min_length == Some(2) && RULES.forbidden_prefixes.iter().eq(["http://"]));
        let with_pattern = RULES.pattern(&NAME);
        assert_eq!(with_pattern.describe(), ["2 to 64 characters", "matches `^[a-z]+$`", "must not start with `http://`"]);
        assert_eq!(
            IntRules::new().minimum(1).exclusive_maximum(36).allowed(&[1, 12]).describe(),
            ["at least 1", "less than 36", "one of `1`, `12`"]
        );
        assert_eq!(ListRules::new().max_items(50).describe(), ["at most 50 items"]);
        assert!(NumRules::new().is_empty() && !NumRules::new().minimum(0.5).is_empty());
    }

    /// Applies builder calls by method name, as generated code does.
    #[cfg(feature = "patterns")]
    fn rebuild_str<'a>(calls: &[BuilderCall<'a>]) -> StrRules<'a> {
        calls.iter().fold(StrRules::new(), |r, c| match (c.method, &c.arg) {
            ("required", BuilderArg::None) => r.required(),
            ("min_length", BuilderArg::Count(n)) => r.min_length(*n),
            ("max_length", BuilderArg::Count(n)) => r.max_length(*n),
            ("ascii", BuilderArg::None) => r.ascii(),
            ("pattern", BuilderArg::Pattern(p)) => r.pattern(p),
            ("forbidden_prefixes", BuilderArg::Texts(t)) => r.forbidden_prefixes(Box::leak(t.clone().into_boxed_slice())),
            ("allowed", BuilderArg::Texts(t)) => r.allowed(Box::leak(t.clone().into_boxed_slice())),
            other => panic!("unknown builder call {other:?}"),
        })
    }

    #[cfg(feature = "patterns")]
    #[test]
    fn builder_calls_rebuild_every_rule() {
        let owned = vec!["a".to_owned()];
        let full =
            StrRules::new().required().min_length(1).max_length(9).ascii().pattern(&NAME).forbidden_prefixes(&["x"]).allowed_owned(&owned);
        assert_eq!(rebuild_str(&full.builder_calls()), full);
        let int = IntRules::new().exclusive_minimum(-5).maximum(9).allowed(&[1, 2]);
        let rebuilt = int.builder_calls().iter().fold(IntRules::new(), |r, c| match (c.method, &c.arg) {
            ("minimum", BuilderArg::Int(n)) => r.minimum(*n),
            ("exclusive_minimum", BuilderArg::Int(n)) => r.exclusive_minimum(*n),
            ("maximum", BuilderArg::Int(n)) => r.maximum(*n),
            ("exclusive_maximum", BuilderArg::Int(n)) => r.exclusive_maximum(*n),
            ("allowed", BuilderArg::Ints(a)) => r.allowed(a),
            other => panic!("unknown builder call {other:?}"),
        });
        assert_eq!(rebuilt, int);
        let num = NumRules::new().minimum(0.5).exclusive_maximum(2.0);
        assert_eq!(num.builder_calls(), [call("minimum", BuilderArg::Float(0.5)), call("exclusive_maximum", BuilderArg::Float(2.0))]);
        let list = ListRules::new().required().min_items(1).max_items(50);
        assert_eq!(list.builder_calls().iter().map(|c| c.method).collect::<Vec<_>>(), ["required", "min_items", "max_items"]);
    }

    #[test]
    fn owned_and_literal_texts_compare_alike() {
        let owned = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(StrRules::new().allowed(&["a", "b"]), StrRules::new().allowed_owned(&owned));
    }

    #[cfg(feature = "patterns")]
    #[test]
    fn patterns_compile_once_and_bad_ones_are_reported() {
        assert_eq!(NAME.is_match("abc"), Some(true));
        assert_eq!(NAME.is_match("aBc"), Some(false));
        assert_eq!(Pattern::owned("(".into()).is_match("x"), None);
        assert!(Pattern::check("(").is_err());
        assert_eq!(Pattern::check("^a$"), Ok(PatternEngine::Linear));
    }

    #[cfg(feature = "patterns")]
    #[test]
    fn perl_classes_are_ascii_as_the_service_reads_them() {
        static DIGITS: Pattern = Pattern::new(r"^\d+$");
        assert_eq!(Pattern::check(DIGITS.as_str()), Ok(PatternEngine::Linear));
        assert_eq!(DIGITS.is_match("2024"), Some(true));
        assert_eq!(DIGITS.is_match("١٢٣"), Some(false), "Arabic-Indic digits are not Java's \\d");
        // A range of CJK code points is no Unicode class: the linear engine runs it.
        assert_eq!(Pattern::check(r"^[\u4e00-\u9fa5a-zA-Z0-9_-]{2,128}$"), Ok(PatternEngine::Linear));
    }

    #[cfg(feature = "patterns-full")]
    #[test]
    fn look_around_and_unicode_classes_run_on_the_full_engine_within_its_step_limit() {
        assert_eq!(Pattern::check(r"^\p{Han}+$"), Ok(PatternEngine::Full));
        assert_eq!(Pattern::full(r"^\p{Han}+$").is_match("中文"), Some(true));
        let slug = Pattern::full("^[a-z](?!-)[a-z0-9-]{1,40}(?<!-)$");
        assert_eq!(Pattern::check(slug.as_str()), Ok(PatternEngine::Full));
        assert_eq!(slug.is_match("abc-d"), Some(true));
        assert_eq!(slug.is_match("abc-"), Some(false));
        // Catastrophic backtracking: stopped at the step limit, reported, never a hang.
        let hostile = Pattern::full("(x+x+)+(?>y)");
        let value = format!("{}zy", "x".repeat(40));
        assert_eq!(hostile.is_match(&value), None);
        assert!(hostile.compiles());
        let mut v = crate::validate::Validator::new();
        v.pattern("Name", &value, &hostile);
        assert!(matches!(v.violations()[0].kind, ViolationKind::PatternTooCostly { .. }), "{:?}", v.violations());
        assert!(v.violations()[0].to_string().contains("within 1000000 backtracking steps"), "{}", v.violations()[0]);
    }

    #[cfg(not(feature = "patterns-full"))]
    #[test]
    fn a_pattern_without_its_engine_is_reported_not_matched() {
        let unicode = Pattern::owned(r"^\p{Han}+$".into());
        assert_eq!(unicode.is_match("中文"), None);
        let error = Pattern::check(unicode.as_str()).unwrap_err();
        assert!(error.contains("patterns"), "{error}");
    }

    #[test]
    fn inline_code_survives_backticks() {
        assert_eq!(code("test"), "`test`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("tab\t"), "` tab\t `");
    }
}
