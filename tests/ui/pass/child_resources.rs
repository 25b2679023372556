//! Parameters fill `{name}`; `{parent.field}` makes a child resource, to any depth.
use rest_source::{Resource, Secret, rest_source};

#[derive(serde::Deserialize)]
struct Contact {
    id: u64,
}

#[rest_source(base_url = "https://crm.example.com/api", auth = bearer(token = secret("token")))]
#[derive(Clone, Debug)] // sees the expanded struct, hidden state included
struct Crm {
    region: String,
    page_size: u32,

    #[resource(path = "{region}/contacts", data_selector = "results", primary_key = "id",
               paginator = offset(limit = 100, offset_param = "start"))]
    contacts: Resource<Contact>,

    #[resource(path = "{region}/contacts/{contacts.id}/notes")]
    notes: Resource<serde_json::Value>,

    #[resource(path = "notes/{notes.id}/attachments")]
    attachments: Resource<serde_json::Value>,
}

fn main() {
    let crm = Crm::builder()
        .page_size(50u32)
        .region("eu")
        .secrets(CrmSecrets { token: Secret::new("t") })
        .build()
        .unwrap();
    let shown = format!("{:?}", crm.clone());
    assert!(!shown.contains("\"t\""), "{shown}");
    let _ = (crm.region, crm.page_size, crm.contacts, crm.notes, crm.attachments);
    let _ = |c: Contact| c.id;
}
