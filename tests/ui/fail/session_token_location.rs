use rest_source::rest_source;

#[rest_source(
    base_url = "https://api.example.com",
    auth = session_token(
        login_url = "https://api.example.com/login",
        token_path = "token",
        location = heder,
    ),
)]
struct Typo {}

#[rest_source(
    base_url = "https://api.example.com",
    auth = session_token(
        login_url = "https://api.example.com/login",
        token_path = "token",
        location = query,
        body = xml,
    ),
)]
struct NoName {}

fn main() {}
