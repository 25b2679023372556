use rest_source::{Resource, rest_source};

#[rest_source(
    base_url = "https://api.example.com",
    paginator = page_number(base_page = 1, page_parm = "p"),
)]
struct Api {
    #[resource(path = "a", paginator = offset(limit = "100", total_path = 5))]
    a: Resource<u8>,
    #[resource(path = "b", paginator = cursor(cursor_path = "next", stop_after_empty_page = "yes"))]
    b: Resource<u8>,
    #[resource(path = "c", paginator = single_page(limit = 1))]
    c: Resource<u8>,
}

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Api::builder().build(), Api::SOURCE_NAME, Api::SECRET_KEYS);
}
