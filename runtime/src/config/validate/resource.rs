//! One resource: its keys, its endpoint (path, method, params with dlt's `incremental` and
//! `resolve` types, headers, body, selector, paginator, incremental, auth) into a
//! [`ResourceSpec`] draft; placeholders are linked later, when every resource is known.

use std::collections::BTreeMap;

use super::link::Resolve;
use super::{Draft, Validator, join};
use crate::config::ResourceConfig;
use crate::config::suggest;
use crate::config::tree::{Node, NodeValue};
use crate::spec::{
    Completeness, EndpointSpec, IncrementalSpec, MaybeSecret, PaginatorSpec, ResourceSpec,
    SecretRef,
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
];
/// dlt resource keys that describe the load destination (tables, merge behaviour). Accepted so
/// a dlt config loads unchanged; rest-source writes records, not tables, so they have no effect.
const DLT_LOADER_KEYS: &[&str] = &[
    "write_disposition",
    "table_name",
    "merge_key",
    "columns",
    "max_table_nesting",
    "table_format",
    "schema_contract",
];
const ENDPOINT_KEYS: &[&str] = &[
    "path",
    "method",
    "params",
    "headers",
    "json",
    "data_selector",
    "paginator",
    "incremental",
    "auth",
];
const INCREMENTAL_KEYS: &[&str] = &[
    "cursor_path",
    "start_param",
    "end_param",
    "initial_value",
    "end_value",
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
        Some(spec)
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

        let ep_path = join(path, "endpoint");
        let endpoint = node.get("endpoint");
        if let Some(ep) = endpoint {
            self.table(ep, &ep_path, ENDPOINT_KEYS, "an endpoint");
        }
        let empty = Node::new(NodeValue::Table(Vec::new()), node.span.clone());
        let ep = endpoint.unwrap_or(&empty);
        // dlt: without an endpoint path, the resource name is the path.
        let url_path = match ep.get("path") {
            Some(p) => self.string(p, &join(&ep_path, "path")),
            None => name.clone(),
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
        let mut params = BTreeMap::new();
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
                            NodeValue::Int(_) | NodeValue::Float(_) | NodeValue::Bool(_) => {
                                params.insert(key.name.clone(), value.to_json());
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
                                        param_incremental =
                                            Some((spec, value.span.clone(), pat.clone()));
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
                            _ => self.expected(
                                value,
                                &pat,
                                "a string, number, boolean or a table with a `type`",
                            ),
                        }
                    }
                }
            }
        }
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
        let data_selector = self.opt_string(ep, &ep_path, "data_selector");
        let paginator = match ep.get("paginator") {
            Some(p) => self.paginator(p, &join(&ep_path, "paginator")),
            None => fallback_paginator,
        };
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
            data_selector,
            paginator,
            incremental,
        };
        spec.primary_key = primary_key.unwrap_or_default();
        spec.include_from_parent = include_from_parent.unwrap_or_default();
        spec.max_pages = max_pages;
        spec.max_items = max_items;
        spec.concurrency = concurrency;
        spec.completeness = completeness.unwrap_or_default();
        spec.max_page_bytes = max_page_bytes;
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
