use rest_source::rest_source;

#[rest_source(
    base_url = "https://api.example.com",
    headers("X Org" = "acme", "X-Key" = secret("Client-Key")),
)]
struct Api {}

fn main() {}
