//! Every `secret("…")` is in the schema beside this file: no error.
use rest_source::{Resource, rest_source};

#[rest_source(
    base_url = "https://crm.example.com/api/v1",
    secrets_schema = "secrets.schema.toml",
    auth = oauth2_client_credentials(
        access_token_url = "https://crm.example.com/oauth/token",
        client_id = secret("client_id"),
        client_secret = secret("client_secret"),
    ),
)]
struct Crm {
    #[resource(path = "contacts")]
    contacts: Resource<serde_json::Value>,

    #[resource(path = "reports")]
    #[auth(api_key(name = "X-Report-Key", api_key = secret("reports_key"), location = header))]
    reports: Resource<serde_json::Value>,
}

fn main() {
    assert_eq!(Crm::SECRET_KEYS, ["client_id", "client_secret", "reports_key"]);
    let _ = |c: Crm| (c.contacts, c.reports);
}
