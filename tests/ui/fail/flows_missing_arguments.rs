use rest_source::rest_source;

#[rest_source(
    base_url = "https://api.example.com",
    auth = oauth2_refresh_token(
        access_token_url = "https://api.example.com/oauth/token",
        client_secret = secret("client_secret"),
    ),
)]
struct Refresh {}

#[rest_source(
    base_url = "https://api.example.com",
    auth = oauth2_jwt_bearer(issuer = "etl@example.com", scopes = "read"),
)]
struct Jwt {}

#[rest_source(base_url = "https://api.example.com", auth = session_token(token_path = "token"))]
struct Session {}

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Refresh::builder().build(), Refresh::SOURCE_NAME, Refresh::SECRET_KEYS);
    let _ = (Jwt::builder().build(), Jwt::SOURCE_NAME, Jwt::SECRET_KEYS);
    let _ = (Session::builder().build(), Session::SOURCE_NAME, Session::SECRET_KEYS);
}
