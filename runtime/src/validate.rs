//! Client-side checks of the constraints a spec declares, run before any network I/O.
//!
//! Generated `validate` methods call one [`Validator`] method per field, with the field's rules
//! ([`crate::rules`]); the emulator makes the same calls with rules built from the spec. The
//! validator collects every violation instead of stopping at the first, and each [`Violation`]
//! names the wire field, the rule and the offending value, so a caller can fix a request in one go.
//!
//! The service may relax a documented limit before the spec catches up. Callers who know that
//! can skip validation: `Operation::to_params` (and the client's `without_validation` switch)
//! send a request as it is.

use std::fmt;

pub use crate::rules::ViolationKind;
use crate::rules::{IntRules, ListRules, NumRules, Pattern, StrRules};

/// A field that breaks one constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Wire name of the field, with list positions for nested values (`Tag.2.Key`).
    pub field: String,
    /// The rule that was broken.
    pub kind: ViolationKind,
    /// The offending value, where there is one to show (not for lists).
    pub value: Option<String>,
}

/// Longest value shown in a message; longer ones are cut with `…`.
const SHOWN_VALUE_CHARS: usize = 80;

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.kind)?;
        if let Some(value) = &self.value {
            if value.chars().count() > SHOWN_VALUE_CHARS {
                let cut: String = value.chars().take(SHOWN_VALUE_CHARS).collect();
                write!(f, " (value {cut:?}…)")?;
            } else {
                write!(f, " (value {value:?})")?;
            }
        }
        Ok(())
    }
}

/// A request that breaks one or more of its operation's constraints. Nothing was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// The operation (`Action`) whose request was checked.
    pub operation: &'static str,
    /// Every violation found, in the order of the operation's parameters.
    pub violations: Vec<Violation>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} request: ", self.operation)?;
        for (i, violation) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

/// Implemented by generated request and nested object types.
pub trait Validate {
    /// Checks every constraint of `self`, reporting violations to `v` under its current path.
    fn validate_into(&self, v: &mut Validator);
}

/// A boxed value (a type that contains itself) checks as the value.
impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate_into(&self, v: &mut Validator) {
        (**self).validate_into(v);
    }
}

/// Collects [`Violation`]s for one request.
#[derive(Debug, Default)]
pub struct Validator {
    prefix: String,
    violations: Vec<Violation>,
}

impl Validator {
    /// A validator with no violations yet.
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn report(&mut self, field: &str, kind: ViolationKind, value: Option<&str>) {
        let field = if self.prefix.is_empty() { field.to_owned() } else { format!("{}.{field}", self.prefix) };
        self.violations.push(Violation { field, kind, value: value.map(str::to_owned) });
    }

    /// Reports [`ViolationKind::Missing`] for `field`.
    pub fn missing(&mut self, field: &str) {
        self.report(field, ViolationKind::Missing, None);
    }

    /// A required string may not be empty (the service treats `Name=` as absent).
    pub fn required_str(&mut self, field: &str, value: &str) {
        if value.is_empty() {
            self.missing(field);
        }
    }

    /// A required list may not be empty (nothing would be sent for it).
    pub fn required_items(&mut self, field: &str, count: usize) {
        if count == 0 {
            self.missing(field);
        }
    }

    /// `minLength` / `maxLength`, counted in characters.
    pub fn length(&mut self, field: &str, value: &str, min: Option<u64>, max: Option<u64>) {
        let actual = value.chars().count() as u64;
        if let Some(min) = min.filter(|&min| actual < min) {
            self.report(field, ViolationKind::TooShort { min, actual }, Some(value));
        }
        if let Some(max) = max.filter(|&max| actual > max) {
            self.report(field, ViolationKind::TooLong { max, actual }, Some(value));
        }
    }

    /// `minItems` / `maxItems`.
    pub fn items(&mut self, field: &str, count: usize, min: Option<u64>, max: Option<u64>) {
        let actual = count as u64;
        if let Some(min) = min.filter(|&min| actual < min) {
            self.report(field, ViolationKind::TooFewItems { min, actual }, None);
        }
        if let Some(max) = max.filter(|&max| actual > max) {
            self.report(field, ViolationKind::TooManyItems { max, actual }, None);
        }
    }

    /// `pattern`, with JSON Schema semantics (a match anywhere; anchor with `^…$`).
    pub fn pattern(&mut self, field: &str, value: &str, pattern: &Pattern) {
        match pattern.is_match(value) {
            Some(true) => {}
            Some(false) => self.report(field, ViolationKind::PatternMismatch { pattern: pattern.as_str().to_owned() }, Some(value)),
            None if pattern.compiles() => {
                self.report(field, ViolationKind::PatternTooCostly { pattern: pattern.as_str().to_owned() }, Some(value))
            }
            None => self.report(field, ViolationKind::UncheckablePattern { pattern: pattern.as_str().to_owned() }, Some(value)),
        }
    }

    /// `x-acs-charset: ascii`.
    pub fn ascii(&mut self, field: &str, value: &str) {
        if !value.is_ascii() {
            self.report(field, ViolationKind::NotAscii, Some(value));
        }
    }

    /// `x-acs-forbidden-prefixes`.
    pub fn forbidden_prefixes<'a>(&mut self, field: &str, value: &str, prefixes: impl IntoIterator<Item = &'a str>) {
        if let Some(prefix) = prefixes.into_iter().find(|p| value.starts_with(p)) {
            self.report(field, ViolationKind::ForbiddenPrefix { prefix: prefix.to_owned() }, Some(value));
        }
    }

    /// `enum`: `allowed` lists every permitted value, as text.
    pub(crate) fn not_allowed(&mut self, field: &str, value: &str, allowed: impl Iterator<Item = String>) {
        self.report(field, ViolationKind::NotAllowed { allowed: allowed.collect() }, Some(value));
    }

    /// `minimum` / `maximum` for integers; each bound is `(limit, exclusive)`. Compared as
    /// integers, so bounds beyond 2^53 are exact.
    pub fn int_range(&mut self, field: &str, value: i64, min: Option<(i64, bool)>, max: Option<(i64, bool)>) {
        self.range(field, value, min, max);
    }

    /// `minimum` / `maximum` for numbers; each bound is `(limit, exclusive)`.
    pub fn number_range(&mut self, field: &str, value: f64, min: Option<(f64, bool)>, max: Option<(f64, bool)>) {
        self.range(field, value, min, max);
    }

    /// A value that does not compare with a bound (NaN) breaks it.
    fn range<T: PartialOrd + fmt::Display>(&mut self, field: &str, value: T, min: Option<(T, bool)>, max: Option<(T, bool)>) {
        use std::cmp::Ordering::{Equal, Greater, Less};
        if let Some((limit, exclusive)) = min {
            if matches!(value.partial_cmp(&limit), None | Some(Less)) || (exclusive && value.partial_cmp(&limit) == Some(Equal)) {
                self.report(field, ViolationKind::BelowMinimum { minimum: limit.to_string(), exclusive }, Some(&value.to_string()));
            }
        }
        if let Some((limit, exclusive)) = max {
            if matches!(value.partial_cmp(&limit), None | Some(Greater)) || (exclusive && value.partial_cmp(&limit) == Some(Equal)) {
                self.report(field, ViolationKind::AboveMaximum { maximum: limit.to_string(), exclusive }, Some(&value.to_string()));
            }
        }
    }

    /// Every rule of a string field ([`StrRules`]): the same call in generated code and in the
    /// emulator, so both apply the same rules the same way.
    pub fn string(&mut self, field: &str, value: &str, rules: &StrRules<'_>) {
        rules.check(self, field, value);
    }

    /// Every rule of an integer field ([`IntRules`]).
    pub fn integer(&mut self, field: &str, value: i64, rules: &IntRules<'_>) {
        rules.check(self, field, value);
    }

    /// Every rule of a floating-point field ([`NumRules`]).
    pub fn number(&mut self, field: &str, value: f64, rules: &NumRules) {
        rules.check(self, field, value);
    }

    /// Every rule of a list field ([`ListRules`]); its items are checked separately. An empty
    /// optional list is not sent at all, so `minItems` does not apply to it.
    pub fn list(&mut self, field: &str, count: usize, rules: &ListRules) {
        rules.check(self, field, count);
    }

    /// [`Validator::list`] for an optional list the caller may have set to empty on purpose
    /// (`explicit`, see [`Explicit`](crate::wire::Explicit)), which is then sent and checked.
    pub fn list_set(&mut self, field: &str, count: usize, rules: &ListRules, explicit: bool) {
        rules.check_sent(self, field, count, explicit);
    }

    /// [`Validator::string`] for each item of a list, reported as `field.N`.
    pub fn strings(&mut self, field: &str, items: &[String], rules: &StrRules<'_>) {
        for (index, item) in items.iter().enumerate() {
            self.string(&format!("{field}.{}", index + 1), item, rules);
        }
    }

    /// [`Validator::integer`] for each item of a list, reported as `field.N`.
    pub fn integers(&mut self, field: &str, items: impl IntoIterator<Item = i64>, rules: &IntRules<'_>) {
        for (index, item) in items.into_iter().enumerate() {
            self.integer(&format!("{field}.{}", index + 1), item, rules);
        }
    }

    /// [`Validator::number`] for each item of a list, reported as `field.N`.
    pub fn numbers(&mut self, field: &str, items: impl IntoIterator<Item = f64>, rules: &NumRules) {
        for (index, item) in items.into_iter().enumerate() {
            self.number(&format!("{field}.{}", index + 1), item, rules);
        }
    }

    /// Validates a nested object under `field` (a `flat` or `json` object).
    pub fn object(&mut self, field: &str, value: &dyn Validate) {
        let saved = self.enter(field);
        value.validate_into(self);
        self.prefix.truncate(saved);
    }

    /// Validates each item of a list of objects under `field.N` (1-based, as on the wire).
    pub fn each<T: Validate>(&mut self, field: &str, items: &[T]) {
        for (index, item) in items.iter().enumerate() {
            self.object(&format!("{field}.{}", index + 1), item);
        }
    }

    fn enter(&mut self, segment: &str) -> usize {
        let saved = self.prefix.len();
        if !self.prefix.is_empty() {
            self.prefix.push('.');
        }
        self.prefix.push_str(segment);
        saved
    }

    /// The violations so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// `Ok` when nothing was reported, else every violation for `operation`.
    pub fn finish(self, operation: &'static str) -> Result<(), ValidationError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationError { operation, violations: self.violations })
        }
    }
}

/// Validates `request` as a whole and names `operation` in the error.
pub fn check(operation: &'static str, request: &dyn Validate) -> Result<(), ValidationError> {
    let mut v = Validator::new();
    request.validate_into(&mut v);
    v.finish(operation)
}

// The rules check themselves here, next to the `Validator` they report to, so that `rules`
// (the values and their words) needs nothing from this module.

impl StrRules<'_> {
    /// Checks `value`, reporting to `v` in a fixed order: missing, length, charset, pattern,
    /// prefixes, allowed values.
    pub(crate) fn check(&self, v: &mut Validator, field: &str, value: &str) {
        if self.required && self.min_length.unwrap_or(0) == 0 {
            v.required_str(field, value);
        }
        if self.min_length.is_some() || self.max_length.is_some() {
            v.length(field, value, self.min_length, self.max_length);
        }
        if self.ascii {
            v.ascii(field, value);
        }
        if let Some(pattern) = self.pattern {
            v.pattern(field, value, pattern);
        }
        if !self.forbidden_prefixes.is_empty() {
            v.forbidden_prefixes(field, value, self.forbidden_prefixes.iter());
        }
        if !self.allowed.is_empty() && !self.allowed.contains(value) {
            v.not_allowed(field, value, self.allowed.iter().map(str::to_owned));
        }
    }
}

impl IntRules<'_> {
    /// Checks `value`: bounds, then allowed values.
    pub(crate) fn check(&self, v: &mut Validator, field: &str, value: i64) {
        if self.minimum.is_some() || self.maximum.is_some() {
            v.int_range(field, value, self.minimum, self.maximum);
        }
        if !self.allowed.is_empty() && !self.allowed.contains(&value) {
            v.not_allowed(field, &value.to_string(), self.allowed.iter().map(i64::to_string));
        }
    }
}

impl NumRules {
    /// Checks `value` against the bounds (NaN breaks every bound).
    pub(crate) fn check(&self, v: &mut Validator, field: &str, value: f64) {
        v.number_range(field, value, self.minimum, self.maximum);
    }
}

impl ListRules {
    /// Checks a list of `count` items. An empty optional list is not sent at all, so `minItems`
    /// does not apply to it.
    pub(crate) fn check(&self, v: &mut Validator, field: &str, count: usize) {
        self.check_sent(v, field, count, false)
    }

    /// [`ListRules::check`] for a list whose emptiness may be on purpose (`explicit`): an empty
    /// list set on purpose is sent (`[]`), so `minItems` applies to it.
    pub(crate) fn check_sent(&self, v: &mut Validator, field: &str, count: usize, explicit: bool) {
        if count == 0 && !self.required && !explicit {
            return;
        }
        if self.required && self.min_items.unwrap_or(0) == 0 {
            v.required_items(field, count);
        }
        if self.min_items.is_some() || self.max_items.is_some() {
            v.items(field, count, self.min_items, self.max_items);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{IntRules, ListRules, StrRules};

    #[test]
    fn collects_every_violation_with_paths() {
        struct Tag(&'static str);
        impl Validate for Tag {
            fn validate_into(&self, v: &mut Validator) {
                v.length("Key", self.0, Some(1), Some(3));
            }
        }
        let mut v = Validator::new();
        v.items("InstanceIds", 0, Some(1), Some(50));
        v.each("Tag", &[Tag("ok"), Tag("long")]);
        v.int_range("Period", 40, Some((1, false)), Some((36, false)));
        v.number_range("Ratio", 0.0, Some((0.0, true)), None);
        let err = v.finish("Op").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid Op request: InstanceIds has 0 items, fewer than the minimum of 1; \
             Tag.2.Key has 4 characters, more than the maximum of 3 (value \"long\"); \
             Period is greater than the maximum of 36 (value \"40\"); \
             Ratio must be greater than 0 (value \"0\")"
        );
    }

    #[test]
    fn rules_report_missing_only_when_no_minimum_does() {
        let mut v = Validator::new();
        v.string("A", "", &StrRules::new().required());
        v.string("B", "", &StrRules::new().required().min_length(2));
        v.list("C", 0, &ListRules::new().required().max_items(3));
        v.list("D", 0, &ListRules::new().required().min_items(1));
        v.list("Unsent", 0, &ListRules::new().min_items(1));
        v.strings("E", &["ok".into(), "toolong".into()], &StrRules::new().max_length(3));
        v.integers("F", [5, 60], &IntRules::new().allowed(&[60, 600]));
        let kinds: Vec<(String, ViolationKind)> = v.violations.into_iter().map(|x| (x.field, x.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("A".into(), ViolationKind::Missing),
                ("B".into(), ViolationKind::TooShort { min: 2, actual: 0 }),
                ("C".into(), ViolationKind::Missing),
                ("D".into(), ViolationKind::TooFewItems { min: 1, actual: 0 }),
                ("E.2".into(), ViolationKind::TooLong { max: 3, actual: 7 }),
                ("F.1".into(), ViolationKind::NotAllowed { allowed: vec!["60".into(), "600".into()] }),
            ]
        );
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let mut v = Validator::new();
        let long = "x".repeat(200);
        v.length("Name", &long, None, Some(64));
        let shown = v.finish("Op").unwrap_err().to_string();
        assert!(shown.ends_with(&format!("(value \"{}\"…)", "x".repeat(80))), "{shown}");
    }
}
