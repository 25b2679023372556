//! Every pagination shape walked to the end: the right number of records, each once.

use crate::common;

use std::collections::HashSet;

use common::{client, get_json, token};
use rest_source_demo::{Collection, DemoApi, DemoServer};
use serde_json::Value;

struct Walk {
    ids: Vec<u64>,
    pages: usize,
}

impl Walk {
    fn new() -> Self {
        Walk {
            ids: Vec::new(),
            pages: 0,
        }
    }

    fn take(&mut self, records: &Value) {
        self.pages += 1;
        for r in records.as_array().expect("records array") {
            self.ids.push(r["id"].as_u64().expect("numeric id"));
        }
    }

    /// Asserts ids `1..=total`, each exactly once, in order.
    fn assert_complete(&self, total: u64) {
        let unique: HashSet<_> = self.ids.iter().collect();
        assert_eq!(unique.len(), self.ids.len(), "duplicates in {:?}", self.ids);
        assert_eq!(self.ids, (1..=total).collect::<Vec<_>>());
    }
}

async fn setup(records: u64) -> (DemoServer, reqwest::Client, String) {
    let server = DemoApi::new().records(records).start().await.unwrap();
    let http = client();
    let token = token(&http, &server).await;
    (server, http, token)
}

#[tokio::test]
async fn json_link_contacts_walk_to_the_end() {
    let (server, http, token) = setup(1234).await;
    let mut walk = Walk::new();
    let mut next = Some(server.url_for("/api/v1/contacts?limit=100"));
    while let Some(url) = next {
        let (status, page) = get_json(&http, &url, &token).await;
        assert_eq!(status, 200, "{page}");
        walk.take(&page["results"]);
        next = page["paging"]["next"].as_str().map(str::to_owned);
        if let Some(next) = &next {
            assert!(next.starts_with(server.url()), "absolute next link: {next}");
        }
    }
    walk.assert_complete(1234);
    assert_eq!(walk.pages, 13);
}

#[tokio::test]
async fn contacts_default_to_100_and_clamp_to_1000_per_page() {
    let (server, http, token) = setup(2500).await;
    let (_, page) = get_json(&http, &server.url_for("/api/v1/contacts"), &token).await;
    assert_eq!(page["results"].as_array().unwrap().len(), 100);
    let url = server.url_for("/api/v1/contacts?limit=5000");
    let (_, page) = get_json(&http, &url, &token).await;
    assert_eq!(page["results"].as_array().unwrap().len(), 1000);
    let (status, err) = get_json(&http, &server.url_for("/api/v1/contacts?limit=0"), &token).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_parameter"))
    );
}

#[tokio::test]
async fn contacts_have_increasing_iso_timestamps() {
    let (server, http, token) = setup(50).await;
    let (_, page) = get_json(&http, &server.url_for("/api/v1/contacts"), &token).await;
    let results = page["results"].as_array().unwrap();
    let first = &results[0];
    for field in [
        "id",
        "name",
        "email",
        "company",
        "tags",
        "created_at",
        "updated_at",
    ] {
        assert!(first.get(field).is_some(), "missing `{field}` in {first}");
    }
    let updated: Vec<&str> = results
        .iter()
        .map(|c| c["updated_at"].as_str().unwrap())
        .collect();
    assert!(updated.windows(2).all(|w| w[0] < w[1]), "{updated:?}");
    assert!(updated.iter().all(|u| u.len() == 20 && u.ends_with('Z')));
}

#[tokio::test]
async fn updated_since_returns_only_later_contacts_and_keeps_the_filter_in_next() {
    let (server, http, token) = setup(300).await;
    // Contact 200 was updated at 2024-01-01T00:00:00Z + 200 min + 30 min = 03:50.
    let url = server.url_for("/api/v1/contacts?limit=60&updated_since=2024-01-01T03:50:00Z");
    let (status, page) = get_json(&http, &url, &token).await;
    assert_eq!(status, 200);
    assert_eq!(page["results"][0]["id"], 200);
    assert_eq!(page["results"][0]["updated_at"], "2024-01-01T03:50:00Z");
    let next = page["paging"]["next"].as_str().unwrap();
    assert!(
        next.contains("updated_since=2024-01-01T03%3A50%3A00Z"),
        "{next}"
    );
    let mut walk = Walk::new();
    walk.take(&page["results"]);
    let mut next = Some(next.to_owned());
    while let Some(url) = next {
        let (_, page) = get_json(&http, &url, &token).await;
        walk.take(&page["results"]);
        next = page["paging"]["next"].as_str().map(str::to_owned);
    }
    assert_eq!(walk.ids, (200..=300).collect::<Vec<_>>());

    let bad = server.url_for("/api/v1/contacts?updated_since=yesterday");
    let (status, err) = get_json(&http, &bad, &token).await;
    assert_eq!(status, 400);
    assert!(
        err["error_description"]
            .as_str()
            .unwrap()
            .contains("`updated_since`")
    );
}

#[tokio::test]
async fn a_forged_cursor_is_a_clear_400() {
    let (server, http, token) = setup(10).await;
    let url = server.url_for("/api/v1/contacts?cursor=not-a-cursor");
    let (status, err) = get_json(&http, &url, &token).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"], "invalid_cursor");
}

#[tokio::test]
async fn offset_events_walk_to_the_total() {
    let (server, http, token) = setup(1001).await;
    let mut walk = Walk::new();
    let mut offset = 0;
    loop {
        let url = server.url_for(&format!("/api/v1/events?offset={offset}&limit=250"));
        let (_, page) = get_json(&http, &url, &token).await;
        assert_eq!(page["total"], 1001);
        let n = page["items"].as_array().unwrap().len() as u64;
        walk.take(&page["items"]);
        offset += n;
        if n == 0 || offset >= page["total"].as_u64().unwrap() {
            break;
        }
    }
    walk.assert_complete(1001);
    assert_eq!(walk.pages, 5);
}

#[tokio::test]
async fn page_number_tickets_walk_to_total_pages() {
    let (server, http, token) = setup(950).await;
    let mut walk = Walk::new();
    let mut page_no = 1;
    loop {
        let url = server.url_for(&format!("/api/v1/tickets?page={page_no}&per_page=100"));
        let (_, page) = get_json(&http, &url, &token).await;
        assert_eq!(page["total_pages"], 10);
        walk.take(&page["data"]);
        if page_no >= page["total_pages"].as_u64().unwrap() {
            break;
        }
        page_no += 1;
    }
    walk.assert_complete(950);
    let url = server.url_for("/api/v1/tickets?page=11&per_page=100");
    let (_, past_the_end) = get_json(&http, &url, &token).await;
    assert_eq!(past_the_end["data"], serde_json::json!([]));
}

#[tokio::test]
async fn cursor_orders_walk_until_has_more_is_false() {
    let (server, http, token) = setup(777).await;
    let mut walk = Walk::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = server.url_for("/api/v1/orders?limit=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let (_, page) = get_json(&http, &url, &token).await;
        walk.take(&page["orders"]);
        if !page["has_more"].as_bool().unwrap() {
            assert_eq!(page["next_cursor"], Value::Null);
            break;
        }
        cursor = Some(page["next_cursor"].as_str().unwrap().to_owned());
    }
    walk.assert_complete(777);
    assert_eq!(walk.pages, 8);
}

/// The `rel="next"` target of an RFC 8288 `Link` header.
fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params.contains(r#"rel="next""#).then(|| {
            target
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    })
}

#[tokio::test]
async fn header_link_users_walk_until_there_is_no_next() {
    let (server, http, token) = setup(523).await;
    let mut walk = Walk::new();
    let mut next = Some(server.url_for("/api/v1/users?per_page=50"));
    while let Some(url) = next {
        let resp = http.get(&url).bearer_auth(&token).send().await.unwrap();
        let link = resp.headers()["link"].to_str().unwrap().to_owned();
        assert!(link.contains(r#"rel="last""#), "{link}");
        next = next_link(&link);
        walk.take(&resp.json::<Value>().await.unwrap());
    }
    walk.assert_complete(523);
    assert_eq!(walk.pages, 11);
}

#[tokio::test]
async fn collections_can_be_sized_separately() {
    let server = DemoApi::new()
        .records(10)
        .records_for(Collection::Events, 3)
        .start()
        .await
        .unwrap();
    let http = client();
    let token = token(&http, &server).await;
    let (_, events) = get_json(&http, &server.url_for("/api/v1/events"), &token).await;
    assert_eq!(events["total"], 3);
    let (_, contacts) = get_json(&http, &server.url_for("/api/v1/contacts"), &token).await;
    assert_eq!(contacts["results"].as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn serves_a_million_contacts_without_storing_them() {
    let (server, http, token) = setup(1_000_000).await;
    let (_, events) = get_json(&http, &server.url_for("/api/v1/events?limit=1"), &token).await;
    assert_eq!(events["total"], 1_000_000);
    // Jump to the last page through the offset endpoint and the contacts' updated_since.
    let url = server.url_for("/api/v1/events?offset=999000&limit=1000");
    let (_, last) = get_json(&http, &url, &token).await;
    let items = last["items"].as_array().unwrap();
    assert_eq!(items.len(), 1000);
    assert_eq!(items[999]["id"], 1_000_000);
    // 999 999 contacts' minutes after 2024-01-01, plus the 30-minute update delay.
    let url = server.url_for("/api/v1/contacts?updated_since=2025-11-25T10:09:00Z");
    let (_, tail) = get_json(&http, &url, &token).await;
    let ids: Vec<u64> = tail["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert_eq!(tail["paging"]["next"], Value::Null);
    assert_eq!(ids.last(), Some(&1_000_000));
}

/// `GET url` with a bearer token: status, the `Link` header and the body's bytes.
async fn get_raw(http: &reqwest::Client, url: &str, token: &str) -> (u16, Option<String>, Vec<u8>) {
    let resp = http.get(url).bearer_auth(token).send().await.unwrap();
    let link = resp
        .headers()
        .get("link")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        resp.status().as_u16(),
        link,
        resp.bytes().await.unwrap().to_vec(),
    )
}

#[tokio::test]
async fn pages_from_memory_are_the_rendered_pages_byte_for_byte_and_still_counted() {
    let rendering = DemoApi::new().records(250).start().await.unwrap();
    let memory = DemoApi::new()
        .records(250)
        .pages_from_memory(true)
        .start()
        .await
        .unwrap();
    let http = client();
    let (t1, t2) = (token(&http, &rendering).await, token(&http, &memory).await);
    for path in [
        "contacts?limit=100",
        "contacts?limit=100&paging=first",
        "events?offset=200&limit=100",
        "tickets?page=2&per_page=100",
        "users?per_page=100&page=3",
        "orders?limit=100",
        "contacts/7/notes",
    ] {
        let rendered = get_raw(&http, &rendering.url_for(&format!("api/v1/{path}")), &t1).await;
        let first = get_raw(&http, &memory.url_for(&format!("api/v1/{path}")), &t2).await;
        let again = get_raw(&http, &memory.url_for(&format!("api/v1/{path}")), &t2).await;
        assert_eq!(rendered.0, 200, "{path}");
        // The same bytes as a server that renders every page, except its own port in links.
        let here = |page: &(u16, Option<String>, Vec<u8>)| {
            let text = String::from_utf8(page.2.clone()).unwrap();
            let link = page.1.clone().unwrap_or_default();
            (page.0, link, text)
        };
        let swap = |(s, l, t): (u16, String, String)| {
            (
                s,
                l.replace(memory.url(), rendering.url()),
                t.replace(memory.url(), rendering.url()),
            )
        };
        assert_eq!(swap(here(&first)), here(&rendered), "{path}");
        assert_eq!(again, first, "{path}");
    }
    assert_eq!(
        memory.stats().records_served,
        2 * rendering.stats().records_served,
        "a page from memory counts its records each time it is sent"
    );
    // Each second request was sent from memory; the other server renders every page.
    assert_eq!(memory.stats().pages_from_memory, 7);
    assert_eq!(rendering.stats().pages_from_memory, 0);
    // An error is rendered each time, not kept.
    let bad = memory.url_for("api/v1/contacts?limit=100&cursor=forged");
    assert_eq!(get_raw(&http, &bad, &t2).await.0, 400);
    assert_eq!(get_raw(&http, &bad, &t2).await.0, 400);
    assert_eq!(memory.stats().pages_from_memory, 7);
    // Authentication still comes first.
    assert_eq!(
        get_raw(&http, &memory.url_for("api/v1/contacts?limit=100"), "wrong")
            .await
            .0,
        401
    );
}
