//! An explicit forward proxy on loopback: requests (token requests included) go through it
//! in absolute form; hosts listed in `no_proxy` are reached directly. The same through a
//! config's `client.proxy` / `client.no_proxy`, where a proxy password comes from the
//! secrets.

use crate::common;

use common::{Reply, TestServer};
use rest_source_runtime::config::SourceConfig;
use rest_source_runtime::spec::SecretValues;
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

/// A source at `base_url` whose `[client]` table also holds `extra`.
fn config(base_url: &str, extra: &str) -> Result<SourceConfig, String> {
    let text = format!(
        r#"[client]
base_url = "{base_url}"
{extra}

[[resources]]
name = "items"
endpoint = {{ path = "items", paginator = "single_page" }}
"#
    );
    SourceConfig::from_toml_str(&text, "api.toml").map_err(|e| e.to_string())
}

async fn run_first_page(config: &SourceConfig, secrets: SecretValues) {
    let source = config.build_with_values(&secrets).unwrap();
    source.resources()[0].first_page().await.unwrap();
}

#[tokio::test]
async fn a_config_proxy_carries_every_request() {
    let (proxy, targets) = proxy().await;
    let config = config(
        "http://api.example.test/v1/",
        &format!("proxy = \"{}\"", proxy.url("/")),
    )
    .unwrap();
    run_first_page(&config, SecretValues::new("api")).await;
    assert_eq!(*targets.lock().unwrap(), ["api.example.test /v1/items"]);
}

#[tokio::test]
async fn a_config_proxy_with_a_password_comes_from_the_secrets() {
    let (proxy, targets) = proxy().await;
    let with_password = proxy
        .url("/")
        .replace("http://", "http://exporter:hunter2@");
    // Written in the config, it is refused without being echoed.
    let err = config(
        "http://api.example.test/v1/",
        &format!("proxy = \"{with_password}\""),
    )
    .unwrap_err();
    assert!(err.contains("inline credential: `proxy`"), "{err}");
    assert!(err.contains("proxy = { secret = "), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    // From the secrets, it is used, credentials and all.
    let config = config(
        "http://api.example.test/v1/",
        r#"proxy = { secret = "proxy_url" }"#,
    )
    .unwrap();
    assert_eq!(config.secret_keys(), ["proxy_url"]);
    let secrets = SecretValues::new("api").with("proxy_url", Secret::new(with_password));
    run_first_page(&config, secrets).await;
    assert_eq!(*targets.lock().unwrap(), ["api.example.test /v1/items"]);
    let sent = proxy.requests();
    // `exporter:hunter2`, as Basic credentials for the proxy.
    assert_eq!(
        sent[0].header("proxy-authorization"),
        Some("Basic ZXhwb3J0ZXI6aHVudGVyMg==")
    );
}

#[tokio::test]
async fn config_no_proxy_hosts_are_reached_directly() {
    let (proxy, targets) = proxy().await;
    let api = TestServer::start(|_| Reply::ok()).await;
    let config = config(
        &api.url("/"),
        &format!(
            "proxy = \"{}\"\nno_proxy = [\"localhost\", \"127.0.0.1\"]",
            proxy.url("/")
        ),
    )
    .unwrap();
    assert_eq!(config.client.transport.no_proxy, ["localhost", "127.0.0.1"]);
    run_first_page(&config, SecretValues::new("api")).await;
    assert_eq!(api.count("/items"), 1);
    assert!(targets.lock().unwrap().is_empty());
}

#[test]
fn a_config_proxy_that_is_not_an_http_url_is_refused() {
    let err = config("http://api.test/", r#"proxy = "socks9://proxy.test:1080""#).unwrap_err();
    assert!(err.contains("client.proxy"), "{err}");
    assert!(err.contains("not an http(s) URL"), "{err}");
}
