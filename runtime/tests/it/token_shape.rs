//! `TokenEndpoint` on the wire with the client credentials flow: renamed and nested response
//! fields, absolute expiry (unix seconds and RFC 3339) under a paused clock, JSON bodies and
//! extra headers on the token request.

use crate::common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{Reply, TestServer, client};
use rest_source_runtime::{OAuth2ClientCredentials, Secret, TokenEndpoint};
use serde_json::json;

fn credentials(server: &TestServer, endpoint: TokenEndpoint) -> OAuth2ClientCredentials {
    OAuth2ClientCredentials::new(
        server.url("/token"),
        Secret::new("my-client"),
        Secret::new("my-secret"),
    )
    .token_endpoint(endpoint)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(start_paused = true)]
async fn renamed_nested_fields_are_read_and_the_token_is_used() {
    let server = TestServer::start(|req| {
        if req.path == "/token" {
            Reply::json(
                200,
                json!({"data": {"accessToken": "nested-tok", "expiresIn": "120"}}),
            )
        } else {
            Reply::ok()
        }
    })
    .await;
    let endpoint = TokenEndpoint::new()
        .access_token_path("data.accessToken")
        .expires_in_path("data.expiresIn");
    let c = client(&server, credentials(&server, endpoint));
    c.get("api").await.unwrap();
    assert_eq!(
        server.requests_to("/api")[0].header("authorization"),
        Some("Bearer nested-tok")
    );
    // 120 s with a 12 s leeway: due at 108 s.
    tokio::time::advance(Duration::from_secs(100)).await;
    c.get("api").await.unwrap();
    assert_eq!(server.count("/token"), 1);
    tokio::time::advance(Duration::from_secs(10)).await;
    c.get("api").await.unwrap();
    assert_eq!(server.count("/token"), 2);
}

/// A token endpoint that states an absolute expiry 300 s from now, in the given form.
async fn absolute_expiry_server(rfc3339: bool) -> TestServer {
    TestServer::start(move |req| {
        if req.path == "/token" {
            let at = unix_now() + 300;
            let expires_at = if rfc3339 {
                json!(rfc3339_utc(at))
            } else {
                json!(at)
            };
            Reply::json(200, json!({"token": "abs-tok", "expires_at": expires_at}))
        } else {
            Reply::ok()
        }
    })
    .await
}

/// Formats unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days, Howard Hinnant).
fn rfc3339_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[tokio::test(start_paused = true)]
async fn absolute_expiry_in_unix_seconds_and_rfc3339_sets_the_refresh_point() {
    for rfc3339 in [false, true] {
        let server = absolute_expiry_server(rfc3339).await;
        let endpoint = TokenEndpoint::new()
            .access_token_path("token")
            .expires_at_path("expires_at");
        let c = client(&server, credentials(&server, endpoint));
        c.get("api").await.unwrap();
        // ~300 s left (minus the wall-clock second boundary), leeway 30 s: due at ~270 s.
        tokio::time::advance(Duration::from_secs(260)).await;
        c.get("api").await.unwrap();
        assert_eq!(server.count("/token"), 1, "rfc3339: {rfc3339}");
        tokio::time::advance(Duration::from_secs(15)).await;
        c.get("api").await.unwrap();
        assert_eq!(server.count("/token"), 2, "rfc3339: {rfc3339}");
    }
}

#[tokio::test(start_paused = true)]
async fn json_body_and_extra_headers_reach_the_token_endpoint() {
    let server = TestServer::start(|req| {
        if req.path == "/token" {
            Reply::json(200, json!({"access_token": "t", "expires_in": 60}))
        } else {
            Reply::ok()
        }
    })
    .await;
    let endpoint = TokenEndpoint::new()
        .json_body()
        .header("X-Tenant", "acme")
        .secret_header("X-Api-Key", Secret::new("k-123"));
    let c = client(&server, credentials(&server, endpoint).scope("read write"));
    c.get("api").await.unwrap();
    let req = &server.requests_to("/token")[0];
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.header("x-tenant"), Some("acme"));
    assert_eq!(req.header("x-api-key"), Some("k-123"));
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(
        body,
        json!({
            "grant_type": "client_credentials",
            "scope": "read write",
            "client_id": "my-client",
            "client_secret": "my-secret"
        })
    );
}

#[tokio::test]
async fn a_missing_renamed_field_names_the_configured_path() {
    let server = TestServer::start(|_| Reply::json(200, json!({"access_token": "t"}))).await;
    let endpoint = TokenEndpoint::new().access_token_path("data.accessToken");
    let err = client(&server, credentials(&server, endpoint))
        .get("api")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("has no `data.accessToken`"), "{err}");
    assert!(err.contains("fields present: `access_token`"), "{err}");
}
