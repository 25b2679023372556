//! One invalid source per rule the macro shares with the config (`rest_source_spec::validate`);
//! `tests/shared_rules.rs` loads the same sources as configs and checks that each message
//! below is the config's too.

use rest_source::{Resource, rest_source};

#[rest_source(base_url = "ftp://files.example.com")]
struct BaseUrlScheme {}

#[rest_source(base_url = "https://", name = "empty_host")]
struct BaseUrlHost {}

#[rest_source(
    base_url = "https://crm.example.com/api",
    headers("Authorization" = "Bearer abc123")
)]
struct CredentialHeader {}

#[rest_source(base_url = "https://crm.example.com/api")]
struct ResourceCredentialHeader {
    #[resource(path = "reports", headers("X-Api-Key" = "abc123"))]
    reports: Resource<serde_json::Value>,
}

#[rest_source(base_url = "https://crm.example.com/api")]
struct JsonWithoutPost {
    #[resource(path = "search", json = r#"{"query": "rust"}"#)]
    search: Resource<serde_json::Value>,
}

fn main() {}
