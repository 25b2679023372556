use rest_source::{Resource, rest_source};

#[rest_source(base_url = "https://api.example.com", auth = bearer(token = secret("token")))]
struct Api {
    #[resource(path = "contacts")]
    contacts: Resource<serde_json::Value>,
}

fn main() {
    let _ = Api::builder().build();
}
