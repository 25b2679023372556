//! Credentials placed in the request body, on the wire: JSON objects, forms, bodyless
//! requests, clear errors for bodies that cannot take a field, and exactly one field on every
//! retried attempt.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Reply, TestServer, client, client_with_retry};
use rest_source_runtime::{ApiKey, ApiKeyLocation, RetryPolicy, Secret};
use serde_json::{Value, json};

fn key() -> ApiKey {
    ApiKey::body("api_key", Secret::new("body-key-1"))
}

#[tokio::test]
async fn json_body_gets_the_field_next_to_its_own() {
    let server = TestServer::start(|_| Reply::ok()).await;
    let c = client(&server, key());
    c.post("search")
        .json(&json!({"query": "shoes", "page": 2}))
        .await
        .unwrap();
    let req = &server.requests()[0];
    assert_eq!(req.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(
        body,
        json!({"query": "shoes", "page": 2, "api_key": "body-key-1"})
    );
    assert_eq!(req.header("authorization"), None, "only in the body");
}

#[tokio::test]
async fn form_body_gets_the_pair_appended() {
    let server = TestServer::start(|_| Reply::ok()).await;
    let c = client(&server, key());
    c.post("search")
        .form(&[("query", "shoes & socks")])
        .await
        .unwrap();
    let req = &server.requests()[0];
    assert_eq!(
        req.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let form = req.form();
    assert_eq!(form["query"], "shoes & socks");
    assert_eq!(form["api_key"], "body-key-1");
}

#[tokio::test]
async fn a_get_without_a_body_sends_a_json_object_with_only_the_field() {
    let server = TestServer::start(|_| Reply::ok()).await;
    let c = client(
        &server,
        ApiKey::new(Secret::new("body-key-1"))
            .name("token")
            .location(ApiKeyLocation::Body),
    );
    c.get("items").await.unwrap();
    let req = &server.requests()[0];
    assert_eq!(req.method, "GET");
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(
        serde_json::from_slice::<Value>(&req.body).unwrap(),
        json!({"token": "body-key-1"})
    );
}

#[tokio::test]
async fn a_json_array_body_is_a_clear_error_and_nothing_is_sent() {
    let server = TestServer::start(|_| Reply::ok()).await;
    let c = client(&server, key());
    let err = c.post("batch").json(&json!([1, 2])).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("cannot put `api_key` in the request body: the JSON body is an array"),
        "{msg}"
    );
    assert!(!msg.contains("body-key-1"), "{msg}");
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test(start_paused = true)]
async fn every_retry_carries_the_field_exactly_once() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    let server = TestServer::start(move |_| {
        if c2.fetch_add(1, Ordering::SeqCst) < 2 {
            Reply::text(503, "text/plain", "busy")
        } else {
            Reply::ok()
        }
    })
    .await;
    let retry = RetryPolicy {
        initial_backoff: Duration::from_millis(10),
        ..RetryPolicy::default()
    };
    let c = client_with_retry(&server, key(), retry);
    c.post("search")
        .json(&json!({"query": "x"}))
        .idempotent(true)
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 3);
    for req in server.requests() {
        let body = String::from_utf8(req.body.to_vec()).unwrap();
        assert_eq!(body.matches("api_key").count(), 1, "{body}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            json!({"query": "x", "api_key": "body-key-1"})
        );
    }
}
