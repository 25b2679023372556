//! Procedural macros for `rest-source`. Use them through the `rest-source` crate, which
//! re-exports them together with the runtime the generated code needs.
//!
//! This file is the proc-macro shim; the logic is plain code (parse → validate → expand)
//! in the modules below, unit-tested on `syn::parse_quote!` input.

mod args;
mod ast;
mod attr;
mod auth;
mod ctxt;
mod endpoint;
mod entry;
mod expand;
mod fallback;
// The runtime's placeholder rules (from the model crate), so that a placeholder means the
// same at compile time as at run time.
use rest_source_spec::placeholder;
mod schema;
mod shared;
mod suggest;
mod valid;

use proc_macro::TokenStream;

/// Describes a REST API source on a struct and expands into a typed client.
///
/// ```
/// use rest_source::{Resource, rest_source};
///
/// #[derive(serde::Deserialize)]
/// struct Contact { id: u64, name: String }
///
/// #[rest_source(
///     base_url = "https://crm.example.com/api/v1",
///     auth = bearer(token = secret("token")),
///     paginator = json_link(next_url_path = "paging.next"),
/// )]
/// struct Crm {
///     /// A source parameter, `{region}` in paths.
///     region: String,
///     #[resource(path = "{region}/contacts", data_selector = "results")]
///     contacts: Resource<Contact>,
/// }
///
/// let crm = Crm::builder()
///     .region("eu")
///     .secrets(CrmSecrets { token: rest_source::Secret::new("t0k3n") })
///     .build()?;
/// assert_eq!(Crm::SECRET_KEYS, ["token"]);
/// assert_eq!(crm.region, "eu");
/// let _lazy = crm.contacts; // nothing is requested until the stream is polled
/// # Ok::<(), rest_source::Error>(())
/// ```
///
/// **What it expands to**: `macros/src/expand/snapshots/` in the repository holds the whole
/// expansion of a CRM source (the `<Name>Secrets` struct, the type-state builder, `check()`,
/// the resources' assembly), pinned by the snapshot test in `macros/src/expand/mod.rs`;
/// `cargo expand` shows it for your own source. The guide's chapter on the macro
/// (`rest_source::guide::source_macro`) walks through it.
///
/// Source arguments: `base_url = "…"` (required, absolute http(s) URL), `auth = <form>`,
/// `headers("Name" = "value", "Other" = secret("key"))`, `paginator = <paginator>` (the
/// default for every resource), `name = "…"` (the secrets section; default: the struct name
/// in snake_case), `secrets_schema = "…"` (a value-free schema, relative to this source file;
/// default `secrets.schema.toml` next to `Cargo.toml` when it exists), `crate = "…"` (the
/// path to the `rest_source` facade when a crate re-exports or renames it, e.g. `crate =
/// "crate::reexports::rest_source"`; every path of the expansion goes through it; it must
/// start with `crate::` or a crate name).
///
/// Auth forms (dlt's names; `[…]` = optional):
/// - `bearer(token)`
/// - `api_key(api_key, [name = "Authorization"], [location = header|query|cookie|body])`
/// - `http_basic(username, password)`
/// - `oauth2_client_credentials(access_token_url, client_id, client_secret, [scope],
///   [audience], [client_auth = body|basic], [default_token_expiration = 3600])`
/// - `oauth2_refresh_token(access_token_url, client_id, refresh_token, [client_secret]
///   (absent: a public client), [scope], [client_auth], [default_token_expiration],
///   [token_store = "tokens.json"] (rotated refresh tokens survive restarts; a path or a URL
///   such as `s3://bucket/key` shared by workers; absent: memory),
///   [token_body = form|json], [access_token_path], [expires_in_path], [expires_at_path],
///   [refresh_token_path])`
/// - `oauth2_jwt_bearer(access_token_url, issuer, private_key, [subject], [audience],
///   [scope], [key_id], [default_token_expiration], [token_body], [access_token_path],
///   [expires_in_path], [expires_at_path])` (RS256, RFC 7523)
/// - `session_token(login_url, [credentials(username = …, password = secret("…"), …)],
///   [body = json|form], exactly one of token_path = "data.token" | token_header = "…" |
///   token_cookie = "…", [location = header|query|cookie|body], [name] (default
///   `Authorization`; required off the header), [prefix] (default `Bearer ` on
///   `Authorization`, else none), [ttl = seconds], [expires_in_path], [expires_at_path])`
/// - `custom(MyAuth, arg = secret("…"), setting = "…", …)` (`MyAuth: Auth + FromSecrets`),
///   or `custom(flow = MyGrant, …)` (`MyGrant: OAuth2Flow + FromSecrets`, wrapped in the
///   runtime's caching `OAuth2`): the way to anything not built in. `from_secrets` gets
///   every argument under its name, a plain setting as a `Secret` too (read it with
///   `expose()`); the builder's `access_token_url(…)` / `login_url(…)` /
///   `token_store(…)` overrides arrive under those names, replacing an argument of that
///   name.
/// - `none`
///
/// Credentials (`token`, `password`, `client_secret`, `api_key`, `refresh_token`,
/// `private_key`, login fields whose name says `pass`/`secret`/`token`/`key`, custom
/// arguments whose name ends in a credential word — `…token`, `…key`, `…secret`,
/// `…password`, … — but not `token_url`, `token_store`, `key_id`) must be `secret("key")`:
/// a literal is a compile error.
///
/// Paginators, with dlt's argument names (types checked): `auto`, `single_page`,
/// `json_link([next_url_path], [has_more_path], [stop_after_empty_page])`,
/// `header_link([links_next_key])`, `offset(limit, [offset], [offset_param], [limit_param],
/// [total_path], [maximum_offset], [stop_after_empty_page], [has_more_path])`,
/// `page_number([base_page], [page], [page_param], [total_path], [maximum_page],
/// [stop_after_empty_page], [has_more_path])`, `cursor([cursor_path], [cursor_param],
/// [has_more_path], [stop_after_empty_page])`.
///
/// Fields: `#[resource(…)]` on a `Resource<Item>` field, with `path` (required),
/// `data_selector`, `primary_key`, `paginator`, `params("status" = "open", "per_page" = 50,
/// "since" = "{since}")` (literal strings, numbers, bools; `{param}` names a source
/// parameter, `{parent.field}` makes a child), `headers(…)` (as on the source, this
/// resource only), `incremental(cursor_path, [start_param] (or dlt's `param`),
/// [initial_value], [end_value], [end_param])`, `include_from_parent = ["id", …]` (child
/// resources: copied as `_<parent>_<field>`), `method = "GET"|"POST"`, `data("field" = "{contacts.id}", …)` (a form body, dlt's `data`) or `data = "…"` (a raw
/// body), `json = "…"` (a JSON
/// body, with `POST`), `max_pages`, `max_items`, `concurrency = N` (requests the resource
/// keeps in flight: addressable pages and children of several parents; default 4).
/// `#[auth(<form>)]` on a resource overrides
/// the source's auth; any other field is a source parameter, usable as `{name}` in paths
/// and params. An incremental resource exposes `incremental_state()` /
/// `with_incremental_state(…)` (the runtime `Resource` methods; clones share the state).
///
/// Generates `<Name>Secrets` (one `Secret` field per key), `<Name>Builder` (type-state:
/// `build` exists once every parameter and the secrets are set; `base_url(…)`,
/// `access_token_url(…)`, `login_url(…)`, `token_store(…)` (every refresh-token auth's
/// store, the builder's winning over the attribute's) and `configure_client(…)` adjust
/// it), and on the
/// struct `builder()`, `check()`, `source_spec()` (the source as a `SourceSpec`),
/// `SOURCE_NAME` and `SECRET_KEYS`.
#[proc_macro_attribute]
pub fn rest_source(args: TokenStream, item: TokenStream) -> TokenStream {
    let env = schema::Env {
        manifest_dir: std::env::var_os("CARGO_MANIFEST_DIR").map(Into::into),
        source_file: proc_macro::Span::call_site().local_file(),
    };
    entry::rest_source(args.into(), item.into(), &env).into()
}

/// Only meaningful on a `#[resource]` field inside `#[rest_source]`; anywhere else it is an
/// error that says so.
#[proc_macro_attribute]
pub fn auth(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::misplaced("auth", args.into(), item.into()).into()
}

/// Only meaningful on a field inside `#[rest_source]`; anywhere else it is an error that
/// says so.
#[proc_macro_attribute]
pub fn resource(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::misplaced("resource", args.into(), item.into()).into()
}
