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

fn main() {}
