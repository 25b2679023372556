use rest_source::{Resource, rest_source};

#[rest_source(
    base_url = "https://api.example.com",
    auth = session_token(
        login_url = "https://api.example.com/login",
        credentials(username = secret("user"), password = "hunter2"),
    ),
)]
struct NoSource {}

#[rest_source(base_url = "https://api.example.com")]
struct TwoSources {
    #[resource(path = "a")]
    #[auth(session_token(
        login_url = "https://api.example.com/login",
        token_path = "token",
        token_header = "X-Session",
    ))]
    a: Resource<u8>,
}

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (NoSource::builder().build(), NoSource::SOURCE_NAME, NoSource::SECRET_KEYS);
    let _ = (TwoSources::builder().build(), TwoSources::SOURCE_NAME, TwoSources::SECRET_KEYS);
}
