use rest_source::rest_source;

#[rest_source(
    base_url = "https://api.example.com",
    auth = oauth2_refresh_token(
        access_token_url = "https://api.example.com/oauth/token",
        client_id = "app",
        refresh_token = "1//0gX-refresh-token",
    ),
)]
struct Api {}

fn main() {}
