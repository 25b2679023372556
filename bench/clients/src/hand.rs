//! (a) The bar: a hand-written reqwest loop. Token, then pages one after another, each
//! decoded straight into typed structs.

use rest_source::{RestClient, reqwest};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::common::{BoxError, Contact, Event, Scenario, Tally, Target, Ticket, User};

#[derive(Deserialize)]
struct Token {
    access_token: String,
}

#[derive(Deserialize)]
struct LinkPage<T> {
    results: Vec<T>,
    paging: Paging,
}
#[derive(Deserialize)]
struct Paging {
    next: Option<String>,
}
#[derive(Deserialize)]
struct OffsetPage<T> {
    items: Vec<T>,
    total: u64,
}
#[derive(Deserialize)]
struct NumberedPage<T> {
    data: Vec<T>,
    total_pages: u64,
}

async fn get<P: DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    token: &str,
) -> Result<P, BoxError> {
    Ok(http
        .get(url)
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

pub async fn run(scenario: Scenario, t: &Target) -> Result<Tally, BoxError> {
    // reqwest is built without a default TLS provider in this workspace; building any
    // `RestClient` installs rustls' `ring` provider, after which a plain reqwest client
    // builds (the loop itself uses nothing else of ours).
    RestClient::builder(t.base()).build()?;
    let http = reqwest::Client::new();
    let token = http
        .post(t.token_url())
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await?
        .error_for_status()?
        .json::<Token>()
        .await?
        .access_token;
    Ok(match scenario {
        Scenario::Link => link(&http, t, &token, "").await?,
        Scenario::LinkFirst => link(&http, t, &token, "&paging=first").await?,
        Scenario::Offset => offset(&http, t, &token).await?,
        Scenario::Pages => pages(&http, t, &token).await?,
        Scenario::Header => header(&http, t, &token).await?,
        Scenario::Multi => {
            let (a, b, c) = tokio::try_join!(
                link(&http, t, &token, ""),
                offset(&http, t, &token),
                pages(&http, t, &token)
            )?;
            a.merge(b).merge(c)
        }
    })
}

async fn link(
    http: &reqwest::Client,
    t: &Target,
    token: &str,
    query: &str,
) -> Result<Tally, BoxError> {
    let mut tally = Tally::default();
    let mut next = Some(format!(
        "{}/contacts?limit={}{query}",
        t.base(),
        t.page_size
    ));
    while let Some(url) = next {
        let page: LinkPage<Contact> = get(http, &url, token).await?;
        page.results.iter().for_each(|r| tally.add(r));
        next = page.paging.next;
    }
    Ok(tally)
}

async fn offset(http: &reqwest::Client, t: &Target, token: &str) -> Result<Tally, BoxError> {
    let mut tally = Tally::default();
    let mut offset = 0;
    loop {
        let url = format!("{}/events?offset={offset}&limit={}", t.base(), t.page_size);
        let page: OffsetPage<Event> = get(http, &url, token).await?;
        page.items.iter().for_each(|r| tally.add(r));
        offset += t.page_size;
        if page.items.is_empty() || offset >= page.total {
            return Ok(tally);
        }
    }
}

/// Follows `Link: <…>; rel="next"`, reading each page after the one before.
async fn header(http: &reqwest::Client, t: &Target, token: &str) -> Result<Tally, BoxError> {
    let mut tally = Tally::default();
    let mut next = Some(format!("{}/users?per_page={}", t.base(), t.page_size));
    while let Some(url) = next {
        let response = http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?;
        next = response
            .headers()
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .find(|link| link.contains("rel=\"next\""))
            .and_then(|link| Some(link.split_once('<')?.1.split_once('>')?.0.to_owned()));
        let page: Vec<User> = response.json().await?;
        page.iter().for_each(|r| tally.add(r));
    }
    Ok(tally)
}

async fn pages(http: &reqwest::Client, t: &Target, token: &str) -> Result<Tally, BoxError> {
    let mut tally = Tally::default();
    let mut page_no = 1;
    loop {
        let url = format!(
            "{}/tickets?page={page_no}&per_page={}",
            t.base(),
            t.page_size
        );
        let page: NumberedPage<Ticket> = get(http, &url, token).await?;
        page.data.iter().for_each(|r| tally.add(r));
        if page.data.is_empty() || page_no >= page.total_pages {
            return Ok(tally);
        }
        page_no += 1;
    }
}
