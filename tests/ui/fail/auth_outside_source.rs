use rest_source::auth;

#[auth(bearer(token = secret("token")))]
struct NotASource {
    id: u32,
}

fn main() {
    let _ = NotASource { id: 1 }.id;
}
