use rest_source::{Resource, rest_source};

#[rest_source(base_url = "https://api.example.com")]
struct Api {
    #[resource(path = "a", incremental(cursor_path = "updated_at", start_parm = "since"))]
    a: Resource<u8>,
    #[resource(path = "b", incremental(start_param = "since", initial_value = now()))]
    b: Resource<u8>,
}

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Api::builder().build(), Api::SOURCE_NAME, Api::SECRET_KEYS);
}
