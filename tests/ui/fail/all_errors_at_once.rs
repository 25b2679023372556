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

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Api::builder().build(), Api::SOURCE_NAME, Api::SECRET_KEYS);
}
