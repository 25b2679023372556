//! `AuthMiddleware` in a `reqwest-middleware` + `reqwest-retry` stack: one token fetch for
//! concurrent requests, a refresh and one retry on 401.

mod common;

use common::OAuthServer;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;
use rest_source_runtime::middleware::AuthMiddleware;
use rest_source_runtime::{OAuth2ClientCredentials, Secret};

fn stack(server: &OAuthServer) -> ClientWithMiddleware {
    rest_source_runtime::tls::install_crypto_provider();
    let http = rest_source_runtime::reqwest::Client::new();
    let auth = OAuth2ClientCredentials::new(
        server.server.url("/token"),
        Secret::new("my-client"),
        Secret::new("my-secret"),
    );
    ClientBuilder::new(http.clone())
        .with(RetryTransientMiddleware::new_with_policy(
            ExponentialBackoff::builder().build_with_max_retries(2),
        ))
        .with(AuthMiddleware::new(auth, http))
        .build()
}

#[tokio::test]
async fn concurrent_requests_through_the_stack_make_one_token_request() {
    let server = OAuthServer::start(None).await;
    let client = stack(&server);
    let url = server.server.url("/api");
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move { client.get(url).send().await.unwrap().status() })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    assert_eq!(server.token_requests(), 1);
    assert_eq!(server.api_requests(), 20);
}

#[tokio::test]
async fn a_401_refreshes_the_token_and_retries_once() {
    let server = OAuthServer::start(None).await;
    let client = stack(&server);
    let url = server.server.url("/api");
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    server.revoke();
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    assert_eq!(server.token_requests(), 2);
    assert_eq!(server.rejected(), 1);
    assert_eq!(server.api_requests(), 3);
}
