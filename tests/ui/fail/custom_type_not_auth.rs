use rest_source::rest_source;

/// Not an `Auth`, not `FromSecrets`: one error, on this type where the user wrote it.
struct Login;

#[rest_source(base_url = "https://api.example.com", auth = custom(Login, user = secret("user")))]
struct Api {}

fn main() {
    let _ = Api::builder().secrets_from_env().unwrap().build();
}
