use rest_source::{Resource, rest_source};

#[derive(Clone)]
#[rest_source(base_url = "https://api.example.com")]
struct Api {
    #[resource(path = "contacts")]
    contacts: Resource<serde_json::Value>,
}

fn main() {
    let api = Api::builder().build().unwrap();
    let _ = api.clone();
}
