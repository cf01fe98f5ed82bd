//! Rust identifiers from wire names, in one place (after prost-build's `ident.rs`).
//!
//! Metadata names are PascalCase, lowerCamel, dotted (`SystemDisk.Size`) or odd; Rust names
//! must be valid identifiers that never collide with keywords or with each other.

use std::collections::BTreeSet;

use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};

/// Keywords that cannot be raw identifiers; they get a `_` suffix instead.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Strict and reserved keywords of every edition up to 2024.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else", "enum", "extern",
    "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized",
    "use", "virtual", "where", "while", "yield",
];

/// Names the Rust prelude brings into every module (edition 2021). Generated code writes these
/// unqualified (`Option`, `String`, `Vec`, `Some`), so no generated type may take one of them;
/// everything else it uses is written with a full path and cannot be shadowed.
pub(crate) const PRELUDE: &[&str] = &[
    "Copy",
    "Send",
    "Sized",
    "Sync",
    "Unpin",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "drop",
    "Box",
    "ToOwned",
    "Clone",
    "PartialEq",
    "PartialOrd",
    "Eq",
    "Ord",
    "AsRef",
    "AsMut",
    "Into",
    "From",
    "Default",
    "Iterator",
    "Extend",
    "IntoIterator",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "ToString",
    "Vec",
    "TryFrom",
    "TryInto",
    "FromIterator",
    "Debug",
    "Hash",
];

/// Keeps `[A-Za-z0-9_]`, turning anything else into a word break.
fn words_only(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

fn finish(mut ident: String) -> String {
    if ident.is_empty() {
        ident.push_str("unnamed");
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    if NOT_RAW.contains(&ident.as_str()) {
        ident.push('_');
    } else if KEYWORDS.contains(&ident.as_str()) {
        ident.insert_str(0, "r#");
    }
    ident
}

/// A field, module or function name: `InstanceIds` → `instance_ids`, `type` → `r#type`.
pub(crate) fn snake(name: &str) -> String {
    finish(words_only(name).to_snake_case())
}

/// A type or variant name: `login credentials` → `LoginCredentials`, `Self` → `Self_`.
pub(crate) fn pascal(name: &str) -> String {
    finish(words_only(name).to_upper_camel_case())
}

/// A command-line flag: `InstanceIds` → `instance-ids`, `SystemDisk.Size` → `system-disk-size`.
pub(crate) fn kebab(name: &str) -> String {
    let flag = words_only(name).to_kebab_case();
    if flag.is_empty() {
        "unnamed".into()
    } else {
        flag
    }
}

/// The singular of an English plural, for naming a list's item type: `Results` → `Result`,
/// `Policies` → `Policy`, `Addresses` → `Address`. Words that do not look plural stay.
pub(crate) fn singular(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with("ies") && name.len() > 4 {
        format!("{}y", &name[..name.len() - 3])
    } else if ["sses", "xes", "ches", "shes"].iter().any(|s| lower.ends_with(s)) {
        name[..name.len() - 2].to_owned()
    } else if lower.ends_with('s') && !lower.ends_with("ss") && !lower.ends_with("us") && name.len() > 1 {
        name[..name.len() - 1].to_owned()
    } else {
        name.to_owned()
    }
}

/// Hands out names that are unique within one scope, suffixing `_2`, `_3`, … on collision.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope in which `reserved` are already taken.
    pub(crate) fn with_reserved(reserved: &[&str]) -> Self {
        Self { taken: reserved.iter().map(|s| (*s).to_owned()).collect() }
    }

    /// Takes `name` without checking: a name that exists already.
    pub(crate) fn reserve(&mut self, name: &str) {
        self.taken.insert(name.trim_start_matches("r#").to_owned());
    }

    /// `wanted` if free, else the first free `wanted_N` (`WantedN` for types).
    pub(crate) fn claim(&mut self, wanted: String) -> String {
        let bare = wanted.trim_start_matches("r#").to_owned();
        let joiner = if bare.starts_with(|c: char| c.is_ascii_uppercase()) { "" } else { "_" };
        let mut candidate = wanted;
        let mut n = 2;
        while !self.taken.insert(candidate.trim_start_matches("r#").to_owned()) {
            candidate = format!("{bare}{joiner}{n}");
            n += 1;
        }
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_keywords_digits_and_dots() {
        assert_eq!(snake("InstanceIds"), "instance_ids");
        assert_eq!(snake("regionId"), "region_id");
        assert_eq!(snake("SystemDisk.Size"), "system_disk_size");
        assert_eq!(snake("Type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("2FA"), "_2fa");
        assert_eq!(snake(""), "unnamed");
        assert_eq!(snake("_"), "unnamed");
        assert_eq!(pascal("InvalidInstanceId.NotFound"), "InvalidInstanceIdNotFound");
        assert_eq!(pascal("self"), "Self_");
        assert_eq!(pascal("data"), "Data");
    }

    #[test]
    fn singularizes_plurals_only() {
        for (plural, one) in [
            ("Results", "Result"),
            ("Policies", "Policy"),
            ("Addresses", "Address"),
            ("DiskTags", "DiskTag"),
            ("Status", "Status"),
            ("Data", "Data"),
            ("Access", "Access"),
        ] {
            assert_eq!(singular(plural), one);
        }
    }

    #[test]
    fn scope_suffixes_collisions() {
        let mut fields = Scope::default();
        assert_eq!(fields.claim("system_disk".into()), "system_disk");
        assert_eq!(fields.claim("system_disk".into()), "system_disk_2");
        let mut types = Scope::with_reserved(&["Result"]);
        assert_eq!(types.claim("Result".into()), "Result2");
    }
}
