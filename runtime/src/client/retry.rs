//! Retries that cannot become a storm, as the AWS SDKs' standard and adaptive modes: a retry
//! budget (a token bucket each client shares across its calls) and, in adaptive mode, a client
//! rate limiter that slows sending after throttling (CUBIC, as the AWS SDKs' `ClientRateLimiter`).

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::config::RetryBudget;

/// The tokens a client holds ([`RetryBudget`]), shared by its clones.
#[derive(Debug)]
pub(crate) struct Bucket {
    budget: RetryBudget,
    tokens: Mutex<u32>,
}

impl Bucket {
    pub(crate) fn new(budget: RetryBudget) -> Self {
        Self { budget, tokens: Mutex::new(budget.capacity) }
    }

    /// Takes the cost of a retry; `None` when the budget cannot pay for it (no retry then).
    pub(crate) fn withdraw(&self, after_timeout: bool) -> Option<u32> {
        let cost = if after_timeout { self.budget.timeout_retry_cost } else { self.budget.retry_cost };
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let left = tokens.checked_sub(cost)?;
        *tokens = left;
        Some(cost)
    }

    /// A call succeeded: it gives back what its retries cost, or the refund of a first-attempt
    /// success.
    pub(crate) fn succeeded(&self, spent: u32) {
        let refund = if spent == 0 { self.budget.success_refund } else { spent };
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        *tokens = tokens.saturating_add(refund).min(self.budget.capacity);
    }

    /// Tokens left.
    pub(crate) fn tokens(&self) -> u32 {
        *self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The AWS SDKs' adaptive client rate limiter: a token bucket filled at a rate that throttling
/// cuts (times 0.7) and successes grow back along a cubic curve, never above twice the rate the
/// client was measured sending at. Off until the first throttling answer.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    state: Mutex<Limiter>,
}

#[derive(Debug)]
struct Limiter {
    enabled: bool,
    /// Tokens per second the bucket fills at.
    fill_rate: f64,
    tokens: f64,
    last_refill: Option<Instant>,
    /// The rate at the last throttle (CUBIC's W_max), and when it came.
    last_max_rate: f64,
    last_throttle: Instant,
    /// Sends per second, measured in half-second buckets and smoothed.
    measured_rate: f64,
    bucket_start: f64,
    bucket_count: f64,
    epoch: Instant,
}

const MIN_FILL_RATE: f64 = 0.5;
const MIN_CAPACITY: f64 = 1.0;
const BETA: f64 = 0.7;
const SCALE: f64 = 0.4;
const SMOOTHING: f64 = 0.8;

impl RateLimiter {
    pub(crate) fn new() -> Self {
        let now = Instant::now();
        Self {
            state: Mutex::new(Limiter {
                enabled: false,
                fill_rate: MIN_FILL_RATE,
                tokens: 0.0,
                last_refill: None,
                last_max_rate: 0.0,
                last_throttle: now,
                measured_rate: 0.0,
                bucket_start: 0.0,
                bucket_count: 0.0,
                epoch: now,
            }),
        }
    }

    /// Waits until the client may send, when the limiter is on.
    pub(crate) async fn acquire(&self) {
        loop {
            let wait = {
                let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
                if !s.enabled {
                    return;
                }
                s.refill(Instant::now());
                if s.tokens >= 1.0 {
                    s.tokens -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - s.tokens) / s.fill_rate)
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Updates the send rate from an answer: throttled or not.
    pub(crate) fn record(&self, throttled: bool) {
        let now = Instant::now();
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.measure(now);
        let starting = throttled && !s.enabled;
        let new_rate = if throttled {
            let rate = if s.enabled { s.measured_rate.min(s.fill_rate) } else { s.measured_rate };
            s.last_max_rate = rate;
            s.last_throttle = now;
            s.enabled = true;
            rate * BETA
        } else {
            // W(t) = C (t - K)^3 + W_max, K = cbrt(W_max (1 - β) / C).
            let k = (s.last_max_rate * (1.0 - BETA) / SCALE).cbrt();
            let t = now.duration_since(s.last_throttle).as_secs_f64();
            SCALE * (t - k).powi(3) + s.last_max_rate
        };
        let capped = new_rate.min(2.0 * s.measured_rate);
        s.refill(now);
        s.fill_rate = if capped.is_finite() { capped.max(MIN_FILL_RATE) } else { MIN_FILL_RATE };
        // Switched on by this throttle: sending waits from now on, with no burst saved up.
        s.tokens = if starting { 0.0 } else { s.tokens.min(s.fill_rate.max(MIN_CAPACITY)) };
    }

    /// The fill rate now, in sends per second (`None` while the limiter is off).
    #[cfg(test)]
    fn rate(&self) -> Option<f64> {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.enabled.then_some(s.fill_rate)
    }
}

impl Limiter {
    fn refill(&mut self, now: Instant) {
        if let Some(last) = self.last_refill {
            let capacity = self.fill_rate.max(MIN_CAPACITY);
            self.tokens = (self.tokens + now.duration_since(last).as_secs_f64() * self.fill_rate).min(capacity);
        }
        self.last_refill = Some(now);
    }

    fn measure(&mut self, now: Instant) {
        let t = (now.duration_since(self.epoch).as_secs_f64() * 2.0).floor() / 2.0;
        self.bucket_count += 1.0;
        if t > self.bucket_start {
            let current = self.bucket_count / (t - self.bucket_start);
            self.measured_rate = current * SMOOTHING + self.measured_rate * (1.0 - SMOOTHING);
            self.bucket_count = 0.0;
            self.bucket_start = t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_spend_the_budget_and_successes_refill_it() {
        let bucket = Bucket::new(RetryBudget::with_capacity(22));
        assert_eq!(bucket.withdraw(false), Some(5));
        assert_eq!(bucket.withdraw(true), Some(10));
        assert_eq!(bucket.withdraw(false), Some(5));
        assert_eq!((bucket.tokens(), bucket.withdraw(false)), (2, None), "a retry the budget cannot pay is not made");
        bucket.succeeded(0);
        assert_eq!(bucket.tokens(), 3, "a first-attempt success gives one back");
        bucket.succeeded(15);
        assert_eq!(bucket.tokens(), 18, "a retried success gives back what its retries cost");
        bucket.succeeded(100);
        assert_eq!(bucket.tokens(), 22, "never above the capacity");
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_slows_sending_and_successes_bring_the_rate_back() {
        let limiter = RateLimiter::new();
        // Off until throttled: sending never waits.
        let start = Instant::now();
        for _ in 0..50 {
            limiter.acquire().await;
            limiter.record(false);
            tokio::time::advance(Duration::from_millis(50)).await;
        }
        assert_eq!(limiter.rate(), None);
        let sent_at = Instant::now();
        assert!(sent_at - start < Duration::from_secs(3), "no waits");
        // About 20 sends a second so far; a throttle cuts the fill rate to 0.7 of that.
        limiter.record(true);
        let cut = limiter.rate().unwrap();
        assert!((8.0..=16.0).contains(&cut), "{cut}");
        // Sending now waits for tokens: 20 sends take about 20 / rate seconds.
        let before = Instant::now();
        for _ in 0..20 {
            limiter.acquire().await;
        }
        let took = Instant::now() - before;
        assert!(took >= Duration::from_secs_f64(19.0 / cut * 0.9), "{took:?} at {cut}/s");
        // Throttled again and again: the rate keeps falling, to its floor.
        for _ in 0..30 {
            limiter.record(true);
            tokio::time::advance(Duration::from_millis(600)).await;
        }
        assert_eq!(limiter.rate(), Some(MIN_FILL_RATE));
        // Successes over time grow it back.
        for _ in 0..40 {
            limiter.acquire().await;
            limiter.record(false);
        }
        assert!(limiter.rate().unwrap() > MIN_FILL_RATE, "{:?}", limiter.rate());
    }
}
