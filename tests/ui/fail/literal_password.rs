use rest_source::rest_source;

#[rest_source(
    base_url = "https://api.example.com",
    auth = http_basic(username = "me", password = "hunter2"),
)]
struct Api {}

fn main() {}
