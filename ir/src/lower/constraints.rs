//! Lowering constraints: what a schema states about a value, typed, checked for sense.

use acs_runtime::Pattern;

use crate::ir::*;
use crate::parse::Schema;

use super::{LowerError, OperationLowering};

impl OperationLowering<'_> {
    pub(super) fn constraints(
        &self,
        schema: &Schema,
        ty: &Type,
        path: &str,
        param: Option<&str>,
        unenforced: &mut Vec<String>,
    ) -> Result<Constraints, LowerError> {
        let err = |key: &str, message: String| self.err(format!("{path}.{key}"), param, message);
        let count = |key: &str, raw: &Option<String>| -> Result<Option<u64>, LowerError> {
            raw.as_deref()
                .map(|text| {
                    let text = text.trim();
                    text.parse::<u64>()
                        .ok()
                        .or_else(|| text.parse::<f64>().ok().filter(|f| f.fract() == 0.0 && (0.0..1.8e19).contains(f)).map(|f| f as u64))
                        .ok_or_else(|| err(key, format!("{key} must be a non-negative integer, found {text:?}")))
                })
                .transpose()
        };
        let mut c = Constraints::default();
        match ty {
            Type::String => {
                c.min_length = count("minLength", &schema.min_length)?;
                c.max_length = count("maxLength", &schema.max_length)?;
                if let Some(pattern) = &schema.pattern {
                    Pattern::check(pattern).map_err(|e| {
                        err("pattern", format!("pattern {pattern:?} does not compile: {}", e.lines().last().unwrap_or_default()))
                    })?;
                    c.pattern = Some(Pattern::owned(pattern.clone()));
                }
                match schema.charset.as_deref() {
                    None => {}
                    Some(cs) if cs.eq_ignore_ascii_case("ascii") => c.ascii_only = true,
                    Some(cs) => unenforced.push(format!("x-acs-charset {cs:?} is not enforced (only ascii is known)")),
                }
                c.forbidden_prefixes = schema.forbidden_prefixes.clone();
                if let Some(values) = &schema.enum_values {
                    c.allowed = values.iter().map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())).collect();
                }
                if schema.minimum.is_some() || schema.maximum.is_some() {
                    unenforced.push("minimum/maximum on a string is not enforced".into());
                }
            }
            Type::I32 | Type::I64 | Type::F32 | Type::F64 => {
                let integer = matches!(ty, Type::I32 | Type::I64);
                let (lowest, highest) = match ty {
                    Type::I32 => (i64::from(i32::MIN), i64::from(i32::MAX)),
                    _ => (i64::MIN, i64::MAX),
                };
                let bound = |key: &str, raw: &Option<String>| -> Result<Option<Number>, LowerError> {
                    raw.as_deref()
                        .map(|text| {
                            let text = text.trim();
                            if integer {
                                let n = text.parse::<i64>().ok().or_else(|| {
                                    text.parse::<f64>().ok().filter(|f| f.fract() == 0.0 && (-9.2e18..9.2e18).contains(f)).map(|f| f as i64)
                                });
                                match n {
                                    Some(n) if (lowest..=highest).contains(&n) => Ok(Number::Int(n)),
                                    Some(_) => Err(err(
                                        key,
                                        format!("{key} {text} is outside the range of the field's type ({lowest} to {highest})"),
                                    )),
                                    None => {
                                        Err(err(key, format!("{key} must be an integer in the range of the field's type, found {text:?}")))
                                    }
                                }
                            } else {
                                match text.parse::<f64>() {
                                    Ok(x) if x.is_finite() => Ok(Number::Float(x)),
                                    _ => Err(err(key, format!("{key} must be a finite number, found {text:?}"))),
                                }
                            }
                        })
                        .transpose()
                };
                c.minimum = bound("minimum", &schema.minimum)?.map(|n| (n, schema.exclusive_minimum.unwrap_or(false)));
                c.maximum = bound("maximum", &schema.maximum)?.map(|n| (n, schema.exclusive_maximum.unwrap_or(false)));
                if let Some(values) = &schema.enum_values {
                    let integers: Option<Vec<i64>> =
                        values.iter().map(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))).collect();
                    match integers {
                        Some(allowed) if integer => c.allowed_integers = allowed,
                        _ => unenforced.push(format!("enum {} on a number is not enforced", serde_json::Value::Array(values.clone()))),
                    }
                }
            }
            Type::List(item) => {
                c.min_items = count("minItems", &schema.min_items)?;
                c.max_items = count("maxItems", &schema.max_items)?;
                if let (Some(items), Type::String | Type::I32 | Type::I64 | Type::F32 | Type::F64) = (&schema.items, item.as_ref()) {
                    let item_constraints = self.constraints(items, item, &format!("{path}.items"), param, unenforced)?;
                    if !item_constraints.is_empty() {
                        c.items = Some(Box::new(item_constraints));
                    }
                }
            }
            _ => {}
        }
        self.contradictions(&c, path, param)?;
        Ok(c)
    }

    /// Bounds that no value can meet: a client built from them would refuse every request.
    fn contradictions(&self, c: &Constraints, path: &str, param: Option<&str>) -> Result<(), LowerError> {
        let refuse = |what: String| Err(self.err(path.to_owned(), param, format!("{what}: no value can satisfy it")));
        if let (Some(min), Some(max)) = (c.min_length, c.max_length) {
            if min > max {
                return refuse(format!("minLength {min} is greater than maxLength {max}"));
            }
        }
        if let (Some(min), Some(max)) = (c.min_items, c.max_items) {
            if min > max {
                return refuse(format!("minItems {min} is greater than maxItems {max}"));
            }
        }
        if let (Some((min, min_excl)), Some((max, max_excl))) = (c.minimum, c.maximum) {
            let as_f64 = |n: Number| match n {
                Number::Int(i) => i as f64,
                Number::Float(f) => f,
            };
            let empty = match (min, max) {
                (Number::Int(a), Number::Int(b)) => {
                    a > b || (a == b && (min_excl || max_excl)) || (min_excl && max_excl && i128::from(b) - i128::from(a) <= 1)
                }
                _ => as_f64(min) > as_f64(max) || (as_f64(min) == as_f64(max) && (min_excl || max_excl)),
            };
            if empty {
                let show = |n: Number, excl: bool, word: &str| {
                    format!(
                        "{word}{} {}",
                        if excl { " (exclusive)" } else { "" },
                        match n {
                            Number::Int(i) => i.to_string(),
                            Number::Float(f) => f.to_string(),
                        }
                    )
                };
                return refuse(format!("{} and {}", show(min, min_excl, "minimum"), show(max, max_excl, "maximum")));
            }
        }
        Ok(())
    }
}
