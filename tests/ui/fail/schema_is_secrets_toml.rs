use rest_source::rest_source;

#[rest_source(
    base_url = "https://crm.example.com",
    secrets_schema = "secrets.toml",
    auth = bearer(token = secret("token")),
)]
struct Crm {}

fn main() {}
