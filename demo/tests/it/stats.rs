//! The counters: what `stats()` and `GET /_admin/stats` report.

use crate::common;

use common::{client, get_json, token};
use rest_source_demo::{DemoApi, Endpoint};
use serde_json::Value;

#[tokio::test]
async fn counts_tokens_requests_per_endpoint_records_and_errors() {
    let server = DemoApi::new()
        .records(250)
        .rate_limit_every(4)
        .start()
        .await
        .unwrap();
    let http = client();
    let token = token(&http, &server).await;
    // Requests 1–3 succeed, 4 is a 429, 5 is a 401 (no token).
    for path in [
        "/api/v1/contacts?limit=100",
        "/api/v1/contacts/1/notes",
        "/api/v1/users",
    ] {
        assert_eq!(get_json(&http, &server.url_for(path), &token).await.0, 200);
    }
    assert_eq!(
        get_json(&http, &server.url_for("/api/v1/me"), &token)
            .await
            .0,
        429
    );
    let anonymous = http
        .get(server.url_for("/api/v1/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let stats = server.stats();
    assert_eq!(stats.token_requests, 1);
    assert_eq!(stats.tokens_issued, 1);
    assert_eq!(stats.api_requests, 5);
    assert_eq!(stats.endpoint(Endpoint::Contacts), 1);
    assert_eq!(stats.endpoint(Endpoint::Notes), 1);
    assert_eq!(stats.endpoint(Endpoint::Users), 1);
    assert_eq!(stats.endpoint(Endpoint::Me), 1);
    assert_eq!(stats.endpoint(Endpoint::Events), 1);
    // 100 contacts + 2 notes of contact 1 + 100 users.
    assert_eq!(stats.records_served, 202);
    assert_eq!(stats.rate_limited, 1);
    assert_eq!(stats.unauthorized, 1);

    let over_http: Value = http
        .get(server.url_for("/_admin/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http["api_requests"], 5);
    assert_eq!(over_http["endpoints"]["contacts"], 1);
    assert_eq!(over_http["records_served"], 202);
}

#[tokio::test]
async fn reset_zeroes_every_counter() {
    let server = DemoApi::new().start().await.unwrap();
    let http = client();
    let token = token(&http, &server).await;
    get_json(&http, &server.url_for("/api/v1/contacts"), &token).await;
    assert_ne!(server.stats().api_requests, 0);
    server.reset_stats();
    let stats = server.stats();
    assert_eq!(
        (
            stats.api_requests,
            stats.token_requests,
            stats.records_served
        ),
        (0, 0, 0)
    );
    let resp = http
        .post(server.url_for("/_admin/reset-stats"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}
