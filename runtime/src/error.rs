//! The one error type of a call.

use std::fmt;

use crate::credentials::CredentialsError;
use crate::endpoint::EndpointError;
use crate::service_error::{ErrorCodes, ServiceError};
pub use crate::transport::TransportErrorKind;
use crate::validate::ValidationError;

/// Every way a call can fail.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The request breaks the spec's constraints; nothing was sent.
    Validation(ValidationError),
    /// No usable credentials.
    Credentials(CredentialsError),
    /// No usable endpoint.
    Endpoint(EndpointError),
    /// The request could not be delivered or answered in time.
    #[non_exhaustive]
    Transport {
        /// The operation.
        operation: &'static str,
        /// What failed.
        kind: TransportErrorKind,
        /// Details from the HTTP layer.
        message: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The service answered with an error.
    #[non_exhaustive]
    Service {
        /// The operation.
        operation: &'static str,
        /// Status, code, message, request id, host id, recommendation (boxed: errors travel in
        /// every `Result` of the client, and most are small).
        error: Box<ServiceError>,
        /// Attempts made.
        attempts: u32,
    },
    /// A paginator stopped because the service's paging would not end.
    #[cfg(feature = "client")]
    #[non_exhaustive]
    Paging {
        /// The operation.
        operation: &'static str,
        /// What went wrong.
        error: PagingError,
    },
    /// The client's or the call's settings cannot be used (an extra header the signer sets, say);
    /// nothing was sent.
    Config(String),
    /// The blocking client cannot run here (inside an async runtime) or its runtime is gone.
    Blocking(String),
    /// The service answered, but not with a body this client can read (an HTML error page from a
    /// proxy, an empty body, JSON of the wrong shape).
    #[non_exhaustive]
    Decode {
        /// The operation.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// Why it could not be decoded.
        message: String,
        /// The start of the body (at most 200 characters).
        snippet: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Validation(e) => fmt::Display::fmt(e, f),
            Error::Credentials(e) => write!(f, "credentials: {e}"),
            Error::Endpoint(e) => write!(f, "endpoint: {e}"),
            Error::Transport { operation, kind, message, attempts } => {
                write!(f, "{operation}: {kind} error after {attempts} attempt(s): {message}")
            }
            Error::Service { operation, error, .. } => write!(f, "{operation}: {error}"),
            #[cfg(feature = "client")]
            Error::Paging { operation, error } => write!(f, "{operation}: {error}"),
            Error::Config(message) => write!(f, "configuration: {message}"),
            Error::Blocking(message) => write!(f, "blocking client: {message}"),
            Error::Decode { operation, status, message, snippet } => {
                write!(f, "{operation}: cannot decode the HTTP {status} response ({message}); body: {snippet:?}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // Transparent: the validation error is this error.
            Error::Validation(e) => e.source(),
            Error::Credentials(e) => Some(e),
            Error::Endpoint(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Error::Validation(e)
    }
}

impl From<CredentialsError> for Error {
    fn from(e: CredentialsError) -> Self {
        Error::Credentials(e)
    }
}

impl From<EndpointError> for Error {
    fn from(e: EndpointError) -> Self {
        Error::Endpoint(e)
    }
}

impl Error {
    /// The service's error, if the service answered with one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Error::Service { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The service's error code, if any.
    pub fn code(&self) -> Option<&str> {
        self.service_error().map(|e| e.code.as_str())
    }

    /// The request id, if the service sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.service_error().and_then(|e| e.request_id.as_deref())
    }
}

/// The error of a call to one product: the runtime's [`Error`] with the product's typed error
/// code. Generated crates name it `Error` (`pub type Error = TypedError<ErrorCode>`).
pub struct TypedError<C> {
    inner: Error,
    code: std::marker::PhantomData<fn() -> C>,
}

impl<C: ErrorCodes> TypedError<C> {
    /// The service's error code, typed: a variant for every code the spec documents.
    pub fn code(&self) -> Option<C> {
        self.inner.code().map(C::from_code)
    }

    /// The request id, if the service answered.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id()
    }

    /// The service's error (status, code, message, request id), if the service answered with one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        self.inner.service_error()
    }

    /// What went wrong, to match on: validation, credentials, endpoint, transport, service, decode.
    pub fn kind(&self) -> &Error {
        &self.inner
    }

    /// The runtime's error.
    pub fn into_inner(self) -> Error {
        self.inner
    }
}

impl<C> From<Error> for TypedError<C> {
    fn from(inner: Error) -> Self {
        Self { inner, code: std::marker::PhantomData }
    }
}

impl<C> fmt::Debug for TypedError<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<C> fmt::Display for TypedError<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl<C> std::error::Error for TypedError<C> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.inner)
    }
}

/// At most `max` characters of a body, for messages.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) fn snippet(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// Why paging stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagingError {
    /// The service sent a token it had sent before: following it would loop forever.
    RepeatedToken(String),
}

impl fmt::Display for PagingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PagingError::RepeatedToken(token) => write!(f, "the service repeated the page token {token:?}; stopped instead of looping"),
        }
    }
}

impl std::error::Error for PagingError {}
