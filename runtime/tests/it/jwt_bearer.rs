//! The JWT bearer grant against a token server on 127.0.0.1 that verifies every assertion's
//! RS256 signature with the public key (ring's `UnparsedPublicKey`) and checks its claims.
//! The key pair under `tests/fixtures/` is a test-only key.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::jwt::{Verified, verify};
use common::{Recorded, Reply, TestServer, client};
use rest_source_runtime::JWT_BEARER_GRANT_TYPE;
use rest_source_runtime::{OAuth2JwtBearer, Secret, TokenEndpoint};
use serde_json::{Value, json};

const PKCS8: &str = include_str!("../fixtures/jwt_test_key.pem");
const PKCS1: &str = include_str!("../fixtures/jwt_test_key_pkcs1.pem");
const ISSUER: &str = "etl@test-project.iam.example";

/// A token server that accepts only verified assertions, and records their claims.
async fn verifying_server(expires_in: u64) -> (TestServer, Arc<Mutex<Vec<Verified>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let server = TestServer::start(move |req: &Recorded| {
        if req.path != "/token" {
            return Reply::ok();
        }
        let params: std::collections::HashMap<String, String> =
            if req.header("content-type") == Some("application/json") {
                serde_json::from_slice(&req.body).unwrap()
            } else {
                req.form()
            };
        if params.get("grant_type").map(String::as_str) != Some(JWT_BEARER_GRANT_TYPE) {
            return Reply::json(400, json!({"error": "unsupported_grant_type"}));
        }
        match verify(params.get("assertion").map(String::as_str).unwrap_or("")) {
            Ok(v) => {
                s.lock().unwrap().push(v);
                Reply::json(
                    200,
                    json!({"access_token": "jwt-access", "expires_in": expires_in}),
                )
            }
            Err(why) => Reply::json(
                400,
                json!({"error": "invalid_grant", "error_description": why}),
            ),
        }
    })
    .await;
    (server, seen)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn the_assertion_is_rs256_signed_and_verified_with_the_public_key() {
    let (server, seen) = verifying_server(3600).await;
    let auth = OAuth2JwtBearer::new(server.url("/token"), ISSUER, Secret::new(PKCS8))
        .subject("analyst@example.com")
        .scope("read:reports")
        .key_id("key-7")
        .claim("tenant", "acme");
    let c = client(&server, auth);
    c.get("api").await.unwrap();
    assert_eq!(
        server.requests_to("/api")[0].header("authorization"),
        Some("Bearer jwt-access")
    );
    let seen = seen.lock().unwrap();
    let v = &seen[0];
    assert_eq!(
        v.header,
        json!({"alg": "RS256", "typ": "JWT", "kid": "key-7"})
    );
    assert_eq!(v.claims["iss"], ISSUER);
    assert_eq!(v.claims["sub"], "analyst@example.com");
    assert_eq!(
        v.claims["aud"],
        server.url("/token"),
        "aud defaults to the token URL"
    );
    assert_eq!(v.claims["scope"], "read:reports");
    assert_eq!(v.claims["tenant"], "acme");
    let (iat, exp) = (
        v.claims["iat"].as_i64().unwrap(),
        v.claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 3600);
    assert!((unix_now() - 90..=unix_now()).contains(&iat), "iat {iat}");
}

#[tokio::test]
async fn a_pkcs1_key_and_a_key_with_escaped_newlines_work_too() {
    let escaped = PKCS8.replace('\n', "\\n");
    for key in [PKCS1.to_owned(), escaped] {
        let (server, seen) = verifying_server(3600).await;
        let auth = OAuth2JwtBearer::new(server.url("/token"), ISSUER, Secret::new(key))
            .audience("https://api.example.com");
        client(&server, auth).get("api").await.unwrap();
        assert_eq!(
            seen.lock().unwrap()[0].claims["aud"],
            "https://api.example.com"
        );
    }
}

#[tokio::test]
async fn the_verifier_rejects_a_tampered_assertion() {
    // Guards the server above against accepting anything: change one claim, keep the
    // signature, and verification must fail.
    let flow = OAuth2JwtBearer::new("http://127.0.0.1:9/token", ISSUER, Secret::new(PKCS8));
    let jwt = flow.flow().assertion().unwrap();
    assert!(verify(jwt.expose()).is_ok());
    let parts: Vec<&str> = jwt.expose().split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["iss"] = json!("attacker");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    assert_eq!(verify(&forged).unwrap_err(), "bad signature");
}

#[tokio::test(start_paused = true)]
async fn a_fresh_assertion_is_signed_for_each_token_and_tokens_are_cached() {
    let (server, seen) = verifying_server(60).await;
    let auth = OAuth2JwtBearer::new(server.url("/token"), ISSUER, Secret::new(PKCS8)).with_jti();
    let c = client(&server, auth);
    c.get("api").await.unwrap();
    c.get("api").await.unwrap();
    assert_eq!(server.count("/token"), 1);
    tokio::time::advance(Duration::from_secs(55)).await; // 60 s, leeway 6 s
    c.get("api").await.unwrap();
    assert_eq!(server.count("/token"), 2);
    let seen = seen.lock().unwrap();
    assert_ne!(seen[0].claims["jti"], seen[1].claims["jti"]);
}

#[tokio::test]
async fn shaping_applies_to_the_jwt_token_request() {
    let (server, seen) = verifying_server(3600).await;
    let auth = OAuth2JwtBearer::new(server.url("/token"), ISSUER, Secret::new(PKCS8))
        .token_endpoint(TokenEndpoint::new().json_body().header("X-Tenant", "acme"));
    client(&server, auth).get("api").await.unwrap();
    let req = &server.requests_to("/token")[0];
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.header("x-tenant"), Some("acme"));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_bad_key_is_a_clear_error_that_never_echoes_it_and_sends_nothing() {
    let (server, _) = verifying_server(3600).await;
    // A real key with its body damaged: the base64 of key material must not be echoed.
    let damaged = PKCS8.replacen("MII", "M!I", 1);
    for (key, why) in [
        (damaged.as_str(), "the PEM block is malformed"),
        ("", "no PEM private key found"),
    ] {
        let auth = OAuth2JwtBearer::new(server.url("/token"), ISSUER, Secret::new(key));
        assert!(auth.check_key().is_err());
        let err = client(&server, auth).get("api").await.unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(why), "{msg}");
        assert!(msg.contains("check the `private_key` secret"), "{msg}");
        let body_line = PKCS8.lines().nth(3).unwrap();
        assert!(!msg.contains(body_line), "{msg}");
        assert!(!format!("{err:?}").contains(body_line));
    }
    assert_eq!(server.count("/token"), 0);
}

#[tokio::test]
async fn a_service_account_json_key_file_is_enough() {
    let (server, seen) = verifying_server(3600).await;
    let key_file = json!({
        "type": "service_account",
        "client_email": ISSUER,
        "private_key_id": "kid-42",
        "private_key": PKCS8,
        "token_uri": server.url("/token"),
    });
    let auth = OAuth2JwtBearer::from_service_account_json(&Secret::new(key_file.to_string()))
        .unwrap()
        .scope("read");
    client(&server, auth).get("api").await.unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].header["kid"], "kid-42");
    assert_eq!(seen[0].claims["iss"], ISSUER);
    assert_eq!(seen[0].claims["aud"], server.url("/token"));
    assert_eq!(seen[0].claims["scope"], "read");
}
