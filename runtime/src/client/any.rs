//! Requests whose type is erased: what code that treats every operation alike (the generated
//! command line) calls through one small vtable per operation, instead of one copy of the
//! client's generic path each. The typed path reads its requests through the same trait, so
//! validation, idempotency tokens and the wire parameters are prepared by one piece of code.

use crate::service::{ApiStyle, Cursor, HttpMethod, Operation};
use crate::validate::ValidationError;
use crate::wire::Params;

/// An operation's constants ([`Operation::ACTION`] and the rest), as a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationInfo {
    /// See [`Operation::ACTION`].
    pub action: &'static str,
    /// See [`Operation::METHOD`].
    pub method: HttpMethod,
    /// See [`Operation::PATH`].
    pub path: &'static str,
    /// See [`Operation::STYLE`].
    pub style: Option<ApiStyle>,
    /// See [`Operation::HTTPS_ONLY`].
    pub https_only: bool,
    /// See [`Operation::ANONYMOUS`].
    pub anonymous: bool,
    /// See [`Operation::IDEMPOTENCY_TOKEN`].
    pub idempotency_token: Option<&'static str>,
}

impl OperationInfo {
    /// The constants of `O`.
    pub const fn of<O: Operation>() -> Self {
        Self {
            action: O::ACTION,
            method: O::METHOD,
            path: O::PATH,
            style: O::STYLE,
            https_only: O::HTTPS_ONLY,
            anonymous: O::ANONYMOUS,
            idempotency_token: O::IDEMPOTENCY_TOKEN,
        }
    }
}

/// A request of some operation, its type erased: [`Operation`]'s methods (and, for a list
/// operation, [`Paginated`](crate::Paginated)'s cursor) as an object-safe trait. Made by [`erase`]
/// and [`erase_paged`](crate::paging::erase_paged); called through [`Client::call_any`](crate::Client::call_any).
pub trait AnyRequest {
    /// The operation's constants.
    fn info(&self) -> OperationInfo;
    /// See [`Operation::validate`].
    fn validate(&self) -> Result<(), ValidationError>;
    /// See [`Operation::idempotency_token`].
    fn idempotency_token(&self) -> Option<&str>;
    /// See [`Operation::set_idempotency_token`].
    fn set_idempotency_token(&mut self, token: String);
    /// See [`Operation::to_params`].
    fn to_params(&self) -> Params<'_>;
    /// See [`Operation::to_body_params`].
    fn to_body_params(&self) -> Params<'_>;
    /// See [`Operation::to_header_params`].
    fn to_header_params(&self) -> Params<'_>;
    /// See [`Operation::to_path_params`].
    fn to_path_params(&self) -> Params<'_>;
    /// See [`Operation::to_json_body`].
    fn to_json_body(&self) -> Option<serde_json::Value>;
    /// See [`Operation::to_binary_body`].
    fn to_binary_body(&self) -> Option<&[u8]>;
    /// The request's position, for a list operation ([`Paginated::cursor`](crate::Paginated::cursor));
    /// `None` otherwise.
    fn cursor(&self) -> Option<Cursor> {
        None
    }
    /// See [`Paginated::page_size`](crate::Paginated::page_size).
    fn page_size(&self) -> Option<i64> {
        None
    }
    /// See [`Paginated::set_cursor`](crate::Paginated::set_cursor); no effect for an operation that does not page.
    fn set_cursor(&mut self, _cursor: &Cursor) {}
}

/// A request boxed with its type erased.
pub type BoxedRequest = Box<dyn AnyRequest + Send + Sync>;

/// Any operation's request, read through [`AnyRequest`].
pub(crate) struct Plain<O>(pub(crate) O);

/// [`AnyRequest`]'s methods, forwarded to an [`Operation`] in field `0` (of type `O`).
macro_rules! forward_operation {
    () => {
        fn info(&self) -> $crate::client::any::OperationInfo {
            $crate::client::any::OperationInfo::of::<O>()
        }
        fn validate(&self) -> Result<(), $crate::validate::ValidationError> {
            $crate::service::Operation::validate(&self.0)
        }
        fn idempotency_token(&self) -> Option<&str> {
            $crate::service::Operation::idempotency_token(&self.0)
        }
        fn set_idempotency_token(&mut self, token: String) {
            $crate::service::Operation::set_idempotency_token(&mut self.0, token)
        }
        fn to_params(&self) -> $crate::wire::Params<'_> {
            $crate::service::Operation::to_params(&self.0)
        }
        fn to_body_params(&self) -> $crate::wire::Params<'_> {
            $crate::service::Operation::to_body_params(&self.0)
        }
        fn to_header_params(&self) -> $crate::wire::Params<'_> {
            $crate::service::Operation::to_header_params(&self.0)
        }
        fn to_path_params(&self) -> $crate::wire::Params<'_> {
            $crate::service::Operation::to_path_params(&self.0)
        }
        fn to_json_body(&self) -> Option<serde_json::Value> {
            $crate::service::Operation::to_json_body(&self.0)
        }
        fn to_binary_body(&self) -> Option<&[u8]> {
            $crate::service::Operation::to_binary_body(&self.0)
        }
    };
}
pub(crate) use forward_operation;

impl<O: Operation> AnyRequest for Plain<O> {
    forward_operation!();
}

/// `request`, its type erased.
pub fn erase<O: Operation + Send + Sync + 'static>(request: O) -> BoxedRequest {
    Box::new(Plain(request))
}
