//! One resource: its keys, its endpoint (path, method, params with dlt's `incremental` and
//! `resolve` types, headers, body, selector, paginator, incremental, auth) into a
//! [`ResourceSpec`] draft; placeholders are linked later, when every resource is known.

use std::collections::BTreeMap;

use serde_json::Value;

use super::link::Resolve;
use super::{Draft, Validator, join};
use crate::config::ResourceConfig;
use crate::config::suggest;
use crate::config::tree::{Node, NodeValue};
use crate::placeholder::IncrementalValue;
use crate::spec::{
    Completeness, EndpointSpec, IncrementalRange, IncrementalSpec, LastValueFunc, MaybeSecret,
    OnCursorValueMissing, PaginatorSpec, ResourceSpec, ResponseAction, ResponseActionKind,
    RowOrder, SecretRef,
};

const RESOURCE_KEYS: &[&str] = &[
    "name",
    "endpoint",
    "primary_key",
    "include_from_parent",
    "max_pages",
    "max_items",
    "concurrency",
    "completeness",
    "max_page_bytes",
    "selected",
    "parallelized",
];
/// dlt resource keys that describe the load destination (tables, merge behaviour). Accepted so
/// a dlt config loads unchanged; rest-source writes records, not tables, so they change no
/// request: they are carried as [`ResourceSpec::loader_hints`] into the run report.
const DLT_LOADER_KEYS: &[&str] = &[
    "write_disposition",
    "table_name",
    "merge_key",
    "columns",
    "max_table_nesting",
    "table_format",
    "file_format",
    "schema_contract",
    "references",
    "nested_hints",
    "parent_table_name",
];
const ENDPOINT_KEYS: &[&str] = &[
    "path",
    "method",
    "params",
    "headers",
    "json",
    "data",
    "data_selector",
    "paginator",
    "incremental",
    "auth",
    "response_actions",
];
const INCREMENTAL_KEYS: &[&str] = &[
    "cursor_path",
    "start_param",
    "end_param",
    "initial_value",
    "end_value",
    "range_start",
    "range_end",
    "lag",
    "on_cursor_value_missing",
    "row_order",
    "last_value_func",
    "primary_key",
    "allow_external_schedulers",
];

impl Validator<'_> {
    pub(super) fn incremental(&mut self, node: &Node, path: &str) -> Option<IncrementalSpec> {
        self.table(node, path, INCREMENTAL_KEYS, "`incremental`")?;
        let cursor_path = self
            .required(node, path, "cursor_path", "`incremental`")
            .and_then(|n| self.string(n, &join(path, "cursor_path")));
        let start_param = self.opt_string(node, path, "start_param");
        let end_param = self.opt_string(node, path, "end_param");
        let mut spec = IncrementalSpec::new(cursor_path?);
        spec.start_param = start_param;
        spec.end_param = end_param;
        spec.initial_value = node.get("initial_value").map(Node::to_json);
        spec.end_value = node.get("end_value").map(Node::to_json);
        self.incremental_options(node, path, &mut spec);
        Some(spec)
    }

    /// dlt's incremental options beyond the cursor and its bounds.
    fn incremental_options(&mut self, node: &Node, path: &str, spec: &mut IncrementalSpec) {
        let ranges = &["closed", "open"];
        let range = |r: &str| match r {
            "open" => IncrementalRange::Open,
            _ => IncrementalRange::Closed,
        };
        if let Some(n) = node.get("range_start") {
            let at = join(path, "range_start");
            if let Some(r) = self.choice(n, &at, "range", ranges) {
                spec.range_start = range(r);
            }
        }
        if let Some(n) = node.get("range_end") {
            let at = join(path, "range_end");
            if let Some(r) = self.choice(n, &at, "range", ranges) {
                spec.range_end = range(r);
            }
        }
        if let Some(n) = node.get("lag") {
            match n.value {
                NodeValue::Int(i) => spec.lag = Some(i as f64),
                NodeValue::Float(f) if f.is_finite() => spec.lag = Some(f),
                _ => self.expected(
                    n,
                    &join(path, "lag"),
                    "a number (seconds for timestamps, days for dates)",
                ),
            }
        }
        if let Some(n) = node.get("on_cursor_value_missing") {
            let at = join(path, "on_cursor_value_missing");
            spec.on_cursor_value_missing = match self.choice(
                n,
                &at,
                "on_cursor_value_missing",
                &["raise", "include", "exclude"],
            ) {
                Some("include") => OnCursorValueMissing::Include,
                Some("exclude") => OnCursorValueMissing::Exclude,
                _ => OnCursorValueMissing::Raise,
            };
        }
        if let Some(n) = node.get("row_order") {
            let at = join(path, "row_order");
            spec.row_order = match self.choice(n, &at, "row_order", &["asc", "desc"]) {
                Some("asc") => Some(RowOrder::Asc),
                Some(_) => Some(RowOrder::Desc),
                None => None,
            };
        }
        if let Some(n) = node.get("last_value_func") {
            let at = join(path, "last_value_func");
            // dlt takes a Python callable; a config can name `max` or `min`.
            if let Some(f) = self.choice(n, &at, "last_value_func", &["max", "min"]) {
                spec.last_value_func = if f == "min" {
                    LastValueFunc::Min
                } else {
                    LastValueFunc::Max
                };
            }
        }
        if let Some(n) = node.get("primary_key") {
            spec.primary_key = self.strings(n, &join(path, "primary_key"));
        }
        if let Some(n) = node.get("allow_external_schedulers") {
            // Only Airflow's schedulers use it in dlt; accepted, nothing to do here.
            self.boolean(n, &join(path, "allow_external_schedulers"));
        }
    }

    /// Fills `{name}` placeholders of `path` from the endpoint's own `params` (dlt binds
    /// these before anything else and pops them from the query); a `resolve` param stays a
    /// placeholder (linked later), an `incremental` one cannot go in a path (dlt's rule).
    fn bind_path_params(
        &mut self,
        path: &str,
        params: &mut serde_json::Map<String, Value>,
        ep: &Node,
        ep_path: &str,
        path_span: Option<&std::ops::Range<usize>>,
    ) -> String {
        let Ok(pieces) = crate::placeholder::parse(path) else {
            return path.to_owned(); // reported where the path's template is checked
        };
        let written = ep.get("params");
        let mut out = String::new();
        for piece in pieces {
            match piece {
                crate::placeholder::Piece::Text(text) => {
                    out.push_str(&text.replace('{', "{{").replace('}', "}}"))
                }
                crate::placeholder::Piece::Placeholder(name) => {
                    let node = written.and_then(|w| w.get(name));
                    match node.map(|n| &n.value) {
                        // dlt binds `str(value)` whatever the scalar, `None` included
                        // (`_bind_path_params`: `path.format(...)` of the popped value).
                        Some(
                            NodeValue::Str(_)
                            | NodeValue::Int(_)
                            | NodeValue::Float(_)
                            | NodeValue::Bool(_)
                            | NodeValue::Null,
                        ) => {
                            let node = node.expect("matched above");
                            params.shift_remove(name);
                            out.push_str(&python_str(node));
                        }
                        Some(NodeValue::Table(_))
                            if node.and_then(|n| n.get("type")).and_then(Node::as_str)
                                == Some("incremental") =>
                        {
                            self.problem(
                                path_span,
                                &join(ep_path, "path"),
                                format!(
                                    "the path binds param `{name}`, an `incremental` param; a \
                                     path can only bind plain and `resolve` params"
                                ),
                                Some(
                                    "write `{incremental.start_value}` in the path instead".into(),
                                ),
                            );
                            out.push('{');
                            out.push_str(name);
                            out.push('}');
                        }
                        _ => {
                            out.push('{');
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                }
            }
        }
        out
    }

    pub(super) fn resource(
        &mut self,
        node: &Node,
        path: &str,
        fallback_paginator: Option<PaginatorSpec>,
    ) -> Option<Draft> {
        let allowed: Vec<&str> = RESOURCE_KEYS
            .iter()
            .chain(DLT_LOADER_KEYS)
            .copied()
            .collect();
        self.table(node, path, &allowed, "a resource")?;
        let name = self
            .required(node, path, "name", "a resource")
            .and_then(|n| self.string(n, &join(path, "name")));
        let primary_key = node
            .get("primary_key")
            .and_then(|n| self.strings(n, &join(path, "primary_key")));
        let include_from_parent = node
            .get("include_from_parent")
            .and_then(|n| self.strings(n, &join(path, "include_from_parent")));
        let max_pages = node
            .get("max_pages")
            .and_then(|n| self.uint(n, &join(path, "max_pages")));
        let max_items = node
            .get("max_items")
            .and_then(|n| self.uint(n, &join(path, "max_items")));
        let concurrency = node
            .get("concurrency")
            .and_then(|n| self.uint(n, &join(path, "concurrency")))
            .map(|c| c as usize);
        let completeness = node.get("completeness").and_then(|n| {
            let at = join(path, "completeness");
            match self.string(n, &at)?.as_str() {
                "error" => Some(Completeness::Error),
                "warn" => Some(Completeness::Warn),
                other => {
                    let help = suggest::help(other, &["error", "warn"]);
                    self.problem(
                        n.span.as_ref(),
                        &at,
                        format!("unknown completeness `{other}`"),
                        Some(help),
                    );
                    None
                }
            }
        });
        let max_page_bytes = node
            .get("max_page_bytes")
            .and_then(|n| self.uint(n, &join(path, "max_page_bytes")));
        let selected = node
            .get("selected")
            .and_then(|n| self.boolean(n, &join(path, "selected")))
            .unwrap_or(true);
        let parallelized = node
            .get("parallelized")
            .and_then(|n| self.boolean(n, &join(path, "parallelized")))
            .unwrap_or(false);
        // Destination hints as written (`primary_key` is in the spec already: the run report
        // adds it).
        let mut loader_hints = serde_json::Map::new();
        for key in DLT_LOADER_KEYS {
            if let Some(value) = node.get(key) {
                loader_hints.insert((*key).to_owned(), value.to_json());
            }
        }

        let ep_path = join(path, "endpoint");
        let endpoint = node.get("endpoint");
        if let Some(ep) = endpoint {
            self.table(ep, &ep_path, ENDPOINT_KEYS, "an endpoint");
        }
        let empty = Node::new(NodeValue::Table(Vec::new()), node.span.clone());
        let ep = endpoint.unwrap_or(&empty);
        // `{incremental.lag}` and the other settings of the incremental: known now
        let filled;
        let ep = match fill_incremental_settings(ep) {
            Some(node) => {
                filled = node;
                &filled
            }
            None => ep,
        };
        // dlt: without an endpoint path, the resource name is the path.
        let (url_path, path_span) = match ep.get("path") {
            Some(p) => (self.string(p, &join(&ep_path, "path")), p.span.clone()),
            None => (name.clone(), node.get("name").and_then(|n| n.span.clone())),
        };
        let method = match ep.get("method") {
            None => None,
            Some(m) => {
                let at = join(&ep_path, "method");
                match self.string(m, &at) {
                    Some(s) if matches!(s.to_ascii_uppercase().as_str(), "GET" | "POST") => {
                        Some(s.to_ascii_uppercase())
                    }
                    Some(s) => {
                        self.problem(
                            m.span.as_ref(),
                            &at,
                            format!("unsupported method `{s}`"),
                            Some(suggest::one_of(&["GET", "POST"])),
                        );
                        None
                    }
                    None => None,
                }
            }
        };
        let mut params = serde_json::Map::new();
        let mut resolved = Vec::new();
        let mut param_incremental = None;
        if let Some(pnode) = ep.get("params") {
            let at = join(&ep_path, "params");
            match pnode.as_table() {
                None => self.expected(pnode, &at, "a table of query parameters"),
                Some(entries) => {
                    for (key, value) in entries {
                        let pat = join(&at, &key.name);
                        match &value.value {
                            NodeValue::Str(_) => {
                                params.insert(key.name.clone(), value.to_json());
                            }
                            // `inf` and `nan` (TOML) have no JSON number: sent as Python
                            // writes them.
                            NodeValue::Float(f) if !f.is_finite() => {
                                params.insert(key.name.clone(), Value::String(python_str(value)));
                            }
                            NodeValue::Int(_) | NodeValue::Float(_) => {
                                params.insert(key.name.clone(), value.to_json());
                            }
                            // `requests` sends `str(True)`: `True`, as dlt does.
                            NodeValue::Bool(_) => {
                                params.insert(key.name.clone(), Value::String(python_str(value)));
                            }
                            // `requests` sends a list as the key repeated, once per item
                            // (`ids=1&ids=2`), and leaves `None` items out.
                            NodeValue::Array(items) => {
                                let mut values = Vec::new();
                                for (i, item) in items.iter().enumerate() {
                                    match &item.value {
                                        NodeValue::Null => {}
                                        NodeValue::Table(_) | NodeValue::Array(_) => self.expected(
                                            item,
                                            &format!("{pat}[{i}]"),
                                            "a string, number or boolean",
                                        ),
                                        _ => values.push(Value::String(python_str(item))),
                                    }
                                }
                                params.insert(key.name.clone(), Value::Array(values));
                            }
                            NodeValue::Table(_) => match value.get("type").and_then(Node::as_str) {
                                Some("incremental") => {
                                    let mut allowed = vec!["type"];
                                    allowed.extend(
                                        INCREMENTAL_KEYS.iter().filter(|k| **k != "start_param"),
                                    );
                                    self.table(value, &pat, &allowed, "an incremental param");
                                    let cursor = self
                                        .required(
                                            value,
                                            &pat,
                                            "cursor_path",
                                            "an incremental param",
                                        )
                                        .and_then(|n| self.string(n, &join(&pat, "cursor_path")));
                                    // dlt (`setup_incremental_object`): a param carries
                                    // the start only; a window needs the endpoint's block.
                                    for end in ["end_param", "end_value"] {
                                        if let Some(n) = value.get(end) {
                                            self.problem(
                                                n.span.as_ref(),
                                                &join(&pat, end),
                                                format!("only `cursor_path` and `initial_value` are allowed in the incremental param `{}`, not `{end}`", key.name),
                                                Some(format!("to set `{end}` too, use the endpoint's `incremental = {{ cursor_path = …, start_param = \"{}\", {end} = … }}`", key.name)),
                                            );
                                        }
                                    }
                                    if let Some((_, _, first)) = &param_incremental {
                                        self.problem(
                                            value.span.as_ref(),
                                            &pat,
                                            format!("only one incremental param is allowed per endpoint; `{first}` is one already"),
                                            Some("keep one cursor".into()),
                                        );
                                    } else if let Some(cursor) = cursor {
                                        let mut spec = IncrementalSpec::new(cursor)
                                            .start_param(key.name.clone());
                                        spec.initial_value =
                                            value.get("initial_value").map(Node::to_json);
                                        self.incremental_options(value, &pat, &mut spec);
                                        param_incremental =
                                            Some((spec, value.span.clone(), pat.clone()));
                                        // dlt assigns the start value to this key of its
                                        // params dict: it is sent where it is written. A
                                        // `null` holds the place (a `null` is never sent).
                                        params.insert(key.name.clone(), Value::Null);
                                    }
                                }
                                Some("resolve") => {
                                    self.table(
                                        value,
                                        &pat,
                                        &["type", "resource", "field"],
                                        "a resolve param",
                                    );
                                    let resource = self
                                        .required(value, &pat, "resource", "a resolve param")
                                        .and_then(|n| self.string(n, &join(&pat, "resource")));
                                    let field = self
                                        .required(value, &pat, "field", "a resolve param")
                                        .and_then(|n| self.string(n, &join(&pat, "field")));
                                    if let (Some(resource), Some(field)) = (resource, field) {
                                        resolved.push(Resolve {
                                            param: key.name.clone(),
                                            resource,
                                            field,
                                            span: value.span.clone(),
                                            at: pat.clone(),
                                            resource_span: value
                                                .get("resource")
                                                .and_then(|n| n.span.clone()),
                                        });
                                    }
                                }
                                Some(other) => {
                                    let help = suggest::help(other, &["incremental", "resolve"]);
                                    let t = value.get("type").expect("checked above");
                                    self.problem(
                                        t.span.as_ref(),
                                        &join(&pat, "type"),
                                        format!("unknown param type `{other}`"),
                                        Some(help),
                                    );
                                }
                                None => self.problem(
                                    value.span.as_ref(),
                                    &pat,
                                    "a table param needs a `type`",
                                    Some(suggest::one_of(&["incremental", "resolve"])),
                                ),
                            },
                            // Left only where the path binds it (`None` in the path).
                            NodeValue::Null => {}
                        }
                    }
                }
            }
        }
        // The place an incremental param holds matters only before other params: last, it
        // is where the start value goes anyway (so the spec is the one an endpoint
        // `incremental` with that `start_param` gives, as the macro writes it).
        if let Some((spec, _, _)) = &param_incremental
            && let Some(last) = params.keys().next_back().cloned()
            && spec.start_param.as_deref() == Some(last.as_str())
            && params.get(&last).is_some_and(Value::is_null)
        {
            params.shift_remove(&last);
        }
        // dlt's single-entity rule (`_setup_single_entity_endpoint`), on the path as written:
        // a last segment with a `{placeholder}` is one object.
        let single_entity = url_path.as_deref().is_some_and(single_entity_path);
        // dlt's `_bind_path_params`: a `{name}` in the path that names an `endpoint.params`
        // entry takes its value (as `str(value)`), and the entry is not sent as a query param.
        let url_path = url_path
            .map(|p| self.bind_path_params(&p, &mut params, ep, &ep_path, path_span.as_ref()));
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        let mut secret_headers: Vec<(String, SecretRef)> = Vec::new();
        let all_headers = ep
            .get("headers")
            .map(|h| self.headers(h, &join(&ep_path, "headers")))
            .unwrap_or_default();
        for (k, v) in all_headers {
            match v {
                MaybeSecret::Plain(v) => {
                    headers.insert(k, v);
                }
                MaybeSecret::Secret { secret } => secret_headers.push((k, SecretRef(secret))),
            }
        }
        let json = ep.get("json").map(Node::to_json);
        let data = ep
            .get("data")
            .and_then(|d| self.data_body(d, &join(&ep_path, "data")));
        // `json` and `data` together: the shared rule (`rest_source_spec::validate`).
        let mut data_selector = self.opt_string(ep, &ep_path, "data_selector");
        let paginator = match ep.get("paginator") {
            Some(p) => self.paginator(p, &join(&ep_path, "paginator")),
            // A single entity is one page, whatever the client's paginator (the endpoint's
            // or `resource_defaults`' own paginator still wins), as in dlt.
            None if single_entity => Some(PaginatorSpec::SinglePage),
            None => fallback_paginator,
        };
        if single_entity && data_selector.is_none() && ep.get("data_selector").is_none() {
            data_selector = Some("$".into());
        }
        let mut incremental = ep
            .get("incremental")
            .and_then(|n| self.incremental(n, &join(&ep_path, "incremental")));
        if let Some((spec, span, at)) = param_incremental {
            if incremental.is_some() {
                self.problem(
                    span.as_ref(),
                    &at,
                    "two incremental cursors for one endpoint",
                    Some("keep either the `incremental` param or `endpoint.incremental`".into()),
                );
            }
            incremental = Some(spec);
        }
        let response_actions = ep
            .get("response_actions")
            .map(|n| self.response_actions(n, &join(&ep_path, "response_actions")))
            .unwrap_or_default();
        let auth = ep
            .get("auth")
            .and_then(|a| self.auth(a, &join(&ep_path, "auth")));
        if ep.get("auth").is_some() && auth.is_none() {
            return None;
        }

        let mut spec = ResourceSpec::new(name?, url_path?);
        spec.endpoint = EndpointSpec {
            path: spec.endpoint.path,
            method,
            params,
            headers,
            json,
            data,
            data_selector,
            paginator,
            incremental,
            response_actions,
        };
        spec.primary_key = primary_key.unwrap_or_default();
        spec.include_from_parent = include_from_parent.unwrap_or_default();
        spec.max_pages = max_pages;
        spec.max_items = max_items;
        spec.concurrency = concurrency;
        spec.completeness = completeness.unwrap_or_default();
        spec.max_page_bytes = max_page_bytes;
        spec.loader_hints = loader_hints;
        spec.parallelized = parallelized;
        Some(Draft {
            config: {
                let mut resource = ResourceConfig::new(spec).selected(selected);
                resource.auth = auth;
                resource.secret_headers = secret_headers;
                resource
            },
            resolved,
        })
    }
}

impl Validator<'_> {
    /// `endpoint.response_actions`: a list of `{status_code?, content?, action}` tables.
    fn response_actions(&mut self, node: &Node, path: &str) -> Vec<ResponseAction> {
        let NodeValue::Array(items) = &node.value else {
            self.expected(
                node,
                path,
                "a list of `{ status_code = 404, action = \"ignore\" }` tables",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = format!("{path}[{i}]");
            if item.as_table().is_none() {
                self.expected(
                    item,
                    &at,
                    "a table such as `{ status_code = 404, action = \"ignore\" }` (a Python \
                     callable cannot be written in a config)",
                );
                continue;
            }
            self.table(
                item,
                &at,
                &["status_code", "content", "action"],
                "a response action",
            );
            let mut bad = false;
            let status_code = match item.get("status_code") {
                None => None,
                Some(n) => {
                    let code = match &n.value {
                        NodeValue::Int(c) => u16::try_from(*c).ok(),
                        // dlt's type allows a string; its digits are the status.
                        NodeValue::Str(s) => s.trim().parse::<u16>().ok(),
                        _ => None,
                    };
                    let code = code.filter(|c| (100..=599).contains(c));
                    if code.is_none() {
                        self.expected(n, &join(&at, "status_code"), "an HTTP status such as 404");
                        bad = true;
                    }
                    code
                }
            };
            let content = self.opt_string(item, &at, "content");
            let action = self
                .required(item, &at, "action", "a response action")
                .and_then(|n| {
                    self.choice(
                        n,
                        &join(&at, "action"),
                        "response action",
                        &["ignore", "retry"],
                    )
                })
                .map(|a| match a {
                    "ignore" => ResponseActionKind::Ignore,
                    _ => ResponseActionKind::Retry,
                });
            let Some(action) = action.filter(|_| !bad) else {
                continue;
            };
            out.push(ResponseAction {
                status_code,
                content,
                action,
            });
        }
        out
    }

    /// `endpoint.data`: a table or a list of `[key, value]` pairs (sent form-encoded, as
    /// requests sends a dict or a list of tuples) or a string (sent as it is).
    fn data_body(&mut self, node: &Node, path: &str) -> Option<serde_json::Value> {
        match &node.value {
            NodeValue::Str(_) | NodeValue::Table(_) => Some(node.to_json()),
            NodeValue::Array(pairs) => {
                let mut ok = true;
                for (i, pair) in pairs.iter().enumerate() {
                    let is_pair = match &pair.value {
                        NodeValue::Array(kv) => {
                            kv.len() == 2
                                && matches!(kv[0].value, NodeValue::Str(_))
                                && !matches!(kv[1].value, NodeValue::Table(_) | NodeValue::Array(_))
                        }
                        _ => false,
                    };
                    if !is_pair {
                        ok = false;
                        self.expected(pair, &format!("{path}[{i}]"), "a `[key, value]` pair");
                    }
                }
                ok.then(|| node.to_json())
            }
            _ => {
                self.expected(
                    node,
                    path,
                    "a table or a list of `[key, value]` pairs (sent form-encoded) or a string \
                     (sent as the raw body)",
                );
                None
            }
        }
    }
}

/// The endpoint with every `{incremental.<setting>}` (`lag`, `cursor_path`, …: see
/// [`IncrementalValue::SETTINGS`]) in its path, params, headers, `json` and `data` replaced by the
/// setting's value as dlt writes it (`str(value)`; in `json`, a string that is only the
/// placeholder takes the value itself, as dlt keeps its type). `None` when there is nothing to
/// replace. The values (`{incremental.start_value}`, …) are filled per request, later.
fn fill_incremental_settings(ep: &Node) -> Option<Node> {
    let incremental = ep
        .get("incremental")
        .filter(|n| n.as_table().is_some())
        .or_else(|| {
            ep.get("params")?.as_table()?.iter().find_map(|(_, v)| {
                (v.get("type").and_then(Node::as_str) == Some("incremental")).then_some(v)
            })
        })?;
    let mut settings: BTreeMap<&str, (String, Node)> = BTreeMap::new();
    for (name, default) in IncrementalValue::SETTINGS {
        match incremental.get(name) {
            Some(n)
                if matches!(
                    n.value,
                    NodeValue::Str(_)
                        | NodeValue::Int(_)
                        | NodeValue::Float(_)
                        | NodeValue::Bool(_)
                ) =>
            {
                settings.insert(name, (python_str(n), n.clone()));
            }
            Some(_) => {}
            None => {
                if let Some(d) = default {
                    let node = Node::new(NodeValue::Str((*d).to_owned()), None);
                    settings.insert(name, ((*d).to_owned(), node));
                }
            }
        }
    }
    let entries = ep.as_table()?;
    let mut changed = false;
    let mut out = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let value = match key.name.as_str() {
            "path" | "params" | "headers" | "data" => {
                fill_settings(value, &settings, false, &mut changed)
            }
            "json" => fill_settings(value, &settings, true, &mut changed),
            _ => value.clone(),
        };
        out.push((key.clone(), value));
    }
    changed.then(|| Node::new(NodeValue::Table(out), ep.span.clone()))
}

fn fill_settings(
    node: &Node,
    settings: &BTreeMap<&str, (String, Node)>,
    keep_type: bool,
    changed: &mut bool,
) -> Node {
    let setting = |name: &str| settings.get(name.strip_prefix("incremental.")?);
    let value = match &node.value {
        NodeValue::Str(s) if s.contains("{incremental.") => {
            let Ok(pieces) = crate::placeholder::parse(s) else {
                return node.clone(); // reported where the placeholders are checked
            };
            if let [crate::placeholder::Piece::Placeholder(name)] = pieces.as_slice()
                && keep_type
                && let Some((_, value)) = setting(name)
            {
                *changed = true;
                return Node::new(value.value.clone(), node.span.clone());
            }
            let escape = |t: &str| t.replace('{', "{{").replace('}', "}}");
            let mut text = String::with_capacity(s.len());
            for piece in &pieces {
                match piece {
                    crate::placeholder::Piece::Text(t) => text.push_str(&escape(t)),
                    crate::placeholder::Piece::Placeholder(name) => match setting(name) {
                        Some((value, _)) => {
                            *changed = true;
                            text.push_str(&escape(value));
                        }
                        None => {
                            text.push('{');
                            text.push_str(name);
                            text.push('}');
                        }
                    },
                }
            }
            NodeValue::Str(text)
        }
        NodeValue::Array(items) => NodeValue::Array(
            items
                .iter()
                .map(|i| fill_settings(i, settings, keep_type, changed))
                .collect(),
        ),
        NodeValue::Table(entries) => NodeValue::Table(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), fill_settings(v, settings, keep_type, changed)))
                .collect(),
        ),
        other => other.clone(),
    };
    Node::new(value, node.span.clone())
}

/// dlt's `single_entity_path`: the last path segment holds a `{name}` placeholder (dlt's
/// alphabet for names: letters, digits, `.`, `_`, `-`), so the endpoint returns one object.
fn single_entity_path(path: &str) -> bool {
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let mut rest = last;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        if let Some(close) = after.find('}') {
            let name = &after[..close];
            if !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            {
                return true;
            }
        }
        rest = after;
    }
    false
}

/// A scalar as Python's `str()` writes it, which is what dlt sends: `requests` puts
/// `str(value)` in the query string, and dlt binds `str(value)` into a path (`True`, `1`,
/// `2.5`).
pub(super) fn python_str(node: &Node) -> String {
    match &node.value {
        NodeValue::Null => "None".to_owned(),
        // A TOML float may be `inf` or `nan`, which JSON cannot hold.
        NodeValue::Float(f) => rest_source_spec::python::float_str(*f),
        _ => crate::resource::select::python_str(&node.to_json()),
    }
}
