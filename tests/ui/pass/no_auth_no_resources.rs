//! The smallest source: no auth, no secrets (the builder needs no `.secrets(…)`), renamed.
use rest_source::rest_source;

#[rest_source(base_url = "https://status.example.com", name = "status_page")]
pub struct Status {}

fn main() {
    let status = Status::builder().build().unwrap();
    let _ = status;
    assert_eq!(Status::SOURCE_NAME, "status_page");
    assert!(StatusSecrets::KEYS.is_empty());
}
