//! `src/cli.rs` and `src/bin/<name>.rs`: the command-line front end, one subcommand per
//! operation and one flag per parameter (flag names come from lowering).

use acs_ir::{rules, Field, Service, Type};
use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, help_line, ident, inner_doc, rust_type, Names, Site};

/// A flag's value kind.
enum FlagKind {
    /// A scalar flag of this type.
    Scalar(TokenStream),
    /// A repeated flag of this item type.
    Repeated(TokenStream),
    /// JSON text, parsed into the field's type.
    Json,
    /// A file's path, whose bytes are the value (a binary body).
    File,
}

fn flag_kind(ty: &Type) -> FlagKind {
    let scalar = |t: &Type| match t {
        Type::String | Type::I32 | Type::I64 | Type::F32 | Type::F64 | Type::Bool => Some(rust_type(t, Site::Module)),
        _ => None,
    };
    match ty {
        Type::Binary => FlagKind::File,
        Type::List(item) => scalar(item).map_or(FlagKind::Json, FlagKind::Repeated),
        t => scalar(t).map_or(FlagKind::Json, FlagKind::Scalar),
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
    help
}

/// The `cli` module.
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
    let about = format!("Alibaba Cloud {title} ({} {})", service.product, service.version);
    let after_help = "Credentials come from the default chain: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, \
         an OIDC role, ~/.aliyun/config.json, ~/.alibabacloud/credentials.ini, the ECS instance role or \
         ALIBABA_CLOUD_CREDENTIALS_URI. ALIBABA_CLOUD_USER_AGENT is appended to the user-agent header.\n\n\
         Examples, as with aliyun-cli: --pager merges every page of a list; --query 'Instances[].InstanceId' \
         filters with JMESPath; --output cols=InstanceId,Status rows='Instances[]' prints a table; \
         --waiter expr='Instances[0].Status' to=Running polls (every --waiter-interval 5 s, for at most \
         --waiter-timeout 180 s) until the answer says so.";
    let completions_doc = format!("Prints a completion script for a shell: `source <({binary} completions bash)`.");
    let mut variants = Vec::new();
    let mut arg_structs = Vec::new();
    let mut arms = Vec::new();
    for op in &service.operations {
        let variant = ident(&op.cli.variant);
        let args_name = ident(&op.cli.args_type);
        let module = ident(&op.module);
        let request = ident(&op.request_type);
        let help = doc(&help_line(op.docs.summary.as_ref().or(op.docs.title.as_ref()), &op.name));
        let command = &op.cli.command;
        variants.push(quote! { #help #[command(name = #command)] #variant(#args_name) });

        let mut fields = Vec::new();
        let mut new_args = Vec::new();
        let mut sets = Vec::new();
        for p in &op.params {
            let name = ident(&p.rust_name);
            let flag = p.flag.as_deref().expect("lowering names a flag for every parameter");
            let kind = flag_kind(&p.ty);
            // Operation flags are keyed apart from the global ones (`param:` ids): no value can
            // cross between a parameter and a global flag, whatever either is called.
            let id = format!("param:{flag}");
            let value = p.rust_name.trim_start_matches("r#").to_ascii_uppercase();
            // A value may start with `-` (a PEM block, a negative number): never read as a flag.
            let (field_ty, attrs) = match (&kind, p.required) {
                (FlagKind::Scalar(t), true) if p.ty == Type::Bool => (
                    quote!(#t),
                    quote!(#[arg(id = #id, long = #flag, value_name = #value, allow_hyphen_values = true, action = ::clap::ArgAction::Set)]),
                ),
                (FlagKind::Scalar(t), true) => {
                    (quote!(#t), quote!(#[arg(id = #id, long = #flag, value_name = #value, allow_hyphen_values = true)]))
                }
                (FlagKind::Scalar(t), false) => {
                    (quote!(Option<#t>), quote!(#[arg(id = #id, long = #flag, value_name = #value, allow_hyphen_values = true)]))
                }
                (FlagKind::Repeated(t), required) => (
                    quote!(Vec<#t>),
                    quote!(#[arg(id = #id, long = #flag, value_name = #value, allow_hyphen_values = true, required = #required)]),
                ),
                (FlagKind::Json, true) => {
                    (quote!(String), quote!(#[arg(id = #id, long = #flag, allow_hyphen_values = true, value_name = "JSON")]))
                }
                (FlagKind::Json, false) => {
                    (quote!(Option<String>), quote!(#[arg(id = #id, long = #flag, allow_hyphen_values = true, value_name = "JSON")]))
                }
                (FlagKind::File, true) => {
                    (quote!(::std::path::PathBuf), quote!(#[arg(id = #id, long = #flag, allow_hyphen_values = true, value_name = "PATH")]))
                }
                (FlagKind::File, false) => (
                    quote!(Option<::std::path::PathBuf>),
                    quote!(#[arg(id = #id, long = #flag, allow_hyphen_values = true, value_name = "PATH")]),
                ),
            };
            let help_doc = doc(&flag_help(p));
            fields.push(quote! { #help_doc #attrs #name: #field_ty });
            let ty = rust_type(&p.ty, Site::Crate(&op.module));
            match (&kind, p.required) {
                (FlagKind::Json, true) => new_args.push(quote!(::acs_runtime::__private::cli::json_flag::<#ty>(#flag, &self.#name)?)),
                (FlagKind::File, true) => new_args.push(quote!(::acs_runtime::__private::cli::body_file(#flag, &self.#name)?)),
                (FlagKind::File, false) => sets.push(quote! {
                    if let Some(path) = &self.#name {
                        request.#name = Some(::acs_runtime::__private::cli::body_file(#flag, path)?);
                    }
                }),
                (_, true) => new_args.push(quote!(self.#name)),
                // Through the setter, so that an empty value given on purpose (`'[]'`) is sent.
                (FlagKind::Json, false) if p.empty_is_sent() => sets.push(quote! {
                    if let Some(text) = &self.#name {
                        request = request.#name(::acs_runtime::__private::cli::json_flag::<#ty>(#flag, text)?);
                    }
                }),
                (FlagKind::Json, false) if p.ty.absent_is_empty() => sets.push(quote! {
                    if let Some(text) = &self.#name {
                        request.#name = ::acs_runtime::__private::cli::json_flag::<#ty>(#flag, text)?;
                    }
                }),
                (FlagKind::Json, false) => sets.push(quote! {
                    if let Some(text) = &self.#name {
                        request.#name = Some(::acs_runtime::__private::cli::json_flag::<#ty>(#flag, text)?);
                    }
                }),
                (_, false) => sets.push(quote!(request.#name = self.#name;)),
            }
        }
        let binding = if sets.is_empty() { quote!(let request) } else { quote!(let mut request) };
        let struct_doc = doc(&format!("Flags of `{}`.", op.name));
        arg_structs.push(quote! {
            #struct_doc
            #[derive(Debug, ::clap::Args)]
            struct #args_name {
                #(#fields,)*
            }

            impl #args_name {
                #[inline]
                fn into_request(self) -> Result<crate::#module::#request, String> {
                    #binding = crate::#module::#request::new(#(#new_args),*);
                    #(#sets)*
                    Ok(request)
                }
            }
        });
        let execute = if op.pagination.is_some() { quote!(execute_paged) } else { quote!(execute) };
        arms.push(quote! {
            Command::#variant(args) => ::acs_runtime::__private::cli::#execute(global, &crate::SERVICE, environment, args.into_request(), out, err).await,
        });
    }
    quote! {
        #docs

        #[derive(Debug, ::clap::Parser)]
        #[command(name = #binary, about = #about, version, after_help = #after_help)]
        struct Cli {
            #[command(flatten)]
            global: ::acs_runtime::__private::cli::GlobalArgs,
            #[command(subcommand)]
            command: Command,
        }

        #[derive(Debug, ::clap::Subcommand)]
        enum Command {
            #(#variants,)*
            #[doc = #completions_doc]
            #[command(name = "completions")]
            Completions(::acs_runtime::__private::cli::CompletionsArgs),
        }

        #(#arg_structs)*

        /// Runs the command with `args` (the first is the program name) against `environment`,
        /// writing to `out` and `err`; returns the exit status.
        pub async fn run<I, T>(args: I, environment: ::acs_runtime::credentials::Environment, out: &mut dyn ::std::io::Write, err: &mut dyn ::std::io::Write) -> i32
        where
            I: IntoIterator<Item = T>,
            T: Into<::std::ffi::OsString>,
        {
            let cli = match <Cli as ::clap::Parser>::try_parse_from(::acs_runtime::__private::cli::join_flag_words(args)) {
                Ok(cli) => cli,
                Err(e) => return ::acs_runtime::__private::cli::parse_error(e, out, err),
            };
            let global = &cli.global;
            match cli.command {
                #(#arms)*
                Command::Completions(args) => ::acs_runtime::__private::cli::completions::<Cli>(&args, out),
            }
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
