//! The same source written as a `#[rest_source]` struct and as a TOML config builds the same
//! resource specs and reads the same records from the demo API: the two front ends share
//! one spec model and one runtime.

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
