use rest_source::{Resource, rest_source};

const TOKEN_KEY: &str = "token";

#[rest_source(base_url = "https://api.example.com", auth = bearer(token = secret(TOKEN_KEY)))]
struct Api {
    #[resource(path = "contacts")]
    contacts: Resource<serde_json::Value>,
}

fn main() {
    let _ = TOKEN_KEY;
    let api = Api::builder().secrets_from_env().unwrap().build().unwrap();
    let _ = api.contacts;
}
