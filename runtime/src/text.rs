//! Text from outside (a server, a file, a URL) made fit for an error message or a terminal: the
//! protocol layer's one place for it, below credentials, endpoints, transport and the CLI.

/// A URL fit for an error message: its user information (`user:password@`) replaced with
/// `***@`, so a password written into an endpoint or a credentials URI is never shown.
pub fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // No scheme: the authority runs to the first `/`, `?` or `#`.
        return match url.split(['/', '?', '#']).next().and_then(|authority| authority.rfind('@')) {
            Some(at) => format!("***{}", &url[at..]),
            None => url.to_owned(),
        };
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

/// Text from a server or a file, fit for an error message or a terminal: control characters
/// (escape sequences, CR, LF) become spaces, bidi and zero-width characters show as `\u{202e}`
/// ([`is_hidden_format`]), and it is cut at `max` characters.
pub fn printable(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    for c in text.chars().take(max) {
        match c {
            c if c.is_control() => out.push(' '),
            // Shown, not obeyed: a bidi override would reorder what the user reads.
            c if is_hidden_format(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// Characters a terminal obeys without showing: bidirectional overrides and isolates (which
/// reorder the text around them, "Trojan Source") and zero-width ones (which hide a difference
/// between two names).
pub fn is_hidden_format(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Reads a small text file: a regular file (a FIFO or a device is refused before it is opened,
/// so nothing can block or stream without end) of at most `limit` bytes, UTF-8.
#[cfg(feature = "client")]
pub(crate) fn read_small_file(path: &std::path::Path, limit: u64) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    if meta.len() > limit {
        return Err(Error::new(ErrorKind::InvalidData, format!("{} bytes, more than the limit of {limit}", meta.len())));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(Error::new(ErrorKind::InvalidData, format!("grew past the limit of {limit} bytes while read")));
    }
    String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidData, "not UTF-8"))
}
