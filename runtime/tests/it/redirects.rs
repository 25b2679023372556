//! Credentials stay at their origin: redirects between two loopback origins
//! (`127.0.0.1:PORT` and `localhost:PORT` are different origins, served here by one server),
//! asserting what arrives at each.

use crate::common;

use std::sync::{Arc, Mutex};

use common::{Reply, TestServer, client};
use rest_source_runtime::{ApiKey, Error, RestClient, RetryPolicy, Secret};
use serde_json::json;

const KEY: &str = "k-3f9a1c";

/// A server whose `/start` answers `status` with `Location: <target>` (the target may name
/// the other origin); every other path answers 200.
async fn redirecting(
    status: u16,
    target: impl Fn(&TestServer, &str) -> String + Send + Sync + 'static,
) -> TestServer {
    let me: Arc<Mutex<Option<TestServer>>> = Arc::new(Mutex::new(None));
    let seen = me.clone();
    let server = TestServer::start(move |req| {
        if req.path == "/start" {
            let server = seen.lock().unwrap().clone().unwrap();
            let query = req.query.as_deref().unwrap_or("");
            Reply::text(status, "text/plain", "moved")
                .with_header("location", target(&server, query))
        } else {
            Reply::ok()
        }
    })
    .await;
    *me.lock().unwrap() = Some(server.clone());
    server
}

/// `path` on the other origin: the same server reached as `localhost`.
fn other_origin(server: &TestServer, path: &str) -> String {
    server.url(path).replace("127.0.0.1", "localhost")
}

fn landing(server: &TestServer) -> common::Recorded {
    let hits = server.requests_to("/landing");
    assert_eq!(hits.len(), 1, "{hits:?}");
    hits.into_iter().next().unwrap()
}

#[tokio::test]
async fn header_key_is_not_sent_to_another_origin() {
    let server = redirecting(302, |s, _| other_origin(s, "/landing")).await;
    let c = client(&server, ApiKey::header("X-API-Key", Secret::new(KEY)));
    c.get("start").await.unwrap();
    assert_eq!(
        server.requests_to("/start")[0].header("x-api-key"),
        Some(KEY)
    );
    let hit = landing(&server);
    assert_eq!(
        hit.header("host").unwrap().split(':').next(),
        Some("localhost")
    );
    assert_eq!(hit.header("x-api-key"), None, "{hit:?}");
    assert_eq!(hit.header("referer"), None);
}

#[tokio::test]
async fn query_key_is_removed_from_a_target_that_echoes_it_and_no_referer_is_sent() {
    // The server keeps the query string on the redirect, as many do.
    let server = redirecting(301, |s, q| format!("{}?{q}", other_origin(s, "/landing"))).await;
    let c = client(&server, ApiKey::query("api_key", Secret::new(KEY)));
    c.get("start").query(&[("page", "2")]).await.unwrap();
    assert_eq!(
        server.requests_to("/start")[0].query_pairs()["api_key"],
        KEY
    );
    let hit = landing(&server);
    assert_eq!(hit.query.as_deref(), Some("page=2"));
    assert_eq!(hit.header("referer"), None);
    assert!(!format!("{:?}", hit.headers).contains(KEY));
}

#[tokio::test]
async fn cookie_key_is_not_sent_to_another_origin() {
    let server = redirecting(307, |s, _| other_origin(s, "/landing")).await;
    let c = client(&server, ApiKey::cookie("sid", Secret::new(KEY)));
    c.get("start").await.unwrap();
    assert!(
        server.requests_to("/start")[0]
            .header("cookie")
            .unwrap()
            .contains(KEY)
    );
    assert_eq!(landing(&server).header("cookie"), None);
}

#[tokio::test]
async fn body_key_is_not_sent_to_another_origin_on_a_307() {
    let server = redirecting(307, |s, _| other_origin(s, "/landing")).await;
    let c = client(&server, ApiKey::body("api_key", Secret::new(KEY)));
    c.post("start").json(&json!({"q": 1})).await.unwrap();
    let first: serde_json::Value =
        serde_json::from_slice(&server.requests_to("/start")[0].body).unwrap();
    assert_eq!(first, json!({"q": 1, "api_key": KEY}));
    // 307 keeps the method and the body — the caller's body, without the key.
    let hit = landing(&server);
    assert_eq!(hit.method, "POST");
    let body: serde_json::Value = serde_json::from_slice(&hit.body).unwrap();
    assert_eq!(body, json!({"q": 1}));
}

#[tokio::test]
async fn secret_default_headers_are_not_sent_to_another_origin_but_plain_ones_are() {
    let server = redirecting(302, |s, _| other_origin(s, "/landing")).await;
    let c = RestClient::builder(server.url("/"))
        .secret_header("X-Tenant-Key", Secret::new(KEY))
        .header("X-Trace", "t-1")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    c.get("start").await.unwrap();
    let hit = landing(&server);
    assert_eq!(hit.header("x-tenant-key"), None);
    assert_eq!(hit.header("x-trace"), Some("t-1"));
}

#[tokio::test]
async fn same_origin_redirect_is_signed_again() {
    let server = redirecting(302, |s, q| format!("{}?{q}", s.url("/landing"))).await;
    let c = client(&server, ApiKey::query("api_key", Secret::new(KEY)));
    c.get("start").query(&[("page", "2")]).await.unwrap();
    let hit = landing(&server);
    // Once: the echoed key is dropped and the request signed again.
    assert_eq!(
        hit.query.as_deref(),
        Some(&*format!("page=2&api_key={KEY}"))
    );
}

#[tokio::test]
async fn same_origin_redirect_keeps_a_header_key_and_a_303_becomes_a_get() {
    let server = redirecting(303, |s, _| s.url("/landing")).await;
    let c = client(&server, ApiKey::header("X-API-Key", Secret::new(KEY)));
    c.post("start").json(&json!({"q": 1})).await.unwrap();
    let hit = landing(&server);
    assert_eq!(hit.method, "GET");
    assert!(hit.body.is_empty());
    assert_eq!(hit.header("content-type"), None);
    assert_eq!(hit.header("x-api-key"), Some(KEY));
}

#[tokio::test]
async fn a_401_at_another_origin_says_credentials_are_not_forwarded() {
    let me: Arc<Mutex<Option<TestServer>>> = Arc::new(Mutex::new(None));
    let seen = me.clone();
    let server = TestServer::start(move |req| {
        let server = seen.lock().unwrap().clone().unwrap();
        match req.path.as_str() {
            "/start" => Reply::text(302, "text/plain", "")
                .with_header("location", other_origin(&server, "/landing")),
            _ => Reply::unauthorized(),
        }
    })
    .await;
    *me.lock().unwrap() = Some(server.clone());
    let c = client(&server, ApiKey::header("X-API-Key", Secret::new(KEY)));
    let err = c.get("start").await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(
        text.contains("another origin") && text.contains("localhost"),
        "{text}"
    );
    assert!(!text.contains(KEY), "{text}");
    assert_eq!(server.count("/start"), 1);
}

#[tokio::test]
async fn a_redirect_loop_ends_with_an_error_naming_the_limit() {
    let server = redirecting(302, |s, _| s.url("/start")).await;
    let c = RestClient::builder(server.url("/"))
        .max_redirects(3)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = c.get("start").await.unwrap_err();
    assert!(matches!(err, Error::Redirect { .. }), "{err:?}");
    assert!(err.to_string().contains("more than 3 redirects"), "{err}");
    assert_eq!(server.count("/start"), 4);
}

#[tokio::test]
async fn an_http_link_from_an_https_client_is_refused_before_sending() {
    let server = TestServer::start(|_| Reply::ok()).await;
    let c = RestClient::builder("https://127.0.0.1:1/api/")
        .auth(ApiKey::query("api_key", Secret::new(KEY)))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = c.get(&server.url("/next?api_key=x")).await.unwrap_err();
    assert!(matches!(err, Error::Downgrade { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("plain http") && !text.contains("api_key=x"),
        "{text}"
    );
    assert_eq!(server.requests().len(), 0);
}
