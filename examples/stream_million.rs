//! Streams a large resource page by page and shows that memory stays flat.
//!
//! A local server (127.0.0.1, in this process) generates offset/limit pages on the fly;
//! `Resource<User>` reads them lazily. Run in release mode:
//!
//! ```text
//! cargo run --release --example stream_million            # 1,000,000 records
//! cargo run --release --example stream_million -- 10000   # 10,000 records
//! ```
//!
//! Peak RSS (VmHWM) covers client and server together; with 1,000-record pages it is the
//! same for 10 thousand and 1 million records, because only the current page is held.

use std::fmt::Write as _;
use std::time::Instant;

use futures::TryStreamExt;
use rest_source::RestClient;
use rest_source::spec::{OffsetPaginator, ResourceSpec};
use rest_source::{Resource, Result};
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const PAGE_SIZE: u64 = 1000;

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // fields are decoded to measure real work; only some are read
struct User {
    id: u64,
    name: String,
    email: String,
    score: f64,
    active: bool,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let total: u64 = std::env::args()
        .nth(1)
        .map(|a| {
            a.replace('_', "")
                .parse()
                .expect("the record count must be a number")
        })
        .unwrap_or(1_000_000);
    let base = serve(total).await;

    let client = RestClient::builder(base).build()?;
    let users: Resource<User> = Resource::new(
        client,
        ResourceSpec::new("users", "users")
            .data_selector("data")
            .paginator(OffsetPaginator::new(PAGE_SIZE).total_path("total")),
    )?;

    let start = Instant::now();
    let (mut records, mut pages, mut active, mut id_sum) = (0u64, 0u64, 0u64, 0u64);
    let mut stream = users.pages();
    while let Some(page) = stream.try_next().await? {
        pages += 1;
        for user in page {
            records += 1;
            id_sum += user.id;
            active += u64::from(user.active);
        }
    }
    let elapsed = start.elapsed();
    assert_eq!(records, total, "every record arrives exactly once");
    assert_eq!(id_sum, total * total.saturating_sub(1) / 2);
    println!("records:  {records}");
    println!("pages:    {pages}");
    println!("active:   {active}");
    println!(
        "elapsed:  {elapsed:.2?} ({:.0} records/s)",
        records as f64 / elapsed.as_secs_f64()
    );
    println!("peak RSS: {}", peak_rss());
    Ok(())
}

/// VmHWM from /proc/self/status (Linux); "unknown" elsewhere.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Serves `GET /users?offset=&limit=` with `{"data": [...], "total": n}`, generating each
/// page when it is requested. HTTP/1.1 keep-alive, one task per connection.
async fn serve(total: u64) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut reader = BufReader::new(read);
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let target = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    // Skip the headers (GET requests have no body).
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if h.trim_end().is_empty() {
                            break;
                        }
                    }
                    let param = |name: &str| {
                        target
                            .split(['?', '&'])
                            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                            .and_then(|v| v.parse::<u64>().ok())
                    };
                    let offset = param("offset").unwrap_or(0).min(total);
                    let end = (offset + param("limit").unwrap_or(PAGE_SIZE)).min(total);
                    let body = page(offset, end, total);
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if write.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn page(from: u64, to: u64, total: u64) -> String {
    let mut body = String::with_capacity(((to - from) * 110 + 32) as usize);
    body.push_str("{\"data\":[");
    for id in from..to {
        if id > from {
            body.push(',');
        }
        let _ = write!(
            body,
            "{{\"id\":{id},\"name\":\"user {id}\",\"email\":\"user{id}@example.com\",\"score\":{}.5,\"active\":{}}}",
            id % 100,
            id % 3 == 0
        );
    }
    let _ = write!(body, "],\"total\":{total}}}");
    body
}
