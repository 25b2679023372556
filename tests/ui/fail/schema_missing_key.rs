use rest_source::{Resource, rest_source};

#[rest_source(
    base_url = "https://crm.example.com",
    secrets_schema = "secrets.schema.toml",
    auth = oauth2_client_credentials(
        access_token_url = "https://crm.example.com/oauth/token",
        client_id = secret("client_id"),
        client_secret = secret("client_secret"),
    ),
)]
struct Crm {
    #[resource(path = "reports")]
    #[auth(api_key(name = "X-Report-Key", api_key = secret("reports_key")))]
    reports: Resource<serde_json::Value>,

    #[resource(path = "exports")]
    #[auth(bearer(token = secret("export_token")))]
    exports: Resource<serde_json::Value>,
}

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Crm::builder().build(), Crm::SOURCE_NAME, Crm::SECRET_KEYS);
}
