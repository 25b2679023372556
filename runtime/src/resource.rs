//! [`Resource<T>`]: a spec'd endpoint as a lazy stream of typed records or pages.
//!
//! Nothing is requested until a stream is polled. From then on the page loop runs in its own
//! task one page ahead of the consumer (pipelining: page N+1 is requested and parsed while
//! page N is decoded), addressable pages and child resources are fetched up to the spec's
//! `concurrency` at a time and yielded in order, and only a few pages are held in memory.
//! Records are decoded one by one straight from the response bytes, so a record that does not
//! fit `T` fails alone, with an error that names the page URL (redacted) and keeps that
//! record's JSON.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Semaphore;
use url::Url;

use crate::client::RestClient;
use crate::error::{Error, Result};
use crate::incremental::{IncrementalCursor, IncrementalState, lock};
use crate::paginate::pipeline::{ReadAhead, lazy, run_ahead};
use crate::paginate::{Endpoint, PageLoop, RawPage, from_spec, set_query_param};
use crate::select::{JsonPath, placeholders, value_to_param};
use crate::spec::{PaginatorSpec, ResourceSpec};

/// One page of a resource: its records, where it came from, and the rest of its body.
#[derive(Debug, Clone)]
pub struct Page<T> {
    items: Vec<T>,
    url: String,
    number: u64,
    envelope: Value,
}

impl<T> Page<T> {
    /// The page's records.
    pub fn items(&self) -> &[T] {
        &self.items
    }
    /// The page's records, by value.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }
    /// The URL the page was fetched from, with credentials redacted (safe to print).
    pub fn url(&self) -> &str {
        &self.url
    }
    /// The page's number, from 1 (per parent item for a child resource).
    pub fn number(&self) -> u64 {
        self.number
    }
    /// The JSON body without the records (they were moved into [`Page::items`]): paging
    /// metadata such as `total` or `next` stays readable without copying the records.
    pub fn envelope(&self) -> &Value {
        &self.envelope
    }
    /// How many records the page holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// Whether the page holds no records.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// A resource: a [`RestClient`] (with the resource's auth) and a [`ResourceSpec`], read as a
/// lazy stream. Cheap to clone: clones share the client, the spec and the incremental state.
///
/// ```no_run
/// # async fn demo() -> rest_source_runtime::Result<()> {
/// use futures::TryStreamExt;
/// use rest_source_runtime::spec::{PaginatorSpec, ResourceSpec};
/// use rest_source_runtime::{Resource, RestClient};
///
/// #[derive(serde::Deserialize)]
/// struct Contact { id: u64, name: String }
///
/// let client = RestClient::builder("https://api.example.com/v1").build()?;
/// let contacts: Resource<Contact> = Resource::new(
///     client,
///     ResourceSpec::new("contacts", "contacts")
///         .data_selector("results")
///         .paginator(PaginatorSpec::json_link("paging.next")),
/// )?;
/// let mut items = contacts.items();
/// while let Some(contact) = items.try_next().await? {
///     println!("{} {}", contact.id, contact.name);
/// }
/// # Ok(()) }
/// ```
pub struct Resource<T> {
    inner: Arc<Inner>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Resource<T> {
    fn clone(&self) -> Self {
        Resource {
            inner: self.inner.clone(),
            _type: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Resource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resource")
            .field("name", &self.inner.spec.name)
            .field("path", &self.inner.spec.endpoint.path)
            .field("paginator", &self.inner.paginator.type_name())
            .field("parent", &self.inner.parent.as_ref().map(|p| &p.name))
            .field("client", &self.inner.endpoint.client)
            .finish()
    }
}

#[derive(Clone)]
struct Inner {
    spec: Arc<ResourceSpec>,
    endpoint: Arc<Endpoint>,
    paginator: PaginatorSpec,
    parent: Option<ParentLink>,
    path_params: BTreeMap<String, String>,
    incremental: Option<JsonPath>,
    primary_key: Vec<JsonPath>,
    state: Arc<Mutex<IncrementalState>>,
}

#[derive(Clone)]
struct ParentLink {
    name: String,
    resource: Resource<Value>,
    include: Vec<(String, JsonPath)>,
}

impl<T> Resource<T> {
    /// A resource from `client` and `spec`. Fails with [`Error::Config`] on an invalid
    /// JSON path, method or header in the spec.
    pub fn new(client: RestClient, spec: impl Into<Arc<ResourceSpec>>) -> Result<Self> {
        let spec: Arc<ResourceSpec> = spec.into();
        let ep = &spec.endpoint;
        let method = match ep.method.as_deref() {
            None => Method::GET,
            Some(m) => Method::from_bytes(m.to_ascii_uppercase().as_bytes()).map_err(|_| {
                Error::Config(format!(
                    "resource `{}`: `{m}` is not an HTTP method; expected `GET` or `POST`",
                    spec.name
                ))
            })?,
        };
        let in_resource = |e: Error| match e {
            Error::Config(m) => Error::Config(format!("resource `{}`: {m}", spec.name)),
            other => other,
        };
        let data_selector = ep
            .data_selector
            .as_deref()
            .map(JsonPath::parse)
            .transpose()
            .map_err(in_resource)?;
        let incremental = ep
            .incremental
            .as_ref()
            .map(|i| JsonPath::parse(&i.cursor_path))
            .transpose()
            .map_err(in_resource)?;
        let primary_key = spec
            .primary_key
            .iter()
            .map(|k| JsonPath::parse(k))
            .collect::<Result<Vec<_>>>()
            .map_err(in_resource)?;
        let paginator = ep.paginator.clone().unwrap_or_default();
        // Build once now so a bad paginator path fails here, not on the first poll.
        from_spec(&paginator).map_err(in_resource)?;
        let json = ep
            .json
            .as_ref()
            .map(|j| serde_json::to_vec(j).map(bytes::Bytes::from))
            .transpose()
            .map_err(|e| Error::Config(format!("resource `{}`: bad JSON body: {e}", spec.name)))?;
        let endpoint = Endpoint {
            client,
            method,
            headers: Endpoint::headers_from(&ep.headers).map_err(in_resource)?,
            json,
            data_selector,
            max_pages: spec.max_pages,
            max_items: spec.max_items,
            resource: spec.name.clone(),
        };
        Ok(Resource {
            inner: Arc::new(Inner {
                endpoint: Arc::new(endpoint),
                paginator,
                parent: None,
                path_params: BTreeMap::new(),
                incremental,
                primary_key,
                state: Arc::new(Mutex::new(IncrementalState::default())),
                spec,
            }),
            _type: PhantomData,
        })
    }

    /// The resource's name.
    pub fn name(&self) -> &str {
        &self.inner.spec.name
    }

    /// The spec this resource runs.
    pub fn spec(&self) -> &ResourceSpec {
        &self.inner.spec
    }

    /// The client (and so the auth) its requests go through.
    pub fn client(&self) -> &RestClient {
        &self.inner.endpoint.client
    }

    /// The same resource decoding records as `U` (shares client, spec and state).
    pub fn typed<U>(&self) -> Resource<U> {
        Resource {
            inner: self.inner.clone(),
            _type: PhantomData,
        }
    }

    fn modify(self, f: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Arc::unwrap_or_clone(self.inner);
        f(&mut inner);
        Resource {
            inner: Arc::new(inner),
            _type: PhantomData,
        }
    }

    /// Fills a `{name}` placeholder of the path (a source parameter such as `{region}`).
    pub fn path_param(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value) = (name.into(), value.into());
        self.modify(|i| {
            i.path_params.insert(name, value);
        })
    }

    /// Makes this a child of `parent`: the path's `{<parent>.<field>}` placeholders are
    /// filled from each parent record, and `include_from_parent` fields are copied into each
    /// child record as `_<parent>_<field>`. Fails if the path names no field of `parent`.
    pub fn with_parent<P>(self, parent: &Resource<P>) -> Result<Self> {
        let name = parent.name().to_owned();
        let spec = &self.inner.spec;
        let refers = placeholders(&spec.endpoint.path)
            .chain(
                spec.endpoint
                    .params
                    .values()
                    .filter_map(Value::as_str)
                    .flat_map(placeholders),
            )
            .any(|p| parent_field(p, &name).is_some());
        if !refers {
            return Err(Error::Config(format!(
                "resource `{}` is given `{name}` as its parent, but its path `{}` has no \
                 `{{{name}.<field>}}` placeholder; expected for example `{{{name}.id}}`",
                spec.name, spec.endpoint.path
            )));
        }
        let include = spec
            .include_from_parent
            .iter()
            .map(|f| {
                Ok((
                    format!("_{name}_{}", f.replace('.', "_")),
                    JsonPath::parse(f)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let link = ParentLink {
            name,
            resource: parent.typed(),
            include,
        };
        Ok(self.modify(|i| i.parent = Some(link)))
    }

    /// Restores the incremental state saved by an earlier run (replaces the current one).
    pub fn with_incremental_state(self, state: IncrementalState) -> Self {
        *lock(&self.inner.state) = state;
        self
    }

    /// The incremental state now: after a completed run, the value to save for the next.
    /// `None` when the resource is not incremental.
    pub fn incremental_state(&self) -> Option<IncrementalState> {
        self.inner
            .incremental
            .as_ref()
            .map(|_| lock(&self.inner.state).clone())
    }

    /// Raw pages: records as JSON values, parent fields attached. Lazy.
    fn raw_pages(&self) -> BoxStream<'static, Result<RawPage>> {
        let inner = self.inner.clone();
        let cursor = match (&inner.spec.endpoint.incremental, &inner.incremental) {
            (Some(spec), Some(path)) => Some(Arc::new(IncrementalCursor::start(
                spec,
                path.clone(),
                inner.primary_key.clone(),
                inner.state.clone(),
                &inner.spec.name,
            ))),
            _ => None,
        };
        let concurrency = inner.spec.effective_concurrency();
        // One budget of requests in flight per run, shared by the loops of every parent item.
        let permits = Arc::new(Semaphore::new(concurrency));
        match inner.parent.clone() {
            None => lazy(move || run_ahead(page_loop(inner, None, cursor, permits), 1)),
            Some(parent) => {
                let parents = parent
                    .resource
                    .raw_pages()
                    .and_then(|page| async move { page.records.into_values() })
                    .map_ok(|records| stream::iter(records.into_iter().map(Ok::<Value, Error>)))
                    .try_flatten();
                lazy(move || {
                    let children = parents
                        .map_ok(move |item: Value| {
                            let pages = page_loop(
                                inner.clone(),
                                Some((&parent, item)),
                                cursor.clone(),
                                permits.clone(),
                            );
                            run_ahead(pages, 1)
                        })
                        .boxed();
                    ReadAhead::new(children, concurrency).boxed()
                })
            }
        }
    }
}

impl<T: DeserializeOwned + Send + 'static> Resource<T> {
    /// A lazy stream of pages. Nothing is requested until it is polled; from then on the
    /// next page is requested while the consumer handles the current one (see
    /// [`ResourceSpec::concurrency`] for how far ahead), so a few pages are in memory at once,
    /// however many there are.
    pub fn pages(&self) -> BoxStream<'static, Result<Page<T>>> {
        self.raw_pages()
            .and_then(|raw| async move { decode_page(raw) })
            .boxed()
    }

    /// A lazy stream of every record of every page. Records are decoded as they are
    /// yielded; a record that does not decode is an `Err` item of its own and the stream
    /// goes on (skip such items or stop at the first, as the caller prefers). A failed
    /// request ends the stream.
    pub fn items(&self) -> BoxStream<'static, Result<T>> {
        self.raw_pages()
            .map_ok(|raw| stream::iter(raw.records.decode::<T>(&raw.url, raw.number)))
            .try_flatten()
            .boxed()
    }

    /// Every record, collected. For large resources prefer [`Resource::items`].
    pub async fn collect(&self) -> Result<Vec<T>> {
        self.items().try_collect().await
    }

    /// The first page only (`None` for a child resource whose parent has no records).
    pub async fn first_page(&self) -> Result<Option<Page<T>>> {
        self.pages().try_next().await
    }
}

/// `{contacts.id}` (or dlt's `{resources.contacts.id}`) → `id` when `parent` is `contacts`.
fn parent_field<'p>(placeholder: &'p str, parent: &str) -> Option<&'p str> {
    let p = placeholder
        .strip_prefix("resources.")
        .unwrap_or(placeholder);
    p.strip_prefix(parent)?.strip_prefix('.')
}

/// Fills `{…}` placeholders in `template` from the source parameters and the parent item.
fn fill(
    template: &str,
    inner: &Inner,
    parent: Option<(&ParentLink, &Value)>,
    encode: bool,
) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        let name = rest[open + 1..open + close].trim();
        let value = if let Some(v) = inner.path_params.get(name) {
            v.clone()
        } else if let Some((link, item)) = parent
            && let Some(field) = parent_field(name, &link.name)
        {
            let path = JsonPath::parse(field)?;
            match path.get(item) {
                Some(v) if !v.is_null() => value_to_param(v),
                _ => {
                    return Err(Error::Config(format!(
                        "resource `{}`: placeholder `{{{name}}}` has no value: a `{}` record has \
                         no `{field}` field (or it is null)",
                        inner.spec.name, link.name
                    )));
                }
            }
        } else {
            return Err(Error::Config(format!(
                "resource `{}`: placeholder `{{{name}}}` in `{template}` is not filled; \
                 expected a source parameter (`Resource::path_param`) or a parent field \
                 `{{<parent>.<field>}}`",
                inner.spec.name
            )));
        };
        if encode {
            encode_segment(&value, &mut out);
        } else {
            out.push_str(&value);
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Percent-encodes a value placed in a path so a `/`, `?` or `#` in it cannot change the URL.
fn encode_segment(value: &str, out: &mut String) {
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:@!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// The first URL of the resource (for one parent item, if any).
fn first_url(inner: &Inner, parent: Option<(&ParentLink, &Value)>) -> Result<Url> {
    let path = fill(&inner.spec.endpoint.path, inner, parent, true)?;
    let mut url = inner.endpoint.client.url(&path)?;
    for (name, value) in &inner.spec.endpoint.params {
        let value = match value {
            Value::String(s) if s.contains('{') => fill(s, inner, parent, false)?,
            other => value_to_param(other),
        };
        set_query_param(&mut url, name, &value);
    }
    Ok(url)
}

/// The page loop of one (parent item of a) resource, as a lazy stream.
fn page_loop(
    inner: Arc<Inner>,
    parent: Option<(&ParentLink, Value)>,
    cursor: Option<Arc<IncrementalCursor>>,
    permits: Arc<Semaphore>,
) -> BoxStream<'static, Result<RawPage>> {
    let start = (|| {
        let url = first_url(&inner, parent.as_ref().map(|(l, v)| (*l, v)))?;
        let paginator = from_spec(&inner.paginator)?;
        let include: Vec<(String, Value)> = match &parent {
            Some((link, item)) => link
                .include
                .iter()
                .filter_map(|(key, path)| path.get(item).map(|v| (key.clone(), v.clone())))
                .collect(),
            None => Vec::new(),
        };
        Ok((
            PageLoop::new(
                inner.endpoint.clone(),
                paginator,
                url,
                cursor,
                permits,
                inner.spec.effective_concurrency(),
            ),
            include,
        ))
    })();
    let (page_loop, include) = match start {
        Ok(s) => s,
        Err(e) => return stream::once(async move { Err(e) }).boxed(),
    };
    stream::try_unfold(page_loop, move |mut l| {
        let include = include.clone();
        async move {
            let Some(mut page) = l.next_page().await? else {
                return Ok(None);
            };
            if !include.is_empty() {
                for record in page.records.values_mut()? {
                    if let Value::Object(map) = record {
                        for (k, v) in &include {
                            map.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            Ok(Some((page, l)))
        }
    })
    .boxed()
}

fn decode_page<T: DeserializeOwned>(raw: RawPage) -> Result<Page<T>> {
    let items = raw
        .records
        .decode(&raw.url, raw.number)
        .collect::<Result<Vec<T>>>()?;
    Ok(Page {
        items,
        url: raw.url,
        number: raw.number,
        envelope: raw.envelope,
    })
}
