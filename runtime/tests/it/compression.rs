//! Compressed bodies are decoded (the default `compression` feature), `Accept-Encoding`
//! and `Accept: application/json` are sent, and an `Accept` of the caller's wins.

use std::io::Write;
use std::sync::{Arc, Mutex};

use rest_source_runtime::{RestClient, RetryPolicy};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server answering every request with `body` under `Content-Encoding: encoding`; keeps
/// each request head it read.
async fn serving(encoding: &'static str, body: Vec<u8>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let (body, seen) = (body.clone(), seen.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).to_ascii_lowercase());
                let mut out = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                     content-encoding: {encoding}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                out.extend_from_slice(&body);
                let _ = stream.write_all(&out).await;
            });
        }
    });
    (format!("http://{addr}/"), heads)
}

fn payload() -> Value {
    json!({"items": (0..50).map(|i| json!({"id": i, "name": format!("item {i}")})).collect::<Vec<_>>()})
}

fn client(base: String) -> RestClient {
    RestClient::builder(base)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

async fn fetch_encoded(encoding: &'static str, body: Vec<u8>) -> (Value, String) {
    let (base, heads) = serving(encoding, body).await;
    let got: Value = client(base).get_json("items").await.unwrap();
    let head = heads.lock().unwrap()[0].clone();
    (got, head)
}

#[tokio::test]
async fn gzip_bodies_are_decoded_and_accept_headers_sent() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(payload().to_string().as_bytes()).unwrap();
    let (got, head) = fetch_encoded("gzip", enc.finish().unwrap()).await;
    assert_eq!(got, payload());
    let accept_encoding = head
        .lines()
        .find(|l| l.starts_with("accept-encoding:"))
        .unwrap_or_else(|| panic!("no accept-encoding in {head}"));
    for name in ["gzip", "br", "zstd", "deflate"] {
        assert!(accept_encoding.contains(name), "{accept_encoding}");
    }
    assert!(head.contains("\r\naccept: application/json\r\n"), "{head}");
}

#[tokio::test]
async fn brotli_bodies_are_decoded() {
    let mut out = Vec::new();
    {
        let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        enc.write_all(payload().to_string().as_bytes()).unwrap();
    }
    assert_eq!(fetch_encoded("br", out).await.0, payload());
}

#[tokio::test]
async fn zstd_bodies_are_decoded() {
    let out = zstd::encode_all(payload().to_string().as_bytes(), 3).unwrap();
    assert_eq!(fetch_encoded("zstd", out).await.0, payload());
}

#[tokio::test]
async fn deflate_bodies_are_decoded() {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(payload().to_string().as_bytes()).unwrap();
    assert_eq!(
        fetch_encoded("deflate", enc.finish().unwrap()).await.0,
        payload()
    );
}

#[tokio::test]
async fn the_callers_accept_header_wins() {
    let (base, heads) = serving("identity", b"{}".to_vec()).await;
    let c = RestClient::builder(base)
        .header("Accept", "application/vnd.api+json")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    c.get("a").await.unwrap();
    c.get("b")
        .header("accept", "application/x-ndjson")
        .await
        .unwrap();
    let heads = heads.lock().unwrap().clone();
    assert!(
        heads[0].contains("\r\naccept: application/vnd.api+json\r\n"),
        "{}",
        heads[0]
    );
    assert!(
        heads[1].contains("\r\naccept: application/x-ndjson\r\n"),
        "{}",
        heads[1]
    );
    assert_eq!(heads[1].matches("\r\naccept:").count(), 1, "{}", heads[1]);
}
