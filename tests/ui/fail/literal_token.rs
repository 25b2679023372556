use rest_source::rest_source;

#[rest_source(base_url = "https://api.example.com", auth = bearer(token = "sk_live_123"))]
struct Api {}

fn main() {}
