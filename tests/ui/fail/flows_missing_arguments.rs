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

fn main() {}
