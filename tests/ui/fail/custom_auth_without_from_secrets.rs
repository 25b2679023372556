use rest_source::{Auth, AuthContext, Resource, rest_source};

/// An `Auth` that forgot `FromSecrets`: one error, on this type where `custom(...)` names it.
struct Tenant;

impl Auth for Tenant {
    async fn sign(
        &self,
        _request: &mut rest_source::reqwest::Request,
        _cx: &AuthContext,
    ) -> rest_source::Result<()> {
        Ok(())
    }
    fn scheme(&self) -> &'static str {
        "tenant"
    }
}

#[rest_source(base_url = "https://api.example.com", auth = custom(Tenant, key = secret("key")))]
struct Api {
    #[resource(path = "things")]
    things: Resource<serde_json::Value>,
}

fn main() {
    let _ = Api::builder().secrets_from_env().unwrap().build();
}
