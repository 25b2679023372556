use rest_source::rest_source;

#[rest_source(
    base_url = "https://crm.example.com",
    secrets_schema = "valued.schema.toml",
    auth = bearer(token = secret("token")),
)]
struct Crm {}

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Crm::builder().build(), Crm::SOURCE_NAME, Crm::SECRET_KEYS);
}
