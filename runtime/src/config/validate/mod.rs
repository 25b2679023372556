//! The validator: walks the spanned tree once, collecting **every** problem (unknown keys and
//! types with suggestions, missing fields, wrong value kinds, inline credentials, bad
//! placeholders, parent cycles) and, where a part is valid, building its spec value.
//!
//! This file holds the walker's state, its typed readers and the top level (`client`,
//! `resource_defaults`, `resources`); each part of the config has its own file.

mod auth;
mod client;
mod link;
mod oauth2;
mod paginator;
mod resource;
mod secrets;
mod session;
mod shared;

use std::collections::BTreeMap;
use std::ops::Range;

use super::error::{ConfigProblem, Location};
use super::suggest;
use super::tree::{Key, Node, NodeValue, dlt_merged, line_col};
use super::{ClientConfig, Format, ResourceConfig, SourceConfig};

const TOP_KEYS: &[&str] = &["name", "params", "client", "resource_defaults", "resources"];
const CLIENT_KEYS: &[&str] = &[
    "base_url",
    "headers",
    "auth",
    "paginator",
    "tls",
    "proxy",
    "no_proxy",
];

pub(crate) struct Validator<'t> {
    text: &'t str,
    origin: String,
    format: Format,
    source_name: String,
    pub(crate) problems: Vec<ConfigProblem>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A resource as read, before its `resolve` params are bound into its path.
struct Draft {
    config: ResourceConfig,
    /// dlt's `resolve` params, as written.
    resolved: Vec<link::Resolve>,
}

impl<'t> Validator<'t> {
    pub(crate) fn new(text: &'t str, origin: &str, format: Format) -> Self {
        Validator {
            text,
            origin: origin.to_owned(),
            format,
            source_name: String::new(),
            problems: Vec::new(),
        }
    }

    fn problem(
        &mut self,
        span: Option<&Range<usize>>,
        path: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let line_col = span.map(|s| line_col(self.text, s.start));
        let message = message.into();
        // `resource_defaults` are checked on their own and again inside every resource they
        // merge into; the same mistake at the same place is reported once.
        if self
            .problems
            .iter()
            .any(|p| p.location.line_col == line_col && line_col.is_some() && p.message == message)
        {
            return;
        }
        self.problems.push(ConfigProblem {
            location: Location {
                origin: self.origin.clone(),
                path: path.to_owned(),
                line_col,
            },
            message,
            help,
        });
    }

    fn expected(&mut self, node: &Node, path: &str, what: &str) {
        let found = node.kind();
        self.problem(
            node.span.as_ref(),
            path,
            format!("expected {what}, found {found}"),
            None,
        );
    }

    /// The entries of a table, after reporting its unknown keys.
    fn table<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        allowed: &[&str],
        what: &str,
    ) -> Option<&'n Node> {
        let Some(entries) = node.as_table() else {
            self.expected(node, path, "a table");
            return None;
        };
        for (i, (key, _)) in entries.iter().enumerate() {
            if entries[..i].iter().any(|(k, _)| k.name == key.name) {
                // TOML rejects these while parsing; JSON parsers keep the last one silently.
                self.problem(
                    key.span.as_ref(),
                    &join(path, &key.name),
                    format!("duplicate key `{}`", key.name),
                    None,
                );
            } else if !allowed.contains(&key.name.as_str()) {
                let help = suggest::help(&key.name, allowed);
                self.problem(
                    key.span.as_ref(),
                    &join(path, &key.name),
                    format!("unknown key `{}` in {what}", key.name),
                    Some(help),
                );
            }
        }
        Some(node)
    }

    fn required<'n>(
        &mut self,
        table: &'n Node,
        path: &str,
        key: &str,
        what: &str,
    ) -> Option<&'n Node> {
        let found = table.get(key);
        if found.is_none() {
            self.problem(
                table.span.as_ref(),
                path,
                format!("missing `{key}` in {what}"),
                None,
            );
        }
        found
    }

    fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match node.as_str() {
            Some(s) => Some(s.to_owned()),
            None => {
                self.expected(node, path, "a string");
                None
            }
        }
    }

    fn opt_string(&mut self, table: &Node, path: &str, key: &str) -> Option<String> {
        let node = table.get(key)?;
        self.string(node, &join(path, key))
    }

    /// One of a fixed set of words (`"form"`, `"json"`): the word, or `None` after reporting
    /// an unknown one as ``unknown {what} `x` `` with a suggestion or the list.
    fn choice<'c>(
        &mut self,
        node: &Node,
        path: &str,
        what: &str,
        options: &[&'c str],
    ) -> Option<&'c str> {
        let got = self.string(node, path)?;
        if let Some(found) = options.iter().find(|o| **o == got) {
            return Some(found);
        }
        let help = suggest::help(&got, options);
        self.problem(
            node.span.as_ref(),
            path,
            format!("unknown {what} `{got}`"),
            Some(help),
        );
        None
    }

    fn opt_uint(&mut self, table: &Node, path: &str, key: &str) -> Option<u64> {
        let node = table.get(key)?;
        self.uint(node, &join(path, key))
    }

    fn uint(&mut self, node: &Node, path: &str) -> Option<u64> {
        match node.value {
            NodeValue::Int(n) if n >= 0 => Some(n as u64),
            _ => {
                self.expected(node, path, "a non-negative integer");
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match node.value {
            NodeValue::Bool(b) => Some(b),
            _ => {
                self.expected(node, path, "`true` or `false`");
                None
            }
        }
    }

    /// A string or an array of strings.
    fn strings(&mut self, node: &Node, path: &str) -> Option<Vec<String>> {
        match &node.value {
            NodeValue::Str(s) => Some(vec![s.clone()]),
            NodeValue::Array(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    out.push(self.string(item, &format!("{path}[{i}]"))?);
                }
                Some(out)
            }
            _ => {
                self.expected(node, path, "a string or an array of strings");
                None
            }
        }
    }

    /// A token or login URL (that it is absolute is a shared rule:
    /// `rest_source_spec::validate::auth`).
    fn url(&mut self, node: &Node, path: &str) -> Option<String> {
        self.string(node, path)
    }

    pub(crate) fn source(&mut self, root: &Node, default_name: &str) -> Option<SourceConfig> {
        self.table(root, "", TOP_KEYS, "the source config")?;
        // dlt's TypedDicts make every optional key `Optional`: a JSON `null` is the key left out.
        let root = &without_null_entries(root);
        let name = match root.get("name") {
            Some(n) => self.string(n, "name"),
            None => Some(default_name.to_owned()),
        };
        self.source_name = name.clone().unwrap_or_else(|| default_name.to_owned());

        let mut params = BTreeMap::new();
        if let Some(node) = root.get("params") {
            if let Some(entries) = node.as_table() {
                for (key, value) in entries {
                    let at = join("params", &key.name);
                    let v = match &value.value {
                        NodeValue::Str(s) => Some(s.clone()),
                        NodeValue::Int(_) | NodeValue::Float(_) | NodeValue::Bool(_) => {
                            Some(value.to_json().to_string())
                        }
                        _ => {
                            self.expected(value, &at, "a string, number or boolean");
                            None
                        }
                    };
                    if let Some(v) = v {
                        params.insert(key.name.clone(), v);
                    }
                }
            } else {
                self.expected(node, "params", "a table of parameter names to values");
            }
        }

        let client = match self.required(root, "", "client", "the source config") {
            Some(node) => self.client(node),
            None => None,
        };

        let defaults = root.get("resource_defaults").and_then(|d| {
            if d.as_table().is_none() {
                self.expected(d, "resource_defaults", "a table");
                return None;
            }
            let d = normalise_nulls(&normalise_endpoint(d));
            if let Some(name) = d.as_table()?.iter().find(|(k, _)| k.name == "name") {
                let span = name.0.span.clone();
                self.problem(
                    span.as_ref(),
                    "resource_defaults.name",
                    "`resource_defaults` cannot set `name`",
                    Some("give each resource its own `name`".into()),
                );
                return None;
            }
            // Checked as a resource of its own first, so its problems carry its own path.
            let named = Node::new(
                NodeValue::Table(vec![(
                    Key {
                        name: "name".into(),
                        span: d.span.clone(),
                    },
                    Node::new(NodeValue::Str("resource_defaults".into()), d.span.clone()),
                )]),
                d.span.clone(),
            )
            .merged_with(&d);
            self.resource(&named, "resource_defaults", None);
            Some(d)
        });

        let mut drafts = Vec::new();
        if let Some(node) = self.required(root, "", "resources", "the source config") {
            match &node.value {
                NodeValue::Array(items) if !items.is_empty() => {
                    for (i, item) in items.iter().enumerate() {
                        let item = match &item.value {
                            // dlt's shorthand: a resource that is just its name (and path).
                            NodeValue::Str(s) => Node::new(
                                NodeValue::Table(vec![(
                                    Key {
                                        name: "name".into(),
                                        span: item.span.clone(),
                                    },
                                    Node::new(NodeValue::Str(s.clone()), item.span.clone()),
                                )]),
                                item.span.clone(),
                            ),
                            _ => item.clone(),
                        };
                        let item = normalise_endpoint(&item);
                        // dlt: the resource's keys replace the defaults' (only `endpoint.params`
                        // and `endpoint.json` are merged); then its `null`s mean "left out".
                        let merged = match &defaults {
                            Some(d) => dlt_merged(d, &item),
                            None => item,
                        };
                        let merged = normalise_nulls(&merged);
                        let fallback_paginator = client.as_ref().and_then(|c| c.paginator.clone());
                        if let Some(d) =
                            self.resource(&merged, &format!("resources[{i}]"), fallback_paginator)
                        {
                            drafts.push(d);
                        }
                    }
                }
                NodeValue::Array(_) => self.problem(
                    node.span.as_ref(),
                    "resources",
                    "no resources",
                    Some("add at least one resource with a `name` and an `endpoint`".into()),
                ),
                _ => self.expected(node, "resources", "an array of resources"),
            }
        }

        let resources = self.link(drafts);
        // The shared rules see what was read, so their problems come with the others.
        if let Some(client) = &client {
            let read = SourceConfig {
                name: name.clone().unwrap_or_default(),
                named: root.get("name").is_some(),
                params: params.clone(),
                client: client.clone(),
                resources: resources.clone(),
            };
            self.shared_rules(root, &read.to_spec());
        }
        if !self.problems.is_empty() {
            return None;
        }
        Some(SourceConfig {
            named: root.get("name").is_some(),
            name: name?,
            params,
            client: client?,
            resources,
        })
    }

    fn client(&mut self, node: &Node) -> Option<ClientConfig> {
        self.table(node, "client", CLIENT_KEYS, "`client`")?;
        // `auth = null`, `paginator = null`: none (dlt's `Optional` keys).
        let node = &without_null_entries(node);
        let headers_without_nulls = node.get("headers").map(without_null_entries);
        let node = &with_entry(node, "headers", headers_without_nulls);
        let paginator_without_nulls = node.get("paginator").map(without_null_entries);
        let node = &with_entry(node, "paginator", paginator_without_nulls);
        let base_url = self
            .required(node, "client", "base_url", "`client`")
            .and_then(|n| self.string(n, "client.base_url"));
        let headers = node
            .get("headers")
            .map(|h| self.headers(h, "client.headers"))
            .unwrap_or_default();
        // A bad auth or paginator is reported and left out; the rest of the client still
        // goes through the shared rules (the source does not load: a problem was reported).
        let auth = node.get("auth").and_then(|a| self.auth(a, "client.auth"));
        let paginator = node
            .get("paginator")
            .and_then(|p| self.paginator(p, "client.paginator"));
        let transport = self.transport(node);
        Some(ClientConfig {
            base_url: base_url?,
            headers,
            auth,
            paginator,
            transport,
        })
    }
}

/// `endpoint = "path"` (dlt's shorthand) as `endpoint = { path = "path" }`, so
/// `resource_defaults.endpoint` merges into it.
fn normalise_endpoint(node: &Node) -> Node {
    let Some(entries) = node.as_table() else {
        return node.clone();
    };
    let entries = entries
        .iter()
        .map(|(k, v)| match (&*k.name, &v.value) {
            ("endpoint", NodeValue::Str(_)) => (
                k.clone(),
                Node::new(
                    NodeValue::Table(vec![(
                        Key {
                            name: "path".into(),
                            span: v.span.clone(),
                        },
                        v.clone(),
                    )]),
                    v.span.clone(),
                ),
            ),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    Node::new(NodeValue::Table(entries), node.span.clone())
}

/// `node`'s table without its `null` entries (the same node if it is not a table).
fn without_null_entries(node: &Node) -> Node {
    let Some(entries) = node.as_table() else {
        return node.clone();
    };
    let kept = entries
        .iter()
        .filter(|(_, v)| v.value != NodeValue::Null)
        .cloned()
        .collect();
    Node::new(NodeValue::Table(kept), node.span.clone())
}

/// `table` with its entry `key` replaced by `value` (left alone when `value` is `None`).
fn with_entry(table: &Node, key: &str, value: Option<Node>) -> Node {
    let (Some(entries), Some(value)) = (table.as_table(), value) else {
        return table.clone();
    };
    let entries = entries
        .iter()
        .map(|(k, v)| {
            if k.name == key {
                (k.clone(), value.clone())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect();
    Node::new(NodeValue::Table(entries), table.span.clone())
}

/// A resource's `null`s as dlt reads them (every key of its TypedDicts is `Optional`): a
/// `null` key is left out — `paginator = null` falls back to the client's, `data_selector =
/// null` is detected, a `params` entry `null` is not sent (as `requests` drops it), a `null`
/// header is not sent, a paginator field `null` is its default — except `endpoint.auth = null`, which is no auth (dlt builds the
/// resource's client with `auth=None` rather than the client's). Applied after the
/// `resource_defaults` merge, so a resource's `null` also removes a default's value.
fn normalise_nulls(resource: &Node) -> Node {
    let resource = without_null_entries(resource);
    let Some(endpoint) = resource.get("endpoint").filter(|e| e.as_table().is_some()) else {
        return resource;
    };
    let public = endpoint
        .get("auth")
        .filter(|a| a.value == NodeValue::Null)
        .map(|a| Node::new(NodeValue::Str("none".into()), a.span.clone()));
    let mut ep = without_null_entries(endpoint);
    if let Some(none) = public {
        let mut entries = ep.as_table().unwrap_or_default().to_vec();
        let key = endpoint
            .as_table()
            .and_then(|t| t.iter().find(|(k, _)| k.name == "auth"))
            .map(|(k, _)| k.clone());
        if let Some(key) = key {
            entries.push((key, none));
        }
        ep = Node::new(NodeValue::Table(entries), ep.span.clone());
    }
    // A paginator's `null` field is its default (`total_path = null`: no total, as dlt).
    for key in ["headers", "incremental", "paginator"] {
        let cleaned = ep.get(key).map(without_null_entries);
        ep = with_entry(&ep, key, cleaned);
    }
    // A `null` param the path binds stays: dlt puts `str(None)`, `None`, in the path.
    let bound: Vec<String> = ep
        .get("path")
        .and_then(Node::as_str)
        .and_then(|path| crate::placeholder::names(path).ok())
        .map(|names| names.into_iter().map(str::to_owned).collect())
        .unwrap_or_default();
    let params = ep.get("params").map(|params| match params.as_table() {
        Some(entries) => Node::new(
            NodeValue::Table(
                entries
                    .iter()
                    .filter(|(k, v)| v.value != NodeValue::Null || bound.contains(&k.name))
                    .cloned()
                    .collect(),
            ),
            params.span.clone(),
        ),
        None => params.clone(),
    });
    ep = with_entry(&ep, "params", params);
    with_entry(&resource, "endpoint", Some(ep))
}
