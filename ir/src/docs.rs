//! Documentation text from the spec, made safe for rustdoc.
//!
//! Spec descriptions are Markdown written for a web page. In a doc comment, an indented block or
//! an untagged code fence would become a Rust doctest that fails to compile, and Alibaba's
//! `~~12345~~` link ids point nowhere. This module rewrites just those.

use std::sync::LazyLock;

use regex::Regex;

static DOC_LINK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"~~(\d+)~~").expect("valid regex"));

/// Cleans one description for use in a doc comment.
pub fn clean(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\t', "    ");
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
}
