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

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (NotAString::builder().build(), NotAString::SOURCE_NAME, NotAString::SECRET_KEYS);
    let _ = (NotAPath::builder().build(), NotAPath::SOURCE_NAME, NotAPath::SECRET_KEYS);
    let _ = (Relative::builder().build(), Relative::SOURCE_NAME, Relative::SECRET_KEYS);
}
