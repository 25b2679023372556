//! Injected faults: 429 with `Retry-After`, 503 with an HTML body, latency, set from the
//! builder, the handle or `POST /_admin/faults`.

use crate::common;

use std::time::Duration;

use common::{client, token};
use rest_source_demo::{DemoApi, Faults};
use serde_json::Value;

async fn statuses(http: &reqwest::Client, url: &str, token: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        let resp = http.get(url).bearer_auth(token).send().await.unwrap();
        out.push(resp.status().as_u16());
    }
    out
}

#[tokio::test]
async fn every_nth_request_is_rate_limited_with_retry_after() {
    let server = DemoApi::new()
        .rate_limit_every(3)
        .retry_after_secs(7)
        .start()
        .await
        .unwrap();
    let http = client();
    let token = token(&http, &server).await;
    let url = server.url_for("/api/v1/contacts?limit=1");
    assert_eq!(
        statuses(&http, &url, &token, 7).await,
        [200, 200, 429, 200, 200, 429, 200]
    );
    // Request 8 passes, 9 is the third 429.
    let resp = statuses_one(&http, &url, &token, 1).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "7");
    assert_eq!(server.stats().rate_limited, 3);
}

/// Sends `skip` requests, then returns the next response whole.
async fn statuses_one(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    skip: usize,
) -> reqwest::Response {
    statuses(http, url, token, skip).await;
    http.get(url).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn every_mth_request_is_a_503_with_an_html_body() {
    let server = DemoApi::new().unavailable_every(2).start().await.unwrap();
    let http = client();
    let token = token(&http, &server).await;
    let url = server.url_for("/api/v1/events");
    assert_eq!(statuses(&http, &url, &token, 4).await, [200, 503, 200, 503]);
    // Request 5 passes, 6 is the third 503.
    let resp = statuses_one(&http, &url, &token, 1).await;
    assert_eq!(resp.status(), 503);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(resp.headers().contains_key("retry-after"));
    let body = resp.text().await.unwrap();
    assert!(body.starts_with("<!DOCTYPE html>"));
    assert!(serde_json::from_str::<Value>(&body).is_err());
    assert_eq!(server.stats().unavailable, 3);
}

#[tokio::test]
async fn faults_come_before_authentication() {
    let server = DemoApi::new().rate_limit_every(1).start().await.unwrap();
    let resp = client()
        .get(server.url_for("/api/v1/contacts"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        429,
        "a gateway rate-limits before checking tokens"
    );
    assert_eq!(server.stats().unauthorized, 0);
}

#[tokio::test]
async fn faults_can_be_changed_over_http_and_restart_the_count() {
    let server = DemoApi::new().start().await.unwrap();
    let http = client();
    let token = token(&http, &server).await;
    let url = server.url_for("/api/v1/tickets");
    assert_eq!(statuses(&http, &url, &token, 3).await, [200, 200, 200]);

    let set = http
        .post(server.url_for("/_admin/faults"))
        .json(&serde_json::json!({ "rate_limit_every": 2, "retry_after_secs": 3 }))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    let now: Value = set.json().await.unwrap();
    assert_eq!(now["rate_limit_every"], 2);
    assert_eq!(now["unavailable_every"], Value::Null);
    assert_eq!(
        server.faults(),
        Faults::none().rate_limit_every(2).retry_after_secs(3)
    );
    assert_eq!(statuses(&http, &url, &token, 4).await, [200, 429, 200, 429]);

    let cleared = http
        .post(server.url_for("/_admin/faults"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 200);
    assert_eq!(statuses(&http, &url, &token, 3).await, [200, 200, 200]);

    let typo = http
        .post(server.url_for("/_admin/faults"))
        .json(&serde_json::json!({ "rate_limit_evry": 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(typo.status(), 400);
    let err: Value = typo.json().await.unwrap();
    assert!(
        err["error_description"]
            .as_str()
            .unwrap()
            .contains("rate_limit_evry")
    );
}

#[tokio::test]
async fn set_faults_on_the_handle_applies_immediately() {
    let server = DemoApi::new().start().await.unwrap();
    let http = client();
    let token = token(&http, &server).await;
    server.set_faults(Faults::none().unavailable_every(1));
    let url = server.url_for("/api/v1/orders");
    assert_eq!(statuses(&http, &url, &token, 2).await, [503, 503]);
    server.set_faults(Faults::none());
    assert_eq!(statuses(&http, &url, &token, 1).await, [200]);
}

#[tokio::test(start_paused = true)]
async fn latency_delays_responses_on_tokios_clock() {
    let server = DemoApi::new()
        .latency(Duration::from_secs(2))
        .start()
        .await
        .unwrap();
    let http = client();
    let started = tokio::time::Instant::now();
    let resp = http
        .get(server.url_for("/api/v1/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // The paused clock only moves when the server's sleep is the next timer to fire.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
