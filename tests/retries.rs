//! Retries that cannot become a storm, against the emulator's faults (`--fault-rate`): the retry
//! budget gives a failing service fewer retries instead of more, and adaptive mode slows the
//! send rate after throttling.

use std::time::{Duration, Instant};

use acs_emulator::{FaultKind, Faults};
use acs_runtime::{Client, Config, Credentials, RetryBudget, RetryMode, RetryPolicy};
use acs_swas_open::attach_key_pair::AttachKeyPairRequest;
use acs_tests::emu;

fn always(kind: FaultKind) -> Option<Faults> {
    Some(Faults { rate: 1.0, seed: 1, delay: Duration::from_millis(10), kinds: vec![kind] })
}

fn requests(emulator: &acs_emulator::Emulator) -> u64 {
    emulator.state()["requests"].as_u64().unwrap()
}

fn config(url: &str) -> Config {
    Config::new().endpoint(url).credentials(Credentials::new("testid", "testsecret")).retry(RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    })
}

async fn attach(client: &Client) -> acs_runtime::Error {
    client.call(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test"), &Default::default()).await.unwrap_err()
}

#[tokio::test]
async fn a_failing_service_gets_fewer_retries_as_the_budget_runs_out() {
    let (emulator, running) = emu::start(emu::state(2), always(FaultKind::Unavailable)).await;
    // 20 tokens at 5 a retry: two calls retried twice each, then none.
    let client = Client::new(&acs_swas_open::SERVICE, config(&running.url).retry_budget(Some(RetryBudget::with_capacity(20)))).unwrap();
    let mut sent = Vec::new();
    for _ in 0..4 {
        let before = requests(&emulator);
        let err = attach(&client).await;
        assert_eq!(err.service_error().map(|e| e.code.as_str()), Some("ServiceUnavailable"), "{err}");
        sent.push(requests(&emulator) - before);
    }
    assert_eq!(sent, [3, 3, 1, 1], "attempts per call");
    assert_eq!(client.retry_tokens(), Some(0));
    // Clones share the budget: a clone makes no retry either.
    let clone = client.clone();
    let before = requests(&emulator);
    attach(&clone).await;
    assert_eq!(requests(&emulator) - before, 1);

    // Without a budget, every call retries to the policy's limit: the storm the budget prevents.
    let unbudgeted = Client::new(&acs_swas_open::SERVICE, config(&running.url).retry_budget(None)).unwrap();
    let before = requests(&emulator);
    for _ in 0..4 {
        attach(&unbudgeted).await;
    }
    assert_eq!(requests(&emulator) - before, 12);
    assert_eq!(unbudgeted.retry_tokens(), None);
}

#[tokio::test]
async fn successes_refill_the_budget() {
    let (_emulator, running) = emu::start(emu::state(2), None).await;
    let client = Client::new(&acs_swas_open::SERVICE, config(&running.url).retry_budget(Some(RetryBudget::with_capacity(20)))).unwrap();
    assert_eq!(client.retry_tokens(), Some(20));
    client.call(AttachKeyPairRequest::new("cn-hangzhou", ["i-1"], "test"), &Default::default()).await.unwrap();
    assert_eq!(client.retry_tokens(), Some(20), "never above the capacity");
}

#[tokio::test]
async fn adaptive_mode_slows_sending_after_throttling() {
    let (emulator, running) = emu::start(emu::state(2), always(FaultKind::Throttling)).await;
    let once = |mode| config(&running.url).retry(RetryPolicy::none()).retry_mode(mode);
    let standard = Client::new(&acs_swas_open::SERVICE, once(RetryMode::Standard)).unwrap();
    let start = Instant::now();
    for _ in 0..3 {
        assert!(attach(&standard).await.service_error().is_some_and(|e| e.code == "Throttling.User"));
    }
    let standard_took = start.elapsed();

    let adaptive = Client::new(&acs_swas_open::SERVICE, once(RetryMode::Adaptive)).unwrap();
    let before = requests(&emulator);
    let start = Instant::now();
    for _ in 0..3 {
        attach(&adaptive).await;
    }
    let adaptive_took = start.elapsed();
    assert_eq!(requests(&emulator) - before, 3, "slowed, not dropped");
    // After the first throttle the client sends at its floor of one call every 2 s.
    assert!(adaptive_took >= Duration::from_millis(3500), "adaptive: {adaptive_took:?}");
    assert!(standard_took < Duration::from_secs(2), "standard: {standard_took:?}");
}
