//! The non-standard auth forms of `#[rest_source]` end to end against a local server: a
//! session login whose token is sent with a custom prefix, a refresh-token grant with a
//! JSON token endpoint and a nested access-token path, and a JWT bearer grant signed with a
//! test key. Each login/refresh happens once for every resource that shares the auth.

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

#[rest_source(
    base_url = "https://sheets.example.com/v4",
    auth = oauth2_jwt_bearer(
        access_token_url = "https://oauth2.example.com/token",
        issuer = "etl@project.iam.example.com",
        private_key = secret("private_key"),
        scope = "sheets.read",
    ),
    paginator = single_page,
)]
struct Sheets {
    #[resource(path = "files")]
    files: Resource<Value>,
}

#[tokio::test]
async fn jwt_bearer_signs_an_assertion_and_uses_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(wiremock::matchers::body_string_contains(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer",
        ))
        .and(wiremock::matchers::body_string_contains("assertion="))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "jwt-at-1", "expires_in": 3600})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/files"))
        .and(header("authorization", "Bearer jwt-at-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": "f1"}])))
        .expect(1)
        .mount(&server)
        .await;
    // A test-only key (runtime/tests/fixtures/README.md).
    let pem = std::fs::read_to_string("runtime/tests/fixtures/jwt_test_key.pem").unwrap();
    let sheets = Sheets::builder()
        .secrets(SheetsSecrets {
            private_key: Secret::new(pem),
        })
        .base_url(server.uri())
        .access_token_url(format!("{}/token", server.uri()))
        .build()
        .unwrap();
    assert_eq!(sheets.files.collect().await.unwrap().len(), 1);
    let requests = server.received_requests().await.unwrap();
    let body = String::from_utf8_lossy(&requests[0].body).into_owned();
    let assertion = body
        .split('&')
        .find_map(|kv| kv.strip_prefix("assertion="))
        .expect("an assertion");
    assert_eq!(assertion.split('.').count(), 3, "a signed JWT: {assertion}");
}

/// A custom grant that reads plain settings next to its secret: everything in `custom(…)`
/// arrives in `from_secrets` under its argument's name.
struct PartnerGrant(rest_source::ClientCredentialsFlow);

impl rest_source::OAuth2Flow for PartnerGrant {
    fn access_token_url(&self) -> &str {
        self.0.access_token_url()
    }
    fn access_token_request_data(&self) -> Vec<(String, String)> {
        self.0.access_token_request_data()
    }
    fn client_credentials(&self) -> Option<rest_source::ClientCredentials<'_>> {
        self.0.client_credentials()
    }
}

impl rest_source::spec::FromSecrets for PartnerGrant {
    fn from_secrets(args: &rest_source::spec::SecretValues) -> rest_source::Result<Self> {
        let flow = rest_source::ClientCredentialsFlow::new(
            args.get("access_token_url")?.expose(),
            args.get("client_id")?.clone(),
            args.get("client_secret")?.clone(),
        )
        .scope(args.get("scope")?.expose());
        Ok(PartnerGrant(flow))
    }
}

#[rest_source(
    base_url = "https://partner.example.com",
    auth = custom(
        flow = PartnerGrant,
        access_token_url = "https://partner.example.com/oauth/token",
        scope = "orders:read",
        client_id = "etl-app",
        client_secret = secret("partner_secret"),
    ),
    paginator = single_page,
)]
struct Partner {
    #[resource(path = "orders")]
    orders: Resource<Value>,
}

#[tokio::test]
async fn plain_custom_arguments_and_the_token_url_override_reach_a_custom_flow() {
    let server = MockServer::start().await;
    // The plain `scope` and `client_id` from the attribute, the secret from the secrets, and
    // the token URL from the builder's override (the attribute's URL is never called).
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(wiremock::matchers::body_string_contains(
            "scope=orders%3Aread",
        ))
        .and(wiremock::matchers::body_string_contains(
            "client_id=etl-app",
        ))
        .and(wiremock::matchers::body_string_contains(
            "client_secret=partner-pw",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "partner-at", "expires_in": 3600})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/orders"))
        .and(header("authorization", "Bearer partner-at"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": 7}])))
        .expect(1)
        .mount(&server)
        .await;
    let partner = Partner::builder()
        .secrets(PartnerSecrets {
            partner_secret: Secret::new("partner-pw"),
        })
        .base_url(server.uri())
        .access_token_url(format!("{}/oauth/token", server.uri()))
        .build()
        .unwrap();
    assert_eq!(partner.orders.collect().await.unwrap(), [json!({"id": 7})]);
}

/// A custom strategy that sends, as headers, the plain settings it was given: the proof that
/// `token_store` and `token_url` (settings named like credentials, but not credentials)
/// arrive in `from_secrets`, next to the secret, under their names.
struct Settings {
    token: rest_source::Secret,
    token_store: String,
    token_url: String,
}

impl rest_source::spec::FromSecrets for Settings {
    fn from_secrets(args: &rest_source::spec::SecretValues) -> rest_source::Result<Self> {
        Ok(Settings {
            token: args.get("token")?.clone(),
            token_store: args.get("token_store")?.expose().to_owned(),
            token_url: args.get("access_token_url")?.expose().to_owned(),
        })
    }
}

impl rest_source::Auth for Settings {
    async fn sign(
        &self,
        request: &mut rest_source::reqwest::Request,
        _cx: &rest_source::AuthContext,
    ) -> rest_source::Result<()> {
        let headers = request.headers_mut();
        for (name, value) in [
            ("authorization", format!("Bearer {}", self.token.expose())),
            ("x-token-store", self.token_store.clone()),
            ("x-token-url", self.token_url.clone()),
        ] {
            let value = rest_source::reqwest::header::HeaderValue::from_str(&value)
                .map_err(|_| rest_source::Error::Config("bad header".into()))?;
            headers.insert(name, value);
        }
        Ok(())
    }
    fn scheme(&self) -> &'static str {
        "settings"
    }
}

#[rest_source(
    base_url = "https://settings.example.com",
    auth = custom(
        Settings,
        token = secret("token"),
        token_store = ".dlt/settings_tokens.json",
        access_token_url = "https://settings.example.com/oauth/token",
    ),
    paginator = single_page,
)]
struct Configured {
    #[resource(path = "things")]
    things: Resource<Value>,
}

#[tokio::test]
async fn a_token_store_path_and_the_url_override_reach_a_custom_strategy() {
    let server = MockServer::start().await;
    let token_url = format!("{}/oauth/token", server.uri());
    Mock::given(method("GET"))
        .and(path("/things"))
        .and(header("authorization", "Bearer t-1"))
        .and(header("x-token-store", ".dlt/settings_tokens.json"))
        // The builder's `access_token_url(…)` replaced the attribute's, as for built-in flows.
        .and(header("x-token-url", token_url.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": 1}])))
        .expect(1)
        .mount(&server)
        .await;
    let source = Configured::builder()
        .secrets(ConfiguredSecrets {
            token: Secret::new("t-1"),
        })
        .base_url(server.uri())
        .access_token_url(token_url.clone())
        .build()
        .unwrap();
    assert_eq!(source.things.collect().await.unwrap(), [json!({"id": 1})]);
}
