//! Declarative sources: the same source a `#[rest_source]` struct describes, written in TOML
//! or JSON with dlt's REST API source layout and `type` names, loaded and validated at run
//! time.
//!
//! ```
//! use rest_source_runtime::config::SourceConfig;
//!
//! let config = SourceConfig::from_toml_str(
//!     r#"
//! name = "crm"
//!
//! [client]
//! base_url = "https://crm.example.com/api/v1"
//! auth = { type = "bearer", token = { secret = "api_token" } }
//! paginator = { type = "json_link", next_url_path = "paging.next" }
//!
//! [[resources]]
//! name = "contacts"
//! endpoint = { path = "contacts", data_selector = "results" }
//!
//! [[resources]]
//! name = "notes"
//! endpoint = { path = "contacts/{contacts.id}/notes" }
//! "#,
//!     "crm.toml",
//! )?;
//! assert_eq!(config.resources[1].parent.as_deref(), Some("contacts"));
//! assert_eq!(config.secret_keys(), ["api_token"]);
//! # Ok::<(), rest_source_runtime::config::ConfigError>(())
//! ```
//!
//! # The layout
//!
//! | Key | Meaning |
//! |---|---|
//! | `name` | the source name: secrets are looked up under `[sources.<name>]` (default: the file stem; the CLI then uses dlt's default, `rest_api`) |
//! | `params` | source parameters, filling `{param}` placeholders in paths and query params |
//! | `client.base_url` | the API's base URL (required) |
//! | `client.headers` | headers sent with every request; a credential header must be `{ secret = "key" }` |
//! | `client.auth` | the source's auth: `type` is dlt's `bearer`, `api_key`, `http_basic`, `oauth2_client_credentials`, a built-in non-standard flow `oauth2_refresh_token`, `session_token`, `oauth2_jwt_bearer` (see [Auth types](#auth-types)), or `none`; as in dlt, a table without `type` is `bearer` and a bare type name (`auth = "bearer"`) takes every credential from the `credentials` section |
//! | `client.paginator` | the default paginator: `json_link`, `header_link`, `header_cursor`, `offset`, `page_number`, `cursor`, `single_page`, `auto` (`offset`, `page_number` and `cursor` also take dlt's `*_body_path` keys, for APIs paged through the JSON body) |
//! | `client.tls` | `root_certificates` (a PEM file or a list: roots trusted besides the system's and `SSL_CERT_FILE`), `client_certificate` + `client_key` (PEM files, for mutual TLS); paths relative to the config file's folder, read when the source is built, never printed |
//! | `client.proxy` | the proxy every request (token requests too) goes through, replacing `HTTPS_PROXY` & co.: `"http://proxy:3128"`, or `{ secret = "key" }` when its URL holds a password (a password in the config is refused) |
//! | `client.no_proxy` | hosts reached without `client.proxy`, as `NO_PROXY` lists them: `["localhost", ".internal.example"]` or `"localhost,.internal.example"` |
//! | `resource_defaults` | merged into every resource as dlt merges it: a key the resource sets replaces the default's whole, except `endpoint.params` and `endpoint.json`, merged one level deep |
//! | `resources[]` | `name`, `endpoint` (`path`, `method`, `params`, `headers` (as `client.headers`, secret ones too, this resource only), `json`, `data` (a table or a list of `[key, value]` pairs sent form-encoded, a string sent raw), `data_selector`, `paginator`, `incremental` (`cursor_path`, `start_param`, `end_param`, `initial_value`, `end_value`, `range_start`, `range_end`, `lag`, `on_cursor_value_missing`, `row_order`, `last_value_func`, `primary_key`), `response_actions` (`[{ status_code = 404, action = "ignore" }]`; `content`; `action` `ignore` or `retry`), `auth`), `primary_key`, `include_from_parent`, `max_pages`, `max_items`, `selected`, `parallelized`, and dlt's destination hints (`write_disposition`, `table_name`, `columns`, …: carried into the run report, see [`ResourceSpec::loader_hints`](crate::spec::ResourceSpec::loader_hints)) |
//!
//! A JSON `null` is the key left out, as in dlt (`paginator = null`: the client's;
//! `params.x = null`: not sent), except `endpoint.auth = null`: that resource is public.
//! Params go out as dlt's `requests` sends them: a list repeats the key (`ids=1&ids=2`), a
//! boolean is `True`/`False`; a `{name}` in the path naming an `endpoint.params` entry takes
//! its value, and the entry is not sent as a query param.
//!
//! # Secrets are referenced, never written
//!
//! Every credential (`token`, `api_key`, `password`, `client_secret`, `refresh_token`,
//! `private_key`, login fields whose name contains `pass`, `secret`, `token`, `key`, `pin` or
//! `otp`, and credential headers such as `Authorization`) must be a reference,
//! `token = { secret = "api_token" }` (JSON: `"token": {"secret": "api_token"}`); a plain
//! string there is a load error, so a config file can be committed. `username`, `client_id`,
//! a JWT `issuer` and other login fields may be either: they identify, they do not
//! authenticate (RFC 6749 §2.2 calls the client id public), and many teams keep them in config.
//!
//! # Auth types
//!
//! Each `type`'s keys are the `#[rest_source]` auth form's argument names, and a config and a
//! macro with the same auth build the same [`AuthSpec`]:
//!
//! | `type` | Keys (required in bold) |
//! |---|---|
//! | `bearer` | **`token`** |
//! | `api_key` | **`api_key`**, `name` (default `Authorization`), `location` (`header`, `query` or dlt's `param`, `cookie`, `body`) |
//! | `http_basic` | **`username`**, **`password`** |
//! | `oauth2_client_credentials` | **`access_token_url`**, **`client_id`**, **`client_secret`**, `scope`, `audience`, `client_auth` (`body`, `basic`), `default_token_expiration`, dlt's `access_token_request_data` |
//! | `oauth2_refresh_token` | **`access_token_url`**, **`client_id`**, `client_secret` (absent for a public client), **`refresh_token`**, `scope`, `client_auth`, `default_token_expiration`, `token_store` (where rotated refresh tokens are kept: a file path, or `s3://…`/`gs://…`/`az://…` shared by workers, see `shared_store`), shaping keys, `refresh_token_path` |
//! | `oauth2_jwt_bearer` | **`access_token_url`**, **`issuer`**, **`private_key`**, `subject`, `audience`, `scope`, `key_id`, `default_token_expiration`, shaping keys |
//! | `session_token` | **`login_url`**, `credentials` (login fields), `body` (`json`, `form`), exactly one of **`token_path`**, **`token_header`**, **`token_cookie`**, `location` (`header`, `query`, `cookie`, `body`), `name` (required off the header), `prefix`, `ttl`, `expires_in_path`, `expires_at_path` |
//!
//! The shaping keys describe a token endpoint off the RFC 6749 shape: `token_body` (`form`,
//! `json`), `access_token_path`, `expires_in_path`, `expires_at_path` (dot-separated JSON
//! paths). `scope` may be a string or a list (sent space-separated); durations are seconds.
//!
//! ```
//! use rest_source_runtime::config::SourceConfig;
//! use rest_source_runtime::spec::AuthSpec;
//!
//! let config = SourceConfig::from_toml_str(
//!     r#"
//! name = "legacy"
//! [client]
//! base_url = "https://legacy.example.com/api"
//! [client.auth]
//! type = "session_token"
//! login_url = "https://legacy.example.com/api/login"
//! credentials = { username = "etl-bot", password = { secret = "password" } }
//! token_path = "data.token"
//! prefix = "Token "
//! [[resources]]
//! name = "items"
//! "#,
//!     "legacy.toml",
//! )?;
//! assert!(matches!(config.client.auth, Some(AuthSpec::SessionToken { .. })));
//! assert_eq!(config.secret_keys(), ["password"]);
//! # Ok::<(), rest_source_runtime::config::ConfigError>(())
//! ```
//!
//! # Placeholders
//!
//! `{param}` names a source `params` entry; `{<parent>.<field>}` (or dlt's newer
//! `{resources.<parent>.<field>}`) makes the resource a child, requested once per parent
//! record. dlt's older `params = { id = { type = "resolve", resource = "contacts", field = "id" } }`
//! is accepted and means the same as `{contacts.id}`. Placeholders are filled in the path,
//! string `params`, `headers` values and every string of `json` and `data`, including
//! `{incremental.start_value}` (and `last_value`, `initial_value`, `end_value`, and the
//! incremental's settings, such as `{incremental.lag}`, as dlt reads them); values put
//! into the path are percent-encoded; see [`crate::placeholder`]. One that names nothing is a
//! load error at the key where it is written.
//!
//! # From the command line
//!
//! The facade crate's `rest-source` binary (`cargo install rest-source --features cli`) runs a
//! config without any Rust: `rest-source check crm.toml` validates it, resolves its secrets
//! and makes one authenticated request per distinct auth; `rest-source run crm.toml --out
//! data` writes each resource's records to `data/<resource>.jsonl`.
//!
//! # Errors
//!
//! Loading reports every problem at once, each with the file, line and column (JSON too) and
//! the path of the key, and a "did you mean" or "expected one of" where one helps; see
//! [`ConfigError`].

mod build;
mod error;
mod json_tree;
mod suggest;
mod toml_tree;
mod tree;
mod validate;

use std::collections::BTreeMap;
use std::path::Path;

pub use build::{AuthCheck, Source};
pub use error::{ConfigError, ConfigProblem, Location};

use crate::spec::{AuthSpec, MaybeSecret, PaginatorSpec, SourceSpec};
use tree::Node;

/// The two formats a config may be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// TOML (`.toml`).
    Toml,
    /// JSON (`.json`).
    Json,
}

impl Format {
    /// The format a file name's extension says (`.toml` or `.json`).
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// A validated source config: what the file says, as spec values the runtime executes.
/// Build the runnable [`Source`] with [`SourceConfig::build`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SourceConfig {
    /// The source name (the secrets section `sources.<name>`).
    pub name: String,
    /// Whether the config sets `name` (else `name` is the file stem). A dlt source given no
    /// name is called `rest_api`; the CLI looks its secrets up under that name then, as dlt
    /// does.
    pub named: bool,
    /// Source parameters for `{param}` placeholders.
    pub params: BTreeMap<String, String>,
    /// The shared client settings.
    pub client: ClientConfig,
    /// The resources, in file order, `resource_defaults` and the client paginator applied.
    pub resources: Vec<ResourceConfig>,
}

/// The `client` block.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The API's base URL.
    pub base_url: String,
    /// Headers sent with every request; secret ones by key.
    pub headers: Vec<(String, MaybeSecret)>,
    /// The source's auth (absent: none).
    pub auth: Option<AuthSpec>,
    /// The default paginator of resources that set none.
    pub paginator: Option<PaginatorSpec>,
    /// `[client.tls]`, `client.proxy` and `client.no_proxy` (paths already relative to the
    /// config file's folder).
    pub transport: crate::spec::TransportSpec,
}

/// One resource of the config: the model's [`SourceResource`](crate::spec::SourceResource) (its spec, its own auth
/// (`endpoint.auth`), its secret headers, its parent, whether it is selected), so the config
/// and the macro describe a resource with one type.
pub use crate::spec::SourceResource as ResourceConfig;

impl SourceConfig {
    /// Loads `path`, in the format its extension names. The source name defaults to the
    /// file stem (`crm.toml` → `crm`).
    pub fn from_path(path: impl AsRef<Path>) -> Result<SourceConfig, ConfigError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let one = |message: String, help: Option<String>| {
            ConfigError::new(
                origin.clone(),
                vec![ConfigProblem {
                    location: Location {
                        origin: origin.clone(),
                        path: String::new(),
                        line_col: None,
                    },
                    message,
                    help,
                }],
            )
        };
        let Some(format) = Format::from_path(path) else {
            return Err(one(
                "cannot tell the config format from the file name".into(),
                Some("expected a `.toml` or `.json` file".into()),
            ));
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| one(format!("cannot read the config: {e}"), None))?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("source");
        Self::parse(&text, &origin, format, stem)
    }

    /// Loads TOML text; `origin` names it in errors (a file name). The source name defaults
    /// to `origin`'s file stem.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<SourceConfig, ConfigError> {
        Self::parse(text, origin, Format::Toml, &stem_of(origin))
    }

    /// Loads JSON text; `origin` names it in errors (a file name). The source name defaults
    /// to `origin`'s file stem.
    pub fn from_json_str(text: &str, origin: &str) -> Result<SourceConfig, ConfigError> {
        Self::parse(text, origin, Format::Json, &stem_of(origin))
    }

    fn parse(
        text: &str,
        origin: &str,
        format: Format,
        default_name: &str,
    ) -> Result<SourceConfig, ConfigError> {
        let parsed: Result<Node, _> = match format {
            Format::Toml => toml_tree::parse(text),
            Format::Json => json_tree::parse(text),
        };
        let root = parsed.map_err(|(message, line, column)| {
            let format_name = match format {
                Format::Toml => "TOML",
                Format::Json => "JSON",
            };
            ConfigError::new(
                origin,
                vec![ConfigProblem {
                    location: Location {
                        origin: origin.to_owned(),
                        path: String::new(),
                        line_col: Some((line, column)),
                    },
                    message: format!("invalid {format_name}: {message}"),
                    help: None,
                }],
            )
        })?;
        let mut validator = validate::Validator::new(text, origin, format);
        match validator.source(&root, default_name) {
            Some(config) if validator.problems.is_empty() => Ok(config),
            _ => Err(ConfigError::new(origin, validator.problems)),
        }
    }

    /// Every secret key the config references (auths, then headers), deduplicated, in order:
    /// [`SourceSpec::secret_keys`] of [`SourceConfig::to_spec`].
    pub fn secret_keys(&self) -> Vec<&str> {
        rest_source_spec::secret_keys(
            self.client.auth.as_ref(),
            &self.client.headers,
            &self.resources,
            &self.client.transport,
        )
    }

    /// The config as the source model both front ends produce (what the validator checks
    /// and [`crate::spec::assemble`] builds).
    pub fn to_spec(&self) -> SourceSpec {
        let mut spec = SourceSpec::new(&self.name, &self.client.base_url);
        spec.headers = self.client.headers.clone();
        spec.auth = self.client.auth.clone();
        spec.paginator = self.client.paginator.clone();
        spec.transport = self.client.transport.clone();
        spec.params = self.params.clone();
        spec.resources = self.resources.clone();
        spec
    }
}

fn stem_of(origin: &str) -> String {
    Path::new(origin)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("source")
        .to_owned()
}
