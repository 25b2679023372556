//! The non-standard auth forms of `#[rest_source]` end to end against a local server: a
//! session login whose token is sent with a custom prefix, and a refresh-token grant with a
//! JSON token endpoint and a nested access-token path. Each login/refresh happens once for
//! every resource that shares the auth.

use rest_source::{Resource, Secret, rest_source};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[rest_source(
    base_url = "https://legacy.example.com/api",
    auth = session_token(
        login_url = "https://legacy.example.com/api/login",
        credentials(username = "etl-bot", password = secret("password")),
        token_path = "data.token",
        prefix = "Token ",
        ttl = 1800,
    ),
    paginator = single_page,
)]
#[derive(Debug)]
struct Legacy {
    #[resource(path = "items")]
    items: Resource<Value>,
    #[resource(path = "users")]
    users: Resource<Value>,
}

#[tokio::test]
async fn session_token_logs_in_once_and_sends_the_token_as_declared() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login"))
        .and(body_partial_json(
            json!({"username": "etl-bot", "password": "pw-1"}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"token": "sess-1"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    for p in ["/items", "/users"] {
        Mock::given(method("GET"))
            .and(path(p))
            .and(header("authorization", "Token sess-1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": 1}])))
            .expect(1)
            .mount(&server)
            .await;
    }
    let legacy = Legacy::builder()
        .secrets(LegacySecrets {
            password: Secret::new("pw-1"),
        })
        .base_url(server.uri())
        .login_url(format!("{}/login", server.uri()))
        .build()
        .unwrap();
    assert_eq!(legacy.items.collect().await.unwrap().len(), 1);
    assert_eq!(legacy.users.collect().await.unwrap().len(), 1);
    // Neither the login password nor the session token shows in the source's `Debug`.
    let shown = format!("{legacy:?}");
    assert!(shown.contains("session_token"), "{shown}");
    assert!(
        !shown.contains("pw-1") && !shown.contains("sess-1"),
        "{shown}"
    );
}

#[rest_source(
    base_url = "https://crm.example.com/api",
    auth = oauth2_refresh_token(
        access_token_url = "https://crm.example.com/oauth/token",
        client_id = "public-app",
        refresh_token = secret("refresh_token"),
        token_body = json,
        access_token_path = "data.access",
    ),
    paginator = single_page,
)]
struct Crm {
    #[resource(path = "contacts")]
    contacts: Resource<Value>,
    #[resource(path = "deals")]
    deals: Resource<Value>,
}

#[tokio::test]
async fn refresh_token_grant_refreshes_once_and_signs_every_resource() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_partial_json(json!({
            "grant_type": "refresh_token",
            "refresh_token": "rt-1",
            "client_id": "public-app"
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"access": "at-1"}, "expires_in": 3600})),
        )
        .expect(1)
        .mount(&server)
        .await;
    // `check()` probes `contacts`, then both resources are read: one refresh for all three.
    for (p, times) in [("/contacts", 2), ("/deals", 1)] {
        Mock::given(method("GET"))
            .and(path(p))
            .and(header("authorization", "Bearer at-1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": 1}])))
            .expect(times)
            .mount(&server)
            .await;
    }
    let crm = Crm::builder()
        .secrets(CrmSecrets {
            refresh_token: Secret::new("rt-1"),
        })
        .base_url(server.uri())
        .access_token_url(format!("{}/oauth/token", server.uri()))
        .build()
        .unwrap();
    crm.check().await.expect("the refreshed token is accepted");
    assert_eq!(crm.contacts.collect().await.unwrap().len(), 1);
    assert_eq!(crm.deals.collect().await.unwrap().len(), 1);
}
