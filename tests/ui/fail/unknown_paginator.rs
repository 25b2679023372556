use rest_source::rest_source;

#[rest_source(base_url = "https://api.example.com", paginator = json_lnk(next_url_path = "next"))]
struct Api {}

fn main() {}
