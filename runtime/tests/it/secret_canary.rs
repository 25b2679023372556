//! One secret value, used by every auth strategy through success and failure paths, must
//! never show up in `Debug`/`Display`/error text (with every `source()`) or in `tracing`
//! output at TRACE level.

use crate::common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::{Reply, TestServer};
use rest_source_runtime::Placement;
use rest_source_runtime::{
    ApiKey, AuthContext, BearerToken, ClientAuth, FileTokenStore, HttpBasic,
    OAuth2ClientCredentials, OAuth2JwtBearer, OAuth2RefreshToken, RestClient, RetryPolicy, Secret,
    SessionToken, TokenEndpoint, TokenStore,
};
use serde_json::json;

const CANARY: &str = "canary-7d41f0";

/// Everything `tracing` printed in this test binary (all tests, all threads).
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = LogWriter(buf.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buf
    })
}

#[derive(Clone)]
struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_logs_clean() {
    let text = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    assert!(
        !text.contains(CANARY),
        "the canary leaked into tracing output:\n{text}"
    );
}

/// Asserts that neither `Display` nor `Debug` of `err` and of every error in its `source()`
/// chain contains the canary.
fn assert_error_clean(err: &(dyn std::error::Error + 'static)) {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut depth = 0;
    while let Some(e) = current {
        let (display, debug) = (e.to_string(), format!("{e:?}"));
        assert!(
            !display.contains(CANARY),
            "leak in Display (depth {depth}): {display}"
        );
        assert!(
            !debug.contains(CANARY),
            "leak in Debug (depth {depth}): {debug}"
        );
        current = e.source();
        depth += 1;
    }
}

fn assert_debug_clean(what: &impl std::fmt::Debug) {
    for s in [format!("{what:?}"), format!("{what:#?}")] {
        assert!(!s.contains(CANARY), "leak in Debug: {s}");
    }
}

fn canary() -> Secret {
    Secret::new(CANARY)
}

/// Every static strategy carrying the canary.
fn static_auths() -> Vec<rest_source_runtime::SharedAuth> {
    use rest_source_runtime::shared_auth as shared;
    vec![
        shared(BearerToken::new(canary())),
        shared(ApiKey::new(canary())),
        shared(ApiKey::header("X-API-Key", canary())),
        shared(ApiKey::query("api_token", canary())),
        shared(ApiKey::query("k", canary())),
        shared(ApiKey::cookie("session", canary())),
        shared(ApiKey::body("api_key", canary())),
        shared(HttpBasic::new("user", canary())),
    ]
}

fn client_for(base: &str, auth: rest_source_runtime::SharedAuth) -> RestClient {
    RestClient::builder(base)
        .shared_auth(auth)
        .retry(RetryPolicy {
            max_retries: 1,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

/// A URL on 127.0.0.1 whose connections are refused while the caller keeps the socket.
fn closed_port_url() -> (tokio::net::TcpSocket, String) {
    let (socket, addr) = common::refused_port();
    (socket, format!("http://{addr}/"))
}

#[tokio::test]
async fn static_credentials_never_leak_on_success_or_failure() {
    logs();
    let server = TestServer::start(|req| match req.path.as_str() {
        "/ok" => Reply::ok(),
        "/unauthorized" => Reply::unauthorized(),
        "/not-json" => Reply::text(200, "text/plain", "plain"),
        _ => Reply::text(500, "text/plain", "boom"),
    })
    .await;
    let (_held, refused) = closed_port_url();
    for auth in static_auths() {
        let c = client_for(&server.url("/"), auth.clone());
        assert_debug_clean(&c);
        let resp = c.get("ok").query(&[("page", "1")]).await.unwrap();
        assert_debug_clean(&resp);
        assert!(!resp.url().contains(CANARY), "{}", resp.url());
        let not_json = c
            .get("not-json")
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await;
        assert_error_clean(&not_json.unwrap_err());
        for path in ["unauthorized", "fail"] {
            let err = c.get(path).await.unwrap_err();
            assert_error_clean(&err);
        }
        let c = client_for(&refused, auth);
        let err = c.get("x").await.unwrap_err();
        assert!(err.to_string().contains("failed"), "{err}");
        assert_error_clean(&err);
    }
    assert_debug_clean(&BearerToken::new(canary()));
    assert_debug_clean(&ApiKey::query("k", canary()));
    assert_debug_clean(&HttpBasic::new("user", canary()));
    assert_logs_clean();
}

/// A token endpoint that issues the canary as the access token, and an API that answers
/// according to the path.
async fn canary_oauth_server() -> TestServer {
    TestServer::start(|req| match req.path.as_str() {
        "/token" => Reply::json(200, json!({"access_token": CANARY, "expires_in": 3600})),
        "/token-500" => Reply::json(500, json!({"access_token": CANARY})),
        "/token-html" => Reply::text(200, "text/html", format!("<p>{CANARY}</p>")),
        "/token-array" => Reply::json(200, json!([CANARY])),
        "/token-rfc" => Reply::json(
            400,
            json!({"error": "invalid_client", "error_description": "bad client"}),
        ),
        "/token-no-access-token" => Reply::json(200, json!({"token": CANARY})),
        "/token-number-expiry" => {
            Reply::json(200, json!({"access_token": CANARY, "expires_in": CANARY}))
        }
        "/api/ok" => Reply::ok(),
        "/api/unauthorized" => Reply::unauthorized(),
        _ => Reply::text(500, "text/plain", "boom"),
    })
    .await
}

fn oauth(url: String, client_auth: ClientAuth) -> OAuth2ClientCredentials {
    OAuth2ClientCredentials::new(url, Secret::new("client"), canary())
        .client_auth(client_auth)
        .extra_param("account", CANARY)
}

#[tokio::test]
async fn oauth2_secrets_and_issued_tokens_never_leak() {
    logs();
    let server = canary_oauth_server().await;
    let api = server.url("/api/");
    for client_auth in [ClientAuth::Body, ClientAuth::Basic] {
        // Success, then API failures with a canary token.
        let auth = oauth(server.url("/token"), client_auth);
        assert_debug_clean(&auth);
        let c = client_for(&api, rest_source_runtime::shared_auth(auth));
        let resp = c.get("ok").await.unwrap();
        assert_debug_clean(&resp);
        assert_debug_clean(&c);
        for path in ["unauthorized", "fail"] {
            assert_error_clean(&c.get(path).await.unwrap_err());
        }

        // Bad token responses, some of which contain the canary.
        for token_path in [
            "/token-500",
            "/token-html",
            "/token-array",
            "/token-rfc",
            "/token-no-access-token",
            "/missing-token-endpoint",
        ] {
            let c = client_for(
                &api,
                rest_source_runtime::shared_auth(oauth(server.url(token_path), client_auth)),
            );
            let err = c.get("ok").await.unwrap_err();
            assert_error_clean(&err);
        }

        // An unusable `expires_in` is logged (not the value) and the default applies.
        let auth = oauth(server.url("/token-number-expiry"), client_auth);
        let c = client_for(&api, rest_source_runtime::shared_auth(auth));
        c.get("ok").await.unwrap();

        // The token endpoint refuses connections.
        let (_held, refused) = closed_port_url();
        let refused = format!("{refused}token");
        let c = client_for(
            &api,
            rest_source_runtime::shared_auth(oauth(refused, client_auth)),
        );
        let err = c.get("ok").await.unwrap_err();
        assert!(err.to_string().contains("could not get a token"), "{err}");
        assert_error_clean(&err);
    }

    // The cached token and the fetched `AccessToken` print redacted.
    let auth = oauth(server.url("/token"), ClientAuth::Body);
    let http = client_for(
        &api,
        rest_source_runtime::shared_auth(rest_source_runtime::NoAuth),
    );
    let cx = AuthContext::new(http.http().clone());
    let token = auth.access_token(&cx).await.unwrap();
    assert_eq!(
        token.secret().expose(),
        CANARY,
        "the test really used the canary"
    );
    assert_debug_clean(&token);
    assert_debug_clean(&auth);
    assert_debug_clean(auth.flow());
    assert_logs_clean();
    // The capture works (so the check above is not vacuous) and logs say what happened.
    let text = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    assert!(text.contains("fetched token, expires in 3600s"), "{text}");
    assert!(text.contains("unusable `expires_in`"), "{text}");
    assert!(text.contains("sending request"), "{text}");
}

#[tokio::test]
async fn the_canary_really_reaches_the_wire() {
    // Guards the other tests against passing vacuously: the canary is sent.
    let server = canary_oauth_server().await;
    let c = client_for(
        &server.url("/api/"),
        rest_source_runtime::shared_auth(oauth(server.url("/token"), ClientAuth::Body)),
    );
    c.get("ok").await.unwrap();
    let token_req = &server.requests_to("/token")[0];
    assert_eq!(token_req.form()["client_secret"], CANARY);
    let api_req = &server.requests_to("/api/ok")[0];
    assert_eq!(
        api_req.header("authorization"),
        Some(format!("Bearer {CANARY}").as_str())
    );
    let query = TestServer::start(|_| Reply::ok()).await;
    client_for(
        &query.url("/"),
        rest_source_runtime::shared_auth(ApiKey::query("k", canary())),
    )
    .get("x")
    .await
    .unwrap();
    assert_eq!(query.requests()[0].query_pairs()["k"], CANARY);
}

/// A server for the non-standard flows: refresh-token grant, session login and JWT bearer
/// endpoints that hand out (or echo back) the canary in every way they can.
async fn canary_flows_server() -> TestServer {
    TestServer::start(|req| match req.path.as_str() {
        // Refresh token: rotates to a canary-bearing token, issues the canary as access token.
        "/refresh" => Reply::json(
            200,
            json!({"access_token": CANARY, "refresh_token": format!("{CANARY}-rotated"), "expires_in": 3600}),
        ),
        "/refresh-invalid" => Reply::json(400, json!({"error": "invalid_grant"})),
        "/refresh-500" => Reply::json(500, json!({"refresh_token": CANARY})),
        // Session login: the canary as session token, in a body, a header and a cookie.
        "/login" => Reply::json(200, json!({"data": {"token": CANARY}}))
            .with_header("x-session", CANARY)
            .with_header("set-cookie", format!("sid={CANARY}; HttpOnly")),
        "/login-401" => Reply::json(401, json!({"echo": CANARY})),
        "/login-no-token" => Reply::json(200, json!({"other": CANARY})),
        "/login-html" => Reply::text(200, "text/html", format!("<p>{CANARY}</p>")),
        // JWT bearer: the canary as access token.
        "/jwt-token" => Reply::json(200, json!({"access_token": CANARY, "expires_in": 3600})),
        "/api/ok" => Reply::ok(),
        "/api/unauthorized" => Reply::unauthorized(),
        _ => Reply::text(500, "text/plain", "boom"),
    })
    .await
}

fn refresh(url: String) -> OAuth2RefreshToken {
    OAuth2RefreshToken::new(url, Secret::new("client"), canary(), canary())
        .extra_param("account", CANARY)
        .token_endpoint(TokenEndpoint::new().secret_header("X-Key", canary()))
}

fn session(url: String) -> SessionToken {
    SessionToken::new(url)
        .credential("username", "bot")
        .credential("password", canary())
        .login_secret_header("X-Key", canary())
        .token_path("data.token")
}

/// Sends requests that succeed and fail through `auth`, and checks every error and Debug.
async fn exercise(api: &str, auth: rest_source_runtime::SharedAuth) {
    let c = client_for(api, auth);
    assert_debug_clean(&c);
    match c.get("ok").query(&[("page", "1")]).await {
        Ok(resp) => {
            assert_debug_clean(&resp);
            assert!(!resp.url().contains(CANARY), "{}", resp.url());
        }
        Err(err) => assert_error_clean(&err),
    }
    for path in ["unauthorized", "fail"] {
        assert_error_clean(&c.get(path).await.unwrap_err());
    }
}

#[tokio::test]
async fn non_standard_flows_never_leak_credentials_or_issued_tokens() {
    logs();
    let server = canary_flows_server().await;
    let api = server.url("/api/");
    let (_held, refused) = closed_port_url();
    let refused = format!("{refused}x");

    // Refresh token: success (rotation written to a file store), errors, a corrupt store.
    let dir = common::temp_dir("canary");
    let store = FileTokenStore::new(dir.path().join("token.json"));
    let auth = refresh(server.url("/refresh")).token_store(store.clone());
    assert_debug_clean(&auth);
    assert_debug_clean(&store);
    exercise(&api, rest_source_runtime::shared_auth(auth)).await;
    assert_eq!(
        store.load().await.unwrap().unwrap().expose(),
        format!("{CANARY}-rotated"),
        "the rotated token really went through the store"
    );
    for url in [
        server.url("/refresh-invalid"),
        server.url("/refresh-500"),
        refused.clone(),
    ] {
        let auth = refresh(url).token_store(store.clone());
        exercise(&api, rest_source_runtime::shared_auth(auth)).await;
    }
    std::fs::write(store.path(), format!("not json {CANARY}")).unwrap();
    let err = store.load().await.unwrap_err();
    assert_error_clean(&err);
    drop(dir);

    // Session: every token source and placement, and every login failure.
    for auth in [
        session(server.url("/login")),
        session(server.url("/login"))
            .token_header("x-session")
            .placement(Placement::query("sid")),
        session(server.url("/login"))
            .token_cookie("sid")
            .placement(Placement::cookie("sid")),
        session(server.url("/login")).placement(Placement::body("session")),
        session(server.url("/login"))
            .method(rest_source_runtime::reqwest::Method::GET)
            .placement(Placement::header("Authorization").prefix("Token ")),
        session(server.url("/login-401")),
        session(server.url("/login-no-token")),
        session(server.url("/login-html")),
        session(refused.clone()),
        session(refused.clone()).method(rest_source_runtime::reqwest::Method::GET),
        session(server.url("/login")).login_auth(HttpBasic::new("app", canary())),
    ] {
        assert_debug_clean(&auth);
        exercise(&api, rest_source_runtime::shared_auth(auth)).await;
    }

    // JWT bearer: a good key issuing the canary token, and keys that are the canary.
    let key = include_str!("../fixtures/jwt_test_key.pem");
    let auth = OAuth2JwtBearer::new(server.url("/jwt-token"), "iss", Secret::new(key))
        .claim("secret_claim", CANARY);
    assert_debug_clean(&auth);
    exercise(&api, rest_source_runtime::shared_auth(auth)).await;
    for bad in [
        CANARY.to_owned(),
        format!("-----BEGIN PRIVATE KEY-----\n{CANARY}\n-----END PRIVATE KEY-----\n"),
        format!("-----BEGIN RSA PRIVATE KEY-----\nAAAA{CANARY}\n-----END RSA PRIVATE KEY-----\n"),
    ] {
        let auth = OAuth2JwtBearer::new(server.url("/jwt-token"), "iss", Secret::new(bad));
        assert_error_clean(&auth.check_key().unwrap_err());
        exercise(&api, rest_source_runtime::shared_auth(auth)).await;
    }

    // Service-account key files: broken JSON, a missing field, a key that is the canary.
    for file in [
        format!("{{\"client_email\": \"{CANARY}"),
        json!({"private_key": CANARY}).to_string(),
    ] {
        let err = OAuth2JwtBearer::from_service_account_json(&Secret::new(file)).unwrap_err();
        assert_error_clean(&err);
    }
    let file = json!({"client_email": "sa@x", "private_key": CANARY, "token_uri": server.url("/jwt-token")});
    let auth = OAuth2JwtBearer::from_service_account_json(&Secret::new(file.to_string())).unwrap();
    assert_debug_clean(&auth);
    exercise(&api, rest_source_runtime::shared_auth(auth)).await;

    assert_logs_clean();
    // The flows really ran (so the log check is not vacuous).
    let text = String::from_utf8_lossy(&logs().lock().unwrap()).into_owned();
    assert!(text.contains("refresh token rotated; saved to"), "{text}");
    assert!(
        text.contains("logged in; session valid until rejected"),
        "{text}"
    );
}
