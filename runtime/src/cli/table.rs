//! A generated command line as data. A generated crate's `cli` module declares one
//! [`Subcommand`] row per operation (its flags, as lowering named them, and the function that
//! reads its request); everything else, the clap command built from the rows and the flags
//! turned into a request, is here, compiled once. A flag's value becomes the request's through
//! the request's own strict JSON reader, so the command line and the library read a value the
//! same way.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{value_parser, Arg, ArgAction, ArgMatches, Args as _, Command, FromArgMatches as _};

use crate::client::any::BoxedRequest;
use crate::credentials::Environment;
use crate::json::{JsonError, Mode, Reader};
use crate::paging::PageWire;
use crate::service::ServiceInfo;

use super::GlobalArgs;

/// A generated command: its name and text, and one row per operation.
#[derive(Debug)]
pub struct Program {
    /// The binary's name (`swas-open`).
    pub name: &'static str,
    /// One line under the usage.
    pub about: &'static str,
    /// The generated crate's version.
    pub version: &'static str,
    /// Text after the flags of `--help`.
    pub after_help: &'static str,
    /// The product.
    pub service: &'static ServiceInfo,
    /// The operations, in the order `--help` lists them.
    pub operations: &'static [Subcommand],
}

/// One operation's subcommand.
#[derive(Debug)]
pub struct Subcommand {
    /// What users type (`attach-key-pair`).
    pub name: &'static str,
    /// Its line in `--help`.
    pub about: &'static str,
    /// One flag per parameter.
    pub flags: &'static [Flag],
    /// How its request is read ([`request`], [`paged_request`]).
    pub request: Request,
}

/// How an operation's request is read from its flags, and, for a list operation, where its
/// answer's paging facts are (`--pager`). Made for a request type by [`request`] or
/// [`paged_request`], so the two always come from the same type.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    /// Reads the request from the JSON object of its flags' values, its type erased.
    pub read: fn(&str) -> Result<BoxedRequest, JsonError>,
    /// The request type's [`Paginated::WIRE`](crate::Paginated::WIRE), for a list operation.
    pub paging: Option<PageWire>,
}

/// One parameter's flag.
#[derive(Debug)]
pub struct Flag {
    /// The flag, without `--` (`key-pair-name`).
    pub long: &'static str,
    /// The parameter's key in the request's JSON form (its wire name, mostly).
    pub key: &'static str,
    /// Its `--help` line.
    pub help: &'static str,
    /// What value it takes.
    pub kind: Kind,
    /// True when the parameter is required.
    pub required: bool,
}

/// A scalar flag value's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// Text.
    String,
    /// A 32-bit integer.
    I32,
    /// A 64-bit integer.
    I64,
    /// A 32-bit float.
    F32,
    /// A 64-bit float.
    F64,
    /// `true` or `false`.
    Bool,
}

/// What a flag takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One scalar.
    One(Scalar),
    /// A list of scalars: the flag repeated, once per item.
    Many(Scalar),
    /// JSON text, read as the parameter's type (objects, maps, lists of them).
    Json,
    /// A file's path, whose bytes are the value (a binary body).
    File,
}

/// How the request of `O` is read: from the JSON object of its flags' values, through its
/// strict `FromJson`, its type erased.
pub const fn request<O: crate::Operation + crate::json::FromJson + Send + Sync + 'static>() -> Request {
    fn read<O: crate::Operation + crate::json::FromJson + Send + Sync + 'static>(json: &str) -> Result<BoxedRequest, JsonError> {
        crate::json::from_str::<O>(json, Mode::Strict).map(crate::client::any::erase)
    }
    Request { read: read::<O>, paging: None }
}

/// [`request`] for a list operation: its cursor kept, and its paging facts, for `--pager`.
pub const fn paged_request<O: crate::Paginated + crate::json::FromJson + Sync>() -> Request
where
    O::Response: Send,
{
    fn read<O: crate::Paginated + crate::json::FromJson + Sync>(json: &str) -> Result<BoxedRequest, JsonError>
    where
        O::Response: Send,
    {
        crate::json::from_str::<O>(json, Mode::Strict).map(crate::paging::erase_paged)
    }
    Request { read: read::<O>, paging: Some(O::WIRE) }
}

fn id(flag: &Flag) -> String {
    // Keyed apart from the global flags: no value crosses between a parameter and a global
    // flag, whatever either is called.
    format!("param:{}", flag.long)
}

/// The clap command of `program`.
pub fn command(program: &Program) -> Command {
    let command = Command::new(program.name)
        .about(program.about)
        .version(program.version)
        .after_help(program.after_help)
        .subcommand_required(true)
        .arg_required_else_help(true);
    let mut command = GlobalArgs::augment_args(command);
    for op in program.operations {
        command = command.subcommand(subcommand(op));
    }
    command.subcommand(
        Command::new("completions")
            .about(format!("Prints a completion script for a shell: `source <({} completions bash)`.", program.name))
            .arg(Arg::new("shell").required(true).value_parser(value_parser!(clap_complete::Shell)).help("The shell to complete in")),
    )
}

/// The clap subcommand of one operation.
fn subcommand(op: &Subcommand) -> Command {
    Command::new(op.name).about(op.about).args(op.flags.iter().map(arg))
}

fn arg(flag: &Flag) -> Arg {
    let value_name = match flag.kind {
        Kind::Json => "JSON".to_owned(),
        Kind::File => "PATH".to_owned(),
        _ => flag.long.replace('-', "_").to_ascii_uppercase(),
    };
    // A value may start with `-` (a PEM block, a negative number): never read as a flag.
    let arg = Arg::new(id(flag)).long(flag.long).help(flag.help).value_name(value_name).allow_hyphen_values(true).required(flag.required);
    let scalar = |arg: Arg, s: Scalar| match s {
        Scalar::String => arg.value_parser(value_parser!(String)),
        Scalar::I32 => arg.value_parser(value_parser!(i32)),
        Scalar::I64 => arg.value_parser(value_parser!(i64)),
        Scalar::F32 => arg.value_parser(value_parser!(f32)),
        Scalar::F64 => arg.value_parser(value_parser!(f64)),
        Scalar::Bool => arg.value_parser(value_parser!(bool)),
    };
    match flag.kind {
        Kind::One(s) => scalar(arg, s).action(ArgAction::Set),
        Kind::Many(s) => scalar(arg, s).action(ArgAction::Append),
        Kind::Json => arg.value_parser(value_parser!(String)).action(ArgAction::Set),
        Kind::File => arg.value_parser(value_parser!(PathBuf)).action(ArgAction::Set),
    }
}

/// One scalar value as JSON text; a non-finite number has none, and is refused by name.
fn scalar_json(matches: &ArgMatches, id: &str, s: Scalar, long: &str) -> Result<Vec<String>, String> {
    fn all<T: Clone + Send + Sync + 'static>(
        m: &ArgMatches,
        id: &str,
        text: impl Fn(&T) -> Result<String, String>,
    ) -> Result<Vec<String>, String> {
        m.get_many::<T>(id).into_iter().flatten().map(text).collect()
    }
    let finite = |x: f64, text: String| if x.is_finite() { Ok(text) } else { Err(format!("--{long}: {x} is not a finite number")) };
    match s {
        Scalar::String => all::<String>(matches, id, |v| Ok(serde_json::Value::from(v.as_str()).to_string())),
        Scalar::I32 => all::<i32>(matches, id, |v| Ok(v.to_string())),
        Scalar::I64 => all::<i64>(matches, id, |v| Ok(v.to_string())),
        Scalar::F32 => all::<f32>(matches, id, |v| finite(f64::from(*v), serde_json::Value::from(*v).to_string())),
        Scalar::F64 => all::<f64>(matches, id, |v| finite(*v, serde_json::Value::from(*v).to_string())),
        Scalar::Bool => all::<bool>(matches, id, |v| Ok(v.to_string())),
    }
}

/// The JSON object of the flags given (each under its parameter's key), or what is wrong with
/// one, by name.
pub fn request_json(op: &Subcommand, matches: &ArgMatches) -> Result<String, String> {
    let mut json = String::from("{");
    for flag in op.flags {
        let id = id(flag);
        let value = match flag.kind {
            Kind::One(s) => scalar_json(matches, &id, s, flag.long)?.pop(),
            Kind::Many(s) => {
                let items = scalar_json(matches, &id, s, flag.long)?;
                (!items.is_empty()).then(|| format!("[{}]", items.join(",")))
            }
            Kind::Json => match matches.get_one::<String>(&id) {
                // One JSON value and nothing else, or the text could add members of its own.
                Some(text) => {
                    let mut reader = Reader::new(text, Mode::Strict);
                    reader
                        .skip()
                        .and_then(|()| reader.finish())
                        .map_err(|e| format!("--{}: not valid JSON for this parameter: {e}", flag.long))?;
                    Some(text.clone())
                }
                None => None,
            },
            Kind::File => match matches.get_one::<PathBuf>(&id) {
                Some(path) => {
                    use base64::Engine as _;
                    let bytes = super::body_file(flag.long, path)?;
                    // The request's JSON form carries bytes as base64, as JSON protocols do;
                    // base64 needs no escaping, so it is written into the string once.
                    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4 + 2);
                    text.push('"');
                    base64::engine::general_purpose::STANDARD.encode_string(&bytes, &mut text);
                    text.push('"');
                    Some(text)
                }
                None => None,
            },
        };
        if let Some(value) = value {
            if json.len() > 1 {
                json.push(',');
            }
            json.push_str(&serde_json::Value::from(flag.key).to_string());
            json.push(':');
            json.push_str(&value);
        }
    }
    json.push('}');
    Ok(json)
}

/// What a request's reader said about the flags' JSON, told by the flag it concerns.
fn flag_error(op: &Subcommand, error: &JsonError) -> String {
    let path = error.path();
    let flag = op
        .flags
        .iter()
        .filter(|f| path.strip_prefix(f.key).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '['])))
        .max_by_key(|f| f.key.len());
    match flag {
        Some(flag) => {
            let inner = &path[flag.key.len()..];
            let inner = inner.strip_prefix('.').unwrap_or(inner);
            let what = if flag.kind == Kind::Json { "not valid JSON for this parameter" } else { "not valid for this parameter" };
            match inner {
                "" => format!("--{}: {what}: {}", flag.long, error.message()),
                inner => format!("--{}: {what}: {inner}: {}", flag.long, error.message()),
            }
        }
        None => format!("the flags do not make a request: {error}"),
    }
}

/// The request of `op` from its flags, or what is wrong with them.
pub fn read_request(op: &Subcommand, matches: &ArgMatches) -> Result<(BoxedRequest, String), String> {
    let json = request_json(op, matches)?;
    let request = (op.request.read)(&json).map_err(|e| flag_error(op, &e))?;
    Ok((request, json))
}

/// Runs `program` with `args` (the first is the program name) against `environment`, writing
/// to `out` and `err`; returns the exit status.
pub async fn run(
    program: &'static Program,
    args: Vec<OsString>,
    environment: Environment,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let mut command = command(program);
    let matches = match command.try_get_matches_from_mut(super::join_flag_words(args)) {
        Ok(matches) => matches,
        Err(e) => return super::parse_error(e, out, err),
    };
    let global = match GlobalArgs::from_arg_matches(&matches) {
        Ok(global) => global,
        Err(e) => return super::parse_error(e, out, err),
    };
    let Some((name, sub)) = matches.subcommand() else {
        return super::usage_error("a subcommand is required", err);
    };
    if name == "completions" {
        let Some(shell) = sub.get_one::<clap_complete::Shell>("shell") else {
            return super::usage_error("completions: a shell is required", err);
        };
        clap_complete::generate(*shell, &mut command, program.name, out);
        return 0;
    }
    let Some(op) = program.operations.iter().find(|op| op.name == name) else {
        return super::usage_error(&format!("no subcommand {name}"), err);
    };
    super::execute(&global, program.service, environment, op, read_request(op, sub), out, err).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::FromJson;
    use crate::service::{HttpMethod, Operation};
    use crate::validate::{Validate, Validator};
    use crate::wire::Params;

    /// A request in the shape generated ones have: a required string, a JSON-valued list, a
    /// float, a binary body and a repeated integer.
    struct Sample {
        name: String,
        tags: Option<Vec<String>>,
        ratio: Option<f64>,
        body: Option<crate::bytes::Bytes>,
        ids: Vec<i32>,
    }

    impl FromJson for Sample {
        fn from_json(r: &mut Reader<'_>) -> crate::json::Result<Self> {
            let (mut name, mut tags, mut ratio, mut body, mut ids) = (None, None, None, None, Vec::new());
            r.object(&["Name", "Tags", "Ratio", "Body", "Ids"], &mut |r, i| match i {
                0 => r.set(&mut name),
                1 => r.set(&mut tags),
                2 => r.set(&mut ratio),
                3 => r.set(&mut body),
                _ => r.set(&mut ids),
            })?;
            Ok(Self { name: r.required(name, "Name")?, tags, ratio, body, ids })
        }
    }

    impl Validate for Sample {
        fn validate_into(&self, _: &mut Validator) {}
    }

    impl Operation for Sample {
        const ACTION: &'static str = "Sample";
        const METHOD: HttpMethod = HttpMethod::Post;
        const HTTPS_ONLY: bool = false;
        const IDEMPOTENCY_TOKEN: Option<&'static str> = None;
        type Response = serde_json::Value;

        fn to_params(&self) -> Params<'_> {
            let mut params = Params::new();
            params.put_scalar("Name", &self.name);
            params.put_scalar("Ratio", &self.ratio);
            params
        }

        fn to_json_body(&self) -> Option<serde_json::Value> {
            Some(serde_json::json!({ "Tags": self.tags, "Ids": self.ids }))
        }

        fn to_binary_body(&self) -> Option<&[u8]> {
            self.body.as_deref()
        }
    }

    static SAMPLE: Subcommand = Subcommand {
        name: "sample",
        about: "A sample.",
        flags: &[
            Flag { long: "name", key: "Name", help: "The name. [Name]", kind: Kind::One(Scalar::String), required: true },
            Flag { long: "tags", key: "Tags", help: "Tags. [Tags]", kind: Kind::Json, required: false },
            Flag { long: "ratio", key: "Ratio", help: "A ratio. [Ratio]", kind: Kind::One(Scalar::F64), required: false },
            Flag { long: "body", key: "Body", help: "The body. [Body]", kind: Kind::File, required: false },
            Flag { long: "ids", key: "Ids", help: "Ids. [Ids]", kind: Kind::Many(Scalar::I32), required: false },
        ],
        request: request::<Sample>(),
    };

    fn read(args: &[&str]) -> Result<(BoxedRequest, String), String> {
        let matches =
            subcommand(&SAMPLE).try_get_matches_from(std::iter::once("sample").chain(args.iter().copied())).map_err(|e| e.to_string())?;
        read_request(&SAMPLE, &matches)
    }

    #[test]
    fn flags_become_the_requests_json_form_and_the_request() {
        let (request, json) = read(&["--name", "-n\"1", "--tags", r#"["a", "b"]"#, "--ratio", "0.5", "--ids", "1", "--ids", "-2"]).unwrap();
        assert_eq!(json, r#"{"Name":"-n\"1","Tags":["a", "b"],"Ratio":0.5,"Ids":[1,-2]}"#);
        let params: Vec<(String, String)> = request.to_params().iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        assert_eq!(params, [("Name".into(), "-n\"1".into()), ("Ratio".into(), "0.5".into())]);
        assert_eq!(request.to_json_body(), Some(serde_json::json!({ "Tags": ["a", "b"], "Ids": [1, -2] })));
        let (_, json) = read(&["--name", "n"]).unwrap();
        assert_eq!(json, r#"{"Name":"n"}"#, "an unset flag is left out");
    }

    #[test]
    fn a_json_flag_is_one_value_of_the_parameters_type_or_an_error_naming_the_flag() {
        let injected = read(&["--name", "n", "--tags", r#"["a"], "Name": "other""#]).err().unwrap();
        assert!(injected.starts_with("--tags: not valid JSON for this parameter: "), "{injected}");
        let mistyped = read(&["--name", "n", "--tags", r#"["a", 2]"#]).err().unwrap();
        assert_eq!(mistyped, "--tags: not valid JSON for this parameter: [1]: expected a string, found 2");
        let not_a_list = read(&["--name", "n", "--tags", r#"{"a": 1}"#]).err().unwrap();
        assert!(not_a_list.starts_with("--tags: not valid JSON for this parameter: expected "), "{not_a_list}");
        // Nesting past the reader's bound is an error, not a stack overflow.
        let deep = "[".repeat(200_000);
        let too_deep = read(&["--name", "n", "--tags", &deep]).err().unwrap();
        assert!(too_deep.starts_with("--tags: not valid JSON for this parameter: ") && too_deep.contains("deep"), "{too_deep}");
    }

    #[test]
    fn non_finite_numbers_are_refused_by_name() {
        for value in ["NaN", "inf", "-inf"] {
            let error = read(&["--name", "n", "--ratio", value]).err().unwrap();
            assert!(error.starts_with("--ratio: ") && error.ends_with("is not a finite number"), "{value}: {error}");
        }
        assert!(read(&["--name", "n", "--ratio", "1e308"]).is_ok());
    }

    #[test]
    fn a_file_flag_sends_the_files_bytes() {
        let dir = std::env::temp_dir().join(format!("acs-cli-table-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("body.bin");
        let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        std::fs::write(&path, &bytes).unwrap();
        let (request, _) = read(&["--name", "n", "--body", path.to_str().unwrap()]).unwrap();
        assert_eq!(request.to_binary_body(), Some(bytes.as_slice()));
        let missing = read(&["--name", "n", "--body", dir.join("none").to_str().unwrap()]).err().unwrap();
        assert!(missing.starts_with("--body "), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn clap_checks_types_and_required_flags_first() {
        assert!(read(&["--ratio", "1"]).err().unwrap().contains("--name <NAME>"));
        assert!(read(&["--name", "n", "--ids", "x"]).err().unwrap().contains("invalid value 'x' for '--ids <IDS>'"));
        assert!(read(&["--name", "n", "--ids", "3000000000"]).is_err(), "out of an i32's range");
    }
}
