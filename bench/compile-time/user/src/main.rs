//! A fresh user crate with one `#[rest_source]` resource: what the compile-time benchmark
//! builds cold and then re-checks after editing one attribute.

use rest_source::{Resource, rest_source};

#[derive(Debug, serde::Deserialize)]
pub struct Contact {
    pub id: u64,
    pub name: String,
}

#[rest_source(
    base_url = "https://crm.example.com/api/v1",
    auth = bearer(token = secret("token")),
    paginator = json_link(next_url_path = "paging.next"),
)]
pub struct Crm {
    // @RESOURCES@
    #[resource(path = "contacts", data_selector = "results")]
    pub contacts: Resource<Contact>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let crm = Crm::builder().secrets_from_env()?.build()?;
    for contact in crm.contacts.collect().await? {
        println!("{} {}", contact.id, contact.name);
    }
    Ok(())
}
