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
use crate::paginate::{Endpoint, PageLoop, Paginator, RawPage, from_spec, set_query_param};
use crate::report::{ReportSlot, RequestStats, RunReport, Tally};
use crate::select::{JsonPath, placeholders, value_to_param};
use crate::spec::{DEFAULT_MAX_PAGE_BYTES, IncrementalSpec, PaginatorSpec, ResourceSpec};

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
/// use rest_source_runtime::spec::{PaginatorSpec, ResourceSpec};
/// use rest_source_runtime::{Resource, RestClient, TryStreamExt};
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
            .field(
                "paginator",
                &match self.inner.custom_paginator {
                    Some(_) => "custom",
                    None => self.inner.paginator.type_name(),
                },
            )
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
    /// The effective incremental spec (from `endpoint.incremental` or an `incremental`
    /// param) and its cursor path.
    incremental: Option<(IncrementalSpec, JsonPath)>,
    /// Query parameters, with dlt's `resolve` params recognised.
    params: Vec<(String, Param)>,
    primary_key: Vec<JsonPath>,
    custom_paginator: Option<PaginatorFactory>,
    state: Arc<Mutex<IncrementalState>>,
    /// The report of the last run that ended (shared by clones).
    last_report: ReportSlot,
}

/// A query parameter: a plain value, or dlt's `{"type": "resolve", "resource": …, "field": …}`
/// filled from each parent record.
#[derive(Clone)]
enum Param {
    Value(Value),
    Resolve { resource: String, field: JsonPath },
}

/// Query params and the incremental spec found among them.
type ParsedParams = (Vec<(String, Param)>, Option<IncrementalSpec>);

/// Makes a fresh custom paginator for each page loop.
type PaginatorFactory = Arc<dyn Fn() -> Box<dyn Paginator> + Send + Sync>;

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
        let (params, incremental) = parse_params(&spec).map_err(in_resource)?;
        let incremental = incremental
            .map(|i| JsonPath::parse(&i.cursor_path).map(|p| (i, p)))
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
            completeness: spec.completeness,
            max_page_bytes: spec.max_page_bytes.unwrap_or(DEFAULT_MAX_PAGE_BYTES),
        };
        Ok(Resource {
            inner: Arc::new(Inner {
                endpoint: Arc::new(endpoint),
                paginator,
                parent: None,
                path_params: BTreeMap::new(),
                incremental,
                params,
                primary_key,
                custom_paginator: None,
                state: Arc::new(Mutex::new(IncrementalState::default())),
                last_report: Arc::default(),
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

    /// Pages with a custom [`Paginator`] instead of the spec's. `make` is called for each
    /// stream (and, for a child resource, each parent item), so every run starts fresh.
    ///
    /// ```
    /// use rest_source_runtime::paginate::{PageResponse, Paginator};
    /// use rest_source_runtime::spec::ResourceSpec;
    /// use rest_source_runtime::{Resource, RestClient};
    ///
    /// /// Stops after a page without records; the next page is `?after=<last id>`.
    /// struct AfterId;
    /// impl Paginator for AfterId {
    ///     fn next_request(
    ///         &mut self,
    ///         page: &PageResponse<'_>,
    ///     ) -> rest_source_runtime::Result<Option<url::Url>> {
    ///         let Some(last) = page.body.get("last_id").and_then(|v| v.as_u64()) else {
    ///             return Ok(None);
    ///         };
    ///         let mut next = page.url.clone();
    ///         rest_source_runtime::paginate::set_query_param(&mut next, "after", &last.to_string());
    ///         Ok((page.records > 0).then_some(next))
    ///     }
    /// }
    ///
    /// let client = RestClient::builder("https://api.example.com").build()?;
    /// let events: Resource<serde_json::Value> =
    ///     Resource::new(client, ResourceSpec::new("events", "events"))?.with_paginator(|| AfterId);
    /// # Ok::<(), rest_source_runtime::Error>(())
    /// ```
    pub fn with_paginator<P: Paginator>(
        self,
        make: impl Fn() -> P + Send + Sync + 'static,
    ) -> Self {
        let factory: PaginatorFactory = Arc::new(move || Box::new(make()) as Box<dyn Paginator>);
        self.modify(|i| i.custom_paginator = Some(factory))
    }

    /// Makes this a child of `parent`: the path's `{<parent>.<field>}` placeholders are
    /// filled from each parent record, and `include_from_parent` fields are copied into each
    /// child record as `_<parent>_<field>`. Fails if the path names no field of `parent`.
    pub fn with_parent<P>(self, parent: &Resource<P>) -> Result<Self> {
        let name = parent.name().to_owned();
        let spec = &self.inner.spec;
        let refers =
            placeholders(&spec.endpoint.path)
                .chain(
                    spec.endpoint
                        .params
                        .values()
                        .filter_map(Value::as_str)
                        .flat_map(placeholders),
                )
                .any(|p| parent_field(p, &name).is_some())
                || self.inner.params.iter().any(
                    |(_, p)| matches!(p, Param::Resolve { resource, .. } if *resource == name),
                );
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

    /// The report of the last run of this resource (or a clone) that ended: its stream was
    /// read to the end or stopped at a failed request. `None` before any run ended. See
    /// [`crate::report`].
    pub fn last_report(&self) -> Option<RunReport> {
        crate::report::lock(&self.inner.last_report).clone()
    }

    /// Raw pages of one run, with its report filled in when the stream ends. Lazy.
    fn reported_pages(&self, slot: Option<ReportSlot>) -> BoxStream<'static, Result<RawPage>> {
        let inner = self.inner.clone();
        let stats = Arc::new(RequestStats::default());
        let tally = Arc::new(Mutex::new(Tally::new(
            &inner.spec.name,
            inner.spec.endpoint.data_selector.as_deref(),
        )));
        let endpoint = Arc::new(Endpoint {
            client: inner.endpoint.client.with_stats(stats.clone()),
            ..(*inner.endpoint).clone()
        });
        let pages = self.raw_pages(endpoint, tally.clone());
        let mut done = Some(move || {
            let report = crate::report::lock(&tally).finish(&stats);
            if let Some(slot) = slot {
                *crate::report::lock(&slot) = Some(report.clone());
            }
            *crate::report::lock(&inner.last_report) = Some(report);
        });
        // The report is written when the consumer sees the end (or the error that ends the
        // stream), so it is there as soon as the stream says it is over.
        let mut pages = pages.fuse();
        stream::poll_fn(move |cx| {
            let item = std::task::ready!(pages.poll_next_unpin(cx));
            if matches!(item, None | Some(Err(_)))
                && let Some(done) = done.take()
            {
                done();
            }
            std::task::Poll::Ready(item)
        })
        .boxed()
    }

    /// Raw pages: records as JSON values, parent fields attached. Lazy.
    fn raw_pages(
        &self,
        endpoint: Arc<Endpoint>,
        tally: Arc<Mutex<Tally>>,
    ) -> BoxStream<'static, Result<RawPage>> {
        let inner = self.inner.clone();
        let cursor = inner.incremental.as_ref().map(|(spec, path)| {
            Arc::new(IncrementalCursor::start(
                spec,
                path.clone(),
                inner.primary_key.clone(),
                inner.state.clone(),
                &inner.spec.name,
            ))
        });
        let concurrency = inner.spec.effective_concurrency();
        // One budget of requests in flight per run, shared by the loops of every parent item.
        let permits = Arc::new(Semaphore::new(concurrency));
        let run = RunShared {
            endpoint,
            cursor,
            permits,
            tally,
        };
        match inner.parent.clone() {
            None => lazy(move || run_ahead(page_loop(inner, None, run), 1)),
            Some(parent) => {
                // The parent's pages within this run; their report is not the parent's run.
                let parent_tally = Arc::new(Mutex::new(Tally::default()));
                let parents = parent
                    .resource
                    .raw_pages(parent.resource.inner.endpoint.clone(), parent_tally)
                    .and_then(|page| async move { page.records.into_values(&page.url) })
                    .map_ok(|records| stream::iter(records.into_iter().map(Ok::<Value, Error>)))
                    .try_flatten();
                lazy(move || {
                    let children = parents
                        .map_ok(move |item: Value| {
                            let pages =
                                page_loop(inner.clone(), Some((&parent, item)), run.clone());
                            run_ahead(pages, 1)
                        })
                        .boxed();
                    ReadAhead::new(children, concurrency).boxed()
                })
            }
        }
    }
}

/// What the page loops of one run share.
#[derive(Clone)]
struct RunShared {
    endpoint: Arc<Endpoint>,
    cursor: Option<Arc<IncrementalCursor>>,
    permits: Arc<Semaphore>,
    tally: Arc<Mutex<Tally>>,
}

impl<T: DeserializeOwned + Send + 'static> Resource<T> {
    /// A lazy stream of pages. Nothing is requested until it is polled; from then on the
    /// next page is requested while the consumer handles the current one (see
    /// [`ResourceSpec::concurrency`] for how far ahead), so a few pages are in memory at once,
    /// however many there are.
    pub fn pages(&self) -> BoxStream<'static, Result<Page<T>>> {
        self.reported_pages(None)
            .and_then(|raw| async move { decode_page(raw) })
            .boxed()
    }

    /// A lazy stream of every record of every page. Records are decoded as they are
    /// yielded; a record that does not decode is an `Err` item of its own and the stream
    /// goes on (skip such items or stop at the first, as the caller prefers). A failed
    /// request ends the stream.
    pub fn items(&self) -> BoxStream<'static, Result<T>> {
        self.items_reporting(None)
    }

    fn items_reporting(&self, slot: Option<ReportSlot>) -> BoxStream<'static, Result<T>> {
        self.reported_pages(slot)
            .map_ok(|raw| stream::iter(raw.records.decode::<T>(&raw.url, raw.number)))
            .try_flatten()
            .boxed()
    }

    /// [`Resource::items`] with its [`RunReport`]: a stream of records whose
    /// [`Run::report`] is there once the stream has ended.
    ///
    /// ```no_run
    /// # async fn demo(contacts: rest_source_runtime::Resource<serde_json::Value>) -> rest_source_runtime::Result<()> {
    /// use rest_source_runtime::TryStreamExt;
    ///
    /// let mut run = contacts.run();
    /// while let Some(contact) = run.try_next().await? {
    ///     let _ = contact;
    /// }
    /// let report = run.report().expect("the stream has ended");
    /// println!("{} records, stopped: {:?}", report.records, report.stop_reason());
    /// # Ok(()) }
    /// ```
    pub fn run(&self) -> Run<T> {
        let slot = ReportSlot::default();
        Run {
            items: self.items_reporting(Some(slot.clone())),
            report: slot,
        }
    }

    /// Every record and the run's report. On failure the report (with
    /// [`crate::StopReason::Error`]) is still in [`Resource::last_report`].
    pub async fn collect_with_report(&self) -> Result<(Vec<T>, RunReport)> {
        let mut run = self.run();
        let items = (&mut run).try_collect().await?;
        let report = run.report().ok_or_else(|| {
            Error::Config(format!(
                "resource `{}`: the run ended without a report",
                self.name()
            ))
        })?;
        Ok((items, report))
    }

    /// Every record, collected. For large resources prefer [`Resource::items`].
    pub async fn collect(&self) -> Result<Vec<T>> {
        self.items().try_collect().await
    }

    /// The first page only (`None` for a child resource whose parent has no records). The
    /// page loop may already have requested the next page when this returns; that request
    /// is cancelled.
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
        let resolve = inner.params.iter().find_map(|(n, p)| match p {
            Param::Resolve { resource, field } if n == name => Some((resource, field)),
            _ => None,
        });
        let value = if let Some(v) = inner.path_params.get(name) {
            v.clone()
        } else if let Some((link, item)) = parent
            && let Some(field) = parent_field(name, &link.name)
        {
            parent_value(inner, link, item, name, &JsonPath::parse(field)?)?
        } else if let Some((link, item)) = parent
            && let Some((resource, field)) = resolve
            && *resource == link.name
        {
            parent_value(inner, link, item, name, field)?
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

/// The value of `field` in a parent record, as it goes into a URL.
fn parent_value(
    inner: &Inner,
    link: &ParentLink,
    item: &Value,
    placeholder: &str,
    field: &JsonPath,
) -> Result<String> {
    match field.get(item) {
        Some(v) if !v.is_null() => Ok(value_to_param(v)),
        _ => Err(Error::Config(format!(
            "resource `{}`: `{{{placeholder}}}` has no value: a `{}` record has no `{field}` \
             field (or it is null)",
            inner.spec.name, link.name
        ))),
    }
}

/// Splits the spec's params into plain and `resolve` ones, and turns dlt's
/// `{"type": "incremental", …}` param into the incremental spec (the param's name is its
/// `start_param`).
fn parse_params(spec: &ResourceSpec) -> Result<ParsedParams> {
    let mut incremental = spec.endpoint.incremental.clone();
    let mut params = Vec::new();
    for (name, value) in &spec.endpoint.params {
        match value.get("type").and_then(Value::as_str) {
            Some("resolve") => {
                let field = |key: &str| {
                    value.get(key).and_then(Value::as_str).ok_or_else(|| {
                        Error::Config(format!(
                            "param `{name}` of type `resolve` needs `resource` and `field`, for \
                             example {{\"type\": \"resolve\", \"resource\": \"issues\", \
                             \"field\": \"number\"}}"
                        ))
                    })
                };
                let resource = field("resource")?.to_owned();
                let field = JsonPath::parse(field("field")?)?;
                params.push((name.clone(), Param::Resolve { resource, field }));
            }
            Some("incremental") => {
                if incremental.is_some() {
                    return Err(Error::Config(format!(
                        "param `{name}` is an incremental cursor but the endpoint already has \
                         one; keep only one"
                    )));
                }
                let mut fields = value.as_object().cloned().unwrap_or_default();
                fields.remove("type");
                let mut inc: IncrementalSpec = serde_json::from_value(Value::Object(fields))
                    .map_err(|e| Error::Config(format!("param `{name}`: {e}")))?;
                inc.start_param.get_or_insert_with(|| name.clone());
                incremental = Some(inc);
            }
            _ => params.push((name.clone(), Param::Value(value.clone()))),
        }
    }
    Ok((params, incremental))
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
    for (name, param) in &inner.params {
        let value = match param {
            Param::Value(Value::String(s)) if s.contains('{') => fill(s, inner, parent, false)?,
            Param::Value(other) => value_to_param(other),
            // A resolved param named in the path went there; others are sent as query params.
            Param::Resolve { .. } if placeholders(&inner.spec.endpoint.path).any(|p| p == name) => {
                continue;
            }
            Param::Resolve { .. } => fill(&format!("{{{name}}}"), inner, parent, false)?,
        };
        set_query_param(&mut url, name, &value);
    }
    Ok(url)
}

/// The page loop of one (parent item of a) resource, as a lazy stream.
fn page_loop(
    inner: Arc<Inner>,
    parent: Option<(&ParentLink, Value)>,
    run: RunShared,
) -> BoxStream<'static, Result<RawPage>> {
    let start = (|| {
        let url = first_url(&inner, parent.as_ref().map(|(l, v)| (*l, v)))?;
        let paginator = match &inner.custom_paginator {
            Some(make) => make(),
            None => from_spec(&inner.paginator)?,
        };
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
                run.endpoint,
                paginator,
                url,
                run.cursor,
                run.permits,
                inner.spec.effective_concurrency(),
                run.tally,
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
                for record in page.records.values_mut(&page.url)? {
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

/// One run of a [`Resource`]: a stream of its records (as [`Resource::items`]) and, once the
/// stream has ended, its [`RunReport`]. From [`Resource::run`].
pub struct Run<T> {
    items: BoxStream<'static, Result<T>>,
    report: ReportSlot,
}

impl<T> Run<T> {
    /// The run's report: `Some` once the stream has ended (its last record was read, or a
    /// request failed), `None` while it is still running or when it was left unfinished.
    pub fn report(&self) -> Option<RunReport> {
        crate::report::lock(&self.report).clone()
    }
}

impl<T> fmt::Debug for Run<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Run")
            .field("report", &self.report())
            .finish_non_exhaustive()
    }
}

impl<T> futures::Stream for Run<T> {
    type Item = Result<T>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<T>>> {
        self.items.poll_next_unpin(cx)
    }
}
