use rest_source::{Resource, rest_source};

#[rest_source(base_url = "https://api.example.com", paginator = offset(limit = 0))]
struct Api {
    #[resource(path = "a", paginator = page_number(base_page = 1, stop_after_empty_page = false))]
    a: Resource<u8>,
}

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Api::builder().build(), Api::SOURCE_NAME, Api::SECRET_KEYS);
}
