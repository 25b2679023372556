//! OAuth2 against a real HTTP server on 127.0.0.1: token caching, refresh before expiry,
//! single flight, 401 handling, token-response parsing, client auth on the wire, and a
//! custom grant built on `OAuth2Flow`.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{OAuthServer, Reply, TestServer, client, client_with_retry};
use rest_source_runtime::TokenResponse;
use rest_source_runtime::reqwest::{Method, Request};
use rest_source_runtime::{
    AccessToken, Auth, AuthContext, ClientAuth, Error, OAuth2, OAuth2ClientCredentials, OAuth2Flow,
    Result, RetryPolicy, Secret,
};
use serde_json::json;

fn credentials(server: &TestServer) -> OAuth2ClientCredentials {
    OAuth2ClientCredentials::new(
        server.url("/token"),
        Secret::new("my-client"),
        Secret::new("my-secret"),
    )
}

async fn advance(secs: f64) {
    tokio::time::advance(Duration::from_secs_f64(secs)).await;
}

// ---------------------------------------------------------------- caching and refresh

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_make_exactly_one_token_request() {
    let oauth = OAuthServer::start(Some(json!(3600))).await;
    let c = client(&oauth.server, credentials(&oauth.server));
    let tasks: Vec<_> = (0..48)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get("api").await.map(|r| r.status().as_u16()) })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 200);
    }
    assert_eq!(oauth.token_requests(), 1);
    assert_eq!(oauth.api_requests(), 48);
    assert_eq!(oauth.rejected(), 0);
    for req in oauth.server.requests_to("/api") {
        assert_eq!(req.header("authorization"), Some("Bearer tok-1"));
    }
}

#[tokio::test(start_paused = true)]
async fn token_is_fetched_lazily_on_the_first_request() {
    let oauth = OAuthServer::start(Some(json!(3600))).await;
    let c = client(&oauth.server, credentials(&oauth.server));
    assert_eq!(
        oauth.token_requests(),
        0,
        "building a client fetches nothing"
    );
    c.get("api").await.unwrap();
    c.get("api").await.unwrap();
    assert_eq!(oauth.token_requests(), 1);
}

#[tokio::test(start_paused = true)]
async fn refreshes_before_expiry_at_the_leeway_point_not_earlier() {
    // expires_in = 60 s → leeway min(60 s, 60 s / 10) = 6 s → refresh due at 54 s.
    let oauth = OAuthServer::start(Some(json!(60))).await;
    let c = client(&oauth.server, credentials(&oauth.server));
    c.get("api").await.unwrap();
    advance(53.5).await;
    c.get("api").await.unwrap();
    assert_eq!(
        oauth.token_requests(),
        1,
        "no refresh before the leeway point"
    );
    advance(1.0).await; // 54.5 s: inside the leeway window, token still valid for 5.5 s
    c.get("api").await.unwrap();
    assert_eq!(
        oauth.token_requests(),
        2,
        "refreshed inside the leeway window"
    );
    let last = oauth.server.requests_to("/api").pop().unwrap();
    assert_eq!(last.header("authorization"), Some("Bearer tok-2"));
    assert_eq!(oauth.rejected(), 0);
}

#[tokio::test(start_paused = true)]
async fn tokens_expiring_mid_run_are_replaced_without_a_failed_request() {
    let oauth = OAuthServer::start(Some(json!(60))).await;
    let c = client(&oauth.server, credentials(&oauth.server));
    // One request every 10 s for 5 minutes; the server rejects expired tokens.
    for _ in 0..=30 {
        c.get("api").await.unwrap();
        advance(10.0).await;
    }
    assert_eq!(
        oauth.rejected(),
        0,
        "no request ever carried an expired token"
    );
    // Fetched at 0, 60, 120, 180, 240, 300 s (each due 54 s after the previous one).
    assert_eq!(oauth.token_requests(), 6);
}

#[tokio::test(start_paused = true)]
async fn missing_expires_in_defaults_to_3600_seconds() {
    let oauth = OAuthServer::start(None).await;
    let c = client(&oauth.server, credentials(&oauth.server));
    c.get("api").await.unwrap();
    advance(3539.0).await; // default lifetime 3600 s, leeway 60 s → due at 3540 s
    c.get("api").await.unwrap();
    assert_eq!(oauth.token_requests(), 1);
    advance(2.0).await;
    c.get("api").await.unwrap();
    assert_eq!(oauth.token_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn default_token_expiration_is_configurable() {
    let oauth = OAuthServer::start(None).await;
    let auth = credentials(&oauth.server).default_token_expiration(Duration::from_secs(600));
    let c = client(&oauth.server, auth);
    c.get("api").await.unwrap();
    advance(539.0).await; // 600 s, leeway 60 s → due at 540 s
    c.get("api").await.unwrap();
    assert_eq!(oauth.token_requests(), 1);
    advance(2.0).await;
    c.get("api").await.unwrap();
    assert_eq!(oauth.token_requests(), 2);
}

#[tokio::test(start_paused = true)]
async fn expires_in_given_as_a_string_is_parsed() {
    let oauth = OAuthServer::start(Some(json!("120"))).await;
    let c = client(&oauth.server, credentials(&oauth.server));
    c.get("api").await.unwrap();
    advance(107.0).await; // 120 s, leeway 12 s → due at 108 s
    c.get("api").await.unwrap();
    assert_eq!(oauth.token_requests(), 1);
    advance(2.0).await;
    c.get("api").await.unwrap();
    assert_eq!(oauth.token_requests(), 2);
    assert_eq!(oauth.rejected(), 0);
}

#[tokio::test(start_paused = true)]
async fn max_refresh_leeway_caps_how_early_a_token_is_replaced() {
    let oauth = OAuthServer::start(Some(json!(3600))).await;
    let auth = credentials(&oauth.server).max_refresh_leeway(Duration::from_secs(5));
    let c = client(&oauth.server, auth);
    c.get("api").await.unwrap();
    advance(3594.0).await; // leeway min(5 s, 360 s) = 5 s → due at 3595 s
    c.get("api").await.unwrap();
    assert_eq!(oauth.token_requests(), 1);
    advance(2.0).await;
    c.get("api").await.unwrap();
    assert_eq!(oauth.token_requests(), 2);
    assert_eq!(oauth.rejected(), 0);
}

// ---------------------------------------------------------------- 401 handling

#[tokio::test(start_paused = true)]
async fn a_401_fetches_a_new_token_once_and_retries_once() {
    let oauth = OAuthServer::start(Some(json!(3600))).await;
    let c = client(&oauth.server, credentials(&oauth.server));
    c.get("api").await.unwrap();
    oauth.revoke(); // the API now rejects tok-1 although it has not expired
    let resp = c.get("api").await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(oauth.token_requests(), 2);
    assert_eq!(oauth.api_requests(), 3);
    let auths: Vec<_> = oauth
        .server
        .requests_to("/api")
        .iter()
        .map(|r| r.header("authorization").unwrap().to_owned())
        .collect();
    assert_eq!(auths, ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]);
}

#[tokio::test(start_paused = true)]
async fn repeated_401_is_an_error_after_exactly_one_retry() {
    let server = TestServer::start(|req| {
        if req.path == "/token" {
            Reply::json(200, json!({"access_token": "tok", "expires_in": 3600}))
        } else {
            Reply::unauthorized()
        }
    })
    .await;
    let c = client(&server, credentials(&server));
    let err = c.get("api").await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    let msg = err.to_string();
    assert!(
        msg.contains("401 again after the credentials were refreshed"),
        "{msg}"
    );
    assert_eq!(server.count("/api"), 2);
    assert_eq!(server.count("/token"), 2);
}

#[tokio::test(start_paused = true)]
async fn a_401_keeps_a_token_that_was_refreshed_meanwhile() {
    let oauth = OAuthServer::start(Some(json!(3600))).await;
    let auth = credentials(&oauth.server);
    let http = client(&oauth.server, rest_source_runtime::NoAuth)
        .http()
        .clone();
    let cx = AuthContext::new(http);
    assert_eq!(
        auth.access_token(&cx).await.unwrap().secret().expose(),
        "tok-1"
    );

    // A request signed with an older token is rejected: tok-1 must survive.
    let mut stale = Request::new(Method::GET, oauth.server.url("/api").parse().unwrap());
    stale
        .headers_mut()
        .insert("authorization", "Bearer tok-0".parse().unwrap());
    assert!(auth.unauthorized(&stale).await, "a retry may still succeed");
    assert_eq!(
        auth.access_token(&cx).await.unwrap().secret().expose(),
        "tok-1"
    );
    assert_eq!(oauth.token_requests(), 1);

    // A request signed with the cached token is rejected: it is dropped.
    let mut current = Request::new(Method::GET, oauth.server.url("/api").parse().unwrap());
    current
        .headers_mut()
        .insert("authorization", "Bearer tok-1".parse().unwrap());
    assert!(auth.unauthorized(&current).await);
    assert_eq!(
        auth.access_token(&cx).await.unwrap().secret().expose(),
        "tok-2"
    );
    assert_eq!(oauth.token_requests(), 2);
}

// ---------------------------------------------------------------- malformed token responses

/// Serves `token_reply` on /token and counts API requests (which must never be sent).
async fn token_error(
    token_reply: impl Fn() -> Reply + Send + Sync + 'static,
) -> (Error, TestServer) {
    let server = TestServer::start(move |req| {
        if req.path == "/token" {
            token_reply()
        } else {
            Reply::ok()
        }
    })
    .await;
    let c = client(&server, credentials(&server));
    let err = c.get("api").await.unwrap_err();
    assert_eq!(server.count("/api"), 0, "no API request without a token");
    (err, server)
}

#[tokio::test]
async fn non_json_token_response_is_described_not_echoed() {
    let page = "<html><body>Sign in to Example — session abc123</body></html>";
    let (err, server) = token_error(move || Reply::text(200, "text/html", page)).await;
    let msg = err.to_string();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(
        msg.contains(&format!("`{}`", server.url("/token"))),
        "{msg}"
    );
    assert!(
        msg.contains(&format!(
            "the body is not JSON (text/html, {} bytes)",
            page.len()
        )),
        "{msg}"
    );
    assert!(!msg.contains("abc123"), "{msg}");
}

#[tokio::test]
async fn missing_access_token_is_a_clear_error_naming_the_url() {
    let (err, server) =
        token_error(|| Reply::json(200, json!({"token_type": "bearer", "expires_in": 3600}))).await;
    let msg = err.to_string();
    assert!(msg.contains("no `access_token`"), "{msg}");
    assert!(
        msg.contains("`token_type`, `expires_in`") || msg.contains("`expires_in`, `token_type`"),
        "{msg}"
    );
    assert!(msg.contains(&server.url("/token")), "{msg}");
}

#[tokio::test]
async fn empty_or_null_access_token_is_an_error_not_an_empty_bearer() {
    for (body, what) in [
        (json!({"access_token": ""}), "an empty `access_token`"),
        (json!({"access_token": null}), "`access_token: null`"),
    ] {
        let (err, _server) = token_error(move || Reply::json(200, body.clone())).await;
        assert!(err.to_string().contains(what), "{err}");
    }
}

#[tokio::test]
async fn rfc6749_error_body_surfaces_error_description_and_a_hint() {
    let (err, _server) = token_error(|| {
        Reply::json(
            401,
            json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
        )
    })
    .await;
    let msg = err.to_string();
    assert!(msg.contains("HTTP 401 Unauthorized"), "{msg}");
    assert!(
        msg.contains("error `invalid_client` (Client authentication failed)"),
        "{msg}"
    );
    assert!(
        msg.contains("check `client_id` and `client_secret`"),
        "{msg}"
    );
    assert!(msg.contains("ClientAuth::Basic"), "{msg}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn token_endpoint_error_status_is_reported_with_the_status() {
    let (err, _server) = token_error(|| Reply::text(503, "text/plain", "maintenance")).await;
    let msg = err.to_string();
    assert!(
        msg.contains("returned HTTP 503 Service Unavailable"),
        "{msg}"
    );
    assert!(
        msg.contains("the body is not JSON (text/plain, 11 bytes)"),
        "{msg}"
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
}

#[tokio::test(start_paused = true)]
async fn transient_token_endpoint_failures_are_retried_with_backoff() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    let server = TestServer::start(move |req| {
        if req.path == "/token" {
            if c2.fetch_add(1, Ordering::SeqCst) < 2 {
                Reply::text(503, "text/plain", "try later")
            } else {
                Reply::json(200, json!({"access_token": "tok"}))
            }
        } else {
            Reply::ok()
        }
    })
    .await;
    // A POST: the API request is not idempotent, but nothing reached the API yet.
    let c = client_with_retry(&server, credentials(&server), RetryPolicy::default());
    c.post("api").await.unwrap();
    assert_eq!(server.count("/token"), 3);
    assert_eq!(server.count("/api"), 1);
}

#[tokio::test(start_paused = true)]
async fn rejected_client_credentials_are_not_retried() {
    let server = TestServer::start(|req| {
        if req.path == "/token" {
            Reply::json(401, json!({"error": "invalid_client"}))
        } else {
            Reply::ok()
        }
    })
    .await;
    let c = client_with_retry(&server, credentials(&server), RetryPolicy::default());
    let err = c.get("api").await.unwrap_err();
    assert!(err.to_string().contains("invalid_client"), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(server.count("/token"), 1);
    assert_eq!(server.count("/api"), 0);
}

#[tokio::test(start_paused = true)]
async fn persistent_token_endpoint_failures_give_up_after_the_retry_budget() {
    let server = TestServer::start(|req| {
        if req.path == "/token" {
            Reply::text(502, "text/html", "<h1>Bad gateway</h1>")
        } else {
            Reply::ok()
        }
    })
    .await;
    let retry = RetryPolicy {
        max_retries: 2,
        ..RetryPolicy::default()
    };
    let c = client_with_retry(&server, credentials(&server), retry);
    let err = c.get("api").await.unwrap_err();
    assert!(
        matches!(err, Error::RetriesExhausted { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("HTTP 502 Bad Gateway"), "{err}");
    assert_eq!(server.count("/token"), 3);
    assert_eq!(server.count("/api"), 0);
}

#[tokio::test]
async fn invalid_token_url_is_a_config_error() {
    let server = TestServer::start(|_| Reply::ok()).await;
    let auth = OAuth2ClientCredentials::new("not a url", Secret::new("id"), Secret::new("s"));
    let err = client(&server, auth).get("api").await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(
        err.to_string().contains("access_token_url `not a url`"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 0);
}

// ---------------------------------------------------------------- the token request on the wire

fn ok_token_server() -> impl Fn(&common::Recorded) -> Reply + Send + Sync + 'static {
    |req| {
        if req.path == "/token" {
            Reply::json(200, json!({"access_token": "tok", "expires_in": 3600}))
        } else {
            Reply::ok()
        }
    }
}

#[tokio::test]
async fn client_auth_body_sends_credentials_as_form_fields() {
    let server = TestServer::start(ok_token_server()).await;
    client(&server, credentials(&server))
        .get("api")
        .await
        .unwrap();
    let token_req = &server.requests_to("/token")[0];
    assert_eq!(token_req.method, "POST");
    assert_eq!(
        token_req.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let form = token_req.form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], "my-client");
    assert_eq!(form["client_secret"], "my-secret");
    assert_eq!(token_req.header("authorization"), None);
    assert_eq!(
        server.requests_to("/api")[0].header("authorization"),
        Some("Bearer tok")
    );
}

#[tokio::test]
async fn client_auth_basic_sends_an_authorization_header_and_no_form_credentials() {
    let server = TestServer::start(ok_token_server()).await;
    let auth = credentials(&server).client_auth(ClientAuth::Basic);
    client(&server, auth).get("api").await.unwrap();
    let token_req = &server.requests_to("/token")[0];
    // base64("my-client:my-secret")
    assert_eq!(
        token_req.header("authorization"),
        Some("Basic bXktY2xpZW50Om15LXNlY3JldA==")
    );
    let form = token_req.form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert!(
        !form.contains_key("client_id") && !form.contains_key("client_secret"),
        "{form:?}"
    );
}

#[tokio::test]
async fn scope_audience_and_extra_params_are_in_the_form() {
    let server = TestServer::start(ok_token_server()).await;
    let auth = credentials(&server)
        .scope("contacts:read reports:read")
        .audience("https://api.example.test")
        .extra_param("resource", "crm")
        .extra_param("account_id", "42");
    client(&server, auth).get("api").await.unwrap();
    let form = server.requests_to("/token")[0].form();
    assert_eq!(form["scope"], "contacts:read reports:read");
    assert_eq!(form["audience"], "https://api.example.test");
    assert_eq!(form["resource"], "crm");
    assert_eq!(form["account_id"], "42");
    assert_eq!(form["grant_type"], "client_credentials");
}

#[tokio::test]
async fn an_extra_param_replaces_a_standard_field_of_the_same_name() {
    let server = TestServer::start(ok_token_server()).await;
    let auth = credentials(&server).extra_param("grant_type", "account_credentials");
    client(&server, auth).get("api").await.unwrap();
    let body = String::from_utf8(server.requests_to("/token")[0].body.to_vec()).unwrap();
    assert_eq!(body.matches("grant_type=").count(), 1, "{body}");
    assert!(body.contains("grant_type=account_credentials"), "{body}");
}

// ---------------------------------------------------------------- custom grants

/// The classic non-standard case: `grant_type=custom_grant` plus a fixed `scope`. Only the
/// request data differs from the defaults; caching, refresh and 401 handling are inherited.
struct CustomGrant {
    url: String,
    api_key: Secret,
}

impl OAuth2Flow for CustomGrant {
    fn access_token_url(&self) -> &str {
        &self.url
    }

    fn access_token_request_data(&self) -> Vec<(String, String)> {
        vec![
            ("grant_type".into(), "custom_grant".into()),
            ("scope".into(), "read:all".into()),
            ("api_key".into(), self.api_key.expose().into()),
        ]
    }
}

#[tokio::test(start_paused = true)]
async fn custom_grant_sends_its_fields_caches_and_refreshes() {
    let oauth = OAuthServer::start(Some(json!(60))).await;
    let auth = OAuth2::new(CustomGrant {
        url: oauth.server.url("/token"),
        api_key: Secret::new("k"),
    });
    let c = client(&oauth.server, auth);
    c.get("api").await.unwrap();
    c.get("api").await.unwrap();
    assert_eq!(oauth.token_requests(), 1, "cached");
    let form = oauth.server.requests_to("/token")[0].form();
    assert_eq!(form["grant_type"], "custom_grant");
    assert_eq!(form["scope"], "read:all");
    assert_eq!(form["api_key"], "k");
    assert!(!form.contains_key("client_id"));

    advance(53.0).await;
    c.get("api").await.unwrap();
    assert_eq!(oauth.token_requests(), 1);
    advance(2.0).await;
    c.get("api").await.unwrap();
    assert_eq!(oauth.token_requests(), 2, "refreshed before expiry");
    assert_eq!(oauth.rejected(), 0);
}

/// A provider whose token endpoint answers `{"data": {"jwt": "...", "ttl": 30}}`: the flow
/// overrides only the response parsing.
struct NestedTokenFlow {
    url: String,
}

impl OAuth2Flow for NestedTokenFlow {
    fn access_token_url(&self) -> &str {
        &self.url
    }

    fn access_token_request_data(&self) -> Vec<(String, String)> {
        vec![("grant_type".into(), "client_credentials".into())]
    }

    fn parse_access_token_response(&self, response: &TokenResponse) -> Result<AccessToken> {
        let body = response.json_object(self.scheme())?;
        let data = &body["data"];
        let token = data["jwt"]
            .as_str()
            .ok_or_else(|| Error::auth(self.scheme(), "no `data.jwt` in the token response"))?;
        let ttl = data["ttl"].as_u64().unwrap_or(60);
        Ok(AccessToken::new(token).expires_in(Duration::from_secs(ttl)))
    }
}

#[tokio::test(start_paused = true)]
async fn custom_response_parsing_inherits_caching_refresh_and_401_handling() {
    let issued = Arc::new(AtomicUsize::new(0));
    let revoked = Arc::new(AtomicUsize::new(0));
    let (i, r) = (issued.clone(), revoked.clone());
    let server = TestServer::start(move |req| {
        if req.path == "/token" {
            let n = i.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::json(200, json!({"data": {"jwt": format!("jwt-{n}"), "ttl": 30}}))
        } else {
            let current = format!("Bearer jwt-{}", i.load(Ordering::SeqCst));
            // The first request with jwt-1 is rejected once, as if revoked.
            if req.header("authorization") == Some("Bearer jwt-1")
                && r.fetch_add(1, Ordering::SeqCst) == 0
            {
                return Reply::unauthorized();
            }
            if req.header("authorization") == Some(current.as_str()) {
                Reply::ok()
            } else {
                Reply::unauthorized()
            }
        }
    })
    .await;
    let c = client(
        &server,
        OAuth2::new(NestedTokenFlow {
            url: server.url("/token"),
        }),
    );
    c.get("api").await.unwrap(); // 401 with jwt-1 → jwt-2 → 200
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    c.get("api").await.unwrap();
    assert_eq!(issued.load(Ordering::SeqCst), 2, "cached");
    advance(28.0).await; // ttl 30 s, leeway 3 s → due at 27 s
    c.get("api").await.unwrap();
    assert_eq!(issued.load(Ordering::SeqCst), 3, "refreshed");
    let last = server.requests_to("/api").pop().unwrap();
    assert_eq!(last.header("authorization"), Some("Bearer jwt-3"));
}

#[test]
fn debug_redacts_client_credentials_and_extra_values() {
    let auth = OAuth2ClientCredentials::new(
        "https://auth.example.test/token",
        Secret::new("id-value"),
        Secret::new("secret-value"),
    )
    .extra_param("account_id", "extra-value")
    .scope("read");
    let dbg = format!("{auth:?}");
    for s in ["id-value", "secret-value", "extra-value"] {
        assert!(!dbg.contains(s), "{dbg}");
    }
    assert!(dbg.contains("account_id") && dbg.contains("read"), "{dbg}");
}
