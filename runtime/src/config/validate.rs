//! The validator: walks the spanned tree once, collecting **every** problem (unknown keys and
//! types with suggestions, missing fields, wrong value kinds, inline credentials, bad
//! placeholders, parent cycles) and, where a part is valid, building its spec value.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde_json::Value;

use super::error::{ConfigProblem, Location};
use super::suggest;
use super::tree::{Node, NodeValue, line_col};
use super::{ClientConfig, Format, ResourceConfig, SourceConfig};
use crate::ApiKeyLocation;
use crate::auth::ClientAuth;
use crate::spec::{
    AuthSpec, EndpointSpec, IncrementalSpec, MaybeSecret, PaginatorSpec, ResourceSpec, SecretRef,
};

const TOP_KEYS: &[&str] = &["name", "params", "client", "resource_defaults", "resources"];
const CLIENT_KEYS: &[&str] = &["base_url", "headers", "auth", "paginator"];
const RESOURCE_KEYS: &[&str] = &[
    "name",
    "endpoint",
    "primary_key",
    "include_from_parent",
    "max_pages",
    "max_items",
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

/// dlt's auth `type` names, plus `none` for public endpoints.
pub(crate) const AUTH_TYPES: &[&str] = &[
    "bearer",
    "api_key",
    "http_basic",
    "oauth2_client_credentials",
    "none",
];

/// dlt's paginator `type` names (`json_response` is dlt's older name for `json_link`).
pub(crate) const PAGINATOR_TYPES: &[&str] = &[
    "json_link",
    "header_link",
    "offset",
    "page_number",
    "cursor",
    "single_page",
    "auto",
];

#[derive(Clone, Copy)]
enum Kind {
    Str,
    UInt,
    Bool,
}

/// The fields of each paginator type: (name, kind, required).
fn paginator_fields(type_name: &str) -> &'static [(&'static str, Kind, bool)] {
    use Kind::*;
    match type_name {
        "json_link" | "json_response" => &[
            ("next_url_path", Str, false),
            ("has_more_path", Str, false),
            ("stop_after_empty_page", Bool, false),
        ],
        "header_link" => &[("links_next_key", Str, false)],
        "offset" => &[
            ("limit", UInt, true),
            ("offset", UInt, false),
            ("offset_param", Str, false),
            ("limit_param", Str, false),
            ("total_path", Str, false),
            ("maximum_offset", UInt, false),
            ("stop_after_empty_page", Bool, false),
            ("has_more_path", Str, false),
        ],
        "page_number" => &[
            ("base_page", UInt, false),
            ("page", UInt, false),
            ("page_param", Str, false),
            ("total_path", Str, false),
            ("maximum_page", UInt, false),
            ("stop_after_empty_page", Bool, false),
            ("has_more_path", Str, false),
        ],
        "cursor" => &[
            ("cursor_path", Str, false),
            ("cursor_param", Str, false),
            ("has_more_path", Str, false),
            ("stop_after_empty_page", Bool, false),
        ],
        _ => &[],
    }
}

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

/// A resource as read, before placeholders are linked.
struct Draft {
    config: ResourceConfig,
    /// Where its path is written (placeholder problems point there).
    path_span: Option<Range<usize>>,
    path_at: String,
    /// `resolve` params: param name → (parent, field).
    resolved: Vec<(String, String, String)>,
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

    fn url(&mut self, node: &Node, path: &str) -> Option<String> {
        let s = self.string(node, path)?;
        match url::Url::parse(&s) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Some(s),
            Ok(u) => {
                self.problem(
                    node.span.as_ref(),
                    path,
                    format!("unsupported URL scheme `{}`", u.scheme()),
                    Some("expected a URL starting with `https://` or `http://`".into()),
                );
                None
            }
            Err(e) => {
                self.problem(
                    node.span.as_ref(),
                    path,
                    format!("`{s}` is not a URL: {e}"),
                    Some("expected an absolute URL such as `https://api.example.com/v1`".into()),
                );
                None
            }
        }
    }

    /// How to write a secret reference in this format, for the inline-credential fix.
    fn secret_syntax(&self, field: &str) -> String {
        match self.format {
            Format::Toml => format!("{field} = {{ secret = \"{field}\" }}"),
            Format::Json => format!("\"{field}\": {{\"secret\": \"{field}\"}}"),
        }
    }

    fn inline_credential(&mut self, node: &Node, path: &str, field: &str) {
        let fix = format!(
            "use `{}` and put the value in .dlt/secrets.toml under [sources.{}] (or the env var `SOURCES__{}__{}`)",
            self.secret_syntax(field),
            self.source_name,
            self.source_name.to_uppercase().replace('.', "__"),
            field.to_uppercase(),
        );
        // The value itself is never echoed: it is a credential.
        self.problem(
            node.span.as_ref(),
            path,
            format!("inline credential: `{field}` must reference a secret, not hold its value"),
            Some(fix),
        );
    }

    /// `{ secret = "key" }`: the key, or `None` after reporting what is wrong.
    fn secret_table(&mut self, node: &Node, path: &str) -> Option<String> {
        self.table(node, path, &["secret"], "a secret reference")?;
        let key_node = self.required(node, path, "secret", "a secret reference")?;
        let key = self.string(key_node, &join(path, "secret"))?;
        if key.trim().is_empty() {
            self.problem(
                key_node.span.as_ref(),
                &join(path, "secret"),
                "empty secret key",
                Some("expected the key the value is stored under, such as `api_token`".into()),
            );
            return None;
        }
        Some(key)
    }

    /// A credential: must be `{ secret = "key" }`.
    fn secret_ref(
        &mut self,
        table: &Node,
        path: &str,
        field: &str,
        what: &str,
    ) -> Option<SecretRef> {
        let at = join(path, field);
        let node = self.required(table, path, field, what)?;
        match &node.value {
            NodeValue::Str(_) => {
                self.inline_credential(node, &at, field);
                None
            }
            NodeValue::Table(_) => self.secret_table(node, &at).map(SecretRef),
            _ => {
                self.expected(node, &at, "a secret reference `{ secret = \"key\" }`");
                None
            }
        }
    }

    /// An identifier that may be plain or secret (a user name, a client id).
    fn maybe_secret(&mut self, node: &Node, path: &str) -> Option<MaybeSecret> {
        match &node.value {
            NodeValue::Str(s) => Some(MaybeSecret::Plain(s.clone())),
            NodeValue::Table(_) => self
                .secret_table(node, path)
                .map(|secret| MaybeSecret::Secret { secret }),
            _ => {
                self.expected(node, path, "a string or `{ secret = \"key\" }`");
                None
            }
        }
    }

    fn auth(&mut self, node: &Node, path: &str) -> Option<AuthSpec> {
        if node.as_table().is_none() {
            self.expected(node, path, "an auth table with a `type`");
            return None;
        }
        let type_path = join(path, "type");
        let Some(type_node) = node.get("type") else {
            self.problem(
                node.span.as_ref(),
                path,
                "missing `type` in this auth",
                Some(suggest::one_of(AUTH_TYPES)),
            );
            return None;
        };
        let type_name = self.string(type_node, &type_path)?;
        let allowed: &[&str] = match type_name.as_str() {
            "none" => &["type"],
            "bearer" => &["type", "token"],
            "api_key" => &["type", "name", "api_key", "location"],
            "http_basic" => &["type", "username", "password"],
            "oauth2_client_credentials" => &[
                "type",
                "access_token_url",
                "client_id",
                "client_secret",
                "scope",
                "audience",
                "client_auth",
                "default_token_expiration",
                "access_token_request_data",
            ],
            other => {
                let help = suggest::help(other, AUTH_TYPES);
                self.problem(
                    type_node.span.as_ref(),
                    &type_path,
                    format!("unknown auth type `{other}`"),
                    Some(help),
                );
                return None;
            }
        };
        let what = format!("the `{type_name}` auth");
        self.table(node, path, allowed, &what);
        match type_name.as_str() {
            "none" => Some(AuthSpec::None),
            "bearer" => {
                let token = self.secret_ref(node, path, "token", &what)?;
                Some(AuthSpec::Bearer { token })
            }
            "api_key" => {
                let name = self.opt_string(node, path, "name");
                let location = match node.get("location") {
                    None => Some(ApiKeyLocation::Header),
                    Some(loc) => {
                        let at = join(path, "location");
                        match self.string(loc, &at).as_deref() {
                            None => None,
                            Some("header") => Some(ApiKeyLocation::Header),
                            // dlt calls the query string `param` as well as `query`.
                            Some("query" | "param") => Some(ApiKeyLocation::Query),
                            Some("cookie") => Some(ApiKeyLocation::Cookie),
                            Some(other) => {
                                let places = ["header", "query", "param", "cookie"];
                                let help = suggest::help(other, &places);
                                self.problem(
                                    loc.span.as_ref(),
                                    &at,
                                    format!("unknown api key location `{other}`"),
                                    Some(help),
                                );
                                None
                            }
                        }
                    }
                };
                let api_key = self.secret_ref(node, path, "api_key", &what);
                Some(AuthSpec::ApiKey {
                    name: name.unwrap_or_else(|| "Authorization".to_owned()),
                    api_key: api_key?,
                    location: location?,
                })
            }
            "http_basic" => {
                let username = self
                    .required(node, path, "username", &what)
                    .and_then(|n| self.maybe_secret(n, &join(path, "username")));
                let password = self.secret_ref(node, path, "password", &what);
                Some(AuthSpec::HttpBasic {
                    username: username?,
                    password: password?,
                })
            }
            _ => self.oauth2(node, path, &what),
        }
    }

    fn oauth2(&mut self, node: &Node, path: &str, what: &str) -> Option<AuthSpec> {
        let access_token_url = self
            .required(node, path, "access_token_url", what)
            .and_then(|n| self.url(n, &join(path, "access_token_url")));
        let client_id = self
            .required(node, path, "client_id", what)
            .and_then(|n| self.maybe_secret(n, &join(path, "client_id")));
        let client_secret = self.secret_ref(node, path, "client_secret", what);
        let mut scope = match node.get("scope") {
            // dlt writes scopes as a list; the token request sends them space-separated.
            Some(n) => Some(self.strings(n, &join(path, "scope"))?.join(" ")),
            None => None,
        };
        let mut audience = self.opt_string(node, path, "audience");
        // dlt's extra token-request fields: `scope` and `audience` are what APIs ask for.
        if let Some(data) = node.get("access_token_request_data") {
            let at = join(path, "access_token_request_data");
            self.table(
                data,
                &at,
                &["scope", "audience"],
                "`access_token_request_data`",
            )?;
            if let Some(s) = self.opt_string(data, &at, "scope") {
                scope = Some(s);
            }
            if let Some(a) = self.opt_string(data, &at, "audience") {
                audience = Some(a);
            }
        }
        let client_auth = match node.get("client_auth") {
            None => ClientAuth::default(),
            Some(n) => {
                let at = join(path, "client_auth");
                match self.string(n, &at)?.as_str() {
                    "body" => ClientAuth::Body,
                    "basic" => ClientAuth::Basic,
                    other => {
                        let help = suggest::help(other, &["body", "basic"]);
                        self.problem(
                            n.span.as_ref(),
                            &at,
                            format!("unknown client auth `{other}`"),
                            Some(help),
                        );
                        return None;
                    }
                }
            }
        };
        let default_token_expiration = match node.get("default_token_expiration") {
            Some(n) => Some(self.uint(n, &join(path, "default_token_expiration"))?),
            None => None,
        };
        Some(AuthSpec::OAuth2ClientCredentials {
            access_token_url: access_token_url?,
            client_id: client_id?,
            client_secret: client_secret?,
            scope,
            audience,
            client_auth,
            default_token_expiration,
        })
    }

    fn paginator(&mut self, node: &Node, path: &str) -> Option<PaginatorSpec> {
        let (type_node, type_path) = match &node.value {
            // dlt's shorthand: `paginator = "header_link"`.
            NodeValue::Str(_) => (node, path.to_owned()),
            NodeValue::Table(_) => match node.get("type") {
                Some(t) => (t, join(path, "type")),
                None => {
                    self.problem(
                        node.span.as_ref(),
                        path,
                        "missing `type` in this paginator",
                        Some(suggest::one_of(PAGINATOR_TYPES)),
                    );
                    return None;
                }
            },
            _ => {
                self.expected(node, path, "a paginator type name or a table with a `type`");
                return None;
            }
        };
        let type_name = self.string(type_node, &type_path)?;
        if !PAGINATOR_TYPES.contains(&type_name.as_str()) && type_name != "json_response" {
            let help = suggest::help(&type_name, PAGINATOR_TYPES);
            self.problem(
                type_node.span.as_ref(),
                &type_path,
                format!("unknown paginator type `{type_name}`"),
                Some(help),
            );
            return None;
        }
        let fields = paginator_fields(&type_name);
        let mut json = serde_json::Map::new();
        json.insert("type".into(), Value::String(type_name.clone()));
        let mut ok = true;
        if node.as_table().is_some() {
            let mut allowed: Vec<&str> = vec!["type"];
            allowed.extend(fields.iter().map(|(name, _, _)| *name));
            self.table(
                node,
                path,
                &allowed,
                &format!("the `{type_name}` paginator"),
            );
            for (name, kind, _) in fields {
                let Some(value) = node.get(name) else {
                    continue;
                };
                let at = join(path, name);
                let checked = match kind {
                    Kind::Str => self.string(value, &at).map(Value::String),
                    Kind::UInt => self.uint(value, &at).map(Value::from),
                    Kind::Bool => self.boolean(value, &at).map(Value::Bool),
                };
                match checked {
                    Some(v) => {
                        json.insert((*name).into(), v);
                    }
                    None => ok = false,
                }
            }
        }
        for (name, _, required) in fields {
            if *required && !json.contains_key(*name) && node.get(name).is_none() {
                self.problem(
                    node.span.as_ref(),
                    path,
                    format!("missing `{name}` in the `{type_name}` paginator"),
                    None,
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        match serde_json::from_value(Value::Object(json)) {
            Ok(spec) => Some(spec),
            Err(e) => {
                self.problem(
                    node.span.as_ref(),
                    path,
                    format!("bad paginator: {e}"),
                    None,
                );
                None
            }
        }
    }

    fn incremental(&mut self, node: &Node, path: &str) -> Option<IncrementalSpec> {
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

    /// `headers`: names to plain values or (for the client) `{ secret = "key" }`.
    fn headers(
        &mut self,
        node: &Node,
        path: &str,
        secrets_allowed: bool,
    ) -> Vec<(String, MaybeSecret)> {
        let Some(entries) = node.as_table() else {
            self.expected(node, path, "a table of header names to values");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in entries {
            let at = join(path, &key.name);
            match &value.value {
                NodeValue::Str(s) => {
                    if is_credential_header(&key.name) {
                        self.inline_credential(
                            value,
                            &at,
                            &key.name.to_lowercase().replace('-', "_"),
                        );
                    } else {
                        out.push((key.name.clone(), MaybeSecret::Plain(s.clone())));
                    }
                }
                NodeValue::Table(_) if secrets_allowed => {
                    if let Some(secret) = self.secret_table(value, &at) {
                        out.push((key.name.clone(), MaybeSecret::Secret { secret }));
                    }
                }
                NodeValue::Table(_) => self.problem(
                    value.span.as_ref(),
                    &at,
                    "secret headers are only supported in `client.headers`",
                    Some(
                        "move the header to `client.headers`, or give the endpoint its own `auth`"
                            .into(),
                    ),
                ),
                _ => self.expected(value, &at, "a string"),
            }
        }
        out
    }

    pub(crate) fn source(&mut self, root: &Node, default_name: &str) -> Option<SourceConfig> {
        self.table(root, "", TOP_KEYS, "the source config")?;
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
            let d = normalise_endpoint(d);
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
                    super::tree::Key {
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
                                    super::tree::Key {
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
                        let merged = match &defaults {
                            Some(d) => d.merged_with(&item),
                            None => item,
                        };
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

        let resources = self.link(drafts, &params);
        if !self.problems.is_empty() {
            return None;
        }
        Some(SourceConfig {
            name: name?,
            params,
            client: client?,
            resources,
        })
    }

    fn client(&mut self, node: &Node) -> Option<ClientConfig> {
        self.table(node, "client", CLIENT_KEYS, "`client`")?;
        let base_url = self
            .required(node, "client", "base_url", "`client`")
            .and_then(|n| self.url(n, "client.base_url"));
        let headers = node
            .get("headers")
            .map(|h| self.headers(h, "client.headers", true))
            .unwrap_or_default();
        let auth = match node.get("auth") {
            Some(a) => Some(self.auth(a, "client.auth")?),
            None => None,
        };
        let paginator = match node.get("paginator") {
            Some(p) => Some(self.paginator(p, "client.paginator")?),
            None => None,
        };
        Some(ClientConfig {
            base_url: base_url?,
            headers,
            auth,
            paginator,
        })
    }

    fn resource(
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
                            NodeValue::Str(_)
                            | NodeValue::Int(_)
                            | NodeValue::Float(_)
                            | NodeValue::Bool(_) => {
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
                                    if let Some(cursor) = cursor {
                                        let mut spec = IncrementalSpec::new(cursor)
                                            .start_param(key.name.clone());
                                        spec.end_param = self.opt_string(value, &pat, "end_param");
                                        spec.initial_value =
                                            value.get("initial_value").map(Node::to_json);
                                        spec.end_value = value.get("end_value").map(Node::to_json);
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
                                    if let (Some(r), Some(f)) = (resource, field) {
                                        resolved.push((key.name.clone(), r, f));
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
        let headers: BTreeMap<String, String> = ep
            .get("headers")
            .map(|h| self.headers(h, &join(&ep_path, "headers"), false))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| match v {
                MaybeSecret::Plain(v) => Some((k, v)),
                MaybeSecret::Secret { .. } => None,
            })
            .collect();
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
        Some(Draft {
            config: ResourceConfig {
                spec,
                auth,
                parent: None,
                selected,
            },
            path_span,
            path_at: join(&ep_path, "path"),
            resolved,
        })
    }

    /// Resolves placeholders: `{param}` must name a source parameter, `{<parent>.<field>}`
    /// and `{resources.<parent>.<field>}` make the resource a child of `<parent>`, which must
    /// exist and not lead back to the resource.
    fn link(
        &mut self,
        mut drafts: Vec<Draft>,
        params: &BTreeMap<String, String>,
    ) -> Vec<ResourceConfig> {
        let names: Vec<String> = drafts.iter().map(|d| d.config.spec.name.clone()).collect();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let param_names: Vec<&str> = params.keys().map(String::as_str).collect();
        let mut seen = BTreeSet::new();
        for d in &drafts {
            if !seen.insert(d.config.spec.name.clone()) {
                self.problem(
                    d.path_span.as_ref(),
                    &d.path_at,
                    format!("two resources are named `{}`", d.config.spec.name),
                    Some("resource names must be unique".into()),
                );
            }
        }
        for d in &mut drafts {
            // dlt's older `resolve` params become placeholders of the newer form.
            for (param, parent, field) in std::mem::take(&mut d.resolved) {
                let placeholder = format!("{{{parent}.{field}}}");
                let needle = format!("{{{param}}}");
                if d.config.spec.endpoint.path.contains(&needle) {
                    d.config.spec.endpoint.path =
                        d.config.spec.endpoint.path.replace(&needle, &placeholder);
                } else {
                    d.config
                        .spec
                        .endpoint
                        .params
                        .insert(param, Value::String(placeholder));
                }
            }
            let spec = &d.config.spec;
            let templates: Vec<String> = std::iter::once(spec.endpoint.path.clone())
                .chain(
                    spec.endpoint
                        .params
                        .values()
                        .filter_map(|v| v.as_str().map(str::to_owned)),
                )
                .collect();
            let mut parents = BTreeSet::new();
            for template in &templates {
                for placeholder in crate::select::placeholders(template) {
                    let reference = placeholder
                        .strip_prefix("resources.")
                        .unwrap_or(placeholder);
                    match reference.split_once('.') {
                        None if param_names.contains(&reference) => {}
                        None => {
                            let help = match suggest::did_you_mean(reference, &param_names) {
                                Some(close) => format!("did you mean `{{{close}}}`?"),
                                None => "define it under `params`, or write `{<parent>.<field>}` to read a parent resource's field".into(),
                            };
                            self.problem(
                                d.path_span.as_ref(),
                                &d.path_at,
                                format!(
                                    "placeholder `{{{placeholder}}}` names no source parameter"
                                ),
                                Some(help),
                            );
                        }
                        Some((parent, field)) => {
                            if field.is_empty() {
                                self.problem(d.path_span.as_ref(), &d.path_at, format!("placeholder `{{{placeholder}}}` names no field of `{parent}`"), Some(format!("expected `{{{parent}.<field>}}`, such as `{{{parent}.id}}`")));
                            } else if name_refs.contains(&parent) {
                                parents.insert(parent.to_owned());
                            } else {
                                let help = suggest::help(parent, &name_refs);
                                self.problem(
                                    d.path_span.as_ref(),
                                    &d.path_at,
                                    format!("placeholder `{{{placeholder}}}` names an unknown parent resource `{parent}`"),
                                    Some(help),
                                );
                            }
                        }
                    }
                }
            }
            if parents.is_empty() && !d.config.spec.include_from_parent.is_empty() {
                let shown = d.config.spec.include_from_parent.join("`, `");
                self.problem(
                    d.path_span.as_ref(),
                    &d.path_at,
                    format!(
                        "`include_from_parent` (`{shown}`) needs a parent, but the path names none"
                    ),
                    Some("read a parent field in the path, such as `{contacts.id}`".into()),
                );
            }
            match parents.len() {
                0 | 1 => d.config.parent = parents.into_iter().next(),
                _ => {
                    let list: Vec<String> = parents.iter().map(|p| format!("`{p}`")).collect();
                    self.problem(
                        d.path_span.as_ref(),
                        &d.path_at,
                        format!(
                            "placeholders name more than one parent resource: {}",
                            list.join(", ")
                        ),
                        Some("a child resource reads the fields of one parent".into()),
                    );
                }
            }
        }
        // Cycles: follow each resource's parent chain; reaching it again is a cycle.
        let parent_of: BTreeMap<&str, &str> = drafts
            .iter()
            .filter_map(|d| Some((d.config.spec.name.as_str(), d.config.parent.as_deref()?)))
            .collect();
        let mut cycle_problems = Vec::new();
        for d in &drafts {
            let start = d.config.spec.name.as_str();
            let mut chain = vec![start];
            let mut at = start;
            while let Some(&next) = parent_of.get(at) {
                if next == start {
                    let shown: Vec<String> = chain
                        .iter()
                        .chain([&start])
                        .map(|n| format!("`{n}`"))
                        .collect();
                    cycle_problems.push((
                        d.path_span.clone(),
                        d.path_at.clone(),
                        shown.join(" → "),
                    ));
                    break;
                }
                if chain.contains(&next) {
                    break; // a cycle further up, reported for its own members
                }
                chain.push(next);
                at = next;
            }
        }
        for (span, at, shown) in cycle_problems {
            self.problem(
                span.as_ref(),
                &at,
                format!("parent resources form a cycle: {shown}"),
                Some("a child's placeholders must not lead back to itself".into()),
            );
        }
        drafts.into_iter().map(|d| d.config).collect()
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
                        super::tree::Key {
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

/// Headers whose value is a credential; a plain value for them is an inline credential.
fn is_credential_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace('_', "-");
    name == "authorization"
        || name == "proxy-authorization"
        || name == "cookie"
        || ["token", "secret", "api-key", "apikey", "password"]
            .iter()
            .any(|word| name.contains(word))
}
