use rest_source::{Resource, rest_source};

#[rest_source(base_url = "https://api.example.com")]
struct Api {
    #[resource(path = "contacts")]
    contacts: Resource<serde_json::Value>,

    #[resource(path = "contacts/{contacs.id}/notes")]
    notes: Resource<serde_json::Value>,
}

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Api::builder().build(), Api::SOURCE_NAME, Api::SECRET_KEYS);
}
