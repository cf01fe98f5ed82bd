//! `cargo xtask vectors <file.json>...`: recomputes every `expected` value of signing test
//! vectors (schema: `shared/vectors/README.md`) with the runtime's own signer.
//!
//! Written against the schema, not the vector ids: any file of that schema runs. One line per
//! vector, then `N passed, M failed`; the command fails if any vector failed or a file could not
//! be read.

use std::collections::BTreeMap;
use std::path::Path;

use acs_runtime::sign::{self, V3Input};
use anyhow::{bail, Context, Result};
use serde_json::Value;

/// Outcome of a run.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// Vectors whose every check agreed.
    pub passed: usize,
    /// Vectors with at least one mismatch (or unusable inputs).
    pub failed: usize,
    /// One line per vector.
    pub lines: Vec<String>,
}

pub(crate) fn run(files: &[impl AsRef<Path>]) -> Result<()> {
    if files.is_empty() {
        bail!("usage: cargo xtask vectors <file.json>...");
    }
    let mut total = Report::default();
    for file in files {
        let report = check_file(file.as_ref())?;
        for line in &report.lines {
            println!("{line}");
        }
        total.passed += report.passed;
        total.failed += report.failed;
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 {
        bail!("{} signing vector(s) failed", total.failed);
    }
    Ok(())
}

/// Checks every vector of one file.
pub(crate) fn check_file(path: &Path) -> Result<Report> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let doc: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let algorithm = doc["algorithm"].as_str().with_context(|| format!("{}: no top-level \"algorithm\"", path.display()))?;
    let check: fn(&Value) -> Result<Vec<String>> = if algorithm.starts_with("ACS3-") {
        check_v3
    } else if algorithm.starts_with("HMAC-SHA1 ROA") {
        check_roa_legacy
    } else if algorithm.starts_with("HMAC-SHA1") {
        check_rpc
    } else {
        bail!("{}: unknown algorithm {algorithm:?} (expected ACS3-…, HMAC-SHA1 ROA… or HMAC-SHA1…)", path.display());
    };
    let vectors = doc["vectors"].as_array().with_context(|| format!("{}: no \"vectors\" list", path.display()))?;
    let mut report = Report::default();
    for (i, vector) in vectors.iter().enumerate() {
        let id = vector["id"].as_str().map(str::to_owned).unwrap_or_else(|| format!("vectors[{i}]"));
        let outcome = check(vector);
        match outcome {
            Ok(checked) => {
                report.passed += 1;
                report.lines.push(format!("ok   {id} ({})", checked.join(", ")));
            }
            Err(problems) => {
                report.failed += 1;
                report.lines.push(format!("FAIL {id}: {problems:#}"));
            }
        }
    }
    Ok(report)
}

fn str_field<'a>(obj: &'a Value, key: &str) -> Result<&'a str> {
    obj[key].as_str().with_context(|| format!("inputs.{key} is missing or not a string"))
}

fn pairs(obj: &Value, key: &str) -> Result<Vec<(String, String)>> {
    let list = obj[key].as_array().with_context(|| format!("inputs.{key} is missing or not a list"))?;
    list.iter()
        .enumerate()
        .map(|(i, p)| match p.as_array().map(Vec::as_slice) {
            Some([Value::String(n), Value::String(v)]) => Ok((n.clone(), v.clone())),
            _ => bail!("inputs.{key}[{i}] is not a [name, value] pair of strings"),
        })
        .collect()
}

/// Compares computed values with `expected` (and `documented_values`), collecting mismatches.
struct Checks<'a> {
    vector: &'a Value,
    checked: Vec<String>,
    mismatches: Vec<String>,
}

impl Checks<'_> {
    fn field(&mut self, key: &str, actual: &str) {
        for section in ["expected", "documented_values"] {
            if let Some(expected) = self.vector[section].get(key) {
                match expected.as_str() {
                    Some(e) if e == actual => {}
                    Some(e) => self.mismatches.push(format!("{section}.{key}: expected {e:?}, computed {actual:?}")),
                    None => self.mismatches.push(format!("{section}.{key} is not a string")),
                }
                if section == "expected" {
                    self.checked.push(key.to_owned());
                }
            }
        }
    }

    fn condition(&mut self, name: &str, ok: bool, detail: impl FnOnce() -> String) {
        self.checked.push(name.to_owned());
        if !ok {
            self.mismatches.push(format!("{name}: {}", detail()));
        }
    }

    fn finish(self) -> Result<Vec<String>> {
        if self.checked.is_empty() {
            bail!("nothing to check: the vector has no expected values");
        }
        if self.mismatches.is_empty() {
            Ok(self.checked)
        } else {
            bail!("{}", self.mismatches.join("; "))
        }
    }
}

/// Parses a raw query string as sent (`+` is a space, then percent-decoding), as a multiset.
fn parse_query(raw: &str) -> BTreeMap<(String, String), usize> {
    multiset(&acs_runtime::wire::decode_query(raw))
}

fn multiset(pairs: &[(String, String)]) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for p in pairs {
        *out.entry(p.clone()).or_insert(0) += 1;
    }
    out
}

fn check_v3(vector: &Value) -> Result<Vec<String>> {
    let inputs = &vector["inputs"];
    let query = pairs(inputs, "query")?;
    let headers = pairs(inputs, "headers")?;
    let signed: Vec<String> = inputs["signed_header_names"]
        .as_array()
        .context("inputs.signed_header_names is missing")?
        .iter()
        .map(|n| n.as_str().map(str::to_owned).context("inputs.signed_header_names holds a non-string"))
        .collect::<Result<_>>()?;
    for name in &signed {
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            bail!("signed header {name:?} is not among inputs.headers");
        }
    }
    let body = inputs["body_utf8"].as_str().unwrap_or("");
    let computed = sign::sign_v3(&V3Input {
        method: str_field(inputs, "method")?,
        canonical_uri: str_field(inputs, "canonical_uri")?,
        query: &sign::borrow_pairs(&query),
        headers: &sign::borrow_pairs(&headers),
        signed_headers: &signed,
        body: body.as_bytes(),
        access_key_id: str_field(inputs, "access_key_id")?,
        access_key_secret: str_field(inputs, "access_key_secret")?,
    });
    let mut checks = Checks { vector, checked: Vec::new(), mismatches: Vec::new() };
    checks.field("hashed_payload", &computed.hashed_payload);
    checks.field("canonical_request", &computed.canonical_request);
    checks.field("string_to_sign", &computed.string_to_sign);
    checks.field("signature", &computed.signature);
    checks.field("authorization", &computed.authorization);
    if let Some((_, sent)) = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("x-acs-content-sha256")) {
        checks.condition("x-acs-content-sha256", sent.trim() == computed.hashed_payload, || {
            format!("header {sent:?} is not the body hash {}", computed.hashed_payload)
        });
    }
    if let Some(raw) = vector["wire"]["query_string_as_sent"].as_str() {
        checks.condition("wire query", parse_query(raw) == multiset(&query), || format!("{raw:?} does not decode to inputs.query"));
    }
    checks.finish()
}

fn check_rpc(vector: &Value) -> Result<Vec<String>> {
    let inputs = &vector["inputs"];
    let params = pairs(inputs, "params")?;
    if params.iter().any(|(n, _)| n == "Signature") {
        bail!("inputs.params must not contain Signature");
    }
    let computed = sign::sign_rpc(
        str_field(inputs, "method")?,
        inputs["path"].as_str().unwrap_or("/"),
        &params,
        str_field(inputs, "access_key_secret")?,
    );
    let mut checks = Checks { vector, checked: Vec::new(), mismatches: Vec::new() };
    checks.field("canonicalized_query_string", &computed.canonicalized_query_string);
    checks.field("string_to_sign", &computed.string_to_sign);
    checks.field("signature", &computed.signature);
    checks.field("signature_query_param_as_sent", &format!("Signature={}", sign::percent_encode(&computed.signature)));
    if let Some(raw) = vector["wire"]["query_string_as_sent"].as_str() {
        let mut expected = params.clone();
        expected.push(("Signature".into(), computed.signature.clone()));
        checks.condition("wire query", parse_query(raw) == multiset(&expected), || {
            format!("{raw:?} does not decode to inputs.params plus the computed Signature")
        });
    }
    checks.finish()
}

fn check_roa_legacy(vector: &Value) -> Result<Vec<String>> {
    let inputs = &vector["inputs"];
    let headers = pairs(inputs, "headers")?;
    let body = inputs["body_utf8"].as_str().unwrap_or("");
    let computed = sign::sign_roa_legacy(
        str_field(inputs, "method")?,
        str_field(inputs, "path")?,
        &pairs(inputs, "query")?,
        &headers,
        str_field(inputs, "access_key_id")?,
        str_field(inputs, "access_key_secret")?,
    );
    let mut checks = Checks { vector, checked: Vec::new(), mismatches: Vec::new() };
    checks.field("string_to_sign", &computed.string_to_sign);
    checks.field("signature", &computed.signature);
    checks.field("authorization", &computed.authorization);
    if vector["expected"]["content_md5"].is_string() {
        checks.field("content_md5", &sign::content_md5(body.as_bytes()));
    }
    checks.finish()
}
