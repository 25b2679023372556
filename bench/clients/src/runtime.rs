//! (b) The source through the runtime API: one client (OAuth2), one spec per resource.

use rest_source::spec::{OffsetPaginator, PageNumberPaginator, PaginatorSpec, ResourceSpec};
use rest_source::{OAuth2ClientCredentials, Resource, RestClient};

use crate::common::{BoxError, Contact, Event, Resources, Scenario, Tally, Target, Ticket, User};

pub struct Source {
    pub contacts: Resource<Contact>,
    pub contacts_first: Resource<Contact>,
    pub events: Resource<Event>,
    pub tickets: Resource<Ticket>,
    pub users: Resource<User>,
}

pub fn source(t: &Target) -> Result<Source, BoxError> {
    let auth = OAuth2ClientCredentials::new(t.token_url(), "demo-client", "demo-secret");
    let client = RestClient::builder(t.base()).auth(auth).build()?;
    let c = t.concurrency;
    Ok(Source {
        contacts: Resource::new(
            client.clone(),
            ResourceSpec::new("contacts", "contacts")
                .param("limit", t.page_size)
                .data_selector("results")
                .paginator(PaginatorSpec::json_link("paging.next"))
                .concurrency(c),
        )?,
        contacts_first: Resource::new(
            client.clone(),
            ResourceSpec::new("contacts", "contacts")
                .param("limit", t.page_size)
                .param("paging", "first")
                .data_selector("results")
                .paginator(PaginatorSpec::json_link("paging.next"))
                .concurrency(c),
        )?,
        events: Resource::new(
            client.clone(),
            ResourceSpec::new("events", "events")
                .data_selector("items")
                .paginator(OffsetPaginator::new(t.page_size).total_path("total"))
                .concurrency(c),
        )?,
        users: Resource::new(
            client.clone(),
            ResourceSpec::new("users", "users")
                .param("per_page", t.page_size)
                .paginator(PaginatorSpec::header_link())
                .concurrency(c),
        )?,
        tickets: Resource::new(
            client,
            ResourceSpec::new("tickets", "tickets")
                .param("per_page", t.page_size)
                .data_selector("data")
                .paginator(
                    PageNumberPaginator::default()
                        .base_page(1)
                        .total_path("total_pages"),
                )
                .concurrency(c),
        )?,
    })
}

pub async fn run(scenario: Scenario, t: &Target) -> Result<Tally, BoxError> {
    let s = source(t)?;
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
