//! An explicit forward proxy on loopback: requests (token requests included) go through it
//! in absolute form; hosts listed in `no_proxy` are reached directly.

mod common;

use common::{Reply, TestServer};
use rest_source_runtime::{OAuth2ClientCredentials, RestClient, RetryPolicy, Secret};
use serde_json::json;

/// A "proxy" that answers every request itself, recording the request target it was sent
/// (`http://api.example.test/v1/items` for a proxied request).
async fn proxy() -> (TestServer, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let targets = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = targets.clone();
    let server = TestServer::start(move |req| {
        seen.lock()
            .unwrap()
            .push(format!("{} {}", req.header("host").unwrap_or(""), req.path));
        if req.path == "/oauth/token" {
            Reply::json(200, json!({"access_token": "t", "expires_in": 3600}))
        } else {
            Reply::ok()
        }
    })
    .await;
    (server, targets)
}

#[tokio::test]
async fn requests_and_token_requests_go_through_the_proxy() {
    let (proxy, targets) = proxy().await;
    // A host that does not exist: only the proxy can answer for it, and no DNS is needed.
    let c = RestClient::builder("http://api.example.test/v1/")
        .auth(OAuth2ClientCredentials::new(
            "http://auth.example.test/oauth/token",
            Secret::new("id"),
            Secret::new("secret"),
        ))
        .proxy(proxy.url("/"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    c.get("items").await.unwrap();
    let targets = targets.lock().unwrap().clone();
    assert_eq!(
        targets,
        [
            "auth.example.test /oauth/token",
            "api.example.test /v1/items"
        ]
    );
}

#[tokio::test]
async fn no_proxy_hosts_are_reached_directly() {
    let (proxy, targets) = proxy().await;
    let api = TestServer::start(|_| Reply::ok()).await;
    let c = RestClient::builder(api.url("/"))
        .proxy(proxy.url("/"))
        .no_proxy("localhost, 127.0.0.1")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    c.get("direct").await.unwrap();
    assert_eq!(api.count("/direct"), 1);
    assert!(targets.lock().unwrap().is_empty());
}

#[test]
fn an_invalid_proxy_url_is_a_config_error_without_its_password() {
    let err = RestClient::builder("http://api.test/")
        .proxy("ftp://user:hunter2@proxy.test:21")
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("proxy URL"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}
