//! Transport errors keep their cause: a refused connection, a timeout, a body that stalls
//! and a host that does not resolve read differently in `Display`, through retries
//! (`RetriesExhausted::source`) and through token requests. TLS failures are in `tls.rs`.
//! DNS is hermetic: a resolver plugged in with `RestClientBuilder::dns_resolver` answers,
//! so no query leaves the machine.

use crate::common;

use std::error::Error as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rest_source_runtime::TransportKind;
use rest_source_runtime::reqwest::dns::{Name, Resolve, Resolving};
use rest_source_runtime::{Error, OAuth2ClientCredentials, RestClient, RetryPolicy, Secret};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server that reads the request and then answers `head` (maybe with part of a body) and
/// never anything more, keeping the connection open.
async fn stalling(head: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let _ = stream.write_all(head.as_bytes()).await;
                std::future::pending::<()>().await;
            });
        }
    });
    format!("http://{addr}/")
}

fn retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        ..RetryPolicy::default()
    }
}

#[tokio::test(start_paused = true)]
async fn refused_connection_says_so_after_retries_too() {
    let (_held, addr) = common::refused_port();
    let port = addr.port();
    let c = RestClient::builder(format!("http://127.0.0.1:{port}/"))
        .no_timeout()
        .retry(retry(2))
        .build()
        .unwrap();
    let err = c.get("x").await.unwrap_err();
    assert!(
        matches!(err, Error::RetriesExhausted { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("connection refused"), "{err}");
    assert_eq!(err.transport_kind(), Some(TransportKind::Connect));
    let last = err.source().unwrap();
    assert!(last.to_string().contains("connection refused"), "{last}");
    // …and the chain goes on to the underlying error.
    assert!(last.source().is_some());
}

#[tokio::test(start_paused = true)]
async fn a_request_that_times_out_names_the_timeout() {
    let base = stalling("").await;
    let c = RestClient::builder(base)
        .timeout(Duration::from_secs(3))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = c.get("x").await.unwrap_err();
    assert_eq!(err.transport_kind(), Some(TransportKind::Timeout));
    assert!(err.to_string().contains("timed out after 3 s"), "{err}");
    assert!(err.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn a_timeout_says_so_after_retries_too() {
    let base = stalling("").await;
    let c = RestClient::builder(base)
        .timeout(Duration::from_secs(3))
        .retry(retry(1))
        .build()
        .unwrap();
    let err = c.get("x").await.unwrap_err();
    assert!(
        matches!(err, Error::RetriesExhausted { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("timed out after 3 s"), "{err}");
    assert_eq!(err.transport_kind(), Some(TransportKind::Timeout));
    let last = err.source().unwrap();
    assert!(last.to_string().contains("timed out after 3 s"), "{last}");
    assert!(last.source().is_some());
}

#[tokio::test(start_paused = true)]
async fn a_body_that_times_out_is_not_a_decode_error() {
    let base = stalling("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"items\": [").await;
    let c = RestClient::builder(base)
        .timeout(Duration::from_secs(3))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let response = c.get("x").await.unwrap();
    let err = response.bytes().await.unwrap_err();
    let text = err.to_string();
    assert_eq!(err.transport_kind(), Some(TransportKind::Timeout), "{text}");
    assert!(
        text.contains("timed out") && text.contains("body"),
        "{text}"
    );
    assert!(!text.contains("error decoding"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_token_endpoint_names_the_cause() {
    let (_held, addr) = common::refused_port();
    let port = addr.port();
    let api = common::TestServer::start(|_| common::Reply::ok()).await;
    let auth = OAuth2ClientCredentials::new(
        format!("http://127.0.0.1:{port}/token"),
        Secret::new("id"),
        Secret::new("secret"),
    );
    let c = common::client_with_retry(&api, auth, retry(1));
    let err = c.get("api").await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("could not get a token"), "{text}");
    assert!(text.contains("connection refused"), "{text}");
    assert!(
        matches!(err, Error::RetriesExhausted { attempts: 2, .. }),
        "{err:?}"
    );
    assert_eq!(err.transport_kind(), Some(TransportKind::Connect));
    assert_eq!(api.requests().len(), 0);
}

/// A resolver that knows no name (as a resolver answers NXDOMAIN), counting its lookups.
#[derive(Default)]
struct NoSuchHost {
    lookups: AtomicUsize,
}

impl Resolve for NoSuchHost {
    fn resolve(&self, name: Name) -> Resolving {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        let message = format!("no such host: {}", name.as_str());
        Box::pin(async move {
            Err(
                Box::new(std::io::Error::new(std::io::ErrorKind::NotFound, message))
                    as Box<dyn std::error::Error + Send + Sync>,
            )
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_host_that_does_not_resolve_says_so_after_retries_too() {
    let resolver = Arc::new(NoSuchHost::default());
    let c = RestClient::builder("http://api.nowhere.test/v1/")
        .dns_resolver(resolver.clone())
        .no_timeout()
        .retry(retry(2))
        .build()
        .unwrap();
    let err = c.get("items").await.unwrap_err();
    assert!(
        matches!(err, Error::RetriesExhausted { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(resolver.lookups.load(Ordering::SeqCst), 3);
    assert_eq!(err.transport_kind(), Some(TransportKind::Dns));
    let text = err.to_string();
    assert!(
        text.contains("could not resolve host `api.nowhere.test`"),
        "{text}"
    );
    assert!(!text.contains("connection refused"), "{text}");
    // The last attempt's error is the source, saying the same; below it, the resolver's own.
    let last = err.source().unwrap();
    assert!(
        last.to_string()
            .contains("could not resolve host `api.nowhere.test`"),
        "{last}"
    );
    let chain: Vec<String> = std::iter::successors(last.source(), |e| (*e).source())
        .map(ToString::to_string)
        .collect();
    assert!(
        chain
            .iter()
            .any(|e| e.contains("no such host: api.nowhere.test")),
        "{chain:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_unresolvable_token_endpoint_names_the_host() {
    let api = common::TestServer::start(|_| common::Reply::ok()).await;
    let c = RestClient::builder(api.url("/"))
        .auth(OAuth2ClientCredentials::new(
            "http://auth.nowhere.test/token",
            Secret::new("id"),
            Secret::new("secret"),
        ))
        // The API itself is loopback, by address: only the token host is looked up.
        .dns_resolver(Arc::new(NoSuchHost::default()))
        .no_timeout()
        .retry(retry(1))
        .build()
        .unwrap();
    let err = c.get("api").await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("could not get a token"), "{text}");
    assert!(
        text.contains("could not resolve host `auth.nowhere.test`"),
        "{text}"
    );
    assert_eq!(err.transport_kind(), Some(TransportKind::Dns));
    assert_eq!(api.requests().len(), 0);
}

#[tokio::test]
async fn resolve_sends_a_host_to_a_fixed_address() {
    let api = common::TestServer::start(|_| common::Reply::ok()).await;
    let addr: std::net::SocketAddr = api
        .url("/")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    // No resolver knows `api.fixed.test`: only the fixed address reaches the server.
    let c = RestClient::builder(format!("http://api.fixed.test:{}/", addr.port()))
        .dns_resolver(Arc::new(NoSuchHost::default()))
        .resolve("api.fixed.test", [addr])
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    c.get("direct").await.unwrap();
    let seen = api.requests_to("/direct");
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].header("host"),
        Some(format!("api.fixed.test:{}", addr.port()).as_str())
    );
}

/// A server that answers `head` and part of its body, then closes the connection.
async fn cutting(head: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let _ = stream.write_all(head.as_bytes()).await;
                // Dropped here: the body ends short of its content-length.
            });
        }
    });
    format!("http://{addr}/")
}

#[tokio::test(start_paused = true)]
async fn a_page_body_cut_off_every_time_is_retried_by_the_policy_then_named() {
    use rest_source_runtime::Resource;
    use rest_source_runtime::spec::{PaginatorSpec, ResourceSpec};
    let base =
        cutting("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"items\": [")
            .await;
    let client = RestClient::builder(base)
        .no_timeout()
        .pool_idle_timeout(None)
        .retry(retry(2))
        .build()
        .unwrap();
    let r: Resource<serde_json::Value> = Resource::new(
        client,
        ResourceSpec::new("r", "r").paginator(PaginatorSpec::single_page()),
    )
    .unwrap();
    let err = r.collect().await.unwrap_err();
    // The same rules as every other retry: two retries, then `RetriesExhausted` naming the
    // last failure.
    assert!(
        matches!(err, Error::RetriesExhausted { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(err.transport_kind(), Some(TransportKind::Body), "{err}");
    assert!(
        err.to_string().contains("reading the response body"),
        "{err}"
    );
    let report = r.last_report().unwrap();
    assert_eq!(report.retries.get("body"), Some(&2), "{report:?}");
    assert_eq!(report.requests, 3);
}
