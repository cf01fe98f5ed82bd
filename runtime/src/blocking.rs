//! A blocking client over the async one, for programs without an async runtime.
//!
//! It owns a small tokio runtime (one worker thread) and waits for each call on the calling
//! thread. It cannot be used from inside an async runtime, where waiting would stall that
//! runtime's own thread: there every method returns [`Error::Blocking`] instead of panicking
//! or deadlocking; use the async client there (or move the work to a thread of its own).

use crate::config::{CallOptions, Config};
use crate::error::Error;
use crate::service::{Operation, ServiceInfo};
use crate::transport::HttpRequest;

/// A blocking client for one product version; share it by reference or in an `Arc`.
pub struct Client {
    inner: crate::Client,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("blocking::Client").field("inner", &self.inner).finish_non_exhaustive()
    }
}

fn outside_async() -> Result<(), Error> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::Blocking(
            "the blocking client was called from inside an async runtime, where waiting would stall it; use the async Client there, \
             or call from a thread of its own (std::thread::spawn)"
                .into(),
        ));
    }
    Ok(())
}

impl Client {
    /// A blocking client for `service`; credentials are set up as for the async client.
    pub fn new(service: &'static ServiceInfo, config: Config) -> Result<Self, Error> {
        outside_async()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("acs-blocking")
            .enable_all()
            .build()
            .map_err(|e| Error::Blocking(format!("cannot start the client's runtime: {e}")))?;
        // Inside the runtime: the transport's connection pool belongs to it.
        let inner = {
            let _entered = runtime.enter();
            crate::Client::new(service, config)?
        };
        Ok(Self { inner, runtime: Some(runtime) })
    }

    fn block_on<T>(&self, future: impl std::future::Future<Output = Result<T, Error>>) -> Result<T, Error> {
        outside_async()?;
        match &self.runtime {
            Some(runtime) => runtime.block_on(future),
            None => Err(Error::Blocking("the client's runtime has shut down".into())),
        }
    }

    /// Calls the operation and waits for its response.
    pub fn call<O: Operation>(&self, request: O, options: &CallOptions) -> Result<O::Response, Error> {
        self.block_on(self.inner.call(request, options))
    }

    /// Calls the operation; returns the decoded response and the body as received.
    pub fn call_with_body<O: Operation>(&self, request: O, options: &CallOptions) -> Result<(O::Response, Vec<u8>), Error> {
        self.block_on(self.inner.call_with_body(request, options))
    }

    /// The signed request the first attempt would send, without sending it.
    pub fn signed_request<O: Operation>(&self, request: O) -> Result<HttpRequest, Error> {
        self.block_on(self.inner.signed_request(request))
    }

    /// The async client underneath (for a part of the program that is async).
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // Never blocks, and never panics even when dropped inside another runtime.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
