//! (c) The same source declared with the macro. Its URLs are placeholders: the builder
//! points the source at the demo server's port. Page sizes are the demo's default (100).

use rest_source::{Resource, Secret, rest_source};

use crate::common::{BoxError, Contact, Event, Resources, Scenario, Tally, Target, Ticket, User};

#[rest_source(
    base_url = "http://127.0.0.1/api/v1",
    auth = oauth2_client_credentials(
        access_token_url = "http://127.0.0.1/oauth/token",
        client_id = secret("client_id"),
        client_secret = secret("client_secret"),
    ),
)]
pub struct Demo {
    #[resource(
        path = "contacts",
        data_selector = "results",
        paginator = json_link(next_url_path = "paging.next")
    )]
    pub contacts: Resource<Contact>,

    #[resource(
        path = "contacts",
        params("paging" = "first"),
        data_selector = "results",
        paginator = json_link(next_url_path = "paging.next")
    )]
    pub contacts_first: Resource<Contact>,

    #[resource(
        path = "events",
        data_selector = "items",
        paginator = offset(limit = 100, total_path = "total")
    )]
    pub events: Resource<Event>,

    #[resource(
        path = "tickets",
        data_selector = "data",
        paginator = page_number(base_page = 1, total_path = "total_pages")
    )]
    pub tickets: Resource<Ticket>,

    #[resource(path = "users", params("per_page" = 100), paginator = header_link)]
    pub users: Resource<User>,
}

pub async fn run(scenario: Scenario, t: &Target) -> Result<Tally, BoxError> {
    if t.page_size != 100 {
        return Err("the macro-defined source pages by 100; run it with `--page-size 100`".into());
    }
    let s = Demo::builder()
        .secrets(DemoSecrets {
            client_id: Secret::new("demo-client"),
            client_secret: Secret::new("demo-secret"),
        })
        .base_url(t.base())
        .access_token_url(t.token_url())
        .build()?;
    Resources {
        contacts: &s.contacts,
        contacts_first: &s.contacts_first,
        events: &s.events,
        tickets: &s.tickets,
        users: &s.users,
    }
    .drain(scenario)
    .await
}
