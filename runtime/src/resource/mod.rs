//! [`Resource<T>`]: a spec'd endpoint as a lazy stream of typed records or pages.
//!
//! Nothing is requested until a stream is polled. From then on the page loop runs in its own
//! task one page ahead of the consumer (pipelining: page N+1 is requested and parsed while
//! page N is decoded), addressable pages and child resources are fetched up to the spec's
//! `concurrency` at a time and yielded in order, and only a few pages are held in memory.
//! Records are decoded one by one straight from the response bytes, so a record that does not
//! fit `T` fails alone, with an error that names the page URL (redacted) and keeps that
//! record's JSON.

pub mod incremental;
pub(crate) mod records;
pub mod select;

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
use crate::paginate::pipeline::{ReadAhead, lazy, run_ahead};
use crate::paginate::{
    Body, Endpoint, PageLoop, Paginator, RawPage, append_query_param, from_spec, set_query_param,
};
use crate::partition::pages::{Discard, SharePages};
use crate::partition::{Partition, PartitionReport, Split, SplitBy, parent_key};
use crate::placeholder::{self, IncrementalValue, Reference};
use crate::report::{ReportSlot, RequestStats, RunReport, Tally};
use crate::resource::incremental::{IncrementalCursor, IncrementalState, lock};
use crate::resource::records::{Decode, Decoded, Records, Spare};
use crate::resource::select::{JsonPath, value_to_param};
use crate::spec::{DEFAULT_MAX_PAGE_BYTES, IncrementalSpec, PaginatorSpec, ResourceSpec};

impl From<placeholder::TemplateError> for Error {
    fn from(e: placeholder::TemplateError) -> Error {
        Error::Config(e.0)
    }
}

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
/// # Placeholders
///
/// The path, string query params, header values and every string of the JSON body or of
/// `data` may hold
/// dlt's placeholders (see [`crate::placeholder`]): `{name}` ([`Resource::path_param`]),
/// `{<parent>.<field>}` / `{resources.<parent>.<field>}` ([`Resource::with_parent`]) and
/// `{incremental.start_value}` (also `last_value`, `initial_value`, `end_value`). Values put
/// into the path are percent-encoded, so a parent id of `a/b` or `x y?` stays one segment.
///
/// # Bodies and response actions
///
/// `json` is sent as a JSON body, dlt's `data` as a form (a JSON object) or raw (a string)
/// body; a `*_body_path` paginator writes its position into the JSON body. The endpoint's
/// `response_actions` meet each final response: `ignore` ends that page loop without
/// records or an error (for a child, the other parents' children are still fetched) and
/// is counted in the run report; `retry` sends the request again on the client's retry
/// policy.
///
/// # Incremental runs
///
/// A stream is one run: its start value is fixed when it is created, and the state advances
/// once, when the stream has ended without an error (see `crate::resource::incremental`). A child of
/// an incremental parent is fetched for exactly the parent records of that run's window and
/// keeps its own position in the parent's cursor, saved with its own state.
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
    /// The key that deduplicates records at the incremental window's start (`None`: a hash
    /// of the whole record).
    primary_key: Option<Vec<JsonPath>>,
    custom_paginator: Option<PaginatorFactory>,
    state: Arc<Mutex<IncrementalState>>,
    /// The report of the last run that ended (shared by clones).
    last_report: ReportSlot,
    /// The counters of the last run that started, read while it runs.
    live: crate::report::LiveSlot,
    /// The share of the work a run takes ([`Resource::partition`]); `None`: all of it.
    partition: Option<Partition>,
    /// Whether header values or the JSON body hold placeholders (filled per page loop).
    fill_headers: bool,
    fill_json: bool,
    fill_data: bool,
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
    /// The parent fields the child's templates use, sorted by path: a parent record's key
    /// for a partitioned run.
    key_fields: Vec<(String, JsonPath)>,
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
        // The incremental's own `primary_key` (dlt) wins over the resource's for
        // deduplication at the window's start; `[]` turns it off; with neither, records are
        // told apart by a hash of the whole record (dlt's `primary_key is None`).
        let dedup_key = incremental
            .as_ref()
            .and_then(|(i, _)| i.primary_key.as_ref())
            .or((!spec.primary_key.is_empty()).then_some(&spec.primary_key));
        let primary_key = dedup_key
            .map(|keys| keys.iter().map(|k| JsonPath::parse(k)).collect())
            .transpose()
            .map_err(in_resource)?;
        check_templates(&spec, incremental.as_ref().map(|(i, _)| i)).map_err(in_resource)?;
        let paginator = ep.paginator.clone().unwrap_or_default();
        if ep.data.is_some() && paginator.pages_body() {
            return Err(in_resource(Error::Config(format!(
                "the `{}` paginator pages through the JSON body (a `*_body_path` key), but the \
                 endpoint sends `data`; use `json` for the body, or page with query parameters",
                paginator.type_name()
            ))));
        }
        // Build once now so a bad paginator path fails here, not on the first poll.
        from_spec(&paginator).map_err(in_resource)?;
        // The shared rule, for a resource built by hand (`rest_source_spec::validate`).
        if let Some((message, fix)) = rest_source_spec::validate::two_bodies(ep) {
            return Err(in_resource(Error::Config(format!("{message}: {fix}"))));
        }
        let body = match (&ep.json, &ep.data) {
            (Some(json), _) => Some(Body::json(json.clone()).map_err(in_resource)?),
            (None, Some(data)) => Some(Body::data(data).map_err(in_resource)?),
            (None, None) => None,
        };
        let endpoint = Endpoint {
            client,
            method,
            headers: Endpoint::headers_from(&ep.headers).map_err(in_resource)?,
            body,
            data_selector,
            max_pages: spec.max_pages,
            max_items: spec.max_items,
            resource: spec.name.clone(),
            completeness: spec.completeness,
            max_page_bytes: spec.max_page_bytes.unwrap_or(DEFAULT_MAX_PAGE_BYTES),
            response_actions: ep.response_actions.clone(),
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
                live: Arc::default(),
                partition: None,
                fill_headers: ep.headers.values().any(|v| placeholder::has_braces(v)),
                fill_json: ep.json.as_ref().is_some_and(placeholder::json_has_braces),
                fill_data: ep.data.as_ref().is_some_and(placeholder::json_has_braces),
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

    /// Makes this a child of `parent`: placeholders `{<parent>.<field>}` (in the path,
    /// params, headers or JSON body) are filled from each parent record, and
    /// `include_from_parent` fields are copied into each child record as
    /// `_<parent>_<field>`. Fails if nothing names a field of `parent`.
    ///
    /// The child reads its own copy of `parent`, with its own incremental state: reading
    /// the child never moves `parent`'s cursor, nor the other way round. The copy starts
    /// from `parent`'s state now; [`Resource::with_incremental_state`] on the child restores
    /// the child's saved position ([`IncrementalState::parent`]).
    pub fn with_parent<P>(self, parent: &Resource<P>) -> Result<Self> {
        let name = parent.name().to_owned();
        let spec = &self.inner.spec;
        let is_parent = |n: &str| matches!(placeholder::reference(n), Ok(Reference::Parent { resource, .. }) if resource == name);
        let names_parent = |template: &str| {
            placeholder::names(template).is_ok_and(|names| names.into_iter().any(is_parent))
        };
        let ep = &spec.endpoint;
        let refers = names_parent(&ep.path)
            || ep
                .params
                .values()
                .filter_map(Value::as_str)
                .any(names_parent)
            || ep.headers.values().any(|v| names_parent(v))
            || [&ep.json, &ep.data].into_iter().flatten().any(|j| {
                placeholder::names_in_json(j).is_ok_and(|names| names.into_iter().any(is_parent))
            })
            || self
                .inner
                .params
                .iter()
                .any(|(_, p)| matches!(p, Param::Resolve { resource, .. } if *resource == name));
        if !refers {
            return Err(Error::Config(format!(
                "resource `{}` is given `{name}` as its parent, but neither its path `{}` nor \
                 its params, headers or body have a `{{{name}.<field>}}` placeholder; expected \
                 for example `{{{name}.id}}`",
                spec.name, ep.path
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
        let key_fields = parent_fields(spec, &self.inner.params, &name)?;
        let link = ParentLink {
            name,
            // The parent is read whole in every share of a partitioned child.
            resource: parent
                .typed::<Value>()
                .detached()
                .modify(|i| i.partition = None),
            include,
            key_fields,
        };
        Ok(self.modify(|i| i.parent = Some(link)))
    }

    /// A copy with its own incremental state (starting from the current one), up the whole
    /// parent chain.
    fn detached(&self) -> Self {
        let inner = &self.inner;
        let mut copy = Inner::clone(inner);
        copy.state = Arc::new(Mutex::new(lock(&inner.state).clone()));
        if let Some(link) = &mut copy.parent {
            link.resource = link.resource.detached();
        }
        Resource {
            inner: Arc::new(copy),
            _type: PhantomData,
        }
    }

    /// Restores the incremental state saved by an earlier run (replaces the current one,
    /// for every clone). For a child, [`IncrementalState::parent`] restores its position in
    /// the parent's cursor (absent: the parent chain starts from its initial value).
    pub fn with_incremental_state(self, state: IncrementalState) -> Self {
        self.restore(state);
        self
    }

    /// Runs only share `partition` of this resource's work, for one task of a parallel run
    /// (see [`Partition`]): a child resource the children of its share of the
    /// parent records (by a stable hash of their key), an `offset` or `page_number`
    /// resource its range of pages once the first page tells the total; anything else runs
    /// whole in share 0 and not at all in the others. The `N` shares together yield every
    /// record once. [`RunReport::partition`] says which share ran and how it was split.
    ///
    /// A share of a split child keeps its incremental state under its own key
    /// ([`Resource::state_key`]: `notes#2/4`); restore and save it under that key.
    ///
    /// ```no_run
    /// # async fn demo(notes: rest_source_runtime::Resource<serde_json::Value>) -> rest_source_runtime::Result<()> {
    /// use rest_source_runtime::{Partition, TryStreamExt};
    ///
    /// // Kubernetes indexed Jobs number their pods from 0, as shares are.
    /// let index: u32 = std::env::var("JOB_COMPLETION_INDEX").map_or(Ok(0), |i| i.parse())
    ///     .map_err(|e| rest_source_runtime::Error::Config(format!("JOB_COMPLETION_INDEX: {e}")))?;
    /// let share = notes.partition(Partition::new(index, 4)?);
    /// let mut run = share.run();
    /// while let Some(note) = run.try_next().await? {
    ///     let _ = note;
    /// }
    /// println!("{:?}", run.report().and_then(|r| r.partition));
    /// # Ok(()) }
    /// ```
    pub fn partition(self, partition: Partition) -> Self {
        self.modify(|i| i.partition = Some(partition))
    }

    /// The share this resource runs ([`Resource::partition`]); `None` for all of it.
    pub fn share(&self) -> Option<Partition> {
        self.inner.partition
    }

    /// How this resource's work can be split among the shares of a partitioned run,
    /// decided from its spec: by parents for a child, by pages for `offset` and
    /// `page_number`, else not at all (share 0 runs it whole). See [`Partition`].
    pub fn split_by(&self) -> SplitBy {
        let inner = &self.inner;
        if inner.parent.is_some() {
            return SplitBy::Parents;
        }
        let whole = |reason: &str| SplitBy::Whole(reason.to_owned());
        if inner.incremental.is_some() {
            return whole(
                "it is incremental without a parent: split by pages, the shares would page \
                 through the results of different windows",
            );
        }
        if inner.spec.max_pages.is_some() || inner.spec.max_items.is_some() {
            return whole("`max_pages`/`max_items` cut its pages in order");
        }
        if inner.custom_paginator.is_some() {
            return whole("a custom paginator cannot number its pages in advance");
        }
        if inner.paginator.pages_body() {
            return whole("its paginator pages through the JSON body");
        }
        match &inner.paginator {
            PaginatorSpec::Offset(_) | PaginatorSpec::PageNumber(_) => SplitBy::Pages,
            PaginatorSpec::SinglePage => whole("it is a single page"),
            other => SplitBy::Whole(format!(
                "`{}` pages are found one after another, so they cannot be numbered in advance",
                other.type_name()
            )),
        }
    }

    /// The key this resource's incremental state is saved and restored under: its name,
    /// or — for a share of a child split by parents — `<name>#<index>/<count>`
    /// ([`Partition::state_key`]), since each share sees its own parents.
    pub fn state_key(&self) -> String {
        match self.inner.partition {
            Some(p) if self.inner.parent.is_some() => p.state_key(self.name()),
            _ => self.name().to_owned(),
        }
    }

    fn restore(&self, mut state: IncrementalState) {
        let parent = state.parent.take();
        *lock(&self.inner.state) = state;
        if let Some(link) = &self.inner.parent {
            link.resource
                .restore(parent.map(|p| *p).unwrap_or_default());
        }
    }

    /// The incremental state now: after a completed run, the value to save for the next.
    /// `None` when neither the resource nor a parent up its chain is incremental.
    pub fn incremental_state(&self) -> Option<IncrementalState> {
        let parent = self
            .inner
            .parent
            .as_ref()
            .and_then(|link| link.resource.incremental_state());
        if self.inner.incremental.is_none() && parent.is_none() {
            return None;
        }
        let mut state = lock(&self.inner.state).clone();
        state.parent = parent.map(Box::new);
        Some(state)
    }

    /// The report of the last run of this resource (or a clone) that ended: its stream was
    /// read to the end or stopped at a failed request. `None` before any run ended. See
    /// `crate::report`.
    pub fn last_report(&self) -> Option<RunReport> {
        crate::report::lock(&self.inner.last_report).clone()
    }

    /// The requests, retries and token fetches of this resource's latest run (the one in
    /// progress, or the last one), counted as they happen: for a progress display that shows
    /// retries while a resource runs. `None` before any run started. A run starts when its
    /// stream is made ([`Resource::pages`], `items`, `run`), so read this after making it.
    ///
    /// ```no_run
    /// # async fn demo(events: rest_source_runtime::Resource<serde_json::Value>) -> rest_source_runtime::Result<()> {
    /// use rest_source_runtime::TryStreamExt;
    ///
    /// let mut pages = events.pages();
    /// let live = events.live_counters().expect("the run has started");
    /// while let Some(page) = pages.try_next().await? {
    ///     eprintln!("{} records, {} retries so far", page.len(), live.retries());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn live_counters(&self) -> Option<crate::report::RunCounters> {
        crate::report::lock(&self.inner.live).clone()
    }

    /// Raw pages of one run, with its report filled in when the stream ends, and the run's
    /// cursors: the caller commits them when its stream has ended without an error
    /// ([`commit_at_end`]). Lazy.
    fn reported_pages(
        &self,
        slot: Option<ReportSlot>,
        decode: Decode,
        spare: Spare<T>,
    ) -> (
        BoxStream<'static, Result<RawPage<T>>>,
        Vec<Arc<IncrementalCursor>>,
    )
    where
        T: DeserializeOwned + Send + 'static,
    {
        let inner = self.inner.clone();
        let stats = Arc::new(RequestStats::default());
        *crate::report::lock(&inner.live) = Some(crate::report::RunCounters::new(stats.clone()));
        let tally = Arc::new(Mutex::new(
            Tally::new(
                &inner.spec.name,
                inner.spec.endpoint.data_selector.as_deref(),
            )
            .with_loader_hints(&inner.spec),
        ));
        // Records are decoded in one pass only when nothing edits them before the consumer
        // (incremental filtering, `include_from_parent`).
        let unedited = inner.incremental.is_none()
            && inner.parent.as_ref().is_none_or(|p| p.include.is_empty());
        let decode = if unedited { decode } else { Decode::Values };
        let endpoint = Arc::new(Endpoint {
            client: inner.endpoint.client.with_stats(stats.clone()),
            ..(*inner.endpoint).clone()
        });
        let mut cursors = Vec::new();
        let split = inner.partition.map(|p| (p, self.split_by()));
        let skipped = match &split {
            Some((p, how)) => {
                let split = match how {
                    SplitBy::Parents => Some(Split::Parents {
                        parents_kept: 0,
                        parents_seen: 0,
                    }),
                    // Decided by the first page.
                    SplitBy::Pages => None,
                    SplitBy::Whole(reason) if p.index() == 0 => Some(Split::Whole {
                        reason: reason.clone(),
                    }),
                    SplitBy::Whole(reason) => Some(Split::Skipped {
                        reason: reason.clone(),
                    }),
                };
                let skipped = split.as_ref().is_some_and(Split::is_skipped);
                if let Some(split) = split {
                    crate::report::lock(&tally).partition(PartitionReport::new(*p, split));
                }
                skipped
            }
            None => false,
        };
        let pages_share = split.and_then(|(p, how)| (how == SplitBy::Pages).then_some(p));
        // Another share runs this resource whole: no request here.
        let pages = if skipped {
            stream::empty().boxed()
        } else {
            self.run_pages(
                endpoint,
                (decode, spare),
                tally.clone(),
                pages_share,
                &mut cursors,
            )
        };
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
        let pages = stream::poll_fn(move |cx| {
            let item = std::task::ready!(pages.poll_next_unpin(cx));
            if matches!(item, None | Some(Err(_)))
                && let Some(done) = done.take()
            {
                done();
            }
            std::task::Poll::Ready(item)
        })
        .boxed();
        (pages, cursors)
    }

    /// Raw pages: records as JSON values, parent fields attached. Lazy. The cursors of the
    /// run (this resource's and its parent chain's) are added to `cursors`, to be committed
    /// once the whole run has completed: a parent's cursor must not move while its last
    /// records' children are still being fetched.
    fn run_pages(
        &self,
        endpoint: Arc<Endpoint>,
        (decode, spare): (Decode, Spare<T>),
        tally: Arc<Mutex<Tally>>,
        pages_share: Option<Partition>,
        cursors: &mut Vec<Arc<IncrementalCursor>>,
    ) -> BoxStream<'static, Result<RawPage<T>>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let inner = self.inner.clone();
        let cursor = inner.incremental.as_ref().map(|(spec, path)| {
            Arc::new(IncrementalCursor::start(
                spec,
                path.clone(),
                inner.primary_key.clone(),
                inner.state.clone(),
                &inner.spec.name,
                inner.parent.is_some(),
            ))
        });
        cursors.extend(cursor.clone());
        let concurrency = inner.spec.effective_concurrency();
        // One budget of requests in flight per run, shared by the loops of every parent item.
        let permits = Arc::new(Semaphore::new(concurrency));
        let run = RunShared {
            endpoint,
            decode,
            cursor,
            permits,
            tally,
            pages_share,
        };
        match inner.parent.clone() {
            None => lazy(move || run_ahead(page_loop(inner, None, run, spare), 1)),
            Some(parent) => {
                // The parent's pages within this run; their report is not the parent's run.
                let parent_tally = Arc::new(Mutex::new(Tally::default()));
                let parents = parent
                    .resource
                    .run_pages(
                        parent.resource.inner.endpoint.clone(),
                        (Decode::Values, Spare::default()),
                        parent_tally,
                        None,
                        cursors,
                    )
                    .and_then(|page| async move { page.records.into_values(&page.url) })
                    .map_ok(|records| stream::iter(records.into_iter().map(Ok::<Value, Error>)))
                    .try_flatten();
                // A partitioned child: the children of this share's parent records only.
                let share = inner.partition;
                let (fields, counted) = (parent.key_fields.clone(), run.tally.clone());
                let parents = parents.try_filter(move |item| {
                    let keep = share.is_none_or(|p| p.owns_key(&parent_key(&fields, item)));
                    if share.is_some() {
                        crate::report::lock(&counted).parent_read(keep);
                    }
                    std::future::ready(keep)
                });
                lazy(move || {
                    let children = parents
                        .map_ok(move |item: Value| {
                            let pages = page_loop(
                                inner.clone(),
                                Some((&parent, item)),
                                run.clone(),
                                spare.clone(),
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

#[cfg(test)]
thread_local! {
    /// Set by the tests that compare the one-pass decoder with the two-pass path
    /// (`records::seed::tests`): runs started on this thread then decode in two passes.
    pub(crate) static TWO_PASS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// What the page loops of one run share.
#[derive(Clone)]
struct RunShared {
    endpoint: Arc<Endpoint>,
    /// Where records are decoded into the stream's type.
    decode: Decode,
    cursor: Option<Arc<IncrementalCursor>>,
    permits: Arc<Semaphore>,
    tally: Arc<Mutex<Tally>>,
    /// The share whose range of pages this run requests (a resource split by pages).
    pages_share: Option<Partition>,
}

impl<T: DeserializeOwned + Send + 'static> Resource<T> {
    /// A lazy stream of pages. Nothing is requested until it is polled; from then on the
    /// next page is requested while the consumer handles the current one (see
    /// [`ResourceSpec::concurrency`] for how far ahead), so a few pages are in memory at once,
    /// however many there are.
    pub fn pages(&self) -> BoxStream<'static, Result<Page<T>>> {
        let (raw, cursors) =
            self.reported_pages(None, self.decode(Decode::InLoop), Spare::default());
        commit_at_end(raw.and_then(|raw| async move { decode_page(raw) }), cursors)
    }

    /// A lazy stream of every record of every page. Records are decoded as they are
    /// yielded; a record that does not decode is an `Err` item of its own and the stream
    /// goes on (skip such items or stop at the first, as the caller prefers). A failed
    /// request ends the stream. After any `Err` item the incremental state stays where it
    /// was, so the next run reads the window again.
    pub fn items(&self) -> BoxStream<'static, Result<T>> {
        self.items_reporting(None)
    }

    fn items_reporting(&self, slot: Option<ReportSlot>) -> BoxStream<'static, Result<T>> {
        // The consumer hands each page's emptied `Vec` back for a later page's records.
        let spare = Spare::default();
        let (raw, cursors) =
            self.reported_pages(slot, self.decode(Decode::ByConsumer), spare.clone());
        let items = Items {
            pages: raw,
            page: None,
            spare,
        };
        commit_at_end(items, cursors)
    }

    /// `decode`, where this resource's runs decode records into `T` without editing them
    /// ([`crate::resource::records::seed`], [`crate::resource::records::scan`]); not in the
    /// tests that compare those with the two-pass path.
    fn decode(&self, decode: Decode) -> Decode {
        #[cfg(test)]
        if TWO_PASS.get() {
            return Decode::Values;
        }
        decode
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

/// The records of a stream of pages, each page's decoded as they are read
/// ([`Records::decode`]); an `Err` page is an `Err` item, and the stream goes on as the pages
/// do. (`try_flatten` over `stream::iter` does the same with two more layers of polling and
/// a move of every record through each.)
struct Items<T> {
    pages: BoxStream<'static, Result<RawPage<T>>>,
    page: Option<Decoded<T>>,
    spare: Spare<T>,
}

// Nothing of `Items` is ever pinned in place: records are moved out by value.
impl<T> Unpin for Items<T> {}

impl<T: DeserializeOwned> futures::Stream for Items<T> {
    type Item = Result<T>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<T>>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.page.as_mut().and_then(Iterator::next) {
                return std::task::Poll::Ready(Some(item));
            }
            this.page = None;
            match std::task::ready!(this.pages.poll_next_unpin(cx)) {
                Some(Ok(raw)) => {
                    this.page = Some(raw.records.decode(&raw.url, raw.number, Some(&this.spare)));
                }
                Some(Err(e)) => return std::task::Poll::Ready(Some(Err(e))),
                None => return std::task::Poll::Ready(None),
            }
        }
    }
}

/// Passes `items` through; when the stream has ended and no item was an error, the run's
/// cursors advance their states (once). A stream dropped early commits nothing.
fn commit_at_end<X: Send + 'static>(
    items: impl futures::Stream<Item = Result<X>> + Send + 'static,
    cursors: Vec<Arc<IncrementalCursor>>,
) -> BoxStream<'static, Result<X>> {
    if cursors.is_empty() {
        return items.boxed();
    }
    stream::unfold(
        (items.boxed(), Some(cursors)),
        |(mut items, mut cursors)| async move {
            match items.next().await {
                Some(item) => {
                    if item.is_err() {
                        cursors = None;
                    }
                    Some((item, (items, cursors)))
                }
                None => {
                    for cursor in cursors.iter().flatten() {
                        cursor.commit();
                    }
                    None
                }
            }
        },
    )
    .boxed()
}

/// The value a placeholder stands for, for one parent item (if any) of one run.
fn value_of(
    inner: &Inner,
    parent: Option<(&ParentLink, &Value)>,
    cursor: Option<&IncrementalCursor>,
    template: &str,
    name: &str,
) -> Result<Value> {
    let unfilled = |what: String| {
        Error::Config(format!(
            "resource `{}`: placeholder `{{{name}}}` in `{template}` is not filled: {what}",
            inner.spec.name
        ))
    };
    match placeholder::reference(name)? {
        Reference::Param(param) => {
            if let Some(v) = inner.path_params.get(param) {
                return Ok(Value::String(v.clone()));
            }
            let resolve = inner.params.iter().find_map(|(n, p)| match p {
                Param::Resolve { resource, field } if n == param => Some((resource, field)),
                _ => None,
            });
            match (parent, resolve) {
                (Some((link, item)), Some((resource, field))) if *resource == link.name => {
                    parent_value(inner, link, item, name, field)
                }
                _ => Err(unfilled(
                    "expected a source parameter (`Resource::path_param`) or a parent field \
                     `{<parent>.<field>}`"
                        .into(),
                )),
            }
        }
        Reference::Parent { resource, field } => match parent {
            Some((link, item)) if link.name == resource => {
                parent_value(inner, link, item, name, &JsonPath::parse(field)?)
            }
            _ => Err(unfilled(format!(
                "`{resource}` is not this resource's parent (`Resource::with_parent`)"
            ))),
        },
        Reference::Incremental(which) => {
            let Some(cursor) = cursor else {
                return Err(unfilled("the resource has no `incremental` cursor".into()));
            };
            let value = match which {
                IncrementalValue::Start | IncrementalValue::Last => cursor.start_value(),
                IncrementalValue::Initial => cursor.initial_value(),
                IncrementalValue::End => cursor.end_value(),
            };
            value.cloned().ok_or_else(|| {
                unfilled(match which {
                    IncrementalValue::End => "the incremental cursor has no `end_value`".into(),
                    _ => "no state was restored and the incremental cursor has no \
                          `initial_value`; set one"
                        .into(),
                })
            })
        }
    }
}

/// The value of `field` in a parent record.
fn parent_value(
    inner: &Inner,
    link: &ParentLink,
    item: &Value,
    placeholder: &str,
    field: &JsonPath,
) -> Result<Value> {
    match field.get(item) {
        Some(v) if !v.is_null() => Ok(v.clone()),
        _ => {
            let available: Vec<String> = item
                .as_object()
                .map(|m| m.keys().map(|k| format!("`{k}`")).collect())
                .unwrap_or_default();
            Err(Error::Config(format!(
                "resource `{}`: `{{{placeholder}}}` has no value: a `{}` record has no `{field}` \
                 field (or it is null); its fields are {}",
                inner.spec.name,
                link.name,
                if available.is_empty() {
                    "none".to_owned()
                } else {
                    available.join(", ")
                }
            )))
        }
    }
}

/// The fields of `parent` that the spec's templates and `resolve` params use, sorted by
/// path without repeats: what identifies a parent record to the child.
fn parent_fields(
    spec: &ResourceSpec,
    params: &[(String, Param)],
    parent: &str,
) -> Result<Vec<(String, JsonPath)>> {
    let ep = &spec.endpoint;
    let mut names: Vec<&str> = placeholder::names(&ep.path)?;
    for value in ep.params.values().filter_map(Value::as_str) {
        names.extend(placeholder::names(value)?);
    }
    for value in ep.headers.values() {
        names.extend(placeholder::names(value)?);
    }
    for body in [&ep.json, &ep.data].into_iter().flatten() {
        names.extend(placeholder::names_in_json(body)?);
    }
    let mut fields = std::collections::BTreeMap::new();
    for name in names {
        if let Reference::Parent { resource, field } = placeholder::reference(name)?
            && resource == parent
        {
            fields.insert(field.to_owned(), JsonPath::parse(field)?);
        }
    }
    for (_, param) in params {
        if let Param::Resolve { resource, field } = param
            && resource == parent
        {
            fields.insert(field.to_string(), field.clone());
        }
    }
    Ok(fields.into_iter().collect())
}

/// Checks every template of the spec once, when the resource is built: braces are
/// balanced, each placeholder names something a resource can have, and
/// `{incremental.*}` placeholders have a cursor (and the value) to be filled from.
fn check_templates(spec: &ResourceSpec, incremental: Option<&IncrementalSpec>) -> Result<()> {
    let ep = &spec.endpoint;
    let mut names: Vec<&str> = placeholder::names(&ep.path)?;
    for value in ep.params.values().filter_map(Value::as_str) {
        names.extend(placeholder::names(value)?);
    }
    for value in ep.headers.values() {
        names.extend(placeholder::names(value)?);
    }
    for body in [&ep.json, &ep.data].into_iter().flatten() {
        names.extend(placeholder::names_in_json(body)?);
    }
    for name in names {
        if let Reference::Incremental(which) = placeholder::reference(name)? {
            let Some(inc) = incremental else {
                return Err(Error::Config(format!(
                    "`{{{name}}}` names the incremental cursor, but the resource has none; \
                     add `incremental` with a `cursor_path`"
                )));
            };
            if which == IncrementalValue::End && inc.end_value.is_none() {
                return Err(Error::Config(format!(
                    "`{{{name}}}` names the incremental `end_value`, but none is set"
                )));
            }
            if which == IncrementalValue::Initial && inc.initial_value.is_none() {
                return Err(Error::Config(format!(
                    "`{{{name}}}` names the incremental `initial_value`, but none is set"
                )));
            }
        }
    }
    Ok(())
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
                // The start value goes in this param's place (see `first_url`).
                params.push((name.clone(), Param::Value(Value::Null)));
            }
            _ => params.push((name.clone(), Param::Value(value.clone()))),
        }
    }
    Ok((params, incremental))
}

/// The first URL of the resource (for one parent item, if any).
fn first_url(
    inner: &Inner,
    parent: Option<(&ParentLink, &Value)>,
    cursor: Option<&IncrementalCursor>,
) -> Result<Url> {
    let fill = |template: &str, path_segment: bool| {
        placeholder::fill_str(template, path_segment, |name| {
            value_of(inner, parent, cursor, template, name)
        })
    };
    let path = fill(&inner.spec.endpoint.path, true)?;
    let in_path: Vec<&str> = placeholder::names(&inner.spec.endpoint.path)?;
    let mut url = inner.endpoint.client.url(&path)?;
    for (name, param) in &inner.params {
        // dlt assigns `params[start_param]` (and `end_param`) over the config's dict: the
        // key keeps its place, the value is the cursor's (`None`: left out, as `requests`
        // leaves out `None`). Params the config does not have go last (`PageLoop::new`).
        if let Some(assigned) = cursor.and_then(|c| c.assigns(name)) {
            if let Some(value) = assigned {
                set_query_param(&mut url, name, &value);
            }
            continue;
        }
        let value = match param {
            // `requests` leaves out a `None` value (also the place an incremental param
            // holds for its start value).
            Param::Value(Value::Null) => continue,
            // As `requests` sends a list: the key repeated, once per item (`ids=1&ids=2`).
            Param::Value(Value::Array(items)) => {
                for (n, item) in items.iter().enumerate() {
                    let item = match item {
                        Value::String(s) if placeholder::has_braces(s) => fill(s, false)?,
                        other => value_to_param(other),
                    };
                    if n == 0 {
                        set_query_param(&mut url, name, &item);
                    } else {
                        append_query_param(&mut url, name, &item);
                    }
                }
                continue;
            }
            Param::Value(Value::String(s)) if placeholder::has_braces(s) => fill(s, false)?,
            Param::Value(other) => value_to_param(other),
            // A resolved param named in the path went there; others are sent as query params.
            Param::Resolve { .. } if in_path.contains(&name.as_str()) => continue,
            Param::Resolve { .. } => fill(&format!("{{{name}}}"), false)?,
        };
        set_query_param(&mut url, name, &value);
    }
    Ok(url)
}

/// The endpoint of one page loop: the shared one, or — when headers or the body (`json`,
/// `data`) hold placeholders — a copy with them filled for this parent item and run.
fn endpoint_for(
    inner: &Inner,
    base: &Arc<Endpoint>,
    parent: Option<(&ParentLink, &Value)>,
    cursor: Option<&IncrementalCursor>,
) -> Result<Arc<Endpoint>> {
    if !inner.fill_headers && !inner.fill_json && !inner.fill_data {
        return Ok(base.clone());
    }
    let ep = &inner.spec.endpoint;
    let mut endpoint = Endpoint::clone(base);
    if inner.fill_headers {
        let mut headers = BTreeMap::new();
        for (name, template) in &ep.headers {
            let value = placeholder::fill_str(template, false, |n| {
                value_of(inner, parent, cursor, template, n)
            })?;
            headers.insert(name.clone(), value);
        }
        endpoint.headers = Endpoint::headers_from(&headers)?;
    }
    if inner.fill_json
        && let Some(json) = &ep.json
    {
        let template = json.to_string();
        let filled = placeholder::fill_json(json, &mut |n: &str| {
            value_of(inner, parent, cursor, &template, n)
        })?;
        endpoint.body = Some(Body::json(filled).map_err(|e| match e {
            Error::Config(m) => Error::Config(format!("resource `{}`: {m}", inner.spec.name)),
            other => other,
        })?);
    }
    if inner.fill_data
        && let Some(data) = &ep.data
    {
        let template = data.to_string();
        let mut value_of = |n: &str| value_of(inner, parent, cursor, &template, n);
        let filled = match data {
            // A raw body is text: a placeholder goes in as its text, whatever its type.
            Value::String(s) => Value::String(placeholder::fill_str(s, false, &mut value_of)?),
            form => placeholder::fill_json(form, &mut value_of)?,
        };
        endpoint.body = Some(Body::data(&filled)?);
    }
    Ok(Arc::new(endpoint))
}

/// The page loop of one (parent item of a) resource, as a lazy stream.
fn page_loop<T: DeserializeOwned + Send + 'static>(
    inner: Arc<Inner>,
    parent: Option<(&ParentLink, Value)>,
    run: RunShared,
    spare: Spare<T>,
) -> BoxStream<'static, Result<RawPage<T>>> {
    let start = (|| {
        let parent_item = parent.as_ref().map(|(l, v)| (*l, v));
        let url = first_url(&inner, parent_item, run.cursor.as_deref())?;
        let endpoint = endpoint_for(&inner, &run.endpoint, parent_item, run.cursor.as_deref())?;
        let paginator = match &inner.custom_paginator {
            Some(make) => make(),
            None => from_spec(&inner.paginator)?,
        };
        // A share of a resource split by pages requests its own range of them.
        let (paginator, discard) = match run.pages_share {
            Some(share) if parent.is_none() => {
                let discard = Discard::default();
                let pages: Box<dyn Paginator> = Box::new(SharePages::new(
                    paginator,
                    share,
                    matches!(inner.paginator, PaginatorSpec::Offset(_)),
                    inner.spec.completeness,
                    &inner.spec.name,
                    run.tally.clone(),
                    discard.clone(),
                ));
                (pages, Some(discard))
            }
            _ => (paginator, None),
        };
        let include: Vec<(String, Value)> = match &parent {
            Some((link, item)) => link
                .include
                .iter()
                .filter_map(|(key, path)| path.get(item).map(|v| (key.clone(), v.clone())))
                .collect(),
            None => Vec::new(),
        };
        let page_loop = PageLoop::new(
            endpoint,
            run.decode,
            spare,
            paginator,
            url,
            run.cursor,
            run.permits,
            inner.spec.effective_concurrency(),
            run.tally,
        );
        Ok((
            match discard {
                Some(discard) => page_loop.discarding(discard),
                None => page_loop,
            },
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
            let Some(mut page) = Box::pin(l.next_page()).await? else {
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

fn decode_page<T: DeserializeOwned + Send + 'static>(raw: RawPage<T>) -> Result<Page<T>> {
    let items = match raw.records {
        // Decoded in the one pass: the `Vec` is the page's, as it is.
        Records::Typed(items) => items,
        records => records
            .decode(&raw.url, raw.number, None)
            .collect::<Result<Vec<T>>>()?,
    };
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
