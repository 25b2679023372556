//! Overlap that the protocol allows: with `header_link`, the next page is requested as soon
//! as this page's headers arrive, while its body is read. Each test runs against a server
//! that holds a page's body until it has seen (or not) the next request, on tokio's paused
//! clock: without the overlap the first test would wait forever (its timeout fires), and the
//! limits tests give a request sent too early every chance to arrive.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use rest_source_runtime::spec::{PaginatorSpec, ResourceSpec, ResponseAction, ResponseActionKind};
use rest_source_runtime::{Error, Resource, RestClient, RetryPolicy, StopReason};
use serde::Deserialize;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: u64,
}

/// When the server sends a page's body (its headers go out at once).
#[derive(Clone, Debug)]
enum Hold {
    /// With the headers.
    No,
    /// Once the server has received this many requests for page `page` (counting all
    /// attempts).
    UntilRequested { page: u64, times: usize },
    /// After this long on the (paused) clock: time for any request sent early to arrive.
    For(Duration),
}

/// How the server answers one request.
#[derive(Clone, Debug)]
struct Plan {
    /// Records `[first, first + n)`.
    first: u64,
    n: u64,
    /// The page the `Link: rel="next"` header points to (on `link_host`).
    next: Option<u64>,
    /// The body text instead of the records (still a JSON page).
    body: Option<String>,
    /// How many bytes of the body go out with the headers, before the hold.
    split: usize,
    /// Whether to send the `Link` header (`false`: the link is in the body).
    link_header: bool,
    hold: Hold,
    /// Announce the whole body, send half, close the connection.
    cut: bool,
}

impl Plan {
    fn page(page: u64, last: u64) -> Plan {
        Plan {
            first: (page - 1) * 2,
            n: 2,
            next: (page < last).then_some(page + 1),
            body: None,
            split: 0,
            link_header: true,
            hold: Hold::No,
            cut: false,
        }
    }
    fn hold(mut self, hold: Hold) -> Plan {
        self.hold = hold;
        self
    }
    /// The page's records as JSON.
    fn data(&self) -> String {
        let data: Vec<_> = (self.first..self.first + self.n)
            .map(|id| json!({"id": id}))
            .collect();
        serde_json::Value::Array(data).to_string()
    }
    /// The link (or the bare page number, for a cursor) in the body under `key`, before the
    /// records (sent with the headers) or after them; no `Link` header.
    fn in_body(mut self, base: &str, key: &str, before: bool, cursor: bool) -> Plan {
        let next = match (self.next, cursor) {
            (None, _) => "null".to_owned(),
            (Some(n), true) => n.to_string(),
            (Some(n), false) => format!("\"{base}/items?page={n}\""),
        };
        let data = self.data();
        let (body, split) = if before {
            let head = format!(r#"{{"{key}": {next}, "#);
            (format!(r#"{head}"data": {data}}}"#), head.len())
        } else {
            (format!(r#"{{"data": {data}, "{key}": {next}}}"#), 0)
        };
        self.body = Some(body);
        self.split = split;
        self.link_header = false;
        self
    }
}

/// A request the server received: the page asked for and that page's attempt number (from 1).
type Log = Arc<Mutex<Vec<(u64, usize)>>>;

struct HoldServer {
    base: String,
    log: Log,
}

impl HoldServer {
    /// Serves `/items?page=N` (no `page`: 1) with the plan `plan(N, attempt)`; `link_host`
    /// is the origin of the `Link` header's URLs (`None`: this server).
    async fn start(
        link_host: Option<String>,
        plan: impl Fn(u64, usize) -> Plan + Send + Sync + 'static,
    ) -> HoldServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let link_host = link_host.unwrap_or_else(|| base.clone());
        let log: Log = Arc::default();
        let arrived = Arc::new(Notify::new());
        let plan = Arc::new(plan);
        let server_log = log.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                stream.set_nodelay(true).unwrap();
                let (log, arrived, plan, link_host) = (
                    server_log.clone(),
                    arrived.clone(),
                    plan.clone(),
                    link_host.clone(),
                );
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut reader = BufReader::new(read);
                    while let Some(page) = read_page(&mut reader).await {
                        let attempt = {
                            let mut log = log.lock().unwrap();
                            let attempt = log.iter().filter(|(p, _)| *p == page).count() + 1;
                            log.push((page, attempt));
                            attempt
                        };
                        arrived.notify_waiters();
                        let plan = plan(page, attempt);
                        let body = plan
                            .body
                            .clone()
                            .unwrap_or_else(|| format!(r#"{{"data": {}}}"#, plan.data()));
                        let mut head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                            body.len()
                        );
                        if let Some(next) = plan.next.filter(|_| plan.link_header) {
                            head.push_str(&format!(
                                "link: <{link_host}/items?page={next}>; rel=\"next\"\r\n"
                            ));
                        }
                        head.push_str("\r\n");
                        head.push_str(&body[..plan.split]);
                        if write.write_all(head.as_bytes()).await.is_err() {
                            return;
                        }
                        match plan.hold {
                            Hold::No => {}
                            Hold::For(d) => tokio::time::sleep(d).await,
                            Hold::UntilRequested { page, times } => loop {
                                let notified = arrived.notified();
                                let seen = log
                                    .lock()
                                    .unwrap()
                                    .iter()
                                    .filter(|(p, _)| *p == page)
                                    .count();
                                if seen >= times {
                                    break;
                                }
                                notified.await;
                            },
                        }
                        let rest = &body.as_bytes()[plan.split..];
                        if plan.cut {
                            let _ = write.write_all(&rest[..rest.len() / 2]).await;
                            return;
                        }
                        if write.write_all(rest).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        HoldServer { base, log }
    }

    fn client(&self, retry: RetryPolicy) -> RestClient {
        RestClient::builder(self.base.clone())
            .no_timeout()
            .pool_idle_timeout(None)
            .retry(retry)
            .build()
            .unwrap()
    }

    /// The pages requested, in the order the requests arrived.
    fn pages(&self) -> Vec<u64> {
        self.log.lock().unwrap().iter().map(|(p, _)| *p).collect()
    }
}

/// Reads one request head and returns its `page` (1 without one); `None` at EOF.
async fn read_page<R: tokio::io::AsyncRead + Unpin>(reader: &mut BufReader<R>) -> Option<u64> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let target = line.split_whitespace().nth(1)?.to_owned();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).await.ok()?;
        if h.trim_end().is_empty() {
            break;
        }
    }
    let url = url::Url::parse(&format!("http://x{target}")).ok()?;
    let query: HashMap<_, _> = url.query_pairs().into_owned().collect();
    Some(query.get("page").map_or(1, |p| p.parse().unwrap()))
}

fn spec() -> ResourceSpec {
    ResourceSpec::new("items", "items")
        .data_selector("data")
        .paginator(PaginatorSpec::header_link())
}

/// Long enough for anything on the paused clock; a deadlock reaches it at once.
const PATIENCE: Duration = Duration::from_secs(3600);

#[tokio::test(start_paused = true)]
async fn header_link_requests_the_next_page_before_reading_this_body() {
    // Page N's body is sent only once page N+1 was requested: the run can finish only if
    // the next request goes out while this body is still being read.
    let server = HoldServer::start(None, |page, _| {
        Plan::page(page, 3).hold(match page {
            3 => Hold::No,
            _ => Hold::UntilRequested {
                page: page + 1,
                times: 1,
            },
        })
    })
    .await;
    let resource: Resource<Item> =
        Resource::new(server.client(RetryPolicy::none()), spec()).unwrap();
    let (items, report) = tokio::time::timeout(PATIENCE, resource.collect_with_report())
        .await
        .expect("the next page was not requested while this body was held")
        .unwrap();
    let ids: Vec<u64> = items.iter().map(|i| i.id).collect();
    assert_eq!(ids, [0, 1, 2, 3, 4, 5], "records stay in page order");
    assert_eq!(server.pages(), [1, 2, 3]);
    assert_eq!(report.pages, 3);
    assert_eq!(report.requests, 3, "one request per page, none discarded");
    assert_eq!(report.stop_reason(), Some(StopReason::NoNextPage));
}

#[tokio::test(start_paused = true)]
async fn with_one_request_in_flight_the_next_page_waits_for_this_body() {
    // `concurrency = 1` allows no second request: against the server of the test above
    // (page 1's body only after page 2's request) the run cannot progress.
    let server = HoldServer::start(None, |page, _| {
        Plan::page(page, 2).hold(Hold::UntilRequested {
            page: page + 1,
            times: 1,
        })
    })
    .await;
    let resource: Resource<Item> =
        Resource::new(server.client(RetryPolicy::none()), spec().concurrency(1)).unwrap();
    let waited = tokio::time::timeout(PATIENCE, resource.collect()).await;
    assert!(waited.is_err(), "page 2 was requested before page 1's body");
    assert_eq!(server.pages(), [1]);
}

#[tokio::test(start_paused = true)]
async fn a_body_cut_off_after_the_next_request_drops_it_and_retries_as_before() {
    // Page 1's first body is cut off once page 2 was requested from its headers. The cut is
    // retried (the client's policy); the request made from the cut response's headers is
    // dropped and page 2 is requested again from the retried response's.
    let server = HoldServer::start(None, |page, attempt| {
        let plan = Plan::page(page, 3);
        match (page, attempt) {
            (1, 1) => Plan {
                cut: true,
                ..plan.hold(Hold::UntilRequested { page: 2, times: 1 })
            },
            _ => plan,
        }
    })
    .await;
    let resource: Resource<Item> =
        Resource::new(server.client(RetryPolicy::default()), spec()).unwrap();
    let (items, report) = tokio::time::timeout(PATIENCE, resource.collect_with_report())
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<u64> = items.iter().map(|i| i.id).collect();
    assert_eq!(
        ids,
        [0, 1, 2, 3, 4, 5],
        "no page-2 record before page 1's, none twice"
    );
    assert_eq!(report.retries.get("body"), Some(&1));
    let pages = server.pages();
    assert_eq!(pages.iter().filter(|p| **p == 1).count(), 2);
    assert_eq!(
        pages.iter().filter(|p| **p == 2).count(),
        2,
        "the request made from the cut response is not the one used: {pages:?}"
    );
    assert_eq!(
        report.requests,
        pages.len() as u64,
        "every request sent is counted"
    );
    assert_eq!(report.pages, 3);
    assert_eq!(report.stop_reason(), Some(StopReason::NoNextPage));
}

#[tokio::test(start_paused = true)]
async fn a_cut_off_body_that_is_not_retried_fails_before_any_record_of_the_next_page() {
    let server = HoldServer::start(None, |page, _| {
        let plan = Plan::page(page, 3);
        match page {
            1 => Plan {
                cut: true,
                ..plan.hold(Hold::UntilRequested { page: 2, times: 1 })
            },
            _ => plan,
        }
    })
    .await;
    let resource: Resource<Item> =
        Resource::new(server.client(RetryPolicy::none()), spec()).unwrap();
    let mut run = resource.run();
    let mut before_error = Vec::new();
    let err = loop {
        match tokio::time::timeout(PATIENCE, run.next()).await.unwrap() {
            Some(Ok(item)) => before_error.push(item.id),
            Some(Err(e)) => break e,
            None => panic!("the stream ended without the cut-off page's error"),
        }
    };
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(
        before_error.is_empty(),
        "records before the error: {before_error:?}"
    );
    assert!(run.next().await.is_none(), "nothing after the error");
    let report = run.report().unwrap();
    assert_eq!(report.stop_reason(), Some(StopReason::Error));
    assert_eq!(report.pages, 0);
    // Page 1 and the page 2 request made from its headers (sent, then dropped).
    assert_eq!(server.pages(), [1, 2]);
    assert_eq!(
        report.requests, 2,
        "the dropped request was sent and is counted"
    );
}

#[tokio::test(start_paused = true)]
async fn max_pages_is_not_passed_by_a_request_ahead() {
    // Every page links on; each body is held a while so a request sent from page 2's
    // headers would arrive.
    let server = HoldServer::start(None, |page, _| {
        Plan::page(page, u64::MAX).hold(Hold::For(Duration::from_secs(5)))
    })
    .await;
    let resource: Resource<Item> =
        Resource::new(server.client(RetryPolicy::none()), spec().max_pages(2)).unwrap();
    let (items, report) = tokio::time::timeout(PATIENCE, resource.collect_with_report())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(items.len(), 4);
    // Page 2 was requested from page 1's headers (overlap), page 3 never.
    assert_eq!(server.pages(), [1, 2]);
    assert_eq!(report.requests, 2);
    assert_eq!(report.stop_reason(), Some(StopReason::MaxPages));
}

#[tokio::test(start_paused = true)]
async fn max_items_sends_no_request_ahead() {
    let server = HoldServer::start(None, |page, _| {
        Plan::page(page, u64::MAX).hold(Hold::For(Duration::from_secs(5)))
    })
    .await;
    let resource: Resource<Item> =
        Resource::new(server.client(RetryPolicy::none()), spec().max_items(3)).unwrap();
    let (items, report) = tokio::time::timeout(PATIENCE, resource.collect_with_report())
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<u64> = items.iter().map(|i| i.id).collect();
    assert_eq!(ids, [0, 1, 2]);
    assert_eq!(
        server.pages(),
        [1, 2],
        "no page past the one that reached max_items"
    );
    assert_eq!(report.requests, 2);
    assert_eq!(report.stop_reason(), Some(StopReason::MaxItems));
}

#[tokio::test(start_paused = true)]
async fn a_next_link_to_another_origin_is_not_requested_ahead() {
    let other = HoldServer::start(None, |page, _| Plan::page(page, 1)).await;
    let server = HoldServer::start(
        Some(other.base.replace("127.0.0.1", "localhost")),
        |page, _| Plan::page(page, 2).hold(Hold::For(Duration::from_secs(5))),
    )
    .await;
    let client = RestClient::builder(server.base.clone())
        .no_timeout()
        .pool_idle_timeout(None)
        .retry(RetryPolicy::none())
        .auth(rest_source_runtime::BearerToken::new(
            rest_source_runtime::Secret::new("tok"),
        ))
        .build()
        .unwrap();
    let resource: Resource<Item> = Resource::new(client, spec()).unwrap();
    let err = tokio::time::timeout(PATIENCE, resource.collect())
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.to_string().contains("another origin"), "{err}");
    assert!(
        other.pages().is_empty(),
        "the other origin got {:?}",
        other.pages()
    );
    assert_eq!(server.pages(), [1]);
}

#[tokio::test(start_paused = true)]
async fn a_retry_response_action_drops_the_request_made_from_its_headers() {
    // Page 1's first answer is a 200 whose body asks for a retry; it is held until page 2
    // was requested from its headers. That request must not be the page 2 used.
    let server = HoldServer::start(None, |page, attempt| {
        let plan = Plan::page(page, 2);
        match (page, attempt) {
            (1, 1) => Plan {
                body: Some(json!({"status": "busy, try again"}).to_string()),
                ..plan.hold(Hold::UntilRequested { page: 2, times: 1 })
            },
            _ => plan,
        }
    })
    .await;
    let spec = spec().response_action(
        ResponseAction::status(200, ResponseActionKind::Retry).and_content("try again"),
    );
    let resource: Resource<Item> =
        Resource::new(server.client(RetryPolicy::default()), spec).unwrap();
    let (items, report) = tokio::time::timeout(PATIENCE, resource.collect_with_report())
        .await
        .unwrap()
        .unwrap();
    let ids: Vec<u64> = items.iter().map(|i| i.id).collect();
    assert_eq!(ids, [0, 1, 2, 3]);
    assert_eq!(report.retries.get("response_action"), Some(&1));
    let pages = server.pages();
    assert_eq!(pages.iter().filter(|p| **p == 2).count(), 2, "{pages:?}");
    assert_eq!(report.requests, pages.len() as u64);
}

/// A server whose pages carry their link in the body (see [`Plan::in_body`]), before or after
/// the records, behind a string of `meta` bytes (0: none); with `before`, each body's records
/// are sent only once the next page was requested.
async fn body_link_server(
    key: &'static str,
    before: bool,
    cursor: bool,
    meta: usize,
) -> HoldServer {
    let base = Arc::new(Mutex::new(String::new()));
    let link_base = base.clone();
    let server = HoldServer::start(None, move |page, _| {
        let mut plan = Plan::page(page, 3).in_body(&link_base.lock().unwrap(), key, before, cursor);
        if meta > 0 {
            let head = format!(r#"{{"meta": "{}", "#, "m".repeat(meta));
            let body = plan.body.take().unwrap();
            plan.body = Some(format!("{head}{}", &body[1..]));
            plan.split += head.len() - 1;
        }
        match (before, page) {
            (true, 1 | 2) => plan.hold(Hold::UntilRequested {
                page: page + 1,
                times: 1,
            }),
            (true, _) => plan,
            (false, _) => plan.hold(Hold::For(Duration::from_secs(5))),
        }
    })
    .await;
    *base.lock().unwrap() = server.base.clone();
    server
}

/// The ids `items` (records under `data`) yields from `server` with `paginator`, and its
/// report; `late` is the failure when that takes longer than [`PATIENCE`] (on the paused
/// clock: a body held for a request that never comes).
async fn read_items(
    server: &HoldServer,
    paginator: impl Into<PaginatorSpec>,
    late: &str,
) -> (Vec<u64>, rest_source_runtime::RunReport) {
    let spec = ResourceSpec::new("items", "items")
        .data_selector("data")
        .paginator(paginator);
    let resource: Resource<Item> = Resource::new(server.client(RetryPolicy::none()), spec).unwrap();
    let (items, report) = tokio::time::timeout(PATIENCE, resource.collect_with_report())
        .await
        .expect(late)
        .unwrap();
    (items.iter().map(|i| i.id).collect(), report)
}

#[tokio::test(start_paused = true)]
async fn json_link_before_the_records_requests_the_next_page_from_the_first_bytes() {
    let server = body_link_server("next", true, false, 0).await;
    let (ids, report) = read_items(
        &server,
        PaginatorSpec::json_link("next"),
        "the next page was not requested from the body's first bytes",
    )
    .await;
    assert_eq!(ids, [0, 1, 2, 3, 4, 5]);
    assert_eq!(server.pages(), [1, 2, 3]);
    assert_eq!(report.requests, 3);
    assert_eq!(report.stop_reason(), Some(StopReason::NoNextPage));
}

/// The scan takes a chunk a piece at a time: a link after a few KB of scalars (here a 3,000
/// byte string, well past the first piece) is still found in the first bytes, and the
/// next page requested before the rest of this body is sent.
#[tokio::test(start_paused = true)]
async fn json_link_after_a_long_scalar_is_still_found_in_the_first_bytes() {
    let server = body_link_server("next", true, false, 3000).await;
    let (ids, report) = read_items(
        &server,
        PaginatorSpec::json_link("next"),
        "the link after the long string was not found in the body's first bytes",
    )
    .await;
    assert_eq!(ids, [0, 1, 2, 3, 4, 5]);
    assert_eq!(server.pages(), [1, 2, 3]);
    assert_eq!(report.requests, 3);
}

#[tokio::test(start_paused = true)]
async fn a_cursor_before_the_records_requests_the_next_page_from_the_first_bytes() {
    let server = body_link_server("cursor", true, true, 0).await;
    let (ids, report) = read_items(
        &server,
        rest_source_runtime::spec::CursorPaginator::new("cursor", "page"),
        "the next page was not requested from the body's first bytes",
    )
    .await;
    assert_eq!(ids, [0, 1, 2, 3, 4, 5]);
    assert_eq!(server.pages(), [1, 2, 3]);
    assert_eq!(report.requests, 3);
}

#[tokio::test(start_paused = true)]
async fn json_link_after_the_records_is_followed_once_the_body_is_read() {
    let server = body_link_server("next", false, false, 0).await;
    let (ids, report) = read_items(
        &server,
        PaginatorSpec::json_link("next"),
        "the pages were not read",
    )
    .await;
    assert_eq!(ids, [0, 1, 2, 3, 4, 5]);
    assert_eq!(server.pages(), [1, 2, 3]);
    assert_eq!(report.requests, 3);
    assert_eq!(report.pages, 3);
}
