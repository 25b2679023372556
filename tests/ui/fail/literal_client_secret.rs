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

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Api::builder().build(), Api::SOURCE_NAME, Api::SECRET_KEYS);
}
