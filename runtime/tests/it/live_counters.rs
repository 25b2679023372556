//! A resource's live counters ([`Resource::live_counters`]) move while its run is in
//! progress — what the CLI's progress lines read to show retries before a resource ends —
//! and are the counters its report is made from. Paused clock: the retry's backoff is
//! virtual time; the server holds a page until the test has read the counters.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rest_source_runtime::spec::{PaginatorSpec, ResourceSpec};
use rest_source_runtime::{Resource, RestClient, TryStreamExt};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc, oneshot};

fn response(status: u16, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// `/items`: 503 once, then a page linking to `/items2`; `/items2` is answered only after
/// `release` fires, and its arrival is announced on the returned channel.
async fn server(release: oneshot::Receiver<()>) -> (String, mpsc::Receiver<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let (arrived_tx, arrived) = mpsc::channel(1);
    let release = Arc::new(Mutex::new(Some(release)));
    let first = Arc::new(AtomicUsize::new(0));
    let next = format!("{base}items2");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (release, first, arrived_tx, next) = (
                release.clone(),
                first.clone(),
                arrived_tx.clone(),
                next.clone(),
            );
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut reader = BufReader::new(read);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    // The rest of the head (GET requests have no body).
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).await.unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                    }
                    let reply = if line.starts_with("GET /items2") {
                        let _ = arrived_tx.send(()).await;
                        if let Some(release) = release.lock().await.take() {
                            let _ = release.await;
                        }
                        response(200, r#"{"data": [{"id": 3}], "next": null}"#)
                    } else if first.fetch_add(1, Ordering::SeqCst) == 0 {
                        response(503, "{}")
                    } else {
                        response(
                            200,
                            &format!(r#"{{"data": [{{"id": 1}}, {{"id": 2}}], "next": "{next}"}}"#),
                        )
                    };
                    if write.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (base, arrived)
}

#[tokio::test(start_paused = true)]
async fn retries_are_counted_while_the_run_is_in_progress() {
    let (release, hold) = oneshot::channel();
    let (base, mut arrived) = server(hold).await;
    let client = RestClient::builder(base)
        .no_timeout()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    let items: Resource<serde_json::Value> = Resource::new(
        client,
        ResourceSpec::new("items", "items")
            .data_selector("data")
            .paginator(PaginatorSpec::json_link("next")),
    )
    .unwrap();
    assert!(items.live_counters().is_none(), "no run has started");

    let mut pages = items.pages();
    let live = items.live_counters().expect("the run has started");
    assert_eq!(
        live.requests(),
        0,
        "nothing is sent before the stream is polled"
    );
    let first = pages.try_next().await.unwrap().unwrap();
    assert_eq!(first.len(), 2);
    // The second page is on the server, held: the run is still going.
    arrived.recv().await.unwrap();
    assert_eq!(live.retries(), 1);
    assert_eq!(live.retries_by_cause().get("503"), Some(&1));
    assert_eq!(
        live.requests(),
        3,
        "the 503, the first page and the held second page"
    );
    assert_eq!(live.token_fetches(), 0);
    assert!(items.last_report().is_none(), "the run has not ended");

    release.send(()).unwrap();
    assert_eq!(pages.try_next().await.unwrap().unwrap().len(), 1);
    assert!(pages.try_next().await.unwrap().is_none());
    let report = items.last_report().expect("the run has ended");
    assert_eq!(report.total_retries(), live.retries());
    assert_eq!(report.requests, live.requests());
    // The next run counts afresh.
    let _next = items.pages();
    let next = items.live_counters().unwrap();
    assert!(!next.same_run(&live) && live.same_run(&live.clone()));
    assert_eq!(next.requests(), 0);
}
