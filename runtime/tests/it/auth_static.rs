//! Static auth strategies, checked on the wire: what the server actually receives.

use crate::common;

use common::{Reply, TestServer, client};
use rest_source_runtime::{ApiKey, ApiKeyLocation, BearerToken, HttpBasic, NoAuth, Secret};

async fn echo_server() -> TestServer {
    TestServer::start(|_| Reply::ok()).await
}

#[tokio::test]
async fn bearer_sends_authorization_bearer_header() {
    let server = echo_server().await;
    let c = client(&server, BearerToken::new(Secret::new("t0k")));
    c.get("items").await.unwrap();
    let req = &server.requests()[0];
    assert_eq!(req.path, "/items");
    assert_eq!(req.header("authorization"), Some("Bearer t0k"));
}

#[tokio::test]
async fn api_key_defaults_to_the_authorization_header() {
    let server = echo_server().await;
    let c = client(&server, ApiKey::new(Secret::new("k-1")));
    c.get("items").await.unwrap();
    let req = &server.requests()[0];
    assert_eq!(req.header("authorization"), Some("k-1"));
    assert_eq!(req.query, None);
}

#[tokio::test]
async fn api_key_in_a_custom_header() {
    let server = echo_server().await;
    let c = client(&server, ApiKey::header("X-API-Key", Secret::new("k-2")));
    c.get("items").await.unwrap();
    let req = &server.requests()[0];
    assert_eq!(req.header("x-api-key"), Some("k-2"));
    assert_eq!(req.header("authorization"), None);
}

#[tokio::test]
async fn api_key_in_the_query_is_sent_and_redacted_from_the_response_url() {
    let server = echo_server().await;
    let auth = ApiKey::new(Secret::new("k 3&x"))
        .name("apiToken")
        .location(ApiKeyLocation::Query);
    let c = client(&server, auth);
    let resp = c.get("items").query(&[("page", "2")]).await.unwrap();
    let req = &server.requests()[0];
    let q = req.query_pairs();
    assert_eq!(q.get("apiToken").map(String::as_str), Some("k 3&x"));
    assert_eq!(q.get("page").map(String::as_str), Some("2"));
    assert_eq!(req.header("authorization"), None);
    assert!(resp.url().contains("apiToken=[REDACTED]"), "{}", resp.url());
    assert!(!resp.url().contains("k%203"), "{}", resp.url());
}

#[tokio::test]
async fn api_key_in_a_cookie() {
    let server = echo_server().await;
    let c = client(&server, ApiKey::cookie("session", Secret::new("k-4")));
    c.get("items").await.unwrap();
    assert_eq!(server.requests()[0].header("cookie"), Some("session=k-4"));
}

#[tokio::test]
async fn api_key_cookie_is_merged_with_an_existing_cookie_header() {
    let server = echo_server().await;
    let c = client(&server, ApiKey::cookie("session", Secret::new("k-5")));
    c.get("items").header("Cookie", "theme=dark").await.unwrap();
    let cookies: Vec<_> = server.requests()[0]
        .headers
        .get_all("cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(cookies, ["theme=dark; session=k-5"]);
}

#[tokio::test]
async fn http_basic_sends_a_basic_header() {
    let server = echo_server().await;
    let c = client(&server, HttpBasic::new("alice", Secret::new("s3cret")));
    c.get("items").await.unwrap();
    // base64("alice:s3cret")
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Basic YWxpY2U6czNjcmV0")
    );
}

#[tokio::test]
async fn no_auth_sends_no_credentials() {
    let server = echo_server().await;
    let c = client(&server, NoAuth);
    c.get("items").await.unwrap();
    let req = &server.requests()[0];
    assert_eq!(req.header("authorization"), None);
    assert_eq!(req.header("cookie"), None);
    assert_eq!(req.query, None);
}

#[tokio::test]
async fn static_credentials_get_no_retry_on_401() {
    let server = TestServer::start(|_| Reply::unauthorized()).await;
    let c = client(&server, BearerToken::new(Secret::new("wrong")));
    let err = c.get("items").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(
        err.to_string().contains("check the `bearer` credentials"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
}
