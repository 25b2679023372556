use rest_source::{Resource, rest_source};

const STATUS: &str = "open";

#[rest_source(base_url = "https://api.example.com")]
struct Api {
    region: String,
    #[resource(
        path = "orders",
        params("status" = STATUS, "key" = secret("api_key"), "since" = "{regon}", "per_page" = 10, "per_page" = 20)
    )]
    orders: Resource<u8>,
}

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Api::builder().build(), Api::SOURCE_NAME, Api::SECRET_KEYS);
}
