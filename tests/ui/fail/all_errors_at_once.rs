use rest_source::{Resource, rest_source};

#[rest_source(
    base_url = "ftp://api.example.com",
    auth = bearer(token = "literal"),
    paginator = offset(limt = 100),
)]
struct Api {
    region: String,

    #[resource(path = "{region}/contacts/{owner}")]
    contacts: Resource<serde_json::Value>,
}

// The struct is still emitted with its fields, so this code adds no errors of its own.
fn region(api: &Api) -> &str {
    let _ = &api.contacts;
    &api.region
}

fn main() {}
