use rest_source::rest_source;

struct Grant;

// `token_url` is a setting and may be written in code; `client_secret` is a credential.
#[rest_source(
    base_url = "https://api.example.com",
    auth = custom(
        flow = Grant,
        token_url = "https://api.example.com/oauth/token",
        client_secret = "hunter2",
    ),
)]
struct Api {}

fn main() {
    let _ = Grant;
    let _ = Api::builder().secrets_from_env();
}
