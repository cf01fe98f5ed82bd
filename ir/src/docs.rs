//! Documentation text from the spec, made safe for rustdoc.
//!
//! Spec descriptions are Markdown written for a web page. In a doc comment, an indented block or
//! an untagged code fence would become a Rust doctest that fails to compile, and Alibaba's
//! `~~12345~~` link ids point nowhere. This module rewrites just those.

use std::sync::LazyLock;

use regex::Regex;

static DOC_LINK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"~~(\d+)~~").expect("valid regex"));

/// Text from a spec made safe to place in Rust source as a comment: line breaks of every kind
/// (`\r\n`, a bare `\r`, U+2028, U+2029) become `\n`, which comment emitters split on; other
/// control characters become spaces (a bare CR is an error in a doc comment); bidirectional
/// controls and zero-width characters are dropped (rustc denies the former in comments, and
/// both can make text read differently from what it is).
pub fn safe_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push_str("    "),
            c if is_invisible(c) => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Bidirectional controls and zero-width characters: the runtime's one list, which the CLI also
/// keeps from the terminal.
fn is_invisible(c: char) -> bool {
    acs_runtime::credentials::is_hidden_format(c)
}

/// Cleans one description for use in a doc comment.
pub(crate) fn clean(text: &str) -> String {
    let text = safe_text(text);
    let text = DOC_LINK.replace_all(&text, "https://help.aliyun.com/document_detail/$1.html");
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            // Opening fences become `text` so rustdoc never compiles them; closing ones stay.
            out.push(if in_fence { "```".to_owned() } else { "```text".to_owned() });
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_owned());
        } else {
            // Four spaces of indentation would start an (untagged, so Rust) code block.
            let indent = (line.len() - trimmed.len()).min(3);
            out.push(format!("{}{}", " ".repeat(indent), trimmed.trim_end()));
        }
    }
    if in_fence {
        out.push("```".to_owned());
    }
    out.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralizes_code_blocks_and_links() {
        let cleaned = clean("See [ListRegions](~~189315~~).\n\n    indented\n```\nrun this\n```");
        assert_eq!(
            cleaned,
            "See [ListRegions](https://help.aliyun.com/document_detail/189315.html).\n\n   indented\n```text\nrun this\n```"
        );
        assert_eq!(clean("```json\n{"), "```text\n{\n```");
    }

    #[test]
    fn text_that_breaks_rust_source_is_made_safe() {
        assert_eq!(safe_text("a\rb\r\nc\u{2028}d"), "a\nb\nc\nd");
        assert_eq!(safe_text("x\u{202E}y\u{2066}z\u{200B}w\u{FEFF}"), "xyzw");
        assert_eq!(safe_text("nul\0bell\u{7}del\u{7f}c1\u{85}"), "nul bell del c1 ");
        assert_eq!(clean("line one\rline two"), "line one\nline two");
    }
}
