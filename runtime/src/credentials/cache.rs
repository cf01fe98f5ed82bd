//! The cache every refreshing provider sits behind.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use super::{CredentialsError, ProvideCredentials, ProvideFuture};
use crate::credentials::Clock;
use crate::credentials::Credentials;

/// How long before expiry a refresh starts, at most (the official libraries' 15 minutes).
const MAX_MARGIN: Duration = Duration::from_secs(15 * 60);
/// After a failed refresh while the current keys are still valid, the next try waits this long
/// (or until the keys are about to expire), so a broken source is not asked on every call.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);
/// Keys this close to their expiry are not handed out: a request signed with them could
/// arrive after they expire.
const MIN_REMAINING: Duration = Duration::from_secs(1);

/// Caches what a provider returns and refreshes it ahead of expiry.
///
/// * Credentials without an expiry are fetched once.
/// * Credentials with one are refreshed from `expiry − min(15 min, lifetime / 2)` on: one caller
///   fetches, every other caller meanwhile gets the current keys without waiting. Callers with
///   no usable keys wait for that one fetch; however many there are, the source is asked once.
/// * A refresh that fails while the current keys are valid logs a warning and returns those
///   keys; the next try is 10 s later. Once they have expired, the error reaches the caller.
///
/// Unlike the official Python and Java libraries, a short-lived answer (under 30 minutes) does
/// not make every call ask the source again, and a failed refresh before expiry never fails a
/// call; unlike them, expired keys are never served.
pub struct Cached {
    inner: Arc<dyn ProvideCredentials>,
    clock: Clock,
    state: Mutex<State>,
    refresh: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    current: Option<Credentials>,
    /// When the current keys should be replaced.
    refresh_at: Option<SystemTime>,
}

impl std::fmt::Debug for Cached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("Cached").field("provider", &self.inner).field("current", &state.current).finish()
    }
}

impl Cached {
    /// Caches `inner`, with the system clock.
    pub fn new(inner: Arc<dyn ProvideCredentials>) -> Self {
        // The default clock: the one place this provider reads the system's.
        #[allow(clippy::disallowed_methods)]
        let clock: Clock = Arc::new(SystemTime::now);
        Self::with_clock(inner, clock)
    }

    /// Caches `inner`, judging expiry by `clock`.
    pub fn with_clock(inner: Arc<dyn ProvideCredentials>, clock: Clock) -> Self {
        Self { inner, clock, state: Mutex::new(State::default()), refresh: tokio::sync::Mutex::new(()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached keys if they need no refresh at `now`.
    fn fresh(&self, now: SystemTime) -> Option<Credentials> {
        let state = self.lock();
        let current = state.current.as_ref()?;
        match state.refresh_at {
            Some(at) if now >= at => None,
            _ => Some(current.clone()),
        }
    }

    /// The cached keys if they can still sign a request at `now`.
    fn usable(&self, now: SystemTime) -> Option<Credentials> {
        let state = self.lock();
        let current = state.current.as_ref()?;
        match current.expiry() {
            Some(expiry) if now + MIN_REMAINING >= expiry => None,
            _ => Some(current.clone()),
        }
    }

    async fn get(&self) -> Result<Credentials, CredentialsError> {
        if let Some(c) = self.fresh((self.clock)()) {
            return Ok(c);
        }
        let _guard = match self.refresh.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                // Someone is refreshing: keep going with the current keys if they still work.
                if let Some(c) = self.usable((self.clock)()) {
                    return Ok(c);
                }
                self.refresh.lock().await
            }
        };
        // Whoever held the lock may have refreshed already.
        let now = (self.clock)();
        if let Some(c) = self.fresh(now) {
            return Ok(c);
        }
        let fetched = self.inner.provide().await.and_then(|c| match c.expiry() {
            Some(expiry) if expiry <= now + MIN_REMAINING => Err(CredentialsError::Provider {
                provider: c.source().to_owned(),
                message: if expiry <= now {
                    format!("returned credentials that have already expired (at {})", crate::sign::format_timestamp(expiry))
                } else {
                    format!(
                        "returned credentials that expire at {}, within {MIN_REMAINING:?} of now: too soon to sign a request with",
                        crate::sign::format_timestamp(expiry)
                    )
                },
            }),
            _ => Ok(c),
        });
        match fetched {
            Ok(c) => {
                let refresh_at = c.expiry().map(|expiry| {
                    let lifetime = expiry.duration_since(now).unwrap_or_default();
                    expiry - MAX_MARGIN.min(lifetime / 2)
                });
                *self.lock() = State { current: Some(c.clone()), refresh_at };
                Ok(c)
            }
            Err(error) => match self.usable(now) {
                Some(current) => {
                    let expiry = current.expiry().unwrap_or(now);
                    tracing::warn!(
                        %error,
                        expires = %crate::sign::format_timestamp(expiry),
                        "refreshing credentials failed; the current ones stay in use until they expire"
                    );
                    let retry = (now + RETRY_AFTER_FAILURE).min(expiry - MIN_REMAINING);
                    self.lock().refresh_at = Some(retry);
                    Ok(current)
                }
                None => Err(error),
            },
        }
    }
}

impl ProvideCredentials for Cached {
    fn provide(&self) -> ProvideFuture<'_> {
        Box::pin(self.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    /// A source that counts its fetches, takes 20 ms, and issues keys for `lifetime` seconds
    /// from the shared fake clock; it fails while `failing` is set.
    #[derive(Debug)]
    struct Source {
        fetches: AtomicUsize,
        now: Arc<AtomicU64>,
        lifetime: u64,
        failing: std::sync::atomic::AtomicBool,
    }

    impl ProvideCredentials for Source {
        fn provide(&self) -> ProvideFuture<'_> {
            Box::pin(async move {
                let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
                if self.failing.load(Ordering::SeqCst) {
                    return Err(CredentialsError::Provider { provider: "test".into(), message: "source down".into() });
                }
                let expiry = SystemTime::UNIX_EPOCH + Duration::from_secs(self.now.load(Ordering::SeqCst) + self.lifetime);
                Ok(Credentials::new(format!("STS.{n}"), "secret").with_security_token("t").with_expiry(expiry))
            })
        }
    }

    fn setup(lifetime: u64) -> (Arc<Source>, Arc<Cached>, Arc<AtomicU64>) {
        let now = Arc::new(AtomicU64::new(1_700_000_000));
        let source = Arc::new(Source { fetches: AtomicUsize::new(0), now: now.clone(), lifetime, failing: false.into() });
        let clock_now = now.clone();
        let clock: Clock = Arc::new(move || SystemTime::UNIX_EPOCH + Duration::from_secs(clock_now.load(Ordering::SeqCst)));
        (source.clone(), Arc::new(Cached::with_clock(source, clock)), now)
    }

    async fn concurrently(cache: &Arc<Cached>, n: usize) -> Vec<String> {
        let calls: Vec<_> = (0..n)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.provide().await.map(|c| c.access_key_id().to_owned()) })
            })
            .collect();
        let mut ids = Vec::new();
        for call in calls {
            ids.push(call.await.unwrap().unwrap());
        }
        ids
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_hundred_concurrent_calls_cause_one_fetch_and_one_refresh() {
        let (source, cache, now) = setup(3600);
        let ids = concurrently(&cache, 200).await;
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);
        assert!(ids.iter().all(|id| id == "STS.1"));

        // One second before the refresh point (expiry − 15 min): nothing happens.
        now.fetch_add(3600 - 900 - 1, Ordering::SeqCst);
        concurrently(&cache, 200).await;
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);

        // At the refresh point: one caller refreshes; the others never wait for it.
        now.fetch_add(1, Ordering::SeqCst);
        let ids = concurrently(&cache, 200).await;
        assert_eq!(source.fetches.load(Ordering::SeqCst), 2);
        assert!(ids.iter().all(|id| id == "STS.1" || id == "STS.2"));
        assert_eq!(cache.provide().await.unwrap().access_key_id(), "STS.2");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn callers_without_usable_keys_wait_for_the_single_refresh() {
        let (source, cache, now) = setup(3600);
        cache.provide().await.unwrap();
        now.fetch_add(3600, Ordering::SeqCst); // expired
        let ids = concurrently(&cache, 200).await;
        assert_eq!(source.fetches.load(Ordering::SeqCst), 2);
        assert!(ids.iter().all(|id| id == "STS.2"), "nobody got expired keys");
    }

    /// Counts `WARN` events and keeps their text.
    #[derive(Default)]
    struct Warnings(std::sync::Mutex<Vec<String>>);

    impl tracing::Subscriber for Warnings {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            struct Text(String);
            impl tracing::field::Visit for Text {
                fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                    self.0.push_str(&format!("{}={value:?} ", field.name()));
                }
            }
            if *event.metadata().level() == tracing::Level::WARN {
                let mut text = Text(String::new());
                event.record(&mut text);
                self.0.lock().unwrap().push(text.0);
            }
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[tokio::test]
    async fn a_failed_refresh_serves_valid_keys_then_fails_after_expiry() {
        let (source, cache, now) = setup(3600);
        cache.provide().await.unwrap();
        source.failing.store(true, Ordering::SeqCst);
        now.fetch_add(3600 - 900, Ordering::SeqCst);
        let warnings = Arc::new(Warnings::default());
        let guard = tracing::subscriber::set_default(warnings.clone());
        assert_eq!(cache.provide().await.unwrap().access_key_id(), "STS.1");
        drop(guard);
        let logged = warnings.0.lock().unwrap().clone();
        assert_eq!(logged.len(), 1, "{logged:?}");
        assert!(logged[0].contains("refreshing credentials failed") && logged[0].contains("source down"), "{logged:?}");
        assert!(!logged[0].contains("secret"), "{logged:?}");
        assert_eq!(source.fetches.load(Ordering::SeqCst), 2);
        // The next try waits 10 s.
        assert_eq!(cache.provide().await.unwrap().access_key_id(), "STS.1");
        assert_eq!(source.fetches.load(Ordering::SeqCst), 2);
        now.fetch_add(10, Ordering::SeqCst);
        cache.provide().await.unwrap();
        assert_eq!(source.fetches.load(Ordering::SeqCst), 3);
        // Expired, source still down: the error reaches the caller.
        now.fetch_add(900, Ordering::SeqCst);
        let err = cache.provide().await.unwrap_err();
        assert_eq!(err.to_string(), "test: source down");
        // The source recovers: so does the cache.
        source.failing.store(false, Ordering::SeqCst);
        assert_eq!(cache.provide().await.unwrap().access_key_id(), "STS.5");
    }

    #[tokio::test]
    async fn short_lived_keys_refresh_at_half_life_not_on_every_call() {
        let (source, cache, now) = setup(600);
        cache.provide().await.unwrap();
        now.fetch_add(299, Ordering::SeqCst);
        cache.provide().await.unwrap();
        cache.provide().await.unwrap();
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);
        now.fetch_add(1, Ordering::SeqCst);
        assert_eq!(cache.provide().await.unwrap().access_key_id(), "STS.2");
    }

    #[tokio::test]
    async fn keys_already_expired_are_an_error() {
        let (source, cache, _) = setup(0);
        let err = cache.provide().await.unwrap_err().to_string();
        assert!(err.contains("returned credentials that have already expired (at 2023-11-14T22:13:20Z)"), "{err}");
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);
        // Expiring in a second: not "in the past", but too soon to sign with.
        let (_, cache, _) = setup(1);
        let err = cache.provide().await.unwrap_err().to_string();
        assert!(err.contains("expire at 2023-11-14T22:13:21Z, within 1s of now: too soon to sign a request with"), "{err}");
    }
}
