use rest_source::rest_source;

#[rest_source(base_url = "https://api.example.com")]
struct Api {
    #[auth(none)]
    region: String,
}

fn main() {}
