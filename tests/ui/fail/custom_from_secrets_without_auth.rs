use rest_source::spec::{FromSecrets, SecretValues};
use rest_source::{Resource, Secret, rest_source};

/// Built from secrets, but signs nothing: one error, that it is not an `Auth`.
struct Tenant(Secret);

impl FromSecrets for Tenant {
    fn from_secrets(secrets: &SecretValues) -> rest_source::Result<Self> {
        Ok(Tenant(secrets.get("key")?.clone()))
    }
}

#[rest_source(base_url = "https://api.example.com", auth = custom(Tenant, key = secret("key")))]
struct Api {
    #[resource(path = "things")]
    things: Resource<serde_json::Value>,
}

fn main() {
    let _ = Tenant(Secret::new("k")).0;
    let _ = Api::builder().secrets_from_env().unwrap().build();
}
