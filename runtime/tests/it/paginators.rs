//! Every paginator and stop condition against a local server, plus the loop guard.

use crate::page_server;

use page_server::{Recorded, Reply, TestServer};
use rest_source_runtime::Resource;
use rest_source_runtime::spec::{
    CursorPaginator, HeaderLinkPaginator, JsonLinkPaginator, OffsetPaginator, PageNumberPaginator,
    PaginatorSpec, ResourceSpec,
};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: u64,
}

fn items(range: std::ops::Range<u64>) -> Value {
    Value::Array(range.map(|id| json!({"id": id})).collect())
}

async fn ids(server: &TestServer, spec: ResourceSpec) -> Vec<u64> {
    let resource: Resource<Item> = Resource::new(server.client(), spec).unwrap();
    resource
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect()
}

fn q(r: &Recorded, name: &str) -> Option<u64> {
    r.q(name).map(|v| v.parse().unwrap())
}

#[tokio::test]
async fn json_link_follows_relative_and_absolute_next_urls_until_null() {
    let server = TestServer::start(|r| {
        let page = q(r, "page").unwrap_or(1);
        let next = match page {
            1 => json!("/items?page=2"),
            2 => json!(format!("http://{}/items?page=3", r.header("host").unwrap())),
            _ => Value::Null,
        };
        let start = (page - 1) * 3;
        Reply::json(json!({"data": items(start..start + 3), "paging": {"next": next}}))
    })
    .await;
    let spec = ResourceSpec::new("items", "items")
        .data_selector("data")
        .paginator(PaginatorSpec::json_link("paging.next"));
    assert_eq!(ids(&server, spec).await, (0..9).collect::<Vec<_>>());
    let pages: Vec<_> = server.requests().iter().map(|r| q(r, "page")).collect();
    assert_eq!(pages, [None, Some(2), Some(3)]);
}

#[tokio::test]
async fn json_link_has_more_false_stops_even_with_a_next_url() {
    let server = TestServer::start(|r| {
        let page = q(r, "page").unwrap_or(1);
        Reply::json(json!({
            "items": items(page * 10..page * 10 + 2),
            "next": format!("/items?page={}", page + 1),
            "has_more": page < 2,
        }))
    })
    .await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(JsonLinkPaginator::new("next").has_more_path("has_more"));
    assert_eq!(ids(&server, spec).await, [10, 11, 20, 21]);
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn header_link_follows_rel_next_among_other_links() {
    let server = TestServer::start(|r| {
        let page = q(r, "page").unwrap_or(1);
        let mut reply = Reply::json(items(page * 10..page * 10 + 2));
        let mut links = vec![format!("<http://h.invalid/items?page=1>; rel=\"first\"")];
        if page < 3 {
            links.push(format!("</items?page={}&x=a,b>; rel=\"next\"", page + 1));
        }
        reply = reply.header("link", &links.join(", "));
        reply
    })
    .await;
    let spec = ResourceSpec::new("items", "items").paginator(PaginatorSpec::header_link());
    assert_eq!(ids(&server, spec).await, [10, 11, 20, 21, 30, 31]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[2].q("x"), Some("a,b"));
}

#[tokio::test]
async fn header_link_with_a_custom_rel() {
    let server = TestServer::start(|r| {
        let page = q(r, "page").unwrap_or(1);
        let reply = Reply::json(items(page..page + 1));
        if page < 2 {
            reply.header(
                "link",
                "</items?page=2>; rel=\"forward\", </items?page=9>; rel=\"next\"",
            )
        } else {
            reply
        }
    })
    .await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(HeaderLinkPaginator::default().links_next_key("forward"));
    assert_eq!(ids(&server, spec).await, [1, 2]);
}

/// A server with `total` records served by offset/limit under any parameter names.
fn offset_server(
    total: u64,
    offset_param: &'static str,
    limit_param: &'static str,
    total_field: Value,
) -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    move |r| {
        let offset = q(r, offset_param).unwrap();
        let limit = q(r, limit_param).unwrap();
        let end = (offset + limit).min(total);
        Reply::json(json!({"results": items(offset.min(total)..end), "total": total_field}))
    }
}

#[tokio::test]
async fn offset_sends_named_params_and_stops_on_a_short_page() {
    let server = TestServer::start(offset_server(25, "skip", "take", Value::Null)).await;
    let spec = ResourceSpec::new("items", "items").paginator(
        OffsetPaginator::new(10)
            .offset_param("skip")
            .limit_param("take"),
    );
    assert_eq!(ids(&server, spec).await, (0..25).collect::<Vec<_>>());
    let offsets: Vec<_> = server.requests().iter().map(|r| q(r, "skip")).collect();
    assert_eq!(offsets, [Some(0), Some(10), Some(20)]);
    assert!(server.requests().iter().all(|r| r.q("take") == Some("10")));
}

#[tokio::test]
async fn offset_stops_on_an_empty_page() {
    let server = TestServer::start(offset_server(20, "offset", "limit", Value::Null)).await;
    let spec = ResourceSpec::new("items", "items").paginator(PaginatorSpec::offset(10));
    assert_eq!(ids(&server, spec).await.len(), 20);
    // 0 and 10 are full; 20 is empty and ends the stream.
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn offset_stops_at_the_total() {
    let server = TestServer::start(offset_server(20, "offset", "limit", json!(20))).await;
    let spec =
        ResourceSpec::new("items", "items").paginator(OffsetPaginator::new(10).total_path("total"));
    assert_eq!(ids(&server, spec).await.len(), 20);
    // The total says 20: no request for the empty third page.
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn offset_with_a_null_total_falls_back_to_the_page_size() {
    let server = TestServer::start(offset_server(15, "offset", "limit", Value::Null)).await;
    let spec =
        ResourceSpec::new("items", "items").paginator(OffsetPaginator::new(10).total_path("total"));
    assert_eq!(ids(&server, spec).await.len(), 15);
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn offset_respects_maximum_offset() {
    let server = TestServer::start(offset_server(1000, "offset", "limit", Value::Null)).await;
    let spec =
        ResourceSpec::new("items", "items").paginator(OffsetPaginator::new(10).maximum_offset(30));
    assert_eq!(ids(&server, spec).await, (0..30).collect::<Vec<_>>());
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn offset_has_more_false_stops() {
    let server = TestServer::start(|r| {
        let offset = q(r, "offset").unwrap();
        Reply::json(json!({"data": items(offset..offset + 10), "meta": {"has_more": offset < 10}}))
    })
    .await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(OffsetPaginator::new(10).has_more_path("meta.has_more"));
    assert_eq!(ids(&server, spec).await.len(), 20);
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn page_number_from_base_1_stops_after_total_pages() {
    let server = TestServer::start(|r| {
        let page = q(r, "p").unwrap();
        Reply::json(json!({"data": items(page * 10..page * 10 + 2), "total_pages": 3}))
    })
    .await;
    let spec = ResourceSpec::new("items", "items").paginator(
        PageNumberPaginator::default()
            .base_page(1)
            .page_param("p")
            .total_path("total_pages"),
    );
    assert_eq!(ids(&server, spec).await, [10, 11, 20, 21, 30, 31]);
    let pages: Vec<_> = server.requests().iter().map(|r| q(r, "p")).collect();
    assert_eq!(pages, [Some(1), Some(2), Some(3)]);
}

#[tokio::test]
async fn page_number_stops_before_maximum_page_like_dlt() {
    let server = TestServer::start(|r| {
        let page = q(r, "page").unwrap();
        Reply::json(items(page * 10..page * 10 + 1))
    })
    .await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(PageNumberPaginator::default().maximum_page(3));
    assert_eq!(ids(&server, spec).await, [0, 10, 20]);
}

#[tokio::test]
async fn page_number_stops_on_an_empty_page_and_a_null_total() {
    let server = TestServer::start(|r| {
        let page = q(r, "page").unwrap();
        let records = if page < 3 {
            items(page..page + 1)
        } else {
            json!([])
        };
        Reply::json(json!({"items": records, "pages": null}))
    })
    .await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(PageNumberPaginator::default().total_path("pages"));
    assert_eq!(ids(&server, spec).await, [0, 1, 2]);
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn cursor_is_sent_back_until_it_is_null() {
    let server = TestServer::start(|r| {
        let (records, next) = match r.q("after") {
            None => (items(0..2), json!("c1")),
            Some("c1") => (items(2..4), json!("c2")),
            Some("c2") => (items(4..5), Value::Null),
            other => panic!("unexpected cursor {other:?}"),
        };
        Reply::json(json!({"data": records, "meta": {"next_cursor": next}}))
    })
    .await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(PaginatorSpec::cursor("meta.next_cursor", "after"));
    assert_eq!(ids(&server, spec).await, [0, 1, 2, 3, 4]);
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn cursor_stops_on_an_empty_page_when_asked() {
    let server = TestServer::start(|r| {
        let n: u64 = r.q("cursor").map(|c| c.parse().unwrap()).unwrap_or(0);
        let records = if n < 2 { items(n..n + 1) } else { json!([]) };
        Reply::json(json!({"data": records, "cursors": {"next": (n + 1).to_string()}}))
    })
    .await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(CursorPaginator::new("cursors.next", "cursor").stop_after_empty_page(true));
    assert_eq!(ids(&server, spec).await, [0, 1]);
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn a_cursor_repeated_forever_ends_the_stream() {
    let server = TestServer::start(|_| {
        Reply::json(json!({"data": items(0..2), "cursors": {"next": "same"}}))
    })
    .await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(PaginatorSpec::cursor("cursors.next", "cursor"));
    assert_eq!(ids(&server, spec).await, [0, 1, 0, 1]);
    // The first page, then `cursor=same` once; the second `cursor=same` is never sent.
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_next_link_cycle_ends_the_stream() {
    let server = TestServer::start(|r| {
        let next = if r.q("page") == Some("b") {
            "/items?page=a"
        } else {
            "/items?page=b"
        };
        Reply::json(json!({"data": items(0..1), "next": next}))
    })
    .await;
    let spec = ResourceSpec::new("items", "items").paginator(PaginatorSpec::json_link("next"));
    let got = ids(&server, spec).await;
    // first page, ?page=b, ?page=a; then ?page=b again is refused.
    assert_eq!(got.len(), 3);
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn single_page_ignores_next_links() {
    let server = TestServer::start(|_| {
        Reply::json(json!({"data": items(0..3), "next": "/items?page=2"}))
            .header("link", "</items?page=2>; rel=\"next\"")
    })
    .await;
    let spec = ResourceSpec::new("items", "items").paginator(PaginatorSpec::single_page());
    assert_eq!(ids(&server, spec).await, [0, 1, 2]);
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn auto_detects_a_link_header() {
    let server = TestServer::start(|r| {
        let page = q(r, "page").unwrap_or(1);
        let reply = Reply::json(items(page..page + 1));
        if page < 3 {
            reply.header("link", &format!("</items?page={}>; rel=\"next\"", page + 1))
        } else {
            reply
        }
    })
    .await;
    // No paginator in the spec means auto.
    assert_eq!(
        ids(&server, ResourceSpec::new("items", "items")).await,
        [1, 2, 3]
    );
}

#[tokio::test]
async fn auto_detects_a_next_url_in_the_body() {
    let server = TestServer::start(|r| {
        let page = q(r, "page").unwrap_or(1);
        let next = if page < 3 {
            json!({"href": format!("/items?page={}", page + 1)})
        } else {
            Value::Null
        };
        Reply::json(json!({"_links": {"next": next}, "results": items(page..page + 1)}))
    })
    .await;
    let spec = ResourceSpec::new("items", "items").paginator(PaginatorSpec::auto());
    assert_eq!(ids(&server, spec).await, [1, 2, 3]);
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn auto_falls_back_to_a_single_page() {
    let server = TestServer::start(|_| {
        Reply::json(json!({"results": items(0..2), "next_cursor": "abc", "total": 2}))
    })
    .await;
    assert_eq!(
        ids(&server, ResourceSpec::new("items", "items")).await,
        [0, 1]
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn max_pages_limits_requests() {
    let server = TestServer::start(offset_server(1000, "offset", "limit", Value::Null)).await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(PaginatorSpec::offset(10))
        .max_pages(2);
    assert_eq!(ids(&server, spec).await.len(), 20);
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn max_items_cuts_the_last_page_and_stops() {
    // Found records (JSON values) and a key-path selector (records kept as raw slices).
    for selector in [None, Some("results")] {
        let server = TestServer::start(offset_server(1000, "offset", "limit", Value::Null)).await;
        let mut spec = ResourceSpec::new("items", "items")
            .paginator(PaginatorSpec::offset(10))
            .max_items(15);
        if let Some(s) = selector {
            spec = spec.data_selector(s);
        }
        assert_eq!(ids(&server, spec).await, (0..15).collect::<Vec<_>>());
        assert_eq!(server.count(), 2);
    }
}

#[tokio::test]
async fn a_paginator_configured_from_json_runs_the_same() {
    let server = TestServer::start(offset_server(12, "offset", "limit", Value::Null)).await;
    let spec: ResourceSpec = serde_json::from_value(json!({
        "name": "items",
        "endpoint": {"path": "items", "paginator": {"type": "offset", "limit": 5}}
    }))
    .unwrap();
    assert_eq!(ids(&server, spec).await.len(), 12);
    assert_eq!(server.count(), 3);
}

/// `?after=<last id>` paging, a scheme none of the built-in paginators covers.
struct AfterLastId;

impl rest_source_runtime::paginate::Paginator for AfterLastId {
    fn next_request(
        &mut self,
        page: &rest_source_runtime::paginate::PageResponse<'_>,
    ) -> rest_source_runtime::Result<Option<url::Url>> {
        let Some(last) = page.body.get("last_id").and_then(Value::as_u64) else {
            return Ok(None);
        };
        let mut next = page.url.clone();
        rest_source_runtime::paginate::set_query_param(&mut next, "after", &last.to_string());
        Ok(Some(next))
    }
}

#[tokio::test]
async fn a_custom_paginator_drives_the_same_page_loop() {
    let server = TestServer::start(|r| {
        let after = q(r, "after").map_or(0, |a| a + 1);
        if after >= 6 {
            return Reply::json(json!({"data": []}));
        }
        Reply::json(json!({"data": items(after..after + 3), "last_id": after + 2}))
    })
    .await;
    let resource: Resource<Item> =
        Resource::new(server.client(), ResourceSpec::new("items", "items"))
            .unwrap()
            .with_paginator(|| AfterLastId);
    let got: Vec<u64> = resource
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(got, [0, 1, 2, 3, 4, 5]);
    let afters: Vec<_> = server.requests().iter().map(|r| q(r, "after")).collect();
    assert_eq!(afters, [None, Some(2), Some(5)]);
    // Running again starts from a fresh paginator.
    assert_eq!(resource.collect().await.unwrap().len(), 6);
}

#[tokio::test]
async fn a_next_link_to_another_origin_never_gets_the_credentials() {
    let other = TestServer::start(|_| Reply::json(json!({"data": [], "next": null}))).await;
    let other_base = other.base.clone();
    let server = TestServer::start(move |_| {
        Reply::json(json!({"data": items(0..1), "next": format!("{other_base}/steal")}))
    })
    .await;
    let client = server
        .client_builder()
        .auth(rest_source_runtime::BearerToken::new(
            rest_source_runtime::Secret::new("tok"),
        ))
        .build()
        .unwrap();
    let resource: Resource<Item> = Resource::new(
        client,
        ResourceSpec::new("items", "items").paginator(PaginatorSpec::json_link("next")),
    )
    .unwrap();
    let err = resource.collect().await.unwrap_err();
    assert!(err.to_string().contains("another origin"), "{err}");
    assert_eq!(other.count(), 0);

    // Without credentials, following it is harmless.
    let public: Resource<Item> = Resource::new(
        server.client(),
        ResourceSpec::new("items", "items").paginator(PaginatorSpec::json_link("next")),
    )
    .unwrap();
    assert_eq!(public.collect().await.unwrap().len(), 1);
    assert_eq!(other.count(), 1);
}

#[tokio::test]
async fn paginators_that_could_never_stop_are_rejected_up_front() {
    let server = TestServer::start(|_| Reply::json(json!([]))).await;
    let endless = ResourceSpec::new("items", "items")
        .paginator(PageNumberPaginator::default().stop_after_empty_page(false));
    let err = Resource::<Item>::new(server.client(), endless).unwrap_err();
    assert!(err.to_string().contains("could never stop"), "{err}");
    let zero = ResourceSpec::new("items", "items").paginator(PaginatorSpec::offset(0));
    let err = Resource::<Item>::new(server.client(), zero).unwrap_err();
    assert!(
        err.to_string()
            .contains("`limit` is the page size and cannot be 0"),
        "{err}"
    );
    assert_eq!(server.count(), 0);
}
