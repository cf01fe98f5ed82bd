//! `src/cli.rs` and `src/bin/<name>.rs`: the command-line front end as a table the runtime
//! reads, one row per operation and one flag per parameter (flag names come from lowering).

use acs_ir::{rules, safe_text, Field, Service, Type};
use proc_macro2::TokenStream;
use quote::quote;

use super::{help_line, ident, inner_doc, Names};

/// A flag's value, as the runtime's table says it (`cli::Kind`), and whether that names a
/// `cli::Scalar`.
fn flag_kind(ty: &Type) -> (TokenStream, bool) {
    let scalar = |t: &Type| match t {
        Type::String => Some(quote!(Scalar::String)),
        Type::I32 => Some(quote!(Scalar::I32)),
        Type::I64 => Some(quote!(Scalar::I64)),
        Type::F32 => Some(quote!(Scalar::F32)),
        Type::F64 => Some(quote!(Scalar::F64)),
        Type::Bool => Some(quote!(Scalar::Bool)),
        _ => None,
    };
    match ty {
        Type::Binary => (quote!(Kind::File), false),
        Type::List(item) => scalar(item).map_or((quote!(Kind::Json), false), |s| (quote!(Kind::Many(#s)), true)),
        t => scalar(t).map_or((quote!(Kind::Json), false), |s| (quote!(Kind::One(#s)), true)),
    }
}

/// `--help` text of a parameter: its first sentence, wire name and rules.
fn flag_help(p: &Field) -> String {
    let mut help = format!("{} [{}", help_line(p.docs.description.as_ref().or(p.docs.title.as_ref()), &p.wire_name), p.wire_name);
    for rule in rules::of(p).describe() {
        help.push_str("; ");
        help.push_str(&rule);
    }
    help.push(']');
    safe_text(&help)
}

/// The `cli` module: the command as data, one row per operation (flags as lowering named them,
/// and the function that reads the request), which the runtime's `cli::run` turns into a clap
/// command and a call. No code per operation beyond the row.
pub fn module(service: &Service, names: &Names<'_>) -> TokenStream {
    let binary = names.cli_name;
    let title = service.title.clone().unwrap_or_else(|| service.product.clone());
    let docs = inner_doc(&format!(
        "The `{binary}` command: one subcommand per operation, one flag per parameter.\n\n\
         Scalars are plain flags, lists of scalars repeat their flag, objects and maps take JSON; \
         a JSON flag given `[]` or `{{}}` sends that empty value where the parameter's style has one (to clear a list). \
         Global flags: `--endpoint`, `--region`, `--endpoint-type vpc`, `--profile`, `--signature-version v3|rpc`, `--dry-run`, \
         and aliyun-cli's `--pager`, `--query` (`--cli-query`), `--output table|cols=A,B rows=EXPR` and \
         `--waiter expr=EXPR to=VALUE`; `completions <shell>` prints a completion script. \
         The response body goes to stdout; errors go to stderr with status 2 for invalid requests \
         (nothing sent) and 1 for everything else."
    ));
    let about = safe_text(&format!("Alibaba Cloud {title} ({} {})", service.product, service.version));
    let after_help = "Credentials come from the default chain: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, \
         an OIDC role, ~/.aliyun/config.json, ~/.alibabacloud/credentials.ini, the ECS instance role or \
         ALIBABA_CLOUD_CREDENTIALS_URI. ALIBABA_CLOUD_USER_AGENT is appended to the user-agent header.\n\n\
         Examples, as with aliyun-cli: --pager merges every page of a list; --query 'Instances[].InstanceId' \
         filters with JMESPath; --output cols=InstanceId,Status rows='Instances[]' prints a table; \
         --waiter expr='Instances[0].Status' to=Running polls (every --waiter-interval 5 s, for at most \
         --waiter-timeout 180 s) until the answer says so.";
    // What the rows name, so the module imports nothing it does not use.
    let mut used = std::collections::BTreeSet::from(["Program", "Subcommand"]);
    let rows: Vec<TokenStream> = service
        .operations
        .iter()
        .map(|op| {
            let module = ident(&op.module);
            let request = ident(&op.request_type);
            let about = safe_text(&help_line(op.docs.summary.as_ref().or(op.docs.title.as_ref()), &op.name));
            let command = &op.cli.command;
            let flags: Vec<TokenStream> = op
                .params
                .iter()
                .map(|p| {
                    let long = p.flag.as_deref().expect("lowering names a flag for every parameter");
                    let key = &p.key;
                    let help = flag_help(p);
                    let (kind, scalar) = flag_kind(&p.ty);
                    used.extend(["Flag", "Kind"]);
                    if scalar {
                        used.insert("Scalar");
                    }
                    let required = p.required;
                    quote!(Flag { long: #long, key: #key, help: #help, kind: #kind, required: #required })
                })
                .collect();
            let read = if op.pagination.is_some() {
                used.insert("paged_request");
                quote!(paged_request::<crate::#module::#request>())
            } else {
                used.insert("request");
                quote!(request::<crate::#module::#request>())
            };
            quote! {
                Subcommand {
                    name: #command,
                    about: #about,
                    flags: &[#(#flags),*],
                    request: #read,
                }
            }
        })
        .collect();
    let imports = used.iter().map(|name| ident(name));
    quote! {
        #docs

        use ::acs_runtime::__private::cli::{#(#imports),*};

        /// The command: its text, and one row per operation.
        static PROGRAM: Program = Program {
            name: #binary,
            about: #about,
            version: env!("CARGO_PKG_VERSION"),
            after_help: #after_help,
            service: &crate::SERVICE,
            operations: &[#(#rows),*],
        };

        /// Runs the command with `args` (the first is the program name) against `environment`,
        /// writing to `out` and `err`; returns the exit status.
        pub async fn run<I, T>(args: I, environment: ::acs_runtime::credentials::Environment, out: &mut dyn ::std::io::Write, err: &mut dyn ::std::io::Write) -> i32
        where
            I: IntoIterator<Item = T>,
            T: Into<::std::ffi::OsString>,
        {
            ::acs_runtime::__private::cli::run(&PROGRAM, args.into_iter().map(Into::into).collect(), environment, out, err).await
        }

        /// The binary's entry point: process arguments, environment, stdout and stderr.
        #[inline]
        pub fn main() -> ::std::process::ExitCode {
            ::acs_runtime::__private::cli::main(run(::std::env::args_os(), ::acs_runtime::credentials::Environment::process(), &mut ::std::io::stdout(), &mut ::std::io::stderr()))
        }
    }
}

/// `src/bin/<name>.rs`.
pub fn binary(names: &Names<'_>) -> TokenStream {
    let docs = inner_doc(&format!("The `{}` command; see the crate's `cli` module.", names.cli_name));
    let krate = ident(names.crate_ident);
    quote! {
        #docs
        fn main() -> ::std::process::ExitCode {
            #krate::cli::main()
        }
    }
}
