//! Forgetting `.build()`: the builder's state is private to a hidden module, so rustc's hint
//! lists none of its internal fields.
use rest_source::{Resource, rest_source};

#[rest_source(base_url = "https://api.example.com")]
struct Api {
    region: String,
    #[resource(path = "{region}/contacts")]
    contacts: Resource<serde_json::Value>,
}

fn main() {
    let api = Api::builder().region("eu");
    let _ = api.contacts;
}
