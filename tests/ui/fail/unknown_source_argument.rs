use rest_source::rest_source;

#[rest_source(base_url = "https://api.example.com", paginatr = single_page)]
struct Api {}

fn main() {}
