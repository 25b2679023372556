//! Totals from headers (`X-Total-Count`, `Content-Range`) make offset and page-number paging
//! concurrent: after the first page, the following pages are in flight at once — shown by a
//! server that answers them only in groups of three held together (a sequential client
//! would wait forever; the guard below fails it in virtual time instead) — with the exact
//! request count and no extra empty request.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rest_source_runtime::spec::{OffsetPaginator, PageNumberPaginator, ResourceSpec};
use rest_source_runtime::{Resource, RestClient, StopReason};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Barrier;

/// The query of a request line `GET /items?offset=10&limit=10 HTTP/1.1`.
fn query(line: &str) -> HashMap<String, u64> {
    let target = line.split_whitespace().nth(1).unwrap_or("/");
    let url = url::Url::parse(&format!("http://x{target}")).unwrap();
    url.query_pairs()
        .filter_map(|(k, v)| Some((k.into_owned(), v.parse().ok()?)))
        .collect()
}

/// Serves `page(query) -> (records, header)`; the first request is answered at once, every
/// later one only when `group` requests are waiting together.
async fn grouped(
    group: usize,
    page: impl Fn(&HashMap<String, u64>) -> (Value, (&'static str, String)) + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(group));
    let page = Arc::new(page);
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (count, barrier, page) = (seen.clone(), barrier.clone(), page.clone());
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut reader = BufReader::new(read);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).await.unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                    }
                    if count.fetch_add(1, Ordering::SeqCst) > 0 {
                        barrier.wait().await;
                    }
                    let (records, (name, value)) = page(&query(&line));
                    let body = records.to_string();
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{name}: {value}\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if write.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (base, count)
}

fn items(range: std::ops::Range<u64>) -> Value {
    Value::Array(range.map(|id| json!({"id": id})).collect())
}

async fn ids(base: String, spec: ResourceSpec) -> (Vec<u64>, rest_source_runtime::RunReport) {
    let client = RestClient::builder(base)
        .no_timeout()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    let resource: Resource<Value> = Resource::new(client, spec).unwrap();
    let run = resource.collect_with_report();
    // Virtual time: a client that does not page concurrently never fills a group, and
    // fails here at once instead of hanging.
    let (records, report) = tokio::time::timeout(Duration::from_secs(3600), run)
        .await
        .expect("the pages after the first were not requested concurrently")
        .unwrap();
    let ids = records.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    (ids, report)
}

#[tokio::test(start_paused = true)]
async fn x_total_count_pages_are_fetched_concurrently_with_the_exact_request_count() {
    // 90 records, 10 a page: the first page, then 8 more in groups of 4.
    let (base, count) = grouped(4, |q| {
        let (offset, limit) = (q["offset"], q["limit"]);
        (
            items(offset.min(90)..(offset + limit).min(90)),
            ("X-Total-Count", "90".to_owned()),
        )
    })
    .await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(OffsetPaginator::new(10).total_header("X-Total-Count"))
        .concurrency(4);
    let (ids, report) = ids(base, spec).await;
    assert_eq!(ids, (0..90).collect::<Vec<_>>());
    assert_eq!(
        count.load(Ordering::SeqCst),
        9,
        "nine pages, no empty tenth"
    );
    assert_eq!(report.requests, 9);
    assert_eq!(report.stop_reason(), Some(StopReason::TotalReached));
    assert_eq!(report.total, Some(90));
}

#[tokio::test(start_paused = true)]
async fn content_range_pages_are_fetched_concurrently_with_the_exact_request_count() {
    // 70 records, 10 a page: the first page, then 6 more in groups of 3.
    let (base, count) = grouped(3, |q| {
        let start = (q["page"] - 1) * 10;
        let end = (start + 10).min(70);
        (
            items(start.min(70)..end),
            ("Content-Range", format!("items {start}-{}/70", end - 1)),
        )
    })
    .await;
    let spec = ResourceSpec::new("items", "items")
        .paginator(PageNumberPaginator::default().base_page(1))
        .concurrency(3);
    let (ids, report) = ids(base, spec).await;
    assert_eq!(ids, (0..70).collect::<Vec<_>>());
    assert_eq!(
        count.load(Ordering::SeqCst),
        7,
        "seven pages, no empty eighth"
    );
    assert_eq!(report.requests, 7);
    assert_eq!(report.stop_reason(), Some(StopReason::TotalReached));
    assert_eq!(report.total, Some(70));
}
