use rest_source::rest_source;

#[rest_source(base_url = "https://api.example.com", auth = custom(tenant = secret("tenant")))]
struct Api {}

fn main() {}
