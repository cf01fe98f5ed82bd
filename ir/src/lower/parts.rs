//! Two per-operation pieces of lowering: the documented error codes, and the path template of a
//! ROA operation.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::*;
use crate::parse as model;

use super::{LowerError, OperationLowering};

impl OperationLowering<'_> {
    /// The operation's path: `/` for RPC; for ROA the spec's template (`[Name]` read as
    /// `{Name}`), as the official SDK fills it:
    /// - each placeholder from its path parameter;
    /// - a lone path parameter with no placeholder, in a template whose placeholders have no
    ///   parameters (cloudcontrol's `requestPath`), is the whole path: `{+Name}`;
    /// - any other path parameter with no placeholder is not sent (the SDK takes it and sends
    ///   nothing): it is left out of the request, with a warning.
    ///
    /// A placeholder with no parameter otherwise cannot be filled: the operation is skipped.
    pub(super) fn path_template(
        &self,
        api: &model::Api,
        base: &str,
        params: &mut Vec<Field>,
        style: ApiStyle,
    ) -> Result<String, LowerError> {
        if style == ApiStyle::Rpc {
            return Ok("/".into());
        }
        let Some(raw) = api.path.as_deref().filter(|p| p.starts_with('/')) else {
            return Err(self.unsupported(format!("{base}.path"), None, "a ROA operation needs a path that starts with /".into()));
        };
        let template = raw.replace('[', "{").replace(']', "}");
        let mut placeholders = Vec::new();
        let mut rest = template.as_str();
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else { break };
            placeholders.push(rest[start + 1..start + len].to_owned());
            rest = &rest[start + len + 1..];
        }
        let is_path = |p: &Field| p.location == Location::Path;
        let unfilled: Vec<&String> = placeholders.iter().filter(|n| !params.iter().any(|p| is_path(p) && &p.wire_name == *n)).collect();
        let unplaced: Vec<String> =
            params.iter().filter(|p| is_path(p) && !placeholders.contains(&p.wire_name)).map(|p| p.wire_name.clone()).collect();
        let path_count = params.iter().filter(|p| is_path(p)).count();
        if let ([whole], 1) = (unplaced.as_slice(), path_count) {
            if !unfilled.is_empty() || template.contains('*') {
                self.warnings.borrow_mut().push(format!(
                    "{base}.path: parameter {whole} is the whole path ({raw} documents its shape), as the official SDK sends it"
                ));
                return Ok(format!("{{+{whole}}}"));
            }
        }
        if let Some(name) = unfilled.first() {
            return Err(self.unsupported(format!("{base}.path"), None, format!("path placeholder {{{name}}} has no path parameter")));
        }
        for name in &unplaced {
            self.warnings.borrow_mut().push(format!(
                "{base}.path: path parameter {name} has no placeholder in {raw}; left out of the request (the official SDK takes it and sends nothing)"
            ));
        }
        params.retain(|p| !(is_path(p) && unplaced.contains(&p.wire_name)));
        Ok(template)
    }

    pub(super) fn errors(&self, api: &model::Api) -> Vec<ErrorCase> {
        let mut by_code: BTreeMap<String, (BTreeSet<u16>, Vec<String>)> = BTreeMap::new();
        for (status, list) in &api.error_codes {
            let status_code = status.trim().parse::<u16>().ok();
            if status_code.is_none() {
                self.warnings.borrow_mut().push(format!("apis.{}.errorCodes.{status}: not an HTTP status; codes kept without it", self.op));
            }
            for e in list {
                let Some(code) = e.error_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) else { continue };
                let entry = by_code.entry(code.to_owned()).or_default();
                entry.0.extend(status_code);
                if let Some(message) = e.error_message.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
                    if !entry.1.iter().any(|m| m == message) {
                        entry.1.push(message.to_owned());
                    }
                }
            }
        }
        by_code
            .into_iter()
            .map(|(code, (statuses, messages))| ErrorCase {
                variant: String::new(),
                code,
                statuses: statuses.into_iter().collect(),
                messages,
                operations: Vec::new(),
            })
            .collect()
    }
}
