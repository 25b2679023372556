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

/// A store file in a directory of its own, removed with the directory (the store's
/// `<path>.lock` too) when the test ends: the override's target.
fn fresh_store(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("rest-source-macro-flows-{name}-"))
        .tempdir()
        .unwrap();
    let path = dir.path().join("token.json");
    (dir, path)
}

/// Whether the shared store at `location` holds a refresh token.
async fn holds_a_token(location: &str) -> bool {
    rest_source::shared_store::token_store_at(location)
        .unwrap()
        .load()
        .await
        .unwrap()
        .is_some()
}

/// A token endpoint that rotates: `rt-1` buys `at-1` and `rt-2`, `rt-2` buys `at-2` and
/// `rt-3`; each refresh token is accepted once. `/things` answers either access token.
async fn rotating_server() -> MockServer {
    let server = MockServer::start().await;
    for (spent, access, rotated) in [("rt-1", "at-1", "rt-2"), ("rt-2", "at-2", "rt-3")] {
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .and(wiremock::matchers::body_string_contains(format!(
                "refresh_token={spent}"
            )))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": access, "refresh_token": rotated, "expires_in": 3600
            })))
            .expect(1)
            .mount(&server)
            .await;
    }
    for access in ["at-1", "at-2"] {
        Mock::given(method("GET"))
            .and(path("/things"))
            .and(header("authorization", format!("Bearer {access}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": 1}])))
            .expect(1)
            .mount(&server)
            .await;
    }
    server
}

#[rest_source(
    base_url = "https://crm.example.com/api",
    auth = oauth2_refresh_token(
        access_token_url = "https://crm.example.com/oauth/token",
        client_id = "public-app",
        refresh_token = secret("refresh_token"),
        token_store = "memory://macro-flows/builtin-attribute.json",
    ),
    paginator = single_page,
)]
struct StoredCrm {
    #[resource(path = "things")]
    things: Resource<Value>,
}

#[tokio::test]
async fn the_builder_token_store_replaces_the_attributes_for_a_refresh_token_grant() {
    let server = rotating_server().await;
    let (_dir, store) = fresh_store("builtin");
    let build = || {
        StoredCrm::builder()
            .secrets(StoredCrmSecrets {
                refresh_token: Secret::new("rt-1"),
            })
            .base_url(server.uri())
            .access_token_url(format!("{}/oauth/token", server.uri()))
            .token_store(store.to_str().unwrap())
            .build()
            .unwrap()
    };
    let first = build();
    // The model carries the builder's store, not the attribute's.
    let rest_source::spec::AuthSpec::OAuth2RefreshToken { token_store, .. } =
        first.source_spec().auth.clone().unwrap()
    else {
        panic!("a refresh-token auth")
    };
    assert_eq!(token_store.as_deref(), store.to_str());
    assert_eq!(first.things.collect().await.unwrap(), [json!({"id": 1})]);
    let saved = std::fs::read_to_string(&store).expect("the rotated token is in the file");
    assert!(saved.contains("rt-2") && !saved.contains("rt-1"), "{saved}");
    // A restart with the same, now spent, secret: the file's `rt-2` is what is sent (the
    // server accepts `rt-1` once only), and `rt-3` replaces it.
    let restarted = build();
    assert_eq!(
        restarted.things.collect().await.unwrap(),
        [json!({"id": 1})]
    );
    let saved = std::fs::read_to_string(&store).unwrap();
    assert!(saved.contains("rt-3"), "{saved}");
    assert!(
        !holds_a_token("memory://macro-flows/builtin-attribute.json").await,
        "the attribute's store was never written"
    );
    let _ = std::fs::remove_file(&store);
}

/// A custom refresh grant: the built-in flow, its token store taken from the `token_store`
/// argument, wrapped so the macro's `custom(flow = …)` path builds it.
struct RotatingGrant(rest_source::RefreshTokenFlow);

impl rest_source::OAuth2Flow for RotatingGrant {
    fn access_token_url(&self) -> &str {
        rest_source::OAuth2Flow::access_token_url(&self.0)
    }
    fn access_token_request_data(&self) -> Vec<(String, String)> {
        rest_source::OAuth2Flow::access_token_request_data(&self.0)
    }
    fn client_credentials(&self) -> Option<rest_source::ClientCredentials<'_>> {
        rest_source::OAuth2Flow::client_credentials(&self.0)
    }
    fn token_endpoint(&self) -> &rest_source::TokenEndpoint {
        rest_source::OAuth2Flow::token_endpoint(&self.0)
    }
    async fn fetch_access_token(
        &self,
        cx: &rest_source::AuthContext,
    ) -> rest_source::Result<rest_source::AccessToken> {
        rest_source::OAuth2Flow::fetch_access_token(&self.0, cx).await
    }
}

impl rest_source::spec::FromSecrets for RotatingGrant {
    fn from_secrets(args: &rest_source::spec::SecretValues) -> rest_source::Result<Self> {
        let store = rest_source::shared_store::token_store_at(args.get("token_store")?.expose())?;
        let flow = rest_source::RefreshTokenFlow::public_client(
            args.get("access_token_url")?.expose(),
            args.get("client_id")?.clone(),
            args.get("refresh_token")?.clone(),
        )
        .shared_token_store(store);
        Ok(RotatingGrant(flow))
    }
}

#[rest_source(
    base_url = "https://crm.example.com/api",
    auth = custom(
        flow = RotatingGrant,
        access_token_url = "https://crm.example.com/oauth/token",
        client_id = "public-app",
        refresh_token = secret("refresh_token"),
        token_store = "memory://macro-flows/custom-attribute.json",
    ),
    paginator = single_page,
)]
struct CustomStoredCrm {
    #[resource(path = "things")]
    things: Resource<Value>,
}

#[tokio::test]
async fn the_builder_token_store_and_url_reach_a_custom_flow() {
    let server = rotating_server().await;
    let (_dir, store) = fresh_store("custom");
    let build = || {
        CustomStoredCrm::builder()
            .secrets(CustomStoredCrmSecrets {
                refresh_token: Secret::new("rt-1"),
            })
            .base_url(server.uri())
            .access_token_url(format!("{}/oauth/token", server.uri()))
            .token_store(store.to_str().unwrap())
            .build()
            .unwrap()
    };
    let first = build();
    // The custom spec's arguments carry both overrides under the builder methods' names.
    let args = &first.source_spec().resources[0].auth;
    let shown = format!("{:?}", (args, &first.source_spec().auth));
    assert!(shown.contains(store.to_str().unwrap()), "{shown}");
    assert!(!shown.contains("custom-attribute"), "{shown}");
    assert_eq!(first.things.collect().await.unwrap(), [json!({"id": 1})]);
    let saved = std::fs::read_to_string(&store).expect("the custom flow saved to the file");
    assert!(saved.contains("rt-2"), "{saved}");
    let restarted = build();
    assert_eq!(
        restarted.things.collect().await.unwrap(),
        [json!({"id": 1})]
    );
    assert!(std::fs::read_to_string(&store).unwrap().contains("rt-3"));
    assert!(
        !holds_a_token("memory://macro-flows/custom-attribute.json").await,
        "the attribute's store was never written"
    );
    let _ = std::fs::remove_file(&store);
}

#[rest_source(
    base_url = "https://crm.example.com/api",
    paginator = single_page,
)]
struct Reordered {
    #[resource(path = "things")]
    #[auth(oauth2_refresh_token(
        access_token_url = "https://crm.example.com/oauth/token",
        client_id = "public-app",
        refresh_token = secret("refresh_token"),
        token_store = "memory://macro-flows/reordered.json",
    ))]
    things: Resource<Value>,
    #[resource(path = "things")]
    #[auth(oauth2_refresh_token(
        token_store = "memory://macro-flows/reordered.json",
        refresh_token = secret("refresh_token"),
        client_id = "public-app",
        access_token_url = "https://crm.example.com/oauth/token",
    ))]
    same_things: Resource<Value>,
}

#[tokio::test]
async fn one_refresh_token_auth_written_in_two_orders_is_one_strategy_with_one_store() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(wiremock::matchers::body_string_contains(
            "refresh_token=rt-1",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "at-1", "refresh_token": "rt-2", "expires_in": 3600
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/things"))
        .and(header("authorization", "Bearer at-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": 1}])))
        .expect(2)
        .mount(&server)
        .await;
    // Compiles: equal auths share their store (no "two refresh tokens in one store").
    let source = Reordered::builder()
        .secrets(ReorderedSecrets {
            refresh_token: Secret::new("rt-1"),
        })
        .base_url(server.uri())
        .access_token_url(format!("{}/oauth/token", server.uri()))
        .build()
        .unwrap();
    // One strategy: one refresh (the mock expects one) serves both resources.
    assert_eq!(source.things.collect().await.unwrap().len(), 1);
    assert_eq!(source.same_things.collect().await.unwrap().len(), 1);
    assert!(holds_a_token("memory://macro-flows/reordered.json").await);
}

#[rest_source(
    base_url = "https://crm.example.com/api",
    paginator = single_page,
)]
#[allow(dead_code)] // built to see `build()` refuse it, never read
struct TwoGrants {
    #[resource(path = "contacts")]
    #[auth(oauth2_refresh_token(
        access_token_url = "https://crm.example.com/oauth/token",
        client_id = "public-app",
        refresh_token = secret("contacts_token"),
    ))]
    contacts: Resource<Value>,
    #[resource(path = "deals")]
    #[auth(oauth2_refresh_token(
        access_token_url = "https://crm.example.com/oauth/token",
        client_id = "public-app",
        refresh_token = secret("deals_token"),
    ))]
    deals: Resource<Value>,
}

#[test]
fn one_builder_token_store_for_two_distinct_refresh_token_auths_is_refused_at_build() {
    let err = TwoGrants::builder()
        .secrets(TwoGrantsSecrets {
            contacts_token: Secret::new("rt-contacts"),
            deals_token: Secret::new("rt-deals"),
        })
        .token_store("memory://macro-flows/two-grants.json")
        .build()
        .map(|_| ())
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("resources.deals.auth.token_store")
            && text.contains("also where the auth of resource `contacts` keeps its refresh token"),
        "{text}"
    );
    assert!(
        !text.contains("rt-contacts") && !text.contains("rt-deals"),
        "{text}"
    );
    // Without the override each keeps its token in memory, apart: the source builds.
    assert!(
        TwoGrants::builder()
            .secrets(TwoGrantsSecrets {
                contacts_token: Secret::new("rt-contacts"),
                deals_token: Secret::new("rt-deals"),
            })
            .build()
            .is_ok()
    );
}
