//! What the CLI makes of an answer before printing it, as aliyun-cli does: every page merged
//! (`--pager`), a JMESPath filter (`--query`), a table (`--output table`, `cols=`, `rows=`), and a
//! waiter's condition (`--waiter expr= to=`). JMESPath is the `jmespath` crate's.

use serde_json::Value;

/// How the answer is printed (`--output`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Pretty on a terminal, compact when piped.
    Auto,
    /// Indented JSON.
    Pretty,
    /// JSON on one line.
    Compact,
    /// A table: a column per JMESPath expression of `cols` (every key of the rows when empty),
    /// a line per element of `rows` (a JMESPath expression; by default the answer's list).
    Table {
        /// Column expressions, evaluated on each row.
        cols: Vec<String>,
        /// The rows' expression.
        rows: Option<String>,
    },
}

/// Checks that `expression` is JMESPath, naming `what` when it is not.
pub fn check(what: &str, expression: &str) -> Result<(), String> {
    jmespath::compile(expression)
        .map(drop)
        .map_err(|e| format!("{what}: {expression:?} is not a JMESPath expression: {}", one_line(&e.to_string())))
}

/// An error's text on one line (the crate's point at the column on a second one).
fn one_line(text: &str) -> String {
    crate::text::printable(&text.split_whitespace().collect::<Vec<_>>().join(" "), 300)
}

/// Splits `key1=v key2=v` at the keys in `keys` (each at the start or after a space), so that a
/// value may hold spaces (`expr=Instances[?Status == 'Running']`). Text before the first key is
/// the first element, keyed `""`.
fn fields<'a>(text: &'a str, keys: &[&'static str]) -> Vec<(&'static str, &'a str)> {
    let mut starts: Vec<(usize, &str)> = Vec::new();
    for key in keys {
        let marker = format!("{key}=");
        let mut from = 0;
        while let Some(at) = text[from..].find(&marker).map(|i| i + from) {
            if at == 0 || text.as_bytes()[at - 1] == b' ' {
                starts.push((at, key));
            }
            from = at + marker.len();
        }
    }
    starts.sort_unstable();
    let mut out = Vec::new();
    let first = starts.first().map_or(text.len(), |s| s.0);
    if !text[..first].trim().is_empty() {
        out.push(("", text[..first].trim()));
    }
    for (i, (at, key)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(text.len(), |s| s.0);
        out.push((*key, text[at + key.len() + 1..end].trim()));
    }
    out
}

/// `--output`: `auto`, `pretty`, `compact`, `table`, or aliyun-cli's `cols=A,B [rows=EXPR]`
/// (after `table` or alone).
pub fn parse_output(text: &str) -> Result<Output, String> {
    let mut table = None::<(Vec<String>, Option<String>)>;
    for (key, value) in fields(text, &["cols", "rows"]) {
        match key {
            "" => match value {
                "auto" | "json" => return Ok(Output::Auto),
                "pretty" => return Ok(Output::Pretty),
                "compact" => return Ok(Output::Compact),
                "table" => {
                    table.get_or_insert_default();
                }
                other => return Err(format!("{other:?} is not an output format: auto, pretty, compact, table, or cols=A,B [rows=EXPR]")),
            },
            "cols" => {
                let cols: Vec<String> = value.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect();
                for col in &cols {
                    check("cols", col)?;
                }
                table.get_or_insert_default().0 = cols;
            }
            _ => {
                check("rows", value)?;
                table.get_or_insert_default().1 = Some(value.to_owned());
            }
        }
    }
    let (cols, rows) = table.ok_or("an output format is needed: auto, pretty, compact, table, or cols=A,B [rows=EXPR]")?;
    Ok(Output::Table { cols, rows })
}

/// `--waiter expr=EXPR to=VALUE`: what to poll for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiter {
    /// A JMESPath expression evaluated on each answer.
    pub expr: String,
    /// The value it must reach: a string's text, or another value's JSON (`3`, `true`).
    pub to: String,
}

/// Parses `--waiter`'s value.
pub fn parse_waiter(text: &str) -> Result<Waiter, String> {
    let (mut expr, mut to) = (None, None);
    for (key, value) in fields(text, &["expr", "to"]) {
        match key {
            "expr" => expr = Some(value.to_owned()),
            "to" => to = Some(value.to_owned()),
            _ => return Err(format!("{value:?}: the waiter is expr=<JMESPath> to=<value>")),
        }
    }
    let (Some(expr), Some(to)) = (expr, to) else { return Err("the waiter is expr=<JMESPath> to=<value>: both are needed".into()) };
    check("--waiter expr", &expr)?;
    Ok(Waiter { expr, to })
}

impl Waiter {
    /// Whether `body` (an answer's JSON) has reached the value.
    pub fn reached(&self, body: &[u8]) -> bool {
        let Ok(data) = serde_json::from_slice::<Value>(body) else { return false };
        match search(&self.expr, &data) {
            Ok(Value::String(s)) => s == self.to,
            Ok(other) => serde_json::from_str::<Value>(&self.to).is_ok_and(|to| to == other),
            Err(_) => false,
        }
    }
}

/// Evaluates a JMESPath `expression` on `data`.
pub fn search(expression: &str, data: &Value) -> Result<Value, String> {
    let compiled = jmespath::compile(expression).map_err(|e| format!("{expression:?}: {}", one_line(&e.to_string())))?;
    apply(&compiled, data)
}

/// Evaluates an expression already compiled (once per table column, not once per cell).
fn apply(compiled: &jmespath::Expression<'_>, data: &Value) -> Result<Value, String> {
    let expression = compiled.as_str();
    let found = compiled.search(data).map_err(|e| format!("{expression:?}: {}", one_line(&e.to_string())))?;
    serde_json::to_value(&*found).map_err(|e| format!("{expression:?}: {e}"))
}

/// Every page's items in one answer shaped as aliyun-cli's `--pager` shapes it: the items under
/// their path (`{"Instances": {"Instance": [..]}}`). With no known path, the list of pages.
pub fn merge_pages(path: &[&str], pages: &[Vec<u8>]) -> Result<Value, String> {
    let mut parsed = Vec::with_capacity(pages.len());
    for (i, page) in pages.iter().enumerate() {
        parsed.push(serde_json::from_slice::<Value>(page).map_err(|e| format!("page {}: not JSON: {e}", i + 1))?);
    }
    let Some((last, outer)) = path.split_last() else { return Ok(Value::Array(parsed)) };
    let mut items = Vec::new();
    for page in parsed {
        let mut at = page;
        for key in path {
            at = match at {
                Value::Object(mut fields) => fields.remove(*key).unwrap_or(Value::Null),
                _ => Value::Null,
            };
        }
        match at {
            Value::Array(list) => items.extend(list),
            Value::Null => {}
            other => return Err(format!("{}: not a list but {other}", path.join("."))),
        }
    }
    let mut merged = serde_json::json!({ *last: items });
    for key in outer.iter().rev() {
        merged = serde_json::json!({ *key: merged });
    }
    Ok(merged)
}

/// `data` as a table: aliyun-cli's layout (`a | b`, a rule of `-` under the header), every cell
/// on one line and free of control characters.
pub fn table(data: &Value, cols: &[String], rows: Option<&str>) -> Result<String, String> {
    let rows = match rows {
        Some(expression) => match search(expression, data)? {
            Value::Array(rows) => rows,
            Value::Null => Vec::new(),
            other => return Err(format!("rows={expression}: not a list but {}", kind(&other))),
        },
        None => default_rows(data),
    };
    let cols: Vec<String> = if cols.is_empty() {
        let mut keys: Vec<String> = Vec::new();
        for row in &rows {
            if let Value::Object(fields) = row {
                for key in fields.keys() {
                    if !keys.contains(key) {
                        keys.push(key.clone());
                    }
                }
            }
        }
        if keys.is_empty() {
            keys.push("@".into());
        }
        keys
    } else {
        cols.to_vec()
    };
    // Each column compiled once; one that is no expression (a key such as `Zone-Id`) is only
    // looked up as a key.
    let compiled: Vec<Option<jmespath::Expression<'static>>> = cols.iter().map(|c| jmespath::compile(c).ok()).collect();
    let mut grid: Vec<Vec<String>> = vec![cols.iter().map(|c| crate::text::printable(c, 200)).collect()];
    for row in &rows {
        let mut line = Vec::with_capacity(cols.len());
        for (col, expression) in cols.iter().zip(&compiled) {
            let value = match (row, expression) {
                (Value::Object(fields), _) if fields.contains_key(col) => fields[col].clone(),
                (_, Some(expression)) => apply(expression, row).unwrap_or(Value::Null),
                (_, None) => Value::Null,
            };
            line.push(cell(&value));
        }
        grid.push(line);
    }
    let widths: Vec<usize> = (0..cols.len()).map(|c| grid.iter().map(|line| line[c].chars().count()).max().unwrap_or(0)).collect();
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    grid.insert(1, rule);
    let mut out = String::new();
    for line in grid {
        let cells: Vec<String> =
            line.iter().zip(&widths).map(|(text, width)| format!("{text}{}", " ".repeat(width - text.chars().count()))).collect();
        out.push_str(cells.join(" | ").trim_end());
        out.push('\n');
    }
    Ok(out)
}

/// The rows when none are named: the answer if it is a list, else the first list of its fields
/// (or of a field's fields, `Instances.Instance`), else the answer as one row.
fn default_rows(data: &Value) -> Vec<Value> {
    match data {
        Value::Array(rows) => rows.clone(),
        Value::Object(fields) => {
            let inner = fields.values().find_map(|v| match v {
                Value::Array(rows) => Some(rows.clone()),
                _ => None,
            });
            let nested = || {
                fields.values().find_map(|v| match v {
                    Value::Object(inner) => inner.values().find_map(|w| w.as_array().cloned()),
                    _ => None,
                })
            };
            inner.or_else(nested).unwrap_or_else(|| vec![data.clone()])
        }
        other => vec![other.clone()],
    }
}

fn cell(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    crate::text::printable(&text.replace(['\n', '\r', '\t'], " "), 500)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Joins aliyun-cli's two-word flag values into one argument: `--output cols=A rows=B` and
/// `--waiter expr=A to=B` become `--output 'cols=A rows=B'` and `--waiter 'expr=A to=B'`, so
/// they parse whether the flag comes before or after the subcommand.
pub fn join_flag_words<T: Into<std::ffi::OsString>>(args: impl IntoIterator<Item = T>) -> Vec<std::ffi::OsString> {
    #[derive(PartialEq)]
    enum Next {
        /// Anything.
        Plain,
        /// The value of `--output` or `--waiter`.
        Value,
        /// A word of that value (`rows=`, `to=`), or anything.
        Word,
    }
    const WORDS: [&str; 4] = ["cols=", "rows=", "expr=", "to="];
    let mut out: Vec<std::ffi::OsString> = Vec::new();
    let mut next = Next::Plain;
    for arg in args {
        let arg: std::ffi::OsString = arg.into();
        let text = arg.to_str().unwrap_or_default();
        match next {
            Next::Value => {
                next = Next::Word;
                out.push(arg);
                continue;
            }
            Next::Word if WORDS.iter().any(|w| text.starts_with(w)) => {
                if let Some(last) = out.last_mut() {
                    last.push(" ");
                    last.push(&arg);
                }
                continue;
            }
            _ => {}
        }
        next = match text {
            "--output" | "--waiter" => Next::Value,
            t if t.starts_with("--output=") || t.starts_with("--waiter=") => Next::Word,
            _ => Next::Plain,
        };
        out.push(arg);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn output_formats_in_our_words_and_aliyun_clis() {
        assert_eq!(parse_output("compact"), Ok(Output::Compact));
        assert_eq!(parse_output("table"), Ok(Output::Table { cols: vec![], rows: None }));
        assert_eq!(
            parse_output("cols=InstanceId,Status rows=Instances.Instance[]"),
            Ok(Output::Table { cols: vec!["InstanceId".into(), "Status".into()], rows: Some("Instances.Instance[]".into()) })
        );
        assert_eq!(
            parse_output("table rows=Instances[?Status == 'Running']"),
            Ok(Output::Table { cols: vec![], rows: Some("Instances[?Status == 'Running']".into()) })
        );
        assert!(parse_output("yaml").unwrap_err().contains("\"yaml\" is not an output format"));
        let bad = parse_output("cols=a,[[").unwrap_err();
        assert!(bad.starts_with("cols: \"[[\" is not a JMESPath expression") && !bad.contains('\n'), "{bad}");
    }

    #[test]
    fn waiters_take_expressions_with_spaces() {
        assert_eq!(
            parse_waiter("expr=Instances[?InstanceId == 'i-1'].Status | [0] to=Running"),
            Ok(Waiter { expr: "Instances[?InstanceId == 'i-1'].Status | [0]".into(), to: "Running".into() })
        );
        assert!(parse_waiter("expr=Status").unwrap_err().contains("both are needed"));
        assert!(parse_waiter("to=x expr=((").unwrap_err().contains("not a JMESPath expression"));
        let waiter = parse_waiter("expr=Instances[0].Status to=Running").unwrap();
        assert!(waiter.reached(br#"{"Instances":[{"Status":"Running"}]}"#));
        assert!(!waiter.reached(br#"{"Instances":[{"Status":"Starting"}]}"#));
        assert!(!waiter.reached(b"not json"));
        assert!(parse_waiter("expr=TotalCount to=3").unwrap().reached(br#"{"TotalCount":3}"#));
    }

    #[test]
    fn pages_merge_under_their_path_as_aliyun_cli_shapes_them() {
        let pages = [
            br#"{"Instances":{"Instance":[{"Id":1},{"Id":2}]},"TotalCount":3}"#.to_vec(),
            br#"{"Instances":{"Instance":[{"Id":3}]}}"#.to_vec(),
        ];
        assert_eq!(
            merge_pages(&["Instances", "Instance"], &pages).unwrap(),
            json!({"Instances": {"Instance": [{"Id": 1}, {"Id": 2}, {"Id": 3}]}})
        );
        assert_eq!(merge_pages(&[], &pages[..1]).unwrap(), json!([{"Instances":{"Instance":[{"Id":1},{"Id":2}]},"TotalCount":3}]));
        assert!(merge_pages(&["TotalCount"], &pages).unwrap_err().contains("not a list"));
    }

    #[test]
    fn tables_lay_out_rows_and_columns() {
        let data = json!({"RequestId": "r", "Instances": [
            {"InstanceId": "i-1", "Status": "Running", "Tags": {"a": 1}},
            {"InstanceId": "i-22", "Status": "Start\u{1b}[31m\ning"}
        ]});
        let shown = table(&data, &["InstanceId".into(), "Status".into(), "Tags.a".into()], None).unwrap();
        // The escape and the line break are gone: each cell is one line of printable text.
        assert_eq!(shown, "InstanceId | Status         | Tags.a\n---------- | -------------- | ------\ni-1        | Running        | 1\ni-22       | Start [31m ing |\n");
        let all = table(&data, &[], Some("Instances[?Status == 'Running']")).unwrap();
        assert_eq!(all, "InstanceId | Status  | Tags\n---------- | ------- | -------\ni-1        | Running | {\"a\":1}\n");
        assert!(table(&data, &[], Some("RequestId")).unwrap_err().contains("not a list but a string"));
    }

    #[test]
    fn two_word_values_join_wherever_the_flag_is() {
        let joined =
            |args: &[&str]| join_flag_words(args.iter().copied()).into_iter().map(|a| a.into_string().unwrap()).collect::<Vec<_>>();
        assert_eq!(
            joined(&["x", "--output", "cols=A,B", "rows=R", "list-instances", "--waiter", "expr=S", "to=Running", "--region-id", "r"]),
            ["x", "--output", "cols=A,B rows=R", "list-instances", "--waiter", "expr=S to=Running", "--region-id", "r"]
        );
        assert_eq!(joined(&["x", "--output=cols=A", "rows=R", "y"]), ["x", "--output=cols=A rows=R", "y"]);
        assert_eq!(joined(&["x", "--output", "table", "list-instances"]), ["x", "--output", "table", "list-instances"]);
        // A parameter's value that looks like a key is left alone.
        assert_eq!(joined(&["x", "--name", "to=x", "--key-pair-name", "rows=1"]), ["x", "--name", "to=x", "--key-pair-name", "rows=1"]);
    }
}
