//! `Cargo.toml` of a generated crate.

use acs_ir::Service;

use super::Names;

/// A TOML basic string: quotes, backslashes and every control character escaped (TOML allows
/// none of them raw), so any title or version from a spec makes a valid manifest.
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // Control characters are not allowed raw; bidirectional and zero-width ones would
            // make the manifest read differently from what it says.
            c if c.is_control() || acs_ir::safe_text(&c.to_string()).is_empty() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The manifest. `header` becomes its first comment line.
pub fn cargo_toml(service: &Service, names: &Names<'_>, runtime_path: &str, header: &str) -> String {
    let title = service.title.clone().unwrap_or_else(|| service.product.clone());
    let description = format!("Typed, validated client types for Alibaba Cloud {title} ({} {})", service.product, service.version);
    // One line: a newline in the header would end the comment.
    let header: String = header.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let cli = names.cli_name;
    format!(
        "# {header}\n\
         [package]\n\
         name = {name}\n\
         version = \"0.1.0\"\n\
         edition = \"2021\"\n\
         description = {description}\n\
         license = \"MIT OR Apache-2.0\"\n\
         publish = false\n\
         \n\
         [features]\n\
         default = []\n\
         # The `{cli}` command-line front end.\n\
         cli = [\"acs-runtime/cli\"]\n\
         # A blocking client, `client::blocking::Client`.\n\
         blocking = [\"acs-runtime/blocking\"]\n\
         \n\
         [[bin]]\n\
         name = {cli_name}\n\
         path = {bin_path}\n\
         required-features = [\"cli\"]\n\
         \n\
         [dependencies]\n\
         # The runtime this crate was generated for, exactly: its `__private` items carry no\n\
         # semver promise.\n\
         acs-runtime = {{ version = {runtime_version}, path = {runtime}{features} }}\n\
         serde_json = \"1\"\n",
        name = toml_string(names.crate_name),
        description = toml_string(&description),
        cli_name = toml_string(cli),
        bin_path = toml_string(&format!("src/bin/{cli}.rs")),
        runtime = toml_string(runtime_path),
        runtime_version = toml_string(&format!("={}", acs_runtime::__private::VERSION)),
        // The pattern engine the spec's checks need; none when it has no pattern.
        features = super::checks::pattern_engine(service)
            .map_or_else(String::new, |engine| format!(", features = [{}]", toml_string(engine.feature()))),
    )
}

#[cfg(test)]
mod tests {
    use super::toml_string;

    #[test]
    fn every_control_character_is_escaped() {
        assert_eq!(toml_string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(toml_string("x\u{7f}y\u{85}z\n"), r#""x\u007Fy\u0085z\n""#);
    }
}
