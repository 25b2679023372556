//! A tiny HTTP server for auth tests: binds 127.0.0.1:0, runs on the test's own tokio
//! runtime (so it is safe under a paused clock), records every request and answers with a
//! handler closure.

#![allow(dead_code)] // each test binary uses a different subset

pub mod jwt;

/// A loopback address that nothing listens on: the port is held by a bound socket that never
/// listens, so connections to it are refused for as long as the caller keeps the socket (a
/// port bound and closed again could be handed to another test's server running in
/// parallel).
pub fn refused_port() -> (tokio::net::TcpSocket, SocketAddr) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    (socket, addr)
}

/// A fresh directory `rest-source-<name>-…` under the system temp dir, removed (with what
/// the test wrote in it) when dropped, also when the test fails.
pub fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("rest-source-{name}-"))
        .tempdir()
        .unwrap()
}

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rest_source_runtime::reqwest::header::HeaderMap;
use rest_source_runtime::{Auth, RestClient, RetryPolicy};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body decoded as an `application/x-www-form-urlencoded` form.
    pub fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    /// The query decoded into pairs.
    pub fn query_pairs(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .into_owned()
            .collect()
    }
}

/// What the handler answers.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    /// Extra response headers (e.g. `Set-Cookie`, a session token header).
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: body.to_string(),
            headers: Vec::new(),
        }
    }

    pub fn text(status: u16, content_type: &'static str, body: impl Into<String>) -> Reply {
        Reply {
            status,
            content_type,
            body: body.into(),
            headers: Vec::new(),
        }
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    pub fn ok() -> Reply {
        Reply::json(200, serde_json::json!({"ok": true}))
    }

    pub fn unauthorized() -> Reply {
        Reply::json(401, serde_json::json!({"message": "unauthorized"}))
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// A running test server.
#[derive(Clone)]
pub struct TestServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl TestServer {
    /// Starts a server on 127.0.0.1:0 in the current runtime.
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = requests.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (handler, recorded) = (handler.clone(), recorded.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let (handler, recorded) = (handler.clone(), recorded.clone());
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let rec = Recorded {
                                method: parts.method.to_string(),
                                path: parts.uri.path().to_owned(),
                                query: parts.uri.query().map(str::to_owned),
                                headers: parts.headers,
                                body,
                            };
                            let reply = handler(&rec);
                            recorded.lock().unwrap().push(rec);
                            let mut response = hyper::Response::builder()
                                .status(reply.status)
                                .header("content-type", reply.content_type);
                            for (name, value) in &reply.headers {
                                response = response.header(*name, value.as_str());
                            }
                            Ok::<_, Infallible>(
                                response.body(Full::new(Bytes::from(reply.body))).unwrap(),
                            )
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        TestServer { addr, requests }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Requests received on `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests_to(path).len()
    }
}

/// A client for `server` that is safe under a paused clock (no request or pool timers) and
/// does not retry, so request counts are exact.
pub fn client(server: &TestServer, auth: impl Auth) -> RestClient {
    client_with_retry(server, auth, RetryPolicy::none())
}

/// Like [`client`], with a retry policy.
pub fn client_with_retry(server: &TestServer, auth: impl Auth, retry: RetryPolicy) -> RestClient {
    RestClient::builder(server.url("/"))
        .auth(auth)
        .no_timeout()
        .pool_idle_timeout(None)
        .retry(retry)
        .build()
        .unwrap()
}

/// An OAuth2 provider and API in one server: `POST /token` issues `tok-1`, `tok-2`, ... with
/// `expires_in` (or none); `GET /api` accepts only the newest unexpired token (judged by the
/// server's own clock) and answers 401 otherwise.
#[derive(Clone)]
pub struct OAuthServer {
    pub server: TestServer,
    state: Arc<Mutex<IssuerState>>,
    unauthorized: Arc<AtomicUsize>,
}

struct IssuerState {
    issued: usize,
    valid: Option<(String, Option<Instant>)>,
}

impl OAuthServer {
    pub async fn start(expires_in: Option<serde_json::Value>) -> Self {
        let state = Arc::new(Mutex::new(IssuerState {
            issued: 0,
            valid: None,
        }));
        let unauthorized = Arc::new(AtomicUsize::new(0));
        let (st, un) = (state.clone(), unauthorized.clone());
        let server = TestServer::start(move |req| {
            let mut s = st.lock().unwrap();
            if req.path == "/token" {
                s.issued += 1;
                let token = format!("tok-{}", s.issued);
                let mut body = serde_json::json!({"access_token": token, "token_type": "bearer"});
                let lifetime = match &expires_in {
                    Some(v) => {
                        body["expires_in"] = v.clone();
                        let secs = v
                            .as_u64()
                            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                            .unwrap();
                        Some(Instant::now() + Duration::from_secs(secs))
                    }
                    None => Some(Instant::now() + Duration::from_secs(3600)),
                };
                s.valid = Some((token, lifetime));
                return Reply::json(200, body);
            }
            let presented = req.header("authorization").unwrap_or("");
            let ok = match &s.valid {
                Some((token, until)) => {
                    presented == format!("Bearer {token}")
                        && until.is_none_or(|u| Instant::now() < u)
                }
                None => false,
            };
            if ok {
                Reply::ok()
            } else {
                un.fetch_add(1, Ordering::SeqCst);
                Reply::unauthorized()
            }
        })
        .await;
        OAuthServer {
            server,
            state,
            unauthorized,
        }
    }

    /// Revokes the current token (the next API request with it gets 401).
    pub fn revoke(&self) {
        self.state.lock().unwrap().valid = None;
    }

    pub fn token_requests(&self) -> usize {
        self.server.count("/token")
    }

    pub fn api_requests(&self) -> usize {
        self.server.count("/api")
    }

    /// How many API requests were answered 401.
    pub fn rejected(&self) -> usize {
        self.unauthorized.load(Ordering::SeqCst)
    }
}
