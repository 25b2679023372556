use rest_source::rest_source;

#[rest_source(base_url = "https://api.example.com")]
struct Api {
    #[resource(path = "contacts")]
    contacts: String,
}

fn main() {}
