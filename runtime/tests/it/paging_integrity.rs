//! Every way a run could lose records silently, each against a local server that reproduces
//! it: the run returns every record, or fails saying what is missing and why. Plus the run
//! report (why paging stopped, per paginator kind) and bad bodies from the server.

use crate::page_server;

use std::sync::atomic::{AtomicU32, Ordering};

use page_server::{Recorded, Reply, TestServer};
use rest_source_runtime::spec::{
    Completeness, CursorPaginator, JsonLinkPaginator, OffsetPaginator, PageNumberPaginator,
    PaginatorSpec, ResourceSpec,
};
use rest_source_runtime::{
    ApiKey, Error, OAuth2ClientCredentials, Resource, RetryPolicy, RunReport, Secret, StopReason,
    TryStreamExt,
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

/// A 200 reply with `body` as it is.
fn raw(content_type: &str, body: String) -> Reply {
    Reply {
        status: 200,
        headers: vec![("content-type".into(), content_type.into())],
        body,
        truncated: false,
    }
}

fn q(r: &Recorded, name: &str) -> Option<u64> {
    r.q(name).map(|v| v.parse().unwrap())
}

/// Collects `spec` against `server`: the ids and the run report.
async fn run(server: &TestServer, spec: ResourceSpec) -> Result<(Vec<u64>, RunReport), Error> {
    let resource: Resource<Item> = Resource::new(server.client(), spec)?;
    let (records, report) = resource.collect_with_report().await?;
    Ok((records.into_iter().map(|i| i.id).collect(), report))
}

/// An offset API holding `total` records that serves at most `cap` per page, whatever the
/// `limit` asked; `with_total` adds `"total"` to the body.
fn capping_server(total: u64, cap: u64, with_total: bool) -> impl Fn(&Recorded) -> Reply {
    move |r| {
        let offset = q(r, "offset").unwrap();
        let limit = q(r, "limit").unwrap().min(cap);
        let end = (offset + limit).min(total);
        let mut body = json!({"results": items(offset.min(total)..end)});
        if with_total {
            body["total"] = json!(total);
        }
        Reply::json(body)
    }
}

#[tokio::test]
async fn offset_against_a_server_that_caps_the_page_size_returns_every_record() {
    for concurrency in [1, 4] {
        let server = TestServer::start(capping_server(237, 10, true)).await;
        let spec = ResourceSpec::new("items", "items")
            .data_selector("results")
            .paginator(OffsetPaginator::new(25).total_path("total"))
            .concurrency(concurrency);
        let (ids, report) = run(&server, spec).await.unwrap();
        assert_eq!(
            ids,
            (0..237).collect::<Vec<_>>(),
            "concurrency {concurrency}"
        );
        // Offsets 0, 10, …, 230: each page once, none past the total.
        let mut offsets: Vec<_> = server.requests().iter().map(|r| q(r, "offset")).collect();
        offsets.sort();
        assert_eq!(
            offsets,
            (0..24).map(|i| Some(i * 10)).collect::<Vec<_>>(),
            "concurrency {concurrency}"
        );
        assert_eq!(report.stop_reason(), Some(StopReason::TotalReached));
        assert_eq!((report.records, report.pages), (237, 24));
        assert_eq!(report.total, Some(237));
        assert_eq!(report.requests, 24);
        assert_eq!(report.paginator.as_deref(), Some("offset"));
    }
}

#[tokio::test]
async fn offset_without_a_total_probes_once_when_the_first_page_is_short() {
    let server = TestServer::start(capping_server(37, 10, false)).await;
    let spec = ResourceSpec::new("items", "items").paginator(OffsetPaginator::new(25));
    let (ids, report) = run(&server, spec).await.unwrap();
    assert_eq!(ids, (0..37).collect::<Vec<_>>());
    // 10, 10, 10, then 7: short against the 10 the server serves.
    assert_eq!(server.count(), 4);
    assert_eq!(report.stop_reason(), Some(StopReason::ShortPage));
}

#[tokio::test]
async fn a_short_first_page_below_the_echoed_limit_ends_without_a_probe() {
    let server = TestServer::start(|r| {
        let offset = q(r, "offset").unwrap();
        let end = (offset + 10).min(5);
        Reply::json(json!({"data": items(offset.min(5)..end), "limit": 10}))
    })
    .await;
    let spec = ResourceSpec::new("items", "items").paginator(OffsetPaginator::new(25));
    let (ids, report) = run(&server, spec).await.unwrap();
    assert_eq!(ids, (0..5).collect::<Vec<_>>());
    assert_eq!(server.count(), 1);
    assert_eq!(report.stop_reason(), Some(StopReason::ShortPage));
}

/// json-server: a bare array, the total in `X-Total-Count`.
fn x_total_count_server(total: u64) -> impl Fn(&Recorded) -> Reply {
    move |r| {
        let offset = q(r, "offset").unwrap();
        let end = (offset + q(r, "limit").unwrap()).min(total);
        Reply::json(items(offset.min(total)..end)).header("X-Total-Count", &total.to_string())
    }
}

#[tokio::test]
async fn an_x_total_count_header_pages_concurrently_without_an_empty_request() {
    let server = TestServer::start(x_total_count_server(95)).await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(OffsetPaginator::new(10).total_header("X-Total-Count"))
        .concurrency(4);
    let (ids, report) = run(&server, spec).await.unwrap();
    assert_eq!(ids, (0..95).collect::<Vec<_>>());
    assert_eq!(server.count(), 10, "ten pages, no empty eleventh");
    assert_eq!(report.stop_reason(), Some(StopReason::TotalReached));
    assert_eq!(report.total, Some(95));
}

#[tokio::test]
async fn a_content_range_total_pages_page_numbers_without_an_empty_request() {
    let server = TestServer::start(|r| {
        let page = q(r, "page").unwrap();
        let start = (page - 1) * 10;
        let end = (start + 10).min(45);
        Reply::json(items(start.min(45)..end))
            .header("Content-Range", &format!("items {start}-{}/45", end - 1))
    })
    .await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(PageNumberPaginator::default().base_page(1))
        .concurrency(3);
    let (ids, report) = run(&server, spec).await.unwrap();
    assert_eq!(ids, (0..45).collect::<Vec<_>>());
    assert_eq!(server.count(), 5);
    assert_eq!(report.stop_reason(), Some(StopReason::TotalReached));
}

#[tokio::test]
async fn a_link_rel_last_gives_the_page_count() {
    let server = TestServer::start(|r| {
        let page = q(r, "page").unwrap();
        Reply::json(items(page * 10..page * 10 + 3)).header(
            "Link",
            "</items?page=1>; rel=\"first\", </items?page=4>; rel=\"last\"",
        )
    })
    .await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(PageNumberPaginator::default().base_page(1))
        .concurrency(4);
    let (ids, _) = run(&server, spec).await.unwrap();
    assert_eq!(ids, [10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42]);
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn auto_without_a_next_link_fails_when_the_response_says_there_is_more() {
    let cases: [(Reply, &str); 4] = [
        (
            Reply::json(items(0..100)).header("X-Total-Count", "1000"),
            "x-total-count: 1000",
        ),
        (
            Reply::json(json!({"results": items(0..10), "count": 50})),
            "`count` = 50",
        ),
        (
            Reply::json(items(0..10)).header("Content-Range", "items 0-9/30"),
            "`Content-Range` total of 30",
        ),
        (
            // A last link that does not number pages with one parameter.
            Reply::json(items(0..10)).header("Link", "</other?x=1&y=2>; rel=\"last\""),
            "rel=\"last\"",
        ),
    ];
    for (reply, seen) in cases {
        let server = TestServer::start(move |_| reply.clone()).await;
        let err = run(&server, ResourceSpec::new("items", "items"))
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::Config(_)), "{msg}");
        assert!(msg.contains(seen), "{msg}");
        assert!(msg.contains("resource `items`"), "{msg}");
        assert!(msg.contains("Set the paginator"), "{msg}");
    }
}

#[tokio::test]
async fn auto_pages_by_number_up_to_a_link_rel_last() {
    let server = TestServer::start(|r| {
        let page = q(r, "page").unwrap_or(1);
        Reply::json(items(page * 10..page * 10 + 2)).header(
            "Link",
            "</items?page=1&per_page=2>; rel=\"first\", </items?page=3&per_page=2>; rel=\"last\"",
        )
    })
    .await;
    let spec = ResourceSpec::new("items", "items").param("per_page", 2);
    let (ids, report) = run(&server, spec).await.unwrap();
    assert_eq!(ids, [10, 11, 20, 21, 30, 31]);
    assert_eq!(server.count(), 3);
    assert_eq!(report.paginator.as_deref(), Some("auto: page_number"));
    assert_eq!(report.stop_reason(), Some(StopReason::TotalReached));
}

#[tokio::test]
async fn auto_with_a_total_equal_to_the_page_is_one_page() {
    let server = TestServer::start(|_| Reply::json(items(0..3)).header("X-Total-Count", "3")).await;
    let (ids, report) = run(&server, ResourceSpec::new("items", "items"))
        .await
        .unwrap();
    assert_eq!(ids, [0, 1, 2]);
    assert_eq!(report.stop_reason(), Some(StopReason::NoNextPage));
    assert_eq!(report.paginator.as_deref(), Some("auto: single_page"));
}

#[tokio::test]
async fn a_data_selector_typo_is_an_error_naming_the_keys_that_exist() {
    let server =
        TestServer::start(|_| Reply::json(json!({"results": items(0..3), "meta": {"total": 3}})))
            .await;
    let spec = ResourceSpec::new("items", "items")
        .data_selector("result")
        .paginator(PaginatorSpec::single_page());
    let err = run(&server, spec).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("data_selector `result` matched nothing"),
        "{msg}"
    );
    assert!(msg.contains("did you mean `results`?"), "{msg}");
    assert!(msg.contains("`meta`"), "{msg}");
    assert!(msg.contains(&format!("{}/items", server.base)), "{msg}");
}

#[tokio::test]
async fn a_data_selector_present_with_an_empty_array_is_zero_records() {
    let server = TestServer::start(|_| Reply::json(json!({"results": [], "meta": {}}))).await;
    let spec = ResourceSpec::new("items", "items")
        .data_selector("results")
        .paginator(PaginatorSpec::single_page());
    let (ids, report) = run(&server, spec).await.unwrap();
    assert!(ids.is_empty());
    assert_eq!(report.data_selector.as_deref(), Some("results"));
    assert!(!report.data_selector_detected);
}

#[tokio::test]
async fn a_child_body_that_is_one_object_is_one_record_even_with_a_tags_array() {
    #[derive(Debug, Deserialize)]
    struct Post {
        id: u64,
        tags: Vec<String>,
    }
    let server = TestServer::start(|r| {
        if r.path == "/posts" {
            return Reply::json(json!([{"id": 1}, {"id": 2}]));
        }
        let id: u64 = r.path.rsplit('/').next().unwrap().parse().unwrap();
        Reply::json(json!({"id": id, "title": "t", "tags": ["rust", "http"]}))
    })
    .await;
    let client = server.client();
    let posts: Resource<Value> = Resource::new(
        client.clone(),
        ResourceSpec::new("posts", "posts").paginator(PaginatorSpec::single_page()),
    )
    .unwrap();
    let detail: Resource<Post> = Resource::new(
        client,
        ResourceSpec::new("post_detail", "posts/{posts.id}")
            .paginator(PaginatorSpec::single_page()),
    )
    .unwrap()
    .with_parent(&posts)
    .unwrap();
    let (got, report) = detail.collect_with_report().await.unwrap();
    assert_eq!(got.iter().map(|p| p.id).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(got[0].tags, ["rust", "http"]);
    assert_eq!(report.data_selector.as_deref(), Some("$"));
    assert!(report.data_selector_detected);
    assert_eq!(report.stops.get(&StopReason::NoNextPage), Some(&2));
}

/// Offsets 0, 10, 20 hold 10, 10 and 5 records, then nothing — but `total` says 50.
fn overstating_server() -> impl Fn(&Recorded) -> Reply {
    |r| {
        let offset = q(r, "offset").unwrap();
        let end = (offset + 10).min(25);
        Reply::json(json!({"items": items(offset.min(25)..end), "total": 50}))
    }
}

#[tokio::test]
async fn a_count_below_the_stated_total_is_an_error_by_default() {
    let server = TestServer::start(overstating_server()).await;
    let spec =
        ResourceSpec::new("items", "items").paginator(OffsetPaginator::new(10).total_path("total"));
    let resource: Resource<Item> = Resource::new(server.client(), spec).unwrap();
    let err = resource.collect().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Incomplete {
                expected: 50,
                received: 25,
                stop: StopReason::EmptyPage,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("completeness = \"warn\""), "{err}");
    let report = resource.last_report().expect("a failed run has a report");
    assert_eq!(report.records, 25);
}

#[tokio::test]
async fn completeness_warn_keeps_the_records_and_reports_the_mismatch() {
    let server = TestServer::start(overstating_server()).await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(OffsetPaginator::new(10).total_path("total"))
        .completeness(Completeness::Warn)
        .concurrency(4);
    let (ids, report) = run(&server, spec).await.unwrap();
    assert_eq!(ids, (0..25).collect::<Vec<_>>());
    assert_eq!(report.warnings.len(), 1, "{report:?}");
    assert!(
        report.warnings[0].contains("stated 50 records but 25"),
        "{report:?}"
    );
}

#[tokio::test]
async fn json_lines_bodies_are_one_record_per_line() {
    let server = TestServer::start(|r| {
        let page = q(r, "page").unwrap_or(1);
        let body: String = (page * 10..page * 10 + 3)
            .map(|id| format!("{{\"id\": {id}}}\r\n\n"))
            .collect();
        let mut reply = raw("application/x-ndjson; charset=utf-8", body);
        if page < 2 {
            reply = reply.header("link", "</events?page=2>; rel=\"next\"");
        }
        reply
    })
    .await;
    let spec = ResourceSpec::new("events", "events");
    let (ids, report) = run(&server, spec).await.unwrap();
    assert_eq!(ids, [10, 11, 12, 20, 21, 22]);
    assert_eq!(report.pages, 2);
    assert_eq!(report.paginator.as_deref(), Some("auto: header_link"));
}

#[tokio::test]
async fn the_report_says_why_each_paginator_stopped() {
    let link_server = TestServer::start(|r| {
        let page = q(r, "page").unwrap_or(1);
        let next = (page < 3).then(|| format!("/x?page={}", page + 1));
        Reply::json(json!({"data": items(page..page + 1), "next": next, "more": page < 2}))
    })
    .await;
    let cursor_server = TestServer::start(|r| {
        let c = q(r, "cursor").unwrap_or(0);
        Reply::json(json!({"data": items(c..c + 1), "cursors": {"next": (c < 2).then_some(c + 1)}}))
    })
    .await;
    let loop_server =
        TestServer::start(|_| Reply::json(json!({"data": items(0..1), "next": "/x?page=1"}))).await;
    let offsets = TestServer::start(capping_server(30, 10, true)).await;
    fn spec(p: impl Into<PaginatorSpec>) -> ResourceSpec {
        ResourceSpec::new("x", "x").paginator(p)
    }
    let cases: Vec<(&TestServer, ResourceSpec, StopReason)> = vec![
        (
            &link_server,
            spec(PaginatorSpec::json_link("next")),
            StopReason::NoNextPage,
        ),
        (
            &link_server,
            spec(JsonLinkPaginator::new("next").has_more_path("more")),
            StopReason::HasMoreFalse,
        ),
        (
            &cursor_server,
            spec(CursorPaginator::new("cursors.next", "cursor")),
            StopReason::NoNextPage,
        ),
        (
            &link_server,
            spec(PaginatorSpec::single_page()),
            StopReason::NoNextPage,
        ),
        (
            &loop_server,
            spec(PaginatorSpec::json_link("next")),
            StopReason::RepeatedPage,
        ),
        (
            &link_server,
            spec(PaginatorSpec::json_link("next")).max_pages(2),
            StopReason::MaxPages,
        ),
        (
            &link_server,
            spec(PaginatorSpec::json_link("next")).max_items(2),
            StopReason::MaxItems,
        ),
        (
            &offsets,
            spec(OffsetPaginator::new(10).total_path("total")),
            StopReason::TotalReached,
        ),
        (
            &offsets,
            spec(OffsetPaginator::new(10)),
            StopReason::EmptyPage,
        ),
        (
            &offsets,
            spec(OffsetPaginator::new(10).maximum_offset(20)),
            StopReason::MaximumReached,
        ),
    ];
    for (server, spec, expected) in cases {
        let described = format!("{:?}", spec.endpoint.paginator);
        let (_, report) = run(server, spec).await.unwrap();
        assert_eq!(
            report.stop_reason(),
            Some(expected),
            "{described}: {report:?}"
        );
        assert_eq!(report.resource, "x");
    }
}

#[tokio::test]
async fn a_failed_request_is_the_reported_stop_reason() {
    let server = TestServer::start(|_| Reply::status(404)).await;
    let resource: Resource<Item> =
        Resource::new(server.client(), ResourceSpec::new("x", "x")).unwrap();
    let mut run = resource.run();
    assert!(run.report().is_none(), "no report before the run ends");
    assert!(run.try_next().await.is_err());
    let report = run.report().expect("the error ended the run");
    assert_eq!(report.stop_reason(), Some(StopReason::Error));
    assert_eq!(report.requests, 1);
    assert_eq!(resource.last_report(), Some(report));
}

#[tokio::test(start_paused = true)]
async fn the_report_counts_requests_retries_by_status_and_token_fetches() {
    let n = AtomicU32::new(0);
    let server = TestServer::start(move |r| {
        if r.path == "/token" {
            return Reply::json(json!({"access_token": "t", "expires_in": 3600}));
        }
        match n.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::status(503),
            1 => Reply::status(429).header("retry-after", "1"),
            _ => Reply::json(json!({"data": items(0..2)})),
        }
    })
    .await;
    let auth = OAuth2ClientCredentials::new(
        format!("{}/token", server.base),
        Secret::new("id"),
        Secret::new("secret"),
    );
    let client = server
        .client_builder()
        .auth(auth)
        .retry(RetryPolicy::default())
        .build()
        .unwrap();
    let resource: Resource<Item> = Resource::new(
        client,
        ResourceSpec::new("x", "x").paginator(PaginatorSpec::single_page()),
    )
    .unwrap();
    let (items, report) = resource.collect_with_report().await.unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(report.requests, 3);
    assert_eq!(report.retries.get("503"), Some(&1));
    assert_eq!(report.retries.get("429"), Some(&1));
    assert_eq!(report.total_retries(), 2);
    assert_eq!(report.token_fetches, 1);
    assert_eq!((report.records, report.pages), (2, 1));
}

// Bad bodies: each a clear error naming the (redacted) URL and the cause, never a panic.

fn keyed(server: &TestServer) -> rest_source_runtime::RestClient {
    server
        .client_builder()
        .auth(ApiKey::query("api_key", Secret::new("sekrit-key")))
        .build()
        .unwrap()
}

async fn page_error(server: &TestServer, spec: ResourceSpec) -> String {
    let resource: Resource<Value> = Resource::new(keyed(server), spec).unwrap();
    let err = resource.collect().await.unwrap_err().to_string();
    assert!(!err.contains("sekrit-key"), "{err}");
    assert!(err.contains(&format!("{}/x", server.base)), "{err}");
    err
}

fn one_page() -> ResourceSpec {
    ResourceSpec::new("x", "x").paginator(PaginatorSpec::single_page())
}

#[tokio::test(start_paused = true)]
async fn a_body_cut_off_mid_way_is_an_error_naming_the_url() {
    let server =
        TestServer::start(|_| Reply::json(json!({"data": items(0..50)})).truncated()).await;
    let err = page_error(&server, one_page()).await;
    assert!(err.contains("failed"), "{err}");
}

#[tokio::test]
async fn json_nested_ten_thousand_deep_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for selector in [None, Some("data")] {
        let body = match selector {
            None => deep.clone(),
            Some(_) => format!("{{\"data\": [{deep}]}}"),
        };
        let server = TestServer::start(move |_| raw("application/json", body.clone())).await;
        let spec = match selector {
            Some(s) => one_page().data_selector(s),
            None => one_page(),
        };
        let err = page_error(&server, spec).await;
        assert!(err.contains("recursion limit"), "{err}");
    }
}

#[tokio::test]
async fn a_page_over_max_page_bytes_is_an_error_and_is_not_read() {
    let server = TestServer::start(|_| Reply::json(json!({"data": items(0..1000)}))).await;
    let err = page_error(&server, one_page().max_page_bytes(1024)).await;
    assert!(
        err.contains("larger than max_page_bytes (1024 bytes)"),
        "{err}"
    );
    // The default is large enough for ordinary pages.
    let resource: Resource<Value> = Resource::new(keyed(&server), one_page()).unwrap();
    assert_eq!(resource.collect().await.unwrap().len(), 1000);
}

#[tokio::test]
async fn invalid_utf8_is_an_error_naming_the_url() {
    use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};
    let mock = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(b"{\"data\": [\"\xff\xfe\"]}".to_vec(), "application/json"),
        )
        .mount(&mock)
        .await;
    let client = rest_source_runtime::RestClient::builder(mock.uri())
        .auth(ApiKey::query("api_key", Secret::new("sekrit-key")))
        .build()
        .unwrap();
    for spec in [one_page(), one_page().data_selector("data")] {
        let resource: Resource<Value> = Resource::new(client.clone(), spec).unwrap();
        let err = resource.collect().await.unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::Decode { .. }), "{msg}");
        assert!(msg.contains(&format!("{}/x", mock.uri())), "{msg}");
        assert!(msg.contains("UTF-8") || msg.contains("unicode"), "{msg}");
        assert!(!msg.contains("sekrit-key"), "{msg}");
    }
}

#[tokio::test]
async fn a_chunked_body_without_a_length_is_cut_off_at_max_page_bytes() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Streams 1 KiB chunks without a Content-Length, far past the limit.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = socket.read(&mut buf).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                    transfer-encoding: chunked\r\n\r\n";
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("400\r\n{}\r\n", " ".repeat(1024));
        for _ in 0..10_000 {
            if socket.write_all(chunk.as_bytes()).await.is_err() {
                return; // the client hung up
            }
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let client = rest_source_runtime::RestClient::builder(base.clone())
        .no_timeout()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    let resource: Resource<Value> =
        Resource::new(client, one_page().max_page_bytes(8 * 1024)).unwrap();
    let err = resource.collect().await.unwrap_err();
    assert!(
        matches!(err, Error::PageTooLarge { limit: 8192, .. }),
        "{err}"
    );
    assert!(err.to_string().contains(&format!("{base}/x")), "{err}");
    assert!(
        sent.load(Ordering::SeqCst) < 10_000,
        "the client stopped reading instead of taking the whole body"
    );
}

#[test]
fn the_config_keys_reach_the_spec() {
    use rest_source_runtime::config::SourceConfig;
    let config = SourceConfig::from_toml_str(
        r#"
[client]
base_url = "http://127.0.0.1:1/api"

[[resources]]
name = "users"
completeness = "warn"
max_page_bytes = 1048576
endpoint = { path = "users", paginator = { type = "offset", limit = 50, total_header = "X-Total-Count" } }

[[resources]]
name = "pages"
endpoint = { path = "pages", paginator = { type = "page_number", base_page = 1, total_header = "X-Total" } }
"#,
        "test.toml",
    )
    .unwrap();
    let source = config
        .build_with_values(&rest_source_runtime::spec::SecretValues::new("test"))
        .unwrap();
    let users = source.resource("users").unwrap().spec();
    assert_eq!(users.completeness, Completeness::Warn);
    assert_eq!(users.max_page_bytes, Some(1_048_576));
    assert_eq!(
        users.endpoint.paginator,
        Some(
            OffsetPaginator::new(50)
                .total_header("X-Total-Count")
                .into()
        )
    );
    let pages = source.resource("pages").unwrap().spec();
    assert_eq!(
        pages.endpoint.paginator,
        Some(
            PageNumberPaginator::default()
                .base_page(1)
                .total_header("X-Total")
                .into()
        )
    );
    let typo = SourceConfig::from_toml_str(
        "[client]\nbase_url = \"http://127.0.0.1:1\"\n[[resources]]\nname = \"u\"\ncompleteness = \"warning\"\n",
        "typo.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(typo.contains("did you mean `warn`?"), "{typo}");
}
