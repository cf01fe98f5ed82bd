//! The intermediate representation: what a spec means once its quirks are resolved. Every name
//! here is final (sanitized, unique in its scope, CLI flags included), every wire name is kept
//! next to its Rust name, and every constraint is typed. The emitter and the emulator read only
//! this; neither looks at the spec.

pub use acs_runtime::__private::{Pattern, Style};
pub use acs_runtime::{ApiStyle, HttpMethod};

pub use crate::rules::{Constraints, Number};

/// A product version and everything generated for it.
#[derive(Debug, Clone)]
pub struct Service {
    /// Product code, e.g. `SWAS-OPEN`.
    pub product: String,
    /// API version, e.g. `2020-06-01`.
    pub version: String,
    /// Human-readable product name, if the spec has one.
    pub title: Option<String>,
    /// RPC or ROA.
    pub style: ApiStyle,
    /// Region → host, sorted by region.
    pub endpoints: Vec<(String, String)>,
    /// The host for a region `endpoints` lacks, inferred from them.
    pub endpoint_rule: EndpointRule,
    /// Operations, sorted by name.
    pub operations: Vec<Operation>,
    /// Every error code any operation documents, once, sorted by code.
    pub errors: Vec<ErrorCase>,
    /// Operations left out because they use what this generator cannot represent.
    pub skipped: Vec<Skipped>,
    /// Every object type of every operation, once: identical shapes of the same name are
    /// shared by the operations that use them. Sorted by name.
    pub types: Vec<ObjectType>,
}

/// How the official SDKs build a host for a region a product's list lacks: regional,
/// `<prefix>.<region>.aliyuncs.com`, or central, `<prefix>.aliyuncs.com`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRule {
    /// The host's first label, e.g. `ecs`, `swas`.
    pub prefix: String,
    /// Regional rather than central.
    pub regional: bool,
}

impl EndpointRule {
    /// The rule the listed hosts follow most: a host `<p>.<region>.aliyuncs.com` counts for
    /// "regional `p`", `<p>.aliyuncs.com` for "central `p`"; regional wins a tie. With no host
    /// of either form, central with the product code in lower case, as the official SDKs build
    /// a product's host without a rule.
    pub fn infer(product: &str, endpoints: &[(String, String)]) -> Self {
        let mut votes: std::collections::BTreeMap<(bool, &str), usize> = std::collections::BTreeMap::new();
        for (region, host) in endpoints {
            let Some(name) = host.strip_suffix(".aliyuncs.com") else { continue };
            let vote = match name.strip_suffix(region.as_str()).and_then(|p| p.strip_suffix('.')) {
                Some(prefix) => (true, prefix),
                None => (false, name),
            };
            if !vote.1.is_empty() && !vote.1.contains('.') {
                *votes.entry(vote).or_default() += 1;
            }
        }
        // Most votes; among equals, regional before central, then the first prefix by name.
        let best = votes.into_iter().max_by(|(a, n), (b, m)| n.cmp(m).then(a.0.cmp(&b.0)).then(b.1.cmp(a.1)));
        match best {
            Some(((regional, prefix), _)) => Self { prefix: prefix.to_owned(), regional },
            None => Self { prefix: product.to_ascii_lowercase(), regional: false },
        }
    }
}

impl Service {
    /// The object type called `name`.
    pub fn object(&self, name: &str) -> Option<&ObjectType> {
        self.types.binary_search_by(|t| t.name.as_str().cmp(name)).ok().map(|i| &self.types[i])
    }

    /// Every object type `ty` names, directly or through the types it names, in first-use order.
    pub fn objects_in<'a>(&'a self, ty: &Type, out: &mut Vec<&'a ObjectType>) {
        match ty {
            Type::Object(name) => {
                if let Some(t) = self.object(name) {
                    if !out.iter().any(|seen| seen.name == t.name) {
                        out.push(t);
                        for f in &t.fields {
                            self.objects_in(&f.ty, out);
                        }
                    }
                }
            }
            Type::List(inner) | Type::Map(inner) | Type::Boxed(inner) => self.objects_in(inner, out),
            _ => {}
        }
    }
}

/// Which side of a call an object type is on: request types are built and checked, response
/// types decoded leniently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// Sent.
    Request,
    /// Received.
    Response,
}

/// An operation that was not generated, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its name.
    pub operation: String,
    /// JSON path of the construct.
    pub path: String,
    /// The construct, and what is supported instead.
    pub reason: String,
    /// The kind of construct, for grouping skips (`parameter location "host"`, `pattern`).
    pub construct: String,
    /// Whether the spec is wrong there, or uses what this generator cannot send.
    pub kind: crate::LowerErrorKind,
}

/// One operation (`Action`).
#[derive(Debug, Clone)]
pub struct Operation {
    /// Wire name, e.g. `AttachKeyPair`.
    pub name: String,
    /// Module name, e.g. `attach_key_pair`.
    pub module: String,
    /// Request type, e.g. `AttachKeyPairRequest`.
    pub request_type: String,
    /// Response type.
    pub response_type: String,
    /// Documentation.
    pub docs: OperationDocs,
    /// Method the client uses, as the official SDKs choose it (`HttpMethod::choose`).
    pub method: HttpMethod,
    /// Path template, `{Name}` for each path parameter; `/` for RPC.
    pub path: String,
    /// How the operation is sent: `Rpc` (`/`, routed by action) or `Roa` (its path template).
    /// A V3 product's operation without a path is sent as RPC, as the official SDK sends it.
    pub style: ApiStyle,
    /// True when only HTTPS is allowed.
    pub https_only: bool,
    /// Authentication schemes (`AK`, `Anonymous`, `ARS_OIDC`, …).
    pub security: Vec<String>,
    /// True when the operation takes no AccessKey (its schemes are listed and none is `AK`: STS
    /// `AssumeRoleWithOIDC`, `AssumeRoleWithSAML`): sent unsigned, as the official SDK does.
    pub anonymous: bool,
    /// Deprecated by the spec.
    pub deprecated: bool,
    /// Request parameters, in spec order.
    pub params: Vec<Field>,

    /// The 2xx response body.
    pub response: ResponseShape,
    /// The codes of the errors it documents (entries of [`Service::errors`]), sorted.
    pub errors: Vec<String>,
    /// Index into `params` of the idempotency token (`ClientToken`), if any.
    pub idempotency_token: Option<usize>,
    /// Names of its command-line subcommand.
    pub cli: CliNames,
    /// How it pages, if it is a list operation.
    pub pagination: Option<Pagination>,
}

/// How a list operation pages through its results.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    /// Page numbers or tokens, and the request fields that carry them.
    pub kind: PageKind,
    /// The response's item list, as a path of Rust field names (`["instances"]`, or
    /// `["instances", "instance"]` when the list sits in an object).
    pub items: Vec<String>,
    /// Where the paging facts are in the response body, as wire names: what code that reads
    /// the body itself (the CLI's `--pager`) follows.
    pub wire: PageWire,
    /// The type of one item.
    pub item: Type,
    /// The client methods: every page, every item.
    pub pages_method: String,
    /// See `pages_method`.
    pub items_method: String,
}

/// The paging facts of a response body, each a path of wire names (`["Instances", "Instance"]`);
/// empty where the response has no such fact.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageWire {
    /// The item list.
    pub items: Vec<String>,
    /// The total count (page numbers).
    pub total: Vec<String>,
    /// The page size the response states (page numbers).
    pub page_size: Vec<String>,
    /// The next page's token (tokens).
    pub next_token: Vec<String>,
}

/// The two ways Alibaba's list operations page.
#[derive(Debug, Clone, PartialEq)]
pub enum PageKind {
    /// `PageNumber` and `PageSize` (any spelling), with a total count in the response.
    Numbers {
        /// Request field of the page number (an optional integer).
        number: String,
        /// Its type (`I32` or `I64`).
        number_ty: Type,
        /// Request field of the page size.
        size: Option<(String, Type)>,
        /// The response's total count: a top-level field, or a field of an object field
        /// (`page_info.total_count`), with its type.
        total: Option<(Vec<String>, Type)>,
        /// The response's page size, found the same way: tells a short page when the request
        /// left the size to the service.
        response_size: Option<(Vec<String>, Type)>,
    },
    /// `NextToken` (and `MaxResults`): the response's token starts the next page.
    Token {
        /// Request field of the token.
        token: String,
        /// Request field of the page size, if any.
        size: Option<(String, Type)>,
        /// The response's next token (a top-level field).
        next: String,
    },
}

/// What an operation is called in the generated command line.
#[derive(Debug, Clone)]
pub struct CliNames {
    /// The subcommand users type (`attach-key-pair`), unique among the product's.
    pub command: String,
}

/// Text for an operation's docs.
#[derive(Debug, Clone, Default)]
pub struct OperationDocs {
    /// Title.
    pub title: Option<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Longer description.
    pub description: Option<String>,
    /// RAM action, access level and resources.
    pub ram_action: Option<(String, Option<String>, Option<String>)>,
    /// Decoded JSON demo response, if any.
    pub response_demo: Option<String>,
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// URL query (`in: query`).
    Query,
    /// Form-encoded body (`in: formData`).
    Form,
    /// A request header of the parameter's name (`in: header`).
    Header,
    /// A `{Name}` of the path template (`in: path`, ROA).
    Path,
    /// A property of the JSON body object (`in: body` of type object, ROA): the official SDKs
    /// make each property a field of the request, and so does this generator.
    BodyField,
    /// The whole JSON body (`in: body` of another type: a list, a `$ref`, text, ROA).
    Body,
}

/// A parameter, a property of a request object, or a response field.
#[derive(Debug, Clone)]
pub struct Field {
    /// Wire name, verbatim.
    pub wire_name: String,
    /// Rust name (sanitized, unique in its struct; may be a raw identifier).
    pub rust_name: String,
    /// Its name in the struct's serialized form: the wire name, unless another parameter of
    /// the request has that wire name in another location (a ROA path parameter and a body
    /// property, say); then `<location>.<wire name>` (`path.cluster_id`).
    pub key: String,
    /// Location (parameters only; properties inherit their parameter's).
    pub location: Location,
    /// Wire style (parameters only).
    pub style: Style,
    /// The command-line flag (parameters only), unique among the operation's and the global flags.
    pub flag: Option<String>,
    /// Type.
    pub ty: Type,
    /// Required by the spec (`required`, not `docRequired`).
    pub required: bool,
    /// Checks to run before sending.
    pub constraints: Constraints,
    /// Documentation.
    pub docs: FieldDocs,
}

impl Field {
    /// True for an optional parameter whose empty value has a wire form of its own: a
    /// collection as a member of a JSON body (`[]`, `{}`), or in a style that puts it in one
    /// parameter (`json`: `[]`, `{}`; `simple` and the other joined styles: an empty string). The
    /// official SDKs send it when the caller set it, even to empty (to clear a list), and nothing
    /// when the caller did not; the request records which ones were set
    /// ([`acs_runtime::__private::Explicit`]). Styles that spread items over pairs send nothing for an
    /// empty value either way, and a collection that is the whole body is always sent (the
    /// SDKs send `[]` for an unset one).
    pub fn empty_is_sent(&self) -> bool {
        !self.required
            && self.ty.absent_is_empty()
            && match self.location {
                Location::BodyField => true,
                Location::Body => false,
                Location::Query | Location::Form | Location::Header => {
                    matches!(self.style, Style::Json | Style::Simple | Style::SpaceDelimited | Style::PipeDelimited)
                }
                Location::Path => false,
            }
    }
}

/// Documentation of a field.
#[derive(Debug, Clone, Default)]
pub struct FieldDocs {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Example value, as text.
    pub example: Option<String>,
    /// Default value, as text.
    pub default: Option<String>,
    /// Deprecated by the spec.
    pub deprecated: bool,
    /// Constraints the spec states that are not enforced, and why.
    pub unenforced: Vec<String>,
}

/// A field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// `String`
    String,
    /// A string holding `true`/`false` (`x-acs-value-type: boolean`; responses only).
    StringBool,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `bool`
    Bool,
    /// `Vec<T>`
    List(Box<Type>),
    /// A named struct of this operation.
    Object(String),
    /// `BTreeMap<String, T>`
    Map(Box<Type>),
    /// Any JSON value (free-form object, untyped schema).
    Any,
    /// `Box<T>`: an object that contains itself, directly or through others.
    Boxed(Box<Type>),
    /// Bytes (`format: binary`): a request body sent as `application/octet-stream`.
    Binary,
}

impl Type {
    /// True for types whose empty value means "absent" (lists and maps are never `Option`).
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Map(_))
    }

    /// True when a Rust field of this type is never wrapped in `Option`: collections, whose
    /// empty value means absent, and `Any`, whose `null` does.
    pub fn absent_is_empty(&self) -> bool {
        self.is_collection() || *self == Type::Any
    }

    /// What a value of this type is on the wire, which decides how the wire is read back.
    pub fn shape(&self) -> acs_runtime::__private::Shape {
        match self {
            Type::List(_) | Type::Object(_) | Type::Map(_) | Type::Any | Type::Boxed(_) => acs_runtime::__private::Shape::Composite,
            _ => acs_runtime::__private::Shape::Scalar,
        }
    }

    /// True when `other` is this type or sits inside it (in a list, map or box; not through
    /// named objects).
    pub fn mentions(&self, other: &Type) -> bool {
        self == other
            || match self {
                Type::List(inner) | Type::Map(inner) | Type::Boxed(inner) => inner.mentions(other),
                _ => false,
            }
    }

    /// The type without its box, if it has one.
    pub fn unboxed(self) -> Type {
        match self {
            Type::Boxed(inner) => *inner,
            other => other,
        }
    }
}

/// A named struct: a request object (`Tag`) or a response object (`Results[]`).
#[derive(Debug, Clone)]
pub struct ObjectType {
    /// Rust name, unique in the crate.
    pub name: String,
    /// The name it would have without its operation's prefix (`Tag` for `RunInstancesTag`):
    /// the name of a shape several operations share.
    pub base: String,
    /// Request or response.
    pub side: Side,
    /// Wire path it was derived from (`Results[]`), for docs.
    pub wire_path: String,
    /// Description.
    pub description: Option<String>,
    /// Fields, in spec order.
    pub fields: Vec<Field>,
}

/// The 2xx response body.
#[derive(Debug, Clone)]
pub enum ResponseShape {
    /// The spec describes the body's fields.
    Typed {
        /// Top-level fields.
        fields: Vec<Field>,
    },
    /// The spec has no response schema: fields are kept as JSON.
    Untyped,
    /// A top-level JSON array of this item type (ROA).
    List {
        /// The item type.
        item: Type,
    },
    /// Text, not JSON (ROA).
    Text,
}

/// A documented error code.
#[derive(Debug, Clone)]
pub struct ErrorCase {
    /// Code on the wire, e.g. `InvalidInstanceId.NotFound`.
    pub code: String,
    /// Variant name, e.g. `InvalidInstanceIdNotFound`.
    pub variant: String,
    /// HTTP statuses the spec lists it under.
    pub statuses: Vec<u16>,
    /// Documented messages.
    pub messages: Vec<String>,
    /// The operations that document it, by wire name, sorted.
    pub operations: Vec<String>,
}
