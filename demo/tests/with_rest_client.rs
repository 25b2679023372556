//! The demo API driven by the runtime's `RestClient`: auth strategies and retries against a
//! real server, the way the quickstart and examples use it.

mod common;

use std::collections::HashSet;

use rest_source_demo::DemoApi;
use rest_source_runtime::{ApiKey, BearerToken, RestClient};
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
