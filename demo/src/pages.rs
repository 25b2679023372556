//! Pages rendered once and served from memory after ([`crate::DemoApi::pages_from_memory`]),
//! as a static file server serves them: for benchmarks, where a page should cost the server
//! next to nothing, as a page of nginx on loopback does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::header::HeaderMap;
use hyper::{Response, StatusCode};

use crate::respond::Resp;

/// A page as it was first sent, and how many records it served.
pub(crate) struct Rendered {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    records: u64,
}

impl Rendered {
    /// The records the page serves (counted in the stats each time it is sent).
    pub(crate) fn records(&self) -> u64 {
        self.records
    }

    /// The page again, byte for byte.
    pub(crate) fn response(&self) -> Resp {
        let mut resp = Response::new(Full::new(self.body.clone()));
        *resp.status_mut() = self.status;
        *resp.headers_mut() = self.headers.clone();
        resp
    }
}

/// Rendered pages by request path and query.
#[derive(Default)]
pub(crate) struct Pages(Mutex<HashMap<String, Arc<Rendered>>>);

impl Pages {
    pub(crate) fn get(&self, key: &str) -> Option<Arc<Rendered>> {
        let pages = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        pages.get(key).cloned()
    }

    /// Keeps `resp` (when it is a success) under `key`, and returns it to send.
    pub(crate) async fn keep(&self, key: String, resp: Resp, records: u64) -> Resp {
        if !resp.status().is_success() {
            return resp;
        }
        let (parts, body) = resp.into_parts();
        let body = match body.collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(never) => match never {},
        };
        let rendered = Arc::new(Rendered {
            status: parts.status,
            headers: parts.headers,
            body,
            records,
        });
        let resp = rendered.response();
        let mut pages = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        pages.insert(key, rendered);
        resp
    }
}
