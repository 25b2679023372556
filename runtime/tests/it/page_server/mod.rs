//! A tiny HTTP/1.1 server for the resource, pagination and retry tests, run as a task in the
//! test's own tokio runtime (safe with a paused clock), bound to 127.0.0.1:0. Each request is recorded and answered by a
//! plain closure, so tests can script any sequence of responses and count requests.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rest_source_runtime::RestClient;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One received request.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    /// The query string exactly as sent (`None`: no `?` in the request target).
    pub raw_query: Option<String>,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Recorded {
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// A scripted response.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Announce the whole body but send only half of it, then drop the connection.
    pub truncated: bool,
}

impl Reply {
    pub fn json(body: serde_json::Value) -> Self {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            truncated: false,
        }
    }
    pub fn status(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: String::new(),
            truncated: false,
        }
    }
    pub fn truncated(mut self) -> Self {
        self.truncated = true;
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

pub struct TestServer {
    pub base: String,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl TestServer {
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        let server_log = log.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (handler, log) = (handler.clone(), server_log.clone());
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut reader = BufReader::new(read);
                    while let Some(req) = read_request(&mut reader).await {
                        log.lock().unwrap().push(req.clone());
                        let reply = handler(&req);
                        let mut head = format!(
                            "HTTP/1.1 {} X\r\ncontent-length: {}\r\n",
                            reply.status,
                            reply.body.len()
                        );
                        for (k, v) in &reply.headers {
                            head.push_str(&format!("{k}: {v}\r\n"));
                        }
                        head.push_str("\r\n");
                        // One write: head and body in two segments would meet Nagle and
                        // delayed ACKs and cost ~40 ms per request.
                        if reply.truncated {
                            head.push_str(&reply.body[..reply.body.len() / 2]);
                            let _ = write.write_all(head.as_bytes()).await;
                            return;
                        }
                        head.push_str(&reply.body);
                        if write.write_all(head.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        TestServer {
            base: format!("http://{addr}"),
            log,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    /// A client for this server that is safe under a paused clock (no timers of its own).
    pub fn client(&self) -> RestClient {
        self.client_builder().build().unwrap()
    }

    pub fn client_builder(&self) -> rest_source_runtime::RestClientBuilder {
        RestClient::builder(self.base.clone())
            .no_timeout()
            .pool_idle_timeout(None)
    }
}

async fn read_request<R: tokio::io::AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
) -> Option<Recorded> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).await.ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).await.ok()?;
    let url = url::Url::parse(&format!("http://x{target}")).ok()?;
    Some(Recorded {
        method,
        path: url.path().to_owned(),
        query: url.query_pairs().into_owned().collect(),
        raw_query: target.split_once('?').map(|(_, q)| q.to_owned()),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
