use rest_source::rest_source;

#[rest_source(base_url = "https://api.example.com", auth = beare(token = secret("token")))]
struct Api {}

fn main() {}
