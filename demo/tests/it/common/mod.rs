//! Helpers shared by the demo API's tests: a paused-clock-safe reqwest client and a token.

#![allow(dead_code)] // each test file uses a different subset

use rest_source_demo::DemoServer;
use serde_json::Value;

/// No request timeout and no pool-idle timer: with a paused clock either would be a pending
/// timer that tokio's auto-advance jumps to (see COMMON.md).
pub fn client() -> reqwest::Client {
    // In a workspace build reqwest's TLS has no provider until someone installs one.
    rest_source_runtime::tls::install_crypto_provider();
    reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .expect("reqwest client")
}

/// A fresh access token from the client-credentials grant (credentials in the body).
pub async fn token(http: &reqwest::Client, server: &DemoServer) -> String {
    let body = token_response(http, server).await;
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// The whole token response for the demo credentials (credentials in the body).
pub async fn token_response(http: &reqwest::Client, server: &DemoServer) -> Value {
    let resp = http
        .post(server.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", server.client_id()),
            ("client_secret", server.client_secret()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// `GET url` with a bearer token, returning status and JSON body.
pub async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let resp = http.get(url).bearer_auth(token).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}
