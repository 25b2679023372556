//! The non-paginated endpoints: child notes, the API-key report, `me`, `status`, 404s.

use crate::common;

use common::{client, get_json, token};
use rest_source_demo::DemoApi;
use serde_json::Value;

#[tokio::test]
async fn each_contact_has_its_own_deterministic_notes() {
    let server = DemoApi::new().records(20).start().await.unwrap();
    let http = client();
    let token = token(&http, &server).await;
    let mut counts = Vec::new();
    for id in 1..=6 {
        let url = server.url_for(&format!("/api/v1/contacts/{id}/notes"));
        let (status, page) = get_json(&http, &url, &token).await;
        assert_eq!(status, 200);
        let notes = page["results"].as_array().unwrap();
        assert!(notes.iter().all(|n| n["contact_id"] == id), "{page}");
        assert_eq!(page["paging"]["next"], Value::Null);
        let (_, again) = get_json(&http, &url, &token).await;
        assert_eq!(again, page, "same notes on every request");
        counts.push(notes.len());
    }
    assert_eq!(counts, [2, 3, 1, 2, 3, 1]);
}

#[tokio::test]
async fn notes_of_an_unknown_contact_are_404() {
    let server = DemoApi::new().records(20).start().await.unwrap();
    let http = client();
    let token = token(&http, &server).await;
    let (status, err) = get_json(&http, &server.url_for("/api/v1/contacts/21/notes"), &token).await;
    assert_eq!(status, 404);
    assert!(err["error_description"].as_str().unwrap().contains("`21`"));
    assert_eq!(server.stats().not_found, 1);
}

#[tokio::test]
async fn reports_accept_the_api_key_in_the_header() {
    let server = DemoApi::new().start().await.unwrap();
    let resp = client()
        .get(server.url_for("/api/v1/reports"))
        .header("X-Report-Key", "demo-report-key")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 24);
    assert_eq!(data[0]["period"], "2024-01");
    assert_eq!(data[0]["generated_at"], "2024-02-01T00:00:00Z");
    assert_eq!(data[23]["period"], "2025-12");
}

#[tokio::test]
async fn reports_accept_the_api_key_in_the_query() {
    let server = DemoApi::new().api_key("k-123").start().await.unwrap();
    let http = client();
    let ok = http
        .get(server.url_for("/api/v1/reports?api_key=k-123"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let wrong = http
        .get(server.url_for("/api/v1/reports?api_key=demo-report-key"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"], "invalid_api_key");
}

#[tokio::test]
async fn reports_reject_bearer_tokens_and_missing_keys() {
    let server = DemoApi::new().start().await.unwrap();
    let http = client();
    let token = token(&http, &server).await;
    let (status, body) = get_json(&http, &server.url_for("/api/v1/reports"), &token).await;
    assert_eq!(status, 401);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("X-Report-Key")
    );
}

#[tokio::test]
async fn status_is_public_and_me_needs_a_token() {
    let server = DemoApi::new().start().await.unwrap();
    let http = client();
    let status = http
        .get(server.url_for("/api/v1/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 200);
    assert_eq!(status.json::<Value>().await.unwrap()["status"], "ok");
    let me = http.get(server.url_for("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), 401);
}

#[tokio::test]
async fn unknown_paths_are_json_404s_that_say_where_to_look() {
    let server = DemoApi::new().start().await.unwrap();
    let http = client();
    for path in [
        "/api/v1/contact",
        "/v1/contacts",
        "/api/v1/contacts/x/notes",
    ] {
        let resp = http.get(server.url_for(path)).send().await.unwrap();
        assert_eq!(resp.status(), 404, "{path}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "not_found");
    }
    let post = http
        .post(server.url_for("/api/v1/contacts"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
}

#[tokio::test]
async fn base_url_joins_with_resource_paths() {
    let server = DemoApi::new().start().await.unwrap();
    let resp = client()
        .get(format!("{}/status", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(server.url(), format!("http://{}", server.addr()));
}

#[tokio::test]
async fn shutdown_stops_accepting_connections() {
    let server = DemoApi::new().start().await.unwrap();
    let url = server.url_for("/api/v1/status");
    // A fresh client per request so no kept-alive connection outlives the listener.
    let fresh = || {
        rest_source_runtime::tls::install_crypto_provider();
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap()
    };
    assert_eq!(fresh().get(&url).send().await.unwrap().status(), 200);
    server.shutdown().await;
    let err = fresh().get(&url).send().await.unwrap_err();
    assert!(err.is_connect(), "{err}");
}

#[test]
fn debug_output_keeps_the_configured_secrets_out() {
    let api = DemoApi::new()
        .client_credentials("svc", "hunter2-secret")
        .api_key("key-abc123");
    let debug = format!("{api:?}");
    assert!(debug.contains("svc"), "{debug}");
    assert!(
        !debug.contains("hunter2-secret") && !debug.contains("key-abc123"),
        "{debug}"
    );
}
