use rest_source::rest_source;

#[rest_source(
    base_url = "https://api.example.com",
    auth = http_basic(username = "me", password = "hunter2"),
)]
struct Api {}

fn main() {
    // The stand-ins keep code that uses the generated items compiling: no follow-on errors.
    let _ = (Api::builder().build(), Api::SOURCE_NAME, Api::SECRET_KEYS);
}
