//! The same source written as a `#[rest_source]` struct and as a TOML config builds the same
//! resource specs and reads the same records from the demo API: the two front ends share
//! one spec model and one runtime. Their auth, dlt-standard and non-standard, is the same
//! `AuthSpec` (`Source::auth_spec()` on the macro side, `client.auth` on the config side).

use rest_source::config::SourceConfig;
use rest_source::{Resource, SecretResolver, rest_source};
use rest_source_demo::DemoApi;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub struct Contact {
    pub id: u64,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct Note {
    pub id: u64,
    pub contact_id: u64,
}

#[derive(Debug, Deserialize)]
pub struct Report {
    pub id: u64,
}

#[rest_source(
    base_url = "http://127.0.0.1:8080/api/v1",
    auth = oauth2_client_credentials(
        access_token_url = "http://127.0.0.1:8080/oauth/token",
        client_id = secret("client_id"),
        client_secret = secret("client_secret"),
    ),
    paginator = json_link(next_url_path = "paging.next"),
)]
pub struct Crm {
    #[resource(path = "contacts", data_selector = "results", primary_key = "id")]
    pub contacts: Resource<Contact>,

    #[resource(path = "contacts/{contacts.id}/notes", data_selector = "results")]
    pub notes: Resource<Note>,

    #[resource(path = "reports", data_selector = "data", paginator = single_page)]
    #[auth(api_key(name = "X-Report-Key", api_key = secret("reports_key"), location = header))]
    pub reports: Resource<Report>,
}

const CRM_TOML: &str = r#"
name = "crm"

[client]
base_url = "http://127.0.0.1:8080/api/v1"
paginator = { type = "json_link", next_url_path = "paging.next" }

[client.auth]
type = "oauth2_client_credentials"
access_token_url = "http://127.0.0.1:8080/oauth/token"
client_id = { secret = "client_id" }
client_secret = { secret = "client_secret" }

[[resources]]
name = "contacts"
primary_key = "id"
endpoint = { path = "contacts", data_selector = "results" }

[[resources]]
name = "notes"
endpoint = { path = "contacts/{contacts.id}/notes", data_selector = "results" }

[[resources]]
name = "reports"
[resources.endpoint]
path = "reports"
data_selector = "data"
paginator = "single_page"
auth = { type = "api_key", name = "X-Report-Key", location = "header", api_key = { secret = "reports_key" } }
"#;

fn secrets() -> SecretResolver {
    let nowhere = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-secrets.toml");
    SecretResolver::for_source("crm")
        .without_env()
        .with_file(nowhere)
        .with_value("client_id", "demo-client")
        .with_value("client_secret", "demo-secret")
        .with_value("reports_key", "demo-report-key")
}

#[tokio::test]
async fn macro_and_config_build_the_same_specs_and_read_the_same_records() {
    let server = DemoApi::new().records(12).start().await.unwrap();
    let crm = Crm::builder()
        .secrets_from_resolver(&secrets())
        .unwrap()
        .base_url(server.base_url())
        .access_token_url(server.token_url())
        .build()
        .unwrap();
    let config = SourceConfig::from_toml_str(
        &CRM_TOML.replace("http://127.0.0.1:8080", server.url()),
        "crm.toml",
    )
    .unwrap();
    let source = config.build(&secrets()).unwrap();
    // One model: the whole source, as data, is the same through both front ends.
    assert_eq!(crm.source_spec(), &config.to_spec());

    let from_macro = [crm.contacts.spec(), crm.notes.spec(), crm.reports.spec()];
    let from_config: Vec<_> = source.resources().iter().map(|r| r.spec()).collect();
    assert_eq!(from_config, from_macro);

    let as_json = |r: &Resource<Value>| {
        let r = r.clone();
        async move { r.collect().await.unwrap() }
    };
    for (typed, name) in [
        (crm.contacts.typed::<Value>(), "contacts"),
        (crm.notes.typed::<Value>(), "notes"),
        (crm.reports.typed::<Value>(), "reports"),
    ] {
        let by_macro = as_json(&typed).await;
        let by_config = as_json(source.resource(name).unwrap()).await;
        assert!(!by_macro.is_empty(), "{name}");
        assert_eq!(by_config, by_macro, "{name}");
    }
    // Both sources' contacts, notes and reports: one token for each source's OAuth2 auth.
    assert_eq!(server.stats().tokens_issued, 2);
    server.shutdown().await;
}

#[rest_source(
    base_url = "https://crm.example.com/api",
    auth = oauth2_refresh_token(
        access_token_url = "https://crm.example.com/oauth/token",
        client_id = secret("client_id"),
        client_secret = secret("client_secret"),
        refresh_token = secret("refresh_token"),
        scope = "contacts:read deals:read",
        client_auth = basic,
        default_token_expiration = 600,
        token_store = ".dlt/crm_refresh_token.json",
        token_body = json,
        access_token_path = "data.access_token",
        expires_in_path = "data.ttl",
        expires_at_path = "data.expires_at",
        refresh_token_path = "data.refresh_token",
    ),
)]
pub struct Rotating {
    #[resource(path = "contacts")]
    pub contacts: Resource<Value>,
}

#[rest_source(
    base_url = "https://legacy.example.com/api",
    auth = session_token(
        login_url = "https://legacy.example.com/api/session",
        body = form,
        credentials(user = "etl-bot", password = secret("password"), api_key = secret("login_key")),
        token_header = "X-Session-Id",
        location = cookie,
        name = "sid",
        prefix = "",
        ttl = 1800,
        expires_in_path = "expires_in",
    ),
)]
pub struct Legacy {
    #[resource(path = "items")]
    pub items: Resource<Value>,
}

fn client_auth(toml: &str) -> rest_source::spec::AuthSpec {
    SourceConfig::from_toml_str(toml, "flow.toml")
        .unwrap_or_else(|e| panic!("loads:\n{e}"))
        .client
        .auth
        .expect("a client auth")
}

#[test]
fn macro_and_config_build_equal_auth_specs_for_the_refresh_token_and_session_flows() {
    let refresh = client_auth(
        r#"
[client]
base_url = "https://crm.example.com/api"
[client.auth]
type = "oauth2_refresh_token"
access_token_url = "https://crm.example.com/oauth/token"
client_id = { secret = "client_id" }
client_secret = { secret = "client_secret" }
refresh_token = { secret = "refresh_token" }
scope = ["contacts:read", "deals:read"]
client_auth = "basic"
default_token_expiration = 600
token_store = ".dlt/crm_refresh_token.json"
token_body = "json"
access_token_path = "data.access_token"
expires_in_path = "data.ttl"
expires_at_path = "data.expires_at"
refresh_token_path = "data.refresh_token"
[[resources]]
name = "contacts"
"#,
    );
    assert_eq!(Rotating::auth_spec(), Some(refresh));

    let session = client_auth(
        r#"
[client]
base_url = "https://legacy.example.com/api"
[client.auth]
type = "session_token"
login_url = "https://legacy.example.com/api/session"
body = "form"
credentials = { user = "etl-bot", password = { secret = "password" }, api_key = { secret = "login_key" } }
token_header = "X-Session-Id"
location = "cookie"
name = "sid"
prefix = ""
ttl = 1800
expires_in_path = "expires_in"
[[resources]]
name = "items"
"#,
    );
    assert_eq!(Legacy::auth_spec(), Some(session));
    // And a dlt-standard one: the source at the top of this file.
    assert_eq!(Crm::auth_spec(), Some(client_auth(CRM_TOML)));
}
