//! Paginators and the page loop that drives them.
//!
//! A [`Paginator`] is a small state machine in dlt's shape: it may adjust the first request
//! ([`Paginator::init_request`]) and, given each response, says which URL comes next or
//! that the stream has ended ([`Paginator::next_request`]). The page loop behind
//! [`crate::Resource`] runs one: it sends each request through [`RestClient::execute`]
//! (auth, retries), selects the records, applies the resource's limits, and ends the
//! stream — with a warning — when a paginator would request a URL it already requested (a
//! repeated next link or cursor), instead of looping.
//! A next link to another origin is refused when the client carries credentials.
//!
//! Implement [`Paginator`] for an API with its own scheme; the built-in ones are built from a
//! [`PaginatorSpec`] with [`from_spec`].

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::sync::Arc;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Request};
use serde_json::Value;
use url::Url;

use crate::client::RestClient;
use crate::error::{Error, Result};
use crate::incremental::IncrementalCursor;
use crate::select::{JsonPath, into_records, take_records};
use crate::spec::PaginatorSpec;

mod auto;
mod cursor;
mod header_link;
mod json_link;
mod offset;
mod page_number;
mod raw_records;
mod single_page;

pub use auto::Auto;
pub use cursor::Cursor;
pub use header_link::{HeaderLink, parse_link_header};
pub use json_link::JsonLink;
pub use offset::Offset;
pub use page_number::PageNumber;
pub use single_page::SinglePage;

/// What a paginator sees of each response.
#[derive(Debug)]
pub struct PageResponse<'a> {
    /// The URL that was requested (unredacted: paginators build the next URL from it; never
    /// print it, print [`RestClient::redact`] of it).
    pub url: &'a Url,
    /// The response headers.
    pub headers: &'a HeaderMap,
    /// The JSON body with the records moved out (metadata such as `next`, `total`, `cursor`
    /// stays in place).
    pub body: &'a Value,
    /// How many records the page held.
    pub records: usize,
}

/// A pagination scheme. See the [module docs](self).
///
/// ```
/// use rest_source_runtime::paginate::{PageResponse, Paginator, set_query_param};
/// use rest_source_runtime::Result;
///
/// /// An API that pages with `?from=<last id>`.
/// struct AfterLastId;
///
/// impl Paginator for AfterLastId {
///     fn next_request(&mut self, page: &PageResponse<'_>) -> Result<Option<url::Url>> {
///         Ok(match page.body.get("last_id").and_then(|v| v.as_u64()) {
///             Some(id) if page.records > 0 => {
///                 let mut next = page.url.clone();
///                 set_query_param(&mut next, "from", &id.to_string());
///                 Some(next)
///             }
///             _ => None,
///         })
///     }
/// }
/// ```
pub trait Paginator: Send + 'static {
    /// Adjusts the first request (for example adds `offset=0&limit=100`).
    fn init_request(&mut self, url: &mut Url) {
        let _ = url;
    }

    /// The URL of the next page, or `None` when `page` was the last.
    fn next_request(&mut self, page: &PageResponse<'_>) -> Result<Option<Url>>;
}

/// Builds the built-in paginator for `spec`.
pub fn from_spec(spec: &PaginatorSpec) -> Result<Box<dyn Paginator>> {
    Ok(match spec {
        PaginatorSpec::JsonLink(s) => Box::new(JsonLink::new(s)?),
        PaginatorSpec::HeaderLink(s) => Box::new(HeaderLink::new(s)),
        PaginatorSpec::Offset(s) => Box::new(Offset::new(s)?),
        PaginatorSpec::PageNumber(s) => Box::new(PageNumber::new(s)?),
        PaginatorSpec::Cursor(s) => Box::new(Cursor::new(s)?),
        PaginatorSpec::SinglePage => Box::new(SinglePage),
        PaginatorSpec::Auto => Box::new(Auto::default()),
    })
}

/// Sets query parameter `name` to `value`, replacing any value it had.
pub fn set_query_param(url: &mut Url, name: &str, value: &str) {
    let others: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut pairs = url.query_pairs_mut();
    pairs.clear();
    for (k, v) in &others {
        pairs.append_pair(k, v);
    }
    pairs.append_pair(name, value);
}

/// The stop conditions most paginators share: `has_more_path` is `false`, or the page was
/// empty and `stop_after_empty_page` is set.
pub(crate) fn common_stop(
    page: &PageResponse<'_>,
    has_more: Option<&JsonPath>,
    stop_after_empty_page: bool,
) -> bool {
    if stop_after_empty_page && page.records == 0 {
        return true;
    }
    if let Some(path) = has_more {
        match path.get(page.body) {
            Some(Value::Bool(false)) | Some(Value::Null) => return true,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => return true,
            _ => {}
        }
    }
    false
}

/// One page of raw records, before decoding.
#[derive(Debug)]
pub(crate) struct RawPage {
    pub url: String,
    pub number: u64,
    pub records: Records,
    pub envelope: Value,
}

/// A page's records: JSON values, or (the fast path) byte ranges of the page body.
#[derive(Debug)]
pub(crate) enum Records {
    Values(Vec<Value>),
    Raw(raw_records::RawRecords),
}

impl Records {
    pub(crate) fn len(&self) -> usize {
        match self {
            Records::Values(v) => v.len(),
            Records::Raw(r) => r.spans.len(),
        }
    }

    fn truncate(&mut self, n: usize) {
        match self {
            Records::Values(v) => v.truncate(n),
            Records::Raw(r) => r.spans.truncate(n),
        }
    }
}

/// Everything a [`PageLoop`] needs besides the paginator; shared by every page and, for child
/// resources, every parent item.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub client: RestClient,
    pub method: Method,
    pub headers: HeaderMap,
    pub json: Option<bytes::Bytes>,
    pub data_selector: Option<JsonPath>,
    /// The data selector as plain keys, when the raw fast path can serve it.
    pub raw_keys: Option<Vec<String>>,
    pub max_pages: Option<u64>,
    pub max_items: Option<u64>,
    pub resource: String,
}

impl Endpoint {
    pub(crate) fn headers_from(
        spec: &std::collections::BTreeMap<String, String>,
    ) -> Result<HeaderMap> {
        let mut headers = HeaderMap::new();
        for (name, value) in spec {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::Config(format!("`{name}` is not a valid HTTP header name")))?;
            let v = HeaderValue::from_str(value).map_err(|_| {
                Error::Config(format!(
                    "the value of header `{name}` is not a valid header value"
                ))
            })?;
            headers.append(n, v);
        }
        Ok(headers)
    }
}

/// The page loop: requests pages one at a time, as they are asked for.
pub(crate) struct PageLoop {
    endpoint: Arc<Endpoint>,
    /// Records may stay raw slices (no incremental cursor or parent fields to apply).
    raw: bool,
    paginator: Box<dyn Paginator>,
    incremental: Option<Arc<IncrementalCursor>>,
    next: Option<Url>,
    seen: HashSet<u64>,
    hasher: std::collections::hash_map::RandomState,
    pages: u64,
    items: u64,
}

impl PageLoop {
    pub(crate) fn new(
        endpoint: Arc<Endpoint>,
        mut paginator: Box<dyn Paginator>,
        mut first: Url,
        incremental: Option<Arc<IncrementalCursor>>,
        raw: bool,
    ) -> Self {
        if let Some(inc) = &incremental {
            for (k, v) in inc.request_params() {
                set_query_param(&mut first, &k, &v);
            }
        }
        paginator.init_request(&mut first);
        let hasher = std::collections::hash_map::RandomState::new();
        let mut seen = HashSet::new();
        seen.insert(hasher.hash_one(first.as_str()));
        PageLoop {
            raw: raw && incremental.is_none() && endpoint.raw_keys.is_some(),
            endpoint,
            paginator,
            incremental,
            next: Some(first),
            seen,
            hasher,
            pages: 0,
            items: 0,
        }
    }

    /// The next page, or `None` at the end. Nothing is requested before the first call.
    pub(crate) async fn next_page(&mut self) -> Result<Option<RawPage>> {
        let ep = &*self.endpoint;
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        if ep.max_pages.is_some_and(|m| self.pages >= m)
            || ep.max_items.is_some_and(|m| self.items >= m)
        {
            return Ok(None);
        }
        let mut request = Request::new(ep.method.clone(), url.clone());
        *request.headers_mut() = ep.headers.clone();
        if let Some(body) = &ep.json {
            request
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *request.body_mut() = Some(body.clone().into());
        }
        let (headers, shown_url, bytes) = fetch(ep, request).await?;
        let decode_error = |source| Error::Decode {
            url: shown_url.clone(),
            target: format!("a JSON page of resource `{}`", ep.resource),
            source,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        let empty = bytes.iter().all(u8::is_ascii_whitespace);
        let (body, mut records) = match &ep.raw_keys {
            Some(keys) if self.raw && !empty => {
                let (envelope, spans) = raw_records::split(&bytes, keys).map_err(decode_error)?;
                if spans.is_none() {
                    warn_no_match(ep, &shown_url);
                }
                let raw = raw_records::RawRecords {
                    body: bytes.clone(),
                    spans: spans.unwrap_or_default(),
                };
                (envelope, Records::Raw(raw))
            }
            _ => {
                let mut body: Value = if empty {
                    Value::Null
                } else {
                    serde_json::from_slice(&bytes).map_err(decode_error)?
                };
                let records = match &ep.data_selector {
                    Some(sel) if sel.is_root() => into_records(body.take()),
                    Some(sel) => match sel.take(&mut body) {
                        Some(v) => into_records(v),
                        None => {
                            warn_no_match(ep, &shown_url);
                            Vec::new()
                        }
                    },
                    None => take_records(&mut body),
                };
                (body, Records::Values(records))
            }
        };
        drop(bytes);
        self.pages += 1;
        let raw_count = records.len();
        let next = self.paginator.next_request(&PageResponse {
            url: &url,
            headers: &headers,
            body: &body,
            records: raw_count,
        })?;
        if let Some(next) = next {
            // A next link to another host must not receive this API's credentials (the same
            // rule reqwest applies to redirects).
            let scheme = ep.client.auth().scheme_dyn();
            if next.origin() != url.origin() && scheme != "none" {
                return Err(Error::Config(format!(
                    "resource `{}`: the next page `{}` is on another origin than `{}`; refusing \
                     to send the `{scheme}` credentials there. If that host is trusted, page \
                     with a custom paginator and a client for it",
                    ep.resource,
                    ep.client.redact(&next),
                    ep.client.redact(&url),
                )));
            }
            if self.seen.insert(self.hasher.hash_one(next.as_str())) {
                self.next = Some(next);
            } else {
                tracing::warn!(target: "rest_source", resource = %ep.resource, url = %ep.client.redact(&next), "the paginator returned a page that was already requested (repeated next link or cursor); ending the stream instead of looping");
            }
        }
        if let (Some(inc), Records::Values(values)) = (&self.incremental, &mut records) {
            inc.process(values);
        }
        if let Some(max) = ep.max_items {
            let left = max.saturating_sub(self.items);
            if records.len() as u64 > left {
                records.truncate(left as usize);
                self.next = None;
            }
        }
        self.items += records.len() as u64;
        Ok(Some(RawPage {
            url: shown_url,
            number: self.pages,
            records,
            envelope: body,
        }))
    }
}

fn warn_no_match(ep: &Endpoint, url: &str) {
    if let Some(sel) = &ep.data_selector {
        tracing::warn!(target: "rest_source", resource = %ep.resource, url = %url, data_selector = %sel, "data_selector matched nothing; treating the page as empty");
    }
}

/// Sends a page request and reads its body. The client retries failures up to the response
/// headers; a connection that drops while the body streams in is retried here, with the
/// same policy (attempts, backoff, deadline), for requests the client would retry.
async fn fetch(ep: &Endpoint, request: Request) -> Result<(HeaderMap, String, bytes::Bytes)> {
    let policy = ep.client.retry_policy();
    let idempotent = ep.method.is_idempotent();
    let start = tokio::time::Instant::now();
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let this = request.try_clone().ok_or_else(|| {
            Error::Config("a page request with a streaming body cannot be retried".into())
        })?;
        let response = ep.client.execute(this, None, None).await?;
        let headers = response.headers().clone();
        let shown_url = response.url().to_owned();
        match response.bytes().await {
            Ok(bytes) => return Ok((headers, shown_url, bytes)),
            Err(err @ Error::Transport { .. }) if idempotent && attempt <= policy.max_retries => {
                let wait = policy.backoff(attempt);
                if start.elapsed() + wait > policy.deadline {
                    return Err(err);
                }
                tracing::info!(target: "rest_source", resource = %ep.resource, url = %shown_url, attempt, error = %err, "page body was cut off; retrying");
                tokio::time::sleep(wait).await;
            }
            Err(err) => return Err(err),
        }
    }
}
