//! Token endpoints and session logins are retried like API requests — `Retry-After`
//! honoured, the backoff floor kept for a `Retry-After` in the past — and the requests
//! waiting on one token fetch share its failure. Paused clock: waits are virtual time.

use crate::common;

use std::error::Error as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Reply, TestServer, client_with_retry};
use rest_source_runtime::{Error, OAuth2ClientCredentials, RetryPolicy, Secret, SessionToken};
use serde_json::json;
use tokio::time::Instant;

fn credentials(server: &TestServer) -> OAuth2ClientCredentials {
    OAuth2ClientCredentials::new(
        server.url("/token"),
        Secret::new("my-client"),
        Secret::new("my-secret"),
    )
}

fn token() -> Reply {
    Reply::json(200, json!({"access_token": "tok", "expires_in": 3600}))
}

/// `/token` (or `/login`) answers `first` to its first `n` requests and a token after.
async fn flaky_token_endpoint(
    n: usize,
    first: impl Fn() -> Reply + Send + Sync + 'static,
) -> TestServer {
    let calls = AtomicUsize::new(0);
    TestServer::start(move |req| match req.path.as_str() {
        "/token" | "/login" if calls.fetch_add(1, Ordering::SeqCst) < n => first(),
        "/token" => token(),
        "/login" => Reply::json(200, json!({"token": "s-1"})),
        _ => Reply::ok(),
    })
    .await
}

#[tokio::test(start_paused = true)]
async fn failing_token_endpoint_sees_one_request_per_refresh_not_one_per_waiting_request() {
    let server = TestServer::start(|req| match req.path.as_str() {
        "/token" => Reply::text(503, "text/html", "<h1>down</h1>"),
        _ => Reply::ok(),
    })
    .await;
    let retry = RetryPolicy {
        max_retries: 2,
        ..RetryPolicy::default()
    };
    let c = client_with_retry(&server, credentials(&server), retry);
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get("api").await })
        })
        .collect();
    for t in tasks {
        let err = t.await.unwrap().unwrap_err();
        assert!(
            matches!(err, Error::RetriesExhausted { attempts: 3, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("HTTP 503"), "{err}");
    }
    // One refresh: the first attempt and its two retries, shared by all 40 requests.
    assert_eq!(server.count("/token"), 3);
    assert_eq!(server.count("/api"), 0);
}

#[tokio::test(start_paused = true)]
async fn token_endpoint_retry_after_is_honoured_exactly() {
    let server = flaky_token_endpoint(1, || {
        Reply::json(429, json!({"error": "slow_down"})).with_header("retry-after", "2")
    })
    .await;
    let c = client_with_retry(&server, credentials(&server), RetryPolicy::default());
    let start = Instant::now();
    c.get("api").await.unwrap();
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_millis(2050),
        "{waited:?}"
    );
    assert_eq!(server.count("/token"), 2);
    assert_eq!(server.count("/api"), 1);
}

#[tokio::test(start_paused = true)]
async fn session_login_retry_after_is_honoured_exactly() {
    let server = flaky_token_endpoint(1, || {
        Reply::text(503, "text/plain", "busy").with_header("retry-after", "3")
    })
    .await;
    let auth = SessionToken::new(server.url("/login")).credential("user", "bot");
    let c = client_with_retry(&server, auth, RetryPolicy::default());
    let start = Instant::now();
    c.get("api").await.unwrap();
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_millis(3050),
        "{waited:?}"
    );
    assert_eq!(server.count("/login"), 2);
}

#[tokio::test(start_paused = true)]
async fn token_endpoint_retry_after_in_the_past_keeps_the_backoff_floor() {
    let past = "Wed, 21 Oct 2015 07:28:00 GMT";
    let server = flaky_token_endpoint(3, move || {
        Reply::text(503, "text/plain", "busy").with_header("retry-after", past)
    })
    .await;
    let c = client_with_retry(&server, credentials(&server), RetryPolicy::default());
    let start = Instant::now();
    c.get("api").await.unwrap();
    // Backoffs 0.5, 1 and 2 s, each jittered to at least half: at least 1.75 s, not 3
    // retries within milliseconds.
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(1750), "{waited:?}");
    assert_eq!(server.count("/token"), 4);
}

#[tokio::test(start_paused = true)]
async fn api_retry_after_zero_keeps_the_backoff_floor() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = TestServer::start(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) < 3 {
            Reply::text(429, "text/plain", "").with_header("retry-after", "0")
        } else {
            Reply::ok()
        }
    })
    .await;
    let c = client_with_retry(&server, rest_source_runtime::NoAuth, RetryPolicy::default());
    let start = Instant::now();
    c.get("x").await.unwrap();
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(1750), "{waited:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test(start_paused = true)]
async fn exhausted_token_retries_keep_the_last_failure_as_source() {
    let server = TestServer::start(|req| match req.path.as_str() {
        "/token" => Reply::text(502, "text/html", "<h1>Bad gateway</h1>"),
        _ => Reply::ok(),
    })
    .await;
    let retry = RetryPolicy {
        max_retries: 1,
        ..RetryPolicy::default()
    };
    let c = client_with_retry(&server, credentials(&server), retry);
    let err = c.get("api").await.unwrap_err();
    let last = err
        .source()
        .expect("RetriesExhausted has the last failure as source");
    assert!(last.to_string().contains("HTTP 502"), "{last}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
}
