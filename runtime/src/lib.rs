//! Runtime for Rust clients generated from Alibaba Cloud API metadata.
//!
//! What a user of a generated crate reaches is documented here: the [`Client`] and its
//! [`Config`], the [`Error`] a call fails with, [`Credentials`] and the providers of the
//! [`credentials`] chain, the [`Transport`] a test or a proxy can replace (with the doubles of
//! [`testing`]), signing ([`sign`]), endpoints, and the types responses hold
//! ([`StringBool`], [`Mismatch`], [`UntypedResponse`]).
//!
//! Generated crates are mostly declarations; the behaviour they share lives here once, as
//! non-generic code. What only generated code and this project's generator use (JSON without
//! derives, wire styles, the rule types, the CLI's plumbing) is in `__private`: hidden from these
//! docs, with no semver promise; a generated crate requires the exact runtime version it was
//! generated for.

#![warn(missing_docs)]

#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod config;
pub mod credentials;
pub mod endpoint;
pub mod error;
#[cfg(feature = "client")]
pub mod interceptor;
#[doc(hidden)]
pub mod json;
#[cfg(feature = "client")]
pub mod paging;
#[doc(hidden)]
pub mod rules;
pub mod service;
pub mod service_error;
pub mod sign;
pub mod testing;
pub mod text;
pub mod transport;
pub mod types;
#[doc(hidden)]
pub mod validate;
#[cfg(feature = "client")]
pub mod wait;
#[doc(hidden)]
pub mod wire;

/// What generated crates, and this project's generator and emulator, use that is not user API.
/// No semver promise: a generated crate requires the exact runtime version it was generated
/// for, so these may change in any release.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "cli")]
    pub use crate::cli;
    pub use crate::json::{self, FromJson, ToJson};
    pub use crate::rules::{self, IntRules, ListRules, NumRules, Pattern, PatternEngine, StrRules};
    pub use crate::serde_via_json;
    pub use crate::service::{CLI_COMMANDS, CLI_GLOBAL_FLAGS};
    pub use crate::validate::{Validate, Validator};
    pub use crate::wire::{self, Explicit, Shape, Style};

    /// This runtime's version: what a generated crate's manifest requires, exactly.
    pub const VERSION: &str = env!("CARGO_PKG_VERSION");
}

/// The bytes of a binary request body (`format: binary`): `Bytes::from(vec)` takes a `Vec<u8>`
/// without copying, and clones share the buffer.
pub use bytes;
#[cfg(feature = "client")]
pub use client::{CallOptions, Client, Config, RetryBudget, RetryMode, RetryPolicy, SignatureVersion, DEFAULT_DEADLINE};
pub use credentials::{Credentials, Secret};
pub use endpoint::{EndpointRule, RegionEndpoint};
pub use error::{Error, TransportErrorKind, TypedError};
#[cfg(feature = "client")]
pub use interceptor::{AttemptInfo, Interceptor};
pub use json::{Mismatch, UntypedResponse};
#[cfg(feature = "client")]
pub use paging::{Cursor, PageInfo, PageStream, PageWire, Paginated};
pub use service::{ApiStyle, HttpMethod, Operation, ServiceInfo};
pub use service_error::{ErrorCodes, ServiceError, UnknownCode};
pub use transport::{HttpRequest, HttpResponse, MinThroughput, Timeouts, Transport};
pub use types::StringBool;
pub use validate::{ValidationError, Violation, ViolationKind};
#[cfg(feature = "client")]
pub use wait::{WaitError, WaitPolicy};
pub use wire::Params;
