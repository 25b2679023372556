//! The `reqwest-middleware` adapter in a `reqwest-middleware` + `reqwest-retry` stack against
//! local servers: one token fetch for concurrent requests, refresh and a single retry on 401,
//! retries still signed, credentials kept at their origin, streaming bodies, redacted errors.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use common::{OAuthServer, Reply, TestServer};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;
use rest_source_runtime::middleware::AuthMiddleware;
use rest_source_runtime::shared_auth as shared;
use rest_source_runtime::{
    ApiKey, BearerToken, HttpBasic, OAuth2ClientCredentials, RestClient, RetryPolicy, Secret,
};
use serde_json::json;

/// A `reqwest::Client` that is safe under a paused clock (no timers) and does not follow
/// redirects unless told.
fn http(policy: reqwest::redirect::Policy) -> reqwest::Client {
    rest_source_runtime::tls::install_crypto_provider();
    reqwest::Client::builder()
        .pool_idle_timeout(None)
        .redirect(policy)
        .build()
        .unwrap()
}

fn credentials(server: &TestServer) -> OAuth2ClientCredentials {
    OAuth2ClientCredentials::new(
        server.url("/token"),
        Secret::new("my-client"),
        Secret::new("my-secret"),
    )
}

/// `reqwest-retry` (3 retries) outside, the auth inside.
fn stack(auth: AuthMiddleware) -> ClientWithMiddleware {
    let inner = http(auth.redirect_policy());
    let auth = auth.token_client(inner.clone());
    ClientBuilder::new(inner)
        .with(RetryTransientMiddleware::new_with_policy(
            ExponentialBackoff::builder().build_with_max_retries(3),
        ))
        .with(auth)
        .build()
}

fn oauth_stack(oauth: &OAuthServer) -> ClientWithMiddleware {
    let auth = AuthMiddleware::new(&oauth.server.url("/"), credentials(&oauth.server)).unwrap();
    stack(auth)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_through_the_stack_make_exactly_one_token_request() {
    let oauth = OAuthServer::start(Some(json!(3600))).await;
    let client = oauth_stack(&oauth);
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (client, url) = (client.clone(), oauth.server.url("/api"));
            tokio::spawn(async move { client.get(url).send().await.unwrap().status().as_u16() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_eq!(oauth.token_requests(), 1);
    assert_eq!(oauth.api_requests(), 32);
    for req in oauth.server.requests_to("/api") {
        assert_eq!(req.header("authorization"), Some("Bearer tok-1"));
    }
}

#[tokio::test(start_paused = true)]
async fn a_401_refreshes_the_token_and_retries_once() {
    let oauth = OAuthServer::start(Some(json!(3600))).await;
    let client = oauth_stack(&oauth);
    let url = oauth.server.url("/api");
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    oauth.revoke(); // the API now rejects tok-1 although it has not expired
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    assert_eq!(oauth.token_requests(), 2);
    let sent: Vec<_> = oauth
        .server
        .requests_to("/api")
        .iter()
        .map(|r| r.header("authorization").unwrap().to_owned())
        .collect();
    assert_eq!(sent, ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]);
}

#[tokio::test(start_paused = true)]
async fn a_second_401_is_returned_after_exactly_two_api_requests() {
    let server = TestServer::start(|req| {
        if req.path == "/token" {
            Reply::json(200, json!({"access_token": "tok", "expires_in": 3600}))
        } else {
            Reply::unauthorized()
        }
    })
    .await;
    let client = stack(AuthMiddleware::new(&server.url("/"), credentials(&server)).unwrap());
    let response = client.get(server.url("/api")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(server.count("/api"), 2);
    assert_eq!(server.count("/token"), 2);
}

#[tokio::test(start_paused = true)]
async fn reqwest_retry_retries_a_503_and_every_attempt_is_signed() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = TestServer::start(move |req| {
        if req.path == "/token" {
            return Reply::json(200, json!({"access_token": "tok", "expires_in": 3600}));
        }
        if seen.fetch_add(1, Ordering::SeqCst) < 2 {
            Reply::json(503, json!({"message": "busy"}))
        } else {
            Reply::ok()
        }
    })
    .await;
    let client = stack(AuthMiddleware::new(&server.url("/"), credentials(&server)).unwrap());
    let response = client.get(server.url("/api")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let api = server.requests_to("/api");
    assert_eq!(api.len(), 3);
    for req in &api {
        assert_eq!(req.header("authorization"), Some("Bearer tok"));
    }
    assert_eq!(server.count("/token"), 1);
}

#[tokio::test(start_paused = true)]
async fn static_strategies_sign_as_they_do_in_the_rest_client() {
    let server = TestServer::start(|_| Reply::ok()).await;
    let base = server.url("/");
    let cases: Vec<(AuthMiddleware, &str)> = vec![
        (
            AuthMiddleware::new(&base, BearerToken::new(Secret::new("b-tok"))).unwrap(),
            "/bearer",
        ),
        (
            AuthMiddleware::new(&base, HttpBasic::new("alice", Secret::new("pw"))).unwrap(),
            "/basic",
        ),
        (
            AuthMiddleware::new(&base, ApiKey::cookie("session", Secret::new("c-key"))).unwrap(),
            "/cookie",
        ),
        (
            AuthMiddleware::new(&base, ApiKey::query("api_key", Secret::new("q-key"))).unwrap(),
            "/query",
        ),
    ];
    for (auth, path) in cases {
        stack(auth).get(server.url(path)).send().await.unwrap();
    }
    let bearer = &server.requests_to("/bearer")[0];
    assert_eq!(bearer.header("authorization"), Some("Bearer b-tok"));
    let basic = &server.requests_to("/basic")[0];
    assert_eq!(basic.header("authorization"), Some("Basic YWxpY2U6cHc="));
    let cookie = &server.requests_to("/cookie")[0];
    assert_eq!(cookie.header("cookie"), Some("session=c-key"));
    let query = &server.requests_to("/query")[0];
    assert_eq!(query.query.as_deref(), Some("api_key=q-key"));
}

#[tokio::test(start_paused = true)]
async fn a_shared_auth_gives_the_rest_client_and_the_middleware_one_token_cache() {
    let oauth = OAuthServer::start(Some(json!(3600))).await;
    let auth = shared(credentials(&oauth.server));
    let rest = RestClient::builder(oauth.server.url("/"))
        .shared_auth(auth.clone())
        .no_timeout()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    let middleware = stack(AuthMiddleware::shared(&oauth.server.url("/"), auth).unwrap());
    rest.get("api").await.unwrap();
    middleware
        .get(oauth.server.url("/api"))
        .send()
        .await
        .unwrap();
    assert_eq!(oauth.token_requests(), 1);
    assert_eq!(oauth.api_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn requests_to_another_origin_are_not_signed() {
    let api = TestServer::start(|_| Reply::ok()).await;
    let other = TestServer::start(|_| Reply::ok()).await;
    let auth = AuthMiddleware::new(
        &api.url("/v1"),
        ApiKey::header("X-API-Key", Secret::new("key-value-1")),
    )
    .unwrap();
    let client = stack(auth);
    client.get(api.url("/v1/items")).send().await.unwrap();
    client.get(other.url("/items")).send().await.unwrap();
    // `localhost` is another origin than `127.0.0.1`, even on the same port.
    let same_port_other_host = api.url("/v1/items").replace("127.0.0.1", "localhost");
    client.get(same_port_other_host).send().await.unwrap();

    let to_api = api.requests();
    assert_eq!(to_api.len(), 2);
    assert_eq!(to_api[0].header("x-api-key"), Some("key-value-1"));
    assert_eq!(to_api[1].header("x-api-key"), None);
    assert_eq!(other.requests()[0].header("x-api-key"), None);
}

#[tokio::test(start_paused = true)]
async fn a_redirect_to_another_origin_is_refused_and_the_key_never_arrives_there() {
    let other = TestServer::start(|_| Reply::ok()).await;
    let target = other.url("/landing");
    let api = TestServer::start(move |_| {
        Reply::text(302, "text/plain", "moved").with_header("location", target.clone())
    })
    .await;
    let auth = AuthMiddleware::new(
        &api.url("/"),
        ApiKey::header("X-API-Key", Secret::new("key-value-2")),
    )
    .unwrap();
    let client = stack(auth);
    let err = client.get(api.url("/items")).send().await.unwrap_err();
    let chain = error_chain(&err);
    assert!(chain.contains("refused a redirect to"), "{chain}");
    assert!(chain.contains(&other.url("/landing")), "{chain}");
    assert_eq!(api.count("/items"), 1);
    assert!(other.requests().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_same_origin_redirect_is_followed() {
    let api = TestServer::start(|req| {
        if req.path == "/old" {
            Reply::text(301, "text/plain", "moved").with_header("location", "/new")
        } else {
            Reply::ok()
        }
    })
    .await;
    let auth =
        AuthMiddleware::new(&api.url("/"), ApiKey::header("X-API-Key", Secret::new("k"))).unwrap();
    let client = stack(auth);
    let response = client.get(api.url("/old")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(api.requests_to("/new")[0].header("x-api-key"), Some("k"));
}

#[tokio::test(start_paused = true)]
async fn a_streaming_body_rejected_with_401_is_returned_not_resent() {
    let oauth = OAuthServer::start(Some(json!(3600))).await;
    // Without reqwest-retry, which refuses a request it cannot clone.
    let auth = AuthMiddleware::new(&oauth.server.url("/"), credentials(&oauth.server)).unwrap();
    let client = ClientBuilder::new(http(auth.redirect_policy()))
        .with(auth)
        .build();
    let url = oauth.server.url("/api");
    client.get(&url).send().await.unwrap();
    oauth.revoke();
    let body = reqwest::Body::wrap(http_body_util::Full::new(Bytes::from_static(b"{}")));
    let response = client.post(&url).body(body).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(oauth.api_requests(), 2);
    // The rejected token was dropped: the next request fetches a new one and succeeds.
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    assert_eq!(oauth.token_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_rejected_client_secret_is_a_middleware_error_without_the_secret() {
    let server = TestServer::start(|req| {
        if req.path == "/token" {
            Reply::json(401, json!({"error": "invalid_client"}))
        } else {
            Reply::ok()
        }
    })
    .await;
    let client = stack(AuthMiddleware::new(&server.url("/"), credentials(&server)).unwrap());
    let err = client.get(server.url("/api")).send().await.unwrap_err();
    assert!(
        matches!(err, reqwest_middleware::Error::Middleware(_)),
        "{err:?}"
    );
    let chain = error_chain(&err);
    assert!(chain.contains("invalid_client"), "{chain}");
    assert!(!chain.contains("my-secret"), "{chain}");
    assert!(!format!("{err:?}").contains("my-secret"));
    assert_eq!(server.count("/token"), 1);
    assert_eq!(server.count("/api"), 0);
}

#[tokio::test(start_paused = true)]
async fn transient_token_endpoint_failures_are_retried_before_the_request() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = TestServer::start(move |req| {
        if req.path != "/token" {
            return Reply::ok();
        }
        if seen.fetch_add(1, Ordering::SeqCst) < 2 {
            Reply::json(503, json!({"message": "busy"}))
        } else {
            Reply::json(200, json!({"access_token": "tok", "expires_in": 3600}))
        }
    })
    .await;
    let auth = AuthMiddleware::new(&server.url("/"), credentials(&server))
        .unwrap()
        .retry(RetryPolicy::default());
    let client = stack(auth);
    assert_eq!(
        client
            .get(server.url("/api"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(server.count("/token"), 3);
    assert_eq!(server.count("/api"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_query_key_is_redacted_from_transport_errors() {
    let (_held, addr) = common::refused_port();
    let base = format!("http://{addr}");
    let auth =
        AuthMiddleware::new(&base, ApiKey::query("sig_key", Secret::new("q-secret-3"))).unwrap();
    let client = ClientBuilder::new(http(auth.redirect_policy()))
        .with(auth)
        .build();
    let err = client
        .get(format!("{base}/items"))
        .send()
        .await
        .unwrap_err();
    let text = format!("{} {:?} {}", err, err, error_chain(&err));
    assert!(err.is_connect(), "{text}");
    assert!(!text.contains("q-secret-3"), "{text}");
    assert!(text.contains("sig_key=[REDACTED]") || text.contains("sig_key=%5BREDACTED%5D"));
}

#[test]
fn a_base_url_that_is_not_http_is_a_config_error() {
    let err = AuthMiddleware::new("ftp://files.example.com", ApiKey::new(Secret::new("k")))
        .unwrap_err()
        .to_string();
    assert!(err.contains("must start with http:// or https://"), "{err}");
    let err = AuthMiddleware::new("api.example.com", ApiKey::new(Secret::new("k")))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a valid absolute URL"), "{err}");
}

#[test]
fn debug_shows_the_scheme_and_origin_not_the_secret() {
    let auth = AuthMiddleware::new(
        "https://api.example.com/v1",
        ApiKey::header("X-API-Key", Secret::new("dbg-secret-4")),
    )
    .unwrap();
    let debug = format!("{auth:?}");
    assert!(debug.contains("api_key") && debug.contains("https://api.example.com"));
    assert!(!debug.contains("dbg-secret-4"), "{debug}");
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(" | ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
