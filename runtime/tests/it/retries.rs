//! Retries in `RestClient::execute`, against a local server under tokio's paused clock: the
//! waits asserted below are virtual time, measured with `tokio::time::Instant`.

use crate::common;
use crate::page_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use page_server::{Reply, TestServer};
use rest_source_runtime::reqwest::Request;
use rest_source_runtime::reqwest::header::HeaderValue;
use rest_source_runtime::{Auth, AuthContext, Error, RestClient, RetryPolicy};
use serde_json::json;
use tokio::time::Instant;

/// A server that answers with `script[i]` to the i-th request and 200 afterwards.
async fn scripted(script: Vec<Reply>) -> TestServer {
    let n = AtomicU32::new(0);
    TestServer::start(move |_| {
        let i = n.fetch_add(1, Ordering::SeqCst) as usize;
        script
            .get(i)
            .cloned()
            .unwrap_or_else(|| Reply::json(json!({"ok": true})))
    })
    .await
}

/// A client whose only timers are the retry waits (see COMMON.md on paused clocks).
fn client(server: &TestServer, policy: RetryPolicy) -> RestClient {
    server.client_builder().retry(policy).build().unwrap()
}

#[tokio::test(start_paused = true)]
async fn retries_503_then_succeeds() {
    let server = scripted(vec![Reply::status(503)]).await;
    let c = client(&server, RetryPolicy::default());
    let body: serde_json::Value = c.get("x").await.unwrap().json().await.unwrap();
    assert_eq!(body, json!({"ok": true}));
    assert_eq!(server.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn waits_for_retry_after_seconds() {
    let server = scripted(vec![Reply::status(429).header("retry-after", "3")]).await;
    let c = client(&server, RetryPolicy::default());
    let start = Instant::now();
    c.get("x").await.unwrap();
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_millis(3100),
        "{waited:?}"
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn waits_for_retry_after_http_date_measured_from_the_server_date() {
    // The server's clock is an hour off ours: only its own `Date` gives the right wait.
    let server_now = SystemTime::now() - Duration::from_secs(3600);
    let server = scripted(vec![
        Reply::status(429)
            .header("date", &httpdate::fmt_http_date(server_now))
            .header(
                "retry-after",
                &httpdate::fmt_http_date(server_now + Duration::from_secs(7)),
            ),
    ])
    .await;
    let c = client(&server, RetryPolicy::default());
    let start = Instant::now();
    c.get("x").await.unwrap();
    let waited = start.elapsed();
    // HTTP dates have whole seconds; both were formatted from one instant, so exactly 7 s.
    assert!(
        waited >= Duration::from_secs(7) && waited < Duration::from_millis(7100),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn waits_for_retry_after_http_date_without_a_date_header() {
    let when = SystemTime::now() + Duration::from_secs(60);
    let server = scripted(vec![
        Reply::status(503).header("retry-after", &httpdate::fmt_http_date(when)),
    ])
    .await;
    let c = client(&server, RetryPolicy::default());
    let start = Instant::now();
    c.get("x").await.unwrap();
    let waited = start.elapsed();
    // Measured from our wall clock, which keeps running while the test runs (a loaded
    // machine may take seconds), and HTTP dates have whole seconds: allow 10 s of slack.
    assert!(
        waited >= Duration::from_secs(50) && waited <= Duration::from_secs(60),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_zero_is_now_but_keeps_the_backoff_floor() {
    let server = scripted(vec![Reply::status(429).header("retry-after", "0")]).await;
    let c = client(&server, RetryPolicy::default());
    let start = Instant::now();
    c.get("x").await.unwrap();
    // The first backoff: 500 ms jittered to between 250 and 500 ms, not a busy loop.
    assert!(
        start.elapsed() >= Duration::from_millis(250)
            && start.elapsed() <= Duration::from_millis(500),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_absurd_retry_after_fails_fast() {
    for value in ["86400", "99999999999999999999999"] {
        let server = scripted(vec![Reply::status(429).header("retry-after", value)]).await;
        let c = client(&server, RetryPolicy::default());
        let start = Instant::now();
        let err = c.get("x?api_key=hidden").await.unwrap_err();
        assert_eq!(start.elapsed(), Duration::ZERO, "{value}");
        let Error::RetryAfterTooLong {
            retry_after,
            max,
            url,
            ..
        } = &err
        else {
            panic!("expected RetryAfterTooLong, got {err:?}");
        };
        assert!(*retry_after >= Duration::from_secs(86400));
        assert_eq!(*max, RetryPolicy::default().max_retry_after);
        assert!(
            !url.contains("hidden") && !err.to_string().contains("hidden"),
            "{err}"
        );
        assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
        assert_eq!(server.count(), 1);
    }
}

#[tokio::test(start_paused = true)]
async fn attempts_are_bounded() {
    let server = TestServer::start(|_| Reply::status(502)).await;
    let policy = RetryPolicy {
        max_retries: 3,
        ..RetryPolicy::default()
    };
    let err = client(&server, policy).get("x").await.unwrap_err();
    let Error::RetriesExhausted { attempts, last, .. } = &err else {
        panic!("expected RetriesExhausted, got {err:?}");
    };
    assert_eq!(*attempts, 4);
    assert_eq!(last.status().map(|s| s.as_u16()), Some(502));
    assert!(
        err.to_string().contains("gave up after 4 attempts"),
        "{err}"
    );
    assert_eq!(server.count(), 4);
}

#[tokio::test(start_paused = true)]
async fn the_overall_deadline_is_respected() {
    let server = TestServer::start(|_| Reply::status(503).header("retry-after", "10")).await;
    let policy = RetryPolicy {
        max_retries: 100,
        deadline: Duration::from_secs(25),
        ..RetryPolicy::default()
    };
    let start = Instant::now();
    let err = client(&server, policy).get("x").await.unwrap_err();
    // Attempts at 0 s, 10 s and 20 s; a fourth would start at 30 s, past the deadline.
    let Error::RetriesExhausted {
        attempts, elapsed, ..
    } = &err
    else {
        panic!("expected RetriesExhausted, got {err:?}");
    };
    assert_eq!(*attempts, 3);
    assert!(*elapsed <= Duration::from_secs(25), "{elapsed:?}");
    assert!(start.elapsed() <= Duration::from_secs(25));
    assert_eq!(server.count(), 3);
}

#[tokio::test(start_paused = true)]
async fn post_is_not_retried_on_503_by_default() {
    let server = TestServer::start(|_| Reply::status(503)).await;
    let c = client(&server, RetryPolicy::default());
    let err = c.post("x").json(&json!({"a": 1})).send().await.unwrap_err();
    assert!(matches!(err, Error::Status { .. }), "{err:?}");
    assert_eq!(server.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn post_marked_idempotent_is_retried_with_its_body() {
    let server = scripted(vec![Reply::status(503)]).await;
    let c = client(&server, RetryPolicy::default());
    c.post("x")
        .json(&json!({"a": 1}))
        .idempotent(true)
        .send()
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].body, r#"{"a":1}"#);
}

#[tokio::test(start_paused = true)]
async fn non_retryable_statuses_fail_at_once() {
    let server = TestServer::start(|_| Reply::status(404)).await;
    let err = client(&server, RetryPolicy::default())
        .get("x")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status { .. }), "{err:?}");
    assert_eq!(server.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn connect_errors_are_retried() {
    let (_held, addr) = common::refused_port();
    let port = addr.port();
    let c = RestClient::builder(format!("http://127.0.0.1:{port}"))
        .no_timeout()
        .pool_idle_timeout(None)
        .retry(RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let err = c.get("x").await.unwrap_err();
    let Error::RetriesExhausted { attempts, last, .. } = &err else {
        panic!("expected RetriesExhausted, got {err:?}");
    };
    assert_eq!(*attempts, 3);
    assert!(matches!(**last, Error::Transport { .. }), "{last:?}");
}

/// Signs each attempt with a fresh number and counts signatures.
struct CountingAuth(Arc<AtomicU32>);

impl Auth for CountingAuth {
    async fn sign(
        &self,
        request: &mut Request,
        _cx: &AuthContext,
    ) -> rest_source_runtime::Result<()> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        request.headers_mut().insert(
            "x-signature",
            HeaderValue::from_str(&n.to_string()).unwrap(),
        );
        Ok(())
    }
    fn scheme(&self) -> &'static str {
        "counting"
    }
}

#[tokio::test(start_paused = true)]
async fn every_retry_is_signed_again() {
    let server = scripted(vec![Reply::status(503), Reply::status(429)]).await;
    let signs = Arc::new(AtomicU32::new(0));
    let c = server
        .client_builder()
        .auth(CountingAuth(signs.clone()))
        .build()
        .unwrap();
    c.get("x").await.unwrap();
    assert_eq!(signs.load(Ordering::SeqCst), 3);
    let seen: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.header("x-signature").unwrap().to_owned())
        .collect();
    assert_eq!(seen, ["1", "2", "3"]);
}

#[tokio::test(start_paused = true)]
async fn paginated_resources_retry_their_pages() {
    use rest_source_runtime::Resource;
    use rest_source_runtime::spec::{PaginatorSpec, ResourceSpec};
    let n = AtomicU32::new(0);
    let server = TestServer::start(move |r| {
        // Every page fails once with 503 before it is served.
        if n.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
            return Reply::status(503);
        }
        let page: u64 = r.q("page").unwrap().parse().unwrap();
        Reply::json(if page < 3 {
            json!([{"id": page}])
        } else {
            json!([])
        })
    })
    .await;
    let r: Resource<serde_json::Value> = Resource::new(
        server.client(),
        ResourceSpec::new("r", "r").paginator(PaginatorSpec::page_number()),
    )
    .unwrap();
    assert_eq!(r.collect().await.unwrap().len(), 3);
    assert_eq!(server.count(), 8);
}

#[tokio::test(start_paused = true)]
async fn a_page_body_cut_off_mid_stream_is_fetched_again() {
    use rest_source_runtime::Resource;
    use rest_source_runtime::spec::{PaginatorSpec, ResourceSpec};
    let n = AtomicU32::new(0);
    let server = TestServer::start(move |_| {
        let reply = Reply::json(json!({"data": [{"id": 1}, {"id": 2}], "pad": "x".repeat(64)}));
        if n.fetch_add(1, Ordering::SeqCst) == 0 {
            reply.truncated()
        } else {
            reply
        }
    })
    .await;
    let r: Resource<serde_json::Value> = Resource::new(
        server.client(),
        ResourceSpec::new("r", "r")
            .data_selector("data")
            .paginator(PaginatorSpec::single_page()),
    )
    .unwrap();
    assert_eq!(r.collect().await.unwrap().len(), 2);
    assert_eq!(server.count(), 2);
}
