//! The example configs of the non-standard flows (`examples/configs/session_token.toml`,
//! `oauth2_jwt_bearer.toml`, `api_key_body.toml`) load and run end to end against a local
//! server that implements each flow: a session login read from the JSON body and sent with a
//! custom prefix, a JWT assertion whose signature and claims the token server verifies, and
//! an API key the server reads from the JSON request body.

use crate::common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use common::jwt::{PKCS8, verify};
use common::{Recorded, Reply, TestServer};
use rest_source_runtime::JWT_BEARER_GRANT_TYPE;
use rest_source_runtime::Secret;
use rest_source_runtime::config::{Source, SourceConfig};
use rest_source_runtime::spec::SecretValues;
use serde_json::{Value, json};

/// An example config with its placeholder address (the demo's `127.0.0.1:8080`) pointed at
/// `server`.
fn example(name: &str, server: &TestServer) -> SourceConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/configs")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("example config exists");
    let text = text.replace("http://127.0.0.1:8080", &server.url(""));
    SourceConfig::from_toml_str(&text, name).unwrap_or_else(|e| panic!("{name} loads:\n{e}"))
}

fn build(config: &SourceConfig, secrets: &[(&str, &str)]) -> Source {
    let values = secrets
        .iter()
        .fold(SecretValues::new(&config.name), |v, (k, s)| {
            v.with(*k, Secret::new(*s))
        });
    config
        .build_with_values(&values)
        .unwrap_or_else(|e| panic!("builds: {e}"))
}

async fn collect(source: &Source, name: &str) -> Vec<Value> {
    source
        .resource(name)
        .unwrap_or_else(|| panic!("resource `{name}`"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("resource `{name}` runs: {e}"))
}

#[tokio::test]
async fn session_token_example_logs_in_once_and_sends_the_prefixed_token() {
    let server = TestServer::start(|req: &Recorded| match req.path.as_str() {
        "/api/login" => {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
            if req.method == "POST" && body == json!({"username": "etl-bot", "password": "pw-1"}) {
                Reply::json(
                    200,
                    json!({"data": {"token": "sess-1", "expires_in": 1800}}),
                )
            } else {
                Reply::unauthorized()
            }
        }
        _ if req.header("authorization") != Some("Token sess-1") => Reply::unauthorized(),
        "/api/items" => Reply::json(200, json!({"items": [{"id": 1}, {"id": 2}]})),
        "/api/users" => Reply::json(200, json!({"users": [{"id": "u1"}]})),
        _ => Reply::json(404, json!({})),
    })
    .await;
    let config = example("session_token.toml", &server);
    assert_eq!(config.secret_keys(), ["password"]);
    let source = build(&config, &[("password", "pw-1")]);

    assert_eq!(
        collect(&source, "items").await,
        [json!({"id": 1}), json!({"id": 2})]
    );
    assert_eq!(collect(&source, "users").await, [json!({"id": "u1"})]);
    // One login for both resources: they share the source's auth.
    assert_eq!(server.count("/api/login"), 1);
}

#[tokio::test]
async fn jwt_bearer_example_exchanges_a_verified_assertion_with_the_configured_claims() {
    let assertions = Arc::new(Mutex::new(Vec::new()));
    let seen = assertions.clone();
    let server = TestServer::start(move |req: &Recorded| match req.path.as_str() {
        "/token" => {
            let form = req.form();
            if form.get("grant_type").map(String::as_str) != Some(JWT_BEARER_GRANT_TYPE) {
                return Reply::json(400, json!({"error": "unsupported_grant_type"}));
            }
            match verify(form.get("assertion").map(String::as_str).unwrap_or("")) {
                Ok(v) => {
                    seen.lock().unwrap().push(v);
                    Reply::json(200, json!({"access_token": "jwt-at-1", "expires_in": 3600}))
                }
                Err(why) => Reply::json(
                    400,
                    json!({"error": "invalid_grant", "error_description": why}),
                ),
            }
        }
        "/v4/files" if req.header("authorization") == Some("Bearer jwt-at-1") => {
            Reply::json(200, json!({"files": [{"id": "f1"}]}))
        }
        _ => Reply::unauthorized(),
    })
    .await;
    let config = example("oauth2_jwt_bearer.toml", &server);
    assert_eq!(config.secret_keys(), ["private_key"]);
    let source = build(&config, &[("private_key", PKCS8)]);

    assert_eq!(collect(&source, "files").await, [json!({"id": "f1"})]);
    let assertions = assertions.lock().unwrap();
    let [jwt] = &assertions[..] else {
        panic!("one assertion, got {}", assertions.len())
    };
    // Every claim the config declares, signed with the key from the secrets.
    assert_eq!(jwt.header["kid"], "test-key-1");
    assert_eq!(jwt.claims["iss"], "etl@project.iam.example.com");
    assert_eq!(jwt.claims["sub"], "admin@example.com");
    assert_eq!(jwt.claims["scope"], "sheets.read drive.read");
    assert_eq!(jwt.claims["aud"], server.url("/token"));
}

#[tokio::test]
async fn api_key_body_example_puts_the_key_into_the_json_body() {
    let server = TestServer::start(|req: &Recorded| {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/api/search") if body["api_key"] == "key-1" => {
                Reply::json(200, json!({"results": [{"id": 1, "query": body["query"]}]}))
            }
            _ => Reply::unauthorized(),
        }
    })
    .await;
    let config = example("api_key_body.toml", &server);
    let source = build(&config, &[("api_key", "key-1")]);

    assert_eq!(
        collect(&source, "results").await,
        [json!({"id": 1, "query": "rust"})]
    );
    // The declared body keeps its fields; the key is added beside them.
    let sent: Value = serde_json::from_slice(&server.requests_to("/api/search")[0].body).unwrap();
    assert_eq!(
        sent,
        json!({"query": "rust", "limit": 2, "api_key": "key-1"})
    );
}

#[tokio::test]
async fn session_token_example_with_a_rejected_login_fails_without_showing_the_password() {
    let server = TestServer::start(|req: &Recorded| match req.path.as_str() {
        "/api/login" => Reply::json(401, json!({"error": "bad credentials"})),
        _ => Reply::unauthorized(),
    })
    .await;
    let config = example("session_token.toml", &server);
    let source = build(&config, &[("password", "canary-pw-9")]);
    let err = source
        .resource("items")
        .unwrap()
        .collect()
        .await
        .expect_err("the login is rejected")
        .to_string();
    assert!(err.contains("/api/login"), "{err}");
    assert!(!err.contains("canary-pw-9"), "{err}");
    // Nothing reached the API without a session.
    assert_eq!(server.count("/api/items"), 0);
}
