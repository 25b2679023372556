use rest_source::{Resource, rest_source};

#[rest_source(base_url = "https://api.example.com")]
struct Api {
    #[resource(path = "a/{b.id}")]
    a: Resource<serde_json::Value>,

    #[resource(path = "b/{a.id}")]
    b: Resource<serde_json::Value>,
}

fn main() {}
