//! The demo API driven by the runtime's `RestClient`: auth strategies and retries against a
//! real server, the way the quickstart and examples use it.

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use rest_source_demo::DemoApi;
use rest_source_runtime::{ApiKey, BearerToken, ClientAuth, OAuth2ClientCredentials, RestClient};
use serde_json::Value;

#[tokio::test(start_paused = true)]
async fn rest_client_walks_contacts_through_injected_429s_and_503s() {
    let server = DemoApi::new()
        .records(500)
        .rate_limit_every(3)
        .unavailable_every(5)
        .retry_after_secs(2)
        .start()
        .await
        .unwrap();
    let token = common::token(&common::client(), &server).await;
    let client = RestClient::builder(server.base_url())
        .auth(BearerToken::new(token))
        .no_timeout()
        .pool_idle_timeout(None)
        .build()
        .unwrap();

    let mut ids = HashSet::new();
    let mut next = Some("contacts?limit=50".to_owned());
    while let Some(path) = next {
        let page: Value = client.get_json(&path).await.unwrap();
        for contact in page["results"].as_array().unwrap() {
            assert!(
                ids.insert(contact["id"].as_u64().unwrap()),
                "duplicate {contact}"
            );
        }
        next = page["paging"]["next"].as_str().map(str::to_owned);
    }
    assert_eq!(ids.len(), 500);
    let stats = server.stats();
    assert!(stats.rate_limited > 0 && stats.unavailable > 0, "{stats:?}");
    assert_eq!(
        stats.endpoints.contacts,
        10 + stats.rate_limited + stats.unavailable,
        "every fault was retried once and nothing else was re-sent"
    );
}

#[tokio::test]
async fn rest_client_reads_reports_with_a_header_or_query_api_key() {
    let server = DemoApi::new().start().await.unwrap();
    for auth in [
        ApiKey::header("X-Report-Key", "demo-report-key"),
        ApiKey::query("api_key", "demo-report-key"),
    ] {
        let client = RestClient::builder(server.base_url())
            .auth(auth)
            .build()
            .unwrap();
        let reports: Value = client.get_json("reports").await.unwrap();
        assert_eq!(reports["data"].as_array().unwrap().len(), 24);
    }
}

#[tokio::test]
async fn rest_client_reports_a_revoked_token_as_a_401() {
    let server = DemoApi::new().start().await.unwrap();
    let token = common::token(&common::client(), &server).await;
    let client = RestClient::builder(server.base_url())
        .auth(BearerToken::new(token))
        .build()
        .unwrap();
    client.get_json::<Value>("me").await.unwrap();
    server.revoke_tokens();
    let err = client.get_json::<Value>("me").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err}");
}

fn oauth_client(server: &rest_source_demo::DemoServer, client_auth: ClientAuth) -> RestClient {
    let auth = OAuth2ClientCredentials::new(server.token_url(), "demo-client", "demo-secret")
        .client_auth(client_auth);
    RestClient::builder(server.base_url())
        .auth(auth)
        .no_timeout()
        .pool_idle_timeout(None)
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn oauth2_client_credentials_fetches_once_and_again_after_expiry() {
    let server = DemoApi::new()
        .token_ttl(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let client = oauth_client(&server, ClientAuth::Body);
    for _ in 0..3 {
        client.get_json::<Value>("me").await.unwrap();
    }
    assert_eq!(server.stats().tokens_issued, 1, "the token is cached");

    tokio::time::advance(Duration::from_secs(31)).await;
    let me: Value = client.get_json("me").await.unwrap();
    assert_eq!(me["client_id"], "demo-client");
    assert_eq!(server.stats().tokens_issued, 2, "a new token after the TTL");
    assert_eq!(
        server.stats().unauthorized,
        0,
        "refreshed before use, not after a 401"
    );
}

#[tokio::test]
async fn oauth2_with_basic_client_auth_recovers_from_revocation() {
    let server = DemoApi::new().start().await.unwrap();
    let client = oauth_client(&server, ClientAuth::Basic);
    client.get_json::<Value>("contacts?limit=1").await.unwrap();
    server.revoke_tokens();
    let page: Value = client.get_json("contacts?limit=1").await.unwrap();
    assert_eq!(page["results"][0]["id"], 1);
    let stats = server.stats();
    assert_eq!(stats.unauthorized, 1, "one 401 on the revoked token");
    assert_eq!(
        stats.tokens_issued, 2,
        "then one new token and a successful retry"
    );
}

// The example of demo/README.md ("In tests"), kept compiling and passing here.
mod readme_example {
    use std::time::Duration;

    use rest_source_demo::{DemoApi, Faults};
    use rest_source_runtime::{OAuth2ClientCredentials, RestClient};

    #[tokio::test(start_paused = true)]
    async fn survives_rate_limits_and_expiring_tokens() {
        let server = DemoApi::new()
            .records(500)
            .token_ttl(Duration::from_secs(30))
            .faults(Faults::none().rate_limit_every(2).retry_after_secs(2))
            .start()
            .await
            .unwrap();
        let auth = OAuth2ClientCredentials::new(server.token_url(), "demo-client", "demo-secret");
        let client = RestClient::builder(server.base_url())
            .auth(auth)
            .no_timeout() // no pending timers for the paused clock to jump to
            .pool_idle_timeout(None)
            .build()
            .unwrap();

        let page: serde_json::Value = client.get_json("contacts?limit=100").await.unwrap();
        assert_eq!(page["results"].as_array().unwrap().len(), 100);

        tokio::time::advance(Duration::from_secs(31)).await; // the token expires
        client.get_json::<serde_json::Value>("me").await.unwrap(); // a 429, retried
        let stats = server.stats();
        assert_eq!((stats.tokens_issued, stats.rate_limited), (2, 1));
    }
}
