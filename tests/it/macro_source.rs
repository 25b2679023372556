//! A `#[rest_source]` source against a local server: the source's auth on some resources,
//! per-resource overrides on others, each credential checked on the wire, and one token
//! request shared by every resource that uses the same OAuth2 auth.

use futures::TryStreamExt;
use rest_source::spec::{FromSecrets, SecretValues};
use rest_source::{Auth, AuthContext, Resource, Secret, SecretResolver, rest_source};
use serde::Deserialize;
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Deserialize, PartialEq)]
struct Contact {
    id: u32,
    name: String,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Note {
    text: String,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Report {
    id: u32,
}

#[rest_source(
    base_url = "https://crm.example.com/api/v1",
    auth = oauth2_client_credentials(
        access_token_url = "https://crm.example.com/oauth/token",
        client_id = secret("client_id"),
        client_secret = secret("client_secret"),
        scope = "contacts:read",
    ),
    headers("X-Org" = "acme"),
    paginator = single_page,
)]
struct Crm {
    region: String,

    #[resource(
        path = "{region}/contacts",
        data_selector = "results",
        primary_key = "id"
    )]
    contacts: Resource<Contact>,

    #[resource(path = "{region}/contacts/{contacts.id}/notes")]
    notes: Resource<Note>,

    #[resource(path = "reports")]
    #[auth(api_key(name = "X-Report-Key", api_key = secret("reports_key"), location = header))]
    reports: Resource<Report>,
}

fn crm_secrets() -> CrmSecrets {
    CrmSecrets {
        client_id: Secret::new("id-1"),
        client_secret: Secret::new("secret-1"),
        reports_key: Secret::new("report-key-1"),
    }
}

async fn crm_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_secret=secret-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "tok-1", "token_type": "bearer", "expires_in": 3600
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/eu/contacts"))
        .and(header("authorization", "Bearer tok-1"))
        .and(header("x-org", "acme"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "results": [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Bob"}]
        })))
        .mount(&server)
        .await;
    for id in [1, 2] {
        Mock::given(method("GET"))
            .and(path(format!("/eu/contacts/{id}/notes")))
            .and(header("authorization", "Bearer tok-1"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!([{"text": format!("note {id}")}])),
            )
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/reports"))
        .and(header("x-report-key", "report-key-1"))
        .and(header("x-org", "acme"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([{"id": 7}])))
        .mount(&server)
        .await;
    server
}

fn crm(server: &MockServer) -> Crm {
    Crm::builder()
        .region("eu")
        .secrets(crm_secrets())
        .base_url(server.uri())
        .access_token_url(format!("{}/oauth/token", server.uri()))
        .build()
        .expect("the source builds")
}

#[tokio::test]
async fn source_auth_and_resource_override_each_reach_the_wire() {
    let server = crm_server().await;
    let crm = crm(&server);
    assert_eq!(crm.region, "eu");

    let contacts = crm.contacts.collect().await.unwrap();
    assert_eq!(
        contacts,
        [
            Contact {
                id: 1,
                name: "Ada".into()
            },
            Contact {
                id: 2,
                name: "Bob".into()
            }
        ]
    );
    let notes: Vec<Note> = crm.notes.items().try_collect().await.unwrap();
    assert_eq!(
        notes,
        [
            Note {
                text: "note 1".into()
            },
            Note {
                text: "note 2".into()
            }
        ]
    );
    assert_eq!(crm.reports.collect().await.unwrap(), [Report { id: 7 }]);

    // The override replaces the source auth: no bearer token on `reports`.
    let requests = server.received_requests().await.unwrap();
    let reports = requests
        .iter()
        .find(|r| r.url.path() == "/reports")
        .unwrap();
    assert!(reports.headers.get("authorization").is_none());
    // One token request for contacts and every notes request (`expect(1)` on drop).
}

#[tokio::test]
async fn check_makes_one_request_per_distinct_auth_and_shares_the_token() {
    let server = crm_server().await;
    let crm = crm(&server);
    crm.check().await.unwrap();
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(paths, ["/oauth/token", "/eu/contacts", "/reports"]);
    // The resources reuse the token `check` fetched: still one token request.
    crm.contacts.collect().await.unwrap();
}

#[tokio::test]
async fn check_names_the_resource_whose_auth_is_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let source = Public::builder()
        .secrets(PublicSecrets {
            user: Secret::new("u"),
            password: Secret::new("p"),
            cookie_key: Secret::new("c"),
            query_key: Secret::new("q"),
        })
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = source.check().await.unwrap_err().to_string();
    assert!(err.contains("checking resource `items` failed"), "{err}");
    assert!(!err.contains("\"p\""), "{err}");
}

#[rest_source(
    base_url = "https://public.example.com",
    auth = http_basic(username = secret("user"), password = secret("password")),
)]
struct Public {
    #[resource(path = "items", paginator = single_page)]
    items: Resource<serde_json::Value>,

    #[resource(path = "by-cookie", paginator = single_page)]
    #[auth(api_key(name = "session", api_key = secret("cookie_key"), location = cookie))]
    by_cookie: Resource<serde_json::Value>,

    #[resource(path = "by-query", paginator = single_page)]
    #[auth(api_key(name = "api_key", api_key = secret("query_key"), location = query))]
    by_query: Resource<serde_json::Value>,

    #[resource(path = "open", paginator = single_page)]
    #[auth(none)]
    open: Resource<serde_json::Value>,
}

#[tokio::test]
async fn basic_cookie_query_and_none_are_each_sent_as_declared() {
    let server = MockServer::start().await;
    let ok = || ResponseTemplate::new(200).set_body_json(serde_json::json!([{"ok": true}]));
    // base64("u:p") = dTpw
    Mock::given(path("/items"))
        .and(header("authorization", "Basic dTpw"))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/by-cookie"))
        .and(header("cookie", "session=c"))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/by-query"))
        .and(query_param("api_key", "q"))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/open"))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;

    let resolver = SecretResolver::for_source("public")
        .without_env()
        .with_project_dir(std::env::temp_dir().join("rest-source-no-such-project"))
        .with_home_dir(std::env::temp_dir().join("rest-source-no-such-home"))
        .with_value("user", "u")
        .with_value("password", "p")
        .with_value("cookie_key", "c")
        .with_value("query_key", "q");
    let source = Public::builder()
        .secrets_from_resolver(&resolver)
        .unwrap()
        .base_url(server.uri())
        .build()
        .unwrap();
    for resource in [
        &source.items,
        &source.by_cookie,
        &source.by_query,
        &source.open,
    ] {
        assert_eq!(resource.collect().await.unwrap().len(), 1);
    }
    let requests = server.received_requests().await.unwrap();
    let by_path = |p: &str| requests.iter().find(|r| r.url.path() == p).unwrap();
    assert!(by_path("/by-query").headers.get("authorization").is_none());
    assert!(by_path("/by-cookie").url.query().is_none());
    assert!(by_path("/open").headers.get("authorization").is_none());
    assert!(by_path("/open").headers.get("cookie").is_none());
}

#[test]
fn generated_secrets_struct_never_shows_values() {
    let shown = format!("{:?}", crm_secrets());
    assert!(shown.contains("client_secret"), "{shown}");
    for value in ["id-1", "secret-1", "report-key-1"] {
        assert!(!shown.contains(value), "{shown}");
    }
}

#[test]
fn missing_secrets_are_one_error_naming_the_source_and_every_key() {
    let resolver = SecretResolver::for_source(Crm::SOURCE_NAME)
        .without_env()
        .with_project_dir(std::env::temp_dir().join("rest-source-no-such-project"))
        .with_home_dir(std::env::temp_dir().join("rest-source-no-such-home"))
        .with_value("client_id", "id");
    let err = Crm::builder()
        .region("eu")
        .secrets_from_resolver(&resolver)
        .err()
        .unwrap();
    let keys: Vec<&str> = err.keys().collect();
    assert_eq!(keys, ["client_secret", "reports_key"]);
    assert_eq!(err.source(), Some("crm"));
    assert_eq!(
        Crm::SECRET_KEYS,
        ["client_id", "client_secret", "reports_key"]
    );
}

/// A custom flow: a tenant header built from a secret.
struct Tenant(Secret);

impl FromSecrets for Tenant {
    fn from_secrets(secrets: &SecretValues) -> rest_source::Result<Self> {
        Ok(Tenant(secrets.get("tenant")?.clone()))
    }
}

impl Auth for Tenant {
    async fn sign(
        &self,
        request: &mut rest_source::reqwest::Request,
        _cx: &AuthContext,
    ) -> rest_source::Result<()> {
        let value = rest_source::reqwest::header::HeaderValue::from_str(self.0.expose())
            .map_err(|_| rest_source::Error::Config("bad tenant".into()))?;
        request.headers_mut().insert("x-tenant", value);
        Ok(())
    }
    fn scheme(&self) -> &'static str {
        "tenant"
    }
}

#[rest_source(
    base_url = "https://t.example.com",
    auth = custom(Tenant, tenant = secret("tenant_id")),
    headers("X-Api-Version" = "2", "X-Signature" = secret("signature")),
)]
struct Tenanted {
    #[resource(path = "things", paginator = single_page)]
    things: Resource<serde_json::Value>,
}

#[tokio::test]
async fn custom_auth_and_secret_headers_are_built_from_secrets() {
    let server = MockServer::start().await;
    Mock::given(path("/things"))
        .and(header("x-tenant", "acme-7"))
        .and(header("x-api-version", "2"))
        .and(header("x-signature", "sig-9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([1, 2])))
        .expect(1)
        .mount(&server)
        .await;
    let source = Tenanted::builder()
        .secrets(TenantedSecrets {
            tenant_id: Secret::new("acme-7"),
            signature: Secret::new("sig-9"),
        })
        .base_url(server.uri())
        .build()
        .unwrap();
    assert_eq!(source.things.collect().await.unwrap().len(), 2);
}

/// A crate that reaches the facade only under another name, as a crate re-exporting
/// `rest_source` does: `crate = "…"` points the expansion at it.
mod renamed_facade {
    pub extern crate rest_source as renamed;

    /// What a wrapper crate would publish.
    pub mod my_facade {
        pub use super::renamed as rest_source;
    }

    use renamed::{Resource, Secret};

    #[renamed::rest_source(
        crate = "crate::macro_source::renamed_facade::my_facade::rest_source",
        base_url = "https://api.example.com",
        auth = bearer(token = secret("token")),
        paginator = single_page,
    )]
    struct Wrapped {
        #[resource(path = "things")]
        things: Resource<serde_json::Value>,
    }

    #[test]
    fn a_source_builds_through_a_renamed_facade() {
        let wrapped = Wrapped::builder()
            .secrets(WrappedSecrets {
                token: Secret::new("t"),
            })
            .build()
            .unwrap();
        assert_eq!(wrapped.things.name(), "things");
        assert_eq!(Wrapped::SECRET_KEYS, ["token"]);
    }
}
