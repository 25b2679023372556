//! Paginators and the page loop that drives them.
//!
//! A [`Paginator`] is a small state machine in dlt's shape: it may adjust the first request
//! ([`Paginator::init_request`]) and, given each response, says which URL comes next or
//! that the stream has ended ([`Paginator::next_request`]). `PageLoop` runs one: it sends
//! each request through [`RestClient::execute`] (auth, retries), selects the records, applies
//! the resource's limits, and ends the stream — with a warning — when a paginator would
//! request a URL it already requested (a repeated next link or cursor), instead of looping.
//!
//! Implement [`Paginator`] for an API with its own scheme; the built-in ones are built from a
//! [`PaginatorSpec`] with [`from_spec`].

use std::collections::{HashSet, VecDeque};
use std::hash::BuildHasher;
use std::sync::Arc;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Request};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::client::RestClient;
use crate::error::{Error, Result};
use crate::report::{StopReason, Tally, lock};
use crate::resource::incremental::IncrementalCursor;
use crate::resource::records::scan::{scan_detected, split_scanned};
use crate::resource::records::seed::{split_detected, split_typed};
use crate::resource::records::{Decode, Records, Spare, split_page};
use crate::resource::select::{Detected, JsonPath, detect_and_take, explain_miss, into_records};
use crate::spec::{Completeness, PaginatorSpec, ResponseAction, ResponseActionKind};
use futures::future::Either;
use pipeline::{Task, join};
use std::sync::Mutex;
use tokio::sync::Semaphore;

mod auto;
mod body_start;
mod cursor;
mod header_cursor;
mod header_link;
mod json_link;
mod offset;
mod page_number;
pub(crate) mod pipeline;
mod single_page;
mod totals;

pub use auto::Auto;
pub use cursor::Cursor;
pub use header_cursor::HeaderCursor;
pub use header_link::{HeaderLink, parse_link_header};
pub use json_link::JsonLink;
pub use offset::Offset;
pub use page_number::PageNumber;
pub use single_page::SinglePage;
pub use totals::parse_content_range;

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

    /// For addressable schemes (offset, page number) whose response tells where the data
    /// ends: every page's URL after `page`, in order, starting with the one
    /// [`Paginator::next_request`] just returned for it. Called once, after the first page;
    /// the page loop then fetches these up to the resource's `concurrency` at a time.
    ///
    /// The plan is only a prefetch hint: each page is still accepted through
    /// `next_request`, and a planned page is used only if it is exactly the URL asked for,
    /// so a wrong plan costs requests, never records. The default (`None`) fetches pages
    /// one after another.
    fn upcoming(&self, page: &PageResponse<'_>) -> Option<Box<dyn Iterator<Item = Url> + Send>> {
        let _ = page;
        None
    }

    /// The next page's URL as the response headers already tell it, before the body is read
    /// (`header_link`): the page loop then requests that page while this body streams in and
    /// is decoded, when the resource's `concurrency` allows more than one request.
    ///
    /// Like [`Paginator::upcoming`], this is only a prefetch hint: each page is still
    /// accepted through [`Paginator::next_request`] once its body is read, and the prefetched
    /// response is used only if it is exactly the URL asked for (else it is dropped). The
    /// default (`None`) requests the next page once this one has been read.
    fn next_from_headers(&self, url: &Url, headers: &HeaderMap) -> Option<Url> {
        let _ = (url, headers);
        None
    }

    /// The next page's URL as the first bytes of the body tell it, while the rest streams
    /// in (`json_link` or `cursor` whose value comes before the records, as in
    /// `{"next": "…", "data": […]}`): called with more of the body each time until it
    /// returns [`BodyStart::Next`] or [`BodyStart::Unknown`]. A call with no bytes asks
    /// whether the paginator reads body starts at all (`ReadMore`) or not (`Unknown`, the
    /// default). A hint, as [`Paginator::next_from_headers`]: the page is still accepted
    /// through `next_request`.
    fn next_from_body_start(&self, url: &Url, start: &[u8]) -> BodyStart {
        let _ = (url, start);
        BodyStart::Unknown
    }

    /// The paginator's name for the run report (`offset`, `json_link`, …; `auto: json_link`
    /// for what `auto` detected). The default is `custom`.
    fn kind(&self) -> &'static str {
        "custom"
    }

    /// Why the last [`Paginator::next_request`] returned `None`, for the run report. The
    /// default says there was no next page.
    fn stop_reason(&self) -> StopReason {
        StopReason::NoNextPage
    }

    /// For paging through the JSON body (dlt's `*_body_path` keys): writes the position of
    /// the request about to be sent into `body` (the endpoint's `json`, or `None` when it has
    /// none; create it then). Called after [`Paginator::init_request`] and after every
    /// [`Paginator::next_request`] that returned a page; returns whether this paginator
    /// pages the body at all (the default: `false`, nothing written). The page loop then
    /// sends each page's body as written, and its repeated-page guard compares URL and body.
    fn update_body(&self, body: &mut Option<Value>) -> bool {
        let _ = body;
        false
    }

    /// How many records the server said this page loop has (a total it stated), once the
    /// loop has ended; the page loop checks the records received against it (see
    /// [`crate::spec::ResourceSpec::completeness`]). The default (`None`) checks nothing.
    fn expected_records(&self) -> Option<u64> {
        None
    }
}

/// What the first bytes of a body say about the next page
/// ([`Paginator::next_from_body_start`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyStart {
    /// The next page's URL.
    Next(Url),
    /// Not decided by these bytes; ask again with more of the body.
    ReadMore,
    /// The start of the body does not tell (the link comes after the records, or there is
    /// none): the next page is requested once the whole body is read.
    Unknown,
}

/// The value at `path` from the first bytes of a body, for paginators that read a body
/// start: a string or number, or what to tell the page loop instead.
pub(crate) fn scalar_at_start(
    start: &[u8],
    path: &JsonPath,
) -> std::result::Result<String, BodyStart> {
    match body_start::find(start, path.segments()) {
        body_start::Found::Str(s) => Ok(s.into_owned()),
        body_start::Found::Number(n) => Ok(n.to_owned()),
        body_start::Found::NeedMore => Err(BodyStart::ReadMore),
        body_start::Found::No => Err(BodyStart::Unknown),
    }
}

/// Builds the built-in paginator for `spec`.
pub fn from_spec(spec: &PaginatorSpec) -> Result<Box<dyn Paginator>> {
    Ok(match spec {
        PaginatorSpec::JsonLink(s) => Box::new(JsonLink::new(s)?),
        PaginatorSpec::HeaderLink(s) => Box::new(HeaderLink::new(s)),
        PaginatorSpec::HeaderCursor(s) => Box::new(HeaderCursor::new(s)),
        PaginatorSpec::Offset(s) => Box::new(Offset::new(s)?),
        PaginatorSpec::PageNumber(s) => Box::new(PageNumber::new(s)?),
        PaginatorSpec::Cursor(s) => Box::new(Cursor::new(s)?),
        PaginatorSpec::SinglePage => Box::new(SinglePage),
        PaginatorSpec::Auto => Box::new(Auto::default()),
    })
}

/// Sets query parameter `name` to `value`: in the place of its first occurrence (later
/// ones are dropped), or at the end. This is how dlt's paginators update `request.params`,
/// a Python dict: a key keeps its position, a new key goes last; so page 2 of
/// `?q=x&offset=0&limit=10` is `?q=x&offset=10&limit=10`. The pair is encoded as `requests`
/// encodes params (Python's `quote_plus`: letters, digits and `_.-~` as they are, a space
/// as `+`, every other byte as `%XX`); the other pairs are kept as they are.
pub fn set_query_param(url: &mut Url, name: &str, value: &str) {
    let pair = query_pair(name, value);
    let mut out: Vec<String> = Vec::new();
    let mut placed = false;
    for raw in url
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let key = raw.split_once('=').map_or(raw, |(k, _)| k);
        let same = url::form_urlencoded::parse(key.as_bytes())
            .next()
            .is_some_and(|(k, _)| k == name);
        match (same, placed) {
            (false, _) => out.push(raw.to_owned()),
            (true, false) => {
                out.push(pair.clone());
                placed = true;
            }
            (true, true) => {}
        }
    }
    if !placed {
        out.push(pair);
    }
    url.set_query(Some(&out.join("&")));
}

/// Appends query parameter `name=value` (a repeated key stays repeated), encoded as
/// Python's `requests` encodes params (`urllib.parse.urlencode` with `quote_plus`): letters,
/// digits and `_.-~` as they are, a space as `+`, every other byte as `%XX`.
pub(crate) fn append_query_param(url: &mut Url, name: &str, value: &str) {
    let pair = query_pair(name, value);
    let query = match url.query() {
        Some(q) if !q.is_empty() => format!("{q}&{pair}"),
        _ => pair,
    };
    url.set_query(Some(&query));
}

fn query_pair(name: &str, value: &str) -> String {
    format!("{}={}", quote_plus(name), quote_plus(value))
}

/// Python's `urllib.parse.quote_plus`: what `requests` writes for each key and value of a
/// query string or a form body. (`form_urlencoded` differs on `~`, which it escapes, and
/// `*`, which it does not.)
pub(crate) fn quote_plus(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Sets the value at a dotted `path` of a JSON body (dlt's `set_value_at_path`), creating
/// the body and the objects on the way (a non-object on the way is replaced).
pub(crate) fn set_body_value(body: &mut Option<Value>, path: &str, value: Value) {
    let mut at = body.get_or_insert_with(|| Value::Object(serde_json::Map::new()));
    let mut keys = path.split('.').peekable();
    while let Some(key) = keys.next() {
        if !at.is_object() {
            *at = Value::Object(serde_json::Map::new());
        }
        let Value::Object(map) = at else {
            return;
        };
        if keys.peek().is_none() {
            map.insert(key.to_owned(), value);
            return;
        }
        at = map.entry(key.to_owned()).or_insert(Value::Null);
    }
}

/// The stop conditions most paginators share: `has_more_path` is `false`, or the page was
/// empty and `stop_after_empty_page` is set.
pub(crate) fn common_stop(
    page: &PageResponse<'_>,
    has_more: Option<&JsonPath>,
    stop_after_empty_page: bool,
) -> Option<StopReason> {
    if stop_after_empty_page && page.records == 0 {
        return Some(StopReason::EmptyPage);
    }
    if let Some(path) = has_more {
        match path.get(page.body) {
            Some(Value::Bool(false)) | Some(Value::Null) => return Some(StopReason::HasMoreFalse),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => {
                return Some(StopReason::HasMoreFalse);
            }
            _ => {}
        }
    }
    None
}

/// One page of a stream of `T`, its records not yet handed to the consumer.
#[derive(Debug)]
pub(crate) struct RawPage<T> {
    pub url: String,
    pub number: u64,
    pub records: Records<T>,
    pub envelope: Value,
}

/// A response, parsed, before the page loop's bookkeeping (which must run in page order).
/// Fetching has no state, so pages can be fetched concurrently and accepted in order.
#[derive(Debug)]
pub(crate) struct Fetched<T> {
    url: Url,
    shown_url: String,
    headers: HeaderMap,
    envelope: Value,
    records: Records<T>,
    /// Where record detection found the records (no `data_selector` given).
    detected: Option<Arc<Detected>>,
    /// The status of a response an `ignore` response action dropped (then nothing else is
    /// set).
    ignored: Option<u16>,
}

/// Everything a [`PageLoop`] needs besides the paginator; shared by every page and, for child
/// resources, every parent item.
#[derive(Clone, Debug)]
pub(crate) struct Endpoint {
    pub client: RestClient,
    pub method: Method,
    pub headers: HeaderMap,
    pub body: Option<Body>,
    pub data_selector: Option<JsonPath>,
    pub max_pages: Option<u64>,
    pub max_items: Option<u64>,
    pub resource: String,
    pub completeness: Completeness,
    pub max_page_bytes: u64,
    pub response_actions: Vec<ResponseAction>,
}

/// How a page loop reads its records.
#[derive(Clone, Debug, Default)]
pub(crate) struct Decoding {
    /// Where the records are decoded into the stream's record type.
    pub decode: Decode,
    /// Where record detection found the records on the first page (no `data_selector`):
    /// later pages are read in one pass on that path when detection would take it again.
    pub detected: Option<Arc<Detected>>,
    /// How many records the last page had: the room the next page's records get at once,
    /// instead of growing to it by reallocations.
    pub records_hint: usize,
    /// The body buffers of the loop.
    pub buffers: Buffers,
}

/// Body buffers a page loop reuses from page to page (and lends to the pages it fetches
/// ahead). A body read into a buffer that already has the room costs no allocation; a fresh
/// buffer per page costs one large allocation or several, and each makes glibc's malloc
/// first merge every small block freed since (the previous page's records), which then
/// serve the next page's records by its slow path.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buffers(Arc<Mutex<Vec<Vec<u8>>>>);

impl Buffers {
    /// At most this many buffers are kept (a loop's pages in flight at once, roughly).
    const KEEP: usize = 4;
    /// A buffer larger than this is freed, not kept: one huge page must not pin its memory
    /// for the rest of the run.
    const MAX_KEPT: usize = 1 << 20;

    /// A buffer to read a body into (empty; with the room of an earlier body, if any).
    pub(crate) fn take(&self) -> Vec<u8> {
        lock(&self.0).pop().unwrap_or_default()
    }

    /// Gives back a buffer whose contents are no longer needed.
    pub(crate) fn give(&self, mut buf: Vec<u8>) {
        if buf.capacity() == 0 || buf.capacity() > Self::MAX_KEPT {
            return;
        }
        let mut kept = lock(&self.0);
        if kept.len() < Self::KEEP {
            buf.clear();
            kept.push(buf);
        }
    }
}

/// The body sent with every page of an endpoint.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    /// `json`: the value (a `*_body_path` paginator writes its position into a copy of it)
    /// and its bytes.
    Json(Value, bytes::Bytes),
    /// `data` given as a table: form-encoded.
    Form(bytes::Bytes),
    /// `data` given as a string: sent as it is, without a `Content-Type` (as requests does).
    Raw(bytes::Bytes),
}

impl Body {
    /// A JSON body.
    pub(crate) fn json(value: Value) -> Result<Body> {
        let bytes =
            serde_json::to_vec(&value).map_err(|e| Error::Config(format!("bad JSON body: {e}")))?;
        Ok(Body::Json(value, bytes.into()))
    }

    /// dlt's `data`: an object form-encoded as requests encodes a dict (an array value
    /// repeats its key, `null` values are left out, other values are sent as Python's
    /// `str()` writes them: `True`, `7`), a string as the raw body.
    pub(crate) fn data(value: &Value) -> Result<Body> {
        match value {
            Value::String(s) => Ok(Body::Raw(bytes::Bytes::from(s.clone()))),
            Value::Object(map) => {
                // In the table's order, encoded as `requests` encodes a dict body.
                let mut form: Vec<String> = Vec::new();
                for (key, v) in map {
                    let values = match v {
                        Value::Array(items) => items.iter().collect(),
                        one => vec![one],
                    };
                    for v in values.into_iter().filter(|v| !v.is_null()) {
                        // requests encodes `str(value)`: Python's `True` / `False`.
                        form.push(query_pair(key, &crate::resource::select::python_str(v)));
                    }
                }
                Ok(Body::Form(bytes::Bytes::from(form.join("&"))))
            }
            // A list of `[key, value]` pairs, as requests takes a list of tuples: in order,
            // a key as often as it is listed.
            Value::Array(pairs) => {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                for pair in pairs {
                    match pair.as_array().map(Vec::as_slice) {
                        Some([Value::String(key), v]) if !v.is_null() => {
                            form.append_pair(key, &crate::resource::select::python_str(v));
                        }
                        Some([Value::String(_), _]) => {}
                        _ => {
                            return Err(Error::Config(format!(
                                "a `data` list holds `[key, value]` pairs, found {pair}"
                            )));
                        }
                    }
                }
                Ok(Body::Form(bytes::Bytes::from(form.finish())))
            }
            other => Err(Error::Config(format!(
                "`data` is {}, expected a table (sent form-encoded) or a string (sent as the raw \
                 body)",
                json_link::kind(other)
            ))),
        }
    }

    /// The JSON value, when this is a JSON body.
    pub(crate) fn json_value(&self) -> Option<&Value> {
        match self {
            Body::Json(v, _) => Some(v),
            _ => None,
        }
    }
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

impl Endpoint {
    /// Requests `url` (auth, retries) and parses the body once: the envelope for the
    /// paginator, the records as spans (with a selector) or values. `paged_json` replaces
    /// the endpoint's body with a JSON body a `*_body_path` paginator wrote its position into.
    pub(crate) async fn fetch<T: DeserializeOwned>(
        &self,
        url: Url,
        paged_json: Option<bytes::Bytes>,
        decoding: &Decoding,
        room: Vec<T>,
    ) -> Result<Fetched<T>> {
        self.fetch_watched(url, paged_json, None, decoding, room)
            .await
    }

    /// [`Endpoint::fetch`], telling `early` what is known of the response before its body is
    /// read (see [`Early`]).
    pub(crate) async fn fetch_watched<T: DeserializeOwned>(
        &self,
        url: Url,
        paged_json: Option<bytes::Bytes>,
        early: Option<&EarlyTx>,
        decoding: &Decoding,
        room: Vec<T>,
    ) -> Result<Fetched<T>> {
        let mut request = Request::new(self.method.clone(), url.clone());
        *request.headers_mut() = self.headers.clone();
        let body = match (paged_json, &self.body) {
            (Some(json), _) => Some((Some("application/json"), json)),
            (None, Some(Body::Json(_, json))) => Some((Some("application/json"), json.clone())),
            (None, Some(Body::Form(form))) => {
                Some((Some("application/x-www-form-urlencoded"), form.clone()))
            }
            (None, Some(Body::Raw(raw))) => Some((None, raw.clone())),
            (None, None) => None,
        };
        if let Some((content_type, bytes)) = body {
            if let Some(ct) = content_type {
                request
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static(ct));
            }
            *request.body_mut() = Some(bytes.into());
        }
        let mut buf = decoding.buffers.take();
        // Boxed, as the other large futures of a page (see `PageLoop::step`).
        let (headers, shown_url) = match Box::pin(self.send(request, early, &mut buf)).await? {
            Sent::Body(headers, shown_url) => (headers, shown_url),
            Sent::Ignored(status) => {
                decoding.buffers.give(buf);
                return Ok(Fetched {
                    shown_url: self.client.redact(&url),
                    url,
                    headers: HeaderMap::new(),
                    envelope: Value::Null,
                    records: Records::default(),
                    detected: None,
                    ignored: Some(status),
                });
            }
        };
        let decode_error = |source, body: &[u8]| Error::Decode {
            url: shown_url.clone(),
            target: format!("a JSON page of resource `{}`", self.resource),
            source,
            body: String::from_utf8_lossy(body).into_owned(),
        };
        // Checked to be UTF-8 once, here, so the parse and the per-record decoding (which
        // read `&str`) never re-validate strings.
        let text = match String::from_utf8(buf) {
            Ok(text) => text,
            Err(e) => {
                let source = serde_json::from_slice::<serde::de::IgnoredAny>(e.as_bytes())
                    .err()
                    .unwrap_or_else(|| serde::de::Error::custom("the body is not valid UTF-8"));
                return Err(decode_error(source, e.as_bytes()));
            }
        };
        let blank = text.trim_ascii().is_empty();
        if is_json_lines(&headers) {
            let records = self.json_lines(&text, &decode_error)?;
            decoding.buffers.give(text.into_bytes());
            let detected = self.data_selector.is_none().then(|| {
                Arc::new(Detected {
                    path: JsonPath::root(),
                    by_key: false,
                })
            });
            return Ok(Fetched {
                url,
                shown_url,
                headers,
                envelope: Value::Null,
                records: Records::Values(records),
                detected,
                ignored: None,
            });
        }
        let mut detected = None;
        let (envelope, records) = match &self.data_selector {
            Some(sel) if !blank => {
                // Scanned for the consumer to decode, or one pass into `T` when the run
                // allows it; a body or record they cannot take is read again by the
                // two-pass path, whose errors say what is wrong.
                let scanned = match decoding.decode {
                    Decode::ByConsumer => split_scanned::<T>(text, sel),
                    _ => Err(text),
                };
                let split = match scanned {
                    Ok(split) => split,
                    Err(text) => {
                        let one_pass = decoding
                            .decode
                            .typed()
                            .then(|| split_typed::<T>(&text, sel, room));
                        match one_pass.flatten() {
                            Some(split) => {
                                decoding.buffers.give(text.into_bytes());
                                split
                            }
                            // The records' spans keep the body.
                            None => split_page(text, sel)
                                .map_err(|(e, text)| decode_error(e, text.as_bytes()))?,
                        }
                    }
                };
                let records = match split.records {
                    Some(records) => records,
                    None => match explain_miss(sel, &split.envelope) {
                        Some(why) => {
                            return Err(Error::Protocol {
                                url: shown_url.clone(),
                                message: format!(
                                    "resource `{}`: data_selector `{sel}` matched nothing: \
                                     {why}; fix `data_selector` (a selector that is present \
                                     with an empty array or null is 0 records)",
                                    self.resource
                                ),
                            });
                        }
                        // `{}`, `[]` or `null`: an empty page, not a wrong selector.
                        None => Records::default(),
                    },
                };
                (split.envelope, records)
            }
            Some(_) => (Value::Null, Records::default()),
            None => {
                // On the path the first page's detection found, when this page would detect
                // the same: scanned for the consumer to decode (as with a `data_selector`;
                // the spans keep the body), or in one pass. Else detection on this page's
                // whole tree.
                let known = decoding
                    .detected
                    .as_ref()
                    .filter(|_| decoding.decode.typed() && !blank);
                let scanned = match known {
                    Some(d) if decoding.decode == Decode::ByConsumer => {
                        scan_detected::<T>(text, d).map(|split| (d, split))
                    }
                    _ => Err(text),
                };
                match scanned {
                    Ok((d, split)) => {
                        detected = Some(d.clone());
                        (split.envelope, split.records.unwrap_or_default())
                    }
                    Err(text) => {
                        let page = match known
                            .and_then(|d| Some((d, split_detected::<T>(&text, d, room)?)))
                        {
                            Some((d, split)) => {
                                detected = Some(d.clone());
                                (split.envelope, split.records.unwrap_or_default())
                            }
                            None => {
                                let mut body: Value = if blank {
                                    Value::Null
                                } else {
                                    serde_json::from_str(&text)
                                        .map_err(|e| decode_error(e, text.as_bytes()))?
                                };
                                let (records, found) = detect_and_take(&mut body);
                                detected = Some(Arc::new(found));
                                (body, Records::Values(records))
                            }
                        };
                        decoding.buffers.give(text.into_bytes());
                        page
                    }
                }
            }
        };
        Ok(Fetched {
            url,
            shown_url,
            headers,
            envelope,
            records,
            detected,
            ignored: None,
        })
    }

    /// A JSON Lines body: each non-blank line one record (or, with a `data_selector`, the
    /// records it selects in that line).
    fn json_lines(
        &self,
        text: &str,
        decode_error: &dyn Fn(serde_json::Error, &[u8]) -> Error,
    ) -> Result<Vec<Value>> {
        let mut records = Vec::new();
        for line in text.lines() {
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            let mut value: Value =
                serde_json::from_str(line).map_err(|e| decode_error(e, line.as_bytes()))?;
            match &self.data_selector {
                Some(sel) if !sel.is_root() => {
                    records.extend(sel.take(&mut value).map(into_records).unwrap_or_default())
                }
                _ => records.push(value),
            }
        }
        Ok(records)
    }
}

/// Whether the response is JSON Lines (`application/x-ndjson`, `application/jsonl`, …).
fn is_json_lines(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        mime.as_str(),
        "application/x-ndjson"
            | "application/ndjson"
            | "application/jsonl"
            | "application/x-jsonl"
            | "application/jsonlines"
            | "application/x-jsonlines"
            | "application/json-lines"
    )
}

/// What a page fetch tells the page loop before its body is read, so it can request the
/// next page early ([`Paginator::next_from_headers`]).
#[derive(Debug)]
pub(crate) enum Early {
    /// A successful response's headers arrived; its body is being read.
    Headers(HeaderMap),
    /// The next bytes of that body (a copy, at most [`body_start::LIMIT`] in all), sent while
    /// the page loop scans them ([`Paginator::next_from_body_start`]).
    Chunk(bytes::Bytes),
    /// The response last announced will not be the page: its body failed or was cut off (and
    /// is retried), or a response action retries or ignores it. A request started from its
    /// headers must be dropped.
    Withdrawn,
}

/// Where a page fetch sends its [`Early`] events, and whether (still) to send body chunks.
#[derive(Debug)]
pub(crate) struct EarlyTx {
    tx: tokio::sync::mpsc::UnboundedSender<Early>,
    /// Cleared by the page loop once the body start has told it what it can.
    chunks: Arc<std::sync::atomic::AtomicBool>,
}

impl EarlyTx {
    fn send(&self, event: Early) {
        let _ = self.tx.send(event);
    }
}

/// The receiving end of an [`EarlyTx`].
struct EarlyRx {
    rx: tokio::sync::mpsc::UnboundedReceiver<Early>,
    chunks: Arc<std::sync::atomic::AtomicBool>,
}

/// A channel for a page's [`Early`] events; body chunks are sent when `chunks`.
fn early_channel(chunks: bool) -> (EarlyTx, EarlyRx) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let chunks = Arc::new(std::sync::atomic::AtomicBool::new(chunks));
    (
        EarlyTx {
            tx,
            chunks: chunks.clone(),
        },
        EarlyRx { rx, chunks },
    )
}

/// What [`Endpoint::send`] got: a page's headers and redacted URL (its body is in the
/// caller's buffer), or a response an `ignore` response action dropped (its status).
pub(crate) enum Sent {
    Body(HeaderMap, String),
    Ignored(u16),
}

impl Endpoint {
    /// Sends a page request and reads its body. The client retries failures up to the
    /// response headers; a connection that drops while the body streams in is retried here,
    /// by the same [`crate::RetryPolicy::next_wait`] (attempts, backoff, deadline), for
    /// requests the client would retry. The final response then meets the endpoint's
    /// `response_actions` (first match wins): `ignore` drops it, `retry` sends the request
    /// again on the same policy.
    async fn send(
        &self,
        request: Request,
        early: Option<&EarlyTx>,
        buf: &mut Vec<u8>,
    ) -> Result<Sent> {
        // The page loop may have started the next request from these headers; anything but
        // this body as the page takes it back.
        let withdraw = || {
            if let Some(tx) = early {
                tx.send(Early::Withdrawn);
            }
        };
        let policy = self.client.retry_policy();
        let idempotent = self.method.is_idempotent();
        let start = tokio::time::Instant::now();
        let mut attempt: u32 = 0;
        let mut action_retries: u32 = 0;
        loop {
            attempt += 1;
            let this = request.try_clone().ok_or_else(|| {
                Error::Config("a page request with a streaming body cannot be retried".into())
            })?;
            let response = match Box::pin(self.client.execute(this, None, None)).await {
                Ok(response) => response,
                Err(err) => {
                    // A 401 that stays after the auth's refresh is an auth error; its
                    // response still meets the actions, as dlt matches every response.
                    let response = match &err {
                        Error::Status { status, body, .. } => Some((status.as_u16(), body)),
                        Error::Auth {
                            source: Some(inner),
                            ..
                        } => match inner.as_ref() {
                            Error::Status { status, body, .. } => Some((status.as_u16(), body)),
                            _ => None,
                        },
                        _ => None,
                    };
                    let Some((status, body)) = response else {
                        return Err(err);
                    };
                    match self.action_for(status, body) {
                        Some(ResponseActionKind::Ignore) => {
                            tracing::info!(target: "rest_source", resource = %self.resource, error = %err, "response ignored (response_actions)");
                            return Ok(Sent::Ignored(status));
                        }
                        Some(ResponseActionKind::Retry) => {
                            self.retry_for_action(err, &mut action_retries, attempt, start)
                                .await?;
                            continue;
                        }
                        None => return Err(err),
                    }
                }
            };
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let shown_url = response.url().to_owned();
            if let Some(tx) = early {
                tx.send(Early::Headers(headers.clone()));
            }
            // The body's first bytes for the page loop's scan, while it wants them: a view
            // of the chunk, not a copy (the body itself stays one buffer).
            let mut copied = 0;
            let mut on_chunk = |chunk: &bytes::Bytes| {
                let Some(tx) = early else { return };
                if copied >= body_start::LIMIT
                    || !tx.chunks.load(std::sync::atomic::Ordering::Relaxed)
                {
                    return;
                }
                let take = chunk.len().min(body_start::LIMIT + 1 - copied);
                copied += take;
                tx.send(Early::Chunk(chunk.slice(..take)));
            };
            match response
                .read_limited_into(self.max_page_bytes, buf, &mut on_chunk)
                .await
            {
                Ok(()) => {
                    let bytes = &buf[..];
                    if !self.response_actions.is_empty() {
                        let text = String::from_utf8_lossy(bytes);
                        match self.action_for(status, &text) {
                            Some(ResponseActionKind::Ignore) => {
                                withdraw();
                                tracing::info!(target: "rest_source", resource = %self.resource, url = %shown_url, status, "response ignored (response_actions)");
                                return Ok(Sent::Ignored(status));
                            }
                            Some(ResponseActionKind::Retry) => {
                                withdraw();
                                let err = Error::Status {
                                    method: self.method.clone(),
                                    url: shown_url,
                                    status: response_status(status),
                                    body: crate::error::describe_body(bytes, &headers),
                                    retry_after: None,
                                };
                                self.retry_for_action(err, &mut action_retries, attempt, start)
                                    .await?;
                                continue;
                            }
                            None => {}
                        }
                    }
                    return Ok(Sent::Body(headers, shown_url));
                }
                Err(err @ Error::Transport { .. }) if idempotent => {
                    withdraw();
                    // The one rule set of every retry (attempts, backoff floor, deadline),
                    // as `RestClient::execute` applies it.
                    let (err, wait) =
                        policy.next_wait(err, None, shown_url.clone(), attempt, start)?;
                    self.client.count_retry("body");
                    tracing::info!(target: "rest_source", resource = %self.resource, url = %shown_url, attempt, error = %err, "page body was cut off; retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(err) => {
                    withdraw();
                    return Err(err);
                }
            }
        }
    }

    /// The action of the first response action matching `status` and `body`.
    fn action_for(&self, status: u16, body: &str) -> Option<ResponseActionKind> {
        crate::spec::response_action_for(&self.response_actions, status, body).map(|a| a.action)
    }

    /// Waits before sending a request again for a `retry` response action, on the client's
    /// retry policy; `err` (the matched response) when the policy says stop.
    async fn retry_for_action(
        &self,
        err: Error,
        retries: &mut u32,
        attempt: u32,
        start: tokio::time::Instant,
    ) -> Result<()> {
        let policy = self.client.retry_policy();
        *retries += 1;
        let server_wait = err.retry_after();
        let url = match &err {
            Error::Status { url, .. } => url.clone(),
            _ => String::new(),
        };
        // The action's own count of retries, on the one rule set of every retry.
        let (err, wait) = policy
            .next_wait(err, server_wait, url, *retries, start)
            .map_err(|e| match e {
                Error::RetriesExhausted { last, elapsed, .. } => Error::RetriesExhausted {
                    attempts: attempt,
                    elapsed,
                    last,
                },
                other => other,
            })?;
        self.client.count_retry("response_action");
        tracing::info!(target: "rest_source", resource = %self.resource, attempt, error = %err, "response matched a `retry` response action; retrying");
        tokio::time::sleep(wait).await;
        Ok(())
    }
}

fn response_status(status: u16) -> reqwest::StatusCode {
    reqwest::StatusCode::from_u16(status).unwrap_or(reqwest::StatusCode::OK)
}

/// A JSON body's bytes.
fn body_bytes(body: &Value) -> bytes::Bytes {
    bytes::Bytes::from(body.to_string())
}

/// What makes a request the same as an earlier one, for the repeated-page guard: its URL
/// and, for a body-paged request, its body.
fn request_key(
    hasher: &std::collections::hash_map::RandomState,
    url: &Url,
    body: Option<&bytes::Bytes>,
) -> u64 {
    hasher.hash_one((url.as_str(), body.map(|b| &b[..])))
}

/// The first bytes of a body, while the paginator may find the next link in them.
#[derive(Default)]
struct BodyScan {
    start: Vec<u8>,
    on: bool,
}

/// A page requested from the headers of the page before it, with that fetch's own events
/// (its headers link on to the page after it).
struct Linked<T> {
    url: Url,
    task: Task<Result<Fetched<T>>>,
    early: EarlyRx,
}

/// The page loop: requests pages in order, as they are asked for, and — for addressable
/// paginators whose first page tells how many pages there are — fetches up to `concurrency`
/// of the following pages ahead.
///
/// Speculation never changes what is yielded: every fetched page is accepted in order by the
/// same bookkeeping as the sequential path (the paginator's `next_request`, the repeated-URL
/// check, `max_pages`/`max_items`, incremental filtering), and a prefetched page is used only
/// when it is exactly the URL the paginator asks for next. When the paginator stops early (a
/// short page) or asks for something else, the remaining prefetches are cancelled and the
/// loop goes on sequentially.
///
/// A paginator that knows the next URL from the headers ([`Paginator::next_from_headers`]:
/// `header_link`) has the next page requested as soon as this page's headers arrive, while
/// its body is read and decoded: one page ahead, same origin only, never past `max_pages`
/// (and not with `max_items`, whose last page is known only once its records are counted).
/// That request is dropped when this body fails, is cut off and retried, or meets a
/// response action, and is used only when `next_request` asks for exactly its URL.
pub(crate) struct PageLoop<T> {
    endpoint: Arc<Endpoint>,
    /// How pages are read (one pass into `T`, the detected records' path).
    decoding: Decoding,
    /// Emptied record `Vec`s to decode pages into (handed back by the consumer).
    spare: Spare<T>,
    paginator: Box<dyn Paginator>,
    incremental: Option<Arc<IncrementalCursor>>,
    /// The next request: its URL and, when the paginator pages the JSON body, that body.
    next: Option<(Url, Option<bytes::Bytes>)>,
    /// Whether the paginator pages the JSON body, and the body as it last wrote it.
    pages_body: bool,
    body: Option<Value>,
    seen: HashSet<u64>,
    hasher: std::collections::hash_map::RandomState,
    pages: u64,
    items: u64,
    /// Requests in flight for this run (shared with sibling loops of a child resource).
    permits: Arc<Semaphore>,
    concurrency: usize,
    planned: Option<Box<dyn Iterator<Item = Url> + Send>>,
    /// The first page's origin, the only one pages are fetched ahead from.
    origin: Option<url::Origin>,
    ahead: VecDeque<(Url, Task<Result<Fetched<T>>>)>,
    /// The next page, requested from this page's headers ([`Paginator::next_from_headers`]).
    linked: Option<Linked<T>>,
    /// Records as the server sent them (before `max_items` and incremental filtering), for
    /// the completeness check.
    received: u64,
    /// Why the loop ends, once that is decided.
    stop: Option<StopReason>,
    finished: bool,
    /// The run's report, shared by every page loop of the run.
    tally: Arc<Mutex<Tally>>,
    /// For a share of a partitioned run: says when a page's records are another share's.
    discard: Option<crate::partition::pages::Discard>,
}

impl<T: DeserializeOwned + Send + 'static> PageLoop<T> {
    /// A page loop; `decode` says where records are decoded into `T` (never typed for an
    /// incremental loop, which edits them as values).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        endpoint: Arc<Endpoint>,
        decode: Decode,
        spare: Spare<T>,
        mut paginator: Box<dyn Paginator>,
        mut first: Url,
        incremental: Option<Arc<IncrementalCursor>>,
        permits: Arc<Semaphore>,
        concurrency: usize,
        tally: Arc<Mutex<Tally>>,
    ) -> Self {
        // With `row_order`, a page may end the window: no page is fetched ahead of it.
        let concurrency = if incremental.as_ref().is_some_and(|i| i.may_stop_early()) {
            1
        } else {
            concurrency.max(1)
        };
        if let Some(inc) = &incremental {
            for (k, v) in inc.request_params() {
                set_query_param(&mut first, &k, &v);
            }
        }
        paginator.init_request(&mut first);
        let mut body = endpoint.body.as_ref().and_then(Body::json_value).cloned();
        let pages_body = paginator.update_body(&mut body);
        let first_body = body.as_ref().filter(|_| pages_body).map(body_bytes);
        let hasher = std::collections::hash_map::RandomState::new();
        let mut seen = HashSet::new();
        seen.insert(request_key(&hasher, &first, first_body.as_ref()));
        PageLoop {
            endpoint,
            decoding: Decoding {
                decode: match incremental {
                    None => decode,
                    Some(_) => Decode::Values,
                },
                buffers: spare.bodies(),
                ..Decoding::default()
            },
            spare,
            paginator,
            incremental,
            next: Some((first, first_body)),
            pages_body,
            body,
            seen,
            hasher,
            pages: 0,
            items: 0,
            permits,
            concurrency,
            planned: None,
            origin: None,
            ahead: VecDeque::new(),
            linked: None,
            received: 0,
            stop: None,
            finished: false,
            tally,
            discard: None,
        }
    }

    /// Drops the records of each page `discard` marks (a share of a partitioned run reads
    /// the first page for its total; its records may be another share's).
    pub(crate) fn discarding(mut self, discard: crate::partition::pages::Discard) -> Self {
        self.discard = Some(discard);
        self
    }

    /// The next page, or `None` at the end. Nothing is requested before the first call.
    /// At the end, the records received are checked against the total the server stated.
    pub(crate) async fn next_page(&mut self) -> Result<Option<RawPage<T>>> {
        match self.step().await {
            Ok(Some(page)) => Ok(Some(page)),
            Ok(None) => {
                self.finish()?;
                Ok(None)
            }
            Err(e) => {
                // A request started ahead of a page that failed is not wanted.
                self.linked = None;
                self.ahead.clear();
                if !self.finished {
                    self.finished = true;
                    lock(&self.tally).stopped(StopReason::Error, None, self.paginator.kind());
                }
                Err(e)
            }
        }
    }

    /// Records why the loop stopped and checks completeness, once.
    fn finish(&mut self) -> Result<()> {
        if std::mem::replace(&mut self.finished, true) {
            return Ok(());
        }
        let ep = &self.endpoint;
        let reason = self.stop.unwrap_or(StopReason::NoNextPage);
        // Limits the user set cut the data on purpose; an ignored response was dropped on
        // purpose too.
        let expected = match reason {
            StopReason::MaxPages | StopReason::MaxItems | StopReason::Ignored => None,
            _ => self.paginator.expected_records(),
        };
        let mut tally = lock(&self.tally);
        tally.stopped(reason, expected, self.paginator.kind());
        let Some(expected) = expected.filter(|e| *e != self.received) else {
            return Ok(());
        };
        let err = Error::Incomplete {
            resource: ep.resource.clone(),
            expected,
            received: self.received,
            stop: reason,
        };
        match ep.completeness {
            Completeness::Error => Err(err),
            Completeness::Warn => {
                // Its own target, so a front end that prints the warning itself (the CLI) can
                // leave this event out instead of saying it twice.
                tracing::warn!(target: "rest_source::completeness", resource = %ep.resource, expected, received = self.received, stop = %reason, "the records received differ from the total the server stated");
                tally.warn(err.to_string());
                Ok(())
            }
        }
    }

    async fn step(&mut self) -> Result<Option<RawPage<T>>> {
        let ep = self.endpoint.clone();
        let Some((url, body)) = self.next.take() else {
            self.ahead.clear();
            self.linked = None;
            return Ok(None);
        };
        let limit = if ep.max_pages.is_some_and(|m| self.pages >= m) {
            Some(StopReason::MaxPages)
        } else if ep.max_items.is_some_and(|m| self.items >= m) {
            Some(StopReason::MaxItems)
        } else {
            None
        };
        if limit.is_some() {
            self.stop = limit;
            self.ahead.clear();
            self.linked = None;
            return Ok(None);
        }
        let fetched = match self.ahead.pop_front() {
            Some((planned, task)) if planned == url && body.is_none() => join(task).await?,
            missed => {
                if missed.is_some() {
                    // The paginator asked for another page than planned: trust it, not the plan.
                    self.ahead.clear();
                    self.planned = None;
                }
                match self.linked.take() {
                    Some(linked) if linked.url == url && body.is_none() => {
                        self.watch(url, join(linked.task), Some(linked.early))
                            .await?
                    }
                    // A link requested ahead that is not the page asked for is dropped.
                    _ => {
                        let permits = self.permits.clone();
                        let _permit = permits.acquire().await;
                        let (tx, rx) = match self.links_ahead() {
                            true => {
                                let (tx, rx) = early_channel(self.reads_body_start(&url));
                                (Some(tx), Some(rx))
                            }
                            false => (None, None),
                        };
                        let (decoding, room) =
                            (self.decoding.clone(), room(&self.decoding, &self.spare));
                        // Boxed: a page's futures (request, auth, retries, body) are several
                        // KB, and every `.await` on an unboxed one moves it into its caller's
                        // state; a box moves as a pointer.
                        let fetch = Box::pin(ep.fetch_watched(
                            url.clone(),
                            body,
                            tx.as_ref(),
                            &decoding,
                            room,
                        ));
                        self.watch(url, fetch, rx).await?
                    }
                }
            }
        };
        let Fetched {
            url,
            shown_url,
            headers,
            envelope,
            mut records,
            detected,
            ignored,
        } = fetched;
        if let Some(status) = ignored {
            // dlt's `IgnoreResponseException`: no records, and paging of this request ends.
            lock(&self.tally).ignored(status);
            self.stop = Some(StopReason::Ignored);
            self.ahead.clear();
            self.linked = None;
            return Ok(None);
        }
        self.pages += 1;
        self.received += records.len() as u64;
        let page = PageResponse {
            url: &url,
            headers: &headers,
            body: &envelope,
            records: records.len(),
        };
        let next = self.paginator.next_request(&page).map_err(|e| match e {
            Error::Config(m) => {
                Error::Config(format!("resource `{}`, page {shown_url}: {m}", ep.resource))
            }
            // Redacted with this client's names, whatever URL the paginator put there.
            Error::Protocol { message, .. } => Error::Protocol {
                url: shown_url.clone(),
                message: format!("resource `{}`: {message}", ep.resource),
            },
            other => other,
        })?;
        if next.is_none() {
            self.stop = Some(self.paginator.stop_reason());
        }
        if self.discard.as_ref().is_some_and(|d| d.take()) {
            self.received -= records.len() as u64;
            records.truncate(0);
        }
        if self.pages == 1 && self.concurrency > 1 && next.is_some() {
            self.origin = Some(url.origin());
            let more_pages = ep.max_pages.map_or(u64::MAX, |m| m.saturating_sub(1));
            self.planned = self
                .paginator
                .upcoming(&page)
                .map(|urls| Box::new(urls.take(more_pages as usize)) as Box<_>);
        }
        if let Some(next) = next {
            // A next link to another host must not receive this API's credentials (the same
            // rule reqwest applies to redirects).
            let scheme = ep.client.auth().scheme_dyn();
            if next.origin() != url.origin() && scheme != "none" {
                return Err(Error::Protocol {
                    url: shown_url.clone(),
                    message: format!(
                        "resource `{}`: the next page `{}` is on another origin; refusing to \
                         send the `{scheme}` credentials there. If that host is trusted, page \
                         with a custom paginator and a client for it",
                        ep.resource,
                        ep.client.redact(&next),
                    ),
                });
            }
            let next_body = if self.pages_body {
                self.paginator.update_body(&mut self.body);
                self.body.as_ref().map(body_bytes)
            } else {
                None
            };
            if self
                .seen
                .insert(request_key(&self.hasher, &next, next_body.as_ref()))
            {
                self.next = Some((next, next_body));
            } else {
                self.stop = Some(StopReason::RepeatedPage);
                tracing::warn!(target: "rest_source", resource = %ep.resource, url = %ep.client.redact(&next), "the paginator returned a page that was already requested (repeated next link or cursor); ending the stream instead of looping");
            }
        }
        // `max_items` cuts after the incremental window and before the cursor sees the
        // records: a record cut off is not yielded, so it must not advance the state.
        let left = ep.max_items.map(|max| max.saturating_sub(self.items));
        let mut cut = false;
        if let Some(inc) = &self.incremental {
            let done = inc.process(records.values_mut(&shown_url)?, left, &shown_url)?;
            cut = done.cut;
            if done.out_of_range && !cut && self.next.take().is_some() {
                self.stop = Some(StopReason::PastWindow);
            }
        } else if let Some(left) = left
            && records.len() as u64 > left
        {
            records.truncate(left as usize);
            cut = true;
        }
        if cut && self.next.take().is_some() {
            self.stop = Some(StopReason::MaxItems);
        }
        self.items += records.len() as u64;
        lock(&self.tally).page(
            records.len() as u64,
            detected.as_ref().map(|d| d.path.text()),
        );
        if self.pages == 1 && self.decoding.decode.typed() {
            self.decoding.detected = detected.filter(|d| d.by_key);
        }
        self.decoding.records_hint = records.len();
        if self.next.is_some() {
            self.fetch_ahead();
        } else {
            self.ahead.clear();
            self.linked = None;
        }
        Ok(Some(RawPage {
            url: shown_url,
            number: self.pages,
            records,
            envelope,
        }))
    }

    /// Whether the next page may be requested from this page's headers: the resource allows
    /// more than one request in flight (not with `row_order`, whose pages may end the
    /// window), the paginator pages with URLs only, no `max_items` (the last page it allows
    /// is known only once its records are counted) and not a share of a partitioned run.
    fn links_ahead(&self) -> bool {
        self.concurrency > 1
            && !self.pages_body
            && self.endpoint.max_items.is_none()
            && self.discard.is_none()
    }

    /// Whether the paginator looks for the next link in a body's first bytes.
    fn reads_body_start(&self, url: &Url) -> bool {
        self.paginator.next_from_body_start(url, &[]) == BodyStart::ReadMore
    }

    /// Awaits the page `url`'s fetch while following its [`Early`] events: its headers or
    /// body start may link to the next page ([`PageLoop::link_ahead`]), a withdrawal drops
    /// that request. Events still queued when the fetch ends are followed too, so a
    /// withdrawal is never missed.
    async fn watch(
        &mut self,
        url: Url,
        fetch: impl std::future::Future<Output = Result<Fetched<T>>>,
        early: Option<EarlyRx>,
    ) -> Result<Fetched<T>> {
        let Some(mut early) = early else {
            return fetch.await;
        };
        let mut fetch = std::pin::pin!(fetch);
        let mut scan = BodyScan::default();
        let fetched = loop {
            // Events come before the result they lead to: take them first. (A hand-written
            // biased select: tokio's `select!` needs its `macros` feature in every user's build.)
            let step = std::future::poll_fn(|cx| {
                use std::task::Poll;
                if let Poll::Ready(Some(event)) = early.rx.poll_recv(cx) {
                    return Poll::Ready(Either::Left(event));
                }
                fetch.as_mut().poll(cx).map(Either::Right)
            })
            .await;
            match step {
                Either::Left(event) => self.on_early(&url, event, &early, &mut scan),
                Either::Right(fetched) => break fetched,
            }
        };
        while let Ok(event) = early.rx.try_recv() {
            self.on_early(&url, event, &early, &mut scan);
        }
        if fetched.is_err() {
            self.linked = None;
        }
        fetched
    }

    fn on_early(&mut self, url: &Url, event: Early, early: &EarlyRx, scan: &mut BodyScan) {
        use std::sync::atomic::Ordering::Relaxed;
        match event {
            Early::Headers(headers) => {
                let next = self.paginator.next_from_headers(url, &headers);
                self.link_ahead(url, next);
                scan.start.clear();
                scan.on = self.linked.is_none() && early.chunks.load(Relaxed);
            }
            Early::Chunk(bytes) if scan.on => {
                // Taken a piece at a time (512 bytes, then doubling), since the scan mostly
                // decides in the first few hundred bytes: copying a whole chunk into
                // `scan.start` would copy up to `LIMIT` bytes per page for nothing.
                let mut rest = &bytes[..];
                let next = loop {
                    let step = scan.start.len().max(512).min(rest.len());
                    scan.start.extend_from_slice(&rest[..step]);
                    rest = &rest[step..];
                    match self.paginator.next_from_body_start(url, &scan.start) {
                        BodyStart::ReadMore if rest.is_empty() => return,
                        BodyStart::ReadMore => {}
                        BodyStart::Next(next) => break Some(next),
                        BodyStart::Unknown => break None,
                    }
                };
                scan.on = false;
                early.chunks.store(false, Relaxed);
                if next.is_some() {
                    self.link_ahead(url, next);
                }
            }
            Early::Chunk(_) => {}
            Early::Withdrawn => {
                self.linked = None;
                scan.on = false;
            }
        }
    }

    /// Requests `next`, the page that page `url` links to before its body is read, when
    /// that is allowed: it would not pass `max_pages`, it is on `url`'s origin (credentials
    /// stay there) and it was not requested before (a repeated link ends the loop instead).
    fn link_ahead(&mut self, url: &Url, next: Option<Url>) {
        self.linked = None;
        // The page being read is number `pages + 1`; the linked one would be `pages + 2`.
        if self.endpoint.max_pages.is_some_and(|m| self.pages + 2 > m) {
            return;
        }
        let Some(next) = next else {
            return;
        };
        if next.origin() != url.origin()
            || self.seen.contains(&request_key(&self.hasher, &next, None))
        {
            return;
        }
        let (tx, rx) = early_channel(self.reads_body_start(&next));
        let (ep, permits, to_fetch) = (self.endpoint.clone(), self.permits.clone(), next.clone());
        let (decoding, room) = (self.decoding.clone(), room(&self.decoding, &self.spare));
        let task = Task::spawn(async move {
            let _permit = permits.acquire_owned().await;
            ep.fetch_watched(to_fetch, None, Some(&tx), &decoding, room)
                .await
        });
        self.linked = Some(Linked {
            url: next,
            task,
            early: rx,
        });
    }

    /// Starts fetching planned pages until `concurrency` are in flight or planned (never for
    /// a paginator that pages the body: its plans are URLs only).
    fn fetch_ahead(&mut self) {
        let Some(planned) = self.planned.as_mut().filter(|_| !self.pages_body) else {
            return;
        };
        while self.ahead.len() < self.concurrency {
            // Only same-origin pages are fetched ahead: a planned URL elsewhere would get the
            // API's credentials before `next_request` could refuse it.
            let Some(url) = planned.next().filter(|u| Some(u.origin()) == self.origin) else {
                self.planned = None;
                return;
            };
            let (ep, permits, to_fetch) =
                (self.endpoint.clone(), self.permits.clone(), url.clone());
            let (decoding, room) = (self.decoding.clone(), room(&self.decoding, &self.spare));
            let task = Task::spawn(async move {
                let _permit = permits.acquire_owned().await;
                ep.fetch(to_fetch, None, &decoding, room).await
            });
            self.ahead.push_back((url, task));
        }
    }
}

/// Where a page loop's next page's records are decoded in one pass: an emptied `Vec` of an
/// earlier page, with room for as many records as the last page had.
fn room<T>(decoding: &Decoding, spare: &Spare<T>) -> Vec<T> {
    match decoding.decode {
        Decode::InLoop => spare.take(decoding.records_hint),
        Decode::Values | Decode::ByConsumer => Vec::new(),
    }
}
