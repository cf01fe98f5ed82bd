//! Waiters: an operation called again and again until a condition holds on its response, as the
//! AWS SDK's `wait_until_*` and aliyun-cli's `--waiter`, always within a bounded wait.
//!
//! ```no_run
//! # async fn example(client: acs_runtime::Client, request: impl acs_runtime::Operation<Response = acs_runtime::UntypedResponse> + Clone) {
//! use std::time::Duration;
//! use acs_runtime::{WaitError, WaitPolicy};
//!
//! let policy = WaitPolicy::default().interval(Duration::from_secs(2)).max_wait(Duration::from_secs(60));
//! match client.wait_until::<_, acs_runtime::Error>(request, |r| r.fields["Status"] == "Running", &policy).await {
//!     Ok(response) => println!("running: {response:?}"),
//!     Err(WaitError::TimedOut { last, .. }) => eprintln!("still not running; last seen: {last:?}"),
//!     Err(WaitError::Failed(e)) => eprintln!("a call failed: {e}"),
//! }
//! # }
//! ```

use std::future::Future;
use std::time::Duration;

use crate::client::{CallOptions, Client};
use crate::error::Error;
use crate::service::Operation;

/// How often and how long a waiter polls. The defaults are aliyun-cli's: every 5 s, for at most
/// 180 s; with [`WaitPolicy::backoff`] each interval grows by a factor, up to a ceiling.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct WaitPolicy {
    /// The pause after the first poll. Default 5 s.
    pub interval: Duration,
    /// Each pause is the previous one times this (at least 1). Default 1: a fixed interval.
    pub multiplier: f64,
    /// The longest pause, however the intervals grow. Default 60 s.
    pub max_interval: Duration,
    /// The longest the whole wait may take, polls included; past it the waiter gives up with the
    /// last response. Default 180 s.
    pub max_wait: Duration,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            multiplier: 1.0,
            max_interval: Duration::from_secs(60),
            max_wait: Duration::from_secs(180),
        }
    }
}

impl WaitPolicy {
    /// With this pause between polls.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// With this limit on the whole wait.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Pauses that grow by `multiplier` (below 1, or not a number, counts as 1) up to
    /// `max_interval`: exponential back-off.
    pub fn backoff(mut self, multiplier: f64, max_interval: Duration) -> Self {
        self.multiplier = multiplier;
        self.max_interval = max_interval;
        self
    }

    /// The pause after poll number `poll` (the first is 1).
    fn pause(&self, poll: u32) -> Duration {
        let factor = if self.multiplier.is_finite() && self.multiplier > 1.0 { self.multiplier } else { 1.0 };
        let grown = self.interval.as_secs_f64() * factor.powi(i32::try_from(poll.saturating_sub(1)).unwrap_or(i32::MAX));
        let ceiling = self.max_interval.max(self.interval);
        if grown.is_finite() && grown < ceiling.as_secs_f64() {
            Duration::from_secs_f64(grown)
        } else {
            ceiling
        }
    }
}

/// Why a wait ended without its condition holding.
#[derive(Debug)]
pub enum WaitError<R, E = Error> {
    /// The condition still did not hold when the policy's `max_wait` ran out.
    TimedOut {
        /// The last response seen, if any poll completed.
        last: Option<Box<R>>,
        /// Polls made.
        polls: u32,
        /// How long the wait took.
        waited: Duration,
    },
    /// A poll failed (after the client's own retries): the wait ends with its error.
    Failed(E),
}

impl<R, E: std::fmt::Display> std::fmt::Display for WaitError<R, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TimedOut { polls, waited, last } => write!(
                f,
                "the condition did not hold within {waited:?} ({polls} polls{})",
                if last.is_some() { "; the last response is kept" } else { ", none answered" }
            ),
            Self::Failed(e) => write!(f, "a poll failed: {e}"),
        }
    }
}

impl<R: std::fmt::Debug, E: std::error::Error + 'static> std::error::Error for WaitError<R, E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Failed(e) => Some(e),
            Self::TimedOut { .. } => None,
        }
    }
}

/// Calls `poll` until `done` holds on what it returns, pausing as `policy` says, for at most
/// its `max_wait`: a poll still running when the time is up is cut short. What every waiter,
/// the library's and the CLI's, runs.
pub async fn poll_until<T, E, F, Fut>(policy: &WaitPolicy, mut poll: F, mut done: impl FnMut(&T) -> bool) -> Result<T, WaitError<T, E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let start = tokio::time::Instant::now();
    let deadline = start + policy.max_wait;
    let mut last = None;
    let mut polls = 0u32;
    loop {
        let outcome = match tokio::time::timeout_at(deadline, poll()).await {
            Ok(outcome) => outcome,
            Err(_) => break,
        };
        polls += 1;
        let value = outcome.map_err(WaitError::Failed)?;
        if done(&value) {
            return Ok(value);
        }
        last = Some(Box::new(value));
        let wake = tokio::time::Instant::now() + policy.pause(polls);
        if wake >= deadline {
            break;
        }
        tracing::debug!(polls, "condition not met; polling again");
        tokio::time::sleep_until(wake).await;
    }
    Err(WaitError::TimedOut { last, polls, waited: start.elapsed() })
}

impl Client {
    /// Calls `request` until `condition` holds on its response, as `policy` paces it, and returns
    /// that response. Each poll is a whole call (validated, signed, retried as configured); one
    /// that fails ends the wait with [`WaitError::Failed`], and a wait past the policy's
    /// `max_wait` ends with [`WaitError::TimedOut`], which keeps the last response.
    pub async fn wait_until<O, E>(
        &self,
        request: O,
        condition: impl FnMut(&O::Response) -> bool,
        policy: &WaitPolicy,
    ) -> Result<O::Response, WaitError<O::Response, E>>
    where
        O: Operation + Clone,
        E: From<Error>,
    {
        let options = CallOptions::default();
        poll_until(policy, || async { self.call(request.clone(), &options).await.map_err(E::from) }, condition).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[test]
    fn pauses_are_fixed_or_grow_to_their_ceiling() {
        let fixed = WaitPolicy::default();
        assert_eq!((fixed.pause(1), fixed.pause(40)), (Duration::from_secs(5), Duration::from_secs(5)));
        let growing = WaitPolicy::default().interval(Duration::from_secs(1)).backoff(2.0, Duration::from_secs(10));
        let pauses: Vec<u64> = (1..=6).map(|n| growing.pause(n).as_secs()).collect();
        assert_eq!(pauses, [1, 2, 4, 8, 10, 10]);
        assert_eq!(growing.pause(u32::MAX), Duration::from_secs(10), "no overflow");
        for odd in [f64::NAN, f64::INFINITY, 0.5, -3.0] {
            assert_eq!(WaitPolicy::default().backoff(odd, Duration::from_secs(60)).pause(9), Duration::from_secs(5), "{odd}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn polls_until_the_condition_holds() {
        let polls = AtomicU32::new(0);
        let policy = WaitPolicy::default().interval(Duration::from_secs(2));
        let start = tokio::time::Instant::now();
        let got: Result<u32, WaitError<u32, String>> =
            poll_until(&policy, || async { Ok(polls.fetch_add(1, Ordering::SeqCst) + 1) }, |n| *n == 4).await;
        assert_eq!(got.unwrap(), 4);
        assert_eq!(start.elapsed(), Duration::from_secs(6), "three pauses of 2 s");
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_at_the_maximum_wait_with_the_last_response() {
        let polls = AtomicU32::new(0);
        let policy = WaitPolicy::default().interval(Duration::from_secs(5)).max_wait(Duration::from_secs(12));
        let got: Result<u32, WaitError<u32, String>> =
            poll_until(&policy, || async { Ok(polls.fetch_add(1, Ordering::SeqCst) + 1) }, |_| false).await;
        match got {
            Err(WaitError::TimedOut { last, polls, waited }) => {
                assert_eq!((last.as_deref(), polls), (Some(&3), 3));
                assert!(waited <= Duration::from_secs(12), "{waited:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_poll_that_outlasts_the_wait_is_cut_short_and_an_error_ends_it() {
        let policy = WaitPolicy::default().max_wait(Duration::from_secs(30));
        let slow: Result<u32, WaitError<u32, String>> = poll_until(
            &policy,
            || async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(1)
            },
            |_| true,
        )
        .await;
        assert!(matches!(slow, Err(WaitError::TimedOut { last: None, polls: 0, .. })), "{slow:?}");
        let failed: Result<u32, WaitError<u32, String>> = poll_until(&policy, || async { Err("boom".to_owned()) }, |_| true).await;
        assert_eq!(failed.unwrap_err().to_string(), "a poll failed: boom");
    }
}
