use rest_source::{Resource, rest_source};

#[rest_source(base_url = "https://api.example.com")]
struct Api {
    #[resource(path = "orders", include_from_parent = ["id"])]
    orders: Resource<u8>,
    #[resource(path = "search", json = r#"{"query": }"#)]
    search: Resource<u8>,
    #[resource(path = "find", method = "DELETE", json = r#"{"q": 1}"#)]
    find: Resource<u8>,
    #[resource(path = "more", headers("X-Key" = "a", "x-key" = "b"), max_pages = 0)]
    more: Resource<u8>,
}

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Api::builder().build(), Api::SOURCE_NAME, Api::SECRET_KEYS);
}
