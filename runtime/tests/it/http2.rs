//! HTTP/2 when the server offers it (ALPN `h2`), with the `http2` feature: a source
//! negotiates it against a loopback TLS server (certificates made here) and pages
//! addressable pages as concurrent streams of one connection, with every record, in order.
//! Real clock: TLS handshakes are real I/O.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{CertificateParams, KeyPair};
use rest_source_runtime::spec::{JsonLinkPaginator, OffsetPaginator, PaginatorSpec, ResourceSpec};
use rest_source_runtime::{Resource, RestClient, RetryPolicy};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde::Deserialize;
use serde_json::json;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

#[derive(Debug, Deserialize)]
struct Item {
    id: u64,
}

/// What the server saw: each request's HTTP version and offset, and the connections.
#[derive(Default)]
struct Seen {
    versions: Mutex<Vec<Version>>,
    offsets: Mutex<Vec<u64>>,
    arrived: tokio::sync::Notify,
    connections: AtomicUsize,
}

/// An https server for `localhost` on 127.0.0.1:0 offering `alpn` (`h2`, `http/1.1`), serving
/// `/items?offset=&limit=` out of `total` records (with `total` in the body) and, for
/// `json_link`, `"next"`. With `hold`, the page at offset 10 is answered only once the one
/// at 20 was requested: pages that are not requested concurrently never finish. Returns its base URL,
/// the certificate's PEM file and what it saw.
async fn server(alpn: &[&[u8]], total: u64, hold: bool) -> (String, std::path::PathBuf, Arc<Seen>) {
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    static N: AtomicUsize = AtomicUsize::new(0);
    let pem = std::env::temp_dir().join(format!(
        "rest-source-h2-{}-{}.pem",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::write(&pem, cert.pem()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::from(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let base = format!("https://localhost:{port}");
    let seen = Arc::new(Seen::default());
    let (server_seen, server_base) = (seen.clone(), base.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            server_seen.connections.fetch_add(1, Ordering::SeqCst);
            let (acceptor, seen, base) =
                (acceptor.clone(), server_seen.clone(), server_base.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                let service = hyper::service::service_fn(
                    move |req: Request<hyper::body::Incoming>| {
                        let (seen, base) = (seen.clone(), base.clone());
                        async move { Ok::<_, Infallible>(page(&seen, &base, &req, total, hold).await) }
                    },
                );
                let io = TokioIo::new(tls);
                if h2 {
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .serve_connection(io, service)
                        .await;
                } else {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                }
            });
        }
    });
    (base, pem, seen)
}

async fn page(
    seen: &Seen,
    base: &str,
    req: &Request<hyper::body::Incoming>,
    total: u64,
    hold: bool,
) -> Response<Full<Bytes>> {
    seen.versions.lock().unwrap().push(req.version());
    let query: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let num = |k: &str, default: u64| query.get(k).map_or(default, |v| v.parse().unwrap());
    let (offset, limit) = (num("offset", 0), num("limit", 10));
    seen.offsets.lock().unwrap().push(offset);
    seen.arrived.notify_waiters();
    if hold && offset == 10 {
        loop {
            let arrived = seen.arrived.notified();
            if seen.offsets.lock().unwrap().contains(&20) {
                break;
            }
            arrived.await;
        }
    }
    let end = (offset + limit).min(total);
    let data: Vec<_> = (offset..end).map(|id| json!({"id": id})).collect();
    let next = (end < total).then(|| format!("{base}/items?offset={end}&limit={limit}"));
    let body = json!({"data": data, "total": total, "next": next}).to_string();
    Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

fn client(base: &str, pem: &std::path::Path) -> RestClient {
    RestClient::builder(base)
        .root_certificates_pem(pem)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_source_negotiates_h2_and_pages_addressable_pages_on_one_connection() {
    let (base, pem, seen) = server(&[b"h2", b"http/1.1"], 95, true).await;
    let spec = ResourceSpec::new("items", "items")
        .data_selector("data")
        .paginator(OffsetPaginator::new(10).total_path("total"))
        .concurrency(4);
    let resource: Resource<Item> = Resource::new(client(&base, &pem), spec).unwrap();
    // A deadlock guard only: without concurrent streams the run would never end.
    let (items, report) = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        resource.collect_with_report(),
    )
    .await
    .expect("page 2 is answered only once page 3 was requested on the same connection")
    .unwrap();
    let ids: Vec<u64> = items.iter().map(|i| i.id).collect();
    assert_eq!(ids, (0..95).collect::<Vec<_>>(), "every record, in order");
    let versions = seen.versions.lock().unwrap().clone();
    assert_eq!(versions.len(), 10);
    assert!(
        versions.iter().all(|v| *v == Version::HTTP_2),
        "{versions:?}"
    );
    assert_eq!(
        seen.connections.load(Ordering::SeqCst),
        1,
        "the pages are streams of one connection"
    );
    assert_eq!(report.requests, 10);
    assert_eq!(report.pages, 10);
}

#[tokio::test]
async fn a_next_link_over_h2_is_followed_in_order() {
    let (base, pem, seen) = server(&[b"h2", b"http/1.1"], 35, false).await;
    let spec = ResourceSpec::new("items", "items")
        .param("limit", 10)
        .data_selector("data")
        .paginator(PaginatorSpec::JsonLink(JsonLinkPaginator::new("next")));
    let resource: Resource<Item> = Resource::new(client(&base, &pem), spec).unwrap();
    let ids: Vec<u64> = resource
        .collect()
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids, (0..35).collect::<Vec<_>>());
    let versions = seen.versions.lock().unwrap().clone();
    assert_eq!(versions, vec![Version::HTTP_2; 4]);
}

#[tokio::test]
async fn a_server_without_h2_is_paged_over_http1() {
    let (base, pem, seen) = server(&[b"http/1.1"], 25, false).await;
    let spec = ResourceSpec::new("items", "items")
        .data_selector("data")
        .paginator(OffsetPaginator::new(10).total_path("total"));
    let resource: Resource<Item> = Resource::new(client(&base, &pem), spec).unwrap();
    assert_eq!(resource.collect().await.unwrap().len(), 25);
    let versions = seen.versions.lock().unwrap().clone();
    assert_eq!(versions, vec![Version::HTTP_11; 3]);
}
