//! [`ResourceSpec`] and [`EndpointSpec`]: one resource, laid out like dlt's resource config.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{IncrementalSpec, PaginatorSpec, ResponseAction};

/// One resource: a name, an endpoint, and what to take from a parent resource.
///
/// The layout is dlt's (`{"name": …, "endpoint": {"path": …, "paginator": …}}`); the
/// `endpoint` may also be just the path string, as in dlt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceSpec {
    /// The resource name (used in errors, logs, state files and child placeholders).
    pub name: String,
    /// What to request and how to read it.
    pub endpoint: EndpointSpec,
    /// Parent fields copied into each child record as `_<parent>_<field>` (dlt's
    /// `include_from_parent`). Only used when the resource has a parent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_from_parent: Vec<String>,
    /// The record's primary key field(s); informational for loaders.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub primary_key: Vec<String>,
    /// Stop after this many pages (per parent item for a child resource).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pages: Option<u64>,
    /// Stop after this many records (per parent item for a child resource).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// How many requests this resource keeps in flight (absent: [`DEFAULT_CONCURRENCY`]).
    ///
    /// Addressable pages (`offset` or `page_number` with a total the first page states: at
    /// `total_path`, in the `total_header`, a `Content-Range` or a `Link: rel="last"`) are
    /// fetched this many at a time after the first page, and yielded in order;
    /// a child resource fetches the children of this many parent records at a time, each
    /// parent's pages in order. Link-following paginators (`json_link`, `header_link`,
    /// `cursor`) cannot know page N+1 before page N arrives, so they always fetch one page
    /// ahead of the consumer, whatever this says. `1` turns read-ahead across pages and
    /// parents off (the one-page pipeline stays). Not a dlt key: dlt pages sequentially.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<usize>,
    /// What a run does when the server stated a total and the records received differ:
    /// fail (the default) or warn in the run report. Not a dlt key.
    #[serde(default, skip_serializing_if = "Completeness::is_default")]
    pub completeness: Completeness,
    /// The largest page body read, in bytes (absent: [`DEFAULT_MAX_PAGE_BYTES`]); a larger
    /// page is an error, so a runaway response cannot exhaust memory. Not a dlt key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_page_bytes: Option<u64>,
    /// dlt's destination hints, as written (`write_disposition`, `columns`, `table_name`,
    /// `max_table_nesting`, `schema_contract`, `table_format`, `file_format`, `references`,
    /// `nested_hints`, `parent_table_name`, `merge_key`): nothing here acts on them (records
    /// are written, not tables); they are carried into the run report, with
    /// [`ResourceSpec::primary_key`], so a loader downstream can.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub loader_hints: serde_json::Map<String, Value>,
    /// dlt's `parallelized`: the resource runs side by side with the other resources of a
    /// source run rather than in turn (the CLI's `run` streams it alongside the others
    /// even to stdout). The library has no run-all call to honour it: each resource is a
    /// stream its caller polls, side by side or in turn, as the caller chooses. Not a
    /// request setting: see [`ResourceSpec::concurrency`] for that.
    #[serde(default, skip_serializing_if = "is_false")]
    pub parallelized: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The default [`ResourceSpec::max_page_bytes`]: 64 MiB.
pub const DEFAULT_MAX_PAGE_BYTES: u64 = 64 * 1024 * 1024;

/// [`ResourceSpec::completeness`]: how a count that disagrees with the server's total is
/// treated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completeness {
    /// The run fails (the runtime's `Error::Incomplete`).
    #[default]
    Error,
    /// The run succeeds; the mismatch is a warning in the runtime's `RunReport` (and logged).
    Warn,
}

impl Completeness {
    fn is_default(&self) -> bool {
        *self == Completeness::Error
    }
}

/// The default [`ResourceSpec::concurrency`]: enough to hide a round trip behind decoding on
/// small machines without hammering an API (most rate limits allow a handful at once).
pub const DEFAULT_CONCURRENCY: usize = 4;

/// The request side of a resource.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EndpointSpec {
    /// Path relative to the client's base URL (or absolute). `{parent.field}` placeholders
    /// are filled from each parent record (nested paths allowed: `{contacts.owner.id}`);
    /// `{name}` placeholders from the source's parameters (the runtime's `Resource::path_param`).
    pub path: String,
    /// HTTP method (default `GET`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Query parameters sent with every page (strings as they are, other values as JSON),
    /// in the order written: dlt sends them in its config dict's order, then what it adds
    /// (incremental `start_param`/`end_param`, then the paginator's params). The map keeps
    /// insertion order (this crate builds `serde_json` with `preserve_order`); equality
    /// ignores the order, as `serde_json::Map`'s does.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub params: serde_json::Map<String, Value>,
    /// Headers sent with every page.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A JSON body sent with every page (for `POST` search endpoints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    /// A form or raw body sent with every page (dlt's `data`): a table is sent form-encoded
    /// (`application/x-www-form-urlencoded`; an array value repeats its key, other values
    /// are sent as text), a string as it is, without a `Content-Type`. Placeholders are
    /// filled in it as in `json`. Not together with `json` (dlt refuses both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// JSON path to the records in each page (`data`, `data.items`, `results[0].rows`, `$`
    /// for the whole body). Absent: found as dlt's `find_records` does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_selector: Option<String>,
    /// How pages follow each other (absent: `auto`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paginator: Option<PaginatorSpec>,
    /// Incremental loading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incremental: Option<IncrementalSpec>,
    /// What to do with responses that match a status and/or a text (dlt's
    /// `response_actions`), tried in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_actions: Vec<ResponseAction>,
}

impl ResourceSpec {
    /// A resource `name` at `path`, GET, auto pagination.
    pub fn new(name: impl Into<String>, path: impl Into<String>) -> Self {
        ResourceSpec {
            name: name.into(),
            endpoint: EndpointSpec {
                path: path.into(),
                ..EndpointSpec::default()
            },
            include_from_parent: Vec::new(),
            primary_key: Vec::new(),
            max_pages: None,
            max_items: None,
            concurrency: None,
            completeness: Completeness::Error,
            max_page_bytes: None,
            loader_hints: serde_json::Map::new(),
            parallelized: false,
        }
    }
    /// Adds a query parameter.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.endpoint.params.insert(name.into(), value.into());
        self
    }
    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.endpoint.headers.insert(name.into(), value.into());
        self
    }
    /// Sets the HTTP method (`GET`, `POST`, …).
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.endpoint.method = Some(method.into());
        self
    }
    /// Sends `body` as JSON with every page.
    pub fn json(mut self, body: Value) -> Self {
        self.endpoint.json = Some(body);
        self
    }
    /// Sends `body` with every page as dlt's `data`: a JSON object form-encoded, a string
    /// as a raw body (see [`EndpointSpec::data`]).
    ///
    /// ```
    /// use rest_source_spec::ResourceSpec;
    ///
    /// let search = ResourceSpec::new("search", "search")
    ///     .method("POST")
    ///     .data(serde_json::json!({"q": "rust", "page_size": 50}));
    /// let from_json: ResourceSpec = serde_json::from_str(
    ///     r#"{"name": "search", "endpoint": {"path": "search", "method": "POST",
    ///         "data": {"q": "rust", "page_size": 50}}}"#,
    /// ).unwrap();
    /// assert_eq!(search, from_json);
    /// ```
    pub fn data(mut self, body: impl Into<Value>) -> Self {
        self.endpoint.data = Some(body.into());
        self
    }
    /// Where the records are in each page.
    pub fn data_selector(mut self, path: impl Into<String>) -> Self {
        self.endpoint.data_selector = Some(path.into());
        self
    }
    /// The paginator.
    pub fn paginator(mut self, paginator: impl Into<PaginatorSpec>) -> Self {
        self.endpoint.paginator = Some(paginator.into());
        self
    }
    /// Incremental loading.
    pub fn incremental(mut self, incremental: IncrementalSpec) -> Self {
        self.endpoint.incremental = Some(incremental);
        self
    }
    /// Adds a response action (tried after the ones added before).
    ///
    /// ```
    /// use rest_source_spec::{ResourceSpec, ResponseAction, ResponseActionKind};
    ///
    /// // A post without comments answers 404: no comments, not a failed run.
    /// let comments = ResourceSpec::new("comments", "posts/{posts.id}/comments")
    ///     .response_action(ResponseAction::status(404, ResponseActionKind::Ignore));
    /// assert_eq!(comments.endpoint.response_actions.len(), 1);
    /// ```
    pub fn response_action(mut self, action: ResponseAction) -> Self {
        self.endpoint.response_actions.push(action);
        self
    }
    /// Copies parent `field` into each record as `_<parent>_<field>`.
    pub fn include_from_parent(mut self, field: impl Into<String>) -> Self {
        self.include_from_parent.push(field.into());
        self
    }
    /// The primary key field.
    pub fn primary_key(mut self, field: impl Into<String>) -> Self {
        self.primary_key.push(field.into());
        self
    }
    /// Stop after `n` pages.
    pub fn max_pages(mut self, n: u64) -> Self {
        self.max_pages = Some(n);
        self
    }
    /// Stop after `n` records.
    pub fn max_items(mut self, n: u64) -> Self {
        self.max_items = Some(n);
        self
    }
    /// How many requests to keep in flight (see [`ResourceSpec::concurrency`]); `0` is
    /// read as `1`.
    ///
    /// ```
    /// use rest_source_spec::{OffsetPaginator, ResourceSpec};
    ///
    /// let events = ResourceSpec::new("events", "events")
    ///     .data_selector("items")
    ///     .paginator(OffsetPaginator::new(100).total_path("total"))
    ///     .concurrency(8);
    /// let from_json: ResourceSpec = serde_json::from_str(
    ///     r#"{"name": "events", "concurrency": 8, "endpoint": {"path": "events",
    ///         "data_selector": "items",
    ///         "paginator": {"type": "offset", "limit": 100, "total_path": "total"}}}"#,
    /// ).unwrap();
    /// assert_eq!(events, from_json);
    /// assert_eq!(ResourceSpec::new("x", "x").effective_concurrency(), 4);
    /// ```
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n);
        self
    }
    /// What a run does when the count disagrees with the server's total.
    pub fn completeness(mut self, completeness: Completeness) -> Self {
        self.completeness = completeness;
        self
    }
    /// The largest page body read, in bytes.
    pub fn max_page_bytes(mut self, bytes: u64) -> Self {
        self.max_page_bytes = Some(bytes);
        self
    }
    /// The effective concurrency: the configured one (at least 1) or [`DEFAULT_CONCURRENCY`].
    pub fn effective_concurrency(&self) -> usize {
        self.concurrency.unwrap_or(DEFAULT_CONCURRENCY).max(1)
    }
    /// The parent resource named by `{parent.field}` placeholders in the path (or dlt's
    /// `{"type": "resolve", "resource": …}` params), if any.
    pub fn parent_name(&self) -> Option<&str> {
        let from_path = crate::placeholders(&self.endpoint.path)
            .filter(|p| p.contains('.'))
            .map(|p| p.strip_prefix("resources.").unwrap_or(p))
            .find_map(|p| p.split('.').next());
        from_path.or_else(|| {
            self.endpoint.params.values().find_map(|v| {
                (v.get("type")?.as_str()? == "resolve")
                    .then(|| v.get("resource")?.as_str())
                    .flatten()
            })
        })
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

// `endpoint = "path"` (dlt's shorthand) or a full table; a hand-written visitor keeps serde's
// precise "unknown field" errors for the table form, which `#[serde(untagged)]` would lose.
impl<'de> Deserialize<'de> for EndpointSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, remote = "EndpointSpec")]
        struct Full {
            path: String,
            #[serde(default)]
            method: Option<String>,
            #[serde(default)]
            params: serde_json::Map<String, Value>,
            #[serde(default)]
            headers: BTreeMap<String, String>,
            #[serde(default)]
            json: Option<Value>,
            #[serde(default)]
            data: Option<Value>,
            #[serde(default)]
            data_selector: Option<String>,
            #[serde(default)]
            paginator: Option<PaginatorSpec>,
            #[serde(default)]
            incremental: Option<IncrementalSpec>,
            #[serde(default)]
            response_actions: Vec<ResponseAction>,
        }

        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EndpointSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "an endpoint path string or a table with `path`, `params`, `paginator`, …",
                )
            }
            fn visit_str<E: de::Error>(self, path: &str) -> Result<EndpointSpec, E> {
                Ok(EndpointSpec {
                    path: path.to_owned(),
                    ..EndpointSpec::default()
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<EndpointSpec, A::Error> {
                Full::deserialize(de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn endpoint_shorthand_and_table() {
        let a: ResourceSpec =
            serde_json::from_value(json!({"name": "users", "endpoint": "users"})).unwrap();
        assert_eq!(a, ResourceSpec::new("users", "users"));
        let b: ResourceSpec = toml::from_str(
            "name = \"notes\"\ninclude_from_parent = [\"id\"]\nprimary_key = \"id\"\n\
             [endpoint]\npath = \"contacts/{contacts.id}/notes\"\nparams = { per_page = 50 }\n\
             paginator = { type = \"header_link\" }\n",
        )
        .unwrap();
        assert_eq!(
            b,
            ResourceSpec::new("notes", "contacts/{contacts.id}/notes")
                .param("per_page", 50)
                .paginator(PaginatorSpec::header_link())
                .include_from_parent("id")
                .primary_key("id")
        );
        assert_eq!(b.parent_name(), Some("contacts"));
    }

    #[test]
    fn unknown_endpoint_keys_are_named() {
        let err = serde_json::from_value::<ResourceSpec>(
            json!({"name": "u", "endpoint": {"path": "u", "data_selecter": "x"}}),
        )
        .unwrap_err();
        assert!(err.to_string().contains("`data_selecter`"), "{err}");
    }
}
