use rest_source::rest_source;

#[rest_source(
    base_url = "https://api.example.com",
    auth = oauth2_jwt_bearer(
        access_token_url = "https://oauth2.example.com/token",
        issuer = "etl@example.com",
        private_key = "-----BEGIN PRIVATE KEY-----\nMIIE...",
    ),
)]
struct Api {}

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Api::builder().build(), Api::SOURCE_NAME, Api::SECRET_KEYS);
}
