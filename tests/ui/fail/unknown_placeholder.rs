use rest_source::{Resource, rest_source};

#[rest_source(base_url = "https://api.example.com")]
struct Api {
    region: String,

    #[resource(path = "{regoin}/contacts")]
    contacts: Resource<serde_json::Value>,
}

fn main() {}
