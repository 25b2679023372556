use rest_source::{Resource, Secret, rest_source};

#[rest_source(base_url = "https://api.example.com", auth = bearer(token = secret("token")))]
struct Api {
    region: String,

    #[resource(path = "{region}/contacts")]
    contacts: Resource<serde_json::Value>,
}

fn main() {
    let _ = Api::builder()
        .secrets(ApiSecrets { token: Secret::new("t") })
        .build();
}
