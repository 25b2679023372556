use rest_source::rest_source;

#[rest_source(
    base_url = "https://api.example.com",
    auth = api_key(name = "X-Key", api_key = secret("key"), location = heder),
)]
struct Api {}

fn main() {}
