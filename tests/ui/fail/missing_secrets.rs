use rest_source::{Resource, Secret, rest_source};

#[rest_source(
    base_url = "https://api.example.com",
    auth = http_basic(username = secret("user"), password = secret("password")),
)]
struct Api {
    #[resource(path = "contacts")]
    contacts: Resource<serde_json::Value>,
}

fn main() {
    // The typed secrets struct: forgetting a key does not compile.
    let _ = ApiSecrets { user: Secret::new("u") };
}
