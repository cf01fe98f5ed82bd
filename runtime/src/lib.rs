//! Runtime for Rust clients generated from Alibaba Cloud API metadata.
//!
//! Generated crates are mostly declarations; the behaviour they share lives here once, as
//! non-generic code: putting values on the wire ([`wire`]), checking constraints
//! ([`validate`]), reading and writing JSON without derives, weakly typed responses included ([`json`], [`types`]), endpoints and
//! the service's error body.

#![warn(missing_docs)]

#[cfg(feature = "blocking")]
pub mod blocking;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod config;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod json;
#[cfg(feature = "client")]
pub mod paging;
pub mod rules;
pub mod service;
pub mod service_error;
pub mod sign;
pub mod testing;
pub mod transport;
pub mod types;
pub mod validate;
pub mod wire;

/// The bytes of a binary request body (`format: binary`): `Bytes::from(vec)` takes a `Vec<u8>`
/// without copying, and clones share the buffer.
pub use bytes;
#[cfg(feature = "client")]
pub use client::{CallOptions, Client, Config, RetryPolicy, SignatureVersion, DEFAULT_DEADLINE};
pub use credentials::{Credentials, Secret};
pub use endpoint::RegionEndpoint;
pub use error::{Error, TransportErrorKind, TypedError};
#[cfg(feature = "client")]
pub use paging::{Cursor, PageInfo, PageStream, Paginated};
pub use rules::{IntRules, ListRules, NumRules, Pattern, PatternEngine, StrRules};
pub use service::{ApiStyle, HttpMethod, Operation, ServiceInfo};
pub use service_error::{ErrorCodes, ServiceError, UnknownCode};
pub use transport::{HttpRequest, HttpResponse, MinThroughput, Timeouts, Transport};
pub use types::StringBool;
pub use validate::{Validate, ValidationError, Validator, Violation, ViolationKind};
pub use wire::{Explicit, Params, Shape, Style};
