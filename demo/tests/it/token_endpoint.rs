//! `POST /oauth/token`: client credentials (body and Basic), RFC 6749 errors, expiry on
//! tokio's clock, revocation and refresh-token rotation.

use crate::common;

use std::time::Duration;

use common::{client, get_json, token, token_response};
use rest_source_demo::DemoApi;
use serde_json::Value;

#[tokio::test]
async fn issues_a_bearer_token_for_credentials_in_the_body() {
    let server = DemoApi::new().start().await.unwrap();
    let http = client();
    let body = token_response(&http, &server).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 30);
    assert!(
        body.get("refresh_token").is_none(),
        "refresh tokens are off by default"
    );
    let token = body["access_token"].as_str().unwrap();
    let (status, me) = get_json(&http, &server.url_for("/api/v1/me"), token).await;
    assert_eq!(status, 200);
    assert_eq!(me["client_id"], "demo-client");
}

#[tokio::test]
async fn issues_a_token_for_http_basic_and_echoes_the_scope() {
    let server = DemoApi::new().start().await.unwrap();
    let resp = client()
        .post(server.token_url())
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "contacts:read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["scope"], "contacts:read");
    assert!(body["access_token"].as_str().unwrap().len() > 20);
}

#[tokio::test]
async fn wrong_secret_is_invalid_client_with_a_basic_challenge() {
    let server = DemoApi::new().start().await.unwrap();
    let resp = client()
        .post(server.token_url())
        .basic_auth("demo-client", Some("nope"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["www-authenticate"], r#"Basic realm="demo""#);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("wrong secret")
    );
    assert_eq!(server.stats().unauthorized, 1);
    assert_eq!(server.stats().tokens_issued, 0);
}

#[tokio::test]
async fn configured_credentials_replace_the_demo_ones() {
    let server = DemoApi::new()
        .client_credentials("svc", "s3cr3t")
        .start()
        .await
        .unwrap();
    let http = client();
    let post = |id: &'static str, secret: &'static str| {
        http.post(server.token_url())
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ])
            .send()
    };
    assert_eq!(
        post("demo-client", "demo-secret").await.unwrap().status(),
        401
    );
    assert_eq!(post("svc", "s3cr3t").await.unwrap().status(), 200);
}

#[tokio::test]
async fn malformed_requests_get_rfc_6749_errors() {
    let server = DemoApi::new().start().await.unwrap();
    let http = client();
    let error = |form: Vec<(&'static str, &'static str)>, basic: bool| {
        let mut req = http.post(server.token_url()).form(&form);
        if basic {
            req = req.basic_auth("demo-client", Some("demo-secret"));
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap();
            (status, body["error"].as_str().unwrap().to_owned())
        }
    };
    let creds = [
        ("client_id", "demo-client"),
        ("client_secret", "demo-secret"),
    ];
    assert_eq!(
        error(creds.to_vec(), false).await,
        (400, "invalid_request".into()),
        "missing grant_type"
    );
    let mut password = creds.to_vec();
    password.push(("grant_type", "password"));
    assert_eq!(
        error(password, false).await,
        (400, "unsupported_grant_type".into())
    );
    let refresh = vec![("grant_type", "refresh_token"), ("refresh_token", "x")];
    assert_eq!(
        error(refresh, true).await,
        (400, "unsupported_grant_type".into()),
        "refresh tokens are off by default"
    );
    let mut twice = creds.to_vec();
    twice.push(("grant_type", "client_credentials"));
    assert_eq!(
        error(twice, true).await,
        (400, "invalid_request".into()),
        "Basic and body credentials together"
    );
    assert_eq!(
        error(vec![("grant_type", "client_credentials")], false).await,
        (401, "invalid_client".into()),
        "no credentials at all"
    );
    let resp = http.get(server.token_url()).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
}

#[tokio::test(start_paused = true)]
async fn tokens_expire_after_their_ttl_on_tokios_clock() {
    let server = DemoApi::new()
        .token_ttl(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let http = client();
    let token = token(&http, &server).await;
    let me = server.url_for("/api/v1/me");

    tokio::time::advance(Duration::from_secs(29)).await;
    let (status, body) = get_json(&http, &me, &token).await;
    assert_eq!(status, 200, "valid just before the TTL: {body}");
    assert_eq!(
        body["token_expires_in"], 1,
        "one second left on the paused clock"
    );

    tokio::time::advance(Duration::from_secs(1)).await;
    let resp = http.get(&me).bearer_auth(&token).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let challenge = resp.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer ") && challenge.contains(r#"error="invalid_token""#));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error_description"], "the access token expired");

    let fresh = common::token(&http, &server).await;
    assert_eq!(get_json(&http, &me, &fresh).await.0, 200);
}

#[tokio::test]
async fn unknown_and_missing_tokens_are_rejected() {
    let server = DemoApi::new().start().await.unwrap();
    let http = client();
    let contacts = server.url_for("/api/v1/contacts");
    let resp = http
        .get(&contacts)
        .bearer_auth("at_1_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(
        resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let resp = http.get(&contacts).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["www-authenticate"], r#"Bearer realm="demo""#);
    assert_eq!(server.stats().unauthorized, 2);
}

#[tokio::test]
async fn revoked_tokens_get_401_on_the_next_request() {
    let server = DemoApi::new().start().await.unwrap();
    let http = client();
    let token = token(&http, &server).await;
    let me = server.url_for("/api/v1/me");
    assert_eq!(get_json(&http, &me, &token).await.0, 200);

    assert_eq!(server.revoke_tokens(), 1);
    let (status, body) = get_json(&http, &me, &token).await;
    assert_eq!(status, 401);
    assert_eq!(body["error_description"], "the access token was revoked");

    // Same through the admin endpoint, for tests that only have the URL.
    let second = common::token(&http, &server).await;
    let resp = http
        .post(server.url_for("/_admin/revoke-tokens"))
        .send()
        .await
        .unwrap();
    let revoked: Value = resp.json().await.unwrap();
    assert_eq!(revoked["revoked"], 1);
    assert_eq!(get_json(&http, &me, &second).await.0, 401);
}

async fn refresh(http: &reqwest::Client, url: &str, refresh_token: &str) -> (u16, Value) {
    let resp = http
        .post(url)
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn refresh_tokens_rotate_and_are_single_use() {
    let server = DemoApi::new().refresh_tokens(true).start().await.unwrap();
    let http = client();
    let first = token_response(&http, &server).await;
    let first_refresh = first["refresh_token"].as_str().unwrap().to_owned();

    let (status, second) = refresh(&http, &server.token_url(), &first_refresh).await;
    assert_eq!(status, 200);
    let second_refresh = second["refresh_token"].as_str().unwrap();
    assert_ne!(
        second_refresh, first_refresh,
        "a new refresh token each time"
    );
    assert_ne!(second["access_token"], first["access_token"]);
    let me = server.url_for("/api/v1/me");
    assert_eq!(
        get_json(&http, &me, second["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );

    let (status, reused) = refresh(&http, &server.token_url(), &first_refresh).await;
    assert_eq!(status, 400);
    assert_eq!(reused["error"], "invalid_grant");

    let (status, _) = refresh(&http, &server.token_url(), second_refresh).await;
    assert_eq!(status, 200, "the rotated token still works once");
    assert_eq!(server.stats().refresh_grants, 2);
}

#[tokio::test]
async fn revoking_refresh_tokens_ends_the_rotation_chain() {
    let server = DemoApi::new().refresh_tokens(true).start().await.unwrap();
    let http = client();
    let body = token_response(&http, &server).await;
    server.revoke_all_tokens();
    let (status, err) = refresh(
        &http,
        &server.token_url(),
        body["refresh_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}
