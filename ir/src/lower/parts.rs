//! Two per-operation pieces of lowering: the documented error codes, and the path template of a
//! ROA operation.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::*;
use crate::parse as model;

use super::{LowerError, OperationLowering};

impl OperationLowering<'_> {
    /// The operation's path: `/` for RPC; for ROA the spec's template (`[Name]` read as
    /// `{Name}`), whose placeholders and path parameters must match one to one.
    pub(super) fn path_template(&self, api: &model::Api, base: &str, params: &[Field], style: ApiStyle) -> Result<String, LowerError> {
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
        for name in &placeholders {
            if !params.iter().any(|p| p.location == Location::Path && &p.wire_name == name) {
                return Err(self.unsupported(format!("{base}.path"), None, format!("path placeholder {{{name}}} has no path parameter")));
            }
        }
        if let Some(p) = params.iter().find(|p| p.location == Location::Path && !placeholders.contains(&p.wire_name)) {
            return Err(self.unsupported(
                format!("{base}.path"),
                Some(&p.wire_name),
                format!("path parameter {} has no placeholder in {raw}", p.wire_name),
            ));
        }
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
