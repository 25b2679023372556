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

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Typo::builder().build(), Typo::SOURCE_NAME, Typo::SECRET_KEYS);
    let _ = (NoName::builder().build(), NoName::SOURCE_NAME, NoName::SECRET_KEYS);
}
