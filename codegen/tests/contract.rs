//! The runtime contract, as generated code uses it: every `acs_runtime::` path in every crate the
//! generator writes (the project's specs, the real metadata in `../shared/meta`, the fixtures) is
//! either under `__private` (plumbing, no semver promise) or an item of the documented user API
//! listed here. A new use of anything else fails this test, so that what generated crates need
//! from the runtime is decided, not drifted into.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The documented user API generated code may name (the first type or module-and-type of each
/// path: `Params::new` counts as `Params`). Each is re-exported at the runtime's root, or lives
/// in a documented module.
const USER_API: &[&str] = &[
    "ApiStyle",
    "CallOptions",
    "Client",
    "Config",
    "Credentials",
    "Cursor",
    "EndpointRule",
    "Error",
    "ErrorCodes",
    "HttpMethod",
    "HttpRequest",
    "Mismatch",
    "Operation",
    "PageInfo",
    "PageStream",
    "PageWire",
    "Paginated",
    "Params",
    "RegionEndpoint",
    "RetryBudget",
    "RetryMode",
    "RetryPolicy",
    "ServiceError",
    "ServiceInfo",
    "SignatureVersion",
    "StringBool",
    "Timeouts",
    "TypedError",
    "UnknownCode",
    "UntypedResponse",
    "ValidationError",
    "Violation",
    "ViolationKind",
    "WaitError",
    "WaitPolicy",
    "blocking::Client",
    "bytes::Bytes",
    "credentials::Environment",
];

/// The runtime's modules hidden from its docs: nothing of the user API may live only there.
const HIDDEN_MODULES: &[&str] = &["__private", "cli", "json", "rules", "validate", "wire"];

fn specs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            specs(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// The item a path names, for the contract: `__private` for anything under it, else its leading
/// lower-case modules and its first type (`credentials::Environment::process` →
/// `credentials::Environment`).
fn item(path: &str) -> String {
    let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    if segments.first() == Some(&"__private") {
        return "__private".into();
    }
    let end = segments.iter().position(|s| s.starts_with(|c: char| c.is_ascii_uppercase())).map_or(segments.len(), |i| i + 1);
    segments[..end].join("::")
}

/// Every `acs_runtime::…` path in `text`; a use list (`acs_runtime::{A, B}`) gives one per item.
fn runtime_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("acs_runtime::") {
        let tail = &rest[at + "acs_runtime::".len()..];
        let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')).unwrap_or(tail.len());
        let prefix = &tail[..end];
        match tail[end..].strip_prefix('{').and_then(|list| list.split_once('}')) {
            Some((list, _)) => {
                out.extend(list.split(',').map(str::trim).filter(|i| !i.is_empty()).map(|i| format!("{prefix}{i}")));
            }
            None => out.push(prefix.trim_end_matches(':').to_owned()),
        }
        rest = &tail[end..];
    }
    out
}

#[test]
fn generated_crates_use_only_the_private_plumbing_and_the_documented_user_api() {
    for allowed in USER_API {
        let first = allowed.split("::").next().unwrap_or_default();
        assert!(!HIDDEN_MODULES.contains(&first), "{allowed} is listed as user API but lives in a hidden module");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let mut files = Vec::new();
    specs(&root.join("spec"), &mut files);
    specs(&root.join("tests/fixtures"), &mut files);
    specs(&root.join("../shared/meta"), &mut files);
    assert!(files.len() >= 9, "the specs, the fixtures and ../shared/meta: {files:?}");
    let mut outside = BTreeSet::new();
    let mut used = BTreeSet::new();
    let mut crates = 0;
    for spec in &files {
        let settings =
            acs_codegen::Settings::new("../../runtime", "test", spec.display().to_string()).with_rustfmt(acs_codegen::Rustfmt::Off, None);
        let Ok(generated) = acs_codegen::generate_file(spec, &settings) else { continue };
        crates += 1;
        for (file, text) in &generated.files {
            for path in runtime_paths(text) {
                let item = item(&path);
                if item != "__private" && !USER_API.contains(&item.as_str()) {
                    outside.insert(format!("{item} (as {path}, in {} {})", spec.display(), file.display()));
                }
                used.insert(item);
            }
        }
        let manifest = &generated.files[Path::new("Cargo.toml")];
        let wanted = format!("acs-runtime = {{ version = \"={}\"", acs_runtime::__private::VERSION);
        assert!(manifest.contains(&wanted), "{}: the manifest must require this runtime exactly: {manifest}", spec.display());
    }
    assert!(crates >= 9, "only {crates} specs generated");
    assert!(outside.is_empty(), "generated code uses runtime items that are neither `__private` nor documented user API:\n{outside:#?}");
    assert!(used.contains("__private"), "the plumbing is reached through `__private`");
}

#[test]
fn the_scan_sees_plain_paths_use_lists_and_the_private_prefix() {
    let text = "let r: ::acs_runtime::json::Reader = x; pub use ::acs_runtime::{Config, Params};\n::acs_runtime::__private::json::same(a, b); ::acs_runtime::Params::with_capacity(3)";
    let items: Vec<String> = runtime_paths(text).iter().map(|p| item(p)).collect();
    assert_eq!(items, ["json::Reader", "Config", "Params", "__private", "Params"]);
    // A hidden module's item is not user API, whatever its name.
    assert!(!USER_API.contains(&items[0].as_str()));
}
