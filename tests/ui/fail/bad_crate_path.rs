use rest_source::{Resource, rest_source};

#[rest_source(crate = rest_source, base_url = "https://a.example")]
struct NotAString {
    #[resource(path = "a")]
    a: Resource<u8>,
}

#[rest_source(crate = "my facade", base_url = "https://a.example")]
struct NotAPath {
    #[resource(path = "a")]
    a: Resource<u8>,
}

#[rest_source(crate = "self::facade", base_url = "https://a.example")]
struct Relative {
    #[resource(path = "a")]
    a: Resource<u8>,
}

fn main() {}
