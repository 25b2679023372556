use rest_source::rest_source;

#[rest_source(
    base_url = "https://api.example.com",
    auth = oauth2_client_credentials(
        access_token_url = "https://api.example.com/oauth/token",
        client_id = "my-app",
        client_secret = "s3cr3t",
    ),
)]
struct Api {}

fn main() {}
