//! What ROA requests add to the wire: a path filled from its template (and matched back), and
//! a JSON body with its keys in a fixed order; and reading 2xx bodies.

use crate::json::ToJson;
use serde_json::{Map, Value};

use super::Params;

/// The JSON body of a ROA request whose body is an object: one [`JsonObject::put`] per field,
/// unset fields left out, as the official SDKs assemble it.
#[derive(Debug, Default)]
pub struct JsonObject(Map<String, Value>);

impl JsonObject {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value` under `key`, unless it is unset (`None`, `null`) or an empty collection.
    pub fn put(&mut self, key: &str, value: &dyn ToJson) {
        let value = Value::from(value.to_json());
        let unset = match &value {
            Value::Null => true,
            Value::Array(items) => items.is_empty(),
            Value::Object(fields) => fields.is_empty(),
            _ => false,
        };
        if !unset {
            self.0.insert(key.to_owned(), value);
        }
    }

    /// [`JsonObject::put`] for a collection the caller may have set to empty on purpose
    /// (`explicit`, see [`Explicit`](super::Explicit)): then `[]` or `{}` is kept.
    pub fn put_set(&mut self, key: &str, value: &dyn ToJson, explicit: bool) {
        let value = Value::from(value.to_json());
        let empty = match &value {
            Value::Array(items) => items.is_empty(),
            Value::Object(fields) => fields.is_empty(),
            _ => false,
        };
        if value.is_null() || (empty && !explicit) {
            return;
        }
        self.0.insert(key.to_owned(), value);
    }

    /// The object.
    pub fn finish(self) -> Value {
        Value::Object(self.0)
    }
}

/// The path of a ROA request: `template` with each `{Name}` replaced by the value of `Name` in
/// `params`, percent-encoded as the SDKs do (`/` becomes `%2F`), and a literal `:` as `%3A`.
///
/// A template `{+Name}` is a whole-path parameter: the value is the path, sent as the official
/// SDK sends it (unencoded), but for what a URL path cannot hold (space, `?`, `#`, `%` not
/// followed by two hex digits, non-ASCII), which is percent-encoded; a missing leading `/` is
/// added.
pub fn fill_path(template: &str, params: &Params<'_>) -> String {
    if let Some(name) = whole_path(template) {
        let value = params.get(name).unwrap_or_default();
        let mut out = String::with_capacity(value.len() + 1);
        if !value.starts_with('/') {
            out.push('/');
        }
        let bytes = value.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let escaped_already = b == b'%' && bytes.len() > i + 2 && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit();
            if escaped_already || b.is_ascii_alphanumeric() || b"-._~/:@!$&'()*+,;=".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        return out;
    }
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        out.push_str(&rest[..start].replace(':', "%3A"));
        let name = &rest[start + 1..start + len];
        out.push_str(&crate::sign::percent_encode(params.get(name).unwrap_or_default()));
        rest = &rest[start + len + 1..];
    }
    out.push_str(&rest.replace(':', "%3A"));
    out
}

/// The inverse of [`fill_path`]: the path parameters of `path` (as received, still encoded) if
/// it matches `template`, decoded; `None` when it does not match or does not decode.
pub fn match_path(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    if let Some(name) = whole_path(template) {
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
        return Some(vec![(name.to_owned(), decoded.into_owned())]);
    }
    let template: Vec<&str> = template.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    if template.len() != path.len() {
        return None;
    }
    let mut params = Vec::new();
    for (t, p) in template.iter().zip(&path) {
        let literal = |text: &str| text.replace(':', "%3A");
        match (t.find('{'), t.find('}')) {
            (Some(open), Some(close)) if open < close => {
                let (prefix, suffix) = (literal(&t[..open]), literal(&t[close + 1..]));
                let value = p.strip_prefix(prefix.as_str())?.strip_suffix(suffix.as_str())?;
                let decoded = percent_encoding::percent_decode_str(value).decode_utf8().ok()?;
                if decoded.is_empty() {
                    return None;
                }
                params.push((t[open + 1..close].to_owned(), decoded.into_owned()));
            }
            _ if literal(t) == *p || t == p => {}
            _ => return None,
        }
    }
    Some(params)
}

/// The parameter of a whole-path template (`{+Name}`), if it is one.
pub(super) fn whole_path(template: &str) -> Option<&str> {
    template.strip_prefix("{+")?.strip_suffix('}').filter(|name| !name.contains(['{', '}', '/']))
}

/// A whole JSON body from one value; `None` when it is unset (`None`, `null`).
pub fn json_value(value: &dyn ToJson) -> Option<Value> {
    Some(Value::from(value.to_json())).filter(|v| !v.is_null())
}

/// Compact JSON with every object's keys in byte order, whatever map type `serde_json` was
/// built with: the body bytes, and so the signature, do not depend on a feature flag.
pub fn json_sorted(value: &Value) -> String {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(fields) => {
                let mut keys: Vec<&String> = fields.keys().collect();
                keys.sort();
                out.push('{');
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    write(&fields[key], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// Decodes a 2xx body as JSON; an empty body means no content and reads as `{}`.
pub fn decode_json_body<T: crate::json::FromJson>(body: &[u8]) -> Result<T, String> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { body };
    crate::json::from_slice(body, crate::json::Mode::Lenient).map_err(|e| e.to_string())
}

/// A 2xx body as an operation's response: [`decode_json_body`], but a body that is JSON of
/// another shape than the whole response's type (an object where the spec says a list) is the
/// empty response, with a `tracing` warning; the body as received stays the caller's
/// (`Client::call_with_body`). Parts of the wrong shape inside a typed response are kept in its
/// `mismatched` field instead. Text that is not JSON is an error.
pub fn decode_response_body<T: crate::json::FromJson + Default>(body: &[u8]) -> Result<T, String> {
    match decode_json_body(body) {
        Ok(value) => Ok(value),
        Err(e) if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() => {
            tracing::warn!(error = %e, "the response does not have the spec's shape; decoded as empty, the body is kept as received");
            Ok(T::default())
        }
        Err(e) => Err(e),
    }
}

/// A text body, as sent (invalid UTF-8 replaced).
pub fn decode_text_body(body: &[u8]) -> Result<String, String> {
    Ok(String::from_utf8_lossy(body).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_whole_path_parameter_is_the_path_as_the_sdk_sends_it() {
        let value = String::from("/api/v1/providers/aliyun/products/ECS/resourceTypes/ACS::ECS::Instance");
        let mut params = Params::new();
        params.put_scalar("requestPath", &value);
        let path = fill_path("{+requestPath}", &params);
        assert_eq!(path, "/api/v1/providers/aliyun/products/ECS/resourceTypes/ACS::ECS::Instance");
        assert_eq!(match_path("{+requestPath}", &path), Some(vec![("requestPath".into(), params.get("requestPath").unwrap().into())]));
        // What a URL path cannot hold is escaped; an escape already there is kept.
        let value = String::from("a b?c#d%zz%2Fé");
        let mut params = Params::new();
        params.put_scalar("p", &value);
        assert_eq!(fill_path("{+p}", &params), "/a%20b%3Fc%23d%25zz%2F%C3%A9");
        assert_eq!(whole_path("/x/{+p}"), None);
        assert_eq!(whole_path("{Name}"), None);
    }

    #[test]
    fn json_bodies_sort_keys_skip_unset_fields_and_keep_unicode_raw() {
        let mut body = JsonObject::new();
        body.put("cluster_name", &"生产 cluster/α \"q\" 😀");
        body.put("unset", &None::<String>);
        body.put("empty", &Vec::<String>::new());
        body.put("access_control_list", &vec!["10.0.0.0/8"]);
        body.put("policy", &json!({"z": 1, "a": {"y": true, "b": null}}));
        assert_eq!(
            json_sorted(&body.finish()),
            r#"{"access_control_list":["10.0.0.0/8"],"cluster_name":"生产 cluster/α \"q\" 😀","policy":{"a":{"b":null,"y":true},"z":1}}"#
        );
        assert_eq!(decode_json_body::<Value>(b" \n").unwrap(), json!({}));
    }

    #[test]
    fn paths_are_filled_encoded_and_matched_back() {
        let mut p = Params::new();
        p.push("ClusterId", "c-测试 a/b?c#d%e+f~g*h");
        let path = fill_path("/api/v2/clusters/{ClusterId}", &p);
        assert_eq!(path, "/api/v2/clusters/c-%E6%B5%8B%E8%AF%95%20a%2Fb%3Fc%23d%25e%2Bf~g%2Ah", "vector roa-v3-05");
        assert_eq!(
            match_path("/api/v2/clusters/{ClusterId}", &path),
            Some(vec![("ClusterId".to_owned(), "c-测试 a/b?c#d%e+f~g*h".to_owned())])
        );
        let mut p = Params::new();
        p.push("jobId", "j1");
        assert_eq!(fill_path("/api/v2/jobs/{jobId}:stop", &p), "/api/v2/jobs/j1%3Astop");
        assert_eq!(match_path("/api/v2/jobs/{jobId}:stop", "/api/v2/jobs/j1%3Astop"), Some(vec![("jobId".to_owned(), "j1".to_owned())]));
        assert_eq!(match_path("/clusters/{ClusterId}", "/clusters"), None);
        assert_eq!(match_path("/clusters/{ClusterId}/nodes", "/clusters/c1/other"), None);
        assert_eq!(match_path("/clusters/{ClusterId}", "/clusters/%FF"), None, "not UTF-8");
    }
}
