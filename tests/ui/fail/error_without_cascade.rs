//! One mistake, one error: with the macro's error reported, the code that uses everything the
//! macro generates still type-checks against stand-ins, so nothing else is reported.
use rest_source::{Resource, Secret, SecretResolver, rest_source};

#[rest_source(
    base_url = "https://api.example.com",
    auth = bearer(token = secret("token")),
    paginatr = single_page,
)]
#[derive(Debug)]
pub struct Api {
    pub region: String,
    #[resource(path = "{region}/contacts")]
    pub contacts: Resource<serde_json::Value>,
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let api = Api::builder()
        .region("eu")
        .secrets(ApiSecrets { token: Secret::new("t") })
        .base_url("http://127.0.0.1:1")
        .access_token_url("http://127.0.0.1:1/token")
        .login_url("http://127.0.0.1:1/login")
        .configure_client(|c| c)
        .build()?;
    api.check().await?;
    let _ = api.contacts.collect().await?;
    let _ = Api::builder().region("us").secrets_from_env()?.build()?;
    let resolver = SecretResolver::for_source(Api::SOURCE_NAME);
    let _ = Api::builder().region("us").secrets_from_resolver(&resolver)?;
    let _ = ApiSecrets::from_resolver(&resolver)?.to_values();
    let _: &[&str] = Api::SECRET_KEYS;
    let _ = Api::auth_spec();
    println!("{api:?}");
    Ok(())
}

fn main() {
    let _ = run();
}
