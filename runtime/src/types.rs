//! Value types shared by generated crates.

use std::fmt;

/// A boolean that the service sends as the string `"true"` or `"false"`.
///
/// It reads as a `bool` ([`StringBool::get`], `==` with a `bool`) and writes back in the form it
/// was read in, so a response re-serializes to what the service sent. A JSON boolean is accepted
/// too and written back as one.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StringBool {
    value: bool,
    as_json_bool: bool,
}

impl StringBool {
    /// A flag written as a string, as the service does.
    pub const fn new(value: bool) -> Self {
        Self { value, as_json_bool: false }
    }

    /// A flag written as a JSON boolean (as it was read, when the service sent one).
    pub const fn json_bool(value: bool) -> Self {
        Self { value, as_json_bool: true }
    }

    /// The flag's value.
    pub const fn get(self) -> bool {
        self.value
    }

    /// True when the flag is written as a JSON boolean rather than a string.
    pub const fn is_json_bool(self) -> bool {
        self.as_json_bool
    }
}

impl From<bool> for StringBool {
    fn from(value: bool) -> Self {
        Self::new(value)
    }
}

impl From<StringBool> for bool {
    fn from(value: StringBool) -> Self {
        value.value
    }
}

impl PartialEq<bool> for StringBool {
    fn eq(&self, other: &bool) -> bool {
        self.value == *other
    }
}

impl fmt::Debug for StringBool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.value, f)
    }
}

impl fmt::Display for StringBool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

// The wire forms are read and written once, by `json` (`Reader::string_bool`, `ToJson`).
crate::serde_via_json!(StringBool, Lenient);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_the_wire_form() {
        let s: StringBool = serde_json::from_str("\"false\"").unwrap();
        assert!(!s.get());
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"false\"");
        let b: StringBool = serde_json::from_str("true").unwrap();
        assert!(b == true);
        assert_eq!(serde_json::to_string(&b).unwrap(), "true");
        assert!(serde_json::from_str::<StringBool>("\"yes\"").is_err());
    }
}
