use rest_source::rest_source;

#[rest_source(base_url = "api.example.com/v1")]
struct Api {}

fn main() {}
