//! [`Response`]: a successful response whose decode errors name the URL and keep the body.

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// A successful (2xx) HTTP response. Non-success statuses never reach here: the client turns
/// them into [`Error::Status`].
///
/// `Debug` prints the redacted URL only: `reqwest::Response`'s own `Debug` shows the raw URL,
/// which can carry an API key in its query string.
pub struct Response {
    inner: reqwest::Response,
    url: String,
    method: reqwest::Method,
    /// A slot of the client's `max_concurrent_requests`, freed once the body is read.
    _permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("status", &self.inner.status())
            .finish_non_exhaustive()
    }
}

impl Response {
    pub(crate) fn new(inner: reqwest::Response, url: String, method: reqwest::Method) -> Self {
        Response {
            inner,
            url,
            method,
            _permit: None,
        }
    }

    /// Keeps `permit` until the body is read or the response dropped.
    pub(crate) fn holding(mut self, permit: Option<tokio::sync::OwnedSemaphorePermit>) -> Self {
        self._permit = permit;
        self
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.inner.status()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The request URL with credentials redacted (safe to print).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The whole body.
    pub async fn bytes(self) -> Result<Bytes> {
        let (method, url) = (self.method, self.url);
        self.inner
            .bytes()
            .await
            .map_err(|e| Error::transport(&method, url, e))
    }

    /// The whole body, but at most `limit` bytes: a larger body (announced by
    /// `Content-Length` or found while reading) is [`Error::PageTooLarge`], and at most
    /// `limit` bytes are ever held, whatever the server sends.
    pub async fn bytes_limited(self, limit: u64) -> Result<Bytes> {
        // Held whole until the body is read (its permit included).
        let mut this = self;
        let too_large = |url: &str| Error::PageTooLarge {
            url: url.to_owned(),
            limit,
        };
        if this.inner.content_length().is_some_and(|n| n > limit) {
            return Err(too_large(&this.url));
        }
        // A body that arrives in one chunk is returned without a copy.
        let mut first: Option<Bytes> = None;
        let mut body = bytes::BytesMut::new();
        loop {
            match this.inner.chunk().await {
                Ok(Some(chunk)) => {
                    let held = first.as_ref().map_or(0, Bytes::len) + body.len();
                    if (held + chunk.len()) as u64 > limit {
                        return Err(too_large(&this.url));
                    }
                    match first.take() {
                        None if body.is_empty() => first = Some(chunk),
                        Some(f) => {
                            body.extend_from_slice(&f);
                            body.extend_from_slice(&chunk);
                        }
                        None => body.extend_from_slice(&chunk),
                    }
                }
                Ok(None) => return Ok(first.unwrap_or_else(|| body.freeze())),
                Err(e) => return Err(Error::transport(&this.method, this.url.clone(), e)),
            }
        }
    }

    /// [`Response::bytes_limited`] into `buf` (emptied first, then grown once to the
    /// `Content-Length` when the server sends one), so a caller that reads many bodies can
    /// reuse one buffer instead of a fresh allocation (and, for a body that arrives in
    /// several chunks, a few reallocations) per body. Each chunk is copied once, as
    /// `bytes_limited` copies a body of several chunks; the same limit applies. Each chunk is
    /// shown to `on_chunk` as it arrives (the page loop looks for the next link in a body's
    /// first bytes).
    pub(crate) async fn read_limited_into(
        mut self,
        limit: u64,
        buf: &mut Vec<u8>,
        on_chunk: &mut (dyn FnMut(&Bytes) + Send),
    ) -> Result<()> {
        buf.clear();
        let too_large = |url: &str| Error::PageTooLarge {
            url: url.to_owned(),
            limit,
        };
        match self.inner.content_length() {
            Some(n) if n > limit => return Err(too_large(&self.url)),
            Some(n) => buf.reserve(n as usize),
            None => {}
        }
        loop {
            match self.inner.chunk().await {
                Ok(Some(chunk)) => {
                    on_chunk(&chunk);
                    if (buf.len() + chunk.len()) as u64 > limit {
                        return Err(too_large(&self.url));
                    }
                    buf.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(()),
                Err(e) => return Err(Error::transport(&self.method, self.url.clone(), e)),
            }
        }
    }

    /// The whole body as text (lossy UTF-8).
    pub async fn text(self) -> Result<String> {
        let bytes = self.bytes().await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Decodes the body as JSON into `T`. On failure the error names the URL and `T`, and
    /// keeps the raw body.
    pub async fn json<T: DeserializeOwned>(self) -> Result<T> {
        let url = self.url.clone();
        let bytes = self.bytes().await?;
        decode_json(&bytes, &url)
    }
}

/// Decodes `bytes` as JSON into `T`; errors name `url` and the type and keep the body.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8], url: &str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|source| Error::Decode {
        url: url.to_owned(),
        target: std::any::type_name::<T>().to_owned(),
        source,
        body: String::from_utf8_lossy(bytes).into_owned(),
    })
}
